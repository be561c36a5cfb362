"""Ward NCMP obesity (OHID Fingertips 93105 Reception, 93107 Year 6; 3 years pooled) as build rows.

Present only in a refreshed raw cache (``python -m loaders refresh --source fingertips``): the shared raw
folder has no ward NCMP file. When present, these observed series on the current (2022) wards, with
counts, denominators and intervals, become the latest ward obesity figures; the GLA 2011/12-2013/14
series stays as history (on 2014 wards, and as an ESTIMATE on 2022 wards).

:func:`rows` is what the build's source registry calls (``loaders/sources/ohid_ncmp_ward.py``); it takes
the raw folder(s) so it can be used on its own too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from loaders import periods
from loaders.codes import BROMLEY, ENGLAND, WARDS_2022

FILES = {"obesity_reception": "fingertips/ward_93105.csv", "obesity_year6": "fingertips/ward_93107.csv"}
INDICATOR_IDS = {"obesity_reception": "93105", "obesity_year6": "93107"}
SOURCE_ID = "ohid_ncmp_ward"
NEEDED = (
    "Indicator ID",
    "Area Code",
    "Area Type",
    "Sex",
    "Category Type",
    "Time period",
    "Value",
    "Count",
    "Denominator",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
)


def find(roots, rel: str) -> Path | None:
    for r in roots:
        p = Path(r) / rel
        if p.is_file():
            return p
    return None


def frame(path: Path, indicator: str) -> pd.DataFrame:
    """One Fingertips all_data CSV, checked and cut to whole-population rows."""
    from loaders.raw import RawDataError  # noqa: PLC0415 here: loaders.raw imports the source registry, which imports this

    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise RawDataError(f"{path.name}: cannot be parsed as a Fingertips CSV ({e})") from e
    missing = [c for c in NEEDED if c not in df.columns]
    if missing:
        raise RawDataError(f"{path.name}: missing expected column(s) {missing} (changed format?)")
    if set(df["Indicator ID"].str.strip()) != {INDICATOR_IDS[indicator]}:
        raise RawDataError(
            f"{path.name}: not indicator {INDICATOR_IDS[indicator]} ({sorted(set(df['Indicator ID']))[:3]})"
        )
    df = df[(df["Category Type"].str.strip() == "") & df.Sex.str.strip().isin(["Persons", ""])]
    for c in ("Value", "Count", "Denominator", "Lower CI 95.0 limit", "Upper CI 95.0 limit"):
        df[c] = pd.to_numeric(df[c].replace("", np.nan), errors="coerce")
    return df


def rows(raw_dir, wards=WARDS_2022, la: str = BROMLEY) -> list[dict]:
    """Value rows for the build: the LA's 2022 wards, the LA itself and England; [] when not refreshed.

    ``raw_dir`` is a folder, a list of folders (first that has the file wins), or a :class:`loaders.raw.Raw`.
    """
    from loaders.raw import RawDataError  # noqa: PLC0415 (import cycle: see frame())
    from loaders.rows import row  # noqa: PLC0415 (import cycle: see frame())

    roots = getattr(raw_dir, "roots", None) or ([raw_dir] if isinstance(raw_dir, (str, Path)) else list(raw_dir))
    out: list[dict] = []
    for indicator, rel in FILES.items():
        p = find(roots, rel)
        if p is None:
            continue
        df = frame(p, indicator)
        ward_rows = df[df["Area Code"].isin(list(wards))]
        if ward_rows.empty:
            raise RawDataError(f"{rel}: no rows for the {len(wards)} wards of {la} (codes {wards[0]}...)")
        keep = df[df["Area Code"].isin(list(wards) + [la, ENGLAND])]
        for code, period, value, count, den in zip(
            keep["Area Code"], keep["Time period"], keep.Value, keep.Count, keep.Denominator
        ):
            if not np.isfinite(value):
                continue  # suppressed by OHID (small numbers): no row
            atype = "ward2022" if code in wards else ("country" if code == ENGLAND else "la")
            out.append(
                row(
                    indicator,
                    code,
                    atype,
                    periods.canonical(period),
                    float(value),
                    numerator=float(count) if np.isfinite(count) else np.nan,
                    denominator=float(den) if np.isfinite(den) else np.nan,
                    source=SOURCE_ID,
                    note=f"NCMP, 3 years pooled, OHID Fingertips indicator {INDICATOR_IDS[indicator]}"
                    + (", observed on 2022 wards" if atype == "ward2022" else ""),
                )
            )
    return out
