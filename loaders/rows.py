"""Row helpers shared by the build (every source module) and local extracts (uploads).

Kept apart from :mod:`loaders.build` so an upload never imports the build, its
sources or GeoPandas: one value row, and the final column order, types and sort
of the values table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders import periods, schema

FLOAT_COLUMNS = ("value", "numerator", "denominator", "lower95", "upper95", "lower998", "upper998")
TEXT_COLUMNS = (
    "indicator_id",
    "area_code",
    "area_type",
    "period",
    "breakdown",
    "note",
    "source_id",
    "published_comparison",
)
SORT = ["indicator_id", "area_type", "area_code", "period_start", "breakdown"]


def row(
    indicator,
    code,
    area_type,
    period,
    value,
    *,
    numerator=np.nan,
    denominator=np.nan,
    breakdown="All",
    source,
    note="",
    decile=pd.NA,
    illustrative=False,
    estimate=False,
    published_comparison="",
) -> dict:
    """One row of the values table (period start and end from the label, in the indicator's convention:
    :func:`loaders.periods.for_indicator`, so DfE's NEET "2024" is stored as 2023/24, December-February)."""
    period, start, end = periods.for_indicator(indicator, period)
    return dict(
        indicator_id=indicator,
        area_code=code,
        area_type=area_type,
        period=period,
        period_start=start,
        period_end=end,
        breakdown=breakdown,
        value=value,
        numerator=numerator,
        denominator=denominator,
        national_decile=decile,
        is_illustrative=illustrative,
        is_estimate=estimate,
        is_suppressed=False,
        note=note,
        source_id=source,
        published_comparison=published_comparison,
    )


def finalise_values(v: pd.DataFrame) -> pd.DataFrame:
    """The values table's columns in schema order, fixed types, values rounded to 9 decimals, sorted."""
    cols = list(schema.VALUES.columns)
    v = v.copy()
    v["published_comparison"] = v.get("published_comparison", pd.Series("", index=v.index)).fillna("")
    v = v[cols]
    for c in FLOAT_COLUMNS:
        v[c] = v[c].astype(float).round(9)
    v["national_decile"] = v.national_decile.astype("Int8")
    for c in ("period_start", "period_end"):
        v[c] = pd.to_datetime(v[c]).astype("datetime64[ms]")
    for c in TEXT_COLUMNS:
        v[c] = v[c].astype(str)
    return v.sort_values(SORT).reset_index(drop=True)
