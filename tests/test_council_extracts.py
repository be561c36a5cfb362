"""Council extracts as councils really hold them (issue #15): headers, periods, layouts, records, history.

Every file here is built the way a council's system or analyst would write it; each is loaded end to end
(validate -> save -> Store) and its figures are read back through the Store, the CLI and the pages.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from loaders import extract_columns, extracts, periods
from loaders.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wards(store):
    return extracts.wards_of(store)


@pytest.fixture(scope="module")
def opts(store):
    return extracts.options_for(store)


def csv(text: str) -> bytes:
    return text.strip().encode() + b"\n"


def xlsx(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def snapshot(d: Path) -> dict:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
    }


def names22(store) -> list[str]:
    return sorted(store.areas("ward2022").area_name)


# --------------------------------------------------------------------------- 1. columns
def test_council_headers_load(store, wards, data_copy):
    """The file the issue tried: Ward, Period, NEET count, Cohort; names, "2023-24"."""
    body = "\n".join(f"{n},2023-24,{3 + i},{300 + i}" for i, n in enumerate(names22(store)))
    data = csv("Ward,Period,NEET count,Cohort\n" + body)
    res = extracts.validate(data, "neet_wards.csv", "neet", wards)
    assert res.ok, res.problems
    assert res.mapping == {"ward": "Ward", "period": "Period", "numerator": "NEET count", "denominator": "Cohort"}
    assert res.written == {"2023/24": ["2023-24"]} and res.layout == "aggregate"
    extracts.save(res, "neet", "neet_wards.csv", data_copy)
    v = Store(data_copy).values("neet", "2023/24", "ward2022")
    assert len(v) == 22 and not v.is_illustrative.any() and sorted(v.numerator) == [3.0 + i for i in range(22)]


@pytest.mark.parametrize(
    "header,role",
    [
        ("Ward", "ward"),
        ("ward name", "ward_name"),
        ("WARD_CODE", "ward_code"),
        ("Area", "ward"),
        ("WD22CD", "ward_code"),
        ("Period", "period"),
        ("Year", "period"),
        ("Financial year", "period"),
        ("Month", "period"),
        ("Date", "period"),
        ("Numerator", "numerator"),
        ("Count", "numerator"),
        ("Number", "numerator"),
        ("NEET count", "numerator"),
        ("Number NEET", "numerator"),
        ("Denominator", "denominator"),
        ("Cohort", "denominator"),
        ("Population", "denominator"),
        ("Children", "denominator"),
        ("Cohort size", "denominator"),
        ("Children 5-15", "denominator"),  # a population with its age band
        ("Young people aged 16-17", "denominator"),
        ("NEET %", None),
        ("% NEET", None),
        ("Rate", None),
    ],
)
def test_usual_headers_are_recognised_whatever_case_and_punctuation(header, role):
    assert extract_columns.role_of(header, "neet") == role
    assert extract_columns.role_of(header.upper().replace(" ", "_"), "neet") == role


def test_indicator_own_name_is_the_numerator_for_cla():
    for h in ("Children looked after", "CLA", "Number of children looked after", "LAC count"):
        assert extract_columns.role_of(h, "cla_rate") == "numerator", h


def test_explicit_mapping_on_the_cli(store, data_copy, tmp_path, capsys):
    from loaders.__main__ import main

    body = "\n".join(f"{n};2024;{5 + i};{400 + i}" for i, n in enumerate(names22(store)))
    f = tmp_path / "odd.csv"
    f.write_text("Location,When,Young people NEET (n),Known to LA (n)\n" + body.replace(";", ","))
    assert main(["--data", str(data_copy), "import", str(f), "--indicator", "neet"]) == 1
    assert "missing column" in capsys.readouterr().err
    code = main(
        [
            "--data",
            str(data_copy),
            "import",
            str(f),
            "--indicator",
            "neet",
            "--column",
            "ward=Location",
            "--column",
            "period=When",
            "--column",
            'numerator="Young people NEET (n)"',
            "--column",
            "denominator=known to la (n)",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    # NEET "2024" is DfE's December 2023-February 2024 average, stored as 2023/24
    assert sorted(Store(data_copy).values("neet", "2023/24", "ward2022").numerator) == [5.0 + i for i in range(22)]
    # remembered for the indicator: the same layout loads again with no --column
    assert extracts.remembered_mapping(data_copy, "neet")["numerator"] == "Young people NEET (n)"
    assert main(["--data", str(data_copy), "import", str(f), "--indicator", "neet"]) == 0
    capsys.readouterr()


def test_ambiguous_mapping_is_a_problem_not_a_guess(store, wards):
    data = csv("Ward,Period,Count,Number,Cohort\nMottingham,2024,3,4,300")
    res = extracts.validate(data, "x.csv", "neet", wards)
    assert not res.ok and any(
        "ambiguous" in p.message and "'Count'" in p.message and "'Number'" in p.message for p in res.problems
    )
    res = extracts.validate(data, "x.csv", "neet", wards, extracts.Options(columns={"numerator": "Number"}))
    assert res.ok and res.rows.numerator.tolist() == [4.0]


# --------------------------------------------------------------------------- 2. periods
FORMS = [
    ("2023/24", "2023/24", "2023-04-01", "2024-03-31"),
    ("2023-24", "2023/24", "2023-04-01", "2024-03-31"),
    ("2024-25", "2024/25", "2024-04-01", "2025-03-31"),
    ("FY2023/24", "2023/24", "2023-04-01", "2024-03-31"),
    ("Mar-24", "Mar 2024", "2024-03-01", "2024-03-31"),
    ("March 2024", "Mar 2024", "2024-03-01", "2024-03-31"),
    ("2024-03", "Mar 2024", "2024-03-01", "2024-03-31"),
    ("31/03/2024", "31 Mar 2024", "2024-03-31", "2024-03-31"),
    ("Q4 2023/24", "Q4 2023/24", "2024-01-01", "2024-03-31"),
    ("2024", "2024", "2024-01-01", "2024-12-31"),
]


@pytest.mark.parametrize("written,label,start,end", FORMS)
def test_every_period_form(written, label, start, end, wards):
    assert periods.written(written) == label
    assert periods.bounds(label) == (pd.Timestamp(start), pd.Timestamp(end))
    res = extracts.validate(
        csv(f"Ward,Period,Obese children,Children measured\nMottingham,{written},3,300"),
        "x.csv",
        "obesity_year6",
        wards,
    )
    assert res.ok, res.problems
    r = res.rows.iloc[0]
    assert (r.period, r.period_start, r.period_end) == (label, pd.Timestamp(start), pd.Timestamp(end))
    assert res.written == {label: [written]}  # shown as the council wrote it


NEET_FORMS = [  # DfE's December-February average: "2024" is the winter of 2023/24, as the council labels it
    ("2023/24", "2023/24", "2023-12-01", "2024-02-29"),
    ("2023-24", "2023/24", "2023-12-01", "2024-02-29"),
    ("FY2023/24", "2023/24", "2023-12-01", "2024-02-29"),
    ("2024", "2023/24", "2023-12-01", "2024-02-29"),
    ("2024-25", "2024/25", "2024-12-01", "2025-02-28"),
    ("2025", "2024/25", "2024-12-01", "2025-02-28"),
    ("Mar-24", "Mar 2024", "2024-03-01", "2024-03-31"),  # a month keeps its own dates
    ("Q4 2023/24", "Q4 2023/24", "2024-01-01", "2024-03-31"),
    ("2021/22-2023/24", "2021/22-2023/24", "2021-04-01", "2024-03-31"),  # so does a pooled period
]


@pytest.mark.parametrize("written,label,start,end", NEET_FORMS)
def test_every_neet_period_form(written, label, start, end, wards):
    res = extracts.validate(csv(f"Ward,Period,NEET count,Cohort\nMottingham,{written},3,300"), "x.csv", "neet", wards)
    assert res.ok, res.problems
    r = res.rows.iloc[0]
    assert (r.period, r.period_start, r.period_end) == (label, pd.Timestamp(start), pd.Timestamp(end))
    assert res.written == {label: [written]}  # shown as the council wrote it


def test_academic_year_and_snapshots(wards):
    res = extracts.validate(
        csv("Ward,Academic year,Obese children,Children measured\nMottingham,2023/24,3,300"),
        "x.csv",
        "obesity_year6",
        wards,
        extracts.Options(academic=True),
    )
    assert res.ok and res.rows.period.tolist() == ["AY 2023/24"], res.problems
    assert res.rows.period_start.iloc[0] == pd.Timestamp("2023-09-01")
    # NEET in an academic year is still DfE's December-February average within it
    res = extracts.validate(
        csv("Ward,Academic year,NEET count,Cohort\nMottingham,2023/24,3,300"),
        "x.csv",
        "neet",
        wards,
        extracts.Options(academic=True),
    )
    assert res.ok and res.rows.period.tolist() == ["2023/24"], res.problems
    assert res.rows.period_start.iloc[0] == pd.Timestamp("2023-12-01")
    for written in ("Mar-24", "March 2024", "31/03/2024", "2024", "2024-03"):  # children looked after: 31 March
        res = extracts.validate(
            csv(f"Ward,As at,CLA,Population\nMottingham,{written},3,3000"), "x.csv", "cla_rate", wards
        )
        assert res.ok and res.rows.period.tolist() == ["31 Mar 2024"], (written, res.problems)


def test_excel_date_cells_are_dates(wards):
    import datetime as dt

    data = xlsx(
        [
            ["Ward", "Snapshot date", "Children looked after", "Children 0-17"],
            ["Mottingham", dt.datetime(2024, 3, 31), 3, 3000],
        ]
    )
    res = extracts.validate(data, "x.xlsx", "cla_rate", wards)
    assert res.ok and res.rows.period.tolist() == ["31 Mar 2024"], res.problems


def test_wide_file_one_column_per_period(store, wards, data_copy):
    rows = [["Ward name", "NEET 2022/23", "Cohort 2022/23", "NEET 2023/24", "Cohort 2023/24"]]
    rows += [[n, 2 + i, 200 + i, 3 + i, 300 + i] for i, n in enumerate(names22(store))]
    res = extracts.validate(xlsx(rows), "wide.xlsx", "neet", wards)
    assert res.ok, res.problems
    assert res.layout == "wide" and sorted(set(res.rows.period)) == ["2022/23", "2023/24"] and len(res.rows) == 44
    extracts.save(res, "neet", "wide.xlsx", data_copy)
    s = Store(data_copy)
    assert sorted(s.values("neet", "2022/23", "ward2022").numerator) == [2.0 + i for i in range(22)]
    # and with a single denominator column
    res = extracts.validate(
        csv("Ward,2022/23,2023/24,Cohort\nMottingham,3,4,300\nDarwin,1,2,100"), "x.csv", "neet", wards
    )
    assert res.ok and len(res.rows) == 4, res.problems


def test_cli_values_accepts_any_unambiguous_period(data_dir, capsys):
    from loaders.__main__ import main

    assert (
        main(
            [
                "--data",
                str(data_dir),
                "values",
                "--indicator",
                "cla_rate",
                "--period",
                "2023",
                "--geography",
                "ward2022",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(df.period) == {"31 Mar 2023"} and len(df) == 22
    assert (
        main(
            [
                "--data",
                str(data_dir),
                "values",
                "--indicator",
                "cla_rate",
                "--period",
                "31/03/2024",
                "--geography",
                "la",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert set(pd.read_csv(io.StringIO(capsys.readouterr().out)).period) == {"31 Mar 2024"}


def test_period_resolve_refuses_ambiguity():
    assert periods.resolve("2023", ["31 Mar 2023", "31 Mar 2024"]) == "31 Mar 2023"
    assert periods.resolve("2023-24", ["2023/24", "2024"]) == "2023/24"
    with pytest.raises(periods.AmbiguousPeriod):
        periods.resolve("2024", ["Mar 2024", "Sep 2024"])


# --------------------------------------------------------------------------- bad files: every problem, nothing stored
def test_bad_file_lists_every_problem_and_stores_nothing(store, wards, data_copy):
    rows = [
        "Ward,Period,NEET count,Cohort",
        "Nowhere Ward,2024,3,300",  # unknown ward
        "Mottingham,2024,40,30",  # numerator > denominator
        "St Mary Cray,2024,3,300",
        "St Mary Cray,2024-2024,4,300",  # duplicate ward-period (two spellings)
        "Cray Valley East,2024,3,300",
    ]  # a 2014 ward beside 2022 ones: mixed schemes
    res = extracts.validate(csv("\n".join(rows)), "bad.csv", "neet", wards)
    assert not res.ok and res.rows is None
    text = "\n".join(str(p) for p in res.problems)
    for words in ("not a Bromley ward name", "larger than the denominator", "mixes ward schemes"):
        assert words in text, (words, text)
    snap = snapshot(data_copy)
    with pytest.raises(ValueError):
        extracts.save(res, "neet", "bad.csv", data_copy)
    assert snapshot(data_copy) == snap
    dup = extracts.validate(csv("\n".join(rows[:1] + rows[3:5])), "dup.csv", "neet", wards)
    assert [p.row for p in dup.problems] == [2, 3] and all("duplicate" in p.message for p in dup.problems)
    assert {p.column for p in res.problems if p.row == 3} == {"NEET count"}  # the file's own header


# --------------------------------------------------------------------------- 6. record-level files
def neet_records(store, n_per_ward=12, lsoa=False) -> tuple[bytes, dict]:
    """One row per young person, with the identifying columns a case-management export carries."""
    lines = [
        "Child ID,Forename,Surname,Date of birth,Address line 1,Postcode,"
        + ("LSOA code" if lsoa else "Ward")
        + ",Period,NEET status"
    ]
    expected = {}
    if lsoa:
        lk = pd.read_parquet(Path(store.data_dir) / "lookups.parquet")
        lk = lk[(lk.from_type == "lsoa2021") & (lk.to_type == "ward2022")]
        places = list(zip(lk.from_code, lk.to_code))[:40]
    else:
        w = store.areas("ward2022")
        places = list(zip(w.area_name, w.area_code))
    pid = 0
    for place, code in places:
        for k in range(n_per_ward):
            pid += 1
            status = ["NEET", "EET", "Not known", "Education", "Employment"][k % 5] if k < 10 else "EET"
            lines.append(
                f"ZX{pid:06d},Alexandra{pid},Quennell{pid},0{1 + k % 9}/05/2007,{pid} Zebra Road,"
                f"BR{pid % 9} 9QZ,{place},Mar-24,{status}"
            )
            expected.setdefault(code, [0, 0])
            expected[code][0] += status == "NEET"
            expected[code][1] += 1
    return ("\n".join(lines) + "\n").encode(), expected


IDENTIFYING = ("ZX000001", "Alexandra", "Quennell", "Zebra Road", "9QZ", "05/2007")


@pytest.mark.parametrize("lsoa", [False, True])
def test_record_level_file_is_counted_and_never_stored(lsoa, store, data_copy, opts):
    data, expected = neet_records(store, lsoa=lsoa)
    res = extracts.validate(data, "ccis_export.csv", "neet", extracts.wards_of(store), opts)
    assert res.ok, res.problems[:5]
    assert res.layout == "records" and res.denominator == "every person listed in the file"
    assert res.dropped == ["Child ID", "Forename", "Surname", "Date of birth", "Address line 1", "Postcode"]
    got = {r.area_code: [r.numerator, r.denominator] for r in res.rows.itertuples()}
    assert got == expected
    extracts.save(res, "neet", "ccis_export.csv", data_copy)
    v = Store(data_copy).values("neet", "Mar 2024", "ward2022")
    assert {r.area_code: [r.numerator, r.denominator] for r in v.itertuples()} == expected
    # no identifying value reached the data folder: scan every file written
    for p in (data_copy / "local").rglob("*"):
        if p.is_file():
            blob = p.read_bytes()
            assert not [s for s in IDENTIFYING if s.encode() in blob], p
    hist = extracts.history(data_copy, "neet")
    assert hist.dropped.iloc[0] == res.dropped and hist.denominator.iloc[0] == res.denominator


def test_record_level_file_with_overlapping_periods_is_refused(store, opts):
    """As for ward counts: a pooled period beside a year it covers would let a hidden count be worked out by
    subtraction, so a record-level file holding both is refused, naming both."""
    data, _ = neet_records(store, n_per_ward=3)
    text = data.decode().splitlines()
    pooled = [text[0]] + [line.replace(",Mar-24,", ",2021/22-2023/24,") for line in text[1:]]
    single = [line.replace(",Mar-24,", ",2022/23,") for line in text[1:]]
    res = extracts.validate(
        ("\n".join(pooled + single) + "\n").encode(), "ccis.csv", "neet", extracts.wards_of(store), opts
    )
    assert not res.ok
    msgs = [p.message for p in res.problems if "overlaps" in p.message]
    assert msgs and "2021/22-2023/24" in msgs[0] and "2022/23" in msgs[0], res.problems[:5]


def test_record_level_cla_with_population_or_second_file(store, data_copy, opts, tmp_path, capsys):
    w = store.areas("ward2022")
    lines = ["Child name,DOB,Ward code,Snapshot"] + [
        f"Kid {i},01/01/2012,{c},31/03/2024" for c in w.area_code[:5] for i in range(3)
    ]
    data = csv("\n".join(lines))
    res = extracts.validate(data, "cla.csv", "cla_rate", extracts.wards_of(store), opts)
    assert res.ok, res.problems
    assert "children aged 0-15 (mid-2022)" in res.denominator and len(res.rows) == 22  # every ward, most with 0
    assert sorted(res.rows.numerator)[-5:] == [3.0] * 5
    pop = Store(data_copy).values("child_population", "mid-2022", "ward2022").set_index("area_code").value
    assert all(res.rows.set_index("area_code").denominator == pop.loc[res.rows.area_code].round().values)
    # a second file for the denominators
    den = "Ward code,Period,Population 0-17\n" + "\n".join(f"{c},2024,{5000 + i}" for i, c in enumerate(w.area_code))
    opts2 = extracts.Options(lookups=opts.lookups, denominator="file", denominator_file=(den.encode(), "pop.csv"))
    res = extracts.validate(data, "cla.csv", "cla_rate", extracts.wards_of(store), opts2)
    assert res.ok and res.denominator == "the file 'pop.csv'" and res.rows.denominator.min() == 5000, res.problems
    # and no choice at all is a listed problem
    res = extracts.validate(data, "cla.csv", "cla_rate", extracts.wards_of(store), extracts.Options())
    assert not res.ok and "denominator" in str(res.problems)


def test_record_level_problems_are_listed_once(store, opts):
    data = csv(
        "Person ID,Ward,Period,Status\n1,Mottingham,2024,NEET\n2,Nowhere,2024,EET\n3,Nowhere,2024,EET\n"
        "4,Darwin,2024,Moved away\n5,Darwin,2024/25,NEET"
    )
    res = extracts.validate(data, "r.csv", "neet", extracts.wards_of(store), opts)
    msgs = [str(p) for p in res.problems]
    assert not res.ok and len([m for m in msgs if "Nowhere" in m]) == 1, msgs
    assert any("Moved away" in m and "row 5" in m for m in msgs)
    assert not any("'1'" in m or "'2'" in m for m in msgs)  # IDs are never quoted


# --------------------------------------------------------------------------- 4. history and undo
def neet_file(store, base: int) -> bytes:
    return csv(
        "Ward,Period,NEET count,Cohort\n"
        + "\n".join(f"{n},2024,{base + i},{300 + i}" for i, n in enumerate(names22(store)))
    )


def test_history_compare_and_rollback_byte_for_byte(store, wards, data_copy, capsys):
    from loaders.__main__ import main

    target = data_copy / "local" / "neet.parquet"
    res1 = extracts.validate(neet_file(store, 1), "v1.csv", "neet", wards)
    extracts.save(res1, "neet", "v1.csv", data_copy)
    first = target.read_bytes()
    extracts.save(extracts.validate(neet_file(store, 9), "v2.csv", "neet", wards), "neet", "v2.csv", data_copy)
    assert target.read_bytes() != first
    h = extracts.history(data_copy, "neet")
    assert (
        h.version.tolist() == [1, 2] and h.file.tolist() == ["v1.csv", "v2.csv"] and h.current.tolist() == [False, True]
    )
    assert h.sha256.iloc[0] == res1.sha256 and h.mapping.iloc[0]["numerator"] == "NEET count"
    diff = extracts.compare(data_copy, "neet", 1, 2)
    assert (diff.change == "changed").sum() == 22
    assert main(["--data", str(data_copy), "extracts", "--history"]) == 0
    assert "v2.csv" in capsys.readouterr().out
    assert main(["--data", str(data_copy), "rollback", "--indicator", "neet", "--to", "1"]) == 0
    capsys.readouterr()
    assert target.read_bytes() == first  # byte for byte
    assert sorted(Store(data_copy).values("neet", "2023/24", "ward2022").numerator) == [1.0 + i for i in range(22)]
    h = extracts.history(data_copy, "neet")
    assert h.action.tolist() == ["load", "load", "rollback"] and h.current.tolist() == [False, False, True]
    assert extracts.changes(data_copy).action.tolist() == ["load", "load", "rollback"]
    assert main(["--data", str(data_copy), "rollback", "--indicator", "neet", "--to", "7"]) == 1
    assert "no version 7" in capsys.readouterr().err
    # after a removal a version can still be put back
    extracts.remove("neet", data_copy)
    extracts.rollback("neet", 2, data_copy)
    assert sorted(Store(data_copy).values("neet", "2023/24", "ward2022").numerator) == [9.0 + i for i in range(22)]


RACE = r"""
import sys, time
from pathlib import Path
from loaders import extract_history, extracts
from loaders.store import Store
extract_history._hold = lambda: time.sleep(0.6)  # widen the window: without the lock both would be version 1
data, name, base = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = Store(data)
names = sorted(s.areas("ward2022").area_name)
body = "Ward,Period,NEET count,Cohort\n" + "".join(f"{n},2024,{base + i},{300 + i}\n" for i, n in enumerate(names))
res = extracts.validate(body.encode(), name, "neet", extracts.wards_of(s))
while time.time() < float(sys.argv[4]):
    time.sleep(0.005)
