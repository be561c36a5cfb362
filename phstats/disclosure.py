"""Small-number suppression for public presentation (statistical disclosure control).

Primary suppression: any count below ``threshold`` (default 5, i.e. 1-4; zero counts
are suppressed too, because "none" in a small ward can itself disclose).
Secondary suppression: within each group shown together with its total (e.g. all
Bromley wards for one indicator and period), a lone suppressed count could be
worked back by subtraction from the total. So further counts are suppressed,
smallest first, until at least two are suppressed AND the suppressed counts add up
to at least ``threshold``, so neither any one of them nor their sum discloses a
small number. Visible counts equal to the last one suppressed are suppressed too:
otherwise someone who knows this rule learns that the hidden partner is at most the
smallest visible count, which with a tie pins a hidden count exactly (e.g. counts
5, 5, 4 with only one 5 hidden would reveal the 4).

Callers must also present suppressed rows in an order that does not depend on their
hidden values (model.public sorts them last, by name).

Known limit (as with any deterministic secondary suppression): someone who knows this
rule and sees a group's total can sometimes narrow hidden counts down, and in corner
cases pin one (e.g. two hidden counts adding to 8 when each must be below 5 are both 4).
This is the standard primary + smallest-secondary practice, not a guarantee against a
determined attacker; the tests record the cases found.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 5
SUPPRESSED = "Suppressed"  # the label every view shows in place of a suppressed figure


def suppression_mask(
    df: pd.DataFrame, group_cols: Sequence[str], count_col: str = "numerator", threshold: int = DEFAULT_THRESHOLD
) -> pd.Series:
    """Boolean Series (index of ``df``): True where the row's figures must not be shown.

    Rows with no count (NaN) are never suppressed: they disclose no count.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    counts = pd.to_numeric(df[count_col], errors="coerce")
    mask = pd.Series(False, index=df.index)
    has = counts.notna()
    mask[has & (counts < threshold)] = True
    for _, idx in df[has].groupby(list(group_cols), sort=False, dropna=False).groups.items():
        sub = counts.loc[idx]
        hidden = mask.loc[idx]
        if not hidden.any():
            continue
        order = sub[~hidden].sort_values(kind="stable").index.tolist()
        last = None
        while (hidden.sum() < 2 or sub[hidden].sum() < threshold) and order:
            last = order.pop(0)
            hidden[last] = True
        if last is not None:
            hidden[sub.index[(sub == sub[last]) & ~hidden]] = True  # ties with the last partner
        mask.loc[idx] = hidden
    return mask


def apply_suppression(df: pd.DataFrame, mask: pd.Series, columns: Sequence[str]) -> pd.DataFrame:
    """Blank ``columns`` where ``mask`` is True and set ``is_suppressed``."""
    out = df.copy()
    m = mask.reindex(out.index, fill_value=False).to_numpy(dtype=bool)
    for c in columns:
        if c in out.columns:
            out[c] = out[c].astype(float).where(~m, np.nan)
    out["is_suppressed"] = out.get("is_suppressed", False) | m
    return out
