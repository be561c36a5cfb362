"""Tests for phstats.compare, including Fingertips' own "Compared to England" judgements."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phstats import (
    COMPARISON_COLOURS,
    COMPARISON_COLOURS_CB,
    POLARITIES,
    RESULTS,
    compare,
    compare_frame,
    rate_interval,
)

RAW = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "raw"
FINGERTIPS_CSV = RAW / "fingertips_sample_campylobacter_CountyUA.csv"
CI95 = ("Lower CI 95.0 limit", "Upper CI 95.0 limit")
PUBLISHED = "Compared to England value or percentiles"


# --- scalar rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "comparator, polarity, expected",
    [
        (5.0, "low_is_good", "worse"),  # area (10-20) significantly higher than 5
        (25.0, "low_is_good", "better"),
        (5.0, "high_is_good", "better"),
        (25.0, "high_is_good", "worse"),
        (5.0, "no_judgement", "higher"),
        (25.0, "no_judgement", "lower"),
        (15.0, "low_is_good", "similar"),
        (15.0, "high_is_good", "similar"),
        (15.0, "no_judgement", "similar"),
        (10.0, "low_is_good", "similar"),  # a comparator on a bound is not significant
        (20.0, "high_is_good", "similar"),
    ],
)
def test_compare_rules(comparator: float, polarity: str, expected: str) -> None:
    assert compare(10.0, 20.0, comparator, polarity) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, np.float32("nan")])
@pytest.mark.parametrize("polarity", POLARITIES)
def test_missing_interval_or_comparator_is_not_compared(missing: object, polarity: str) -> None:
    assert compare(missing, 20.0, 15.0, polarity) == "not compared"
    assert compare(10.0, missing, 15.0, polarity) == "not compared"
    assert compare(10.0, 20.0, missing, polarity) == "not compared"


def test_compare_invalid_input_raises() -> None:
    with pytest.raises(ValueError, match="unknown polarity"):
        compare(1, 2, 3, "lower_is_better")
    with pytest.raises(ValueError, match="unknown polarity"):
        compare(1, 2, 3, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="greater than upper"):
        compare(3, 2, 1, "low_is_good")
    with pytest.raises(ValueError, match="comparator must be a number"):
        compare(1, 2, "England", "low_is_good")  # type: ignore[arg-type]


def test_worse_at_95_but_similar_at_998_from_real_intervals() -> None:
    """Bexley, campylobacter 2015, all ages: 261 cases in 242,142 people against England.

    Fingertips published "Worse" for this row (95% limits); at 99.8% England is inside.
    """
    england = 51_897 / 54_786_327 * 100_000
    lo95, hi95 = rate_interval(261, 242_142, 0.95, multiplier=100_000)
    lo998, hi998 = rate_interval(261, 242_142, 0.998, multiplier=100_000)
    assert lo998 < england < lo95  # 88.3 < 94.7 < 95.1
    assert compare(lo95, hi95, england, "low_is_good") == "worse"
    assert compare(lo998, hi998, england, "low_is_good") == "similar"
    assert compare(lo95, hi95, england, "high_is_good") == "better"
    assert compare(lo95, hi95, england, "no_judgement") == "higher"
    assert compare(lo998, hi998, england, "no_judgement") == "similar"


# --- vectorised ---------------------------------------------------------------------------


def test_compare_frame_scalar_and_column_comparators() -> None:
    df = pd.DataFrame(
        {
            "lower": [1.0, 5.0, 8.0, np.nan, 2.0],
            "upper": [3.0, 7.0, 9.0, 4.0, 6.0],
            "england": [4.0, 4.0, 4.0, 4.0, np.nan],
        },
        index=list("vwxyz"),
    )
    by_value = compare_frame(df, 4.0, "low_is_good")
    assert by_value["comparison"].tolist() == [
        "better",
        "worse",
        "worse",
        "not compared",
        "similar",
    ]
    by_col = compare_frame(df, "england", "high_is_good", out_col="vs_england")
    assert by_col["vs_england"].tolist() == [
        "worse",
        "better",
        "better",
        "not compared",
        "not compared",
    ]
    assert by_col.index.tolist() == list("vwxyz")
    assert "comparison" not in df.columns  # the input is not modified


@settings(max_examples=200, deadline=None, database=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(-100, 100)),
            st.floats(0, 50),
            st.one_of(st.none(), st.floats(-100, 150)),
        ),
        min_size=1,
        max_size=20,
    ),
    polarity=st.sampled_from(POLARITIES),
)
def test_compare_frame_agrees_with_scalar(rows: list[tuple[float | None, float, float | None]], polarity: str) -> None:
    df = pd.DataFrame(
        {
            "lower": [lo for lo, _, _ in rows],
            "upper": [np.nan if lo is None else lo + width for lo, width, _ in rows],
            "comp": [c for _, _, c in rows],
        }
    )
    out = compare_frame(df, "comp", polarity)
    expected = [compare(r.lower, r.upper, r.comp, polarity) for r in df.itertuples()]
    assert out["comparison"].tolist() == expected
    assert set(expected) <= set(RESULTS)


def test_compare_frame_invalid_input_raises() -> None:
    df = pd.DataFrame({"lower": [1.0, 3.0], "upper": [2.0, 2.5]})
    with pytest.raises(ValueError, match="1 row\\(s\\) have lower > upper"):
        compare_frame(df, 2.0, "low_is_good")
    with pytest.raises(ValueError, match="unknown polarity"):
        compare_frame(df.iloc[:1], 2.0, "bad")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['england'\]"):
        compare_frame(df.iloc[:1], "england", "low_is_good")


# --- Fingertips' published judgements -----------------------------------------------------


def test_reproduces_fingertips_compared_to_england() -> None:
    """Campylobacter (low is good), 95% limits: every published judgement is reproduced."""
    if not FINGERTIPS_CSV.exists():
        pytest.skip(f"Fingertips sample not found at {FINGERTIPS_CSV}")
    df = pd.read_csv(FINGERTIPS_CSV)
    is_england = (df["Area Code"] == "E92000001") & df["Category"].isna()
    england = df.loc[is_england, ["Time period", "Age", "Value"]]
    areas = df[df["Area Type"] != "Country"].merge(
        england.rename(columns={"Value": "england"}), on=["Time period", "Age"], how="left"
    )
    out = compare_frame(areas, "england", "low_is_good", lower_col=CI95[0], upper_col=CI95[1])
    assert len(out) == 787
    assert (out["comparison"].str.capitalize() == out[PUBLISHED]).all()
    assert out["comparison"].value_counts().to_dict() == {
        "better": 283,
        "worse": 247,
        "similar": 220,
        "not compared": 37,
    }
    bexley = out[(out["Area Name"] == "Bexley") & (out["Time period"] == 2015)]
    assert bexley.set_index("Age").loc["All ages", PUBLISHED] == "Worse"


# --- colours ------------------------------------------------------------------------------

# Machado, Oliveira & Fernandes (2009) dichromacy matrices (severity 1), on linear RGB.
PROTANOPIA = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)
DEUTERANOPIA = np.array(
    [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ]
)


def simulate(hex_colour: str, matrix: np.ndarray) -> np.ndarray:
    """sRGB (0-255) of a colour as seen with the given dichromacy."""
    srgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(matrix @ linear, 0, 1)
    return 255 * np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)


def distance(a: str, b: str, matrix: np.ndarray) -> float:
    return float(np.linalg.norm(simulate(a, matrix) - simulate(b, matrix)))


def test_palettes_cover_every_result() -> None:
    assert set(RESULTS) == {"better", "similar", "worse", "higher", "lower", "not compared"}
    for palette in (COMPARISON_COLOURS, COMPARISON_COLOURS_CB):
        assert set(palette) == set(RESULTS)
        assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in palette.values())
        assert len(set(palette.values())) == len(palette)
    assert COMPARISON_COLOURS["better"] == "#92D050"
    assert COMPARISON_COLOURS["similar"] == "#FFC000"
    assert COMPARISON_COLOURS["worse"] == "#C00000"


@pytest.mark.parametrize("matrix", [np.eye(3), PROTANOPIA, DEUTERANOPIA])
def test_colour_blind_palette_stays_distinct(matrix: np.ndarray) -> None:
    cb = COMPARISON_COLOURS_CB
    for a, b in itertools.combinations(["better", "similar", "worse"], 2):
        assert distance(cb[a], cb[b], matrix) > 150, (a, b)
    for a, b in itertools.combinations(cb, 2):
        assert distance(cb[a], cb[b], matrix) > 60, (a, b)


def test_fingertips_palette_is_not_colour_blind_safe() -> None:
    """Why the CB palette exists: Fingertips' green 'better' nears amber 'similar'."""
    ft = COMPARISON_COLOURS
    assert distance(ft["better"], ft["similar"], PROTANOPIA) < 75
    assert distance(ft["better"], ft["similar"], np.eye(3)) > 130
