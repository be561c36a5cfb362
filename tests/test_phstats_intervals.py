"""Tests for phstats.intervals, including a reproduction of a real OHID Fingertips export.

The export (indicator 93356, campylobacter incidence per 100,000, County & UA, 2015-2017)
publishes 95% limits only; its 99.8% columns are blank in every row. Its limits come from two
producer methods, told apart by the age breakdown:

* "All ages" rows (453, counts 37-53,395): exact Poisson (chi-squared) at every count. They agree
  with ``exact_poisson`` to <= 4.3e-7 relative, not to the 13-15 digits printed: the producer's
  inverse chi-squared is only that accurate (the errors are small and of random sign, like an
  iterative solver stopping near 1e-7). Tolerance: 1e-6 relative.
* "0-9 yrs" rows (302, counts 1-15,739, 20 of them below 10): Byar's method at every count,
  z rounded to 1.96. They agree with ``byar`` at the level whose z is exactly 1.96 to the
  published precision: half a unit in the last printed decimal, floored at 1e-12 relative
  because the 15th significant digit is double-precision noise (max seen 5.3e-15).

So neither subset uses the "Byar from 10, exact below 10" rule that ``rate_interval`` applies.
That rule (with exact z) agrees with all 735 published rows with count >= 10 to within 1.4e-4
relative (<= 0.009 per 100,000), and differs on the 20 rows with count < 10, where the producer
used Byar's method and we use the exact method.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm, poisson
from statsmodels.stats.proportion import proportion_confint

from phstats import add_intervals, byar, exact_poisson, rate_interval, wilson, z_value
from phstats.intervals import (
    NOTE_COUNT_OVER_DENOMINATOR,
    NOTE_DENOMINATOR,
    NOTE_MISSING,
    NOTE_NEGATIVE,
    NOTE_NOT_CALCULATED,
    NOTE_NOT_FINITE,
    NOTE_NOT_NUMERIC,
    NOTE_VALUE_OUTSIDE,
)

RAW = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "raw"
FINGERTIPS_CSV = RAW / "fingertips_sample_campylobacter_CountyUA.csv"
CI95 = ("Lower CI 95.0 limit", "Upper CI 95.0 limit")
CI998 = ("Lower CI 99.8 limit", "Upper CI 99.8 limit")
PER_100K = 100_000.0
LEVEL_Z_1_96 = 2 * norm.cdf(1.96) - 1  # the confidence level whose two-sided z is exactly 1.96
EXACT_REL_TOL = 1e-6
LEVELS = (0.95, 0.998)


# --- the real Fingertips export -----------------------------------------------------


@pytest.fixture(scope="module")
def fingertips() -> pd.DataFrame:
    if not FINGERTIPS_CSV.exists():
        pytest.skip(f"Fingertips sample not found at {FINGERTIPS_CSV}")
    # Limits read as text too, to know how many decimals were published.
    df = pd.read_csv(FINGERTIPS_CSV, dtype={c: str for c in CI95 + CI998})
    for col in CI95 + CI998:
        df[col + " (num)"] = pd.to_numeric(df[col])
    return df


def published_tolerance(text: str) -> float:
    """Half a unit in the last published decimal place, floored at 1e-12 relative."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return max(0.5 * 10.0**-decimals, 1e-12 * abs(float(text)))


def with_95_limits(df: pd.DataFrame) -> pd.DataFrame:
    return df[df[CI95[0]].notna()]


def test_fingertips_file_inventory(fingertips: pd.DataFrame) -> None:
    assert len(fingertips) == 852
    assert (fingertips[CI95[0]].notna() == fingertips[CI95[1]].notna()).all()
    assert len(with_95_limits(fingertips)) == 755
    # No 99.8% limits are published in this export: blank means "not calculated".
    assert fingertips[list(CI998)].isna().all().all()
    # Every row without limits is explained: an aggregate (deprivation deciles, regions) that
    # Fingertips did not calculate an interval for, or an area with no count/denominator.
    no_ci = fingertips[fingertips[CI95[0]].isna()]
    aggregated = no_ci["Value note"] == "Aggregated from all known lower geography values"
    no_count = no_ci["Count"].isna() & no_ci["Denominator"].isna()
    assert (aggregated | no_count).all()
    assert (aggregated.sum(), no_count.sum()) == (87, 10)
    assert no_ci.loc[aggregated, "Category Type"].notna().sum() == 60
    assert (no_ci.loc[aggregated, "Area Type"] == "Region").sum() == 27


