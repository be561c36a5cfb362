"""Fingertips-style spine chart (pure): one row per indicator, better always to the right."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.figure import Figure, records
from charts.style import AREA_COLOURS, COMPARISON_ORDER, COMPARISON_RANGE
from loaders.codes import BROMLEY, ENGLAND, LONDON

ROW_HEIGHT = 40  # px per indicator on screen; more on a projector (pages pass ``row_height``)


def spine(
    df: pd.DataFrame, title: alt.TitleParams | None = None, width: int | str = "container", row_height: int = ROW_HEIGHT
) -> Figure:
    """``df`` from model.profile.spine plus text columns ``label`` (ward value) and ``row`` (indicator label).

    Row labels take their size from the ``spine-rows`` axis style of charts.style.config (screen or projector)."""
    order = df.row.tolist()
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(style="spine-rows", labelOverlap=False))
    x_scale = alt.Scale(domain=[-1.08, 1.08])
    tip = [
        alt.Tooltip("name:N", title="Indicator"),
        alt.Tooltip("period:N", title="Period"),
        alt.Tooltip("label:N", title="Ward"),
        alt.Tooltip("interval:N", title="Interval"),
        alt.Tooltip("comparison:N", title="Result"),
        alt.Tooltip("compared_with:N", title="Against"),
        alt.Tooltip("bromley_label:N", title="Bromley"),
        alt.Tooltip("london_label:N", title="London"),
        alt.Tooltip("england_label:N", title="England"),
        alt.Tooltip("range_label:N", title="Bromley wards"),
    ]
    # Shared encodings (y, tooltip) live once on the layer chart: every layer inherits them, and
    # Altair deep-copies far less than with ten tooltips repeated in seven layers.
    base = alt.Chart()
    x = alt.X(
        "pos_ward_min:Q",
        scale=x_scale,
        title=None,
        axis=alt.Axis(
            values=[-1, 0, 1],
            grid=False,
            labelExpr="datum.value == -1 ? 'worse / lower' : datum.value == 1 ? 'better / higher' : 'Bromley middle'",
        ),
    )
    rng = base.mark_bar(color="#d9d9d9", height=14).encode(x=x, x2=alt.X2("pos_ward_max"))
    iqr = base.mark_bar(color="#969696", height=14).encode(x=alt.X("pos_ward_q25:Q"), x2=alt.X2("pos_ward_q75"))
    marks = []
    # each comparator in its fixed colour (charts.style.AREA_COLOURS) and its own shape, edged in black
    for col, shape, code in (
        ("pos_england", "stroke", ENGLAND),
        ("pos_london", "diamond", LONDON),
        ("pos_bromley", "triangle-up", BROMLEY),
    ):
        m = base.transform_filter(f"isValid(datum.{col})")
        if shape == "stroke":
            marks.append(m.mark_tick(color=AREA_COLOURS[code], thickness=3, size=22).encode(x=alt.X(f"{col}:Q")))
        else:
            marks.append(
                m.mark_point(
                    shape=shape,
                    filled=True,
                    color=AREA_COLOURS[code],
                    stroke="#000",
                    strokeWidth=0.8,
                    size=80,
                    opacity=1,
                ).encode(x=alt.X(f"{col}:Q"))
            )
    dot = base.mark_circle(size=260, stroke="#000", strokeWidth=1, opacity=1).encode(
        x=alt.X("pos_value:Q"),
        color=alt.Color(
            "comparison:N",
            scale=alt.Scale(domain=COMPARISON_ORDER, range=COMPARISON_RANGE),
            title="Ward compared",
            legend=alt.Legend(orient="bottom", columns=6),
        ),
    )
    txt = base.mark_text(align="center", baseline="bottom", dy=-10, fontWeight="bold").encode(
        x=alt.X("pos_value:Q"), text=alt.Text("label:N")
    )  # above the dot, clear of the comparator markers
    props = dict(width=width, height=row_height * len(order)) | ({"title": title} if title is not None else {})
    chart = alt.layer(rng, iqr, *marks, dot, txt, data=alt.NamedData("spine"), **props).encode(y=y, tooltip=tip)
    cols = [c for c in df.columns if c.startswith("pos_") or c.endswith("_label")] + [
        "row",
        "name",
        "period",
        "label",
        "interval",
        "comparison",
        "compared_with",
    ]
    return Figure(chart, {"spine": records(df[cols])})
