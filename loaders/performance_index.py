"""The council's own Performance Index (the scrutiny committee's in-year figures): read, validate, store.

The file is the committee's layout, as CSV (UTF-8) or XLSX (one sheet, values only): title rows may sit above
the header; the header (one row, or two or three rows as the committee's merged cells give it) names the
columns ``No.``, ``Performance Indicators``, ..., one column per month (``Apr-23`` ... ``Mar-24``, or
``Jan-23`` ... ``Dec-23`` for calendar-year measures; quarters ``Q1 2023/24`` too), ``Year to Date`` and
``Notes``. Other columns (why it matters, polarity, target, benchmarks, RAG) are not read. A second header
further down starts a new block (the committee's calendar-year measures). Section headings (``Early Help``)
are skipped.

Each row is matched to a scorecard measure (``data/scorecard.csv``) by its committee number (``No.``), checked
against its name, or by its name alone; a measure numbered ``14-15`` takes its value from row 14 and the count
beside it from row 15. Rows for measures the scorecard does not carry are listed as "not on the scorecard,
ignored" (information, not a problem). Cells: ``94%``, ``1.2% (88/7140)`` (value with numerator/denominator),
``4513`` / ``15,182``, ``Data suppressed, see part 2 report`` (a merged cell: the cells after it in its row are
suppressed too), blank / ``N/A`` / ``DNA`` (no value: recorded as not available). A measure whose scorecard unit
is a percentage is reported as percentages (unless its committee name starts "Number"); in an XLSX a bare
number from 0 to 1 in such a row is an Excel percentage (0.94 = 94%).

Every problem is listed at once with its spreadsheet row and column (as :class:`loaders.extracts.Problem`):
an unknown month header, months that are not in one financial (April-March), calendar or academic
(September-August) year, a cell that is not a figure, a percentage above 100, a numerator above its
denominator or not matching the percentage, a measure's row twice. Nothing is stored unless the file is valid.

Storage: ``data/local/scorecard/performance_index.parquet`` (git-ignored), written atomically beside its final
name; the version it replaces (or removes) is kept as ``performance_index.previous.parquet`` and can be put back
(:func:`rollback`). Loads, removals and rollbacks are appended to the extracts' change log
(``data/local/changes.jsonl``) as ``performance_index``. The files sit in a sub-folder, so the Store never reads
them as ward extracts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from loaders import extract_history, extracts, periods, xlsx_safe
from loaders.extract_columns import norm
from loaders.extracts import Problem

INDICATOR = "performance_index"  # how loads appear in the change log
FOLDER = "scorecard"  # under the data folder's local/
FILE = "performance_index.parquet"
PREVIOUS = "performance_index.previous.parquet"
META_KEY = b"bwe_performance_index"
SOURCE_NAME = "Council Performance Index"
PROVISIONAL = "provisional council figures"
SUPPRESSED = "suppressed"
NOT_AVAILABLE = "not available"
VALUE = "value"
COLUMNS = [
    "measure_id",
    "role",  # "value", or "count" (the number beside a rate: row 15 beside row 14)
    "committee_no",  # the row's No. as the file writes it
    "name",  # the row's indicator name as the file writes it
    "source_row",  # spreadsheet row
    "year",  # 2023/24, 2023, AY 2023/24
    "year_kind",  # financial, calendar, academic
    "kind",  # month, quarter, ytd
    "period",  # Apr 2023, Q1 2023/24, or the year (year to date)
    "period_start",
    "period_end",
    "unit",  # "%" or "number"
    "value",
    "numerator",
    "denominator",
    "status",  # value, suppressed, not available
    "text",  # the cell as written (first 60 characters)
    "note",  # the row's Notes
]

_NO_HEADERS = {"no", "number", "ref", "ref no", "indicator no", "no ref", "pi no", "kpi no"}
_NAME_HEADERS = {"performance indicators", "performance indicator", "indicator", "indicators", "measure", "kpi"}
_YTD_HEADERS = {"year to date", "ytd", "year to date ytd", "ytd total", "year to date total"}
_NOTE_HEADERS = {"notes", "note", "comments", "comment", "commentary"}
_NA = {"n/a", "na", "dna", "not available", "-", "n.a.", "n. a.", "nil return", "awaiting data"}
_MONTHISH = re.compile(r"^[A-Za-z]{3,9}\.?[\s\-'/.]*\d{2}$")  # Apr-23 as Excel writes it; others: see _header
_QUARTERISH = re.compile(r"^(?:Q[1-4]\b.*|.*\bQ[1-4])$", re.I)
_PCT = re.compile(r"^(\d+(?:\.\d+)?)\s*%\s*(?:\(\s*([\d,]+)\s*/\s*([\d,]+)\s*\))?$")
_NUM = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_STOP = {"of", "the", "a", "an", "to", "in", "and", "or", "for", "with", "who", "are", "that", "is", "by"}
_STOP |= {"percent", "number", "no", "dfe", "definition", "year", "date"}
NAME_AGREES = 0.5  # a numbered row's name must share this much with the measure's (else: renumbered?)
NAME_MATCHES = 0.75  # an unnumbered row is matched by name at this similarity, to one measure only
MAX_LISTED_INFO = 60


@dataclass
class Result:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    rows: pd.DataFrame | None = None  # COLUMNS, when ok
    info: list[str] = field(default_factory=list)  # rows ignored, measures not in the file: not problems
    sha256: str = ""
    years: list[str] = field(default_factory=list)
    matched: dict = field(default_factory=dict)  # measure_id -> spreadsheet rows


# --------------------------------------------------------------------------- reading
def read_rows(data: bytes, filename: str) -> tuple[list[tuple[int, list[str]]] | None, list[Problem]]:
    """(spreadsheet row, cell texts) of every non-blank row, or None with problems. XLSX through
    :mod:`loaders.xlsx_safe`, CSV as ward extracts are read (UTF-8, size limits), one upload at a time."""
    name = filename.lower()
    if not data:
        return None, [Problem(None, None, "the file is empty")]
    if len(data) > extracts.MAX_BYTES:
        return None, [Problem(None, None, f"the file is {len(data) / 1e6:.1f} MB; the limit is 5 MB")]
    if not (name.endswith((".xlsx", ".csv", ".txt"))):
        return None, [Problem(None, None, "only .csv and .xlsx files are accepted")]
    if not extracts._READING.acquire(timeout=extracts.LOCK_WAIT):
        return None, [Problem(None, None, "another file is being read, try again in a moment")]
    try:
        if name.endswith(".xlsx"):
            rows, problems = xlsx_safe.read(data)
            if rows is None:
                return None, [Problem(*p) for p in problems]
        else:
            text, problem = _decode(data)
            if problem:
                return None, [problem]
            rows = []
            for num, rec in extracts._csv_rows(text):
                if isinstance(rec, Exception):
                    return None, [Problem(num, None, f"the CSV cannot be read here: {rec}")]
                if num > extracts.MAX_SCANNED:
                    return None, [Problem(None, None, f"more than {extracts.MAX_SCANNED:,} lines")]
                rows.append((num, rec))
    finally:
        extracts._READING.release()
    out = []
    for num, rec in rows:
        cells = [unicodedata.normalize("NFKC", str(v)).strip() for v in rec]
        if any(cells):
            out.append((num, cells))
    if len(out) > extracts.MAX_ROWS:
        return None, [Problem(None, None, f"more than {extracts.MAX_ROWS:,} rows")]
    if not out:
        return None, [Problem(None, None, "the file is empty")]
    return out, []


def _decode(data: bytes) -> tuple[str, Problem | None]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "", Problem(None, None, "the file is UTF-16 text; save it as 'CSV UTF-8'")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return "", Problem(
            None,
            None,
            f"the file is not UTF-8 text (byte {data[e.start]:#04x} at position {e.start}); in Excel use "
            "Save As > 'CSV UTF-8'",
        )
    if "\x00" in text:
        return "", Problem(None, None, "the file contains binary data, not CSV text")
    return text, None


# --------------------------------------------------------------------------- the header
@dataclass
class _Column:
    index: int
    header: str  # as written (the most specific of the header rows)
    role: str  # no, name, period, ytd, note
    period: str = ""
    kind: str = ""  # month, quarter
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    row: int | None = None  # the spreadsheet row the header text is on


@dataclass
class _Block:
    row: int  # spreadsheet row of the header's first row
    columns: dict  # role -> _Column (no, name, ytd, note)
    periods: list  # _Column, in file order
    year: str = ""
    year_kind: str = ""
    year_start: pd.Timestamp | None = None
    year_end: pd.Timestamp | None = None
    rows: list = field(default_factory=list)  # (row number, cells)


def _is_head(cells: list[str]) -> bool:
    return any(norm(c) in _NAME_HEADERS for c in cells)


def _cell(cells: list[str], i: int | None) -> str:
    return cells[i] if i is not None and i < len(cells) else ""


def _column_name(c: _Column | None, index: int) -> str:
    if c is not None and c.header:
        return c.header
    return f"column {xlsx_safe._column_letters(index + 1)}"


def _period_of(header: str) -> tuple[str, str] | None:
    """(label, kind) of a month or quarter header (Apr-23, April 2023, an Excel date, Q1 2023/24)."""
    try:
        label = periods.written(header)
    except periods.PeriodError:
        return None
    if month := periods.month_of(label):
        return month, "month"
    if label.startswith("Q"):
        return label, "quarter"
    return None


def _header(rows: list[tuple[int, list[str]]], start: int, problems: list[Problem]) -> tuple[_Block, int]:
    """The header starting at ``rows[start]`` (a head row and the rows continuing it), and the index after it."""
    num, head = rows[start]
    names = [i for i, c in enumerate(head) if norm(c) in _NAME_HEADERS]
    nos = [i for i, c in enumerate(head) if norm(c) in _NO_HEADERS]
    name_i, no_i = names[0], (nos[0] if nos else None)
    texts = {i: (num, c) for i, c in enumerate(head) if c}  # column -> (row, text): the lowest header row wins
    j = start + 1
    while j < len(rows):  # continuation rows: nothing under No. or the name, something elsewhere
        cells = rows[j][1]
        if _cell(cells, name_i) or _cell(cells, no_i) or _is_head(cells) or not any(cells):
            break
        filled = [i for i, c in enumerate(cells) if c]
        if len(filled) == 1 and not _period_of(cells[filled[0]]):
            break  # a section heading in a column of its own
        texts.update({i: (rows[j][0], c) for i, c in enumerate(cells) if c})
        j += 1
    cols: dict[str, _Column] = {"name": _Column(name_i, head[name_i], "name")}
    if no_i is not None:
        cols["no"] = _Column(no_i, head[no_i], "no")
    found = []
    for i, (at, text) in sorted(texts.items()):
        n = norm(text)
        if i in (name_i, no_i):
            continue
        if n in _YTD_HEADERS and "ytd" not in cols:
            cols["ytd"] = _Column(i, text, "ytd", row=at)
        elif n in _NOTE_HEADERS and "note" not in cols:
            cols["note"] = _Column(i, text, "note", row=at)
        elif p := _period_of(text):
            s, e = periods.bounds(p[0])
            shown = p[0] if re.fullmatch(r"\d{5}(?:\.0+)?", text) else text  # an Excel date: named as its month
            found.append(_Column(i, shown, "period", p[0], p[1], s, e, at))
        elif _MONTHISH.match(text) or (_QUARTERISH.match(text) and len(text) <= 12):
            problems.append(Problem(at, text, f"{text[:40]!r} is not a month (e.g. Apr-23, April 2023, Q1 2023/24)"))
    block = _Block(num, cols, found)
    if not found:
        problems.append(Problem(num, None, "the header has no month columns (e.g. Apr-23 ... Mar-24)"))
        return block, j
    lo, hi = found[0].index, found[-1].index
    for i, (at, text) in sorted(texts.items()):
        between = lo < i < hi and not any(c.index == i for c in found) and _period_of(text) is None
        if between and not (_MONTHISH.match(text) or _QUARTERISH.match(text)):  # those are reported above
            problems.append(Problem(at, text, f"{text[:40]!r} sits among the month columns but is not a month"))
    _year(block, problems)
    return block, j


def _year(block: _Block, problems: list[Problem]) -> None:
    """The one financial, calendar or academic year the block's months (or quarters) fall in."""
    seen: dict[str, _Column] = {}
    for c in block.periods:
        if c.period in seen:
            problems.append(Problem(c.row, c.header, f"{c.period} has two columns ({seen[c.period].header!r})"))
        seen.setdefault(c.period, c)
    if len({c.kind for c in block.periods}) > 1:
        problems.append(Problem(block.row, None, "the header mixes months and quarters: use one or the other"))
    first = min(block.periods, key=lambda c: c.start)
    kind = periods.year_kind(first.start)
    if kind is None:
        problems.append(
            Problem(
                first.row,
                first.header,
                f"the months start in {first.period}: a Performance Index year starts in April (financial), "
                "January (calendar) or September (academic)",
            )
        )
        return
    if first.kind == "quarter":
        kind = "financial"  # Q1 2023/24 is April-June 2023
    year = periods.year_of(first.start, kind)
    ys, ye = periods.bounds(year)
    outside = [c for c in block.periods if not (ys <= c.start and c.end <= ye)]
    for c in outside:
        problems.append(
            Problem(
                c.row,
                c.header,
                f"{c.period} is not in {year} (the {kind} year the first month starts): the months of one "
                "header must be in one 12-month year",
            )
        )
    block.year, block.year_kind, block.year_start, block.year_end = year, kind, ys, ye


