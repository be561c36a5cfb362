"""Period labels and their sortable start and end dates.

Labels are kept as publishers write them; every label maps to a start and end
date so periods sort and line up on a time axis.

    "2019"                -> 2019-01-01 .. 2019-12-31   (calendar or index year)
    "2017/18"             -> 2017-04-01 .. 2018-03-31   (financial / academic year)
    "2011/12-2013/14"     -> 2011-04-01 .. 2014-03-31   (pooled years)
    "2020/21 - 24/25"     -> 2020-04-01 .. 2025-03-31
    "31 Mar 2023"         -> 2023-03-31 .. 2023-03-31   (snapshot)
    "mid-2015"            -> 2015-06-30 .. 2015-06-30   (mid-year estimate)
"""
from __future__ import annotations

import re

import pandas as pd

_YEAR = re.compile(r"^(\d{4})$")
_FY = re.compile(r"^(\d{4})/(\d{2})$")
_POOLED = re.compile(r"^(\d{4})/\d{2}\s*-\s*(?:(\d{2})|\d{2}(\d{2}))/(\d{2})$")
_SNAP = re.compile(r"^31 Mar (\d{4})$")
_MID = re.compile(r"^mid-(\d{4})$")


class PeriodError(ValueError):
    pass


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
        century = y0 // 100 * 100
        y1 = century + int(m[2] or m[3]) + 1
        if y1 < y0:
            y1 += 100
        return pd.Timestamp(y0, 4, 1), pd.Timestamp(y1, 3, 31)
    if m := _SNAP.match(s):
        d = pd.Timestamp(int(m[1]), 3, 31)
        return d, d
    if m := _MID.match(s):
        d = pd.Timestamp(int(m[1]), 6, 30)
        return d, d
    raise PeriodError(f"period {label!r} is not a recognised form (e.g. 2019, 2017/18, 2011/12-2013/14)")
