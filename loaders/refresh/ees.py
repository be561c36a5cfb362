"""DfE Explore Education Statistics public API: publications -> data sets -> CSV.

* ``publications?search=...&page=N&pageSize=40``: find each publication by its slug (paged);
* ``publications/{id}/data-sets?page=N&pageSize=40``: its data sets, each with ``latestVersion``
  (``version``, ``published``); the one whose title matches is chosen;
* ``data-sets/{id}/csv``: the data set as CSV (EES's standard columns: ``time_period``,
  ``geographic_level``, ``new_la_code`` ...).

A data set whose id and latest version equal the cached copy's is not downloaded again. The children
looked after data set is written under the file name the build reads, and must keep the columns it
reads (else schema drift, naming the column); the others go to ``ees/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.raw import RAW_FILES
from loaders.refresh.base import Context, SchemaDrift, SourceError, read_csv_checked
from loaders.refresh.cache import Stage

NAME = "ees"
PAGE = 40
MAX_PAGES = 50
EES_COLUMNS = ("time_period", "time_identifier", "geographic_level")


@dataclass(frozen=True)
class Target:
    key: str
    publication: str  # slug
    search: str
    title: str  # regex on the data set title
    file: str
    required: tuple[str, ...] = EES_COLUMNS


TARGETS = [
    Target(
        "cla",
        "children-looked-after-in-england-including-adoptions",
        "children looked after",
        r"number and rate per 10,?000",
        RAW_FILES["cla"].path,
        EES_COLUMNS + RAW_FILES["cla"].columns,
    ),
    Target(
        "cin",
        "characteristics-of-children-in-need",
        "children in need",
        r"children in need\b(?!.*protection)",
        "ees/children_in_need.csv",
    ),
    Target(
        "cpp",
        "characteristics-of-children-in-need",
        "children in need",
        r"child protection",
        "ees/child_protection_plans.csv",
    ),
    Target(
        "neet",
        "neet-and-participation-local-authority-figures",
        "neet",
        r"\bneet\b|not in education",
        "ees/neet_la.csv",
    ),
]


def _paged(ctx: Context, path: str, params: dict | None = None):
    page = 1
    while True:
        data, _ = ctx.client.get_json(ctx.url(path), params={**(params or {}), "page": page, "pageSize": PAGE})
        if not isinstance(data, dict) or "results" not in data:
            raise SchemaDrift(NAME, path, "results", "is missing from the answer")
        yield from data["results"]
        paging = data.get("paging") or {}
        if page >= int(paging.get("totalPages") or 1) or page >= MAX_PAGES:
            return
        page += 1


def run(ctx: Context, stage: Stage) -> list[str]:
    notes = []
    pubs: dict[str, dict] = {}
    for t in TARGETS:
        if t.publication not in pubs:
            found = [p for p in _paged(ctx, "publications", {"search": t.search}) if p.get("slug") == t.publication]
            if not found:
                raise SourceError(f"{NAME}: publication {t.publication!r} not found (search {t.search!r})")
            pubs[t.publication] = found[0]
        pub = pubs[t.publication]
        if "id" not in pub:
            raise SchemaDrift(NAME, "publications", "id")
        sets = list(_paged(ctx, f"publications/{pub['id']}/data-sets"))
        pick = [d for d in sets if re.search(t.title, str(d.get("title", "")), re.I)]
        if not pick:
            raise SourceError(
                f"{NAME}: no data set matching {t.title!r} in {t.publication!r} "
                f"({len(sets)} data sets: {', '.join(str(d.get('title')) for d in sets[:3])}...)"
            )
        ds = pick[0]
        latest = ds.get("latestVersion") or {}
        if "id" not in ds or "version" not in latest:
            raise SchemaDrift(NAME, f"publications/{pub['id']}/data-sets", "latestVersion.version")
        cached = ctx.cache.entry(t.file)
        if cached and cached.get("data_set_id") == ds["id"] and cached.get("version") == latest["version"]:
            notes.append(f"{t.file}: unchanged (data set version {latest['version']}), not downloaded")
            if not ctx.dry_run:
                stage.keep(t.file)
            continue
        url = ctx.url(f"data-sets/{ds['id']}/csv")
        if ctx.dry_run:
            ctx.planned.append(f"{url} -> {t.file}")
            continue
        got = ctx.client.download(url, stage.file(t.file), label=f"ees {t.key}")
        df = read_csv_checked(NAME, t.file, stage.file(t.file), t.required, dtype=str)
        if df.empty:
            raise SourceError(f"{NAME}: {t.file}: the data set has no rows")
        if "new_la_code" in df.columns and not (df.new_la_code == ctx.la).any():
            raise SourceError(f"{NAME}: {t.file} has no rows for {ctx.la} (column 'new_la_code')")
        stage.add(
            t.file,
            got.manifest(),
            publication=t.publication,
            publication_title=pub.get("title"),
            data_set_id=ds["id"],
            data_set_title=ds.get("title"),
            version=latest["version"],
            published=latest.get("published"),
        )
        notes.append(f"{t.file}: {ds.get('title')} v{latest['version']}, {len(df):,} rows")
    return notes
