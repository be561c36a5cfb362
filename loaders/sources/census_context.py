"""Census 2021 ward context: household deprivation, overcrowding, social renting, disability, ethnic group.

Household and resident measures (not children only), aggregated exactly from LSOA 2021 counts:

* 2022 wards, Bromley's and every London ward: whole LSOAs through the ONS LSOA (2021) -> ward (2025)
  best-fit lookup (Bromley's 2025 ward codes are its 2022 ones): sum of counts / sum of totals;
* 2014 wards: each 2021 LSOA through its 2011 LSOA (unchanged, or the one it was split from) to that
  LSOA's 2014 ward. Labelled ESTIMATE: LSOA 2021 boundaries do not nest in the 2014 wards;
* Bromley, every London borough and London: sums of their LSOAs (the London subsets of the tables);
* England: for TS011 and TS021, the sum of the England LSOA rows of the all-England Nomis exports
  (the other three tables have London subsets only here, so no England comparator).

Files: the London subsets of demographr's tidy copies of the Nomis bulk tables (TS011, TS052, TS054,
TS038, TS021) and two Nomis exports (TS011, TS021). ONS perturbs small counts (cell key method).
"""

from __future__ import annotations

import pandas as pd

from loaders.catalogue import OGL
from loaders.codes import BROMLEY, ENGLAND, LONDON, WARDS_2014, WARDS_2022
from loaders.raw import RawDataError, RawFile, expect_codes, numeric, register
from loaders.rows import row

D = "census2021_lsoa_demographr/"
RAW = [
    RawFile(
        "census_ts011_london",
        D + "LONDON_SUBSET_TS011_household_deprivation21_lsoa21.csv",
        "utf-8",
        ("lsoa21_code", "total_households", "deprivation_dimensions", "n", "ltla24_code"),
    ),
    RawFile(
        "census_ts052_london",
        D + "LONDON_SUBSET_TS052_household_overcrowding21_lsoa21.csv",
        "utf-8",
        ("lsoa21_code", "total_households", "occupancy_rating", "n", "ltla24_code"),
    ),
    RawFile(
        "census_ts054_london",
        D + "LONDON_SUBSET_TS054_household_tenure21_lsoa21.csv",
        "utf-8",
        ("lsoa21_code", "total_households", "tenure", "n", "ltla24_code"),
    ),
    RawFile(
        "census_ts038_london",
        D + "LONDON_SUBSET_TS038_disability21_lsoa21_ew.csv",
        "utf-8",
        ("lsoa21_code", "total_residents", "disability", "n", "ltla24_code"),
    ),
    RawFile(
        "census_ts021_london",
        D + "LONDON_SUBSET_TS021_ethnicity21_lsoa21.csv",
        "utf-8",
        ("lsoa21_code", "total_residents", "ethnic_group", "n", "ltla24_code"),
    ),
    RawFile("census_ts011_nomis", "census2021_lsoa_nomis/LSOA_Deprivation.csv", "utf-8"),
    RawFile("census_ts021_nomis", "census2021_lsoa_nomis/LSOA_Ethnicity.csv", "utf-8"),
]
register(*RAW)

_ATTR = "Source: Office for National Statistics licensed under the Open Government Licence v3.0 (Census 2021)"
SOURCES: dict[str, dict] = {
    "ons_census2021_context": dict(
        raw=[f.key for f in RAW],
        licence=OGL,
        publisher="Office for National Statistics (Nomis; tidied by British Red Cross demographr)",
        title="Census 2021 LSOA tables TS011 household deprivation dimensions, TS052 occupancy rating (bedrooms), TS054 tenure, TS038 disability, TS021 ethnic group (London LSOA subsets; England from Nomis exports of TS011 and TS021)",
        url="https://www.nomisweb.co.uk/sources/census_2021_bulk",
        attribution=_ATTR,
    ),
}

