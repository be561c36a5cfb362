"""Data & methods: definitions, sources with licences and hashes, and the full dataset."""

from __future__ import annotations

import streamlit as st

from exports import render
from loaders.codes import GEOGRAPHY_LABELS
from loaders.refresh.provenance import fetch_table
from ui import downloads, modes, router
from ui.data import store
from ui.text import plain

INTERVAL_TEXT = {
    "wilson": "Wilson score interval for a proportion (95% and 99.8%), as OHID Fingertips.",
    "byar_exact": "Byar's method for a crude rate when the count is 10 or more; exact Poisson (chi-squared) below 10.",
    "none": "No interval: the source publishes no counts, so none is computed (none is invented).",
}
POLARITY_TEXT = {
    "low_is_good": "Lower is better",
    "high_is_good": "Higher is better",
    "no_judgement": "No judgement (higher / lower only)",
}


COUNCIL_EXTRACTS = (
    "**Council extracts.** An officer can load the council's own ward figures (Local extracts page, or "
    "`python -m loaders import`) for any catalogue indicator it can count (a proportion or a rate of people: not "
    "IDACI, not a Census measure, not a population count), or for a local indicator it defines with its name, "
    "definition, unit, polarity and interval method. How they merge with the published figures, per indicator "
    "and ward scheme: an **ILLUSTRATIVE** series is replaced whole; a **published** (or estimated) series is "
    "replaced only for the wards and periods the extract covers, and the extract's periods the publication lacks "
    "are added (so a council's newer year appears); every other published figure stays, with its own source. "
    "Each row keeps its source: the council's are titled *Council extract (file, date)* (in public mode only "
    "*Council extract*), and their small counts are suppressed in public mode whatever the indicator. Intervals "
    "for the council's rows follow the indicator's method; where the catalogue has none only because the "
    "publisher gives no counts (ward obesity), the council's counts get Wilson intervals (a proportion) or "
    "Byar's (a rate). A local indicator has no England or London value: Bromley's is the sum of the extract's "
    "ward counts, for periods with every ward in the extract."
)


