"""Synthetic England-scale extracts for the query-layer scale benchmark.

``generate(out_dir, n_wards)`` writes a folder that :class:`loaders.store.Store`
can open unchanged: ``values.parquet`` with exactly the columns and Arrow types
of ``data/values.parquet`` (n_wards x 30 indicators x 20 periods ward rows, plus
Bromley/London/England comparator rows), ``areas.parquet``, ``indicators.parquet``
(the real catalogue, padded with copies to 30 indicators), and ``sources.parquet``
and ``lookups.parquet`` copied from ``data/``. Wards use area type ``ward2014``
so the app's own SQL (VALUES, LONDON_RANK, SERIES) runs on them as written; the
first 22 wards are flagged ``is_bromley``. Deterministic for a given seed.

    python benchmarks/synthetic.py OUT_DIR [--wards 7000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
N_INDICATORS = 30
N_PERIODS = 20
SEED = 20240601
COMPARATOR_AREAS = [
    ("E09000006", "Bromley", "la", "E12000007"),
    ("E12000007", "London", "region", "E92000001"),
    ("E92000001", "England", "country", ""),
]


def indicator_ids() -> list[str]:
    real = pd.read_parquet(DATA / "indicators.parquet").indicator_id.tolist()
    return (real + [f"synthetic_{i:02d}" for i in range(N_INDICATORS)])[:N_INDICATORS]


def ward_codes(n_wards: int) -> list[str]:
    return [f"E05{900000 + i:06d}" for i in range(n_wards)]


def periods() -> list[str]:
    return [str(2005 + i) for i in range(N_PERIODS)]


def _values(n_wards: int, rng: np.random.Generator) -> pa.Table:
    inds, codes, pers = indicator_ids(), ward_codes(n_wards), periods()
    areas = codes + [c for c, *_ in COMPARATOR_AREAS]
    types = ["ward2014"] * n_wards + [t for _, _, t, _ in COMPARATOR_AREAS]
    n_area = len(areas)
    n = N_INDICATORS * n_area * N_PERIODS
    # Row order as a build would write it: indicator, area, period.
    i_ind = np.repeat(np.arange(N_INDICATORS), n_area * N_PERIODS)
    i_area = np.tile(np.repeat(np.arange(n_area), N_PERIODS), N_INDICATORS)
    i_per = np.tile(np.arange(N_PERIODS), N_INDICATORS * n_area)

    denom = rng.integers(50, 5000, n).astype(float)
    p = np.clip(rng.beta(2, 8, n), 0.001, 0.999)
    num = np.round(p * denom)
    p = num / denom
    se = np.sqrt(np.maximum(p * (1 - p), 1e-6) / denom)
    value = 100 * p
    start = pd.to_datetime([f"{y}-01-01" for y in pers]).values.astype("datetime64[ms]")
    end = pd.to_datetime([f"{y}-12-31" for y in pers]).values.astype("datetime64[ms]")

    def strings(values: list[str], idx: np.ndarray) -> pa.Array:
        return pa.array(values, pa.large_string()).take(pa.array(idx))

    cols = {
        "indicator_id": strings(inds, i_ind),
        "area_code": strings(areas, i_area),
        "area_type": strings(types, i_area),
        "period": strings(pers, i_per),
        "period_start": pa.array(start[i_per], pa.timestamp("ms")),
        "period_end": pa.array(end[i_per], pa.timestamp("ms")),
        "breakdown": pa.array(np.full(n, "All"), pa.large_string()),
        "value": value,
        "numerator": num,
        "denominator": denom,
        "lower95": value - 196 * se,
        "upper95": value + 196 * se,
        "lower998": value - 309 * se,
        "upper998": value + 309 * se,
        "national_decile": pa.array(rng.integers(1, 11, n).astype(np.int8)),
        "is_illustrative": np.zeros(n, bool),
        "is_estimate": np.zeros(n, bool),
        "is_suppressed": num < 5,
        "note": pa.array(np.full(n, ""), pa.large_string()),
        "source_id": pa.array(np.full(n, "synthetic"), pa.large_string()),
        "published_comparison": pa.array(np.full(n, ""), pa.large_string()),
    }
    schema = pq.read_schema(DATA / "values.parquet")
    table = pa.table({k: cols[k] for k in schema.names})
    return table.cast(schema.remove_metadata())


def _areas(n_wards: int) -> pd.DataFrame:
    codes = ward_codes(n_wards)
    wards = pd.DataFrame(
        {
            "area_code": codes,
            "area_name": [f"Ward {i}" for i in range(n_wards)],
            "area_type": "ward2014",
            "parent_code": "E09000006",
            "is_bromley": np.arange(n_wards) < 22,
            "is_stat_neighbour": False,
        }
    )
    comps = pd.DataFrame(
        [
            dict(
                area_code=c,
                area_name=nm,
                area_type=t,
                parent_code=par,
                is_bromley=(c == "E09000006"),
                is_stat_neighbour=False,
            )
            for c, nm, t, par in COMPARATOR_AREAS
        ]
    )
    return pd.concat([wards, comps], ignore_index=True)


def _indicators() -> pd.DataFrame:
    real = pd.read_parquet(DATA / "indicators.parquet")
    rows = [real.iloc[i % len(real)].to_dict() | {"indicator_id": iid} for i, iid in enumerate(indicator_ids())]
    return pd.DataFrame(rows, columns=real.columns)


def generate(out_dir: Path | str, n_wards: int = 7000, seed: int = SEED) -> dict:
    """Write a Store-compatible synthetic data folder; return its size and how long it took."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    values = _values(n_wards, rng)
    pq.write_table(values, out / "values.parquet")
    _areas(n_wards).to_parquet(out / "areas.parquet", index=False)
    _indicators().to_parquet(out / "indicators.parquet", index=False)
    for f in ("sources.parquet", "lookups.parquet"):
        shutil.copyfile(DATA / f, out / f)
    return {
        "wards": n_wards,
        "indicators": N_INDICATORS,
        "periods": N_PERIODS,
        "rows": values.num_rows,
        "ward_rows": n_wards * N_INDICATORS * N_PERIODS,
        "values_parquet_bytes": (out / "values.parquet").stat().st_size,
        "seconds": time.perf_counter() - t0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Write a synthetic Store-compatible extract.")
    ap.add_argument("out")
    ap.add_argument("--wards", type=int, default=7000)
    a = ap.parse_args(argv)
    print(generate(a.out, a.wards))
    return 0


if __name__ == "__main__":
    sys.exit(main())
