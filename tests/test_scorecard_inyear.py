"""The scorecard's in-year figures (issue 16): the council's Performance Index, in the committee's own layout,
validated like ward extracts, stored under data/local/, shown beside the published annual figures on the page,
in the CLI and in the board pack; and the period model it needs.

The files are built here from the committee's Performance Index 2023/24 (Children, Education and Families PDS
Committee, 11 June 2024: shared/seeds/004, the index's rows 4, 6, 7, 12, 14, 15, 22, 26, 27, 28, 31, 32 with their
real figures), as CSV and as a real .xlsx (Excel percentages and date headers, as Excel saves them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders import extracts, periods
from loaders import performance_index as pi
from loaders.store import Store
from model import scorecard as sc
from model.public import PublicStore

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "scorecard.py"
FY_MONTHS = ["Apr-23", "May-23", "Jun-23", "Jul-23", "Aug-23", "Sep-23", "Oct-23", "Nov-23", "Dec-23", "Jan-24"]
FY_MONTHS += ["Feb-24", "Mar-24"]
CY_MONTHS = ["Jan-23", "Feb-23", "Mar-23", "Apr-23", "May-23", "Jun-23", "Jul-23", "Aug-23", "Sep-23", "Oct-23"]
CY_MONTHS += ["Nov-23", "Dec-23"]
SUPPRESSED = "Data suppressed, see part 2 report"
BENCH = ["Bromley 2022/23", "Bromley 2021/22", "Bromley 2020/21", "England 2021/22", "London 2021/22", "RAG rating"]
FIRST_MONTH = 11  # column L: No., name, why, polarity, target, five benchmarks, RAG, then the months
YTD, NOTES = FIRST_MONTH + 12, FIRST_MONTH + 13
NEET = ["1.2% (88/7140)", "1.3% (93/7134)", "1.4% (97/7135)", "1.4% (101/7128)", "1.5% (110/7126)", ""]
NEET += ["1.2% (90/7436)", "1.3% (99/7441)", "1.4% (103/7423)", "1.3% (95/7411)", "1.2% (87/7403)", "1.2% (92/7404)"]
NOT_KNOWN = ["0.4% (31/7140)", "0.6% (46/7134)", "0.7% (53/7135)", "1.1% (79/7128)", "1.6% (113/7126)", "", "DNA"]
NOT_KNOWN += ["DNA", "0.6% (46/7423)", "0.4% (27/7411)", "0.2% (16/7403)", "0.4% (33/7404)"]


def pct(values: str) -> list[str]:
    return [f"{v}%" if v not in ("", "N/A") else v for v in values.split(",")]


def row(no, name, polarity, target, bench, months, ytd="", notes="") -> list[str]:
    months = list(months) + [""] * (12 - len(months))
    return [no, name, "Why it matters.", polarity, target, *bench, *months, ytd, notes]


def committee_rows() -> list[list[str]]:
    """The Performance Index as the committee lays it out: title, a two-row header, section headings, the rows;
    then the calendar-year measures under a three-row header of their own."""
    h1 = ["No.", "Performance Indicators", "Why is this important?", "Polarity"]
    h1 += (
        ["Target or Range of acceptable performance", "Benchmarking and trend"] + [""] * 17 + ["Year to Date", "Notes"]
    )
    h2 = [""] * 5 + BENCH + FY_MONTHS + ["", ""]
    na = "Not a target measure"
    return [
        ["Children, Education and Families Scrutiny - Performance Index 2023/24"],
        [],
        h1,
        h2,
        ["Early Help"],
        row(
            "4",
            "Number of Primary permanent exclusions (Bromley schools) (Number YTD Academic year)",
            "Low",
            "0",
            ["0", "1", "0 (rate:0.00)", "Rate: 0.01", "Rate: 0.00", "GREEN"],
            [SUPPRESSED],
            notes="School year is academic year not financial year",
        ),
        ["Safeguarding and Child Protection"],
        row(
            "6",
            "Number of 'Referrals' to Children's Social Care",
            "n/a",
            na,
            ["4513", "4032", "3,827", "640,430", "107,900", "This is not a target measure"],
            ["268", "412", "525", "408", "263", "396", "423", "527", "335", "293", "266", "384"],
            "4500",
        ),
        row(
            "7",
            "% of statutory Assessments authorised within 45 days (Year to Date)",
            "High",
            "95 - 83%",
            ["93%", "96%", "85%", "82%", "85%", "GREEN"],
            pct("98,96,93,94,94,85,91,97,93,94,94,94"),
            "94%",
        ),
        row(
            "12",
            "% of Children that became the subject of a Child Protection Plan for the second or subsequent time "
            "(year to date)",
            "Low",
            "25 - 15%",
            ["23%", "20%", "14%", "23% (2021/22)", "18% (2021/22)", "GREEN"],
            pct("15,19,12,17,23,23,23,22,21,21,21,20"),
            "20%",
        ),
        ["Children Looked After and Care Leavers"],
        row(
            "14",
            "Children Looked After rate per 10,000",
            "n/a",
            na,
            ["47", "45", "45", "71", "51", "This is not a target measure"],
            ["", "", "46", "", "", "45", "", "", "48", "", "", "48"],
            "48",
        ),
        row(
            "15",
            "Number of Children Looked After",
            "n/a",
            na,
            ["343", "328", "341", "83,840", "9,710", "This is not a target measure"],
            ["336", "340", "351", "347", "353", "345", "338", "351", "350", "353", "353", "351"],
            "351",
        ),
        row(
            "22",
            "% of Care leavers who are EET (aged 19, 20, 21) (DFE definition)",
            "High",
            "52-47%",
            ["55%", "51%", "42%", "56%", "60%", "GREEN"],
            pct("N/A,33,42,56,57,60,68,57,67,56,57,56"),
            "56%",
        ),
        ["Children and Young People with complex needs"],
        row(
            "26",
            "% of CYP (16 - 17 year olds) not in education, employment or training (NEET)",
            "Low",
            "1.7%-1.9%",
            ["1.1% (82/7145)", "1.2% (86/7144)", "1.5% (104/7042)", "2.8%", "1.9%", "GREEN"],
            NEET,
        ),
        row(
            "27",
            "% of CYP (16 - 17 year olds) education, employment or training status 'not known'",
            "Low",
            "0.7%-1.1%",
            ["0.4% (31/7145)", "0.3% (19/7144)", "0.2% (17/7042)", "2.8%", "2.7%", ""],
            NOT_KNOWN,
        ),
        row(
            "28",
            "Number of First Time Entrants (FTEs) to the Youth Justice System aged 10-17",
            "Low",
            na,
            ["44", "31", "30", "15182", "3090", "This is not a target measure"],
            [SUPPRESSED],
        ),
        ["The following indicators are measured on a calendar year:"],
        h1,
        [""] * 5 + ["Bromley 2023", "Bromley 2022", "Bromley 2021", "England", "London", "RAG rating"],
        [""] * FIRST_MONTH + CY_MONTHS,
        row(
            "31",
            "% of Education, Health and Care plans issued within statutory 20 week timescale (excluding exception "
            "cases)",
            "High",
            "75 - 65%",
            ["36%", "65%", "62%", "51%", "63%", "GREEN"],
            pct("39,69,88"),
            "59%",
        ),
        row(
            "32",
            "% of Education, Health and Care plans issued within statutory 20 week timescale (including exception "
            "cases)",
            "High",
            na,
            ["27%", "37%", "43%", "59%", "60%", "This is not a target measure"],
            pct("29,47,48"),
            "40%",
        ),
    ]


def csv_bytes(rows: list[list[str]]) -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


def _xlsx_value(text: str, header: bool):
    """A cell as Excel holds it: month headers are dates, percentages are fractions, counts are numbers."""
    if header:
        with contextlib.suppress(ValueError):
            return dt.datetime.strptime(text, "%b-%y"), "mmm-yy"
        return text, None
    t = text.replace(",", "")
    if t.endswith("%") and t[:-1].replace(".", "", 1).isdigit():
        return float(t[:-1]) / 100, "0%"
    if t.isdigit():
        return int(t), None
    return text, None


def xlsx_bytes(rows: list[list[str]], tmp: Path) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Performance Index"
    for r, cells in enumerate(rows, start=1):
        header = not cells or cells[0] in ("", "No.") or len([c for c in cells if c]) <= 1
        for c, text in enumerate(cells, start=1):
            if text == "":
                continue
            value, fmt = _xlsx_value(text, header and c > 2)
            cell = ws.cell(row=r, column=c, value=value)
            if fmt:
                cell.number_format = fmt
    p = tmp / "performance_index.xlsx"
    wb.save(p)
    return p.read_bytes()


@pytest.fixture(scope="module")
def measures(store):
    return sc.index_measures(store)


def load(data_dir: Path, data: bytes, name: str = "PI_2023-24.csv") -> pi.Result:
    store = Store(data_dir)
    res = pi.validate(data, name, sc.index_measures(store))
    assert res.ok, [str(p) for p in res.problems]
    pi.save(res, name, data_dir, actor="test")
    return res


def snapshot(d: Path) -> dict:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
    }


def by(table: pd.DataFrame, measure: str) -> pd.Series:
    return table.set_index("measure_id").loc[measure]


def month(r: pd.Series, period: str) -> dict:
    return next(m for m in r.inyear_months if m["period"] == period)


# ---- the period model ------------------------------------------------------------------------------------------
def test_period_model_months_quarters_and_years():
    assert periods.written("Apr-23") == "Apr 2023" and periods.month_of(periods.written("45017")) == "Apr 2023"
    assert periods.bounds("Feb 2024") == (pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-29"))
    assert periods.bounds("Q4 2023/24") == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    assert [periods.year_kind(pd.Timestamp(f"2023-{m:02d}-01")) for m in (4, 1, 9, 6)] == [
        "financial",
        "calendar",
        "academic",
        None,
    ]
    when = pd.Timestamp("2024-02-10")
    assert [periods.year_of(when, k) for k in ("financial", "calendar", "academic")] == [
        "2023/24",
        "2024",
        "AY 2023/24",
    ]
    assert periods.bounds(periods.year_of(when, "academic")) == (pd.Timestamp("2023-09-01"), pd.Timestamp("2024-08-31"))
    # NEET: DfE's "2024" is the December 2023-February 2024 average, labelled as the council labels it
    for written in ("2024", "2023/24", "AY 2023/24"):
        assert periods.for_indicator("neet", written) == (
            "2023/24",
            pd.Timestamp("2023-12-01"),
            pd.Timestamp("2024-02-29"),
        )
    assert periods.for_indicator("neet", "Feb 2024")[0] == "Feb 2024"
    assert periods.for_indicator("idaci", "2025") == ("2025", *periods.bounds("2025"))


# ---- a good file -------------------------------------------------------------------------------------------------
def test_committee_layout_csv_is_read_row_by_row(measures):
    res = pi.validate(csv_bytes(committee_rows()), "PI.csv", measures)
    assert res.ok, [str(p) for p in res.problems]
    assert res.years == ["2023", "2023/24"]
    assert set(res.matched) == {
        "perm_excl_primary",
        "csc_referrals",
        "cpp_second",
        "cla_rate",
        "care_leavers_eet",
        "neet",
        "neet_not_known",
        "yj_first_time_entrants",
        "ehcp_20wk_excl",
        "ehcp_20wk_all",
    }
    assert any(i.startswith("row 9: No. 7 ") and i.endswith("is not on the scorecard, ignored") for i in res.info)
    r = res.rows.set_index(["measure_id", "role", "period"])
    ref = r.loc[("csc_referrals", "value", "Mar 2024")]
    assert (ref.value, ref.unit, ref.kind, ref.source_row) == (384, "number", "month", 8)
    ytd = r.loc[("csc_referrals", "value", "2023/24")]
    assert (ytd.kind, ytd.value, ytd.period_start, ytd.period_end) == (
        "ytd",
        4500,
        pd.Timestamp("2023-04-01"),
        pd.Timestamp("2024-03-31"),
    )
    neet = r.loc[("neet", "value", "Feb 2024")]
    assert (neet.value, neet.numerator, neet.denominator, neet.unit) == (1.2, 87, 7403, "%")
    assert r.loc[("neet", "value", "Sep 2023")].status == pi.NOT_AVAILABLE  # blank within the reported months
    assert r.loc[("neet_not_known", "value", "Oct 2023")].status == pi.NOT_AVAILABLE  # DNA
    assert r.loc[("care_leavers_eet", "value", "Apr 2023")].status == pi.NOT_AVAILABLE  # N/A
    assert (
        r.loc[("cla_rate", "value", "Dec 2023")].value == 48 and r.loc[("cla_rate", "count", "Dec 2023")].value == 350
    )
    # a merged "Data suppressed" cell: the whole row is suppressed, the note kept
    fte = res.rows[res.rows.measure_id == "yj_first_time_entrants"]
    assert len(fte) == 13 and (fte.status == pi.SUPPRESSED).all() and fte.value.isna().all()
    assert r.loc[("perm_excl_primary", "value", "Apr 2023")].note.startswith("School year is academic year")
    # the calendar-year block: Jan-Dec 2023, only the months reported so far are stored
    ehcp = res.rows[res.rows.measure_id == "ehcp_20wk_excl"].set_index("period")
    assert set(ehcp.year) == {"2023"} and set(ehcp.year_kind) == {"calendar"}
    assert list(ehcp.index) == ["Jan 2023", "Feb 2023", "Mar 2023", "2023"]
    assert ehcp.loc["Mar 2023"].value == 88 and ehcp.loc["2023"].value == 59
    assert ehcp.loc["2023"].period_end == pd.Timestamp("2023-03-31")  # year to date: to the last month reported


def test_xlsx_as_excel_saves_it_gives_the_same_figures(measures, tmp_path):
    rows = committee_rows()
    a = pi.validate(csv_bytes(rows), "PI.csv", measures)
    b = pi.validate(xlsx_bytes(rows, tmp_path), "PI.xlsx", measures)
    assert a.ok and b.ok, [str(p) for p in b.problems]
    cols = ["measure_id", "role", "period", "period_start", "period_end", "kind", "unit", "status", "source_row"]
    pd.testing.assert_frame_equal(a.rows[cols], b.rows[cols])
    pd.testing.assert_series_equal(a.rows.value, b.rows.value)  # 0.94 in Excel is 94%
    assert b.rows.set_index(["measure_id", "period"]).loc[("cpp_second", "Jun 2023")].value == 12


def test_loaded_file_appears_beside_the_published_figures(data_copy):
    load(data_copy, csv_bytes(committee_rows()))
    t = sc.table(Store(data_copy), "2025")
    ref = by(t, "csc_referrals")
    assert (ref.inyear_period, ref.inyear_latest, ref.inyear_ytd) == ("Mar 2024", "384", "4,500")
    assert ref.inyear_text == "Mar 2024: 384 · 2023/24 to date: 4,500"
    assert ref.inyear_source.startswith("Council Performance Index (PI_2023-24.csv, loaded ")
    assert ref.bromley[-1] == "630.3 (4,630)" and ref.rag == sc.NOT_TARGET  # the published figures unchanged
    neet = by(t, "neet")
    assert month(neet, "Feb 2024")["figure"] == "1.2% (87/7,403)"
    assert (month(neet, "Feb 2024")["numerator"], month(neet, "Feb 2024")["denominator"]) == (87, 7403)
    assert neet.inyear_text == "Mar 2024: 1.2% (92/7,404)"  # no year to date in the pack
    assert month(by(t, "neet_not_known"), "Nov 2023")["figure"] == sc.NOT_AVAILABLE_TEXT  # DNA
    assert by(t, "cla_rate").inyear_latest == "48 (351)" and month(by(t, "cla_rate"), "Apr 2023")["figure"] == "– (336)"
    assert by(t, "yj_first_time_entrants").inyear_text == f"2023/24: {sc.SUPPRESSED_TEXT}"
    assert by(t, "ehcp_20wk_excl").inyear_text == "Mar 2023: 88% · 2023 to date: 59%"
    assert by(t, "csc_rereferrals").inyear_text == ""  # not in the index
    assert by(t, "ehcp_20wk_excl").rag == "RED"  # rated on the published figure only
    flat = sc.flat(t, "2025").set_index("measure_id")
    assert flat.loc["csc_referrals", "in_year_council_provisional"] == "Mar 2024: 384 · 2023/24 to date: 4,500"
    # nothing loaded: no in-year column at all
    assert "in_year_council_provisional" not in sc.flat(sc.table(Store(), "2025"), "2025")


def test_public_mode_names_no_file_and_hides_what_the_council_marks(data_copy):
    load(data_copy, csv_bytes(committee_rows()))
    t = sc.table(PublicStore(Store(data_copy), 10), "2025", public=True)
    assert set(t.inyear_source[t.inyear_text.astype(bool)]) == {
        "Council Performance Index (details are not shown in public mode)"
    }
    text = t.astype(str).to_csv()
    assert "PI_2023-24" not in text and "School year is academic year" not in text  # no file name, no notes
    fte = by(t, "yj_first_time_entrants")  # marked suppressed in public (data/scorecard.csv) and by the council
    assert {m["figure"] for m in fte.inyear_months} == {sc.SUPPRESSED_TEXT}
    assert by(t, "csc_referrals").inyear_latest == "384"  # the committee's public figures stay shown


# ---- a bad file ----------------------------------------------------------------------------------------------------
def bad_rows() -> list[list[str]]:
    rows = committee_rows()
    h2 = rows[3]
    h2[FIRST_MONTH + 3] = "Jly-23"  # not a month
    h2[FIRST_MONTH + 11] = "Apr-24"  # not in 2023/24
    ref = rows[7]
    ref[FIRST_MONTH + 1] = "412x"  # not a figure
    cpp = rows[9]
    cpp[FIRST_MONTH + 2] = "112%"  # over 100%
    cla = rows[12]
    cla[FIRST_MONTH] = "-3"  # negative
    eet = rows[13]
    eet[FIRST_MONTH + 4] = "57"  # a bare number in a percentage row
    neet = rows[15]
    neet[FIRST_MONTH + 2] = "1.4% (9700/7135)"  # numerator above the denominator
    neet[FIRST_MONTH + 4] = "1.5% (11/7126)"  # does not match the percentage
    rows.insert(8, list(ref))  # referrals twice
    rows.insert(9, row("12", "Average Caseloads RAS", "n/a", "12 - 18", [""] * 6, ["16"]))  # renumbered?
    return rows


def test_bad_file_lists_every_problem_and_stores_nothing(measures, data_copy, capsys):
    before = snapshot(data_copy)
    data = csv_bytes(bad_rows())
    res = pi.validate(data, "bad.csv", measures)
    assert not res.ok and res.rows is None
    got = {(p.row, p.column) for p in res.problems}
    expected = {
        (4, "Jly-23"),  # the second header row, where the months are
        (4, "Apr-24"),
        (8, "May-23"),
        (9, None),  # referrals twice
        (10, "No."),
        (12, "Jun-23"),
        (15, "Apr-23"),
        (16, "Aug-23"),
        (18, "Jun-23"),
        (18, "Aug-23"),
    }
    messages = [str(p) for p in res.problems]
    assert got == expected and len(res.problems) == len(expected), messages
    text = "\n".join(messages)
    for said in (
        "row 4, Jly-23: 'Jly-23' is not a month",
        "row 4, Apr-24: Apr 2024 is not in 2023/24",
        "row 8, May-23: '412x' is not a figure",
        "row 9: \"Number of 'Referrals' to Children's Social Care\" has a row already (row 8)",
        "row 10, No.: No. 12 is '% of Children that became",
        "row 12, Jun-23: '112%' is more than 100%",
        "row 15, Apr-23: '-3' is negative",
        "row 16, Aug-23: '57': this measure is a percentage",
        "row 18, Jun-23: '1.4% (9700/7135)': the numerator is larger than the denominator",
        "row 18, Aug-23: '1.5% (11/7126)': 11/7126 is 0.15%, not 1.5%",
    ):
        assert said in text, (said, text)
    # nothing stored: not by the CLI either, which prints every problem and exits 1
    f = data_copy / "bad.csv"
    f.write_bytes(data)
    from loaders.__main__ import main

    before = snapshot(data_copy)
    assert main(["--data", str(data_copy), "scorecard-import", str(f)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: bad.csv was not loaded ({len(res.problems)} problem(s)); nothing was stored")
    assert [line.strip() for line in err.splitlines()[1:]] == messages
    assert snapshot(data_copy) == before and not (data_copy / "local").exists()


@pytest.mark.parametrize(
    "change,said",
    [
        (
            lambda rows: [r.__setitem__(1, "Indicator name") for r in rows if r[1:2] == ["Performance Indicators"]],
            "no header row found",
        ),
        (lambda rows: rows[3].__setitem__(FIRST_MONTH, "Jun-23"), "Jun 2023 has two columns"),
        (lambda rows: [r.__setitem__(FIRST_MONTH, "") for r in rows[2:4]], "the months start in May 2023"),
        (lambda rows: rows.__setitem__(slice(4, None), [["nothing here"]]), "no row matches a scorecard measure"),
    ],
)
def test_file_level_problems(measures, change, said):
    rows = committee_rows()
    change(rows)
    res = pi.validate(csv_bytes(rows), "x.csv", measures)
    assert not res.ok and any(said in str(p) for p in res.problems), [str(p) for p in res.problems]


def test_quarters_and_rows_matched_by_name(measures):
    """A quarterly index (Q1 2023/24 ...) whose rows carry no numbers: matched to the measures by name."""
    head = ["No.", "Performance Indicators", "Q1 2023/24", "Q2 2023/24", "Q3 2023/24", "Year to Date"]
    rows = [
        head,
        ["", "% of Care leavers who are EET (aged 19, 20, 21) (DFE definition)", "42%", "60%", "", "60%"],
        ["", "Average caseloads (not on the scorecard)", "16", "17", "", ""],
    ]
    res = pi.validate(csv_bytes(rows), "quarters.csv", measures)
    assert res.ok, [str(p) for p in res.problems]
    r = res.rows.set_index("period")
    assert set(res.rows.measure_id) == {"care_leavers_eet"} and res.years == ["2023/24"]
    assert list(r.index) == ["Q1 2023/24", "Q2 2023/24", "2023/24"]  # Q3 not reported yet
    assert r.loc["Q2 2023/24"].value == 60 and r.loc["2023/24"].period_end == pd.Timestamp("2023-09-30")
    assert any("matched to '% of Care leavers who are EET" in i for i in res.info)
    assert any("'Average caseloads (not on the scorecard)' is not on the scorecard, ignored" in i for i in res.info)


def test_unreadable_files(measures):
    for data, name, said in (
        (b"", "x.csv", "the file is empty"),
        ("No.,Performance Indicators\n".encode("utf-16"), "x.csv", "UTF-16"),
        (b"\x93quoted\x94", "x.csv", "not UTF-8"),
        (b"PK\x03\x04 not really", "x.xlsx", "not a readable .xlsx"),
        (b"a,b", "x.pdf", "only .csv and .xlsx"),
    ):
        res = pi.validate(data, name, measures)
        assert not res.ok and said in str(res.problems[0]), (name, res.problems)


# ---- storage: atomic, logged, the previous version kept ----------------------------------------------------------
def test_save_remove_rollback_and_the_change_log(data_copy):
    first = load(data_copy, csv_bytes(committee_rows()), "first.csv")
    cur = pi.path(data_copy)
    a = cur.read_bytes()
    rows = committee_rows()
    rows[7][FIRST_MONTH + 11] = "390"
    load(data_copy, csv_bytes(rows), "second.csv")
    prev = pi.folder(data_copy) / pi.PREVIOUS
    assert prev.read_bytes() == a  # the version it replaced is kept
    assert by(sc.table(Store(data_copy), "2025"), "csc_referrals").inyear_latest == "390"
    assert pi.rollback(data_copy, actor="officer@bromley.gov.uk")
    assert cur.read_bytes() == a and pi.metadata(cur)["file"] == "first.csv"
    assert by(sc.table(Store(data_copy), "2025"), "csc_referrals").inyear_latest == "384"
    assert pi.remove(data_copy, actor="officer@bromley.gov.uk") and not cur.exists()
    assert by(sc.table(Store(data_copy), "2025"), "csc_referrals").inyear_text == ""
    assert not pi.remove(data_copy)
    log = extracts.changes(data_copy)
    assert log.action.tolist() == ["load", "load", "rollback", "remove"]
    assert set(log.indicator) == {pi.INDICATOR}
    assert log.file.tolist() == ["first.csv", "second.csv", "first.csv", "first.csv"]
    assert log.sha256.iloc[0] == first.sha256 and log.rows.iloc[0] == len(first.rows)
    assert log.who.tolist()[2:] == ["officer@bromley.gov.uk"] * 2
    # the Store never reads the Performance Index as a ward extract
    assert Store(data_copy).local_files == [] and not list((data_copy / "local").glob("*.parquet"))


def test_a_failed_write_stores_nothing_and_logs_nothing(data_copy, monkeypatch):
    res = pi.validate(csv_bytes(committee_rows()), "PI.csv", sc.index_measures(Store(data_copy)))

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pi.os, "replace", full)
    with pytest.raises(pi.StoreError, match="the disk is full: nothing was stored"):
        pi.save(res, "PI.csv", data_copy)
    assert not pi.path(data_copy).exists() and extracts.changes(data_copy).empty
    assert not list(pi.folder(data_copy).glob(".tmp-*"))


# ---- the command line --------------------------------------------------------------------------------------------
def test_cli_import_then_scorecard_shows_the_in_year_column(data_copy, tmp_path, capsys):
    from loaders.__main__ import main

    f = tmp_path / "PI_2023-24.xlsx"
    f.write_bytes(xlsx_bytes(committee_rows(), tmp_path))
    assert main(["--data", str(data_copy), "scorecard-import", str(f), "--preview"]) == 0
    assert "preview only: nothing was stored" in capsys.readouterr().out and not pi.path(data_copy).exists()
    assert main(["--data", str(data_copy), "scorecard-import", str(f)]) == 0
    out = capsys.readouterr().out
    assert "is not on the scorecard, ignored" in out and "loaded into" in out
    assert main(["--data", str(data_copy), "scorecard", "--format", "csv"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False).set_index("measure_id")
    assert df.loc["csc_referrals", "in_year_council_provisional"] == "Mar 2024: 384 · 2023/24 to date: 4,500"
    assert df.loc["neet", "in_year_council_provisional"] == "Mar 2024: 1.2% (92/7,404)"
    assert df.loc["neet", "in_year_source"].startswith("Council Performance Index (PI_2023-24.xlsx, loaded")
    assert main(["--data", str(data_copy), "scorecard"]) == 0
    out = capsys.readouterr().out
    assert "Mar 2024: 384" in out and "in year: Council Performance Index (PI_2023-24.xlsx" in out
    assert main(["--data", str(data_copy), "scorecard", "--public", "--format", "csv"]) == 0
    assert "PI_2023-24" not in capsys.readouterr().out
    assert main(["--data", str(data_copy), "scorecard-import", "--remove"]) == 0
    assert "removed the Performance Index" in capsys.readouterr().out and not pi.path(data_copy).exists()
    assert main(["--data", str(data_copy), "scorecard-import", "--rollback"]) == 0
    assert pi.path(data_copy).exists()
    assert main(["--data", str(data_copy), "scorecard-import"]) == 1
    assert "give the Performance Index file" in capsys.readouterr().err
    log = [json.loads(line) for line in (data_copy / "local" / "changes.jsonl").open()]
    assert [c["action"] for c in log] == ["load", "remove", "rollback"] and all(
        c["who"].startswith("cli:") for c in log
    )


# ---- the board pack ----------------------------------------------------------------------------------------------
def test_board_pack_has_the_in_year_column_labelled(data_copy):
    from exports import scorecard_pack

    load(data_copy, csv_bytes(committee_rows()))
    deck = scorecard_pack.slides(Store(data_copy), "2025")
    assert any(b.startswith("In year: Council Performance Index (PI_2023-24.csv") for b in deck[0].bullets)
    assert "In year: Council Performance Index" in deck[1].subtitle and "provisional" in deck[1].subtitle
    assert scorecard_pack.has_inyear(sc.table(Store(data_copy), "2025"))
    ehcp = next(s for s in deck if s.title.startswith("Exception") and "EHC plans" in s.title)
    assert any(b.startswith("In year (council, provisional") and "Mar 2023: 88%" in b for b in ehcp.bullets)
    public = scorecard_pack.slides(PublicStore(Store(data_copy), 10), "2025", public=True)
    text = " ".join([s.subtitle or "" for s in public] + [b for s in public for b in s.bullets])
    assert "PI_2023-24" not in text and "details are not shown in public mode" in text


# ---- the page ----------------------------------------------------------------------------------------------------
@pytest.fixture
def page_env(monkeypatch, data_copy):
    import os

    for k in [k for k in os.environ if k.startswith("BWE_")]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    return data_copy


def run_page(**params) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _text(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "error") for e in getattr(at, kind)]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(map(str, parts)).replace("\\", "").replace("\u200b", "")


def test_page_shows_the_in_year_column_and_the_months(page_env):
    load(page_env, csv_bytes(committee_rows()))
    at = run_page(measure="neet")
    assert not at.error
    frames = [d.value for d in at.dataframe]
    safeguarding = next(f for f in frames if "Measure" in f and f.Measure.str.startswith("Referrals").any())
    assert safeguarding.set_index("No.").loc["6", sc.INYEAR_LABEL] == "Mar 2024: 384 · 2023/24 to date: 4,500"
    months = next(f for f in frames if list(f.columns) == ["Month", "Figure"])
    assert months.set_index("Month").loc["Feb 2024", "Figure"] == "1.2% (87/7,403)"
    assert months.set_index("Month").loc["Sep 2023", "Figure"] == sc.NOT_AVAILABLE_TEXT
    text = _text(at)
    assert "Council Performance Index (PI_2023-24.csv, loaded" in text and "provisional" in text
    assert "python -m loaders scorecard-import" in text  # no write controls without writers: the CLI line
    assert not at.get("file_uploader") and not [b for b in at.button if b.label.startswith("Remove")]


def test_page_in_public_mode(page_env):
    load(page_env, csv_bytes(committee_rows()))
    at = run_page(public="1", measure="csc_referrals")
    text = _text(at)
    assert "PI_2023-24" not in text and "details are not shown in public mode" in text
    frames = [d.value for d in at.dataframe]
    yj = next(f for f in frames if "Measure" in f and f.Measure.str.startswith("First time entrants").any())
    assert sc.SUPPRESSED_TEXT in yj.iloc[0][sc.INYEAR_LABEL]
    assert "scorecard-import" not in text and not at.get("file_uploader")


def test_page_officer_uploads_previews_loads_and_removes(page_env, monkeypatch):
    monkeypatch.setenv("BWE_ALLOW_UPLOADS", "1")
    at = run_page()
    assert len(at.get("file_uploader")) == 1
    at.get("file_uploader")[0].set_value(("bad.csv", csv_bytes(bad_rows()), "text/csv")).run()
    assert not at.exception and any("bad\\.csv was not loaded" in e.value for e in at.error)
    assert "row 8, May\\-23:" in " ".join(m.value for m in at.markdown) and not pi.path(page_env).exists()
    at.get("file_uploader")[0].set_value(("PI.csv", csv_bytes(committee_rows()), "text/csv")).run()
    assert not at.exception and not at.error
    assert any("figures for 10 scorecard measures" in s.value for s in at.success)
    assert not pi.path(page_env).exists()  # nothing stored before Load
    next(b for b in at.button if b.label == "Load as the in-year figures").click().run()
    assert not at.exception and pi.metadata(pi.path(page_env))["who"] == "browser (BWE_ALLOW_UPLOADS)"
    assert any("is the file loaded now" in i.value for i in at.info)
    at = run_page(measure="csc_referrals")
    assert "Mar 2024: 384" in _text(at)
    next(b for b in at.button if b.label == "Remove the in-year figures").click().run()
    assert not at.exception and not pi.path(page_env).exists()
    assert not [d for d in at.dataframe if sc.INYEAR_LABEL in d.value.columns]
    assert extracts.changes(page_env).action.tolist() == ["load", "remove"]


@pytest.mark.parametrize("env", [{"BWE_ALLOW_UPLOADS": "1", "BWE_PUBLIC_LOCKED": "1"}, {}])
def test_page_offers_no_write_controls_to_non_writers(page_env, monkeypatch, env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    load(page_env, csv_bytes(committee_rows()))
    at = run_page()
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.label in ("Remove the in-year figures", "Put the previous file back")]


# ---- NEET: council ward extracts line up with the new label ------------------------------------------------------
def _neet_ward_file(store, period: str) -> bytes:
    codes = sorted(store.areas("ward2022").area_code)
    return (
        "ward_code,period,numerator,denominator\n"
        + "".join(f"{c},{period},{3 + i},{300 + i}\n" for i, c in enumerate(codes))
    ).encode()


def test_council_neet_extract_for_2023_24_lines_up_with_the_published_label(data_copy):
    store = Store(data_copy)
    res = extracts.validate(_neet_ward_file(store, "2023/24"), "neet.csv", "neet", extracts.wards_of(store))
    assert res.ok, res.problems
    extracts.save(res, "neet", "neet.csv", data_copy)
    s = Store(data_copy)
    wards = s.values("neet", "2023/24", "ward2022")
    assert len(wards) == 22 and set(wards.source_id) == {"local_neet"}
    assert s.values("neet", "2023/24", "la").value.notna().all()  # Bromley's published figure, same label


def test_council_neet_extract_for_2024_is_stored_as_2023_24(data_copy):
    store = Store(data_copy)
    res = extracts.validate(_neet_ward_file(store, "2024"), "neet.csv", "neet", extracts.wards_of(store))
    assert res.ok, res.problems
    assert set(res.rows.period) == {"2023/24"}
    assert (res.rows.period_start == pd.Timestamp("2023-12-01")).all()


# ---- a real browser: the officer's upload ------------------------------------------------------------------------
@pytest.mark.browser
def test_officer_loads_the_index_in_a_browser(tmp_path):
    import shutil
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import browser_helpers as bh

    if not bh.CHROMIUM.exists():
        pytest.skip(f"{bh.CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    data = tmp_path / "data"
    data.mkdir()
    for p in (ROOT / "data").glob("*"):
        if p.is_file():
            shutil.copy(p, data / p.name)
    good, bad = tmp_path / "PI_2023-24.csv", tmp_path / "PI_bad.csv"
    good.write_bytes(csv_bytes(committee_rows()))
    bad.write_bytes(csv_bytes(bad_rows()))
    port = bh.free_port()
    log = bh.ARTIFACTS / "scorecard_inyear_server.log"
    proc = bh.start_server(port, log, {"BWE_DATA_DIR": str(data), "BWE_ALLOW_UPLOADS": "1"})
    try:
        bh.wait_healthy(port, proc, timeout=90)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.LAUNCH_ARGS)
            try:
                pg = b.new_context(viewport=bh.VIEWPORT).new_page()
                pg.goto(f"http://127.0.0.1:{port}/scorecard?measure=csc_referrals", timeout=90_000)
                bh.wait_for_app(pg, min_charts=1)
                pg.get_by_text("In-year figures: the council's Performance Index (officers only)").click()
                pg.locator("input[type='file']").set_input_files(str(bad))
                pg.get_by_text("was not loaded").first.wait_for(timeout=60_000)
                pg.get_by_text("is more than 100%").first.wait_for(timeout=30_000)
                assert not pi.path(data).exists()
                pg.locator("input[type='file']").set_input_files(str(good))
                pg.get_by_text("figures for 10 scorecard measures").wait_for(timeout=60_000)
                pg.get_by_role("button", name="Load as the in-year figures").click()
                pg.get_by_text("is the file loaded now").wait_for(timeout=60_000)
                assert pi.metadata(pi.path(data))["file"] == "PI_2023-24.csv"
                pg.get_by_text("In year (council, provisional)").first.wait_for(timeout=60_000)
                pg.get_by_text("2023/24 in year: provisional council figures").wait_for(timeout=60_000)
                bh.page_screenshot(pg, "scorecard_inyear")
            finally:
                b.close()
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        bh.stop_server(proc)
