"""The Store for this session, cached as a Streamlit resource.

One Store (one DuckDB database) serves every session; each query takes its own
cursor (see loaders.store), so concurrent sessions are safe. In public mode the
session gets a PublicStore over the same Store, with small numbers suppressed.

The cached Store is keyed by the version of the council's local extracts
(``loaders.extracts.version``): an import or removal from the command line, or by
another session, is seen by the next run of every session.
"""

from __future__ import annotations

import streamlit as st

from loaders import extracts
from loaders.store import Store, default_data_dir
from model.public import PublicStore
from ui import modes


@st.cache_resource(show_spinner=False, max_entries=2)
def _base_store(data_dir: str, version: tuple) -> Store:
    return Store(data_dir)


@st.cache_resource(show_spinner=False, max_entries=2)
def _public_store(threshold: int, _base: Store, base_id: int) -> PublicStore:
    return PublicStore(_base, threshold)


def base_store() -> Store:
    d = default_data_dir()
    return _base_store(str(d), extracts.version(d))


def store() -> Store | PublicStore:
    base = base_store()
    m = modes.current()
    if m.public:
        return _public_store(m.threshold, base, id(base))
    return base


def reload_store() -> None:
    """Drop the cached stores (after a rebuild; extract changes are seen through their version)."""
    _base_store.clear()
    _public_store.clear()
