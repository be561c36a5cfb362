"""Build the Parquet extracts in ``data/`` from the raw public files.

    python -m loaders.build [--raw ../shared/data/raw] [--out data]

The sources are modules in :mod:`loaders.sources` (one per source, listed in
``catalogue.SOURCE_MODULES``); this module runs them, adds what is derived across
sources (2014-ward series as 2022-ward ESTIMATES, intervals), assembles the areas,
sources and indicators tables, validates everything with pandera and writes it.

Everything is written to a temporary folder first; only then are the files moved
into place, so a failed build leaves the previous extracts untouched. The output
is deterministic: rebuilding from the same raw files reproduces the same bytes.
Where raw files are read from is decided in one place, :class:`loaders.raw.Raw`
(``build(raw_dir, ..., fallbacks=[...])`` tries each folder in order).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from loaders import catalogue, schema, sources
from loaders.codes import BROMLEY, LONDON, WARDS_2014, WARDS_2022  # noqa: F401 (WARDS_*: re-exported)
from loaders.intervals import with_intervals
from loaders.raw import DEFAULT_RAW, Raw, RawDataError
from loaders.refresh.resolve import raw_fallbacks
from loaders.rows import finalise_values  # (loaders.extracts imports it from loaders.rows, not from here)
from loaders.sources import dfe_sn, geography

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
AREA_COLUMNS = ["area_code", "area_name", "area_type", "parent_code"]


# --------------------------------------------------------------------------- derived across sources
def estimate_on_2022(values: pd.DataFrame, cw: pd.DataFrame) -> pd.DataFrame:
    """Show 2014-ward series on 2022 wards, weighting by child population. Flagged as estimates.

    Percentages: the 2022 ward's value is the child-weighted mean of the 2014 wards
    its children live in. Where counts exist they are apportioned by the share of
    each 2014 ward's children, and the value recomputed from them.
    """
    crosswalked = [i["id"] for i in catalogue.INDICATORS if i["crosswalk_2014"]]
    src = values[
        (values.area_type == "ward2014")
        & values.area_code.isin(WARDS_2014)
        & values.indicator_id.isin(crosswalked)
        & ~values.is_estimate
    ]
    m = src.merge(cw, left_on="area_code", right_on="from_code")
    m["wv"] = m.value * m.share_of_to
    m["num"] = m.numerator * m.share_of_from
    m["den"] = m.denominator * m.share_of_from
    g = m.groupby(
        ["indicator_id", "to_code", "period", "period_start", "period_end", "breakdown", "source_id"], as_index=False
    ).agg(value=("wv", "sum"), numerator=("num", "sum"), denominator=("den", "sum"), n=("num", "count"))
    has_counts = g.n > 0
    g["numerator"] = g.numerator.where(has_counts)
    g["denominator"] = g.denominator.where(has_counts)
    g.loc[has_counts, "value"] = g.numerator / g.denominator * 100
    out = g.rename(columns={"to_code": "area_code"}).drop(columns="n")
    out["area_type"] = "ward2022"
    out["national_decile"] = pd.NA
    out["is_illustrative"] = False
    out["is_estimate"] = True
    out["is_suppressed"] = False
    out["note"] = "ESTIMATE: 2014-ward values re-weighted to 2022 wards by child population (crosswalk)"
    return out


def estimate_on_2014(values: pd.DataFrame, cw: pd.DataFrame) -> pd.DataFrame:
    """Show 2022-ward series (catalogue ``crosswalk_2022``) on 2014 wards. Flagged as estimates.

    Each 2022 ward's count and denominator are shared among the 2014 wards its children live in
    (``share_of_to``: the share of the 2022 ward's children in each part), and the value recomputed.
    """
    crosswalked = [i["id"] for i in catalogue.INDICATORS if i["crosswalk_2022"]]
    src = values[
        (values.area_type == "ward2022")
        & values.area_code.isin(WARDS_2022)
        & values.indicator_id.isin(crosswalked)
        & ~values.is_estimate
        & values.numerator.notna()
        & values.denominator.notna()
    ]
    m = src.merge(cw, left_on="area_code", right_on="to_code")
    m["num"] = m.numerator * m.share_of_to
    m["den"] = m.denominator * m.share_of_to
    g = m.groupby(
        ["indicator_id", "from_code", "period", "period_start", "period_end", "breakdown", "source_id"], as_index=False
    ).agg(numerator=("num", "sum"), denominator=("den", "sum"), n=("num", "count"))
    mult = g.indicator_id.map({i["id"]: i["multiplier"] for i in catalogue.INDICATORS})
    g["value"] = g.numerator / g.denominator * mult
    out = g.rename(columns={"from_code": "area_code"}).drop(columns="n")
    out["area_type"] = "ward2014"
    out["national_decile"] = pd.NA
    out["is_illustrative"] = False
    out["is_estimate"] = True
    out["is_suppressed"] = False
    out["note"] = "ESTIMATE: 2022-ward counts shared to 2014 wards by child population (crosswalk)"
    return out


# --------------------------------------------------------------------------- tables
def areas_table(ctx) -> pd.DataFrame:
    """Every area any source names. Where two sources name the same area the one with the lower
    ``AREA_PRIORITY`` gives the name, and the first that knows a parent gives the parent."""
    frames = []
    for m in sorted((m for m in sources.MODULES if hasattr(m, "areas")), key=lambda m: m.AREA_PRIORITY):
        frames.append(m.areas(ctx)[AREA_COLUMNS])
    df = pd.concat(frames, ignore_index=True)
    parents = (
        df.dropna(subset=["parent_code"])
        .drop_duplicates(["area_code", "area_type"])
        .set_index(["area_code", "area_type"])
        .parent_code
    )
    df = df.drop_duplicates(["area_code", "area_type"]).reset_index(drop=True)
    known = pd.Series(list(zip(df.area_code, df.area_type))).map(parents)
    london_la = df.area_type.eq("la") & df.area_code.str.startswith("E09")
    parent = [k if isinstance(k, str) else (LONDON if ldn else None) for k, ldn in zip(known, london_la)]
    df = pd.DataFrame(list(zip(df.area_code, df.area_name, df.area_type, parent)), columns=AREA_COLUMNS)
    df["area_name"] = df.area_name.str.replace(" UA$", "", regex=True)
    df = df.sort_values(["area_type", "area_code"]).reset_index(drop=True)
    df["is_bromley"] = (df.area_code == BROMLEY) | (df.parent_code == BROMLEY) | (df.area_type.str.startswith("lsoa"))
    sn = dfe_sn.bromley_neighbours(ctx)  # the default model; both are in neighbours.parquet
    df["is_stat_neighbour"] = df.area_type.eq("la") & df.area_code.isin(sn)
    missing = set(sn) - set(df.loc[df.is_stat_neighbour, "area_code"])
    if missing:
        raise RawDataError(f"statistical neighbours with no area name: {sorted(missing)}")
    return df


def sources_table(raw: Raw) -> pd.DataFrame:
    rows = []
    for sid, s in sources.SOURCES.items():
        for key in s["raw"]:
            if s.get("optional") and not _has(raw, key):  # e.g. ward NCMP: only in a refreshed raw cache
                continue
            rows.append(
                dict(
                    source_id=sid,
                    publisher=s["publisher"],
                    title=s["title"],
                    url=s["url"],
                    licence=s["licence"],
                    attribution=s["attribution"],
                    raw_file=raw.relpath(key),
                    sha256=raw.sha256(key),
                )
            )
    return pd.DataFrame(rows)


def source_caveats(ctx) -> dict[str, str]:
    """What sources found while building (e.g. an anomaly in a workbook), by indicator, for its caveats."""
    out: dict[str, str] = {}
    for m in sources.MODULES:
        for ind, text in (m.report(ctx) if hasattr(m, "report") else {}).items():
            out[ind] = f"{out[ind]} {text}" if ind in out else text
    return out


def _has(raw: Raw, key: str) -> bool:
    try:
        raw.path(key)
        return True
    except RawDataError:
        return False


def indicators_table(found: dict[str, str] | None = None, overrides: dict[str, dict] | None = None) -> pd.DataFrame:
    """The catalogue's indicators; ``overrides`` (from sources' ``indicator_overrides``) replace fields,
    e.g. obesity gets Wilson intervals when a refreshed cache has ward NCMP counts."""
    df = pd.DataFrame(catalogue.INDICATORS).rename(columns={"id": "indicator_id"})
    for ind, fields in (overrides or {}).items():
        for col, val in fields.items():
            df.loc[df.indicator_id == ind, col] = val
    for ind, text in (found or {}).items():
        df.loc[df.indicator_id == ind, "caveats"] += " Found by the build: " + text
    return df[list(schema.INDICATORS.columns)]


def source_rows(ctx, m) -> pd.DataFrame:
    """One source module's rows, checked to carry only the indicators it declares."""
    out = m.rows(ctx)
    out = out if isinstance(out, pd.DataFrame) else pd.DataFrame(out)
    stray = set(out.indicator_id) - set(m.INDICATORS) if len(out) else set()
    if stray:
        raise RawDataError(f"source {m.__name__} wrote indicators it does not declare: {sorted(stray)}")
    return out