# --------------------------------------------------------------------------- matching rows to measures
def _tokens(text: str) -> set[str]:
    return {t for t in norm(text).split() if t not in _STOP}


def similarity(a: str, b: str) -> float:
    """How far two indicator names agree: the share of the shorter name's words found in the longer."""
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / min(len(ta), len(tb))


def _numbers(measures: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Committee number -> (measure_id, role): '14-15' gives 14 the value and 15 the count beside it."""
    out = {}
    for m in measures.itertuples():
        no = str(m.committee_no).strip().lower()
        if not no:
            continue
        if r := re.fullmatch(r"(\d+)\s*-\s*(\d+)", no):
            out[r[1]] = (m.measure_id, VALUE)
            for k in range(int(r[1]) + 1, int(r[2]) + 1):
                out[str(k)] = (m.measure_id, "count")
        else:
            out[no] = (m.measure_id, VALUE)
    return out


def _no(text: str) -> str:
    """A committee number as compared: '6', '6.' and an XLSX '6.0' are 6; '12b' stays."""
    s = text.strip().lower()
    if re.fullmatch(r"\d+\.0+", s):
        s = s.split(".")[0]
    return s.rstrip(".").strip()


def _match(no: str, name: str, measures: pd.DataFrame, numbers: dict) -> tuple[tuple[str, str] | None, str]:
    """((measure_id, role) or None, why): by number checked against the name, else by name alone."""
    names = dict(zip(measures.measure_id, measures.committee_name))
    if no and no in numbers:
        mid, role = numbers[no]
        if not name or similarity(name, names[mid]) >= NAME_AGREES:
            return (mid, role), ""
        return None, (
            f"No. {no} is {names[mid]!r} on the scorecard but this row is {name[:60]!r}: check the numbering "
            "(or leave No. blank to match by name)"
        )
    if no:  # a numbered row the scorecard does not carry (e.g. No. 10 beside No. 9's "Child Protection Plan")
        return None, "ignored"
    if name:
        scores = sorted(((similarity(name, n), mid) for mid, n in names.items()), reverse=True)
        if scores and scores[0][0] >= NAME_MATCHES and (len(scores) == 1 or scores[1][0] < scores[0][0]):
            return (scores[0][1], VALUE), "by name"
    return None, "ignored"


# --------------------------------------------------------------------------- cells
def _float(text: str) -> float:
    return float(text.replace(",", ""))


def _parse(text: str, percent: bool, xlsx: bool) -> tuple[dict | None, str | None]:
    """A cell as {status, value, numerator, denominator}, or a problem."""
    t = text.strip()
    low = t.lower()
    if not t or low in _NA:
        return {"status": NOT_AVAILABLE}, None
    if "suppress" in low:
        return {"status": SUPPRESSED}, None
    m = _PCT.match(t)
    if m:
        if not percent:
            return None, f"{t[:40]!r} is a percentage; this measure is reported as a number"
        v = float(m[1])
        if v > 100:
            return None, f"{t[:40]!r} is more than 100%"
        out = {"status": VALUE, "value": v, "numerator": math.nan, "denominator": math.nan}
        if m[2]:
            num, den = _float(m[2]), _float(m[3])
            if den <= 0:
                return None, f"{t[:40]!r}: the denominator must be more than 0"
            if num > den:
                return None, f"{t[:40]!r}: the numerator is larger than the denominator"
            decimals = len(m[1].split(".")[1]) if "." in m[1] else 0
            if abs(num / den * 100 - v) > 10.0**-decimals + 1e-9:
                return None, f"{t[:40]!r}: {num:g}/{den:g} is {num / den * 100:.2f}%, not {m[1]}%"
            out.update(numerator=num, denominator=den)
        return out, None
    if _NUM.match(t):
        v = _float(t)
        if not math.isfinite(v):
            return None, "is not a finite number"
        if v < 0:
            return None, f"{t[:40]!r} is negative"
        if percent:
            if xlsx and v <= 1:  # an Excel percentage (0.94 shown as 94%)
                return {"status": VALUE, "value": float(f"{v * 100:.6g}"), "numerator": math.nan}, None
            return None, f"{t[:40]!r}: this measure is a percentage: write it with % (e.g. 94%)"
        return {"status": VALUE, "value": v, "numerator": math.nan, "denominator": math.nan}, None
    return None, (
        f"{t[:40]!r} is not a figure (e.g. 94%, 4,513, 1.2% (88/7140), N/A, DNA or 'Data suppressed, see part 2 "
        "report')"
    )


# --------------------------------------------------------------------------- the whole file
def validate(data: bytes, filename: str, measures: pd.DataFrame) -> Result:
    """Check a Performance Index file against everything at once. ``measures``: measure_id, committee_no,
    committee_name, unit (the scorecard's measures and their indicators' units)."""
    sha = hashlib.sha256(data).hexdigest()
    rows, problems = read_rows(data, filename)
    if rows is None:
        return Result(False, problems, sha256=sha)
    xlsx = filename.lower().endswith(".xlsx")
    blocks: list[_Block] = []
    i = 0
    while i < len(rows):
        if _is_head(rows[i][1]):
            block, i = _header(rows, i, problems)
            blocks.append(block)
            continue
        if blocks:
            blocks[-1].rows.append(rows[i])
        i += 1
    if not blocks:
        return Result(
            False,
            [
                Problem(
                    None,
                    None,
                    "no header row found: the Performance Index needs a row naming the columns 'No.', "
                    "'Performance Indicators', the months (Apr-23 ...), 'Year to Date' and 'Notes'",
                )
            ],
            sha256=sha,
        )
    numbers = _numbers(measures)
    units = dict(zip(measures.measure_id, measures.unit))
    names = dict(zip(measures.measure_id, measures.committee_name))
    info: list[str] = []
    out: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    matched: dict[str, list[int]] = {}
    for block in blocks:
        no_c, name_c = block.columns.get("no"), block.columns["name"]
        ytd_c, note_c = block.columns.get("ytd"), block.columns.get("note")
        value_cols = [*block.periods, *([ytd_c] if ytd_c else [])]
        last = _last_reported(block, value_cols)
        for num, cells in block.rows:
            no, name = _no(_cell(cells, no_c.index if no_c else None)), _cell(cells, name_c.index)
            filled = [c for c in cells if c]
            if not no and not name:
                continue
            if len(filled) == 1 and not any(_cell(cells, c.index) for c in value_cols):
                continue  # a section heading ("Early Help")
            hit, why = _match(no, name, measures, numbers)
            label = f"No. {no}" if no else "a row"
            if hit is None:
                if why == "ignored":
                    info.append(f"row {num}: {label} {name[:60]!r} is not on the scorecard, ignored")
                else:
                    problems.append(Problem(num, _column_name(no_c, 0), why))
                continue
            if why == "by name":
                info.append(f"row {num}: {name[:60]!r} matched to {names[hit[0]]!r} by name")
            if hit in seen:
                problems.append(Problem(num, None, f"{names[hit[0]]!r} has a row already (row {seen[hit]})"))
                continue
            seen[hit] = num
            matched.setdefault(hit[0], []).append(num)
            if not block.year:
                continue  # the header's problems are reported already
            counted = norm(names[hit[0]]).startswith("number") or norm(name).startswith("number")
            percent = units.get(hit[0]) == "%" and hit[1] == VALUE and not counted
            note = _cell(cells, note_c.index) if note_c else ""
            out += _cells(block, cells, num, hit, no, name, note, percent, xlsx, value_cols, last, problems)
    missing = [names[m] for m in measures.measure_id if m not in matched and str(names[m])]
    if missing:
        info.append("scorecard measures not in the file: " + "; ".join(missing))
    if not matched and not problems:
        problems.append(Problem(None, None, "no row matches a scorecard measure (by its No. or its name)"))
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    years = sorted({b.year for b in blocks if b.year})
    if problems:
        return Result(False, problems, info=info[:MAX_LISTED_INFO], sha256=sha, years=years, matched=matched)
    df = pd.DataFrame(out, columns=COLUMNS)
    for c in ("value", "numerator", "denominator"):
        df[c] = df[c].astype(float)
    for c in ("period_start", "period_end"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ms]")
    df["source_row"] = df.source_row.astype("int64")
    return Result(True, [], df, info[:MAX_LISTED_INFO], sha, years, matched)


def _last_reported(block: _Block, value_cols: list[_Column]) -> pd.Timestamp | None:
    """The end of the last month any row of the block reports (later months are not yet reported)."""
    ends = [c.end for c in block.periods if any(_cell(cells, c.index) for _, cells in block.rows)]
    return max(ends) if ends else None


def _cells(block, cells, num, hit, no, name, note, percent, xlsx, value_cols, last, problems) -> list[dict]:
    out, merged = [], False
    for c in value_cols:
        text = _cell(cells, c.index)
        if merged and not text:
            parsed, problem = {"status": SUPPRESSED}, None  # the rest of a merged "Data suppressed" cell
        else:
            parsed, problem = _parse(text, percent, xlsx)
            merged = bool(parsed) and parsed["status"] == SUPPRESSED
        if problem:
            problems.append(Problem(num, c.header, problem))
            continue
        if c.role == "ytd":  # to the row's last month with a figure, else the block's last reported month
            kind, period, start = "ytd", block.year, block.year_start
            reported = [r["period_end"] for r in out if r["status"] == VALUE]
            end = max(reported) if reported else (last or block.year_end)
        else:
            kind, period, start, end = c.kind, c.period, c.start, c.end
            if not text and not merged and (last is None or start > last):
                continue  # not reported yet
        out.append(
            dict(
                measure_id=hit[0],
                role=hit[1],
                committee_no=no,
                name=name[:200],
                source_row=num,
                year=block.year,
                year_kind=block.year_kind,
                kind=kind,
                period=period,
                period_start=start,
                period_end=end,
                unit="%" if percent else "number",
                value=parsed.get("value", math.nan),
                numerator=parsed.get("numerator", math.nan),
                denominator=parsed.get("denominator", math.nan),
                status=parsed["status"],
                text=text[:60],
                note=note[:500],
            )
        )
    return out


# --------------------------------------------------------------------------- storage
class StoreError(extracts.StoreError):
    """Storing, removing or rolling back failed; the message names no server path."""


def folder(data_dir: Path) -> Path:
    return extracts.local_dir(data_dir) / FOLDER


def path(data_dir: Path) -> Path:
    return folder(data_dir) / FILE


def version(data_dir: Path) -> tuple:
    """Changes whenever the loaded file is replaced, removed or rolled back (also by another process)."""
    with contextlib.suppress(OSError):
        st = path(data_dir).stat()
        return (st.st_ino, st.st_mtime_ns, st.st_size)
    return ()


def save(result: Result, filename: str, data_dir: Path, *, actor: str | None = None) -> Path:
    """Store a validated file atomically (the version it replaces kept as the previous one) and log it."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    if not result.ok or result.rows is None:
        raise ValueError("only a validated Performance Index can be saved")
    name = Path(filename).name
    entry = extracts._change("load", INDICATOR, name, result.sha256, len(result.rows), actor)
    meta = dict(
        file=name,
        sha256=result.sha256,
        loaded=entry["when"],
        who=entry["who"],
        rows=len(result.rows),
        years=result.years,
        measures=sorted(result.matched),
    )
    table = pa.Table.from_pandas(result.rows, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY: json.dumps(meta).encode()})
    local, d = extracts.local_dir(data_dir), folder(data_dir)
    try:
        local.mkdir(exist_ok=True)
        d.mkdir(exist_ok=True)
        with extract_history.locked(local):
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=d)
            os.close(fd)
            try:
                pq.write_table(table, tmp)
                with open(tmp, "rb") as f:
                    os.fsync(f.fileno())
                with extracts._logged(local, entry):
                    _keep_previous(d)
                    os.replace(tmp, d / FILE)
            finally:
                with contextlib.suppress(OSError):
                    os.remove(tmp)
    except OSError as e:
        raise StoreError(str(extracts._store_error(e, "nothing was stored"))) from e
    return d / FILE


