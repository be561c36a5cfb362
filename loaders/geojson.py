"""GeoJSON features for the browser, from the built boundaries (shapely only: no GeoPandas at run time)."""
from __future__ import annotations

import json

import pandas as pd
import shapely


def features(geoms, props: pd.DataFrame) -> list[dict]:
    """GeoJSON Feature dicts (for a chart's named dataset) with ``props`` (same order) as properties.

    d3-geo (Vega) reads rings with spherical winding: exterior rings must run clockwise,
    the opposite of RFC 7946, or each polygon is drawn as "the globe minus the ward".
    NaN becomes None so the JSON is valid.
    """
    geo = shapely.to_geojson(shapely.orient_polygons(pd.Series(geoms).to_numpy(), exterior_cw=True))
    records = props.astype(object).where(props.notna(), None).to_dict("records")
    return [{"type": "Feature", "geometry": json.loads(gj), "properties": rec} for gj, rec in zip(geo, records)]
