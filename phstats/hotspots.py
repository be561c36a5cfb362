"""Multi-indicator hotspot score: in how many indicators is each area flagged?

An indicator flags an area under one of four rules:

* ``"worst_quintile"``: the area is in the worst quantile group of that indicator among the
  areas in the data (quintiles by default, Fingertips method, see :mod:`phstats.quantiles`:
  every area tied at the worst value is in it, and when all values are equal none is);
* ``"significantly_worse"``: the comparator lies outside the area's interval on the bad side
  (see :mod:`phstats.compare`);
* ``"either"``: worst quintile or significantly worse;
* ``"both"``: worst quintile and significantly worse.

Indicators with polarity ``"no_judgement"`` never flag: they have no worst group and can only
be higher/lower, never worse. They still count in ``n_indicators`` when the area has a value.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Final

import pandas as pd

from phstats.compare import NOT_COMPARED, WORSE, compare_frame
from phstats.polarity import POLARITIES
from phstats.quantiles import assign_quantiles, worst_quantile_mask

RULES: Final[tuple[str, ...]] = ("worst_quintile", "significantly_worse", "either", "both")
REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "area_code",
    "indicator_id",
    "value",
    "lower",
    "upper",
    "polarity",
)


def _validate(
    data: pd.DataFrame,
    rule: str,
    comparators: Mapping[Hashable, float] | None,
    comparator_col: str,
) -> None:
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")
    missing = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; present: {list(data.columns)}")
    for key in ("area_code", "indicator_id"):
        if data[key].isna().any():
            raise ValueError(f"{int(data[key].isna().sum())} row(s) with missing {key}")
    bad = sorted({str(p) for p in data["polarity"].unique() if p not in POLARITIES})
    if bad:
        raise ValueError(f"unknown polarity value(s) {bad}; expected one of {POLARITIES}")
    mixed = data.groupby("indicator_id")["polarity"].nunique()
    if (mixed > 1).any():
        raise ValueError(f"indicator(s) with several polarities: {list(mixed[mixed > 1].index)}")
    dupes = data.duplicated(["area_code", "indicator_id"])
    if dupes.any():
        first = data.loc[dupes, ["area_code", "indicator_id"]].iloc[0].tolist()
        raise ValueError(f"{int(dupes.sum())} duplicate area/indicator row(s), e.g. {first}")
    has_col = comparator_col in data.columns
    if comparators is not None and has_col:
        raise ValueError(f"give comparators or a {comparator_col!r} column, not both")
    if comparators is not None:
        absent = [i for i in data["indicator_id"].unique() if i not in comparators]
        if absent:
            raise ValueError(f"no comparator for indicator(s) {absent} (use NaN to skip one)")
    elif rule != "worst_quintile" and not has_col:
        raise ValueError(f"rule {rule!r} needs comparators: pass a dict or a {comparator_col!r} column")


def hotspot_matrix(
    data: pd.DataFrame,
    rule: str = "either",
    comparators: Mapping[Hashable, float] | None = None,
    comparator_col: str = "comparator",
    n: int = 5,
) -> pd.DataFrame:
    """Long area x indicator results: area_code, indicator_id, value, quintile, comparison, flagged.

    ``data`` is long (one row per area and indicator) with columns area_code, indicator_id,
    value, lower, upper, polarity; comparators come from ``comparators`` (indicator id ->
    value) or a ``comparator_col`` column (a NaN comparator means "not compared"); the
    ``"worst_quintile"`` rule needs neither. Quintiles (``n`` groups, group 1 = lowest values)
    are assigned per indicator across the areas present; an indicator with values for fewer
    than ``n`` areas gets no quintiles, so it can only flag on significance. Raises
    ``ValueError`` for an unknown rule or polarity, missing columns or comparators,
    duplicate rows, or an indicator with more than one polarity.
    """
    _validate(data, rule, comparators, comparator_col)
    frames = []
    for indicator, rows in data.groupby("indicator_id", sort=True):
        polarity = rows["polarity"].iloc[0]
        quintile = assign_quantiles(rows["value"], n)
        if comparators is not None:
            comparison = compare_frame(rows, comparators[indicator], polarity)["comparison"]
        elif comparator_col in rows.columns:
            comparison = compare_frame(rows, comparator_col, polarity)["comparison"]
        else:
            comparison = pd.Series(NOT_COMPARED, index=rows.index)
        in_worst = worst_quantile_mask(quintile, n, polarity)
        is_worse = (comparison == WORSE).to_numpy()
        flagged = {
            "worst_quintile": in_worst,
            "significantly_worse": is_worse,
            "either": in_worst | is_worse,
            "both": in_worst & is_worse,
        }[rule]
        frames.append(
            pd.DataFrame(
                {
                    "area_code": rows["area_code"].to_numpy(),
                    "indicator_id": indicator,
                    "value": rows["value"].to_numpy(),
                    "quintile": quintile,
                    "comparison": comparison.to_numpy(),
                    "flagged": flagged,
                }
            )
        )
    columns = ["area_code", "indicator_id", "value", "quintile", "comparison", "flagged"]
    if not frames:
        return pd.DataFrame(columns=columns)
    matrix = pd.concat(frames, ignore_index=True)
    return matrix.sort_values(["area_code", "indicator_id"], ignore_index=True)[columns]


def hotspot_scores(
    data: pd.DataFrame,
    rule: str = "either",
    comparators: Mapping[Hashable, float] | None = None,
    comparator_col: str = "comparator",
    n: int = 5,
) -> pd.DataFrame:
    """Per-area hotspot score: area_code, n_flagged, n_indicators, flagged.

    ``n_indicators`` counts indicators with a value for the area; ``flagged`` is a
    comma-joined string of the flagging indicator ids in sorted order ("" when none).
    Sorted by n_flagged (descending) then area_code. Arguments as :func:`hotspot_matrix`.
    """
    return scores_from_matrix(hotspot_matrix(data, rule, comparators, comparator_col, n))


def scores_from_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    """:func:`hotspot_scores` from an existing :func:`hotspot_matrix` (vectorised; no recomputation)."""
    flagged = matrix["flagged"].astype(bool)
    grouped = matrix.assign(_flag=flagged.astype("int64"), _has=matrix["value"].notna().astype("int64"))
    scores = grouped.groupby("area_code", sort=False).agg(n_flagged=("_flag", "sum"), n_indicators=("_has", "sum"))
    names = (
        matrix.loc[flagged, ["area_code", "indicator_id"]]
        .sort_values(["area_code", "indicator_id"])
        .astype({"indicator_id": str})
        .groupby("area_code", sort=False)["indicator_id"]
        .agg(", ".join)
    )
    scores["flagged"] = names.reindex(scores.index).fillna("")
    scores = scores.reset_index()[["area_code", "n_flagged", "n_indicators", "flagged"]]
    scores = scores.astype({"n_flagged": "int64", "n_indicators": "int64"})
    return scores.sort_values(["n_flagged", "area_code"], ascending=[False, True], ignore_index=True)
