"""Read an uploaded .xlsx workbook safely: checked before it is parsed, parsed in a limited child process.

A workbook is a zip of XML parts, so a small upload can unpack to gigabytes (a "zip bomb"), declare a
sheet of a billion cells, nest elements without end, or expand XML entities ("billion laughs"). Here:

1. The zip's central directory is checked before anything is unpacked: only the parts a plain
   workbook holds, at most ``MAX_MEMBERS`` of them, at most ``MAX_UNPACKED`` bytes declared in all,
   and no part over ``RATIO_FROM`` bytes that unpacks to more than ``MAX_RATIO`` times its stored size.
2. Every part is unpacked as a stream, counting the bytes actually produced (a zip that lies about
   its sizes fails its CRC check), and every XML part is parsed by expat as a stream: no DTD, so no
   entities; at most ``MAX_DEPTH`` levels and ``MAX_ELEMENTS`` elements in all. The sheet's
   ``<dimension>`` is checked before its rows, then rows, cells, columns and text are counted as
   they stream past; the first limit reached refuses the file.
3. That parse runs in a child process (this file, run by the interpreter with no site packages)
   with a CPU-time limit and an address-space limit, and the parent waits at most ``WALL_SECONDS``.

Formulas are never evaluated: a cell with one is reported (row and column). Only the first sheet's
values come back. This module uses only the standard library, so the child starts in a few
milliseconds; it is also the home of the upload limits that ``loaders.extracts`` shares.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from xml.parsers import expat

MAX_BYTES = 5_000_000  # 5 MB upload
MAX_ROWS = 20_000  # data rows (blank rows don't count): a record-level file has one per young person or child
MAX_SCANNED = 100_000  # rows looked at, blank or not
MAX_CELLS = 250_000  # cells in the sheet, empty (formatted) or not
MAX_COLUMNS = 50  # a value beyond column AX is refused
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_TEXT = MAX_BYTES  # characters in all the values returned (no more than a CSV upload could hold)
MAX_UNPACKED = 50_000_000  # bytes, all parts together
MAX_RATIO, RATIO_FROM = 100, 1_000_000  # a part over 1 MB may unpack to at most 100 times its stored size
MAX_MEMBERS = 100
MAX_ELEMENTS = 1_500_000  # XML elements in all parts together
MAX_DEPTH = 40
MAX_FORMULAS_LISTED = 100
CPU_SECONDS = 5  # child process limits
MEMORY_BYTES = 448 * 2**20  # address space: resident memory stays below it
WALL_SECONDS = 8

_PARTS = re.compile(
    r"""
    \[Content_Types\]\.xml | _rels/\.rels | docProps/(app|core|custom)\.xml | docProps/thumbnail\.(jpe?g|png|emf|wmf)
  | xl/(workbook|styles|sharedStrings|calcChain|metadata)\.xml | xl/_rels/workbook\.xml\.rels | xl/theme/theme\d+\.xml
  | xl/worksheets/sheet\d+\.xml | xl/worksheets/_rels/sheet\d+\.xml\.rels | xl/printerSettings/printerSettings\d+\.bin
  | xl/tables/table\d+\.xml | xl/comments\d+\.xml | xl/drawings/vmlDrawing\d+\.vml | xl/persons/person\.xml
  | xl/threadedComments/threadedComment\d+\.xml | customXml/(item|itemProps)\d+\.xml | customXml/_rels/item\d+\.xml\.rels
""",
    re.X,
)
_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")
_CHUNK = 1 << 16


class Refused(Exception):
    """The workbook breaks a limit or is not a plain workbook; the message says which, for the user."""


def unreadable(why: str) -> str:
    return f"the file is not a readable .xlsx workbook ({why})"


def check_directory(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse from the zip's central directory alone, before anything is unpacked."""
    if len(infos) > MAX_MEMBERS:
        raise Refused(f"the workbook holds {len(infos):,} parts; a plain workbook holds a handful")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise Refused(unreadable("DuplicatePart"))
    odd = [n for n in names if not n.endswith("/") and not _PARTS.fullmatch(n)]
    if odd:
        raise Refused(
            f"the workbook holds parts a plain workbook does not ({odd[0][:60]!r}: macros, embedded "
            "objects or other content); copy the values into a new workbook with one sheet"
        )
    if sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise Refused(
            f"the workbook unpacks to more than {MAX_UNPACKED // 1_000_000} MB; an extract of one row per "
            "ward and period is far smaller"
        )
    for i in infos:
        if i.file_size > RATIO_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise Refused(
                f"part {i.filename[:60]!r} unpacks to {i.file_size // max(i.compress_size, 1):,} times its "
                "stored size: that is a zip bomb, not a spreadsheet"
            )


