"""Choropleth maps from GeoJSON features (pure: returns Altair charts).

Data goes in as GeoJSON Feature dicts (a named dataset of the returned Figure), never
as a GeoDataFrame: Streamlit's selection handling turns GeoDataFrame geometry into
strings and the map renders blank.
"""
from __future__ import annotations

import altair as alt

from charts.figure import Figure

SELECT = "ward_pick"


def choropleth(features: list[dict], *, colour_field: str, colour_title: str, domain: list, colours: list,
               tooltip: list[tuple[str, str]], title: alt.TitleParams | None = None, selected: str | None = None,
               selectable: bool = True, width: int | str = "container", height: int = 480,
               name: str = "features") -> Figure:
    """A map coloured by a categorical field of each feature's properties.

    ``tooltip`` is a list of (property, title). ``selected`` outlines that area.
    With ``selectable`` a click selects an area (selection parameter ``ward_pick``
    on the ``area_code`` field).
    """
    calc = {"area_code": "datum.properties.area_code", "_is_selected": f"datum.properties.area_code === '{_js(selected)}'"}
    base = alt.Chart(alt.NamedData(name)).transform_calculate(**calc).project(type="mercator")
    enc = dict(
        color=alt.Color(f"properties.{colour_field}:N", title=colour_title,
                        scale=alt.Scale(domain=domain, range=colours), sort=domain,
                        legend=alt.Legend(orient="bottom", columns=3, symbolStrokeColor="#555", symbolType="square")),
        tooltip=[alt.Tooltip(f"properties.{f}:N", title=t) for f, t in tooltip],
    )
    layer = base.mark_geoshape(stroke="#4d4d4d", strokeWidth=0.6).encode(**enc)
    if selectable:
        pick = alt.selection_point(name=SELECT, fields=["area_code"], on="click", clear="dblclick")
        layer = layer.add_params(pick).encode(
            strokeWidth=alt.StrokeWidthValue(0.6, condition={"param": SELECT, "value": 2.5, "empty": False}),
            stroke=alt.StrokeValue("#4d4d4d", condition={"param": SELECT, "value": "#000000", "empty": False}))
    layers = [layer]
    if selected:
        layers.append(base.transform_filter("datum._is_selected").mark_geoshape(
            fill=None, stroke="#000000", strokeWidth=3.5))
    chart = alt.layer(*layers).properties(width=width, height=height)
    if title is not None:
        chart = chart.properties(title=title)
    return Figure(chart, {name: features})


def _js(s: str | None) -> str:
    """Area codes are validated upstream; escape anyway so nothing can break the expression."""
    return "" if s is None else "".join(ch for ch in str(s) if ch.isalnum())
