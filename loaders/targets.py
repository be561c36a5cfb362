"""Local targets from the editable ``data/targets.csv`` (officers change it without code).

Columns: indicator_id, area_code, applies_from (year), target_low, target_high,
polarity, amber_tolerance, source_note. A bad file gives a clear message, not a crash.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.codes import POLARITIES

PATH = Path(__file__).resolve().parents[1] / "data" / "targets.csv"
COLUMNS = [
    "indicator_id",
    "area_code",
    "applies_from",
    "target_low",
    "target_high",
    "polarity",
    "amber_tolerance",
    "source_note",
]


class TargetsError(ValueError):
    pass


def load(path: Path | str = PATH) -> pd.DataFrame:
    """Read and check the targets file (plain checks: pandera is kept out of the running server)."""
    try:
        df = pd.read_csv(path, dtype={"indicator_id": str, "area_code": str, "source_note": str, "polarity": str})
    except FileNotFoundError:
        return pd.DataFrame({c: [] for c in COLUMNS})
    except (ValueError, pd.errors.ParserError) as e:
        raise TargetsError(f"{path}: targets file cannot be read ({str(e).splitlines()[0]})") from e
    problems = []
    if list(df.columns) != COLUMNS:
        raise TargetsError(f"{path}: columns must be {', '.join(COLUMNS)}")
    for col in ("applies_from", "target_low", "target_high", "amber_tolerance"):
        num = pd.to_numeric(df[col], errors="coerce")
        if (num.isna() & df[col].notna()).any():
            problems.append(f"{col} has values that are not numbers")
        df[col] = num
    if not df.area_code.fillna("").str.fullmatch(r"E\d{8}").all():
        problems.append("area_code must be an ONS code such as E09000006")
    if not df.polarity.isin(POLARITIES).all():
        problems.append(f"polarity must be one of {', '.join(POLARITIES)}")
    if df.applies_from.isna().any() or not df.applies_from.between(2000, 2100).all():
        problems.append("applies_from must be a year")
    if ((df.target_low > df.target_high) | (df.amber_tolerance < 0)).any():
        problems.append("target_low above target_high, or a negative amber_tolerance")
    if problems:
        raise TargetsError(f"{path}: targets file is not valid ({'; '.join(problems)})")
    return df.astype({"applies_from": int})


def target_for(targets: pd.DataFrame, indicator: str, area_code: str, year: int) -> dict | None:
    t = targets[(targets.indicator_id == indicator) & (targets.area_code == area_code) & (targets.applies_from <= year)]
    return None if t.empty else t.sort_values("applies_from").iloc[-1].to_dict()
