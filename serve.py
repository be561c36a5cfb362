"""The app as an ASGI application with security headers: `streamlit run serve.py` (what run.sh does).

Streamlit serves app.py (ui/frame.py frames every page); this adds, to every HTTP response:
- anti-framing: ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'`` (no clickjacking of the
  upload or mode controls from another site);
- a Content-Security-Policy that lets the page load and connect only to this server (nothing from a CDN,
  no beacon to another host), with the inline styles and workers Streamlit and Vega need;
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
A reverse proxy in front of a deployment should add the same (README, "Deployment").
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from ui.headers import SecurityHeaders

app = st.App("app.py", middleware=[Middleware(SecurityHeaders)])
