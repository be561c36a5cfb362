"""Every load of a council extract kept as a version; list, compare, roll back; one change at a time.

``data/local/history/`` holds, per indicator, ``v0001.parquet`` (the stored extract, byte for byte as it
was put in place) and ``v0001.json`` (who, when, file name, sha256 of the file, rows, the column mapping,
layout, ward scheme, periods as written, where the denominators came from). A rollback puts a version's
bytes back in place unchanged and is itself recorded as a new version. ``history/mappings.json`` remembers
the last column mapping used for each indicator.

Changes (load, rollback, removal) take an exclusive lock (``history/.lock``, ``flock``), so two imports
at once, from two browsers or a browser and the command line, are put in place one after the other: both
are versions, neither is lost. Files are written beside their final names and renamed into place;
the version's JSON is renamed last, so a version is listed only once complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

HISTORY = "history"
MAPPINGS = "mappings.json"
LOCK = ".lock"
_VERSION = re.compile(r"v(\d{4,})\.json")
KEYS = [
    "version",
    "action",
    "when",
    "who",
    "file",
    "sha256",
    "rows",
    "scheme",
    "layout",
    "periods",
    "mapping",
    "denominator",
    "dropped",
    "from_version",
    "extract_sha256",
    "current",
]


def history_dir(local: Path) -> Path:
    return Path(local) / HISTORY


@contextlib.contextmanager
def locked(local: Path):
    """Hold the extracts' lock (blocking) for one change. ``local`` must exist."""
    h = history_dir(local)
    h.mkdir(exist_ok=True)
    fd = os.open(h / LOCK, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _hold()
        yield
    finally:
        os.close(fd)  # releases the lock


def _hold() -> None:
    """A hook for tests (to widen the window in which two imports race); does nothing."""


def next_version(local: Path, indicator: str) -> int:
    return (
        max(
            (int(m[1]) for p in _folder(local, indicator).glob("v*.json") if (m := _VERSION.fullmatch(p.name))),
            default=0,
        )
        + 1
    )


def _folder(local: Path, indicator: str) -> Path:
    return history_dir(local) / indicator


def stage(local: Path, indicator: str, version: int, parquet_bytes: bytes, entry: dict) -> list[tuple[Path, Path]]:
    """Write a version's two files as temp files; return [(temp, final)] for :func:`commit` (JSON last)."""
    folder = _folder(local, indicator)
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    for suffix, content in (
        (".parquet", parquet_bytes),
        (".json", json.dumps(entry, ensure_ascii=False, indent=1).encode()),
    ):
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
        staged.append((Path(tmp), folder / f"v{version:04d}{suffix}"))
        try:
            os.write(fd, content) == len(content) or _short()  # noqa: B015
            os.fsync(fd)
        except BaseException:
            discard(staged)
            raise
        finally:
            os.close(fd)
    return staged


def _short():
    import errno  # noqa: PLC0415

    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def commit(staged: list[tuple[Path, Path]]) -> None:
    for tmp, final in staged:
        os.rename(tmp, final)


def discard(staged: list[tuple[Path, Path]], committed: bool = False) -> None:
    """Remove a version's temp files (and its final files if they were put in place)."""
    for tmp, final in staged:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if committed:
            with contextlib.suppress(OSError):
                os.remove(final)


def entry(version: int, action: str, change: dict, extract_sha256: str, **more) -> dict:
    return dict(
        version=version,
        action=action,
        when=change["when"],
        who=change["who"],
        file=change["file"],
        sha256=change["sha256"],
        rows=change["rows"],
        extract_sha256=extract_sha256,
        **more,
    )


def versions(local: Path, indicator: str) -> pd.DataFrame:
    """The versions of one indicator's extract, oldest first; ``current`` marks the one in place now."""
    import hashlib  # noqa: PLC0415

    folder = _folder(local, indicator)
    rows = []
    for p in sorted(folder.glob("v*.json")) if folder.is_dir() else []:
        if not _VERSION.fullmatch(p.name) or not p.with_suffix(".parquet").is_file():
            continue
        with contextlib.suppress(ValueError, OSError):
            rows.append(json.loads(p.read_text("utf-8")))
    df = pd.DataFrame(rows)
    for k in KEYS:
        if k not in df.columns:
            df[k] = None
    df = df[KEYS].sort_values("version").reset_index(drop=True) if len(df) else df[KEYS]
    current = Path(local) / f"{indicator}.parquet"
    sha = hashlib.sha256(current.read_bytes()).hexdigest() if current.is_file() else None
    df["current"] = False
    if sha is not None and len(df):
        hits = df.index[df.extract_sha256 == sha]
        if len(hits):
            df.loc[hits[-1], "current"] = True
    return df


def version_path(local: Path, indicator: str, version: int) -> Path:
    p = _folder(local, indicator) / f"v{int(version):04d}.parquet"
    if not p.is_file() or not p.with_suffix(".json").is_file():
        raise KeyError(f"{indicator} has no version {version}")
    return p


def compare(local: Path, indicator: str, a: int, b: int) -> pd.DataFrame:
    """Ward by ward and period by period: version ``a`` against version ``b`` (added, removed, changed, same)."""
    keys = ["area_code", "area_type", "period"]
    cols = ["numerator", "denominator", "value"]
    va = pd.read_parquet(version_path(local, indicator, a), columns=keys + cols)
    vb = pd.read_parquet(version_path(local, indicator, b), columns=keys + cols)
    m = va.merge(vb, on=keys, how="outer", suffixes=(f"_v{a}", f"_v{b}"), indicator=True)
    m["_merge"] = m["_merge"].astype(str)
    same = pd.Series(True, index=m.index)
    for c in cols:
        x, y = m[f"{c}_v{a}"], m[f"{c}_v{b}"]
        same &= (x == y) | (x.isna() & y.isna())
    m["change"] = m["_merge"].map({"left_only": f"only in v{a}", "right_only": f"only in v{b}", "both": "changed"})
    m.loc[(m["_merge"] == "both") & same, "change"] = "same"
    return m.drop(columns="_merge").sort_values(["period", "area_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------- remembered mappings
def remembered(local: Path, indicator: str) -> dict:
    """The column mapping last used for ``indicator`` ({role: header}), or {}."""
    try:
        data = json.loads((history_dir(local) / MAPPINGS).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    m = data.get(indicator) if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in m.items()} if isinstance(m, dict) else {}


def remember(local: Path, indicator: str, mapping: dict) -> None:
    """Record ``mapping`` for ``indicator``, written beside and renamed into place (call under :func:`locked`)."""
    path = history_dir(local) / MAPPINGS
    try:
        data = json.loads(path.read_text("utf-8"))
        data = data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        data = {}
    data[indicator] = {k: v for k, v in mapping.items() if isinstance(v, str)}
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        content = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
        os.write(fd, content) == len(content) or _short()  # noqa: B015
        os.fsync(fd)
        os.close(fd)
        fd = None
        os.rename(tmp, path)
    finally:
        if fd is not None:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.remove(tmp)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
