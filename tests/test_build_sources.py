"""The source registry and the sources added for issue 14, recomputed independently from the raw files.

Expected numbers come from the raw files with plain pandas / csv / zipfile + xml, not from the
loaders. One fresh build per session is shared with tests/test_build.py's fixture when both run.
"""

from __future__ import annotations

import csv
import math
import time
import zipfile
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from loaders import catalogue, sources
from loaders.build import build
from loaders.raw import RAW_FILES

BROMLEY, LONDON, ENGLAND = "E09000006", "E12000007", "E92000001"
WARDS_2014 = {f"E05000{n}" for n in range(106, 128)}
WARDS_2022 = {f"E050{n}" for n in range(13987, 14009)}
CILIF = "dwp_cilif"
ODS = f"{CILIF}/children-in-low-income-families-local-area-statistics-2022-2025.ods"
LONG = f"{CILIF}/LONDON_SUBSET_dwp_cilif_2022-2025_wards_tables4_11_12_long.csv"
T4_CSV = f"{CILIF}/dwp_cilif_2022-2025_table4_AHC_relative_ward_FYE2024-2025_UK.csv"
T2_CSV = f"{CILIF}/dwp_cilif_2022-2025_table2_AHC_relative_LA_FYE2024-2025_UK.csv"
MEASURE = {
    "relative_BHC": "child_poverty",
    "absolute_BHC": "child_poverty_absolute",
    "relative_AHC": "child_poverty_ahc",
}


