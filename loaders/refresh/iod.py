"""MHCLG English Indices of Deprivation 2025, File 7 (national CSV on GOV.UK's asset service).

The national file (about 10 MB) is kept as served in ``iod/`` and the build's extract is cut from it:
the header and the rows of one local authority, byte for byte (CRLF kept), as
``IoD2025_File7_Bromley.csv`` (``IoD2025_File7_<LA code>.csv`` for another council). The request is
conditional (ETag / Last-Modified), so an unchanged file is not downloaded again.
"""

from __future__ import annotations

import csv
import io

from loaders.codes import BROMLEY
from loaders.raw import RAW_FILES
from loaders.refresh.base import Context, SchemaDrift, SourceError, check_columns
from loaders.refresh.cache import Stage

NAME = "iod"
ASSET = "media/691ded56d140bbbaa59a2a7d/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
NATIONAL = "iod/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
LA_COLUMN = "Local Authority District code (2024)"


def extract_name(la: str) -> str:
    return RAW_FILES["iod2025"].path if la == BROMLEY else f"IoD2025_File7_{la}.csv"


def run(ctx: Context, stage: Stage) -> list[str]:
    url = ctx.url(ASSET)
    out = extract_name(ctx.la)
    if ctx.dry_run:
        ctx.planned.append(f"{url} -> {NATIONAL} -> {out}")
        return []
    prev = ctx.cache.entry(NATIONAL) if ctx.cache.entry(out) else None
    got = ctx.client.download(url, stage.file(NATIONAL), previous=prev, label="IoD2025 File 7")
    if got.not_modified:
        stage.keep(NATIONAL)
        stage.keep(out)
        return [f"{NATIONAL}: not modified since {prev.get('last_modified') or prev.get('fetched_at')} (HTTP 304)"]
    raw = stage.file(NATIONAL).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = text.splitlines(keepends=True)
    if not lines:
        raise SourceError(f"{NAME}: {NATIONAL} is empty")
    header = next(csv.reader(io.StringIO(lines[0])))
    check_columns(NAME, NATIONAL, header, RAW_FILES["iod2025"].columns)
    i = header.index(LA_COLUMN)
    rows = [ln for ln in lines[1:] if ln.strip() and next(csv.reader(io.StringIO(ln)))[i] == ctx.la]
    if not rows:
        raise SourceError(f"{NAME}: {NATIONAL} has no rows for {ctx.la} in column {LA_COLUMN!r}")
    widths = {len(next(csv.reader(io.StringIO(ln)))) for ln in rows}
    if widths != {len(header)}:
        raise SchemaDrift(NAME, NATIONAL, LA_COLUMN, f"rows have {sorted(widths)} fields, header {len(header)}")
    stage.file(out).write_bytes(
        (lines[0] + "".join(rows)).encode("ascii", errors="strict")
        if text.isascii()
        else (lines[0] + "".join(rows)).encode("utf-8")
    )
    stage.add(NATIONAL, got.manifest())
    stage.add(
        out,
        got.manifest(),
        derived_from=NATIONAL,
        derivation=f"header and the {len(rows)} rows with {LA_COLUMN} = {ctx.la}",
    )
    return [f"{out}: {len(rows)} LSOAs of {ctx.la}"]
