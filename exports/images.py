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

WIDTH = 760


def framed(chart: alt.TopLevelMixin, *, source: str, big: bool = False):
    """The chart (already titled by charts.compose) with a source footer, configured for print."""
    footer = alt.Chart(alt.Data(values=[{}])).mark_text(
        align="left", baseline="top", fontSize=10, color="#333333", font=style.FONT, lineBreak="\n",
        limit=WIDTH).encode(text=alt.value(_wrap(source, 150)), x=alt.value(0), y=alt.value(0)).properties(
        width=WIDTH, height=28)
    return style.finish(alt.vconcat(chart, footer, spacing=14), big=big)


def png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    return vlc.vegalite_to_png(chart.to_json(), scale=scale)


def svg(chart: alt.TopLevelMixin) -> str:
    return vlc.vegalite_to_svg(chart.to_json())


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
