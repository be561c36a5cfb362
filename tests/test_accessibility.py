"""Accessibility in a real browser: axe-core on every page in every mode, and a keyboard-only flow.

axe-core (the npm package, pinned in :data:`AXE_VERSION`; ``.ci/run`` and ``test.sh`` install it
into the git-ignored ``.axe/``) is injected into each page with Playwright and run with the WCAG 2.0,
2.1 and 2.2 A/AA rules it has. Every page of the app (``ui.frame.PAGES``, so a new page is checked
as soon as it is in the navigation) is checked in the default, public (``public=1``) and
presentation (``present=1``) modes, with a ward selected, and again after a council extract is
loaded into the server's copy of data/. Any violation fails the test, with each one printed
(rule, impact, element, summary).

The keyboard test selects a ward, changes the indicator and downloads a CSV with ``page.keyboard``
only: no mouse, no ``click()``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

import browser_helpers as bh
from ui.a11y import AXE_VERSION
from ui.frame import PAGES

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MODES = {"default": "", "public": "public=1", "present": "present=1"}
WARD = "E05014002"  # Penge & Cator (2022 wards)


def _paths() -> list[str]:
    return ["/" if u == "overview" else f"/{u}" for _, _, _, u in PAGES]


def _extract(data: Path) -> None:
    """A council NEET extract (every 2022 ward, a few small counts) loaded into ``data``."""
    from loaders import extracts
    from loaders.store import Store

    s = Store(data)
    wards = pd.concat([s.areas("ward2022"), s.areas("ward2014")])
    rows = ["ward_code,period,numerator,denominator,note"]
    for i, code in enumerate(sorted(s.areas("ward2022").area_code)):
        rows.append(f"{code},2024,{3 if i < 2 else 20 + i},{300 + i},council note {i}")
    res = extracts.validate(("\n".join(rows) + "\n").encode(), "neet_a11y.csv", "neet", wards)
    assert res.ok, res.problems
    extracts.save(res, "neet", "neet_a11y.csv", data)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    if not bh.CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed: npm install --no-save --prefix .axe axe-core@{AXE_VERSION}")
    data = tmp_path_factory.mktemp("data")
    for p in (ROOT / "data").glob("*"):
        if p.is_file():
            shutil.copy(p, data / p.name)
    return data


@pytest.fixture(scope="module")
def server(data_dir):
    port = bh.free_port()
    proc = bh.start_server(
        port, bh.ARTIFACTS / "a11y_server.log", {"BWE_DATA_DIR": str(data_dir), "BWE_ALLOW_UPLOADS": "1"}
    )
    try:
        bh.wait_healthy(port, proc, timeout=90)
        yield f"http://127.0.0.1:{port}"
    finally:
        bh.stop_server(proc)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.LAUNCH_ARGS)
        yield b
        b.close()


CHARTS = {"/map": 2, "/hotspots": 3, "/ward": 3, "/trends": 1}  # at least this many charts on the page
ALL_DRAWN = """(n) => { const c = [...document.querySelectorAll('.stVegaLiteChart')];
    return c.length >= n && c.every(e => e.querySelector('svg.marks, canvas')); }"""


def _ready(page) -> None:
    """The page's title is drawn, the script is idle and every chart on it is drawn, twice a second apart (a map
    with a selection reruns the page once after it is first drawn, and its charts are drawn again)."""
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=90_000)
    n = CHARTS.get(page.evaluate("() => location.pathname"), 0)
    for _ in range(10):
        bh.wait_idle(page, timeout_ms=90_000)
        page.wait_for_function(ALL_DRAWN, arg=n, timeout=90_000)
        time.sleep(1.0)
        if page.evaluate(ALL_DRAWN, n) and page.evaluate(
            "() => !/running/i.test(document.querySelector('[data-testid=\"stStatusWidget\"]')?.innerText || '')"
        ):
            return
    raise AssertionError("the page never settled")


def axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({
                target: n.target.join(' '), summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300),
                html: n.html.slice(0, 160)}))}));
        }""",
        TAGS,
    )


