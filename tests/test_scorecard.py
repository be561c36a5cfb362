"""Children's services scorecard (issue 16): figures against the raw files, the LAIT quirks and the EES/LAIT
comparison, every RAG rule type, both neighbour models, suppression in public mode, the CLI and the page.

Expected numbers are read from the raw files here (pandas on ../shared/data/raw), not from the build.
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from loaders.codes import BROMLEY, ENGLAND, LONDON
from loaders.raw import DEFAULT_RAW, Raw
from loaders.sources import Context, dfe_lait
from loaders.store import Store
from model import scorecard as sc
from model.public import PublicStore

RAW = DEFAULT_RAW.resolve()
PAGE = Path(__file__).resolve().parents[1] / "pages" / "scorecard.py"


@pytest.fixture(scope="module")
def store():
    return Store()


@pytest.fixture(scope="module")
def table(store):
    return sc.table(store, "2025")


def ees(name: str) -> pd.DataFrame:
    return pd.read_csv(RAW / "dfe_csc" / name, dtype=str, encoding="utf-8-sig")


def lait(short: str) -> pd.DataFrame:
    d = pd.read_parquet(RAW / "dfe_lait" / "bds_long_0.parquet")
    return d[d["Short Desc"] == short]


def value(store, indicator, code, period) -> pd.Series:
    s = store.series(indicator, [code])
    s = s[(s.period == period) & s.area_type.isin(["la", "region", "country"])]
    assert len(s) == 1, (indicator, code, period, s)
    return s.iloc[0]


def row(table, measure) -> pd.Series:
    return table.set_index("measure_id").loc[measure]


# ---- figures against the raw files -------------------------------------------------------------
def test_referrals_rate_from_counts_and_population(store):
    c1 = ees("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv")
    pop = ees("ons_mid-year_population_estimates_2012_to_2024.csv")
    b = c1[(c1.time_period == "2025") & (c1.new_la_code == BROMLEY)].iloc[0]
    p = pop[(pop.time_period == "2024") & (pop.new_la_code == BROMLEY)].iloc[0]  # mid-2024 for 2024/25
    assert (b.referral_count, p.population_estimate) == ("4630", "73457")
    v = value(store, "csc_referrals", BROMLEY, "2024/25")
    assert v.numerator == 4630 and v.denominator == 73457
    assert v.value == pytest.approx(4630 / 73457 * 10000)
    assert round(v.value, 1) == 630.3  # LAIT CPP_Total_Rateper10,000, 2025
    eng = c1[(c1.time_period == "2025") & (c1.geographic_level == "National")].iloc[0]
    assert value(store, "csc_referrals", ENGLAND, "2024/25").numerator == float(eng.referral_count) == 632830
    assert v.lower95 < v.value < v.upper95  # Byar's interval from the count


def test_second_plans_bromley_england_london_and_a_neighbour(store):
    d3 = ees("d3_cpps_subsequent_plan_2013_to_2025.csv")
    d3 = d3[d3.time_period == "2025"]
    for code, level in (
        (BROMLEY, "Local authority"),
        (ENGLAND, "National"),
        (LONDON, "Regional"),
        ("E10000015", "Local authority"),
    ):  # Hertfordshire: Bromley's closest neighbour in 2025
        col = {"Local authority": "new_la_code", "Regional": "region_code", "National": "country_code"}[level]
        r = d3[(d3.geographic_level == level) & (d3[col] == code)].iloc[0]
        v = value(store, "cpp_second", code, "2024/25")
        assert (v.numerator, v.denominator) == (float(r.CPP_subsequent), float(r.CPP_start)), code
        assert abs(v.value - float(r.CPP_subsequent_percent)) <= 0.5, code  # published rounded
    assert value(store, "cpp_second", BROMLEY, "2024/25").numerator == 78  # MANIFEST: 368 starts, 21.2%


def test_children_in_need_rate_matches_lait(store):
    v = value(store, "cin_rate", BROMLEY, "31 Mar 2025")
    assert v.numerator == 2740 and round(v.value, 1) == 373.0  # LAIT CIN 2025: 373
    lt = lait("CIN")
    assert float(lt[(lt.Years == "2025") & (lt["LA and Regions"] == "England")].Values.iloc[0]) == pytest.approx(
        round(value(store, "cin_rate", ENGLAND, "31 Mar 2025").value, 1)
    )


def test_care_leavers_and_placement_stability_counts(store, table):
    cl = ees("la_care_leavers_activity.csv")
    cl = cl[(cl.time_period == "2025") & (cl.new_la_code == BROMLEY) & (cl.care_leaver_age == "19 to 21 years")]
    eet = cl[cl.breakdown == "Total in education, employment or training"].iloc[0]
    tot = cl[cl.breakdown == "Total"].iloc[0]
    v = value(store, "care_leavers_eet", BROMLEY, "2024/25")
    assert (v.numerator, v.denominator) == (float(eet.care_leaver_count), float(tot.care_leaver_count))
    assert round(v.value) == int(eet.care_leaver_percent) == 56  # LAIT CareLeaverEET 2025: 56
    ps = ees("la_cla_placement_stability.csv")
    ps = ps[(ps.time_period == "2025") & (ps.new_la_code == BROMLEY) & (ps.cla_group == "CLA on 31 March")]
    three = ps[ps.placement_stability == "With 3 or more placements during the year"].iloc[0]
    assert three.children_count == "37"  # MANIFEST B8
    assert value(store, "cla_moves_3plus", BROMLEY, "2024/25").numerator == 37
    r = row(table, "cla_moves_3plus")
    assert r.bromley[-1] == "10.8% (37/343)"  # count beside the percentage


def test_lait_only_measures_bromley_england_london(store):
    for short, ind, period, year in (
        ("SEN_EHC_Excpt_20wks", "ehcp_20wk_excl", "2024", "2024"),
        ("SecPermEx", "perm_excl_secondary", "AY 2023/24", "2023/24"),
        ("16-17_not known", "neet_not_known", "2024/25", "2025"),  # DfE's 2025: Dec 2024-Feb 2025
    ):
        lt = lait(short)
        lt = pd.to_numeric(lt[lt.Years == year].set_index("LA and Regions").Values, errors="coerce")
        for code, name in ((BROMLEY, "Bromley"), (ENGLAND, "England"), (LONDON, "London")):
            assert value(store, ind, code, period).value == pytest.approx(lt[name], rel=1e-6), (short, name)
    assert value(store, "ehcp_20wk_excl", BROMLEY, "2024").value == pytest.approx(64.7)


def test_first_time_entrants_england_left_out_as_inconsistent(store):
    lt = lait("FirstYJS")
    lt = lt[lt.Years == "2024"]
    eng = float(lt[lt["LA and Regions"] == "England"].Values.iloc[0])
    las = pd.to_numeric(lt[lt["LA Number"] < 970].Values, errors="coerce")
    assert eng == 1258 and eng > las.max()  # above every LA: not a rate of the same kind
    s = store.series("yj_first_time_entrants", [ENGLAND, BROMLEY])
    assert ENGLAND not in set(s.area_code) and value(store, "yj_first_time_entrants", BROMLEY, "2024").value == 122


def test_lait_quirks():
    assert dfe_lait.year_label("2016-17 (OT)") == (2017, False)
    assert dfe_lait.year_label("2025 (prov)") == (2025, True)
    assert dfe_lait.year_label("2023/24") == (2024, False)
    assert dfe_lait.year_label("2024 (Rev)") == (2024, False)
    assert dfe_lait.year_label("0") == (None, False)
    v = dfe_lait._values(pd.Series(["9.1999999999999993", "3.5799999999999998E-3", "-", ""]))
    assert v.iloc[0] == 9.2 and v.iloc[1] == 0.00358 and v.iloc[2:].isna().all()


def test_ees_and_lait_compared_and_disagreements_reported(store):
    ctx = Context(Raw(DEFAULT_RAW))
    lines = dfe_lait.compare(dfe_lait.table(ctx), store.all_values())
    by = {ln.split(" vs ")[0].removeprefix("LAIT "): ln for ln in lines}
    assert len(lines) == len(dfe_lait.SHARED)
    for short in ("CIN", "CPP_rate", "CPP_Total_NumRef", "16-17 NEET"):
        assert "0 differ by more than rounding" in by[short], by[short]
    # regional percentages differ where EES rounds the regional counts: reported, not hidden
    assert "24 differ by more than rounding" in by["PrevRegCPR"], by["PrevRegCPR"]
    assert "Bromley" not in " ".join(lines)  # no disagreement for Bromley in any shared measure


# ---- RAG rules --------------------------------------------------------------------------------
def test_every_rag_rule_type():
    rate = sc.rate
    assert rate("not_target", 5, None, None, "no_judgement")[0] == sc.NOT_TARGET
    assert rate("range", 21.2, 15, 25, "low_is_good")[0] == "GREEN"
    assert rate("range", 1.1, 1.7, 1.9, "low_is_good")[0] == "GREEN"  # better than the whole range
    assert rate("range", 26, 15, 25, "low_is_good")[0] == "RED"
    assert rate("range", 26, 15, 25, "low_is_good", amber_tolerance=2)[0] == "AMBER"  # amber configurable
    assert rate("range", 28, 15, 25, "low_is_good", amber_tolerance=2)[0] == "RED"
    # the pack rated 2023's 36% GREEN against 75-65% (polarity high): the rule says RED
    assert rate("range", 36, 65, 75, "high_is_good")[0] == "RED"
    assert rate("range", 80, 65, 75, "high_is_good")[0] == "GREEN"
    assert rate("target", 0, 0, 0, "low_is_good")[0] == "GREEN"
    assert rate("target", 0.01, 0, 0, "low_is_good")[0] == "RED"
    assert rate("national", 62.5, 70, None, "high_is_good", england=68.5)[0] == "RED"
    assert rate("national", 68.5, 70, None, "high_is_good", england=68.5)[0] == "GREEN"
    assert rate("national", 67, 70, None, "high_is_good", amber_tolerance=2, england=68.5)[0] == "AMBER"
    assert rate("national", 67, 70, None, "high_is_good", england=float("nan"))[0] == sc.NO_DATA
    assert rate("range", float("nan"), 15, 25, "low_is_good")[0] == sc.NO_DATA


def test_scorecard_rag_and_exceptions_first(table):
    assert row(table, "cla_stable_long").rag == "RED"  # 62.5% against England's 68.5%
    assert row(table, "ehcp_20wk_excl").rag == "RED"  # 64.7% against 65-75%
    assert row(table, "perm_excl_secondary").rag == "RED"  # 0.183% against 0.10-0.16%
    assert row(table, "cpp_second").rag == "GREEN" and row(table, "neet").rag == "GREEN"
    assert row(table, "csc_referrals").rag == sc.NOT_TARGET and row(table, "csc_rereferrals").rag == sc.NO_TARGET
    n = int(table.exception.sum())
    assert n == 3 and table.exception.iloc[:n].all() and not table.exception.iloc[n:].any()
    ehcp = row(table, "ehcp_20wk_excl")
    assert ehcp.commentary.startswith("EHCP timeliness is reported on a calendar year basis")
    assert row(table, "cla_stable_long").commentary == ""  # no words are made up for the council
    assert list(dict.fromkeys(table[~table.exception].group)) == [
        g for g in sc.GROUPS if g in set(table[~table.exception].group)
    ]


def test_bad_measures_file_lists_every_problem(tmp_path):
    good = pd.read_csv(sc.MEASURES_PATH, dtype=str, keep_default_na=False)
    bad = good.copy()
    bad.loc[0, "rule"] = "sometimes"
    bad.loc[1, "target_low"] = "ten"
    bad.loc[2, "group"] = "Other"
    p = tmp_path / "scorecard.csv"
    bad.to_csv(p, index=False)
    with pytest.raises(sc.ScorecardError) as e:
        sc.load_measures(p)
    msg = str(e.value)
    assert "rule must be one of" in msg and "target_low is not a number" in msg and "group must be one of" in msg


def test_targets_agree_with_targets_csv():
    from loaders import targets

    t = targets.load()
    m = sc.load_measures().set_index("measure_id")
    neet = t[t.indicator_id == "neet"].iloc[0]
    assert (m.loc["neet", "target_low"], m.loc["neet", "target_high"]) == (neet.target_low, neet.target_high)


# ---- neighbours -------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["2021", "2025"])
def test_neighbour_average_and_rank_from_raw(store, model):
    nb = store.stat_neighbours(model)
    assert len(nb) == 10
    ps = ees("la_cla_placement_stability.csv")
    grp = "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years"
    ps = ps[(ps.time_period == "2025") & (ps.cla_group == grp) & (ps.geographic_level == "Local authority")]
    num = ps[ps.placement_stability == "Living with the same carer for at least 2 years"].set_index("new_la_code")
    den = ps[ps.placement_stability == "Total children"].set_index("new_la_code")
    pct = pd.to_numeric(num.children_count, errors="coerce") / pd.to_numeric(den.children_count, errors="coerce") * 100
    vals = pct.reindex(nb.area_code).dropna()
    r = row(sc.table(store, model), "cla_stable_long")
    assert r.neighbour_mean == pytest.approx(vals.mean())
    assert r["rank"] == int((vals > pct[BROMLEY]).sum() + 1) and r.rank_of == len(vals) + 1


def test_models_differ(store):
    a, b = sc.table(store, "2021"), sc.table(store, "2025")
    assert row(a, "cin_rate").neighbour_mean != row(b, "cin_rate").neighbour_mean
    assert "Sutton" in set(sc.trend(store, "cin_rate", "2021").area_name)
    assert "Sutton" not in set(sc.trend(store, "cin_rate", "2025").area_name)


def test_quartile_among_english_las(store, table):
    d = store.values("csc_referrals", "2024/25", "la", bromley_only=False)
    d = d[d.value.notna()]
    share = (d.value <= float(d[d.area_code == BROMLEY].value.iloc[0])).mean()
    assert row(table, "csc_referrals").quartile == math.ceil(share * 4)


# ---- public mode ------------------------------------------------------------------------------
def test_suppressed_values_in_public_mode(store):
    pub = sc.table(PublicStore(store, 10), "2025", public=True)
    fte = row(pub, "yj_first_time_entrants")
    assert fte.bromley == [sc.SUPPRESSED_TEXT] * 3 and fte.rag == sc.SUPPRESSED_TEXT and pd.isna(fte["rank"])
    assert row(pub, "perm_excl_primary").bromley[-1] == sc.SUPPRESSED_TEXT
    assert row(pub, "cpp_second").bromley[-1] == "21.2% (78/368)"  # not marked by the council: shown
    normal = sc.table(store, "2025")
    assert row(normal, "yj_first_time_entrants").bromley[-1] == "122.0"


# ---- CLI --------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["2021", "2025"])
def test_cli_scorecard_csv(model):
    from loaders.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["scorecard", "--neighbours", model, "--format", "csv"]) == 0
    df = pd.read_csv(io.StringIO(out.getvalue()))
    assert len(df) == len(sc.load_measures())
    for col in ("england", "london", f"neighbour_average_{model}", "target", "rag"):
        assert col in df.columns
    assert df.exception.iloc[0] and df.set_index("measure_id").loc["cpp_second", "england"].startswith("24.5%")


def test_cli_scorecard_table_and_bad_model():
    from loaders.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["scorecard"]) == 0
    assert "Long-term placement stability" in out.getvalue()
    with pytest.raises(SystemExit) as e, contextlib.redirect_stderr(io.StringIO()):
        main(["scorecard", "--neighbours", "2019"])
    assert e.value.code == 2


# ---- the page (AppTest) -----------------------------------------------------------------------
def run_page(**params) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.fixture(autouse=False)
def _app_defaults(monkeypatch):
    import os

    for k in [k for k in os.environ if k.startswith("BWE_")]:
        monkeypatch.delenv(k)


def test_page_default_and_exceptions(_app_defaults):
    at = run_page()
    heads = [h.value for h in at.subheader]
    assert heads[0] == "Performing below expectation (3)"
    md = [m.value for m in at.markdown]
    assert any(m.startswith(":red-badge[RED] **Long\\-term placement stability") for m in md)
    assert any(m.startswith("**Management commentary:** EHCP timeliness") for m in md)
    assert at.radio(key="scorecard:neighbours").value == "2025"
    assert len(at.dataframe) == len(sc.GROUPS) + 1  # one table per committee group, then the trend data
    assert len(at.get("vega_lite_chart")) == 1


def test_page_model_in_url_and_measure_trend(_app_defaults, store):
    at = run_page(neighbours="2021", measure="cpp_second")
    assert at.radio(key="scorecard:neighbours").value == "2021"
    assert at.query_params["neighbours"] == ["2021"] or at.query_params["neighbours"] == "2021"
    data = at.dataframe[-1].value
    assert "Sutton" in set(data.area) and "Bromley" in set(data.area)
    b = data[(data.area == "Bromley") & (data.period == "2024/25")].iloc[0]
    assert b.numerator == 78 and b.lower95 < b.value < b.upper95  # interval where counts allow
    at = run_page(neighbours="2019")
    assert any("neighbours=2019" in i.value for i in at.info)
    assert at.radio(key="scorecard:neighbours").value == "2025"


def test_page_public_mode_shows_suppressed(_app_defaults):
    at = run_page(public="1", measure="yj_first_time_entrants")
    frames = [d.value for d in at.dataframe]
    yj = next(f for f in frames if "Measure" in f and f.Measure.str.startswith("First time entrants").any())
    assert sc.SUPPRESSED_TEXT in yj.iloc[0]["Bromley (last 3 periods; count beside)"]
    assert any(i.value == sc.SUPPRESSED_TEXT for i in at.info)


# ---- board pack -------------------------------------------------------------------------------
def test_board_pack_scorecard_and_one_slide_per_exception(store):
    from exports import scorecard_pack
    from exports.boardpack import to_pdf, to_pptx

    deck = scorecard_pack.slides(store, "2025")
    n_exc = int(sc.table(store, "2025").exception.sum())
    assert deck[1].title == "Scorecard" and deck[1].image[:8] == b"\x89PNG\r\n\x1a\n"
    exc = [s for s in deck if s.title.startswith("Exception")]
    assert len({s.title.split(" (")[0] for s in exc}) == n_exc == 3
    ehcp = next(s for s in exc if "EHC plans" in s.title)
    assert any(b.startswith("Management commentary: EHCP timeliness") for b in ehcp.bullets)
    assert to_pptx(deck)[:2] == b"PK" and to_pdf(deck)[:4] == b"%PDF"
    from PIL import Image

    assert Image.open(io.BytesIO(deck[1].image)).size == (1920, 1080)  # one slide at projector size


# ---- a real browser ---------------------------------------------------------------------------
@pytest.mark.browser
def test_scorecard_page_in_a_browser():
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import browser_helpers as bh

    if not bh.CHROMIUM.exists():
        pytest.skip(f"{bh.CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    port = bh.free_port()
    log = bh.ARTIFACTS / "scorecard_server.log"
    proc = bh.start_server(port, log)
    try:
        bh.wait_healthy(port, proc, timeout=60)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.LAUNCH_ARGS)
            try:
                pg = b.new_context(viewport=bh.VIEWPORT).new_page()
                errors = []
                pg.on("pageerror", lambda e: errors.append(str(e)))
                pg.goto(f"http://127.0.0.1:{port}/scorecard?neighbours=2021&measure=cpp_second")
                bh.wait_for_app(pg, min_charts=1)
                assert pg.get_by_text("Performing below expectation (3)").count() == 1
                assert pg.get_by_text("Management commentary:").count() >= 1
                assert pg.locator('[data-testid="stException"]').count() == 0
                assert "neighbours=2021" in pg.url and "measure=cpp_second" in pg.url
                chart = pg.locator(bh.DRAWN).first
                assert chart.count() == 1
                bh.page_screenshot(pg, "scorecard")
                assert not errors, errors
            finally:
                b.close()
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[-2000:]
    finally:
        bh.stop_server(proc)


def test_scorecard_pack_is_built_from_the_page_view_in_the_renderer():
    """The page's buttons send its view (neighbour model, public mode) to the renderer process, as the ward and
    hotspot packs do: the pack states that model and mode, and the server never holds the PDF writer's images."""
    import io

    from pptx import Presentation
    from pypdf import PdfReader

    from exports import render
    from exports.view import ScorecardView

    deck = Presentation(io.BytesIO(render.pack(ScorecardView(model="2021", public=True), "pptx")))
    text = " ".join(sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame)
    assert "DfE 2021 model" in text and "public version" in text and "2025 model" not in text
    pdf = PdfReader(io.BytesIO(render.pack(ScorecardView(model="2025"), "pdf")))
    first = pdf.pages[0].extract_text()
    assert "DfE 2025 model" in first and "public version" not in first
