"""Trafford Data Lab tidy LA files (area_code, area_name, period, indicator, value): one reader for several sources."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.codes import BROMLEY, ENGLAND
from loaders.raw import Raw, RawDataError, numeric
from loaders.rows import row


def la_tidy_rows(
    raw: Raw, key: str, indicators: dict[str, str], source: str, note: str, keep=lambda df: df
) -> tuple[list[dict], pd.DataFrame]:
    d = keep(raw.csv(key)).drop_duplicates()
    name = raw.path(key).name
    rows = []
    for label, ind in indicators.items():
        sub = d[d.indicator == label]
        if sub.empty:
            raise RawDataError(f"{name}: no rows for indicator {label!r}")
        vals = numeric(sub, "value", name, allow_missing=True)
        # Fingertips' own comparison with England, where the file carries it (obesity): kept as published
        comp = (
            sub["compared_to_England"].fillna("").astype(str).str.strip()
            if "compared_to_England" in sub
            else pd.Series("", index=sub.index)
        )
        for code, period, v, c in zip(sub.area_code, sub.period.astype(str), vals, comp):
            if np.isnan(v):
                continue
            atype = "country" if code == ENGLAND else "la"
            rows.append(
                row(
                    ind,
                    code,
                    atype,
                    period,
                    float(v),
                    source=source,
                    note=note,
                    published_comparison=c if atype == "la" else "",
                )
            )
    if not any(r["area_code"] == BROMLEY for r in rows):
        raise RawDataError(f"{name}: no Bromley (E09000006) rows")
    return rows, d[["area_code", "area_name"]].drop_duplicates("area_code")
