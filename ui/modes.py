"""Public mode and presentation mode: owned by the app's frame, kept for the whole session.

A mode lives in one plain session-state entry (``_modes``), not in a page's widget, so it
survives sidebar navigation (Streamlit clears the URL and drops widgets a page no longer
draws when the page changes). The URL mirrors the modes on every run, and every link the app
generates carries them (:func:`link`), so a new tab or a refresh starts in the same modes.
A mode changes only when the person switches it (the toggle) or when the URL says so and
differs from what the app last wrote there (a typed or pasted URL). ``BWE_PUBLIC_LOCKED=1``
wins over everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from model import settings
from model.public import footnote
from ui import a11y, text

STATE = "_modes"
NAMES = ("public", "present")
WIDGET = {"public": "app:public", "present": "app:present"}
# Constant CSS (no user text), on every page in both modes: metric labels and changes wrap onto more lines
# instead of ending in "…" (Streamlit cuts them to one line).
BASE_CSS = """
<style>
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] p,
[data-testid="stMetricDelta"] .stMarkdownEllipsis, [data-testid="stMetricDelta"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;}
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] > div {height: auto !important; min-height: 0 !important;}
[data-testid="stMetricDelta"] {height: auto !important; align-items: flex-start !important; border-radius: 0.6rem !important;}
</style>
"""
# Constant CSS (no user text): hide the sidebar and app chrome, enlarge type for a projector (1920x1080 or
# 1366x768 seen from the back of a meeting room). Root size 20 px, so every rem-sized part of Streamlit grows.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer {display: none !important;}
.block-container {padding-top: 1rem !important; max-width: 100% !important;}
@media (min-width: 1200px) {.block-container {padding-left: 3rem !important; padding-right: 3rem !important;}}
html, body, [data-testid="stMarkdownContainer"] p, li {font-size: 1.25rem !important;}
h1 {font-size: 2.6rem !important;}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p {font-size: 3.2rem !important; line-height: 1.15 !important;
  font-weight: 600 !important;}
[data-testid="stMetricLabel"] p {font-size: 1.35rem !important; font-weight: 600 !important; line-height: 1.3 !important;}
[data-testid="stMetricDelta"] p {font-size: 1.2rem !important; line-height: 1.3 !important;}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {font-size: 1.05rem !important;
  color: #333 !important;}
[data-baseweb="select"] div, [data-baseweb="tag"] span, [data-baseweb="input"] input {font-size: 1.1rem !important;}
[data-testid="stCode"] code, [data-testid="stCode"] pre {font-size: 1.05rem !important;}
[data-testid="stExpander"] summary p {font-size: 1.2rem !important;}
</style>
"""


@dataclass(frozen=True)
class Modes:
    public: bool
    present: bool
    threshold: int


def _state() -> dict:
    if STATE not in st.session_state:
        st.session_state[STATE] = {"public": settings.public_default(), "present": False, "seen": {}}
    return st.session_state[STATE]


def _from_url(m: dict) -> list[str]:
    """Apply a mode the URL sets, when the URL differs from what the app last wrote there; notices
    for values that are not 0 or 1."""
    notices = []
    for name in NAMES:
        raw = st.query_params.get(name)
        if raw is None or raw == m["seen"].get(name):
            continue
        if raw in ("0", "1"):
            m[name] = raw == "1"
        else:
            state = "on" if m[name] else "off"
            notices.append(f"“{name}={text.plain(raw[:40])}” is not 0 or 1, so {name} mode stays {state}.")
    if settings.public_locked():
        m["public"] = True
    return notices


def _to_url(m: dict) -> None:
    for name in NAMES:
        value = "1" if m[name] else "0"
        if st.query_params.get(name) != value:
            st.query_params[name] = value
        m["seen"][name] = value


def _switched(name: str) -> None:  # the toggle's callback: runs before the script, so the page sees the new mode
    m = _state()
    m[name] = bool(st.session_state[WIDGET[name]])
    if settings.public_locked():
        m["public"] = True


def current() -> Modes:
    m = _state()
    public = bool(m["public"]) or settings.public_locked()
    return Modes(public=public, present=bool(m["present"]), threshold=settings.suppress_below())


def chrome() -> Modes:
    """The frame's mode controls, URL sync and banners; called once per run, before the page."""
    m = _state()
    notices = _from_url(m)
    for name in NAMES:  # the widgets show the session's modes, whatever page drew them last
        st.session_state[WIDGET[name]] = bool(m[name])
    present_now = bool(m["present"])
    with st.container() if present_now else st.sidebar:
        cols = st.columns([2, 3]) if present_now else [st.container(), st.container()]
        with cols[0]:
            st.toggle(
                "Presentation mode",
                key=WIDGET["present"],
                on_change=_switched,
                args=("present",),
                help="For a projector: no sidebar or app chrome, larger type, one chart per screen where it "
                "helps. Still interactive.",
            )
        with cols[1]:
            st.toggle(
                "Public mode: hide small numbers",
                key=WIDGET["public"],
                on_change=_switched,
                args=("public",),
                disabled=settings.public_locked(),
                help="For public meetings: counts below the threshold, and figures they could be worked out "
                "from, are suppressed on every view and download. It stays on as you move between "
                "pages and in links you copy.",
            )
    _to_url(m)
    for notice in notices:
        st.info(notice, icon=":material/link_off:")
    modes = current()
    st.html(BASE_CSS + a11y.CSS + (PRESENT_CSS if modes.present else ""))
    if modes.public:
        st.warning(
            f"**PUBLIC MODE**: counts below {modes.threshold} are suppressed. " + footnote(modes.threshold),
            icon=":material/visibility_off:",
        )
    return modes


def presenting() -> bool:
    return current().present


def is_public() -> bool:
    return current().public


def query(**params) -> dict[str, str]:
    """``params`` plus the modes that are on, for a link to another page of the app."""
    modes = current()
    out = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    if modes.public:
        out["public"] = "1"
    if modes.present:
        out["present"] = "1"
    return out


def link(page: str, label: str, **params) -> str:
    """A Markdown link to ``page`` (its URL path) that keeps the session's modes; ``label`` is shown as text."""
    qs = urlencode(query(**params), safe=",")
    return f"[{text.plain(label)}](./{page}{'?' + qs if qs else ''})"
