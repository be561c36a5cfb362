"""The dashboard's charts assembled from model tables: one place, used by pages and exports alike.

Pure: takes DataFrames / TopoJSON map data, returns Altair charts. Width is a
parameter so pages pass "container" and exports a fixed width.
"""

from __future__ import annotations

import pandas as pd

from charts import hotspots as hchart
from charts import maps, ranking, spine, style, trends
from charts.figure import Figure


def explorer(
    table: pd.DataFrame,
    ctx: dict,
    features: list[dict],
    *,
    period: str,
    geography_label: str,
    colour: str,
    quintile_labels: dict[int, str],
    selected: str | None = None,
    width: int | str = "container",
    map_height: int = 480,
    selectable: bool = True,
    bar_height: int = 18,
    extra: list[str] = (),
    legend_orient: str = "bottom",
) -> dict:
    """Map and ranking for one indicator/period/geography (model.explore.ward_table + display_columns).
    ``extra``: more subtitle lines (the ward shown, public mode)."""
    meta = ctx["meta"]
    level = ctx["level"]
    tested = (
        f"at {level}% confidence" + ("" if pd.notna(ctx["comparator_value"]) else " (no value published: not tested)")
        if ctx["has_intervals"]
        else "(no intervals: not tested)"
    )
    sub = style.subtitle_lines(
        indicator=meta["name"],
        period=period,
        geography=geography_label,
        comparator=f"{ctx['comparator_label']} {tested}",
        illustrative=ctx["illustrative"],
        estimate=ctx["estimate"],
        extra=[*ctx.get("council", []), *_suppressed_line(table), *extra],
    )
    domain, palette, colour_title = style.colour_scale(
        colour, meta["polarity"], ctx["comparator_label"], quintile_labels
    )
    the_map = maps.choropleth(
        features,
        colour_field="category",
        colour_title=colour_title,
        domain=domain,
        colours=palette,
        selected=selected,
        selectable=selectable,
        width=width,
        height=map_height,
        legend_orient=legend_orient,
        tooltip=[
            ("area_name", "Area"),
            ("label", meta["name"]),
            ("interval", f"{level}% interval"),
            ("count", "Count / denominator"),
            ("category", colour_title),
        ]
        + ([("status", "Data")] if "status" in table and table.status.ne("published").any() else []),
        title=style.title_block(f"{meta['name']}, {period}", sub),
    )
    bars = ranking.ranking(
        table,
        value_title=meta["unit"],
        colour_field="category",
        colour_title=colour_title,
        domain=domain,
        colours=palette,
        comparator_value=ctx["comparator_value"],
        comparator_label=ctx["comparator_label"],
        selected=selected,
        width=width,
        bar_height=bar_height,
        title=style.title_block(
            "Ranked, with " + (f"{level}% intervals" if ctx["has_intervals"] else "no intervals"), sub
        ),
    )
    return {"map": the_map, "ranking": bars, "subtitle": sub}


def ward_spine(
    sp: pd.DataFrame,
    ward_name: str,
    level: str,
    width: int | str = "container",
    extra: list[str] = (),
    row_height: int = spine.ROW_HEIGHT,
) -> Figure:
    """``extra``: more subtitle lines (ward scheme, public mode)."""
    sub = [
        *extra,
        f"{ward_name} against Bromley (▲), London (◆) and England (|). Better is always to the right.",
        "Grey: range of Bromley's wards; dark grey: middle half.",
        f"Dot colour: compared at {level}% confidence with England, or London/Bromley where England is not published.",
    ]
    return spine.spine(sp, title=style.title_block("Spine chart", sub), width=width, row_height=row_height)


