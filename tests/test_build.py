"""The build (loaders.build): reproducibility, real values recomputed from the raw files, and failure paths.

One fresh build from the raw folder is made per session (``built``) and shared by every test that
reads build output. The expected numbers are computed here from the raw files with plain pandas,
independently of the loaders.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from loaders import geo, schema
from loaders import sources as source_registry
from loaders.build import build, write
from loaders.raw import RAW_FILES, Raw, RawDataError

BROMLEY, LONDON, ENGLAND = "E09000006", "E12000007", "E92000001"
WARDS_2014 = {f"E05000{n}" for n in range(106, 128)}
WARDS_2022 = {f"E050{n}" for n in range(13987, 14009)}
OUTPUT_FILES = sorted(
    f"{t}.parquet"
    for t in ("values", "areas", "indicators", "sources", "lookups", "geometries", "topology", "neighbours")
)

CLA_CSV = "cla_number_and_rate_per_10k_children.csv"
LU11_CSV = "LSOA11_WD20_LAD20_EW_LU.csv"
LU21_CSV = "LSOA_(2021)_to_Electoral_Ward_(2025)_to_LAD_(2025)_Best_Fit_Lookup_in_EW_v2.csv"
IOD25_CSV = "IoD2025_File7_Bromley.csv"
IOD19_XLSX = "ID 2019 for London.xlsx"
IDACI_SCORE = "Income Deprivation Affecting Children Index (IDACI) Score (rate)"
CHILDREN_2022 = "Dependent Children aged 0-15: mid 2022"
CHILDREN_2015 = "Dependent Children aged 0-15: mid 2015 (excluding prisoners)"
NEET_LABEL = "Not in education, employment or training (NEET)(16-17 years old)"


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def only(df: pd.DataFrame, **eq) -> pd.Series:
    """The single row of ``df`` matching all ``column=value`` pairs."""
    mask = np.ones(len(df), dtype=bool)
    for col, val in eq.items():
        mask &= (df[col] == val).to_numpy()
    hit = df[mask]
    assert len(hit) == 1, f"expected one row for {eq}, found {len(hit)}"
    return hit.iloc[0]


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def built(raw_dir, tmp_path_factory) -> Path:
    """A fresh build from the raw folder (once per session, ~3 s)."""
    out = tmp_path_factory.mktemp("fresh_build")
    build(raw_dir, out)
    return out


@pytest.fixture(scope="session")
def values(built) -> pd.DataFrame:
    return pd.read_parquet(built / "values.parquet")


@pytest.fixture(scope="session")
def areas(built) -> pd.DataFrame:
    return pd.read_parquet(built / "areas.parquet")


@pytest.fixture(scope="session")
def lookups(built) -> pd.DataFrame:
    return pd.read_parquet(built / "lookups.parquet")


@pytest.fixture(scope="session")
def indicators(built) -> pd.DataFrame:
    return pd.read_parquet(built / "indicators.parquet")


@pytest.fixture(scope="session")
def sources(built) -> pd.DataFrame:
    return pd.read_parquet(built / "sources.parquet")


@pytest.fixture(scope="session")
def geometries(built) -> gpd.GeoDataFrame:
    return gpd.read_parquet(built / "geometries.parquet")


@pytest.fixture(scope="module")
def cla_raw(raw_dir) -> pd.DataFrame:
    """Children looked after at 31 March: 2019-2020 from the 2023 edition, 2021-2025 from the 2025 one."""
    d = pd.read_csv(raw_dir / CLA_CSV, encoding="utf-8-sig", dtype=str)
    d = d[d.population_count == "Children looked after at 31 March each year"]
    n = pd.read_csv(raw_dir / "dfe_csc" / CLA_CSV, encoding="utf-8-sig", dtype=str)
    n = n[n.population_type == "Children looked after on 31 March each year"].rename(
        columns={"children_count": "number"}
    )
    return pd.concat([d[d.time_period.astype(int) < 2021], n], ignore_index=True)


@pytest.fixture(scope="module")
def iod25(raw_dir) -> pd.DataFrame:
    """Bromley LSOAs 2021: IDACI 2025 score, children mid-2022 and best-fit 2022 ward."""
    f7 = pd.read_csv(raw_dir / IOD25_CSV)
    lu = pd.read_csv(raw_dir / LU21_CSV, encoding="utf-8-sig", usecols=["LSOA21CD", "WD25CD", "LAD25CD"])
    d = pd.DataFrame({"lsoa": f7["LSOA code (2021)"], "score": f7[IDACI_SCORE], "children": f7[CHILDREN_2022]})
    d = d.merge(lu[lu.LAD25CD == BROMLEY], left_on="lsoa", right_on="LSOA21CD", validate="1:1")
    assert len(d) == 199 and set(d.WD25CD) == WARDS_2022
    return d.rename(columns={"WD25CD": "ward"})[["lsoa", "ward", "score", "children"]]


@pytest.fixture(scope="module")
def iod19(raw_dir) -> pd.DataFrame:
    """All London LSOAs 2011: IDACI 2019 score, children mid-2015, LA, and (Bromley only) the 2014 ward."""
    xl = raw_dir / IOD19_XLSX
    sc = pd.read_excel(xl, sheet_name="IDACI and IDAOPI")
    pop = pd.read_excel(xl, sheet_name="Population figures")
    d = pd.DataFrame(
        {"lsoa": sc["LSOA code (2011)"], "la": sc["Local Authority District code (2019)"], "score": sc[IDACI_SCORE]}
    )
    d = d.merge(
        pd.DataFrame({"lsoa": pop["LSOA code (2011)"], "children": pop[CHILDREN_2015]}), on="lsoa", validate="1:1"
    )
    lu = pd.read_csv(raw_dir / LU11_CSV, encoding="utf-8-sig", usecols=["LSOA11CD", "WD20CD", "LAD20CD"])
    d = d.merge(
        lu[lu.LAD20CD == BROMLEY][["LSOA11CD", "WD20CD"]],
        left_on="lsoa",
        right_on="LSOA11CD",
        how="left",
        validate="1:1",
    )
    assert len(d) == 4835 and (d.la == BROMLEY).sum() == 197
    assert set(d.loc[d.la == BROMLEY, "WD20CD"]) == WARDS_2014
    return d.rename(columns={"WD20CD": "ward"})[["lsoa", "la", "ward", "score", "children"]]


# --------------------------------------------------------------------------- 1. reproducibility
def test_rebuild_reproduces_committed_data_exactly(built, data_dir):
    assert sorted(p.name for p in built.iterdir()) == OUTPUT_FILES  # and no temp folder left behind
    for name in OUTPUT_FILES:
        assert (data_dir / name).is_file(), f"data/{name} is not committed"
        assert sha256(built / name) == sha256(data_dir / name), f"rebuilding does not reproduce data/{name}"


# --------------------------------------------------------------------------- 2. counts
@pytest.mark.parametrize(
    "area_type, expected",
    [
        ("ward2014", WARDS_2014),
        ("ward2022", WARDS_2022),
    ],
)
def test_bromley_ward_codes_in_areas_and_geometries(areas, geometries, area_type, expected):
    bromley = areas[(areas.area_type == area_type) & areas.is_bromley]
    assert len(bromley) == 22
    assert set(bromley.area_code) == expected
    assert (bromley.parent_code == BROMLEY).all()
    assert bromley.area_name.str.len().gt(0).all()
    layer = geometries[geometries.layer == area_type]
    assert len(layer) == 22
    assert set(layer.area_code) == expected


@pytest.mark.parametrize(
    "area_type, n, geojson, prop, ward_type",
    [
        ("lsoa2011", 197, "lsoa11_E09000006.geojson", "LSOA11CD", "ward2014"),
        ("lsoa2021", 199, "lsoa21_E09000006.geojson", "LSOA21CD", "ward2022"),
    ],
)
def test_lsoa_counts_in_areas_and_geometries(areas, geometries, raw_dir, area_type, n, geojson, prop, ward_type):
    raw_codes = {f["properties"][prop] for f in json.loads((raw_dir / geojson).read_text())["features"]}
    assert len(raw_codes) == n
    a = areas[areas.area_type == area_type]
    assert len(a) == n and set(a.area_code) == raw_codes
    wards = WARDS_2014 if ward_type == "ward2014" else WARDS_2022
    assert set(a.parent_code) == wards  # every LSOA sits in a Bromley ward of the matching scheme
    layer = geometries[geometries.layer == area_type]
    assert len(layer) == n and set(layer.area_code) == raw_codes


# --------------------------------------------------------------------------- 3. children looked after
def test_cla_bromley_2023_count_denominator_and_rate(values, cla_raw):
    r = cla_raw[(cla_raw.time_period == "2023") & (cla_raw.new_la_code == BROMLEY)]
    assert len(r) == 1
    number, population, published = (
        int(r.number.iloc[0]),
        int(r.population_estimate.iloc[0]),
        int(r.rate_per_10000.iloc[0]),
    )
    assert (number, population, published) == (343, 72568, 47)  # the 2023 edition said 72,526: revised
    row = only(values, indicator_id="cla_rate", area_code=BROMLEY, area_type="la", period="31 Mar 2023")
    assert row.numerator == 343
    assert row.denominator == 72568
    assert row.value == pytest.approx(343 / 72568 * 10000, rel=1e-9)
    assert row.value == pytest.approx(47.27, abs=0.005)
    assert round(row.value) == published
    assert row.source_id == "dfe_cla" and not row.is_illustrative


@pytest.mark.parametrize("code", [BROMLEY, ENGLAND])
def test_cla_every_year_matches_raw(values, cla_raw, code):
    col = "country_code" if code == ENGLAND else "new_la_code"
    level = "National" if code == ENGLAND else "Local authority"
    raw = cla_raw[(cla_raw[col] == code) & (cla_raw.geographic_level == level)]
    assert len(raw) == 7  # 2019-2025
    built = values[(values.indicator_id == "cla_rate") & (values.area_code == code)].set_index("period")
    assert sorted(built.index) == sorted(f"31 Mar {y}" for y in raw.time_period)
    for r in raw.itertuples():
        b = built.loc[f"31 Mar {r.time_period}"]
        assert b.numerator == int(r.number) and b.denominator == int(r.population_estimate)
        assert b.value == pytest.approx(int(r.number) / int(r.population_estimate) * 10000, rel=1e-9)
        assert abs(b.value - int(r.rate_per_10000)) <= 0.5  # DfE publishes the rate rounded


# --------------------------------------------------------------------------- 4. IDACI recomputed
def _weighted(d: pd.DataFrame, by) -> pd.DataFrame:
    g = d.assign(num=d.score * d.children).groupby(by)[["num", "children"]].sum()
    return g.assign(value=g.num / g.children * 100)


def _idaci(values, period, area_type) -> pd.DataFrame:
    return values[
        (values.indicator_id == "idaci") & (values.period == period) & (values.area_type == area_type)
    ].set_index("area_code")


@pytest.mark.parametrize("period, area_type", [("2025", "ward2022"), ("2019", "ward2014")])
def test_idaci_ward_values_recomputed_from_raw(values, iod25, iod19, period, area_type):
    lsoas = iod25 if period == "2025" else iod19[iod19.la == BROMLEY]
    expected = _weighted(lsoas, "ward")
    got = _idaci(values, period, area_type)
    assert len(got) == 22 and set(got.index) == set(expected.index)
    for code, e in expected.iterrows():
        assert got.at[code, "value"] == pytest.approx(e.value, rel=1e-9), code
        assert got.at[code, "numerator"] == pytest.approx(e.num, rel=1e-9), code
        assert got.at[code, "denominator"] == pytest.approx(e.children, rel=1e-9), code


@pytest.mark.parametrize("period", ["2019", "2025"])
def test_idaci_bromley_is_lsoa_weighted_total(values, iod25, iod19, period):
    lsoas = iod25 if period == "2025" else iod19[iod19.la == BROMLEY]
    e = _weighted(lsoas.assign(all=BROMLEY), "all").loc[BROMLEY]
    got = _idaci(values, period, "la").loc[BROMLEY]
    assert got.value == pytest.approx(e.value, rel=1e-9)
    assert got.numerator == pytest.approx(e.num, rel=1e-9)
    assert got.denominator == pytest.approx(e.children, rel=1e-9)
    # a plain mean of LSOA scores would be a different (wrong) number
    assert abs(lsoas.score.mean() * 100 - got.value) > 1e-6


def test_idaci_london_2019_is_all_london_lsoas(values, iod19):
    e = _weighted(iod19.assign(all=LONDON), "all").loc[LONDON]
    got = _idaci(values, "2019", "region").loc[LONDON]
    assert got.value == pytest.approx(e.value, rel=1e-9)
    assert got.denominator == pytest.approx(e.children, rel=1e-9)


@pytest.mark.parametrize("period", ["2019", "2025"])
@pytest.mark.parametrize("scheme", ["ward2014", "ward2022"])
def test_idaci_ward_numerators_sum_to_borough(values, period, scheme):
    wards = _idaci(values, period, scheme)
    assert set(wards.index) == (WARDS_2014 if scheme == "ward2014" else WARDS_2022)
    borough = _idaci(values, period, "la").loc[BROMLEY]
    assert wards.numerator.sum() == pytest.approx(borough.numerator, rel=1e-9)
    assert wards.denominator.sum() == pytest.approx(borough.denominator, rel=1e-9)


# --------------------------------------------------------------------------- 5. intervals
def test_intervals_are_ordered(values):
    ci = values[values[["lower95", "upper95", "lower998", "upper998"]].notna().any(axis=1)]
    assert len(ci) > 1000
    assert ci[["lower95", "upper95", "lower998", "upper998"]].notna().all().all(), "partial intervals"
    eps = 1e-9
    bad = ci[
        ~(
            (ci.lower998 <= ci.lower95 + eps)
            & (ci.lower95 <= ci.value + eps)
            & (ci.value <= ci.upper95 + eps)
            & (ci.upper95 <= ci.upper998 + eps)
        )
    ]
    assert bad.empty, bad[
        ["indicator_id", "area_code", "period", "lower998", "lower95", "value", "upper95", "upper998"]
    ].head()
    # the 99.8% interval is strictly wider than the 95% one
    assert (ci.upper998 - ci.lower998 > ci.upper95 - ci.lower95).all()


def test_intervals_present_exactly_where_the_method_and_counts_allow(values, indicators):
    method = indicators.set_index("indicator_id").interval
    assert {"obesity_year6", "obesity_reception"} <= set(method[method == "none"].index)
    has_ci = values.lower95.notna()
    none_rows = values.indicator_id.map(method).eq("none")
    assert not has_ci[none_rows].any(), sorted(values[none_rows & has_ci].indicator_id.unique())
    countable = ~none_rows & values.numerator.notna() & values.denominator.notna()
    assert countable.sum() > 1000
    assert has_ci[countable].all(), values[countable & ~has_ci][["indicator_id", "area_code", "period"]].head()
    assert not has_ci[~countable].any()  # e.g. LA NEET: percentages without counts
    assert {"idaci", "cla_rate", "neet", "children_out_of_work", "child_poverty"} <= set(values[has_ci].indicator_id)


# --------------------------------------------------------------------------- 6. illustrative rows
def test_illustrative_rows_are_confined_and_labelled(values):
    ill = values[values.is_illustrative]
    assert set(ill.indicator_id) == {"neet", "cla_rate"}
    assert set(ill.area_type) == {"ward2022"}
    assert set(ill.area_code) == WARDS_2022
    assert (ill.source_id == "illustrative").all()
    assert ill.note.str.startswith("ILLUSTRATIVE").all()
    # and nothing else claims to be illustrative
    assert values[values.source_id == "illustrative"].is_illustrative.all()
    assert not values[~values.is_illustrative].note.str.contains("ILLUSTRATIVE").any()
    assert (ill.groupby(["indicator_id", "period"]).size() == 22).all()
    mult = ill.indicator_id.map({"neet": 100.0, "cla_rate": 10000.0})
    assert np.allclose(ill.value, ill.numerator / ill.denominator * mult, rtol=1e-9)


def test_illustrative_cla_wards_add_up_to_real_borough_count(values, cla_raw):
    ill = values[values.is_illustrative & (values.indicator_id == "cla_rate")]
    real = cla_raw[(cla_raw.new_la_code == BROMLEY) & (cla_raw.geographic_level == "Local authority")]
    expected = {f"31 Mar {r.time_period}": int(r.number) for r in real.itertuples()}
    assert expected["31 Mar 2023"] == 343
    sums = ill.groupby("period").numerator.sum()
    assert sums.to_dict() == expected
    assert (ill.numerator == ill.numerator.round()).all()


def test_illustrative_neet_wards_add_up_to_borough_percentage(values, raw_dir):
    neet = pd.read_csv(raw_dir / "neet.csv")
    real = neet[(neet.area_code == BROMLEY) & (neet.indicator == NEET_LABEL)].drop_duplicates()
    ill = values[values.is_illustrative & (values.indicator_id == "neet")]
    label = {str(p): f"{int(p) - 1}/{int(p) % 100:02d}" for p in real.period}  # DfE's 2019: Dec 2018-Feb 2019
    assert set(ill.period) == set(label.values())
    for r in real.itertuples():
        w = ill[ill.period == label[str(r.period)]]
        assert w.numerator.sum() == round(r.value / 100 * w.denominator.sum()), r.period
        assert w.numerator.sum() / w.denominator.sum() * 100 == pytest.approx(r.value, abs=0.5)


def test_neet_periods_are_the_december_to_february_average(values, raw_dir):
    """DfE publishes NEET for "2024" as the average of December 2023-February 2024: labelled 2023/24, as the
    council's Performance Index does, from 1 December to the end of February, in every NEET series."""
    neet = pd.read_csv(raw_dir / "neet.csv")
    years = sorted(int(p) for p in neet[neet.area_code == BROMLEY].period.unique())
    v = values[values.indicator_id.isin(["neet", "neet_or_not_known", "neet_not_known"])]
    assert set(v.area_type) == {"country", "region", "la", "ward2022"}
    for y in years:
        label = f"{y - 1}/{y % 100:02d}"
        rows = v[(v.indicator_id == "neet") & (v.period == label)]
        assert set(rows.area_type) == {"country", "la", "ward2022"}, label
    assert not v.period.str.fullmatch(r"\d{4}").any()  # no calendar-year label left
    assert (v.period_start.dt.month == 12).all() and (v.period_start.dt.day == 1).all()
    assert (v.period_end.dt.month == 2).all() and (v.period_end == v.period_end + pd.offsets.MonthEnd(0)).all()
    assert (v.period_start.dt.year == v.period.str[:4].astype(int)).all()
    assert (v.period_end.dt.year == v.period.str[:4].astype(int) + 1).all()
    b = only(v, indicator_id="neet", area_code=BROMLEY, period="2023/24")
    assert (b.period_start, b.period_end) == (pd.Timestamp("2023-12-01"), pd.Timestamp("2024-02-29"))