# indicator -> (London subset key, category column, categories counted, total column, England Nomis key)
TABLES = {
    "census_deprived_2plus": (
        "census_ts011_london",
        "deprivation_dimensions",
        [
            "Household is deprived in two dimensions",
            "Household is deprived in three dimensions",
            "Household is deprived in four dimensions",
        ],
        "total_households",
        "census_ts011_nomis",
    ),
    "census_overcrowded": (
        "census_ts052_london",
        "occupancy_rating",
        ["-1 (overcrowded)", "-2 or less (overcrowded)"],
        "total_households",
        None,
    ),
    "census_social_rented": (
        "census_ts054_london",
        "tenure",
        ["Social rented: Rents from council or Local Authority", "Social rented: Other social rented"],
        "total_households",
        None,
    ),
    "census_disabled": (
        "census_ts038_london",
        "disability",
        ["Disabled under the Equality Act"],
        "total_residents",
        None,
    ),
    "census_ethnic_minority": (
        "census_ts021_london",
        "ethnic_group",
        [
            "Asian, Asian British or Asian Welsh",
            "Black, Black British, Black Welsh, Caribbean or African",
            "Mixed or Multiple ethnic groups",
            "Other ethnic group",
        ],
        "total_residents",
        "census_ts021_nomis",
    ),
}
INDICATORS = list(TABLES)
AREA_PRIORITY = 80  # names of London 2025 wards the DWP workbook does not list
PERIOD = "2021"
SRC = "ons_census2021_context"


def lsoa_counts(raw, ind: str) -> pd.DataFrame:
    """London LSOAs: lsoa21, la, count (the categories summed), total."""
    key, col, cats, total, _ = TABLES[ind]
    d = raw.csv(key)
    name = raw.relpath(key)
    missing = set(cats) - set(d[col])
    if missing:
        raise RawDataError(f"{name}: categories {sorted(missing)} not found in column {col!r}")
    d = d.assign(n=numeric(d, "n", name), total=numeric(d, total, name))
    per = d.groupby("lsoa21_code").agg(la=("ltla24_code", "first"), total=("total", "first"))
    per["count"] = d[d[col].isin(cats)].groupby("lsoa21_code").n.sum()
    per["count"] = per["count"].fillna(0.0)
    if (per["count"] > per.total).any():
        raise RawDataError(f"{name}: counts above the LSOA total")
    return per.reset_index().rename(columns={"lsoa21_code": "lsoa21"})


def nomis_england(raw, ind: str) -> tuple[float, float] | None:
    """England: (count, total) summed over the England LSOA rows of the Nomis export, or None."""
    _, _, cats, _, key = TABLES[ind]
    if key is None:
        return None
    name = raw.relpath(key)
    d = raw.csv(key, skiprows=6, header=0, dtype=str)
    first = d.columns[0]
    d = d[d[first].astype(str).str.match(r"^E01\d{6} : ")]
    if not 30000 < len(d) < 40000:
        raise RawDataError(f"{name}: expected about 33,755 England LSOA rows, found {len(d)}")
    total_col = next(c for c in d.columns if str(c).startswith("Total:"))
    missing = [c for c in cats if c not in d.columns]
    if missing:
        raise RawDataError(f"{name}: missing expected column(s) {missing}")
    return float(sum(numeric(d, c, name).sum() for c in cats)), float(numeric(d, total_col, name).sum())


def _lookup_2022(ctx) -> pd.DataFrame:
    lu = ctx.lu21
    return lu[lu.LAD25CD.str.startswith("E09", na=False)][["LSOA21CD", "WD25CD", "WD25NM", "LAD25CD"]]