def test_all_ages_limits_reproduced_by_exact_poisson(fingertips: pd.DataFrame) -> None:
    rows = with_95_limits(fingertips)
    rows = rows[rows["Age"] == "All ages"]
    assert len(rows) == 453
    byar_misses = 0
    for count, denom, pub_lo, pub_hi in rows[
        ["Count", "Denominator", CI95[0] + " (num)", CI95[1] + " (num)"]
    ].itertuples(index=False):
        lo, hi = (b / denom * PER_100K for b in exact_poisson(count, 0.95))
        assert lo == pytest.approx(pub_lo, rel=EXACT_REL_TOL)
        assert hi == pytest.approx(pub_hi, rel=EXACT_REL_TOL)
        b_lo, b_hi = (b / denom * PER_100K for b in byar(count, LEVEL_Z_1_96))
        byar_misses += not (
            math.isclose(b_lo, pub_lo, rel_tol=EXACT_REL_TOL) and math.isclose(b_hi, pub_hi, rel_tol=EXACT_REL_TOL)
        )
    # The tolerance is tight enough to tell the methods apart (Byar only matches huge counts).
    assert byar_misses == 450


def test_0_9_limits_reproduced_by_byar_at_published_precision(fingertips: pd.DataFrame) -> None:
    rows = with_95_limits(fingertips)
    rows = rows[rows["Age"] == "0-9 yrs"]
    assert len(rows) == 302
    assert (rows["Count"] < 10).sum() == 20
    for count, denom, pub_lo, pub_hi in rows[["Count", "Denominator", *CI95]].itertuples(index=False):
        lo, hi = (b / denom * PER_100K for b in byar(count, LEVEL_Z_1_96))
        assert abs(lo - float(pub_lo)) <= published_tolerance(pub_lo), (count, denom, pub_lo)
        assert abs(hi - float(pub_hi)) <= published_tolerance(pub_hi), (count, denom, pub_hi)
        if count < 10:  # the producer did not switch to the exact method for small counts
            e_lo = exact_poisson(count, 0.95)[0] / denom * PER_100K
            assert not math.isclose(e_lo, float(pub_lo), rel_tol=1e-3)


def test_default_rate_rule_against_published(fingertips: pd.DataFrame) -> None:
    out = add_intervals(fingertips, "byar_exact", multiplier=PER_100K, count_col="Count", denom_col="Denominator")
    published = out[out[CI95[0]].notna()]
    large = published[published["Count"] >= 10]
    small = published[published["Count"] < 10]
    assert (len(large), len(small)) == (735, 20)
    for side, (bound, col) in enumerate(zip(("lower", "upper"), CI95)):
        rel = (large[bound] / large[col + " (num)"] - 1).abs()
        assert rel.max() < 1.4e-4
        # Below 10 the rule uses the exact method (the producer used Byar's).
        expected = [
            exact_poisson(c, 0.95)[side] / d * PER_100K
            for c, d in small[["Count", "Denominator"]].itertuples(index=False)
        ]
        np.testing.assert_allclose(small[bound], expected, rtol=1e-12)
    # Our value is the published Value (to its 15 significant digits).
    np.testing.assert_allclose(published["value"], published["Value"], rtol=1e-9)
    assert (published["interval_note"] == "").all()
    # Areas with no count/denominator get no interval, only a note.
    no_count = out[out["Count"].isna()]
    assert len(no_count) == 10
    assert no_count[["lower", "upper"]].isna().all().all()
    assert (no_count["interval_note"] == NOTE_MISSING).all()


def test_998_contains_95_on_the_real_file(fingertips: pd.DataFrame) -> None:
    kwargs = dict(multiplier=PER_100K, count_col="Count", denom_col="Denominator")
    i95 = add_intervals(fingertips, "byar_exact", level=0.95, **kwargs)
    i998 = add_intervals(fingertips, "byar_exact", level=0.998, **kwargs)
    ok = i95["lower"].notna()
    assert ok.sum() == 842
    assert (i998.loc[ok, "lower"] < i95.loc[ok, "lower"]).all()
    assert (i998.loc[ok, "upper"] > i95.loc[ok, "upper"]).all()
    assert (i998["level"] == 0.998).all()


# --- reference values and independent checks ------------------------------------------