# --------------------------------------------------------------------------- 7. estimates and crosswalk
def test_crosswalk_shares_sum_to_one(lookups):
    cw = lookups[(lookups.from_type == "ward2014") & (lookups.to_type == "ward2022")]
    assert set(cw.from_code) == WARDS_2014 and set(cw.to_code) == WARDS_2022
    assert np.allclose(cw.groupby("from_code").share_of_from.sum(), 1.0, atol=1e-9)
    assert np.allclose(cw.groupby("to_code").share_of_to.sum(), 1.0, atol=1e-9)
    assert ((cw.share_of_from > 0) & (cw.share_of_to > 0)).all()


def test_estimates_are_2022_wards_from_2014_ward_series(values, lookups):
    assert set(values[values.is_estimate].area_type) == {"ward2022", "ward2014"}
    est = values[values.is_estimate & (values.area_type == "ward2022")]
    assert len(est) > 0
    assert set(est.area_code) == WARDS_2022
    assert not est.is_illustrative.any()
    assert est.note.str.startswith("ESTIMATE").all()
    src = values[(values.area_type == "ward2014") & values.area_code.isin(WARDS_2014)]
    cw = lookups[(lookups.from_type == "ward2014") & (lookups.to_type == "ward2022")]
    for (ind, period), e in est.groupby(["indicator_id", "period"]):
        s = src[(src.indicator_id == ind) & (src.period == period) & (src.breakdown == "All")]
        assert set(s.area_code) == WARDS_2014, f"{ind} {period}: estimate without a complete 2014-ward series"
        assert not s.is_estimate.any()
        # recompute: counts apportioned by share_of_from, else child-weighted mean by share_of_to
        m = s.merge(cw, left_on="area_code", right_on="from_code")
        e = e.set_index("area_code")
        if s.numerator.notna().all():
            num = (m.numerator * m.share_of_from).groupby(m.to_code).sum()
            den = (m.denominator * m.share_of_from).groupby(m.to_code).sum()
            expected = num / den * 100
            assert np.allclose(e.numerator.loc[num.index], num, rtol=1e-9)
        else:
            expected = (m.value * m.share_of_to).groupby(m.to_code).sum()
        assert np.allclose(e.value.loc[expected.index], expected, rtol=1e-9), f"{ind} {period}"


