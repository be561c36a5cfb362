"""Where the build reads raw files from when it is given a refreshed cache.

``python -m loaders.build --raw raw_cache`` reads each file from the cache when it was refreshed and
from the shared raw folder (``../shared/data/raw``) otherwise: a cache is recognised by its
``manifest.json``. :class:`loaders.raw.Raw` takes the folders in order (the one place that resolves a
raw file's path); this module only says which folders.
"""

from __future__ import annotations

from pathlib import Path

from loaders.raw import DEFAULT_RAW

MANIFEST = "manifest.json"


def is_cache(folder: Path | str) -> bool:
    return (Path(folder) / MANIFEST).is_file()


def raw_fallbacks(raw_dir: Path | str) -> list[Path]:
    """The folders to try after ``raw_dir``: the shared raw folder when ``raw_dir`` is a refresh cache."""
    if is_cache(raw_dir) and Path(raw_dir).resolve() != DEFAULT_RAW.resolve():
        return [DEFAULT_RAW]
    return []