def _keep_previous(d: Path) -> None:
    """The current file, if any, becomes the previous one (the current one stays in place meanwhile)."""
    cur = d / FILE
    if not cur.exists():
        return
    tmp = d / f".tmp-previous-{os.getpid()}.parquet"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.link(cur, tmp)
    except OSError:  # no hard links here: a copy
        shutil.copy2(cur, tmp)
    os.replace(tmp, d / PREVIOUS)


def remove(data_dir: Path, *, actor: str | None = None) -> bool:
    """Remove the loaded file (kept as the previous one, so :func:`rollback` puts it back); False if none
    was loaded. Raises :class:`StoreError` if the folder cannot be changed (then nothing changed)."""
    local, d = extracts.local_dir(data_dir), folder(data_dir)
    if not (d / FILE).exists():
        return False
    try:
        with extract_history.locked(local):
            if not (d / FILE).exists():
                return False
            m = metadata(d / FILE) or {}
            entry = extracts._change("remove", INDICATOR, m.get("file", "?"), m.get("sha256", ""), m.get("rows"), actor)
            with extracts._logged(local, entry):
                os.replace(d / FILE, d / PREVIOUS)
    except FileNotFoundError:
        return False
    except OSError as e:
        raise StoreError(str(extracts._store_error(e, "nothing was removed"))) from e
    return True