CHART_NAMES = "() => [...document.querySelectorAll('.stVegaLiteChart')].map(c => c.getAttribute('aria-label') || '')"


def report(where: str, violations: list[dict]) -> list[str]:
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} | {n['target']} | {n['summary']} | {n['html']}"
        for v in violations
        for n in v["nodes"]
    ]


def scan(browser, server: str, urls: list[str]) -> list[str]:
    ctx = browser.new_context(viewport=bh.VIEWPORT, bypass_csp=True)
    page = ctx.new_page()
    out = []
    try:
        for url in urls:
            page.goto(server + url, timeout=90_000)
            _ready(page)
            out += report(url, axe(page))
            out += [
                f"{url}: chart-description (serious) chart {i} has no description: {name!r}"
                for i, name in enumerate(page.evaluate(CHART_NAMES))
                if len(name) < 60
            ]
    finally:
        ctx.close()
    return out


def _urls(mode: str) -> list[str]:
    q = MODES[mode]
    return [f"{p}?{q}" if q else p for p in _paths()]


@pytest.mark.browser
@pytest.mark.parametrize("mode", list(MODES))
def test_axe_every_page(browser, server, mode):
    found = scan(browser, server, _urls(mode))
    assert not found, f"{len(found)} accessibility violation(s) (axe-core, chart descriptions):\n" + "\n".join(found)


@pytest.mark.browser
def test_axe_ward_selected(browser, server):
    urls = [
        f"/map?ward={WARD}",
        f"/map?ward={WARD}&present=1",
        f"/map?ward={WARD}&public=1",
        f"/ward?ward={WARD}&present=1",
    ]
    found = scan(browser, server, urls)
    assert not found, f"{len(found)} accessibility violation(s) (axe-core, chart descriptions):\n" + "\n".join(found)


@pytest.mark.browser
def test_axe_with_a_council_extract(browser, server, data_dir):
    _extract(data_dir)  # the running server picks it up on each session's next run
    urls = [u for m in ("default", "public") for u in _urls(m)] + [
        f"/map?indicator=neet&ward={WARD}",
        "/map?indicator=neet&present=1",
    ]
    found = scan(browser, server, urls)
    assert not found, f"{len(found)} accessibility violation(s) (axe-core, chart descriptions):\n" + "\n".join(found)


# ---- keyboard only -------------------------------------------------------------------------------
def _focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement; if (!e) return '';
        return [e.tagName, e.getAttribute('aria-label') || '', (e.innerText || e.value || '').slice(0, 80)].join('|'); }""")


def _tab_to(page, test: str, limit: int = 150, back: bool = False) -> str:
    """Press Tab (or Shift+Tab) until ``test`` (a JS predicate on document.activeElement) is true."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!e && ({test}); }}"):
            return _focused(page)
    raise AssertionError(f"keyboard focus never reached {test}; last: {_focused(page)}")


def _focus_visible(page) -> bool:
    """The focused element (or its BaseWeb wrapper) shows a focus ring: an outline at least 2 px wide."""
    return page.evaluate("""() => { let e = document.activeElement;
        for (let i = 0; e && i < 4; i++, e = e.parentElement) {
            const s = getComputedStyle(e);
            if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) return true; }
        return false; }""")


def _select(page, label: str, option: str) -> None:
    """Focus the select box labelled ``label`` by Tab, type to filter, Enter."""
    _tab_to(page, f"e.tagName === 'INPUT' && (e.getAttribute('aria-label') || '').startsWith({label!r})")
    assert _focus_visible(page), f"no visible focus on {label}"
    page.keyboard.type(option, delay=20)
    time.sleep(0.5)
    page.keyboard.press("Enter")
    bh.wait_idle(page, timeout_ms=60_000)
    time.sleep(1.5)
    bh.wait_idle(page, timeout_ms=60_000)