# --------------------------------------------------------------------------- 8. geometry
def test_committed_geometries_are_clean_coverages(data_dir, raw_dir):
    g = gpd.read_parquet(data_dir / "geometries.parquet")
    assert g.crs.to_epsg() == 4326
    for layer in ("ward2014", "ward2022", "lsoa2011", "lsoa2021"):
        p = geo.coverage_problems(g[g.layer == layer])
        assert p["invalid"] == 0, layer
        assert p["overlap_m2"] < 50, (layer, p)
    wards = g[g.layer == "ward2022"].to_crs(27700)
    union = shapely.union_all(wards.geometry.values)
    holes = [shapely.Polygon(r).area for poly in getattr(union, "geoms", [union]) for r in poly.interiors]
    assert max(holes, default=0) <= 1000, f"holes in the simplified 2022 wards: {sorted(holes)[-3:]} m2"
    raw = gpd.read_file(raw_dir / "wards_2022_E09000006.geojson").to_crs(27700)
    raw_area = shapely.union_all(shapely.make_valid(raw.geometry.values)).area
    assert raw_area > 1e8  # Bromley is ~150 km2
    assert union.area == pytest.approx(raw_area, rel=0.01)


@pytest.mark.parametrize(
    "layer, n", [("ward2022", 22), ("ward2014", 22), ("lsoa2021", 199), ("lsoa2011", 197), ("london_ward2014", 649)]
)
def test_committed_topology_draws_the_boundaries(data_dir, layer, n):
    """The maps' TopoJSON: every area once (code as id), each shared edge stored once, and what a
    TopoJSON client draws within 3.5 m (half a 5 m grid cell's diagonal) of the stored boundary."""
    g = gpd.read_parquet(data_dir / "geometries.parquet")
    g = g[g.layer == layer].sort_values("area_code")
    t = pd.read_parquet(data_dir / "topology.parquet").set_index("layer").loc[layer]
    topo = json.loads(t.topojson)
    areas = topo["objects"]["areas"]["geometries"]
    assert t.n_areas == n == len(areas) and [a["id"] for a in areas] == g.area_code.tolist()
    assert all("properties" not in a for a in areas)  # each view adds its own
    drawn = gpd.GeoSeries(geo.decode(topo), crs=4326).to_crs(27700)
    exact = g.geometry.to_crs(27700).values
    shift = max(shapely.hausdorff_distance(a, b) for a, b in zip(drawn.values, exact))
    assert shift <= 3.6, shift
    assert all(
        not shapely.LinearRing(p.exterior.coords).is_ccw for m in drawn.to_crs(4326) for p in m.geoms
    )  # d3 order
    used = [
        i if i >= 0 else ~i
        for a in areas
        for poly in ([a["arcs"]] if a["type"] == "Polygon" else a["arcs"])
        for ring in poly
        for i in ring
    ]
    shared = len(used) - len(set(used))
    assert shared > len(set(used)) / 3  # neighbours share arcs: no edge is drawn twice
    geojson_bytes = len(json.dumps(shapely.geometry.mapping(shapely.GeometryCollection(list(g.geometry.values)))))
    assert len(t.topojson) < geojson_bytes / 2


