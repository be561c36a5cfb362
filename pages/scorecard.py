"""Children's services scorecard: the scrutiny committee's measures against England, London and neighbours."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import compose, describe, style, trends
from model import scorecard as sc
from model import series as series_mod
from ui import display, notices, router, sizes
from ui.data import store
from ui.modes import is_public, presenting
from ui.state import UrlState
from ui.text import plain

RAG_BADGE = {"GREEN": ":green-badge[GREEN]", "AMBER": ":orange-badge[AMBER]", "RED": ":red-badge[RED]"}
MODEL_LABELS = {"2025": "May 2025 model (DfE)", "2021": "April 2021 model (DfE)"}


def group_table(df: pd.DataFrame) -> pd.DataFrame:
    """The on-screen table of one group: text columns only."""

    def bromley(r):
        return " · ".join(f"{p}: {v}" for p, v in zip(r.periods, r.bromley)) or "no data"

    return pd.DataFrame(
        {
            "No.": df.committee_no,
            "Measure": df.measure,
            "Why it matters": df.why,
            "Polarity": df.polarity,
            "Target or range": df.target,
            "Bromley (last 3 periods; count beside)": [bromley(r) for r in df.itertuples()],
            "Direction": df.direction,
            "England": df.england_text,
            "London": df.london_text,
            "Neighbour average": df.neighbours_text,
            "Rank among neighbours": df.rank_text,
            "Quartile (English LAs)": df.quartile_text,
            "RAG": df.rag,
            "Period": df.period,
            "Source": df.source,
        }
    )


def main() -> None:
    s = store()
    url = UrlState("scorecard")
    st.title("Children's services scorecard")
    st.caption(
        "The Children, Education and Families scrutiny committee's measures that public data covers (the "
        "Children's Scrutiny Dataset, Performance Index 2023/24), against England, London and Bromley's "
        "statistical neighbours. Targets and ranges are the council's 2023/24 ones (data/scorecard.csv); RAG "
        "applies the rule to Bromley's latest published value (see Data & methods)."
    )
    model = url.select(
        "neighbours",
        "Statistical neighbours",
        sc.MODELS,
        sc.DEFAULT_MODEL,
        format_func=MODEL_LABELS.get,
        horizontal=True,
        widget=st.radio,
    )
    url.show_notices()
    public = is_public()
    try:
        df = display.memo(("scorecard", model), lambda: sc.table(s, model, public=public))
    except sc.ScorecardError as e:
        st.error(f"The scorecard cannot be shown: {plain(e)}")
        return

    exc = df[df.exception]
    st.subheader(f"Performing below expectation ({len(exc)})")
    if exc.empty:
        st.success("No measure is below its target or range on the latest published figures.")
    for r in exc.itertuples():
        with st.container(border=True):
            left, right = st.columns([2, 3])
            left.markdown(f"{RAG_BADGE.get(r.rag, '')} **{plain(r.measure)}** ({plain(r.group)})")
            left.markdown(
                f"Bromley {plain(r.bromley[-1] if r.bromley else 'no data')} in {plain(r.period)}; "
                f"target {plain(r.target)} ({plain(r.rag_rule)}). England "
                f"{plain(r.england_text)}, London {plain(r.london_text)}."
            )
            if r.commentary:
                right.markdown(f"**Management commentary:** {plain(r.commentary)}")
                right.caption(plain(r.commentary_source))
            else:
                right.caption("No management commentary recorded for this measure (data/commentary.csv).")

    st.subheader("All measures, as the committee groups them")
    st.caption(
        f"Neighbour average: mean of Bromley's ten statistical neighbours ({MODEL_LABELS[model]}) with a value; "
        "rank among Bromley and its neighbours, 1 = highest value. Quartile among English local authorities "
        "(Q1 = lowest values). Counts are shown in brackets where published."
    )
    for group in sc.GROUPS:
        g = df[df.group == group].sort_values("order")
        if g.empty:
            continue
        st.markdown(f"**{plain(group)}**")
        st.dataframe(
            display.memo(("scorecard_display", model, group), lambda g=g: group_table(g)),
            hide_index=True,
            width="stretch",
        )
    st.download_button(
        "Scorecard (CSV)",
        display.memo(("scorecard_csv", model), lambda: sc.flat(df, model).to_csv(index=False).encode()),
        file_name=f"scorecard_neighbours_{model}.csv",
        mime="text/csv",
        icon=":material/table:",
        on_click="ignore",
        key="scorecard_csv",
    )

    c1, c2 = st.columns(2)
    pack = {}

    def deck():  # built when a button is clicked, once for both
        if "deck" not in pack:
            from exports import scorecard_pack  # noqa: PLC0415

            pack["deck"] = scorecard_pack.slides(s, model, public=public)
        return pack["deck"]

    def pptx():
        from exports.boardpack import to_pptx  # noqa: PLC0415

        return to_pptx(deck())

    def pdf():
        from exports.boardpack import to_pdf  # noqa: PLC0415

        return to_pdf(deck())

    c1.download_button(
        "Board pack: scorecard and exceptions (PowerPoint)",
        pptx,
        file_name="scorecard_pack.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        icon=":material/slideshow:",
        on_click="ignore",
        key="scorecard_pptx",
    )
    c2.download_button(
        "Board pack: scorecard and exceptions (PDF)",
        pdf,
        file_name="scorecard_pack.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        key="scorecard_pdf",
    )

    st.subheader("One measure over time")
    names = dict(
        zip(df.sort_values(["group_order", "order"]).measure_id, df.sort_values(["group_order", "order"]).measure)
    )
    measure = url.select("measure", "Measure", list(names), next(iter(names)), format_func=names.get)
    row = df[df.measure_id == measure].iloc[0]
    if row.suppressed_in_public:
        st.info(sc.SUPPRESSED_TEXT)
        return
    meta = s.indicator(row.indicator_id)
    chart, table = display.memo(("scorecard_trend", model, measure), lambda: _trend(s, row.indicator_id, model, meta))
    display.show_chart(
        chart,
        height=sizes.TREND_HEIGHT_BIG + 60 if presenting() else 560,
        description=describe.trend_text(pd.DataFrame(chart.datasets["trend"]), indicator=meta["name"]),
    )
    st.caption(plain(notices.source_caption(s, table)))
    notices.public_footnote(table)
    with st.expander("Chart data as a table"):
        st.dataframe(table, hide_index=True, width="stretch")


def _trend(s, indicator: str, model: str, meta: dict):
    d = sc.trend(s, indicator, model)
    d["series"] = d.area_name
    d = series_mod.trend_display(d, meta["unit"])
    from loaders.codes import BROMLEY, ENGLAND, LONDON  # noqa: PLC0415

    first = [n for c in (BROMLEY, ENGLAND, LONDON) for n in d.loc[d.area_code == c, "series"].unique()]
    order = first + sorted(set(d.series) - set(first))
    bands = [n for n in first[:1] if d.loc[d.series == n, "lower95"].notna().any()]
    sub = style.subtitle_lines(
        indicator=meta["name"],
        period=series_mod.period_span(d),
        geography=f"Bromley, England, London and statistical neighbours ({MODEL_LABELS[model]})",
        extra=[
            "Shaded band: Bromley's 95% confidence interval"
            if bands
            else "No intervals: no counts published for this measure"
        ],
    )
    fig = trends.trend(
        d,
        value_title=compose.axis_title(meta),
        series_order=order,
        height=420,
        title=style.title_block(meta["name"], sub),
        band_series=bands,
        end_labels=False,
    )
    table = d[
        ["area_name", "period", "value", "lower95", "upper95", "numerator", "denominator", "status", "source_id"]
    ].rename(columns={"area_name": "area"})
    return fig, table


router.run(main)
