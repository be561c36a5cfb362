"""The change report: what a refresh changed in each file, old copy against new.

For every refreshed file with a known layout (:data:`SPECS`), both copies are read into one long table
(area, period, measure key, value) and compared:

* periods added (and removed),
* areas added and removed,
* values revised: the same area, period and measure with a different value, the largest first.

The "old" copy is the one the refresh replaced (``.previous/`` in the cache) or, on a first refresh, the
bundled file in the shared raw folder. A file cut to one local authority is compared with a national
bundled file only on the areas the new copy covers (so a first refresh does not report every other
council's areas as removed).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TOP = 5


@dataclass(frozen=True)
class TableSpec:
    area: tuple[str, ...]  # first non-empty of these columns is the area code
    period: str | None  # column, or None for a single-period file (period_label used)
    keys: tuple[str, ...] = ()  # columns that, with area and period, identify a value
    values: tuple[str, ...] | None = None  # value columns; None: every numeric column not in drop
    drop: tuple[str, ...] = ()
    period_label: str = ""
    encoding: str = "utf-8-sig"
    subset: bool = False  # the refreshed copy holds one LA's areas; the bundled copy may be national
    reader: Callable[[Path], pd.DataFrame] | None = None


def _geojson_reader(code: str):
    def read(p: Path) -> pd.DataFrame:
        d = json.loads(Path(p).read_text(encoding="utf-8"))
        return pd.DataFrame([f.get("properties") or {} for f in d.get("features", [])])

    return read


FT = TableSpec(
    area=("Area Code",),
    period="Time period",
    values=("Value", "Count", "Denominator"),
    keys=("Indicator ID", "Sex", "Age", "Category Type", "Category"),
)
SPECS: dict[str, TableSpec] = {
    "fingertips/*.csv": FT,
    "cla_number_and_rate_per_10k_children.csv": TableSpec(
        area=("new_la_code", "region_code", "country_code"),
        period="time_period",
        keys=("population_count",),
        values=("number", "rate_per_10000", "population_estimate"),
    ),
    "ees/*.csv": TableSpec(
        area=("new_la_code", "region_code", "country_code"), period="time_period", drop=("old_la_code",)
    ),
    "census2021-ts007a-lsoa.csv": TableSpec(area=("geography code",), period="date", subset=True, encoding="utf-8"),
    "IoD2025_File7_*.csv": TableSpec(
        area=("LSOA code (2021)",),
        period=None,
        period_label="2025",
        subset=True,
        values=(
            "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
            "Dependent Children aged 0-15: mid 2022",
        ),
        encoding="latin-1",
    ),
    "LSOA11_WD20_LAD20_EW_LU.csv": TableSpec(area=("LSOA11CD",), period=None, period_label="2020", values=("WD20CD",)),
    "LSOA_(2021)_to_Electoral_Ward_(2025)*.csv": TableSpec(
        area=("LSOA21CD",), period=None, period_label="2025", values=("WD25CD",)
    ),
    "wards_2022_*.geojson": TableSpec(
        area=("WD22CD",), period=None, period_label="2022", values=(), subset=True, reader=_geojson_reader("WD22CD")
    ),
    "wards_2020_*.geojson": TableSpec(
        area=("WD20CD",), period=None, period_label="2020", values=(), subset=True, reader=_geojson_reader("WD20CD")
    ),
    "lsoa21_*.geojson": TableSpec(
        area=("LSOA21CD",), period=None, period_label="2021", values=(), subset=True, reader=_geojson_reader("LSOA21CD")
    ),
    "lsoa11_*.geojson": TableSpec(
        area=("LSOA11CD",), period=None, period_label="2011", values=(), subset=True, reader=_geojson_reader("LSOA11CD")
    ),
    "statxplore/*.csv": TableSpec(
        area=("area_code",), period="period", keys=("area_name", "breakdown", "measure"), values=("value",)
    ),
}


def spec_for(rel: str) -> TableSpec | None:
    for pat, spec in SPECS.items():
        if fnmatch.fnmatchcase(rel, pat):
            return spec
    return None


def long_table(path: Path, spec: TableSpec) -> pd.DataFrame:
    """One row per (area, period, key, measure) with a value (numeric where it parses)."""
    df = spec.reader(path) if spec.reader else pd.read_csv(path, encoding=spec.encoding, dtype=str, low_memory=False)
    area = pd.Series(np.nan, index=df.index, dtype=object)
    for c in spec.area:
        if c in df.columns:
            area = area.where(area.notna() & (area.astype(str).str.strip() != ""), df[c])
    period = df[spec.period].astype(str) if spec.period and spec.period in df.columns else spec.period_label
    keycols = [c for c in spec.keys if c in df.columns]
    key = df[keycols].fillna("").astype(str).agg(" | ".join, axis=1) if keycols else pd.Series("", index=df.index)
    if spec.values is None:
        skip = set(spec.area) | {spec.period} | set(spec.keys) | set(spec.drop)
        cand = [c for c in df.columns if c not in skip]
        values = [c for c in cand if pd.to_numeric(df[c], errors="coerce").notna().mean() > 0.5]
    else:
        values = [c for c in spec.values if c in df.columns]
    base = pd.DataFrame({"area": area.astype(str), "period": period, "key": key})
    base = base[base.area.notna() & (base.area != "nan") & (base.area.str.strip() != "")]
    if not values:
        return base.assign(measure="", value="").drop_duplicates()
    parts = [base.assign(measure=c, value=df.loc[base.index, c]) for c in values]
    return pd.concat(parts, ignore_index=True)


def compare(old: pd.DataFrame, new: pd.DataFrame, *, restrict_to_new_areas: bool = False) -> dict:
    if restrict_to_new_areas:
        old = old[old.area.isin(set(new.area))]
    op, np_ = set(old.period), set(new.period)
    oa, na = set(old.area), set(new.area)
    idx = ["area", "period", "key", "measure"]
    o = old.drop_duplicates(idx).set_index(idx).value
    n = new.drop_duplicates(idx).set_index(idx).value
    both = o.index.intersection(n.index)
    ov, nv = o.loc[both], n.loc[both]
    on, nn = pd.to_numeric(ov, errors="coerce"), pd.to_numeric(nv, errors="coerce")
    numeric = on.notna() & nn.notna()
    diff = (nn - on).where(numeric)
    changed_num = numeric & (diff.abs() > 1e-9 * np.maximum(1.0, on.abs()))
    changed_txt = ~numeric & (ov.fillna("").astype(str) != nv.fillna("").astype(str))
    revised = []
    if changed_num.any():
        d = pd.DataFrame({"old": on[changed_num], "new": nn[changed_num], "change": diff[changed_num]})
        d = d.reindex(d.change.abs().sort_values(ascending=False).index).head(TOP)
        revised += [
            dict(zip(idx, k), old=float(r.old), new=float(r.new), change=float(r.change)) for k, r in d.iterrows()
        ]
    if changed_txt.any() and len(revised) < TOP:
        for k in list(ov[changed_txt].index)[: TOP - len(revised)]:
            revised.append(dict(zip(idx, k), old=str(ov[k]), new=str(nv[k])))
    return {
        "periods_added": sorted(np_ - op),
        "periods_removed": sorted(op - np_),
        "areas_added": sorted(na - oa),
        "areas_removed": sorted(oa - na),
        "values_revised": int(changed_num.sum() + changed_txt.sum()),
        "largest_revisions": revised,
        "rows_old": int(len(old)),
        "rows_new": int(len(new)),
    }


def file_report(rel: str, old: Path | None, new: Path, *, old_is_bundled: bool = False) -> dict:
    spec = spec_for(rel)
    out = {
        "file": rel,
        "compared_with": ("bundled raw file" if old_is_bundled else "previous refresh") if old else None,
    }
    if spec is None:
        out["note"] = "no table layout known for this file: not compared"
        return out
    try:
        new_t = long_table(new, spec)
        if old is None:
            out.update(
                first=True,
                periods_added=sorted(set(new_t.period)),
                areas_added=len(set(new_t.area)),
                rows_new=int(len(new_t)),
            )
            return out
        old_t = long_table(old, spec)
    except Exception as e:  # a report must never stop a refresh
        out["note"] = f"not compared ({type(e).__name__}: {' '.join(str(e).split())[:100]})"
        return out
    out.update(compare(old_t, new_t, restrict_to_new_areas=spec.subset and old_is_bundled))
    return out


def _short_list(xs, n=6) -> str:
    xs = list(xs)
    return ", ".join(map(str, xs[:n])) + (f" (+{len(xs) - n} more)" if len(xs) > n else "")


def format_report(source: str, reports: list[dict]) -> list[str]:
    lines = []
    for r in reports:
        head = f"  {source}: {r['file']}"
        if r.get("note"):
            lines.append(f"{head}: {r['note']}")
            continue
        if r.get("first"):
            lines.append(f"{head}: new file ({r['rows_new']:,} values; periods {_short_list(r['periods_added'])})")
            continue
        bits = []
        if r["periods_added"]:
            bits.append(f"periods added {_short_list(r['periods_added'])}")
        if r["periods_removed"]:
            bits.append(f"periods removed {_short_list(r['periods_removed'])}")
        if r["areas_added"]:
            bits.append(f"{len(r['areas_added'])} areas added ({_short_list(r['areas_added'], 4)})")
        if r["areas_removed"]:
            bits.append(f"{len(r['areas_removed'])} areas removed ({_short_list(r['areas_removed'], 4)})")
        if r["values_revised"]:
            bits.append(f"{r['values_revised']:,} values revised")
        lines.append(f"{head} (vs {r['compared_with']}): " + ("; ".join(bits) if bits else "no change"))
        for v in r["largest_revisions"]:
            what = " ".join(x for x in (v["area"], v["period"], v["key"], v["measure"]) if x)
            if "change" in v:
                lines.append(f"      {what}: {v['old']:g} -> {v['new']:g} ({v['change']:+g})")
            else:
                lines.append(f"      {what}: {v['old']} -> {v['new']}")
    return lines
