"""Choropleth maps from TopoJSON (pure: returns Altair charts).

Data goes in as a TopoJSON topology (a named dataset of the returned Figure, read with
Vega-Lite's ``topojson`` format), never as a GeoDataFrame: Streamlit's selection handling
turns GeoDataFrame geometry into strings and the map renders blank. TopoJSON stores each
shared boundary once, quantised: a third of the bytes of the same areas as GeoJSON.
Streamlit passes a Topology through to the browser as it is.
"""

from __future__ import annotations

import altair as alt

from charts.figure import Figure

OBJECT = "areas"  # the TopoJSON object holding the areas

SELECT = "ward_pick"
FOCUS = "focus"  # the outlined area: a variable parameter, so changing it needs no rebuild (with_focus)


def choropleth(
    areas: dict,
    *,
    colour_field: str,
    colour_title: str,
    domain: list,
    colours: list,
    tooltip: list[tuple[str, str]],
    title: alt.TitleParams | None = None,
    selected: str | None = None,
    selectable: bool = True,
    width: int | str = "container",
    height: int = 480,
    name: str = "areas",
    legend_orient: str = "bottom",
) -> Figure:
    """A map coloured by a categorical field of each area's properties.

    ``areas`` is TopoJSON with the areas under object ``areas`` (loaders.geojson.with_properties).

    ``tooltip`` is a list of (property, title). ``selected`` outlines that area (the ``focus``
    parameter; :func:`with_focus` changes it in a built spec). With ``selectable`` a click
    selects an area (selection parameter ``ward_pick`` on the ``area_code`` field). ``legend_orient``
    "right" leaves the whole height to the map (a wide screen or a projector).
    """
    calc = {"area_code": "datum.id", "_is_selected": f"datum.id === {FOCUS}"}  # the area code is the TopoJSON id
    enc = dict(
        color=alt.Color(
            f"properties.{colour_field}:N",
            title=colour_title,
            scale=alt.Scale(domain=domain, range=colours),
            sort=domain,
            legend=alt.Legend(
                orient=legend_orient,
                columns=3 if legend_orient == "bottom" else 1,
                symbolStrokeColor="#555",
                symbolType="square",
            ),
        ),
        tooltip=[alt.Tooltip(f"properties.{f}:N", title=t) for f, t in tooltip],
    )
    layer = alt.Chart().mark_geoshape(stroke="#4d4d4d", strokeWidth=0.6).encode(**enc)
    if selectable:
        pick = alt.selection_point(name=SELECT, fields=["area_code"], on="click", clear="dblclick")
        layer = layer.add_params(pick).encode(
            strokeWidth=alt.StrokeWidthValue(0.6, condition={"param": SELECT, "value": 2.5, "empty": False}),
            stroke=alt.StrokeValue("#4d4d4d", condition={"param": SELECT, "value": "#000000", "empty": False}),
        )
    # aria=False: the outline repeats the selected area (named in the page's text); with no area selected this
    # layer is empty, and an unnamed empty graphics-symbol fails WCAG 1.1.1 (axe svg-img-alt)
    outline = (
        alt.Chart()
        .transform_filter("datum._is_selected")
        .mark_geoshape(fill=None, stroke="#000000", strokeWidth=3.5, aria=False)
    )
    data = alt.NamedData(name, format=alt.TopoDataFormat(type="topojson", feature=OBJECT))
    # data, transforms and projection once, for both layers
    chart = (
        alt.layer(layer, outline, data=data, projection=alt.Projection(type="mercator"), width=width, height=height)
        .transform_calculate(**calc)
        .add_params(focus_param(selected))
    )
    if title is not None:
        chart = chart.properties(title=title)
    return Figure(chart, {name: areas})


def focus_param(code: str | None) -> alt.Parameter:
    return alt.param(name=FOCUS, value=_code(code))


def with_focus(spec: dict, code: str | None) -> dict:
    """A built spec (map or ranking) with another area outlined: a shallow copy, nothing rebuilt."""
    out = dict(spec)
    out["params"] = [{**p, "value": _code(code)} if p.get("name") == FOCUS else p for p in spec.get("params", [])]
    return out


def _code(s: str | None) -> str:
    """Area codes are validated upstream; keep letters and digits only anyway (it is data, not code, now)."""
    return "" if s is None else "".join(ch for ch in str(s) if ch.isalnum())
