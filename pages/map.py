"""Map explorer: one indicator on a ward or LSOA map, ranked with intervals, as a table."""
from __future__ import annotations

import streamlit as st

from charts import maps, ranking, style
from loaders.store import GEOGRAPHY_LABELS
from model import explore
from ui import common
from ui.data import store
from ui import router
from ui.state import UrlState


def main() -> None:
    s = store()
    url = UrlState("explorer")
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
    with c3:
        geography = url.select("geography", "Geography", list(geos.geography), _default_geo(geos.geography),
                               format_func=lambda g: GEOGRAPHY_LABELS[g] + (" (estimate)" if _is_est(geos, g) else ""))
    with c4:
        comparator = url.select("comparator", "Comparator", explore.available_comparators(s, indicator, period),
                                "england", format_func=explore.COMPARATOR_LABELS.get)
    colours = ["quintile"] + (["compare"] if meta["interval"] != "none" else []) + \
        (["decile"] if indicator == "idaci" and geography.startswith("lsoa") else [])
    with c5:
        colour = url.select("colour", "Colour by", colours, format_func=explore.COLOURINGS.get)
    level = url.select("level", "Confidence level", list(explore.LEVELS), "95", format_func=lambda v: f"{v}%",
                       widget=st.radio, horizontal=True)
    url.show_notices()

    view = explore.View(indicator, period, geography, comparator, level)
    table, ctx = explore.ward_table(s, view)
    table = explore.display_columns(table, meta["unit"], colour)
    common.data_status_banners(ctx["illustrative"], ctx["estimate"])
    if not ctx["has_intervals"]:
        st.caption(f"No confidence intervals: {meta['name']} is published without counts, so wards can be "
                   "ranked and grouped into quintiles but not tested against a comparator.")

    ward = common.ward_selector(url, s, geography, table, map_key="explorer_map")
    subtitle = style.subtitle_lines(indicator=meta["name"], period=period, geography=GEOGRAPHY_LABELS[geography],
                                    comparator=explore.COMPARATOR_LABELS[comparator],
                                    illustrative=ctx["illustrative"], estimate=ctx["estimate"])
    domain, palette, colour_title = common.colour_scale(colour, meta["polarity"], comparator)

    left, right = st.columns([5, 4])
    with left:
        features = explore.map_features(s, table, geography)
        chart = maps.choropleth(features, colour_field="category", colour_title=colour_title, domain=domain,
                                colours=palette, selected=ward,
                                tooltip=[("area_name", "Area"), ("label", meta["name"]), ("interval", f"{level}% interval"),
                                         ("count", "Count / denominator"), ("category", colour_title), ("status", "Data")],
                                title=style.title_block(f"{meta['name']}, {period}", subtitle))
        st.altair_chart(chart, on_select="rerun", key="explorer_map", selection_mode=maps.SELECT,
                        width="stretch")
        st.caption("Click an area to select it; double-click to clear. " + common.source_caption(s, table))
    with right:
        bars = ranking.ranking(table, value_title=common.axis_title(meta), colour_field="category",
                               colour_title=colour_title, domain=domain, colours=palette,
                               comparator_value=ctx["comparator_value"], comparator_label=ctx["comparator_label"],
                               selected=ward, title=style.title_block("Ranked, with " + (f"{level}% intervals" if ctx["has_intervals"] else "no intervals"), subtitle[1:]))
        st.altair_chart(bars, width="stretch", height=ranking.chart_height(len(table)) + 170)

    if ward:
        common.ward_link(s, ward, geography)

    st.subheader("Table")
    download = explore.table_for_download(table, ctx, view)
    st.dataframe(download.drop(columns=["note", "source_id", "geography", "indicator", "unit"]), hide_index=True,
                 width="stretch")
    prefix = "ILLUSTRATIVE_" if ctx["illustrative"] else ""
    d1, d2 = st.columns(2)
    d1.download_button("Download table (CSV)", download.to_csv(index=False).encode(),
                       file_name=f"{prefix}{indicator}_{geography}_{common.slug(period)}.csv", mime="text/csv")
    chart_data = download[["area_code", "area_name", "value", "lower_ci", "upper_ci", "comparator_value",
                           "data_status", "source_id"]]
    d2.download_button("Download ranking chart data (CSV)", chart_data.to_csv(index=False).encode(),
                       file_name=f"{prefix}{indicator}_{geography}_{common.slug(period)}_ranking.csv", mime="text/csv")


def _default_geo(geos) -> str:
    for g in ("ward2022", "ward2014", "lsoa2021", "lsoa2011"):
        if g in set(geos):
            return g
    return list(geos)[0]


def _is_est(geos, g) -> bool:
    return bool(geos.loc[geos.geography == g, "estimate"].any())


router.run(main)