# --------------------------------------------------------------------------- streaming XML
class _Budget:
    """What all parts together may use: unpacked bytes and XML elements."""

    def __init__(self) -> None:
        self.unpacked = 0
        self.elements = 0


def _refuse_dtd(*_args) -> None:
    raise Refused("the workbook's XML declares a DTD or entities, which a spreadsheet never does")


def _stream(zf: zipfile.ZipFile, name: str, budget: _Budget, handler=None) -> None:
    """Unpack one part as a stream, counting bytes; parse it with expat if it is XML (no DTD, bounded depth)."""
    parser = None
    if name.endswith((".xml", ".rels")):
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_dtd
        _attach(parser, handler or _Handler(), budget)
    with zf.open(name) as f:
        while chunk := f.read(_CHUNK):
            budget.unpacked += len(chunk)
            if budget.unpacked > MAX_UNPACKED:
                raise Refused(f"the workbook unpacks to more than {MAX_UNPACKED // 1_000_000} MB")
            if parser:
                parser.Parse(chunk, False)
    if parser:
        parser.Parse(b"", True)


def _attach(parser, handler: _Handler, budget: _Budget) -> None:
    """Route expat's events to ``handler`` by local name, counting depth and elements against the limits."""
    depth = 0

    def start(name, attrs):
        nonlocal depth
        depth += 1
        budget.elements += 1
        if depth > MAX_DEPTH:
            raise Refused(f"the workbook's XML is nested more than {MAX_DEPTH} levels deep")
        if budget.elements > MAX_ELEMENTS:
            raise Refused(f"the workbook's XML has more than {MAX_ELEMENTS:,} elements")
        handler.start(name.rpartition(" ")[2], attrs)

    def end(name):
        nonlocal depth
        depth -= 1
        handler.end(name.rpartition(" ")[2])

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = handler.text


class _Handler:
    """Checks well-formedness only; subclasses collect what they need."""

    def start(self, name: str, attrs: dict) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class _Text(_Handler):
    """Collects the text of selected elements, at most MAX_CELL_CHARS per value."""

    def __init__(self) -> None:
        self.buf: list[str] | None = None
        self.size = 0

    def begin(self) -> None:
        self.buf, self.size = [], 0

    def text(self, data: str) -> None:
        if self.buf is not None:
            self.size += len(data)
            if self.size > MAX_CELL_CHARS:
                raise Refused(f"a cell holds more than {MAX_CELL_CHARS:,} characters (Excel's own limit)")
            self.buf.append(data)

    def take(self) -> str:
        s, self.buf = "".join(self.buf or ()), None
        return s


class _Workbook(_Handler):
    def __init__(self) -> None:
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)

    def start(self, name, attrs):
        if name == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith(" id")), "")
            self.sheets.append((attrs.get("name", "?"), rid))


class _Rels(_Handler):
    def __init__(self) -> None:
        self.targets: dict[str, str] = {}

    def start(self, name, attrs):
        if name == "Relationship":
            self.targets[attrs.get("Id", "")] = attrs.get("Target", "")


class _SharedStrings(_Text):
    def __init__(self) -> None:
        super().__init__()
        self.strings: list[str] = []
        self.parts: list[str] | None = None
        self.length = 0  # characters in the current string
        self.phonetic = False

    def start(self, name, attrs):
        if name == "sst" and int(attrs.get("uniqueCount", "0") or 0) > MAX_CELLS:
            raise Refused(f"the workbook declares more than {MAX_CELLS:,} different texts")
        if name == "si":
            self.parts, self.length = [], 0
            if len(self.strings) >= MAX_CELLS:
                raise Refused(f"the workbook holds more than {MAX_CELLS:,} different texts")
        elif name == "rPh":
            self.phonetic = True
        elif name == "t" and self.parts is not None and not self.phonetic:
            self.begin()

    def end(self, name):
        if name == "t" and self.buf is not None:
            self.parts.append(self.take())
            self.length += len(self.parts[-1])
            if self.length > MAX_CELL_CHARS:
                raise Refused(f"a cell holds more than {MAX_CELL_CHARS:,} characters (Excel's own limit)")
        elif name == "rPh":
            self.phonetic = False
        elif name == "si":
            self.strings.append("".join(self.parts))
            self.parts = None


