"""Small Streamlit pieces shared by pages: banners, colour legends, ward picking, links."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from charts import style
from charts.maps import SELECT
from model import explore
from phstats import COMPARISON_COLOURS_CB


def data_status_banners(illustrative: bool, estimate: bool) -> None:
    if illustrative:
        st.warning(f"**{style.ILLUSTRATIVE_LABEL}** Ward NEET and children-looked-after figures are not published; "
                   "these are modelled from real borough totals until the council loads its own extract.",
                   icon=":material/science:")
    if estimate:
        st.info(f"**{style.ESTIMATE_LABEL}** The source publishes this series for the 2014-2022 wards only.",
                icon=":material/swap_horiz:")


def colour_scale(colour: str, polarity: str, comparator: str) -> tuple[list[str], list[str], str]:
    """(domain, colours, legend title) for a colouring choice."""
    if colour == "compare":
        dom = ["lower", "similar", "higher"] if polarity == "no_judgement" else ["better", "similar", "worse"]
        dom.append("not compared")
        return (dom + [explore.SUPPRESSED], [COMPARISON_COLOURS_CB[d] for d in dom] + [style.SUPPRESSED_COLOUR],
                f"Compared with {explore.COMPARATOR_LABELS[comparator]}")
    if colour == "decile":
        dom = [f"Decile {i}" for i in range(1, 11)] + ["No decile", explore.SUPPRESSED]
        return dom, style.DECILE_RANGE + ["#d9d9d9", style.SUPPRESSED_COLOUR], "National IDACI decile (1 = most deprived 10%)"
    labels = explore.quintile_labels(polarity)
    dom = [labels[i] for i in range(1, 6)] + ["No data", explore.SUPPRESSED]
    return dom, style.QUINTILE_RANGE + [style.SUPPRESSED_COLOUR], "Quintile within Bromley"


def _picked(event) -> str | None:
    try:
        rows = event["selection"][SELECT]
        return rows[0]["area_code"] if rows else None
    except (KeyError, IndexError, TypeError):
        return None


def ward_selector(url, s, geography: str, table: pd.DataFrame, *, map_key: str) -> str | None:
    """A select box of areas bound to ``ward`` in the URL; a click on the map sets it."""
    names = s.areas(geography).set_index("area_code").area_name.to_dict()
    options = [""] + sorted(names, key=names.get)
    key = f"{url.page}:ward"
    picked = _picked(st.session_state.get(map_key))
    if picked and picked != st.session_state.get(f"_pick:{map_key}") and picked in names:
        st.session_state[key] = picked
    st.session_state[f"_pick:{map_key}"] = picked
    ward = url.select("ward", "Selected area", options, "", format_func=lambda c: names.get(c, "(none: click the map)"))
    return ward or None


def ward_link(s, code: str, geography: str) -> None:
    name = s.area(code).area_name.iloc[0]
    if geography.startswith("ward"):
        st.markdown(f"**Selected: {md(name)}** · [Open the ward profile →](./ward?ward={code})")
    else:
        st.markdown(f"**Selected: {md(name)}** ({code})")


def source_caption(s, table: pd.DataFrame) -> str:
    src = s.sources()
    used = src[src.source_id.isin(set(table.source_id))].drop_duplicates("source_id")
    return "Source: " + "; ".join(f"{r.publisher}, {r.title} ({r.licence})" for r in used.itertuples()) + "."


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-")


def md(text: str) -> str:
    """Escape Markdown so names from data (or uploads) show as text."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", str(text))


def axis_title(meta: dict) -> str:
    """Indicator name with its unit, without saying the unit twice."""
    return meta["name"] if meta["unit"] in meta["name"] else f"{meta['name']} ({meta['unit']})"
