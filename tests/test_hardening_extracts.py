"""Issue #13 "Hardening", the data-input half: loaders/extracts.py, loaders/xlsx_safe.py, loaders/periods.py.

Each test is a finding of the review, written so that it failed before the fix:

1. workbook bombs: real .xlsx files built here (zip bombs, cell and row floods, a shared-strings bomb,
   a huge declared range, billion laughs, deep nesting, values far to the right) are refused within
   10 s using under 500 MB; the parse runs in a limited child process, one upload at a time;
2. values: finite, whole, at most 10,000,000; NFKC text; one spelling per period; reversed periods
   are problems, not exceptions;
3. disclosure by differencing: a file's periods may not overlap (with a property test);
5. the change log, data/local/changes.jsonl;
6. extracts.version() sees every load and removal, from any process;
and, for finding 4/8, extracts.StoreError: one typed error, in words, with no server path.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders import extracts, periods, xlsx_safe
from loaders.extracts import validate

COLS = ["ward_code", "ward_name", "period", "numerator", "denominator", "note"]
CODES_2022 = [f"E050{13987 + i}" for i in range(22)]
LIMIT_SECONDS, LIMIT_MB = 10.0, 500.0


@pytest.fixture(scope="module")
def wards(store) -> pd.DataFrame:
    return pd.concat([store.areas("ward2022"), store.areas("ward2014")])


def csv_bytes(rows: list[list], header: list[str] = COLS) -> bytes:
    out = io.StringIO()
    pd.DataFrame(rows, columns=header).to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def row(code="", name="St Mary Cray", period="2024", num="3", den="300", note=""):
    return [code, name, period, num, den, note]


def problems(res) -> list[tuple]:
    assert res.ok is False and res.rows is None and res.problems
    return [(p.row, p.column, p.message) for p in res.problems]


def has(probs, r, c, *words) -> bool:
    return any(pr == r and pc == c and all(w.lower() in m.lower() for w in words) for pr, pc, m in probs)


# --------------------------------------------------------------------------- 1. workbooks, built by hand
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
    b'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
    b'"/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    b'sharedStrings+xml"/></Types>'
)
PACKAGE_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="' + REL + b'/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0"?><workbook ' + NS + b' xmlns:r="' + REL + b'"><sheets><sheet name="extract" '
    b'sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="' + REL + b'/worksheet" Target="worksheets/'
    b'sheet1.xml"/><Relationship Id="rId2" Type="' + REL + b'/sharedStrings" '
    b'Target="sharedStrings.xml"/></Relationships>'
)


def inline_row(n: int, values: list[str]) -> bytes:
    cells = b"".join(b'<c t="inlineStr"><is><t>' + v.encode() + b"</t></is></c>" for v in values)
    return b'<row r="%d">' % n + cells + b"</row>"


GOOD_ROWS = inline_row(1, ["ward_code", "period", "numerator", "denominator"]) + inline_row(
    2, [CODES_2022[0], "2024", "3", "300"]
)


def sheet(body: bytes = GOOD_ROWS, head: bytes = b"", tail: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet '
        + NS
        + b">"
        + head
        + b"<sheetData>"
        + body
        + b"</sheetData>"
        + tail
        + b"</worksheet>"
    )


def workbook(
    sheet_xml: bytes = None, strings: bytes = None, stored: bool = False, extra: dict[str, bytes] | None = None
) -> bytes:
    """A real .xlsx: the parts Excel needs, the sheet deflated (or stored, to stay under the ratio check)."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet_xml or sheet(),
        "xl/sharedStrings.xml": strings or b'<?xml version="1.0"?><sst ' + NS + b' count="0" uniqueCount="0"/>',
    }
    parts.update(extra or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts.items():
            big = name.startswith("xl/") and name.endswith(".xml") and stored
            z.writestr(name, data, compress_type=zipfile.ZIP_STORED if big else zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def rows_of(cell: bytes, cells: int, per_row: int) -> bytes:
    full, rest = divmod(cells, per_row)
    return (b"<row>" + cell * per_row + b"</row>") * full + (b"<row>" + cell * rest + b"</row>" if rest else b"")


def lying_sizes(data: bytes, declared: int) -> bytes:
    """The same zip with every part's uncompressed size rewritten (local headers and central directory)."""
    b = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = b.find(sig)
        while i != -1:
            struct.pack_into("<I", b, i + at, declared)
            i = b.find(sig, i + 4)
    return bytes(b)


SST = b'<?xml version="1.0"?><sst ' + NS + b' count="1" uniqueCount="1"><si><t>' + b"x" * 30_000 + b"</t></si></sst>"
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]><worksheet "
    + NS
    + b'><sheetData><row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData></worksheet>"
)


