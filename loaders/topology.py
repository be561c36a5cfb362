"""Map data for the browser: a layer's stored TopoJSON with each view's properties (no GeoPandas at run time)."""

from __future__ import annotations

import pandas as pd

OBJECT = "areas"  # the TopoJSON object every layer is stored under


def with_properties(topology: dict, props: pd.DataFrame) -> dict:
    """A copy of ``topology`` whose areas carry the rows of ``props`` (matched on ``area_code``, the
    areas' TopoJSON ``id``) as properties, without the code itself; NaN becomes None so the JSON is
    valid. Areas without a row get no properties.

    Only the small per-area dicts are new: the arcs (the bulk) are shared with the stored topology.
    """
    rows = props.astype(object).where(props.notna(), None).to_dict("records")
    by_code = {r.pop("area_code"): r for r in rows}
    obj = topology["objects"][OBJECT]
    geoms = [{**g, "properties": by_code.get(g["id"], {})} for g in obj["geometries"]]
    return {**topology, "objects": {**topology["objects"], OBJECT: {**obj, "geometries": geoms}}}


def area_codes(topology: dict) -> list[str]:
    """The areas of a stored topology, in its order."""
    return [g["id"] for g in topology["objects"][OBJECT]["geometries"]]
