"""The real app in a real browser: `streamlit run app.py` driven by Debian's chromium through Playwright.

Checks what AppTest cannot: deep links on a fresh server, that charts are actually drawn (pixels, not
just a spec), that a click on the map selects a ward, and what a reader can see in the charts.
Screenshots are saved to artifacts/ (git-ignored). Run only these with ``pytest -m browser``.
"""

from __future__ import annotations

import re
import time

import pytest

import browser_helpers as bh
from charts import hotspots as hchart
from model import explore, profile
from model import hotspots as hs

pytestmark = pytest.mark.skipif(not bh.CHROMIUM.exists(), reason=f"{bh.CHROMIUM} is not installed")

MAP_COMPARE = "/map?indicator=idaci&period=2019&geography=ward2014&comparator=london&colour=compare"
WARD = "/ward?ward=E05014002"
WARD_HEIGHT = 3200  # tall enough that the whole trends chart is on screen (Streamlit scrolls an inner element, so
# an element screenshot cannot capture what is outside that element's visible part)
BETTER, WORSE, SIMILAR = "#0072B2", "#D55E00", "#E3DDCB"  # phstats.COMPARISON_COLOURS_CB
SUPPRESSED_GREY = "#8c8c8c"  # charts.style.SUPPRESSED_COLOUR
WARD_LINE = "#0072B2"  # charts.trends.SERIES_COLOURS[0]: the ward's own series

AXIS_LABELS_JS = """(el) => Array.from(el.querySelectorAll('g.role-axis-label text')).map(
    t => ({text: t.textContent, shown: getComputedStyle(t).opacity !== '0'}))"""


# ---- fixtures -----------------------------------------------------------------------------
class Server:
    def __init__(self, url: str, log):
        self.url = url
        self.log = log

    def assert_no_errors(self) -> None:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        assert "Traceback" not in text and "Uncaught app execution" not in text, text[-3000:]


@pytest.fixture(scope="module")
def server():
    """One fresh server for this module (the first test is the first request it ever serves)."""
    port = bh.free_port()
    log = bh.ARTIFACTS / "browser_server.log"
    proc = bh.start_server(port, log)
    try:
        bh.wait_healthy(port, proc, timeout=60)
        yield Server(f"http://127.0.0.1:{port}", log)
    finally:
        bh.stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


def _new_page(browser, height: int = bh.VIEWPORT["height"]):
    ctx = browser.new_context(viewport={**bh.VIEWPORT, "height": height})
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors  # type: ignore[attr-defined]
    return ctx, pg


@pytest.fixture
def page(browser, server):
    """A fresh page of its own, for a test that clicks or navigates."""
    ctx, pg = _new_page(browser)
    try:
        yield pg
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def view(browser, server):
    """``view(path, min_charts)``: a page loaded once and shared by the read-only tests of this module."""
    opened: dict[str, tuple] = {}

    def get(path: str, min_charts: int = 1, height: int = bh.VIEWPORT["height"]):
        if path not in opened:
            ctx, pg = _new_page(browser, height)
            opened[path] = (ctx, pg)
            open_page(pg, server, path, min_charts=min_charts)
        return opened[path][1]

    try:
        yield get
    finally:
        for ctx, _ in opened.values():
            ctx.close()


def open_page(page, server, path: str, *, min_charts: int = 1) -> None:
    page.goto(server.url + path)
    bh.wait_for_app(page, min_charts=min_charts)


def assert_page_ok(page, server) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Something went wrong").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    assert not page.js_errors, page.js_errors
    server.assert_no_errors()


def chart(page, title: str):
    """The chart whose (SVG) text contains ``title``."""
    loc = page.locator(bh.CHART).filter(has_text=title)
    assert loc.count() >= 1, f"no chart titled {title!r}"
    return loc.first


PANELS_JS = """(el) => { const r = el.getBoundingClientRect(); const seen = {};
    el.querySelectorAll('g.mark-group.role-scope').forEach(g => {
        if (!/pathgroup/.test(g.getAttribute('class') || '')) return;
        const b = g.getBoundingClientRect(); if (b.width < 50 || b.height < 50) return;
        const k = Math.round((b.left - r.left) / 20) + ',' + Math.round((b.top - r.top) / 20);
        const box = {x: b.left - r.left, y: b.top - r.top, w: b.width, h: b.height}; const o = seen[k];
        if (!o || box.w * box.h > o.w * o.h) seen[k] = box; });
    return Object.values(seen); }"""