def bombs() -> dict[str, tuple[bytes, str]]:
    """name -> (workbook bytes under 5 MB, words the refusal must contain)."""
    many = [(f"xl/worksheets/_rels/sheet{i}.xml.rels", b"") for i in range(2, 400)]
    return {
        # 3.5 million identical cells: 56 MB of XML deflated to a few hundred KB
        "cells-deflated": (workbook(sheet(rows_of(b"<c><v>1</v></c>", 3_500_000, 40))), "more than 50 MB"),
        # 45 MB of empty cells: under the total, but a ratio no spreadsheet has
        "ratio": (workbook(sheet(rows_of(b"<c/>", 11_000_000, 1000))), "zip bomb"),
        # the same kind of part, its sizes rewritten to look small: found by the CRC check while streaming
        "lying-sizes": (lying_sizes(workbook(sheet(rows_of(b"<c><v>1</v></c>", 1_000_000, 40))), 900), "readable"),
        # 1 million empty cells stored (no compression, no ratio): counted while streaming
        "cells-streamed": (workbook(sheet(rows_of(b"<c/>", 1_000_000, 5000)), stored=True), "more than 250,000 cells"),
        # 200,000 empty rows stored
        "rows-streamed": (workbook(sheet(b"<row/>" * 200_000), stored=True), "more than 100,000 rows"),
        "row-number": (workbook(sheet(GOOD_ROWS + inline_row(1_048_576, ["x"]))), "more than 100,000 rows"),
        # a declared used range of 17 billion cells, checked before any row is read
        "dimension": (workbook(sheet(head=b'<dimension ref="A1:XFD1048576"/>')), "used range"),
        # one 30,000-character shared string in 40,000 cells: 1.2 billion characters once expanded
        "shared-strings": (
            workbook(sheet(rows_of(b'<c t="s"><v>0</v></c>', 40_000, 40)), strings=SST),
            "characters of text",
        ),
        "shared-strings-count": (
            workbook(strings=b'<?xml version="1.0"?><sst ' + NS + b">" + b"<si/>" * 400_000 + b"</sst>", stored=True),
            "different texts",
        ),
        "billion-laughs": (workbook(LAUGHS), "DTD"),
        "deep-nesting": (
            workbook(sheet(tail=b"<extLst>" + b"<x>" * 120_000 + b"</x>" * 120_000 + b"</extLst>")),
            "nested",
        ),
        # a value in the last column of 2,000 rows: a reader padding rows to the widest makes 33 million cells
        "wide": (
            workbook(
                sheet(
                    GOOD_ROWS
                    + b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(3, 2003))
                )
            ),
            "first 50 columns",
        ),
        # 45 extra sheet-like parts, each just under 1 MB of elements (so no ratio check applies)
        "elements": (
            workbook(extra={f"xl/worksheets/sheet{i}.xml": b"<a>" + b"<b/>" * 249_000 + b"</a>" for i in range(2, 47)}),
            "elements",
        ),
        "many-parts": (workbook(extra=dict(many)), "parts"),
        "macros": (workbook(extra={"xl/vbaProject.bin": b"\x00" * 100}), "macros"),
    }


BOMBS = bombs()
MEASURE = r"""
import json, resource, sys, time
from loaders import xlsx_safe
data = open(sys.argv[1], "rb").read()
t = time.monotonic()
rows, problems = xlsx_safe.read(data)
secs = time.monotonic() - t
own = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:")) / 1024
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(dict(secs=secs, parent_mb=own, child_mb=child, problems=problems, rows=rows)))
"""


