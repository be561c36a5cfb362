"""Hotspot charts: ward x indicator matrix and the count of flags per ward (pure)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from charts.figure import Figure, records

# Colour-blind safe: vermillion/orange for flags, light neutral for none, white for no data.
REASON_COLOURS = ["#B33D00", "#E69F00", "#F5C57A", "#EEEEEE", "#FFFFFF", "#8c8c8c"]
COUNT_COLOURS = ["#f7f7f7", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"]


def matrix(m: pd.DataFrame, *, reasons: list[str], area_order: list[str], indicator_names: dict[str, str],
           title: alt.TitleParams | None = None, width: int | str = "container") -> Figure:
    """Heatmap with a text mark in every cell, so results never rely on colour alone."""
    data = m.assign(indicator=m.indicator_id.map(indicator_names),
                    text=m.reason.map({reasons[0]: "Q5 + worse", reasons[1]: "Q5", reasons[2]: "worse",
                                       reasons[3]: "", reasons[4]: "n/a", reasons[5]: "supp."}))
    base = alt.Chart(alt.NamedData("matrix")).encode(
        x=alt.X("indicator:N", title=None, sort=list(indicator_names.values()),
                axis=alt.Axis(orient="top", labelAngle=-30, labelAlign="left", labelLimit=260, labelOverlap=False)),
        y=alt.Y("area_name:N", title=None, sort=area_order, axis=alt.Axis(labelLimit=240, labelOverlap=False)))
    cells = base.mark_rect(stroke="#999", strokeWidth=0.5).encode(
        color=alt.Color("reason:N", scale=alt.Scale(domain=reasons, range=REASON_COLOURS), sort=reasons,
                        title="Result", legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=[alt.Tooltip("area_name:N", title="Ward"), alt.Tooltip("indicator:N", title="Indicator"),
                 alt.Tooltip("reason:N", title="Result"), alt.Tooltip("comparison:N", title="Comparison"),
                 alt.Tooltip("quintile:Q", title="Quintile (1 = best)")])
    text = base.mark_text(fontSize=11).encode(text=alt.Text("text:N"))
    chart = alt.layer(cells, text).properties(width=width, height=22 * len(area_order))
    chart = chart.properties(title=title) if title is not None else chart
    cols = ["area_name", "indicator", "reason", "comparison", "quintile", "text"]
    return Figure(chart, {"matrix": records(data[cols])})


def count_bars(scores: pd.DataFrame, n_indicators: int, title: alt.TitleParams | None = None,
               width: int | str = "container") -> Figure:
    order = scores.area_name.tolist()
    chart = alt.Chart(alt.NamedData("scores")).mark_bar(color="#B33D00").encode(
        x=alt.X("n_flagged:Q", title=f"Indicators flagged (of {n_indicators})",
                scale=alt.Scale(domain=[0, max(1, n_indicators)]), axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("area_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False)),
        tooltip=[alt.Tooltip("area_name:N", title="Ward"), alt.Tooltip("n_flagged:Q", title="Flagged"),
                 alt.Tooltip("flagged_names:N", title="On")],
    ).properties(width=width, height=22 * len(order))
    chart = chart.properties(title=title) if title is not None else chart
    return Figure(chart, {"scores": records(scores[["area_name", "n_flagged", "flagged_names"]])})


def count_colours(k: int) -> list[str]:
    """``k`` colours evenly spaced along COUNT_COLOURS (light = 0 flags)."""
    stops = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in COUNT_COLOURS]
    out = []
    for j in range(k):
        t = j / max(1, k - 1) * (len(stops) - 1)
        a, b = int(t), min(int(t) + 1, len(stops) - 1)
        f = t - a
        out.append("#" + "".join(f"{round(stops[a][i] + (stops[b][i] - stops[a][i]) * f):02x}" for i in range(3)))
    return out

