"""Tests for phstats.hotspots on a hand-built example with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from phstats import hotspot_matrix, hotspot_scores

AREAS = ["A1", "A2", "A3", "A4", "A5"]
# indicator -> (polarity, comparator, [(value, lower, upper) for A1..A5])
INDICATORS = {
    # worst quintile (highest value): A5; significantly worse (comparator below interval): A4, A5
    "obesity": (
        "low_is_good",
        25.0,
        [(10, 8, 12), (20, 18, 22), (30, 20, 40), (40, 35, 45), (50, 30, 70)],
    ),
    # worst quintile (lowest value): A4; significantly worse (comparator above): A2, A4
    "readiness": (
        "high_is_good",
        68.0,
        [(70, 66, 74), (60, 55, 65), (65, 60, 70), (50, 45, 55), (80, 75, 85)],
    ),
    # only 4 areas with data: no quintiles; significantly worse: A1
    "mmr": (
        "high_is_good",
        90.0,
        [(85, 80, 89), (90, 88, 92), (np.nan, np.nan, np.nan), (95, 93, 97), (92, 90, 94)],
    ),
    # no judgement: A5 is highest and significantly higher, yet never flags
    "population": (
        "no_judgement",
        100.0,
        [(90, 85, 95), (100, 95, 105), (101, 96, 106), (99, 94, 104), (130, 120, 140)],
    ),
}
COMPARATORS = {ind: comp for ind, (_, comp, _) in INDICATORS.items()}


def build() -> pd.DataFrame:
    rows = [
        {
            "area_code": area,
            "indicator_id": ind,
            "value": v,
            "lower": lo,
            "upper": hi,
            "polarity": polarity,
        }
        for ind, (polarity, _, data) in INDICATORS.items()
        for area, (v, lo, hi) in zip(AREAS, data)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "rule, expected",
    [
        (
            "worst_quintile",
            [
                ("A4", 1, "readiness"),
                ("A5", 1, "obesity"),
                ("A1", 0, ""),
                ("A2", 0, ""),
                ("A3", 0, ""),
            ],
        ),
        (
            "significantly_worse",
            [
                ("A4", 2, "obesity, readiness"),
                ("A1", 1, "mmr"),
                ("A2", 1, "readiness"),
                ("A5", 1, "obesity"),
                ("A3", 0, ""),
            ],
        ),
        (
            "either",
            [
                ("A4", 2, "obesity, readiness"),
                ("A1", 1, "mmr"),
                ("A2", 1, "readiness"),
                ("A5", 1, "obesity"),
                ("A3", 0, ""),
            ],
        ),
        (
            "both",
            [
                ("A4", 1, "readiness"),
                ("A5", 1, "obesity"),
                ("A1", 0, ""),
                ("A2", 0, ""),
                ("A3", 0, ""),
            ],
        ),
    ],
)
def test_hotspot_scores_per_rule(rule: str, expected: list[tuple[str, int, str]]) -> None:
    scores = hotspot_scores(build(), rule, comparators=COMPARATORS)
    assert scores.columns.tolist() == ["area_code", "n_flagged", "n_indicators", "flagged"]
    assert list(scores[["area_code", "n_flagged", "flagged"]].itertuples(index=False)) == expected
    assert dict(zip(scores["area_code"], scores["n_indicators"])) == {
        "A1": 4,
        "A2": 4,
        "A3": 3,  # no mmr value
        "A4": 4,
        "A5": 4,
    }
    assert scores["n_flagged"].dtype == "int64"


def test_worst_quintile_alone_flags_under_either_but_not_both() -> None:
    """A5 stays in obesity's worst quintile but its wider interval now includes England."""
    data = build()
    data.loc[(data["indicator_id"] == "obesity") & (data["area_code"] == "A5"), "lower"] = 20.0
    worse = hotspot_scores(data, "significantly_worse", comparators=COMPARATORS)
    either = hotspot_scores(data, "either", comparators=COMPARATORS)
    both = hotspot_scores(data, "both", comparators=COMPARATORS)
    assert worse.set_index("area_code").loc["A5", "n_flagged"] == 0
    assert either.set_index("area_code").loc["A5", "flagged"] == "obesity"
    assert both.set_index("area_code").loc["A5", "n_flagged"] == 0


