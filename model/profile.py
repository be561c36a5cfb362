"""One ward: its spine chart, trends and a plain-English summary (no Streamlit)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

import phstats
from loaders.codes import BROMLEY, ENGLAND, LONDON
from loaders.store import BadRequest, Store
from model.cache import per_store
from phstats.compare import NOT_COMPARED
from model.explore import fmt_value

SCHEMES = ("ward2022", "ward2014")
SCHEME_LABELS = {"ward2022": "2022 wards (current)", "ward2014": "2014-2022 wards"}
COMPARATOR_NAMES = {BROMLEY: "Bromley", LONDON: "London", ENGLAND: "England"}
SPINE_COMPARATORS = [ENGLAND, LONDON, BROMLEY]


def ward(store: Store, code: str) -> dict:
    """Name, scheme and child population of a ward; BadRequest when it is not a Bromley ward."""
    a = store.area(code)
    a = a[a.area_type.isin(SCHEMES) & a.parent_code.eq(BROMLEY)]
    if a.empty:
        raise BadRequest(f"{code!r} is not a Bromley ward code")
    r = a.iloc[0]
    pops = _ward_series(store, code, r.area_type)
    pops = pops[(pops.indicator_id == "child_population") & (pops.area_code == code)].sort_values("period_start")
    pop = pops.iloc[-1] if len(pops) else None
    return {"code": code, "name": r.area_name, "scheme": r.area_type,
            "children": None if pop is None else float(pop.value),
            "children_period": None if pop is None else pop.period}


def spine(store: Store, code: str, scheme: str, level: str = "95") -> pd.DataFrame:
    """One row per indicator with a value for the ward (latest period on its scheme).

    Columns: indicator_id, name, unit, polarity, period, value, lower, upper, is_illustrative,
    is_estimate, england/london/bromley values, ward_min/q25/q75/max across Bromley wards,
    comparison (against England, else London, else Bromley), compared_with, rank, n_wards,
    and ``pos_*`` positions on a common scale where better is always to the right.
    """
    t = per_store(store, ("spine", scheme, level), lambda: _scheme_spine(store, scheme, level))
    df = t[t.area_code == code].drop(columns="area_code").reset_index(drop=True)
    return _positions(df) if len(df) else pd.DataFrame()


def _scheme_spine(store: Store, scheme: str, level: str) -> pd.DataFrame:
    """:func:`spine` rows (before positions) for every ward of a scheme at once, with ``area_code``.

    The comparators and the spread of Bromley's wards are the same for every ward, so the
    whole scheme costs little more than one ward and each ward after that is a filter.
    """
    suffix = "95" if level == "95" else "998"
    frames = []
    for meta in store.indicators().itertuples():
        if meta.unit == "count":
            continue  # context, not a comparable indicator
        o = store.options(meta.indicator_id)
        o = o[o.geography == scheme]
        if o.empty:
            continue
        period = o.iloc[0].period
        wards = store.values(meta.indicator_id, period, scheme)
        wards = wards[wards.value.notna()]
        if wards.empty:
            continue
        comps = store.comparators(meta.indicator_id, period).set_index("area_code").value
        cvals = {c: float(comps.get(c, np.nan)) for c in SPINE_COMPARATORS}
        against = next((c for c in SPINE_COMPARATORS if np.isfinite(cvals[c])), None)
        vals = wards.value.astype(float)
        f = pd.DataFrame({
            "area_code": wards.area_code, "indicator_id": meta.indicator_id, "name": meta.name, "unit": meta.unit,
            "polarity": meta.polarity, "period": period, "value": vals,
            "lower": wards[f"lower{suffix}"].astype(float), "upper": wards[f"upper{suffix}"].astype(float),
            "is_illustrative": wards.is_illustrative.astype(bool), "is_estimate": wards.is_estimate.astype(bool),
            "england": cvals[ENGLAND], "london": cvals[LONDON], "bromley": cvals[BROMLEY],
            "ward_min": vals.min(), "ward_q25": vals.quantile(0.25), "ward_q75": vals.quantile(0.75),
            "ward_max": vals.max()})
        if against:
            f = phstats.compare_frame(f, cvals[against], meta.polarity)
        else:
            f["comparison"] = NOT_COMPARED
        f["compared_with"] = COMPARATOR_NAMES.get(against, "none")
        # rank 1 = worst: highest when low is good (or no judgement), lowest when high is good
        f["bromley_rank"] = vals.rank(method="min", ascending=meta.polarity == "high_is_good").astype(int)
        f["n_wards"] = len(vals)
        f["source_id"] = wards.source_id
        f["trend_comparable"] = bool(meta.trend_comparable)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["area_code"])


def _positions(df: pd.DataFrame) -> pd.DataFrame:
    """Scale each indicator to [-1, 1] around the Bromley ward median; better to the right.

    The half-width is the largest distance from the median to any of the plotted values,
    so every mark fits. For no-judgement indicators higher is to the right.
    """
    out = df.copy()
    cols = ["value", "england", "london", "bromley", "ward_min", "ward_q25", "ward_q75", "ward_max"]
    x = out[cols].astype(float)
    mid = (out.ward_q25 + out.ward_q75) / 2
    span = x.sub(mid, axis=0).abs().max(axis=1)
    span = span.where(span > 0, 1.0)
    sign = np.where(out.polarity == "low_is_good", -1.0, 1.0)
    pos = x.sub(mid, axis=0).div(span, axis=0).mul(sign, axis=0)
    for c in cols:
        out[f"pos_{c}"] = pos[c]
    return out


def trends(store: Store, code: str, scheme: str, indicator: str) -> pd.DataFrame:
    """The ward's series (its scheme only) with Bromley, London and England on the same indicator."""
    s = _ward_series(store, code, scheme)
    return s[s.indicator_id == indicator].reset_index(drop=True)