# --------------------------------------------------------------------------- assemble
def build_tables(raw: Raw, ctx=None, progress=lambda items: items) -> dict[str, pd.DataFrame]:
    """``progress`` wraps the sources as they are read (a progress bar on a terminal)."""
    ctx = ctx or sources.Context(raw)
    unknown = {i for m in sources.MODULES for i in m.INDICATORS} - set(catalogue.INDICATOR_IDS)
    if unknown:
        raise RawDataError(f"sources declare indicators missing from the catalogue: {sorted(unknown)}")
    values = pd.concat(
        [source_rows(ctx, m) for m in progress([m for m in sources.MODULES if hasattr(m, "rows")])], ignore_index=True
    )
    values = pd.concat(
        [values, estimate_on_2022(values, ctx.crosswalk), estimate_on_2014(values, ctx.crosswalk)], ignore_index=True
    )
    for m in sources.MODULES:
        if hasattr(m, "derive"):
            values = pd.concat([values, m.derive(ctx, values)], ignore_index=True)
    overrides = {
        ind: f
        for m in sources.MODULES
        if hasattr(m, "indicator_overrides")
        for ind, f in m.indicator_overrides(ctx).items()
    }
    indicators = indicators_table(source_caveats(ctx), overrides)
    values = with_intervals(values, indicators)
    values = finalise_values(values)

    areas = areas_table(ctx)
    unknown = set(values.area_code) - set(areas.area_code)
    if unknown:
        raise RawDataError(f"values refer to areas with no name: {sorted(unknown)[:5]}")
    geoms = geography.geometries(raw)
    return {
        "values": values,
        "areas": areas,
        "indicators": indicators,
        "sources": sources_table(raw),
        "lookups": geography.lookups_table(ctx),
        "geometries": geoms,
        "topology": geography.topologies(geoms),
        "neighbours": dfe_sn.neighbours_table(ctx),
    }


