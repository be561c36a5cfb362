"""Quantile groups (quintiles by default) within a set of areas, the way Fingertips assigns them.

Reference followed: repo ukhsa-collaboration/fingertips-open (the open-source Fingertips),
``PholioVisualisationWS/Analysis/ValueCategoriesCalculator.cs`` (bounds),
``QuintilesCalculator.cs`` and ``QuintilesComparer.cs`` / ``QuartilesComparer.cs`` (categories):

1. Sort the valid values (N of them).
2. Bounds are [min, P(1/n), ..., P((n-1)/n), max], where P(f) is the percentile with linear
   interpolation between closest ranks at 1-based position (N - 1) * f + 1 (the same definition
   as ``numpy.quantile(method="linear")``).
3. An area's group is the first k in 1..n with value <= bound k, so group 1 holds the lowest
   values, tied values always share a group, and a value equal to a cut point goes to the lower
   group.
4. With fewer valid values than groups no group is assigned (Fingertips returns category 0).

Where ties meet the extremes, Fingertips' rule mislabels areas, so two cases differ from it:

* values tied at the maximum all go to group n. Fingertips puts a value equal to a cut point in
  the lower group, so when cut n-1 equals the maximum (the top tie fills the last group and more)
  the highest values land in a middle group: ten wards tied at the top were "Middle", and the
  worst-quintile hotspot rule never flagged them. Ties at the minimum already share group 1.
* when every value is equal nothing is better or worse than anything else, so no group may say
  so: all go to the middle group (n + 1) / 2, e.g. quintile 3, which claims nothing. With an
  even n there is no middle group and they get none (<NA>). Fingertips put them all in group 1
  ("Best 20%" or "Worst 20%", depending on polarity).

Otherwise a tied block gets the group of its lowest rank, as in Fingertips. So a tie never
splits, groups never decrease as values increase, a value is in group 1 only if some value is
strictly higher and in group n only if some value is strictly lower: with polarity, nothing is
labelled best or worst unless something really is worse or better than it.

Fingertips rounds each interpolated bound to 10 decimal places to undo floating-point artefacts;
here positions are computed in exact integer arithmetic instead, so no rounding is needed.
For 22 distinct values (e.g. Bromley's wards) the quintile sizes are 5, 4, 4, 4, 5.

``group1="highest"`` relabels the same groups from the top (group k becomes n + 1 - k), so the
partition is always Fingertips'; only the numbering changes.

Not followed: the newer FingertipsNext (repo dhsc-govuk/FingertipsNext, ``database/
fingertips-db/StoredProcedures/GetIndicatorDataWithQuintileBenchmarkComparison.sql``) uses SQL
``NTILE(5) OVER (ORDER BY Value)``, which puts 22 areas in groups of 5, 5, 4, 4, 4 and can
split tied values between groups.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Final

import numpy as np
import pandas as pd

from phstats.polarity import HIGH_IS_GOOD, LOW_IS_GOOD, check_polarity

ORIENTATIONS: Final[tuple[str, ...]] = ("lowest", "highest")


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    return int(n)


def _check_group1(group1: str) -> str:
    if group1 not in ORIENTATIONS:
        raise ValueError(f"group1 must be one of {ORIENTATIONS}, got {group1!r}")
    return group1


def _as_float_array(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    try:
        numeric = pd.to_numeric(pd.Series(values), errors="raise")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values must be numeric: {exc}") from None
    return numeric.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def quantile_bounds(values: Sequence[float] | np.ndarray | pd.Series, n: int = 5) -> np.ndarray:
    """The n + 1 group bounds [min, cut 1, ..., cut n-1, max] of the finite ``values``.

    Returns an empty array when there are fewer finite values than groups.
    """
    n = _check_n(n)
    arr = _as_float_array(values)
    valid = np.sort(arr[np.isfinite(arr)])
    size = len(valid)
    if size < n:
        return np.array([], dtype=float)
    bounds = [valid[0]]
    for k in range(1, n):
        index, remainder = divmod((size - 1) * k, n)  # exact 0-based position (size-1)*k/n
        step = valid[index + 1] - valid[index] if remainder else 0.0
        bounds.append(valid[index] + remainder / n * step)
    bounds.append(valid[-1])
    return np.array(bounds)


def assign_quantiles(
    values: Sequence[float] | np.ndarray | pd.Series, n: int = 5, group1: str = "lowest"
) -> pd.arrays.IntegerArray:
    """Quantile group (1..n) of each value among all the finite ``values``, as nullable Int64.

    NaN/None/inf get <NA>; when there are fewer finite values than ``n`` every group is <NA>.
    Tied values share a group; ties at the extremes and all-equal values as in the module notes.
    ``group1`` says whether group 1 holds the ``"lowest"`` (Fingertips' order) or ``"highest"``
    values. Raises ``ValueError`` for non-numeric values, ``n < 2`` or an unknown ``group1``.
    """
    group1 = _check_group1(group1)
    arr = _as_float_array(values)
    bounds = quantile_bounds(arr, n)
    groups = pd.array(np.full(len(arr), pd.NA), dtype="Int64")
    if bounds.size == 0:
        return groups
    valid = np.isfinite(arr)
    if bounds[0] == bounds[-1]:  # all equal: the middle group, none when n is even
        if n % 2 == 0:
            return groups
        ascending = np.full(valid.sum(), (n + 1) // 2)
    else:
        ascending = np.searchsorted(bounds[1:-1], arr[valid], side="left") + 1
        ascending[arr[valid] == bounds[-1]] = n  # a tie at the maximum is in the top group
    groups[valid] = ascending if group1 == "lowest" else n + 1 - ascending
    return groups


def quantile_frame(
    df: pd.DataFrame,
    value_col: str = "value",
    n: int = 5,
    group1: str = "lowest",
    out_col: str = "quintile",
    by: Hashable | list[Hashable] | None = None,
) -> pd.DataFrame:
    """Copy of ``df`` with ``out_col`` = :func:`assign_quantiles` of ``value_col``.

    With ``by`` (a column or list of columns, e.g. indicator and period) groups are assigned
    separately within each set of rows; otherwise across all rows.
    """
    _check_n(n)
    _check_group1(group1)
    keys = [] if by is None else (by if isinstance(by, list) else [by])
    missing = [c for c in [value_col, *keys] if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; present: {list(df.columns)}")
    positions = df.groupby(keys, sort=False, dropna=False).indices.values() if keys else [np.arange(len(df))]
    result = pd.array(np.full(len(df), pd.NA), dtype="Int64")
    for rows in positions:
        result[rows] = assign_quantiles(df[value_col].iloc[rows], n, group1)
    out = df.copy()
    out[out_col] = result
    return out


def worst_quantile_mask(
    groups: Sequence[object] | np.ndarray | pd.Series | pd.arrays.IntegerArray,
    n: int,
    polarity: str,
    group1: str = "lowest",
) -> np.ndarray:
    """Boolean array: is each group the worst one for this polarity?

    The worst group holds the highest values when low is good and the lowest values when high
    is good; ``"no_judgement"`` indicators have no worst group (all False). Missing groups are
    False. Raises ``ValueError`` for an unknown polarity or orientation.
    """
    polarity = check_polarity(polarity)
    n = _check_n(n)
    group1 = _check_group1(group1)
    arr = pd.array(groups, dtype="Int64")
    if polarity == LOW_IS_GOOD:
        worst = n if group1 == "lowest" else 1
    elif polarity == HIGH_IS_GOOD:
        worst = 1 if group1 == "lowest" else n
    else:
        return np.zeros(len(arr), dtype=bool)
    return (arr == worst).fillna(False).to_numpy(dtype=bool)
