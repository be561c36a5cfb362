"""Compare an area with a comparator value (England, London, Bromley, a target), Fingertips style.

An area is significantly different from the comparator when the comparator value lies outside
the area's confidence interval; a comparator exactly on a bound counts as "similar". This is
Fingertips' ``SingleOverlappingCIsComparer`` (repo ukhsa-collaboration/fingertips-open,
``PholioVisualisationWS/Analysis/SingleOverlappingCIsComparer.cs``). The confidence level is
whichever level the interval was computed at (0.95 or 0.998).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd

from phstats.polarity import HIGH_IS_GOOD, LOW_IS_GOOD, NO_JUDGEMENT, check_polarity

BETTER: Final = "better"
SIMILAR: Final = "similar"
WORSE: Final = "worse"
HIGHER: Final = "higher"
LOWER: Final = "lower"
NOT_COMPARED: Final = "not compared"

RESULTS: Final[tuple[str, ...]] = (BETTER, SIMILAR, WORSE, HIGHER, LOWER, NOT_COMPARED)

# Fingertips' own fills (ukhsa-collaboration/fingertipscharts, R/theme.R, scale_fill_phe).
# Green/amber/red: with red-green colour blindness better and similar look alike.
COMPARISON_COLOURS: Final[dict[str, str]] = {
    BETTER: "#92D050",
    SIMILAR: "#FFC000",
    WORSE: "#C00000",
    HIGHER: "#BED2FF",
    LOWER: "#5555E6",
    NOT_COMPARED: "#C9C9C9",
}

# Colour-blind-safe alternative with no red-green contrast: Okabe-Ito blue (better) against
# vermilion (worse), a light beige for similar, ColorBrewer purples for higher/lower, white for
# not compared. Every pair stays distinct under simulated protanopia and deuteranopia (see
# tests). Always show the result as text too.
COMPARISON_COLOURS_CB: Final[dict[str, str]] = {
    BETTER: "#0072B2",
    SIMILAR: "#E3DDCB",
    WORSE: "#D55E00",
    HIGHER: "#9E9AC8",
    LOWER: "#54278F",
    NOT_COMPARED: "#FFFFFF",
}

# (result when the area is significantly higher, result when significantly lower)
_OUTCOMES: Final[dict[str, tuple[str, str]]] = {
    LOW_IS_GOOD: (WORSE, BETTER),
    HIGH_IS_GOOD: (BETTER, WORSE),
    NO_JUDGEMENT: (HIGHER, LOWER),
}


def _scalar(x: object, name: str) -> float:
    """Scalar as float, NaN for None/NA; ``ValueError`` if not a number."""
    if x is None or x is pd.NA:
        return math.nan
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or missing, got {x!r}") from None


def compare(lower: float | None, upper: float | None, comparator: float | None, polarity: str) -> str:
    """Compare one area's interval [lower, upper] with a comparator value.

    Returns "better"/"similar"/"worse" for judged polarities, "higher"/"similar"/"lower" for
    ``"no_judgement"``, and "not compared" when a bound or the comparator is missing (None/NaN).
    Raises ``ValueError`` for an unknown polarity, a non-numeric input, or ``lower > upper``.
    """
    higher, lower_result = _OUTCOMES[check_polarity(polarity)]
    lo, hi = _scalar(lower, "lower"), _scalar(upper, "upper")
    comp = _scalar(comparator, "comparator")
    if math.isnan(lo) or math.isnan(hi) or math.isnan(comp):
        return NOT_COMPARED
    if lo > hi:
        raise ValueError(f"lower ({lower!r}) is greater than upper ({upper!r})")
    if comp < lo:
        return higher
    if comp > hi:
        return lower_result
    return SIMILAR


def compare_frame(
    df: pd.DataFrame,
    comparator: float | str,
    polarity: str,
    lower_col: str = "lower",
    upper_col: str = "upper",
    out_col: str = "comparison",
) -> pd.DataFrame:
    """Copy of ``df`` with ``out_col`` holding :func:`compare` for every row.

    ``comparator`` is a number (same comparator for every row) or the name of a column.
    Rows with a missing bound or comparator are "not compared". Raises ``ValueError`` for an
    unknown polarity, missing columns, or any row with lower > upper (usually swapped columns).
    """
    higher, lower_result = _OUTCOMES[check_polarity(polarity)]
    cols = [lower_col, upper_col] + ([comparator] if isinstance(comparator, str) else [])
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}; present: {list(df.columns)}")

    def as_float(values: object) -> np.ndarray:
        numeric = pd.to_numeric(pd.Series(values, index=df.index), errors="coerce")
        return numeric.astype("Float64").to_numpy(dtype=float, na_value=np.nan)

    lo = as_float(df[lower_col])
    hi = as_float(df[upper_col])
    comp = as_float(df[comparator] if isinstance(comparator, str) else comparator)
    if np.any(lo > hi):
        raise ValueError(f"{int(np.sum(lo > hi))} row(s) have {lower_col} > {upper_col}")

    result = np.select(
        [np.isnan(lo) | np.isnan(hi) | np.isnan(comp), comp < lo, comp > hi],
        [NOT_COMPARED, higher, lower_result],
        default=SIMILAR,
    )
    out = df.copy()
    out[out_col] = result
    return out