@pytest.mark.browser
def test_keyboard_only_select_ward_change_indicator_download(browser, server):
    ctx = browser.new_context(viewport=bh.VIEWPORT, accept_downloads=True)
    page = ctx.new_page()
    try:
        page.goto(server + "/map", timeout=90_000)
        _ready(page)
        page.keyboard.press("Tab")
        _select(page, "Selected area", "Penge")
        page.wait_for_function(f"() => location.search.includes('ward={WARD}')", timeout=30_000)
        assert page.get_by_text("Selected: Penge & Cator").first.is_visible()
        before = bh.location(page)
        _select(page, "Indicator", "Year 6")
        page.wait_for_function("() => location.search.includes('indicator=obesity_year6')", timeout=30_000)
        assert bh.location(page) != before
        _ready(page)
        _tab_to(page, "e.tagName === 'BUTTON' && /Download table \\(CSV\\)/.test(e.innerText)")
        assert _focus_visible(page), "no visible focus on the download button"
        with page.expect_download(timeout=60_000) as dl:
            page.keyboard.press("Enter")
        text = Path(dl.value.path()).read_text()
        assert text.startswith("area_code") or "area_code" in text.splitlines()[0], text[:200]
        assert "Obesity: Year 6" in text and WARD in text, text[:300]
    finally:
        ctx.close()


@pytest.mark.browser
def test_every_tab_stop_on_the_ward_profile_shows_focus_and_reaches_the_board_pack(browser, server):
    """Tab through the whole ward profile: every stop shows a focus ring, and downloads and board packs are stops."""
    ctx = browser.new_context(viewport=bh.VIEWPORT)
    page = ctx.new_page()
    try:
        page.goto(f"{server}/ward?ward={WARD}", timeout=90_000)
        _ready(page)
        stops, unseen = [], []
        for _ in range(120):
            page.keyboard.press("Tab")
            here = _focused(page)
            if stops and here == stops[0]:
                break
            stops.append(here)
            if here.split("|")[0] not in ("BODY", "") and not _focus_visible(page):
                unseen.append(here)
        text = "\n".join(stops)
        assert "Board pack for this ward (PowerPoint)" in text and "Board pack for this ward (PDF)" in text, text
        assert "Download profile data (CSV)" in text, text
        assert not unseen, "no visible focus on:\n" + "\n".join(unseen)
    finally:
        ctx.close()


# ---- without a browser: chart text contrast and descriptions ----------------------------------------
def test_chart_text_colours_read_at_4_5_to_1():
    from charts import contrast, hotspots, style

    for c in style.CATEGORICAL + list(style.AREA_COLOURS.values()):
        assert contrast.ratio(contrast.readable(c), "#ffffff") >= contrast.TEXT, c
    for c in hotspots.REASON_COLOURS:  # matrix cell text on its cell
        assert contrast.ratio(contrast.ink_on(c), c) >= contrast.TEXT, c
    for c in ("#111111", "#333333", "#4d4d4d"):  # axis/legend labels, subtitles, captions (ui.a11y)
        assert contrast.ratio(c, "#ffffff") >= 7


def test_descriptions_name_the_headline_finding():
    from charts import describe

    df = pd.DataFrame(
        {
            "area_name": ["Crystal Palace & Anerley", "Darwin", "Penge & Cator", "Hidden"],
            "value": [45.1, 5.0, 30.0, 1.0],
            "label": ["45.1%", "5.0%", "30.0%", "suppressed"],
            "is_suppressed": [False, False, False, True],
            "category": ["Worst 20%", "Best 20%", "Middle", "Suppressed"],
        }
    )
    text = describe.map_text(df, indicator="IDACI", period="2025", geography="2022 wards", colour_title="Quintile")
    assert "Crystal Palace & Anerley is highest at 45.1%" in text and "Darwin is lowest at 5.0%" in text
    assert "IDACI" in text and "2025" in text and "2022 wards" in text and "Worst 20%: 1" in text
    assert "1 suppressed" in text and "Hidden" not in text  # a suppressed value is never the finding
