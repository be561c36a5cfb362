"""Trend lines with interval bands (pure).

The time axis is one category per period, in time order (end date, then start date): each label once, each
value on its own period's tick, whatever the period's form ("2019", "2017/18", "31 Mar 2023", pooled
"2011/12-2013/14"). Evenly spaced, as in Fingertips' trend charts; a change of source breaks the line.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts.contrast import readable
from charts.figure import Figure, records
from charts.style import CATEGORICAL, series_colours

SERIES_COLOURS = CATEGORICAL  # the palette for series other than Bromley, London and England (charts.style)
STATUS = ["published", "ESTIMATE", "ILLUSTRATIVE", "SUPPRESSED"]
STATUS_DASH = [[1, 0], [6, 3], [2, 2], [1, 4]]
STATUS_SHAPES = ["circle", "triangle-up", "square"]


def _statuses(df: pd.DataFrame, allowed: list[str]) -> list[str]:
    """The data statuses a chart shows, in STATUS order: its legend names only those (a series the council's
    own extract replaced is "published", so no ILLUSTRATIVE entry is left in the legend)."""
    have = set(df.status) if "status" in df else set()
    return [s for s in allowed if s in have] or allowed[:1]


BAND_OPACITY = 0.1  # with a thin edge in the series' colour, so overlapping bands stay apart
END_LABELS_MAX = 8  # name each line at its end when there are at most this many (the legend names them all)


def period_order(df: pd.DataFrame) -> list[str]:
    """Period labels in time order: by end date, then start date (a pooled period before the year ending
    with it), then label. ``df`` has ``period`` and ``period_end`` (``period_start`` optional)."""
    p = df[["period", "period_end"] + (["period_start"] if "period_start" in df else [])].drop_duplicates("period")
    p = p.assign(_end=pd.to_datetime(p.period_end), _start=pd.to_datetime(p.get("period_start", p.period_end)))
    return p.sort_values(["_end", "_start", "period"], kind="stable").period.astype(str).tolist()


def _time_axis(periods_per_panel: int, longest: int, width: int | str, title: str | None) -> alt.X:
    """The x channel: ordinal periods, every label drawn (no overlap culling), angled when they do not fit."""
    px = 640 if not isinstance(width, int | float) else width
    fits = longest * 7 + 8 <= px / max(periods_per_panel, 1)
    axis = alt.Axis(
        labelAngle=0 if fits else -45,
        labelAlign="center" if fits else "right",
        labelBaseline="top",
        labelOverlap=False,
        labelLimit=160,
        labelPadding=4,
        ticks=True,
        domain=True,
        grid=True,
        gridOpacity=0.5,
        title=title,
    )
    return axis


def _codes(df: pd.DataFrame) -> dict[str, str]:
    return dict(zip(df.series, df.area_code)) if "area_code" in df else {}


def _end_labels(df: pd.DataFrame, order: list[str], periods: list[str], height: int) -> list[dict]:
    """One label per series at its last value, nudged apart vertically (at least 13 px) so none overlap."""
    pos = {p: i for i, p in enumerate(periods)}
    last = df[df.value.notna()].assign(_i=lambda d: d.period.map(pos)).sort_values("_i").groupby("series").tail(1)
    if last.empty:
        return []
    lo = pd.concat([df.value, df.lower95]).min()
    hi = pd.concat([df.value, df.upper95]).max()
    gap = (float(hi - lo) or abs(float(hi)) or 1.0) * 13 / height
    rows = sorted(
        ({"series": r.series, "period": r.period, "y": float(r.value)} for r in last.itertuples()),
        key=lambda r: (r["y"], -order.index(r["series"]) if r["series"] in order else 0),
    )
    for a, b in zip(rows, rows[1:]):
        b["y"] = max(b["y"], a["y"] + gap)
    # keep the stack inside the plotted range where there is room below it
    shift = min(max(0.0, rows[-1]["y"] - float(hi)), max(0.0, rows[0]["y"] - float(lo)))
    for r in rows:
        r["y"] -= shift
    return rows


def trend(
    df: pd.DataFrame,
    *,
    value_title: str,
    title: alt.TitleParams | None = None,
    width: int | str = "container",
    height: int = 300,
    series_order: list[str] | None = None,
    band_series: list[str] | None = None,
    end_labels: bool | None = None,
) -> Figure:
    """``df``: series, area_code, period, period_start, period_end, value, lower95, upper95, label, status,
    segment. One line per series; dashed lines and hollow points mark illustrative or estimated values.

    ``band_series``: the series whose 95% interval is shaded (all when None). ``end_labels``: name each line at
    its end (default: when there are at most ``END_LABELS_MAX`` series)."""
    present = list(dict.fromkeys(df.series))
    order = [s for s in (series_order or present) if s in set(present)] + [
        s for s in present if s not in set(series_order or present)
    ]
    colours = series_colours(order, _codes(df))
    colour = alt.Color(
        "series:N",
        title=None,
        sort=order,
        scale=alt.Scale(domain=order, range=colours),
        legend=alt.Legend(
            orient="bottom", columns=4, labelLimit=300, symbolOpacity=1, symbolType="stroke", symbolStrokeWidth=3
        ),
    )
    periods = period_order(df)
    x = alt.X(
        "period:O",
        sort=periods,
        scale=alt.Scale(domain=periods),
        axis=_time_axis(len(periods), max(map(len, periods), default=4), width, "Period"),
    )
    tip = [
        alt.Tooltip("series:N", title="Area"),
        alt.Tooltip("period:N", title="Period"),
        alt.Tooltip("label:N", title=value_title),
        alt.Tooltip("interval:N", title="95% interval"),
        alt.Tooltip("status:N", title="Data"),
    ]
    y = alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=False))
    shown = _statuses(df, STATUS[:3])
    base = alt.Chart(alt.NamedData("trend"))
    data = df.assign(band=df.series.isin(present if band_series is None else band_series))
    layers = []
    if (data.band & data.lower95.notna()).any():
        band = base.transform_filter("datum.band && isValid(datum.lower95)")
        layers.append(
            band.mark_area(opacity=BAND_OPACITY).encode(
                x=x,
                y=alt.Y("lower95:Q", title=value_title),
                y2=alt.Y2("upper95"),
                color=colour,
                detail=alt.Detail("segment:N"),
            )
        )
        for edge in ("lower95", "upper95"):
            layers.append(
                band.mark_line(strokeWidth=0.9, opacity=0.7).encode(
                    x=x, y=alt.Y(f"{edge}:Q", title=value_title), color=colour, detail=alt.Detail("segment:N")
                )
            )
    layers.append(
        base.mark_line(strokeWidth=2.5).encode(
            x=x,
            y=y,
            color=colour,
            detail=alt.Detail("segment:N"),
            strokeDash=alt.StrokeDash(
                "status:N",
                title="Data",
                scale=alt.Scale(domain=shown, range=[STATUS_DASH[STATUS.index(s)] for s in shown]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
    )
    layers.append(
        base.mark_point(size=60, filled=True).encode(
            x=x,
            y=alt.Y("value:Q", title=value_title),
            color=colour,
            shape=alt.Shape(
                "status:N",
                scale=alt.Scale(domain=shown, range=[STATUS_SHAPES[STATUS.index(s)] for s in shown]),
                legend=None,
            ),
            tooltip=tip,
        )
    )
    datasets = {}
    if end_labels if end_labels is not None else len(order) <= END_LABELS_MAX:
        ends = _end_labels(df, order, periods, height)
        if ends:
            datasets["trend_ends"] = ends
            ink = dict(zip(order, (readable(c) for c in colours)))  # the line's hue, dark enough to read (4.5:1)
            for r in ends:
                r["ink"] = ink.get(r["series"], "#000000")
            layers.append(
                alt.Chart(alt.NamedData("trend_ends"))
                .mark_text(align="left", dx=9, fontWeight="bold", baseline="middle")
                .encode(
                    x=x,
                    y=alt.Y("y:Q", title=value_title),
                    text=alt.Text("series:N"),
                    color=alt.Color("ink:N", scale=None),
                )
            )
    chart = alt.layer(*layers).properties(width=width, height=height)
    chart = chart.properties(title=title) if title is not None else chart
    cols = [
        "series",
        "segment",
        "band",
        "period",
        "period_end",
        "value",
        "lower95",
        "upper95",
        "label",
        "interval",
        "status",
    ]
    return Figure(chart, {"trend": records(data[cols]), **datasets})


def trend_grid(
    df: pd.DataFrame,
    *,
    series_order: list[str],
    columns: int = 2,
    width: int = 330,
    height: int = 220,
    title: alt.TitleParams | None = None,
) -> Figure:
    """Small multiples: one panel per indicator (column ``panel``), each with its own y scale and its own periods.

    One chart instead of one per indicator: the ward profile builds it in the time of one.
    ``df`` as :func:`trend`, plus ``panel`` (the indicator's name and unit).
    """
    present = set(df.series)
    order = [s for s in series_order if s in present] + sorted(present - set(series_order))
    colour = alt.Color(
        "series:N",
        title=None,
        sort=order,
        scale=alt.Scale(domain=order, range=series_colours(order, _codes(df))),
        legend=alt.Legend(
            orient="top", columns=4, labelLimit=300, symbolOpacity=1, symbolType="stroke", symbolStrokeWidth=3
        ),
    )
    periods = period_order(df)  # every panel's periods in one time order; each panel shows only its own
    per_panel = int(df.groupby("panel").period.nunique().max()) if len(df) else 1
    x = alt.X("period:O", sort=periods, axis=_time_axis(per_panel, max(map(len, periods), default=4), width, None))
    shown = _statuses(df, STATUS)
    status = alt.Scale(domain=shown, range=[STATUS_DASH[STATUS.index(s)] for s in shown])
    tip = [
        alt.Tooltip("panel:N", title="Indicator"),
        alt.Tooltip("series:N", title="Area"),
        alt.Tooltip("period:N", title="Period"),
        alt.Tooltip("label:N", title="Value"),
        alt.Tooltip("interval:N", title="95% interval"),
        alt.Tooltip("status:N", title="Data"),
    ]
    bands = alt.Chart().transform_filter("isValid(datum.lower95)")
    band = bands.mark_area(opacity=BAND_OPACITY).encode(y=alt.Y("lower95:Q", title=None), y2=alt.Y2("upper95"))
    edges = [
        bands.mark_line(strokeWidth=0.8, opacity=0.7).encode(y=alt.Y(f"{e}:Q", title=None))
        for e in ("lower95", "upper95")
    ]
    line = (
        alt.Chart()
        .mark_line(strokeWidth=2.2)
        .encode(
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            strokeDash=alt.StrokeDash("status:N", title="Data", scale=status, legend=alt.Legend(orient="top")),
        )
    )
    points = alt.Chart().mark_point(size=45, filled=True).encode(y=alt.Y("value:Q", title=None), tooltip=tip)
    # x, colour and line segments are shared: set once on the layer, not copied into each.
    layered = alt.layer(band, *edges, line, points, data=alt.NamedData("trends"), width=width, height=height).encode(
        x=x, color=colour, detail=alt.Detail("segment:N")
    )
    chart = layered.facet(
        facet=alt.Facet(
            "panel:N",
            title=None,
            sort=list(dict.fromkeys(df.panel)),
            header=alt.Header(
                labelFontWeight="bold",  # size: charts.style.config
                labelAnchor="start",
                labelLimit=width,
            ),
        ),
        columns=columns,
    ).resolve_scale(y="independent", x="independent")
    chart = chart.properties(title=title) if title is not None else chart
    cols = [
        "panel",
        "series",
        "segment",
        "period",
        "period_end",
        "value",
        "lower95",
        "upper95",
        "label",
        "interval",
        "status",
    ]
    return Figure(chart, {"trends": records(df[cols])})
