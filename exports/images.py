"""Chart images for committee papers, rendered on the server with vl-convert (no browser, no network).

Every image carries its title and a subtitle saying which view it shows (indicator, period,
geography, ward, comparator and confidence level, public mode, any ILLUSTRATIVE / ESTIMATE /
SUPPRESSED label), a source line with the licence attribution and the date it was produced,
all wrapped to the chart's width so that nothing is cut short. The chart comes from the same
builder the page uses (exports.view), called with a fixed width.
"""

from __future__ import annotations

import altair as alt

from charts import style
from charts.figure import Figure
from exports import render

WIDTH = 760


def framed(fig: Figure, *, source: str) -> Figure:
    """The chart (already titled by charts.compose) with its title wrapped to the chart's width, never cut
    short, and a source footer beneath."""
    chart = fig.chart
    width = chart.width if isinstance(getattr(chart, "width", None), int) else WIDTH
    if isinstance(chart.title, alt.TitleParams):
        t = chart.title.to_dict()
        chart = chart.properties(
            title=alt.TitleParams(
                **{
                    **t,
                    "text": style.wrap_lines(t["text"], width // 10),
                    "subtitle": style.wrap_lines(t.get("subtitle", []), width // 7),
                    "limit": 0,
                }
            )
        )
    lines = style.wrap_lines(source, max(width, WIDTH) // 7)
    footer = (
        alt.Chart(alt.Data(values=[{}]))
        .mark_text(align="left", baseline="top", fontSize=10, color="#333333", font=style.FONT, lineBreak="\n")
        .encode(text=alt.TextValue("\n".join(lines)), x=alt.XValue(0), y=alt.YValue(0))
        .properties(width=max(width, WIDTH), height=13 * len(lines) + 2)
    )
    return fig.with_chart(alt.vconcat(chart, footer, spacing=14))


def png(fig: Figure, scale: float = 2.0) -> bytes:
    return render.convert("png", fig.json(), scale=scale)  # vl-convert in a helper process (exports.render)


def svg(fig: Figure) -> str:
    return render.convert("svg", fig.json()).decode()
