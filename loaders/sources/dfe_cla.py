"""DfE children looked after at 31 March: number, 0-17 population and rate per 10,000 (England, regions, LAs).

Two editions of the same EES file: reporting year 2023 (years 2019-2023) and reporting year 2025
(2021-2025, ``dfe_csc/``). Years in both come from the newer one; the build log lists where the two
disagree (revised counts or populations), and 2019-2020 come from the older.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.catalogue import OGL
from loaders.codes import BROMLEY, ENGLAND
from loaders.raw import Raw, RawDataError, RawFile, numeric, register
from loaders.rows import row
from loaders.sources.gla_ward_profiles import la_areas

COMMON = (
    "time_period",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "la_name",
    "new_la_code",
    "population_estimate",
    "rate_per_10000",
)
RAW = [
    RawFile("cla", "cla_number_and_rate_per_10k_children.csv", "utf-8-sig", COMMON + ("population_count", "number")),
    RawFile(
        "cla_2025",
        "dfe_csc/cla_number_and_rate_per_10k_children.csv",
        "utf-8-sig",
        COMMON + ("population_type", "children_count"),
    ),
]
register(*RAW)
# per file: (column holding the measure label, the label, the column holding the count)
LAYOUT = {
    "cla": ("population_count", "Children looked after at 31 March each year", "number"),
    "cla_2025": ("population_type", "Children looked after on 31 March each year", "children_count"),
}

SOURCES: dict[str, dict] = {
    "dfe_cla": dict(
        raw=["cla", "cla_2025"],
        licence=OGL,
        publisher="Department for Education",
        title="Children looked after in England including adoptions: number and rate per 10,000 children (reporting years 2023 and 2025 editions; 2019-2025)",
        url="https://explore-education-statistics.service.gov.uk/find-statistics/children-looked-after-in-england-including-adoptions",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DfE)",
    ),
}
INDICATORS = ["cla_rate"]
AREA_PRIORITY = 50
BROMLEY_YEARS = 7  # 2019-2025


def rows(ctx) -> list[dict]:
    return ctx.memo("dfe_cla", lambda: cla_rows(ctx))[0]


def areas(ctx) -> pd.DataFrame:
    """Local authorities in their regions, and the regions in England."""
    a = ctx.memo("dfe_cla", lambda: cla_rows(ctx))[1]
    las = la_areas(
        a.rename(columns={"code": "area_code", "name": "area_name"}), a.set_index("code").region_code.to_dict()
    )
    regions = a.loc[a.atype == "region", ["code", "name"]]
    return pd.concat(
        [
            las,
            pd.DataFrame(
                {"area_code": regions.code, "area_name": regions.name, "area_type": "region", "parent_code": ENGLAND}
            ),
        ],
        ignore_index=True,
    )


def read(raw: Raw, key: str) -> pd.DataFrame:
    """One edition: code, name, atype, region_code, year, number, population, published rate."""
    label_col, label, count_col = LAYOUT[key]
    name = raw.relpath(key)
    d = raw.csv(key, dtype=str)
    d = d[d[label_col] == label].copy()
    if d.empty:
        raise RawDataError(f"{name}: no '{label}' rows (column {label_col})")
    d["code"] = np.select(
        [d.geographic_level == "National", d.geographic_level == "Regional"],
        [d.country_code, d.region_code],
        d.new_la_code,
    )
    d["name"] = np.select(
        [d.geographic_level == "National", d.geographic_level == "Regional"], [d.country_name, d.region_name], d.la_name
    )
    d["atype"] = d.geographic_level.map({"National": "country", "Regional": "region", "Local authority": "la"})
    if d.atype.isna().any():
        raise RawDataError(f"{name}: unexpected geographic_level values {sorted(d.geographic_level.unique())}")
    d = d.drop_duplicates(["time_period", "code"])
    return pd.DataFrame(
        {
            "code": d.code,
            "name": d["name"],
            "atype": d.atype,
            "region_code": d.region_code,
            "year": d.time_period.astype(int),
            "number": numeric(d, count_col, name, allow_missing=True),
            "population": numeric(d, "population_estimate", name, allow_missing=True),
            "rate": numeric(d, "rate_per_10000", name, allow_missing=True),
            "file": name,
        }
    )


def revisions(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Areas and years in both editions whose count or population differ."""
    m = old.merge(new, on=["code", "year"], suffixes=("_old", "_new"))
    changed = ~(np.isclose(m.number_old, m.number_new) | (m.number_old.isna() & m.number_new.isna())) | ~(
        np.isclose(m.population_old, m.population_new) | (m.population_old.isna() & m.population_new.isna())
    )
    return m[changed]


def cla_rows(ctx) -> tuple[list[dict], pd.DataFrame]:
    raw = ctx.raw
    old, new = read(raw, "cla"), read(raw, "cla_2025")
    rev = revisions(old, new)
    b = rev[rev.code == BROMLEY]
    ctx.log.append(
        f"DfE children looked after: years {sorted(set(old.year) & set(new.year))} are in both editions; the newer "
        f"(reporting year 2025) is used. {len(rev)} area-years were revised"
        + (
            ": Bromley "
            + "; ".join(
                f"{r.year} count {r.number_old:g} -> {r.number_new:g}, population "
                f"{r.population_old:g} -> {r.population_new:g}"
                for r in b.itertuples()
            )
            if len(b)
            else ""
        )
        + "."
    )
    d = pd.concat([old[~old.year.isin(new.year)], new], ignore_index=True)
    rows = []
    for r in d.itertuples():
        if np.isnan(r.number) or np.isnan(r.population):
            continue  # 'z' / 'x': not applicable (e.g. authorities that no longer exist)
        rows.append(
            row(
                "cla_rate",
                r.code,
                r.atype,
                f"31 Mar {r.year}",
                r.number / r.population * 10000,
                numerator=r.number,
                denominator=r.population,
                source="dfe_cla",
                note=f"rate computed from the published count and 0-17 population (published rounded: {r.rate:g}; {r.file})",
            )
        )
    bromley = [x for x in rows if x["area_code"] == BROMLEY]
    if len(bromley) != BROMLEY_YEARS:
        raise RawDataError(
            f"{raw.relpath('cla_2025')}: expected {BROMLEY_YEARS} years of Bromley (E09000006) rows "
            f"(2019-2020 from {raw.relpath('cla')}), found {len(bromley)}"
        )
    areas = pd.concat([new, old])[["code", "name", "atype", "region_code"]].drop_duplicates("code")
    return rows, areas
