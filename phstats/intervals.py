"""Confidence intervals for proportions and crude rates, as used by OHID Fingertips.

Methods follow the PHE/OHID "Technical Guide: Confidence Intervals":

* proportions: Wilson score interval;
* crude rates: Byar's approximation to the Poisson interval when the count is 10 or
  more, the exact Poisson interval (via the chi-squared distribution) below 10.

The normal quantile is exact (``scipy.special.ndtri``, i.e. norm.ppf), e.g. 1.959964 for 95% and
3.090232 for 99.8%. Levels are fractions: 0.95, 0.998.

Limits published on Fingertips are computed by each data producer and can differ in the
detail: a real export (tests/test_phstats_intervals.py) uses z = 1.96, and uses one method
at every count (Byar for one age group, exact Poisson for the other) rather than switching
at 10. Those limits agree with these functions to within 1.4e-4 relative for counts >= 10.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd
from scipy.special import gammaincinv, ndtri  # scipy.stats would add ~45 MB to the server for these two

METHODS: Final[tuple[str, ...]] = ("wilson", "byar_exact", "none")
DEFAULT_MULTIPLIERS: Final[dict[str, float]] = {"wilson": 100.0, "byar_exact": 10_000.0}
EXACT_BELOW: Final = 10  # rate intervals use the exact Poisson method for counts below this

NOTE_MISSING: Final = "no count/denominator published: no interval"
NOTE_NOT_NUMERIC: Final = "count/denominator not numeric: no interval"
NOTE_NOT_FINITE: Final = "count/denominator not finite: no interval"
NOTE_NEGATIVE: Final = "negative count: no interval"
NOTE_DENOMINATOR: Final = "denominator not positive: no interval"
NOTE_COUNT_OVER_DENOMINATOR: Final = "count exceeds denominator (not a proportion): no interval"
NOTE_VALUE_OUTSIDE: Final = (
    "value lies outside the interval computed from count/denominator (check multiplier and method): no interval"
)
NOTE_NOT_CALCULATED: Final = "interval not calculated (method 'none')"


# --- validation ---------------------------------------------------------------


def _as_number(x: object, name: str) -> float:
    """Convert a scalar input to float, raising ValueError for anything non-numeric."""
    if isinstance(x, (bool, str, bytes)):
        raise ValueError(f"{name} must be a number, got {x!r}")
    try:
        out = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {x!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return out


def z_value(level: float) -> float:
    """Two-sided standard normal quantile for a confidence level given as a fraction."""
    lev = _as_number(level, "level")
    if not 0.0 < lev < 1.0:
        raise ValueError(f"level must be a fraction strictly between 0 and 1 (e.g. 0.95), got {level!r}")
    return float(ndtri(1.0 - (1.0 - lev) / 2.0))


def _check_multiplier(multiplier: float) -> float:
    mult = _as_number(multiplier, "multiplier")
    if mult <= 0:
        raise ValueError(f"multiplier must be positive, got {multiplier!r}")
    return mult


def _check_count_denom(count: float, denom: float) -> tuple[float, float]:
    c = _as_number(count, "count")
    d = _as_number(denom, "denom")
    if c < 0:
        raise ValueError(f"count must not be negative, got {count!r}")
    if d <= 0:
        raise ValueError(f"denom must be positive, got {denom!r}")
    return c, d


# --- array formulas (inputs already validated) ----------------------------------


def _wilson_parts(count: np.ndarray, denom: np.ndarray, z: float) -> tuple[np.ndarray, ...]:
    """centre = 2 O + z^2 and half = z sqrt(z^2 + 4 O (1 - p)) of the Wilson formula."""
    centre = 2.0 * count + z * z
    return centre, z * np.sqrt(z * z + 4.0 * count * (1.0 - count / denom))


def _wilson_lower(count: np.ndarray, denom: np.ndarray, z: float) -> np.ndarray:
    """Wilson lower bound as a proportion, as 2 O^2 / (n (centre + half)).

    This equals the textbook (centre - half) / (2 (n + z^2)) without its cancellation, which
    loses all precision for tiny counts.
    """
    centre, half = _wilson_parts(count, denom, z)
    return 2.0 * count * count / (denom * (centre + half))


def _wilson_arrays(count: np.ndarray, denom: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score bounds as proportions: exactly 0 for p = 0 and 1 for p = 1.

    Above p = 0.5 the upper bound is taken from the symmetry upper(O) = 1 - lower(n - O),
    so that it too is free of rounding trouble as p approaches 1.
    """
    centre, half = _wilson_parts(count, denom, z)
    direct_upper = (centre + half) / (2.0 * (denom + z * z))
    mirrored_upper = 1.0 - _wilson_lower(denom - count, denom, z)
    upper = np.where(count / denom <= 0.5, direct_upper, mirrored_upper)
    return np.clip(_wilson_lower(count, denom, z), 0.0, 1.0), np.clip(upper, 0.0, 1.0)