extracts.save(res, "neet", name, data, actor=name)
"""


def test_two_imports_at_once_are_both_kept(data_copy):
    import time

    start = time.time() + 4
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(data_copy), f"p{k}.csv", str(k * 10), str(start)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        for k in (1, 2)
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read().decode()
    h = extracts.history(data_copy, "neet")
    assert sorted(h.file) == ["p1.csv", "p2.csv"] and h.version.tolist() == [1, 2]
    assert sorted(extracts.changes(data_copy).file) == ["p1.csv", "p2.csv"]
    assert h.current.sum() == 1
    last = h.file.iloc[-1]
    assert h.current.iloc[-1] and extracts.loaded(data_copy).file.tolist() == [last]
    assert not [p for p in (data_copy / "local").rglob(".tmp-*")]


# --------------------------------------------------------------------------- the page
def _upload_page(data_copy, monkeypatch) -> AppTest:
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    monkeypatch.setenv("BWE_ALLOW_UPLOADS", "1")
    at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_page_maps_previews_then_loads_and_rolls_back(store, data_copy, monkeypatch):
    at = _upload_page(data_copy, monkeypatch)
    body = "\n".join(f"{n},2023-24,{3 + i},{300 + i},{400 + i}" for i, n in enumerate(names22(store)))
    at.file_uploader[0].set_value(
        ("council.csv", csv("Ward,Period,NEET count,Cohort,Other cohort\n" + body), "text/csv")
    ).run()
    assert not at.exception
    boxes = {s.label: s for s in at.selectbox}
    # two columns look like the denominator: listed as a problem until one is chosen, never guessed
    assert (
        boxes["Numerator (count)"].value == "NEET count"
        and boxes["Denominator (cohort / population)"].value == "(none)"
    )
    assert any("ambiguous" in m.value for m in at.markdown)
    boxes["Denominator (cohort / population)"].set_value("Other cohort").run()
    assert any("It replaces the ILLUSTRATIVE ward2022 series" in i.value for i in at.info)
    assert not (data_copy / "local" / "neet.parquet").exists()  # nothing stored before Load
    preview = next(d.value for d in at.dataframe if "numerator" in d.value.columns)
    assert sorted(preview.denominator) == [400.0 + i for i in range(22)]
    next(b for b in at.button if b.label.startswith("Load as")).click().run()
    assert not at.exception and any("Loaded" in s.value for s in at.success)
    v = Store(data_copy).values("neet", "2023/24", "ward2022")
    assert sorted(v.denominator) == [400.0 + i for i in range(22)]
    assert extracts.remembered_mapping(data_copy, "neet")["denominator"] == "Other cohort"
    # a second load, then roll back from the page
    first = (data_copy / "local" / "neet.parquet").read_bytes()
    extracts.save(
        extracts.validate(neet_file(store, 20), "later.csv", "neet", extracts.wards_of(store)),
        "neet",
        "later.csv",
        data_copy,
    )
    at = _upload_page(data_copy, monkeypatch)
    assert any(e.label.startswith("Versions:") for e in at.expander)
    at.selectbox(key="rb_neet").set_value(1).run()
    next(b for b in at.button if b.label == "Roll back to version 1").click().run()
    assert not at.exception
    assert (data_copy / "local" / "neet.parquet").read_bytes() == first


def test_page_lists_problems_and_dropped_columns(store, data_copy, monkeypatch):
    at = _upload_page(data_copy, monkeypatch)
    data = csv("Forename,Postcode,Ward,Period,Count,Number,Cohort\nAlexandra,BR1 9QZ,Nowhere,2024,3,4,300")
    at.file_uploader[0].set_value(("x.csv", data, "text/csv")).run()
    assert not at.exception
    assert any("Forename" in i.value and "Postcode" in i.value for i in at.info)
    text = " ".join(m.value for m in at.markdown)
    assert "Alexandra" not in text and "BR1" not in text
    assert any("was not loaded" in e.value for e in at.error)
    assert not (data_copy / "local").exists()


def test_loaded_extract_on_the_map_page(store, data_copy, monkeypatch):
    body = "\n".join(f"{c},Mar-24,{30 + i},{300 + i}" for i, c in enumerate(store.areas("ward2022").area_code))
    res = extracts.validate(
        csv("Ward code,Month,Number NEET,Cohort\n" + body), "m.csv", "neet", extracts.wards_of(store)
    )
    assert res.ok, res.problems
    extracts.save(res, "neet", "m.csv", data_copy)
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=60)
    at.query_params.update(indicator="neet", geography="ward2022", period="Mar 2024")
    at.run()
    assert not at.exception
    df = next(d.value for d in at.dataframe if "numerator" in d.value.columns)
    assert sorted(df.numerator.dropna().astype(float)) == [30.0 + i for i in range(22)]


def test_mappings_file_is_json_written_whole(store, wards, data_copy):
    res = extracts.validate(neet_file(store, 1), "v1.csv", "neet", wards)
    extracts.save(res, "neet", "v1.csv", data_copy)
    m = json.loads((data_copy / "local" / "history" / "mappings.json").read_text())
    assert m["neet"]["numerator"] == "NEET count"


def test_an_extract_saved_before_neet_took_dfe_periods_lines_up(data_copy):
    """A NEET extract written by the previous release kept "2024" as January-December; it is read as DfE's
    2023/24 (December 2023-February 2024) beside the published series, without being reloaded."""
    import pyarrow.parquet as pq

    from tests.council_extract import save_neet_extract

    save_neet_extract(data_copy, "ccis_2024.csv", lambda i, c: 10 + i)
    path = next((data_copy / "local").glob("neet*.parquet"))
    table = pq.read_table(path)
    old = table.to_pandas()
    assert set(old.period) == {"2023/24"}
    old["period"] = "2024"  # as the previous release stored it
    old["period_start"], old["period_end"] = pd.Timestamp(2024, 1, 1), pd.Timestamp(2024, 12, 31)
    legacy = pa.Table.from_pandas(old, schema=table.schema, preserve_index=False)
    pq.write_table(legacy.replace_schema_metadata(table.schema.metadata), path)
    s = Store(data_copy)
    v = s.values("neet", "2023/24", "ward2022")
    assert len(v) == 22 and sorted(v.numerator)[:2] == [10, 11]
    assert set(v.period_start.astype(str)) == {"2023-12-01"} and set(v.period_end.astype(str)) == {"2024-02-29"}
    assert "2024" not in set(s.options("neet").period)
