"""Bromley Ward Explorer. Run with `streamlit run app.py`.

The frame (ui/frame.py) owns page config, navigation, public and presentation modes and the
error boundary; each page in pages/ draws only its own content.
"""

from ui import frame

frame.run()