def measure(data: bytes, root: Path, tmp_path: Path) -> dict:
    """Read a workbook in a fresh process: wall time, and peak memory of that process (VmHWM: ru_maxrss would
    carry pytest's own over the fork) and of the parse child (RUSAGE_CHILDREN ru_maxrss)."""
    p = tmp_path / "bomb.xlsx"
    p.write_bytes(data)
    out = subprocess.run([sys.executable, "-c", MEASURE, str(p)], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_hand_built_workbook_is_a_real_workbook(wards):
    """The bombs below are built from these parts; unchanged, they make a workbook that loads."""
    data = workbook()
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert [list(r) for r in wb.active.iter_rows(values_only=True)][1] == [CODES_2022[0], "2024", "3", "300"]
    res = validate(data, "x.xlsx", "neet", wards)
    assert res.ok, res.problems
    assert res.rows.numerator.tolist() == [3.0]


@pytest.mark.parametrize("name", list(BOMBS))
def test_workbook_bomb_is_refused_quickly_in_little_memory(name, wards, root, tmp_path):
    data, words = BOMBS[name]
    assert len(data) <= extracts.MAX_BYTES  # every bomb is an upload the page accepts
    t = time.monotonic()
    res = validate(data, "bomb.xlsx", "neet", wards)
    secs = time.monotonic() - t
    probs = problems(res)
    assert len(probs) == 1 and probs[0][:2] == (None, None) and words.lower() in probs[0][2].lower(), probs
    assert secs < LIMIT_SECONDS
    m = measure(data, root, tmp_path)
    peak = m["parent_mb"] + m["child_mb"]
    print(
        f"\nbomb {name}: {len(data) / 1e6:.2f} MB upload, refused in {m['secs']:.2f} s "
        f"(validate {secs:.2f} s), peak {m['parent_mb']:.0f} MB + child {m['child_mb']:.0f} MB"
    )
    assert m["rows"] is None and m["problems"][0][2] == probs[0][2]
    assert m["secs"] < LIMIT_SECONDS and peak < LIMIT_MB, m


def test_largest_plain_workbook_is_read_quickly(wards, root, tmp_path):
    """The other side: MAX_ROWS (20,000: a record-level file) real rows with notes, under the 5 MB limit, are
    accepted."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(COLS)
    years = [str(y) for y in range(2000, 2100)] + [f"mid-{y}" for y in range(2000, 2100)]
    for i in range(extracts.MAX_ROWS):
        ws.append(
            [
                CODES_2022[i % 22],
                "",
                years[i // 22 % len(years)],
                3,
                300,
                f"note {i} " + hashlib.sha256(str(i).encode()).hexdigest() * 2,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    assert len(data) <= extracts.MAX_BYTES
    t = time.monotonic()
    rows, probs = xlsx_safe.read(data)
    assert probs == [] and len(rows) == extracts.MAX_ROWS + 1
    assert time.monotonic() - t < LIMIT_SECONDS
    m = measure(data, root, tmp_path)
    print(
        f"\nplain workbook: {len(data) / 1e6:.2f} MB, {extracts.MAX_ROWS} rows read in {m['secs']:.2f} s, "
        f"peak {m['parent_mb']:.0f} MB + child {m['child_mb']:.0f} MB"
    )
    assert m["secs"] < LIMIT_SECONDS and m["parent_mb"] + m["child_mb"] < LIMIT_MB


def test_workbook_parse_runs_in_a_limited_child(monkeypatch, capsys):
    """The child limits its own CPU time and address space before it reads a byte."""
    import resource

    limits = {}
    monkeypatch.setattr(resource, "setrlimit", lambda what, lim: limits.__setitem__(what, lim))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(workbook())))
    xlsx_safe._child_main()
    out = json.loads(capsys.readouterr().out)
    assert out["problems"] == [] and out["rows"][1] == [2, [CODES_2022[0], "2024", "3", "300"]]
    assert limits == {
        resource.RLIMIT_CPU: (xlsx_safe.CPU_SECONDS, xlsx_safe.CPU_SECONDS + 1),
        resource.RLIMIT_AS: (xlsx_safe.MEMORY_BYTES, xlsx_safe.MEMORY_BYTES),
    }
    assert xlsx_safe.MEMORY_BYTES < LIMIT_MB * 2**20 and xlsx_safe.WALL_SECONDS < LIMIT_SECONDS


@pytest.mark.parametrize("how", ["wall-clock", "cpu-limit", "crash"])
def test_child_over_its_limits_is_a_problem_not_a_hang(how, wards, monkeypatch):
    if how == "wall-clock":
        monkeypatch.setattr(xlsx_safe, "WALL_SECONDS", 0.001)
    else:
        code = -24 if how == "cpu-limit" else 1  # SIGXCPU, or a child that died
        monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, code, b"", b""))
    probs = problems(validate(workbook(), "x.xlsx", "neet", wards))
    expected = "not a readable .xlsx" if how == "crash" else "could not be read within"
    assert len(probs) == 1 and expected in probs[0][2], probs


def test_one_upload_is_read_at_a_time(wards, monkeypatch):
    """A second upload arriving while one is being read waits briefly, then is told to try again."""
    real = xlsx_safe.read
    started, results = threading.Event(), {}

    def slow(data):
        started.set()
        time.sleep(1.0)
        return real(data)

    monkeypatch.setattr(xlsx_safe, "read", slow)
    monkeypatch.setattr(extracts, "LOCK_WAIT", 0.2)
    first = threading.Thread(target=lambda: results.setdefault("first", validate(workbook(), "a.xlsx", "neet", wards)))
    first.start()
    assert started.wait(5)
    second = validate(workbook(), "b.xlsx", "neet", wards)
    first.join()
    assert results["first"].ok, results["first"].problems
    assert problems(second) == [(None, None, "another file is being read, try again in a moment")]
    assert validate(workbook(), "c.xlsx", "neet", wards).ok  # and the next one is read as usual


def test_formulas_still_refused_and_listed_with_a_cap(wards):
    body = GOOD_ROWS + b"".join(b'<row r="%d"><c r="C%d"><f>1+1</f><v>2</v></c></row>' % (n, n) for n in range(3, 303))
    probs = problems(validate(workbook(sheet(body)), "x.xlsx", "neet", wards))
    assert probs[0] == (3, "C", "contains a formula; paste values only")
    assert len(probs) == xlsx_safe.MAX_FORMULAS_LISTED + 1 and "more than 100 cells contain formulas" in probs[-1][2]


# --------------------------------------------------------------------------- 2. values
@pytest.mark.parametrize(
    "num,den,column,words",
    [
        ("1e308", "1e308", "numerator", "more than 10,000,000"),
        ("3", "1e308", "denominator", "more than 10,000,000"),
        ("3", "10000001", "denominator", "more than 10,000,000"),
        ("3", "1e400", "denominator", "not a finite number"),
        ("1,5", "30", "numerator", "not a number"),  # a decimal comma, not 15
        ("3", "3,00", "denominator", "not a number"),
        ("3", "١٢", "denominator", "not a number"),
        ("3", "inf", "denominator", "not a number"),
        ("3", "1_000", "denominator", "not a number"),
    ],
)
def test_counts_are_finite_whole_numbers_of_people_below_a_cap(num, den, column, words, wards):
    probs = problems(validate(csv_bytes([row(num=num, den=den)]), "x.csv", "neet", wards))
    assert has(probs, 2, column, words), probs


def test_counts_at_the_cap_and_full_width_digits_are_read(wards):
    res = validate(
        csv_bytes([row(num="3", den="10,000,000"), row(name="Mottingham", num="３", den="３００")]),
        "x.csv",
        "neet",
        wards,
    )
    assert res.ok, res.problems
    assert sorted(res.rows.denominator) == [300.0, 10_000_000.0] and (res.rows.numerator == 3).all()
    assert res.rows.value.map(lambda v: 0 <= v <= 100).all()


@pytest.mark.parametrize(
    "first,second",
    [
        ("2024", "２０２４"),
        ("2021/22-2023/24", "2021/22 - 2023/24"),
        ("2021/22-2023/24", "2021/22 – 2023/24"),
        ("2021/22-2023/24", "2021/22-23/24"),
        ("mid-2020", "MID-2020"),
        ("2022-2024", "2022 — 2024"),
    ],
)
def test_period_spellings_are_one_period(first, second, wards):
    """Labels that differ only in Unicode width, spacing, dashes or case are the same period: a duplicate."""
    ind = "obesity_year6"  # any indicator without a convention of its own (NEET's is below)
    probs = problems(validate(csv_bytes([row(period=first), row(period=second, num="4")]), "x.csv", ind, wards))
    assert has(probs, 2, None, "duplicate") and has(probs, 3, None, "duplicate"), probs
    res = validate(csv_bytes([row(period=second), row(name="Mottingham", period=first)]), "x.csv", ind, wards)
    assert res.ok, res.problems
    assert res.rows.period.nunique() == 1 and res.rows.period.iloc[0] == periods.canonical(first)


@pytest.mark.parametrize(
    "first,second",
    [("2024", "２０２４"), ("2024", "2023/24"), ("2024", "2023-24"), ("2023/24", "FY2023/24"), ("2024", "AY 2023/24")],
)
def test_neet_period_spellings_are_one_period(first, second, wards):
    """DfE's NEET "2024" is the December 2023-February 2024 average, which the council calls 2023/24: one period."""
    probs = problems(validate(csv_bytes([row(period=first), row(period=second, num="4")]), "x.csv", "neet", wards))
    assert has(probs, 2, None, "duplicate", "2023/24") and has(probs, 3, None, "duplicate", "2023/24"), probs
    res = validate(csv_bytes([row(period=second), row(name="Mottingham", period=first)]), "x.csv", "neet", wards)
    assert res.ok, res.problems
    assert set(res.rows.period) == {"2023/24"} and (res.rows.period_start == pd.Timestamp("2023-12-01")).all()


def test_snapshot_spelling_is_canonical(wards):
    res = validate(
        csv_bytes([row(period="31 MAR 2024"), row(name="Mottingham", period="２０２４")]), "x.csv", "cla_rate", wards
    )
    assert res.ok, res.problems
    assert set(res.rows.period) == {"31 Mar 2024"}


@pytest.mark.parametrize("period", ["2024-2022", "2023/24-2021/22", "2023/24-21/22", "2023/24–2022/23"])
@pytest.mark.parametrize("indicator", ["neet", "cla_rate"])
def test_reversed_period_is_a_problem_with_row_and_column(period, indicator, wards):
    probs = problems(validate(csv_bytes([row(name="Mottingham"), row(period=period)]), "x.csv", indicator, wards))
    assert probs == [
        (
            3,
            "period",
            f"{period!r} ends before it starts: write the earlier year first (e.g. 2022-2024, 2021/22-2023/24)",
        )
    ]


def test_pooled_calendar_years_are_a_period(wards):
    res = validate(csv_bytes([row(period="2022-2024")]), "x.csv", "neet", wards)
    assert res.ok, res.problems
    r = res.rows.iloc[0]
    assert (r.period, r.period_start, r.period_end) == (
        "2022-2024",
        pd.Timestamp("2022-01-01"),
        pd.Timestamp("2024-12-31"),
    )


def test_periods_canonical_keeps_every_published_label(data_dir):
    """The build's labels are already canonical, and their dates are each indicator's (NEET: December-February)."""
    cols = ["indicator_id", "period", "period_start", "period_end"]
    v = pd.read_parquet(data_dir / "values.parquet", columns=cols).drop_duplicates()
    for indicator, label, start, end in v.itertuples(index=False):
        assert periods.canonical(label) == label
        assert periods.for_indicator(indicator, label) == (label, start, end), (indicator, label)


# --------------------------------------------------------------------------- 3. overlapping periods
@pytest.mark.parametrize(
    "pooled,single",
    [
        ("2021/22-2023/24", "2022/23"),
        ("2022-2024", "2023"),
        ("2021/22-2023/24", "2022-2024"),
        ("2022", "2022/23"),
        ("2024", "31 Mar 2024"),
    ],
)
def test_overlapping_periods_are_refused_naming_both(pooled, single, wards):
    """15 in a pooled period and 12 in a year it covers give away the 3 in the other years."""
    rows = [row(code=c, name="", period=pooled, num="15") for c in CODES_2022[:3]] + [
        row(code=c, name="", period=single, num="12") for c in CODES_2022[:3]
    ]
    probs = problems(validate(csv_bytes(rows), "x.csv", "obesity_year6", wards))
    assert len(probs) == 1, probs
    _, column, message = probs[0]
    assert column == "period" and pooled in message and single in message and "overlap" in message


@pytest.mark.parametrize(
    "first,second,labels",
    [
        ("2021/22-2023/24", "2023", ("2021/22-2023/24", "2022/23")),  # NEET "2023": December 2022-February 2023
        ("2022-2024", "2023", ("2022-2024", "2022/23")),
        ("2024", "Q4 2023/24", ("2023/24", "Q4 2023/24")),  # January-March 2024 holds January and February
        ("2024", "Feb 2024", ("2023/24", "Feb 2024")),
        ("2023/24", "Dec 2023", ("2023/24", "Dec 2023")),
    ],
)
def test_overlapping_neet_periods_are_refused_by_neet_dates(first, second, labels, wards):
    """NEET's years are December-February (periods.for_indicator): the overlap check uses those dates."""
    rows = [row(code=c, name="", period=first, num="15") for c in CODES_2022[:3]] + [
        row(code=c, name="", period=second, num="12") for c in CODES_2022[:3]
    ]
    probs = problems(validate(csv_bytes(rows), "x.csv", "neet", wards))
    assert len(probs) == 1, probs
    _, column, message = probs[0]
    assert column == "period" and "overlap" in message and all(lb in message for lb in labels), message


def test_periods_that_touch_but_do_not_overlap_are_accepted(wards):
    rows = [
        row(code=CODES_2022[0], name="", period=p)
        for p in ("2018/19-2020/21", "2021/22-2023/24", "2024/25", "mid-2025", "2026-2027", "31 Mar 2028")
    ]
    res = validate(csv_bytes(rows), "x.csv", "obesity_year6", wards)
    assert res.ok, res.problems


def test_neet_periods_that_do_not_overlap_are_accepted(wards):
    """NEET "2022" (December 2021-February 2022) and 2022/23 (December 2022-February 2023) do not overlap; nor do
    the months between, nor a 31 March snapshot after a December-February average."""
    rows = [
        row(code=CODES_2022[0], name="", period=p)
        for p in ("2022", "Mar 2022", "2022/23", "Mar 2023", "Nov 2023", "2024", "31 Mar 2024", "2024/25")
    ]
    res = validate(csv_bytes(rows), "x.csv", "neet", wards)
    assert res.ok, res.problems
    spans = res.rows.drop_duplicates("period").set_index("period")[["period_start", "period_end"]]
    assert spans.loc["2021/22"].tolist() == [pd.Timestamp("2021-12-01"), pd.Timestamp("2022-02-28")]
    assert spans.loc["2022/23"].tolist() == [pd.Timestamp("2022-12-01"), pd.Timestamp("2023-02-28")]
    assert res.written["2021/22"] == ["2022"] and res.written["2023/24"] == ["2024"]  # as the council wrote them


POOL = [
    "2019",
    "2020",
    "2021",
    "2022",
    "2023",
    "2020/21",
    "2021/22",
    "2022/23",
    "2023/24",
    "2019/20-2021/22",
    "2021/22-2023/24",
    "2020-2022",
    "2023-2024",
    "31 Mar 2021",
    "31 Mar 2023",
    "mid-2022",
    "2021/22 - 23/24",
    "２０２０",
    "2019/20–2020/21",
]


def snapshot_label(label: str) -> str:
    """For children looked after a bare year is the 31 March snapshot."""
    return f"31 Mar {label}" if re.fullmatch(r"\d{4}", label) else label


FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def stored(indicator: str, label: str) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    """(label, start, end) a written label is stored as: canonical, a children-looked-after year its 31 March,
    then the indicator's own dates (NEET: December-February, :func:`loaders.periods.for_indicator`)."""
    label = periods.canonical(label)
    if indicator == "cla_rate":
        label = snapshot_label(label)
    return periods.for_indicator(indicator, label)


def _picks(indicator: str):
    return st.tuples(
        st.just(indicator),
        st.lists(
            st.tuples(st.sampled_from(CODES_2022[:6]), st.sampled_from(POOL)),
            min_size=1,
            max_size=12,
            unique_by=lambda t: (t[0], stored(indicator, t[1])[0]),
        ),
    )


@FUZZ
@given(case=st.sampled_from(["neet", "cla_rate", "obesity_year6"]).flatmap(_picks))
def test_property_accepted_files_have_no_overlapping_periods(case, wards):
    indicator, picks = case
    res = validate(csv_bytes([row(code=c, name="", period=p) for c, p in picks]), "x.csv", indicator, wards)
    spans = set()
    if res.ok:
        spans = set(res.rows[["period", "period_start", "period_end"]].itertuples(index=False, name=None))
        assert spans == {stored(indicator, p) for _, p in picks}
    else:
        assert all(c == "period" and "overlap" in m for _, c, m in problems(res))
    for a in spans:
        for b in spans:
            assert a == b or a[2] < b[1] or b[2] < a[1], (a, b)
    dates = {stored(indicator, p) for _, p in picks}
    overlapping = any(a != b and a[1] <= b[2] and b[1] <= a[2] for a in dates for b in dates)
    assert res.ok is not overlapping


# --------------------------------------------------------------------------- 4. storage errors
def snapshot(d: Path) -> dict[str, str]:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
    }


