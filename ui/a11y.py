"""Accessibility pieces shared by every page (WCAG 2.2 AA; checked by axe-core in tests/test_accessibility.py).

- :data:`CSS` (drawn by the frame on every page, in every mode): caption text at full opacity and a
  dark grey (Streamlit fades captions to 3.9:1 on white; now 8.5:1), code blocks in one dark colour,
  and a visible 3 px focus ring on everything reachable by Tab.
- :func:`described`: a chart spec with its text alternative (charts.describe), which Vega makes the
  chart container's accessible name (``aria-label``).
- :data:`MAP_KEYBOARD`: the words that say how to pick an area without a mouse.
"""

from __future__ import annotations

FOCUS = "#1d4ed8"  # 6.7:1 on white; 3:1 or more against every background the app draws focusable things on

# Constant CSS (no user text).
CSS = f"""
<style>
[data-testid="stCaptionContainer"] {{opacity: 1 !important; color: #4d4d4d !important;}}
[data-testid="stCaptionContainer"] p, [data-testid="stCaptionContainer"] strong {{color: inherit !important;}}
[data-testid="stCode"] code span {{color: #1f1f1f !important;}}
[data-testid="stCode"] code .token.comment {{color: #4d4d4d !important;}}
a:focus-visible, button:focus-visible, summary:focus-visible, [role="tab"]:focus-visible,
[role="button"]:focus-visible, [role="switch"]:focus-visible, [role="radio"]:focus-visible,
input[type="checkbox"]:focus-visible + div, [tabindex="0"]:focus-visible, [data-testid="stFileUploaderDropzone"]:focus-within {{
  outline: 3px solid {FOCUS} !important; outline-offset: 2px !important;}}
[data-baseweb="select"]:focus-within > div, [data-baseweb="input"]:focus-within {{
  outline: 3px solid {FOCUS} !important; outline-offset: 1px !important;}}
label:has(input[type="checkbox"]:focus-visible), label:has(input[type="radio"]:focus-visible) {{
  outline: 3px solid {FOCUS} !important; outline-offset: 2px !important; border-radius: 4px;}}
</style>
"""

MAP_KEYBOARD = (
    "Click an area to select it, double-click to clear; without a mouse, choose it in the "
    "“Selected area” box above: it does the same."
)  # no brackets: captions escape Markdown


def described(spec: dict, text: str | None) -> dict:
    """``spec`` (not changed) with ``text`` as its Vega-Lite description: the chart's accessible name."""
    return {**spec, "description": text} if text else spec


AXE_VERSION = "4.14.1"  # the axe-core release the tests run (tests/test_accessibility.py, test.sh)

STATEMENT = f"""
This service aims to meet the **Web Content Accessibility Guidelines (WCAG) 2.2 at level AA**, as the Public
Sector Bodies (Websites and Mobile Applications) Accessibility Regulations 2018 require.

**How it was tested.** Every change is checked by automated browser tests: axe-core {AXE_VERSION} (Deque's
accessibility engine) runs in headless Chromium with the WCAG 2.0, 2.1 and 2.2 A and AA rules on every page, in
the normal, public and presentation modes, with a ward selected and with a council extract loaded; any failure
stops the release. A second test uses the keyboard alone (no mouse) to choose a ward, change the indicator and
download a CSV file.

**What we did.**
- Every chart has a text description read out as its name: what it shows (indicator, period, area), the
  headline finding (for example which ward is highest and lowest) and how many areas fall in each colour.
  Descriptions are generated from the same figures the chart draws.
- Every chart's figures are also in a table on the same page, reachable with the keyboard, and can be
  downloaded as CSV. Colour is never the only cue: categories are named in legends, cell text, tooltips and tables;
  data status is written out (ILLUSTRATIVE, ESTIMATE, suppressed).
- Text, captions, badges and chart labels meet 4.5:1 contrast (3:1 for large text) in the normal and presentation
  modes; labels drawn in a line's colour use a darker shade of it. Every line colour on trend charts stands out
  from the white background at 3:1 or more (non-text contrast), and the 20 line colours stay apart from each other.
- Every control, link, download and board-pack button can be reached with Tab and used with Enter or Space, with a
  visible focus ring. On the map explorer the **Selected area** box is the keyboard alternative to clicking the
  map: type part of a name and press Enter.

**Known limits.**
- Charts are pictures: their points cannot be visited one by one with the keyboard or a screen reader; use the
  description and the table beside each chart (hover tooltips give nothing the table does not).
- Light fill colours on maps (the lowest quintile) are told apart by their outline, the legend and the table,
  not by contrast with the background.
- Tables are drawn by Streamlit's data grid; some screen readers read it cell by cell only. Every table can be
  downloaded as CSV.
- Exported PNG/SVG images, PowerPoint and PDF board packs carry titles and text but have not been checked
  with assistive technology.
- Automated tests find only some accessibility problems; the service has not yet had a manual audit with
  screen-reader users. If something does not work for you, please tell the team that runs this service.

This statement was prepared in November 2026.
"""