def trend_panels(page) -> list[tuple[int, object, list[dict]]]:
    """(index, chart, plot boxes) of the ward page's trend charts: every chart after the locator map and the
    spine chart. A plot box is a line layer's area (one per small multiple, or one per chart)."""
    charts = page.locator(bh.CHART)
    out = []
    for i in range(charts.count()):
        el = charts.nth(i)
        if i == 0 or el.filter(has_text="Spine chart").count():
            continue
        out.append((i, el, el.evaluate(PANELS_JS)))
    return out


def assert_drawn(im, what: str, *, min_ink: float = 0.03, min_colours: int = 5) -> None:
    ink, colours = bh.ink_fraction(im), bh.distinct_colours(im)
    assert ink >= min_ink and colours >= min_colours, f"{what} looks blank: ink {ink:.3f}, {colours} colours"


def app_titles() -> list[str]:
    from ui.frame import PAGES

    return [title for _, title, _, _ in PAGES]


# ---- tests (in this order: the first one must be the first request to the fresh server) ----------
@pytest.mark.browser
def test_deep_link_on_fresh_server_draws_compare_map(view, server):
    page = view(MAP_COMPARE, 2)
    bh.page_screenshot(page, "browser_1_map_page")
    assert "/map" in bh.location(page)
    # the app's navigation, not the legacy pages/ folder: every page title in the sidebar
    nav = page.locator('[data-testid="stSidebarNav"]')
    titles = app_titles()
    assert {"Map explorer", "Hotspots", "Ward profile"} <= set(titles)
    for t in titles:
        assert nav.get_by_text(t, exact=True).count() == 1, (t, nav.inner_text())
    assert page.locator("h1").filter(has_text="Map explorer").count() == 1
    # URL state was read: the comparator shows London
    assert "comparator=london" in bh.location(page) and "colour=compare" in bh.location(page)

    im = bh.screenshot(chart(page, "Child income deprivation (IDACI), 2019"), "browser_1_map_compare")
    assert_drawn(im, "map", min_ink=0.15, min_colours=8)
    better, worse = bh.colour_count(im, BETTER), bh.colour_count(im, WORSE)
    assert better > 2000 and worse > 500, (better, worse)  # blue wards better, orange worse than London
    assert bh.colour_count(im, SIMILAR) > 100  # and the one ward similar to London
    ranking = bh.screenshot(chart(page, "Ranked, with 95% intervals"), "browser_1_ranking")
    assert_drawn(ranking, "ranking", min_ink=0.1)
    assert bh.colour_count(ranking, WORSE) > 200 and bh.colour_count(ranking, BETTER) > 200
    assert_page_ok(page, server)


@pytest.mark.browser
def test_click_on_map_selects_ward(page, server, store):
    open_page(page, server, MAP_COMPARE, min_charts=2)
    worse = explore.ward_table(store, explore.View("idaci", "2019", "ward2014", "london"))[0]
    worse_codes = set(worse.area_code[worse.comparison == "worse"])
    assert "E05000115" in worse_codes  # Cray Valley West

    the_map = chart(page, "Child income deprivation (IDACI), 2019")
    im = bh.screenshot(the_map, "browser_2_before_click")
    point = bh.interior_point(im, WORSE)
    assert point is not None, "no orange ('worse') area on the map"
    box = the_map.bounding_box()
    page.mouse.move(box["x"] + point[0], box["y"] + point[1])
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_function("() => /[?&]ward=E05\\d{6}/.test(location.search)", timeout=20_000)
    bh.wait_idle(page)
    time.sleep(1.5)
    code = re.search(r"[?&]ward=(E05\d{6})", bh.location(page)).group(1)
    assert code.startswith("E050001") and code in worse_codes, code
    name = store.area(code).area_name.iloc[0]

    selected = page.get_by_role("combobox", name="Selected area").input_value()
    assert selected == name, (selected, name)
    link = page.get_by_role("link", name=re.compile("Open the ward profile"))
    assert link.count() == 1
    href = link.get_attribute("href")
    assert href.endswith(f"ward?ward={code}"), href
    bh.page_screenshot(page, "browser_2_after_click")
    bh.screenshot(chart(page, "Child income deprivation (IDACI), 2019"), "browser_2_map_selected")
    assert_page_ok(page, server)

    # the link opens that ward's profile
    target = link.evaluate("a => a.href")
    page.goto(target)
    bh.wait_for_app(page, min_charts=2)
    assert page.locator("h1").first.inner_text().strip() == name
    assert_page_ok(page, server)


