"""Chart images for committee papers, rendered on the server with vl-convert (no browser, no network).

Every image carries its title, a subtitle (indicator, period, geography, comparator and
any ILLUSTRATIVE / ESTIMATE / SUPPRESSED label), a source line with the licence
attribution, and the date it was produced. The chart itself comes from the same
builder the page uses, called with a fixed width.
"""
from __future__ import annotations

import altair as alt
import vl_convert as vlc

from charts import style
from charts.figure import Figure

WIDTH = 760


def framed(fig: Figure, *, source: str) -> Figure:
    """The chart (already titled by charts.compose) with a source footer beneath."""
    footer = alt.Chart(alt.Data(values=[{}])).mark_text(
        align="left", baseline="top", fontSize=10, color="#333333", font=style.FONT, lineBreak="\n",
        limit=WIDTH).encode(text=alt.TextValue(_wrap(source, 150)), x=alt.XValue(0), y=alt.YValue(0)).properties(
        width=WIDTH, height=28)
    return fig.with_chart(alt.vconcat(fig.chart, footer, spacing=14))


def png(fig: Figure, scale: float = 2.0) -> bytes:
    return vlc.vegalite_to_png(fig.json(), scale=scale)


def svg(fig: Figure) -> str:
    return vlc.vegalite_to_svg(fig.json())


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)