# --------------------------------------------------------------------------- 9. sources
def _manifest(raw_dir) -> dict[str, str]:
    """file (relative path) -> sha256, from the manifest tables ``| file | bytes | sha256 |`` and the
    ``sha256  path`` lists (section "Added November 2026")."""
    rows = {}
    for line in (raw_dir / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*([^|]+?)\s*\|\s*[\d,]+\s*\|\s*([0-9a-f]{64})\s*\|\s*$", line) or re.match(
            r"^([0-9a-f]{64})  (\S.*)$", line
        )
        if m:
            path, sha = (m[1], m[2]) if not re.fullmatch(r"[0-9a-f]{64}", m[1]) else (m[2], m[1])
            assert rows.get(path, sha) == sha, f"MANIFEST.md lists {path} with two hashes"
            rows[path] = sha
    return rows


def test_sources_hashes_match_files_and_manifest(sources, values, raw_dir):
    manifest = _manifest(raw_dir)
    assert len(manifest) >= 60
    assert not sources.duplicated(["source_id", "raw_file"]).any()
    declared = {
        (sid, RAW_FILES[key].path)
        for sid, s in source_registry.SOURCES.items()
        for key in s["raw"]
        if not s.get("optional") or (raw_dir / RAW_FILES[key].path).is_file()
    }  # optional: refreshed cache only
    assert set(zip(sources.source_id, sources.raw_file)) == declared  # one row per (source, raw file)
    for r in sources.itertuples():
        assert r.raw_file in manifest, f"{r.raw_file} is not in MANIFEST.md"
        assert r.sha256 == sha256(raw_dir / r.raw_file), f"{r.source_id}: sha256 of {r.raw_file} is stale"
        assert r.sha256 == manifest[r.raw_file], f"{r.source_id}: sha256 of {r.raw_file} differs from MANIFEST.md"
        assert r.licence, r.source_id
    assert set(values.source_id) <= set(sources.source_id)
    # the illustrative series names every real input it is modelled from
    assert set(sources[sources.source_id == "illustrative"].raw_file) >= {CLA_CSV, "neet.csv", IOD25_CSV}


