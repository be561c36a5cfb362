"""What every source shares: the run context, the errors a source may raise, schema checks."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from loaders.refresh.cache import Cache, Stage
from loaders.refresh.http import Client

DEFAULT_BASE_URLS = {
    "fingertips": "https://fingertips.phe.org.uk/api/",
    "ees": "https://api.education.gov.uk/statistics/v1/",
    "ons": "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/",
    "nomis": "https://www.nomisweb.co.uk/api/v01/",
    "statxplore": "https://stat-xplore.dwp.gov.uk/webapi/rest/v1/",
    "iod": "https://assets.publishing.service.gov.uk/",
}


class SourceError(RuntimeError):
    """A source cannot be refreshed; the message is one line."""


class SchemaDrift(SourceError):
    """The publisher's file no longer has the shape the build reads."""

    def __init__(self, source: str, file: str, column: str, detail: str = ""):
        self.source, self.file, self.column = source, file, column
        super().__init__(
            f"schema drift in {source} file {file}: column {column!r} "
            + (detail or "is missing (renamed or removed by the publisher?)")
        )


class Skipped(Exception):
    """A source that cannot run here (e.g. no API key); the message is the one-line reason."""


def base_url(name: str, overrides: dict[str, str] | None = None) -> str:
    """--base-url NAME=URL, then BWE_<NAME>_URL, then the publisher's own address; always ends in '/'."""
    url = (overrides or {}).get(name) or os.environ.get(f"BWE_{name.upper()}_URL") or DEFAULT_BASE_URLS[name]
    return url if url.endswith("/") else url + "/"


@dataclass
class Context:
    client: Client
    cache: Cache
    la: str
    base: str
    dry_run: bool = False
    fallback: Path | None = None  # the shared raw folder: the copy a first refresh replaces
    say: Callable[[str], None] = print
    planned: list[str] = field(default_factory=list)  # dry run: what would be downloaded

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")


@dataclass
class Outcome:
    name: str
    status: str  # ok | unchanged | skipped | failed | dry-run
    message: str = ""
    files: list[str] = field(default_factory=list)
    report: list[dict] = field(default_factory=list)


def read_csv_checked(source: str, rel: str, path_or_bytes, required, *, encoding="utf-8-sig", **kw) -> pd.DataFrame:
    """Parse a CSV, raising SchemaDrift naming the first required column that is missing."""
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    try:
        df = pd.read_csv(src, encoding=encoding, low_memory=False, **kw)
    except pd.errors.EmptyDataError:
        raise SourceError(f"{source}: {rel} is empty (the service returned no data)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise SourceError(f"{source}: {rel} cannot be parsed as CSV ({' '.join(str(e).split())[:120]})") from None
    check_columns(source, rel, df.columns, required)
    return df


def check_columns(source: str, rel: str, columns, required) -> None:
    have = set(map(str, columns))
    for col in required:
        if col not in have:
            raise SchemaDrift(source, rel, col)


def stage_frame(stage: Stage, rel: str, df: pd.DataFrame, meta: dict, *, encoding="utf-8", **extra) -> None:
    p = stage.file(rel)
    df.to_csv(p, index=False, encoding=encoding, lineterminator="\n")
    stage.add(rel, meta, **extra)
