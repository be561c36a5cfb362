"""Notices every page shares: data-status banners, the public-mode footnote, the source line."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import style
from model.cache import per_store
from ui.text import plain

PROBLEMS_SHOWN = 100  # problems of a refused file listed on the page; all of them in the download


def data_status_banners(illustrative: list[str] | bool, estimate: bool) -> None:
    """``illustrative``: the names of the indicators shown whose ward figures are ILLUSTRATIVE (modelled), so the
    banner names only those still modelled (an indicator the council has loaded its own extract for is not)."""
    if illustrative:
        from model.provenance import join  # noqa: PLC0415
        from ui.text import plain  # noqa: PLC0415

        names = [] if isinstance(illustrative, bool) else list(illustrative)
        what = f"Ward figures for {plain(join(names))} are" if names else "These ward figures are"
        st.warning(
            f"**{style.ILLUSTRATIVE_LABEL}** {what} not published; they are modelled from real borough totals "
            "until the council loads its own extract.",
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


def file_problems(name: str, problems, *, key: str | None = None) -> None:
    """A refused file: how many problems, the first :data:`PROBLEMS_SHOWN` as text (never Markdown), and every
    one of them as a CSV download (row, column, problem)."""
    st.error(f"**{plain(name)} was not loaded**: {len(problems)} problem(s). Nothing was stored.")
    st.markdown("\n".join(f"- {plain(p)}" for p in problems[:PROBLEMS_SHOWN]))
    if len(problems) > PROBLEMS_SHOWN:
        st.caption(f"… and {len(problems) - PROBLEMS_SHOWN} more: download the full list.")
    table = pd.DataFrame(
        [{"row": "" if p.row is None else str(p.row), "column": p.column or "", "problem": p.message} for p in problems]
    )
    st.download_button(
        "All problems (CSV)",
        table.to_csv(index=False).encode(),
        file_name="problems.csv",
        mime="text/csv",
        on_click="ignore",
        key=key,
    )
