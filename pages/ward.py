"""Ward profile: one ward's indicators against Bromley, London and England, with trends."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import compose, describe, maps, spine
from exports import view as views
from loaders.codes import LEVELS
from loaders.topology import with_properties
from model import profile, provenance
from ui import display, downloads, notices, router, sizes
from ui.data import store
from ui.modes import presenting
from ui.state import UrlState
from ui.text import plain

SPINE_ROW_BIG = 56  # px per indicator row of the spine chart on a projector (18 px labels and the value above the dot)


def main() -> None:
    s = store()
    url = UrlState("ward")
    wards = {sch: s.areas(sch) for sch in profile.SCHEMES}
    codes = [c for sch in profile.SCHEMES for c in wards[sch].area_code]
    label = {
        r.area_code: f"{r.area_name} ({profile.SCHEME_LABELS[sch]})"
        for sch in profile.SCHEMES
        for r in wards[sch].itertuples()
    }
    code = url.select("ward", "Ward", codes, "E05014002", format_func=label.get)
    level = url.select(
        "level", "Confidence level", list(LEVELS), "95", format_func=lambda v: f"{v}%", widget=st.radio, horizontal=True
    )
    url.show_notices()
    big = presenting()

    def build():
        info = profile.ward(s, code)
        sp = profile.spine(s, code, info["scheme"], level)
        out = {
            "info": info,
            "summary": profile.summary(s, info, sp, level),
            "locator": _locator(s, info, big).spec(big=big),
            "sp": sp,
            "trends": [],
            "locator_text": describe.locator_text(
                ward=info["name"], scheme=profile.SCHEME_LABELS[info["scheme"]], n=len(s.areas(info["scheme"]))
            ),
        }
        if sp.empty:
            return out
        sp = out["sp"] = profile.spine_display(sp)
        out["council"] = profile.spine_council_lines(s, sp)
        out["spine"] = compose.ward_spine(
            sp, info["name"], level, row_height=SPINE_ROW_BIG if big else spine.ROW_HEIGHT, extra=out["council"]
        ).spec(big=big)
        ranks = profile.london_ranks(s, code, sp)
        all_trends = profile.ward_trends(s, code, info["scheme"])
        for r in sp.itertuples():
            t = all_trends[r.indicator_id]
            notes = [*profile.trend_notes(r, ranks), *provenance.council_lines(s, t)]
            kw = dict(name=r.name, unit=r.unit, ward_name=info["name"], notes=notes)
            out["trends"].append((r.indicator_id, t, kw))
        out["spine_text"] = describe.spine_text(sp, ward=info["name"], level=level)
        out["trend_texts"] = [
            describe.trend_text(t, indicator=kw["name"], span=profile.period_span(t)) for _, t, kw in out["trends"]
        ]
        out["grid_text"] = describe.ward_trends_text([(t, kw["name"]) for _, t, kw in out["trends"]], ward=info["name"])
        out["trend_table"] = (
            pd.concat(
                [
                    t.assign(indicator=kw["name"])[
                        ["indicator", "series", "period", "label", "interval", "status"]
                    ].rename(columns={"series": "area"})
                    for _, t, kw in out["trends"]
                ],
                ignore_index=True,
            )
            if out["trends"]
            else pd.DataFrame()
        )
        if big:  # one full-width chart per indicator: a small-multiple grid is unreadable on a projector
            out["big_trends"] = [compose.ward_trend(t, **kw).spec(big=True) for _, t, kw in out["trends"]]
        else:
            out["grid"] = compose.ward_trend_grid(
                [(t, kw["name"], kw["unit"]) for _, t, kw in out["trends"]],
                info["name"],
                columns=2,
                extra=[line for _, t, _ in out["trends"] for line in provenance.council_lines(s, t)],
            ).spec()
        return out

    v = display.memo(("ward", code, level), build)
    info, sp = v["info"], v["sp"]
    st.title(info["name"])
    pop = f"{info['children']:,.0f} children aged 0-15 ({info['children_period']})" if info["children"] else ""
    st.caption(f"{profile.SCHEME_LABELS[info['scheme']]} · {code} · {pop}")
    left, right = st.columns([2, 3] if big else [1, 2])
    with left:
        display.show_spec(v["locator"], description=v["locator_text"])
    with right:
        st.subheader("In brief")
        for sentence in v["summary"]:
            st.markdown(f"- {plain(sentence)}")
    if sp.empty:
        return
    notices.data_status_banners(sp.name[sp.is_illustrative.astype(bool)].tolist(), bool(sp.is_estimate.any()))
    for line in v["council"]:
        st.caption(plain(line))
    source = notices.source_caption(s, sp)
    if big:
        display.show_spec(
            v["spine"],
            height=SPINE_ROW_BIG * len(sp) + sizes.chrome_height(subtitle_lines=3, legend_rows=1),
            description=v["spine_text"],
        )
    else:
        display.show_spec(v["spine"], height=spine.ROW_HEIGHT * len(sp) + 160, description=v["spine_text"])
    view = views.WardView(code, level, **views.mode(s))  # what the exports and the board pack show
    downloads.export_buttons(
        lambda: views.ward(s, view)["spine"],
        source,
        sp.drop(columns=[c for c in sp.columns if c.startswith("pos_")]).assign(
            source=provenance.source_labels(s, sp.source_id)
        ),
        f"spine_{code}",
        key="ward_spine",
    )
    table = sp[
        [
            "name",
            "period",
            "label",
            "interval",
            "comparison",
            "compared_with",
            "bromley_label",
            "london_label",
            "england_label",
            "range_label",
            "bromley_rank",
            "n_wards",
        ]
    ].rename(
        columns={
            "label": "ward",
            "bromley_rank": "rank_in_bromley (1=worst/highest)",
            "range_label": "bromley_ward_range",
        }
    )
    with st.expander("Spine chart data as a table"):
        st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(
        "Download profile data (CSV)",
        table.assign(
            data_status=sp.row.str.extract(r"^\[(\w+)\]", expand=False).fillna(
                provenance.source_labels(s, sp.source_id).where(
                    sp.source_id.astype(str).str.startswith(provenance.LOCAL), "published"
                )
            )
        )
        .to_csv(index=False)
        .encode(),
        file_name=f"ward_profile_{code}.csv",
        mime="text/csv",
        on_click="ignore",
    )

    downloads.board_pack_buttons(view, key="ward_pack")
    st.subheader("Trends")
    if big:
        for spec, text in zip(v["big_trends"], v["trend_texts"]):
            display.show_spec(spec, height=sizes.TREND_HEIGHT_BIG, description=text)
    else:
        display.show_spec(v["grid"], description=v["grid_text"])
    with st.expander("Trend data as a table"):
        st.dataframe(v["trend_table"], hide_index=True, width="stretch")
    notes = [f"{kw['name']}: {'; '.join(kw['notes'])}" for _, _, kw in v["trends"] if kw["notes"]]
    if notes:
        st.caption("  \n".join(plain(n) for n in notes))
    st.caption("Each trend as its own image or data, for papers:")
    for ind, t, kw in v["trends"]:
        with st.expander(kw["name"]):
            downloads.export_buttons(
                lambda ind=ind: views.ward(s, view)["trends"][ind][1],
                notices.source_caption(s, t),
                t.assign(source=provenance.source_labels(s, t.source_id)),
                f"trend_{code}_{ind}",
                key=f"ward_trend_{ind}",
            )


def _locator(s, info, big=False):
    props = s.areas(info["scheme"])[["area_code", "area_name"]]
    props = props.assign(
        category=["This ward" if c == info["code"] else "Other Bromley wards" for c in props.area_code]
    )
    return maps.choropleth(
        with_properties(s.topology(info["scheme"]), props),
        colour_field="category",
        colour_title="",
        domain=["This ward", "Other Bromley wards"],
        colours=["#D55E00", "#eeeeee"],
        tooltip=[("area_name", "Ward")],
        selectable=False,
        height=420 if big else 260,
        selected=info["code"],
    )


router.run(main)
