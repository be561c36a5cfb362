"""The app's frame: page config, navigation, modes and the error boundary, once for every page.

``app.py`` calls :func:`run`. Each page script ends with ``router.run(main)``: inside the
frame that just draws the page (the frame has already drawn the modes and wraps the page in
the error boundary); run on its own (AppTest, or Streamlit's legacy ``pages/`` folder on a
deep link to a fresh server) the page hands over to the frame (see ui/router.py).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import cache

import streamlit as st

from ui import modes, trim
from ui.errors import boundary

PAGES = [  # (file, title, icon, URL path)
    ("pages/overview.py", "Overview", ":material/dashboard:", "overview"),
    ("pages/map.py", "Map explorer", ":material/map:", "map"),
    ("pages/hotspots.py", "Hotspots", ":material/local_fire_department:", "hotspots"),
    ("pages/ward.py", "Ward profile", ":material/location_on:", "ward"),
    ("pages/trends.py", "Trends", ":material/show_chart:", "trends"),
    ("pages/scorecard.py", "Scorecard", ":material/checklist:", "scorecard"),
    ("pages/methods.py", "Data & methods", ":material/menu_book:", "methods"),
    ("pages/upload.py", "Local extracts", ":material/upload_file:", "upload"),
]
_local = threading.local()
_pages: dict = {}  # URL path -> st.Page of the navigation (same for every session)


@cache
def page_icon():
    """The browser-tab icon, drawn here: a Material icon name would make the browser fetch it from a font CDN."""
    from PIL import Image, ImageDraw  # noqa: PLC0415

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((12, 4, 52, 44), fill=(0, 94, 165, 255))
    d.polygon([(16, 34), (48, 34), (32, 62)], fill=(0, 94, 165, 255))
    d.ellipse((24, 16, 40, 32), fill=(255, 255, 255, 255))
    return img


def inside() -> bool:
    """True while the frame is drawing a page in this script run."""
    return getattr(_local, "framed", False)


@contextmanager
def _framing():
    _local.framed = True
    try:
        yield
    finally:
        _local.framed = False


def link(page: str, label: str, **params) -> None:
    """A link to another page of the app (its URL path) that keeps the session's modes.

    Inside the frame it navigates within the session (st.page_link; a middle-click opens the same
    view, modes included, in a new tab); a page run on its own (AppTest) gets a Markdown link.
    """
    if inside() and page in _pages:
        st.page_link(_pages[page], label=label, query_params=modes.query(**params))
    else:
        st.markdown(modes.link(page, label, **params))


def run() -> None:
    st.set_page_config(page_title="Bromley Ward Explorer", page_icon=page_icon(), layout="wide")
    pages = {u: st.Page(f, title=t, icon=i, url_path=u, default=(u == "overview")) for f, t, i, u in PAGES}
    _pages.update(pages)
    nav = st.navigation(list(pages.values()))
    boundary(modes.chrome)
    with _framing():
        boundary(nav.run)
    trim.maybe_trim()