def good(wards, nums=(1, 2, 3), name="c.csv"):
    data = csv_bytes([row(code=c, name="", num=str(k), den="300") for c, k in zip(CODES_2022, nums)])
    res = validate(data, name, "cla_rate", wards)
    assert res.ok, res.problems
    return res


def assert_no_server_path(message: str, *paths: Path) -> None:
    assert not any(str(p) in message for p in paths) and not re.search(r"(^|[\s(])/", message), message


@pytest.mark.parametrize("where", ["replace", "log", "parquet"])
def test_disk_full_is_a_store_error_and_nothing_is_stored(where, data_copy, wards, monkeypatch):
    extracts.save(good(wards), "cla_rate", "old.csv", data_copy)
    snap = snapshot(data_copy)
    full = OSError(errno.ENOSPC, "No space left on device", str(data_copy / "local" / ".tmp-x.parquet"))
    if where == "replace":
        monkeypatch.setattr(os, "replace", lambda *a, **k: (_ for _ in ()).throw(full))
    elif where == "log":
        monkeypatch.setattr(os, "write", lambda *a, **k: (_ for _ in ()).throw(full))
    else:
        import pyarrow.parquet as pq

        monkeypatch.setattr(pq, "write_table", lambda *a, **k: (_ for _ in ()).throw(full))
    with pytest.raises(extracts.StoreError) as e:
        extracts.save(good(wards, (7, 8, 9), "new.csv"), "cla_rate", "new.csv", data_copy)
    monkeypatch.undo()
    assert str(e.value) == "the disk is full: nothing was stored"
    assert isinstance(e.value, OSError)  # callers catching OSError still do
    assert snapshot(data_copy) == snap  # no temp file, the old extract and the log as they were
    assert extracts.changes(data_copy).file.tolist() == ["old.csv"]


