"""Map explorer: one indicator on a ward or LSOA map, ranked with intervals, as a table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import compose, describe, style
from charts.maps import SELECT, with_focus
from exports import view as views
from loaders.codes import GEOGRAPHY_LABELS
from model import explore
from ui import a11y, display, downloads, notices, pick, router, sizes
from ui.data import store
from ui.modes import presenting
from ui.state import UrlState
from ui.text import plain


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
        geography = url.select(
            "geography",
            "Geography",
            list(geos.geography),
            _default_geo(geos.geography),
            format_func=lambda g: GEOGRAPHY_LABELS[g] + (" (estimate)" if g in estimated else ""),
        )
    with c4:
        comparator = url.select(
            "comparator",
            "Comparator",
            explore.available_comparators(s, indicator, period),
            "england",
            format_func=explore.COMPARATOR_LABELS.get,
        )
    colours = (
        ["quintile"]
        + (["compare"] if meta["interval"] != "none" else [])
        + (["decile"] if indicator == "idaci" and geography.startswith("lsoa") else [])
    )
    with c5:
        colour = url.select("colour", "Colour by", colours, format_func=explore.COLOURINGS.get)
    level = url.select(
        "level",
        "Confidence level",
        list(explore.LEVELS),
        "95",
        format_func=lambda v: f"{v}%",
        widget=st.radio,
        horizontal=True,
    )
    view = explore.View(indicator, period, geography, comparator, level)
    ward = pick.ward_selector(url, s, geography, map_key="map:chart")
    url.show_notices()
    big = presenting()

    def build():  # the selected ward is not part of the view: it is a chart parameter (maps.with_focus)
        table, ctx = explore.ward_table(s, view)
        table = explore.display_columns(table, meta["unit"], colour)
        features = explore.map_features(s, table, geography)
        charts = compose.explorer(
            table,
            ctx,
            features,
            period=period,
            geography_label=GEOGRAPHY_LABELS[geography],
            colour=colour,
            quintile_labels=explore.quintile_labels(meta["polarity"]),
            map_height=sizes.MAP_HEIGHT_BIG if big else 480,
            bar_height=sizes.bar_height(),
            legend_orient="right" if big else "bottom",
        )
        download = explore.table_for_download(table, ctx, view)
        domain, _, colour_title = style.colour_scale(
            colour, meta["polarity"], ctx["comparator_label"], explore.quintile_labels(meta["polarity"])
        )
        where = dict(indicator=meta["name"], period=period, geography=GEOGRAPHY_LABELS[geography])
        texts = {
            "map_text": describe.map_text(table, colour_title=colour_title, domain=domain, **where),
            "ranking_text": describe.ranking_text(
                table,
                level=level,
                has_intervals=ctx["has_intervals"],
                comparator_label=ctx["comparator_label"],
                comparator_value=None
                if pd.isna(ctx["comparator_value"])
                else explore.fmt_value(ctx["comparator_value"], meta["unit"]),
                **where,
            ),
        }
        return {
            **texts,
            "table": table,
            "ctx": ctx,
            "subtitle": charts["subtitle"],
            "download": download,
            "shown": download.drop(columns=["note", "source_id", "geography", "indicator", "unit"]),
            "chart_data": download[
                [
                    "area_code",
                    "area_name",
                    "value",
                    "lower_ci",
                    "upper_ci",
                    "comparator_value",
                    "data_status",
                    "source_id",
                ]
            ],
            "map": charts["map"].spec(big=big),
            "ranking": charts["ranking"].spec(big=big),
        }

    v = display.memo(("map", view, colour), build)
    table, ctx, download = v["table"], v["ctx"], v["download"]
    notices.data_status_banners([meta["name"]] if ctx["illustrative"] else [], ctx["estimate"])
    for line in ctx["council"]:
        st.caption(plain(line))
    if not ctx["has_intervals"]:
        st.caption(
            f"No confidence intervals: {meta['name']} is published without counts, so wards can be "
            "ranked and grouped into quintiles but not tested against a comparator."
        )
    source = notices.source_caption(s, table)
    name = f"{'ILLUSTRATIVE_' if ctx['illustrative'] else ''}{indicator}_{geography}_{downloads.slug(period)}"

    printed = views.MapView(indicator, period, geography, comparator, level, colour, ward, **views.mode(s))

    def export(kind: str):  # the view on screen, at print size
        return lambda: views.explorer(s, printed)[kind]

    left, right = st.columns([5, 4]) if not presenting() else (st.container(), st.container())
    with left:
        display.show_spec(
            with_focus(v["map"], ward),
            key="map:chart",
            on_select="rerun",
            selection_mode=SELECT,
            description=v["map_text"],
        )
        st.caption(a11y.MAP_KEYBOARD + " " + plain(source))
        downloads.export_buttons(export("map"), source, download, f"{name}_map", key="map_map")
    with right:
        display.show_spec(
            with_focus(v["ranking"], ward), height=sizes.ranking_height(len(table)), description=v["ranking_text"]
        )
        downloads.export_buttons(export("ranking"), source, v["chart_data"], f"{name}_ranking", key="map_ranking")
    if ward:
        pick.ward_link(s, ward, geography)
    st.subheader("Table")
    notices.public_footnote(table)
    st.dataframe(v["shown"], hide_index=True, width="stretch")
    st.download_button(
        "Download table (CSV)",
        lambda: download.to_csv(index=False).encode(),
        file_name=f"{name}.csv",
        mime="text/csv",
        on_click="ignore",
    )


def _default_geo(geos) -> str:
    for g in ("ward2022", "ward2014", "lsoa2021", "lsoa2011"):
        if g in set(geos):
            return g
    return list(geos)[0]


router.run(main)