@pytest.fixture(scope="module")
def fresh(raw_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("sources_build")
    log: list[str] = []
    t0 = time.perf_counter()
    build(raw_dir, out, log=log)
    return {
        "dir": out,
        "seconds": time.perf_counter() - t0,
        "log": log,
        "values": pd.read_parquet(out / "values.parquet"),
        "areas": pd.read_parquet(out / "areas.parquet"),
        "indicators": pd.read_parquet(out / "indicators.parquet").set_index("indicator_id"),
    }


@pytest.fixture(scope="module")
def values(fresh):
    return fresh["values"]


def pick(v: pd.DataFrame, **eq) -> pd.DataFrame:
    m = np.ones(len(v), dtype=bool)
    for k, x in eq.items():
        m &= (v[k] == x).to_numpy()
    return v[m]


# --------------------------------------------------------------------------- registry
def test_every_source_module_declares_its_parts():
    ids = set(catalogue.INDICATOR_IDS)
    assert [m.__name__.rsplit(".", 1)[1] for m in sources.MODULES] == catalogue.SOURCE_MODULES
    for m in sources.MODULES:
        assert isinstance(m.SOURCES, dict) and m.SOURCES, m.__name__
        assert set(m.INDICATORS) <= ids, m.__name__
        assert hasattr(m, "rows") or hasattr(m, "derive") or not m.INDICATORS, m.__name__
        for s in m.SOURCES.values():
            assert {"raw", "publisher", "title", "url", "licence", "attribution"} <= set(s)
            assert all(k in RAW_FILES for k in s["raw"])
    for rf in (f for m in sources.MODULES for f in m.RAW):
        assert RAW_FILES[rf.key] == rf


def test_uploads_do_not_import_the_build():
    import subprocess
    import sys

    code = (
        "import sys, loaders.extracts, loaders.rows; "
        "print(any(m in sys.modules for m in ('loaders.build', 'loaders.sources', 'loaders.raw')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_build_under_30_seconds(fresh):
    assert fresh["seconds"] <= 30, fresh["seconds"]


# --------------------------------------------------------------------------- DWP CILIF, from the workbook
def _ods_table(raw_dir, sheet: str) -> list[list]:
    """Rows of one sheet with the stdlib (zipfile + ElementTree): numbers from office:value."""
    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    o = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    rows = []
    with zipfile.ZipFile(raw_dir / ODS) as z, z.open("content.xml") as f:
        inside = False
        for ev, el in ET.iterparse(f, events=("start", "end")):
            if el.tag == t + "table":
                if ev == "start":
                    inside = el.get(t + "name") == sheet
                elif inside:
                    return rows
                continue
            if ev == "end" and el.tag == t + "table-row":
                if inside:
                    cells = []
                    for c in el:
                        n = min(int(c.get(t + "number-columns-repeated", "1")), 20)
                        v = c.get(o + "value")
                        cells += [float(v) if v is not None else "".join(c.itertext())] * n
                    rows.append(cells)
                el.clear()
    return rows


@pytest.fixture(scope="module")
def t11(raw_dir):
    rows = _ods_table(raw_dir, "11_BHC_Relative_Ward")
    return {r[3]: r for r in rows if len(r) > 11 and isinstance(r[3], str) and r[3].startswith("E05")}


@pytest.mark.parametrize("ward", ["E05013995", "E05014006", "E05013987", "E05014002"])
def test_ward_child_poverty_recomputed_from_workbook(values, t11, ward):
    r = t11[ward]
    assert r[1] == BROMLEY
    for i, fye in enumerate((2022, 2023, 2024, 2025)):
        count, prop = r[4 + i], r[8 + i]
        got = pick(
            values,
            indicator_id="child_poverty",
            area_code=ward,
            area_type="ward2022",
            period=f"{fye - 1}/{fye % 100:02d}",
        ).iloc[0]
        assert got.numerator == count
        assert got.denominator == round(count / prop) and abs(count / prop - round(count / prop)) < 0.01
        assert got.value == pytest.approx(prop * 100, rel=1e-9)
        assert got.source_id == "dwp_cilif_2025" and not got.is_estimate and not got.is_illustrative
        # Wilson 95% interval, computed here
        n, p, z = got.denominator, count / got.denominator, 1.959963984540054
        centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        assert got.lower95 == pytest.approx((centre - half) / (1 + z * z / n) * 100, rel=1e-6)
        assert got.upper95 == pytest.approx((centre + half) / (1 + z * z / n) * 100, rel=1e-6)
        assert got.lower998 < got.lower95 < got.value < got.upper95 < got.upper998


def test_crystal_palace_fye2025_is_15_1_percent(values):
    got = pick(
        values, indicator_id="child_poverty", area_code="E05013995", period="2024/25", area_type="ward2022"
    ).iloc[0]
    assert (got.numerator, got.denominator) == (310, 2051)
    assert round(got.value, 1) == 15.1


@pytest.mark.parametrize(
    "indicator, periods",
    [
        ("child_poverty", ["2021/22", "2022/23", "2023/24", "2024/25"]),
        ("child_poverty_absolute", ["2021/22", "2022/23", "2023/24"]),
        ("child_poverty_ahc", ["2023/24", "2024/25"]),
    ],
)
def test_22_bromley_wards_each_period_and_2014_estimates(values, indicator, periods):
    v = pick(values, indicator_id=indicator, source_id="dwp_cilif_2025")
    assert sorted(v.period.unique()) == periods
    for p in periods:
        w = pick(v, period=p, area_type="ward2022")
        assert set(w.area_code) >= WARDS_2022 and len(w) > 600  # every London ward with figures
        e = pick(v, period=p, area_type="ward2014")
        assert set(e.area_code) == WARDS_2014 and e.is_estimate.all() and e.note.str.startswith("ESTIMATE").all()
        b = w[w.area_code.isin(WARDS_2022)]
        # the crosswalk shares counts: totals are kept
        assert e.numerator.sum() == pytest.approx(b.numerator.sum(), rel=1e-9)
        assert e.denominator.sum() == pytest.approx(b.denominator.sum(), rel=1e-9)
        for code in (BROMLEY, LONDON, ENGLAND):
            assert len(pick(v, period=p, area_code=code)) == 1, (indicator, p, code)


def test_comparators_from_workbook_rows(values, raw_dir):
    la = {r[1]: r for r in _ods_table(raw_dir, "7_BHC_Relative_LA") if len(r) > 9 and isinstance(r[1], str)}
    reg = {r[1]: r for r in _ods_table(raw_dir, "5_BHC_Relative_Region") if len(r) > 9 and isinstance(r[1], str)}
    for i, fye in enumerate((2022, 2023, 2024, 2025)):
        period = f"{fye - 1}/{fye % 100:02d}"
        b = pick(values, indicator_id="child_poverty", area_code=BROMLEY, period=period).iloc[0]
        assert b.numerator == la[BROMLEY][2 + i] and b.value == pytest.approx(la[BROMLEY][6 + i] * 100, rel=1e-9)
        lon = pick(values, indicator_id="child_poverty", area_code=LONDON, period=period).iloc[0]
        assert lon.numerator == reg[LONDON][2 + i] and lon.value == pytest.approx(reg[LONDON][6 + i] * 100, rel=1e-9)
        eng = pick(values, indicator_id="child_poverty", area_code=ENGLAND, period=period).iloc[0]
        english = [reg[f"E1200000{k}"] for k in range(1, 10)]
        assert eng.numerator == sum(r[2 + i] for r in english)
        assert eng.denominator == sum(round(r[2 + i] / r[6 + i]) for r in english)
        assert b.value < lon.value  # Bromley below London every year
    assert (
        round(pick(values, indicator_id="child_poverty", area_code=BROMLEY, period="2024/25").value.iloc[0], 1) == 8.2
    )


def test_reader_agrees_with_london_long_subset_and_csv_exports(values, raw_dir):
    long = pd.read_csv(raw_dir / LONG, dtype=str)
    assert len(long) == 6890
    ok = long[~long.children_under16.isin(["[low]", "[x]"]) & ~long.proportion.isin(["[low]", "[x]"])].copy()
    ok["indicator_id"] = ok.measure.map(MEASURE)
    ok["period"] = [f"{int(f) - 1}/{int(f) % 100:02d}" for f in ok.fye]
    ok = ok[~((ok.indicator_id == "child_poverty_absolute") & (ok.fye == "2025"))]  # left out (anomaly)
    got = values[(values.source_id == "dwp_cilif_2025") & (values.area_type == "ward2022")]
    m = ok.merge(
        got,
        left_on=["indicator_id", "ward_code", "period"],
        right_on=["indicator_id", "area_code", "period"],
        how="left",
        validate="1:1",
    )
    assert m.value.notna().all() and len(m) == len(got)
    assert np.allclose(m.numerator, m.children_under16.astype(float))
    assert np.allclose(m.value, m.proportion.astype(float) * 100, rtol=1e-12)
    # the CSV export of table 4 (display text: "1,063", "15.1%"), London rows
    recs = list(csv.reader((raw_dir / T4_CSV).read_text(encoding="utf-8-sig").splitlines()))
    london = [r for r in recs if len(r) >= 8 and r[1].startswith("E09") and r[3].startswith("E05")]
    assert len(london) == 689
    ahc = got[got.indicator_id == "child_poverty_ahc"].set_index(["area_code", "period"])
    checked = 0
    for r in london:
        for period, n, pct in (("2023/24", r[4], r[6]), ("2024/25", r[5], r[7])):
            if (r[3], period) in ahc.index:
                g = ahc.loc[(r[3], period)]
                assert g.numerator == float(n.replace(",", ""))
                assert round(g.value, 1) == pytest.approx(float(pct.rstrip("%")), abs=0.051)
                checked += 1
    assert checked > 1300
    la = [
        r
        for r in csv.reader((raw_dir / T2_CSV).read_text(encoding="utf-8-sig").splitlines())
        if len(r) > 5 and r[1] == BROMLEY
    ]
    b = pick(values, indicator_id="child_poverty_ahc", area_code=BROMLEY, period="2024/25").iloc[0]
    assert b.numerator == float(la[0][3].replace(",", "")) == 9976 and round(b.value, 1) == 15.3


def test_fye2025_absolute_anomaly_detected_reported_and_left_out(fresh, values, t11, raw_dir):
    t12 = {
        r[3]: r
        for r in _ods_table(raw_dir, "12_BHC_Absolute_Ward")
        if len(r) > 11 and isinstance(r[3], str) and r[3].startswith("E05")
    }
    both = [c for c in t11 if c in t12 and isinstance(t11[c][7], float) and isinstance(t12[c][7], float)]
    assert len(both) > 6500
    assert all(t11[c][7] == t12[c][7] and t11[c][11] == t12[c][11] for c in both)  # FYE 2025: identical
    assert sum(t11[c][6] == t12[c][6] for c in both) / len(both) < 0.1  # FYE 2024: differ
    assert any("absolute" in line and "FYE 2025" in line for line in fresh["log"])
    assert "FYE 2025 absolute is left out" in fresh["indicators"].at["child_poverty_absolute", "caveats"]
    assert pick(values, indicator_id="child_poverty_absolute", period="2024/25").empty


def test_london_ward_ranks_cover_all_london_wards(fresh):
    from loaders.store import Store

    s = Store(fresh["dir"])
    r = s.london_rank("child_poverty", "2024/25")
    assert len(r) > 600 and r.london_wards.iloc[0] == len(r)
    assert set(r.area_code) >= WARDS_2022
    assert not (set(r.area_code) & WARDS_2014)  # estimates are not ranked
    old = s.london_rank("child_poverty", "2012")  # the GLA atlas series, 2014 wards
    assert len(old) > 600 and set(old.area_code) >= WARDS_2014


# --------------------------------------------------------------------------- children looked after to 2025
def test_cla_2025_from_newer_file_and_2019_from_older(values, raw_dir, fresh):
    new = pd.read_csv(raw_dir / "dfe_csc/cla_number_and_rate_per_10k_children.csv", encoding="utf-8-sig", dtype=str)
    new = new[(new.population_type == "Children looked after on 31 March each year") & (new.new_la_code == BROMLEY)]
    old = pd.read_csv(raw_dir / "cla_number_and_rate_per_10k_children.csv", encoding="utf-8-sig", dtype=str)
    old = old[(old.population_count == "Children looked after at 31 March each year") & (old.new_la_code == BROMLEY)]
    b = pick(values, indicator_id="cla_rate", area_code=BROMLEY, area_type="la").set_index("period")
    assert list(b.sort_values("period_start").index) == [f"31 Mar {y}" for y in range(2019, 2026)]
    r25 = new[new.time_period == "2025"].iloc[0]
    assert (int(r25.children_count), int(r25.population_estimate)) == (343, 73457)
    assert b.at["31 Mar 2025", "numerator"] == 343 and b.at["31 Mar 2025", "denominator"] == 73457
    assert b.at["31 Mar 2025", "value"] == pytest.approx(343 / 73457 * 1e4, rel=1e-9)
    r19 = old[old.time_period == "2019"].iloc[0]
    assert b.at["31 Mar 2019", "numerator"] == int(r19.number) == 348
    # 2023 is in both editions: the newer population (72,568) replaces the older (72,526), and the log says so
    assert b.at["31 Mar 2023", "denominator"] == 72568
    assert int(old[old.time_period == "2023"].population_estimate.iloc[0]) == 72526
    line = next(x for x in fresh["log"] if x.startswith("DfE children looked after"))
    assert "2023" in line and "72526 -> 72568" in line


# --------------------------------------------------------------------------- statistical neighbours
MANIFEST_SN = {  # MANIFEST.md B12: DfE LA numbers of Bromley's (305) neighbours, closest first
    "2021": [358, 919, 867, 319, 356, 822, 931, 334, 850, 823],
    "2025": [919, 358, 825, 869, 867, 931, 850, 868, 334, 936],
}
SN_NAMES = {
    "2021": [
        "Trafford",
        "Hertfordshire",
        "Bracknell Forest",
        "Sutton",
        "Stockport",
        "Bedford",
        "Oxfordshire",
        "Solihull",
        "Hampshire",
        "Central Bedfordshire",
    ],
    "2025": [
        "Hertfordshire",
        "Trafford",
        "Buckinghamshire",
        "West Berkshire",
        "Bracknell Forest",
        "Oxfordshire",
        "Hampshire",
        "Windsor and Maidenhead",
        "Solihull",
        "Surrey",
    ],
}


@pytest.mark.parametrize("model, xlsx", [("2021", "sn_april_2021.xlsx"), ("2025", "sn_may_2025.xlsx")])
def test_both_neighbour_models_match_workbooks_and_manifest(fresh, raw_dir, model, xlsx):
    import openpyxl

    ws = openpyxl.load_workbook(raw_dir / "dfe_lait" / xlsx, read_only=True)["LA SN Groups"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[2])
    assert header[0] == "LA num" and header[5] == "SN1"
    bromley = next(r for r in rows if r[0] == 305)
    from_book = [bromley[header.index(f"SN{k}")] for k in range(1, 11)]
    assert from_book == MANIFEST_SN[model]
    n = pd.read_parquet(fresh["dir"] / "neighbours.parquet")
    mine = n[(n.model == model) & (n.la_code == BROMLEY)].sort_values("rank")
    assert mine.neighbour_number.tolist() == from_book
    from loaders.store import Store

    s = Store(fresh["dir"])
    assert s.stat_neighbours(model).area_name.tolist() == SN_NAMES[model]
    assert n.groupby("model").la_code.nunique().min() > 150  # every LA's neighbours, not only Bromley's


def test_default_model_is_may_2025_and_summary(fresh):
    from loaders.store import Store

    s = Store(fresh["dir"])
    a = fresh["areas"]
    assert sorted(a[a.is_stat_neighbour].area_name) == sorted(SN_NAMES["2025"])
    assert s.neighbour_models() == ["2021", "2025"]
    r = s.neighbour_summary("cla_rate", "31 Mar 2025")
    t = r["table"].set_index("area_code")
    nb = t.drop(index=BROMLEY)
    assert len(nb) == 10 and r["n_neighbours"] == 10
    assert r["neighbour_mean"] == pytest.approx(nb.value.mean())
    assert r["neighbour_pooled"] == pytest.approx(nb.numerator.sum() / nb.denominator.sum() * 1e4)
    assert r["rank"] == 1 + int((nb.value > t.at[BROMLEY, "value"]).sum()) and r["of"] == 11
    old = s.neighbour_summary("cla_rate", "31 Mar 2025", model="2021")
    assert set(old["table"].area_name) - {"Bromley"} == set(SN_NAMES["2021"])


# --------------------------------------------------------------------------- LA obesity: Fingertips' own comparison
def test_la_obesity_carries_fingertips_comparison_and_overview_shows_it(fresh, raw_dir):
    raw = pd.read_csv(raw_dir / "trafford_themes_children_LA/obese_year6.csv")
    raw = raw[
        (raw.area_code == BROMLEY)
        & (raw.indicator == "Year 6 prevalence of obesity (including severe obesity)")
        & raw.inequality.isna()
        & raw.value.notna()
    ]  # 2020/21: not published (COVID)
    v = pick(fresh["values"], indicator_id="obesity_year6", area_code=BROMLEY, area_type="la").set_index("period")
    for r in raw.itertuples():
        assert v.at[r.period, "published_comparison"] == r.compared_to_England, r.period
    from loaders import targets
    from loaders.store import Store
    from model import overview

    tiles = {t["indicator_id"]: t for t in overview.tiles(Store(fresh["dir"]), targets.load())}
    latest = raw.sort_values("period").iloc[-1]
    eng = next(c for c in tiles["obesity_year6"]["comparisons"] if c.startswith("England"))
    word = {"Similar": "similar to", "Better": "better than", "Worse": "worse than"}[latest.compared_to_England]
    assert eng.endswith(f"Fingertips: {word} England") and "not tested" not in eng
    assert [t for t in tiles] == catalogue.HEADLINES


# --------------------------------------------------------------------------- data age (model, no Streamlit)
def test_data_age_kinds_and_statement(store):
    from model import data_age
    from model import hotspots as hs

    assert hs.DEFAULT_INDICATORS == ["idaci", "child_poverty", "obesity_year6", "neet", "cla_rate"]
    a = data_age.indicator_ages(store, hs.DEFAULT_INDICATORS, "ward2022", today="2026-11-29").set_index("indicator_id")
    assert a.at["obesity_year6", "age"] == "2011/12-2013/14, 12 years old"
    assert a.at["child_poverty", "age"] == "2024/25, 1 year old"
    assert a.kind.to_dict() == {
        "idaci": "current",
        "child_poverty": "current",
        "obesity_year6": "estimate",
        "neet": "illustrative",
        "cla_rate": "illustrative",
    }
    text = data_age.statement(a.reset_index())
    assert text.startswith("Current and observed: Child income deprivation (IDACI) (2025, less than a year old)")
    assert "12 years old, and old" in text and "ILLUSTRATIVE" in text
    old = data_age.indicator_ages(store, ["obesity_year6", "child_poverty"], "ward2014", today="2026-11-29")
    assert old.kind.tolist() == ["old", "estimate"]
    assert data_age.years_old("2014-03-31", "2026-03-30") == 11 and data_age.years_old("2014-03-31", "2026-03-31") == 12


def test_flags_by_kind_adds_up_to_hotspot_scores(store):
    from model import data_age
    from model import hotspots as hs

    res = hs.hotspots(store, hs.DEFAULT_INDICATORS, "ward2022", "either", "england", "95")
    ages = data_age.indicator_ages(store, hs.DEFAULT_INDICATORS, "ward2022")
    k = data_age.flags_by_kind(res["matrix"], ages).set_index("area_code")
    sc = res["scores"].set_index("area_code")
    assert len(k) == 22
    assert (k.total == sc.n_flagged.reindex(k.index)).all()
    assert (k[data_age.KINDS].sum(axis=1) == k.total).all()
    top = sc.iloc[0]
    assert top.area_name == "Crystal Palace & Anerley" and top.n_flagged == 5
    assert k.at["E05013995", "summary"] == "5 flags: 2 current and observed, 1 estimated, 2 ILLUSTRATIVE"


# --------------------------------------------------------------------------- Census 2021 ward context
CENSUS = {  # indicator -> (London subset file, category column, counted categories)
    "census_deprived_2plus": (
        "LONDON_SUBSET_TS011_household_deprivation21_lsoa21.csv",
        "deprivation_dimensions",
        ["two", "three", "four"],
    ),
    "census_overcrowded": (
        "LONDON_SUBSET_TS052_household_overcrowding21_lsoa21.csv",
        "occupancy_rating",
        ["-1 (overcrowded)", "-2 or less (overcrowded)"],
    ),
    "census_social_rented": ("LONDON_SUBSET_TS054_household_tenure21_lsoa21.csv", "tenure", ["Social rented:"]),
    "census_disabled": ("LONDON_SUBSET_TS038_disability21_lsoa21_ew.csv", "disability", ["Disabled under"]),
    "census_ethnic_minority": (
        "LONDON_SUBSET_TS021_ethnicity21_lsoa21.csv",
        "ethnic_group",
        ["Asian", "Black", "Mixed", "Other"],
    ),
}
LU21 = "LSOA_(2021)_to_Electoral_Ward_(2025)_to_LAD_(2025)_Best_Fit_Lookup_in_EW_v2.csv"


def _census_lsoas(raw_dir, ind) -> pd.DataFrame:
    f, col, cats = CENSUS[ind]
    d = pd.read_csv(raw_dir / "census2021_lsoa_demographr" / f)
    total = "total_households" if "total_households" in d else "total_residents"
    if ind == "census_deprived_2plus":
        hit = d[col].str.contains("|".join(f"deprived in {c} dimensions" for c in cats))
    else:
        hit = d[col].apply(lambda s: any(s.startswith(c) for c in cats))
    per = d.groupby("lsoa21_code").agg(total=(total, "first"), la=("ltla24_code", "first"))
    per["n"] = d[hit].groupby("lsoa21_code").n.sum()
    return per.fillna({"n": 0})


@pytest.mark.parametrize("ind", list(CENSUS))
def test_census_wards_recomputed_from_lsoas(values, raw_dir, ind):
    lsoas = _census_lsoas(raw_dir, ind)
    lu = pd.read_csv(raw_dir / LU21, encoding="utf-8-sig", usecols=["LSOA21CD", "WD25CD"]).set_index("LSOA21CD").WD25CD
    lsoas["ward"] = lsoas.index.map(lu)
    w = lsoas.groupby("ward")[["n", "total"]].sum()
    got = pick(values, indicator_id=ind, period="2021", area_type="ward2022").set_index("area_code")
    assert set(got.index) >= WARDS_2022 and len(got) > 600
    for code in ["E05013995", "E05014006", "E05013987", "E05014008", "E05009321"]:  # + a Tower Hamlets ward
        assert got.at[code, "numerator"] == w.at[code, "n"] and got.at[code, "denominator"] == w.at[code, "total"]
        assert got.at[code, "value"] == pytest.approx(w.at[code, "n"] / w.at[code, "total"] * 100, abs=1e-8)
        r = got.loc[code]
        assert r.lower998 < r.lower95 < r.value < r.upper95 < r.upper998
    b = lsoas[lsoas.la == BROMLEY][["n", "total"]].sum()
    bro = pick(values, indicator_id=ind, area_code=BROMLEY, period="2021").iloc[0]
    assert (bro.numerator, bro.denominator) == (b.n, b.total)
    lon = pick(values, indicator_id=ind, area_code=LONDON, period="2021").iloc[0]
    assert (lon.numerator, lon.denominator) == (lsoas.n.sum(), lsoas.total.sum())
    # the 2014 wards are labelled estimates and add up to Bromley
    est = pick(values, indicator_id=ind, period="2021", area_type="ward2014")
    assert set(est.area_code) == WARDS_2014 and est.is_estimate.all()
    assert est.numerator.sum() == b.n and est.denominator.sum() == b.total
    assert not got.loc[list(WARDS_2022)].is_estimate.any()


def test_census_england_from_nomis_and_metadata(values, raw_dir, fresh):
    d = pd.read_csv(raw_dir / "census2021_lsoa_nomis/LSOA_Deprivation.csv", skiprows=6, dtype=str)
    d = d[d.iloc[:, 0].str.match(r"^E01\d{6} : ", na=False)]
    assert len(d) == 33755
    n = sum(
        d[c].astype(float).sum()
        for c in [
            "Household is deprived in two dimensions",
            "Household is deprived in three dimensions",
            "Household is deprived in four dimensions",
        ]
    )
    eng = pick(values, indicator_id="census_deprived_2plus", area_code=ENGLAND).iloc[0]
    assert eng.numerator == n and eng.denominator == d["Total: All households"].astype(float).sum()
    assert round(eng.value, 1) == 18.1
    assert pick(values, indicator_id="census_overcrowded", area_code=ENGLAND).empty  # no England file: no comparator
    ind = fresh["indicators"]
    for i in CENSUS:
        assert "NOT children only" in ind.at[i, "caveats"]
    assert ind.at["census_ethnic_minority", "hotspot_polarity"] == "no_judgement"
    assert (ind.loc[[i for i in CENSUS if i != "census_ethnic_minority"], "hotspot_polarity"] == "low_is_good").all()
