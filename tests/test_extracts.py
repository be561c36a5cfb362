"""Local ward extracts (loaders/extracts.py): validation rules, name matching, values rows,
safety, storage in a copy of data/, the CLI, and a fuzz test of validate().

Every bad file is generated here (CSV bytes, or a real .xlsx written by openpyxl). Storage tests
run on a private copy of the committed Parquet files under tmp_path; data/ is never written.
Known bugs are shown by ``xfail(strict=True)`` tests (see the BUG notes on each). An accepted extract is one
file, ``data/local/<indicator>.parquet``, with its source entry in the Parquet metadata.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import os
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import phstats
from loaders import extracts
from loaders.extracts import normalise_name, validate
from loaders.schema import VALUES
from loaders.store import DataUnavailable, Store

COLS = ["ward_code", "ward_name", "period", "numerator", "denominator", "note"]
PENGE_2022, PENGE_2014 = "E05014002", "E05000123"
ST_MARY_CRAY = "E05014006"  # 2022 only
CRAY_VALLEY_EAST = "E05000114"  # 2014 only
MULT = {"neet": 100.0, "cla_rate": 10000.0}
FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def wards(store) -> pd.DataFrame:
    return pd.concat([store.areas("ward2022"), store.areas("ward2014")])


@pytest.fixture(scope="module")
def names(store) -> dict[str, set[str]]:
    """Normalised ward names: only in 2022, only in 2014, in both (read from the Store, not assumed)."""
    n22 = {normalise_name(n) for n in store.areas("ward2022").area_name}
    n14 = {normalise_name(n) for n in store.areas("ward2014").area_name}
    return {"2022": n22 - n14, "2014": n14 - n22, "both": n22 & n14}


def csv_bytes(rows: list[list], header: list[str] = COLS) -> bytes:
    out = io.StringIO()
    pd.DataFrame(rows, columns=header).to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def _cell(v):
    """Numbers go into the workbook as numbers, as a user's spreadsheet would hold them."""
    if isinstance(v, str):
        for conv in (int, float):
            try:
                return conv(v)
            except ValueError:
                pass
    return v


def xlsx_bytes(rows: list[list], header: list[str] = COLS, sheets: int = 1, tmp: Path | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "extract"
    ws.append(header)
    for r in rows:
        ws.append([_cell(v) for v in r])
    for i in range(sheets - 1):
        wb.create_sheet(f"other{i}").append(["notes"])
    if tmp is not None:  # a real file on disk, read back as a user's upload would be
        p = tmp / "extract.xlsx"
        wb.save(p)
        return p.read_bytes()
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def make(fmt: str, rows: list[list], header: list[str] = COLS, tmp: Path | None = None) -> tuple[bytes, str]:
    if fmt == "csv":
        return csv_bytes(rows, header), "extract.csv"
    return xlsx_bytes(rows, header, tmp=tmp), "extract.xlsx"


def rejected(res) -> list[tuple]:
    """Assert the common shape of a rejection; return (row, column, message) triples."""
    assert res.ok is False
    assert res.rows is None
    assert res.problems, "a rejected file must list at least one problem"
    assert res.scheme is None or isinstance(res.scheme, str)
    return [(p.row, p.column, p.message) for p in res.problems]


def has(problems: list[tuple], row, column, *words: str) -> bool:
    return any(r == row and c == column and all(w.lower() in m.lower() for w in words) for r, c, m in problems)


def good_row(code="", name="St Mary Cray", period="2024", num="3", den="300", note=""):
    return [code, name, period, num, den, note]


FORMATS = pytest.mark.parametrize("fmt", ["csv", "xlsx"])


# --------------------------------------------------------------------------- validation rules
@FORMATS
def test_missing_columns(fmt, wards, tmp_path):
    data, fn = make(fmt, [["St Mary Cray", "2024", "3"]], header=["ward_name", "period", "numerator"], tmp=tmp_path)
    probs = rejected(validate(data, fn, "neet", wards))
    assert has(probs, 1, None, "missing", "denominator")
    data, fn = make(fmt, [["2024", "3", "30"]], header=["period", "numerator", "denominator"], tmp=tmp_path)
    probs = rejected(validate(data, fn, "neet", wards))
    assert has(probs, 1, None, "missing", "ward_code or ward_name")


@FORMATS
def test_non_numeric_values(fmt, wards, tmp_path):
    rows = [good_row(), good_row(name="Mottingham", num="three"), good_row(name="Plaistow", den="n/a")]
    probs = rejected(validate(*make(fmt, rows, tmp=tmp_path), "neet", wards))
    assert has(probs, 3, "numerator", "three", "not a number")
    assert has(probs, 4, "denominator", "not a number")
    assert not any(r == 2 for r, _, _ in probs)


@FORMATS
def test_negative_counts(fmt, wards, tmp_path):
    rows = [good_row(num="-1"), good_row(name="Mottingham", den="-40", num="0")]
    probs = rejected(validate(*make(fmt, rows, tmp=tmp_path), "cla_rate", wards))
    assert has(probs, 2, "numerator", "negative")
    assert has(probs, 3, "denominator", "negative")


@FORMATS
@pytest.mark.parametrize("indicator", ["neet", "cla_rate"])
def test_numerator_above_denominator(fmt, indicator, wards, tmp_path):
    rows = [good_row(), good_row(name="Mottingham", num="31", den="30")]
    probs = rejected(validate(*make(fmt, rows, tmp=tmp_path), indicator, wards))
    assert has(probs, 3, "numerator", "larger than the denominator")


@FORMATS
def test_zero_denominator(fmt, wards, tmp_path):
    rows = [good_row(name="Mottingham", num="0", den="0")]
    probs = rejected(validate(*make(fmt, rows, tmp=tmp_path), "neet", wards))
    assert probs == [(2, "denominator", "must be a whole number of people (at least 1)")]


@pytest.mark.parametrize(
    "num,den,expected",
    [
        ("2.5", "30", [(2, "numerator", "must be a whole number of people")]),
        ("1e-10", "30", [(2, "numerator", "must be a whole number of people")]),
        ("3", "30.5", [(2, "denominator", "must be a whole number of people (at least 1)")]),
        ("0", "0.5", [(2, "denominator", "must be a whole number of people (at least 1)")]),
        ("0", "1e-10", [(2, "denominator", "must be a whole number of people (at least 1)")]),
        ("0", "0.0000000001", [(2, "denominator", "must be a whole number of people (at least 1)")]),
    ],
)
def test_counts_must_be_whole_numbers_of_people(num, den, expected, wards):
    probs = rejected(validate(csv_bytes([good_row(num=num, den=den)]), "x.csv", "neet", wards))
    assert probs == expected


def test_whole_numbers_written_as_decimals_and_smallest_denominator_are_accepted(wards):
    rows = [
        good_row(num="3.0", den="30.00"),
        good_row(name="Mottingham", num="0", den="1"),
        good_row(name="Plaistow", num="1", den="1"),
    ]
    res = validate(csv_bytes(rows), "x.csv", "neet", wards)
    assert res.ok, res.problems
    assert res.rows.sort_values("numerator")[["numerator", "denominator", "value"]].values.tolist() == [
        [0.0, 1.0, 0.0],
        [1.0, 1.0, 100.0],
        [3.0, 30.0, 10.0],
    ]


@FORMATS
def test_duplicate_ward_period_rows(fmt, wards, tmp_path):
    rows = [
        good_row(),
        good_row(name="Mottingham"),
        good_row(name="st mary cray", num="4"),
        good_row(code=ST_MARY_CRAY, name="", period="2023"),
    ]
    probs = rejected(validate(*make(fmt, rows, tmp=tmp_path), "neet", wards))
    # NEET's "2024" is DfE's December 2023-February 2024 average, stored as 2023/24 (periods.for_indicator)
    assert has(probs, 2, None, "duplicate", ST_MARY_CRAY, "2023/24")
    assert has(probs, 4, None, "duplicate", ST_MARY_CRAY, "2023/24")
    assert not any(r in (3, 5) for r, _, _ in probs)


def test_duplicate_detected_across_period_spellings(wards):
    """For children looked after '2024' means '31 Mar 2024': the two spellings are the same period."""
    rows = [good_row(period="2024"), good_row(period="31 Mar 2024")]
    probs = rejected(validate(csv_bytes(rows), "x.csv", "cla_rate", wards))
    assert has(probs, 2, None, "duplicate", "31 Mar 2024") and has(probs, 3, None, "duplicate")


@FORMATS
def test_periods_that_do_not_parse(fmt, wards, tmp_path):
    bad = ["24", "2024/26", "Marchh 2024", "1999", "", "2024-26", "next year"]
    rows = [
        good_row(name=n, period=p)
        for n, p in zip(
            ["St Mary Cray", "Mottingham", "Plaistow", "Chelsfield", "Biggin Hill", "Darwin", "Orpington"], bad
        )
    ]
    probs = rejected(validate(*make(fmt, rows, tmp=tmp_path), "neet", wards))
    for i in range(len(bad)):
        assert has(probs, i + 2, "period", "is not a period"), (bad[i], probs)


def test_empty_file(wards):
    for fn in ("x.csv", "x.xlsx"):
        probs = rejected(validate(b"", fn, "neet", wards))
        assert has(probs, None, None, "empty")


@FORMATS
def test_header_only(fmt, wards, tmp_path):
    probs = rejected(validate(*make(fmt, [], tmp=tmp_path), "neet", wards))
    assert has(probs, None, None, "no data rows") or has(probs, None, None, "empty")
    # rows of empty cells are not data
    probs = rejected(validate(csv_bytes([[""] * 6, [" "] * 6]), "x.csv", "neet", wards))
    assert has(probs, None, None, "no data rows")


@pytest.mark.parametrize("text", ["£5 paid", "café", "Penge & Cator – note"])
def test_wrong_encoding_cp1252(text, wards):
    data = (f"ward_name,period,numerator,denominator,note\nSt Mary Cray,2024,3,30,{text}\n").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test file really is invalid UTF-8
    probs = rejected(validate(data, "x.csv", "neet", wards))
    assert has(probs, None, None, "not UTF-8")


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-16"),  # with BOM, platform order
        lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"),
        lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
        lambda s: s.encode("utf-16-le"),
    ],
)  # no BOM: NUL bytes
def test_wrong_encoding_utf16(encode, wards):
    data = encode("ward_name,period,numerator,denominator\nSt Mary Cray,2024,3,30\n")
    probs = rejected(validate(data, "x.csv", "neet", wards))
    assert len(probs) == 1 and probs[0][0] is None


