"""A council's own ward extract (NEET, children looked after, any catalogue indicator a council can count,
or a local indicator it defines): validate, then store.

The file is CSV (UTF-8) or XLSX (one sheet, values only) with one row per ward and
period. Columns (case and spacing don't matter):

    ward_code or ward_name   (either or both)
    period                   e.g. 2024, 2023/24, 31 Mar 2024, 2021/22-2023/24
    numerator, denominator   counts (children NEET / cohort; children looked after / children 0-17)
    note                     optional, free text

Everything is checked before anything is stored, and every problem is reported at
once with its row number (as in the spreadsheet: header = row 1) and column.
Nothing in a file is executed or evaluated: XLSX is read by :mod:`loaders.xlsx_safe`
(limits checked before parsing, parsed in a limited child process, formulas refused),
one upload at a time. Text is NFKC-normalised (notes excepted) and period labels get one
spelling before duplicates are looked for; periods of one file may not overlap, so no
count hidden in public mode can be worked out by subtraction.

Accepted extracts are written atomically to ``data/local/`` (git-ignored). An extract replaces the
illustrative series of its indicator and ward scheme everywhere; for a published series it replaces the
published value only for the wards and periods it covers, and adds the periods the publication lacks
(``loaders.queries.MERGE``). Every load and removal is
appended to ``data/local/changes.jsonl`` (see :func:`changes`); :func:`version` tells
a running server that the extracts on disk changed. Storage failures raise
:class:`StoreError`, whose message names no server path.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import getpass
import hashlib
import io
import json
import math
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from loaders import extract_columns as cols
from loaders import extract_history, extract_records, local_indicators, periods, xlsx_safe
from loaders.catalogue import INDICATORS
from loaders.codes import WARD_SCHEMES
from loaders.intervals import with_intervals
from loaders.xlsx_safe import MAX_BYTES, MAX_ROWS, MAX_SCANNED

MAX_COUNT = 10_000_000  # a numerator or denominator above this is not a count of people in a ward
LOCK_WAIT = 3.0  # seconds an upload waits for another one to be read
# Catalogue indicators a council can load its own ward figures for: a proportion or a rate of people it can
# count. Not a count alone (context such as the child population), not a modelled index (IDACI: MHCLG's model
# of benefit data), not a Census-day measure (census_*). NEET and children looked after first.
NOT_LOADABLE_PREFIXES = ("idaci", "census_")


def _loadable(i: dict) -> bool:
    return i["unit"] != "count" and not i["id"].startswith(NOT_LOADABLE_PREFIXES)


LOCAL_INDICATORS = {
    i["id"]: i["name"]
    for i in sorted(INDICATORS, key=lambda i: (i["id"] not in ("neet", "cla_rate"), i["id"] != "neet"))
    if _loadable(i)
}
_CATALOGUE = {i["id"]: i for i in INDICATORS}
SCHEMES = WARD_SCHEMES
TEMPLATE = (
    "ward_code,ward_name,period,numerator,denominator,note\n"
    "E05014002,Penge & Cator,2024,31,310,example row: replace with your own\n"
    ",Mottingham,2024,22,280,a name alone is fine\n"
)
_READING = threading.Lock()  # one upload read at a time in a server process
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)  # 1,200 or 12,000.0


@dataclass
class Problem:
    row: int | None  # spreadsheet row (header is row 1); None for the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(x for x in (f"row {self.row}" if self.row else "", self.column or "") if x)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Result:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    rows: pd.DataFrame | None = None  # values-schema rows, when ok
    scheme: str | None = None
    sha256: str = ""
    mapping: dict = field(default_factory=dict)  # role -> the file's header ("" = none)
    layout: str = ""  # "aggregate" (one row per ward and period), "wide" (one column per period), "records"
    columns: list = field(default_factory=list)  # the file's headers, identifying ones dropped
    dropped: list = field(default_factory=list)  # identifying headers dropped on read (values never read)
    written: dict = field(default_factory=dict)  # stored period label -> the spellings the file used
    denominator: str = ""  # where the denominators came from, in words


def normalise_name(name: str) -> str:
    s = str(name).lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    s = re.sub(r"\b(ward)\b", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def _read(data: bytes, filename: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    name = filename.lower()
    if not data:
        return None, [Problem(None, None, "the file is empty")]
    if len(data) > MAX_BYTES:
        return None, [
            Problem(None, None, f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES // 1e6:.0f} MB")
        ]
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return None, [Problem(None, None, "the file is UTF-16 text; save it as 'CSV UTF-8'")]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            return None, [
                Problem(
                    None,
                    None,
                    f"the file is not UTF-8 text (byte {data[e.start]:#04x} at position "
                    f"{e.start}); in Excel use Save As > 'CSV UTF-8'",
                )
            ]
        if "\x00" in text:
            return None, [Problem(None, None, "the file contains binary data, not CSV text")]
        return _frame_from_rows(_csv_rows(text))
    return None, [Problem(None, None, "only .csv and .xlsx files are accepted")]


def _csv_rows(text: str):
    """(spreadsheet row number, fields) for each CSV record; the row number is where the record starts."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for rec in reader:
            yield start, rec
            start = reader.line_num + 1
    except csv.Error as e:
        yield start, e


