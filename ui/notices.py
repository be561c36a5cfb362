"""Notices every page shares: data-status banners, the public-mode footnote, the source line."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import style
from model.cache import per_store


def data_status_banners(illustrative: bool, estimate: bool) -> None:
    if illustrative:
        st.warning(
            f"**{style.ILLUSTRATIVE_LABEL}** Ward NEET and children-looked-after figures are not published; "
            "these are modelled from real borough totals until the council loads its own extract.",
            icon=":material/science:",
        )
    if estimate:
        st.info(
            f"**{style.ESTIMATE_LABEL}** The source publishes this series for the 2014-2022 wards only.",
            icon=":material/swap_horiz:",
        )


def public_footnote(table: pd.DataFrame) -> None:
    if "is_suppressed" in table and table.is_suppressed.any():
        from model.public import footnote  # noqa: PLC0415
        from model.settings import suppress_below  # noqa: PLC0415

        st.caption(footnote(suppress_below()))


def source_caption(s, table: pd.DataFrame) -> str:
    ids = frozenset(table.source_id.dropna().astype(str))

    def attributions():
        src = s.sources()
        used = src[src.source_id.isin(ids)].drop_duplicates("source_id")
        return [f"{r.publisher}, {r.title} ({r.licence}). {r.attribution}" for r in used.itertuples()]

    return style.source_line(per_store(s, ("attributions", ids), attributions))  # dated today, so not kept
