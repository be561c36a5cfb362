"""Trends: one indicator over time for chosen wards, Bromley, London, England and statistical neighbours."""
from __future__ import annotations

import streamlit as st

from charts import compose, style, trends
from exports import images
from loaders.codes import BROMLEY, ENGLAND, LONDON
from loaders.store import GEOGRAPHY_LABELS
from model import profile
from ui import common, router
from ui.data import store
from ui.state import UrlState


def main() -> None:
    s = store()
    url = UrlState("trends")
    st.title("Trends")
    inds = s.indicators()
    names = dict(zip(inds.indicator_id, inds.name))
    indicator = url.select("indicator", "Indicator", list(names), "cla_rate", format_func=names.get)
    meta = s.indicator(indicator)
    areas = s.trend_areas(indicator)
    kind = {"ward2022": "2022 ward", "ward2014": "2014 ward", "la": "local authority", "region": "region",
            "country": "country"}
    label = {r.area_code: f"{r.area_name} ({'statistical neighbour' if r.is_stat_neighbour else kind[r.area_type]})"
             for r in areas.itertuples()}
    default = [c for c in (BROMLEY, LONDON, ENGLAND) if c in label]
    chosen = url.multi("areas", "Areas", list(label), default or list(label)[:3], format_func=label.get,
                       max_selections=12)
    url.show_notices()
    if not chosen:
        st.info("Choose at least one area.")
        return
    df = s.series(indicator, chosen)
    df = df[df.area_code.isin(chosen)]
    df["series"] = df.area_code.map(lambda c: label[c].split(" (")[0] if not c.startswith("E05") else label[c])
    df = profile.trend_display(df, meta["unit"])
    common.data_status_banners(bool(df.is_illustrative.any()), bool(df.is_estimate.any()))
    mixed = df.groupby("area_code").source_id.nunique()
    if (mixed > 1).any():
        st.warning(f"{', '.join(df.loc[df.area_code.isin(mixed[mixed > 1].index), 'series'].unique())}: this line "
                   "comes from more than one source, and the measures are not comparable across sources "
                   f"({meta['caveats']}). The line breaks where the source changes.")
    if not meta["trend_comparable"]:
        st.warning("Scores from different editions of the Indices of Deprivation are not comparable: "
                   "the lines show each edition's level, not a change over time.")
    sub = style.subtitle_lines(indicator=meta["name"], period=f"{df.period.iloc[0]} to {df.period.iloc[-1]}",
                               geography=", ".join(sorted({GEOGRAPHY_LABELS.get(t, t) for t in df.area_type})),
                               illustrative=bool(df.is_illustrative.any()), estimate=bool(df.is_estimate.any()),
                               extra=["Shaded bands: 95% confidence intervals where counts are published."])
    order = [label[c].split(" (")[0] if not c.startswith("E05") else label[c] for c in chosen]
    def chart(width="container"):
        return trends.trend(df, value_title=compose.axis_title(meta), series_order=order, width=width,
                            title=style.title_block(meta["name"], sub), height=420)

    source = common.source_caption(s, df)
    common.show_chart(chart(), height=600)
    st.caption(source)
    table = df[["area_code", "series", "period", "value", "lower95", "upper95", "numerator", "denominator",
                "status", "source_id"]].rename(columns={"series": "area"})
    common.export_buttons(lambda: chart(images.WIDTH), source, table,
                          ("ILLUSTRATIVE_" if df.is_illustrative.any() else "") + f"trend_{indicator}", key="trend")
    common.public_footnote(df)
    with st.expander("Chart data as a table", expanded=True):
        st.dataframe(table, hide_index=True, width="stretch")


router.run(main)
