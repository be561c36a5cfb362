"""Ward tables for the explorer, hotspots and exports: query results plus statistics.

No Streamlit here: pages, exports and tests call the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import phstats
from loaders.codes import BROMLEY, COMPARATOR_LABELS, COMPARATORS, ENGLAND, LEVELS, LONDON  # noqa: F401 (vocabulary)
from loaders.store import BadRequest, Store
from loaders.topology import area_codes, with_properties
from model import provenance
from model.cache import per_store
from phstats.disclosure import SUPPRESSED

COMPARATOR_CODES = COMPARATORS
COLOURINGS = {
    "quintile": "Quintiles within Bromley",
    "compare": "Compared with the comparator",
    "decile": "National deciles (IDACI, LSOAs)",
}
QUINTILE_LABELS_JUDGED = {1: "Best 20%", 2: "Better", 3: "Middle", 4: "Worse", 5: "Worst 20%"}
QUINTILE_LABELS_NEUTRAL = {1: "Lowest 20%", 2: "Low", 3: "Middle", 4: "High", 5: "Highest 20%"}


@dataclass(frozen=True)
class View:
    """A validated choice of what to show."""

    indicator: str
    period: str
    geography: str
    comparator: str = "england"
    level: str = "95"


def quintile_labels(polarity: str) -> dict[int, str]:
    """Labels for quintiles 1-5, where 1 holds the best values (or lowest, for no judgement)."""
    return QUINTILE_LABELS_NEUTRAL if polarity == "no_judgement" else QUINTILE_LABELS_JUDGED


def _best_first(polarity: str) -> str:
    return "highest" if polarity == "high_is_good" else "lowest"


def ward_table(store: Store, view: View) -> tuple[pd.DataFrame, dict]:
    """Values of one indicator for every Bromley area of a geography, with interval,
    comparison, quintile and flags. Returns (table, context) where context holds the
    indicator metadata and the comparator value used."""
    if view.comparator not in COMPARATOR_CODES:
        raise BadRequest(f"unknown comparator {view.comparator!r}")
    if view.level not in LEVELS:
        raise BadRequest(f"unknown confidence level {view.level!r}")
    meta = store.indicator(view.indicator)
    df = store.values(view.indicator, view.period, view.geography)
    comps = store.comparators(view.indicator, view.period)
    comp_row = comps[comps.area_code == COMPARATOR_CODES[view.comparator]]
    comp_value = float(comp_row.value.iloc[0]) if len(comp_row) else np.nan
    suffix = "95" if view.level == "95" else "998"
    df["lower"] = df[f"lower{suffix}"]
    df["upper"] = df[f"upper{suffix}"]
    df = phstats.compare_frame(df, comp_value, meta["polarity"])
    df = phstats.quantile_frame(df, n=5, group1=_best_first(meta["polarity"]))
    labels = quintile_labels(meta["polarity"])
    df["quintile_label"] = df.quintile.map(lambda q: labels.get(int(q)) if pd.notna(q) else "No data")
    df.loc[df.is_suppressed, "quintile_label"] = SUPPRESSED
    df["comparator_value"] = comp_value
    df["rank"] = df.value.rank(ascending=meta["polarity"] == "high_is_good", method="min").astype("Int64")
    context = {
        "meta": meta,
        "comparator_value": comp_value,
        "comparator_label": COMPARATOR_LABELS[view.comparator],
        "comparators": comps,
        "level": view.level,
        "illustrative": bool(df.is_illustrative.any()),
        "estimate": bool(df.is_estimate.any()),
        "has_intervals": bool(df.lower.notna().any()),
        # "Ward figures from Council extract (file, date): period." for rows from a council's extract
        "council": provenance.council_lines(store, df, what="Figures"),
        "source_labels": {s: provenance.label(store, s) for s in set(df.source_id.astype(str))},
    }
    if meta["source_ids"].startswith(provenance.LOCAL) and not np.isfinite(comp_value):
        context["council"].append(
            "No England or London comparator for a local indicator; Bromley (the sum of the extract's ward "
            "counts) is given only for periods with every ward in the extract."
        )
    return df.reset_index(drop=True), context


def options(store: Store, indicator: str) -> pd.DataFrame:
    """Valid (period, geography) pairs for the map: Bromley wards and LSOAs only (kept per store)."""

    def build():
        o = store.options(indicator)
        return o[o.geography.isin(["ward2022", "ward2014", "lsoa2021", "lsoa2011"])].reset_index(drop=True)

    return per_store(store, ("map_options", indicator), build)


def available_comparators(store: Store, indicator: str, period: str) -> list[str]:
    """Comparators (bromley, london, england) with a value for this indicator and period."""

    def build():
        have = set(store.comparators(indicator, period).dropna(subset=["value"]).area_code)
        return [k for k, code in COMPARATOR_CODES.items() if code in have] or ["bromley"]

    return list(per_store(store, ("comparators", indicator, str(period)), build))


def map_indicators(store: Store) -> pd.DataFrame:
    """Indicators that can be mapped (have ward or LSOA values in Bromley)."""

    def build():
        ind = store.indicators()
        keep = [i for i in ind.indicator_id if not options(store, i).empty]
        return ind[ind.indicator_id.isin(keep)].reset_index(drop=True)

    return per_store(store, "map_indicators", build)


def table_for_download(df: pd.DataFrame, context: dict, view: View) -> pd.DataFrame:
    """The table as users download it: plain columns, flags spelled out, source and labels."""
    meta = context["meta"]
    out = pd.DataFrame(
        {
            "area_code": df.area_code,
            "area_name": df.area_name,
            "geography": df.area_type,
            "indicator": meta["name"],
            "period": df.period,
            "unit": meta["unit"],
            "value": df.value.round(3),
            "lower_ci": df.lower.round(3),
            "upper_ci": df.upper.round(3),
            "confidence_level": f"{view.level}%" if context["has_intervals"] else "",
            "numerator": df.numerator.round(3),
            "denominator": df.denominator.round(3),
            "quintile_in_bromley": df.quintile_label,
            f"compared_with_{view.comparator}": df.comparison,
            "comparator_value": round(context["comparator_value"], 3)
            if np.isfinite(context["comparator_value"])
            else None,
            "data_status": np.where(
                df.is_suppressed,
                "SUPPRESSED (small number, public mode)",
                np.where(
                    df.is_illustrative,
                    "ILLUSTRATIVE (modelled, not observed)",
                    np.where(
                        df.is_estimate,
                        "ESTIMATE (re-weighted from 2014 wards)",
                        np.where(
                            df.source_id.astype(str).str.startswith(provenance.LOCAL),
                            df.source_id.astype(str).map(context.get("source_labels", {})).fillna("Council extract"),
                            "published",
                        ),
                    ),
                ),
            ),
            "source_id": df.source_id,
            "note": df.note,
        }
    )
    return out


def fmt_value(v: float, unit: str) -> str:
    if v is None or not np.isfinite(v):
        return "no data"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "%":
        return f"{v:.1f}%"
    return f"{v:.1f} {unit}"


def display_columns(df: pd.DataFrame, unit: str, colour: str) -> pd.DataFrame:
    """Add text columns used by charts and tooltips (value, interval, count) and the colour category."""
    out = df.copy()
    out["label"] = [SUPPRESSED.lower() if sup else fmt_value(v, unit) for v, sup in zip(out.value, out.is_suppressed)]
    out["interval"] = [
        f"{fmt_value(lo, unit)} to {fmt_value(hi, unit)}" if np.isfinite(lo) else "none (no count published)"
        for lo, hi in zip(out.lower.astype(float), out.upper.astype(float))
    ]
    out["count"] = [
        f"{n:,.0f} / {d:,.0f}"
        if np.isfinite(n) and np.isfinite(d)
        else f"suppressed / {d:,.0f}"
        if sup
        else "not published"
        for n, d, sup in zip(out.numerator.astype(float), out.denominator.astype(float), out.is_suppressed)
    ]
    out["status"] = np.where(
        out.is_suppressed,
        "SUPPRESSED",
        np.where(out.is_illustrative, "ILLUSTRATIVE", np.where(out.is_estimate, "ESTIMATE", "published")),
    )
    if colour == "compare":
        out["category"] = out.comparison.where(~out.is_suppressed, SUPPRESSED)
    elif colour == "decile":
        out["category"] = [
            SUPPRESSED if sup else f"Decile {int(d)}" if pd.notna(d) else "No decile"
            for d, sup in zip(out.national_decile, out.is_suppressed)
        ]
    else:
        out["category"] = out.quintile_label
    return out


def map_features(store: Store, df: pd.DataFrame, geography: str) -> dict:
    """The layer's TopoJSON with the map's tooltip fields as each area's properties (areas without data
    included). ``status`` (published / ESTIMATE / ILLUSTRATIVE / SUPPRESSED) only when any area is not
    simply published: the chart's title says so otherwise."""
    topo = store.topology(geography)
    names = area_names(store, geography)
    cols = ["area_code", "area_name", "label", "interval", "count", "category"] + (
        ["status"] if "status" in df and df.status.ne("published").any() else []
    )
    props = pd.DataFrame({"area_code": area_codes(topo)}).merge(
        df[[c for c in cols if c in df.columns]], on="area_code", how="left"
    )
    props["area_name"] = props.area_name.fillna(props.area_code.map(names))
    props["category"] = props.category.astype(object).where(props.category.notna(), "No data")  # any dtype, even empty
    props["label"] = props.label.fillna("no data")
    return with_properties(topo, props)


def area_names(store: Store, geography: str) -> dict[str, str]:
    """Area code -> name for one geography (kept per store; do not mutate)."""
    return per_store(
        store, ("area_names", geography), lambda: store.areas(geography).set_index("area_code").area_name.to_dict()
    )
