"""A chart plus its data, kept apart.

Altair copies inline data into every layer and hashes it when it serialises, which
for a ward map cost ~7x the time of the chart itself. Builders here reference named
datasets (``alt.NamedData``) and carry the rows alongside; the Vega-Lite spec is
assembled once, without re-validating the data, when it is shown or exported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import altair as alt
import pandas as pd


@dataclass
class Figure:
    chart: alt.TopLevelMixin
    datasets: dict[str, list[dict]] = field(default_factory=dict)

    def spec(self, *, big: bool = False) -> dict:
        from charts.style import config  # noqa: PLC0415 (style imports nothing from here)

        spec = self.chart.to_dict(validate=False)
        spec["config"] = {**spec.get("config", {}), **config(big=big)}
        spec["datasets"] = {**spec.get("datasets", {}), **self.datasets}
        return spec

    def json(self, *, big: bool = False) -> str:
        return json.dumps(self.spec(big=big), allow_nan=False)

    def with_chart(self, chart: alt.TopLevelMixin) -> Figure:
        """The same data under another chart (e.g. the chart framed for export)."""
        return Figure(chart, self.datasets)


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe rows: NaN and NA become null, timestamps ISO strings."""
    return json.loads(df.to_json(orient="records", date_format="iso"))
