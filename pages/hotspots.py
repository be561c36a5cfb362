"""Hotspots: which wards are flagged on several indicators at once."""
from __future__ import annotations

import streamlit as st

import pandas as pd

from charts import compose, maps, style
from charts import hotspots as hchart
from exports import images
from loaders.topology import with_properties
from loaders.store import GEOGRAPHY_LABELS
from model import explore
from model import hotspots as hs
from ui import common
from ui.data import store
from ui.modes import presenting
from ui import router
from ui.state import UrlState


def main() -> None:
    s = store()
    url = UrlState("hotspots")
    st.title("Hotspots across indicators")
    st.caption("Which wards stand out on several indicators at once: poverty, obesity, NEET and care by default.")
    c1, c2, c3, c4 = st.columns([2, 3, 2, 2])
    with c1:
        geography = url.select("geography", "Ward scheme", ["ward2022", "ward2014"],
                               format_func=GEOGRAPHY_LABELS.get)
    cands = hs.candidates(s, geography)
    names = dict(zip(cands.indicator_id, cands.name))
    with c2:
        rule = url.select("rule", "Flag a ward when it is in the…", list(hs.RULE_LABELS),
                          format_func=hs.RULE_LABELS.get)
    with c3:
        comparator = url.select("comparator", "Comparator", list(explore.COMPARATOR_LABELS), "england",
                                format_func=explore.COMPARATOR_LABELS.get)
    with c4:
        level = url.select("level", "Confidence level", list(explore.LEVELS), "95", format_func=lambda v: f"{v}%")
    chosen = url.multi("indicators", "Indicators", list(names),
                       [i for i in hs.DEFAULT_INDICATORS if i in names], format_func=names.get)
    url.show_notices()
    if not chosen:
        st.info("Choose at least one indicator.")
        return
    big = presenting()

    def build():
        res = hs.hotspots(s, chosen, geography, rule, comparator, level)
        sub = style.subtitle_lines(indicator=f"{len(chosen)} indicators", period="latest period of each",
                                   geography=GEOGRAPHY_LABELS[geography], comparator=res["comparator_label"],
                                   illustrative=res["illustrative"], estimate=res["estimate"],
                                   extra=[f"Rule: {hs.RULE_LABELS[rule]} ({level}% intervals)"])
        kw = dict(reasons=hs.REASONS, order=res["scores"].area_name.tolist(), names={i: names[i] for i in chosen},
                  subtitle=sub)
        return {"res": res, "matrix_kw": kw,
                "matrix": compose.hotspot_matrix(res["matrix"], **kw).spec(big=big),
                "map": _count_map(s, res["scores"], geography, len(chosen), sub).spec(big=big),
                "bars": hchart.count_bars(res["scores"], len(chosen),
                                          title=style.title_block("Wards ranked by flags")).spec(big=big)}

    v = common.memo(("hotspots", tuple(chosen), geography, rule, comparator, level), build)
    res, matrix_kw = v["res"], v["matrix_kw"]
    common.data_status_banners(res["illustrative"], res["estimate"])
    used = res["used"]
    untested = used[~used.can_test]
    if rule != "worst_quintile" and len(untested):
        st.caption("Not tested for significance (no interval or no comparator value): "
                   + ", ".join(untested.name) + ". They can only flag through the worst quintile.")

    scores = res["scores"]
    top = scores[scores.n_flagged == scores.n_flagged.max()]
    if scores.n_flagged.max() > 0:
        st.markdown(f"**Most flagged:** {', '.join(common.md(n) for n in top.area_name)} "
                    f"({int(top.n_flagged.iloc[0])} of {len(chosen)} indicators).")
    order = scores.area_name.tolist()
    source = common.source_caption(s, pd.DataFrame({"source_id": sorted(set(res["source_ids"]))}))
    left, right = st.columns([3, 2]) if not presenting() else (st.container(), st.container())
    with left:
        common.show_spec(v["matrix"], height=22 * len(order) + 300)
        common.export_buttons(lambda: compose.hotspot_matrix(res["matrix"], width=images.WIDTH - 200, **matrix_kw),
                              source, res["matrix"], f"hotspot_matrix_{geography}", key="hot_matrix")
    with right:
        common.show_spec(v["map"])
        common.export_buttons(lambda: _count_map(s, scores, geography, len(chosen), matrix_kw["subtitle"],
                                                 width=images.WIDTH), source, scores, f"hotspot_map_{geography}",
                              key="hot_map")
        common.show_spec(v["bars"], height=22 * len(order) + 140)
        common.export_buttons(lambda: hchart.count_bars(scores, len(chosen), width=images.WIDTH - 200, title=style.title_block(
            "Wards ranked by flags", matrix_kw["subtitle"])), source, scores, f"hotspot_ranking_{geography}",
            key="hot_bars")
    common.board_pack_buttons(None, chosen if geography == "ward2022" else None, key="hot_pack")
    st.subheader("Indicators used")
    st.dataframe(used.assign(comparator_value=used.comparator_value.round(2)), hide_index=True, width="stretch")
    table = scores[["area_code", "area_name", "n_flagged", "n_indicators", "flagged_names"]]
    st.download_button("Download hotspot table (CSV)", table.assign(
        data_status="includes ILLUSTRATIVE data" if res["illustrative"] else "published").to_csv(index=False).encode(),
        file_name=("ILLUSTRATIVE_" if res["illustrative"] else "") + f"hotspots_{geography}.csv", mime="text/csv")
    st.dataframe(table, hide_index=True, width="stretch")


def _count_map(s, scores, geography, n, sub, width="container"):
    props = s.areas(geography)[["area_code"]].merge(scores, on="area_code", how="left")
    props["category"] = props.n_flagged.fillna(0).astype(int).map(lambda k: f"{k} of {n}")
    props["label"] = props.flagged_names.fillna("")
    domain = [f"{k} of {n}" for k in range(n + 1)]
    colours = hchart.count_colours(n + 1)
    return maps.choropleth(with_properties(s.topology(geography), props[["area_code", "area_name", "category", "label"]]),
                           colour_field="category", colour_title="Indicators flagged", domain=domain, colours=colours,
                           tooltip=[("area_name", "Ward"), ("category", "Flagged"), ("label", "On")],
                           selectable=False, height=380, width=width, title=style.title_block("Number of flags", sub))


router.run(main)
