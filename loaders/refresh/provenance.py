"""What the Data & methods page says about refreshed files: fetch date and URL, from the cache manifest.

Reads ``manifest.json`` only (no network, no pandas I/O beyond a small frame); an absent or unreadable
manifest gives an empty table, so the page is the same as before any refresh.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.refresh.cache import default_cache_dir, read_manifest

COLUMNS = ["source", "file", "fetched", "checked", "url", "used_in_build"]


def fetch_table(cache_dir: Path | str | None = None, built: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per file in the refresh cache: source, file, fetch date (and last check), URL.

    ``built`` (the sources table: raw_file, sha256) marks the files the current extracts were built from.
    """
    m = read_manifest(Path(cache_dir) if cache_dir else default_cache_dir())
    rows = []
    used = set(zip(built.raw_file, built.sha256)) if built is not None and len(built) else set()
    for rel, e in sorted((m.get("files") or {}).items()):
        if not isinstance(e, dict):
            continue
        rows.append(
            {
                "source": e.get("source", ""),
                "file": rel,
                "fetched": _date(e.get("fetched_at")),
                "checked": _date(e.get("checked_at") or e.get("fetched_at")),
                "url": e.get("url") or "",
                "used_in_build": (rel, e.get("sha256")) in used,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _date(s) -> str:
    return str(s or "")[:10]