def test_z_values() -> None:
    assert z_value(0.95) == pytest.approx(1.959963984540054, abs=1e-15)
    assert z_value(0.998) == pytest.approx(3.090232306167813, abs=1e-15)
    assert z_value(LEVEL_Z_1_96) == pytest.approx(1.96, abs=1e-14)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("denom", [1, 2, 3, 7, 10, 25, 100, 1000, 12345])
def test_wilson_matches_statsmodels(level: float, denom: int) -> None:
    counts = range(denom + 1) if denom <= 100 else [0, 1, 2, 5, 10, denom // 3, denom - 1, denom]
    for count in counts:
        expected = proportion_confint(count, denom, alpha=1 - level, method="wilson")
        got = wilson(count, denom, level, multiplier=1.0)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
        assert wilson(count, denom, level) == pytest.approx(tuple(100 * g for g in got))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("count", [1, 2, 5, 9, 10, 50, 500, 5000])
def test_exact_poisson_solves_its_defining_equations(level: float, count: int) -> None:
    """P(X >= O | lower) = P(X <= O | upper) = (1 - level) / 2 for X ~ Poisson."""
    lo, hi = exact_poisson(count, level)
    tail = (1 - level) / 2
    assert poisson.sf(count - 1, lo) == pytest.approx(tail, rel=1e-9)
    assert poisson.cdf(count, hi) == pytest.approx(tail, rel=1e-9)


def test_zero_count() -> None:
    for level in LEVELS:
        tail = (1 - level) / 2
        assert exact_poisson(0, level) == (0.0, pytest.approx(-math.log(tail)))
        assert rate_interval(0, 2000, level) == (0.0, pytest.approx(-math.log(tail) / 2000 * 1e4))
        assert byar(0, level)[0] == 0.0
        lo, hi = wilson(0, 40, level)
        assert lo == 0.0 and 0 < hi < 100
        assert wilson(40, 40, level)[1] == pytest.approx(100.0)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("count", [100, 1000, 10000])
def test_byar_close_to_exact_for_large_counts(level: float, count: int) -> None:
    np.testing.assert_allclose(byar(count, level), exact_poisson(count, level), rtol=1e-3)


def test_rate_interval_switches_method_at_10() -> None:
    assert rate_interval(9, 1000, multiplier=1000) == exact_poisson(9)
    assert rate_interval(10, 1000, multiplier=1000) == pytest.approx(byar(10))
    assert rate_interval(9.99, 1000, multiplier=1000) == exact_poisson(9.99)


def test_non_integer_counts() -> None:
    # IDACI-style numerator: score x children.
    lo, hi = wilson(0.25 * 37, 37)
    assert wilson(9, 37)[0] < lo < wilson(10, 37)[0]
    assert wilson(9, 37)[1] < hi < wilson(10, 37)[1]
    r_lo, r_hi = rate_interval(12.5, 5000)
    assert rate_interval(12, 5000)[0] < r_lo < rate_interval(13, 5000)[0]


def test_byar_lower_never_negative() -> None:
    # Byar's formula goes negative for a count of 1 at 99.8%; it is clipped to 0.
    assert byar(1, 0.998)[0] == 0.0
    assert byar(1, 0.95)[0] > 0


# --- property tests ----------------------------------------------------------------------

levels = st.sampled_from(LEVELS)
multipliers = st.sampled_from([1.0, 100.0, 1000.0, 10_000.0, 100_000.0])
denoms = st.floats(min_value=0.5, max_value=1e7, allow_nan=False)
fractions = st.floats(min_value=0.0, max_value=1.0)
rate_counts = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)


@settings(max_examples=200, deadline=None, database=None)
@given(denom=denoms, frac=fractions, level=levels, mult=multipliers)
def test_wilson_contains_value_and_stays_in_range(denom: float, frac: float, level: float, mult: float) -> None:
    count = frac * denom
    lo, hi = wilson(count, denom, level, mult)
    value = count / denom * mult
    assert 0.0 <= lo <= value * (1 + 1e-12) + 1e-12
    assert value * (1 - 1e-12) - 1e-12 <= hi <= mult


@settings(max_examples=200, deadline=None, database=None)
@given(count=rate_counts, denom=denoms, level=levels, mult=multipliers)
def test_rate_contains_value_and_lower_non_negative(count: float, denom: float, level: float, mult: float) -> None:
    lo, hi = rate_interval(count, denom, level, mult)
    value = count / denom * mult
    assert 0.0 <= lo <= value <= hi
    assert math.isfinite(hi)


