"""ONS Open Geography Portal (ArcGIS REST FeatureServer): LSOA -> ward lookups and boundaries.

Each layer is read with ``{service}/FeatureServer/0/query``, a page at a time: ``resultOffset`` moves on
by the number of features received while the answer says ``exceededTransferLimit: true`` (top level
for ``f=json``, or under ``properties`` for ``f=geojson``). An ArcGIS error comes back as HTTP 200 with an
``error`` object; that is a failure too.

* Lookups (``f=json``, all of England and Wales, attributes only) are written as CSV with the service's
  field order, under the file names the build reads.
* Boundaries (``f=geojson``, WGS84) are asked for by code, for the LSOAs and wards of one local
  authority (codes from the lookups just read), and written as one GeoJSON FeatureCollection.

The service names are the ONS portal's as of 2025; ONS renames a service when it publishes a new
version, in which case ``--base-url ons=...`` (a mirror) or a change here is needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from loaders.codes import BROMLEY
from loaders.raw import RAW_FILES
from loaders.refresh.base import Context, SchemaDrift, SourceError, check_columns, stage_frame
from loaders.refresh.cache import Stage

NAME = "ons"
TABLE_PAGE = 2000
GEO_PAGE = 100
CODES_PER_QUERY = 100
MAX_PAGES = 400


@dataclass(frozen=True)
class Lookup:
    key: str
    service: str
    la_field: str


@dataclass(frozen=True)
class Boundary:
    key: str
    service: str
    code_field: str
    lookup: str  # the lookup the codes come from
    lookup_code: str  # the code column in the lookup


LOOKUPS = [
    Lookup("lookup_lsoa21_wd25", "LSOA21_WD25_LAD25_EW_LU_v2", "LAD25CD"),
    Lookup("lookup_lsoa11_wd20", "LSOA11_WD20_LAD20_EW_LU", "LAD20CD"),
]
BOUNDARIES = [
    Boundary("wards2022_geo", "Wards_May_2022_Boundaries_UK_BGC", "WD22CD", "lookup_lsoa21_wd25", "WD25CD"),
    Boundary("lsoa2021_geo", "LSOA_2021_EW_BGC_V3", "LSOA21CD", "lookup_lsoa21_wd25", "LSOA21CD"),
    Boundary("wards2014_geo", "Wards_December_2020_UK_BGC", "WD20CD", "lookup_lsoa11_wd20", "WD20CD"),
    Boundary(
        "lsoa2011_geo",
        "LSOA_Dec_2011_Boundaries_Generalised_Clipped_BGC_EW_V3",
        "LSOA11CD",
        "lookup_lsoa11_wd20",
        "LSOA11CD",
    ),
]


def file_name(key: str, la: str) -> str:
    p = RAW_FILES[key].path
    return p.replace(BROMLEY, la) if la != BROMLEY else p


def query_url(ctx: Context, service: str) -> str:
    return ctx.url(f"{service}/FeatureServer/0/query")


def pages(ctx: Context, service: str, where: str, fmt: str, page: int, label: str):
    """Every feature of a query, following resultOffset while exceededTransferLimit is true."""
    url = query_url(ctx, service)
    offset, feats, fields, n = 0, [], None, 0
    while True:
        n += 1
        if n > MAX_PAGES:
            raise SourceError(f"{NAME}: {service}: more than {MAX_PAGES} pages; stopped")
        params = {
            "where": where,
            "outFields": "*",
            "f": fmt,
            "resultOffset": offset,
            "resultRecordCount": page,
            "returnGeometry": "true" if fmt == "geojson" else "false",
        }
        if fmt == "geojson":
            params["outSR"] = 4326
        data, got = ctx.client.get_json(url, params=params)
        if not isinstance(data, dict):
            raise SchemaDrift(NAME, service, "features", "is missing: the answer is not a JSON object")
        if "error" in data:
            err = data["error"] or {}
            raise SourceError(
                f"{NAME}: {service}: ArcGIS error {err.get('code', '?')}: {err.get('message', '')}".strip()
            )
        if "features" not in data:
            raise SchemaDrift(NAME, service, "features", "is missing from the query answer")
        if fields is None and "fields" in data:
            fields = [f["name"] for f in data["fields"]]
        batch = data["features"]
        feats.extend(batch)
        more = bool(data.get("exceededTransferLimit") or (data.get("properties") or {}).get("exceededTransferLimit"))
        if not more:
            got.pages = n
            return feats, fields, got
        if not batch:
            raise SourceError(f"{NAME}: {service}: the service says there is more but sent an empty page")
        offset += len(batch)


def run(ctx: Context, stage: Stage) -> list[str]:
    notes = []
    if ctx.dry_run:
        for lu in LOOKUPS:
            ctx.planned.append(f"{query_url(ctx, lu.service)}?where=1=1&f=json (paged) -> {file_name(lu.key, ctx.la)}")
        for b in BOUNDARIES:
            ctx.planned.append(
                f"{query_url(ctx, b.service)}?where={b.code_field} IN (...)&f=geojson -> {file_name(b.key, ctx.la)}"
            )
        return notes
    lookups: dict[str, pd.DataFrame] = {}
    for lu in LOOKUPS:
        rel = file_name(lu.key, ctx.la)
        feats, fields, got = pages(ctx, lu.service, "1=1", "json", TABLE_PAGE, rel)
        rows = [f.get("attributes") or {} for f in feats]
        df = pd.DataFrame(rows, columns=fields or None)
        if df.empty:
            raise SourceError(f"{NAME}: {lu.service} returned no rows")
        check_columns(NAME, rel, df.columns, RAW_FILES[lu.key].columns)
        if not (df[lu.la_field] == ctx.la).any():
            raise SourceError(f"{NAME}: {rel} has no rows for {ctx.la} in column {lu.la_field!r}")
        stage_frame(stage, rel, df, _meta(got, ctx, lu.service, "1=1"), encoding="utf-8-sig")
        lookups[lu.key] = df[df[lu.la_field] == ctx.la]
        notes.append(f"{rel}: {len(df):,} rows in {got.pages} page(s)")
    for b in BOUNDARIES:
        rel = file_name(b.key, ctx.la)
        codes = sorted(set(lookups[b.lookup][b.lookup_code].dropna().astype(str)))
        feats, got = [], None
        for i in range(0, len(codes), CODES_PER_QUERY):
            chunk = codes[i : i + CODES_PER_QUERY]
            where = f"{b.code_field} IN ({','.join(repr(c) for c in chunk)})"
            f, _, got = pages(ctx, b.service, where, "geojson", GEO_PAGE, rel)
            feats.extend(f)
        found = {str((f.get("properties") or {}).get(b.code_field)) for f in feats}
        if feats and not any(b.code_field in (f.get("properties") or {}) for f in feats):
            raise SchemaDrift(NAME, rel, b.code_field, "is missing from the features' properties")
        missing = sorted(set(codes) - found)
        if missing:
            raise SourceError(
                f"{NAME}: {rel}: no boundary for {len(missing)} of {len(codes)} codes (e.g. {missing[0]})"
            )
        if any(not f.get("geometry") for f in feats):
            raise SourceError(f"{NAME}: {rel}: a feature has no geometry")
        p = stage.file(rel)
        p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
        stage.add(rel, _meta(got, ctx, b.service, f"{b.code_field} IN ({len(codes)} codes of {ctx.la})"))
        notes.append(f"{rel}: {len(feats)} boundaries")
    return notes


def _meta(got, ctx: Context, service: str, where: str) -> dict:
    m = got.manifest()
    m.update(url=query_url(ctx, service), query=where, sha256=None)
    return m
