"""How a page script runs: inside the app's frame, or handing over to it.

While no session has run app.py yet, Streamlit treats pages/ as a legacy
multipage folder: a URL such as /hotspots runs pages/hotspots.py on its own,
without app.py's navigation, page config or sidebar. When that happens the page
hands over to app.py, whose st.navigation then routes to this same page properly.
A page run on its own by AppTest gets the frame's modes and error boundary.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager

from ui import frame, modes
from ui.errors import boundary

APP = Path(__file__).resolve().parents[1] / "app.py"


def run(main: Callable[[], None]) -> None:
    if frame.inside():
        main()  # the frame drew the modes and holds the error boundary
    elif PagesManager.uses_pages_directory:
        runpy.run_path(str(APP), run_name="__main__")
    else:
        boundary(modes.chrome)
        boundary(main)
