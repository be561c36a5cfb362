"""DWP Stat-Xplore: children in low income families by ward (needs the user's own API key).

``POST table`` with the key in the ``APIKey`` header and a table query (database, measures, recodes,
dimensions). The answer (``query, database, measures, fields, cubes, annotationMap``) is kept as served
in ``statxplore/cilif_ward.json`` and flattened to ``statxplore/cilif_ward.csv``: one row per cell, with
the first field as the area (code from the end of the item URI), the second as the period, the rest as
the breakdown. Totals are kept as Stat-Xplore sends them (they need not equal the sum of their items:
Stat-Xplore's disclosure control).

Without ``STAT_XPLORE_API_KEY`` the source is skipped with a one-line reason. The query below is the
CILIF ward table as documented by DWP; ``BWE_STATXPLORE_QUERY=path/to/query.json`` replaces it (Stat-Xplore's
"Open Data API query" download of a table built in its web interface is exactly this file).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import pandas as pd

from loaders.refresh.base import Context, SchemaDrift, Skipped, SourceError, stage_frame
from loaders.refresh.cache import Stage

NAME = "statxplore"
RAW = "statxplore/cilif_ward.json"
CSV = "statxplore/cilif_ward.csv"
QUERY = {
    "database": "str:database:CILIF_REL_NEW",
    "measures": ["str:count:CILIF_REL_NEW:V_F_CILIF_REL_NEW"],
    "recodes": {},
    "dimensions": [
        ["str:field:CILIF_REL_NEW:V_F_CILIF_REL_NEW:WARD_CODE"],
        ["str:field:CILIF_REL_NEW:F_CILIF_YEAR:YEAR_NAME"],
    ],
}
GSS = re.compile(r"[EWSNK]\d{8}$")


def query() -> dict:
    p = os.environ.get("BWE_STATXPLORE_QUERY")
    if p:
        try:
            return json.loads(Path(p).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise SourceError(f"{NAME}: BWE_STATXPLORE_QUERY={p} cannot be read as JSON ({e})") from None
    return QUERY


def run(ctx: Context, stage: Stage) -> list[str]:
    key = os.environ.get("STAT_XPLORE_API_KEY", "").strip()
    if not key:
        raise Skipped("no STAT_XPLORE_API_KEY set (a free key from stat-xplore.dwp.gov.uk, account page)")
    url = ctx.url("table")
    if ctx.dry_run:
        ctx.planned.append(f"POST {url} (ward CILIF table) -> {CSV}")
        return []
    got = ctx.client.download(
        url,
        stage.file(RAW),
        method="POST",
        json_body=query(),
        headers={"APIKey": key, "Accept": "application/json"},
        label="stat-xplore",
    )
    try:
        data = json.loads(stage.file(RAW).read_bytes())
    except ValueError:
        raise SourceError(f"{NAME}: the table answer is not JSON") from None
    df = flatten(data, RAW)
    if df.empty:
        raise SourceError(f"{NAME}: the table has no cells")
    stage.add(RAW, got.manifest(), method="POST", database=(data.get("database") or {}).get("id"))
    stage_frame(stage, CSV, df, got.manifest(), derived_from=RAW, derivation="cube flattened to one row per cell")
    areas = df.loc[df.area_code.str.startswith(ctx.la[:3]) & df.area_code.ne(""), "area_code"].nunique()
    return [f"{CSV}: {len(df):,} cells, {df.period.nunique()} periods, {areas} areas"]


def flatten(data: dict, rel: str = RAW) -> pd.DataFrame:
    for k in ("fields", "cubes", "measures"):
        if k not in data:
            raise SchemaDrift(NAME, rel, k, "is missing from the table answer")
    fields = data["fields"]
    if len(fields) < 2:
        raise SchemaDrift(NAME, rel, "fields", f"has {len(fields)} field(s); expected area and period at least")
    items = []
    for f in fields:
        its = []
        for it in f.get("items", []):
            uris = it.get("uris") or []
            last = uris[0].rsplit(":", 1)[-1] if len(uris) == 1 else ""
            its.append((" / ".join(it.get("labels", [])), last, it.get("type") == "Total"))
        items.append(its)
    labels = {m["uri"]: m.get("label", m["uri"]) for m in data["measures"]}
    rows = []
    for muri, cube in data["cubes"].items():
        vals = cube.get("values")
        for idx in itertools.product(*(range(len(i)) for i in items)):
            v = vals
            try:
                for i in idx:
                    v = v[i]
            except (IndexError, TypeError):
                raise SchemaDrift(NAME, rel, f"cubes.{muri}", "does not match the fields' item counts") from None
            area, period = items[0][idx[0]], items[1][idx[1]]
            rows.append(
                {
                    "area_code": area[1] if GSS.match(area[1] or "") else ("Total" if area[2] else ""),
                    "area_name": area[0],
                    "period": period[0],
                    "breakdown": " | ".join(items[k][idx[k]][0] for k in range(2, len(items))) or "All",
                    "measure": labels.get(muri, muri),
                    "value": v,
                }
            )
    return pd.DataFrame(rows, columns=["area_code", "area_name", "period", "breakdown", "measure", "value"])
