"""Build the Parquet extracts in ``data/`` from the raw public files.

    python -m loaders.build [--raw ../shared/data/raw] [--out data]

Everything is written to a temporary folder first and validated with pandera;
only then are the files moved into place, so a failed build leaves the previous
extracts untouched. The output is deterministic: rebuilding from the same raw
files reproduces the same bytes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from loaders import catalogue, geo, illustrative, periods, schema
from loaders.intervals import with_intervals
from loaders.codes import BROMLEY, ENGLAND, LONDON
from loaders.raw import DEFAULT_RAW, Raw, RawDataError, expect_codes, expect_count, numeric

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
WARDS_2014 = [f"E05000{n}" for n in range(106, 128)]
WARDS_2022 = [f"E0501{n:04d}" for n in range(3987, 4009)]


def _row(indicator, code, area_type, period, value, *, numerator=np.nan, denominator=np.nan,
         breakdown="All", source, note="", decile=pd.NA, illustrative=False, estimate=False):
    start, end = periods.bounds(period)
    return dict(indicator_id=indicator, area_code=code, area_type=area_type, period=period,
                period_start=start, period_end=end, breakdown=breakdown, value=value,
                numerator=numerator, denominator=denominator, national_decile=decile,
                is_illustrative=illustrative, is_estimate=estimate, is_suppressed=False,
                note=note, source_id=source)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- LSOAs
def lsoa_tables(raw: Raw):
    """Bromley LSOAs of both vintages with their wards, children and IDACI; London IoD2019 totals."""
    lu11 = raw.csv("lookup_lsoa11_wd20")
    lu11 = lu11[lu11.LAD20CD == BROMLEY]
    expect_count(f"{raw.path('lookup_lsoa11_wd20').name}, Bromley rows", len(lu11), 197)
    expect_codes(f"{raw.path('lookup_lsoa11_wd20').name}, Bromley wards", lu11.WD20CD, WARDS_2014)

    lu21 = raw.csv("lookup_lsoa21_wd25")
    lu21 = lu21[lu21.LAD25CD == BROMLEY]
    expect_count(f"{raw.path('lookup_lsoa21_wd25').name}, Bromley rows", len(lu21), 199)
    expect_codes(f"{raw.path('lookup_lsoa21_wd25').name}, Bromley wards", lu21.WD25CD, WARDS_2022)

    cols19 = ("LSOA code (2011)", "Local Authority District code (2019)",
              "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
              "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)")
    idaci19 = raw.excel("iod2019", "IDACI and IDAOPI", cols19)
    pop19 = raw.excel("iod2019", "Population figures",
                      ("LSOA code (2011)", "Dependent Children aged 0-15: mid 2015 (excluding prisoners)"))
    und19 = raw.excel("iod2019", "Underlying indicators",
                      ("LSOA code (2011)", "Income Deprivation Affecting Children Index (IDACI) numerator"))
    l19 = pd.DataFrame({
        "lsoa11": idaci19["LSOA code (2011)"],
        "la": idaci19["Local Authority District code (2019)"],
        "score": numeric(idaci19, cols19[2], "ID 2019 for London.xlsx [IDACI and IDAOPI]"),
        "decile": numeric(idaci19, cols19[3], "ID 2019 for London.xlsx [IDACI and IDAOPI]"),
    })
    l19 = l19.merge(pd.DataFrame({
        "lsoa11": pop19["LSOA code (2011)"],
        "children15": numeric(pop19, "Dependent Children aged 0-15: mid 2015 (excluding prisoners)", "ID 2019 for London.xlsx [Population figures]"),
    }), on="lsoa11", how="left", validate="1:1").merge(pd.DataFrame({
        "lsoa11": und19["LSOA code (2011)"],
        "num19": numeric(und19, "Income Deprivation Affecting Children Index (IDACI) numerator", "ID 2019 for London.xlsx [Underlying indicators]", allow_missing=True),
    }), on="lsoa11", how="left", validate="1:1")
    expect_count("ID 2019 for London.xlsx, London LSOAs", len(l19), 4835)
    # The published numerators are rounded to 5 and suppressed when small, so ward and
    # London values use score x children (as the IoD defines the score); the published
    # numerators are only checked to agree with that within their rounding.
    l19["num_published"] = l19.num19
    l19["num19"] = l19.score * l19.children15
    # Observed here: at most 9.7 children (3.7% of an LSOA's children) apart.
    gap = ((l19.num_published - l19.num19).abs() / l19.children15).max()
    if gap > 0.05:
        raise RawDataError(f"ID 2019 for London.xlsx: IDACI numerators disagree with score x children ({gap:.1%} of children)")

    b19 = l19[l19.la == BROMLEY].merge(lu11[["LSOA11CD", "LSOA11NM", "WD20CD"]], left_on="lsoa11",
                                         right_on="LSOA11CD", how="right", validate="1:1")
    expect_codes("ID 2019 for London.xlsx, Bromley LSOAs", b19.lsoa11.dropna(), lu11.LSOA11CD)

    f7 = raw.csv("iod2025")
    f7 = f7[f7["Local Authority District code (2024)"] == BROMLEY]
    expect_count("IoD2025_File7_Bromley.csv, Bromley rows", len(f7), 199)
    c = "Income Deprivation Affecting Children Index (IDACI) "
    b25 = pd.DataFrame({
        "lsoa21": f7["LSOA code (2021)"],
        "name21": f7["LSOA name (2021)"],
        "score": numeric(f7, c + "Score (rate)", "IoD2025_File7_Bromley.csv"),
        "decile": numeric(f7, c + "Decile (where 1 is most deprived 10% of LSOAs)", "IoD2025_File7_Bromley.csv"),
        "children22": numeric(f7, "Dependent Children aged 0-15: mid 2022", "IoD2025_File7_Bromley.csv"),
    }).merge(lu21[["LSOA21CD", "WD25CD"]], left_on="lsoa21", right_on="LSOA21CD", how="left", validate="1:1")
    expect_codes("IoD2025_File7_Bromley.csv, LSOA codes", b25.lsoa21, lu21.LSOA21CD)
    b25["num25"] = b25.score * b25.children22

    census = raw.csv("census_ts007a")
    census = census[census["geography code"].isin(b25.lsoa21)]
    expect_count("census2021-ts007a-lsoa.csv, Bromley rows", len(census), 199)
    bands = {"0-4": "Age: Aged 4 years and under", "5-9": "Age: Aged 5 to 9 years",
             "10-14": "Age: Aged 10 to 14 years", "15-19": "Age: Aged 15 to 19 years"}
    cen = pd.DataFrame({"lsoa21": census["geography code"]})
    for k, col in bands.items():
        cen[k] = numeric(census, col, "census2021-ts007a-lsoa.csv")
    b25 = b25.merge(cen, on="lsoa21", validate="1:1")
    return l19, b19, b25


def lsoa_link(raw: Raw, b19: pd.DataFrame, b25: pd.DataFrame) -> pd.DataFrame:
    """LSOA 2011 -> 2021 links for Bromley, with the share of the 2011 LSOA's children in each.

    Unchanged codes link 1:1. The two 2011 LSOAs split in 2021 are matched to their
    parts by location (each 2021 part's interior point lies in its 2011 parent), and
    the parent's children are shared by the parts' mid-2022 children.
    """
    same = sorted(set(b19.lsoa11) & set(b25.lsoa21))
    new = sorted(set(b25.lsoa21) - set(b19.lsoa11))
    old = sorted(set(b19.lsoa11) - set(b25.lsoa21))
    g11 = raw.geo("lsoa2011_geo", "LSOA11CD")
    g21 = raw.geo("lsoa2021_geo", "LSOA21CD")
    pts = g21[g21.LSOA21CD.isin(new)].copy()
    pts["geometry"] = pts.geometry.to_crs(geo.BNG).representative_point()
    hit = gpd.sjoin(pts.set_crs(geo.BNG, allow_override=True),
                    g11[g11.LSOA11CD.isin(old)].to_crs(geo.BNG), predicate="within")
    if set(hit.LSOA21CD) != set(new):
        raise RawDataError(f"lsoa21_E09000006.geojson: cannot place new LSOAs {sorted(set(new) - set(hit.LSOA21CD))} in a 2011 LSOA")
    link = pd.concat([pd.DataFrame({"lsoa11": same, "lsoa21": same}),
                      hit[["LSOA11CD", "LSOA21CD"]].rename(columns={"LSOA11CD": "lsoa11", "LSOA21CD": "lsoa21"})])
    link = link.merge(b25[["lsoa21", "children22"]], on="lsoa21")
    link["share"] = link.children22 / link.groupby("lsoa11").children22.transform("sum")
    return link.sort_values(["lsoa11", "lsoa21"]).reset_index(drop=True)


# --------------------------------------------------------------------------- IDACI + population
def idaci_rows(l19, b19, b25, link) -> list[dict]:
    rows = []
    src19, src25 = "mhclg_iod2019", "mhclg_iod2025"
    # LSOA level
    for r in b19.itertuples():
        rows.append(_row("idaci", r.lsoa11, "lsoa2011", "2019", r.score * 100, numerator=r.num19,
                         denominator=r.children15, decile=int(r.decile), source=src19,
                         note="numerator = score x children aged 0-15 (mid-2015); published numerators are rounded to 5"))
        rows.append(_row("child_population", r.lsoa11, "lsoa2011", "mid-2015", r.children15, source=src19))
    for r in b25.itertuples():
        rows.append(_row("idaci", r.lsoa21, "lsoa2021", "2025", r.score * 100, numerator=r.num25,
                         denominator=r.children22, decile=int(r.decile), source=src25,
                         note="numerator derived as score x children aged 0-15 (mid-2022)"))
        rows.append(_row("child_population", r.lsoa21, "lsoa2021", "mid-2022", r.children22, source=src25))

    # Assign every LSOA's counts to both ward schemes.
    w19 = b19[["lsoa11", "WD20CD", "num19", "children15", "decile"]].rename(columns={"WD20CD": "ward2014"})
    w19 = w19.merge(link[["lsoa11", "lsoa21", "share"]], on="lsoa11").merge(
        b25[["lsoa21", "WD25CD"]].rename(columns={"WD25CD": "ward2022"}), on="lsoa21")
    for col in ("num19", "children15"):
        w19[col] = w19[col] * w19.share
    w25 = b25[["lsoa21", "WD25CD", "num25", "children22", "decile"]].rename(columns={"WD25CD": "ward2022"})
    w25 = w25.merge(link[["lsoa11", "lsoa21"]], on="lsoa21").merge(
        b19[["lsoa11", "WD20CD"]].rename(columns={"WD20CD": "ward2014"}), on="lsoa11")

    for period, frame, num, den, src, popperiod in (("2019", w19, "num19", "children15", src19, "mid-2015"),
                                                    ("2025", w25, "num25", "children22", src25, "mid-2022")):
        frame = frame.assign(dep20=np.where(frame.decile <= 2, frame[den], 0.0))
        for scheme in ("ward2014", "ward2022", "la"):
            key = frame[scheme] if scheme != "la" else pd.Series(BROMLEY, index=frame.index)
            agg = frame.groupby(key)[[num, den, "dep20"]].sum().sort_index()
            atype = "la" if scheme == "la" else scheme
            for code, a in agg.iterrows():
                rows.append(_row("idaci", code, atype, period, a[num] / a[den] * 100, numerator=a[num],
                                 denominator=a[den], source=src,
                                 note="sum of LSOA score x children / sum of children (best-fit LSOA lookup)"))
                rows.append(_row("idaci_most_deprived_20", code, atype, period, a.dep20 / a[den] * 100,
                                 numerator=a.dep20, denominator=a[den], source=src,
                                 note="children in LSOAs in national IDACI deciles 1-2"))
                rows.append(_row("child_population", code, atype, popperiod, round(a[den], 6), source=src))

    lon = l19[["num19", "children15"]].sum()
    rows.append(_row("idaci", LONDON, "region", "2019", lon.num19 / lon.children15 * 100, numerator=lon.num19,
                     denominator=lon.children15, source=src19,
                     note=f"all {len(l19)} London LSOAs: sum of score x children / sum of children"))
    lon_dep = l19.loc[l19.decile <= 2, "children15"].sum()
    rows.append(_row("idaci_most_deprived_20", LONDON, "region", "2019", lon_dep / lon.children15 * 100,
                     numerator=lon_dep, denominator=lon.children15, source=src19))
    return rows


def census_rows(b25, link, b19) -> list[dict]:
    rows = []
    src = "ons_census2021_ts007a"
    bands = ["0-4", "5-9", "10-14"]
    c = b25[["lsoa21", "WD25CD"] + bands].copy()
    c["All"] = c[bands].sum(axis=1)
    c = c.merge(link[["lsoa11", "lsoa21"]], on="lsoa21").merge(b19[["lsoa11", "WD20CD"]], on="lsoa11")
    c["la"] = BROMLEY
    for scheme, col in (("lsoa2021", "lsoa21"), ("ward2022", "WD25CD"), ("ward2014", "WD20CD"), ("la", "la")):
        agg = c.groupby(col)[bands + ["All"]].sum().sort_index()
        for code, a in agg.iterrows():
            for b in bands + ["All"]:
                rows.append(_row("census_children_0_14", code, scheme, "2021", float(a[b]), breakdown=b, source=src))
    return rows


# --------------------------------------------------------------------------- GLA ward atlas / profiles
ATLAS_POOLED = ["2008/09 to 2010/11", "2009/10 to 2011/12", "2010/11 to 2012/13", "2011/12 to 2013/14"]


def atlas_rows(raw: Raw) -> tuple[list[dict], pd.DataFrame]:
    a = raw.csv("ward_atlas")
    name = "ward-atlas-data.csv"
    london_wards = a[a["New Code"].str.startswith("E05", na=False)]
    expect_codes(f"{name}, Bromley wards", london_wards.loc[london_wards.Borough == "Bromley", "New Code"], WARDS_2014)
    if len(london_wards) < 600:
        raise RawDataError(f"{name}: expected about 625 London wards, found {len(london_wards)}")
    keep = a[a["New Code"].str.startswith("E05", na=False) | a["New Code"].isin([LONDON, ENGLAND])].copy()
    keep["area_type"] = np.where(keep["New Code"] == LONDON, "region",
                                 np.where(keep["New Code"] == ENGLAND, "country", "ward2014"))
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
            rows.append(_row(indicator, code, atype, period, float(v), source=src, note=note, **kw))

    for yr in range(2006, 2013):
        add("child_poverty", f"Children in Poverty; % of children aged under 16 in poverty; {yr}", str(yr),
            note="HMRC children in poverty (under 16), via GLA ward atlas")
    for yr in range(2010, 2015):
        add("children_out_of_work",
            f"Out-of-Work Families; Rates children (0-18) living in Out-of-work Benefit Claimant Households; {yr}", str(yr),
            count_col=f"Out-of-Work Families; Numbers children (0-18) living in Out-of-work Benefit Claimant Households; {yr}",
            note="count rounded to 5 by DWP; denominator = count / rate")
    for p in ATLAS_POOLED:
        label = p.replace(" to ", "-")
        add("obesity_reception", f"Childhood Obesity Prevalence; Reception (age 4-5 years); {p}: % obese", label,
            note="NCMP, 3 years pooled, via GLA ward atlas")
        add("obesity_year6", f"Childhood Obesity Prevalence; Year 6 (age 10-11); {p}: % obese", label,
            note="NCMP, 3 years pooled, via GLA ward atlas")

    areas = keep.loc[keep.area_type == "ward2014", ["New Code", "Names", "Borough"]].rename(
        columns={"New Code": "area_code", "Names": "area_name", "Borough": "borough"})
    return rows, areas


def profile_rows(raw: Raw) -> tuple[list[dict], pd.DataFrame]:
    """Borough values from the GLA ward profiles (the atlas has no borough rows)."""
    w = raw.csv("ward_profiles")
    name = "ward_data.csv"
    boroughs = w[w["New code"].str.startswith("E09", na=False)].drop_duplicates("New code")  # City of London is listed twice
    expect_count(f"{name}, London boroughs", len(boroughs), 33)
    rows = []
    src = "gla_ward_profiles"
    for ind, col in (("obesity_reception", "% children in reception year who are obese - 2011/12 to 2013/14"),
                     ("obesity_year6", "% children in year 6 who are obese- 2011/12 to 2013/14")):
        vals = numeric(boroughs, col, name, allow_missing=True)
        for code, v in zip(boroughs["New code"], vals):
            if not np.isnan(v):
                rows.append(_row(ind, code, "la", "2011/12-2013/14", float(v), source=src,
                                 note="NCMP, 3 years pooled, via GLA ward profiles"))
    las = boroughs[["New code", "Ward name"]].rename(columns={"New code": "area_code", "Ward name": "area_name"})
    return rows, las


# --------------------------------------------------------------------------- LA series
def cla_rows(raw: Raw) -> tuple[list[dict], pd.DataFrame]:
    d = raw.csv("cla", dtype=str)
    name = "cla_number_and_rate_per_10k_children.csv"
    d = d[d.population_count == "Children looked after at 31 March each year"].copy()
    if d.empty:
        raise RawDataError(f"{name}: no 'Children looked after at 31 March each year' rows (column population_count)")
    d["code"] = np.select([d.geographic_level == "National", d.geographic_level == "Regional"],
                          [d.country_code, d.region_code], d.new_la_code)
    d["name"] = np.select([d.geographic_level == "National", d.geographic_level == "Regional"],
                          [d.country_name, d.region_name], d.la_name)
    d["atype"] = d.geographic_level.map({"National": "country", "Regional": "region", "Local authority": "la"})
    if d.atype.isna().any():
        raise RawDataError(f"{name}: unexpected geographic_level values {sorted(d.geographic_level.unique())}")
    d = d.drop_duplicates(["time_period", "code"])
    num = numeric(d, "number", name, allow_missing=True)
    den = numeric(d, "population_estimate", name, allow_missing=True)
    rate = numeric(d, "rate_per_10000", name, allow_missing=True)
    rows = []
    for i, r in enumerate(d.itertuples()):
        if np.isnan(num.iloc[i]) or np.isnan(den.iloc[i]):
            continue  # 'z': not applicable (e.g. authorities that no longer exist)
        rows.append(_row("cla_rate", r.code, r.atype, f"31 Mar {r.time_period}", num.iloc[i] / den.iloc[i] * 10000,
                         numerator=num.iloc[i], denominator=den.iloc[i], source="dfe_cla",
                         note=f"rate computed from the published count and 0-17 population (published rounded: {rate.iloc[i]:g})"))
    bromley = [x for x in rows if x["area_code"] == BROMLEY]
    if len(bromley) != 5:
        raise RawDataError(f"{name}: expected 5 years of Bromley (E09000006) rows, found {len(bromley)}")
    areas = d[["code", "name", "atype", "region_code"]].drop_duplicates("code")
    return rows, areas


def la_tidy_rows(raw: Raw, key: str, indicators: dict[str, str], source: str, note: str,
                 keep=lambda df: df) -> tuple[list[dict], pd.DataFrame]:
    d = keep(raw.csv(key)).drop_duplicates()
    name = raw.path(key).name
    rows = []
    for label, ind in indicators.items():
        sub = d[d.indicator == label]
        if sub.empty:
            raise RawDataError(f"{name}: no rows for indicator {label!r}")
        vals = numeric(sub, "value", name, allow_missing=True)
        for code, period, v in zip(sub.area_code, sub.period.astype(str), vals):
            if np.isnan(v):
                continue
            atype = "country" if code == ENGLAND else "la"
            rows.append(_row(ind, code, atype, period, float(v), source=source, note=note))
    if not any(r["area_code"] == BROMLEY for r in rows):
        raise RawDataError(f"{name}: no Bromley (E09000006) rows")
    return rows, d[["area_code", "area_name"]].drop_duplicates("area_code")


# --------------------------------------------------------------------------- crosswalk
def crosswalk(b25, link, b19) -> pd.DataFrame:
    c = b25[["lsoa21", "WD25CD", "children22"]].merge(link[["lsoa11", "lsoa21"]], on="lsoa21").merge(
        b19[["lsoa11", "WD20CD"]], on="lsoa11")
    cw = c.groupby(["WD20CD", "WD25CD"], as_index=False).children22.sum()
    cw["share_of_from"] = cw.children22 / cw.groupby("WD20CD").children22.transform("sum")
    cw["share_of_to"] = cw.children22 / cw.groupby("WD25CD").children22.transform("sum")
    return pd.DataFrame({
        "from_code": cw.WD20CD, "from_type": "ward2014", "to_code": cw.WD25CD, "to_type": "ward2022",
        "children": cw.children22, "share_of_from": cw.share_of_from, "share_of_to": cw.share_of_to,
        "method": "LSOA 2021 children aged 0-15 (mid-2022), best-fit LSOA lookups",
    })


def estimate_on_2022(values: pd.DataFrame, cw: pd.DataFrame) -> pd.DataFrame:
    """Show 2014-ward series on 2022 wards, weighting by child population. Flagged as estimates.

    Percentages: the 2022 ward's value is the child-weighted mean of the 2014 wards
    its children live in. Where counts exist they are apportioned by the share of
    each 2014 ward's children, and the value recomputed from them.
    """
    src = values[(values.area_type == "ward2014") & values.area_code.isin(WARDS_2014)
                 & values.indicator_id.isin(["child_poverty", "children_out_of_work", "obesity_reception", "obesity_year6"])]
    m = src.merge(cw, left_on="area_code", right_on="from_code")
    m["wv"] = m.value * m.share_of_to
    m["num"] = m.numerator * m.share_of_from
    m["den"] = m.denominator * m.share_of_from
    g = m.groupby(["indicator_id", "to_code", "period", "period_start", "period_end", "breakdown", "source_id"],
                  as_index=False).agg(value=("wv", "sum"), numerator=("num", "sum"), denominator=("den", "sum"),
                                      n=("num", "count"))
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


def illustrative_inputs(values: pd.DataFrame, b25: pd.DataFrame) -> pd.DataFrame:
    w = values[(values.area_type == "ward2022") & (values.period == "2025") & (values.indicator_id == "idaci")]
    w = w[["area_code", "denominator", "value"]].rename(columns={"denominator": "children", "value": "idaci"})
    a = b25.groupby("WD25CD")["15-19"].sum().rename("age15_19")
    return w.merge(a, left_on="area_code", right_index=True, validate="1:1")


# --------------------------------------------------------------------------- areas, geometry
def geometries(raw: Raw) -> gpd.GeoDataFrame:
    layers = [
        geo.simplify_layer(raw.geo("wards2014_geo", "WD20CD"), "WD20CD", "ward2014", 10),
        geo.simplify_layer(raw.geo("wards2022_geo", "WD22CD"), "WD22CD", "ward2022", 10),
        geo.simplify_layer(raw.geo("lsoa2011_geo", "LSOA11CD"), "LSOA11CD", "lsoa2011", 10),
        geo.simplify_layer(raw.geo("lsoa2021_geo", "LSOA21CD"), "LSOA21CD", "lsoa2021", 10),
        geo.simplify_layer(raw.geo("london_wards_geo", "GSS_CODE", crs_if_missing=geo.BNG), "GSS_CODE", "london_ward2014", 40),
    ]
    expect_codes("wards_2020_E09000006.geojson", layers[0].area_code, WARDS_2014)
    expect_codes("wards_2022_E09000006.geojson", layers[1].area_code, WARDS_2022)
    expect_count("lsoa11_E09000006.geojson features", len(layers[2]), 197)
    expect_count("lsoa21_E09000006.geojson features", len(layers[3]), 199)
    expect_count("London_Ward.shp features", len(layers[4]), 649)
    for lay in layers:
        p = geo.coverage_problems(lay)
        if p["invalid"] or p["overlap_m2"] > 50:
            raise RawDataError(f"simplified {lay.layer.iloc[0]} boundaries are not a clean coverage: {p}")
    return gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), crs=geo.WGS84)


MAX_TOPOLOGY_SHIFT_M = 5  # quantising to 5 m cells moves a vertex by half a cell's diagonal (3.5 m) at most


def topologies(geoms: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each layer as TopoJSON for the maps, checked against the boundaries it encodes."""
    rows = []
    for layer, g in geoms.groupby("layer", sort=True):
        g = g.sort_values("area_code").reset_index(drop=True)
        text = geo.topology(g)
        topo = json.loads(text)
        codes = [x["id"] for x in topo["objects"][geo.OBJECT]["geometries"]]
        if codes != g.area_code.tolist():
            raise RawDataError(f"{layer} TopoJSON lists {len(codes)} areas, not the {len(g)} boundaries")
        drawn = gpd.GeoSeries(geo.decode(topo), crs=geo.WGS84).to_crs(geo.BNG)
        exact = gpd.GeoSeries(g.geometry.values, crs=geo.WGS84).to_crs(geo.BNG)
        moved = max(shapely.hausdorff_distance(a, b) for a, b in zip(drawn.values, exact.values))
        if moved > MAX_TOPOLOGY_SHIFT_M:
            raise RawDataError(f"{layer} TopoJSON moves a boundary by {moved:.1f} m (limit {MAX_TOPOLOGY_SHIFT_M} m)")
        rows.append({"layer": layer, "n_areas": len(g), "topojson": text})
    return pd.DataFrame(rows)


def areas_table(raw: Raw, b19, b25, atlas_areas, la_names: list[pd.DataFrame], cla_areas) -> pd.DataFrame:
    g14 = raw.geo("wards2014_geo", "WD20CD", name_col="WD20NM")
    g22 = raw.geo("wards2022_geo", "WD22CD", name_col="WD22NM")
    lu11 = raw.csv("lookup_lsoa11_wd20")
    rows = []
    for r in g22.itertuples():
        rows.append((r.WD22CD, r.WD22NM, "ward2022", BROMLEY))
    bromley14 = set(g14.WD20CD)
    for r in g14.itertuples():
        rows.append((r.WD20CD, r.WD20NM, "ward2014", BROMLEY))
    lu11 = lu11.drop_duplicates("WD20CD").set_index("WD20CD")
    for r in atlas_areas.itertuples():
        if r.area_code not in bromley14:
            la = lu11.LAD20CD.get(r.area_code)
            rows.append((r.area_code, r.area_name, "ward2014", la if isinstance(la, str) else None))
    for r in b19.itertuples():
        rows.append((r.lsoa11, r.LSOA11NM, "lsoa2011", r.WD20CD))
    for r in b25.itertuples():
        rows.append((r.lsoa21, r.name21, "lsoa2021", r.WD25CD))
    las = pd.concat(la_names + [cla_areas.rename(columns={"code": "area_code", "name": "area_name"})])
    las = las[las.area_code.str.match(r"^E0[6-9]|^E10")].drop_duplicates("area_code")
    cla_parent = cla_areas.set_index("code").region_code.to_dict()
    for r in las.itertuples():
        rows.append((r.area_code, r.area_name, "la", cla_parent.get(r.area_code, LONDON if r.area_code.startswith("E09") else None)))
    for code, nm in cla_areas.loc[cla_areas.atype == "region", ["code", "name"]].itertuples(index=False):
        rows.append((code, nm, "region", ENGLAND))
    rows.append((ENGLAND, "England", "country", None))
    df = pd.DataFrame(rows, columns=["area_code", "area_name", "area_type", "parent_code"])
    df["area_name"] = df.area_name.str.replace(" UA$", "", regex=True)
    df = df.drop_duplicates(["area_code", "area_type"]).sort_values(["area_type", "area_code"]).reset_index(drop=True)
    df["is_bromley"] = (df.area_code == BROMLEY) | (df.parent_code == BROMLEY) | (
        df.area_type.str.startswith("lsoa"))
    df["is_stat_neighbour"] = df.area_type.eq("la") & df.area_name.isin(catalogue.STAT_NEIGHBOURS)
    missing = set(catalogue.STAT_NEIGHBOURS) - set(df.loc[df.is_stat_neighbour, "area_name"])
    if missing:
        raise RawDataError(f"cla_number_and_rate_per_10k_children.csv: statistical neighbours not found: {sorted(missing)}")
    return df


def sources_table(raw: Raw) -> pd.DataFrame:
    rows = []
    for sid, s in catalogue.SOURCES.items():
        for key in s["raw"]:
            rows.append(dict(source_id=sid, publisher=s["publisher"], title=s["title"], url=s["url"],
                             licence=catalogue.OGL if sid != "illustrative" else "Derived from OGL v3.0 sources",
                             attribution=s["attribution"], raw_file=raw.path(key).name, sha256=raw.sha256(key)))
    return pd.DataFrame(rows)


def indicators_table() -> pd.DataFrame:
    df = pd.DataFrame(catalogue.INDICATORS).rename(columns={"id": "indicator_id"})
    return df[list(schema.INDICATORS.columns)]


# --------------------------------------------------------------------------- assemble
def build_tables(raw: Raw) -> dict[str, pd.DataFrame]:
    l19, b19, b25 = lsoa_tables(raw)
    link = lsoa_link(raw, b19, b25)
    rows = idaci_rows(l19, b19, b25, link) + census_rows(b25, link, b19)
    arows, atlas_areas = atlas_rows(raw)
    prow, boroughs = profile_rows(raw)
    crows, cla_areas = cla_rows(raw)
    nrows, neet_areas = la_tidy_rows(raw, "neet", {
        "Not in education, employment or training (NEET)(16-17 years old)": "neet",
        "Not in education, employment or training (NEET)(inc not know)(16-17 years old)": "neet_or_not_known",
    }, "dfe_neet", "as published (1 decimal place), no counts")
    prow2, pov_areas = la_tidy_rows(raw, "la_child_poverty", {
        "% of children living in relative low income families: Aged 0-15": "child_poverty",
    }, "dwp_cilif", "DWP relative low income, aged 0-15 (LA measure; not comparable with the ward HMRC series)")
    annual = lambda df: df[df.inequality.isna() & df.area_type.isin(["UA", "County", "Country", "District"])
                           & ~df.indicator.str.contains("combined")]
    orows, ob_areas = la_tidy_rows(raw, "la_obese_reception", {
        "Reception prevalence of obesity (including severe obesity)": "obesity_reception"},
        "ohid_ncmp_la", "annual, including severe obesity", keep=annual)
    yrows, _ = la_tidy_rows(raw, "la_obese_year6", {
        "Year 6 prevalence of obesity (including severe obesity)": "obesity_year6"},
        "ohid_ncmp_la", "annual, including severe obesity", keep=annual)

    values = _frame(rows + arows + prow + crows + nrows + prow2 + orows + yrows)
    cw = crosswalk(b25, link, b19)
    values = pd.concat([values, estimate_on_2022(values, cw)], ignore_index=True)
    values = pd.concat([values, illustrative.generate(illustrative_inputs(values, b25), crows, nrows)],
                       ignore_index=True)
    indicators = indicators_table()
    values = with_intervals(values, indicators)
    values = finalise_values(values)

    lsoa_lu = pd.concat([
        pd.DataFrame({"from_code": b19.lsoa11, "from_type": "lsoa2011", "to_code": b19.WD20CD, "to_type": "ward2014",
                      "children": b19.children15, "share_of_from": 1.0,
                      "share_of_to": b19.children15 / b19.groupby("WD20CD").children15.transform("sum"),
                      "method": "ONS best-fit LSOA11 -> WD20 lookup; children mid-2015"}),
        pd.DataFrame({"from_code": b25.lsoa21, "from_type": "lsoa2021", "to_code": b25.WD25CD, "to_type": "ward2022",
                      "children": b25.children22, "share_of_from": 1.0,
                      "share_of_to": b25.children22 / b25.groupby("WD25CD").children22.transform("sum"),
                      "method": "ONS best-fit LSOA21 -> WD25 lookup; children mid-2022"}),
        pd.DataFrame({"from_code": link.lsoa11, "from_type": "lsoa2011", "to_code": link.lsoa21, "to_type": "lsoa2021",
                      "children": link.children22, "share_of_from": link.share,
                      "share_of_to": 1.0, "method": "same code, or 2021 split located by interior point; children mid-2022"}),
        cw,
    ], ignore_index=True).sort_values(["from_type", "to_type", "from_code", "to_code"]).reset_index(drop=True)

    areas = areas_table(raw, b19, b25, atlas_areas, [boroughs, neet_areas, pov_areas, ob_areas], cla_areas)
    unknown = set(values.area_code) - set(areas.area_code)
    if unknown:
        raise RawDataError(f"values refer to areas with no name: {sorted(unknown)[:5]}")
    geoms = geometries(raw)
    return {
        "values": values, "areas": areas, "indicators": indicators, "sources": sources_table(raw),
        "lookups": lsoa_lu, "geometries": geoms, "topology": topologies(geoms),
    }


def finalise_values(v: pd.DataFrame) -> pd.DataFrame:
    cols = list(schema.VALUES.columns)
    v = v[cols].copy()
    for c in ("value", "numerator", "denominator", "lower95", "upper95", "lower998", "upper998"):
        v[c] = v[c].astype(float).round(9)
    v["national_decile"] = v.national_decile.astype("Int8")
    for c in ("period_start", "period_end"):
        v[c] = pd.to_datetime(v[c]).astype("datetime64[ms]")
    for c in ("indicator_id", "area_code", "area_type", "period", "breakdown", "note", "source_id"):
        v[c] = v[c].astype(str)
    return v.sort_values(["indicator_id", "area_type", "area_code", "period_start", "breakdown"]).reset_index(drop=True)


def validate(tables: dict[str, pd.DataFrame]) -> None:
    for name, sch in (("values", schema.VALUES), ("areas", schema.AREAS), ("indicators", schema.INDICATORS),
                      ("sources", schema.SOURCES), ("lookups", schema.LOOKUPS), ("topology", schema.TOPOLOGY)):
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


def build(raw_dir: Path | str, out: Path | str = DATA_DIR) -> dict[str, int]:
    raw = Raw(raw_dir)
    tables = build_tables(raw)
    validate(tables)
    return write(tables, Path(out))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loaders.build", description=__doc__.splitlines()[0])
    ap.add_argument("--raw", default=str(DEFAULT_RAW), help="raw folder (default ../shared/data/raw)")
    ap.add_argument("--out", default=str(DATA_DIR), help="output folder (default data/)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        sizes = build(args.raw, args.out)
    except RawDataError as e:
        print(f"build failed: {e}", file=sys.stderr)
        print("the previous extracts in data/ were left untouched", file=sys.stderr)
        return 1
    for name, n in sizes.items():
        print(f"{name:22s} {n:>9,d} bytes")
    print(f"built in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