def _byar_arrays(count: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's bounds on a Poisson count; lower is 0 for a zero count and never negative."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        lower = count * (1.0 - 1.0 / (9.0 * count) - z / (3.0 * np.sqrt(count))) ** 3
    o1 = count + 1.0
    upper = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * np.sqrt(o1))) ** 3
    return np.where(count > 0, np.maximum(lower, 0.0), 0.0), upper


def _exact_arrays(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson bounds on a count from the chi-squared distribution."""
    alpha = 1.0 - level
    lower = gammaincinv(count, alpha / 2.0)  # = chi2.ppf(alpha/2, 2*count) / 2
    upper = gammaincinv(count + 1.0, 1.0 - alpha / 2.0)  # = chi2.ppf(1 - alpha/2, 2*count + 2) / 2
    # chi2.ppf gives NaN for zero (and subnormal) degrees of freedom, where the bound is 0.
    return np.fmax(lower, 0.0), upper


def _rate_arrays(count: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on a count: exact Poisson below :data:`EXACT_BELOW`, Byar's method otherwise."""
    b_lo, b_hi = _byar_arrays(count, z_value(level))
    e_lo, e_hi = _exact_arrays(count, level)
    small = count < EXACT_BELOW
    return np.where(small, e_lo, b_lo), np.where(small, e_hi, b_hi)


# --- scalar API -------------------------------------------------------------------


def wilson(count: float, denom: float, level: float = 0.95, multiplier: float = 100.0) -> tuple[float, float]:
    """Wilson score interval for ``count / denom``, on the multiplier scale (percent by default).

    ``count`` may be non-integer (e.g. an IDACI score times the number of children).
    Raises ``ValueError`` for a negative or non-finite count, a non-positive denominator,
    a count above the denominator, or an invalid level/multiplier.
    """
    c, d = _check_count_denom(count, denom)
    if c > d:
        raise ValueError(f"count ({count!r}) exceeds denom ({denom!r}): not a proportion")
    mult = _check_multiplier(multiplier)
    lo, hi = _wilson_arrays(np.array(c), np.array(d), z_value(level))
    return float(lo) * mult, float(hi) * mult


def byar(count: float, level: float = 0.95) -> tuple[float, float]:
    """Byar's approximate Poisson interval for a count (bounds on the count itself).

    The lower bound is clipped at 0 (Byar's formula goes negative for a count of 1 at 99.8%).
    """
    c, _ = _check_count_denom(count, 1.0)
    lo, hi = _byar_arrays(np.array(c), z_value(level))
    return float(lo), float(hi)


def exact_poisson(count: float, level: float = 0.95) -> tuple[float, float]:
    """Exact Poisson interval for a count (bounds on the count): chi-squared quantiles / 2."""
    c, _ = _check_count_denom(count, 1.0)
    z_value(level)  # validates level
    lo, hi = _exact_arrays(np.array(c), float(level))
    return float(lo), float(hi)


def rate_interval(count: float, denom: float, level: float = 0.95, multiplier: float = 10_000.0) -> tuple[float, float]:
    """Interval for the crude rate ``count / denom * multiplier``.

    Exact Poisson for counts below 10, Byar's method otherwise; a zero count gives lower 0.
    """
    c, d = _check_count_denom(count, denom)
    mult = _check_multiplier(multiplier)
    z_value(level)  # validates level
    lo, hi = _rate_arrays(np.array(c), float(level))
    return float(lo) / d * mult, float(hi) / d * mult


# --- vectorised API ---------------------------------------------------------------


def _float_column(df: pd.DataFrame, col: str) -> np.ndarray:
    """Column as a float array, NaN where missing or non-numeric."""
    numeric = pd.to_numeric(df[col], errors="coerce").astype("Float64")
    return numeric.to_numpy(dtype=float, na_value=np.nan)


def _row_notes(
    df: pd.DataFrame,
    count: np.ndarray,
    denom: np.ndarray,
    cols: tuple[str, str],
    proportion: bool,
) -> np.ndarray:
    """Per-row reason why no interval can be computed ("" when the row is fine)."""
    not_numeric = np.zeros(len(df), dtype=bool)
    for col, num in zip(cols, (count, denom)):
        not_numeric |= np.isnan(num) & df[col].notna().to_numpy()
    checks = [  # priority order: the first that applies gives the note
        (not_numeric, NOTE_NOT_NUMERIC),
        (np.isnan(count) | np.isnan(denom), NOTE_MISSING),
        (np.isinf(count) | np.isinf(denom), NOTE_NOT_FINITE),
        (count < 0, NOTE_NEGATIVE),
        (denom <= 0, NOTE_DENOMINATOR),
    ]
    if proportion:
        checks.append((count > denom, NOTE_COUNT_OVER_DENOMINATOR))
    notes = np.full(len(df), "", dtype=object)
    for mask, note in checks:
        notes[mask & (notes == "")] = note
    return notes


def add_intervals(
    df: pd.DataFrame,
    method: str,
    level: float = 0.95,
    multiplier: float | None = None,
    count_col: str = "numerator",
    denom_col: str = "denominator",
) -> pd.DataFrame:
    """Copy of ``df`` with value, lower, upper, level, method and interval_note columns added.

    ``method`` is ``"wilson"`` (proportions), ``"byar_exact"`` (crude rates) or ``"none"``.
    ``multiplier`` defaults to 100 for Wilson and 10,000 for rates; for ``"none"`` it is only
    needed (and then required) when ``df`` has no ``value`` column.

    An existing ``value`` column is kept as published; otherwise value is
    ``count / denom * multiplier``. Rows that cannot be given an interval (missing, non-numeric,
    non-finite, negative count, non-positive denominator, count above denominator for a
    proportion, or a published value outside the computed interval, which usually means a wrong
    multiplier or method) get NaN bounds and an explanatory ``interval_note``; valid rows get an
    empty note. Existing ``lower``/``upper`` columns are overwritten. Raises ``ValueError`` for
    an unknown method, an invalid level or multiplier, or missing columns.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    z = z_value(level)
    has_value = "value" in df.columns
    if multiplier is None:
        multiplier = DEFAULT_MULTIPLIERS.get(method)
    if multiplier is None and not has_value:
        raise ValueError("multiplier is required to compute value for method 'none'")
    mult = 1.0 if multiplier is None else _check_multiplier(multiplier)
    needs_counts = method != "none" or not has_value
    missing_cols = [c for c in (count_col, denom_col) if c not in df.columns]
    if needs_counts and missing_cols:
        raise ValueError(f"missing column(s) {missing_cols}; present: {list(df.columns)}")

    n = len(df)
    value = _float_column(df, "value") if has_value else np.full(n, np.nan)
    lower = np.full(n, np.nan)
    upper = np.full(n, np.nan)
    notes = np.full(n, NOTE_NOT_CALCULATED, dtype=object)
    if needs_counts:
        count = _float_column(df, count_col)
        denom = _float_column(df, denom_col)
        row_notes = _row_notes(df, count, denom, (count_col, denom_col), proportion=method == "wilson")
        ok = row_notes == ""
        c, d = count[ok], denom[ok]
        if not has_value:
            value[ok] = c / d * mult
        if method == "none":
            notes = np.where(ok, NOTE_NOT_CALCULATED, row_notes)
        else:
            notes = row_notes
            if method == "wilson":
                lo, hi = _wilson_arrays(c, d, z)
                lower[ok], upper[ok] = lo * mult, hi * mult
            else:
                lo, hi = _rate_arrays(c, float(level))
                lower[ok], upper[ok] = lo / d * mult, hi / d * mult
            tol = 1e-9 * np.maximum(np.abs(value), 1.0)
            outside = ok & ~np.isnan(value) & ((value < lower - tol) | (value > upper + tol))
            lower[outside] = upper[outside] = np.nan
            notes[outside] = NOTE_VALUE_OUTSIDE

    out = df.copy()
    out["value"] = value
    out["lower"] = lower
    out["upper"] = upper
    out["level"] = float(level)
    out["method"] = method
    out["interval_note"] = notes
    return out
