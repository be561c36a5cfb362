"""OHID Fingertips API: ward NCMP (3-year pooled) and LA children's indicators, as ``all_data`` CSV.

Requests (relative to the base URL, by default https://fingertips.phe.org.uk/api/):

* ``area_types``: every area type's ``Id``, ``Name`` and ``Short`` name;
* ``available_data?indicator_id=N``: the area types an indicator has data for (``AreaTypeId``); the ward
  type is the one whose name says "ward" (the newest, i.e. the highest id, when there are several), the
  LA type the newest "upper tier" / "Counties & UAs" one. Nothing is hard-coded, so a new ward vintage
  is picked up when OHID publishes it;
* ``indicator_metadata/by_indicator_id?indicator_ids=...``: ``DataChange.LastUploadedAt`` for each
  indicator; an indicator whose upload date and area type match the cached copy is not downloaded again;
* ``all_data/csv/by_indicator_id?indicator_ids=N&area_type_id=T``: the data (all areas of that type with
  England and the parent areas), saved as served to ``fingertips/ward_N.csv`` or ``fingertips/la_N.csv``.

Each CSV is parsed before it may replace the cached copy: the columns the build reads must be there
(parsed by name: newer output adds columns), it must hold rows for the indicator asked for, and every
``Area Type`` label must be one the area type list explains (a new label is schema drift).
"""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd

from loaders.refresh.base import Context, SchemaDrift, SourceError, read_csv_checked
from loaders.refresh.cache import Stage

NAME = "fingertips"
WARD_INDICATORS = {
    93105: "Reception: prevalence of obesity, 3 years pooled (wards)",
    93107: "Year 6: prevalence of obesity, 3 years pooled (wards)",
}
LA_INDICATORS = {
    90319: "Reception: prevalence of obesity (including severe obesity)",
    90323: "Year 6: prevalence of obesity (including severe obesity)",
    90631: "School readiness: good level of development at the end of Reception",
    30311: "Population vaccination coverage: MMR for one dose (2 years old)",
    90284: "Hospital admissions caused by injuries in children (aged 0 to 14 years)",
}
REQUIRED = (
    "Indicator ID",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
)
# Area Type labels that are comparators, not the type asked for (they come with every download).
COMPARATOR_LABEL = re.compile(
    r"^(england|country|region|regions.*|.*statistical region.*|"
    r".*count(y|ies).*|.*\bua\b.*|.*unitary.*|.*district.*|.*upper tier.*|"
    r".*lower tier.*|.*local authorit.*|.*icb.*|.*sub-icb.*)$",
    re.I,
)
WARD = re.compile(r"\bwards?\b", re.I)
UPPER_TIER = re.compile(r"upper tier|count(y|ies) (&|and) ua", re.I)


def ward_file(iid: int) -> str:
    return f"fingertips/ward_{iid}.csv"


def la_file(iid: int) -> str:
    return f"fingertips/la_{iid}.csv"


