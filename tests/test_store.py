"""The query layer (loaders.store.Store) over the committed extracts: results, whitelisting, SQL hygiene,
thread safety and unreadable data."""

from __future__ import annotations

import ast
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders.store import BadRequest, DataUnavailable, Store

BROMLEY, LONDON, ENGLAND = "E09000006", "E12000007", "E92000001"
WARDS_2014 = {f"E05000{n}" for n in range(106, 128)}
WARDS_2022 = {f"E050{n}" for n in range(13987, 14009)}
CLA_PERIODS = [f"31 Mar {y}" for y in range(2019, 2026)]


@pytest.fixture(scope="module")
def parquet(data_dir) -> dict[str, pd.DataFrame]:
    """The committed tables read directly with pandas, to check the Store against."""
    return {t: pd.read_parquet(data_dir / f"{t}.parquet") for t in ("values", "areas")}


# --------------------------------------------------------------------------- results
def test_values_idaci_2019_wards_2014(store, parquet):
    df = store.values("idaci", "2019", "ward2014")
    assert len(df) == 22
    assert set(df.area_code) == WARDS_2014
    assert df.value.is_monotonic_decreasing
    assert df.area_name.notna().all() and df.area_name.str.len().gt(0).all()

    v, a = parquet["values"], parquet["areas"]
    expected = v[
        (v.indicator_id == "idaci")
        & (v.period == "2019")
        & (v.area_type == "ward2014")
        & v.area_code.isin(WARDS_2014)
        & (v.breakdown == "All")
    ]
    expected = expected.sort_values(["value", "area_code"], ascending=[False, True])
    assert list(df.area_code) == list(expected.area_code)
    assert (df.value.to_numpy() == expected.value.to_numpy()).all()
    names = a[a.area_type == "ward2014"].set_index("area_code").area_name
    assert list(df.area_name) == list(names.loc[df.area_code])
    top = expected.iloc[0]
    assert names[top.area_code] == "Cray Valley West"
    assert df.iloc[0].area_name == "Cray Valley West" and df.iloc[0].area_code == top.area_code == "E05000115"


def test_comparators_idaci_2019(store, parquet):
    df = store.comparators("idaci", "2019").set_index("area_code")
    assert {BROMLEY, LONDON} <= set(df.index)
    assert df.at[BROMLEY, "area_name"] == "Bromley" and df.at[LONDON, "area_name"] == "London"
    v = parquet["values"]
    for code, atype in ((BROMLEY, "la"), (LONDON, "region")):
        exp = v[(v.indicator_id == "idaci") & (v.period == "2019") & (v.area_code == code) & (v.area_type == atype)]
        assert len(exp) == 1 and df.at[code, "value"] == exp.value.iloc[0]
    assert df.at[LONDON, "value"] > df.at[BROMLEY, "value"]  # Bromley is less deprived than London


def test_series_cla_rate_seven_periods_each(store):
    df = store.series("cla_rate", [BROMLEY, ENGLAND])
    assert set(df.area_code) == {BROMLEY, ENGLAND}
    for code, g in df.groupby("area_code"):
        assert list(g.period) == CLA_PERIODS, code  # one row per period, in time order
    b = df[(df.area_code == BROMLEY) & (df.period == "31 Mar 2023")].iloc[0]
    assert (b.numerator, b.denominator) == (343, 72568)  # the 2025 edition (the 2023 one said 72,526)


def test_london_rank_obesity_year6(store, parquet):
    df = store.london_rank("obesity_year6", "2011/12-2013/14")
    assert len(df) > 600
    assert (df.london_wards == len(df)).all()
    assert df.london_rank.min() == 1 and df.london_rank.max() <= len(df)
    assert set(df.area_code) >= WARDS_2014
    v = parquet["values"]
    v = v[
        (v.indicator_id == "obesity_year6")
        & (v.period == "2011/12-2013/14")
        & (v.area_type == "ward2014")
        & v.value.notna()
    ]
    assert len(df) == len(v)
    top = v.loc[v.value.idxmax(), "area_code"]
    assert df.loc[df.london_rank == 1, "area_code"].tolist() == [top]


# --------------------------------------------------------------------------- whitelisting
@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.values("no_such_indicator", "2019", "ward2014"),
        lambda s: s.values("idaci'; DROP TABLE vals; --", "2019", "ward2014"),
        lambda s: s.comparators("IDACI", "2019"),
        lambda s: s.series("no_such_indicator", [BROMLEY]),
        lambda s: s.london_rank("no_such_indicator", "2019"),
        lambda s: s.options("no_such_indicator"),
    ],
)
def test_unknown_indicator_is_rejected(store, call):
    with pytest.raises(BadRequest, match="unknown indicator"):
        call(store)


@pytest.mark.parametrize("geography", ["county", "ward2014' OR 1=1 --", "", "areas"])
def test_unknown_geography_is_rejected(store, geography):
    with pytest.raises(BadRequest, match="unknown geography"):
        store.values("idaci", "2019", geography)


