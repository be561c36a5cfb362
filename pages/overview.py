"""Overview (landing page): Bromley's headline indicators and the top hotspot wards."""

from __future__ import annotations

import streamlit as st

from loaders import targets
from loaders.codes import BROMLEY, ENGLAND, LONDON
from model import data_age, overview, provenance
from model import hotspots as hs
from ui import frame, router
from ui.data import store
from ui.text import plain


def main() -> None:
    s = store()
    st.title("Bromley children's indicators")
    st.caption(
        "Latest borough values against London and England, with local targets; then the wards that "
        "stand out. Every figure links to its source on the Data & methods page."
    )
    try:
        tgt = targets.load()
    except targets.TargetsError as e:
        st.warning(f"{e}. RAG status is not shown until the file is fixed.")
        tgt = targets.load("/nonexistent")
    tiles = overview.tiles(s, tgt)
    cols = st.columns(len(tiles))
    for col, t in zip(cols, tiles):
        with col.container(border=True):
            st.metric(
                t["name"],
                t["label"],
                delta=t.get("change_label"),
                border=False,
                delta_color="off"
                if "change" not in t or t["polarity"] == "no_judgement"
                else ("inverse" if t["polarity"] == "low_is_good" else "normal"),
            )
            st.caption(t["period"] if t["unit"] in ("%", "count") else f"{t['unit']} · {t['period']}")
            for line in t["comparisons"]:
                st.markdown(f"- {plain(line)}")
            if "rag" in t:
                badge = {"GREEN": ":green-badge[GREEN]", "AMBER": ":orange-badge[AMBER]", "RED": ":red-badge[RED]"}.get(
                    t["rag"], ":gray-badge[no target]"
                )
                st.markdown(f"{badge} {plain(t['target_label'])}", help=t["target_note"])
            frame.link("trends", "Trend →", indicator=t["indicator_id"], areas=",".join((BROMLEY, LONDON, ENGLAND)))
    st.caption(
        "**Data age (Bromley).** "
        + plain(data_age.statement(data_age.indicator_ages(s, [t["indicator_id"] for t in tiles], "la")))
    )

    st.subheader("Top hotspot wards")
    res = hs.hotspots(s, hs.DEFAULT_INDICATORS, "ward2022", "either", "england", "95")
    st.caption(
        "2022 wards flagged on child income deprivation (IDACI), child poverty (DWP), Year 6 obesity, NEET and "
        "children looked after: worst quintile in Bromley or significantly worse than England (95%)."
        + (
            f" Ward figures for {plain(provenance.join(res['illustrative_names']))} are ILLUSTRATIVE (modelled) until the "
            "council loads its own extract."
            if res["illustrative_names"]
            else ""
        )
        + "".join(f" {plain(line)}" for line in res["council"])
    )
    ages = data_age.indicator_ages(s, hs.DEFAULT_INDICATORS, "ward2022")
    st.caption("**Data age.** " + plain(data_age.statement(ages)))
    kinds = data_age.flags_by_kind(res["matrix"], ages).set_index("area_code").summary
    top = res["scores"][res["scores"].n_flagged > 0].head(5)
    for r in top.itertuples():
        left, right = st.columns([6, 1], vertical_alignment="center")
        left.markdown(
            f"**{plain(r.area_name)}**: {r.n_flagged} of {len(hs.DEFAULT_INDICATORS)} "
            f"({plain(r.flagged_names)}; {plain(kinds.get(r.area_code, ''))})"
        )
        with right:
            frame.link("ward", "Ward profile →", ward=r.area_code)
    frame.link("hotspots", "Explore hotspots with other indicators and rules →")


router.run(main)