def test_hotspot_matrix_long_form() -> None:
    matrix = hotspot_matrix(build(), "either", comparators=COMPARATORS)
    assert matrix.columns.tolist() == [
        "area_code",
        "indicator_id",
        "value",
        "quintile",
        "comparison",
        "flagged",
    ]
    assert len(matrix) == 20
    cell = matrix.set_index(["area_code", "indicator_id"])
    assert cell.loc[("A5", "obesity"), ["quintile", "comparison", "flagged"]].tolist() == [
        5,
        "worse",
        True,
    ]
    assert cell.loc[("A4", "readiness"), "quintile"] == 1
    assert cell.loc[("A1", "obesity"), "comparison"] == "better"
    assert cell.loc[("A5", "population"), ["quintile", "comparison", "flagged"]].tolist() == [
        5,
        "higher",
        False,
    ]
    assert matrix.loc[matrix["indicator_id"] == "mmr", "quintile"].isna().all()
    assert cell.loc[("A3", "mmr"), "comparison"] == "not compared"
    assert not matrix.loc[matrix["indicator_id"] == "population", "flagged"].any()


def test_comparator_column_equals_comparator_dict() -> None:
    data = build()
    with_col = data.assign(comparator=data["indicator_id"].map(COMPARATORS))
    pd.testing.assert_frame_equal(
        hotspot_scores(with_col, "either"), hotspot_scores(data, "either", comparators=COMPARATORS)
    )


def test_worst_quintile_needs_no_comparator_and_ids_sort_naturally() -> None:
    data = build()
    data["indicator_id"] = data["indicator_id"].map({"obesity": 10, "readiness": 9, "mmr": 100, "population": 1})
    matrix = hotspot_matrix(data, "worst_quintile")
    assert (matrix["comparison"] == "not compared").all()
    data.loc[data["indicator_id"] == 9, "value"] *= -1  # readiness: A4 now highest, A5 lowest
    scores = hotspot_scores(data, "worst_quintile").set_index("area_code")
    assert scores.loc["A5", "flagged"] == "9, 10"


def test_empty_input_gives_empty_results() -> None:
    empty = build().iloc[:0]
    assert hotspot_matrix(empty, "worst_quintile").empty
    scores = hotspot_scores(empty, "worst_quintile")
    assert scores.empty
    assert scores.columns.tolist() == ["area_code", "n_flagged", "n_indicators", "flagged"]


def test_nan_comparator_means_not_compared() -> None:
    comparators = COMPARATORS | {"mmr": np.nan}
    matrix = hotspot_matrix(build(), "significantly_worse", comparators=comparators)
    assert (matrix.loc[matrix["indicator_id"] == "mmr", "comparison"] == "not compared").all()
    scores = hotspot_scores(build(), "significantly_worse", comparators=comparators)
    assert scores.set_index("area_code").loc["A1", "n_flagged"] == 0


@pytest.mark.parametrize(
    "change, kwargs, message",
    [
        (lambda d: d, dict(rule="worst"), "unknown rule"),
        (lambda d: d.drop(columns="upper"), {}, r"missing column\(s\) \['upper'\]"),
        (lambda d: d.assign(polarity="bad"), {}, "unknown polarity"),
        (
            lambda d: d.assign(polarity=["low_is_good", "high_is_good"] * 10),
            {},
            "several polarities",
        ),
        (lambda d: pd.concat([d, d.iloc[:1]]), {}, "1 duplicate area/indicator"),
        (lambda d: d.assign(area_code=[None] + (AREAS * 4)[1:]), {}, "missing area_code"),
        (lambda d: d, dict(comparators=None), "needs comparators"),
        (lambda d: d, dict(comparators={"obesity": 1.0}), "no comparator for indicator"),
        (lambda d: d.assign(comparator=1.0), {}, "not both"),
    ],
)
def test_validation_errors(change, kwargs: dict, message: str) -> None:
    args = dict(rule="either", comparators=COMPARATORS) | kwargs
    with pytest.raises(ValueError, match=message):
        hotspot_scores(change(build()), **args)


TOP_TIED = list(range(1, 13)) + [50.0] * 10  # 22 wards, 10 tied at the highest value


@pytest.mark.parametrize(
    "polarity, worst", [("low_is_good", [v == 50 for v in TOP_TIED]), ("high_is_good", [v <= 5 for v in TOP_TIED])]
)
def test_worst_quintile_rule_flags_every_ward_tied_at_the_worst_value(polarity: str, worst: list[bool]) -> None:
    """Fingertips' cut points put the 10 tied wards in the middle quintile: under low_is_good
    none of them was flagged. All-equal values flag nothing: no ward is worse than another."""
    data = pd.DataFrame(
        {
            "area_code": [f"W{i:02}" for i in range(22)],
            "indicator_id": "x",
            "value": TOP_TIED,
            "lower": np.nan,
            "upper": np.nan,
            "polarity": polarity,
        }
    )
    assert hotspot_matrix(data, "worst_quintile").flagged.tolist() == worst
    assert not hotspot_matrix(data.assign(value=90.0), "worst_quintile").flagged.any()
