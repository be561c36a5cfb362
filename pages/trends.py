"""Trends: one indicator over time for chosen wards, Bromley, London, England and statistical neighbours."""

from __future__ import annotations

import streamlit as st

from charts import compose, describe, style, trends
from exports import images
from loaders.codes import BROMLEY, ENGLAND, GEOGRAPHY_LABELS, LONDON
from model import profile, provenance
from model.cache import per_store
from ui import display, downloads, notices, router, sizes
from ui.data import store
from ui.modes import presenting
from ui.state import UrlState
from ui.text import plain

MAX_AREAS = 20  # 20 area codes fill the 200 characters of a URL value that ui.state reads
KIND = {
    "ward2022": "2022 ward",
    "ward2014": "2014 ward",
    "la": "local authority",
    "region": "region",
    "country": "country",
}


MODELS = {"2025": "DfE May 2025 model (current)", "2021": "DfE April 2021 model"}


def all_trend_areas(s, model: str) -> dict[str, str]:
    """Every area with a series for any indicator, code -> label: the picker's options, the same whatever the
    indicator, so a choice survives a change of indicator even where the new one has no data for it. Bromley's
    statistical neighbours in ``model`` are labelled as such."""

    def build():
        neighbours = set(s.stat_neighbours(model).area_code)
        out = {}
        for i in s.indicators().indicator_id:
            for r in s.trend_areas(i).itertuples():
                out.setdefault(r.area_code, (r.area_type, r.area_name))
        ordered = sorted(out.items(), key=lambda kv: (kv[1][0], kv[0] not in neighbours, kv[1][1]))
        return {
            c: f"{n} ({f'statistical neighbour, {model} model' if c in neighbours else KIND.get(t, t)})"
            for c, (t, n) in ordered
        }

    return per_store(s, ("trend_area_labels", model), build)


def main() -> None:
    s = store()
    url = UrlState("trends")
    st.title("Trends")
    inds = s.indicators()
    names = dict(zip(inds.indicator_id, inds.name))
    indicator = url.select("indicator", "Indicator", list(names), "cla_rate", format_func=names.get)
    meta = s.indicator(indicator)
    models = [m for m in MODELS if m in s.neighbour_models()]
    model = (
        url.select(
            "neighbours",
            "Statistical neighbours (children's services)",
            models,
            models[0],
            format_func=MODELS.get,
            widget=st.radio,
            horizontal=True,
            help="DfE's statistical neighbour models: Bromley's ten closest local authorities",
        )
        if models
        else ""
    )
    label = all_trend_areas(s, model)
    has_data = set(s.trend_areas(indicator).area_code)
    default = [c for c in (BROMLEY, LONDON, ENGLAND) if c in label]
    neighbours = s.stat_neighbours(model).area_code.tolist() if model else []
    preset = [c for c in [BROMLEY, *neighbours, LONDON, ENGLAND] if c in label]
    st.button(
        "Bromley + statistical neighbours + London + England",
        key="trends:preset",
        on_click=lambda: st.session_state.update({"trends:areas": preset[:MAX_AREAS]}),
        help=f"Bromley, its {len(neighbours)} statistical neighbours ({MODELS.get(model, 'none')}), London and England",
    )
    chosen = url.multi(
        "areas",
        f"Areas (up to {MAX_AREAS})",
        list(label),
        default or list(label)[:3],
        format_func=label.get,
        max_selections=MAX_AREAS,
    )
    url.show_notices()
    if not chosen:
        st.info("Choose at least one area.")
        return
    shown = [c for c in chosen if c in has_data]
    missing = [c for c in chosen if c not in has_data]
    if missing:
        st.info(
            f"No data for this indicator: {plain(', '.join(label[c] for c in missing))}. "
            "They stay selected for the other indicators."
        )
    if not shown:
        return

    def series_name(c: str) -> str:
        return label[c] if c.startswith("E05") else label[c].rsplit(" (", 1)[0]

    df = s.series(indicator, shown)
    df = df[df.area_code.isin(shown)]
    df["series"] = df.area_code.map(series_name)
    df = profile.trend_display(df, meta["unit"])
    order = [series_name(c) for c in shown]
    with_intervals = [c for c in shown if df.loc[df.area_code == c, "lower95"].notna().any()]
    bands = (
        url.multi(
            "bands",
            "95% interval bands for",
            with_intervals,
            with_intervals if len(with_intervals) <= 3 else with_intervals[:1],
            format_func=series_name,
            help="Shade the 95% confidence interval of these areas (only where counts are published)",
        )
        if with_intervals
        else []
    )
    notices.data_status_banners([meta["name"]] if df.is_illustrative.any() else [], bool(df.is_estimate.any()))
    council = provenance.council_lines(s, df)  # the extract's own period range
    for line in council:
        st.caption(plain(line))
    mixed = df.groupby("area_code").source_id.nunique()
    if (mixed > 1).any():
        st.warning(
            f"{', '.join(df.loc[df.area_code.isin(mixed[mixed > 1].index), 'series'].unique())}: this line "
            "comes from more than one source, and the measures are not comparable across sources "
            f"({meta['caveats']}). The line breaks where the source changes."
        )
    if not meta["trend_comparable"]:
        st.warning(
            "Scores from different editions of the Indices of Deprivation are not comparable: "
            "the lines show each edition's level, not a change over time."
        )
    sub = style.subtitle_lines(
        indicator=meta["name"],
        period=profile.period_span(df),
        geography=", ".join(sorted({GEOGRAPHY_LABELS.get(t, t) for t in df.area_type})),
        illustrative=bool(df.is_illustrative.any()),
        estimate=bool(df.is_estimate.any()),
        extra=[
            "Shaded bands: 95% confidence intervals where counts are published"
            + (f" ({', '.join(series_name(c) for c in bands)})." if bands else "; none shown."),
            *council,
        ],
    )
    band_series = [series_name(c) for c in bands]

    def chart(width="container"):
        return trends.trend(
            df,
            value_title=compose.axis_title(meta),
            series_order=order,
            width=width,
            title=style.title_block(meta["name"], sub),
            height=420,
            band_series=band_series,
        )

    source = notices.source_caption(s, df)
    text = describe.trend_text(
        df,
        indicator=meta["name"],
        span=profile.period_span(df),
        geography=", ".join(sorted({GEOGRAPHY_LABELS.get(t, t) for t in df.area_type})),
    )
    display.show_chart(chart(), height=sizes.TREND_HEIGHT_BIG + 60 if presenting() else 600, description=text)
    st.caption(plain(source))
    table = df[
        [
            "area_code",
            "series",
            "period",
            "value",
            "lower95",
            "upper95",
            "numerator",
            "denominator",
            "status",
            "source_id",
        ]
    ].rename(columns={"series": "area"})
    table = table.assign(source=provenance.source_labels(s, table.source_id))
    downloads.export_buttons(
        lambda: chart(images.WIDTH),
        source,
        table,
        ("ILLUSTRATIVE_" if df.is_illustrative.any() else "") + f"trend_{indicator}",
        key="trend",
    )
    notices.public_footnote(df)
    with st.expander("Chart data as a table", expanded=True):
        st.dataframe(table, hide_index=True, width="stretch")


router.run(main)