class _Sheet(_Text):
    """Rows of the sheet as (row number, cell texts), blank rows left out; formulas listed as problems."""

    def __init__(self, strings: list[str]) -> None:
        super().__init__()
        self.strings = strings
        self.rows: list[tuple[int, list[str]]] = []
        self.formulas: list[tuple[int, str]] = []
        self.row_num = self.col = self.cells = self.chars = 0
        self.values: dict[int, str] = {}
        self.cell: dict | None = None

    def start(self, name, attrs):
        if name == "dimension":
            _check_dimension(attrs.get("ref", ""))
        elif name == "row":
            self._start_row(attrs)
        elif name == "c":
            self._start_cell(attrs)
        elif self.cell is not None:
            if name == "f":
                self.cell["formula"] = True
            elif name == "v" or (name == "t" and self.cell["type"] == "inlineStr"):
                self.begin()
            elif name == "rPh":
                self.cell["phonetic"] = True

    def _start_row(self, attrs):
        num = int(attrs.get("r") or self.row_num + 1)
        if num <= self.row_num:
            raise Refused(unreadable("RowsOutOfOrder"))
        if num > MAX_SCANNED:
            raise Refused(f"more than {MAX_SCANNED:,} rows in the sheet")
        self.row_num, self.col, self.values = num, 0, {}

    def _start_cell(self, attrs):
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise Refused(f"the sheet has more than {MAX_CELLS:,} cells (empty or not); delete unused rows and columns")
        ref = _REF.fullmatch(attrs.get("r", ""))
        self.col = _column_number(ref[1]) if ref else self.col + 1
        self.cell = {"type": attrs.get("t", "n"), "formula": False, "value": "", "phonetic": False}

    def end(self, name):
        if name in ("v", "t") and self.buf is not None:
            text = self.take()
            if not self.cell["phonetic"]:
                self.cell["value"] += text
        elif name == "rPh" and self.cell is not None:
            self.cell["phonetic"] = False
        elif name == "c" and self.cell is not None:
            self._end_cell()
        elif name == "row":
            self._end_row()

    def _end_cell(self):
        cell, self.cell = self.cell, None
        if cell["formula"] and len(self.formulas) <= MAX_FORMULAS_LISTED:
            self.formulas.append((self.row_num, _column_letters(self.col)))
        value = _cell_text(cell, self.strings)
        if not value:
            return
        if self.col > MAX_COLUMNS:
            raise Refused(
                f"cell {_column_letters(self.col)}{self.row_num} holds a value; keep the extract within the "
                f"first {MAX_COLUMNS} columns (A to {_column_letters(MAX_COLUMNS)})"
            )
        self.chars += len(value)
        if self.chars > MAX_TEXT:
            raise Refused(f"the sheet holds more than {MAX_TEXT:,} characters of text")
        self.values[self.col] = value

    def _end_row(self):
        if any(v.strip() for v in self.values.values()):
            if len(self.rows) > MAX_ROWS:  # the header and MAX_ROWS data rows
                raise Refused(f"more than {MAX_ROWS:,} rows")
            self.rows.append((self.row_num, [self.values.get(c, "") for c in range(1, max(self.values) + 1)]))
        self.values = {}


def _cell_text(cell: dict, strings: list[str]) -> str:
    kind, value = cell["type"], cell["value"]
    if kind == "s":
        try:
            return strings[int(value)]
        except (ValueError, IndexError):
            raise Refused(unreadable("BadSharedString")) from None
    if kind == "b":
        return {"1": "TRUE", "0": "FALSE"}.get(value.strip(), value)
    return value


