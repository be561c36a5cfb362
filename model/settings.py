"""Deployment settings, from environment variables (documented in the README).

BWE_PUBLIC_DEFAULT=1   start every session in public mode (small numbers suppressed)
BWE_PUBLIC_LOCKED=1    public mode always on; viewers cannot switch it off (public deployments)
BWE_SUPPRESS_BELOW=5   suppress counts below this (public mode)
"""
from __future__ import annotations

import os

from phstats import DEFAULT_THRESHOLD


def public_default() -> bool:
    return public_locked() or os.environ.get("BWE_PUBLIC_DEFAULT", "0").strip().lower() in ("1", "true", "yes", "on")


def public_locked() -> bool:
    return os.environ.get("BWE_PUBLIC_LOCKED", "0").strip().lower() in ("1", "true", "yes", "on")


def suppress_below() -> int:
    raw = os.environ.get("BWE_SUPPRESS_BELOW", "")
    try:
        n = int(raw)
    except ValueError:
        return DEFAULT_THRESHOLD
    return n if 1 <= n <= 100 else DEFAULT_THRESHOLD
