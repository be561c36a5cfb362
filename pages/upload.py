"""Local extracts: load the council's own ward NEET or children-looked-after figures."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders import extracts
from loaders.store import default_data_dir
from ui import common, router
from ui.data import base_store, reload_store


def main() -> None:
    st.title("Local ward extracts")
    st.markdown(
        "Ward-level NEET and children-looked-after figures are not published: the council holds them. Load your "
        "own extract here and it replaces the **ILLUSTRATIVE** series for that indicator on every page. Extracts "
        "are stored on this server only (`data/local/`, never committed), and public mode still suppresses small "
        "numbers in them.")
    st.download_button("Download the template (CSV)", extracts.TEMPLATE.encode(), file_name="ward_extract_template.csv",
                       mime="text/csv")
    with st.expander("What the file must contain"):
        st.markdown(
            "- One row per ward and period; CSV saved as UTF-8, or an .xlsx workbook with a single sheet and no formulas.\n"
            "- Columns: `ward_code` and/or `ward_name` (either ward scheme, but only one per file), `period` "
            "(e.g. `2024`, `2023/24`; for children looked after a year means 31 March of that year), `numerator`, "
            "`denominator`, optional `note`.\n"
            "- Names are matched whatever their case, spacing, or '&' / 'and'. Nothing is loaded unless every row is valid.\n"
            f"- At most {extracts.MAX_BYTES // 1_000_000} MB and {extracts.MAX_ROWS:,} rows.")
    indicator = st.selectbox("Indicator", list(extracts.LOCAL_INDICATORS), format_func=extracts.LOCAL_INDICATORS.get)
    up = st.file_uploader("Extract file", type=["csv", "xlsx"], accept_multiple_files=False)
    if up is not None:
        data = up.getvalue()
        s = base_store()
        wards = pd.concat([s.areas("ward2022"), s.areas("ward2014")])
        res = extracts.validate(data, up.name, indicator, wards)
        if not res.ok:
            st.error(f"**{common.md(up.name)} was not loaded**: {len(res.problems)} problem(s). Nothing was stored.")
            st.table(pd.DataFrame([{"row": "" if p.row is None else str(p.row), "column": p.column or "",
                                    "problem": p.message} for p in res.problems]).set_index("row"))
        else:
            st.success(f"{common.md(up.name)}: {len(res.rows)} valid rows, {res.scheme}, periods "
                       f"{', '.join(sorted(set(res.rows.period)))}.")
            preview = res.rows.merge(wards[["area_code", "area_name"]].drop_duplicates(), on="area_code")
            st.dataframe(preview[["area_code", "area_name", "period", "numerator", "denominator", "value", "note"]],
                         hide_index=True, width="stretch")
            if st.button(f"Load as the {extracts.LOCAL_INDICATORS[indicator]} extract", type="primary"):
                extracts.save(res, indicator, up.name, default_data_dir())
                reload_store()
                st.success("Loaded. Every page now shows this extract in place of the illustrative series.")
    st.subheader("Loaded extracts")
    loaded = extracts.loaded(default_data_dir())
    if loaded.empty:
        st.caption("None: NEET and children looked after show the illustrative series.")
    for r in loaded.itertuples():
        c1, c2 = st.columns([5, 1])
        c1.markdown(f"**{extracts.LOCAL_INDICATORS.get(r.indicator_id, r.indicator_id)}**: {common.md(r.title)}  \n"
                    f"sha256 `{r.sha256}`")
        if c2.button("Remove", key=f"remove_{r.indicator_id}"):
            extracts.remove(r.indicator_id, default_data_dir())
            reload_store()
            st.rerun()


router.run(main)
