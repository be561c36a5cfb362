"""Controls every page shares: public mode and presentation mode (sidebar toggles, URL flags, banners)."""
from __future__ import annotations

import streamlit as st

from model import settings
from model.public import footnote
from ui.data import PUBLIC_KEY, THRESHOLD_KEY
from ui.state import UrlState

PRESENT_KEY = "_mode_present"
# Constant CSS (no user text): hide the sidebar and app chrome, enlarge type for a projector.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer {display: none !important;}
.block-container {padding-top: 1rem !important; max-width: 100% !important;}
html, body, [data-testid="stMarkdownContainer"] p, li {font-size: 1.25rem !important;}
h1 {font-size: 2.6rem !important;}
</style>
"""


def chrome() -> None:
    url = UrlState("app")
    if settings.public_locked():  # a public deployment: on, whatever the URL or the session says
        st.session_state["app:public"] = True
        st.query_params["public"] = "1"
    present_now = st.query_params.get("present") == "1" or st.session_state.get("app:present", False)
    with (st.container() if present_now else st.sidebar):
        cols = st.columns([2, 3, 4]) if present_now else [st.container(), st.container()]
        with cols[0]:
            present = url.flag("present", "Presentation mode", help="For a projector: no sidebar or app chrome, "
                               "larger type, one chart per screen where it helps. Still interactive.")
        with cols[1]:
            public = url.flag("public", "Public mode: hide small numbers", default=settings.public_default(),
                              disabled=settings.public_locked(),
                              help="For public meetings: counts below the threshold, and figures they could be "
                                   "worked out from, are suppressed on every view and download.")
    st.session_state[PRESENT_KEY] = present
    if present:
        st.html(PRESENT_CSS)
    st.session_state[PUBLIC_KEY] = public
    st.session_state[THRESHOLD_KEY] = settings.suppress_below()
    url.show_notices()
    if public:
        st.warning(f"**PUBLIC MODE**: counts below {settings.suppress_below()} are suppressed. "
                   + footnote(settings.suppress_below()), icon=":material/visibility_off:")


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_KEY))