@pytest.mark.parametrize(
    "code,words",
    [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only disk"), (errno.EIO, "Input/output error")],
)
def test_unwritable_folder_is_a_store_error_in_words(code, words, data_copy, wards, monkeypatch):
    def refuse(*a, **k):
        raise OSError(code, os.strerror(code), str(data_copy / "local"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(extracts.StoreError) as e:
        extracts.save(good(wards), "cla_rate", "c.csv", data_copy)
    assert words in str(e.value) and str(e.value).endswith(": nothing was stored")
    assert_no_server_path(str(e.value), data_copy)


def test_local_that_is_not_a_folder_and_missing_data_folder(data_copy, wards, tmp_path):
    (data_copy / "local").write_text("a file where the folder should be")
    with pytest.raises(extracts.StoreError, match="not a folder: nothing was stored") as e:
        extracts.save(good(wards), "cla_rate", "c.csv", data_copy)
    assert_no_server_path(str(e.value), data_copy)
    with pytest.raises(extracts.StoreError, match="the data folder does not exist: nothing was stored"):
        extracts.save(good(wards), "cla_rate", "c.csv", tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_failed_removal_is_a_store_error_and_changes_nothing(data_copy, wards, monkeypatch):
    extracts.save(good(wards), "cla_rate", "c.csv", data_copy)
    snap = snapshot(data_copy)

    def refuse(self, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(extracts.StoreError, match="permission denied: nothing was removed") as e:
        extracts.remove("cla_rate", data_copy, actor="web:officer")
    monkeypatch.undo()
    assert_no_server_path(str(e.value), data_copy)
    assert snapshot(data_copy) == snap
    assert extracts.changes(data_copy).action.tolist() == ["load"]


def test_stale_temp_files_are_removed_on_the_next_save(data_copy, wards):
    """A killed import leaves a .tmp- file; the next save removes those over a minute old (a fresh one may
    belong to an import running now)."""
    local = data_copy / "local"
    local.mkdir()
    stale, fresh = local / ".tmp-killed.parquet", local / ".tmp-running.parquet"
    for p in (stale, fresh):
        p.write_bytes(b"half a parquet file")
    old = time.time() - extracts.STALE_SECONDS - 5
    os.utime(stale, (old, old))
    extracts.save(good(wards), "cla_rate", "c.csv", data_copy)
    assert sorted(p.name for p in local.iterdir()) == [
        ".tmp-running.parquet",
        "changes.jsonl",
        "cla_rate.parquet",
        "history",
    ]


# --------------------------------------------------------------------------- 5. the change log
def test_every_load_and_removal_is_logged(data_copy, wards, monkeypatch):
    before = pd.Timestamp.now(tz="UTC").floor("s")
    r1 = good(wards, (1, 2, 3), "first.csv")
    extracts.save(r1, "cla_rate", "first.csv", data_copy, actor="web:alice@bromley.gov.uk")
    monkeypatch.setattr("getpass.getuser", lambda: "bob")
    extracts.save(good(wards, (4, 5), "second.csv"), "cla_rate", "second.csv", data_copy)
    assert extracts.remove("cla_rate", data_copy, actor="web:carol") is True
    assert extracts.remove("cla_rate", data_copy, actor="web:carol") is False  # nothing to remove: not logged
    log = extracts.changes(data_copy)
    assert list(log.columns) == ["when", "who", "action", "indicator", "file", "sha256", "rows"]
    assert log[["who", "action", "indicator", "file", "rows"]].values.tolist() == [
        ["web:alice@bromley.gov.uk", "load", "cla_rate", "first.csv", 3],
        ["cli:bob", "load", "cla_rate", "second.csv", 2],
        ["web:carol", "remove", "cla_rate", "second.csv", 2],
    ]
    assert log.sha256.iloc[0] == r1.sha256 and log.sha256.iloc[2] == log.sha256.iloc[1]
    assert str(log.when.dt.tz) == "UTC" and (log.when >= before).all()
    lines = (data_copy / "local" / "changes.jsonl").read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(x)["when"].endswith("+00:00") for x in lines)


def test_change_log_survives_a_line_cut_short(data_copy, wards):
    extracts.save(good(wards), "cla_rate", "a.csv", data_copy)
    log = data_copy / "local" / "changes.jsonl"
    with log.open("a") as f:
        f.write('{"when": "2026-01-01T00:00:00+00:00", "who": "cli:x", "act')  # a write killed mid-line
    extracts.save(good(wards), "cla_rate", "b.csv", data_copy)
    assert extracts.changes(data_copy).file.tolist() == ["a.csv", "b.csv"]
    assert extracts.changes(data_copy / "nowhere").empty


def test_cli_actor_without_a_login_name(monkeypatch):
    def no_user():
        raise OSError("no login name")

    monkeypatch.setattr("getpass.getuser", no_user)
    assert extracts.cli_actor() == "cli:unknown"


# --------------------------------------------------------------------------- 6. version()
def test_version_changes_with_every_load_replace_and_removal(data_copy, wards, root):
    seen = [extracts.version(data_copy)]
    assert seen[0] == ()
    extracts.save(good(wards), "cla_rate", "c.csv", data_copy)
    seen.append(extracts.version(data_copy))
    assert extracts.version(data_copy) == seen[-1]  # nothing changed, nothing seen
    extracts.save(good(wards), "cla_rate", "c.csv", data_copy)  # the same file again: still a new version
    seen.append(extracts.version(data_copy))
    f = data_copy.parent / "neet.csv"
    f.write_bytes(csv_bytes([row(code=c, name="", period="2025") for c in CODES_2022]))
    p = subprocess.run(
        [sys.executable, "-m", "loaders", "--data", str(data_copy), "import", str(f), "--indicator", "neet"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    seen.append(extracts.version(data_copy))  # loaded by another process
    assert [name for name, *_ in seen[-1]] == ["cla_rate.parquet", "neet.parquet"]
    extracts.remove("neet", data_copy)
    seen.append(extracts.version(data_copy))
    assert all(a != b for a, b in zip(seen, seen[1:]))  # every change is seen
    assert seen[-1] == seen[2]  # the same files as before the import
    assert extracts.changes(data_copy).who.tolist()[2].startswith("cli:")
