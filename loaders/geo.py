"""Boundaries: topology-preserving simplification, and TopoJSON for the browser.

Simplification uses GEOS coverage simplification (``GeoSeries.simplify_coverage``),
which simplifies shared edges once, so neighbouring wards keep sharing exactly the
same vertices: no gaps, no overlaps. Work is done in British National Grid (metres)
and the result is stored in WGS84 with coordinates rounded to 1e-5 degrees (~1 m);
shared vertices round identically, so the coverage stays clean.

The maps get each layer as TopoJSON (the ``topojson`` package): every shared edge is
stored once, as one arc, with integer delta-encoded coordinates on a grid of about 5 m
cells over the layer's extent (a vertex moves 3.5 m at most: a fifth of a pixel on a
full-screen map of Bromley). Neighbours draw the same arc, so quantising cannot open
gaps. Each area's code is its TopoJSON ``id``; exterior rings run clockwise, as d3-geo
(Vega) requires.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
import topojson

from loaders.topology import OBJECT

BNG = 27700
WGS84 = 4326
DECIMALS = 5
GRID_CELL_M = 5


def simplify_layer(g: gpd.GeoDataFrame, code_col: str, layer: str, tolerance_m: float) -> gpd.GeoDataFrame:
    """Return ``area_code, layer, geometry`` in WGS84, simplified as a coverage."""
    g = g[[code_col, "geometry"]].rename(columns={code_col: "area_code"}).to_crs(BNG)
    g["geometry"] = shapely.make_valid(g.geometry.values)
    if tolerance_m > 0:
        g["geometry"] = g.geometry.simplify_coverage(tolerance_m)
    g = g.to_crs(WGS84)
    g["geometry"] = shapely.transform(g.geometry.values, lambda c: np.round(c, DECIMALS))
    g["layer"] = layer
    return g[["area_code", "layer", "geometry"]].sort_values("area_code").reset_index(drop=True)


def coverage_problems(g: gpd.GeoDataFrame) -> dict:
    """Gap and overlap measures of a layer, in square metres (BNG)."""
    p = g.to_crs(BNG)
    union = shapely.union_all(p.geometry.values)
    total = float(p.geometry.area.sum())
    holes = sum(shapely.Polygon(r).area for poly in getattr(union, "geoms", [union]) for r in poly.interiors)
    return {
        "overlap_m2": total - union.area,
        "interior_gaps_m2": holes,
        "invalid": int((~p.geometry.is_valid).sum()),
    }


def topology(g: gpd.GeoDataFrame) -> str:
    """One layer (``area_code, geometry``, WGS84) as compact TopoJSON text: geometries in ``g``'s order,
    each with its area code as ``id`` and no properties (each view adds its own)."""
    x0, y0, x1, y1 = g.to_crs(BNG).total_bounds
    steps = int(np.ceil(max(x1 - x0, y1 - y0) / GRID_CELL_M))
    topo = topojson.Topology(
        g[["area_code", "geometry"]].reset_index(drop=True),
        prequantize=steps,
        topology=True,
        presimplify=False,
        toposimplify=False,
        winding_order="CW_CCW",
        object_name=OBJECT,
    ).to_dict()
    topo.pop("bbox", None)
    for geom in topo["objects"][OBJECT]["geometries"]:
        geom["id"] = geom.pop("properties")["area_code"]
    return json.dumps(topo, separators=(",", ":"))


def decode(topo: dict) -> list[shapely.Geometry]:
    """The polygons a TopoJSON client draws (arcs joined as topojson-client does), in object order."""
    t = topo["transform"]
    arcs = [np.cumsum(np.asarray(a, dtype=float), axis=0) * t["scale"] + t["translate"] for a in topo["arcs"]]

    def ring(idx):
        pts = []
        for i in idx:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(a[1:] if pts else a)
        return pts

    out = []
    for geom in topo["objects"][OBJECT]["geometries"]:
        polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"]
        out.append(shapely.MultiPolygon([shapely.Polygon(ring(p[0]), [ring(r) for r in p[1:]]) for p in polys]))
    return out
