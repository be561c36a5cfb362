"""Every page through Streamlit's AppTest: what is shown, with real values, from URL state and widgets.

Expected numbers come from the Store and the model functions the pages use (so a change in the data
changes both sides), plus a few concrete facts about Bromley that must hold for the bundled data.
Streamlit's st.cache_resource is shared by the AppTests of one process; that is fine here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders import extracts
from loaders import targets as targets_mod
from loaders.codes import BROMLEY, ENGLAND, LONDON
from model import explore, overview, profile
from model import hotspots as hs
from model.public import PublicStore
from model.settings import suppress_below

ROOT = Path(__file__).resolve().parents[1]

PAGES = ["overview", "map", "hotspots", "ward", "trends", "scorecard", "methods", "upload"]


# ---- fixtures and helpers ------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def _fresh_store_cache():
    """Start from the committed data/ whatever earlier test modules cached (st.cache_resource is per process)."""
    from ui.data import reload_store

    reload_store()
    yield


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch):
    """The app's defaults: no deployment settings (public mode, threshold, data folder) from the environment."""
    import os

    for k in [k for k in os.environ if k.startswith("BWE_")]:
        monkeypatch.delenv(k)


def run_page(page: str, **params: str) -> AppTest:
    """Run pages/<page>.py with these URL query parameters; fail on any exception or error box."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert_clean(at)
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    """No exception, and no error box (ui.errors turns exceptions into st.error)."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def plain(text: str) -> str:
    """Markdown as a reader sees it: drop ui.text.plain's backslash escapes and zero-width spaces."""
    return re.sub(r"\\(.)", r"\1", str(text)).replace("\u200b", "")


def values(elements) -> list[str]:
    return [plain(e.value) for e in elements]


def table(at: AppTest, column: str | None = None) -> pd.DataFrame:
    """The first dataframe on the page (or the first with ``column``)."""
    for df in at.dataframe:
        if column is None or column in df.value.columns:
            return df.value.reset_index(drop=True)
    raise AssertionError(f"no dataframe with column {column!r}; have {[list(d.value.columns) for d in at.dataframe]}")


def downloads(at: AppTest) -> list[str]:
    return [d.label for d in at.get("download_button")]


def has_local(store, indicator: str) -> bool:
    """A council extract in data/local replaces the illustrative series for that indicator."""
    return any(indicator in str(p) for p in store.local_files)


def default_comparator(store, indicator: str, period: str) -> str:
    avail = explore.available_comparators(store, indicator, period)
    return "england" if "england" in avail else avail[0]


def expected_map_table(store, indicator, period, geography, comparator, level="95") -> pd.DataFrame:
    t, _ = explore.ward_table(store, explore.View(indicator, period, geography, comparator, level))
    return t


