"""Trend lines with interval bands (pure)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from charts.figure import Figure, records

# Okabe-Ito: colour-blind safe, distinct in greyscale order too.
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
                  "#999999", "#7F3C8D", "#11A579", "#3969AC", "#F2B701", "#E73F74"]


def trend(df: pd.DataFrame, *, value_title: str, title: alt.TitleParams | None = None,
          width: int | str = "container", height: int = 300, series_order: list[str] | None = None) -> Figure:
    """``df``: series, period, period_start, value, lower95, upper95, label, status. One line per series;
    dashed lines and hollow points mark illustrative or estimated values."""
    order = series_order or list(dict.fromkeys(df.series))
    colour = alt.Color("series:N", title=None, sort=order,
                       scale=alt.Scale(domain=order, range=SERIES_COLOURS[: len(order)]),
                       legend=alt.Legend(orient="bottom", columns=4, labelLimit=300, symbolOpacity=1))
    x = alt.X("period_end:T", title="Period end", axis=alt.Axis(format="%Y"))
    tip = [alt.Tooltip("series:N", title="Area"), alt.Tooltip("period:N", title="Period"),
           alt.Tooltip("label:N", title=value_title), alt.Tooltip("interval:N", title="95% interval"),
           alt.Tooltip("status:N", title="Data")]
    base = alt.Chart(alt.NamedData("trend"))
    layers = []
    if df.lower95.notna().any():
        layers.append(base.transform_filter("isValid(datum.lower95)").mark_area(opacity=0.18).encode(
            x=x, y=alt.Y("lower95:Q"), y2=alt.Y2("upper95"), color=colour, detail=alt.Detail("segment:N")))
    layers.append(base.mark_line(strokeWidth=2.5).encode(
        x=x, y=alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=False)), color=colour, detail=alt.Detail("segment:N"),
        strokeDash=alt.StrokeDash("status:N", title="Data", scale=alt.Scale(
            domain=["published", "ESTIMATE", "ILLUSTRATIVE"], range=[[1, 0], [6, 3], [2, 2]]),
            legend=alt.Legend(orient="bottom"))))
    layers.append(base.mark_point(size=60, filled=True).encode(x=x, y=alt.Y("value:Q"), color=colour, shape=alt.Shape(
        "status:N", scale=alt.Scale(domain=["published", "ESTIMATE", "ILLUSTRATIVE"],
                                    range=["circle", "triangle-up", "square"]), legend=None), tooltip=tip))
    chart = alt.layer(*layers).properties(width=width, height=height)
    chart = chart.properties(title=title) if title is not None else chart
    cols = ["series", "segment", "period", "period_end", "value", "lower95", "upper95", "label", "interval", "status"]
    return Figure(chart, {"trend": records(df[cols])})


def trend_grid(df: pd.DataFrame, *, series_order: list[str], columns: int = 2, width: int = 330,
               height: int = 220, title: alt.TitleParams | None = None) -> Figure:
    """Small multiples: one panel per indicator (column ``panel``), each with its own y scale.

    One chart instead of one per indicator: the ward profile builds it in the time of one.
    ``df`` as :func:`trend`, plus ``panel`` (the indicator's name and unit).
    """
    colour = alt.Color("series:N", title=None, sort=series_order,
                       scale=alt.Scale(domain=series_order, range=SERIES_COLOURS[: len(series_order)]),
                       legend=alt.Legend(orient="top", columns=4, labelLimit=300, symbolOpacity=1))
    x = alt.X("period_end:T", title=None, axis=alt.Axis(format="%Y", tickCount=5))
    status = alt.Scale(domain=["published", "ESTIMATE", "ILLUSTRATIVE", "SUPPRESSED"],
                       range=[[1, 0], [6, 3], [2, 2], [1, 4]])
    tip = [alt.Tooltip("panel:N", title="Indicator"), alt.Tooltip("series:N", title="Area"),
           alt.Tooltip("period:N", title="Period"), alt.Tooltip("label:N", title="Value"),
           alt.Tooltip("interval:N", title="95% interval"), alt.Tooltip("status:N", title="Data")]
    band = alt.Chart().transform_filter("isValid(datum.lower95)").mark_area(opacity=0.18).encode(
        y=alt.Y("lower95:Q", title=None), y2=alt.Y2("upper95"))
    line = alt.Chart().mark_line(strokeWidth=2.2).encode(
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        strokeDash=alt.StrokeDash("status:N", title="Data", scale=status, legend=alt.Legend(orient="top")))
    points = alt.Chart().mark_point(size=45, filled=True).encode(y=alt.Y("value:Q"), tooltip=tip)
    # x, colour and line segments are shared: set once on the layer, not copied into each.
    layered = alt.layer(band, line, points, data=alt.NamedData("trends"), width=width, height=height).encode(
        x=x, color=colour, detail=alt.Detail("segment:N"))
    chart = layered.facet(facet=alt.Facet("panel:N", title=None, sort=list(dict.fromkeys(df.panel)),
                                          header=alt.Header(labelFontSize=13, labelFontWeight="bold",
                                                            labelAnchor="start", labelLimit=width)),
                          columns=columns).resolve_scale(y="independent", x="independent")
    chart = chart.properties(title=title) if title is not None else chart
    cols = ["panel", "series", "segment", "period", "period_end", "value", "lower95", "upper95", "label", "interval",
            "status"]
    return Figure(chart, {"trends": records(df[cols])})

