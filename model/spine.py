"""A ward's spine chart rows: every indicator against Bromley, London and England and the spread of
Bromley's wards, on a common scale where better is always to the right (no Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import phstats
from loaders.codes import BROMLEY, ENGLAND, LONDON
from loaders.store import Store
from model.cache import per_store
from model.explore import fmt_value
from phstats.compare import NOT_COMPARED

COMPARATOR_NAMES = {BROMLEY: "Bromley", LONDON: "London", ENGLAND: "England"}
SPINE_COMPARATORS = [ENGLAND, LONDON, BROMLEY]  # the first with a value is the one compared against


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
        f = pd.DataFrame(
            {
                "area_code": wards.area_code,
                "indicator_id": meta.indicator_id,
                "name": meta.name,
                "unit": meta.unit,
                "polarity": meta.polarity,
                "period": period,
                "value": vals,
                "lower": wards[f"lower{suffix}"].astype(float),
                "upper": wards[f"upper{suffix}"].astype(float),
                "is_illustrative": wards.is_illustrative.astype(bool),
                "is_estimate": wards.is_estimate.astype(bool),
                "england": cvals[ENGLAND],
                "london": cvals[LONDON],
                "bromley": cvals[BROMLEY],
                "ward_min": vals.min(),
                "ward_q25": vals.quantile(0.25),
                "ward_q75": vals.quantile(0.75),
                "ward_max": vals.max(),
            }
        )
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


def spine_display(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns for the spine chart and its table."""
    out = df.copy()
    f = lambda v, u: fmt_value(v, u) if np.isfinite(v) else "n/a"  # noqa: E731
    out["label"] = [f(v, u) for v, u in zip(out.value, out.unit)]
    out["interval"] = [
        f"{f(lo, u)} to {f(hi, u)}" if np.isfinite(lo) else "none"
        for lo, hi, u in zip(out.lower.astype(float), out.upper.astype(float), out.unit)
    ]
    for c in ("bromley", "london", "england"):
        out[f"{c}_label"] = [f(v, u) for v, u in zip(out[c], out.unit)]
    out["range_label"] = [f"{f(a, u)} to {f(b, u)}" for a, b, u in zip(out.ward_min, out.ward_max, out.unit)]
    tag = np.where(out.is_illustrative, "[ILLUSTRATIVE] ", np.where(out.is_estimate, "[ESTIMATE] ", ""))
    out["row"] = tag + out.name + " (" + out.period + ")"  # the tag first, so no truncation can hide it
    return out