def run(ctx: Context, stage: Stage) -> list[str]:
    notes: list[str] = []
    types, _ = ctx.client.get_json(ctx.url("area_types"))
    if not isinstance(types, list) or not all(isinstance(t, dict) and "Id" in t for t in types):
        raise SchemaDrift(NAME, "area_types", "Id", "is missing from the area type list")
    type_names = {int(t["Id"]): (str(t.get("Name", "")), str(t.get("Short", ""))) for t in types}

    ids = list(WARD_INDICATORS) + list(LA_INDICATORS)
    meta, meta_fetch = ctx.client.get_json(
        ctx.url("indicator_metadata/by_indicator_id"), params={"indicator_ids": ",".join(map(str, ids))}
    )
    if not isinstance(meta, dict):
        raise SchemaDrift(NAME, "indicator_metadata", "IID", "is missing: the metadata is not keyed by indicator")

    plan = []
    for iid in ids:
        ward = iid in WARD_INDICATORS
        avail, _ = ctx.client.get_json(ctx.url("available_data"), params={"indicator_id": iid})
        if not isinstance(avail, list):
            raise SchemaDrift(NAME, f"available_data?indicator_id={iid}", "AreaTypeId", "is missing")
        at_ids = sorted({int(a["AreaTypeId"]) for a in avail if isinstance(a, dict) and "AreaTypeId" in a})
        pattern = WARD if ward else UPPER_TIER
        match = [t for t in at_ids if any(pattern.search(n) for n in type_names.get(t, ("", "")))]
        if not match:
            what = "a ward" if ward else "an upper-tier LA"
            if ward:
                raise SourceError(
                    f"{NAME}: indicator {iid} has no data for {what} area type "
                    f"(available: {', '.join(type_names.get(t, (str(t),))[0] for t in at_ids) or 'none'})"
                )
            notes.append(f"indicator {iid} has no data for {what} area type: skipped")
            continue
        plan.append((iid, max(match), ward))

    for iid, at, ward in plan:
        rel = ward_file(iid) if ward else la_file(iid)
        m = meta.get(str(iid)) or {}
        uploaded = (m.get("DataChange") or {}).get("LastUploadedAt") or _digest(m)
        cached = ctx.cache.entry(rel)
        params = {"indicator_ids": iid, "area_type_id": at}
        url = ctx.url("all_data/csv/by_indicator_id")
        if cached and cached.get("last_uploaded") == uploaded and cached.get("area_type_id") == at:
            notes.append(f"{rel}: unchanged since {uploaded} (metadata), not downloaded")
            if not ctx.dry_run:
                stage.keep(rel)
            continue
        if ctx.dry_run:
            ctx.planned.append(f"{url}?indicator_ids={iid}&area_type_id={at} -> {rel}")
            continue
        got = ctx.client.download(url, stage.file(rel), params=params, label=f"fingertips {iid}")
        _check(stage.file(rel), rel, iid, at, type_names, ward)
        stage.add(
            rel,
            got.manifest(),
            indicator_id=iid,
            area_type_id=at,
            area_type=type_names.get(at, ("",))[0],
            last_uploaded=uploaded,
            title=(WARD_INDICATORS | LA_INDICATORS)[iid],
            metadata_url=meta_fetch.url,
        )
    if stage.entries and not ctx.dry_run:
        p = stage.file("fingertips/indicator_metadata.json")
        p.write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
        stage.add("fingertips/indicator_metadata.json", meta_fetch.manifest())
    return notes


def _digest(m: dict) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(m, sort_keys=True).encode()).hexdigest()[:16]


def _check(path, rel, iid, at, type_names, ward) -> None:
    df = read_csv_checked(NAME, rel, path, REQUIRED, dtype=str, keep_default_na=False)
    if df.empty:
        raise SourceError(f"{NAME}: {rel}: the service returned no rows for indicator {iid} (area type {at})")
    got = set(df["Indicator ID"].str.strip())
    if got != {str(iid)}:
        raise SchemaDrift(NAME, rel, "Indicator ID", f"holds {sorted(got)[:3]}, not {iid}")
    names = {n.strip().lower() for n in type_names.get(at, ("", "")) if n}
    labels = set(df["Area Type"].str.strip())
    unknown = sorted(lab for lab in labels if lab.lower() not in names and not COMPARATOR_LABEL.match(lab))
    if unknown:
        raise SchemaDrift(NAME, rel, "Area Type", f"has a new label {unknown[0]!r} (expected {sorted(names)[0]!r})")
    if ward and not any(lab.lower() in names for lab in labels):
        raise SchemaDrift(
            NAME, rel, "Area Type", f"has no rows labelled {sorted(names)[0]!r} (labels: {sorted(labels)})"
        )
    for col in ("Value", "Count", "Denominator"):
        bad = pd.to_numeric(df[col].replace("", None), errors="coerce").isna() & (df[col].str.strip() != "")
        if bad.any():
            raise SchemaDrift(NAME, rel, col, f"has non-numeric values {sorted(df.loc[bad, col].unique())[:3]}")