def validate(tables: dict[str, pd.DataFrame]) -> None:
    for name, sch in (
        ("values", schema.VALUES),
        ("areas", schema.AREAS),
        ("indicators", schema.INDICATORS),
        ("sources", schema.SOURCES),
        ("lookups", schema.LOOKUPS),
        ("topology", schema.TOPOLOGY),
        ("neighbours", schema.NEIGHBOURS),
    ):
        try:
            sch.validate(tables[name], lazy=True)
        except schema.pa.errors.SchemaErrors as e:
            raise RawDataError(f"built table {name!r} fails its schema:\n{e.failure_cases.head(10).to_string()}") from e
    schema.GEOMETRIES.validate(pd.DataFrame(tables["geometries"]))


def write(tables: dict[str, pd.DataFrame], out: Path) -> dict[str, int]:
    """Write all tables to a temp folder beside ``out``, then move them into place."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    try:
        for name, df in tables.items():
            path = tmp / f"{name}.parquet"
            if isinstance(df, gpd.GeoDataFrame):
                df.to_parquet(path, index=False, compression="zstd", write_covering_bbox=False)
            else:
                df.to_parquet(path, index=False, compression="zstd")
        sizes = {p.name: p.stat().st_size for p in sorted(tmp.iterdir())}
        for p in sorted(tmp.iterdir()):
            os.replace(p, out / p.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sizes


def build(
    raw_dir: Path | str, out: Path | str = DATA_DIR, fallbacks=(), log=None, progress=lambda i: i
) -> dict[str, int]:
    """Build from ``raw_dir`` (then each of ``fallbacks`` for a file it lacks) into ``out``.
    ``log``: a list that receives the build-log lines (revisions and anomalies found in the sources)."""
    raw = Raw(raw_dir, *fallbacks)
    ctx = sources.Context(raw)
    tables = build_tables(raw, ctx, progress)
    validate(tables)
    if log is not None:
        log.extend(ctx.log)
    return write(tables, Path(out))


def _progress(items):
    """A progress bar over the sources on a terminal; plain iteration in logs and CI."""
    if not sys.stderr.isatty():
        return items
    from tqdm import tqdm  # noqa: PLC0415 (only with a terminal)

    return tqdm(items, desc="sources", unit="source", leave=False, file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loaders.build", description=__doc__.splitlines()[0])
    ap.add_argument("--raw", default=str(DEFAULT_RAW), help="raw folder (default ../shared/data/raw)")
    ap.add_argument("--out", default=str(DATA_DIR), help="output folder (default data/)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        lines: list[str] = []
        sizes = build(args.raw, args.out, fallbacks=raw_fallbacks(args.raw), log=lines, progress=_progress)
    except RawDataError as e:
        print(f"build failed: {e}", file=sys.stderr)
        print("the previous extracts in data/ were left untouched", file=sys.stderr)
        return 1
    for line in lines:
        print(f"note: {line}")
    for name, n in sizes.items():
        print(f"{name:22s} {n:>9,d} bytes")
    print(f"built in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
