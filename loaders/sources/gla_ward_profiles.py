"""GLA ward profiles 2015: borough NCMP obesity, 3-year pooled (the atlas has no borough rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.catalogue import OGL
from loaders.raw import Raw, RawFile, expect_count, numeric, register
from loaders.rows import row

RAW = [
    RawFile(
        "ward_profiles",
        "ward_data.csv",
        "cp1252",
        (
            "Ward name",
            "New code",
            "Children aged 0-15 - 2015",
            "% children in reception year who are obese - 2011/12 to 2013/14",
            "% children in year 6 who are obese- 2011/12 to 2013/14",
        ),
    ),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "gla_ward_profiles": dict(
        raw=["ward_profiles"],
        licence=OGL,
        publisher="Greater London Authority",
        title="Ward Profiles 2015 (ward-profiles-excel-version.csv)",
        url="https://data.london.gov.uk/dataset/ward-profiles-and-atlas",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (GLA Ward Profiles)",
    ),
}
INDICATORS = ["obesity_reception", "obesity_year6"]
AREA_PRIORITY = 10


def rows(ctx) -> list[dict]:
    return ctx.memo("gla_ward_profiles", lambda: profile_rows(ctx.raw))[0]


def areas(ctx) -> pd.DataFrame:
    return la_areas(ctx.memo("gla_ward_profiles", lambda: profile_rows(ctx.raw))[1])


def profile_rows(raw: Raw) -> tuple[list[dict], pd.DataFrame]:
    """Borough values from the GLA ward profiles (the atlas has no borough rows)."""
    w = raw.csv("ward_profiles")
    name = "ward_data.csv"
    boroughs = w[w["New code"].str.startswith("E09", na=False)].drop_duplicates(
        "New code"
    )  # City of London is listed twice
    expect_count(f"{name}, London boroughs", len(boroughs), 33)
    rows = []
    src = "gla_ward_profiles"
    for ind, col in (
        ("obesity_reception", "% children in reception year who are obese - 2011/12 to 2013/14"),
        ("obesity_year6", "% children in year 6 who are obese- 2011/12 to 2013/14"),
    ):
        vals = numeric(boroughs, col, name, allow_missing=True)
        for code, v in zip(boroughs["New code"], vals):
            if not np.isnan(v):
                rows.append(
                    row(
                        ind,
                        code,
                        "la",
                        "2011/12-2013/14",
                        float(v),
                        source=src,
                        note="NCMP, 3 years pooled, via GLA ward profiles",
                    )
                )
    las = boroughs[["New code", "Ward name"]].rename(columns={"New code": "area_code", "Ward name": "area_name"})
    return rows, las


def la_areas(names: pd.DataFrame, parents: dict | None = None) -> pd.DataFrame:
    """Local authorities (codes E06-E10) from a source's (area_code, area_name) pairs."""
    las = names[names.area_code.str.match(r"^E0[6-9]|^E10")].drop_duplicates("area_code")
    parents = parents or {}
    return pd.DataFrame(
        {
            "area_code": las.area_code,
            "area_name": las.area_name,
            "area_type": "la",
            "parent_code": [parents.get(c) for c in las.area_code],
        }
    )
