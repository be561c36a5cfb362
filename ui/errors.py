"""A per-page error boundary: users see a short message, never a traceback."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from loaders.store import BadRequest, DataUnavailable
from ui.data import reload_store
from ui.text import plain

log = logging.getLogger("bromley")


def boundary(page: Callable[[], None]) -> None:
    try:
        page()
    except ScriptControlException:  # st.rerun / st.stop / page switches are control flow, not errors
        raise
    except DataUnavailable as e:
        st.error(f"The data could not be loaded: {plain(e)}", icon=":material/database:")
        if st.button("Try again", key="_retry_data"):
            reload_store()
            st.rerun()
    except BadRequest as e:
        st.warning(f"That choice is not available: {plain(e)}. Showing nothing rather than a wrong figure.")
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("unhandled error on page (ref %s)", ref)
        st.error(
            f"Something went wrong while drawing this page (reference {ref}). "
            "Try another choice, or reload the page. The details are in the server log."
        )
