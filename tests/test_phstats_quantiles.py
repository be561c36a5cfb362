"""Tests for phstats.quantiles (Fingertips quintiles).

Expected values in the first tests are those of Fingertips' own unit tests
(ukhsa-collaboration/fingertips-open, PholioVisualisationWS/AnalysisTest/
QuintilesCalculatorTest.cs and QuintilesComparerTest.cs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phstats import assign_quantiles, quantile_bounds, quantile_frame, worst_quantile_mask


def as_list(groups: pd.api.extensions.ExtensionArray) -> list[int | None]:
    return [None if pd.isna(g) else int(g) for g in groups]


def test_bounds_match_fingertips_unit_test() -> None:
    np.testing.assert_allclose(
        quantile_bounds(range(1, 51)), [1, 10.8, 20.6, 30.4, 40.2, 50], rtol=1e-15
    )
    assert quantile_bounds([]).size == 0


def test_categories_match_fingertips_unit_test() -> None:
    groups = as_list(assign_quantiles(range(1, 11)))
    assert (groups[0], groups[-1]) == (1, 5)
    assert groups == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_22_areas_give_quintiles_of_5_4_4_4_5() -> None:
    """Bromley has 22 wards; cut points fall at ranks 5.2, 9.4, 13.6 and 17.8."""
    values = np.random.default_rng(1).permutation(np.linspace(3.0, 40.0, 22))
    groups = assign_quantiles(values)
    assert np.bincount(np.asarray(groups, dtype=int))[1:].tolist() == [5, 4, 4, 4, 5]
    order = np.argsort(values)
    assert as_list(groups[order]) == [1] * 5 + [2] * 4 + [3] * 4 + [4] * 4 + [5] * 5


def test_ties_share_a_group_and_boundary_values_go_down() -> None:
    values = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5]  # cut points 1, 1, 1.4, 3.2
    assert as_list(assign_quantiles(values)) == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    # 6 values: cut points are exactly the 2nd to 5th values, each goes to the lower group
    assert as_list(assign_quantiles([10, 20, 30, 40, 50, 60])) == [1, 1, 2, 3, 4, 5]
    # all equal: one group
    assert as_list(assign_quantiles([7.5] * 8)) == [1] * 8


def test_missing_and_non_finite_values_get_no_group() -> None:
    values = pd.Series([3, np.nan, 1, 2, np.inf, 5, 4, None, -np.inf])
    assert as_list(assign_quantiles(values)) == [3, None, 1, 2, None, 5, 4, None, None]
    assert assign_quantiles(values).dtype == "Int64"


def test_fewer_areas_than_groups_gives_no_groups() -> None:
    # Fingertips returns category 0 (none) with fewer than 5 values for quintiles.
    assert as_list(assign_quantiles([1, 2, 3, 4])) == [None] * 4
    assert as_list(assign_quantiles([1, 2, np.nan, 3, 4, np.nan])) == [None] * 6
    assert as_list(assign_quantiles([1, 2, 3, 4, 5])) == [1, 2, 3, 4, 5]
    assert as_list(assign_quantiles([4, 1, 3], n=3)) == [3, 1, 2]
    assert as_list(assign_quantiles([])) == []


def test_group1_orientation() -> None:
    values = list(range(10))
    low = as_list(assign_quantiles(values, group1="lowest"))
    high = as_list(assign_quantiles(values, group1="highest"))
    assert high == [6 - g for g in low]
    assert high[-1] == 1 and low[-1] == 5
    quartiles = as_list(assign_quantiles(values, n=4, group1="highest"))
    assert quartiles == [4, 4, 4, 3, 3, 2, 2, 1, 1, 1]


def test_worst_quantile_mask() -> None:
    groups = assign_quantiles(range(10))
    assert worst_quantile_mask(groups, 5, "low_is_good").tolist() == [False] * 8 + [True] * 2
    assert worst_quantile_mask(groups, 5, "high_is_good").tolist() == [True] * 2 + [False] * 8
    assert not worst_quantile_mask(groups, 5, "no_judgement").any()
    flipped = assign_quantiles(range(10), group1="highest")  # same areas, numbered from the top
    for polarity in ("low_is_good", "high_is_good"):
        assert (
            worst_quantile_mask(flipped, 5, polarity, "highest").tolist()
            == worst_quantile_mask(groups, 5, polarity).tolist()
        )
    assert worst_quantile_mask([1, None, 5], 5, "high_is_good").tolist() == [True, False, False]


def test_quantile_frame_within_sets() -> None:
    df = pd.DataFrame(
        {
            "indicator": ["a"] * 6 + ["b"] * 6,
            "value": [0, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, np.nan],
        },
        index=[9] * 12,  # duplicate index labels must not confuse the assignment
    )
    out = quantile_frame(df, by="indicator")
    assert as_list(out["quintile"]) == [1, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, None]
    together = quantile_frame(df, n=4, out_col="quartile", group1="highest")
    assert as_list(together["quartile"]) == as_list(
        assign_quantiles(df["value"], n=4, group1="highest")
    )
    assert "quintile" not in df.columns


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: assign_quantiles([1, 2, 3], n=1), "n must be an integer >= 2"),
        (lambda: assign_quantiles([1, 2, 3], n=2.5), "n must be an integer >= 2"),
        (lambda: assign_quantiles([1, 2, 3], group1="top"), "group1 must be one of"),
        (lambda: assign_quantiles(["a", 1, 2]), "values must be numeric"),
        (lambda: worst_quantile_mask([1], 5, "bad"), "unknown polarity"),
        (lambda: worst_quantile_mask([1], 5, "low_is_good", "top"), "group1 must be one of"),
        (lambda: quantile_frame(pd.DataFrame({"v": [1]})), r"missing column\(s\) \['value'\]"),
        (
            lambda: quantile_frame(pd.DataFrame({"value": [1]}), by="ind"),
            r"missing column\(s\) \['ind'\]",
        ),
    ],
)
def test_invalid_input_raises(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


values_lists = st.lists(
    st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.integers(-5, 5).map(float)),
    max_size=60,
)


@settings(max_examples=200, deadline=None, database=None)
@given(values=values_lists, n=st.integers(2, 10), group1=st.sampled_from(["lowest", "highest"]))
def test_groups_are_monotone_and_complete(values: list[float], n: int, group1: str) -> None:
    groups = as_list(assign_quantiles(values, n, group1))
    finite = [(v, g) for v, g in zip(values, groups) if np.isfinite(v)]
    if len(finite) < n:
        assert all(g is None for g in groups)
        return
    assert all(g is None for v, g in zip(values, groups) if not np.isfinite(v))
    assert all(1 <= g <= n for _, g in finite)
    sign = 1 if group1 == "lowest" else -1
    for (v1, g1), (v2, g2) in zip(sorted(finite), sorted(finite)[1:]):
        assert sign * g1 <= sign * g2  # non-decreasing in value (ties share a group)
        if v1 == v2:
            assert g1 == g2


@settings(max_examples=200, deadline=None, database=None)
@given(
    values=st.lists(st.integers(-10**9, 10**9), min_size=2, max_size=80, unique=True).map(
        lambda ints: [i / 1000 for i in ints]
    ),
    n=st.integers(2, 10),
)
def test_distinct_values_fill_groups_evenly(values: list[float], n: int) -> None:
    """With distinct values every group is used and sizes differ by at most one.

    Values are on a 0.001 grid, like published figures: values only a few floating-point
    steps apart (e.g. 1.0 and 1.0 + 2e-16) can make an interpolated cut point round onto
    the next value, which then joins the lower group.
    """
    if len(values) < n:
        return
    sizes = np.bincount(np.asarray(assign_quantiles(values, n), dtype=int), minlength=n + 1)[1:]
    assert sizes.min() >= 1
    assert sizes.max() - sizes.min() <= 1
