"""Boundaries, LSOA -> ward lookups and the LSOA frame every small-area source shares.

Not a source of values: it supplies Bromley's LSOAs of both vintages (with their wards, children
and IDACI), the LSOA 2011 -> 2021 links, the 2014 -> 2022 ward crosswalk, the lookups table, the
map geometries and their TopoJSON, and the names of wards and LSOAs.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from loaders import geo
from loaders.catalogue import OGL, ONS_ATTR
from loaders.codes import BROMLEY, ENGLAND, WARDS_2014, WARDS_2022
from loaders.raw import Raw, RawDataError, RawFile, expect_codes, expect_count, numeric, register

RAW = [
    RawFile("wards2014_geo", "wards_2020_E09000006.geojson"),
    RawFile("wards2022_geo", "wards_2022_E09000006.geojson"),
    RawFile("lsoa2011_geo", "lsoa11_E09000006.geojson"),
    RawFile("lsoa2021_geo", "lsoa21_E09000006.geojson"),
    RawFile("london_wards_geo", "london_wards_2014/London_Ward.shp"),
    RawFile("london_wards_dbf", "london_wards_2014/London_Ward.dbf"),
    RawFile("london_wards_shx", "london_wards_2014/London_Ward.shx"),
    RawFile("london_wards_prj", "london_wards_2014/London_Ward.prj"),
    RawFile(
        "lookup_lsoa11_wd20",
        "LSOA11_WD20_LAD20_EW_LU.csv",
        "utf-8-sig",
        ("LSOA11CD", "LSOA11NM", "WD20CD", "WD20NM", "LAD20CD", "LAD20NM"),
    ),
    RawFile(
        "lookup_lsoa21_wd25",
        "LSOA_(2021)_to_Electoral_Ward_(2025)_to_LAD_(2025)_Best_Fit_Lookup_in_EW_v2.csv",
        "utf-8-sig",
        ("LSOA21CD", "LSOA21NM", "WD25CD", "WD25NM", "LAD25CD"),
    ),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "ons_wards_2020": dict(
        raw=["wards2014_geo"],
        licence=OGL,
        publisher="Office for National Statistics",
        title="Wards (December 2020) Boundaries UK (generalised); Bromley features",
        url="https://geoportal.statistics.gov.uk/",
        attribution=ONS_ATTR.format(year=2020),
    ),
    "ons_wards_2022": dict(
        raw=["wards2022_geo"],
        licence=OGL,
        publisher="Office for National Statistics",
        title="Wards (May 2022) Boundaries UK (generalised); Bromley features",
        url="https://geoportal.statistics.gov.uk/",
        attribution=ONS_ATTR.format(year=2022),
    ),
    "ons_lsoa_2011": dict(
        raw=["lsoa2011_geo"],
        licence=OGL,
        publisher="Office for National Statistics",
        title="LSOA (December 2011) Boundaries EW (generalised); Bromley features",
        url="https://geoportal.statistics.gov.uk/",
        attribution=ONS_ATTR.format(year=2011),
    ),
    "ons_lsoa_2021": dict(
        raw=["lsoa2021_geo"],
        licence=OGL,
        publisher="Office for National Statistics",
        title="LSOA (December 2021) Boundaries EW (generalised); Bromley features",
        url="https://geoportal.statistics.gov.uk/",
        attribution=ONS_ATTR.format(year=2021),
    ),
    "gla_london_wards_2014": dict(
        raw=["london_wards_geo", "london_wards_dbf", "london_wards_shx", "london_wards_prj"],
        licence=OGL,
        publisher="Greater London Authority",
        title="Statistical GIS Boundary Files for London: London_Ward (2014 wards)",
        url="https://data.london.gov.uk/dataset/statistical-gis-boundary-files-london",
        attribution="Contains National Statistics data © Crown copyright and database right 2014; Contains Ordnance Survey data © Crown copyright and database right 2014",
    ),
    "ons_lookup_lsoa11_wd20": dict(
        raw=["lookup_lsoa11_wd20"],
        licence=OGL,
        publisher="Office for National Statistics",
        title="Lower Layer Super Output Area (2011) to Ward (2020) to LAD (2020) Lookup in England and Wales",
        url="https://geoportal.statistics.gov.uk/",
        attribution=ONS_ATTR.format(year=2020),
    ),
    "ons_lookup_lsoa21_wd25": dict(
        raw=["lookup_lsoa21_wd25"],
        licence=OGL,
        publisher="Office for National Statistics",
        title="LSOA (2021) to Electoral Ward (2025) to LAD (2025) Best Fit Lookup in EW (v2)",
        url="https://geoportal.statistics.gov.uk/",
        attribution=ONS_ATTR.format(year=2025),
    ),
}
INDICATORS: list[str] = []
AREA_PRIORITY = 0


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

    cols19 = (
        "LSOA code (2011)",
        "Local Authority District code (2019)",
        "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
        "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)",
    )
    idaci19 = raw.excel("iod2019", "IDACI and IDAOPI", cols19)
    pop19 = raw.excel(
        "iod2019",
        "Population figures",
        ("LSOA code (2011)", "Dependent Children aged 0-15: mid 2015 (excluding prisoners)"),
    )
    und19 = raw.excel(
        "iod2019",
        "Underlying indicators",
        ("LSOA code (2011)", "Income Deprivation Affecting Children Index (IDACI) numerator"),
    )
    l19 = pd.DataFrame(
        {
            "lsoa11": idaci19["LSOA code (2011)"],
            "la": idaci19["Local Authority District code (2019)"],
            "score": numeric(idaci19, cols19[2], "ID 2019 for London.xlsx [IDACI and IDAOPI]"),
            "decile": numeric(idaci19, cols19[3], "ID 2019 for London.xlsx [IDACI and IDAOPI]"),
        }
    )
    l19 = l19.merge(
        pd.DataFrame(
            {
                "lsoa11": pop19["LSOA code (2011)"],
                "children15": numeric(
                    pop19,
                    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
                    "ID 2019 for London.xlsx [Population figures]",
                ),
            }
        ),
        on="lsoa11",
        how="left",
        validate="1:1",
    ).merge(
        pd.DataFrame(
            {
                "lsoa11": und19["LSOA code (2011)"],
                "num19": numeric(
                    und19,
                    "Income Deprivation Affecting Children Index (IDACI) numerator",
                    "ID 2019 for London.xlsx [Underlying indicators]",
                    allow_missing=True,
                ),
            }
        ),
        on="lsoa11",
        how="left",
        validate="1:1",
    )
    expect_count("ID 2019 for London.xlsx, London LSOAs", len(l19), 4835)
    # The published numerators are rounded to 5 and suppressed when small, so ward and
    # London values use score x children (as the IoD defines the score); the published
    # numerators are only checked to agree with that within their rounding.
    l19["num_published"] = l19.num19
    l19["num19"] = l19.score * l19.children15
    # Observed here: at most 9.7 children (3.7% of an LSOA's children) apart.
    gap = ((l19.num_published - l19.num19).abs() / l19.children15).max()
    if gap > 0.05:
        raise RawDataError(
            f"ID 2019 for London.xlsx: IDACI numerators disagree with score x children ({gap:.1%} of children)"
        )

    b19 = l19[l19.la == BROMLEY].merge(
        lu11[["LSOA11CD", "LSOA11NM", "WD20CD"]], left_on="lsoa11", right_on="LSOA11CD", how="right", validate="1:1"
    )
    expect_codes("ID 2019 for London.xlsx, Bromley LSOAs", b19.lsoa11.dropna(), lu11.LSOA11CD)

    f7 = raw.csv("iod2025")
    f7 = f7[f7["Local Authority District code (2024)"] == BROMLEY]
    expect_count("IoD2025_File7_Bromley.csv, Bromley rows", len(f7), 199)
    c = "Income Deprivation Affecting Children Index (IDACI) "
    b25 = pd.DataFrame(
        {
            "lsoa21": f7["LSOA code (2021)"],
            "name21": f7["LSOA name (2021)"],
            "score": numeric(f7, c + "Score (rate)", "IoD2025_File7_Bromley.csv"),
            "decile": numeric(f7, c + "Decile (where 1 is most deprived 10% of LSOAs)", "IoD2025_File7_Bromley.csv"),
            "children22": numeric(f7, "Dependent Children aged 0-15: mid 2022", "IoD2025_File7_Bromley.csv"),
        }
    ).merge(lu21[["LSOA21CD", "WD25CD"]], left_on="lsoa21", right_on="LSOA21CD", how="left", validate="1:1")
    expect_codes("IoD2025_File7_Bromley.csv, LSOA codes", b25.lsoa21, lu21.LSOA21CD)
    b25["num25"] = b25.score * b25.children22

    census = raw.csv("census_ts007a")
    census = census[census["geography code"].isin(b25.lsoa21)]
    expect_count("census2021-ts007a-lsoa.csv, Bromley rows", len(census), 199)
    bands = {
        "0-4": "Age: Aged 4 years and under",
        "5-9": "Age: Aged 5 to 9 years",
        "10-14": "Age: Aged 10 to 14 years",
        "15-19": "Age: Aged 15 to 19 years",
    }
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
    hit = gpd.sjoin(
        pts.set_crs(geo.BNG, allow_override=True), g11[g11.LSOA11CD.isin(old)].to_crs(geo.BNG), predicate="within"
    )
    if set(hit.LSOA21CD) != set(new):
        raise RawDataError(
            f"lsoa21_E09000006.geojson: cannot place new LSOAs {sorted(set(new) - set(hit.LSOA21CD))} in a 2011 LSOA"
        )
    link = pd.concat(
        [
            pd.DataFrame({"lsoa11": same, "lsoa21": same}),
            hit[["LSOA11CD", "LSOA21CD"]].rename(columns={"LSOA11CD": "lsoa11", "LSOA21CD": "lsoa21"}),
        ]
    )
    link = link.merge(b25[["lsoa21", "children22"]], on="lsoa21")
    link["share"] = link.children22 / link.groupby("lsoa11").children22.transform("sum")
    return link.sort_values(["lsoa11", "lsoa21"]).reset_index(drop=True)


def crosswalk(b25, link, b19) -> pd.DataFrame:
    c = (
        b25[["lsoa21", "WD25CD", "children22"]]
        .merge(link[["lsoa11", "lsoa21"]], on="lsoa21")
        .merge(b19[["lsoa11", "WD20CD"]], on="lsoa11")
    )
    cw = c.groupby(["WD20CD", "WD25CD"], as_index=False).children22.sum()
    cw["share_of_from"] = cw.children22 / cw.groupby("WD20CD").children22.transform("sum")
    cw["share_of_to"] = cw.children22 / cw.groupby("WD25CD").children22.transform("sum")
    return pd.DataFrame(
        {
            "from_code": cw.WD20CD,
            "from_type": "ward2014",
            "to_code": cw.WD25CD,
            "to_type": "ward2022",
            "children": cw.children22,
            "share_of_from": cw.share_of_from,
            "share_of_to": cw.share_of_to,
            "method": "LSOA 2021 children aged 0-15 (mid-2022), best-fit LSOA lookups",
        }
    )


def lookups_table(ctx) -> pd.DataFrame:
    """LSOA -> ward best-fit lookups, LSOA 2011 -> 2021 links and the 2014 -> 2022 ward crosswalk."""
    _, b19, b25 = ctx.lsoa
    link = ctx.link
    return (
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "from_code": b19.lsoa11,
                        "from_type": "lsoa2011",
                        "to_code": b19.WD20CD,
                        "to_type": "ward2014",
                        "children": b19.children15,
                        "share_of_from": 1.0,
                        "share_of_to": b19.children15 / b19.groupby("WD20CD").children15.transform("sum"),
                        "method": "ONS best-fit LSOA11 -> WD20 lookup; children mid-2015",
                    }
                ),
                pd.DataFrame(
                    {
                        "from_code": b25.lsoa21,
                        "from_type": "lsoa2021",
                        "to_code": b25.WD25CD,
                        "to_type": "ward2022",
                        "children": b25.children22,
                        "share_of_from": 1.0,
                        "share_of_to": b25.children22 / b25.groupby("WD25CD").children22.transform("sum"),
                        "method": "ONS best-fit LSOA21 -> WD25 lookup; children mid-2022",
                    }
                ),
                pd.DataFrame(
                    {
                        "from_code": link.lsoa11,
                        "from_type": "lsoa2011",
                        "to_code": link.lsoa21,
                        "to_type": "lsoa2021",
                        "children": link.children22,
                        "share_of_from": link.share,
                        "share_of_to": 1.0,
                        "method": "same code, or 2021 split located by interior point; children mid-2022",
                    }
                ),
                ctx.crosswalk,
            ],
            ignore_index=True,
        )
        .sort_values(["from_type", "to_type", "from_code", "to_code"])
        .reset_index(drop=True)
    )


def areas(ctx) -> pd.DataFrame:
    """Bromley's wards (both schemes, names from the boundary files), its LSOAs, and England."""
    raw = ctx.raw
    _, b19, b25 = ctx.lsoa
    g14 = raw.geo("wards2014_geo", "WD20CD", name_col="WD20NM")
    g22 = raw.geo("wards2022_geo", "WD22CD", name_col="WD22NM")
    rows = [(r.WD22CD, r.WD22NM, "ward2022", BROMLEY) for r in g22.itertuples()]
    rows += [(r.WD20CD, r.WD20NM, "ward2014", BROMLEY) for r in g14.itertuples()]
    rows += [(r.lsoa11, r.LSOA11NM, "lsoa2011", r.WD20CD) for r in b19.itertuples()]
    rows += [(r.lsoa21, r.name21, "lsoa2021", r.WD25CD) for r in b25.itertuples()]
    rows.append((ENGLAND, "England", "country", None))
    return pd.DataFrame(rows, columns=["area_code", "area_name", "area_type", "parent_code"])


# --------------------------------------------------------------------------- geometry
def geometries(raw: Raw) -> gpd.GeoDataFrame:
    layers = [
        geo.simplify_layer(raw.geo("wards2014_geo", "WD20CD"), "WD20CD", "ward2014", 10),
        geo.simplify_layer(raw.geo("wards2022_geo", "WD22CD"), "WD22CD", "ward2022", 10),
        geo.simplify_layer(raw.geo("lsoa2011_geo", "LSOA11CD"), "LSOA11CD", "lsoa2011", 10),
        geo.simplify_layer(raw.geo("lsoa2021_geo", "LSOA21CD"), "LSOA21CD", "lsoa2021", 10),
        geo.simplify_layer(
            raw.geo("london_wards_geo", "GSS_CODE", crs_if_missing=geo.BNG), "GSS_CODE", "london_ward2014", 40
        ),
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
