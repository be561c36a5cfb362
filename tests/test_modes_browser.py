"""Real-browser flows for the modes a public meeting relies on, and for what leaves the machine.

A council NEET extract with counts below the threshold is loaded into a copy of data/. From
``/?public=1`` (and with ``present=1``) a person walks every page through the sidebar and the
in-page links, refreshes and opens links in new tabs: public mode stays on, the banner shows,
and the map's CSV download holds no count below the threshold. Every request the browser makes
while visiting every page in every mode goes to the app's own address.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from council_extract import save_neet_extract

import browser_helpers as bh
from ui.frame import PAGES

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = 5
BANNER = re.compile("PUBLIC MODE")  # the banner (case-sensitive: not the toggle's "Public mode" label)
SMALL = {"E05013987": 1, "E05013988": 3, "E05013989": 8}  # small (and secondary) counts in the extract


def _extract(data: Path) -> None:
    save_neet_extract(data, "neet_small.csv", lambda i, code: SMALL.get(code, 20 + i), notes=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not bh.CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    data = tmp_path_factory.mktemp("data")
    for p in (ROOT / "data").glob("*"):
        if p.is_file():
            shutil.copy(p, data / p.name)
    _extract(data)
    port = bh.free_port()
    proc = bh.start_server(port, bh.ARTIFACTS / "modes_server.log", {"BWE_DATA_DIR": str(data)})
    try:
        bh.wait_healthy(port, proc, timeout=90)
        yield f"http://127.0.0.1:{port}"
    finally:
        bh.stop_server(proc)


@pytest.fixture(scope="module")
def context(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.LAUNCH_ARGS)
        ctx = b.new_context(viewport=bh.VIEWPORT, accept_downloads=True)
        ctx.requests = []  # type: ignore[attr-defined]
        ctx.on("request", lambda r: ctx.requests.append(r.url))
        yield ctx
        ctx.close()
        b.close()


def _title(page, text: str) -> None:
    page.locator("[data-testid='stMain'] h1").filter(has_text=text).first.wait_for(timeout=90_000)
    bh.wait_idle(page, timeout_ms=60_000)


def _modes(page) -> dict[str, str]:
    q = parse_qs(urlparse(bh.location(page)).query)
    return {k: q.get(k, [""])[0] for k in ("public", "present")}


def _assert_public(page, where: str) -> None:
    page.wait_for_function("() => location.search.includes('public=1')", timeout=30_000)
    assert _modes(page)["public"] == "1", (where, bh.location(page))
    assert page.get_by_text(BANNER).first.is_visible(), where


def _sidebar(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).first.click()
    _title(page, {"Overview": "Bromley", "Ward profile": ""}.get(title, title.split(" ")[0]))


def _map_csv(page) -> list[dict]:
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="Download table (CSV)").click()
    return list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))


def _choose(page, label: str, option: str) -> None:
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    bh.wait_idle(page, timeout_ms=60_000)
    time.sleep(1)


def _assert_no_small_counts(rows: list[dict]) -> None:
    assert rows, "empty download"
    counts = [float(r["numerator"]) for r in rows if r.get("numerator") not in ("", None)]
    assert counts and min(counts) >= THRESHOLD, sorted(counts)[:5]
    hidden = [r for r in rows if r.get("numerator") in ("", None)]
    assert {r["area_code"] for r in hidden} >= set(SMALL) - {"E05013989"} and len(hidden) >= 2


@pytest.mark.browser
def test_public_mode_survives_sidebar_links_refresh_and_new_tabs(server, context):
    page = context.new_page()
    page.goto(f"{server}/?public=1", timeout=90_000)
    _title(page, "Bromley")
    _assert_public(page, "overview")
    for _, title, _, _ in PAGES[1:]:
        _sidebar(page, title)
        _assert_public(page, f"sidebar → {title}")
        assert page.locator("[data-testid='stSidebar'] input[type='checkbox']").nth(1).is_checked()
    # the map, by the sidebar, then NEET by its control: the download holds no small count
    _sidebar(page, "Map explorer")
    _choose(page, "Indicator", "16-17 year olds NEET")
    _assert_public(page, "map, NEET")
    _assert_no_small_counts(_map_csv(page))
    page.reload()
    _title(page, "Map explorer")
    _assert_public(page, "map after refresh")
    _assert_no_small_counts(_map_csv(page))
    # every in-page link on the overview keeps public mode, in this tab and in a new one
    _sidebar(page, "Overview")
    links = page.locator("[data-testid='stMain'] [data-testid='stPageLink'] a[href]")
    page.wait_for_function(  # the tiles and the top wards are drawn after the title
        "() => document.querySelectorAll(\"[data-testid='stMain'] [data-testid='stPageLink'] a[href]\").length >= 6",
        timeout=60_000,
    )
    hrefs = sorted({a.evaluate("a => a.href") for a in links.all()})
    assert len(hrefs) >= 5 and all("public=1" in h for h in hrefs), hrefs
    tab = context.new_page()
    tab.goto(links.first.evaluate("a => a.href"), timeout=90_000)
    tab.locator("[data-testid='stMain'] h1").first.wait_for(timeout=90_000)
    _assert_public(tab, "new tab from an overview link")
    tab.close()
    page.locator("[data-testid='stMain'] a").filter(has_text="profile →").first.click()
    page.wait_for_url("**/ward?*", timeout=90_000)
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=90_000)
    _assert_public(page, "profile link")
    page.close()


@pytest.mark.browser
def test_presentation_and_public_modes_survive_in_page_links(server, context):
    page = context.new_page()
    page.goto(f"{server}/?public=1&present=1", timeout=90_000)
    _title(page, "Bromley")
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    page.locator("[data-testid='stMain'] a").filter(has_text="profile →").first.click()
    page.wait_for_url("**/ward?*", timeout=90_000)
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=90_000)
    bh.wait_idle(page, timeout_ms=60_000)
    assert _modes(page) == {"public": "1", "present": "1"}, bh.location(page)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    assert page.get_by_text(BANNER).first.is_visible()
    page.reload()
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=90_000)
    bh.wait_idle(page, timeout_ms=60_000)
    assert _modes(page) == {"public": "1", "present": "1"}
    page.close()


@pytest.mark.browser
def test_switching_public_mode_off_is_a_choice_that_sticks(server, context):
    page = context.new_page()
    page.goto(f"{server}/map?public=1", timeout=90_000)
    _title(page, "Map explorer")
    page.locator("[data-testid='stSidebar'] label").filter(has_text="Public mode").first.click()
    page.wait_for_function("() => location.search.includes('public=0')", timeout=30_000)
    _sidebar(page, "Trends")
    page.wait_for_function("() => location.search.includes('public=0')", timeout=30_000)
    assert page.get_by_text(BANNER).count() == 0
    page.close()


@pytest.mark.browser
def test_no_request_leaves_the_machine(server, context):
    """Every page in every mode: each request goes to the app's own address (no CDN, fonts, icons)."""
    own = urlparse(server).netloc
    context.requests.clear()
    page = context.new_page()
    for query in ("", "?public=1", "?present=1", "?public=1&present=1"):
        for _, _title, _, path in PAGES:
            page.goto(f"{server}/{'' if path == 'overview' else path}{query}", timeout=90_000)
            page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=90_000)
            bh.wait_idle(page, timeout_ms=60_000)
    time.sleep(2)
    page.close()
    hosts = {urlparse(u).netloc for u in context.requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    others = sorted(
        {
            u
            for u in context.requests
            if urlparse(u).netloc not in ("", own) and urlparse(u).scheme not in ("data", "blob")
        }
    )
    assert hosts == {own}, others[:10]
