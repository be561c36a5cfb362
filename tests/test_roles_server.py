"""Who may change the data, tried against real servers: a locked public deployment is read-only
through the page, its widget state and the websocket; security headers are on every response.

Two servers, each over its own copy of data/ with a council NEET extract loaded:
- ``open``: ``BWE_ALLOW_UPLOADS=1`` (an officer's laptop): the upload and remove controls exist;
- ``locked``: ``BWE_PUBLIC_LOCKED=1`` and, to show that locking wins, ``BWE_ALLOW_UPLOADS=1`` too.
The websocket client speaks Streamlit's own protocol (protobuf BackMsg / ForwardMsg), as an
attacker's script would: it takes the real widget ids of the write controls from the open server
and sends them, triggered, to the locked one.
"""

from __future__ import annotations

import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from council_extract import save_neet_extract

import browser_helpers as bh

ROOT = Path(__file__).resolve().parents[1]


def _data_with_extract(folder: Path) -> Path:
    for p in (ROOT / "data").glob("*.parquet"):
        shutil.copy(p, folder / p.name)
    save_neet_extract(folder, "council_neet_secret.csv", lambda i, _: 3 if i < 3 else 20 + i)
    return folder


def _server(tmp_path_factory, name: str, settings: dict[str, str]):
    data = _data_with_extract(tmp_path_factory.mktemp(name))
    port = bh.free_port()
    proc = bh.start_server(port, bh.ARTIFACTS / f"{name}_server.log", {"BWE_DATA_DIR": str(data)} | settings)
    bh.wait_healthy(port, proc, timeout=90)
    return proc, port, data


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    started = []
    try:
        for name, settings in (
            ("open", {"BWE_ALLOW_UPLOADS": "1"}),
            ("locked", {"BWE_PUBLIC_LOCKED": "1", "BWE_ALLOW_UPLOADS": "1"}),
        ):
            started.append((name, *_server(tmp_path_factory, name, settings)))
        yield {name: (port, data) for name, _, port, data in started}
    finally:
        for _, proc, _, _ in started:
            bh.stop_server(proc)


def _run_page(port: int, page: str, widgets=()) -> list[tuple[str, str, str]]:
    """One script run of ``page`` over the websocket, with ``widgets`` (id, trigger) set; the
    (element type, id, label) of every control the server drew."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    drawn = []
    with connect(
        f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], origin=f"http://127.0.0.1:{port}"
    ) as ws:
        msg = BackMsg()
        msg.rerun_script.page_name = page
        for wid in widgets:
            w = msg.rerun_script.widget_states.widgets.add()
            w.id = wid
            w.trigger_value = True
        ws.send(msg.SerializeToString())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            f = ForwardMsg()
            f.ParseFromString(ws.recv(timeout=30))
            kind = f.WhichOneof("type")
            if kind == "delta" and f.delta.WhichOneof("type") == "new_element":
                el = f.delta.new_element
                t = el.WhichOneof("type")
                if t in ("button", "file_uploader", "download_button", "checkbox"):
                    drawn.append((t, getattr(el, t).id, getattr(el, t).label))
            if kind == "script_finished":
                break
    return drawn


def _write_controls(drawn):
    return [
        (t, wid, label)
        for t, wid, label in drawn
        if t == "file_uploader" or (t == "button" and ("remove" in wid or label.startswith("Load")))
    ]


def test_open_server_offers_write_controls(servers):
    port, _ = servers["open"]
    controls = _write_controls(_run_page(port, "upload"))
    assert {t for t, _, _ in controls} == {"file_uploader", "button"}, controls


def test_locked_server_is_read_only_even_to_a_crafted_websocket_message(servers):
    open_port, _ = servers["open"]
    port, data = servers["locked"]
    extract = data / "local" / "neet.parquet"
    before = extract.read_bytes()
    assert _write_controls(_run_page(port, "upload")) == []
    # the real ids of the remove button and the uploader, from a server where they exist, sent triggered
    ids = [wid for _, wid, _ in _write_controls(_run_page(open_port, "upload"))]
    assert any(i.endswith("remove_neet") for i in ids), ids
    after_attack = _run_page(port, "upload", widgets=ids)
    assert _write_controls(after_attack) == []
    assert extract.read_bytes() == before
    from loaders import extracts

    assert extracts.changes(data).empty or set(extracts.changes(data).action) <= {"load"}


def test_locked_upload_page_in_a_browser(servers):
    if not bh.CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    port, _ = servers["locked"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(bh.CHROMIUM), headless=True, args=bh.LAUNCH_ARGS)
        page = b.new_page(viewport=bh.VIEWPORT)
        page.goto(f"http://127.0.0.1:{port}/upload?public=0", timeout=90_000)
        page.get_by_text("public deployment: it is read-only").first.wait_for(timeout=90_000)
        bh.wait_idle(page)
        bh.page_screenshot(page, "roles_locked_upload")
        main = page.locator("[data-testid='stMain']")
        assert page.locator("input[type='file']").count() == 0
        assert main.get_by_role("button", name="Remove").count() == 0
        text = main.inner_text()
        assert "council_neet_secret" not in text and "sha256" not in text  # no file name or hash in public mode
        assert "python -m loaders import" in text
        assert "public=1" in bh.location(page)  # locked: the URL's public=0 is overruled
        b.close()


def test_security_headers_on_every_response(servers):
    port, _ = servers["open"]
    for path in ("/", "/map", "/_stcore/health", "/static/does-not-exist.js"):
        try:
            r = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
            headers = r.headers
        except urllib.error.HTTPError as e:
            headers = e.headers
        assert headers["X-Frame-Options"] == "DENY", path
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff"
