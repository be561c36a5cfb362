"""ILLUSTRATIVE ward-level NEET and children-looked-after series.

Ward NEET and CLA figures are not published: councils hold them. So that the
dashboard works before a council loads its own extract, this module generates a
modelled ward series from real published inputs, and every row it makes carries
``is_illustrative = True`` (the app labels it on every view and export).

Method (fixed seed, so the build is reproducible):

1. Borough totals are real: DfE children looked after at 31 March (count and
   0-17 population) for 2019-2025; DfE NEET 16-17 % for 2019-2025.
2. Ward denominators: CLA uses the borough 0-17 population shared by each 2022
   ward's share of children 0-15 (IoD2025, mid-2022); NEET uses 2/5 of each ward's
   Census 2021 15-19 band (an estimate of 16-17 year olds), scaled so wards sum
   to the borough cohort.
3. Relative risk: proportional to the ward's IDACI 2025 score (child income
   deprivation), the strongest published correlate of both outcomes.
4. The borough count (NEET: round(% x cohort)) is split across wards by one
   multinomial draw with probabilities proportional to denominator x risk, so
   ward counts always add up to the real borough total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.codes import BROMLEY
from loaders.periods import for_indicator

SEED = 20240611  # date of the scrutiny committee pack; fixed for reproducibility
NOTE = "ILLUSTRATIVE: modelled from borough total, ward child population and IDACI 2025; not observed data"


def _draw(total: int, weights: np.ndarray, seed: int) -> np.ndarray:
    p = weights / weights.sum()
    return np.random.default_rng(seed).multinomial(total, p)


def generate(wards: pd.DataFrame, cla_totals: list[dict], neet_totals: list[dict]) -> pd.DataFrame:
    """``wards``: one row per 2022 ward with columns area_code, children, idaci, age15_19."""
    w = wards.sort_values("area_code").reset_index(drop=True)
    rows = []

    def add(indicator, period, num, den, mult, seed_note):
        period, start, end = for_indicator(indicator, period)
        for code, n, d in zip(w.area_code, num, den):
            rows.append(
                dict(
                    indicator_id=indicator,
                    area_code=code,
                    area_type="ward2022",
                    period=period,
                    period_start=start,
                    period_end=end,
                    breakdown="All",
                    value=n / d * mult,
                    numerator=float(n),
                    denominator=float(d),
                    national_decile=pd.NA,
                    is_illustrative=True,
                    is_estimate=False,
                    is_suppressed=False,
                    note=f"{NOTE} ({seed_note})",
                    source_id="illustrative",
                )
            )

    share = w.children / w.children.sum()
    for i, t in enumerate(sorted((r for r in cla_totals if r["area_code"] == BROMLEY), key=lambda r: r["period"])):
        den = np.round(t["denominator"] * share.to_numpy(), 0)
        num = _draw(int(t["numerator"]), den * w.idaci.to_numpy(), SEED + i)
        add("cla_rate", t["period"], num, den, 10000.0, f"borough {int(t['numerator'])} children, seed {SEED + i}")

    cohort15_19 = w.age15_19.to_numpy() * 0.4
    for i, t in enumerate(
        sorted(
            (r for r in neet_totals if r["area_code"] == BROMLEY and r["indicator_id"] == "neet"),
            key=lambda r: r["period"],
        )
    ):
        den = np.round(cohort15_19, 0)
        total = int(round(t["value"] / 100 * den.sum()))
        num = _draw(total, den * w.idaci.to_numpy(), SEED + 100 + i)
        add("neet", t["period"], num, den, 100.0, f"borough {t['value']}% of {int(den.sum())}, seed {SEED + 100 + i}")
    return pd.DataFrame(rows)
