"""Reading the raw public files, with the checks that stop a build early.

Every reader names the file and what is wrong with it: a missing or renamed
file, a wrong encoding, missing columns, or unexpected area codes all raise
:class:`RawDataError` with a message a person can act on.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd


DEFAULT_RAW = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "raw"


class RawDataError(RuntimeError):
    """A raw input file is missing or not what the build expects."""


@dataclass(frozen=True)
class RawFile:
    key: str
    path: str  # relative to the raw folder
    encoding: str | None = None  # text files only
    columns: tuple[str, ...] = ()  # columns that must be present


RAW_FILES: dict[str, RawFile] = {
    f.key: f
    for f in [
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
        RawFile("iod2019", "ID 2019 for London.xlsx"),
        RawFile(
            "iod2025",
            "IoD2025_File7_Bromley.csv",
            "ascii",
            (
                "LSOA code (2021)",
                "LSOA name (2021)",
                "Local Authority District code (2024)",
                "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
                "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)",
                "Dependent Children aged 0-15: mid 2022",
            ),
        ),
        RawFile("ward_atlas", "ward-atlas-data.csv", "cp1252", ("Codes", "New Code", "Borough", "Names")),
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
        RawFile(
            "cla",
            "cla_number_and_rate_per_10k_children.csv",
            "utf-8-sig",
            (
                "time_period",
                "geographic_level",
                "country_code",
                "country_name",
                "region_code",
                "region_name",
                "la_name",
                "new_la_code",
                "population_count",
                "population_estimate",
                "number",
                "rate_per_10000",
            ),
        ),
        RawFile("neet", "neet.csv", "utf-8", ("area_code", "area_name", "period", "indicator", "value")),
        RawFile(
            "la_child_poverty",
            "trafford_themes_children_LA/children_poverty.csv",
            "utf-8",
            ("area_code", "area_name", "period", "indicator", "value"),
        ),
        RawFile(
            "la_obese_reception",
            "trafford_themes_children_LA/obese_reception.csv",
            "utf-8",
            ("area_code", "area_name", "area_type", "period", "indicator", "value", "inequality"),
        ),
        RawFile(
            "la_obese_year6",
            "trafford_themes_children_LA/obese_year6.csv",
            "utf-8",
            ("area_code", "area_name", "area_type", "period", "indicator", "value", "inequality"),
        ),
        RawFile(
            "census_ts007a",
            "census2021-ts007a-lsoa.csv",
            "utf-8",
            (
                "geography code",
                "Age: Aged 4 years and under",
                "Age: Aged 5 to 9 years",
                "Age: Aged 10 to 14 years",
                "Age: Aged 15 to 19 years",
            ),
        ),
    ]
}


class Raw:
    """Access to the raw folder: resolved paths, hashes and checked readers."""

    def __init__(self, root: Path | str = DEFAULT_RAW):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise RawDataError(f"raw folder not found: {self.root}")
        self._sha: dict[str, str] = {}

    def path(self, key: str) -> Path:
        spec = RAW_FILES[key]
        p = self.root / spec.path
        if not p.is_file():
            raise RawDataError(f"{spec.path}: file is missing from {self.root} (renamed or not downloaded?)")
        return p

    def sha256(self, key: str) -> str:
        if key not in self._sha:
            self._sha[key] = hashlib.sha256(self.path(key).read_bytes()).hexdigest()
        return self._sha[key]

    # ---- readers -----------------------------------------------------------
    def csv(self, key: str, **kwargs) -> pd.DataFrame:
        spec = RAW_FILES[key]
        p = self.path(key)
        try:
            df = pd.read_csv(p, encoding=spec.encoding, low_memory=False, **kwargs)
        except UnicodeDecodeError as e:
            raise RawDataError(f"{spec.path}: not in the expected {spec.encoding} encoding ({e.reason} at byte {e.start})") from e
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise RawDataError(f"{spec.path}: cannot be parsed as CSV ({e})") from e
        self._check_columns(spec, df.columns)
        return df

    def excel(self, key: str, sheet: str, columns: tuple[str, ...]) -> pd.DataFrame:
        spec = RAW_FILES[key]
        p = self.path(key)
        try:
            df = pd.read_excel(p, sheet_name=sheet, engine="openpyxl")
        except ValueError as e:
            raise RawDataError(f"{spec.path}: sheet {sheet!r} is missing ({e})") from e
        except Exception as e:  # zip/openpyxl errors for a corrupt workbook
            raise RawDataError(f"{spec.path}: cannot be read as an Excel workbook ({e})") from e
        self._check_columns(RawFile(spec.key, f"{spec.path} [{sheet}]", columns=columns), df.columns)
        return df

    def geo(self, key: str, code_col: str, crs_if_missing: int | None = None,
            name_col: str | None = None) -> gpd.GeoDataFrame:
        spec = RAW_FILES[key]
        p = self.path(key)
        try:
            g = gpd.read_file(p)
        except Exception as e:
            raise RawDataError(f"{spec.path}: cannot be read as a boundary file ({e})") from e
        for col in filter(None, (code_col, name_col)):
            if col not in g.columns:
                raise RawDataError(f"{spec.path}: expected a {col!r} property; found {list(g.columns)}")
        if g.crs is None:
            if crs_if_missing is None:
                raise RawDataError(f"{spec.path}: no coordinate reference system")
            g = g.set_crs(crs_if_missing)
        return g

    @staticmethod
    def _check_columns(spec: RawFile, columns) -> None:
        missing = [c for c in spec.columns if c not in set(columns)]
        if missing:
            raise RawDataError(f"{spec.path}: missing expected column(s) {missing} (wrong file or changed format?)")


def expect_codes(what: str, found, expected, exact: bool = True) -> None:
    """Stop the build when a file's area codes are not the expected set."""
    found, expected = set(found), set(expected)
    if exact and found != expected:
        extra, missing = sorted(found - expected), sorted(expected - found)
        raise RawDataError(f"{what}: unexpected area codes (extra {extra[:5]}, missing {missing[:5]})")
    if not exact and not expected <= found:
        raise RawDataError(f"{what}: missing area codes {sorted(expected - found)[:5]}")


def expect_count(what: str, n: int, expected: int) -> None:
    if n != expected:
        raise RawDataError(f"{what}: expected {expected} rows, found {n}")


def numeric(df: pd.DataFrame, col: str, what: str, allow_missing: bool = False) -> pd.Series:
    """Coerce a column to numbers; raise naming the file if any value is not numeric."""
    s = pd.to_numeric(df[col], errors="coerce")
    bad = df[col][s.isna() & df[col].notna()]
    if len(bad) and not allow_missing:
        raise RawDataError(f"{what}: column {col!r} has non-numeric values {sorted(map(str, bad.unique()))[:5]}")
    return s.astype(float)
