"""Ranked bar chart of areas with confidence intervals and a comparator line (pure)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.contrast import readable
from charts.figure import Figure, records
from charts.maps import FOCUS, focus_param
from charts.style import area_colour


def chart_height(n_bars: int, bar_height: int = 18) -> int:
    """Plot height for ``n_bars`` bars; pages add room for title, axis and legend."""
    return max(120, bar_height * n_bars)


def ranking(
    df: pd.DataFrame,
    *,
    value_title: str,
    colour_field: str,
    colour_title: str,
    domain: list,
    colours: list,
    comparator_value: float | None = None,
    comparator_label: str = "",
    title: alt.TitleParams | None = None,
    selected: str | None = None,
    width: int | str = "container",
    bar_height: int = 18,
) -> Figure:
    """``df`` columns: area_name, value, lower, upper, label (value as text), ``colour_field``, tooltip fields."""
    order = df.sort_values("value", ascending=False).area_name.tolist()
    y = alt.Y("area_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=420, labelOverlap=False))
    tooltip = [
        alt.Tooltip("area_name:N", title="Area"),
        alt.Tooltip("label:N", title=value_title),
        alt.Tooltip("interval:N", title="Interval"),
        alt.Tooltip("count:N", title="Count / denominator"),
        alt.Tooltip(f"{colour_field}:N", title=colour_title),
    ]
    base = alt.Chart(alt.NamedData("ranking"))
    bars = base.mark_bar(stroke="#333", strokeWidth=0.4).encode(
        y=y,
        x=alt.X("value:Q", title=value_title),
        color=alt.Color(
            f"{colour_field}:N",
            title=colour_title,
            scale=alt.Scale(domain=domain, range=colours),
            sort=domain,
            legend=alt.Legend(orient="bottom", columns=2),
        ),
        strokeWidth=alt.StrokeWidthValue(0.4, condition={"test": f"datum.area_code === {FOCUS}", "value": 2.5}),
        tooltip=tooltip,
    )
    layers = [bars]
    datasets = {"ranking": records(df[[c for c in df.columns if c in KEEP or c == colour_field]])}
    if "is_suppressed" in df and df.is_suppressed.any():
        layers.append(
            base.transform_filter("datum.is_suppressed")
            .mark_text(align="left", dx=4, fontStyle="italic", color="#333")
            .encode(y=y, x=alt.XValue(0), text=alt.TextValue("suppressed"))
        )
    if df.lower.notna().any():
        layers.append(
            base.transform_filter("isValid(datum.lower)")
            .mark_rule(color="#111", strokeWidth=1.2)
            .encode(y=y, x=alt.X("lower:Q"), x2=alt.X2("upper"), tooltip=tooltip)
        )
    if comparator_value is not None and pd.notna(comparator_value):
        datasets["comparator"] = [{"v": float(comparator_value), "t": f"{comparator_label} {comparator_value:.1f}"}]
        c = alt.NamedData("comparator")
        ink = area_colour(comparator_label, "#000")  # Bromley, London and England: their colour on every chart
        layers.append(alt.Chart(c).mark_rule(color=ink, strokeDash=[6, 3], strokeWidth=1.5).encode(x=alt.X("v:Q")))
        layers.append(
            alt.Chart(c)
            .mark_text(align="left", dx=4, dy=-6, fontWeight="bold", baseline="bottom", color=readable(ink))
            .encode(x=alt.X("v:Q"), y=alt.YValue(0), text=alt.Text("t:N"))
        )
    chart = (
        alt.layer(*layers)
        .add_params(focus_param(selected))
        .properties(width=width, height=chart_height(len(order), bar_height))
    )
    if title is not None:
        chart = chart.properties(title=title)
    return Figure(chart, datasets)


KEEP = {"area_code", "area_name", "value", "lower", "upper", "label", "interval", "count", "is_suppressed"}