# --------------------------------------------------------------------------- 10. failure paths
def replace_file(raw: Path, rel: str, data: bytes) -> None:
    p = raw / rel
    p.unlink()  # a symlink into the shared folder: never write through it
    p.write_bytes(data)


def rename_csv_column(data: bytes, old: str, new: str) -> bytes:
    head, nl, rest = data.partition(b"\n")
    bom = codecs.BOM_UTF8 if head.startswith(codecs.BOM_UTF8) else b""
    cr = b"\r" if head.endswith(b"\r") else b""
    fields = next(csv.reader([head[len(bom) : len(head) - len(cr)].decode("utf-8")]))
    assert fields.count(old) == 1, f"{old!r} not in header"
    fields[fields.index(old)] = new
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return bom + buf.getvalue().encode("utf-8") + cr + nl + rest


def test_missing_file_is_named(raw_copy):
    (raw_copy / LU21_CSV).unlink()
    with pytest.raises(RawDataError, match=re.escape(LU21_CSV) + ".*missing"):
        build(raw_copy, raw_copy.parent / "out")
    assert not (raw_copy.parent / "out").exists()


def test_wrong_encoding_stops_the_build_naming_the_file(raw_copy):
    text = (raw_copy / LU21_CSV).read_bytes().decode("utf-8-sig")
    replace_file(raw_copy, LU21_CSV, text.encode("utf-16"))
    with pytest.raises(RawDataError, match=re.escape(LU21_CSV) + ".*encoding"):
        build(raw_copy, raw_copy.parent / "out")


