"""Presentation mode is made for a projector (issue #12): at least as readable as the screen on every page.

(a) Through AppTest: in presentation mode the pages give charts projector heights (rows of the hotspot
matrix and bars at least the big bar height, maps at least 600 px, one trend chart per indicator on the
ward profile), and every chart spec carries projector type sizes (axis labels >= 16 px, titles >= 24 px).
(b) In a real browser at 1920x1080 with ``present=1``: the Overview's metric values are large and their labels
wrap instead of ending in "…", the hotspot matrix's row labels do not overlap, the flags map is wide, and
no spine chart axis label is cut. Screenshots go to artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from charts import hotspots as hchart
from charts import style
from ui import display, sizes

ROOT = Path(__file__).resolve().parents[1]
MIN_LABEL_PX = 16  # axis and legend labels, cell text: readable from the back of a meeting room
MIN_TITLE_PX = 24


@pytest.fixture(scope="module", autouse=True)
def _fresh_store_cache():
    from ui.data import reload_store

    reload_store()


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch):
    for k in [k for k in os.environ if k.startswith("BWE_")]:
        monkeypatch.delenv(k)


@pytest.fixture
def shown(monkeypatch):
    """Every chart a page shows: (spec, the height the page gives Streamlit)."""
    seen: list[tuple[dict, int | None]] = []
    original = display.show_spec

    def recording(spec, *, height=None, **kw):
        seen.append((spec, height))
        return original(spec, height=height, **kw)

    monkeypatch.setattr(display, "show_spec", recording)
    return seen


def run_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _title(spec: dict) -> str:
    t = spec.get("title")
    return t.get("text", "") if isinstance(t, dict) else str(t or "")


def _chart(seen, title: str) -> tuple[dict, int | None]:
    for spec, height in seen:
        if _title(spec).startswith(title):
            return spec, height
    raise AssertionError(f"no chart titled {title!r}: {[_title(s) for s, _ in seen]}")


def _font_sizes(node, key: str = "") -> list[tuple[str, float]]:
    """Every explicit font size in a spec outside its config (marks, axes, headers), with its key."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "config":
                continue
            if "fontsize" in k.lower() and isinstance(v, int | float):
                out.append((k, v))
            else:
                out.extend(_font_sizes(v, k))
    elif isinstance(node, list):
        for v in node:
            out.extend(_font_sizes(v, key))
    return out


def assert_projector_type(spec: dict) -> None:
    c = spec["config"]
    assert c["axis"]["labelFontSize"] >= MIN_LABEL_PX and c["axis"]["titleFontSize"] >= MIN_LABEL_PX, c["axis"]
    assert c["legend"]["labelFontSize"] >= MIN_LABEL_PX and c["legend"]["titleFontSize"] >= MIN_LABEL_PX
    assert c["title"]["fontSize"] >= MIN_TITLE_PX and c["title"]["subtitleFontSize"] >= MIN_LABEL_PX, c["title"]
    assert c["text"]["fontSize"] >= MIN_LABEL_PX and c["header"]["labelFontSize"] >= MIN_LABEL_PX
    assert all(v["labelFontSize"] >= MIN_LABEL_PX for v in c.get("style", {}).values() if "labelFontSize" in v)
    small = [(k, v) for k, v in _font_sizes(spec) if v < MIN_LABEL_PX]
    assert not small, f"{_title(spec)}: sizes fixed below the projector minimum: {small}"


# ---- (a) page code ----------------------------------------------------------------------------
def test_config_sizes():
    for big, label, title in ((False, 11, 15), (True, MIN_LABEL_PX, MIN_TITLE_PX)):
        c = style.config(big=big)
        assert c["axis"]["labelFontSize"] >= label and c["title"]["fontSize"] >= title
        assert c["axis"]["labelLimit"] > 100  # Streamlit's theme cuts axis labels at 100 px otherwise


def test_hotspots_rows_and_map_are_projector_size(shown):
    run_page("hotspots", present="1")
    assert len(shown) == 3
    for spec, _ in shown:
        assert_projector_type(spec)
    wards = 22
    matrix, height = _chart(shown, "Ward × indicator")
    assert matrix["height"] / wards >= sizes.BIG_BAR  # rows, not squeezed
    assert height >= matrix["height"] + 200  # room for title, column names and legend around the rows
    bars, height = _chart(shown, "Wards ranked by flags")
    assert bars["height"] / wards >= sizes.BIG_BAR and height >= bars["height"] + 100
    the_map, height = _chart(shown, "Number of flags")
    assert (height or the_map["height"]) >= 600
    legend = the_map["layer"][0]["encoding"]["color"]["legend"]
    assert legend["orient"] == "right"  # the whole height for the map


def test_hotspots_normal_mode_keeps_screen_sizes(shown):
    run_page("hotspots")
    matrix, height = _chart(shown, "Ward × indicator")
    assert matrix["config"]["axis"]["labelFontSize"] == 11
    assert matrix["height"] == hchart.ROW_HEIGHT * 22 and height >= matrix["height"] + 150


def test_map_explorer_map_fills_the_screen(shown):
    run_page("map", present="1")
    for spec, _ in shown:
        assert_projector_type(spec)
    the_map = next(s for s, _ in shown if "projection" in s)
    assert the_map["height"] >= 600
    ranking, height = next((s, h) for s, h in shown if "projection" not in s)
    assert height >= 22 * sizes.BIG_BAR


