"""Pure chart builders (Altair; no Streamlit).

Altair validates every object against the Vega-Lite schema as it is built ("debug
mode"), which tripled the cost of building the dashboard's charts on every rerun.
It is switched off here; instead the test suite validates the complete spec of
every chart the app builds (tests/test_charts.py).
"""

import altair as alt

alt.utils.schemapi.disable_debug_mode()