def _ward_series(store: Store, code: str, scheme: str) -> pd.DataFrame:
    """Every indicator's series for one ward on its scheme, with Bromley, London and England, and the
    ``series`` name to show (the ward's name, or the comparator's).

    One query for all of a scheme's wards, kept with the store; a ward not seen before is a split."""
    def scheme_series():
        codes = sorted(store.areas(scheme).area_code)
        s = store.series_all(codes + [BROMLEY, LONDON, ENGLAND])
        comps = s.area_code.isin([BROMLEY, LONDON, ENGLAND]) & s.area_type.isin(["la", "region", "country"])
        return {"comparators": s[comps], "wards": dict(tuple(s[s.area_type == scheme].groupby("area_code"))),
                "empty": s.iloc[:0]}

    def build():
        parts = per_store(store, ("series", scheme), scheme_series)
        mine = parts["wards"].get(code, parts["empty"])
        # the same rows, in the same order, as the query for [code, Bromley, London, England]
        s = pd.concat([mine, parts["comparators"]]).sort_values(
            ["indicator_id", "area_code", "area_type", "period_start"], kind="stable")
        return s.assign(series=np.where(s.area_code == code, s.area_name, s.area_code.map(COMPARATOR_NAMES)))

    return per_store(store, ("ward_series", code, scheme), build)


def trend_notes(row, ranks: dict[str, str]) -> list[str]:
    """Subtitle notes for one indicator's trend chart."""
    notes = [ranks[row.indicator_id]] if row.indicator_id in ranks else []
    if not row.trend_comparable:
        notes.append("Scores from different IoD editions are not comparable: compare ranks, not levels.")
    return notes


def london_ranks(store: Store, code: str, spine_df: pd.DataFrame) -> dict[str, str]:
    """'12th highest of 625 London wards' for indicators the ward atlas covers for all of London."""
    out = {}
    for r in spine_df.itertuples():
        if r.is_estimate:
            continue
        ranks = store.london_rank(r.indicator_id, r.period)
        if len(ranks) > 100:
            me = ranks[ranks.area_code == code]
            if len(me):
                out[r.indicator_id] = f"{_ordinal(int(me.london_rank.iloc[0]))} highest of {int(me.london_wards.iloc[0])} London wards"
    return out


def summary(store: Store, info: dict, spine_df: pd.DataFrame, level: str = "95") -> list[str]:
    """Plain-English sentences, each backed by a number on the page. No claim without a test."""
    name = info["name"]
    if spine_df.empty:
        return [f"No indicator values are available for {name} on this ward scheme."]
    out = []
    rows = [SimpleNamespace(**d) for d in spine_df.to_dict("records")]  # a few rows, many columns
    judged = [r for r in rows if r.polarity != "no_judgement"]
    for result, word in (("worse", "significantly worse"), ("better", "significantly better")):
        sub = [r for r in judged if r.comparison == result]
        if sub:
            items = [f"{r.name} ({fmt_value(r.value, r.unit)} against {r.compared_with} {fmt_value(_comp(r), r.unit)})"
                     for r in sub]
            out.append(f"{name} is {word} than the benchmark at {level}% confidence on {_join(items)}.")
    for r in (r for r in rows if r.comparison in ("higher", "lower")):
        out.append(f"Its {r.name.lower()} is {r.comparison} than {r.compared_with} "
                   f"({fmt_value(r.value, r.unit)} against {fmt_value(_comp(r), r.unit)}); this measure carries no better/worse judgement.")
    untested = [r.name for r in rows if r.comparison == "not compared"]
    if untested:
        out.append(f"Not tested for significance (published without counts, or no comparator): {_join(untested)}.")
    for r in (r for r in judged if r.bromley_rank <= 3):
        word = "highest" if r.polarity == "low_is_good" else "lowest"
        place = f"{_ordinal(r.bromley_rank)} " if r.bromley_rank > 1 else ""
        out.append(f"It has the {place}{word} {r.name.lower()} of Bromley's {r.n_wards} wards ({r.period}).")
    mine = _ward_series(store, info["code"], info["scheme"])  # sorted by indicator, then period
    by_indicator: dict[str, list] = {}
    for d in mine.loc[mine.area_code == info["code"], ["indicator_id", "period", "value", "lower95",
                                                        "upper95"]].to_dict("records"):
        by_indicator.setdefault(d["indicator_id"], []).append(SimpleNamespace(**d))
    for r in (r for r in rows if r.trend_comparable and len(by_indicator.get(r.indicator_id, ())) >= 2):
        change = _change_sentence(r, *by_indicator[r.indicator_id][-2:])
        if change:
            out.append(("[ILLUSTRATIVE] " if r.is_illustrative else "") + change)
    if any(r.is_illustrative for r in rows):
        out.append("NEET and children-looked-after figures for wards are ILLUSTRATIVE (modelled), not observed.")
    if any(r.is_estimate for r in rows):
        out.append("Some figures are ESTIMATES re-weighted from the 2014 wards.")
    return out