def main() -> None:
    s = store()
    st.title("Data & methods")
    ind = s.indicators()
    modelled = ind[ind.source_ids.str.split(",").map(lambda ids: "illustrative" in ids)]
    st.markdown(
        "Every figure comes from a public source listed below"
        + (
            f" (or, for ward {plain(', '.join(modelled.name))}, is **ILLUSTRATIVE** until the council loads its "
            "own extract)"
            if len(modelled)
            else ""
        )
        + ", or from the council's own extract where one is loaded. Comparisons follow OHID Fingertips: an area is "
        "*better* or *worse* than a comparator when the comparator lies outside the area's confidence interval, "
        "judged by the indicator's polarity; *similar* otherwise; *not compared* when there is no interval. "
        "Quintiles are within Bromley's wards (Fingertips method). Bromley had 22 wards until May 2022 "
        "(E05000106-E05000127) and 22 different wards since (E05013987-E05014008): a series published only for the "
        "old wards is shown on the new ones as an **ESTIMATE**, re-weighted by where children live (LSOA 2021 "
        "child population through the ONS best-fit lookups)."
    )
    st.markdown(COUNCIL_EXTRACTS)
    src = s.sources()
    if modelled.empty:  # every modelled series is replaced by a council extract: the generator is no source now
        src = src[src.source_id != "illustrative"]
    titles = src.drop_duplicates("source_id").set_index("source_id")
    for r in ind.itertuples():
        with st.expander(f"{r.name} ({r.indicator_id})", expanded=False):
            st.markdown(f"**Definition.** {plain(r.definition)}")
            st.markdown(f"**Why it matters.** {plain(r.why)}")
            st.markdown(
                f"**Unit:** {plain(r.unit)} · **Polarity:** {POLARITY_TEXT[r.polarity]} · "
                f"**Interval:** {INTERVAL_TEXT[r.interval]}"
            )
            geos = ", ".join(GEOGRAPHY_LABELS.get(g, g) for g in str(r.geographies).split(", "))
            st.markdown(f"**Periods:** {plain(r.periods)}  \n**Geographies:** {plain(geos)}")
            st.markdown(f"**Caveats.** {plain(r.caveats)}")
            for sid in r.source_ids.split(","):
                if sid not in titles.index:  # e.g. a local indicator's extract removed meanwhile
                    continue
                t = titles.loc[sid]
                st.markdown(
                    f"**Source:** {plain(t.publisher)}, *{plain(t.title)}*. "
                    f"{plain(t.licence)}. {plain(t.attribution)}. {t.url}"
                )
    st.subheader("Scorecard: targets and RAG rules")
    st.markdown(
        "The Scorecard's measures, targets and ranges are the council's 2023/24 ones (Children's Scrutiny Dataset, "
        "11 June 2024), in the editable file `data/scorecard.csv` (`rule`, `target_low`, `target_high`, `polarity`, "
        "`amber_tolerance`). RAG is worked out from Bromley's latest published value, not copied from the pack: "
        "**not a target measure**: not rated; **range** or **target**: GREEN at or better than the worse end of the "
        "range by the polarity (better than the whole range is GREEN too); **in line with national or above**: "
        "the limit is England's value for the same period; **AMBER** when worse than the limit by no more than "
        "`amber_tolerance` (same unit; blank means no amber, as the papers define none); **RED** when worse by more. "
        "Measures rated RED or AMBER are listed first with the council's management commentary from "
        "`data/commentary.csv`. In public mode, Bromley's figures for measures the council marks "
        '`suppressed_in_public` show "Data suppressed (see Part 2 report)".'
    )
    st.subheader("Sources and raw files")
    st.caption(
        "sha256 of each raw file the extracts were built from (`python -m loaders.build` reproduces "
        "data/ byte for byte from these files)."
    )
    st.dataframe(
        src[["source_id", "publisher", "title", "licence", "raw_file", "sha256", "url"]],
        hide_index=True,
        width="stretch",
    )
    fetched = fetch_table(built=src)
    if len(fetched):
        st.caption(
            "Refreshed from the publishers' services (`python -m loaders refresh`): when each file in the "
            "raw cache was fetched and last checked, and where from. Nothing is fetched unless someone "
            "runs a refresh; *used_in_build* marks the files these extracts were built from."
        )
        st.dataframe(fetched, hide_index=True, width="stretch")
    accessibility_statement()
    st.subheader("Download the full dataset")
    st.caption(
        f"{s.count_values():,} rows: every indicator, area and period, with intervals and flags "
        "(is_illustrative, is_estimate, is_suppressed) and the source of each row. Built when you click."
    )

    c1, c2 = st.columns(2)  # written by DuckDB in the renderer process when clicked: not the server's memory
    m = modes.current()
    for where, label, fmt, zip_as, name, mime in (
        (c1, "All values (CSV, zipped)", "csv", "bromley_ward_explorer_values.csv", "values.zip", "application/zip"),
        (c2, "All values (Parquet)", "parquet", None, "values.parquet", "application/octet-stream"),
    ):
        downloads.lazy_download(
            where,
            label,
            lambda fmt=fmt, zip_as=zip_as: render.dataset(fmt, public=m.public, threshold=m.threshold, zip_as=zip_as),
            f"bromley_ward_explorer_{name}",
            mime,
            key=f"dataset_{fmt}",
            icon=":material/download:",
        )


def accessibility_statement() -> None:
    """What was tested, how, and what is known not to work (as the Public Sector Bodies Accessibility Regulations
    2018 ask): the text is in ui.a11y.STATEMENT."""
    from ui.a11y import STATEMENT  # noqa: PLC0415

    st.subheader("Accessibility statement")
    st.markdown(STATEMENT)


router.run(main)
