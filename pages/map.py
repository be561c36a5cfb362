"""Map explorer: one indicator on a ward or LSOA map, ranked with intervals, as a table."""
from __future__ import annotations

import streamlit as st

from charts import compose
from charts.maps import SELECT, with_focus
from exports import images
from loaders.store import GEOGRAPHY_LABELS
from model import explore
from ui import common, router
from ui.data import store
from ui.modes import presenting
from ui.state import UrlState


def main() -> None:
    s = store()
    url = UrlState("map")
    st.title("Map explorer")
    inds = explore.map_indicators(s)
    names = dict(zip(inds.indicator_id, inds.name))

    c1, c2, c3, c4, c5 = st.columns([3, 2, 2, 2, 2])
    with c1:
        indicator = url.select("indicator", "Indicator", list(names), "idaci", format_func=names.get)
    meta = s.indicator(indicator)
    opts = explore.options(s, indicator)
    with c2:
        period = url.select("period", "Period", list(dict.fromkeys(opts.period)))
    geos = opts[opts.period == period]
    estimated = set(geos.geography[geos.estimate])
    with c3:
        geography = url.select("geography", "Geography", list(geos.geography), _default_geo(geos.geography),
                               format_func=lambda g: GEOGRAPHY_LABELS[g] + (" (estimate)" if g in estimated else ""))
    with c4:
        comparator = url.select("comparator", "Comparator", explore.available_comparators(s, indicator, period),
                                "england", format_func=explore.COMPARATOR_LABELS.get)
    colours = ["quintile"] + (["compare"] if meta["interval"] != "none" else []) + \
        (["decile"] if indicator == "idaci" and geography.startswith("lsoa") else [])
    with c5:
        colour = url.select("colour", "Colour by", colours, format_func=explore.COLOURINGS.get)
    level = url.select("level", "Confidence level", list(explore.LEVELS), "95", format_func=lambda v: f"{v}%",
                       widget=st.radio, horizontal=True)
    view = explore.View(indicator, period, geography, comparator, level)
    ward = common.ward_selector(url, s, geography, map_key="map:chart")
    url.show_notices()
    big = presenting()

    def build():  # the selected ward is not part of the view: it is a chart parameter (maps.with_focus)
        table, ctx = explore.ward_table(s, view)
        table = explore.display_columns(table, meta["unit"], colour)
        features = explore.map_features(s, table, geography)
        charts = compose.explorer(table, ctx, features, period=period, geography_label=GEOGRAPHY_LABELS[geography],
                                  colour=colour, quintile_labels=explore.quintile_labels(meta["polarity"]),
                                  map_height=620 if big else 480, bar_height=common.bar_height())
        download = explore.table_for_download(table, ctx, view)
        return {"table": table, "ctx": ctx, "features": features, "subtitle": charts["subtitle"], "download": download,
                "shown": download.drop(columns=["note", "source_id", "geography", "indicator", "unit"]),
                "chart_data": download[["area_code", "area_name", "value", "lower_ci", "upper_ci", "comparator_value",
                                        "data_status", "source_id"]],
                "map": charts["map"].spec(big=big), "ranking": charts["ranking"].spec(big=big)}

    v = common.memo(("map", view, colour), build)
    table, ctx, features, download = v["table"], v["ctx"], v["features"], v["download"]
    common.data_status_banners(ctx["illustrative"], ctx["estimate"])
    if not ctx["has_intervals"]:
        st.caption(f"No confidence intervals: {meta['name']} is published without counts, so wards can be "
                   "ranked and grouped into quintiles but not tested against a comparator.")
    labels = explore.quintile_labels(meta["polarity"])
    source = common.source_caption(s, table)
    name = f"{'ILLUSTRATIVE_' if ctx['illustrative'] else ''}{indicator}_{geography}_{common.slug(period)}"

    def export(kind: str):
        return lambda: compose.explorer(table, ctx, features, period=period, colour=colour, quintile_labels=labels,
                                        geography_label=GEOGRAPHY_LABELS[geography], selected=ward,
                                        width=images.WIDTH, selectable=False)[kind]

    left, right = st.columns([5, 4]) if not presenting() else (st.container(), st.container())
    with left:
        common.show_spec(with_focus(v["map"], ward), key="map:chart", on_select="rerun", selection_mode=SELECT)
        st.caption("Click an area to select it; double-click to clear. " + source)
        common.export_buttons(export("map"), source, download, f"{name}_map", key="map_map")
    with right:
        common.show_spec(with_focus(v["ranking"], ward), height=common.ranking_height(len(table)))
        common.export_buttons(export("ranking"), source, v["chart_data"], f"{name}_ranking", key="map_ranking")
    if ward:
        common.ward_link(s, ward, geography)
    st.subheader("Table")
    common.public_footnote(table)
    st.dataframe(v["shown"], hide_index=True, width="stretch")
    st.download_button("Download table (CSV)", lambda: download.to_csv(index=False).encode(), file_name=f"{name}.csv",
                       mime="text/csv")


def _default_geo(geos) -> str:
    for g in ("ward2022", "ward2014", "lsoa2021", "lsoa2011"):
        if g in set(geos):
            return g
    return list(geos)[0]


router.run(main)
