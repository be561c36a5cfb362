"""A ward's series over time, with Bromley, London and England, and their text for charts (no Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.codes import BROMLEY, ENGLAND, LONDON
from loaders.store import Store
from model.cache import per_store
from model.explore import fmt_value
from model.spine import COMPARATOR_NAMES


def trends(store: Store, code: str, scheme: str, indicator: str) -> pd.DataFrame:
    """The ward's series (its scheme only) with Bromley, London and England on the same indicator."""
    s = ward_series(store, code, scheme)
    return s[s.indicator_id == indicator].reset_index(drop=True)


def ward_series(store: Store, code: str, scheme: str) -> pd.DataFrame:
    """Every indicator's series for one ward on its scheme, with Bromley, London and England, and the
    ``series`` name to show (the ward's name, or the comparator's).

    One query for all of a scheme's wards, kept with the store; a ward not seen before is a split."""

    def scheme_series():
        codes = sorted(store.areas(scheme).area_code)
        s = store.series_all(codes + [BROMLEY, LONDON, ENGLAND])
        comps = s.area_code.isin([BROMLEY, LONDON, ENGLAND]) & s.area_type.isin(["la", "region", "country"])
        return {
            "comparators": s[comps],
            "wards": dict(tuple(s[s.area_type == scheme].groupby("area_code"))),
            "empty": s.iloc[:0],
        }

    def build():
        parts = per_store(store, ("series", scheme), scheme_series)
        mine = parts["wards"].get(code, parts["empty"])
        # the same rows, in the same order, as the query for [code, Bromley, London, England]
        s = pd.concat([mine, parts["comparators"]]).sort_values(
            ["indicator_id", "area_code", "area_type", "period_start"], kind="stable"
        )
        return s.assign(series=np.where(s.area_code == code, s.area_name, s.area_code.map(COMPARATOR_NAMES)))

    return per_store(store, ("ward_series", code, scheme), build)


def trend_notes(row, ranks: dict[str, str]) -> list[str]:
    """Subtitle notes for one indicator's trend chart."""
    notes = [ranks[row.indicator_id]] if row.indicator_id in ranks else []
    if not row.trend_comparable:
        notes.append("Scores from different IoD editions are not comparable: compare ranks, not levels.")
    return notes


def trend_display(df: pd.DataFrame, unit: str | pd.Series) -> pd.DataFrame:
    """Text and status columns for trend charts; ``unit`` is one unit or one per row."""
    out = df.copy()
    units = unit.to_numpy() if isinstance(unit, pd.Series) else [unit] * len(out)
    out["label"] = [fmt_value(v, u) for v, u in zip(out.value, units)]
    out["interval"] = [
        f"{fmt_value(lo, u)} to {fmt_value(hi, u)}" if np.isfinite(lo) else "none"
        for lo, hi, u in zip(out.lower95.astype(float), out.upper95.astype(float), units)
    ]
    out["status"] = np.where(
        out.is_suppressed,
        "SUPPRESSED",
        np.where(out.is_illustrative, "ILLUSTRATIVE", np.where(out.is_estimate, "ESTIMATE", "published")),
    )
    out.loc[out.is_suppressed, "label"] = "suppressed"
    # Lines join points of one source only: a change of source (e.g. HMRC to DWP child poverty, or
    # IoD2019 to IoD2025) is a change of measure, not a trend.
    out["segment"] = out.series.astype(str) + "|" + out.source_id.astype(str)
    return out


def period_span(df: pd.DataFrame) -> str:
    """ "first to last" of the periods in ``df`` by date (end, then start), not by row order; one period alone."""
    if df.empty:
        return ""
    # numpy's lexsort on the columns, not a sorted copy of the frame: 15 of these in a ward profile (0.7 -> 0.06 ms)
    p = df.period.to_numpy(dtype=object)
    order = np.lexsort(
        (p.astype(str), pd.to_datetime(df.period_start).to_numpy(), pd.to_datetime(df.period_end).to_numpy())
    )
    first, last = str(p[order[0]]), str(p[order[-1]])
    return first if first == last else f"{first} to {last}"


def ward_trends(store: Store, code: str, scheme: str) -> dict[str, pd.DataFrame]:
    """:func:`trend_display` of :func:`trends` for every indicator of a ward, built in one pass and kept."""

    def build():
        s = ward_series(store, code, scheme)
        units = store.indicators().set_index("indicator_id").unit
        s = trend_display(s, s.indicator_id.map(units))
        return {i: g.reset_index(drop=True) for i, g in s.groupby("indicator_id", sort=False)}

    return per_store(store, ("ward_trends", code, scheme), build)
