"""``python -m loaders refresh``: fetch the raw files again from the publishers' services.

    python -m loaders refresh [--source NAME ...] [--la E09000006] [--cache DIR]
                              [--base-url NAME=URL ...] [--dry-run]

Each source runs on its own: one that fails prints one line (``FAILED name: why``), leaves its previous
files in place and does not stop the others. Exit code 0 when every source asked for succeeded (or was
unchanged, or was skipped without being named), 1 when any failed, 2 for bad arguments. A change report
follows the refresh and is kept as ``report.json`` in the cache. ``--dry-run`` asks only the metadata
endpoints, lists what would be downloaded and writes nothing.

Then build from the cache (files not refreshed come from ``../shared/data/raw``):

    python -m loaders.build --raw raw_cache
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from loaders.codes import BROMLEY
from loaders.raw import DEFAULT_RAW
from loaders.refresh import ees, fingertips, iod, nomis, ons, statxplore
from loaders.refresh.base import Context, Outcome, Skipped, SourceError, base_url
from loaders.refresh.cache import Cache, default_cache_dir, write_atomic
from loaders.refresh.http import Client, FetchError, now_utc
from loaders.refresh.report import file_report, format_report

SOURCES = {"ons": ons, "iod": iod, "nomis": nomis, "fingertips": fingertips, "ees": ees, "statxplore": statxplore}
LA_CODE = re.compile(r"^(E0[6-9]|E10|W06)\d{6}$")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def parser(prog: str = "python -m loaders refresh") -> argparse.ArgumentParser:
    p = _Parser(prog=prog, description="Refresh the raw files from the publishers' own services.")
    add_arguments(p)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--source",
        action="append",
        choices=list(SOURCES),
        metavar="NAME",
        help=f"a source to refresh (repeatable; default all): {', '.join(SOURCES)}",
    )
    p.add_argument("--la", default=BROMLEY, help="local authority code (default E09000006, Bromley)")
    p.add_argument("--cache", default=None, help="raw cache folder (default raw_cache/, or BWE_RAW_CACHE)")
    p.add_argument(
        "--base-url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="another address for a source's service (also BWE_<NAME>_URL)",
    )
    p.add_argument("--dry-run", action="store_true", help="ask the metadata endpoints only; download and write nothing")


def _overrides(items: list[str]) -> dict[str, str]:
    out = {}
    for it in items:
        name, sep, url = it.partition("=")
        if not sep or name not in SOURCES or not re.match(r"^https?://", url):
            print(f"error: --base-url {it!r}: expected NAME=URL with NAME one of {', '.join(SOURCES)}", file=sys.stderr)
            sys.exit(2)
        out[name] = url
    return out


def main(argv=None, *, client: Client | None = None, out=None, err=None) -> int:
    args = parser().parse_args(argv)
    return run_args(args, client=client, out=out, err=err)


def run_args(args, *, client: Client | None = None, out=None, err=None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    if not LA_CODE.match(args.la):
        print(f"error: --la {args.la!r} is not a local authority code (e.g. E09000006)", file=err)
        return 2
    overrides = _overrides(args.base_url)
    names = list(dict.fromkeys(args.source or SOURCES))
    cache_dir = Path(args.cache) if args.cache else default_cache_dir()
    try:
        cache = Cache(cache_dir)
    except OSError as e:
        print(f"error: cannot use the cache folder {cache_dir} ({e.strerror or e})", file=err)
        return 1
    own_client = client is None
    client = client or Client(progress=out is sys.stdout)
    say = lambda s: print(s, file=out, flush=True)  # noqa: E731
    outcomes: list[Outcome] = []
    t0 = time.perf_counter()
    try:
        for name in _progress(names, out):
            outcomes.append(
                run_source(
                    name, SOURCES[name], cache, client, args.la, base_url(name, overrides), args.dry_run, say, err
                )
            )
    finally:
        if own_client:
            client.close()
    if not args.dry_run:
        cache.save()
        write_atomic(
            cache.root / "report.json",
            json.dumps(
                {
                    "refreshed_at": now_utc(),
                    "la": args.la,
                    "sources": {
                        o.name: {"status": o.status, "message": o.message, "files": o.files, "changes": o.report}
                        for o in outcomes
                    },
                },
                indent=1,
                default=str,
            ).encode(),
        )
    failed = [o for o in outcomes if o.status == "failed" or (o.status == "skipped" and args.source)]
    summary = ", ".join(f"{o.name} {o.status}" for o in outcomes)
    say(f"refresh {'checked' if args.dry_run else 'finished'} in {time.perf_counter() - t0:.1f} s: {summary}")
    if not args.dry_run and any(o.status == "ok" for o in outcomes):
        say(f"build from it: python -m loaders.build --raw {cache.root}")
    return 1 if failed else 0


def run_source(name, module, cache: Cache, client: Client, la: str, base: str, dry_run: bool, say, err) -> Outcome:
    ctx = Context(client=client, cache=cache, la=la, base=base, dry_run=dry_run, fallback=DEFAULT_RAW, say=say)
    try:
        stage = cache.stage(name)
    except OSError as e:
        print(f"FAILED {name}: cannot write to the cache folder {cache.root} ({e.strerror or e})", file=err, flush=True)
        return Outcome(name, "failed", str(e))
    try:
        notes = module.run(ctx, stage)
    except Skipped as e:
        stage.discard()
        say(f"skipped {name}: {e}")
        return Outcome(name, "skipped", str(e))
    except (SourceError, FetchError) as e:
        stage.discard()
        msg = str(e) if str(e).startswith(f"{name}:") or str(e).startswith("schema drift") else f"{name}: {e}"
        print(f"FAILED {msg}", file=err, flush=True)
        if not dry_run:
            cache.note_source(name, last_error=msg, last_attempt=now_utc())
        return Outcome(name, "failed", msg)
    except (OSError, ValueError, KeyError, TypeError) as e:  # unexpected answer shape or disk trouble: still one line
        stage.discard()
        msg = f"{name}: {type(e).__name__}: {' '.join(str(e).split())[:160]}"
        print(f"FAILED {msg}", file=err, flush=True)
        if not dry_run:
            cache.note_source(name, last_error=msg, last_attempt=now_utc())
        return Outcome(name, "failed", msg)
    except BaseException:
        stage.discard()
        raise
    if dry_run:
        stage.discard()
        for n in notes:
            say(f"  {name}: {n}")
        for p in ctx.planned:
            say(f"  {name}: would fetch {p}")
        return Outcome(name, "dry-run", files=list(ctx.planned))
    done = stage.commit()
    reports = []
    for rel, prev, new in done:
        bundled = None
        if prev is None and ctx.fallback is not None and (ctx.fallback / rel).is_file():
            bundled = ctx.fallback / rel
        reports.append(file_report(rel, prev or bundled, new, old_is_bundled=bundled is not None))
    cache.note_source(
        name,
        refreshed_at=now_utc(),
        la=la,
        base_url=base,
        last_error=None,
        files=sorted(set(cache.manifest["sources"].get(name, {}).get("files", [])) | {r for r, _, _ in done}),
    )
    cache.save()
    status = "ok" if done else "unchanged"
    say(f"{name}: {status}" + (f" ({len(done)} file(s) updated)" if done else ""))
    for n in notes:
        say(f"  {name}: {n}")
    for line in format_report(name, reports):
        say(line)
    return Outcome(name, status, files=[r for r, _, _ in done], report=reports)


def _progress(names, out):
    if out is not sys.stdout or not sys.stdout.isatty():
        return names
    from tqdm import tqdm  # noqa: PLC0415 (only with a terminal)

    return tqdm(names, desc="sources", unit="source", leave=False, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