def test_utf8_with_bom_is_accepted(wards):
    data = codecs.BOM_UTF8 + "ward_name,period,numerator,denominator,note\nSt Mary Cray,2024,3,30,café £\n".encode()
    res = validate(data, "x.csv", "neet", wards)
    assert res.ok, res.problems
    assert "café £" in res.rows.note.iloc[0]


def test_xlsx_with_a_formula(wards, tmp_path):
    data = xlsx_bytes([good_row(), good_row(name="Mottingham", num="=1+1")], tmp=tmp_path)
    probs = rejected(validate(data, "x.xlsx", "neet", wards))
    # the formula is in row 3, column D (numerator)
    assert any(r == 3 and c in ("D", "numerator") and "formula" in m for r, c, m in probs), probs


def test_xlsx_formula_in_note_is_refused_not_evaluated(wards, tmp_path):
    data = xlsx_bytes([good_row(note='=HYPERLINK("http://example.invalid","click")')], tmp=tmp_path)
    probs = rejected(validate(data, "x.xlsx", "neet", wards))
    assert any(r == 2 and c in ("F", "note") and "formula" in m for r, c, m in probs)


def test_xlsx_with_two_sheets(wards):
    data = xlsx_bytes([good_row()], sheets=2)
    probs = rejected(validate(data, "x.xlsx", "neet", wards))
    assert has(probs, None, None, "2 sheets")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_corrupt_xlsx_random_bytes(seed, wards):
    data = random.Random(seed).randbytes(4000)
    probs = rejected(validate(data, "x.xlsx", "neet", wards))
    assert has(probs, None, None, "not a readable .xlsx")


