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

from model.explore import _best_first, quintile_labels
from phstats import assign_quantiles, quantile_bounds, quantile_frame, worst_quantile_mask


def as_list(groups: pd.api.extensions.ExtensionArray) -> list[int | None]:
    return [None if pd.isna(g) else int(g) for g in groups]


def test_bounds_match_fingertips_unit_test() -> None:
    np.testing.assert_allclose(quantile_bounds(range(1, 51)), [1, 10.8, 20.6, 30.4, 40.2, 50], rtol=1e-15)
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
    # all equal: one group, the middle one (see test_all_equal_values_are_neither_best_nor_worst)
    assert as_list(assign_quantiles([7.5] * 8)) == [3] * 8


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
    assert as_list(together["quartile"]) == as_list(assign_quantiles(df["value"], n=4, group1="highest"))
    assert "quintile" not in df.columns


def labels(values: list[float], polarity: str) -> list[str]:
    """Quintile labels as the map page shows them (model.explore.ward_table's chain)."""
    groups = assign_quantiles(values, 5, _best_first(polarity))
    return [quintile_labels(polarity)[g] if g is not None else "No data" for g in as_list(groups)]


POLARITIES = ["low_is_good", "high_is_good", "no_judgement"]


@pytest.mark.parametrize("polarity", POLARITIES)
def test_all_equal_values_are_neither_best_nor_worst(polarity: str) -> None:
    """22 wards all at 90%: one middle group (Fingertips: group 1, i.e. "Best 20%" or "Worst 20%")."""
    assert labels([90.0] * 22, polarity) == ["Middle"] * 22
    assert as_list(assign_quantiles([90.0] * 22, group1="highest")) == [3] * 22
    assert not worst_quantile_mask(assign_quantiles([90.0] * 22), 5, "low_is_good").any()
    # an even number of groups has no middle group: no group at all
    assert as_list(assign_quantiles([2.0] * 6, n=4)) == [None] * 6


TOP_TIED = list(range(1, 13)) + [50.0] * 10  # 22 wards, 10 tied at the highest value


@pytest.mark.parametrize(
    "values, polarity, tied_label",
    [
        (TOP_TIED, "low_is_good", "Worst 20%"),
        (TOP_TIED, "high_is_good", "Best 20%"),
        (TOP_TIED, "no_judgement", "Highest 20%"),
        ([-v for v in TOP_TIED], "low_is_good", "Best 20%"),  # 10 tied at the lowest value
        ([-v for v in TOP_TIED], "high_is_good", "Worst 20%"),
        ([-v for v in TOP_TIED], "no_judgement", "Lowest 20%"),
    ],
)
def test_ties_at_an_extreme_share_the_extreme_group(values, polarity: str, tied_label: str) -> None:
    """Fingertips put the 10 wards tied at the top in the middle group (cut points 4 and 5 both
    equal the maximum), so the worst-quintile hotspot rule never flagged them."""
    shown = labels(values, polarity)
    extreme = max(values) if values is TOP_TIED else min(values)
    assert {lab for v, lab in zip(values, shown) if v == extreme} == {tied_label}
    assert tied_label not in {lab for v, lab in zip(values, shown) if v != extreme}
    if polarity != "no_judgement":
        worst = worst_quantile_mask(assign_quantiles(values), 5, polarity)
        assert worst.tolist() == [lab == "Worst 20%" for lab in shown]
        assert worst.sum() == (10 if tied_label == "Worst 20%" else 5)  # else: 5 distinct wards


def test_top_tie_groups_in_fingertips_order() -> None:
    assert as_list(assign_quantiles(TOP_TIED)) == [1] * 5 + [2] * 4 + [3] * 3 + [5] * 10
    assert as_list(assign_quantiles([-v for v in TOP_TIED])) == [5] * 5 + [4] * 4 + [3] * 3 + [1] * 10


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
    if len(finite) < n or (n % 2 == 0 and len({v for v, _ in finite}) == 1):  # even n, all equal
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
    values=st.lists(st.integers(-(10**9), 10**9), min_size=2, max_size=80, unique=True).map(
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


tied_values = st.lists(st.sampled_from([0.0, 1.0, 2.5, 3.0, 90.0]), max_size=40) | st.lists(
    st.integers(-3, 3).map(float), max_size=40
)


@settings(max_examples=300, deadline=None, database=None)
@given(values=tied_values, polarity=st.sampled_from(["low_is_good", "high_is_good"]))
def test_ties_never_mislabel_best_or_worst(values: list[float], polarity: str) -> None:
    """With polarity (group 1 = best, as on the map): equal values share a group; a worse value is
    never in a better group; nothing is best or worst unless some value is strictly worse or better."""
    groups = as_list(assign_quantiles(values, 5, _best_first(polarity)))
    if len(values) < 5:
        return
    better = (lambda a, b: a < b) if polarity == "low_is_good" else (lambda a, b: a > b)
    for v1, g1 in zip(values, groups):
        if g1 == 1:
            assert any(better(v1, v2) for v2 in values)
        if g1 == 5:
            assert any(better(v2, v1) for v2 in values)
        for v2, g2 in zip(values, groups):
            if v1 == v2:
                assert g1 == g2
            if better(v1, v2):
                assert g1 <= g2
    worst = worst_quantile_mask(assign_quantiles(values), 5, polarity)  # as the hotspot rule uses it
    assert worst.tolist() == [g == 5 for g in groups]
    at_worst = [v == (max(values) if polarity == "low_is_good" else min(values)) for v in values]
    assert all(worst[at_worst]) if len(set(values)) > 1 else not worst.any()
