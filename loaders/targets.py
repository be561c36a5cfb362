"""Local targets from the editable ``data/targets.csv`` (officers change it without code).

Columns: indicator_id, area_code, applies_from (year), target_low, target_high,
polarity, amber_tolerance, source_note. A bad file gives a clear message, not a crash.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.pandas import Check, Column

from loaders.schema import POLARITIES

PATH = Path(__file__).resolve().parents[1] / "data" / "targets.csv"

SCHEMA = pa.DataFrameSchema({
    "indicator_id": Column(str),
    "area_code": Column(str, Check.str_matches(r"^E\d{8}$")),
    "applies_from": Column(int, Check.in_range(2000, 2100)),
    "target_low": Column(float, nullable=True),
    "target_high": Column(float, nullable=True),
    "polarity": Column(str, Check.isin(POLARITIES)),
    "amber_tolerance": Column(float, Check.ge(0), nullable=True),
    "source_note": Column(str, nullable=True),
}, checks=[Check(lambda d: (d.target_low.isna() | d.target_high.isna() | (d.target_low <= d.target_high)).all(),
                 error="target_low above target_high")], strict=True, coerce=True)


class TargetsError(ValueError):
    pass


def load(path: Path | str = PATH) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype={"indicator_id": str, "area_code": str, "source_note": str})
        return SCHEMA.validate(df)
    except FileNotFoundError:
        return SCHEMA.validate(pd.DataFrame({c: [] for c in SCHEMA.columns}))
    except (pa.errors.SchemaError, ValueError, pd.errors.ParserError) as e:
        raise TargetsError(f"{path}: targets file is not valid ({str(e).splitlines()[0]})") from e


def target_for(targets: pd.DataFrame, indicator: str, area_code: str, year: int) -> dict | None:
    t = targets[(targets.indicator_id == indicator) & (targets.area_code == area_code) & (targets.applies_from <= year)]
    return None if t.empty else t.sort_values("applies_from").iloc[-1].to_dict()
