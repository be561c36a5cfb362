"""A streaming reader for OpenDocument spreadsheets (.ods): only the sheets asked for, as rows of cells.

pandas' ``odf`` engine builds the whole document tree (a 3 MB workbook is 42 MB of XML) and needs
odfpy; this walks ``content.xml`` once with lxml's ``iterparse``, keeps only the wanted sheets and
frees each row as soon as it is read. A numeric cell gives its ``office:value`` as a float (full
precision, not the displayed text); any other cell gives its text ('' when empty).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_MAX_REPEAT = 64  # trailing empty cells are written as one cell repeated ~16,000 times


class OdsError(ValueError):
    pass


def read_sheets(path: Path | str, sheets: set[str] | list[str]) -> dict[str, list[list]]:
    """``{sheet name: [row, ...]}`` for each wanted sheet; each row a list of cells, trailing blanks dropped."""
    wanted = set(sheets)
    out: dict[str, list[list]] = {}
    try:
        with zipfile.ZipFile(path) as z, z.open("content.xml") as f:
            current = None
            for event, el in etree.iterparse(f, events=("start", "end"), tag=(_T + "table", _T + "table-row")):
                if el.tag == _T + "table":
                    if event == "start":
                        name = el.get(_T + "name")
                        current = out.setdefault(name, []) if name in wanted else None
                    else:
                        el.clear()
                        current = None
                    continue
                if event != "end":
                    continue
                if current is not None:
                    current.extend([_cells(el)] * min(int(el.get(_T + "number-rows-repeated", "1")), _MAX_REPEAT))
                el.clear()
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as e:
        raise OdsError(f"{Path(path).name}: not a readable OpenDocument spreadsheet ({e})") from e
    missing = wanted - set(out)
    if missing:
        raise OdsError(f"{Path(path).name}: sheet(s) {sorted(missing)} missing")
    return out


def _cells(row) -> list:
    cells: list = []
    for c in row:
        if c.tag != _T + "table-cell" and c.tag != _T + "covered-table-cell":
            continue
        rep = min(int(c.get(_T + "number-columns-repeated", "1")), _MAX_REPEAT)
        kind = c.get(_O + "value-type")
        if kind in ("float", "percentage", "currency"):
            v = float(c.get(_O + "value"))
        else:
            v = "\n".join("".join(p.itertext()) for p in c)  # one text:p per line
        cells.extend([v] * rep)
    while cells and cells[-1] == "":
        cells.pop()
    return cells