def _frame_from_rows(rows) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A frame of strings indexed by spreadsheet row number; blank rows dropped, over-long rows reported."""
    header, body, problems = None, [], []
    for num, rec in rows:
        if isinstance(rec, Exception):
            return None, [Problem(num, None, f"the CSV cannot be read here: {rec}")]
        if num > MAX_SCANNED:
            return None, [
                Problem(
                    None, None, f"more than {MAX_SCANNED:,} lines; the extract should be one row per ward and period"
                )
            ]
        if not any(str(v).strip() for v in rec):
            continue
        if len(body) >= MAX_ROWS:
            return None, [Problem(None, None, f"more than {MAX_ROWS:,} rows")]
        broken = [i for i, v in enumerate(rec) if "\n" in str(v) or "\r" in str(v)]
        if broken:
            return None, [
                Problem(
                    num,
                    None,
                    "a cell contains a line break (an unclosed quote?); remove line breaks from cells and save again",
                )
            ]
        if header is None:
            header = [str(c).strip() for c in rec]
            continue
        extra = [v for v in rec[len(header) :] if str(v).strip()]
        if extra:
            problems.append(Problem(num, None, f"has {len(rec)} values but the header has {len(header)} columns"))
        body.append((num, [str(v) for v in rec[: len(header)]] + [""] * (len(header) - len(rec))))
    if header is None:
        return None, [Problem(None, None, "the file is empty")]
    if problems:
        return None, problems
    df = pd.DataFrame([r for _, r in body], columns=header, index=[n for n, _ in body], dtype=str)
    return df, []


def _read_xlsx(data: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    rows, problems = xlsx_safe.read(data)
    if rows is None:
        return None, [Problem(*p) for p in problems]
    return _frame_from_rows(rows)


SNAPSHOT_INDICATORS = {"cla_rate"}  # counted on a day (31 March): a year or a month means that day
_CODE = re.compile(r"[A-Z]\d{8}")
_ID = re.compile(r"[a-z][a-z0-9_]{1,39}")  # an indicator id as it may name a file in data/local/


def meta_of(indicator: str, local: dict | None = None) -> dict | None:
    """What loading an extract of ``indicator`` needs: name, unit, multiplier, the interval method of the
    council's rows, ``bounded`` (a proportion), ``count`` (a count alone: no denominator needed),
    ``snapshot`` (counted on a day), ``local`` (a locally defined indicator). None if it cannot be loaded.

    The numerator/denominator semantics come from the catalogue (its multiplier: 100 for a percentage,
    10,000 for a rate per 10,000). So does the interval method, except where the catalogue has none only
    because the publisher gives no counts (e.g. ward obesity): the council's file has counts, so its rows get
    the method the unit implies (Wilson for a proportion, Byar for a rate). ``local``: {id: definition}."""
    if indicator in LOCAL_INDICATORS:
        i = _CATALOGUE[indicator]
        interval = i["interval"] if i["interval"] != "none" else ("wilson" if i["bounded"] else "byar_exact")
        return dict(
            id=indicator,
            name=i["name"],
            unit=i["unit"],
            multiplier=float(i["multiplier"]),
            interval=interval,
            bounded=bool(i["bounded"]),
            count=False,
            snapshot=indicator in SNAPSHOT_INDICATORS,
            local=False,
        )
    if local and indicator in local:
        return local_indicators.meta(local[indicator])
    return None


def loadable(data_dir: Path) -> dict[str, str]:
    """{id: name} of every indicator an extract can be loaded for here: the catalogue's (LOCAL_INDICATORS),
    then the local indicators defined in this data folder."""
    return {**LOCAL_INDICATORS, **{k: d["name"] for k, d in local_indicators.load(data_dir).items()}}


def known_id(indicator: str, data_dir: Path) -> bool:
    """True for an indicator whose extract may be removed or rolled back here: one that can be loaded, or one
    with an extract or versions on disk (e.g. a local indicator whose definition was removed by hand)."""
    if indicator in loadable(data_dir):
        return True
    if not _ID.fullmatch(str(indicator)):
        return False
    d = local_dir(data_dir)
    return (d / f"{indicator}.parquet").exists() or extract_history.history_dir(d).joinpath(indicator).is_dir()


@dataclass
class Options:
    """How to read a file beyond what its headers say (all optional).

    columns: explicit {role: header} (``--column``); ``""`` for a role means "no such column".
    layout: "auto", "aggregate" (one row per ward and period, long or wide) or "records" (one per person).
    academic: a year pair (2023/24) is an academic year (September-August), not a financial year.
    lookups: LSOA -> ward best-fit lookups (from_code, from_type, to_code, to_type), for LSOA codes.
    denominator: for records: "auto", "rows" (every person listed), "column", "file" or "population".
    denominator_file: (bytes, file name) of a second file with ward, period and denominator columns.
    population: catalogue population (area_code, area_type, period, period_start, value) and its label.
    local_indicators: {id: definition} of the local indicators defined (:func:`options_for` fills it in).
    """

    columns: dict = field(default_factory=dict)
    layout: str = "auto"
    academic: bool = False
    lookups: pd.DataFrame | None = None
    denominator: str = "auto"
    denominator_file: tuple | None = None
    population: pd.DataFrame | None = None
    population_label: str = ""
    local_indicators: dict = field(default_factory=dict)  # {id: definition} of the local indicators defined


def read_table(data: bytes, filename: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The file as a frame of strings indexed by spreadsheet row (one upload read at a time)."""
    if not _READING.acquire(timeout=LOCK_WAIT):
        return None, [Problem(None, None, "another file is being read, try again in a moment")]
    try:
        return _read(data, filename)
    finally:
        _READING.release()


def validate(
    data: bytes,
    filename: str,
    indicator: str,
    wards: pd.DataFrame,
    options: Options | None = None,
    *,
    table: pd.DataFrame | None = None,
) -> Result:
    """Check a file against everything at once. ``wards``: area_code, area_name, area_type (both schemes).
    ``table``: the file already read by :func:`read_table` (the page reads once, then maps columns)."""
    sha = hashlib.sha256(data).hexdigest()
    opts = options or Options()
    meta = meta_of(indicator, opts.local_indicators)
    if meta is None:
        ids = [*LOCAL_INDICATORS, *(opts.local_indicators or {})]
        return Result(
            False,
            [
                Problem(
                    None,
                    None,
                    f"indicator must be one of {', '.join(ids)} (or a local indicator defined first: "
                    "python -m loaders define --help)",
                )
            ],
            sha256=sha,
        )
    if table is None:
        df, problems = read_table(data, filename)
        if df is None:
            return Result(False, problems, sha256=sha)
    else:
        df = table.copy()
    try:
        return _validate_table(df, filename, meta, wards, opts, sha)
    except _Refused as e:
        return Result(False, e.problems, sha256=sha, columns=e.columns, dropped=e.dropped, mapping=e.mapping)


