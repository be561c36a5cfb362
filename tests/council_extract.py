"""A council NEET extract for the tests: the 22 current wards, validated and saved as the app saves one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd


def save_neet_extract(
    data_dir: Path, name: str, count: Callable[[int, str], int], *, notes: bool = False, actor: str | None = None
):
    """Ward ``i`` (sorted codes) gets ``count(i, code)`` of ``300 + i`` young people in NEET "2024" (DfE's
    December 2023-February 2024 average, stored as 2023/24); returns the Result."""
    from loaders import extracts
    from loaders.store import Store

    s = Store(data_dir)
    codes = sorted(s.areas("ward2022").area_code)
    header = "ward_code,period,numerator,denominator" + (",note" if notes else "")
    rows = [f"{c},2024,{count(i, c)},{300 + i}" + (f",council note {i}" if notes else "") for i, c in enumerate(codes)]
    res = extracts.validate(
        ("\n".join([header, *rows]) + "\n").encode(),
        name,
        "neet",
        pd.concat([s.areas("ward2022"), s.areas("ward2014")]),
    )
    assert res.ok, res.problems
    extracts.save(res, "neet", name, data_dir, actor=actor)
    return res
