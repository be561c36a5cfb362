"""Overview (landing page): Bromley's headline indicators and the top hotspot wards."""
from __future__ import annotations

import streamlit as st

from loaders import targets
from model import hotspots as hs
from model import overview
from ui import common, router
from ui.data import store


def main() -> None:
    s = store()
    st.title("Bromley children's indicators")
    st.caption("Latest borough values against London and England, with local targets; then the wards that "
               "stand out. Every figure links to its source on the Data & methods page.")
    try:
        tgt = targets.load()
    except targets.TargetsError as e:
        st.warning(f"{e}. RAG status is not shown until the file is fixed.")
        tgt = targets.load("/nonexistent")
    tiles = overview.tiles(s, tgt)
    cols = st.columns(len(tiles))
    for col, t in zip(cols, tiles):
        with col.container(border=True):
            st.metric(t["name"], t["label"], delta=t.get("change_label"), border=False,
                      delta_color="off" if "change" not in t or t["polarity"] == "no_judgement"
                      else ("inverse" if t["polarity"] == "low_is_good" else "normal"))
            st.caption(t["period"] if t["unit"] in ("%", "count") else f"{t['unit']} · {t['period']}")
            for line in t["comparisons"]:
                st.markdown(f"- {common.md(line)}")
            if "rag" in t:
                badge = {"GREEN": ":green-badge[GREEN]", "AMBER": ":orange-badge[AMBER]", "RED": ":red-badge[RED]"}.get(
                    t["rag"], ":gray-badge[no target]")
                st.markdown(f"{badge} {common.md(t['target_label'])}", help=t["target_note"])
            st.markdown(f"[Trend →](./trends?indicator={t['indicator_id']}&areas=E09000006,E12000007,E92000001)")

    st.subheader("Top hotspot wards")
    st.caption("2022 wards flagged on poverty (IDACI), Year 6 obesity, NEET and children looked after: worst quintile "
               "in Bromley or significantly worse than England (95%). NEET and CLA ward figures are ILLUSTRATIVE.")
    res = hs.hotspots(s, hs.DEFAULT_INDICATORS, "ward2022", "either", "england", "95")
    top = res["scores"][res["scores"].n_flagged > 0].head(5)
    for r in top.itertuples():
        st.markdown(f"**{common.md(r.area_name)}**: {r.n_flagged} of {len(hs.DEFAULT_INDICATORS)} "
                    f"({common.md(r.flagged_names)}) · [profile →](./ward?ward={r.area_code})")
    st.markdown("[Explore hotspots with other indicators and rules →](./hotspots)")


router.run(main)
