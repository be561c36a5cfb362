"""Real-browser flows: presentation mode by URL, and loading a council extract through the upload page.

The server here reads a temporary copy of data/ (BWE_DATA_DIR), so uploads never touch the project.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import browser_helpers as bh

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    data = tmp_path_factory.mktemp("data")
    for p in (ROOT / "data").glob("*"):
        if p.is_file():
            shutil.copy(p, data / p.name)
    port = bh.free_port()
    proc = bh.start_server(port, ARTIFACTS / "flows_server.log", {"BWE_DATA_DIR": str(data), "BWE_ALLOW_UPLOADS": "1"})
    try:
        bh.wait_healthy(port, proc, timeout=90)
        yield f"http://127.0.0.1:{port}", data
    finally:
        bh.stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url, timeout=90_000)
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=90_000)
    return page


def _wait_drawn(page, n=1):
    page.wait_for_function(
        "n => document.querySelectorAll('.stVegaLiteChart svg.marks path').length >= n", arg=n, timeout=60_000
    )
    time.sleep(1.5)


@pytest.mark.browser
def test_presentation_mode_by_url(server, browser):
    url, _ = server
    page = _open(browser, f"{url}/map?indicator=cla_rate&present=1&public=1&colour=compare")
    _wait_drawn(page, 22)
    assert not page.locator("[data-testid='stSidebar']").is_visible()  # sidebar hidden
    assert not page.locator("header[data-testid='stHeader']").is_visible()  # app chrome hidden
    assert page.get_by_text("PUBLIC MODE").first.is_visible()
    # the map is drawn: 22 ward polygons in the first chart
    assert page.locator(".stVegaLiteChart").first.locator("path[aria-roledescription='geoshape']").count() >= 22
    h1 = page.locator("[data-testid='stMain'] h1").first
    assert float(h1.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 40  # projector-size title
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_present.png"))
    # still interactive: a click on the map selects a ward
    chart = page.locator(".stVegaLiteChart").first
    chart.scroll_into_view_if_needed()
    time.sleep(1)
    box = chart.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.6)
    page.wait_for_function("() => location.search.includes('ward=E050')", timeout=60_000)
    page.get_by_text("Open the ward profile").wait_for(timeout=60_000)
    page.close()


@pytest.mark.browser
def test_upload_good_then_bad_file(server, browser, tmp_path):
    url, data = server
    good = tmp_path / "cla_wards.csv"
    rows = ["ward_name,period,numerator,denominator,note"]
    names = ["Penge & Cator", "Mottingham", "St Mary Cray", "Crystal Palace & Anerley", "Orpington"]
    rows += [f"{n},2023,{40 + 7 * i},{4000 + 10 * i},loaded in test" for i, n in enumerate(names)]
    good.write_text("\n".join(rows) + "\n")
    page = _open(browser, f"{url}/upload")
    page.get_by_text("Children looked after (rate per 10,000)").count()
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Children looked after (rate per 10,000)").click()
    page.locator("input[type='file']").set_input_files(str(good))
    page.get_by_text("5 valid rows").wait_for(timeout=60_000)
    page.get_by_role("button", name="Load as the Children looked after (rate per 10,000) extract").click()
    page.get_by_text("Loaded. Every page now shows this extract").wait_for(timeout=60_000)
    assert (data / "local" / "cla_rate.parquet").exists()
    page.close()
    # the map now shows the council's figures, not the illustrative series
    page = _open(browser, f"{url}/map?indicator=cla_rate&period=31+Mar+2023&geography=ward2022")
    _wait_drawn(page, 22)
    table = page.locator("[data-testid='stDataFrame']").first.inner_text()
    assert "ILLUSTRATIVE (modelled" not in table
    assert page.get_by_text("ILLUSTRATIVE DATA").count() == 0
    page.close()
    # a bad file lists its errors and changes nothing
    bad = tmp_path / "bad.csv"
    bad.write_text("ward_name,period,numerator,denominator\nNowhere,2023,3,10\nMottingham,20x3,-1,10\n")
    before = (data / "local" / "cla_rate.parquet").read_bytes()
    page = _open(browser, f"{url}/upload")
    page.locator("input[type='file']").set_input_files(str(bad))
    page.get_by_text("was not loaded").wait_for(timeout=60_000)
    page.get_by_text("is not a period").first.wait_for(timeout=30_000)
    text = page.locator("[data-testid='stMain']").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser_upload_errors.png"), full_page=True)
    assert "Nowhere" in text, text and "is not a period" in text and "is negative" in text
    assert (data / "local" / "cla_rate.parquet").read_bytes() == before
    page.close()
