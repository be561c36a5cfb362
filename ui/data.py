"""The Store for this session, cached as a Streamlit resource.

One Store (one DuckDB database) serves every session; each query takes its own
cursor (see loaders.store), so concurrent sessions are safe. In public mode the
session gets a PublicStore over the same Store, with small numbers suppressed.
"""
from __future__ import annotations

import streamlit as st

from loaders.store import Store
from model.public import PublicStore

PUBLIC_KEY = "_mode_public"
THRESHOLD_KEY = "_mode_threshold"


@st.cache_resource(show_spinner=False)
def base_store() -> Store:
    return Store()


@st.cache_resource(show_spinner=False)
def _public_store(threshold: int, _base: Store, base_id: int) -> PublicStore:
    return PublicStore(_base, threshold)


def store() -> Store | PublicStore:
    base = base_store()
    if st.session_state.get(PUBLIC_KEY):
        return _public_store(int(st.session_state.get(THRESHOLD_KEY, 5)), base, id(base))
    return base


def is_public() -> bool:
    return bool(st.session_state.get(PUBLIC_KEY))


def reload_store() -> None:
    """Drop the cached stores (after a local extract is loaded or removed, or a rebuild)."""
    base_store.clear()
    _public_store.clear()