class _Refused(Exception):
    def __init__(self, problems, columns=(), dropped=(), mapping=None):
        super().__init__("refused")
        self.problems, self.columns, self.dropped, self.mapping = (
            list(problems),
            list(columns),
            list(dropped),
            dict(mapping or {}),
        )


def _validate_table(df, filename, meta: dict, wards, opts: Options, sha) -> Result:
    indicator = meta["id"]
    df.columns = [str(c).strip() for c in df.columns]
    headers = list(df.columns)
    dropped = [h for h in headers if cols.identifying(h)]
    df = df.drop(columns=dropped)  # never looked at again: not mapped, reported or stored
    df, problems = _tidy(df)
    columns = list(df.columns)
    snapshot = meta["snapshot"]
    aliases = aliases_of(meta)
    mapping, problems = _mapping(columns, indicator, opts, dropped, problems, aliases)
    mapped = {h for h in mapping.values() if h}
    wide = (
        {}
        if mapping.get("period")
        else cols.wide_columns(
            columns, indicator, snapshot=snapshot, academic=opts.academic, taken=mapped, aliases=aliases
        )
    )
    layout = opts.layout
    if layout == "auto":
        layout = (
            "records"
            if (not mapping.get("numerator") and not wide and (mapping.get("status") or mapping.get("lsoa") or dropped))
            else "aggregate"
        )
    fail = lambda probs: _Refused(sorted(probs, key=_order), columns, dropped, mapping)  # noqa: E731
    if layout == "aggregate" and wide:
        layout = "wide"
    missing = _missing(mapping, layout, wide, opts, count=meta["count"])
    if missing:
        problems.append(
            Problem(
                1,
                None,
                f"missing column(s): {', '.join(missing)} (see the template, or say which "
                'column is which: --column numerator="NEET count" on the command line, or '
                "the column choices on the page)",
            )
        )
    if df.empty:
        problems.append(Problem(None, None, "the file has no data rows"))
    if problems:
        raise fail(problems)
    if layout == "records":
        std, where, extra = extract_records.aggregate(
            df, mapping, indicator, wards, opts, snapshot, count=meta["count"]
        )
    else:
        std, where, extra = _aggregate(df, mapping, wide)
    out = pd.DataFrame(index=std.index)
    inner = list(extra)
    if layout != "records":
        inner += _check_periods(std, indicator, out, opts.academic)
        scheme = _match_wards(std, wards, out, inner, rownum=[w[0] for w in where])
    else:
        out["period"], out["area_code"], scheme = std["period"], std["area_code"], std.attrs["scheme"]
        inner += _overlaps(out["period"].dropna(), indicator)  # as for ward counts: no subtraction across periods
    inner += _check_counts(std, out, count=meta["count"])
    problems = [_locate(p, where, mapping) for p in inner]
    if problems:
        raise fail(problems)
    out["note"] = std["note"] if "note" in std.columns else ""
    written = {}
    if "period_written" in std.columns:
        for label, text in zip(out["period"], std["period_written"]):
            written.setdefault(label, [])
            if text not in written[label]:
                written[label].append(text)
    rows = _to_values(out, meta, scheme, filename, sha)
    return Result(
        True,
        [],
        rows,
        scheme,
        sha,
        mapping=mapping,
        layout=layout,
        columns=columns,
        dropped=dropped,
        written=written,
        denominator=std.attrs.get("denominator", "column"),
    )


def _order(p: Problem):
    return (p.row or 0, p.column or "")


def aliases_of(meta: dict | None) -> set[str]:
    """Header words naming a local indicator (its name, its id with spaces); the catalogue's are in
    loaders.extract_columns.ALIASES."""
    if not meta or not meta.get("local"):
        return set()
    return {meta["name"], meta["id"].replace("_", " ")}


def _mapping(columns, indicator, opts: Options, dropped, problems, aliases=None):
    """{role: header}: explicit choices first, then headers that plainly name a role; problems for a choice
    naming no column, an identifying column, a column chosen twice, or several columns for one role."""
    problems = list(problems)
    explicit = {r: h for r, h in (opts.columns or {}).items() if r in cols.ROLES}
    for role in set(opts.columns or {}) - set(cols.ROLES):
        problems.append(Problem(None, None, f"{_show(role)!r} is not a column role ({', '.join(cols.ROLES)})"))
    mapping: dict[str, str] = {}
    for role, wanted in explicit.items():
        if wanted == cols.NONE or wanted is None:
            mapping[role] = cols.NONE
            continue
        found = cols.find_header(wanted, columns)
        if found is None:
            if cols.find_header(wanted, dropped):
                problems.append(
                    Problem(
                        1,
                        None,
                        f"column {_show(wanted)!r} identifies people and was dropped on read: it cannot be the {role}",
                    )
                )
            else:
                problems.append(
                    Problem(
                        1,
                        None,
                        f"the file has no column {_show(wanted)!r} for the {role} "
                        f"(columns: {', '.join(_show(c) for c in columns[:20])})",
                    )
                )
            continue
        mapping[role] = found
    suggested, ambiguous = cols.suggest([c for c in columns if c not in mapping.values()], indicator, aliases)
    for role, header in suggested.items():
        mapping.setdefault(role, header)
    for role, headers in ambiguous.items():
        if role not in mapping:
            problems.append(
                Problem(
                    1,
                    None,
                    f"ambiguous mapping: columns {', '.join(repr(_show(h)) for h in headers)} "
                    f'all look like the {role}; say which one (--column {role}="...", or '
                    "the column choices on the page)",
                )
            )
    if mapping.get("ward") and (mapping.get("ward_code") or mapping.get("ward_name")) and "ward" not in explicit:
        mapping.pop("ward")
    used = [h for h in mapping.values() if h]
    for h in sorted({h for h in used if used.count(h) > 1}):
        roles = [r for r, x in mapping.items() if x == h]
        problems.append(Problem(1, None, f"column {_show(h)!r} is chosen for several roles ({', '.join(roles)})"))
    return {r: h for r, h in mapping.items() if h or r in explicit}, problems