def _check_dimension(ref: str) -> None:
    """The sheet's declared used range, checked before any of its rows are read."""
    corners = [_REF.fullmatch(p) for p in ref.split(":")]
    if not ref or len(corners) > 2 or not all(corners):
        return  # no usable declaration: rows and cells are still counted as they stream past
    (c0, r0), (c1, r1) = [(_column_number(m[1]), int(m[2])) for m in (corners[0], corners[-1])]
    if r1 > MAX_SCANNED:
        raise Refused(
            f"the sheet's used range ({ref[:30]}) runs to row {r1:,}; the limit is {MAX_SCANNED:,} rows: "
            "delete the unused rows"
        )
    cells = (abs(r1 - r0) + 1) * (abs(c1 - c0) + 1)
    if cells > MAX_CELLS:
        raise Refused(
            f"the sheet's used range ({ref[:30]}) has {cells:,} cells; the limit is {MAX_CELLS:,}: delete "
            "unused rows and columns"
        )


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# --------------------------------------------------------------------------- the parse (in the child)
def parse(data: bytes) -> tuple[list[tuple[int, list[str]]], list[tuple[int | None, str | None, str]]]:
    """Rows of the only sheet and problems (row, column, message); raises :class:`Refused` or a parse error."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        check_directory(infos)
        names = {i.filename for i in infos}
        budget = _Budget()
        for required in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            if required not in names:
                raise Refused(unreadable("MissingPart"))
        book, rels = _Workbook(), _Rels()
        _stream(zf, "xl/workbook.xml", budget, book)
        _stream(zf, "xl/_rels/workbook.xml.rels", budget, rels)
        if len(book.sheets) != 1:
            listed = ", ".join(n for n, _ in book.sheets[:5])
            raise Refused(
                f"the workbook has {len(book.sheets)} sheets ({listed}); keep only the sheet with the extract"
            )
        target = rels.targets.get(book.sheets[0][1], "")
        sheet_name = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if sheet_name not in names:
            raise Refused(unreadable("MissingSheet"))
        strings = _SharedStrings()
        if "xl/sharedStrings.xml" in names:
            _stream(zf, "xl/sharedStrings.xml", budget, strings)
        sheet = _Sheet(strings.strings)
        _stream(zf, sheet_name, budget, sheet)
        done = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", sheet_name}
        for name in sorted(names - done):
            if not name.endswith("/"):
                _stream(zf, name, budget)  # every other part: unpacked (sizes, CRC) and, if XML, well-formed
    return sheet.rows, _formula_problems(sheet.formulas)


def _formula_problems(formulas: list[tuple[int, str]]) -> list[tuple[int | None, str | None, str]]:
    listed = [(row, col, "contains a formula; paste values only") for row, col in formulas[:MAX_FORMULAS_LISTED]]
    if len(formulas) > MAX_FORMULAS_LISTED:
        listed.append((None, None, f"more than {MAX_FORMULAS_LISTED} cells contain formulas; paste values only"))
    return listed


def _child_main() -> None:
    """Run as a script: limit this process, read the workbook from stdin, write JSON to stdout."""
    import resource  # noqa: PLC0415 (POSIX only, and only needed here)

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    try:
        rows, problems = parse(data)
        out = {"rows": rows, "problems": problems}
    except Refused as e:
        out = {"refused": str(e)}
    except MemoryError:
        out = {"refused": "the workbook needs more memory to read than an extract ever should"}
    except Exception as e:  # any failure to unpack or parse: not a usable workbook
        out = {"refused": unreadable(type(e).__name__)}
    sys.stdout.write(json.dumps(out, ensure_ascii=False))


# --------------------------------------------------------------------------- the parent
def read(data: bytes) -> tuple[list | None, list[tuple[int | None, str | None, str]]]:
    """Rows (spreadsheet row number, cell texts) of a workbook's only sheet, or None with problems.

    The central directory is checked here; the rest runs in a child process with CPU, memory and
    wall-clock limits (see the module docstring).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_directory(zf.infolist())
    except Refused as e:
        return None, [(None, None, str(e))]
    except Exception as e:  # not a zip at all, or a damaged one
        return None, [(None, None, unreadable(type(e).__name__))]
    out = _run_child(data)
    if "refused" in out:
        return None, [(None, None, out["refused"])]
    if out["problems"]:
        return None, [tuple(p) for p in out["problems"]]
    return [(num, vals) for num, vals in out["rows"]], []


def _run_child(data: bytes) -> dict:
    too_long = {
        "refused": f"the workbook could not be read within {WALL_SECONDS} seconds; an extract of one row per "
        "ward and period takes well under one"
    }
    try:
        p = subprocess.run(
            [sys.executable, "-I", "-S", __file__], input=data, capture_output=True, timeout=WALL_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return too_long
    if p.returncode != 0:  # killed at its CPU-time limit (SIGXCPU), or failed to start
        return too_long if p.returncode in (-24, -9) else {"refused": unreadable("ReaderFailed")}
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"refused": unreadable("ReaderFailed")}


if __name__ == "__main__":
    _child_main()
