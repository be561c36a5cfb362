"""Multi-indicator hotspots for a ward scheme: which wards are flagged on how many indicators.

Each chosen indicator uses its latest period on the chosen ward scheme. Need is read
through ``hotspot_polarity`` (for children looked after a higher rate marks need,
although the rate itself carries no better/worse judgement).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import phstats
from loaders.codes import GEOGRAPHY_LABELS, WARD_SCHEMES
from loaders.store import BadRequest, Store
from model import provenance
from model.cache import per_store
from model.explore import COMPARATOR_CODES, COMPARATOR_LABELS, LEVELS
from phstats.compare import NOT_COMPARED

RULE_LABELS = {
    "either": "Worst quintile OR significantly worse",
    "worst_quintile": "Worst quintile within Bromley",
    "significantly_worse": "Significantly worse than the comparator",
    "both": "Worst quintile AND significantly worse",
}
# What a matrix cell shows, under the rule in force: the first three are flags (counted), and only
# the parts of the rule count (under "significantly worse" a worst-quintile cell is just not flagged);
# "Not tested": not flagged, and the rule needed a significance test the cell could not have.
REASONS = [
    "Worst quintile and significantly worse",
    "Worst quintile",
    "Significantly worse",
    "Not flagged",
    "Not tested",
    "No data",
    "Suppressed",
]
# Current observed data first: IDACI 2025 and DWP ward child poverty FYE 2025; then Year 6 obesity (old, and an
# ESTIMATE on 2022 wards), NEET and CLA (ILLUSTRATIVE until the council loads its own). model.data_age says which.
DEFAULT_INDICATORS = ["idaci", "child_poverty", "obesity_year6", "neet", "cla_rate"]


def pack_indicators(store: Store) -> list[str]:
    """A ward board pack's indicators: the defaults, then every local indicator the council defined and loaded."""
    local = sorted(getattr(store, "local_indicator_ids", ()) or ())
    return DEFAULT_INDICATORS + [i for i in local if i not in DEFAULT_INDICATORS]


def candidates(store: Store, geography: str) -> pd.DataFrame:
    """Indicators that can flag hotspots on this ward scheme, with the period that will be used (kept per store)."""

    def build():
        ind = store.indicators()
        ind = ind[ind.hotspot_polarity != "no_judgement"]
        rows = []
        for r in ind.itertuples():
            o = store.options(r.indicator_id)
            o = o[o.geography == geography]
            if len(o):
                latest = o.iloc[0]  # newest first
                rows.append(
                    dict(
                        indicator_id=r.indicator_id,
                        name=r.name,
                        period=latest.period,
                        polarity=r.hotspot_polarity,
                        illustrative=bool(latest.illustrative),
                        estimate=bool(latest.estimate),
                        interval=r.interval,
                    )
                )
        return pd.DataFrame(rows)

    return per_store(store, ("hotspot_candidates", geography), build)


def catalogue(store: Store) -> dict[str, str]:
    """Indicator id -> name of every indicator that can flag hotspots on either ward scheme."""
    both = pd.concat([candidates(store, g) for g in WARD_SCHEMES])
    return dict(zip(both.indicator_id, both.name))


