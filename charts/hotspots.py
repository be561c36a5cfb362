"""Hotspot charts: ward x indicator matrix and the count of flags per ward (pure)."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from charts.contrast import ink_on
from charts.figure import Figure, records

# One colour and cell text per reason (model.hotspots.REASONS, in order): flags, not flagged,
# not tested, no data, suppressed. Colour-blind safe: vermillion/orange for flags, greys otherwise.
REASON_COLOURS = ["#B33D00", "#E69F00", "#F5C57A", "#EEEEEE", "#CFCFCF", "#FFFFFF", "#8c8c8c"]
REASON_TEXT = ["Q5 + worse", "Q5", "worse", "", "not tested", "n/a", "supp."]
COUNT_COLOURS = ["#f7f7f7", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"]
ROW_HEIGHT = 22  # px per ward on screen; pages pass more for a projector
LEVEL_LABELS_UP_TO = 6  # on a projector, indicator names run level (wrapped) above at most this many columns
PLOT_PX = 950  # the narrowest full-width matrix a projector shows (1366 px screen, less ward names and margins)
MAX_LINES = 4


def wrap_label(name: str, width: int, lines: int = MAX_LINES) -> list[str]:
    """``name`` over at most ``lines`` lines of about ``width`` characters (the last one ellipsised if needed)."""
    import textwrap  # noqa: PLC0415

    out = textwrap.wrap(name, width) or [name]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(1, width - 1)].rstrip() + "…"
    return out


def _wrap_chars(n_columns: int, label_px: int) -> int:
    """Characters per line that fit a column of the full-width matrix (about 0.58 em per character)."""
    return max(10, int(PLOT_PX / max(1, n_columns) / (0.58 * label_px)))


def level_labels(names: list[str], label_px: int) -> bool:
    """Whether the matrix runs its column names level and wrapped: on a projector (full width), with few columns;
    on the screen the matrix shares the row with the map, so names stay angled."""
    return label_px >= 16 and len(names) <= LEVEL_LABELS_UP_TO


def _label_expr(names: list[str], width: int, lines: int) -> str:
    """A Vega expression giving each indicator name as an array of ``lines`` lines (a multi-line axis label),
    blank lines first, so every name ends on the same line just above the matrix."""
    expr = "datum.label"
    for name in reversed(names):
        wrapped = wrap_label(name, width)
        expr = f"datum.label === {json.dumps(name)} ? {json.dumps([''] * (lines - len(wrapped)) + wrapped)} : ({expr})"
    return expr


def x_label_lines(names: list[str], label_px: int = 11) -> int:
    """Lines' height the matrix's column names take (level and wrapped; angled, up to 260 px at 30°: about 9)."""
    if not level_labels(names, label_px):
        return 9
    width = _wrap_chars(len(names), label_px)
    return max((len(wrap_label(n, width)) for n in names), default=1)


def matrix(
    m: pd.DataFrame,
    *,
    reasons: list[str],
    area_order: list[str],
    indicator_names: dict[str, str],
    title: alt.TitleParams | None = None,
    width: int | str = "container",
    row_height: int = ROW_HEIGHT,
    label_px: int = 11,
) -> Figure:
    """Heatmap with a text mark in every cell, so results never rely on colour alone; the legend
    lists only the reasons present; ward names are never cut. ``label_px``: the axis label size of the
    config the chart is shown with (charts.style.sizes); at projector size indicator names run level and
    wrapped above up to :data:`LEVEL_LABELS_UP_TO` columns, else angled."""
    data = m.assign(
        indicator=m.indicator_id.map(indicator_names),
        text=m.reason.map(dict(zip(reasons, REASON_TEXT))),
        ink=m.reason.map(dict(zip(reasons, map(ink_on, REASON_COLOURS)))).fillna("#000000"),
    )  # >= 4.5:1
    names = list(indicator_names.values())
    if level_labels(names, label_px):
        # Vega stacks a multi-line label downwards from its anchor: lift it by all but one line
        lines, line_h = x_label_lines(names, label_px), round(label_px * 1.25)
        x_axis = alt.Axis(
            orient="top",
            labelAngle=0,
            labelAlign="center",
            labelBaseline="bottom",
            labelExpr=_label_expr(names, _wrap_chars(len(names), label_px), lines),
            labelLineHeight=line_h,
            labelLimit=0,
            labelOverlap=False,
            labelPadding=6 + (lines - 1) * line_h,
        )
    else:
        x_axis = alt.Axis(orient="top", labelAngle=-30, labelAlign="left", labelLimit=260, labelOverlap=False)
    base = alt.Chart(alt.NamedData("matrix")).encode(
        x=alt.X("indicator:N", title=None, sort=names, axis=x_axis),
        y=alt.Y("area_name:N", title=None, sort=area_order, axis=alt.Axis(labelLimit=0, labelOverlap=False)),
    )
    cells = base.mark_rect(stroke="#999", strokeWidth=0.5).encode(
        color=alt.Color(
            "reason:N",
            scale=alt.Scale(domain=reasons, range=REASON_COLOURS),
            sort=reasons,
            title="Result",
            legend=alt.Legend(orient="bottom", columns=2, values=[r for r in reasons if r in set(m.reason)]),
        ),
        tooltip=[
            alt.Tooltip("area_name:N", title="Ward"),
            alt.Tooltip("indicator:N", title="Indicator"),
            alt.Tooltip("reason:N", title="Result"),
            alt.Tooltip("comparison:N", title="Comparison"),
            alt.Tooltip("quintile:Q", title="Quintile (1 = best)"),
        ],
    )
    text = base.mark_text().encode(
        text=alt.Text("text:N"), color=alt.Color("ink:N", scale=None)
    )  # size: charts.style.config (screen or projector)
    chart = alt.layer(cells, text).properties(width=width, height=row_height * len(area_order))
    chart = chart.properties(title=title) if title is not None else chart
    cols = ["area_name", "indicator", "reason", "comparison", "quintile", "text", "ink"]
    return Figure(chart, {"matrix": records(data[cols])})


def count_bars(
    scores: pd.DataFrame,
    n_indicators: int,
    title: alt.TitleParams | None = None,
    width: int | str = "container",
    row_height: int = ROW_HEIGHT,
) -> Figure:
    order = scores.area_name.tolist()
    chart = (
        alt.Chart(alt.NamedData("scores"))
        .mark_bar(color="#B33D00")
        .encode(
            x=alt.X(
                "n_flagged:Q",
                title=f"Indicators flagged (of {n_indicators})",
                scale=alt.Scale(domain=[0, max(1, n_indicators)]),
                axis=alt.Axis(tickMinStep=1),
            ),
            y=alt.Y("area_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False)),
            tooltip=[
                alt.Tooltip("area_name:N", title="Ward"),
                alt.Tooltip("n_flagged:Q", title="Flagged"),
                alt.Tooltip("flagged_names:N", title="On"),
            ],
        )
        .properties(width=width, height=row_height * len(order))
    )
    chart = chart.properties(title=title) if title is not None else chart
    return Figure(chart, {"scores": records(scores[["area_name", "n_flagged", "flagged_names"]])})


def count_colours(k: int) -> list[str]:
    """``k`` colours evenly spaced along COUNT_COLOURS (light = 0 flags)."""
    stops = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in COUNT_COLOURS]
    out = []
    for j in range(k):
        t = j / max(1, k - 1) * (len(stops) - 1)
        a, b = int(t), min(int(t) + 1, len(stops) - 1)
        f = t - a
        out.append("#" + "".join(f"{round(stops[a][i] + (stops[b][i] - stops[a][i]) * f):02x}" for i in range(3)))
    return out
