"""Data & methods: definitions, sources with licences and hashes, and the full dataset."""
from __future__ import annotations

import io

import streamlit as st

from loaders.store import GEOGRAPHY_LABELS
from ui import common, router
from ui.data import store

INTERVAL_TEXT = {
    "wilson": "Wilson score interval for a proportion (95% and 99.8%), as OHID Fingertips.",
    "byar_exact": "Byar's method for a crude rate when the count is 10 or more; exact Poisson (chi-squared) below 10.",
    "none": "No interval: the source publishes no counts, so none is computed (none is invented).",
}
POLARITY_TEXT = {"low_is_good": "Lower is better", "high_is_good": "Higher is better",
                 "no_judgement": "No judgement (higher / lower only)"}


def main() -> None:
    s = store()
    st.title("Data & methods")
    st.markdown(
        "Every figure comes from a public source listed below (or, for ward NEET and children looked after, is "
        "**ILLUSTRATIVE** until the council loads its own extract). Comparisons follow OHID Fingertips: an area is "
        "*better* or *worse* than a comparator when the comparator lies outside the area's confidence interval, "
        "judged by the indicator's polarity; *similar* otherwise; *not compared* when there is no interval. "
        "Quintiles are within Bromley's wards (Fingertips method). Bromley had 22 wards until May 2022 "
        "(E05000106-E05000127) and 22 different wards since (E05013987-E05014008): a series published only for the "
        "old wards is shown on the new ones as an **ESTIMATE**, re-weighted by where children live (LSOA 2021 "
        "child population through the ONS best-fit lookups).")
    ind = s.indicators()
    src = s.sources()
    titles = src.drop_duplicates("source_id").set_index("source_id")
    for r in ind.itertuples():
        with st.expander(f"{r.name} ({r.indicator_id})", expanded=False):
            st.markdown(f"**Definition.** {common.md(r.definition)}")
            st.markdown(f"**Why it matters.** {common.md(r.why)}")
            st.markdown(f"**Unit:** {common.md(r.unit)} · **Polarity:** {POLARITY_TEXT[r.polarity]} · "
                        f"**Interval:** {INTERVAL_TEXT[r.interval]}")
            geos = ", ".join(GEOGRAPHY_LABELS.get(g, g) for g in str(r.geographies).split(", "))
            st.markdown(f"**Periods:** {common.md(r.periods)}  \n**Geographies:** {common.md(geos)}")
            st.markdown(f"**Caveats.** {common.md(r.caveats)}")
            for sid in r.source_ids.split(","):
                t = titles.loc[sid]
                st.markdown(f"**Source:** {common.md(t.publisher)}, *{common.md(t.title)}*. "
                            f"{common.md(t.licence)}. {common.md(t.attribution)}. {t.url}")
    st.subheader("Sources and raw files")
    st.caption("sha256 of each raw file the extracts were built from (`python -m loaders.build` reproduces "
               "data/ byte for byte from these files).")
    st.dataframe(src[["source_id", "publisher", "title", "licence", "raw_file", "sha256", "url"]],
                 hide_index=True, width="stretch")
    st.subheader("Download the full dataset")
    st.caption(f"{s.count_values():,} rows: every indicator, area and period, with intervals and flags "
               "(is_illustrative, is_estimate, is_suppressed) and the source of each row. Built when you click.")

    def parquet() -> bytes:
        buf = io.BytesIO()
        s.all_values().to_parquet(buf, index=False)
        return buf.getvalue()

    c1, c2 = st.columns(2)
    c1.download_button("All values (CSV)", lambda: s.all_values().to_csv(index=False).encode(),
                       file_name="bromley_ward_explorer_values.csv", mime="text/csv")
    c2.download_button("All values (Parquet)", parquet, file_name="bromley_ward_explorer_values.parquet",
                       mime="application/octet-stream")


router.run(main)
