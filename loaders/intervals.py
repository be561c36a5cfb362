"""Attach 95% and 99.8% confidence intervals to the built values, per indicator method.

The statistics live in :mod:`phstats`; this module only maps each indicator's
``interval`` method and multiplier onto the rows that have a count and denominator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phstats.intervals import add_intervals

LEVELS = {"95": 0.95, "998": 0.998}


def with_intervals(values: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    meta = indicators.set_index("indicator_id")
    out = values.copy()
    for suffix in LEVELS:
        out[f"lower{suffix}"] = np.nan
        out[f"upper{suffix}"] = np.nan
    for ind, idx in out.groupby("indicator_id").groups.items():
        method = meta.at[ind, "interval"]
        if method == "none":
            continue
        sub = out.loc[idx]
        ok = sub.numerator.notna() & sub.denominator.notna()
        if not ok.any():
            continue
        for suffix, level in LEVELS.items():
            ci = add_intervals(sub[ok], method=method, level=level, multiplier=float(meta.at[ind, "multiplier"]))
            out.loc[ci.index, f"lower{suffix}"] = ci.lower.to_numpy()
            out.loc[ci.index, f"upper{suffix}"] = ci.upper.to_numpy()
    return out