def rows(ctx) -> list[dict]:
    _, b19, b25 = ctx.lsoa
    link = ctx.link
    lu = _lookup_2022(ctx).set_index("LSOA21CD")
    to2014 = (
        b25[["lsoa21"]].merge(link[["lsoa11", "lsoa21"]], on="lsoa21").merge(b19[["lsoa11", "WD20CD"]], on="lsoa11")
    )
    to2014 = to2014.set_index("lsoa21").WD20CD
    out = []
    for ind, (key, _, _, total, _) in TABLES.items():
        unit = "households" if total == "total_households" else "usual residents"
        c = lsoa_counts(ctx.raw, ind)
        name = ctx.raw.relpath(key)
        if len(c) != 4994 or set(c.la) != {f"E090000{n:02d}" for n in range(1, 34)}:
            raise RawDataError(f"{name}: expected the 4,994 LSOAs of London's 33 boroughs, found {len(c)}")
        brom = c[c.la == BROMLEY]
        expect_codes(f"{name}, Bromley LSOAs", brom.lsoa21, b25.lsoa21)
        c["ward2022"] = c.lsoa21.map(lu.WD25CD)
        if c.ward2022.isna().any():
            raise RawDataError(
                f"{name}: LSOAs not in the LSOA -> ward lookup: {sorted(c.lsoa21[c.ward2022.isna()])[:5]}"
            )
        c["ward2014"] = c.lsoa21.map(to2014)
        how = f"sum of {unit} in whole LSOAs 2021 (ONS best-fit lookup)"
        for code, n, t in zip(brom.lsoa21, brom["count"], brom.total):
            out.append(
                row(
                    ind,
                    code,
                    "lsoa2021",
                    PERIOD,
                    n / t * 100,
                    numerator=n,
                    denominator=t,
                    source=SRC,
                    note=f"Census 2021, {unit}",
                )
            )
        g = c.groupby("ward2022")[["count", "total"]].sum()
        for code, a in g.iterrows():
            out.append(
                row(
                    ind,
                    code,
                    "ward2022",
                    PERIOD,
                    a["count"] / a.total * 100,
                    numerator=a["count"],
                    denominator=a.total,
                    source=SRC,
                    note=how,
                )
            )
        g = c[c.la == BROMLEY].groupby("ward2014")[["count", "total"]].sum()
        expect_codes(f"{name}, Bromley 2014 wards", g.index, WARDS_2014)
        for code, a in g.iterrows():
            out.append(
                row(
                    ind,
                    code,
                    "ward2014",
                    PERIOD,
                    a["count"] / a.total * 100,
                    numerator=a["count"],
                    denominator=a.total,
                    source=SRC,
                    estimate=True,
                    note="ESTIMATE: 2021 LSOAs assigned to 2014 wards through their 2011 LSOA (best fit)",
                )
            )
        g = c.groupby("la")[["count", "total"]].sum()
        for code, a in g.iterrows():
            out.append(
                row(
                    ind,
                    code,
                    "la",
                    PERIOD,
                    a["count"] / a.total * 100,
                    numerator=a["count"],
                    denominator=a.total,
                    source=SRC,
                    note=f"sum of the borough's LSOAs ({unit})",
                )
            )
        lon = c[["count", "total"]].sum()
        out.append(
            row(
                ind,
                LONDON,
                "region",
                PERIOD,
                lon["count"] / lon.total * 100,
                numerator=lon["count"],
                denominator=lon.total,
                source=SRC,
                note=f"sum of London's {len(c)} LSOAs ({unit})",
            )
        )
        eng = nomis_england(ctx.raw, ind)
        if eng is not None:
            out.append(
                row(
                    ind,
                    ENGLAND,
                    "country",
                    PERIOD,
                    eng[0] / eng[1] * 100,
                    numerator=eng[0],
                    denominator=eng[1],
                    source=SRC,
                    note=f"sum of England's LSOAs in the Nomis export ({ctx.raw.relpath(TABLES[ind][4])})",
                )
            )
        got = {r["area_code"] for r in out if r["indicator_id"] == ind and r["area_type"] == "ward2022"}
        if not set(WARDS_2022) <= got:
            raise RawDataError(f"{name}: Bromley wards missing after aggregation: {sorted(set(WARDS_2022) - got)}")
    return out


def areas(ctx) -> pd.DataFrame:
    """London 2025 wards from the ONS lookup (names only where no other source names them)."""
    lu = _lookup_2022(ctx).drop_duplicates("WD25CD")
    return pd.DataFrame(
        {"area_code": lu.WD25CD, "area_name": lu.WD25NM, "area_type": "ward2022", "parent_code": lu.LAD25CD}
    )
