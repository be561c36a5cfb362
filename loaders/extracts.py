"""A council's own ward extract (NEET, children looked after): validate, then store.

The file is CSV (UTF-8) or XLSX (one sheet, values only) with one row per ward and
period. Columns (case and spacing don't matter):

    ward_code or ward_name   (either or both)
    period                   e.g. 2024, 2023/24, 31 Mar 2024
    numerator, denominator   counts (children NEET / cohort; children looked after / children 0-17)
    note                     optional, free text

Everything is checked before anything is stored, and every problem is reported at
once with its row number (as in the spreadsheet: header = row 1) and column.
Nothing in a file is executed or evaluated: XLSX is read with formulas refused.
Accepted extracts are written atomically to ``data/local/`` (git-ignored) and
replace the illustrative series of that indicator everywhere.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from loaders import periods
from loaders.catalogue import INDICATORS
from loaders.intervals import with_intervals

MAX_BYTES = 5_000_000  # 5 MB, as the message says
MAX_ROWS = 5000  # data rows (blank rows don't count)
MAX_SCANNED = 100_000  # lines looked at, blank or not
LOCAL_INDICATORS = {"neet": "16-17 year olds NEET", "cla_rate": "Children looked after (rate per 10,000)"}
SCHEMES = ("ward2022", "ward2014")
TEMPLATE = ("ward_code,ward_name,period,numerator,denominator,note\n"
            "E05014002,Penge & Cator,2024,31,310,example row: replace with your own\n"
            ",Mottingham,2024,22,280,a name alone is fine\n")


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
        return None, [Problem(None, None, f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES // 1e6:.0f} MB")]
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return None, [Problem(None, None, "the file is UTF-16 text; save it as 'CSV UTF-8'")]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            return None, [Problem(None, None, f"the file is not UTF-8 text (byte {data[e.start]:#04x} at position "
                                              f"{e.start}); in Excel use Save As > 'CSV UTF-8'")]
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
            return None, [Problem(None, None, f"more than {MAX_SCANNED:,} lines; the extract should be one row per "
                                              "ward and period")]
        if not any(str(v).strip() for v in rec):
            continue
        if len(body) >= MAX_ROWS:
            return None, [Problem(None, None, f"more than {MAX_ROWS:,} rows")]
        broken = [i for i, v in enumerate(rec) if "\n" in str(v) or "\r" in str(v)]
        if broken:
            return None, [Problem(num, None, "a cell contains a line break (an unclosed quote?); remove line breaks "
                                             "from cells and save again")]
        if header is None:
            header = [str(c).strip() for c in rec]
            continue
        extra = [v for v in rec[len(header):] if str(v).strip()]
        if extra:
            problems.append(Problem(num, None, f"has {len(rec)} values but the header has {len(header)} columns"))
        body.append((num, [str(v) for v in rec[:len(header)]] + [""] * (len(header) - len(rec))))
    if header is None:
        return None, [Problem(None, None, "the file is empty")]
    if problems:
        return None, problems
    df = pd.DataFrame([r for _, r in body], columns=header, index=[n for n, _ in body], dtype=str)
    return df, []


def _read_xlsx(data: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    import openpyxl  # read values only; formulas are refused, never evaluated

    rows, problems = [], []
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheets = wb.sheetnames
            if len(sheets) != 1:
                return None, [Problem(None, None, f"the workbook has {len(sheets)} sheets ({', '.join(sheets[:5])}); "
                                                  "keep only the sheet with the extract")]
            for i, row in enumerate(wb[sheets[0]].iter_rows(values_only=False), start=1):
                if i > MAX_SCANNED:
                    return None, [Problem(None, None, f"more than {MAX_SCANNED:,} rows in the sheet")]
                vals = []
                for cell in row:
                    if cell.data_type == "f":
                        problems.append(Problem(i, getattr(cell, "column_letter", None),
                                                "contains a formula; paste values only"))
                    vals.append("" if cell.value is None else str(cell.value))
                rows.append((i, vals))
        finally:
            wb.close()
    except Exception as e:  # any failure to parse the workbook's XML or zip: not a usable workbook
        return None, [Problem(None, None, f"the file is not a readable .xlsx workbook ({type(e).__name__})")]
    if problems:
        return None, problems
    return _frame_from_rows(rows)


def validate(data: bytes, filename: str, indicator: str, wards: pd.DataFrame) -> Result:
    """Check a file against everything at once. ``wards``: area_code, area_name, area_type (both schemes)."""
    sha = hashlib.sha256(data).hexdigest()
    if indicator not in LOCAL_INDICATORS:
        return Result(False, [Problem(None, None, f"indicator must be one of {', '.join(LOCAL_INDICATORS)}")], sha256=sha)
    df, problems = _read(data, filename)
    if df is None:
        return Result(False, problems, sha256=sha)
    df.columns = [re.sub(r"\s+", "_", str(c).strip().lower()) for c in df.columns]
    if df.columns.duplicated().any():
        problems.append(Problem(1, None, f"duplicate column names: {sorted(set(df.columns[df.columns.duplicated()]))}"))
    missing = [c for c in ("period", "numerator", "denominator") if c not in df.columns]
    if "ward_code" not in df.columns and "ward_name" not in df.columns:
        missing.insert(0, "ward_code or ward_name")
    if missing:
        problems.append(Problem(1, None, f"missing column(s): {', '.join(missing)} (see the template)"))
    df = df.fillna("").astype(str).apply(lambda col: col.str.strip())
    if df.empty:
        problems.append(Problem(None, None, "the file has no data rows"))
    if len(df) > MAX_ROWS:
        problems.append(Problem(None, None, f"{len(df)} rows; the limit is {MAX_ROWS}"))
    if problems:
        return Result(False, problems, sha256=sha)

    codes = {sch: set(wards.loc[wards.area_type == sch, "area_code"]) for sch in SCHEMES}
    by_name = {sch: {normalise_name(n): c for n, c in wards.loc[wards.area_type == sch, ["area_name", "area_code"]].values}
               for sch in SCHEMES}
    out = pd.DataFrame(index=df.index)
    # --- numbers
    for col in ("numerator", "denominator"):
        num = pd.to_numeric(df[col].str.replace(",", "", regex=False), errors="coerce")
        for i in df.index[num.isna()]:
            problems.append(Problem(i, col, f"{_show(df.at[i, col])!r} is not a number"))
        for i in df.index[num.notna() & ~np.isfinite(num.fillna(0))]:
            problems.append(Problem(i, col, "is not a finite number"))
        for i in df.index[num < 0]:
            problems.append(Problem(i, col, "is negative"))
        out[col] = num
    for col, low in (("numerator", 0), ("denominator", 1)):
        v = out[col]
        for i in df.index[v.notna() & np.isfinite(v.fillna(0)) & (v >= 0) & ((v != np.round(v)) | (v < low))]:
            problems.append(Problem(i, col, "must be a whole number of people" + (" (at least 1)" if low else "")))
    for i in df.index[out.numerator > out.denominator]:
        problems.append(Problem(i, "numerator", "is larger than the denominator"))
    # --- periods
    labels = []
    for i in df.index:
        p = df.at[i, "period"]
        if indicator == "cla_rate" and re.fullmatch(r"\d{4}", p):
            p = f"31 Mar {p}"  # DfE counts children looked after at 31 March
        try:
            start, end = periods.bounds(p)
            if not 2000 <= start.year <= 2100:
                raise periods.PeriodError("year out of range")
            labels.append(p)
        except periods.PeriodError:
            labels.append(None)
            problems.append(Problem(i, "period",
                                    f"{_show(df.at[i, 'period'])!r} is not a period (e.g. 2024, 2023/24)"))
    out["period"] = labels
    # --- wards and scheme
    candidates: dict[int, set[str]] = {}
    matched: dict[int, dict[str, str]] = {}
    for i in df.index:
        r = i
        code = df.at[i, "ward_code"].upper() if "ward_code" in df.columns else ""
        name = df.at[i, "ward_name"] if "ward_name" in df.columns else ""
        if code:
            found = {sch: code for sch in SCHEMES if code in codes[sch]}
            if not found:
                problems.append(Problem(r, "ward_code", f"{_show(code)!r} is not a Bromley ward code"))
                continue
        elif name:
            key = normalise_name(name)
            found = {sch: by_name[sch][key] for sch in SCHEMES if key in by_name[sch]}
            if not found:
                problems.append(Problem(r, "ward_name", f"{_show(name)!r} is not a Bromley ward name"))
                continue
        else:
            problems.append(Problem(r, "ward_code/ward_name", "no ward given"))
            continue
        if code and name:
            key = normalise_name(name)
            sch = next(iter(found))
            if by_name[sch].get(key) != code:
                problems.append(Problem(r, "ward_name", f"{_show(name)!r} does not match ward code {code}"))
        candidates[i] = set(found)
        matched[i] = found
    scheme = None
    if candidates:
        common = set.intersection(*candidates.values())
        if not common:
            only = {s: [i for i, c in candidates.items() if c == {s}] for s in SCHEMES}
            problems.append(Problem(None, "ward_code/ward_name",
                                    f"the file mixes ward schemes: rows {only['ward2014'][:5]} are 2014-2022 wards, "
                                    f"rows {only['ward2022'][:5]} are 2022 wards; use one scheme per file"))
        elif len(common) == 2:
            problems.append(Problem(None, "ward_name", "every ward name exists in both the 2014 and 2022 schemes, so "
                                                       "the scheme cannot be told; add a ward_code column"))
        else:
            scheme = common.pop()
    if scheme:
        out["area_code"] = [matched[i][scheme] if i in matched else None for i in df.index]
        dup = out.dropna(subset=["area_code", "period"]).duplicated(["area_code", "period"], keep=False)
        for i in dup[dup].index:
            problems.append(Problem(i, None,
                                    f"duplicate row for ward {out.at[i, 'area_code']} and period {out.at[i, 'period']}"))
    if problems:
        return Result(False, sorted(problems, key=lambda p: (p.row or 0, p.column or "")), sha256=sha)
    out["note"] = df["note"] if "note" in df.columns else ""
    return Result(True, [], _to_values(out, indicator, scheme, filename, sha), scheme, sha)


def _to_values(out: pd.DataFrame, indicator: str, scheme: str, filename: str, sha: str) -> pd.DataFrame:
    meta = next(i for i in INDICATORS if i["id"] == indicator)
    rows = []
    for r in out.itertuples():
        start, end = periods.bounds(r.period)
        note = f"LOCAL EXTRACT {filename} (sha256 {sha[:12]})" + (f"; note: {str(r.note)[:300]}" if r.note else "")
        rows.append(dict(indicator_id=indicator, area_code=r.area_code, area_type=scheme, period=r.period,
                         period_start=start, period_end=end, breakdown="All",
                         value=r.numerator / r.denominator * meta["multiplier"], numerator=float(r.numerator),
                         denominator=float(r.denominator), national_decile=pd.NA, is_illustrative=False,
                         is_estimate=False, is_suppressed=False, note=note, source_id=f"local_{indicator}"))
    v = pd.DataFrame(rows)
    ind = pd.DataFrame(INDICATORS).rename(columns={"id": "indicator_id"})
    v = with_intervals(v, ind)
    from loaders import schema  # noqa: PLC0415 (pandera: only when a file is validated)
    from loaders.build import finalise_values  # noqa: PLC0415 (build imports this module's neighbours)

    v = finalise_values(v)
    schema.VALUES.validate(v)
    return v


def _show(s: str) -> str:
    return str(s)[:40]


# --------------------------------------------------------------------------- storage
def local_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "local"


SOURCE_KEY = b"bwe_source"


def save(result: Result, indicator: str, filename: str, data_dir: Path) -> Path:
    """Write the extract, with its source entry in the Parquet file's metadata, atomically:
    one file, written beside its final name and renamed into place (replacing any earlier one)."""
    if not result.ok or result.rows is None:
        raise ValueError("only a validated extract can be saved")
    import json  # noqa: PLC0415

    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    source = dict(
        source_id=f"local_{indicator}", publisher="London Borough of Bromley (local extract)",
        title=f"Local extract, loaded {dt.date.today():%d %b %Y}, by file {Path(filename).name}, "
              f"{len(result.rows)} rows, {result.scheme}",
        url="", licence="Council data: not for publication without approval",
        attribution="London Borough of Bromley", raw_file=Path(filename).name, sha256=result.sha256)
    table = pa.Table.from_pandas(result.rows, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), SOURCE_KEY: json.dumps(source).encode()})
    d = local_dir(data_dir)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{indicator}.parquet"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=d)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def source_entry(path: Path) -> dict:
    """The source entry stored in a local extract's Parquet metadata."""
    import json  # noqa: PLC0415

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


def remove(indicator: str, data_dir: Path) -> bool:
    if indicator not in LOCAL_INDICATORS:
        raise ValueError(f"unknown local indicator {indicator!r}")
    p = local_dir(data_dir) / f"{indicator}.parquet"
    if p.exists():
        p.unlink()
        return True
    return False