@pytest.mark.browser
def test_ward_profile_draws_spine_and_trends(view, server, store):
    code = "E05014002"
    page = view(WARD, 3, WARD_HEIGHT)
    assert page.locator("h1").first.inner_text().strip() == "Penge & Cator"
    n_ind = len(profile.spine(store, code, "ward2022", "95"))
    assert n_ind >= 4
    charts = page.locator(bh.CHART)
    assert charts.count() >= 3  # locator map, spine, trends

    spine = bh.screenshot(chart(page, "Spine chart"), "browser_3_spine")
    assert_drawn(spine, "spine chart", min_ink=0.05)
    assert bh.colour_count(spine, WORSE) > 30  # IDACI: significantly worse than Bromley
    locator = bh.screenshot(charts.nth(0), "browser_3_locator")
    assert_drawn(locator, "locator map", min_ink=0.1, min_colours=3)
    assert bh.colour_count(locator, "#D55E00") > 50  # this ward highlighted

    # one trend panel per indicator (small multiples, or one chart each), every one drawn with the ward's line
    drawn = 0
    for i, el, panels in trend_panels(page):
        im = bh.screenshot(el, f"browser_3_trends_{i}")
        for j, box in enumerate(panels):
            crop = im.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["w"]), int(box["y"] + box["h"])))
            crop.save(bh.ARTIFACTS / f"browser_3_trend_panel_{i}_{j}.png")
            assert_drawn(crop, f"trend panel {j} of chart {i}", min_ink=0.005, min_colours=3)
            # the ward's own series: lines at full colour, points at Vega's default 0.7 opacity
            assert bh.colour_count(crop, WARD_LINE, tol=20, alphas=(1.0, 0.7)) > 15, (
                f"trend panel {j} of chart {i}: no ward series"
            )
            drawn += 1
    assert drawn == n_ind >= 4
    bh.page_screenshot(page, "browser_3_ward_page")
    assert_page_ok(page, server)


@pytest.mark.browser
def test_hotspots_draws_matrix_and_map(view, server, store):
    page = view("/hotspots", 3)
    assert page.get_by_text("Most flagged:").count() >= 1
    matrix = bh.screenshot(chart(page, "Ward × indicator"), "browser_4_matrix")
    assert_drawn(matrix, "matrix", min_ink=0.2)
    assert bh.colour_count(matrix, "#E69F00") > 500  # worst-quintile cells
    assert bh.colour_count(matrix, "#B33D00") > 100  # worst quintile and significantly worse

    scores = hs.hotspots(store, hs.DEFAULT_INDICATORS, "ward2022", "either", "england", "95")["scores"]
    colours = hchart.count_colours(len(hs.DEFAULT_INDICATORS) + 1)  # as pages/hotspots.py colours the map
    the_map = bh.screenshot(chart(page, "Number of flags"), "browser_4_count_map")
    assert_drawn(the_map, "count map", min_ink=0.08)  # its wrapped subtitle adds blank; each class is counted below
    for k in sorted(set(scores.n_flagged)):  # every count that occurs is drawn in its colour
        assert bh.colour_count(the_map, colours[k], tol=6) > 30, (k, colours[k])
    assert int(scores.n_flagged.max()) == len(hs.DEFAULT_INDICATORS) == 5  # Crystal Palace & Anerley: all five
    bars = bh.screenshot(chart(page, "Wards ranked by flags"), "browser_4_bars")
    assert_drawn(bars, "bars", min_ink=0.05, min_colours=3)
    bh.page_screenshot(page, "browser_4_hotspots_page")
    assert_page_ok(page, server)


@pytest.mark.browser
def test_public_mode_by_url(page, server):
    open_page(page, server, "/map?indicator=cla_rate&public=1", min_charts=2)
    warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="PUBLIC MODE")
    assert warning.count() == 1
    toggle = page.get_by_role("switch", name="Public mode: hide small numbers")
    assert toggle.is_checked()
    # suppressed wards are drawn in the suppressed grey on the map
    im = bh.screenshot(chart(page, "Children looked after"), "browser_5_public_map")
    assert_drawn(im, "public-mode map", min_ink=0.15)
    assert bh.colour_count(im, SUPPRESSED_GREY, tol=4) > 500
    bh.page_screenshot(page, "browser_5_public_page")
    assert_page_ok(page, server)


# ---- what readers can see: every label, title and caveat (regressions of bugs found here) ----------
def _hidden(labels: list[dict], wanted: list[str]) -> list[str]:
    shown = {lab["text"] for lab in labels if lab["shown"]}
    return [w for w in wanted if w not in shown]