TEXT_FILES = sorted(
    k
    for k, f in RAW_FILES.items()
    if f.encoding and (Path(__file__).resolve().parents[2] / "shared" / "data" / "raw" / f.path).is_file()
)


@pytest.mark.parametrize("key", TEXT_FILES)
def test_every_text_file_re_encoded_as_utf16_is_named(raw_copy, key):
    """The reader the build uses: e.g. neet.csv re-encoded as UTF-16 raises an error naming neet.csv."""
    spec = RAW_FILES[key]
    assert {"neet", "cla", "iod2025", "lookup_lsoa21_wd25"} <= set(TEXT_FILES)
    text = (raw_copy / spec.path).read_bytes().decode(spec.encoding)
    replace_file(raw_copy, spec.path, text.encode("utf-16"))
    with pytest.raises(RawDataError, match=re.escape(spec.path)):
        Raw(raw_copy).csv(key)


RENAMES = [
    (LU11_CSV, "WD20CD"),
    (IOD25_CSV, CHILDREN_2022),
    (CLA_CSV, "country_code"),
    (CLA_CSV, "country_name"),
]


@pytest.mark.parametrize("rel, column", RENAMES)
def test_renamed_required_column_is_named(raw_copy, rel, column):
    replace_file(raw_copy, rel, rename_csv_column((raw_copy / rel).read_bytes(), column, column + "_renamed"))
    with pytest.raises(RawDataError) as e:
        build(raw_copy, raw_copy.parent / "out")
    assert rel in str(e.value) and column in str(e.value)