@settings(max_examples=200, deadline=None, database=None)
@given(denom=denoms, frac=fractions, count=rate_counts)
def test_998_contains_95(denom: float, frac: float, count: float) -> None:
    w95, w998 = wilson(frac * denom, denom, 0.95), wilson(frac * denom, denom, 0.998)
    assert w998[0] <= w95[0] and w95[1] <= w998[1]
    r95, r998 = rate_interval(count, denom, 0.95), rate_interval(count, denom, 0.998)
    assert r998[0] <= r95[0] and r95[1] <= r998[1]


@settings(max_examples=200, deadline=None, database=None)
@given(denom=denoms, fracs=st.tuples(fractions, fractions), level=levels)
def test_wilson_monotone_in_count(denom: float, fracs: tuple[float, float], level: float) -> None:
    small, large = sorted(fracs)
    lo1, hi1 = wilson(small * denom, denom, level)
    lo2, hi2 = wilson(large * denom, denom, level)
    assert lo1 <= lo2 * (1 + 1e-12) + 1e-12
    assert hi1 <= hi2 * (1 + 1e-12) + 1e-12


@settings(max_examples=200, deadline=None, database=None)
@given(
    counts=st.tuples(st.integers(0, 2000), st.integers(0, 2000)),
    denom=denoms,
    level=levels,
)
def test_rate_monotone_in_integer_count(counts: tuple[int, int], denom: float, level: float) -> None:
    small, large = sorted(counts)
    lo1, hi1 = rate_interval(small, denom, level)
    lo2, hi2 = rate_interval(large, denom, level)
    assert lo1 <= lo2 and hi1 <= hi2


@settings(max_examples=200, deadline=None, database=None)
@given(count=st.floats(min_value=9.0, max_value=11.0), level=levels)
def test_byar_exact_switch_is_continuous_enough(count: float, level: float) -> None:
    """Around the switch the rule stays within 2% of the exact interval.

    The largest jump at 10 is the 99.8% lower bound: Byar 2.916 vs exact 2.961 (1.5%).
    """
    lo, hi = rate_interval(count, 1.0, level, multiplier=1.0)
    e_lo, e_hi = exact_poisson(count, level)
    assert 0 < lo < count < hi
    assert lo == pytest.approx(e_lo, rel=0.02)
    assert hi == pytest.approx(e_hi, rel=0.02)