def rollback(data_dir: Path, *, actor: str | None = None) -> bool:
    """Put the previous file back (the current one, if any, becomes the previous); False if there is none."""
    local, d = extracts.local_dir(data_dir), folder(data_dir)
    if not (d / PREVIOUS).exists():
        return False
    try:
        with extract_history.locked(local):
            if not (d / PREVIOUS).exists():
                return False
            m = metadata(d / PREVIOUS) or {}
            entry = extracts._change(
                "rollback", INDICATOR, m.get("file", "?"), m.get("sha256", ""), m.get("rows"), actor
            )
            with extracts._logged(local, entry):
                tmp = d / f".tmp-rollback-{os.getpid()}.parquet"
                os.replace(d / PREVIOUS, tmp)
                if (d / FILE).exists():
                    os.replace(d / FILE, d / PREVIOUS)
                os.replace(tmp, d / FILE)
    except OSError as e:
        raise StoreError(str(extracts._store_error(e, "nothing was changed"))) from e
    return True


def metadata(p: Path) -> dict | None:
    """The load's details stored with a file (file, sha256, loaded, who, rows, years, measures)."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        meta = pq.read_schema(p).metadata or {}
        return json.loads(meta[META_KEY])
    except (OSError, KeyError, ValueError):
        return None


_LOADED: dict = {}


def load(data_dir: Path) -> tuple[pd.DataFrame, dict] | None:
    """The loaded Performance Index (rows, details), or None; read once per version of the file."""
    v = version(data_dir)
    if not v:
        return None
    key = (str(Path(data_dir).resolve()), v)
    hit = _LOADED.get(key)
    if hit is None:
        try:
            df = pd.read_parquet(path(data_dir))
        except (OSError, ValueError):
            return None
        if list(df.columns) != COLUMNS:
            return None
        hit = (df, metadata(path(data_dir)) or {})
        _LOADED.clear()  # one file at a time (a test may hold a second data folder: read again then)
        _LOADED[key] = hit
    return hit[0].copy(), dict(hit[1])


def source_label(details: dict, *, public: bool) -> str:
    """'Council Performance Index (file, loaded date)'; in public mode no file name or date."""
    if public:
        return f"{SOURCE_NAME} (details are not shown in public mode)"
    when = details.get("loaded", "")
    with contextlib.suppress(ValueError):
        when = dt.datetime.fromisoformat(when).strftime("%d %b %Y")
    return f"{SOURCE_NAME} ({details.get('file', '?')}, loaded {when})"


# --------------------------------------------------------------------------- command line
def cli(args, store, data_dir: Path) -> int:
    """``python -m loaders scorecard-import FILE [--preview] | --remove | --rollback``: every problem of a bad
    file on its own line (stderr) and exit 1, nothing stored; logged as ``cli:<user>``."""
    import sys  # noqa: PLC0415

    from model import scorecard  # noqa: PLC0415

    def fail(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 1

    actor = extracts.cli_actor()
    try:
        if args.remove:
            found = remove(data_dir, actor=actor)
            print(
                "removed the Performance Index (python -m loaders scorecard-import --rollback puts it back)"
                if found
                else "no Performance Index was loaded"
            )
            return 0
        if args.rollback:
            if not rollback(data_dir, actor=actor):
                return fail("there is no previous Performance Index to put back")
            print(f"put back: {source_label(metadata(path(data_dir)) or {}, public=False)}")
            return 0
    except StoreError as e:
        return fail(f"the Performance Index was not changed: {e}")
    if not args.file:
        return fail("give the Performance Index file (or --remove, --rollback)")
    p = Path(args.file)
    data, why = extracts.read_cli_file(p)
    if why:
        return fail(why)
    res = validate(data, p.name, scorecard.index_measures(store))
    if not res.ok:
        print(f"error: {p.name} was not loaded ({len(res.problems)} problem(s)); nothing was stored:", file=sys.stderr)
        for prob in res.problems:
            print(f"  {prob}", file=sys.stderr)
        return 1
    for line in res.info:
        print(line)
    shown = res.rows[(res.rows.status != NOT_AVAILABLE) & (res.rows.role == VALUE)]
    print(
        f"{p.name}: {len(res.rows)} figures for {len(res.matched)} scorecard measures ({', '.join(res.years)}; "
        f"{PROVISIONAL}), e.g. "
        + "; ".join(
            f"{r.measure_id} {r.period} {r.text or r.status}" for r in shown.groupby("measure_id").tail(1).itertuples()
        )
    )
    if args.preview:
        print("preview only: nothing was stored")
        return 0
    try:
        out = save(res, p.name, data_dir, actor=actor)
    except StoreError as e:
        return fail(f"{p.name} was not loaded: {e}")
    print(f"loaded into {out}; python -m loaders scorecard shows the in-year column")
    return 0
