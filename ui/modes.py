"""Controls every page shares: public mode, shown in the sidebar and as a banner."""
from __future__ import annotations

import streamlit as st

from model import settings
from model.public import footnote
from ui.data import PUBLIC_KEY, THRESHOLD_KEY
from ui.state import UrlState


def chrome() -> None:
    url = UrlState("app")
    with st.sidebar:
        public = url.flag("public", "Public mode: hide small numbers", default=settings.public_default(),
                          help="For public meetings: counts below the threshold, and figures they could be worked "
                               "out from, are suppressed on every view and download.")
    st.session_state[PUBLIC_KEY] = public
    st.session_state[THRESHOLD_KEY] = settings.suppress_below()
    url.show_notices()
    if public:
        st.warning(f"**PUBLIC MODE**: counts below {settings.suppress_below()} are suppressed. "
                   + footnote(settings.suppress_below()), icon=":material/visibility_off:")