def test_ward_profile_spine_and_one_trend_per_screen(shown):
    at = run_page("ward", present="1", ward="E05014002")
    for spec, _ in shown:
        assert_projector_type(spec)
    spine, height = _chart(shown, "Spine chart")
    rows = len(spine["datasets"]["spine"])
    assert spine["height"] / rows >= 50 and height >= spine["height"] + 150
    assert spine["config"]["style"]["spine-rows"]["labelLimit"] >= 600  # long indicator names are not cut
    trends = [(s, h) for s, h in shown if "facet" not in s and "trend" in s.get("datasets", {})]
    assert len(trends) == rows  # one full-width chart per indicator, no small-multiple grid
    assert not any("facet" in s for s, _ in shown)
    assert all(h >= 600 for _, h in trends)
    assert at.title[0].value


def test_trends_chart_is_screen_high(shown):
    run_page("trends", present="1")
    ((spec, height),) = shown
    assert_projector_type(spec)
    assert height >= 600


# ---- (b) in a browser -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser_page():
    import browser_helpers as bh

    if not bh.CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    port = bh.free_port()
    proc = bh.start_server(port, bh.ARTIFACTS / "present_server.log")
    try:
        bh.wait_healthy(port, proc, timeout=90)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.LAUNCH_ARGS)
            page = b.new_page(viewport={"width": 1920, "height": 1080})

            def open_(path: str, charts: int = 0):
                page.set_viewport_size({"width": 1920, "height": 1080})
                page.goto(f"http://127.0.0.1:{port}/{path}")
                page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=90_000)
                if charts:
                    page.wait_for_function(
                        "n => document.querySelectorAll('.stVegaLiteChart svg.marks').length >= n",
                        arg=charts,
                        timeout=90_000,
                    )
                bh.wait_idle(page, timeout_ms=90_000)
                time.sleep(3)
                bh.wait_idle(page, timeout_ms=90_000)
                return page

            yield open_
            b.close()
    finally:
        bh.stop_server(proc)


def _shot(page, name: str) -> None:
    import browser_helpers as bh

    bh.ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(bh.ARTIFACTS / f"present_{name}.png"))


@pytest.mark.browser
def test_overview_metrics_are_projector_size_and_labels_wrap(browser_page):
    page = browser_page("?present=1")
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=60_000)
    _shot(page, "overview_1920")
    sizes = page.eval_on_selector_all(
        "[data-testid='stMetricValue']",
        "els => els.map(e => parseFloat(getComputedStyle(e.querySelector('p') || e).fontSize))",
    )
    assert sizes and min(sizes) >= 40, sizes
    cut = page.eval_on_selector_all(
        "[data-testid='stMetricLabel'] [data-testid='stMarkdownContainer'], "
        "[data-testid='stMetricLabel'] p, [data-testid='stMetricDelta'] [data-testid='stMarkdownContainer']",
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1 || getComputedStyle(e).textOverflow === 'ellipsis')"
        ".map(e => e.innerText)",
    )
    assert not cut, cut


@pytest.mark.browser
def test_hotspot_matrix_rows_apart_and_map_wide(browser_page):
    page = browser_page("hotspots?present=1", charts=3)
    _shot(page, "hotspots_1920")
    matrix = page.locator(".stVegaLiteChart").nth(0)
    boxes = matrix.evaluate(
        """el => [...el.querySelectorAll('svg.marks g.role-axis-label text')].map(t => {
            const b = t.getBoundingClientRect(); return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height};
        })"""
    )
    labels = [b for b in boxes if b["text"] and b["w"] > 0]
    assert len(labels) >= 22
    for i, a in enumerate(labels):
        for c in labels[i + 1 :]:
            apart = (
                a["x"] + a["w"] <= c["x"] + 0.5
                or c["x"] + c["w"] <= a["x"] + 0.5
                or a["y"] + a["h"] <= c["y"] + 0.5
                or c["y"] + c["h"] <= a["y"] + 0.5
            )
            assert apart, f"overlapping labels: {a} {c}"
    widths = page.eval_on_selector_all(
        ".stVegaLiteChart svg.marks", "els => els.map(e => e.getBoundingClientRect().width)"
    )
    flags_map = page.locator(".stVegaLiteChart").nth(1)
    shapes = flags_map.evaluate(
        "el => { const b = [...el.querySelectorAll(\"path[aria-roledescription='geoshape']\")]"
        ".map(p => p.getBoundingClientRect()); return b.length ? [Math.min(...b.map(r => r.left)), "
        "Math.max(...b.map(r => r.right)), Math.min(...b.map(r => r.top)), Math.max(...b.map(r => r.bottom))] : null; }"
    )
    assert widths[1] >= 500, widths
    assert shapes and shapes[1] - shapes[0] >= 450 and shapes[3] - shapes[2] >= 450, shapes  # the map itself


@pytest.mark.browser
def test_spine_axis_labels_are_not_cut(browser_page):
    page = browser_page("ward?present=1&ward=E05014002", charts=2)
    spine = page.locator(".stVegaLiteChart").nth(1)
    spine.scroll_into_view_if_needed()
    time.sleep(1)
    _shot(page, "ward_spine_1920")
    labels = spine.evaluate(
        "el => [...el.querySelectorAll('svg.marks g.role-axis-label text')].map(t => t.textContent)"
    )
    assert any("better / higher" in t for t in labels) and any("worse / lower" in t for t in labels), labels
    assert not [t for t in labels if t.endswith("…")], labels
    assert json.dumps(labels)
