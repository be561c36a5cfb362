"""The raw cache: refreshed files laid out like ``../shared/data/raw``, with a manifest.

    raw_cache/
      manifest.json            one entry per file: source, URL, fetch time, HTTP metadata, sha256
      <files the build reads, same relative paths as the shared raw folder>
      fingertips/ ees/ ons/ ...  the publishers' answers that derived files were cut from
      .previous/               the copy each refreshed file replaced (for the change report)
      .staging/                in-flight downloads (removed on commit; stale ones on the next run)

A source writes into a :class:`Stage`; nothing under the real names changes until the whole source has
downloaded and parsed, and then each file moves into place with ``os.replace`` (atomic on one file
system). The manifest is rewritten the same way, last. A refresh killed at any moment leaves every
file either the old good copy or the new good copy.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from loaders.refresh.util import now_utc, sha256_file

MANIFEST = "manifest.json"
STAGING = ".staging"
PREVIOUS = ".previous"
DEFAULT_CACHE = Path(__file__).resolve().parents[2] / "raw_cache"


def default_cache_dir() -> Path:
    return Path(os.environ.get("BWE_RAW_CACHE") or DEFAULT_CACHE)


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(root: Path) -> dict:
    """The manifest of a cache folder ({} when there is none or it cannot be read)."""
    p = Path(root) / MANIFEST
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return m if isinstance(m, dict) else {}


class Cache:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        m = read_manifest(self.root)
        self.manifest = {"version": 1, "files": m.get("files", {}), "sources": m.get("sources", {})}

    def path(self, rel: str) -> Path:
        return self.root / rel

    def entry(self, rel: str) -> dict | None:
        e = self.manifest["files"].get(rel)
        return e if e and self.path(rel).is_file() else None

    def previous(self, rel: str) -> Path:
        return self.root / PREVIOUS / rel

    def stage(self, source: str) -> Stage:
        base = self.root / STAGING
        base.mkdir(exist_ok=True)
        for old in base.glob(f"{source}-*"):  # left by a killed run
            pid = old.name.rsplit("-", 1)[-1]
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(old, ignore_errors=True)
        d = base / f"{source}-{os.getpid()}"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        return Stage(self, source, d)

    def note_source(self, source: str, **info) -> None:
        self.manifest["sources"][source] = {**self.manifest["sources"].get(source, {}), **info}

    def save(self) -> None:
        data = json.dumps(self.manifest, indent=1, sort_keys=True).encode()
        write_atomic(self.root / MANIFEST, data)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Stage:
    """Files of one source in flight. ``commit`` moves them all into the cache; ``discard`` drops them."""

    def __init__(self, cache: Cache, source: str, folder: Path):
        self.cache, self.source, self.folder = cache, source, folder
        self.entries: dict[str, dict] = {}

    def file(self, rel: str) -> Path:
        p = self.folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def add(self, rel: str, meta: dict, **extra) -> None:
        """Record a staged file (its sha256 and size are taken from the file itself)."""
        p = self.folder / rel
        self.entries[rel] = {
            **meta,
            **extra,
            "source": self.source,
            "sha256": sha256_file(p),
            "bytes": p.stat().st_size,
        }

    def keep(self, rel: str, **extra) -> None:
        """An unchanged file: keep the cached copy, note the check time."""
        e = dict(self.cache.manifest["files"].get(rel, {}))
        e.update(extra, checked_at=now_utc())
        self.cache.manifest["files"][rel] = e

    def commit(self) -> list[tuple[str, Path | None, Path]]:
        """Move every staged file into place; returns (relative path, previous copy or None, new path).

        A staged file with the same sha256 as the cached copy is not moved (nor reported)."""
        done = []
        for rel, entry in sorted(self.entries.items()):
            src, dest = self.folder / rel, self.cache.path(rel)
            old = self.cache.manifest["files"].get(rel) or {}
            if dest.is_file() and old.get("sha256") == entry["sha256"] and sha256_file(dest) == entry["sha256"]:
                # the same bytes again: keep the file, record the new check (and the new HTTP metadata)
                self.cache.manifest["files"][rel] = {
                    **entry,
                    "fetched_at": old.get("fetched_at", entry.get("fetched_at")),
                    "checked_at": now_utc(),
                }
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            prev = None
            if dest.is_file():
                prev = self.cache.previous(rel)
                prev.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(dest, prev)  # copy, so `dest` is never missing
            os.replace(src, dest)
            self.cache.manifest["files"][rel] = entry
            done.append((rel, prev, dest))
        self.cache.save()
        self.discard()
        return done

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
