"""Period labels and their sortable start and end dates.

Labels are kept as publishers write them; every label maps to a start and end
date so periods sort and line up on a time axis.

    "2019"                -> 2019-01-01 .. 2019-12-31   (calendar or index year)
    "2017/18"             -> 2017-04-01 .. 2018-03-31   (financial / academic year)
    "2011/12-2013/14"     -> 2011-04-01 .. 2014-03-31   (pooled years)
    "2020/21 - 24/25"     -> 2020-04-01 .. 2025-03-31
    "2022-2024"           -> 2022-01-01 .. 2024-12-31   (pooled calendar years)
    "31 Mar 2023"         -> 2023-03-31 .. 2023-03-31   (snapshot)
    "mid-2015"            -> 2015-06-30 .. 2015-06-30   (mid-year estimate)
    "30 Sep 2024"         -> 2024-09-30 .. 2024-09-30   (any other snapshot date)
    "Mar 2024"            -> 2024-03-01 .. 2024-03-31   (month)
    "Q4 2023/24"          -> 2024-01-01 .. 2024-03-31   (quarter of a financial year)
    "AY 2023/24"          -> 2023-09-01 .. 2024-08-31   (academic year)

An indicator may keep its own convention for a label (:func:`for_indicator`): DfE's NEET figures are the
average of December-February, published as "2024" and labelled here as the council does, "2023/24"
(2023-12-01 .. 2024-02-29).

:func:`canonical` gives the one spelling of a label typed by a person (full-width
digits, en dashes, spacing and case do not make a second period). :func:`written`
reads the forms councils write (``FY2023/24``, ``2023-24``, ``Mar-24``, ``March 2024``,
``2024-03``, ``31/03/2024``, ``Q4 2023/24``, an Excel date serial...) into one of these
labels, and :func:`resolve` finds the label a person meant among a series' labels
(``2023`` for "31 Mar 2023").
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

_YEAR = re.compile(r"^(\d{4})$")
_FY = re.compile(r"^(\d{4})/(\d{2})$")
_POOLED = re.compile(r"^(\d{4})/\d{2}\s*-\s*(?:(\d{2})|(\d{4}))/(\d{2})$")
_YEARS = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")
_SNAP = re.compile(r"^(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4})$")
_MONTH = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4})$")
_QUARTER = re.compile(r"^Q([1-4]) (\d{4})/(\d{2})$")
_AY = re.compile(r"^AY (\d{4})/(\d{2})$")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MID = re.compile(r"^mid-(\d{4})$")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
_MAX_SHORT_SPAN = 20  # "1999/00-01/02": a two-digit end year crosses the century only for a short span


class PeriodError(ValueError):
    pass


class ReversedPeriod(PeriodError):
    """A pooled period whose end comes before its start (e.g. 2024-2022)."""


def bounds(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    try:
        return _bounds(label)
    except (ValueError, OverflowError) as e:  # e.g. year 0: not a date at all
        if isinstance(e, PeriodError):
            raise
        raise PeriodError(f"period {label!r} is not a real date range") from e


def _bounds(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    s = str(label).strip()
    if m := _YEAR.match(s):
        y = int(m[1])
        return pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31)
    if m := _FY.match(s):
        y = int(m[1])
        if (y + 1) % 100 != int(m[2]):
            raise PeriodError(f"period {label!r}: second year does not follow the first")
        return pd.Timestamp(y, 4, 1), pd.Timestamp(y + 1, 3, 31)
    if m := _POOLED.match(s):
        y0 = int(m[1])
        if m[3]:  # the last year written in full: no guessing the century
            y1 = int(m[3]) + 1
        else:
            y1 = y0 // 100 * 100 + int(m[2]) + 1
            y1 += 100 if y1 < y0 else 0
        if y1 <= y0:
            raise ReversedPeriod(f"period {label!r} ends before it starts")
        return pd.Timestamp(y0, 4, 1), pd.Timestamp(y1, 3, 31)
    if m := _YEARS.match(s):
        y0, y1 = int(m[1]), int(m[2])
        if y1 < y0:
            raise ReversedPeriod(f"period {label!r} ends before it starts")
        return pd.Timestamp(y0, 1, 1), pd.Timestamp(y1, 12, 31)
    if m := _SNAP.match(s):
        d = pd.Timestamp(int(m[3]), MONTHS.index(m[2]) + 1, int(m[1]))
        return d, d
    if m := _MONTH.match(s):
        start = pd.Timestamp(int(m[2]), MONTHS.index(m[1]) + 1, 1)
        return start, start + pd.offsets.MonthEnd(0)
    if m := _QUARTER.match(s):
        y = _fy_start(label, m[2], m[3])
        start = pd.Timestamp(y, 4, 1) + pd.DateOffset(months=3 * (int(m[1]) - 1))
        return start, start + pd.DateOffset(months=3) - pd.Timedelta(days=1)
    if m := _AY.match(s):
        y = _fy_start(label, m[1], m[2])
        return pd.Timestamp(y, 9, 1), pd.Timestamp(y + 1, 8, 31)
    if m := _MID.match(s):
        d = pd.Timestamp(int(m[1]), 6, 30)
        return d, d
    raise PeriodError(f"period {label!r} is not a recognised form (e.g. 2019, 2017/18, 2011/12-2013/14)")


def _fy_start(label: str, first: str, second: str) -> int:
    y = int(first)
    if (y + 1) % 100 != int(second):
        raise PeriodError(f"period {label!r}: second year does not follow the first")
    return y


def canonical(label: str) -> str:
    """The one spelling of a period label, for labels typed by people.

    Unicode is NFKC-normalised (full-width digits become ASCII), dashes become hyphens, spaces around
    '-' and '/' go, and case is fixed: '２０２１/22 – 2023/24' and '2021/22-2023/24' are the same
    period. Raises :class:`PeriodError` for anything :func:`bounds` would not read, and
    :class:`ReversedPeriod` for a pooled period that ends before it starts.
    """
    s = unicodedata.normalize("NFKC", str(label)).translate(_DASHES)
    s = re.sub(r"\s*([-/])\s*", r"\1", " ".join(s.split())).lower()
    if not s.isascii():  # e.g. Arabic-Indic digits, which \d would read as a year
        raise PeriodError(f"period {label!r} is not a recognised form")
    if m := re.fullmatch(r"(\d{4})/(\d{2})-(\d{2}|\d{4})/(\d{2})", s):
        return _canonical_pooled(label, int(m[1]), m[2], m[3], m[4])
    if m := re.fullmatch(r"(\d{4})-(\d{4})", s):
        bounds(s)
        return m[1] if m[1] == m[2] else s
    s = re.sub(r"^(\d{1,2}) ([a-z]{3}) ", lambda m: f"{int(m[1])} {m[2].title()} ", s)
    s = re.sub(r"^([a-z]{3}) (\d{4})$", lambda m: f"{m[1].title()} {m[2]}", s)
    s = re.sub(r"^(q[1-4]|ay) ", lambda m: m[1].upper() + " ", s)
    bounds(s)
    return s


def _canonical_pooled(label: str, y0: int, end0: str, last: str, end1: str) -> str:
    """'YYYY/YY-YYYY/YY' from a pooled label's parts; a two-digit last year is read in the start's century."""
    y1 = int(last)
    if len(last) == 2:
        y1 += y0 // 100 * 100
        if y1 < y0 and y1 + 100 - y0 <= _MAX_SHORT_SPAN:
            y1 += 100
    first, final = f"{y0}/{end0}", f"{y1}/{end1}"
    bounds(first), bounds(final)  # each half must be a real financial year
    if y1 < y0:
        raise ReversedPeriod(f"period {label!r} ends before it starts")
    return first if y1 == y0 else f"{first}-{final}"


# --------------------------------------------------------------------------- the forms councils write
_MONTH_NAMES = {name.lower(): i + 1 for i, name in enumerate(MONTHS)}
_MONTH_NAMES.update(
    {
        "january": 1,
        "february": 2,
        "march": 3,
        "april": 4,
        "june": 6,
        "july": 7,
        "august": 8,
        "september": 9,
        "sept": 9,
        "october": 10,
        "november": 11,
        "december": 12,
    }
)
_EXCEL_FIRST, _EXCEL_LAST = 36526, 73415  # Excel date serials of 1 Jan 2000 and 31 Dec 2100


class AmbiguousPeriod(PeriodError):
    """A written period that could be read two ways (e.g. 12/13: December 2013 or 2012/13)."""


def written(text: str, *, snapshot: bool = False, academic: bool = False) -> str:
    """The canonical label of a period as a council writes it.

    ``2023/24``, ``2023-24``, ``FY2023/24``, ``23/24`` -> ``2023/24`` (``AY 2023/24`` if ``academic``, or
    written ``AY2023/24`` / ``academic year 2023/24``); ``Q4 2023/24``; ``Mar-24``, ``March 2024``,
    ``2024-03``, ``03/2024`` -> ``Mar 2024``; ``31/03/2024``, ``2024-03-31``, ``31 March 2024``, an Excel date
    serial -> ``31 Mar 2024``; ``2024`` -> ``2024``; pooled and mid-year labels as :func:`canonical`.
    For a ``snapshot`` indicator (counted on a day, e.g. children looked after at 31 March) a year is
    31 March of that year and a month is its last day. Dates are read day first (UK).
    Raises :class:`PeriodError` (:class:`AmbiguousPeriod`, :class:`ReversedPeriod`).
    """
    s = unicodedata.normalize("NFKC", str(text)).translate(_DASHES)
    s = re.sub(r"\s*([-/.])\s*", r"\1", " ".join(s.split())).strip().lower()
    if not s.isascii():
        raise PeriodError(f"period {text!r} is not a recognised form")
    s = re.sub(r"^(calendar year|cy)\s*", "", s)
    if m := re.fullmatch(r"(?:academic year|ay)\s*(.+)", s):
        academic, s = True, m[1]
    elif m := re.fullmatch(r"(?:financial year|fy)\s*(.+)", s):
        academic, s = False, m[1]
    if m := re.fullmatch(r"(\d{5})(?:\.0+)?", s):  # an Excel date cell read as its serial number
        n = int(m[1])
        if not _EXCEL_FIRST <= n <= _EXCEL_LAST:
            raise PeriodError(f"period {text!r} is not a recognised form")
        return _day(pd.Timestamp("1899-12-30") + pd.Timedelta(days=n))
    if m := re.fullmatch(r"(?:q([1-4]) ?(\d{4}|\d{2})[/-](\d{2}|\d{4})|(\d{4}|\d{2})[/-](\d{2}|\d{4}) ?q([1-4]))", s):
        q, a, b = (m[1], m[2], m[3]) if m[1] else (m[6], m[4], m[5])
        y = _year_pair(text, a, b)
        if y is None:
            raise PeriodError(f"period {text!r}: second year does not follow the first")
        return f"Q{q} {y}/{(y + 1) % 100:02d}"
    if (m := re.fullmatch(r"(\d{4}|\d{2})[/-](\d{2}|\d{4})", s)) and not re.fullmatch(r"\d{4}-\d{4}", s):
        y = _year_pair(text, m[1], m[2])
        month = _month_of(m[1], m[2])
        if y is not None and month is not None and len(m[1]) == 2:
            raise AmbiguousPeriod(
                f"period {text!r} could be a month or a financial year: write e.g. 2012/13 or Dec 2013"
            )
        if y is not None:
            return f"{'AY ' if academic else ''}{y}/{(y + 1) % 100:02d}"
        if month is not None:
            return _month(*month, snapshot)
    if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})", s):
        return _day(_date(text, _full_year(m[3]), int(m[2]), int(m[1])))
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ t]00:00(?::00)?)?", s):
        return _day(_date(text, int(m[1]), int(m[2]), int(m[3])))
    if (m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ?([a-z]+)[ -]?('?\d{2}|\d{4})", s)) and m[2] in _MONTH_NAMES:
        return _day(_date(text, _full_year(m[3]), _MONTH_NAMES[m[2]], int(m[1])))
    if (m := re.fullmatch(r"([a-z]+)[ -]?('?\d{2}|\d{4})", s)) and m[1] in _MONTH_NAMES:
        return _month(_full_year(m[2]), _MONTH_NAMES[m[1]], snapshot)
    if re.fullmatch(r"\d{4}", s):
        return f"31 Mar {s}" if snapshot else s
    label = canonical(s)
    if academic and _FY.match(label):
        return f"AY {label}"
    return label


def _year_pair(text: str, a: str, b: str) -> int | None:
    """The first year of a year pair like 2023/24, 2023-24, 2023/2024, 23/24; None if b does not follow a."""
    y = _full_year(a)
    if len(b) == 4:
        return y if int(b) == y + 1 else None
    return y if (y + 1) % 100 == int(b) else None


def _month_of(a: str, b: str) -> tuple[int, int] | None:
    """(year, month) of 2024-03 or 03/2024 (or 03/24), if it reads as one."""
    if len(a) == 4 and len(b) == 2 and 1 <= int(b) <= 12:
        return int(a), int(b)
    if len(a) == 2 and 1 <= int(a) <= 12:
        return _full_year(b), int(a)
    return None


def _full_year(y: str) -> int:
    y = y.lstrip("'")
    return int(y) if len(y) == 4 else 2000 + int(y)


def _date(text: str, y: int, mo: int, d: int) -> pd.Timestamp:
    try:
        return pd.Timestamp(y, mo, d)
    except ValueError as e:
        raise PeriodError(f"period {text!r} is not a real date") from e


def _day(d: pd.Timestamp) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _month(y: int, mo: int, snapshot: bool) -> str:
    if not 1 <= mo <= 12:
        raise PeriodError(f"month {mo} is not a month")
    if snapshot:
        return _day(pd.Timestamp(y, mo, 1) + pd.offsets.MonthEnd(0))
    return f"{MONTHS[mo - 1]} {y}"


def resolve(text: str, labels) -> str:
    """The one label among ``labels`` a person meant by ``text``: the label itself, any spelling of it
    (:func:`written`), or a bare year naming the only label within (or, failing that, ending in) that year,
    e.g. ``2023`` for "31 Mar 2023". Raises :class:`PeriodError` naming the labels when none or several fit."""
    labels = list(dict.fromkeys(str(lb) for lb in labels))
    if text in labels:
        return text
    spans = {}
    for lb in labels:
        try:
            spans[lb] = bounds(lb)
        except PeriodError:
            continue
    for snapshot in (False, True):
        try:
            want = bounds(written(text, snapshot=snapshot))
        except PeriodError:
            continue
        hits = [lb for lb, span in spans.items() if span == want]
        if len(hits) == 1:
            return hits[0]
    year = unicodedata.normalize("NFKC", str(text)).strip()
    if re.fullmatch(r"\d{4}", year):
        y = int(year)
        for test in (lambda s, e: s.year == e.year == y, lambda s, e: e.year == y):
            hits = [lb for lb, (s, e) in spans.items() if test(s, e)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise AmbiguousPeriod(f"{text!r} could be any of {', '.join(hits)}")
    raise PeriodError(f"{text!r} is not one of the periods: {', '.join(labels)}")


# --------------------------------------------------------------------------- an indicator's own convention
DEC_FEB_INDICATORS = frozenset({"neet", "neet_or_not_known", "neet_not_known"})
"""DfE's 16-17 NEET measures: the average of the December, January and February counts. DfE labels the average
by the year of its January and February ("2024" = December 2023-February 2024); Bromley's Performance Index,
and this app, by the year it falls in ("2023/24")."""


def for_indicator(indicator: str, label: str) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    """(label, start, end) of a period of ``indicator``: :func:`bounds` for most; for the NEET measures
    (:data:`DEC_FEB_INDICATORS`) a year ``2024`` or a year pair ``2023/24`` (``AY 2023/24``) is the December
    2023-February 2024 average, labelled ``2023/24``. Other NEET labels (a month, a pooled period) keep
    their own dates. Raises :class:`PeriodError` as :func:`bounds`."""
    s = str(label).strip()
    if indicator in DEC_FEB_INDICATORS:
        y = None
        if m := _YEAR.match(s):
            y = int(m[1])
        elif m := (_FY.match(s) or _AY.match(s)):
            y = _fy_start(label, m[1], m[2]) + 1
        if y is not None:
            try:
                start, end = pd.Timestamp(y - 1, 12, 1), pd.Timestamp(y, 3, 1) - pd.Timedelta(days=1)
            except (ValueError, OverflowError) as e:  # e.g. year 0: not a date at all
                raise PeriodError(f"period {label!r} is not a real date range") from e
            return f"{y - 1}/{y % 100:02d}", start, end
    return (s, *bounds(s))


# --------------------------------------------------------------------------- years that hold months
YEAR_STARTS = {"financial": 4, "calendar": 1, "academic": 9}  # the month each kind of year starts in


def year_kind(start: pd.Timestamp) -> str | None:
    """The kind of year (financial, calendar, academic) that starts in ``start``'s month; None for another month."""
    return next((k for k, m in YEAR_STARTS.items() if m == pd.Timestamp(start).month), None)


def year_of(when: pd.Timestamp, kind: str) -> str:
    """The label of the ``kind`` year (:data:`YEAR_STARTS`) holding the day ``when``: the financial year
    ``2023/24``, the academic year ``AY 2023/24`` or the calendar year ``2023``; ``bounds`` gives its dates."""
    when = pd.Timestamp(when)
    if kind == "calendar":
        return str(when.year)
    first = when.year if when.month >= YEAR_STARTS[kind] else when.year - 1
    return f"{'AY ' if kind == 'academic' else ''}{first}/{(first + 1) % 100:02d}"


def month_of(label: str) -> str | None:
    """The month label (``Apr 2023``) of a month, or of a day (``1 Apr 2023``, e.g. an Excel date under a
    month column); None for any other period."""
    s = str(label)
    if _MONTH.match(s):
        return s
    if m := _SNAP.match(s):
        return f"{m[2]} {m[3]}"
    return None