def _missing(mapping, layout, wide, opts, count: bool = False) -> list[str]:
    has = lambda r: bool(mapping.get(r))  # noqa: E731
    missing = []
    if not (has("ward") or has("ward_code") or has("ward_name") or (layout == "records" and has("lsoa"))):
        missing.append("ward_code or ward_name" + (" or LSOA code" if layout == "records" else ""))
    if layout == "records":
        if not has("period"):
            missing.append("period")
        if opts.denominator == "column" and not has("denominator"):
            missing.append("denominator")
        return missing
    if layout == "wide":
        if not count and not has("denominator") and not all("denominator" in v for v in wide.values()):
            missing.append("denominator (one column, or one per period)")
        return missing
    missing += [r for r in ("period", "numerator", "denominator") if not has(r) and not (count and r == "denominator")]
    return missing


def _split_ward(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A column holding ward codes or names: (codes, names), per cell."""
    code = values.str.upper().where(values.str.upper().str.fullmatch(_CODE.pattern), "")
    return code, values.where(code == "", "")


def _aggregate(df, mapping, wide):
    """One row per ward and period: the standard columns (ward_code, ward_name, period, numerator,
    denominator, note) on a fresh index, and where each row came from (spreadsheet row, {role: header})."""
    base = pd.DataFrame(index=df.index)
    ward = mapping.get("ward")
    if ward:
        base["ward_code"], base["ward_name"] = _split_ward(df[ward])
    else:
        base["ward_code"] = df[mapping["ward_code"]].str.upper() if mapping.get("ward_code") else ""
        base["ward_name"] = df[mapping["ward_name"]] if mapping.get("ward_name") else ""
    base["note"] = df[mapping["note"]] if mapping.get("note") else ""
    roles = {
        "ward_code": mapping.get("ward_code") or ward,
        "ward_name": mapping.get("ward_name") or ward,
        "note": mapping.get("note"),
    }
    parts, where = [], []
    if not wide:
        part = base.copy()
        for role in ("period", "numerator", "denominator"):
            part[role] = df[mapping[role]] if mapping.get(role) else ""  # no denominator: a count
        part["period_written"] = part["period"]
        parts.append(part)
        where += [
            (i, {**roles, **{r: mapping.get(r) for r in ("period", "numerator", "denominator")}}) for i in df.index
        ]
    else:
        for label, pair in wide.items():
            part = base.copy()
            part["period"] = label
            part["period_written"] = pair.get("numerator", label)
            num, den = pair.get("numerator"), pair.get("denominator") or mapping.get("denominator")
            part["numerator"] = df[num] if num else ""
            part["denominator"] = df[den] if den else ""
            if not num:
                continue
            part = part[(part["numerator"].str.strip() != "") | (part["denominator"].str.strip() != "")]
            parts.append(part)
            where += [
                (i, {**roles, "period": pair.get("numerator"), "numerator": num, "denominator": den})
                for i in part.index
            ]
    std = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=[*base.columns, "period", "numerator", "denominator"])
    )
    return std, where, []


def _locate(p: Problem, where, mapping) -> Problem:
    """A problem found on the standard columns, told in the file's own rows and column headers."""
    if p.row is None or p.row >= len(where):
        return Problem(p.row if p.row is None else None, _header(p.column, {}, mapping), p.message)
    row, headers = where[p.row]
    if isinstance(headers, str):  # an aggregate of records: no one row to name
        return Problem(
            None,
            _header(p.column, {}, mapping),
            f"{headers}: {p.column or 'row'} {p.message}"
            if p.column in ("numerator", "denominator")
            else f"{headers}: {p.message}",
        )
    return Problem(row, _header(p.column, headers, mapping), p.message)


def _header(column, headers, mapping):
    if column is None:
        return None
    if column == "ward_code/ward_name":
        names = [
            h
            for h in dict.fromkeys(
                [
                    headers.get("ward_code") or mapping.get("ward_code"),
                    headers.get("ward_name") or mapping.get("ward_name"),
                    mapping.get("ward"),
                    mapping.get("lsoa"),
                ]
            )
            if h
        ]
        return "/".join(names) or column
    return headers.get(column) or mapping.get(column) or column


def _tidy(df: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Cells stripped and NFKC-normalised (notes kept as written); file-level problems."""
    problems = []
    keys = [cols.norm(c) for c in df.columns]
    dup = sorted({c for c, k in zip(df.columns, keys) if keys.count(k) > 1})
    if dup:
        problems.append(Problem(1, None, f"duplicate column names: {dup}"))
        raise _Refused(problems, list(df.columns))
    df = df.fillna("").astype(str)
    df = df.apply(
        lambda col: (col if cols.norm(col.name) in cols._SYNONYMS["note"] else col.str.normalize("NFKC")).str.strip()
    )
    if len(df) > MAX_ROWS:
        problems.append(Problem(None, None, f"{len(df)} rows; the limit is {MAX_ROWS}"))
    return df, problems


def _count(text: str, low: int) -> tuple[float | None, str | None]:
    """A count of people read from a cell: (value, None), or (value if it can be compared, problem)."""
    plain = text.replace(",", "") if _GROUPED.fullmatch(text) else text
    if not _NUMBER.fullmatch(plain):
        return None, f"{_show(text)!r} is not a number"
    v = float(plain)
    if not math.isfinite(v):
        return None, "is not a finite number"
    if v < 0:
        return v, "is negative"
    if v > MAX_COUNT:
        return None, f"is more than {MAX_COUNT:,}: not a number of people in a ward"
    if v != round(v) or v < low:
        return v, "must be a whole number of people" + (" (at least 1)" if low else "")
    return v, None


def _check_counts(df: pd.DataFrame, out: pd.DataFrame, count: bool = False) -> list[Problem]:
    """Numerator and denominator: finite whole numbers of people, 0 (1) to MAX_COUNT, numerator not above.
    ``count``: the indicator is a count alone, so a denominator may be left blank."""
    problems = []
    for col, low in (("numerator", 0), ("denominator", 1)):
        values = []
        for i, text in df[col].items():
            if count and col == "denominator" and not str(text).strip():
                values.append(None)
                continue
            v, problem = _count(text, low)
            values.append(v)
            if problem:
                problems.append(Problem(i, col, problem))
        out[col] = pd.array(values, dtype="Float64")
    larger = (out.numerator > out.denominator).fillna(False)
    problems += [Problem(i, "numerator", "is larger than the denominator") for i in out.index[larger]]
    return problems


def _period(text: str, indicator: str, academic: bool = False) -> tuple[str | None, str | None]:
    """The canonical period label of a cell, in any form councils write (:func:`loaders.periods.written`),
    or a problem. For children looked after (counted at 31 March) a year or a month is that day; an indicator
    with its own convention keeps it (:func:`loaders.periods.for_indicator`: NEET "2024" is ``2023/24``)."""
    try:
        label = periods.written(text, snapshot=indicator in SNAPSHOT_INDICATORS, academic=academic)
        label, start, end = periods.for_indicator(indicator, label)
    except periods.ReversedPeriod:
        return None, (
            f"{_show(text)!r} ends before it starts: write the earlier year first (e.g. 2022-2024, 2021/22-2023/24)"
        )
    except periods.AmbiguousPeriod as e:
        return None, str(e).replace("period ", "", 1)
    except periods.PeriodError:
        start = end = None
    if start is None or not (start.year >= 2000 and end.year <= 2100):
        return None, f"{_show(text)!r} is not a period (e.g. 2024, 2023/24)"
    return label, None


def _check_periods(df: pd.DataFrame, indicator: str, out: pd.DataFrame, academic: bool = False) -> list[Problem]:
    labels, problems = [], []
    for i, text in df["period"].items():
        label, problem = _period(text, indicator, academic)
        labels.append(label)
        if problem:
            problems.append(Problem(i, "period", problem))
    out["period"] = labels
    return problems + _overlaps(out["period"].dropna(), indicator)


def _overlaps(labels: pd.Series, indicator: str) -> list[Problem]:
    """One problem for each period that overlaps one starting no later: a pooled period beside the single
    years it covers would let counts hidden in public mode be worked out by subtraction (15 - 12 = 3).
    Dates are the indicator's (:func:`loaders.periods.for_indicator`)."""
    first_row = {label: row for row, label in labels[~labels.duplicated()].items()}
    problems, reach = [], None  # reach: (end, label) of the period reaching furthest so far
    for start, end, label in sorted((*periods.for_indicator(indicator, lb)[1:], lb) for lb in first_row):
        if reach and start <= reach[0]:
            problems.append(
                Problem(
                    first_row[label],
                    "period",
                    f"period {label} overlaps period {reach[1]} (row {first_row[reach[1]]}): one file "
                    "cannot hold periods that overlap, because counts hidden in public mode could "
                    "then be worked out by subtraction; keep either the pooled period or the years "
                    "it covers",
                )
            )
        if reach is None or end > reach[0]:
            reach = (end, label)
    return problems


def _match_wards(
    df: pd.DataFrame, wards: pd.DataFrame, out: pd.DataFrame, problems: list[Problem], rownum: list | None = None
) -> str | None:
    """Match every row to a ward code, settle the one ward scheme of the file, find duplicate rows.

    Sets ``out.area_code``; appends to ``problems``; returns the scheme (None if it cannot be told)."""
    codes = {sch: set(wards.loc[wards.area_type == sch, "area_code"]) for sch in SCHEMES}
    by_name = {
        sch: {normalise_name(n): c for n, c in wards.loc[wards.area_type == sch, ["area_name", "area_code"]].values}
        for sch in SCHEMES
    }
    matched: dict[int, dict[str, str]] = {}
    for i in df.index:
        code = str(df.at[i, "ward_code"]).upper() if "ward_code" in df.columns else ""
        name = str(df.at[i, "ward_name"]) if "ward_name" in df.columns else ""
        found, problem = _ward(code, name, codes, by_name)
        if problem:
            problems.append(Problem(i, *problem))
        if found:
            matched[i] = found
    scheme = _scheme(matched, problems, rownum)
    if scheme:
        out["area_code"] = [matched[i][scheme] if i in matched else None for i in df.index]
        dup = out.dropna(subset=["area_code", "period"]).duplicated(["area_code", "period"], keep=False)
        for i in dup[dup].index:
            problems.append(
                Problem(i, None, f"duplicate row for ward {out.at[i, 'area_code']} and period {out.at[i, 'period']}")
            )
    return scheme


def _ward(code: str, name: str, codes: dict, by_name: dict) -> tuple[dict[str, str], tuple[str, str] | None]:
    """{scheme: code} for one row's ward code and/or name, and a (column, message) problem if any."""
    if code:
        found = {sch: code for sch in SCHEMES if code in codes[sch]}
        if not found:
            return {}, ("ward_code", f"{_show(code)!r} is not a Bromley ward code")
    elif name:
        key = normalise_name(name)
        found = {sch: by_name[sch][key] for sch in SCHEMES if key in by_name[sch]}
        if not found:
            return {}, ("ward_name", f"{_show(name)!r} is not a Bromley ward name")
    else:
        return {}, ("ward_code/ward_name", "no ward given")
    if code and name and by_name[next(iter(found))].get(normalise_name(name)) != code:
        return found, ("ward_name", f"{_show(name)!r} does not match ward code {code}")
    return found, None


def _scheme(matched: dict[int, dict[str, str]], problems: list[Problem], rownum: list | None = None) -> str | None:
    """The one ward scheme every matched row fits, or None with a problem (rows named by ``rownum[i]``)."""
    if not matched:
        return None
    candidates = {i: set(found) for i, found in matched.items()}
    common = set.intersection(*candidates.values())
    if not common:
        only = {s: [rownum[i] if rownum else i for i, c in candidates.items() if c == {s}] for s in SCHEMES}
        problems.append(
            Problem(
                None,
                "ward_code/ward_name",
                f"the file mixes ward schemes: rows {only['ward2014'][:5]} are 2014-2022 wards, "
                f"rows {only['ward2022'][:5]} are 2022 wards; use one scheme per file",
            )
        )
        return None
    if len(common) == 2:
        problems.append(
            Problem(
                None,
                "ward_name",
                "every ward name exists in both the 2014 and 2022 schemes, so "
                "the scheme cannot be told; add a ward_code column",
            )
        )
        return None
    return common.pop()


def _to_values(out: pd.DataFrame, meta: dict, scheme: str, filename: str, sha: str) -> pd.DataFrame:
    indicator = meta["id"]
    rows = []
    for r in out.itertuples():
        _, start, end = periods.for_indicator(indicator, r.period)
        note = f"LOCAL EXTRACT {filename} (sha256 {sha[:12]})" + (f"; note: {str(r.note)[:300]}" if r.note else "")
        rows.append(
            dict(
                indicator_id=indicator,
                area_code=r.area_code,
                area_type=scheme,
                period=r.period,
                period_start=start,
                period_end=end,
                breakdown="All",
                value=float(r.numerator) if meta["count"] else r.numerator / r.denominator * meta["multiplier"],
                numerator=float(r.numerator),
                denominator=float(r.denominator) if pd.notna(r.denominator) else float("nan"),
                national_decile=pd.NA,
                is_illustrative=False,
                is_estimate=False,
                is_suppressed=False,
                note=note,
                source_id=f"local_{indicator}",
            )
        )
    v = pd.DataFrame(rows)
    ind = pd.DataFrame([{"indicator_id": indicator, "interval": meta["interval"], "multiplier": meta["multiplier"]}])
    v = with_intervals(v, ind)
    from loaders import schema  # noqa: PLC0415 (pandera: only when a file is validated)
    from loaders.rows import finalise_values  # noqa: PLC0415 (pandera: only when a file is validated)

    v = finalise_values(v)
    schema.VALUES.validate(v)
    return v


def _show(s: str) -> str:
    return str(s)[:40]


# --------------------------------------------------------------------------- storage
SOURCE_KEY = b"bwe_source"
CHANGES = "changes.jsonl"
CHANGE_COLUMNS = ["when", "who", "action", "indicator", "file", "sha256", "rows"]
STALE_SECONDS = 60  # a temp file older than this was left by an import that was killed


class StoreError(OSError):
    """Storing or removing an extract failed. The message is for the user: it names no server path."""


def local_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "local"


def cli_actor() -> str:
    """Who is changing the extracts from the command line: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in this environment
        return "cli:unknown"


def read_cli_file(path: Path) -> tuple[bytes | None, str | None]:
    """(the bytes of a file named on the command line, None) or (None, one line saying why it cannot be read)."""
    if not path.is_file():
        return None, f"{path} {'is not a file' if path.exists() else 'not found'}"
    try:
        return path.read_bytes(), None
    except OSError as e:
        return None, f"{path} cannot be read ({e.strerror or type(e).__name__})"


def save(result: Result, indicator: str, filename: str, data_dir: Path, *, actor: str | None = None) -> Path:
    """Write the extract, with its source entry in the Parquet file's metadata, atomically:
    one file, written beside its final name and renamed into place (replacing any earlier one).

    The change is logged (:func:`changes`) by ``actor`` (default :func:`cli_actor`). Temp files left by
    killed imports are removed first. Raises :class:`StoreError` if the disk or folder fails; then
    nothing was stored and the log is as it was."""
    if not result.ok or result.rows is None:
        raise ValueError("only a validated extract can be saved")
    if not _ID.fullmatch(str(indicator)):
        raise ValueError(f"{str(indicator)[:40]!r} is not an indicator id")
    table = _table(result, indicator, filename)
    entry = _change("load", indicator, Path(filename).name, result.sha256, len(result.rows), actor)
    d = local_dir(data_dir)
    path = d / f"{indicator}.parquet"
    try:
        d.mkdir(exist_ok=True)
        with extract_history.locked(d):
            _remove_stale_temps(d)
            version = extract_history.next_version(d, indicator)
            meta = extract_history.entry(
                version,
                "load",
                entry,
                "",
                scheme=result.scheme,
                layout=result.layout,
                periods=result.written,
                mapping=result.mapping,
                denominator=result.denominator,
                dropped=result.dropped,
            )
            _write_atomically(table, path, entry, (d, indicator, version, meta))
            if result.mapping:
                with contextlib.suppress(OSError):  # remembering the mapping is a convenience, never a failure
                    extract_history.remember(d, indicator, result.mapping)
    except OSError as e:
        raise _store_error(e, "nothing was stored") from e
    return path


def rollback(indicator: str, version: int, data_dir: Path, *, actor: str | None = None) -> int:
    """Put version ``version`` of an indicator's extract back in place, byte for byte; it is logged and
    recorded as a new version, whose number is returned. Raises KeyError for an unknown version and
    :class:`StoreError` if the folder cannot be changed (then nothing changed)."""
    if not known_id(indicator, data_dir):
        raise ValueError(f"unknown local indicator {indicator!r}")
    d = local_dir(data_dir)
    if not d.is_dir():
        raise KeyError(f"{indicator} has no version {version}")
    try:
        with extract_history.locked(d):
            src = extract_history.version_path(d, indicator, version)
            data = src.read_bytes()
            old = json.loads(src.with_suffix(".json").read_text("utf-8"))
            entry = _change("rollback", indicator, old.get("file", "?"), old.get("sha256", ""), old.get("rows"), actor)
            new = extract_history.next_version(d, indicator)
            meta = extract_history.entry(
                new,
                "rollback",
                entry,
                "",
                from_version=int(version),
                **{k: old.get(k) for k in ("scheme", "layout", "periods", "mapping", "denominator", "dropped")},
            )
            _write_atomically(data, d / f"{indicator}.parquet", entry, (d, indicator, new, meta))
    except OSError as e:
        raise _store_error(e, "nothing was changed") from e
    return new


def _table(result: Result, indicator: str, filename: str):
    """The values rows as an Arrow table carrying the extract's source entry in its metadata."""
    import pyarrow as pa  # noqa: PLC0415

    source = dict(
        source_id=f"local_{indicator}",
        publisher="London Borough of Bromley (local extract)",
        title=f"Council extract ({Path(filename).name}, {dt.date.today():%d %b %Y}): "
        f"{len(result.rows)} rows, {result.scheme}",
        url="",
        licence="Council data: not for publication without approval",
        attribution="London Borough of Bromley",
        raw_file=Path(filename).name,
        sha256=result.sha256,
    )
    table = pa.Table.from_pandas(result.rows, preserve_index=False)
    return table.replace_schema_metadata({**(table.schema.metadata or {}), SOURCE_KEY: json.dumps(source).encode()})


def _write_atomically(table, path: Path, entry: dict, version: tuple | None = None) -> None:
    """Temp file beside ``path``, fsynced, kept as a history version, logged, renamed into place; the temp
    file never outlives a failure, and neither does the version. ``table``: an Arrow table or the bytes of
    a stored extract (a rollback). ``version``: (local folder, indicator, number, history entry)."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=path.parent)
    os.close(fd)
    staged, committed = [], False
    try:
        if isinstance(table, bytes):
            Path(tmp).write_bytes(table)
        else:
            pq.write_table(table, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        if version is not None:
            local, indicator, number, meta = version
            content = Path(tmp).read_bytes()
            meta = {**meta, "extract_sha256": hashlib.sha256(content).hexdigest()}
            staged = extract_history.stage(local, indicator, number, content, meta)
            extract_history.commit(staged)
            committed = True
        with _logged(path.parent, entry):
            os.replace(tmp, path)
        committed = False
    finally:
        extract_history.discard(staged, committed)
        with contextlib.suppress(OSError):
            os.remove(tmp)


def _remove_stale_temps(d: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for p in [*d.glob(".tmp-*"), *extract_history.history_dir(d).glob("**/.tmp-*")]:
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove
            if p.stat().st_mtime < cutoff:
                p.unlink()


def _store_error(e: OSError, outcome: str) -> StoreError:
    """A StoreError saying what went wrong in words, never with the path in ``e``."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: "the extracts folder (local/ in the data folder) cannot be written: permission denied",
        errno.EPERM: "the extracts folder (local/ in the data folder) cannot be written: permission denied",
        errno.EROFS: "the extracts folder (local/ in the data folder) is on a read-only disk",
        errno.ENOENT: "the data folder does not exist",
        errno.ENOTDIR: "local/ in the data folder is not a folder",
        errno.EEXIST: "local/ in the data folder is not a folder",
    }
    reason = reasons.get(e.errno) or (
        f"the disk or folder failed ({os.strerror(e.errno)})" if e.errno else "the disk or folder failed"
    )
    return StoreError(f"{reason}: {outcome}")


def _change(action: str, indicator: str, file: str, sha256: str, rows: int | None, actor: str | None) -> dict:
    return dict(
        when=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        who=actor or cli_actor(),
        action=action,
        indicator=indicator,
        file=file,
        sha256=sha256,
        rows=rows,
    )


@contextlib.contextmanager
def _logged(d: Path, entry: dict):
    """Append ``entry`` to the change log (one JSON line, fsynced) for the change made in the ``with`` block;
    if the change fails, the entry is taken back and the log is as it was."""
    log = d / CHANGES
    existed = log.exists()
    fd = os.open(log, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        offset = os.fstat(fd).st_size
        try:
            line = json.dumps(entry, ensure_ascii=False).encode() + b"\n"
            if offset and os.pread(fd, 1, offset - 1) != b"\n":
                line = b"\n" + line  # a line cut short by a crash stays on its own
            if os.write(fd, line) != len(line):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            os.fsync(fd)
            yield
        except BaseException:
            os.ftruncate(fd, offset)
            if not existed:
                os.unlink(log)
            raise
    finally:
        os.close(fd)


def history(data_dir: Path, indicator: str) -> pd.DataFrame:
    """Every version of an indicator's extract, oldest first (see :mod:`loaders.extract_history`)."""
    return extract_history.versions(local_dir(data_dir), indicator)


def compare(data_dir: Path, indicator: str, a: int, b: int) -> pd.DataFrame:
    """Two versions of an extract, ward by ward and period by period."""
    return extract_history.compare(local_dir(data_dir), indicator, a, b)


def remembered_mapping(data_dir: Path, indicator: str) -> dict:
    """The column mapping last loaded for ``indicator`` ({role: header})."""
    return extract_history.remembered(local_dir(data_dir), indicator)


def changes(data_dir: Path) -> pd.DataFrame:
    """The change log, oldest first: when (UTC), who, action (load/rollback/remove), indicator, file, sha256, rows.

    For officers only. Lines that cannot be read (cut short by a crash) are skipped."""
    records = []
    try:
        text = (local_dir(data_dir) / CHANGES).read_text("utf-8", errors="replace")
    except FileNotFoundError:
        text = ""
    except OSError as e:
        raise _store_error(e, "the change log cannot be read") from e
    for line in text.splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict):
                records.append(record)
    df = pd.DataFrame(records, columns=CHANGE_COLUMNS)
    df["when"] = pd.to_datetime(df["when"], utc=True, errors="coerce")
    df["rows"] = pd.to_numeric(df["rows"], errors="coerce").astype("Int64")
    return df


def version(data_dir: Path) -> tuple:
    """Changes whenever an extract or a local indicator's definition is added, replaced or removed (also by
    another process, e.g. the CLI): (name, inode, mtime in ns, size) of each extract file, sorted by name, then
    of ``indicators.json`` when there is one."""
    out = []
    defs = local_indicators.path(data_dir)
    for p in [*extract_files(data_dir), *([defs] if defs.is_file() else [])]:
        with contextlib.suppress(FileNotFoundError):  # removed between listing and looking
            st = p.stat()
            out.append((p.name, st.st_ino, st.st_mtime_ns, st.st_size))
    return tuple(out)


def source_entry(path: Path) -> dict:
    """The source entry stored in a local extract's Parquet metadata."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    meta = pq.read_schema(path).metadata or {}
    if SOURCE_KEY not in meta:
        raise ValueError(f"{path.name} has no source entry")
    return json.loads(meta[SOURCE_KEY])


def extract_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in local_dir(data_dir).glob("*.parquet") if not p.name.startswith("."))


def loaded(data_dir: Path) -> pd.DataFrame:
    """The loaded extracts: indicator, file, title, sha256."""
    rows = []
    for p in extract_files(data_dir):
        try:
            s = source_entry(p)
        except Exception:  # unreadable: listed so it can be removed
            s = {"raw_file": "?", "title": "UNREADABLE: remove and load again", "sha256": ""}
        rows.append(dict(indicator_id=p.stem, file=s["raw_file"], title=s["title"], sha256=s["sha256"]))
    return pd.DataFrame(rows, columns=["indicator_id", "file", "title", "sha256"])


def remove(indicator: str, data_dir: Path, *, actor: str | None = None) -> bool:
    """Remove an extract (the illustrative series comes back); logged by ``actor`` (default :func:`cli_actor`).
    False if none was loaded; raises :class:`StoreError` if the folder cannot be changed."""
    if not known_id(indicator, data_dir):
        raise ValueError(f"unknown local indicator {indicator!r}")
    d = local_dir(data_dir)
    p = d / f"{indicator}.parquet"
    if not p.exists():
        return False
    try:
        with extract_history.locked(d):
            if not p.exists():
                return False  # removed meanwhile by another process
            entry = _change("remove", indicator, *_describe(p), actor)
            with _logged(d, entry):
                p.unlink()
    except FileNotFoundError:  # removed meanwhile by another process
        return False
    except OSError as e:
        raise _store_error(e, "nothing was removed") from e
    return True


def _describe(p: Path) -> tuple[str, str, int | None]:
    """File name, sha256 and rows of a stored extract, as far as it can be read."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        s = source_entry(p)
        return s["raw_file"], s["sha256"], pq.read_metadata(p).num_rows
    except Exception:  # unreadable: removed all the same
        return "?", "", None


# --------------------------------------------------------------------------- what a load needs and does
POPULATIONS = {"child_population": "children aged 0-15"}


def wards_of(store) -> pd.DataFrame:
    """Both ward schemes (area_code, area_name, area_type), as :func:`validate` wants them."""
    return pd.concat([store.areas("ward2022"), store.areas("ward2014")])


def lookups_of(store) -> pd.DataFrame | None:
    """The LSOA -> ward best-fit lookups of the store's data folder (None if there are none)."""
    path = Path(store.data_dir) / "lookups.parquet"
    try:
        return pd.read_parquet(path, columns=["from_code", "from_type", "to_code", "to_type"])
    except (OSError, ValueError):
        return None


def population_of(store, indicator: str = "child_population") -> pd.DataFrame:
    """A catalogue population by ward (area_code, area_type, period, period_start, value), every period."""
    parts = []
    opts = store.options(indicator)
    for r in opts[opts.geography.isin(SCHEMES)].itertuples():
        v = store.values(indicator, r.period, r.geography)
        parts.append(v[["area_code", "area_type", "period", "period_start", "value"]])
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["area_code", "area_type", "period", "period_start", "value"])
    )


