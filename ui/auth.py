"""Who may change the data: reading is open, loading or removing a council extract is for officers.

A browser session may write only when all of these hold:
- the deployment is not a locked public one (``BWE_PUBLIC_LOCKED=1``: read-only, whoever signs in);
- the session is not in public mode (a screen shown at a meeting manages no data);
- either the administrator allowed writes from any browser (``BWE_ALLOW_UPLOADS=1``: a laptop or a
  closed network), or the person signed in through Streamlit's OIDC support (``st.login``, configured in
  ``.streamlit/secrets.toml`` ``[auth]``) with an email on the officers' allow-list
  (``[bwe] officers = ["name@bromley.gov.uk", ...]``).
Without any of these the upload page offers no write controls, so none can be reached through the page,
its widget state or the websocket: the code that writes is never run.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from model import settings
from ui import modes


@dataclass(frozen=True)
class Writer:
    who: str  # recorded in the change log
    how: str  # "allowed by BWE_ALLOW_UPLOADS" or "signed in"


def _secrets() -> dict:
    try:
        return {k: st.secrets[k] for k in ("auth", "bwe") if k in st.secrets}
    except Exception:  # no secrets file, or an unreadable one: no sign-in configured
        return {}


def sign_in_configured() -> bool:
    return "auth" in _secrets()


def officers() -> set[str]:
    listed = _secrets().get("bwe", {}).get("officers", [])
    return {str(e).strip().lower() for e in listed if str(e).strip()}


def _signed_in_email() -> str | None:
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or "").strip().lower() or None
    except Exception:  # st.user unavailable outside a server session
        return None
    return None


def read_only_reason() -> str | None:
    """Why this session cannot write (None: it can)."""
    if settings.public_locked():
        return "This is a public deployment: it is read-only."
    if modes.current().public:
        return "Public mode is on: switch it off to manage extracts."
    if settings.uploads_allowed():
        return None
    if not sign_in_configured():
        return "Loading extracts from the browser is not enabled on this server."
    email = _signed_in_email()
    if email is None:
        return "Sign in as an officer to load or remove extracts."
    if email not in officers():
        return "Your account is not on this server's list of officers who may change data."
    return None


def writer() -> Writer | None:
    if read_only_reason() is not None:
        return None
    if settings.uploads_allowed():
        return Writer("browser (BWE_ALLOW_UPLOADS)", "allowed by BWE_ALLOW_UPLOADS")
    return Writer(str(_signed_in_email()), "signed in")
