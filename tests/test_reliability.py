"""Reliability: faults in data/, bad URLs, a local extract deleted in use, concurrent sessions."""

from __future__ import annotations

import asyncio
import shutil
import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from loaders import extracts
from loaders.store import DataUnavailable, Store

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "map", "hotspots", "ward", "trends", "methods", "upload"]


def _clear_caches():
    from ui.data import reload_store

    reload_store()


@pytest.fixture
def broken_data(tmp_path, monkeypatch):
    """Point the app at a copy of data/ and hand the copy to the test; caches cleared before and after."""
    copy = tmp_path / "data"
    copy.mkdir()
    for p in (ROOT / "data").glob("*.parquet"):
        shutil.copy(p, copy / p.name)
    monkeypatch.setenv("BWE_DATA_DIR", str(copy))
    _clear_caches()
    yield copy
    _clear_caches()


def _text(shown: str) -> str:
    """A message as a person reads it (ui.text.plain escapes Markdown and breaks shortcodes)."""
    return shown.replace("\\", "").replace("\u200b", "")


def _run(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at.run()


@pytest.mark.parametrize("fault", ["missing", "truncated", "garbage"])
@pytest.mark.parametrize("page", ["map", "overview", "ward"])
def test_broken_extract_gives_a_message_not_a_traceback(broken_data, fault, page):
    target = broken_data / "values.parquet"
    if fault == "missing":
        target.unlink()
    elif fault == "truncated":
        target.write_bytes(target.read_bytes()[:2000])
    else:
        target.write_bytes(b"not a parquet file at all" * 100)
    at = _run(page)
    assert not at.exception
    errors = [_text(e.value) for e in at.error]
    assert len(errors) == 1
    assert "could not be loaded" in errors[0] and "values.parquet" in errors[0]
    assert "python -m loaders.build" in errors[0]  # the recovery path
    assert any(b.label == "Try again" for b in at.button)


def test_recovers_after_the_file_is_restored(broken_data):
    good = (broken_data / "values.parquet").read_bytes()
    (broken_data / "values.parquet").write_bytes(good[:500])
    at = _run("map")
    assert at.error
    (broken_data / "values.parquet").write_bytes(good)
    at.button(key="_retry_data").click().run()
    assert not at.error and not at.exception
    assert at.dataframe[0].value.area_name.iloc[0] == "Crystal Palace & Anerley"


def test_data_folder_that_is_not_a_folder(tmp_path):
    f = tmp_path / "data"
    f.write_text("not a folder")
    with pytest.raises(DataUnavailable, match="missing"):
        Store(f)


def test_local_extract_deleted_while_in_use(broken_data):
    s0 = Store(broken_data)
    wards = pd.concat([s0.areas("ward2022"), s0.areas("ward2014")])
    csv = "ward_code,period,numerator,denominator\n" + "".join(
        f"{c},2023,{10 + i},{1000 + i}\n" for i, c in enumerate(wards[wards.area_type == "ward2022"].area_code)
    )
    res = extracts.validate(csv.encode(), "cla.csv", "cla_rate", wards)
    assert res.ok, res.problems
    extracts.save(res, "cla_rate", "cla.csv", broken_data)
    s = Store(broken_data)
    before = s.values("cla_rate", "31 Mar 2023", "ward2022")
    assert set(before.source_id) == {"local_cla_rate"}
    for p in (broken_data / "local").rglob("*.parquet"):
        p.unlink()  # deleted on disk while the store (and its sessions) are using it
    during = s.values("cla_rate", "31 Mar 2023", "ward2022")
    pd.testing.assert_frame_equal(before, during)  # nothing lost for sessions in flight
    after = Store(broken_data).values("cla_rate", "31 Mar 2023", "ward2022")
    assert after.is_illustrative.all()  # a reload falls back to the illustrative series
    at = _run("upload")
    assert not at.exception and not at.error


NASTY = st.one_of(
    st.text(min_size=0, max_size=60),
    st.sampled_from(
        [
            "' OR 1=1 --",
            '"; DROP TABLE vals; --',
            "<script>alert(1)</script>",
            "%00",
            "../../etc/passwd",
            "9" * 500,
            "-1",
            "1e308",
            "NaN",
            "ward2022;ward2014",
            "E05014002,E05014002",
            "idaci\n",
            "\u202e\u0000\u2028",
            "🙂" * 20,
            "Penge & Cator",
            " ",
            ",,,",
        ]
    ),
    st.text(alphabet=string.ascii_letters + string.digits + "_,-/ ", max_size=300),
)
PARAMS = {
    "map": ["indicator", "period", "geography", "comparator", "colour", "level", "ward", "public", "present"],
    "hotspots": ["geography", "rule", "comparator", "level", "indicators", "public"],
    "ward": ["ward", "level", "present"],
    "trends": ["indicator", "areas", "public"],
}


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(page=st.sampled_from(sorted(PARAMS)), data=st.data())
def test_fuzzed_url_parameters_fall_back_with_a_notice(page, data):
    names = data.draw(st.lists(st.sampled_from(PARAMS[page]), min_size=1, max_size=4, unique=True))
    params = {n: data.draw(NASTY) for n in names}
    params = {k: v.replace("\x00", "") for k, v in params.items()}
    at = _run(page, params)
    assert not at.exception, (params, [e.message for e in at.exception])
    assert not at.error, (params, [e.value for e in at.error])
    # Whatever was asked for, what is shown is a valid choice: the widgets hold allowed values
    for sb in at.selectbox:
        assert sb.value in sb.options or sb.format_func(sb.value) in sb.options or sb.value == ""
    for k, v in params.items():
        current = at.query_params.get(k)
        if current is not None and current != v and v.strip():
            assert at.info, f"{k}={v!r} replaced by {current!r} without a notice"


# --------------------------------------------------------------------------- 20 concurrent sessions
@pytest.mark.browser
def test_twenty_concurrent_sessions(live_server):
    """20 browser sessions at once, each asking for something different: each sees its own answer.

    Bounded: 20 pages, at most 7 minutes in all (2 cores running 20 Chromium tabs is the slow part)."""
    from playwright.async_api import async_playwright

    s = Store()
    jobs = []
    for i, (ind, period, geo) in enumerate(
        [
            ("idaci", "2025", "ward2022"),
            ("idaci", "2019", "ward2014"),
            ("obesity_year6", "2011/12-2013/14", "ward2014"),
            ("cla_rate", "31 Mar 2023", "ward2022"),
            ("neet", "2024/25", "ward2022"),
        ]
        * 4
    ):
        top = s.values(ind, period, geo).area_name.iloc[0]
        jobs.append(
            (
                f"{live_server}/map?indicator={ind}&period={period.replace(' ', '+')}&geography={geo}&public={i % 2}",
                top,
                ind,
            )
        )

    async def one(browser, url, top, ind):
        ctx = await browser.new_context(viewport={"width": 1300, "height": 1000})
        page = await ctx.new_page()
        try:
            await page.goto(url, timeout=300_000)
            await page.wait_for_selector(".stDataFrame", timeout=300_000)
            await page.wait_for_selector(".stVegaLiteChart svg.marks path", state="attached", timeout=300_000)
            text = await page.inner_text("section.main, [data-testid='stMain']")
            errors = await page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count()
            return url, top, ind, text, errors
        finally:
            await ctx.close()

    async def main():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            try:
                return await asyncio.wait_for(asyncio.gather(*(one(browser, *j) for j in jobs)), timeout=420)
            finally:
                await browser.close()

    results = asyncio.run(main())
    assert len(results) == 20
    for url, top, ind, text, errors in results:
        assert errors == 0, url
        assert top in text, (url, top)  # its own answer, not another session's
        name = s.indicator(ind)["name"]
        assert name in text, (url, name)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.parametrize("page, params", [("map", {}), ("ward", {}), ("hotspots", {})])
def test_broken_boundaries_give_a_message_not_a_traceback(broken_data, page, params):
    """The map layers (topology.parquet) are read when a map is first drawn, not at start-up."""
    (broken_data / "topology.parquet").write_bytes(b"PAR1 truncated")
    at = _run(page, params)
    assert not at.exception
    errors = [_text(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert "topology.parquet" in errors[0] and "python -m loaders.build" in errors[0]