# --- invalid input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: wilson(-1, 10), "count must not be negative"),
        (lambda: wilson(11, 10), "exceeds denom"),
        (lambda: wilson(1, 0), "denom must be positive"),
        (lambda: wilson(1, -5), "denom must be positive"),
        (lambda: wilson(float("nan"), 10), "count must be finite"),
        (lambda: wilson(1, float("inf")), "denom must be finite"),
        (lambda: wilson("3", 10), "count must be a number"),
        (lambda: wilson(None, 10), "count must be a number"),
        (lambda: wilson(True, 10), "count must be a number"),
        (lambda: wilson(1, 10, level=95), "level must be a fraction"),
        (lambda: wilson(1, 10, level=0), "level must be a fraction"),
        (lambda: wilson(1, 10, multiplier=0), "multiplier must be positive"),
        (lambda: rate_interval(-2, 100), "count must not be negative"),
        (lambda: rate_interval(2, 0), "denom must be positive"),
        (lambda: rate_interval(2, 100, level=1.0), "level must be a fraction"),
        (lambda: rate_interval(2, 100, multiplier=-1), "multiplier must be positive"),
        (lambda: byar(-1), "count must not be negative"),
        (lambda: byar(float("inf")), "count must be finite"),
        (lambda: exact_poisson(-0.5), "count must not be negative"),
        (lambda: exact_poisson(3, level=99.8), "level must be a fraction"),
    ],
)
def test_scalar_invalid_input_raises(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_add_intervals_flags_invalid_rows_without_raising() -> None:
    df = pd.DataFrame(
        {
            "area": list("abcdefghi"),
            "numerator": [5, np.nan, -1, 5, 30, "x", np.inf, 3, 0],
            "denominator": [20, 10, 10, 0, 20, 10, 10, None, 20],
        }
    )
    out = add_intervals(df, "wilson")
    expected_notes = [
        "",
        NOTE_MISSING,
        NOTE_NEGATIVE,
        NOTE_DENOMINATOR,
        NOTE_COUNT_OVER_DENOMINATOR,
        NOTE_NOT_NUMERIC,
        NOTE_NOT_FINITE,
        NOTE_MISSING,
        "",
    ]
    assert out["interval_note"].tolist() == expected_notes
    bad = out["interval_note"] != ""
    assert out.loc[bad, ["value", "lower", "upper"]].isna().all().all()
    assert out.loc[0, ["lower", "upper"]].tolist() == pytest.approx(list(wilson(5, 20)))
    assert out.loc[8, ["value", "lower"]].tolist() == [0.0, 0.0]
    # Input columns are kept, the input is not modified, the index is preserved.
    assert out.columns.tolist() == [
        *df.columns,
        "value",
        "lower",
        "upper",
        "level",
        "method",
        "interval_note",
    ]
    assert "value" not in df.columns
    # A count above the denominator is fine for a rate.
    rates = add_intervals(df, "byar_exact")
    assert rates.loc[4, "interval_note"] == ""
    assert rates.loc[4, ["lower", "upper"]].tolist() == pytest.approx(list(rate_interval(30, 20)))


def test_add_intervals_vectorised_matches_scalar() -> None:
    counts = [0, 1, 4, 9, 10, 11, 57, 1234, 2.5]
    denoms = [50, 80, 100, 900, 1000, 20, 5000, 100_000, 7]
    df = pd.DataFrame({"numerator": counts, "denominator": denoms}, index=range(10, 19))
    for level in LEVELS:
        w = add_intervals(df, "wilson", level=level)
        r = add_intervals(df, "byar_exact", level=level, multiplier=1000)
        for i, (c, d) in enumerate(zip(counts, denoms)):
            if c <= d:
                assert tuple(w.iloc[i][["lower", "upper"]]) == pytest.approx(wilson(c, d, level))
            else:
                assert w.iloc[i]["interval_note"] == NOTE_COUNT_OVER_DENOMINATOR
            assert tuple(r.iloc[i][["lower", "upper"]]) == pytest.approx(rate_interval(c, d, level, 1000))
        assert (r["level"] == level).all() and (r["method"] == "byar_exact").all()
        assert r.index.tolist() == list(range(10, 19))


def test_add_intervals_keeps_published_value_and_catches_wrong_multiplier() -> None:
    df = pd.DataFrame({"numerator": [30, 40], "denominator": [1000, 1000], "value": [3.0, 4.0]})
    out = add_intervals(df, "wilson")  # value is a percentage, multiplier 100: consistent
    assert out["value"].tolist() == [3.0, 4.0]
    assert (out["interval_note"] == "").all()
    per_1000 = add_intervals(df.assign(value=[30.0, 40.0]), "wilson")  # wrong scale
    assert (per_1000["interval_note"] == NOTE_VALUE_OUTSIDE).all()
    assert per_1000[["lower", "upper"]].isna().all().all()


def test_add_intervals_method_none() -> None:
    df = pd.DataFrame({"numerator": [1, 2, -1], "denominator": [10, 10, 10]})
    out = add_intervals(df, "none", multiplier=100)
    assert out["value"].tolist()[:2] == [10.0, 20.0]
    assert np.isnan(out["value"].iloc[2])  # no value from an invalid count
    assert out[["lower", "upper"]].isna().all().all()
    assert out["interval_note"].tolist() == [NOTE_NOT_CALCULATED] * 2 + [NOTE_NEGATIVE]
    # With a published value no counts are needed.
    only_value = add_intervals(pd.DataFrame({"value": [1.5]}), "none")
    assert only_value["value"].tolist() == [1.5]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(method="poisson"), "unknown method"),
        (dict(method="wilson", level=95), "level must be a fraction"),
        (dict(method="wilson", multiplier=0), "multiplier must be positive"),
        (dict(method="wilson", count_col="Count"), r"missing column\(s\) \['Count'\]"),
        (dict(method="none"), "multiplier is required"),
    ],
)
def test_add_intervals_invalid_arguments_raise(kwargs: dict, message: str) -> None:
    df = pd.DataFrame({"numerator": [1], "denominator": [10]})
    with pytest.raises(ValueError, match=message):
        add_intervals(df, **kwargs)
