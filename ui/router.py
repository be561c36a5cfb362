"""Run a page through the app's navigation, even on a deep link to a fresh server.

While no session has run app.py yet, Streamlit treats pages/ as a legacy
multipage folder: a URL such as /hotspots runs pages/hotspots.py on its own,
without app.py's navigation, page config or sidebar. When that happens the page
hands over to app.py, whose st.navigation then routes to this same page properly.
"""
from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager

from ui.errors import boundary
from ui.modes import chrome

APP = Path(__file__).resolve().parents[1] / "app.py"


def run(main: Callable[[], None]) -> None:
    if PagesManager.uses_pages_directory:
        runpy.run_path(str(APP), run_name="__main__")
    else:
        boundary(chrome)
        boundary(main)