def ward_trend(
    t: pd.DataFrame,
    *,
    name: str,
    unit: str,
    ward_name: str,
    notes: list[str],
    width: int | str = "container",
    height: int = 300,
    about: list[str] = (),
) -> Figure:
    """``about``: more subtitle lines (ward scheme, public mode)."""
    span = t.sort_values("period_start").period
    shown = span.iloc[0] if span.iloc[0] == span.iloc[-1] else f"{span.iloc[0]} to {span.iloc[-1]}"
    sub = [
        f"{ward_name} against Bromley, London and England | {shown} | bands: 95% confidence intervals",
        *about,
        *status_lines(set(t.status)),
        *notes,
    ]
    return trends.trend(
        t,
        value_title=axis_title({"name": name, "unit": unit}),
        series_order=[ward_name, "Bromley", "London", "England"],
        title=style.title_block(name, sub),
        width=width,
        height=height,
    )


def ward_trend_grid(
    panels: list[tuple[pd.DataFrame, str, str]],
    ward_name: str,
    *,
    columns: int = 2,
    width: int = 330,
    extra: list[str] = (),
) -> Figure:
    """All of a ward's trends as small multiples: ``panels`` is [(trend frame, name, unit)]; ``extra``: more
    subtitle lines (the council extracts shown)."""
    df = pd.concat([t.assign(panel=axis_title({"name": n, "unit": u})) for t, n, u in panels], ignore_index=True)
    statuses = set(df.status) if "status" in df else set()
    styles = [
        s
        for s, shown in (("dashed: estimate", "ESTIMATE"), ("dotted: illustrative", "ILLUSTRATIVE"))
        if shown in statuses
    ]
    key = "Bands: 95% confidence intervals where counts are published." + (
        f" {'; '.join(styles).capitalize()}." if styles else ""
    )
    return trends.trend_grid(
        df,
        series_order=[ward_name, "Bromley", "London", "England"],
        columns=columns,
        width=width,
        title=style.title_block(f"{ward_name}: trends", [key, *extra]),
    )


def hotspot_subtitle(res: dict, *, n: int, geography_label: str, rule_label: str, level: str) -> list[str]:
    """What a hotspot view shows (model.hotspots.hotspots result), for its charts."""
    return style.subtitle_lines(
        indicator=f"{n} indicators",
        period="latest period of each",
        geography=geography_label,
        comparator=res["comparator_label"],
        illustrative=res.get("illustrative_names") or res["illustrative"],
        estimate=res["estimate"],
        extra=[f"Rule: {rule_label} ({level}% intervals)", *res.get("council", [])],
    )


def hotspot_matrix(
    m: pd.DataFrame,
    *,
    reasons: list[str],
    order: list[str],
    names: dict[str, str],
    subtitle: list[str],
    width: int | str = "container",
    row_height: int = hchart.ROW_HEIGHT,
    big: bool = False,
) -> Figure:
    """``big``: laid out for charts.style.config(big=True) (a projector)."""
    return hchart.matrix(
        m,
        reasons=reasons,
        area_order=order,
        indicator_names=names,
        title=style.title_block("Ward × indicator", subtitle),
        width=width,
        row_height=row_height,
        label_px=style.sizes(big)["label"],
    )


def axis_title(meta: dict) -> str:
    """Indicator name with its unit, without saying the unit twice."""
    return meta["name"] if meta["unit"] in meta["name"] else f"{meta['name']} ({meta['unit']})"


def status_lines(statuses: set[str]) -> list[str]:
    """Data status labels for the statuses (trend_display / display_columns ``status``) a chart shows."""
    return (
        ([style.ILLUSTRATIVE_LABEL] if "ILLUSTRATIVE" in statuses else [])
        + ([style.ESTIMATE_LABEL] if "ESTIMATE" in statuses else [])
        + (["PUBLIC MODE: some values suppressed (small numbers)."] if "SUPPRESSED" in statuses else [])
    )


def _suppressed_line(table: pd.DataFrame) -> list[str]:
    if "is_suppressed" in table and table.is_suppressed.any():
        return [f"PUBLIC MODE: {int(table.is_suppressed.sum())} area(s) suppressed (small numbers)."]
    return []