def hotspots(store: Store, indicators: list[str], geography: str, rule: str, comparator: str, level: str) -> dict:
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
    frames, used, council = [], [], []
    for ind in indicators:
        c = cands.loc[ind]
        v = store.values(ind, c.period, geography)
        council += provenance.council_lines(store, v, what=c["name"])
        comps = store.comparators(ind, c.period)
        crow = comps[comps.area_code == COMPARATOR_CODES[comparator]]
        comp_value = float(crow.value.iloc[0]) if len(crow) else np.nan
        frames.append(
            pd.DataFrame(
                {
                    "area_code": v.area_code,
                    "area_name": v.area_name,
                    "indicator_id": ind,
                    "value": v.value,
                    "lower": v[f"lower{suffix}"],
                    "upper": v[f"upper{suffix}"],
                    "polarity": c.polarity,
                    "comparator": comp_value,
                    "is_illustrative": v.is_illustrative,
                    "is_estimate": v.is_estimate,
                    "is_suppressed": v.is_suppressed,
                    "source_id": v.source_id,
                }
            )
        )
        why = []  # why it cannot be tested for significance
        if v[f"lower{suffix}"].isna().all():
            why.append("no confidence intervals")
        if not np.isfinite(comp_value):
            why.append(f"no {COMPARATOR_LABELS[comparator]} value")
        used.append(
            dict(
                indicator_id=ind,
                name=c["name"],
                period=c.period,
                comparator_value=comp_value,
                can_test=not why,
                not_tested_because=" and ".join(why),
                illustrative=c.illustrative,
                estimate=c.estimate,
            )
        )
    data = pd.concat(frames, ignore_index=True)
    matrix = phstats.hotspot_matrix(
        data[["area_code", "indicator_id", "value", "lower", "upper", "polarity", "comparator"]],
        rule=rule,
        comparator_col="comparator",
    )
    pol = data.drop_duplicates("indicator_id").set_index("indicator_id").polarity
    worst = np.zeros(len(matrix), dtype=bool)
    for ind, idx in matrix.groupby("indicator_id").groups.items():
        worst[matrix.index.get_indexer(idx)] = phstats.worst_quantile_mask(matrix.loc[idx, "quintile"], 5, pol[ind])
    uses_quintile, uses_test = rule != "significantly_worse", rule != "worst_quintile"  # parts of the rule in force
    worst &= uses_quintile
    worse = (matrix.comparison == "worse").to_numpy() & uses_test
    untested = (matrix.comparison == NOT_COMPARED).to_numpy() & uses_test
    flagged = matrix.flagged.to_numpy(dtype=bool)
    matrix["reason"] = np.select(
        [matrix.value.isna(), flagged & worst & worse, flagged & worst, flagged & worse, untested],
        ["No data", *REASONS[:3], "Not tested"],
        "Not flagged",
    )
    names = data.drop_duplicates("area_code").set_index("area_code").area_name
    matrix["area_name"] = matrix.area_code.map(names)
    matrix = matrix.merge(
        data[["area_code", "indicator_id", "is_illustrative", "is_estimate", "is_suppressed"]],
        on=["area_code", "indicator_id"],
    )
    matrix.loc[matrix.is_suppressed, "reason"] = "Suppressed"
    scores = phstats.scores_from_matrix(matrix)
    scores["area_name"] = scores.area_code.map(names)
    ind_names = dict(zip(cands.index, cands.name))
    scores["flagged_names"] = scores.flagged.map(
        lambda s: ", ".join(ind_names[i] for i in s.split(", ") if i) if s else ""
    )
    scores = scores.sort_values(["n_flagged", "area_name"], ascending=[False, True]).reset_index(drop=True)
    return {
        "scores": scores,
        "matrix": matrix,
        "used": pd.DataFrame(used),
        "source_ids": set(data.source_id),
        "comparator_label": COMPARATOR_LABELS[comparator],
        "illustrative": bool(data.is_illustrative.any()),
        "illustrative_names": [
            ind_names[i] for i in dict.fromkeys(data.indicator_id[data.is_illustrative.astype(bool)])
        ],
        "estimate": bool(data.is_estimate.any()),
        "council": council,  # "16-17 year olds NEET from Council extract (file, date): 2024." per extract used
    }


def untested_note(used: pd.DataFrame, rule: str, geography: str, comparator_label: str) -> tuple[str, str] | None:
    """What to say about chosen indicators that cannot be tested for significance, true for the rule
    in force: ("warning", text) when the rule can then flag no ward at all, ("caption", text) when only
    some are untested, None when nothing needs saying (all tested, or the rule ignores significance)."""
    untested = used[~used.can_test]
    if rule == "worst_quintile" or untested.empty:
        return None
    listed = "; ".join(f"{r.name} ({r.not_tested_because})" for r in untested.itertuples())
    if rule == "either":
        return "caption", f"Not tested for significance: {listed}. They can flag only through the worst quintile."
    if len(untested) == len(used):
        return "warning", (
            f"No ward can be flagged: “{RULE_LABELS[rule]}” needs a significance test, and none of "
            f"the chosen indicators can be tested on {GEOGRAPHY_LABELS[geography]} against "
            f"{comparator_label}: {listed}. Choose another rule, comparator or indicators."
        )
    return "caption", f"Not tested for significance, so they cannot flag under this rule: {listed}."