def test_corrupt_xlsx_truncated_and_not_a_workbook(wards):
    real = xlsx_bytes([good_row()])
    rejected(validate(real[: len(real) // 2], "x.xlsx", "neet", wards))
    rejected(validate(b"PK\x03\x04" + b"\x00" * 100, "x.xlsx", "neet", wards))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "a zip, not a workbook")
    rejected(validate(buf.getvalue(), "x.xlsx", "neet", wards))
    rejected(validate(csv_bytes([good_row()]), "x.xlsx", "neet", wards))  # CSV text named .xlsx


@pytest.mark.parametrize(
    "fn", ["extract.xls", "extract.exe", "extract", "extract.csv.exe", "extract.json", "extract.xlsm", "extract.ods"]
)
def test_unsupported_extension(fn, wards):
    data = csv_bytes([good_row()])  # content that would be fine as .csv
    probs = rejected(validate(data, fn, "neet", wards))
    assert has(probs, None, None, "only .csv and .xlsx")


def test_file_over_5_mb(wards):
    head = csv_bytes([good_row()])
    data = head + b"," * (extracts.MAX_BYTES + 1 - len(head))
    assert len(data) == 5_000_001
    probs = rejected(validate(data, "x.csv", "neet", wards))
    assert probs == [(None, None, "the file is 5.0 MB; the limit is 5 MB")]  # one byte over 5,000,000
    probs = rejected(validate(b"x" * (2 * extracts.MAX_BYTES), "x.xlsx", "neet", wards))  # checked before parsing
    assert probs == [(None, None, "the file is 10.0 MB; the limit is 5 MB")]
    # exactly at the limit is read (and then judged on its content): 60 rows with long notes (each note under
    # the csv module's 128 KiB field limit)
    codes = [f"E050{13987 + i}" for i in range(20)]
    rows = [good_row(code=c, name="", period=y) for y in ("2022", "2023", "2024") for c in codes]
    pad = extracts.MAX_BYTES - len(csv_bytes(rows))
    for i, r in enumerate(rows):
        r[-1] = "n" * (pad // len(rows) + (pad % len(rows) if i == 0 else 0))
    data = csv_bytes(rows)
    assert len(data) == extracts.MAX_BYTES
    res = validate(data, "x.csv", "neet", wards)
    assert res.ok, res.problems
    assert len(res.rows) == 60 and res.rows.note.str.endswith("; note: " + "n" * 300).all()  # notes are cut at 300


def test_field_over_the_csv_field_limit_is_reported(wards):
    data = csv_bytes([good_row(), good_row(name="Mottingham", note="n" * 200_000)])
    probs = rejected(validate(data, "x.csv", "neet", wards))
    assert len(probs) == 1 and probs[0][:2] == (3, None) and "cannot be read" in probs[0][2], probs


@pytest.mark.parametrize("empty", ["delimiters-only", "blank-lines", "xlsx-formatted-cells"])
def test_trailing_empty_rows_do_not_count_towards_the_row_limit(empty, wards):
    n = extracts.MAX_ROWS + 100
    if empty == "xlsx-formatted-cells":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(COLS)
        ws.append([_cell(v) for v in good_row()])
        for r in range(3, n + 3):
            ws.cell(row=r, column=1).number_format = "0.00"  # formatted, empty
        buf = io.BytesIO()
        wb.save(buf)
        data, fn = buf.getvalue(), "x.xlsx"
    else:
        data, fn = csv_bytes([good_row()]) + (b",,,,,\n" if empty == "delimiters-only" else b"\n") * n, "x.csv"
    res = validate(data, fn, "neet", wards)
    assert res.ok, res.problems
    assert len(res.rows) == 1


def test_too_many_rows(wards):
    rows = [good_row(period="2024", num="1", den="10")] * (extracts.MAX_ROWS + 1)
    probs = rejected(validate(csv_bytes(rows), "x.csv", "neet", wards))
    assert has(probs, None, None, f"more than {extracts.MAX_ROWS:,} rows")


def test_unknown_ward_code(wards):
    rows = [
        good_row(code=ST_MARY_CRAY, name=""),
        good_row(code="E05099999", name="", period="2023"),
        good_row(code="E09000006", name="", period="2022"),
        good_row(code="not a code", name="", period="2021"),
    ]
    probs = rejected(validate(csv_bytes(rows), "x.csv", "neet", wards))
    assert has(probs, 3, "ward_code", "E05099999", "not a Bromley ward code")
    assert has(probs, 4, "ward_code", "E09000006")  # the borough itself is not a ward
    assert has(probs, 5, "ward_code")
    assert not any(r == 2 for r, _, _ in probs)


def test_unknown_ward_name(wards):
    rows = [
        good_row(),
        good_row(name="Hogwarts", period="2023"),
        good_row(name="Bromley", period="2022"),
        good_row(name="Penge", period="2021"),
    ]
    probs = rejected(validate(csv_bytes(rows), "x.csv", "neet", wards))
    for r in (3, 4, 5):
        assert has(probs, r, "ward_name", "not a Bromley ward name")


def test_no_ward_given(wards):
    rows = [good_row(), good_row(name="", period="2023")]
    probs = rejected(validate(csv_bytes(rows), "x.csv", "neet", wards))
    assert has(probs, 3, "ward_code/ward_name", "no ward")


def test_ambiguous_names_in_both_schemes(wards, names):
    both = sorted(names["both"])
    assert {"darwin", "orpington", "penge and cator"} <= set(both)  # checked against the Store
    rows = [good_row(name=n.title()) for n in both]
    probs = rejected(validate(csv_bytes(rows), "x.csv", "neet", wards))
    assert has(probs, None, "ward_name", "both the 2014 and 2022")
    # one code settles the scheme
    res = validate(csv_bytes(rows + [good_row(code=ST_MARY_CRAY, name="")]), "x.csv", "neet", wards)
    assert res.ok and res.scheme == "ward2022", res.problems


def test_mixed_schemes(wards, names):
    assert "cray valley east" in names["2014"] and "st mary cray" in names["2022"]
    rows = [good_row(name="Cray Valley East"), good_row(name="St Mary Cray"), good_row(name="Darwin")]
    probs = rejected(validate(csv_bytes(rows), "x.csv", "neet", wards))
    assert has(probs, None, "ward_code/ward_name", "mixes ward schemes", "[2]", "[3]")
    rows = [good_row(code=CRAY_VALLEY_EAST, name=""), good_row(code=ST_MARY_CRAY, name="")]
    probs = rejected(validate(csv_bytes(rows), "x.csv", "neet", wards))
    assert has(probs, None, "ward_code/ward_name", "mixes ward schemes")


def test_code_and_name_do_not_match(wards):
    rows = [
        good_row(code=PENGE_2022, name="Penge & Cator"),
        good_row(code=PENGE_2022, name="Darwin", period="2023"),
        good_row(code=PENGE_2022, name="Cray Valley East", period="2022"),
        good_row(code=ST_MARY_CRAY, name="St Mary Cray", period="2021"),
    ]
    probs = rejected(validate(csv_bytes(rows), "x.csv", "neet", wards))
    assert has(probs, 3, "ward_name", "does not match", PENGE_2022)
    assert has(probs, 4, "ward_name", "does not match")
    assert not any(r in (2, 5) for r, _, _ in probs)


def test_unknown_indicator(wards):
    probs = rejected(validate(csv_bytes([good_row()]), "x.csv", "idaci", wards))
    assert has(probs, None, None, "indicator must be")


def test_several_problems_all_reported_at_once(wards):
    rows = [
        good_row(),  # 2: fine
        good_row(name="Mottingham", num="abc"),  # 3: numerator not a number
        good_row(name="Plaistow", num="-2"),  # 4: negative
        good_row(name="Chelsfield", period="20X4"),  # 5: period
        good_row(name="Nowhere"),  # 6: ward name
        good_row(name="Biggin Hill", num="0", den="0"),  # 7: zero denominator
        good_row(name="Clock House", num="40", den="30"),  # 8: numerator above denominator
        good_row(code="E05099999", name=""),
    ]  # 9: ward code
    res = validate(csv_bytes(rows), "x.csv", "neet", wards)
    probs = rejected(res)
    expected = {
        (3, "numerator"),
        (4, "numerator"),
        (5, "period"),
        (6, "ward_name"),
        (7, "denominator"),
        (8, "numerator"),
        (9, "ward_code"),
    }
    assert expected <= {(r, c) for r, c, _ in probs}
    assert not any(r == 2 for r, _, _ in probs)
    assert [p.row or 0 for p in res.problems] == sorted(p.row or 0 for p in res.problems)  # in row order
    assert "row 3" in str(res.problems[0]) and "numerator" in str(res.problems[0])


# ---- row numbers, and files that once crashed validate()
@FORMATS
def test_row_numbers_count_blank_lines(fmt, wards, tmp_path):
    if fmt == "csv":
        data = b"ward_name,period,numerator,denominator\nSt Mary Cray,2024,3,30\n\nMottingham,2024,abc,30\n"
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        for r in (
            ["ward_name", "period", "numerator", "denominator"],
            ["St Mary Cray", 2024, 3, 30],
            [],
            ["Mottingham", 2024, "abc", 30],
        ):
            ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
    probs = rejected(validate(data, f"x.{fmt}", "neet", wards))
    assert probs == [(4, "numerator", "'abc' is not a number")]  # 'abc' is in spreadsheet row 4


def test_row_numbers_after_several_blank_lines_and_blank_lines_before_the_header(wards):
    data = (
        b"\n\nward_name,period,numerator,denominator\nSt Mary Cray,2024,3,30\n\n\n\n"
        b"Mottingham,2024,abc,30\n\r\nPlaistow,2024,3,-1\n"
    )
    probs = rejected(validate(data, "x.csv", "neet", wards))
    assert probs == [
        (8, "numerator", "'abc' is not a number"),
        (10, "denominator", "is negative"),
        (10, "numerator", "is larger than the denominator"),
    ]


def test_note_with_a_line_break_is_refused(wards):
    """Line breaks in cells are refused: they cannot be told apart from an unclosed quote swallowing rows."""
    data = (
        b"ward_name,period,numerator,denominator,note\n"
        b'St Mary Cray,2024,3,30,"line one\nline two"\nMottingham,2024,4,30,\n'
    )
    probs = rejected(validate(data, "x.csv", "neet", wards))
    assert len(probs) == 1 and probs[0][0] == 2 and "line break" in probs[0][2]


def test_unterminated_quote_is_reported_not_swallowed(wards):
    data = (
        b"ward_name,period,numerator,denominator,note\n"
        b'St Mary Cray,2024,3,30,"oops\nMottingham,2024,4,40,\nPlaistow,2024,6,50,\n'
    )
    probs = rejected(validate(data, "x.csv", "neet", wards))
    assert probs == [
        (2, None, "a cell contains a line break (an unclosed quote?); remove line breaks from cells and save again")
    ]


@pytest.mark.parametrize("period", ["0000", "9999/00", "0001", "2101"])
@pytest.mark.parametrize("indicator", ["neet", "cla_rate"])
def test_period_with_impossible_year_is_reported_not_raised(period, indicator, wards):
    rows = [good_row(name="Mottingham"), good_row(period=period)]
    probs = rejected(validate(csv_bytes(rows), "x.csv", indicator, wards))
    assert probs == [(3, "period", f"{period!r} is not a period (e.g. 2024, 2023/24)")]


def test_row_with_extra_fields_is_reported_not_raised(wards):
    data = (
        b"ward_name,period,numerator,denominator\nMottingham,2024,3,30\nSt Mary Cray,2024,3,30,extra,fields\n"
        b"Plaistow,2024,3,30,,x\n"
    )
    probs = rejected(validate(data, "x.csv", "neet", wards))
    assert probs == [
        (3, None, "has 6 values but the header has 4 columns"),
        (4, None, "has 6 values but the header has 4 columns"),
    ]


def test_empty_trailing_fields_and_short_rows(wards):
    """Empty cells past the header are not extra values; a short row is padded with empty cells."""
    data = b"ward_name,period,numerator,denominator,note\nSt Mary Cray,2024,3,30,,, ,\nMottingham,2024,3,30\n"
    res = validate(data, "x.csv", "neet", wards)
    assert res.ok, res.problems
    assert len(res.rows) == 2 and res.rows.note.str.fullmatch(r"LOCAL EXTRACT x\.csv \(sha256 [0-9a-f]{12}\)").all()
    probs = rejected(validate(b"ward_name,period,numerator,denominator\nSt Mary Cray,2024,3\n", "x.csv", "neet", wards))
    assert probs == [(2, "denominator", "'' is not a number")]


def _xlsx_with(member: str, mutate) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes([good_row()])))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in src.namelist():
            z.writestr(n, mutate(src.read(n)) if n == member else src.read(n))
    return buf.getvalue()


@pytest.mark.parametrize(
    "member,mutate",
    [
        ("xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2]),
        ("xl/workbook.xml", lambda b: b"<garbage"),
        ("[Content_Types].xml", lambda b: b"<<<"),
        ("xl/styles.xml", lambda b: b"<styleSheet"),
    ],
    ids=["truncated-sheet", "garbage-workbook", "garbage-content-types", "garbage-styles"],
)
def test_xlsx_with_malformed_xml_is_reported_not_raised(member, mutate, wards):
    probs = rejected(validate(_xlsx_with(member, mutate), "x.xlsx", "neet", wards))
    assert len(probs) == 1 and probs[0][:2] == (None, None)
    assert re.fullmatch(r"the file is not a readable \.xlsx workbook \(\w+\)", probs[0][2]), probs


def test_tiny_denominator_is_reported_not_raised(wards):
    probs = rejected(validate(csv_bytes([good_row(num="0", den="1e-10")]), "x.csv", "neet", wards))
    assert probs == [(2, "denominator", "must be a whole number of people (at least 1)")]


# --------------------------------------------------------------------------- name matching
@pytest.mark.parametrize(
    "raw",
    [
        "Penge & Cator",
        "penge and cator",
        "  PENGE  AND  CATOR ",
        "Penge and Cator ward",
        "Penge&Cator",
        "PENGE AND CATOR WARD",
    ],
)
def test_normalise_name(raw):
    assert normalise_name(raw) == "penge and cator"


@FORMATS
def test_name_spellings_map_to_the_same_code(fmt, wards, tmp_path):
    spellings = ["Penge & Cator", "penge and cator", "  PENGE  AND  CATOR ", "Penge and Cator ward"]
    rows = [good_row(name=s, period=str(2020 + i)) for i, s in enumerate(spellings)]
    rows.append(good_row(name="St Mary Cray"))  # 2022 only: settles the scheme
    res = validate(*make(fmt, rows, tmp=tmp_path), "neet", wards)
    assert res.ok, res.problems
    assert res.scheme == "ward2022"
    r = res.rows.set_index("period")
    neet_years = ["2019/20", "2020/21", "2021/22", "2022/23"]  # NEET "2020" is December 2019-February 2020
    assert (r.loc[neet_years, "area_code"] == PENGE_2022).all()
    # and with a 2014-only name, the same spellings map to the 2014 ward
    rows[-1] = good_row(name="Cray Valley East")
    res = validate(*make(fmt, rows, tmp=tmp_path), "neet", wards)
    assert res.ok, res.problems
    assert res.scheme == "ward2014"
    assert (res.rows.set_index("period").loc[neet_years, "area_code"] == PENGE_2014).all()


@pytest.mark.parametrize("spelling", ["St Paul's Cray", "St Pauls Cray", "st paul\u2019s cray", "ST. PAUL'S CRAY"])
def test_apostrophes_and_punctuation(spelling, wards):
    res = validate(csv_bytes([good_row(name=spelling)]), "x.csv", "neet", wards)
    assert res.ok, res.problems
    assert res.rows.area_code.tolist() == ["E05014007"] and res.scheme == "ward2022"


def test_scheme_detection(wards, store, names):
    w22 = store.areas("ward2022")
    w14 = store.areas("ward2014")
    only22 = w22[w22.area_name.map(normalise_name).isin(names["2022"])]
    only14 = w14[w14.area_name.map(normalise_name).isin(names["2014"])]
    for df, scheme in ((only22, "ward2022"), (only14, "ward2014")):
        rows = [good_row(name=n) for n in df.area_name]
        res = validate(csv_bytes(rows), "x.csv", "neet", wards)
        assert res.ok and res.scheme == scheme, res.problems
        assert sorted(res.rows.area_code) == sorted(df.area_code)
        # a single one of those names among names in both schemes settles it too
        both = [good_row(name=n.title(), period="2023") for n in sorted(names["both"])]
        res = validate(csv_bytes(both + rows[:1]), "x.csv", "neet", wards)
        assert res.ok and res.scheme == scheme, res.problems
    # codes alone (lower case, padded) work for both schemes
    res = validate(csv_bytes([good_row(code=f" {c.lower()} ", name="") for c in w14.area_code]), "x.csv", "neet", wards)
    assert res.ok and res.scheme == "ward2014" and sorted(res.rows.area_code) == sorted(w14.area_code)


# --------------------------------------------------------------------------- good files
@FORMATS
@pytest.mark.parametrize("indicator", ["neet", "cla_rate"])
def test_good_file_rows(fmt, indicator, wards, store, tmp_path):
    w = store.areas("ward2022")
    rng = np.random.default_rng(7)
    dens = rng.integers(200, 5000, len(w))
    nums = [0, 1, 4, 5, 9, 10, 11] + list(rng.integers(0, 60, len(w) - 7))
    rows = [
        [c, n, "2024", str(k), str(d), f"note {i}"]
        for i, (c, n, k, d) in enumerate(zip(w.area_code, w.area_name, nums, dens))
    ]
    data, fn = make(fmt, rows, tmp=tmp_path)
    res = validate(data, fn, indicator, wards)
    assert res.ok, res.problems
    assert res.problems == [] and res.scheme == "ward2022"
    assert res.sha256 == hashlib.sha256(data).hexdigest()
    v = res.rows
    VALUES.validate(v)
    assert list(v.columns) == list(VALUES.columns)
    assert len(v) == len(w) and set(v.area_code) == set(w.area_code)
    assert (v.indicator_id == indicator).all() and (v.area_type == "ward2022").all() and (v.breakdown == "All").all()
    assert not v.is_illustrative.any() and not v.is_estimate.any() and not v.is_suppressed.any()
    assert (v.source_id == f"local_{indicator}").all()
    assert v.note.str.startswith(f"LOCAL EXTRACT {fn}").all()
    period = "31 Mar 2024" if indicator == "cla_rate" else "2023/24"
    assert (v.period == period).all()
    if indicator == "cla_rate":  # a bare year is the 31 March snapshot
        assert (v.period_start == pd.Timestamp("2024-03-31")).all() and (v.period_end == v.period_start).all()
    else:  # NEET's "2024" is DfE's December 2023-February 2024 average, labelled 2023/24
        assert (v.period_start == pd.Timestamp("2023-12-01")).all() and (
            v.period_end == pd.Timestamp("2024-02-29")
        ).all()
    by = v.set_index("area_code")
    for code, k, d in zip(w.area_code, nums, dens):
        r = by.loc[code]
        assert r.numerator == k and r.denominator == d
        assert r.value == pytest.approx(k / d * MULT[indicator], abs=1e-8)
        for lvl, sfx in ((0.95, "95"), (0.998, "998")):
            if indicator == "neet":
                lo, hi = phstats.wilson(k, d, lvl, 100.0)
            else:
                lo, hi = phstats.rate_interval(k, d, lvl, 10000.0)
            assert r[f"lower{sfx}"] == pytest.approx(lo, abs=1e-8)
            assert r[f"upper{sfx}"] == pytest.approx(hi, abs=1e-8)
        assert r.lower998 <= r.lower95 <= r.value <= r.upper95 <= r.upper998


@pytest.mark.parametrize(
    "indicator,period,label,start,end",
    [
        ("cla_rate", "2024", "31 Mar 2024", "2024-03-31", "2024-03-31"),
        ("cla_rate", "31 Mar 2023", "31 Mar 2023", "2023-03-31", "2023-03-31"),
        ("obesity_year6", "2023/24", "2023/24", "2023-04-01", "2024-03-31"),
        ("obesity_year6", "2024", "2024", "2024-01-01", "2024-12-31"),
        # NEET: DfE's December-February average, "2024" and "2023/24" both the winter of 2023/24
        ("neet", "2023/24", "2023/24", "2023-12-01", "2024-02-29"),
        ("neet", "2024", "2023/24", "2023-12-01", "2024-02-29"),
        ("neet", "2024/25", "2024/25", "2024-12-01", "2025-02-28"),
    ],
)
def test_period_labels(indicator, period, label, start, end, wards):
    res = validate(csv_bytes([good_row(period=period)]), "x.csv", indicator, wards)
    assert res.ok, res.problems
    r = res.rows.iloc[0]
    assert (r.period, r.period_start, r.period_end) == (label, pd.Timestamp(start), pd.Timestamp(end))


def test_numbers_with_thousands_separators_and_spaces(wards):
    res = validate(csv_bytes([good_row(num=" 1,200 ", den="12,000")]), "x.csv", "neet", wards)
    assert res.ok, res.problems
    assert (res.rows.numerator.iloc[0], res.rows.denominator.iloc[0]) == (1200.0, 12000.0)


def test_column_names_are_case_and_space_insensitive(wards):
    data = b" Ward Name ,PERIOD, Numerator ,Denominator\nSt Mary Cray,2024,3,30\n"
    res = validate(data, "EXTRACT.CSV", "neet", wards)
    assert res.ok, res.problems


def test_template_is_a_valid_file(wards):
    res = validate(extracts.TEMPLATE.encode(), "template.csv", "neet", wards)
    assert res.ok and res.scheme == "ward2022", res.problems


# --------------------------------------------------------------------------- safety
INJECTIONS = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://example.invalid/?x="&A1,"click")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "'; DROP TABLE vals; --",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "\u202eevil",
    "a\u0000b".replace("\u0000", ""),
    "x" * 1000,
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_notes_are_stored_as_plain_text(text, wards):
    res = validate(csv_bytes([good_row(note=text)]), "x.csv", "neet", wards)
    assert res.ok, res.problems
    note = res.rows.note.iloc[0]
    assert text.strip()[:300] in note  # literally, not evaluated (e.g. no '2' for '=1+1', no '49')
    assert note.startswith("LOCAL EXTRACT")  # so a spreadsheet opening a download never sees a leading '='


def test_xlsx_text_cell_starting_with_equals_is_plain_text(wards, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ward_name", "period", "numerator", "denominator", "note"])
    ws.append(["St Mary Cray", 2024, 3, 30, "x"])
    ws["E2"].value = '=HYPERLINK("http://example.invalid","x")'
    ws["E2"].data_type = "s"  # a text cell that merely looks like a formula
    p = tmp_path / "t.xlsx"
    wb.save(p)
    res = validate(p.read_bytes(), "t.xlsx", "neet", wards)
    assert res.ok, res.problems
    assert '=HYPERLINK("http://example.invalid","x")' in res.rows.note.iloc[0]


@pytest.mark.parametrize("text", INJECTIONS[:8])
def test_injection_in_ward_name_is_rejected_as_text(text, wards):
    res = validate(csv_bytes([good_row(), good_row(name=text, period="2023")]), "x.csv", "neet", wards)
    probs = rejected(res)
    assert any(r == 3 and c == "ward_name" for r, c, _ in probs)
    msg = next(m for r, c, m in probs if r == 3)
    assert text.strip()[:20] in msg  # quoted back as text


@pytest.mark.parametrize("text", INJECTIONS[:8])
def test_injection_in_numbers_and_periods_does_not_crash(text, wards):
    for row in (good_row(num=text), good_row(den=text), good_row(period=text), good_row(code=text, name="")):
        rejected(validate(csv_bytes([row]), "x.csv", "cla_rate", wards))


def test_injection_in_filename_does_not_lead_the_note(wards):
    fn = '=HYPERLINK("http://x").csv'
    res = validate(csv_bytes([good_row()]), fn, "neet", wards)
    assert res.ok and res.rows.note.iloc[0].startswith("LOCAL EXTRACT =HYPERLINK")


# --------------------------------------------------------------------------- storage


def snapshot(d: Path) -> dict[str, str]:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
    }


def local_files(d: Path) -> list[str]:
    """Everything under data/local, dot-files and folders included, but the version history (history/)."""
    if not (d / "local").exists():
        return []
    return sorted(
        str(p.relative_to(d / "local"))
        for p in (d / "local").rglob("*")
        if p.relative_to(d / "local").parts[0] != "history"
    )


TITLE = re.compile(r"Council extract \((.+), (\d{2} [A-Z][a-z]{2} \d{4})\): (\d+) rows, (ward20\d\d)")


def check_source_entry(
    entry: dict, indicator: str, filename: str, n_rows: int, scheme: str, data: bytes, day_before: dt.date
) -> None:
    """The source entry stored in an extract's Parquet metadata, field by field."""
    assert set(entry) == {"source_id", "publisher", "title", "url", "licence", "attribution", "raw_file", "sha256"}
    assert entry["source_id"] == f"local_{indicator}"
    assert entry["publisher"] == "London Borough of Bromley (local extract)"
    m = TITLE.fullmatch(entry["title"])
    assert m, entry["title"]
    assert day_before <= dt.datetime.strptime(m.group(2), "%d %b %Y").date() <= dt.date.today()
    assert (m.group(1), *m.groups()[2:]) == (filename, str(n_rows), scheme)
    assert entry["url"] == ""
    assert entry["licence"] == "Council data: not for publication without approval"
    assert entry["attribution"] == "London Borough of Bromley"
    assert entry["raw_file"] == filename
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def cla_file(store, nums: list[int], periods=("2024", "2023")) -> bytes:
    w = store.areas("ward2022").head(len(nums))
    rows = [
        [c, n, p, str(k), str(3000 + 17 * i), ""]
        for p in periods
        for i, (c, n, k) in enumerate(zip(w.area_code, w.area_name, nums))
    ]
    return csv_bytes(rows)


def test_save_replace_remove_end_to_end(data_copy, wards, store):
    before = Store(data_copy)
    ill = before.values("cla_rate", "31 Mar 2023", "ward2022")
    assert len(ill) == 22 and ill.is_illustrative.all()
    assert extracts.loaded(data_copy).empty

    data1 = cla_file(store, [1, 2, 3, 7, 12, 40])
    res = validate(data1, "cla1.csv", "cla_rate", wards)
    assert res.ok, res.problems
    today = dt.date.today()
    out = extracts.save(res, "cla_rate", "cla1.csv", data_copy)
    assert out == data_copy / "local" / "cla_rate.parquet" and out.is_file()
    # one file per extract, and the change log: no values/ or sources/ folders, no temp file
    assert local_files(data_copy) == ["changes.jsonl", "cla_rate.parquet"]
    assert extracts.extract_files(data_copy) == [out]
    # the file holds the values rows, and its source entry in the Parquet metadata
    pd.testing.assert_frame_equal(pd.read_parquet(out), res.rows.reset_index(drop=True), check_dtype=False)
    assert set(pq.read_schema(out).metadata) >= {extracts.SOURCE_KEY}
    entry = extracts.source_entry(out)
    check_source_entry(entry, "cla_rate", "cla1.csv", 12, "ward2022", data1, today)

    s = Store(data_copy)
    for period in ("31 Mar 2024", "31 Mar 2023"):
        v = s.values("cla_rate", period, "ward2022")
        assert len(v) == 6 and not v.is_illustrative.any()
        assert (v.source_id == "local_cla_rate").all()
        assert sorted(v.numerator) == [1, 2, 3, 7, 12, 40]
    allv = s.all_values()
    cla22 = allv[(allv.indicator_id == "cla_rate") & (allv.area_type == "ward2022")]
    assert len(cla22) == 12 and not cla22.is_illustrative.any()  # the whole illustrative series is replaced
    assert (allv[allv.indicator_id == "neet"].query("area_type == 'ward2022'").is_illustrative).all()  # untouched
    assert len(s.comparators("cla_rate", "31 Mar 2023")) == len(before.comparators("cla_rate", "31 Mar 2023"))
    assert "31 Mar 2024" in set(s.options("cla_rate").period)
    src = s.sources()
    local = src[src.source_id == "local_cla_rate"]
    assert len(local) == 1
    assert {k: local.iloc[0][k] for k in entry} == entry  # the sources table holds the metadata entry as stored
    assert len(src) == len(before.sources()) + 1
    lo = extracts.loaded(data_copy)
    assert lo.to_dict("records") == [
        dict(indicator_id="cla_rate", file="cla1.csv", title=entry["title"], sha256=hashlib.sha256(data1).hexdigest())
    ]

    # a second file replaces the first
    data2 = cla_file(store, [20, 21, 22], periods=("2024",))
    res2 = validate(data2, "cla2.csv", "cla_rate", wards)
    assert res2.ok
    assert extracts.save(res2, "cla_rate", "cla2.csv", data_copy) == out
    assert local_files(data_copy) == ["changes.jsonl", "cla_rate.parquet"]
    check_source_entry(extracts.source_entry(out), "cla_rate", "cla2.csv", 3, "ward2022", data2, today)
    s = Store(data_copy)
    v = s.values("cla_rate", "31 Mar 2024", "ward2022")
    assert sorted(v.numerator) == [20, 21, 22]
    assert s.values("cla_rate", "31 Mar 2023", "ward2022").empty
    local = s.sources().query("source_id == 'local_cla_rate'")
    assert len(local) == 1 and local.sha256.iloc[0] == hashlib.sha256(data2).hexdigest()
    assert local.raw_file.iloc[0] == "cla2.csv"
    assert extracts.loaded(data_copy).file.tolist() == ["cla2.csv"]

    # remove: the illustrative series comes back
    assert extracts.remove("cla_rate", data_copy) is True
    s = Store(data_copy)
    back = s.values("cla_rate", "31 Mar 2023", "ward2022")
    assert len(back) == 22 and back.is_illustrative.all()
    pd.testing.assert_frame_equal(back.reset_index(drop=True), ill.reset_index(drop=True))
    assert "local_cla_rate" not in set(s.sources().source_id)
    assert extracts.loaded(data_copy).empty
    assert local_files(data_copy) == ["changes.jsonl"]
    assert extracts.remove("cla_rate", data_copy) is False
    with pytest.raises(ValueError):
        extracts.remove("idaci", data_copy)


def test_both_indicators_and_a_2014_extract(data_copy, wards, store):
    w14 = store.areas("ward2014")
    neet = csv_bytes([[c, "", "2025", "3", "150", ""] for c in w14.area_code[:4]])
    res = validate(neet, "n.csv", "neet", wards)
    assert res.ok and res.scheme == "ward2014"
    extracts.save(res, "neet", "n.csv", data_copy)
    res = validate(cla_file(store, [5, 6]), "c.csv", "cla_rate", wards)
    extracts.save(res, "cla_rate", "c.csv", data_copy)
    s = Store(data_copy)
    assert local_files(data_copy) == ["changes.jsonl", "cla_rate.parquet", "neet.parquet"]
    lo = extracts.loaded(data_copy)
    assert lo.indicator_id.tolist() == ["cla_rate", "neet"] and lo.file.tolist() == ["c.csv", "n.csv"]
    assert lo.title.str.endswith(": 4 rows, ward2022").tolist() == [True, False]
    assert lo.title.str.endswith(": 4 rows, ward2014").tolist() == [False, True]
    src = s.sources().set_index("source_id")
    assert src.loc[["local_cla_rate", "local_neet"], "raw_file"].tolist() == ["c.csv", "n.csv"]
    # the council's "2025" is DfE's December 2024-February 2025 average: 2024/25, as the illustrative wards
    assert len(s.values("neet", "2024/25", "ward2014")) == 4
    # a 2014-ward extract replaces only the 2014 series: the illustrative 2022 wards stay
    n22 = s.values("neet", "2024/25", "ward2022")
    assert len(n22) == 22 and n22.is_illustrative.all()


def test_failed_validation_leaves_existing_extract_untouched(data_copy, wards, store):
    res = validate(cla_file(store, [1, 2, 3]), "good.csv", "cla_rate", wards)
    extracts.save(res, "cla_rate", "good.csv", data_copy)
    snap = snapshot(data_copy)
    bad = validate(cla_file(store, [1, -2, 3]), "bad.csv", "cla_rate", wards)
    assert not bad.ok
    with pytest.raises(ValueError):
        extracts.save(bad, "cla_rate", "bad.csv", data_copy)
    with pytest.raises(ValueError):
        extracts.save(extracts.Result(True, [], None), "cla_rate", "bad.csv", data_copy)
    assert snapshot(data_copy) == snap
    assert sorted(Store(data_copy).values("cla_rate", "31 Mar 2024", "ward2022").numerator) == [1, 2, 3]


@pytest.mark.parametrize("fault", ["write", "rename"])
def test_failed_write_leaves_old_file_and_no_temp_file(fault, data_copy, wards, store, monkeypatch):
    """save() writes a temp file beside the extract and renames it into place; a failure at either step
    leaves the old extract (values and source entry) exactly as it was, and no temp file behind."""
    old = cla_file(store, [1, 2, 3])
    res = validate(old, "good.csv", "cla_rate", wards)
    extracts.save(res, "cla_rate", "good.csv", data_copy)
    snap = snapshot(data_copy)
    res2 = validate(cla_file(store, [7, 8, 9]), "new.csv", "cla_rate", wards)
    real_write, real_replace = pq.write_table, os.replace
    temps, renames = [], []

    def write(table, where, *a, **k):
        temps.append(Path(where))
        if fault == "write":
            Path(where).write_bytes(b"half a parquet file")
            raise OSError("disk full")
        return real_write(table, where, *a, **k)

    def replace(src, dst, *a, **k):
        renames.append((Path(src), Path(dst)))
        if fault == "rename":
            raise OSError("rename failed")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(pq, "write_table", write)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        extracts.save(res2, "cla_rate", "new.csv", data_copy)
    monkeypatch.undo()
    # the temp file was in the same folder (so the rename is atomic), named as a dot-file
    assert len(temps) == 1 and temps[0].parent == data_copy / "local"
    assert re.fullmatch(r"\.tmp-.*\.parquet", temps[0].name), temps[0].name
    assert renames == ([] if fault == "write" else [(temps[0], data_copy / "local" / "cla_rate.parquet")])
    assert snapshot(data_copy) == snap
    assert local_files(data_copy) == ["changes.jsonl", "cla_rate.parquet"]
    s = Store(data_copy)
    assert sorted(s.values("cla_rate", "31 Mar 2024", "ward2022").numerator) == [1, 2, 3]
    assert s.sources().query("source_id == 'local_cla_rate'").sha256.tolist() == [hashlib.sha256(old).hexdigest()]


def test_values_and_source_entry_are_replaced_together(data_copy, wards, store):
    """One file holds both, so the rows shown are always those of the file the sources row names."""
    for nums, fn in (([1, 2, 3], "old.csv"), ([7, 8, 9], "new.csv")):
        data = cla_file(store, nums)
        res = validate(data, fn, "cla_rate", wards)
        path = extracts.save(res, "cla_rate", fn, data_copy)
        entry = extracts.source_entry(path)
        assert entry["raw_file"] == fn and entry["sha256"] == hashlib.sha256(data).hexdigest()
        s = Store(data_copy)
        sha = s.sources().query("source_id == 'local_cla_rate'").sha256.tolist()
        assert sha == [entry["sha256"]]
        v = s.values("cla_rate", "31 Mar 2024", "ward2022")
        assert sorted(v.numerator) == nums
        assert v.note.str.fullmatch(rf"LOCAL EXTRACT {re.escape(fn)} \(sha256 {sha[0][:12]}\)").all()


def test_leftover_temp_files_are_ignored(data_copy, wards, store):
    """A temp file left by a crash mid-write (a dot-file) is not an extract: not listed, not loaded."""
    local = data_copy / "local"
    local.mkdir()
    (local / ".tmp-abc123.parquet").write_bytes(b"half a parquet file")
    (local / ".hidden.parquet").write_bytes(b"")
    assert extracts.extract_files(data_copy) == [] and extracts.loaded(data_copy).empty
    assert Store(data_copy).values("cla_rate", "31 Mar 2023", "ward2022").is_illustrative.all()
    res = validate(cla_file(store, [4, 5]), "c.csv", "cla_rate", wards)
    path = extracts.save(res, "cla_rate", "c.csv", data_copy)
    assert extracts.extract_files(data_copy) == [path]
    assert extracts.loaded(data_copy).indicator_id.tolist() == ["cla_rate"]
    assert sorted(Store(data_copy).values("cla_rate", "31 Mar 2024", "ward2022").numerator) == [4, 5]


@pytest.mark.parametrize("content", ["garbage", "no-metadata", "bad-json"])
def test_unreadable_extract_is_listed_so_it_can_be_removed(content, data_copy, wards, store):
    res = validate(cla_file(store, [4, 5]), "c.csv", "cla_rate", wards)
    path = extracts.save(res, "cla_rate", "c.csv", data_copy)
    bad = data_copy / "local" / "neet.parquet"
    if content == "garbage":
        bad.write_bytes(b"not a parquet file")
    else:
        table = pq.read_table(path)
        meta = {b"bwe_source": b"{not json"} if content == "bad-json" else {}
        pq.write_table(table.replace_schema_metadata(meta), bad)
    lo = extracts.loaded(data_copy)
    assert lo.indicator_id.tolist() == ["cla_rate", "neet"]
    assert lo.file.tolist() == ["c.csv", "?"] and lo.sha256.tolist()[1] == ""
    assert not lo.title.iloc[0].startswith("UNREADABLE") and lo.title.iloc[1].startswith("UNREADABLE")
    with pytest.raises((ValueError, OSError)):  # ArrowInvalid is a ValueError; bad JSON too
        extracts.source_entry(bad)
    with pytest.raises(DataUnavailable, match="local"):
        Store(data_copy)
    assert extracts.remove("neet", data_copy) is True
    assert local_files(data_copy) == ["changes.jsonl", "cla_rate.parquet"]
    assert sorted(Store(data_copy).values("cla_rate", "31 Mar 2024", "ward2022").numerator) == [4, 5]


# --------------------------------------------------------------------------- CLI
def cli(capsys, *args):
    from loaders.__main__ import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_import_list_remove(data_copy, store, tmp_path, capsys):
    good = tmp_path / "cla_good.csv"
    good.write_bytes(cla_file(store, [1, 2, 3, 7]))
    code, out, err = cli(capsys, "--data", str(data_copy), "extracts")
    assert code == 0 and "no local extracts loaded" in out
    code, out, err = cli(capsys, "--data", str(data_copy), "import", str(good), "--indicator", "cla_rate")
    assert code == 0, err
    assert "loaded 8 rows (ward2022) for cla_rate" in out and err == ""
    assert local_files(data_copy) == ["changes.jsonl", "cla_rate.parquet"]
    assert extracts.source_entry(data_copy / "local" / "cla_rate.parquet")["raw_file"] == "cla_good.csv"
    code, out, err = cli(capsys, "--data", str(data_copy), "extracts")
    assert code == 0 and "cla_rate" in out and "cla_good.csv" in out
    assert hashlib.sha256(good.read_bytes()).hexdigest() in out

    bad = tmp_path / "cla_bad.csv"
    bad.write_bytes(csv_bytes([good_row(), good_row(name="Mottingham", num="x"), good_row(name="Nowhere")]))
    snap = snapshot(data_copy)
    code, out, err = cli(capsys, "--data", str(data_copy), "import", str(bad), "--indicator", "cla_rate")
    assert code == 1 and out == ""
    assert "cla_bad.csv was not loaded (2 problem(s))" in err
    assert "row 3, numerator: 'x' is not a number" in err
    assert "row 4, ward_name: 'Nowhere' is not a Bromley ward name" in err
    assert snapshot(data_copy) == snap  # the loaded extract is untouched

    code, out, err = cli(
        capsys, "--data", str(data_copy), "import", str(tmp_path / "missing.csv"), "--indicator", "cla_rate"
    )
    assert code == 1 and "not found" in err

    code, out, err = cli(capsys, "--data", str(data_copy), "remove", "--indicator", "cla_rate")
    assert code == 0 and "removed the cla_rate extract" in out
    assert local_files(data_copy) == ["changes.jsonl"]
    code, out, err = cli(capsys, "--data", str(data_copy), "remove", "--indicator", "cla_rate")
    assert code == 0 and "no cla_rate extract was loaded" in out
    assert Store(data_copy).values("cla_rate", "31 Mar 2023", "ward2022").is_illustrative.all()


def test_cli_rejects_unknown_indicator(data_copy, tmp_path, capsys):
    f = tmp_path / "x.csv"
    f.write_bytes(csv_bytes([good_row()]))
    with pytest.raises(SystemExit) as e:
        cli(capsys, "--data", str(data_copy), "import", str(f), "--indicator", "idaci")
    assert e.value.code == 2


def test_cli_subprocess(data_copy, store, tmp_path, root):
    """The real command line, as an analyst runs it (one process: start-up is slow)."""
    good = tmp_path / "neet.csv"
    good.write_bytes(csv_bytes([[c, "", "2025", "3", "150", ""] for c in store.areas("ward2022").area_code]))
    p = subprocess.run(
        [sys.executable, "-m", "loaders", "--data", str(data_copy), "import", str(good), "--indicator", "neet"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert "loaded 22 rows (ward2022) for neet" in p.stdout
    v = Store(data_copy).values("neet", "2024/25", "ward2022")  # NEET "2025": December 2024-February 2025
    assert len(v) == 22 and not v.is_illustrative.any() and (v.numerator == 3).all()


# --------------------------------------------------------------------------- fuzzing
@pytest.fixture(scope="module")
def guarded(tmp_path_factory, data_dir):
    """A data copy that must never change while the fuzz tests run."""
    d = tmp_path_factory.mktemp("guarded")
    for p in data_dir.glob("*.parquet"):
        shutil.copy2(p, d / p.name)
    return d, snapshot(d)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("scratch")


def check(data: bytes, fn: str, indicator: str, wards, guarded, scratch) -> None:
    """validate() never raises, whatever the bytes: it accepts or reports problems."""
    d, snap = guarded
    res = validate(data, fn, indicator, wards)
    event("accepted" if res.ok else "rejected")
    assert isinstance(res, extracts.Result)
    assert res.sha256 == hashlib.sha256(data).hexdigest()
    if res.ok:
        assert res.problems == [] and res.rows is not None and len(res.rows) > 0
        VALUES.validate(res.rows)
        assert not res.rows.is_illustrative.any() and (res.rows.source_id == f"local_{indicator}").all()
        assert res.scheme in ("ward2022", "ward2014")
        path = extracts.save(res, indicator, fn, scratch)
        assert path == scratch / "local" / f"{indicator}.parquet"
        assert len(pd.read_parquet(path)) == len(res.rows)
        entry = extracts.source_entry(path)
        assert entry["sha256"] == res.sha256 and entry["source_id"] == f"local_{indicator}"
        assert not [p for p in (scratch / "local").iterdir() if p.name.startswith(".")]
    else:
        assert res.rows is None and res.problems
        assert all(isinstance(p.message, str) and p.message for p in res.problems)
        assert all(p.row is None or p.row >= 1 for p in res.problems)
        str(res.problems[0])
        with pytest.raises(ValueError):
            extracts.save(res, indicator, fn, d)
        assert snapshot(d) == snap, "a rejected file changed the data folder"


WARD_VALUES = [
    "St Mary Cray",
    "Darwin",
    "Cray Valley East",
    "penge & cator",
    PENGE_2022,
    CRAY_VALLEY_EAST,
    "E05000001",
    "Penge and Cator ward",
]
NUMBERS = [
    "0",
    "1",
    "4",
    "5",
    "-1",
    "1e308",
    "1e400",
    "-0",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1,000",
    "3.5",
    "99999999999999999999999",
    "0x10",
    "",
    " ",
    "1e-10",
    "0.0000000001",
    "1e-320",
    "١٢",
    "½",
]
PERIODS = [
    "2024",
    "2023/24",
    "31 Mar 2024",
    "2011/12-2013/14",
    "mid-2020",
    "0000",
    "9999/00",
    "24",
    "",
    "2024/23",
    "2100",
    "2101",
    "1999/00",
]
cell = st.one_of(
    st.sampled_from(WARD_VALUES + NUMBERS + PERIODS),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
column = st.one_of(st.sampled_from(COLS + ["Ward Name", "NUMERATOR", "", "numerator", "x"]), st.text(max_size=12))
extension = st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x.CSV", "x.xls", "x"])
indicator = st.sampled_from(["neet", "cla_rate"])


@st.composite
def csv_text(draw) -> bytes:
    cols = draw(st.lists(column, min_size=0, max_size=8))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(cols) + 2), max_size=12))
    sep = draw(st.sampled_from([",", ";", "\t", ","]))
    quote = draw(st.booleans())
    q = (lambda s: '"' + s.replace('"', '""') + '"') if quote else (lambda s: s)
    lines = [sep.join(q(c) for c in cols)] + [sep.join(q(c) for c in r) for r in rows]
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines).encode("utf-8", "surrogatepass")


@st.composite
def structured_csv(draw) -> bytes:
    """Right columns, mostly good values with edge cases mixed in: reaches the number, period and ward
    checks, and the values rows of accepted files."""
    n = draw(st.integers(1, 22))
    bad = draw(st.integers(0, 3))  # edge-case cells: about bad in 10
    codes = [f"E050{13987 + i}" for i in range(22)]

    def pick(good, edge):
        return draw(st.sampled_from(edge)) if draw(st.integers(0, 9)) < bad else good

    rows = []
    for i in range(n):
        den = draw(st.integers(1, 10**7))
        num = draw(st.integers(0, den))
        rows.append(
            [
                pick(codes[i], ["", PENGE_2014, "e05014003", "E0501400", codes[0]]),
                pick("", WARD_VALUES + ["Mottingham", "Plaistow", "Bickley"]),
                pick(draw(st.sampled_from(["2024", "2023/24", "31 Mar 2020", "2011/12-2013/14", "mid-2020"])), PERIODS),
                pick(str(num), NUMBERS),
                pick(str(den), NUMBERS),
                draw(st.one_of(st.just(""), cell)),
            ]
        )
    return csv_bytes(rows)


def _valid_csv(store_rows=22) -> bytes:
    return csv_bytes(
        [good_row(code=f"E050{13987 + i}", name="", num=str(i), den=str(100 + i)) for i in range(store_rows)]
    )


VALID_CSV = _valid_csv()
VALID_XLSX = xlsx_bytes([good_row(code=f"E050{13987 + i}", name="", num=str(i), den=str(100 + i)) for i in range(22)])


@st.composite
def zip_garbage(draw) -> bytes:
    members = [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/worksheets/sheet1.xml",
        "xl/styles.xml",
        "xl/sharedStrings.xml",
        "docProps/app.xml",
    ]
    src = zipfile.ZipFile(io.BytesIO(VALID_XLSX))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for m in draw(st.lists(st.sampled_from(members + src.namelist()), unique=True, max_size=10)):
            original = src.read(m) if m in src.namelist() else b""
            how = draw(st.sampled_from(["keep", "bytes", "truncate", "flip", "empty"]))
            if how == "bytes":
                content = draw(st.binary(max_size=300))
            elif how == "truncate":
                content = original[: draw(st.integers(0, max(len(original), 0)))]
            elif how == "flip" and original:
                i = draw(st.integers(0, len(original) - 1))
                content = original[:i] + bytes([original[i] ^ 0xFF]) + original[i + 1 :]
            elif how == "empty":
                content = b""
            else:
                content = original
            z.writestr(m, content)
    return buf.getvalue()


@FUZZ
@given(data=st.binary(max_size=3000), fn=extension, ind=indicator)
@example(data=b"\xff\xfe\x00", fn="x.csv", ind="neet")
@example(data=b"PK\x03\x04", fn="x.xlsx", ind="neet")
def test_fuzz_random_bytes(data, fn, ind, wards, guarded, scratch):
    check(data, fn, ind, wards, guarded, scratch)


@FUZZ
@given(data=csv_text(), fn=st.sampled_from(["x.csv", "x.txt"]), ind=indicator)
def test_fuzz_random_csv_text(data, fn, ind, wards, guarded, scratch):
    check(data, fn, ind, wards, guarded, scratch)


@FUZZ
@given(data=structured_csv(), ind=indicator)
def test_fuzz_structured_csv_with_edge_values(data, ind, wards, guarded, scratch):
    check(data, "x.csv", ind, wards, guarded, scratch)


@FUZZ
@given(which=st.sampled_from(["csv", "xlsx"]), cut=st.floats(0, 1), ind=indicator)
def test_fuzz_truncated_valid_files(which, cut, ind, wards, guarded, scratch):
    full = VALID_CSV if which == "csv" else VALID_XLSX
    data = full[: int(len(full) * cut)]
    check(data, f"x.{which}", ind, wards, guarded, scratch)


@FUZZ
@given(data=zip_garbage(), ind=indicator)
def test_fuzz_xlsx_like_zip_garbage(data, ind, wards, guarded, scratch):
    check(data, "x.xlsx", ind, wards, guarded, scratch)
