"""How old each figure is, and what kind of figure it is: current and observed, old, estimated, illustrative.

No Streamlit: pages call :func:`statement` (one plain sentence per kind) and :func:`flags_by_kind`
(how many of a ward's hotspot flags come from each kind). Kinds, for one indicator on one geography,
from its latest period there:

* ``illustrative``: modelled, not observed (ward NEET and CLA until the council loads its own);
* ``estimate``: re-weighted from another ward scheme (ESTIMATE);
* ``old``: observed, but the period ended more than ``OLD_AFTER_YEARS`` years ago;
* ``current``: observed and recent.
"""

from __future__ import annotations

import pandas as pd

from loaders.store import Store
from model import provenance

OLD_AFTER_YEARS = 3
KINDS = ["current", "old", "estimate", "illustrative"]
KIND_LABELS = {
    "current": "current and observed",
    "old": "old",
    "estimate": "estimated (ESTIMATE)",
    "illustrative": "ILLUSTRATIVE (modelled)",
}


def years_old(period_end, today=None) -> int:
    """Whole years from the end of a period to ``today`` (0 when under a year)."""
    today = pd.Timestamp(today) if today is not None else pd.Timestamp.today().normalize()
    end = pd.Timestamp(period_end)
    years = today.year - end.year - ((today.month, today.day) < (end.month, end.day))
    return max(int(years), 0)


def age_label(period: str, period_end, today=None) -> str:
    """'2011/12-2013/14, 12 years old'; '2024/25, 1 year old'; '2025, less than a year old'."""
    n = years_old(period_end, today)
    return f"{period}, " + ("less than a year old" if n == 0 else f"{n} year{'s' if n != 1 else ''} old")


def kind_of(illustrative: bool, estimate: bool, n_years: int) -> str:
    if illustrative:
        return "illustrative"
    if estimate:
        return "estimate"
    return "old" if n_years > OLD_AFTER_YEARS else "current"


def indicator_ages(store: Store, indicators: list[str], geography: str, today=None) -> pd.DataFrame:
    """One row per indicator: its latest period on ``geography`` (Bromley's areas), how old it is, its kind.

    Columns: indicator_id, name, period, period_end, years_old, age, illustrative, estimate, kind, kind_label,
    council ("Council extract (file, date)" when the latest period's figures are the council's own, else "").
    An indicator with no data on the geography gets kind ``None``.
    """
    rows = []
    for ind in indicators:
        meta = store.indicator(ind)
        o = store.options(ind)
        o = o[o.geography == geography]
        if o.empty:
            rows.append(
                dict(
                    indicator_id=ind,
                    name=meta["name"],
                    period=None,
                    period_end=pd.NaT,
                    years_old=None,
                    age="no data",
                    illustrative=False,
                    estimate=False,
                    kind=None,
                    kind_label="no data",
                    council="",
                )
            )
            continue
        latest = o.iloc[0]  # newest first
        v = store.values(ind, latest.period, geography)
        end = pd.Timestamp(v.period_end.max()) if len(v) else pd.Timestamp(latest.period_start)
        n = years_old(end, today)
        k = kind_of(bool(latest.illustrative), bool(latest.estimate), n)
        rows.append(
            dict(
                indicator_id=ind,
                name=meta["name"],
                period=str(latest.period),
                period_end=end,
                years_old=n,
                age=age_label(latest.period, end, today),
                illustrative=bool(latest.illustrative),
                estimate=bool(latest.estimate),
                kind=k,
                kind_label=KIND_LABELS[k],
                council="; ".join(provenance.council_labels(store, v.source_id)),
            )
        )
    return pd.DataFrame(rows)


def statement(ages: pd.DataFrame) -> str:
    """A plain statement of which indicators are current and observed, old, estimated or illustrative."""
    parts = []
    for k in KINDS:
        sub = ages[ages.kind == k]
        if sub.empty:
            continue
        items = "; ".join(
            f"{r.name} ({r.age}"
            + (", and old" if k == "estimate" and r.years_old > OLD_AFTER_YEARS else "")
            + (f"; {r.council}" if getattr(r, "council", "") else "")
            + ")"
            for r in sub.itertuples()
        )
        label = {
            "current": "Current and observed",
            "old": f"Old (observed, but more than {OLD_AFTER_YEARS} years ago)",
            "estimate": "ESTIMATED from another ward scheme",
            "illustrative": "ILLUSTRATIVE (modelled, not observed; until the council loads its own)",
        }[k]
        parts.append(f"{label}: {items}.")
    missing = ages[ages.kind.isna()]
    if len(missing):
        parts.append("No data on this ward scheme: " + ", ".join(missing.name) + ".")
    return " ".join(parts)


FLAG_REASONS = ["Worst quintile and significantly worse", "Worst quintile", "Significantly worse"]


def flags_by_kind(matrix: pd.DataFrame, ages: pd.DataFrame) -> pd.DataFrame:
    """Per ward, how many flags come from each kind of indicator.

    ``matrix``: the hotspot matrix (area_code, area_name, indicator_id, reason) from
    :func:`model.hotspots.hotspots`. Returns area_code, area_name, one column per kind
    (current, old, estimate, illustrative), total, and ``summary`` ('3 flags: 2 current, 1 old').
    """
    kinds = ages.set_index("indicator_id").kind
    m = matrix[matrix.reason.isin(FLAG_REASONS)].assign(kind=lambda d: d.indicator_id.map(kinds))
    wards = matrix.drop_duplicates("area_code")[["area_code", "area_name"]].set_index("area_code")
    counts = m.groupby(["area_code", "kind"]).size().unstack(fill_value=0) if len(m) else pd.DataFrame(index=[])
    out = wards.join(counts.reindex(columns=KINDS, fill_value=0)).fillna(0)
    for k in KINDS:
        out[k] = out[k].astype(int)
    out["total"] = out[KINDS].sum(axis=1)

    def summary(r) -> str:
        if not r.total:
            return "no flags"
        bits = [f"{r[k]} {KIND_LABELS[k].split(' (')[0]}" for k in KINDS if r[k]]
        return f"{r.total} flag{'s' if r.total != 1 else ''}: " + ", ".join(bits)

    out["summary"] = out.apply(summary, axis=1)
    return out.reset_index().sort_values(["total", "area_name"], ascending=[False, True]).reset_index(drop=True)
