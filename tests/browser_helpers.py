"""Helpers for the real-browser tests (tests/test_browser.py): a live Streamlit server,
Debian's chromium through Playwright, and pixel checks on chart screenshots.

Nothing here is a test. Screenshots go to artifacts/ (git-ignored) so a person can look.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}

# Streamlit draws Altair/Vega-Lite charts inside .stVegaLiteChart. Vega renders to SVG in
# current Streamlit (svg.marks) and to canvas in older versions: accept either.
CHART = ".stVegaLiteChart"
DRAWN = f"{CHART} svg.marks, {CHART} canvas"

RGB = tuple[int, int, int]


# ---- server -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log_path: Path, settings: dict[str, str] | None = None) -> subprocess.Popen:
    """``streamlit run app.py`` on ``port`` (loopback only) from the repository root; output goes to ``log_path``.

    Deployment settings (BWE_* variables) are not passed on, so the app runs with its defaults,
    except those given in ``settings``.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 (closed with the process in stop_server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BWE_")} | (settings or {})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    proc._bwe_log = log  # type: ignore[attr-defined]
    return proc


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until /_stcore/health answers "ok"; raise if the server exits or the time runs out."""
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer 'ok' within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the one server process this module started (by its handle, nothing else)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    log = getattr(proc, "_bwe_log", None)
    if log is not None:
        log.close()


# ---- page ---------------------------------------------------------------------------------
def wait_for_app(page, *, min_charts: int = 1, timeout_ms: int = 45_000, settle: float = 2.0) -> None:
    """Wait until ``min_charts`` charts are drawn and the script is not running, then let Vega settle."""
    page.wait_for_selector(DRAWN, timeout=timeout_ms)
    if min_charts > 1:
        page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[DRAWN, min_charts], timeout=timeout_ms
        )
    wait_idle(page, timeout_ms=timeout_ms)
    time.sleep(settle)
    wait_idle(page, timeout_ms=timeout_ms)


def wait_idle(page, *, timeout_ms: int = 30_000) -> None:
    """Wait while Streamlit shows its "Running..." status widget."""
    page.wait_for_function(
        "() => { const w = document.querySelector('[data-testid=\"stStatusWidget\"]');"
        " return !w || !/running/i.test(w.innerText || ''); }",
        timeout=timeout_ms,
    )


def location(page) -> str:
    """The address bar as the page sees it (Streamlit updates it with history.replaceState)."""
    return page.evaluate("() => location.href")


def screenshot(locator, name: str):
    """Screenshot one element to artifacts/<name>.png and return it as a PIL RGB image."""
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    locator.scroll_into_view_if_needed()
    png = locator.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")
    return Image.open(io.BytesIO(png)).convert("RGB")


def page_screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# ---- pixels (numpy arrays of shape (h, w, 3), uint8) ------------------------------------------
def rgb(hex_colour: str) -> RGB:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _arr(im) -> np.ndarray:
    return np.asarray(im.convert("RGB"), dtype=np.int16)


def _mask(im, hex_colour: str, tol: int) -> np.ndarray:
    return (np.abs(_arr(im) - np.array(rgb(hex_colour), dtype=np.int16)) <= tol).all(axis=2)


def ink_fraction(im, background: str = "#ffffff", tol: int = 8) -> float:
    """Share of pixels that are not (near) the background colour."""
    return float(1.0 - _mask(im, background, tol).mean())


def distinct_colours(im, min_pixels: int = 20) -> int:
    """Colours that cover at least ``min_pixels`` pixels (anti-aliasing fringes do not count)."""
    a = _arr(im).reshape(-1, 3)
    keys = (a[:, 0].astype(np.int32) << 16) | (a[:, 1].astype(np.int32) << 8) | a[:, 2].astype(np.int32)
    _, counts = np.unique(keys, return_counts=True)
    return int((counts >= min_pixels).sum())


def colour_count(im, hex_colour: str, tol: int = 12, *, alphas: tuple[float, ...] = (1.0,)) -> int:
    """Pixels of ``hex_colour``, or of it drawn with one of ``alphas`` (opacity) over white."""
    a = _arr(im)
    c = np.array(rgb(hex_colour), dtype=float)
    hit = np.zeros(a.shape[:2], dtype=bool)
    for alpha in alphas:
        target = np.round(alpha * c + (1 - alpha) * 255).astype(np.int16)
        hit |= (np.abs(a - target) <= tol).all(axis=2)
    return int(hit.sum())


def interior_point(im, hex_colour: str, tol: int = 12) -> tuple[int, int] | None:
    """(x, y) of the pixel of ``hex_colour`` farthest from any other colour, or None.

    A click there lands well inside a polygon of that colour, away from borders and outlines.
    """
    from scipy.ndimage import distance_transform_edt

    mask = _mask(im, hex_colour, tol)
    if not mask.any():
        return None
    dist = distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return int(x), int(y)
