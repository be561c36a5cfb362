"""Indicator polarity: which direction of an indicator is good."""

from __future__ import annotations

from typing import Final

LOW_IS_GOOD: Final = "low_is_good"
HIGH_IS_GOOD: Final = "high_is_good"
NO_JUDGEMENT: Final = "no_judgement"

POLARITIES: Final[tuple[str, ...]] = (LOW_IS_GOOD, HIGH_IS_GOOD, NO_JUDGEMENT)


def check_polarity(polarity: object) -> str:
    """Return ``polarity`` if it is one of :data:`POLARITIES`, else raise ``ValueError``."""
    if polarity not in POLARITIES:
        raise ValueError(f"unknown polarity {polarity!r}; expected one of {POLARITIES}")
    return polarity  # type: ignore[return-value]
