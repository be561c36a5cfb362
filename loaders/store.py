"""The query layer: DuckDB over the Parquet extracts.

One :class:`Store` holds one in-memory DuckDB database loaded from ``data/``.
Each query runs on its own cursor, so one Store can serve many Streamlit
sessions (threads) at once. Identifiers a user chooses (indicator, geography,
comparator) are checked against whitelists; every value is a bound parameter.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from loaders import extracts, local_indicators, periods, queries
from loaders.codes import BROMLEY, GEOGRAPHIES
from model.lru import LRU, MB

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def default_data_dir() -> Path:
    """The extracts folder: BWE_DATA_DIR if set (deployments, fault tests), else the project's data/."""
    return Path(os.environ["BWE_DATA_DIR"]) if os.environ.get("BWE_DATA_DIR") else DATA_DIR


LOCAL_DIR_NAME = "local"  # git-ignored: councils' own extracts
TABLE_FILES = {
    "base_values": "values.parquet",
    "areas": "areas.parquet",
    "indicators": "indicators.parquet",
    "sources": "sources.parquet",
    "lookups": "lookups.parquet",
}
NEIGHBOURS_FILE = "neighbours.parquet"  # optional: DfE statistical neighbour models
DEFAULT_NEIGHBOUR_MODEL = "2025"  # DfE's May 2025 model (the April 2021 one is kept too)


class DataUnavailable(RuntimeError):
    """The extracts cannot be read. The message says which file and what to do."""


class BadRequest(ValueError):
    """An identifier that is not on the whitelist."""


