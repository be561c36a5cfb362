"""Ward profile: one ward's indicators against Bromley, London and England, with trends."""
from __future__ import annotations

import streamlit as st

from charts import compose, maps
from exports import images
from loaders.topology import with_properties
from model import profile
from ui import common, router
from ui.data import store
from ui.modes import presenting
from ui.state import UrlState


def main() -> None:
    s = store()
    url = UrlState("ward")
    wards = {sch: s.areas(sch) for sch in profile.SCHEMES}
    codes = [c for sch in profile.SCHEMES for c in wards[sch].area_code]
    label = {r.area_code: f"{r.area_name} ({profile.SCHEME_LABELS[sch]})" for sch in profile.SCHEMES
             for r in wards[sch].itertuples()}
    code = url.select("ward", "Ward", codes, "E05014002", format_func=label.get)
    level = url.select("level", "Confidence level", ["95", "99.8"], "95", format_func=lambda v: f"{v}%",
                       widget=st.radio, horizontal=True)
    url.show_notices()
    big = presenting()

    def build():
        info = profile.ward(s, code)
        sp = profile.spine(s, code, info["scheme"], level)
        out = {"info": info, "summary": profile.summary(s, info, sp, level), "locator": _locator(s, info).spec(big=big),
               "sp": sp, "trends": []}
        if sp.empty:
            return out
        sp = out["sp"] = profile.spine_display(sp)
        out["spine"] = compose.ward_spine(sp, info["name"], level).spec(big=big)
        ranks = profile.london_ranks(s, code, sp)
        all_trends = profile.ward_trends(s, code, info["scheme"])
        for r in sp.itertuples():
            t = all_trends[r.indicator_id]
            kw = dict(name=r.name, unit=r.unit, ward_name=info["name"], notes=profile.trend_notes(r, ranks))
            out["trends"].append((r.indicator_id, t, kw))
        out["grid"] = compose.ward_trend_grid([(t, kw["name"], kw["unit"]) for _, t, kw in out["trends"]],
                                              info["name"], columns=1 if big else 2).spec(big=big)
        return out

    v = common.memo(("ward", code, level), build)
    info, sp = v["info"], v["sp"]
    st.title(info["name"])
    pop = f"{info['children']:,.0f} children aged 0-15 ({info['children_period']})" if info["children"] else ""
    st.caption(f"{profile.SCHEME_LABELS[info['scheme']]} · {code} · {pop}")
    left, right = st.columns([1, 2])
    with left:
        common.show_spec(v["locator"])
    with right:
        st.subheader("In brief")
        for sentence in v["summary"]:
            st.markdown(f"- {common.md(sentence)}")
    if sp.empty:
        return
    common.data_status_banners(bool(sp.is_illustrative.any()), bool(sp.is_estimate.any()))
    source = common.source_caption(s, sp)
    common.show_spec(v["spine"], height=40 * len(sp) + 160)
    common.export_buttons(lambda: compose.ward_spine(sp, info["name"], level, width=images.WIDTH), source,
                          sp.drop(columns=[c for c in sp.columns if c.startswith("pos_")]), f"spine_{code}",
                          key="ward_spine")
    table = sp[["name", "period", "label", "interval", "comparison", "compared_with", "bromley_label",
                "london_label", "england_label", "range_label", "bromley_rank", "n_wards"]].rename(columns={
                    "label": "ward", "bromley_rank": "rank_in_bromley (1=worst/highest)", "range_label": "bromley_ward_range"})
    with st.expander("Spine chart data as a table"):
        st.dataframe(table, hide_index=True, width="stretch")
    st.download_button("Download profile data (CSV)", table.assign(
        data_status=sp.row.str.extract(r"^\[(\w+)\]", expand=False).fillna("published")).to_csv(index=False).encode(),
        file_name=f"ward_profile_{code}.csv", mime="text/csv")

    common.board_pack_buttons(code, None, key="ward_pack")
    st.subheader("Trends")
    common.show_spec(v["grid"])
    notes = [f"{kw['name']}: {'; '.join(kw['notes'])}" for _, _, kw in v["trends"] if kw["notes"]]
    if notes:
        st.caption("  \n".join(common.md(n) for n in notes))
    st.caption("Each trend as its own image or data, for papers:")
    for ind, t, kw in v["trends"]:
        with st.expander(kw["name"]):
            common.export_buttons(lambda t=t, kw=kw: compose.ward_trend(t, width=images.WIDTH, **kw),
                                  common.source_caption(s, t), t, f"trend_{code}_{ind}", key=f"ward_trend_{ind}")


def _locator(s, info):
    props = s.areas(info["scheme"])[["area_code", "area_name"]]
    props = props.assign(category=["This ward" if c == info["code"] else "Other Bromley wards" for c in props.area_code])
    return maps.choropleth(with_properties(s.topology(info["scheme"]), props), colour_field="category", colour_title="",
                           domain=["This ward", "Other Bromley wards"], colours=["#D55E00", "#eeeeee"],
                           tooltip=[("area_name", "Ward")], selectable=False, height=260, selected=info["code"])


router.run(main)
