"""Shared fixtures. Keep this small and generic: test-specific fixtures belong in the test module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RAW_DIR = (ROOT / ".." / "shared" / "data" / "raw").resolve()
DATA_DIR = ROOT / "data"


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The committed extracts in ``data/`` (read-only: copy before changing anything)."""
    return DATA_DIR


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The shared folder of raw public files (read-only; never copy it into the repo)."""
    if not (RAW_DIR / "MANIFEST.md").is_file():
        pytest.fail(f"raw data folder not found at {RAW_DIR}")
    return RAW_DIR


@pytest.fixture
def raw_copy(raw_dir, tmp_path) -> Path:
    """A private raw folder under tmp_path: every raw file symlinked, so a test can replace one file."""
    dest = tmp_path / "raw"
    for p in sorted(raw_dir.rglob("*")):
        target = dest / p.relative_to(raw_dir)
        if p.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(p)
    return dest


@pytest.fixture
def data_copy(data_dir, tmp_path) -> Path:
    """A private copy of the committed extracts (the Parquet files) that a test may change or damage."""
    import shutil

    d = tmp_path / "data"
    d.mkdir()
    for p in data_dir.glob("*.parquet"):
        shutil.copy2(p, d / p.name)
    return d


@pytest.fixture(scope="session")
def store(data_dir):
    """One read-only :class:`loaders.store.Store` over the committed extracts, shared by the session."""
    from loaders.store import Store

    return Store(data_dir)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def live_server():
    """A real Streamlit server on a free loopback port, for browser tests; stopped at the end of the session.

    Browser tests are skipped only when Debian's chromium is missing (test.sh and .ci/run install it).
    """
    import browser_helpers as bh

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    port = bh.free_port()
    proc = bh.start_server(port, bh.ARTIFACTS / "live_server.log")
    try:
        bh.wait_healthy(port, proc, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        bh.stop_server(proc)


def pytest_sessionfinish(session, exitstatus):
    session.config._bwe_exitstatus = int(exitstatus)


def pytest_unconfigure(config):
    """End the process as soon as pytest is done, with pytest's own exit status.

    DuckDB's nanobind bindings print pages of "leaked instance" warnings at interpreter
    shutdown (objects still referenced by module-level caches), which would bury pytest's
    summary line at the end of the output. Nothing of ours runs after this point.
    """
    import os

    status = getattr(config, "_bwe_exitstatus", None)
    if status is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
