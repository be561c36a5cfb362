"""Public mode: the same Store, with small numbers suppressed in every query result.

Suppression is decided once over the whole values table (phstats.disclosure), per
indicator, geography, period and breakdown, for the indicators whose counts are of
identifiable young people (``disclosive`` in the indicator metadata: NEET and children
looked after, including a council's own extract), so a ward is suppressed the same way
on the map, the ranking, the table, the profile, the trends and every download.
Suppressed rows come back after the visible ones, in name order, so their position in
a ranking says nothing about their hidden values; free-text notes from local extracts
are not shown.
"""

from __future__ import annotations

import pandas as pd

from loaders.store import Store
from phstats import apply_suppression, suppression_mask

BLANKED = ["value", "numerator", "lower95", "upper95", "lower998", "upper998"]
LOCAL_TITLE = "Council extract (details are not shown in public mode)"
GROUP = ["indicator_id", "area_type", "period", "breakdown"]
KEY = ["indicator_id", "area_code", "area_type", "period"]


def footnote(threshold: int) -> str:
    return (
        f"Suppressed: counts below {threshold} are not shown, nor any figure from which one could be worked "
        "out (so at least two wards are suppressed together, adding up to at least "
        f"{threshold}). Denominators are still shown."
    )


class PublicStore:
    """Delegates to a Store; ``values``, ``series``, ``comparators`` and ``all_values`` come back suppressed."""

    public = True

    def __init__(self, store: Store, threshold: int):
        self._store = store
        self.threshold = threshold
        allv = store.disclosive_counts()  # a few thousand rows, read in DuckDB: not every value in pandas
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
        out = apply_suppression(df, m, BLANKED)
        if "note" in out and "source_id" in out:
            local = out.source_id.astype(str).str.startswith("local_")
            out.loc[local, "note"] = "LOCAL EXTRACT (notes are not shown in public mode)"
        return out

    def values(self, indicator, period, geography, *, bromley_only=True, breakdown="All"):
        out = self._mask(
            self._store.values(indicator, period, geography, bromley_only=bromley_only, breakdown=breakdown)
        )
        # Visible rows keep the value order; suppressed ones go last by name, whatever their hidden value.
        out["_hidden"] = out.is_suppressed.astype(bool)
        out = out.sort_values(
            ["_hidden", "value", "area_name", "area_code"],
            ascending=[True, False, True, True],
            na_position="last",
            kind="stable",
        )
        return out.drop(columns="_hidden").reset_index(drop=True)

    def london_rank(self, indicator, period):
        """Ranks among the visible wards only: suppressed wards get no rank, and the visible ranks are
        recounted without them, so no gap shows where a hidden ward falls."""
        ranks = self._store.london_rank(indicator, period)
        key = pd.MultiIndex.from_frame(ranks.assign(indicator_id=indicator, period=str(period))[KEY].astype(str))
        visible = ranks[~key.isin(self.hidden)].copy()
        by_scheme = visible.groupby("area_type").london_rank
        visible["london_rank"] = by_scheme.rank(method="min").astype(int)
        visible["london_wards"] = by_scheme.transform("size")
        return visible.reset_index(drop=True)

    def series(self, indicator, codes):
        return self._mask(self._store.series(indicator, codes))

    def series_all(self, codes):
        return self._mask(self._store.series_all(codes))

    def comparators(self, indicator, period):
        return self._mask(self._store.comparators(indicator, period), indicator_id=indicator, period=str(period))

    def all_values(self):
        return self._mask(self._store.all_values())

    def dataset(self, fmt: str, *, zip_as: str | None = None) -> bytes:
        """The full dataset with this store's suppression applied (written by DuckDB, like Store.dataset)."""
        keys = self.hidden.to_frame(index=False)
        return self._store.dataset(fmt, hidden=keys, zip_as=zip_as)

    def sources(self):
        """Council extracts are named only as such: no file name, date of loading or sha256 in public mode
        (with the template, the denominators and the visible counts public, a hash lets anyone test guesses
        of the hidden counts)."""
        out = self._store.sources().copy()
        local = out.source_id.astype(str).str.startswith("local_")
        out.loc[local, ["title", "raw_file", "sha256"]] = [LOCAL_TITLE, "", ""]
        return out