def options_for(store, **kw) -> Options:
    """:class:`Options` with the store's lookups and catalogue population filled in (``kw`` as Options)."""
    pop_id = kw.pop("population_id", "child_population")
    return Options(
        lookups=lookups_of(store),
        population=population_of(store, pop_id),
        population_label=POPULATIONS.get(pop_id, pop_id),
        local_indicators=local_indicators.load(store.data_dir),
        **kw,
    )


def replaces(result: Result, indicator: str, data_dir: Path, store) -> str:
    """What loading ``result`` would replace, in one sentence for the preview."""

    def when(label: str) -> tuple:  # periods in order of the indicator's dates (NEET: December-February)
        return periods.for_indicator(indicator, label)[1:]

    new = sorted(set(result.rows.period), key=when) if result.rows is not None else []
    path = local_dir(data_dir) / f"{indicator}.parquet"
    if path.is_file():
        try:
            old = pd.read_parquet(path, columns=["period", "area_type"])
            entry = source_entry(path)
        except Exception:  # unreadable: replaced all the same
            return "It replaces the loaded extract, which cannot be read."
        ps = sorted(set(old.period), key=when)
        gone = [p for p in ps if p not in new]
        return (
            f"It replaces the council extract now loaded ({entry.get('raw_file', '?')}: {len(old)} rows, "
            f"{', '.join(sorted(set(old.area_type)))}, periods {', '.join(ps)})"
            + (f"; periods {', '.join(gone)} will no longer be shown." if gone else ".")
        )
    if indicator not in getattr(store, "indicator_ids", ()):
        return f"Nothing is replaced: {indicator} has no figures yet, so this extract is its first."
    opts = store.options(indicator)
    ill = opts[(opts.geography == result.scheme) & opts.illustrative]
    if len(ill):
        ps = sorted(ill.period, key=when)
        return (
            f"It replaces the ILLUSTRATIVE {result.scheme} series ({int(ill.n.sum())} rows, periods "
            f"{', '.join(ps)}): those periods are no longer shown for {result.scheme} wards."
        )
    published = set(opts[opts.geography == result.scheme].period)
    if not published:
        return f"Nothing is replaced: there is no {result.scheme} series for this indicator yet."
    same = [p for p in new if p in published]
    added = [p for p in new if p not in published]
    covered = 0
    for p in same:
        have = set(store.values(indicator, p, result.scheme).area_code)
        covered += len(have & set(result.rows.area_code[result.rows.period == p]))
    bits = []
    if covered:
        bits.append(
            f"It replaces the published {result.scheme} figures for the {covered} ward-period(s) it covers "
            f"(periods {', '.join(same)})"
        )
    if added:
        bits.append(f"{'and adds' if bits else 'It adds'} periods the publication lacks ({', '.join(added)})")
    return (
        ", ".join(bits) + f"; published figures for other {result.scheme} wards and periods stay as published."
        if bits
        else "Nothing is replaced."
    )
