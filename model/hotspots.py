"""Multi-indicator hotspots for a ward scheme: which wards are flagged on how many indicators.

Each chosen indicator uses its latest period on the chosen ward scheme. Need is read
through ``hotspot_polarity`` (for children looked after a higher rate marks need,
although the rate itself carries no better/worse judgement).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import phstats
from loaders.store import BadRequest, Store
from model.explore import COMPARATOR_CODES, COMPARATOR_LABELS, LEVELS

RULE_LABELS = {
    "either": "Worst quintile OR significantly worse",
    "worst_quintile": "Worst quintile within Bromley",
    "significantly_worse": "Significantly worse than the comparator",
    "both": "Worst quintile AND significantly worse",
}
REASONS = ["Worst quintile and significantly worse", "Worst quintile", "Significantly worse",
           "Not flagged", "No data", "Suppressed"]
DEFAULT_INDICATORS = ["idaci", "obesity_year6", "neet", "cla_rate"]  # poverty, obesity, NEET, care


def candidates(store: Store, geography: str) -> pd.DataFrame:
    """Indicators that can flag hotspots on this ward scheme, with the period that will be used."""
    ind = store.indicators()
    ind = ind[ind.hotspot_polarity != "no_judgement"]
    rows = []
    for r in ind.itertuples():
        o = store.options(r.indicator_id)
        o = o[o.geography == geography]
        if len(o):
            latest = o.iloc[0]  # newest first
            rows.append(dict(indicator_id=r.indicator_id, name=r.name, period=latest.period,
                             polarity=r.hotspot_polarity, illustrative=bool(latest.illustrative),
                             estimate=bool(latest.estimate), interval=r.interval))
    return pd.DataFrame(rows)


def hotspots(store: Store, indicators: list[str], geography: str, rule: str, comparator: str,
             level: str) -> dict:
    """Scores per ward, the ward x indicator matrix, and what each indicator used."""
    if rule not in RULE_LABELS:
        raise BadRequest(f"unknown rule {rule!r}")
    if comparator not in COMPARATOR_CODES or level not in LEVELS:
        raise BadRequest("unknown comparator or confidence level")
    cands = candidates(store, geography).set_index("indicator_id")
    unknown = [i for i in indicators if i not in cands.index]
    if unknown:
        raise BadRequest(f"not available on this ward scheme: {', '.join(unknown)}")
    suffix = "95" if level == "95" else "998"
    frames, used = [], []
    for ind in indicators:
        c = cands.loc[ind]
        v = store.values(ind, c.period, geography)
        comps = store.comparators(ind, c.period)
        crow = comps[comps.area_code == COMPARATOR_CODES[comparator]]
        comp_value = float(crow.value.iloc[0]) if len(crow) else np.nan
        frames.append(pd.DataFrame({
            "area_code": v.area_code, "area_name": v.area_name, "indicator_id": ind, "value": v.value,
            "lower": v[f"lower{suffix}"], "upper": v[f"upper{suffix}"], "polarity": c.polarity,
            "comparator": comp_value, "is_illustrative": v.is_illustrative, "is_estimate": v.is_estimate,
            "is_suppressed": v.is_suppressed, "source_id": v.source_id,
        }))
        used.append(dict(indicator_id=ind, name=c["name"], period=c.period, comparator_value=comp_value,
                         can_test=bool(np.isfinite(comp_value) and v[f"lower{suffix}"].notna().any()),
                         illustrative=c.illustrative, estimate=c.estimate))
    data = pd.concat(frames, ignore_index=True)
    matrix = phstats.hotspot_matrix(data[["area_code", "indicator_id", "value", "lower", "upper", "polarity",
                                          "comparator"]], rule=rule, comparator_col="comparator")
    pol = data.drop_duplicates("indicator_id").set_index("indicator_id").polarity
    worst = np.zeros(len(matrix), dtype=bool)
    for ind, idx in matrix.groupby("indicator_id").groups.items():
        worst[matrix.index.get_indexer(idx)] = phstats.worst_quantile_mask(matrix.loc[idx, "quintile"], 5, pol[ind])
    worse = (matrix.comparison == "worse").to_numpy()
    matrix["reason"] = np.select([matrix.value.isna(), worst & worse, worst, worse],
                                 ["No data", REASONS[0], REASONS[1], REASONS[2]], REASONS[3])
    names = data.drop_duplicates("area_code").set_index("area_code").area_name
    matrix["area_name"] = matrix.area_code.map(names)
    matrix = matrix.merge(data[["area_code", "indicator_id", "is_illustrative", "is_estimate", "is_suppressed"]],
                          on=["area_code", "indicator_id"])
    matrix.loc[matrix.is_suppressed, "reason"] = "Suppressed"
    scores = phstats.scores_from_matrix(matrix)
    scores["area_name"] = scores.area_code.map(names)
    ind_names = dict(zip(cands.index, cands.name))
    scores["flagged_names"] = scores.flagged.map(
        lambda s: ", ".join(ind_names[i] for i in s.split(", ") if i) if s else "")
    scores = scores.sort_values(["n_flagged", "area_name"], ascending=[False, True]).reset_index(drop=True)
    return {"scores": scores, "matrix": matrix, "used": pd.DataFrame(used), "source_ids": set(data.source_id),
            "comparator_label": COMPARATOR_LABELS[comparator],
            "illustrative": bool(data.is_illustrative.any()), "estimate": bool(data.is_estimate.any())}
