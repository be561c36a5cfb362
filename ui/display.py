"""Finished views, memoised and shared by sessions, and how a page shows a chart."""

from __future__ import annotations

import streamlit as st

from charts import style
from model import cache
from model.lru import LRU, MB
from ui import modes

VIEW_MEMO_ENTRIES = 256


VIEW_MEMO_BYTES = 8 * MB  # an LSOA map view is about 1 MB (estimated), a ward view 0.1-0.3 MB; 8 MB: the soak's margin


_SPECS = LRU("views (ui.display.memo)", max_entries=VIEW_MEMO_ENTRIES, max_bytes=VIEW_MEMO_BYTES)


def memo(key: tuple, build):
    """Results that depend only on ``key`` (the view's choices, the store, the modes), shared by sessions.

    The data never changes under a given store, so what a view shows is a pure function of its
    choices; building it once saves the chart assembly on every rerun. Callers must not mutate
    what they get back. Bounded by entries and by estimated bytes (model.lru): least recently used
    first out.
    """
    m = modes.current()
    full = (*key, m.public, m.threshold, m.present, cache.token(_store_identity()))  # never reused, unlike id()
    return _SPECS.get_or_build(full, build)


def _store_identity():
    from ui.data import base_store  # noqa: PLC0415

    return base_store()


def show_spec(
    spec: dict,
    *,
    height: int | None = None,
    description: str | None = None,
    subtitle_chars: int = style.SCREEN_SUBTITLE_CHARS,
    **kw,
):
    """A ready Vega-Lite spec (from :func:`memo`) at full width; ``description`` (charts.describe) is its
    accessible name (ui.a11y)."""
    from ui.a11y import described  # noqa: PLC0415

    spec = style.wrap_titles(spec, subtitle_chars)  # Vega cuts a subtitle longer than the chart's width ("... at 9…")
    return st.vega_lite_chart(
        spec=described(spec, description), width="stretch", **({"height": height} if height else {}), **kw
    )


def show_chart(fig, *, height: int | None = None, **kw):
    """A Figure at full width (projector-size type in presentation mode)."""
    return show_spec(fig.spec(big=modes.presenting()), height=height, **kw)
