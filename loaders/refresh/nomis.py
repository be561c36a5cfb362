"""Nomis API: Census 2021 TS007A (age by five-year bands) for the LSOAs of one local authority.

``dataset/NM_2020_1.data.csv?date=latest&geography=<LA>TYPE151&measures=20100`` answers in Nomis's long
``.data.csv`` layout (``DATE_NAME, GEOGRAPHY_NAME, GEOGRAPHY_CODE, <DIM>_NAME, OBS_VALUE, ...,
RECORD_OFFSET, RECORD_COUNT``). Pages follow ``recordoffset`` until ``RECORD_OFFSET`` reaches
``RECORD_COUNT``. The pages are kept together in ``nomis/`` and the build's wide file is derived from them
with the bulk download's column names (``date, geography, geography code, Age: <band>``) as
``census2021-ts007a-lsoa.csv``.
"""

from __future__ import annotations

import io

import pandas as pd

from loaders.raw import RAW_FILES
from loaders.refresh.base import Context, SchemaDrift, SourceError, read_csv_checked, stage_frame
from loaders.refresh.cache import Stage

NAME = "nomis"
DATASET = "NM_2020_1"
REQUIRED = ("DATE_NAME", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "MEASURES", "OBS_VALUE", "RECORD_OFFSET", "RECORD_COUNT")
STANDARD = {"DATE", "GEOGRAPHY", "MEASURES", "OBS_STATUS", "OBS_CONF"}
PAGE = 25000
MAX_PAGES = 200


def long_file(la: str) -> str:
    return f"nomis/{DATASET}_{la}.data.csv"


def run(ctx: Context, stage: Stage) -> list[str]:
    url = ctx.url(f"dataset/{DATASET}.data.csv")
    params = {"date": "latest", "geography": f"{ctx.la}TYPE151", "measures": 20100}
    wide_rel = RAW_FILES["census_ts007a"].path
    if ctx.dry_run:
        ctx.planned.append(f"{url}?date=latest&geography={ctx.la}TYPE151&measures=20100 (paged) -> {wide_rel}")
        return []
    frames, offset, total, got, n = [], 0, None, None, 0
    while True:
        n += 1
        if n > MAX_PAGES:
            raise SourceError(f"{NAME}: {DATASET}: more than {MAX_PAGES} pages; stopped")
        part = stage.file(f"nomis/.page{n}.csv")
        got = ctx.client.download(url, part, params={**params, "recordoffset": offset}, label=f"nomis page {n}")
        df = read_csv_checked(NAME, long_file(ctx.la), part, REQUIRED, dtype=str, keep_default_na=False)
        part.unlink()
        if df.empty:
            if offset == 0:
                raise SourceError(f"{NAME}: {DATASET} returned no rows for {ctx.la}")
            break
        frames.append(df)
        total = int(df.RECORD_COUNT.iloc[0])
        offset = int(df.RECORD_OFFSET.astype(int).max()) + 1
        if offset >= total:
            break
    data = pd.concat(frames, ignore_index=True)
    dims = [c[:-5] for c in data.columns if c.endswith("_NAME") and c[:-5] not in STANDARD]
    if len(dims) != 1:
        raise SchemaDrift(
            NAME,
            long_file(ctx.la),
            "<age dimension>_NAME",
            f"expected one category dimension besides {sorted(STANDARD)}, found {dims}",
        )
    dim = dims[0]
    stage_frame(stage, long_file(ctx.la), data, got.manifest(), pages=n, records=int(total or len(data)))
    values = pd.to_numeric(data.OBS_VALUE, errors="coerce")
    if values.isna().any():
        raise SchemaDrift(NAME, long_file(ctx.la), "OBS_VALUE", "has non-numeric values")
    wide = (
        data.assign(v=values, band="Age: " + data[f"{dim}_NAME"].str.strip())
        .pivot_table(
            index=["DATE_NAME", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE"],
            columns="band",
            values="v",
            aggfunc="sum",
            sort=False,
        )
        .reset_index()
    )
    wide.columns.name = None
    wide = wide.rename(columns={"DATE_NAME": "date", "GEOGRAPHY_NAME": "geography", "GEOGRAPHY_CODE": "geography code"})
    if "Age: Total" in wide.columns:
        wide = wide[
            ["date", "geography", "geography code", "Age: Total"]
            + [c for c in wide.columns if c.startswith("Age: ") and c != "Age: Total"]
        ]
    for c in wide.columns[3:]:
        wide[c] = wide[c].round().astype("int64")
    buf = io.BytesIO()
    wide.to_csv(buf, index=False)
    read_csv_checked(NAME, wide_rel, buf.getvalue(), RAW_FILES["census_ts007a"].columns)
    stage_frame(
        stage,
        wide_rel,
        wide,
        got.manifest(),
        derived_from=long_file(ctx.la),
        derivation=f"{DATASET} long pages pivoted to one row per LSOA (bulk-file column names)",
    )
    return [f"{wide_rel}: {len(wide)} LSOAs of {ctx.la}, {len(wide.columns) - 3} age columns, {n} page(s)"]