class Store:
    def __init__(self, data_dir: Path | str | None = None):
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self._con = duckdb.connect(":memory:")
        self._con.execute(queries.SETTINGS)
        self._lock = threading.Lock()
        self._memo = LRU(
            f"queries (Store {self.data_dir.name})", max_entries=self.MEMO_ENTRIES, max_bytes=self.MEMO_BYTES
        )
        self._topology: dict[str, dict] = {}
        self._meta: dict[str, dict] | None = None
        try:
            for table, fname in TABLE_FILES.items():
                path = self.data_dir / fname
                if not path.is_file():
                    raise DataUnavailable(f"data file {path.name} is missing. Rebuild it with: python -m loaders.build")
                try:
                    self._con.execute(queries.LOAD[table], {"path": str(path)})
                except duckdb.Error as e:
                    raise DataUnavailable(
                        f"data file {path.name} cannot be read ({type(e).__name__}). "
                        "Rebuild it with: python -m loaders.build"
                    ) from e
            neighbours = self.data_dir / NEIGHBOURS_FILE
            if neighbours.is_file():
                self._con.execute(queries.LOAD_NEIGHBOURS, {"path": str(neighbours)})
            else:
                self._con.execute(queries.EMPTY_NEIGHBOURS)
            files = extracts.extract_files(self.data_dir)
            local = [str(p) for p in files]
            if local:
                try:
                    self._con.execute(queries.LOAD_LOCAL, {"paths": local})
                    self._con.execute(queries.RELABEL_DEC_FEB, {"ids": sorted(periods.DEC_FEB_INDICATORS)})
                    for p in files:
                        self._con.execute(queries.ADD_SOURCE, extracts.source_entry(p))
                except (duckdb.Error, ValueError, OSError) as e:
                    raise DataUnavailable(
                        f"a local extract (in the data folder's {LOCAL_DIR_NAME}/) cannot be read "
                        f"({type(e).__name__}); remove or re-import it"
                    ) from e
            else:
                self._con.execute(queries.EMPTY_LOCAL)
            try:
                self.local_indicator_ids = self._merge_local(bool(local))
            except (duckdb.Error, ValueError, KeyError) as e:
                raise DataUnavailable(
                    f"a local extract (in the data folder's {LOCAL_DIR_NAME}/) does not match the "
                    f"values table ({type(e).__name__}); remove or re-import it"
                ) from e
        except PermissionError as e:
            raise DataUnavailable(f"the data folder cannot be read ({type(e).__name__})") from e
        self.indicator_ids = set(self._q(queries.INDICATORS).indicator_id)
        self.local_files = local

    def _merge_local(self, any_local: bool) -> set[str]:
        """Merge the council's extracts into ``vals`` (queries.MERGE): local indicators it defined join the
        indicators table (with Bromley's value where an extract covers every ward), and the indicators with
        council rows name the council's extract among their sources. Returns the local indicators shown."""
        defs = local_indicators.load(self.data_dir) if any_local else {}
        con = self._con
        if defs:
            con.register("local_defs", local_indicators.table(defs))
            try:
                con.execute(queries.ADD_LOCAL_INDICATORS)
            finally:
                con.unregister("local_defs")
        con.execute(queries.MERGE)
        shown = set(con.execute(queries.INDICATORS).df().indicator_id) & set(defs) if defs else set()
        if shown:
            rows = con.execute(queries.LOCAL_WARD_ROWS, {"ids": sorted(shown)}).df()
            wards = con.execute(queries.BROMLEY_WARDS).df().groupby("area_type").area_code.agg(set).to_dict()
            totals = local_indicators.borough_totals(rows, {k: defs[k] for k in shown}, wards)
            if len(totals):
                con.register("local_totals", totals)
                try:
                    con.execute(queries.ADD_LOCAL_TOTALS)
                finally:
                    con.unregister("local_totals")
        if any_local:
            con.execute(queries.LOCAL_PROVENANCE)
            con.execute(queries.ILLUSTRATIVE_SOURCE)
        return shown

    # ---- plumbing ----------------------------------------------------------
    MEMO_ENTRIES = 2048  # query results: a ward table is ~10 KB, an LSOA table ~100 KB, every series of a scheme ~1 MB
    MEMO_BYTES = 8 * MB  # a miss costs DuckDB a few ms; the per-store results built from them are kept longer

    def _q(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run one query on its own cursor. The tables never change after loading, so results are
        memoised (bounded by entries and bytes, least recently used first out: model.lru); callers get
        their own copy."""
        params = params or {}
        key = (sql, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
        hit = self._memo.get(key)
        if hit is None:
            cur = self._con.cursor()
            try:
                hit = cur.execute(sql, params).df()
            finally:
                cur.close()
            hit = self._memo.put(key, hit)
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

    def values(
        self, indicator: str, period: str, geography: str, *, bromley_only: bool = True, breakdown: str = "All"
    ) -> pd.DataFrame:
        return self._q(
            queries.VALUES,
            {
                "indicator": self._indicator(indicator),
                "period": str(period),
                "geography": self._geography(geography),
                "breakdown": str(breakdown),
                "bromley_only": bool(bromley_only),
            },
        )

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

    def neighbour_models(self) -> list[str]:
        """The DfE statistical neighbour models held ('2021', '2025')."""
        return self._q(queries.NEIGHBOUR_MODELS).model.tolist()

    def _model(self, model: str) -> str:
        if str(model) not in self.neighbour_models():
            raise BadRequest(f"unknown statistical neighbour model {model!r}")
        return str(model)

    def stat_neighbours(self, model: str = DEFAULT_NEIGHBOUR_MODEL, la: str = BROMLEY) -> pd.DataFrame:
        """An LA's ten statistical neighbours in one DfE model: rank, area_code, area_name, closeness."""
        return self._q(queries.MODEL_NEIGHBOURS, {"model": self._model(model), "la": str(la)})

    def neighbour_summary(
        self, indicator: str, period: str, model: str = DEFAULT_NEIGHBOUR_MODEL, la: str = BROMLEY
    ) -> dict:
        """The LA against its statistical neighbours for one indicator and period: the neighbours' average
        (mean of their values; pooled as sum of counts / sum of denominators too when all have counts), and
        the LA's rank among itself and the neighbours with a value (1 = highest value)."""
        d = self._q(
            queries.NEIGHBOUR_VALUES,
            {
                "indicator": self._indicator(indicator),
                "period": str(period),
                "model": self._model(model),
                "la": str(la),
            },
        )
        nb = d[~d.is_self]
        have = d[d.value.notna()]
        me = d[d.is_self]
        mine = float(me.value.iloc[0]) if len(me) and pd.notna(me.value.iloc[0]) else None
        mult = float(self.indicator(indicator)["multiplier"])
        counted = nb.value.notna() & nb.numerator.notna() & nb.denominator.notna()
        return {
            "model": str(model),
            "period": str(period),
            "table": d.drop(columns="is_self"),
            "value": mine,
            "n_neighbours": int(nb.value.notna().sum()),
            "neighbour_mean": float(nb.value.mean()) if nb.value.notna().any() else None,
            "neighbour_pooled": (
                float(nb.numerator[counted].sum() / nb.denominator[counted].sum() * mult)
                if counted.any() and counted.sum() == nb.value.notna().sum()
                else None
            ),
            "rank": int((have.value > mine).sum() + 1) if mine is not None else None,
            "of": int(len(have)),
        }

    def sources(self) -> pd.DataFrame:
        return self._q(queries.SOURCES)

    def all_values(self) -> pd.DataFrame:
        """Every row (not memoised: large, and only wanted for a download or a public-mode index)."""
        cur = self._con.cursor()
        try:
            return cur.execute(queries.ALL_VALUES).df()
        finally:
            cur.close()

    def dataset(self, fmt: str, *, hidden: pd.DataFrame | None = None, zip_as: str | None = None) -> bytes:
        """Every row as a CSV or Parquet file, written by DuckDB (a full copy in pandas would cost ~100 MB of
        server memory per download). ``hidden`` (PublicStore): keys of rows to blank, as public mode does.
        ``zip_as``: the file, named so, in a ZIP archive (the CSV is 13 MB, zipped 1.5 MB: a download's bytes
        stay in the server's memory for the life of the session)."""
        if fmt not in queries.EXPORT_FORMATS:
            raise BadRequest(f"unknown format {fmt!r}")
        cur = self._con.cursor()
        try:
            with tempfile.TemporaryDirectory(prefix="bwe-dataset-") as d:
                path = str(Path(d) / f"values.{fmt}")
                if hidden is None:
                    cur.execute(queries.EXPORT, {"path": path, "fmt": fmt})
                else:
                    cur.register("hidden", hidden)
                    cur.execute(queries.EXPORT_PUBLIC, {"path": path, "fmt": fmt})
                if zip_as is None:
                    return Path(path).read_bytes()
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
                    z.write(path, arcname=zip_as)
                return buf.getvalue()
        finally:
            cur.close()

    def disclosive_counts(self) -> pd.DataFrame:
        """Keys and counts of the disclosive indicators' rows (what public mode decides suppression on)."""
        return self._q(queries.DISCLOSIVE_COUNTS)

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
                    raise DataUnavailable(
                        f"data file {path.name} cannot be read ({type(e).__name__}). "
                        "Rebuild it with: python -m loaders.build"
                    ) from e
            return self._topology[layer]
