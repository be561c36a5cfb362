"""The query layer: DuckDB over the Parquet extracts.

One :class:`Store` holds one in-memory DuckDB database loaded from ``data/``.
Each query runs on its own cursor, so one Store can serve many Streamlit
sessions (threads) at once. Identifiers a user chooses (indicator, geography,
comparator) are checked against whitelists; every value is a bound parameter.
"""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from loaders import extracts, queries
from loaders.codes import BROMLEY, ENGLAND, LONDON
from loaders.codes import GEOGRAPHIES

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def default_data_dir() -> Path:
    """The extracts folder: BWE_DATA_DIR if set (deployments, fault tests), else the project's data/."""
    return Path(os.environ["BWE_DATA_DIR"]) if os.environ.get("BWE_DATA_DIR") else DATA_DIR
LOCAL_DIR_NAME = "local"  # git-ignored: councils' own extracts
TABLE_FILES = {"base_values": "values.parquet", "areas": "areas.parquet", "indicators": "indicators.parquet",
               "sources": "sources.parquet", "lookups": "lookups.parquet"}
COMPARATORS = {"bromley": BROMLEY, "london": LONDON, "england": ENGLAND}
GEOGRAPHY_LABELS = {"ward2022": "Wards (2022-)", "ward2014": "Wards (2014-2022)", "lsoa2021": "LSOAs (2021)",
                    "lsoa2011": "LSOAs (2011)", "la": "Local authority"}


class DataUnavailable(RuntimeError):
    """The extracts cannot be read. The message says which file and what to do."""


class BadRequest(ValueError):
    """An identifier that is not on the whitelist."""