@pytest.mark.parametrize("period", ["2019' OR 1=1 --", '2019" OR 1=1 --', "2019 OR 1=1", "' OR ''='", "%", "*"])
def test_injection_like_period_returns_no_rows(store, period):
    assert len(store.values("idaci", period, "ward2014")) == 0
    assert len(store.values("idaci", period, "ward2014", bromley_only=False)) == 0
    assert len(store.comparators("idaci", period)) == 0
    assert len(store.london_rank("obesity_year6", period)) == 0
    # and the store still works afterwards
    assert len(store.values("idaci", "2019", "ward2014")) == 22


def test_injection_like_area_codes_return_no_rows(store):
    assert len(store.series("cla_rate", ["E09000006') OR 1=1 --", "' OR ''='"])) == 0
    assert len(store.area("E09000006' OR '1'='1")) == 0


def test_sql_is_never_built_by_formatting(root):
    """queries.py holds only literal SQL, and every .execute() in loaders/ runs a query from it."""
    loaders = root / "loaders"
    q = ast.parse((loaders / "queries.py").read_text())
    for node in ast.walk(q):
        assert not isinstance(node, (ast.JoinedStr, ast.BinOp, ast.Call)), (
            f"queries.py:{node.lineno}: SQL built by formatting or concatenation"
        )

    def is_query(node) -> bool:
        if isinstance(node, ast.Subscript):  # queries.LOAD[table]
            node = node.value
        return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "queries"

    calls = []  # (file, call, enclosing function)

    class Visitor(ast.NodeVisitor):
        def __init__(self, path):
            self.path, self.fn = path, []

        def visit_FunctionDef(self, node):
            self.fn.append(node)
            self.generic_visit(node)
            self.fn.pop()

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Call(self, node):
            calls.append((self.path, node, self.fn[-1] if self.fn else None))
            self.generic_visit(node)

    for path in sorted(loaders.glob("*.py")):
        if path.name != "queries.py":
            Visitor(path).visit(ast.parse(path.read_text(), filename=str(path)))

    def name(call):
        f = call.func
        return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None

    problems, wrappers, n_exec = [], set(), 0
    for path, call, fn in calls:
        if name(call) not in {"execute", "executemany", "sql"}:
            continue
        n_exec += 1
        first = call.args[0] if call.args else None
        if first is not None and is_query(first):
            continue
        params = {a.arg for a in fn.args.args + fn.args.kwonlyargs} if fn else set()
        if isinstance(first, ast.Name) and first.id in params:
            wrappers.add(fn.name)  # a helper that runs its argument: check its callers instead
            continue
        problems.append(f"{path.name}:{call.lineno} {ast.unparse(call)[:80]}")
    n_wrapped = 0
    for path, call, _fn in calls:
        if name(call) in wrappers:
            n_wrapped += 1
            if not (call.args and is_query(call.args[0])):
                problems.append(f"{path.name}:{call.lineno} {ast.unparse(call)[:80]}")
    assert n_exec >= 5 and n_wrapped >= 5, "found too few query calls: has the code moved?"
    assert not problems, "SQL not taken from loaders.queries:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- concurrency
CALLS = [
    ("values", ("idaci", "2019", "ward2014"), {}),
    ("values", ("idaci", "2025", "ward2022"), {}),
    ("values", ("cla_rate", "31 Mar 2023", "ward2022"), {}),
    ("values", ("obesity_year6", "2011/12-2013/14", "ward2014"), {"bromley_only": False}),
    ("values", ("idaci", "2019' OR 1=1 --", "ward2014"), {}),
    ("comparators", ("idaci", "2019"), {}),
    ("series", ("cla_rate", [BROMLEY, ENGLAND]), {}),
    ("london_rank", ("obesity_year6", "2011/12-2013/14"), {}),
    ("options", ("neet",), {}),
    ("indicators", (), {}),
    ("areas", ("ward2022",), {}),
    ("topology", ("ward2022",), {}),
]


def test_concurrent_queries_match_sequential(store, data_dir):
    expected = [getattr(store, m)(*a, **k) for m, a, k in CALLS]
    shared = Store(data_dir)  # fresh, so the map layer cache is filled under contention
    barrier = threading.Barrier(8)

    def worker(t: int):
        barrier.wait()
        out = []
        for i in range(50):
            j = (i * 7 + t * 3) % len(CALLS)  # a different mix and order per thread
            m, a, k = CALLS[j]
            out.append((j, getattr(shared, m)(*a, **k)))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [r for f in [pool.submit(worker, t) for t in range(8)] for r in f.result(timeout=120)]
    assert len(results) == 400
    assert len({j for j, _ in results}) == len(CALLS)
    for j, got in results:
        if isinstance(got, dict):  # a TopoJSON layer
            assert got == expected[j], CALLS[j][0]
            continue
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected[j].reset_index(drop=True), obj=CALLS[j][0])


# --------------------------------------------------------------------------- faults
def test_copy_of_data_loads(data_copy):
    assert len(Store(data_copy).values("idaci", "2025", "ward2022")) == 22


def test_missing_values_file(data_copy):
    (data_copy / "values.parquet").unlink()
    with pytest.raises(DataUnavailable, match=r"values\.parquet.*missing"):
        Store(data_copy)


