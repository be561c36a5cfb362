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


# Every raw file the build may read, by key. Each source module in loaders/sources/ registers its own
# files (with :func:`register`) when imported; importing this module imports them all (at the foot).
RAW_FILES: dict[str, RawFile] = {}


def register(*files: RawFile) -> None:
    for f in files:
        if RAW_FILES.get(f.key, f) != f:
            raise ValueError(f"raw file key {f.key!r} registered twice with different files")
        RAW_FILES[f.key] = f


class Raw:
    """Access to the raw folder: resolved paths, hashes and checked readers.

    Where raw files come from is decided here and only here (:meth:`path`): ``root`` first, then each
    of ``fallbacks`` in order (e.g. a refreshed download cache first, the shared raw folder after it).
    """

    def __init__(self, root: Path | str = DEFAULT_RAW, *fallbacks: Path | str):
        self.roots = [Path(r).resolve() for r in (root, *fallbacks)]
        self.root = self.roots[0]
        if not self.root.is_dir():
            raise RawDataError(f"raw folder not found: {self.root}")
        self._sha: dict[str, str] = {}

    def path(self, key: str) -> Path:
        """The file for ``key``: the first root that has it."""
        spec = RAW_FILES[key]
        for root in self.roots:
            p = root / spec.path
            if p.is_file():
                return p
        raise RawDataError(f"{spec.path}: file is missing from {self.root} (renamed or not downloaded?)")

    def relpath(self, key: str) -> str:
        """The file's path inside the raw folder, as MANIFEST.md names it."""
        return RAW_FILES[key].path

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
            raise RawDataError(
                f"{spec.path}: not in the expected {spec.encoding} encoding ({e.reason} at byte {e.start})"
            ) from e
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

    def geo(
        self, key: str, code_col: str, crs_if_missing: int | None = None, name_col: str | None = None
    ) -> gpd.GeoDataFrame:
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


from loaders import sources as _sources  # noqa: E402,F401  (registers every source's raw files)