def test_renamed_boundary_name_property_is_named(raw_copy):
    rel = "wards_2022_E09000006.geojson"
    data = (raw_copy / rel).read_bytes()
    assert data.count(b'"WD22NM"') == 22
    replace_file(raw_copy, rel, data.replace(b'"WD22NM"', b'"WD22NAME"'))
    with pytest.raises(RawDataError) as e:
        build(raw_copy, raw_copy.parent / "out")
    assert rel in str(e.value) and "WD22NM" in str(e.value)


@pytest.mark.parametrize(
    "rel, old, new",
    [
        (LU21_CSV, "E05013987", "E05099999"),  # one Bromley 2022 ward code changed in the LSOA21 -> ward lookup
        (LU11_CSV, "E05000106", "E05099999"),  # one Bromley 2014 ward code changed in the LSOA11 -> ward lookup
    ],
)
def test_unexpected_codes_stop_the_build(raw_copy, rel, old, new):
    data = (raw_copy / rel).read_bytes()
    assert data.count(old.encode()) >= 1
    replace_file(raw_copy, rel, data.replace(old.encode(), new.encode()))
    with pytest.raises(RawDataError, match="unexpected area codes") as e:
        build(raw_copy, raw_copy.parent / "out")
    assert new in str(e.value) and old in str(e.value)


