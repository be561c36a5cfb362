"""Choosing a ward: the select box bound to the URL (the keyboard alternative to the map) and the link to its profile."""

from __future__ import annotations

import streamlit as st

from charts.maps import SELECT
from model import explore
from ui import frame
from ui.text import plain


def _picked(event) -> str | None:
    try:
        rows = event["selection"][SELECT]
        return rows[0]["area_code"] if rows else None
    except (KeyError, IndexError, TypeError):
        return None


def ward_selector(url, s, geography: str, *, map_key: str) -> str | None:
    """A select box of areas bound to ``ward`` in the URL; a click on the map sets it."""
    names = explore.area_names(s, geography)
    options = [""] + sorted(names, key=names.get)
    key = f"{url.page}:ward"
    picked = _picked(st.session_state.get(map_key))
    if picked and picked != st.session_state.get(f"_pick:{map_key}") and picked in names:
        st.session_state[key] = picked
    st.session_state[f"_pick:{map_key}"] = picked
    ward = url.select(
        "ward",
        "Selected area",
        options,
        "",
        format_func=lambda c: names.get(c, "(none: click the map)"),
        help="The keyboard alternative to clicking the map: Tab to this box, type part of a name, "
        "press Enter. It selects the area exactly as a click on the map does.",
    )
    return ward or None


def ward_link(s, code: str, geography: str) -> None:
    name = explore.area_names(s, geography)[code]
    if geography.startswith("ward"):
        st.markdown(f"**Selected: {plain(name)}**")
        frame.link("ward", "Open the ward profile →", ward=code)
    else:
        st.markdown(f"**Selected: {plain(name)}** ({code})")
