"""Chart sizes for the current mode: rows, maps and trends at screen or projector size."""

from __future__ import annotations

from charts import style
from ui import modes

BIG_BAR = 34  # px per bar or matrix row on a projector: room for 18 px labels with air between them


MAP_HEIGHT_BIG = 720  # a map on a projector: most of a 1080-line screen (Streamlit fits title and legend in too)


TREND_HEIGHT_BIG = 640  # one trend chart per screen on a projector


def bar_height() -> int:
    return BIG_BAR if modes.presenting() else 18


def chrome_height(*, subtitle_lines: int = 0, legend_rows: int = 0, axis_lines: int = 1, title: bool = True) -> int:
    """Pixels a chart's title block, axis labels and legend take at the current mode's type sizes.

    Streamlit fits the whole chart into the height it is given, so a page adds this to the plot's own height
    (rows x row height) and the rows keep their height whatever the type size."""
    z = style.sizes(modes.presenting())

    def line(px: int) -> int:
        return round(px * 1.3)

    h = 30  # padding round the chart
    if title:
        h += line(z["chart_title"]) + 26 + subtitle_lines * line(z["subtitle"])  # Streamlit's title offset: 26 px
    h += axis_lines * line(z["label"]) + 14
    if legend_rows:
        h += line(z["title"]) + 8 + legend_rows * (line(z["label"]) + 6) + 16
    return h


def ranking_height(n: int) -> int:
    """Streamlit fits the whole chart (title, axis, legend too) into this height."""
    from charts.ranking import chart_height  # noqa: PLC0415

    return chart_height(n, bar_height()) + (380 if modes.presenting() else 280)