@pytest.mark.parametrize("fname", ["values.parquet", "areas.parquet"])
def test_truncated_extract(data_copy, fname):
    p = data_copy / fname
    p.write_bytes(p.read_bytes()[:1000])
    with pytest.raises(DataUnavailable, match=fname.replace(".", r"\.")):
        Store(data_copy)


def test_truncated_topology_is_reported_on_use(data_copy):
    p = data_copy / "topology.parquet"
    p.write_bytes(p.read_bytes()[:1000])
    s = Store(data_copy)  # boundaries are read lazily
    with pytest.raises(DataUnavailable, match=r"topology\.parquet"):
        s.topology("ward2022")


SOURCE = dict(
    source_id="local_cla_rate",
    publisher="London Borough of Bromley (local extract)",
    title="Local extract, loaded 01 Apr 2025, by file council_cla.csv, 154 rows, ward2022",
    url="",
    licence="Council data: not for publication without approval",
    attribution="London Borough of Bromley",
    raw_file="council_cla.csv",
    sha256="ab" * 32,
)


def write_local(data_copy: Path, name: str, df: pd.DataFrame, source: dict | None = SOURCE) -> Path:
    """A local extract as the app stores it: data/local/<name>.parquet, its source entry in the metadata."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    if source is not None:
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"bwe_source": json.dumps(source).encode()}
        )
    (data_copy / "local").mkdir(exist_ok=True)
    path = data_copy / "local" / f"{name}.parquet"
    pq.write_table(table, path)
    return path


def council_cla(data_copy: Path) -> pd.DataFrame:
    v = pd.read_parquet(data_copy / "values.parquet")
    own = v[(v.indicator_id == "cla_rate") & (v.area_type == "ward2022")].copy()
    assert own.is_illustrative.all() and len(own) == 154  # 22 wards x 2019-2025
    own["is_illustrative"] = False
    own["source_id"] = "local_cla_rate"
    own["note"] = "council extract"
    return own


@pytest.mark.parametrize("content", ["truncated", "text"])
def test_corrupt_local_extract(data_copy, content):
    local = data_copy / "local"
    local.mkdir()
    bad = (data_copy / "values.parquet").read_bytes()[:1000] if content == "truncated" else b"ward,cla\nE05013987,12\n"
    (local / "council_cla.parquet").write_bytes(bad)
    with pytest.raises(DataUnavailable, match="local"):
        Store(data_copy)


def test_local_extract_replaces_illustrative_series(data_copy):
    before = Store(data_copy)
    write_local(data_copy, "cla_rate", council_cla(data_copy))
    s = Store(data_copy)
    assert s.local_files == [str(data_copy / "local" / "cla_rate.parquet")]
    got = s.values("cla_rate", "31 Mar 2023", "ward2022")
    assert len(got) == 22 and set(got.source_id) == {"local_cla_rate"} and not got.is_illustrative.any()
    assert (got.note == "council extract").all()
    other = s.values("neet", "2022/23", "ward2022")
    assert len(other) == 22 and other.is_illustrative.all()  # other series untouched
    assert len(s.all_values()) == len(before.all_values())  # 154 rows replaced by 154
    # the source entry in the file's metadata is added to the sources table
    src = s.sources()
    assert len(src) == len(before.sources()) + 1
    row = src[src.source_id == "local_cla_rate"]
    assert len(row) == 1 and {k: row.iloc[0][k] for k in SOURCE} == SOURCE


def test_local_folder_without_extracts(data_copy):
    """An empty local/ folder, or one holding only a dot-file (a temp file left by a crash), has no extracts."""
    (data_copy / "local").mkdir()
    assert Store(data_copy).local_files == []
    (data_copy / "local" / ".tmp-x1y2.parquet").write_bytes(b"half a parquet file")
    s = Store(data_copy)
    assert s.local_files == []
    assert s.values("cla_rate", "31 Mar 2023", "ward2022").is_illustrative.all()


@pytest.mark.parametrize("with_source", [True, False])
def test_local_extract_with_wrong_columns(data_copy, with_source):
    write_local(
        data_copy, "council", pd.DataFrame({"ward": ["E05013987"], "cla": [12]}), SOURCE if with_source else None
    )
    with pytest.raises(DataUnavailable, match="local"):
        Store(data_copy)


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        {b"other": b"x"},
        {b"bwe_source": b"{not json"},
        {b"bwe_source": json.dumps({"source_id": "local_cla_rate"}).encode()},
    ],
    ids=["none", "other-key", "bad-json", "incomplete"],
)
def test_local_extract_without_a_readable_source_entry(data_copy, metadata):
    """Values with no source entry would be shown with no provenance: refused."""
    table = pa.Table.from_pandas(council_cla(data_copy), preserve_index=False).replace_schema_metadata(metadata)
    (data_copy / "local").mkdir()
    pq.write_table(table, data_copy / "local" / "cla_rate.parquet")
    with pytest.raises(DataUnavailable, match="local extract .*local.* cannot be read"):
        Store(data_copy)
