"""Children's services scorecard: the scrutiny committee's measures against England, London and neighbours."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from charts import compose, describe, style, trends
from exports import render
from exports.view import ScorecardView
from loaders import performance_index as pi
from loaders.store import default_data_dir
from model import scorecard as sc
from model import series as series_mod
from ui import auth, display, downloads, modes, notices, router, sizes
from ui.data import base_store, store
from ui.modes import is_public, presenting
from ui.state import UrlState
from ui.text import plain

RAG_BADGE = {"GREEN": ":green-badge[GREEN]", "AMBER": ":orange-badge[AMBER]", "RED": ":red-badge[RED]"}
MODEL_LABELS = {"2025": "May 2025 model (DfE)", "2021": "April 2021 model (DfE)"}
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
CLI = "python -m loaders scorecard-import PerformanceIndex.xlsx [--preview]   # --remove, --rollback"


def group_table(df: pd.DataFrame) -> pd.DataFrame:
    """The on-screen table of one group: text columns only."""

    def bromley(r):
        return " · ".join(f"{p}: {v}" for p, v in zip(r.periods, r.bromley)) or "no data"

    out = pd.DataFrame(
        {
            "No.": df.committee_no,
            "Measure": df.measure,
            "Why it matters": df.why,
            "Polarity": df.polarity,
            "Target or range": df.target,
            "Bromley (last 3 periods; count beside)": [bromley(r) for r in df.itertuples()],
            sc.INYEAR_LABEL: df.inyear_text.replace("", "–") if "inyear_text" in df else "–",
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
    if "inyear_text" not in df or not df.inyear_text.astype(bool).any():
        out = out.drop(columns=sc.INYEAR_LABEL)  # no council figures loaded for this group
    return out


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
    version = sc.inyear_version(s)  # the council's Performance Index: part of every cached view's key
    try:
        df = display.memo(("scorecard", model, version), lambda: sc.table(s, model, public=public))
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
    inyear = df[df.inyear_text.astype(bool)]
    if len(inyear):
        st.caption(
            f"**{sc.INYEAR_LABEL}**: the latest month and the year to date from the "
            f"{plain(inyear.inyear_source.iloc[0])}: {pi.PROVISIONAL}, not yet published by DfE and not rated."
        )
    for group in sc.GROUPS:
        g = df[df.group == group].sort_values("order")
        if g.empty:
            continue
        st.markdown(f"**{plain(group)}**")
        st.dataframe(
            display.memo(("scorecard_display", model, group, version), lambda g=g: group_table(g)),
            hide_index=True,
            width="stretch",
        )
    st.download_button(
        "Scorecard (CSV)",
        display.memo(("scorecard_csv", model, version), lambda: sc.flat(df, model).to_csv(index=False).encode()),
        file_name=f"scorecard_neighbours_{model}.csv",
        mime="text/csv",
        icon=":material/table:",
        on_click="ignore",
        key="scorecard_csv",
    )

    c1, c2 = st.columns(2)
    view = ScorecardView(model=model, public=public, threshold=modes.current().threshold)
    for where, fmt, kind, mime, icon in (
        (c1, "pptx", "PowerPoint", PPTX_MIME, ":material/slideshow:"),
        (c2, "pdf", "PDF", "application/pdf", ":material/picture_as_pdf:"),
    ):  # built in the renderer process when clicked: its memory is not the server's
        downloads.lazy_download(
            where,
            f"Board pack: scorecard and exceptions ({kind})",
            lambda fmt=fmt: render.pack(view, fmt),
            f"scorecard_pack.{fmt}",
            mime,
            key=f"scorecard_{fmt}",
            icon=icon,
        )

    st.subheader("One measure over time")
    names = dict(
        zip(df.sort_values(["group_order", "order"]).measure_id, df.sort_values(["group_order", "order"]).measure)
    )
    measure = url.select("measure", "Measure", list(names), next(iter(names)), format_func=names.get)
    row = df[df.measure_id == measure].iloc[0]
    if row.suppressed_in_public:
        st.info(sc.SUPPRESSED_TEXT)
    else:
        meta = s.indicator(row.indicator_id)
        chart, table = display.memo(
            ("scorecard_trend", model, measure), lambda: _trend(s, row.indicator_id, model, meta)
        )
        display.show_chart(
            chart,
            height=sizes.TREND_HEIGHT_BIG + 60 if presenting() else 560,
            description=describe.trend_text(pd.DataFrame(chart.datasets["trend"]), indicator=meta["name"]),
        )
        st.caption(plain(notices.source_caption(s, table)))
        notices.public_footnote(table)
        with st.expander("Chart data as a table"):
            st.dataframe(table, hide_index=True, width="stretch")
        _months(row)
    if not presenting():
        _inyear_section(public)


def _months(row) -> None:
    """The measure's in-year months from the council's Performance Index, when one is loaded."""
    if not row.inyear_months:
        return
    st.markdown(f"**{plain(row.inyear_year)} in year: {pi.PROVISIONAL}**")
    months = pd.DataFrame(row.inyear_months)
    shown = pd.DataFrame({"Month": months.period, "Figure": months.figure})
    if row.inyear_ytd:
        shown.loc[len(shown)] = [f"{row.inyear_year} to date", row.inyear_ytd]
    st.dataframe(shown, hide_index=True, width="content")
    st.caption(
        f"Source: {plain(row.inyear_source)}. Monthly figures as the council reports them to the committee: "
        "provisional, and may differ from the annual figures DfE publishes later."
        + (f" Council's note: {plain(row.inyear_note)}" if row.inyear_note else "")
    )


# --------------------------------------------------------------------------- officers: the Performance Index
def _inyear_section(public: bool) -> None:
    """Load, check, replace or remove the council's Performance Index (officers only; nothing is written
    otherwise: the code that writes is never reached)."""
    who = auth.writer()
    if who is None:
        if not public:
            st.caption(
                "In-year figures: an officer loads the council's Performance Index (the committee's layout, CSV or "
                f"XLSX) from the command line: `{CLI}`."
            )
        return
    d = default_data_dir()
    busy = st.session_state.get("pi_upload") is not None  # a file chosen: stay open across reruns (load, remove)
    with st.expander("In-year figures: the council's Performance Index (officers only)", expanded=busy):
        st.caption(f"You can change data here ({who.how}: {plain(who.who)}). Every change is logged.")
        loaded = pi.load(d)
        if loaded is not None:
            st.markdown(f"Loaded: {plain(pi.source_label(loaded[1], public=False))}, {len(loaded[0])} figures.")
            if st.button("Remove the in-year figures", key="pi_remove", icon=":material/delete:"):
                try:
                    pi.remove(d, actor=who.who)
                except pi.StoreError as e:
                    st.error(f"The Performance Index was not removed: {plain(e)}")
                    return
                st.rerun()
        if (pi.folder(d) / pi.PREVIOUS).exists() and st.button(
            "Put the previous file back", key="pi_rollback", icon=":material/undo:"
        ):
            try:
                pi.rollback(d, actor=who.who)
            except pi.StoreError as e:
                st.error(f"The previous file was not put back: {plain(e)}")
                return
            st.rerun()
        up = st.file_uploader(
            "Performance Index (CSV or XLSX, the committee's layout)", type=["csv", "xlsx"], key="pi_upload"
        )
        if up is None:
            return
        data = up.getvalue()
        res = _validated(data, up.name)
        if not res.ok:
            notices.file_problems(up.name, res.problems, key="pi_problems")
            return
        if loaded is not None and loaded[1].get("sha256") == res.sha256:
            st.info(f"{plain(up.name)} is the file loaded now.", icon=":material/check:")
            return
        _preview(res, up.name)
        if st.button("Load as the in-year figures", type="primary", key="pi_load"):
            try:
                pi.save(res, up.name, d, actor=who.who)
            except pi.StoreError as e:
                st.error(f"{plain(up.name)} was not loaded: {plain(e)}")
                return
            st.success("Loaded: the scorecard now shows these in-year figures.")
            st.rerun()


def _validated(data: bytes, name: str) -> pi.Result:
    """The file checked once per upload (a rerun does not read it again)."""
    key = (hashlib.sha256(data).hexdigest(), name)
    cache = st.session_state.get("_pi_checked")
    if cache is None or cache[0] != key:
        cache = (key, pi.validate(data, name, sc.index_measures(base_store())))
        st.session_state["_pi_checked"] = cache
    return cache[1]


def _preview(res: pi.Result, name: str) -> None:
    """What will be stored: shown before anything is."""
    st.success(
        f"{plain(name)}: {len(res.rows)} figures for {len(res.matched)} scorecard measures ({plain(', '.join(res.years))})."
        " Nothing is stored until you press Load."
    )
    if res.info:
        with st.expander(f"Rows not used and measures not in the file ({len(res.info)})"):
            st.markdown("\n".join(f"- {plain(i)}" for i in res.info))
    shown = res.rows[res.rows.status != pi.NOT_AVAILABLE]
    st.dataframe(
        shown[
            [
                "committee_no",
                "measure_id",
                "role",
                "period",
                "unit",
                "value",
                "numerator",
                "denominator",
                "status",
                "text",
            ]
        ],
        hide_index=True,
        width="stretch",
    )


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