def assert_table_matches(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same wards in the same (ranking) order, with the same values and intervals (3 d.p. as shown)."""
    assert shown.area_code.tolist() == expected.area_code.tolist()
    assert shown.area_name.tolist() == expected.area_name.tolist()
    for col, exp in (("value", "value"), ("lower_ci", "lower"), ("upper_ci", "upper")):
        np.testing.assert_allclose(
            shown[col].astype(float), expected[exp].astype(float).round(3), atol=5e-4, equal_nan=True, err_msg=col
        )
    # ranking order: highest value first, areas without a value last
    v = shown.value.astype(float)
    assert v.dropna().is_monotonic_decreasing


# ---- every page renders ----------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(page):
    at = run_page(page)
    assert at.title, f"{page} shows no title"
    assert at.toggle(key="app:public").value is False


# ---- map explorer ----------------------------------------------------------------------------
def test_map_default_view(store):
    at = run_page("map")
    assert at.title[0].value == "Map explorer"
    opts = explore.options(store, "idaci")
    period = opts.period.iloc[0]  # newest first
    assert at.selectbox(key="map:indicator").value == "idaci"
    assert at.selectbox(key="map:period").value == period == "2025"
    assert at.selectbox(key="map:geography").value == "ward2022"
    comparator = default_comparator(store, "idaci", period)
    assert at.selectbox(key="map:comparator").value == comparator
    assert at.selectbox(key="map:colour").value == "quintile"
    assert at.radio(key="map:level").value == "95"
    # the view is written to the URL, so the link can be copied
    qp = at.query_params
    assert (qp["indicator"], qp["period"], qp["geography"]) == ("idaci", "2025", "ward2022")

    shown = table(at)
    assert_table_matches(shown, expected_map_table(store, "idaci", period, "ward2022", comparator))
    assert len(shown) == 22
    assert shown.area_name.iloc[0] == "Crystal Palace & Anerley"
    assert round(shown.value.iloc[0], 1) == 45.5
    assert (shown.data_status == "published").all()
    assert not at.warning and not at.info  # no banner, no notice on the default view
    assert any("CSV" in label for label in downloads(at))


@pytest.mark.parametrize(
    "indicator,period,geography,comparator,level,first_name,first_value,comp_value",
    [
        ("idaci", "2019", "ward2014", "london", "95", "Cray Valley West", 27.1, 18.2),
        ("idaci", "2019", "ward2014", "london", "99.8", "Cray Valley West", 27.1, 18.2),
        ("idaci", "2025", "ward2022", "bromley", "95", "Crystal Palace & Anerley", 45.5, 22.3),
        ("cla_rate", "31 Mar 2023", "ward2022", "england", "95", None, None, 70.4),  # DfE 2025 edition
    ],
)
def test_map_url_state_gives_ranked_table(
    store, indicator, period, geography, comparator, level, first_name, first_value, comp_value
):
    at = run_page("map", indicator=indicator, period=period, geography=geography, comparator=comparator, level=level)
    assert not at.info or all("not (all) available" not in i for i in values(at.info))
    for param, want in (
        ("indicator", indicator),
        ("period", period),
        ("geography", geography),
        ("comparator", comparator),
    ):
        assert at.selectbox(key=f"map:{param}").value == want
    assert at.radio(key="map:level").value == level
    shown = table(at)
    expected = expected_map_table(store, indicator, period, geography, comparator, level)
    assert_table_matches(shown, expected)

    # intervals are the stored ones for the chosen level, and contain the value
    raw = store.values(indicator, period, geography).set_index("area_code")
    suffix = "95" if level == "95" else "998"
    lo = raw.loc[shown.area_code, f"lower{suffix}"].to_numpy()
    hi = raw.loc[shown.area_code, f"upper{suffix}"].to_numpy()
    np.testing.assert_allclose(shown.lower_ci, lo.round(3), atol=5e-4)
    np.testing.assert_allclose(shown.upper_ci, hi.round(3), atol=5e-4)
    assert ((shown.lower_ci <= shown.value) & (shown.value <= shown.upper_ci)).all()
    assert (shown.confidence_level == f"{level}%").all()

    comp_col = f"compared_with_{comparator}"
    assert shown[comp_col].tolist() == expected.comparison.tolist()
    assert round(float(shown.comparator_value.iloc[0]), 1) == comp_value
    if first_name:
        assert shown.area_name.iloc[0] == first_name
        assert round(float(shown.value.iloc[0]), 1) == first_value
        assert shown[comp_col].iloc[0] == "worse"


def test_map_99_8_intervals_are_wider_than_95():
    a = table(run_page("map", indicator="idaci", period="2019", geography="ward2014", level="95"))
    b = table(run_page("map", indicator="idaci", period="2019", geography="ward2014", level="99.8"))
    assert (b.value == a.value).all()
    assert ((b.upper_ci - b.lower_ci) > (a.upper_ci - a.lower_ci)).all()


def test_map_cla_on_2022_wards_is_flagged_illustrative(store):
    if has_local(store, "cla_rate"):
        pytest.skip("a local children-looked-after extract replaces the illustrative series")
    at = run_page("map", indicator="cla_rate", geography="ward2022")
    raw = store.values("cla_rate", at.selectbox(key="map:period").value, "ward2022")
    assert raw.is_illustrative.all()
    warnings = values(at.warning)
    assert any("ILLUSTRATIVE" in w for w in warnings), warnings
    shown = table(at)
    assert shown.data_status.str.startswith("ILLUSTRATIVE").all()
    assert not any("PUBLIC MODE" in w for w in warnings)


def test_map_obesity_on_2022_wards_is_flagged_estimate(store):
    at = run_page("map", indicator="obesity_year6", geography="ward2022")
    period = at.selectbox(key="map:period").value
    raw = store.values("obesity_year6", period, "ward2022")
    assert raw.is_estimate.all() and not raw.is_illustrative.any()
    infos = values(at.info)
    assert any("ESTIMATE" in i for i in infos), infos
    assert not any("ILLUSTRATIVE" in w for w in values(at.warning))
    shown = table(at)
    assert shown.data_status.str.startswith("ESTIMATE").all()
    # no counts: no intervals, and the page says so
    assert shown.lower_ci.isna().all()
    assert any("No confidence intervals" in c.value for c in at.caption)
    # the 2014-ward original of the same series is published, not an estimate
    at14 = run_page("map", indicator="obesity_year6", period=period, geography="ward2014")
    assert (table(at14).data_status == "published").all()
    assert not any("ESTIMATE" in i for i in values(at14.info))


def test_map_invalid_url_values_fall_back_with_notices(store):
    at = run_page("map", indicator="bogus", period="1999", geography="xx", ward="<script>")
    notices = values(at.info)
    for bad in ("indicator=bogus", "period=1999", "geography=xx"):
        assert any(bad in n for n in notices), (bad, notices)
    # nothing of the bad values is echoed as markup anywhere
    everything = " ".join(e.value for e in list(at.markdown) + list(at.info) + list(at.caption))
    assert "<script>" not in everything
    # the default view, and the URL rewritten to it
    assert at.selectbox(key="map:indicator").value == "idaci"
    assert at.selectbox(key="map:period").value == "2025"
    assert at.selectbox(key="map:geography").value == "ward2022"
    assert at.selectbox(key="map:ward").value == ""
    assert at.query_params["indicator"] == "idaci"
    assert at.query_params.get("ward", "") == ""
    default = table(run_page("map"))
    pd.testing.assert_frame_equal(table(at), default)


@pytest.mark.parametrize(
    "params",
    [
        {"indicator": "idaci", "period": "2019", "geography": "lsoa2021"},  # LSOA 2021 has no 2019 values
        {"indicator": "idaci", "comparator": "narnia"},
        {"indicator": "idaci", "level": "50"},
        {"indicator": "obesity_year6", "colour": "compare"},  # no intervals: compare not offered
        {"indicator": "idaci", "geography": "ward2022", "colour": "decile"},  # deciles are for LSOAs only
        {"indicator": "idaci", "period": "x" * 5000},
    ],
)
def test_map_other_invalid_values_give_a_notice(params):
    at = run_page("map", **params)
    notices = values(at.info)
    assert any("not (all) available" in n for n in notices), notices


@pytest.mark.parametrize("ward", ["<script>", "E05999999", "E05000123"])  # E05000123 is a 2014 ward, not on ward2022
def test_map_invalid_ward_in_url_gives_a_notice(ward):
    """Was a bug: the ward picker ran after the notices were shown, so a bad `ward` was dropped silently."""
    at = run_page("map", indicator="idaci", geography="ward2022", ward=ward)
    assert at.selectbox(key="map:ward").value == ""
    assert any("ward=" in n for n in values(at.info)), values(at.info)


def test_map_compare_colouring_only_offered_with_intervals(store):
    inds = explore.map_indicators(store)
    seen = {True: 0, False: 0}
    for ind in ["idaci", "cla_rate", "obesity_year6", "child_poverty", "children_out_of_work"]:
        if ind not in set(inds.indicator_id):
            continue
        meta = store.indicator(ind)
        at = run_page("map", indicator=ind)
        options = list(at.selectbox(key="map:colour").options)
        has_interval = meta["interval"] != "none"
        seen[has_interval] += 1
        assert ("Compared with the comparator" in options) == has_interval, (ind, options)
        assert options[0] == "Quintiles within Bromley"
    assert seen[True] and seen[False]
    # deciles only for IDACI on LSOAs
    at = run_page("map", indicator="idaci", period="2025", geography="lsoa2021", colour="decile")
    assert at.selectbox(key="map:colour").value == "decile"
    assert len(table(at)) == len(store.values("idaci", "2025", "lsoa2021")) == 199


def test_map_compare_colouring_from_url():
    at = run_page("map", indicator="idaci", period="2019", geography="ward2014", comparator="london", colour="compare")
    assert at.selectbox(key="map:colour").value == "compare"
    assert not at.info


def test_map_selecting_a_ward_writes_the_url_and_links_to_the_profile(store):
    at = run_page("map", indicator="idaci", period="2019", geography="ward2014")
    assert not [m for m in values(at.markdown) if "./ward?ward=" in m]
    code = "E05000115"
    name = store.area(code).area_name.iloc[0]
    assert name == "Cray Valley West"
    at.selectbox(key="map:ward").set_value(code)
    rerun(at)
    assert at.query_params["ward"] == code
    links = [m for m in at.markdown if f"./ward?ward={code}" in m.value]
    assert links, values(at.markdown)
    assert "Open the ward profile" in links[0].value
    assert any(f"Selected: {name}" in plain(m) for m in values(at.markdown))
    # clearing the selection removes the link and empties `ward`
    at.selectbox(key="map:ward").set_value("")
    rerun(at)
    assert at.query_params.get("ward", "") == ""
    assert not [m for m in at.markdown if "./ward?ward=" in m.value]


def test_map_ward_from_url_is_selected(store):
    at = run_page("map", indicator="idaci", period="2025", geography="ward2022", ward="E05014002")
    assert at.selectbox(key="map:ward").value == "E05014002"
    assert any("./ward?ward=E05014002" in m.value and "Open the ward profile" in m.value for m in at.markdown)
    assert "**Selected: Penge & Cator**" in values(at.markdown)


# ---- public mode -----------------------------------------------------------------------------
def _assert_suppressed_view(at: AppTest, store) -> pd.DataFrame:
    threshold = suppress_below()
    assert any("PUBLIC MODE" in w for w in values(at.warning)), values(at.warning)
    shown = table(at)
    period = at.selectbox(key="map:period").value
    raw = store.values("cla_rate", period, "ward2022").set_index("area_code")
    # no count below the threshold is shown
    num = shown.numerator.astype(float)
    assert not (num.dropna() < threshold).any(), shown[num < threshold]
    supp = shown.data_status.str.startswith("SUPPRESSED")
    assert supp.any()
    assert shown.loc[supp, "value"].isna().all() and shown.loc[supp, "numerator"].isna().all()
    assert shown.loc[supp, ["lower_ci", "upper_ci"]].isna().all().all()
    assert shown.loc[~supp, "value"].notna().all()
    # every ward whose real count is small is among the suppressed; denominators are still shown
    small = set(raw.index[raw.numerator < threshold])
    assert small and small <= set(shown.area_code[supp])
    np.testing.assert_allclose(shown.denominator, raw.loc[shown.area_code, "denominator"].round(3))
    # the public store agrees with what the page shows
    pub = PublicStore(store, threshold).values("cla_rate", period, "ward2022")
    assert set(pub.area_code[pub.is_suppressed]) == set(shown.area_code[supp])
    return shown


def test_public_mode_from_url_suppresses_small_numbers(store):
    at = run_page("map", indicator="cla_rate", public="1")
    assert at.toggle(key="app:public").value is True
    _assert_suppressed_view(at, store)


def test_public_mode_toggle_switches_suppression(store):
    at = run_page("map", indicator="cla_rate")
    assert at.toggle(key="app:public").value is False
    assert not any("PUBLIC MODE" in w for w in values(at.warning))
    before = table(at)
    assert before.value.notna().all()

    at.toggle(key="app:public").set_value(True)
    rerun(at)
    assert at.query_params["public"] == "1"
    _assert_suppressed_view(at, store)

    at.toggle(key="app:public").set_value(False)
    rerun(at)
    assert at.query_params["public"] == "0"
    assert not any("PUBLIC MODE" in w for w in values(at.warning))
    pd.testing.assert_frame_equal(table(at), before)


def test_public_mode_table_order_does_not_reveal_suppressed_values(store):
    """Was a disclosure bug: suppressed rows kept their ranked position (CLA 31 Mar 2023: Darwin, 964 children,
    listed below West Wickham at 19.7 per 10,000, which bounded Darwin's hidden count to 0 or 1)."""
    at = run_page("map", indicator="cla_rate", public="1")
    shown = table(at)
    supp = shown.data_status.str.startswith("SUPPRESSED")
    assert supp.any()
    # all shown values first (ranked), then the suppressed ones in an order that does not depend on their values
    assert supp.tolist() == sorted(supp.tolist()), supp.tolist()
    assert shown.area_name[supp].tolist() == sorted(shown.area_name[supp])


def test_public_mode_applies_on_ward_and_trend_pages(store):
    # Darwin's (illustrative) CLA count is small: in public mode it is not on its profile or in trends
    code = "E05013996"
    threshold = suppress_below()
    raw = store.values("cla_rate", "31 Mar 2023", "ward2022").set_index("area_code")
    assert raw.loc[code, "numerator"] < threshold
    at = run_page("ward", ward=code, public="1")
    assert any("PUBLIC MODE" in w for w in values(at.warning))
    spine = table(at, "compared_with")
    assert "Children looked after (rate per 10,000)" not in set(spine.name)
    at = run_page("trends", indicator="cla_rate", areas=f"{code},{BROMLEY}", public="1")
    t = table(at, "status")
    mine = t[(t.area_code == code) & (t.period == "31 Mar 2023")]
    assert len(mine) == 1 and mine.status.iloc[0] == "SUPPRESSED" and pd.isna(mine.value.iloc[0])


# ---- hotspots --------------------------------------------------------------------------------
def _scores_table(at: AppTest) -> pd.DataFrame:
    return table(at, "n_flagged")


def _assert_scores(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert shown.area_code.tolist() == expected.area_code.tolist()
    assert shown.n_flagged.tolist() == expected.n_flagged.tolist()
    assert shown.n_indicators.tolist() == expected.n_indicators.tolist()


def test_hotspots_default_ranking(store):
    at = run_page("hotspots")
    assert at.multiselect(key="hotspots:indicators").value == hs.DEFAULT_INDICATORS
    assert at.selectbox(key="hotspots:rule").value == "either"
    assert at.selectbox(key="hotspots:geography").value == "ward2022"
    assert at.selectbox(key="hotspots:comparator").value == "england"
    expected = hs.hotspots(store, hs.DEFAULT_INDICATORS, "ward2022", "either", "england", "95")["scores"]
    shown = _scores_table(at)
    _assert_scores(shown, expected)
    assert shown.area_name.iloc[0] == "Crystal Palace & Anerley"
    assert shown.n_flagged.iloc[0] == 5 and shown.n_indicators.iloc[0] == 5
    assert shown.n_flagged.is_monotonic_decreasing
    most = [m for m in values(at.markdown) if m.startswith("**Most flagged:**") or "Most flagged" in m]
    assert most and "Crystal Palace & Anerley (5 of 5 indicators)" in most[0]
    # NEET and CLA are illustrative, obesity on 2022 wards is an estimate: both banners
    assert any("ILLUSTRATIVE" in w for w in values(at.warning))
    assert any("ESTIMATE" in i for i in values(at.info))
    used = table(at, "can_test")
    assert used.indicator_id.tolist() == hs.DEFAULT_INDICATORS


@pytest.mark.parametrize("rule", ["worst_quintile", "significantly_worse", "both"])
def test_hotspots_changing_the_rule_recomputes(store, rule):
    at = run_page("hotspots")
    either = _scores_table(at)
    at.selectbox(key="hotspots:rule").set_value(rule)
    rerun(at)
    assert at.query_params["rule"] == rule
    expected = hs.hotspots(store, hs.DEFAULT_INDICATORS, "ward2022", rule, "england", "95")["scores"]
    shown = _scores_table(at)
    _assert_scores(shown, expected)
    if rule == "worst_quintile":
        # the default indicators flag the same wards either way (IDACI 2025 has no England value to test;
        # no ward's child poverty is significantly worse than England's)
        assert shown.n_flagged.sum() == either.n_flagged.sum() == 25
    else:
        # significance alone flags far fewer: child poverty, NEET and CLA can be tested against England, and only
        # CLA (ILLUSTRATIVE) is ever significantly worse
        assert shown.n_flagged.sum() < either.n_flagged.sum()
        assert shown.n_flagged.max() == 1
        assert "St Paul's Cray" in set(shown.area_name[shown.n_flagged == 1])


def test_hotspots_indicators_from_url(store):
    at = run_page("hotspots", indicators="idaci,cla_rate", rule="either")
    assert at.multiselect(key="hotspots:indicators").value == ["idaci", "cla_rate"]
    assert not any("not (all) available" in i for i in values(at.info))
    expected = hs.hotspots(store, ["idaci", "cla_rate"], "ward2022", "either", "england", "95")["scores"]
    shown = _scores_table(at)
    _assert_scores(shown, expected)
    assert (shown.n_indicators == 2).all()
    assert table(at, "can_test").indicator_id.tolist() == ["idaci", "cla_rate"]


def test_hotspots_unknown_indicator_gives_notice_and_keeps_the_rest(store):
    at = run_page("hotspots", indicators="idaci,bogus,obesity_year6")
    notices = values(at.info)
    assert any("bogus" in n and "not (all) available" in n for n in notices), notices
    assert at.multiselect(key="hotspots:indicators").value == ["idaci", "obesity_year6"]
    assert at.query_params["indicators"] == "idaci,obesity_year6"
    expected = hs.hotspots(store, ["idaci", "obesity_year6"], "ward2022", "either", "england", "95")["scores"]
    _assert_scores(_scores_table(at), expected)


def test_hotspots_only_unknown_indicators_fall_back_to_default():
    at = run_page("hotspots", indicators="bogus,nope")
    assert any("not (all) available" in n for n in values(at.info))
    assert at.multiselect(key="hotspots:indicators").value == hs.DEFAULT_INDICATORS


def test_hotspots_on_2014_wards_computes_on_what_exists_there(store):
    """NEET and CLA have no 2014-ward figures: they stay selected, shown as unavailable (tests/test_hotspots_page.py)."""
    at = run_page("hotspots", geography="ward2014")
    cands = set(hs.candidates(store, "ward2014").indicator_id)
    assert "neet" not in cands and "cla_rate" not in cands
    assert at.multiselect(key="hotspots:indicators").value == hs.DEFAULT_INDICATORS
    chosen = [i for i in hs.DEFAULT_INDICATORS if i in cands]
    expected = hs.hotspots(store, chosen, "ward2014", "either", "england", "95")["scores"]
    _assert_scores(_scores_table(at), expected)
    assert not any("ILLUSTRATIVE" in w for w in values(at.warning))


# ---- ward profile ----------------------------------------------------------------------------
def _children_caption(store, code: str, scheme: str) -> str:
    pops = store.series("child_population", [code])
    pops = pops[pops.area_type == scheme].sort_values("period_start")
    last = pops.iloc[-1]
    return f"{last.value:,.0f} children aged 0-15 ({last.period})"


def test_ward_profile_penge_and_cator(store):
    code = "E05014002"
    at = run_page("ward", ward=code)
    assert at.title[0].value == "Penge & Cator"
    assert at.selectbox(key="ward:ward").value == code
    caption = at.caption[0].value
    assert code in caption and "2022 wards" in caption
    assert _children_caption(store, code, "ward2022") in caption
    assert "3,904 children aged 0-15 (mid-2022)" in caption

    # the IDACI sentence with the numbers from the store
    idaci = store.values("idaci", "2025", "ward2022").set_index("area_code").loc[code]
    comps = store.comparators("idaci", "2025").set_index("area_code").value
    assert pd.isna(comps.get(ENGLAND)) and pd.isna(comps.get(LONDON))  # IDACI 2025: only Bromley to compare with
    want = (
        f"Penge & Cator is significantly worse than the benchmark at 95% confidence on Child income deprivation "
        f"(IDACI) ({idaci.value:.1f}% against Bromley {comps[BROMLEY]:.1f}%)"
    )
    assert want == (
        "Penge & Cator is significantly worse than the benchmark at 95% confidence on Child income "
        "deprivation (IDACI) (35.2% against Bromley 22.3%)"
    )
    sentences = values(at.markdown)
    assert any(s.startswith("- " + want) for s in sentences), sentences
    assert idaci.lower95 > comps[BROMLEY]  # it really is significant
    # illustrative CLA / NEET are labelled in the summary and by the banner
    if not has_local(store, "cla_rate"):
        assert any(s.startswith("- [ILLUSTRATIVE] Children looked after") for s in sentences)
        assert any("ILLUSTRATIVE" in w for w in values(at.warning))

    # the spine table: one row per indicator with a value, as the model computes it
    sp = profile.spine_display(profile.spine(store, code, "ward2022", "95"))
    shown = table(at, "compared_with")
    assert shown.name.tolist() == sp.name.tolist()
    assert shown.ward.tolist() == sp.label.tolist()
    assert shown.comparison.tolist() == sp.comparison.tolist()
    assert shown.compared_with.tolist() == sp.compared_with.tolist()
    row = shown.set_index("name").loc["Child income deprivation (IDACI)"]
    assert (row.period, row.ward, row.comparison, row.compared_with, row.bromley_label) == (
        "2025",
        "35.2%",
        "worse",
        "Bromley",
        "22.3%",
    )
    assert row["interval"] == f"{idaci.lower95:.1f}% to {idaci.upper95:.1f}%"
    cla = shown.set_index("name").loc["Children looked after (rate per 10,000)"]
    assert cla.bromley_label == "46.7 per 10,000"  # 343 / 73,457 at 31 Mar 2025
    assert any("CSV" in label for label in downloads(at))


def test_ward_profile_99_8_level(store):
    at = run_page("ward", ward="E05014002", level="99.8")
    assert at.radio(key="ward:level").value == "99.8"
    sp = profile.spine(store, "E05014002", "ward2022", "99.8")
    shown = table(at, "compared_with")
    assert shown.comparison.tolist() == sp.comparison.tolist()
    if (sp.comparison == "worse").any():
        assert any("at 99.8% confidence" in s for s in values(at.markdown))


def test_ward_profile_2014_ward(store):
    code = "E05000123"
    at = run_page("ward", ward=code)
    name = store.area(code).area_name.iloc[0]
    assert at.title[0].value == name == "Penge and Cator"
    caption = at.caption[0].value
    assert "2014-2022 wards" in caption and code in caption
    assert _children_caption(store, code, "ward2014") in caption
    sp = profile.spine(store, code, "ward2014", "95")
    assert table(at, "compared_with").name.tolist() == sp.name.tolist()
    # nothing on the 2014 wards is illustrative; estimates (child poverty through the crosswalk) are labelled
    assert not any("ILLUSTRATIVE" in w for w in values(at.warning))
    assert sp.is_estimate.any() and "child_poverty" in set(sp.indicator_id[sp.is_estimate])
    assert any("ESTIMATE" in i for i in values(at.info))


@pytest.mark.parametrize("bad", ["E0XXXX", "E09000006", "<b>x</b>", ""])
def test_ward_profile_bad_code_falls_back_to_default(bad):
    at = run_page("ward", ward=bad)
    assert at.title[0].value == "Penge & Cator"
    assert at.selectbox(key="ward:ward").value == "E05014002"
    if bad:
        assert any("ward=" in n and "not (all) available" in n for n in values(at.info)), values(at.info)
    assert at.query_params["ward"] == "E05014002"


# ---- trends ----------------------------------------------------------------------------------
def test_trends_areas_from_url_keep_valid_and_warn(store):
    at = run_page("trends", indicator="idaci", areas=f"{BROMLEY},BOGUS,{LONDON}")
    assert at.selectbox(key="trends:indicator").value == "idaci"
    assert at.multiselect(key="trends:areas").value == [BROMLEY, LONDON]
    assert any("BOGUS" in n and "not (all) available" in n for n in values(at.info)), values(at.info)
    assert at.query_params["areas"] == f"{BROMLEY},{LONDON}"
    shown = table(at, "status")
    exp = store.series("idaci", [BROMLEY, LONDON])
    assert sorted(zip(shown.area_code, shown.period)) == sorted(zip(exp.area_code, exp.period))
    merged = shown.merge(exp, on=["area_code", "period"], suffixes=("", "_store"))
    np.testing.assert_allclose(merged.value, merged.value_store)
    np.testing.assert_allclose(merged.lower95, merged.lower95_store)
    np.testing.assert_allclose(merged.upper95, merged.upper95_store)
    # London IDACI 2019 = 18.2%
    lon = shown[(shown.area_code == LONDON) & (shown.period == "2019")]
    assert round(float(lon.value.iloc[0]), 1) == 18.2
    assert any("not comparable" in w for w in values(at.warning))  # IoD editions
    assert any("CSV" in label for label in downloads(at)), downloads(at)


def test_trends_default_is_cla_for_bromley_london_england(store):
    at = run_page("trends")
    assert at.selectbox(key="trends:indicator").value == "cla_rate"
    assert at.multiselect(key="trends:areas").value == [BROMLEY, LONDON, ENGLAND]
    shown = table(at, "status")
    exp = store.series("cla_rate", [BROMLEY, LONDON, ENGLAND])
    merged = shown.merge(exp, on=["area_code", "period"], suffixes=("", "_store"))
    assert len(merged) == len(shown) == len(exp)
    np.testing.assert_allclose(merged.value, merged.value_store)
    b = shown[(shown.area_code == BROMLEY) & (shown.period == "31 Mar 2023")].iloc[0]
    assert (b.numerator, b.denominator) == (343, 72568)  # DfE's 2025 edition revised the 2023 population
    assert round(b.value, 2) == 47.27
    assert math.isclose(b.value, 343 / 72568 * 10_000, rel_tol=1e-9)


def test_trends_warns_when_a_line_joins_measures_that_are_not_comparable(store):
    eng = store.series("child_poverty", [ENGLAND])
    assert eng.source_id.nunique() > 1  # one line, two sources
    assert "different measure" in store.indicator("child_poverty")["caveats"]
    at = run_page("trends", indicator="child_poverty", areas=ENGLAND)
    assert any("not comparable" in w for w in values(at.warning)), values(at.warning)


def test_trends_no_valid_area_falls_back_to_default():
    at = run_page("trends", indicator="cla_rate", areas="NOPE")
    assert any("not (all) available" in n for n in values(at.info))
    assert at.multiselect(key="trends:areas").value == [BROMLEY, LONDON, ENGLAND]


# ---- overview --------------------------------------------------------------------------------
def test_overview_metrics_rag_and_hotspots(store):
    at = run_page("overview")
    tiles = overview.tiles(store, targets_mod.load())
    assert len(at.metric) == len(tiles) == 5
    assert (
        [m.label for m in at.metric]
        == [t["name"] for t in tiles]
        == [store.indicator(i)["name"] for i in overview.HEADLINES]
    )
    assert [m.value for m in at.metric] == [t["label"] for t in tiles]
    cla = next(m for m in at.metric if m.label == store.indicator("cla_rate")["name"])
    b = store.series("cla_rate", [BROMLEY])
    b = b[b.area_type == "la"].sort_values("period_start").iloc[-1]
    assert b.period == "31 Mar 2025" and (b.numerator, b.denominator) == (343, 73457)
    assert cla.value == f"{b.value:.1f}" == "46.7"  # the unit is on the caption line, so the value is never cut off
    assert "per 10,000 · 31 Mar 2025" in values(at.caption)

    md = values(at.markdown)
    neet = next(t for t in tiles if t["indicator_id"] == "neet")
    assert neet["rag"] == "GREEN"
    badge = [m for m in md if m.startswith(":green-badge[GREEN]")]
    assert badge and "target 1.7-1.9%" in badge[0], md
    assert any(m.startswith(":gray-badge[no target]") and "not a target measure" in m for m in md)

    top = hs.hotspots(store, hs.DEFAULT_INDICATORS, "ward2022", "either", "england", "95")["scores"]
    links = [m for m in md if "profile →](./ward?ward=" in m]
    items = [m for m in md if re.match(r"\*\*.+\*\*: \d of 5 \(", m)]
    assert len(items) == len(links) == min(5, int((top.n_flagged > 0).sum()))
    first = top.iloc[0]
    assert items[0].startswith(f"**{first.area_name}**: {first.n_flagged} of 5")
    assert items[0].startswith("**Crystal Palace & Anerley**: 5 of 5")
    assert "5 flags: 2 current and observed, 1 estimated, 2 ILLUSTRATIVE" in items[0]
    assert any(
        c.startswith("**Data age.** Current and observed: Child income deprivation (IDACI)") for c in values(at.caption)
    )
    assert links[0].endswith(f"(./ward?ward={first.area_code})")
    assert any("./trends?indicator=cla_rate" in m for m in md)


# ---- data & methods --------------------------------------------------------------------------
def test_methods_page(store):
    at = run_page("methods")
    ind = store.indicators()
    labels = [e.label for e in at.expander]
    assert labels == [f"{r.name} ({r.indicator_id})" for r in ind.itertuples()]
    src = table(at, "sha256")
    assert len(src) == len(store.sources())
    assert src.sha256.str.fullmatch(r"[0-9a-f]{64}").all(), src.sha256.tolist()
    assert src.licence.notna().all()
    published = src[src.source_id != "illustrative"]  # the generated illustrative series has no address
    assert published.url.str.startswith("https://").all(), published.url.tolist()
    dl = downloads(at)
    assert len(dl) == 2 and any("CSV" in d for d in dl) and any("Parquet" in d for d in dl), dl
    n = len(store.all_values())
    assert any(f"{n:,} rows" in c.value for c in at.caption)


# ---- local extracts (upload) -----------------------------------------------------------------
def _local_state() -> list[tuple[str, float]]:
    local = ROOT / "data" / "local"
    return sorted((str(p), p.stat().st_mtime) for p in local.rglob("*")) if local.exists() else []


def test_upload_page_renders_and_validates_without_saving(store, monkeypatch):
    monkeypatch.setenv("BWE_ALLOW_UPLOADS", "1")  # an officer's laptop: writes allowed (see ui/auth.py)
    before = _local_state()
    at = run_page("upload")
    assert at.title[0].value == "Local ward extracts"
    assert "Download the template (CSV)" in downloads(at)
    loaded = extracts.loaded(ROOT / "data")
    if loaded.empty:
        assert any(c.value.startswith("None") for c in at.caption), [c.value for c in at.caption]

    # a valid file (the template) is checked and previewed, but nothing is loaded until the button
    at.get("file_uploader")[0].set_value(("template.csv", extracts.TEMPLATE.encode(), "text/csv"))
    rerun(at)
    assert any("2 valid rows" in s for s in values(at.success)), values(at.success)
    preview = table(at, "numerator")
    assert set(preview.area_code) == {"E05014002", "E05014000"}
    assert any(b.label.startswith("Load as the") for b in at.button)

    # a broken file is refused with its problems listed
    bad = b"ward_code,period,numerator,denominator\nE05999999,2024,5,2\n"
    at.get("file_uploader")[0].set_value(("bad.csv", bad, "text/csv"))
    at.run()
    assert not at.exception
    errs = values(at.error)
    assert any("was not loaded" in e for e in errs), errs
    problems = [m for m in values(at.markdown) if m.startswith("- row ")]
    assert problems and "E05999999" in problems[0], values(at.markdown)
    assert "All problems (CSV)" in downloads(at)
    assert _local_state() == before  # nothing written to data/local

    # the same validation, called directly
    wards = pd.concat([store.areas("ward2022"), store.areas("ward2014")])
    ok = extracts.validate(extracts.TEMPLATE.encode(), "t.csv", "neet", wards)
    assert ok.ok and len(ok.rows) == 2
    res = extracts.validate(bad, "bad.csv", "cla_rate", wards)
    assert not res.ok and res.problems
