"""Boundaries: topology-preserving simplification and GeoJSON for the browser.

Simplification uses GEOS coverage simplification (``GeoSeries.simplify_coverage``),
which simplifies shared edges once, so neighbouring wards keep sharing exactly the
same vertices: no gaps, no overlaps. Work is done in British National Grid (metres)
and the result is stored in WGS84 with coordinates rounded to 1e-5 degrees (~1 m);
shared vertices round identically, so the coverage stays clean.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

BNG = 27700
WGS84 = 4326
DECIMALS = 5


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
