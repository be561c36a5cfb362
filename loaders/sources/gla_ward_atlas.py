"""GLA ward atlas (2014 wards, all London): HMRC child poverty 2006-2012, children in out-of-work households, NCMP obesity (3-year pooled)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.catalogue import OGL
from loaders.codes import ENGLAND, LONDON, WARDS_2014
from loaders.raw import Raw, RawDataError, RawFile, expect_codes, numeric, register
from loaders.rows import row

RAW = [
    RawFile("ward_atlas", "ward-atlas-data.csv", "cp1252", ("Codes", "New Code", "Borough", "Names")),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "gla_ward_atlas": dict(
        raw=["ward_atlas"],
        licence=OGL,
        publisher="Greater London Authority",
        title="Ward Profiles and Atlas (ward-atlas-data.csv)",
        url="https://data.london.gov.uk/dataset/ward-profiles-and-atlas",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (GLA Ward Profiles and Atlas)",
    ),
}
INDICATORS = ["child_poverty", "children_out_of_work", "obesity_reception", "obesity_year6"]
AREA_PRIORITY = 60


def rows(ctx) -> list[dict]:
    return ctx.memo("gla_ward_atlas", lambda: atlas_rows(ctx.raw))[0]


def areas(ctx) -> pd.DataFrame:
    """Every London 2014 ward the atlas lists, in its borough (from the LSOA 2011 -> ward 2020 lookup)."""
    w = ctx.memo("gla_ward_atlas", lambda: atlas_rows(ctx.raw))[1]
    la = ctx.lu11.drop_duplicates("WD20CD").set_index("WD20CD").LAD20CD
    parent = w.area_code.map(la)
    return pd.DataFrame(
        {
            "area_code": w.area_code,
            "area_name": w.area_name,
            "area_type": "ward2014",
            "parent_code": parent.where(parent.notna(), None),
        }
    )


ATLAS_POOLED = ["2008/09 to 2010/11", "2009/10 to 2011/12", "2010/11 to 2012/13", "2011/12 to 2013/14"]


def atlas_rows(raw: Raw) -> tuple[list[dict], pd.DataFrame]:
    a = raw.csv("ward_atlas")
    name = "ward-atlas-data.csv"
    london_wards = a[a["New Code"].str.startswith("E05", na=False)]
    expect_codes(f"{name}, Bromley wards", london_wards.loc[london_wards.Borough == "Bromley", "New Code"], WARDS_2014)
    if len(london_wards) < 600:
        raise RawDataError(f"{name}: expected about 625 London wards, found {len(london_wards)}")
    keep = a[a["New Code"].str.startswith("E05", na=False) | a["New Code"].isin([LONDON, ENGLAND])].copy()
    keep["area_type"] = np.where(
        keep["New Code"] == LONDON, "region", np.where(keep["New Code"] == ENGLAND, "country", "ward2014")
    )
    rows = []
    src = "gla_ward_atlas"

    def add(indicator, col, period, *, count_col=None, note=""):
        if col not in a.columns:
            raise RawDataError(f"{name}: missing column {col!r}")
        vals = numeric(keep, col, name, allow_missing=True)
        counts = numeric(keep, count_col, name, allow_missing=True) if count_col else None
        for i, (code, atype) in enumerate(zip(keep["New Code"], keep.area_type)):
            v = vals.iloc[i]
            if np.isnan(v):
                continue
            kw = {}
            if counts is not None and not np.isnan(counts.iloc[i]) and v > 0:
                kw = dict(numerator=counts.iloc[i], denominator=round(counts.iloc[i] / (v / 100), 1))
            rows.append(row(indicator, code, atype, period, float(v), source=src, note=note, **kw))

    for yr in range(2006, 2013):
        add(
            "child_poverty",
            f"Children in Poverty; % of children aged under 16 in poverty; {yr}",
            str(yr),
            note="HMRC children in poverty (under 16), via GLA ward atlas",
        )
    for yr in range(2010, 2015):
        add(
            "children_out_of_work",
            f"Out-of-Work Families; Rates children (0-18) living in Out-of-work Benefit Claimant Households; {yr}",
            str(yr),
            count_col=f"Out-of-Work Families; Numbers children (0-18) living in Out-of-work Benefit Claimant Households; {yr}",
            note="count rounded to 5 by DWP; denominator = count / rate",
        )
    for p in ATLAS_POOLED:
        label = p.replace(" to ", "-")
        add(
            "obesity_reception",
            f"Childhood Obesity Prevalence; Reception (age 4-5 years); {p}: % obese",
            label,
            note="NCMP, 3 years pooled, via GLA ward atlas",
        )
        add(
            "obesity_year6",
            f"Childhood Obesity Prevalence; Year 6 (age 10-11); {p}: % obese",
            label,
            note="NCMP, 3 years pooled, via GLA ward atlas",
        )

    areas = keep.loc[keep.area_type == "ward2014", ["New Code", "Names", "Borough"]].rename(
        columns={"New Code": "area_code", "Names": "area_name", "Borough": "borough"}
    )
    return rows, areas
