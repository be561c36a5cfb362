"""The one Store per server process, cached as a Streamlit resource.

The DuckDB connection inside is shared by all sessions; every query takes its own
cursor (see loaders.store), so concurrent sessions are safe.
"""
from __future__ import annotations

import streamlit as st

from loaders.store import Store


@st.cache_resource(show_spinner=False)
def store() -> Store:
    return Store()


def reload_store() -> None:
    """Drop the cached store (after a local extract is loaded or removed, or a rebuild)."""
    store.clear()