@pytest.mark.browser
def test_map_ranking_labels_every_ward(view, store):
    """Was a bug: the bars were squeezed to ~13 px and Vega's label-overlap rule hid every second ward name."""
    page = view(MAP_COMPARE, 2)
    labels = chart(page, "Ranked, with 95% intervals").evaluate(AXIS_LABELS_JS)
    names = store.areas("ward2014").area_name.tolist()
    assert _hidden(labels, names) == []


@pytest.mark.browser
def test_hotspots_charts_name_every_column_and_ward(view, store):
    """Was a bug: overlapping matrix headers hid 'Obesity: Year 6' and 'NEET' (2 of 4 columns unnamed), and the
    'Wards ranked by flags' chart hid every second ward name."""
    page = view("/hotspots", 3)
    names = dict(zip(hs.candidates(store, "ward2022").indicator_id, hs.candidates(store, "ward2022").name))
    matrix = chart(page, "Ward × indicator").evaluate(AXIS_LABELS_JS)
    shown_headers = [lab["text"] for lab in matrix if lab["shown"]]
    for ind in hs.DEFAULT_INDICATORS:  # each header visible (at least its start, if truncated with "…")
        stem = names[ind][:12]
        assert any(h.startswith(stem) for h in shown_headers), (names[ind], shown_headers)
    bars = chart(page, "Wards ranked by flags").evaluate(AXIS_LABELS_JS)
    assert _hidden(bars, store.areas("ward2022").area_name.tolist()) == []


@pytest.mark.browser
def test_ward_spine_shows_data_status_tags(view, store):
    """Was a bug: row labels were cut at a fixed width with '…', so the [ILLUSTRATIVE] / [ESTIMATE] tag was not
    visible on several rows (e.g. 'Children looked after (rate per 10,000) (31 Mar 20…', which is ILLUSTRATIVE)."""
    code = "E05014002"
    page = view(WARD, 3, WARD_HEIGHT)
    sp = profile.spine_display(profile.spine(store, code, "ward2022", "95"))
    labels = [lab["text"] for lab in chart(page, "Spine chart").evaluate(AXIS_LABELS_JS) if lab["shown"]]
    tagged = 0
    for r in sp.itertuples():
        mine = [lab for lab in labels if lab.endswith(f"{r.name} ({r.period})")]
        assert len(mine) == 1, (r.name, labels)
        tag = "[ILLUSTRATIVE]" if r.is_illustrative else "[ESTIMATE]" if r.is_estimate else None
        if tag:
            tagged += 1
            assert tag in mine[0], (r.name, mine[0])
        else:
            assert "ILLUSTRATIVE" not in mine[0] and "ESTIMATE" not in mine[0]
    assert tagged >= 3  # CLA and NEET illustrative, obesity etc. estimated on the 2022 wards


TITLE_BOXES_JS = """(el) => { const r = el.getBoundingClientRect();
    return Array.from(el.querySelectorAll('g.role-title text')).filter(t => t.textContent.trim()).map(t => {
        const b = t.getBoundingClientRect();
        return {text: t.textContent, top: b.top - r.top, shown: getComputedStyle(t).opacity !== '0'}; }); }"""


@pytest.mark.browser
def test_ward_trend_panels_are_named_and_caveats_shown(view, store):
    """Was a bug: each trend chart got less height than its title + notes + plot + legend, so the title was drawn
    above the chart's box and cut off, e.g. 'Children in England's most deprived 20% (IDACI)' lost its title and
    the caveat 'Scores from different IoD editions are not comparable'."""
    page = view(WARD, 3, WARD_HEIGHT)
    sp = profile.spine(store, "E05014002", "ward2022", "95")
    titles, cut = [], []
    for i, el, _ in trend_panels(page):
        for t in el.evaluate(TITLE_BOXES_JS):
            titles.append(t["text"])
            if t["top"] < -4 or not t["shown"]:  # a few pixels of glyph overshoot are invisible
                cut.append((i, t["text"][:60], round(t["top"])))
    assert cut == []
    for name in sp.name:  # every indicator's panel is named (long names may end in "…")
        assert any(t.startswith(name[:20]) for t in titles), (name, titles)
    # the IoD caveat is on the page (in a caption or a chart note) for each edition-dependent indicator
    captions = "\n".join(page.locator('[data-testid="stCaptionContainer"]').all_inner_texts() + titles)
    n_caveats = int((~sp.trend_comparable).sum())
    assert n_caveats >= 1 and captions.count("not comparable") >= n_caveats, captions


