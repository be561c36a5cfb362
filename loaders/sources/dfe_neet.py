"""DfE NEET and NEET-or-not-known, 16-17 year olds (LA, England; Trafford Data Lab tidy file).

DfE's figure for "2024" is the average of December 2023-February 2024: stored as ``2023/24`` (1 Dec 2023 to
29 Feb 2024), as Bromley's Performance Index labels it (:func:`loaders.periods.for_indicator`, applied by
:func:`loaders.rows.row`).
"""

from __future__ import annotations

import pandas as pd

from loaders.catalogue import OGL
from loaders.raw import RawFile, register
from loaders.sources.gla_ward_profiles import la_areas
from loaders.sources.la_tidy import la_tidy_rows

RAW = [
    RawFile("neet", "neet.csv", "utf-8", ("area_code", "area_name", "period", "indicator", "value")),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "dfe_neet": dict(
        raw=["neet"],
        licence=OGL,
        publisher="Department for Education (via OHID Fingertips, tidied by Trafford Data Lab)",
        title="16-17 year olds not in education, employment or training (NEET) and NEET or not known",
        url="https://www.gov.uk/government/collections/statistics-neet",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DfE; Trafford Data Lab)",
    ),
}
INDICATORS = ["neet", "neet_or_not_known"]
AREA_PRIORITY = 20


def _read(raw):
    return la_tidy_rows(
        raw,
        "neet",
        {
            "Not in education, employment or training (NEET)(16-17 years old)": "neet",
            "Not in education, employment or training (NEET)(inc not know)(16-17 years old)": "neet_or_not_known",
        },
        "dfe_neet",
        "as published (1 decimal place), no counts",
    )


def rows(ctx) -> list[dict]:
    return ctx.memo("dfe_neet", lambda: _read(ctx.raw))[0]


def areas(ctx) -> pd.DataFrame:
    return la_areas(ctx.memo("dfe_neet", lambda: _read(ctx.raw))[1])