def _change_sentence(r, a, b) -> str | None:
    if not (np.isfinite(a.value) and np.isfinite(b.value)):
        return None
    direction = "rose" if b.value > a.value else "fell" if b.value < a.value else "did not change"
    text = f"{r.name} {direction} from {fmt_value(a.value, r.unit)} ({a.period}) to {fmt_value(b.value, r.unit)} ({b.period})"
    if np.isfinite(a.lower95) and np.isfinite(b.lower95):
        overlap = not (a.upper95 < b.lower95 or b.upper95 < a.lower95)
        text += "; the 95% intervals overlap, so this may be chance." if overlap else "; the 95% intervals do not overlap."
    else:
        text += " (no intervals, so not tested)."
    return text


def _comp(r) -> float:
    return {"England": r.england, "London": r.london, "Bromley": r.bromley}.get(r.compared_with, np.nan)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def spine_display(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns for the spine chart and its table."""
    out = df.copy()
    f = lambda v, u: fmt_value(v, u) if np.isfinite(v) else "n/a"  # noqa: E731
    out["label"] = [f(v, u) for v, u in zip(out.value, out.unit)]
    out["interval"] = [f"{f(lo, u)} to {f(hi, u)}" if np.isfinite(lo) else "none" for lo, hi, u in
                       zip(out.lower.astype(float), out.upper.astype(float), out.unit)]
    for c in ("bromley", "london", "england"):
        out[f"{c}_label"] = [f(v, u) for v, u in zip(out[c], out.unit)]
    out["range_label"] = [f"{f(a, u)} to {f(b, u)}" for a, b, u in zip(out.ward_min, out.ward_max, out.unit)]
    tag = np.where(out.is_illustrative, "[ILLUSTRATIVE] ", np.where(out.is_estimate, "[ESTIMATE] ", ""))
    out["row"] = tag + out.name + " (" + out.period + ")"  # the tag first, so no truncation can hide it
    return out


def trend_display(df: pd.DataFrame, unit: str | pd.Series) -> pd.DataFrame:
    """Text and status columns for trend charts; ``unit`` is one unit or one per row."""
    out = df.copy()
    units = unit.to_numpy() if isinstance(unit, pd.Series) else [unit] * len(out)
    out["label"] = [fmt_value(v, u) for v, u in zip(out.value, units)]
    out["interval"] = [f"{fmt_value(lo, u)} to {fmt_value(hi, u)}" if np.isfinite(lo) else "none"
                       for lo, hi, u in zip(out.lower95.astype(float), out.upper95.astype(float), units)]
    out["status"] = np.where(out.is_suppressed, "SUPPRESSED", np.where(
        out.is_illustrative, "ILLUSTRATIVE", np.where(out.is_estimate, "ESTIMATE", "published")))
    out.loc[out.is_suppressed, "label"] = "suppressed"
    # Lines join points of one source only: a change of source (e.g. HMRC to DWP child poverty, or
    # IoD2019 to IoD2025) is a change of measure, not a trend.
    out["segment"] = out.series.astype(str) + "|" + out.source_id.astype(str)
    return out


def ward_trends(store: Store, code: str, scheme: str) -> dict[str, pd.DataFrame]:
    """:func:`trend_display` of :func:`trends` for every indicator of a ward, built in one pass and kept."""
    def build():
        s = _ward_series(store, code, scheme)
        units = store.indicators().set_index("indicator_id").unit
        s = trend_display(s, s.indicator_id.map(units))
        return {i: g.reset_index(drop=True) for i, g in s.groupby("indicator_id", sort=False)}

    return per_store(store, ("ward_trends", code, scheme), build)