LEGEND_BOXES_JS = """(el) => { const r = el.getBoundingClientRect();
    return Array.from(el.querySelectorAll('g.role-legend-label text')).map(t => { const b = t.getBoundingClientRect();
        return {text: t.textContent, left: b.left - r.left, right: b.right - r.left, width: r.width}; }); }"""


@pytest.mark.browser
def test_ward_trend_legends_are_inside_the_chart(view):
    """Was a bug: the 'Data' legend ran past the right edge of each 462 px trend chart, so its 'ESTIMATE' and
    'ILLUSTRATIVE' entries were cut off and a reader could not tell what the line styles meant."""
    page = view(WARD, 3, WARD_HEIGHT)
    labels, outside = [], []
    for i, el, _ in trend_panels(page):
        for lab in el.evaluate(LEGEND_BOXES_JS):
            labels.append(lab["text"])
            if lab["right"] > lab["width"] + 2 or lab["left"] < -2:
                outside.append((i, lab["text"], round(lab["left"]), round(lab["right"]), round(lab["width"])))
    assert {"Penge & Cator", "Bromley", "ESTIMATE", "ILLUSTRATIVE"} <= set(labels), labels
    assert outside == []


AXES_JS = """(el) => Array.from(el.querySelectorAll('g.role-axis')).map(a => Array.from(
    a.querySelectorAll('g.role-axis-label text')).filter(t => getComputedStyle(t).opacity !== '0').map(t => t.textContent))"""


PERIOD_LABEL = r"(19|20)\d\d(/\d\d)?( ?- ?(19|20)?\d\d/\d\d)?|31 Mar (19|20)\d\d|mid-(19|20)\d\d"


@pytest.mark.browser
def test_ward_trend_time_axes_have_no_repeated_years(view, store):
    """Was a bug: ticks every half year formatted as years wrote each year twice ('2011 2011 2012 2012 ...').
    Time axes are now labelled by period ("2019", "2017/18", "31 Mar 2023", "2011/12-2013/14"), once each."""
    page = view(WARD, 3, WARD_HEIGHT)
    n_ind = len(profile.spine(store, "E05014002", "ward2022", "95"))
    time_axes, repeated = 0, []
    for i, el, _ in trend_panels(page):
        for labels in el.evaluate(AXES_JS):
            if labels and all(re.fullmatch(PERIOD_LABEL, x) for x in labels):
                time_axes += 1
                if len(labels) != len(set(labels)):
                    repeated.append((i, labels))
    assert time_axes >= n_ind
    assert repeated == []


LEGEND_SYMBOLS_JS = """(el) => Array.from(el.querySelectorAll('g.role-legend-symbol path')).map(p => ({
    fill: p.getAttribute('fill'), opacity: parseFloat(getComputedStyle(p).opacity)}))"""


@pytest.mark.browser
def test_ward_trend_legend_swatches_match_the_lines(view):
    page = view(WARD, 3, WARD_HEIGHT)
    swatches = [
        sym
        for _, el, _ in trend_panels(page)
        for sym in el.evaluate(LEGEND_SYMBOLS_JS)
        if sym["fill"] and sym["fill"].startswith("#")
    ]
    assert len(swatches) >= 4  # ward, Bromley, London, England
    assert all(sym["opacity"] >= 0.5 for sym in swatches), swatches


@pytest.mark.browser
def test_map_ranking_legend_and_axis_title_are_inside_the_chart(view):
    page = view(MAP_COMPARE, 2)
    el = chart(page, "Ranked, with 95% intervals")
    legend = el.evaluate(LEGEND_BOXES_JS)
    assert {"better", "similar", "worse"} <= {lab["text"] for lab in legend}
    outside = [
        (lab["text"], round(lab["left"]), round(lab["right"]), round(lab["width"]))
        for lab in legend
        if lab["right"] > lab["width"] + 2 or lab["left"] < -2
    ]
    titles = el.evaluate("""(el) => { const r = el.getBoundingClientRect();
        return Array.from(el.querySelectorAll('g.role-axis-title text')).map(t => { const b = t.getBoundingClientRect();
            return [t.textContent, Math.round(b.left - r.left), Math.round(b.right - r.left), Math.round(r.width)]; }); }""")
    outside += [tuple(t) for t in titles if t[2] > t[3] + 2 or t[1] < -2]
    assert outside == []