def test_failed_build_leaves_previous_extracts_untouched(built, raw_copy, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = {p.name: sha256(p) for p in out.iterdir()}
    assert sorted(before) == OUTPUT_FILES
    replace_file(raw_copy, LU21_CSV, (raw_copy / LU21_CSV).read_bytes().decode("utf-8-sig").encode("utf-16"))
    with pytest.raises(RawDataError, match=re.escape(LU21_CSV)):
        build(raw_copy, out)
    assert {p.name: sha256(p) for p in out.iterdir()} == before  # byte-identical, no temp folder left
    assert not list(tmp_path.rglob(".build-*"))


def test_failure_while_writing_leaves_previous_extracts_untouched(tmp_path):
    class Unwritable(pd.DataFrame):
        def to_parquet(self, *a, **k):
            raise OSError("disk full")

    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUT_FILES:
        (out / name).write_bytes(b"previous " + name.encode())
    ok = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(OSError, match="disk full"):
        write({"values": ok, "areas": ok, "sources": Unwritable({"a": [1]})}, out)
    assert sorted(p.name for p in out.iterdir()) == OUTPUT_FILES  # no temp folder left behind
    for name in OUTPUT_FILES:
        assert (out / name).read_bytes() == b"previous " + name.encode()


def test_build_cli_fails_with_exit_1_naming_the_file(raw_copy, tmp_path, root):
    replace_file(raw_copy, "neet.csv", (raw_copy / "neet.csv").read_bytes().decode().encode("utf-16"))
    out = tmp_path / "cli_out"
    p = subprocess.run(
        [sys.executable, "-m", "loaders.build", "--raw", str(raw_copy), "--out", str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 1, p.stderr
    assert "neet.csv" in p.stderr
    assert "Traceback" not in p.stderr
    assert not out.exists() or not list(out.iterdir())


# --------------------------------------------------------------------------- 11. schema
@pytest.fixture
def valid_frame(values) -> pd.DataFrame:
    f = values[(values.indicator_id == "idaci") & (values.area_type == "ward2022")].reset_index(drop=True)
    assert len(f) == 44 and f.lower95.notna().all()
    schema.VALUES.validate(f)  # the unmodified frame passes
    return f


def _failed_checks(frame) -> set[str]:
    """The checks a frame fails (empty when the schema accepts it)."""
    try:
        schema.VALUES.validate(frame, lazy=True)
    except schema.pa.errors.SchemaErrors as e:
        fc = e.failure_cases
        named = {f"{c}:{k}" for c, k in zip(fc.column, fc.check) if c is not None}
        return named | {str(k) for k in fc.check}  # frame-wide row checks are reported once per column
    return set()


def test_schema_rejects_negative_numerator(valid_frame):
    valid_frame.loc[3, "numerator"] = -1.0
    assert "numerator:greater_than_or_equal_to(0)" in _failed_checks(valid_frame)


def test_schema_rejects_duplicate_key(valid_frame):
    dup = pd.concat([valid_frame, valid_frame.iloc[[5]]], ignore_index=True)
    assert "area_code:multiple_fields_uniqueness" in _failed_checks(dup)


def test_schema_rejects_lower95_above_value(valid_frame):
    valid_frame.loc[7, "lower95"] = valid_frame.loc[7, "value"] + 0.5
    assert "lower95 above value" in _failed_checks(valid_frame)


def test_schema_rejects_upper998_inside_upper95(valid_frame):
    valid_frame.loc[9, "upper998"] = valid_frame.loc[9, "upper95"] - 0.1
    assert valid_frame.loc[9, "upper998"] > valid_frame.loc[9, "value"]
    assert _failed_checks(valid_frame)
