"""RAG status of a value against a local target or range of acceptable performance.

Bromley's scrutiny dataset gives a target or a range ("1.7%-1.9%") with a polarity,
and reports GREEN when performance is at or better than the range. The papers define
no amber rule, so amber exists only where a tolerance is set:

* GREEN: at or better than the worse end of the range (or the target);
* AMBER: worse than that by no more than ``amber_tolerance`` (same unit as the value);
* RED: worse by more (or by anything, when no tolerance is set);
* "no target": no target set, or the indicator carries no judgement.
"""

from __future__ import annotations

import math

from phstats.polarity import check_polarity

GREEN, AMBER, RED, NO_TARGET = "GREEN", "AMBER", "RED", "no target"


def rag(
    value: float,
    target_low: float | None,
    target_high: float | None,
    polarity: str,
    amber_tolerance: float | None = None,
) -> str:
    polarity = check_polarity(polarity)
    lo = _num(target_low)
    hi = _num(target_high)
    tol = _num(amber_tolerance) or 0.0
    if polarity == "no_judgement" or (lo is None and hi is None) or _num(value) is None:
        return NO_TARGET
    if tol < 0:
        raise ValueError("amber_tolerance must be zero or positive")
    if polarity == "low_is_good":
        limit = hi if hi is not None else lo
        shortfall = value - limit
    else:
        limit = lo if lo is not None else hi
        shortfall = limit - value
    if shortfall <= 0:
        return GREEN
    return AMBER if shortfall <= tol else RED


def _num(x) -> float | None:
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f
