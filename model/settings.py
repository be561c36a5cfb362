"""Deployment settings, from environment variables (documented in the README).

BWE_PUBLIC_DEFAULT=1   start every session in public mode (small numbers suppressed)
BWE_PUBLIC_LOCKED=1    public mode always on; viewers cannot switch it off (public deployments)
BWE_SUPPRESS_BELOW=5   suppress counts below this (public mode)
BWE_ALLOW_UPLOADS=1    anyone who can open the app may load or remove council extracts (a laptop or a
                       closed network only; otherwise officers sign in, see ui/auth.py)
"""

from __future__ import annotations

import os

from phstats import DEFAULT_THRESHOLD


def _on(name: str) -> bool:
    return os.environ.get(name, "0").strip().lower() in ("1", "true", "yes", "on")


def public_default() -> bool:
    return public_locked() or _on("BWE_PUBLIC_DEFAULT")


def public_locked() -> bool:
    return _on("BWE_PUBLIC_LOCKED")


def uploads_allowed() -> bool:
    """The administrator's explicit opt-in to writes from any browser; never on a locked public deployment."""
    return _on("BWE_ALLOW_UPLOADS") and not public_locked()


def suppress_below() -> int:
    raw = os.environ.get("BWE_SUPPRESS_BELOW", "")
    try:
        n = int(raw)
    except ValueError:
        return DEFAULT_THRESHOLD
    return n if 1 <= n <= 100 else DEFAULT_THRESHOLD
