"""The Hotspots page says what its rule does (issue #12): cell colours, cell text, counts and captions
follow the rule in force; a rule that cannot flag anything says so and why; the indicator selection
survives a switch of ward scheme. Through Streamlit's AppTest, reading the matrix the page draws.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from model import hotspots as hs

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "hotspots.py")
FLAGS = set(hs.REASONS[:3])


@pytest.fixture(scope="module", autouse=True)
def _fresh_store_cache():
    """The committed data/, whatever earlier test modules cached (st.cache_resource is per process)."""
    from ui.data import reload_store

    reload_store()


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch):
    for k in [k for k in os.environ if k.startswith("BWE_")]:
        monkeypatch.delenv(k)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def page(**params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    return run(at)


def drawn_matrix(at: AppTest) -> pd.DataFrame:
    """The ward x indicator cells as the matrix chart draws them (reason = colour, text = cell text)."""
    for chart in at.get("vega_lite_chart"):
        for ds in chart.proto.datasets:
            if ds.name == "matrix":
                return pa.ipc.open_stream(ds.data.data).read_pandas()
    raise AssertionError("no matrix chart on the page")


def scores(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "n_flagged" in d.value.columns)


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def test_significantly_worse_paints_and_counts_only_significant_cells():
    """Before: worst-quintile cells were painted and labelled "Q5" under this rule but counted 0."""
    at = page(rule="significantly_worse")
    cells = drawn_matrix(at)
    flagged = cells.reason.isin(FLAGS)
    assert set(cells.reason[flagged]) == {"Significantly worse"}
    assert (cells.comparison[flagged] == "worse").all() and (cells.comparison[~flagged] != "worse").all()
    assert not cells.text.str.contains("Q5").any()
    assert set(cells.text[flagged]) == {"worse"}
    # worst-quintile cells that are not significantly worse: neutral, flagged by nothing
    q5_only = (cells.quintile == 5) & (cells.comparison != "worse")
    assert q5_only.any() and set(cells.reason[q5_only]) <= {"Not flagged", "Not tested"}
    assert (cells.text[cells.comparison == "not compared"] == "not tested").all()
    assert scores(at).n_flagged.sum() == flagged.sum() > 0
    # the caption about untested indicators is true for this rule
    note = [c for c in texts(at.caption) if "Not tested for significance" in c]
    assert len(note) == 1 and "cannot flag under this rule" in note[0]
    assert "worst quintile" not in note[0]
    assert "Child income deprivation (IDACI) (no England value)" in note[0]
    assert "(no confidence intervals)" in note[0]


def test_either_rule_caption_and_cells():
    at = page(rule="either")
    cells = drawn_matrix(at)
    assert {"Worst quintile", "Worst quintile and significantly worse"} <= set(cells.reason)
    assert scores(at).n_flagged.sum() == cells.reason.isin(FLAGS).sum()
    assert any("can flag only through the worst quintile" in c for c in texts(at.caption))


def test_2014_wards_significance_rule_says_why_nothing_can_flag():
    """Before: all zeros and no message."""
    for rule in ("significantly_worse", "both"):  # child poverty (an ESTIMATE with counts) could be tested: left out
        at = page(geography="ward2014", rule=rule, indicators="idaci,obesity_year6,neet,cla_rate")
        assert scores(at).n_flagged.sum() == 0
        warning = [w for w in texts(at.warning) if "No ward can be flagged" in w]
        assert len(warning) == 1, texts(at.warning)
        assert "Wards (2014-2022)" in warning[0] and "England" in warning[0]
        assert "no England value" in warning[0] and "no confidence intervals" in warning[0]
        assert set(drawn_matrix(at).reason) == {"Not tested"}
    # a rule that can flag gives no such warning
    assert not any("No ward can be flagged" in w for w in texts(page(geography="ward2014").warning))
    assert not any("No ward can be flagged" in w for w in texts(page(geography="ward2014", rule="both").warning))


def test_scheme_switch_keeps_indicators_unavailable_on_the_scheme():
    """Before: switching to 2014 wards dropped NEET and CLA from the selection for good."""
    at = page()
    assert at.multiselect(key="hotspots:indicators").value == hs.DEFAULT_INDICATORS
    at.selectbox(key="hotspots:geography").set_value("ward2014")
    run(at)
    assert at.multiselect(key="hotspots:indicators").value == hs.DEFAULT_INDICATORS
    assert at.query_params["indicators"] == ",".join(hs.DEFAULT_INDICATORS)
    notice = [i for i in texts(at.info) if "No figures on Wards (2014-2022)" in i]
    assert len(notice) == 1 and "NEET" in notice[0] and "Children looked after" in notice[0]
    assert set(drawn_matrix(at).indicator) == {
        "Child income deprivation (IDACI)",
        "Obesity: Year 6 (age 10-11)",
        "Children in relative low income (under 16)",
    }
    assert (scores(at).n_indicators <= 3).all()
    at.selectbox(key="hotspots:geography").set_value("ward2022")
    run(at)
    assert at.multiselect(key="hotspots:indicators").value == hs.DEFAULT_INDICATORS
    assert not any("No figures on" in i for i in texts(at.info))
    assert len(set(drawn_matrix(at).indicator)) == 5
    assert scores(at).n_flagged.max() == 5


def test_only_unavailable_indicators_chosen():
    at = page(geography="ward2014", indicators="neet,cla_rate")
    assert at.multiselect(key="hotspots:indicators").value == ["neet", "cla_rate"]
    assert any("Choose at least one indicator available on this ward scheme" in i for i in texts(at.info))