class Store:
    def __init__(self, data_dir: Path | str | None = None):
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self._con = duckdb.connect(":memory:")
        self._lock = threading.Lock()
        self._memo: OrderedDict = OrderedDict()
        self._topology: dict[str, dict] = {}
        self._meta: dict[str, dict] | None = None
        try:
            for table, fname in TABLE_FILES.items():
                path = self.data_dir / fname
                if not path.is_file():
                    raise DataUnavailable(f"{path} is missing. Rebuild it with: python -m loaders.build")
                try:
                    self._con.execute(queries.LOAD[table], {"path": str(path)})
                except duckdb.Error as e:
                    raise DataUnavailable(f"{path} cannot be read ({type(e).__name__}). "
                                          "Rebuild it with: python -m loaders.build") from e
            files = extracts.extract_files(self.data_dir)
            local = [str(p) for p in files]
            if local:
                try:
                    self._con.execute(queries.LOAD_LOCAL, {"paths": local})
                    for p in files:
                        self._con.execute(queries.ADD_SOURCE, extracts.source_entry(p))
                except (duckdb.Error, ValueError, OSError) as e:
                    raise DataUnavailable(f"a local extract in {self.data_dir / LOCAL_DIR_NAME} cannot be read "
                                          f"({type(e).__name__}); remove or re-import it") from e
            else:
                self._con.execute(queries.EMPTY_LOCAL)
            try:
                self._con.execute(queries.MERGE)
            except duckdb.Error as e:
                raise DataUnavailable(f"a local extract in {self.data_dir / LOCAL_DIR_NAME} does not match the "
                                      f"values table ({type(e).__name__}); remove or re-import it") from e
        except PermissionError as e:
            raise DataUnavailable(f"{self.data_dir} cannot be read: {e}") from e
        self.indicator_ids = set(self._q(queries.INDICATORS).indicator_id)
        self.local_files = local

    # ---- plumbing ----------------------------------------------------------
    MEMO_SIZE = 4096

    def _q(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run one query on its own cursor. The tables never change after loading, so results are
        memoised (bounded, least recently used first out); callers get their own copy."""
        params = params or {}
        key = (sql, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
        if hit is None:
            cur = self._con.cursor()
            try:
                hit = cur.execute(sql, params).df()
            finally:
                cur.close()
            with self._lock:
                self._memo[key] = hit
                while len(self._memo) > self.MEMO_SIZE:
                    self._memo.popitem(last=False)
        return hit.copy()

    def _indicator(self, indicator: str) -> str:
        if indicator not in self.indicator_ids:
            raise BadRequest(f"unknown indicator {indicator!r}")
        return indicator

    @staticmethod
    def _geography(geography: str) -> str:
        if geography not in GEOGRAPHIES:
            raise BadRequest(f"unknown geography {geography!r}; choose from {', '.join(GEOGRAPHIES)}")
        return geography

    # ---- queries -----------------------------------------------------------
    def indicators(self) -> pd.DataFrame:
        return self._q(queries.INDICATORS)

    def indicator(self, indicator: str) -> dict:
        """One indicator's metadata (a fresh dict each call)."""
        if self._meta is None:
            self._meta = {r["indicator_id"]: r for r in self.indicators().to_dict("records")}
        return dict(self._meta[self._indicator(indicator)])

    def options(self, indicator: str) -> pd.DataFrame:
        """(period, geography) combinations with Bromley data, newest first."""
        return self._q(queries.OPTIONS, {"indicator": self._indicator(indicator)})

    def values(self, indicator: str, period: str, geography: str, *, bromley_only: bool = True,
               breakdown: str = "All") -> pd.DataFrame:
        return self._q(queries.VALUES, {"indicator": self._indicator(indicator), "period": str(period),
                                        "geography": self._geography(geography), "breakdown": str(breakdown),
                                        "bromley_only": bool(bromley_only)})

    def comparators(self, indicator: str, period: str) -> pd.DataFrame:
        return self._q(queries.COMPARATORS, {"indicator": self._indicator(indicator), "period": str(period)})

    def series(self, indicator: str, codes: list[str]) -> pd.DataFrame:
        return self._q(queries.SERIES, {"indicator": self._indicator(indicator), "codes": [str(c) for c in codes]})

    def series_all(self, codes: list[str]) -> pd.DataFrame:
        """Every indicator's series for these areas, in one query."""
        return self._q(queries.SERIES, {"indicator": None, "codes": [str(c) for c in codes]})

    def trend_areas(self, indicator: str) -> pd.DataFrame:
        return self._q(queries.TREND_AREAS, {"indicator": self._indicator(indicator)})

    def london_rank(self, indicator: str, period: str) -> pd.DataFrame:
        return self._q(queries.LONDON_RANK, {"indicator": self._indicator(indicator), "period": str(period)})

    def areas(self, area_type: str, *, bromley_only: bool = True) -> pd.DataFrame:
        if area_type not in GEOGRAPHIES + ["region", "country"]:
            raise BadRequest(f"unknown area type {area_type!r}")
        return self._q(queries.AREAS, {"area_type": area_type, "bromley_only": bool(bromley_only)})

    def area(self, code: str) -> pd.DataFrame:
        return self._q(queries.AREA, {"code": str(code)})

    def neighbours(self) -> pd.DataFrame:
        return self._q(queries.NEIGHBOURS)

    def crosswalk(self) -> pd.DataFrame:
        return self._q(queries.CROSSWALK)

    def sources(self) -> pd.DataFrame:
        return self._q(queries.SOURCES)

    def all_values(self) -> pd.DataFrame:
        """Every row (not memoised: large, and only wanted for a download or a public-mode index)."""
        cur = self._con.cursor()
        try:
            return cur.execute(queries.ALL_VALUES).df()
        finally:
            cur.close()

    def count_values(self) -> int:
        return int(self._q(queries.COUNT_VALUES).n.iloc[0])

    def topology(self, layer: str) -> dict:
        """One layer's boundaries as TopoJSON (object ``areas``; geometries in area_code order, each with
        its area code as ``id`` and no properties). Read once, then kept: do not mutate it."""
        if layer not in GEOGRAPHIES[:4] + ["london_ward2014"]:
            raise BadRequest(f"no boundaries for {layer!r}")
        with self._lock:
            if layer not in self._topology:
                path = self.data_dir / "topology.parquet"
                try:
                    t = pq.read_table(path, columns=["layer", "topojson"], filters=[("layer", "==", layer)])
                    self._topology[layer] = json.loads(t.column("topojson")[0].as_py())
                except Exception as e:
                    raise DataUnavailable(f"{path} cannot be read ({type(e).__name__}). "
                                          "Rebuild it with: python -m loaders.build") from e
            return self._topology[layer]
