"""Public mode: the same Store, with small numbers suppressed in every query result.

Suppression is decided once over the whole values table (phstats.disclosure), per
indicator, geography, period and breakdown, so a ward is suppressed the same way on
the map, the ranking, the table, the profile, the trends and every download.
"""
from __future__ import annotations

import pandas as pd

from loaders.store import Store
from phstats import apply_suppression, suppression_mask

BLANKED = ["value", "numerator", "lower95", "upper95", "lower998", "upper998"]
GROUP = ["indicator_id", "area_type", "period", "breakdown"]
KEY = ["indicator_id", "area_code", "area_type", "period"]


def footnote(threshold: int) -> str:
    return (f"Suppressed: counts below {threshold} are not shown, nor any figure from which one could be worked "
            "out (so at least two wards are suppressed together, adding up to at least "
            f"{threshold}). Denominators are still shown.")


class PublicStore:
    """Delegates to a Store; ``values``, ``series``, ``comparators`` and ``all_values`` come back suppressed."""

    public = True

    def __init__(self, store: Store, threshold: int):
        self._store = store
        self.threshold = threshold
        allv = store.all_values()
        mask = suppression_mask(allv, GROUP, threshold=threshold)
        self.hidden = pd.MultiIndex.from_frame(allv.loc[mask, KEY].astype(str))
        self.n_hidden = int(mask.sum())

    def __getattr__(self, name):
        return getattr(self._store, name)

    def _mask(self, df: pd.DataFrame, **fixed) -> pd.DataFrame:
        if df.empty:
            return df.assign(is_suppressed=False) if "is_suppressed" not in df else df
        keys = df.assign(**fixed)[KEY].astype(str)
        m = pd.Series(pd.MultiIndex.from_frame(keys).isin(self.hidden), index=df.index)
        return apply_suppression(df, m, BLANKED)

    def values(self, indicator, period, geography, *, bromley_only=True, breakdown="All"):
        return self._mask(self._store.values(indicator, period, geography, bromley_only=bromley_only,
                                             breakdown=breakdown))

    def series(self, indicator, codes):
        return self._mask(self._store.series(indicator, codes))

    def comparators(self, indicator, period):
        return self._mask(self._store.comparators(indicator, period), indicator_id=indicator, period=str(period))

    def all_values(self):
        return self._mask(self._store.all_values())
