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


@pytest.fixture(scope="session")
def store(data_dir):
    """One read-only :class:`loaders.store.Store` over the committed extracts, shared by the session."""
    from loaders.store import Store

    return Store(data_dir)
