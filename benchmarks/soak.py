"""Soak test: server memory under thousands of distinct views (issue #12, target: RSS <= 400 MB).

    .venv/bin/python benchmarks/soak.py            # full run: about 12 minutes
    .venv/bin/python benchmarks/soak.py --quick    # about 2 minutes
    .venv/bin/python benchmarks/soak.py --app-dir /tmp/bwe-head   # the same load against another checkout

Starts the real server (``streamlit run serve.py`` on 127.0.0.1, a free port), then several
concurrent clients speak Streamlit's own websocket protocol (what the browser sends when a page
is opened or its URL changes: a ``rerun_script`` BackMsg with the page's URL path and query
string) and wait for each run to finish. The views are every combination the app offers, shuffled
with a fixed seed: map (indicator x period x geography x comparator x colour x level x selected
ward), hotspots (indicator sets x scheme x rule x comparator x level), ward profiles (ward x level),
trends (indicator x areas), scorecard (neighbour model x measure), overview and methods; each in normal,
public and presentation mode; pages come up in the shares of ``PAGE_SHARE`` (map 30%, hotspots 20%, ...).
After one view in ten (``--exports``) a client clicks one of the page's export buttons (PNG or SVG
through vl-convert, CSV, PowerPoint or PDF board pack): the file is built on the server, as for a
browser's click (a ``deferred_file`` backend operation), and not downloaded.
A client opens a new session every few views, as people open new tabs, and closes the old one.
Nothing is rendered (no browser), so the clients cost little CPU and the server does all the work
it does for a browser.

The server's VmRSS and VmHWM (peak) are read from /proc/<pid>/status every few seconds (MB =
2**20 bytes). It prints RSS over time and the final figure against the target, and writes
``benchmarks/soak.json``. Loopback only; every loop has a time budget and the run a hard limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / ".venv" / "bin" / "python"
sys.path.insert(0, str(ROOT))
from run import free_port, proc_mem  # noqa: E402 (benchmarks/run.py, beside this script)

TARGET_MB = 400
PLANS = {  # seconds of load, clients, views per session, seconds between RSS samples
    "full": dict(seconds=600, clients=4, per_session=25, sample=10, hard_limit=900, exports=0.1),
    "quick": dict(seconds=90, clients=3, per_session=20, sample=5, hard_limit=200, exports=0.1),
}
VIEW_TIMEOUT = 60  # s for one script run


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------- the views
def all_views(seed: int = 12) -> list[tuple[str, str]]:
    """(URL path, query string) of every distinct view the app offers, shuffled with a fixed seed."""
    from loaders.store import Store  # noqa: PLC0415
    from model import explore  # noqa: PLC0415
    from model import hotspots as hs  # noqa: PLC0415

    s = Store()
    rnd = random.Random(seed)
    modes = [{"public": "0", "present": "0"}, {"public": "1", "present": "0"}, {"public": "0", "present": "1"}]
    levels = list(explore.LEVELS)
    comps = list(explore.COMPARATOR_LABELS)
    out: list[tuple[str, dict]] = []

    inds = explore.map_indicators(s)
    for ind, interval in zip(inds.indicator_id, inds.interval):
        opts = explore.options(s, ind)
        for period, geo in zip(opts.period, opts.geography):
            wards = list(s.areas(geo).area_code)
            colours = (
                ["quintile"]
                + (["compare"] if interval != "none" else [])
                + (["decile"] if ind == "idaci" and geo.startswith("lsoa") else [])
            )
            for comp, colour, level in itertools.product(
                explore.available_comparators(s, ind, period), colours, levels
            ):
                for ward in [""] + rnd.sample(wards, min(2, len(wards))):
                    q = dict(indicator=ind, period=period, geography=geo, comparator=comp, colour=colour, level=level)
                    if ward:
                        q["ward"] = ward
                    out.append(("map", q))
    for geo in ("ward2022", "ward2014"):
        here = list(hs.candidates(s, geo).indicator_id)
        sets = [tuple(hs.DEFAULT_INDICATORS)] + [
            tuple(rnd.sample(here, k)) for k in (1, 2, 3, 4, 5, 6) for _ in range(3) if k <= len(here)
        ]
        for ids, rule, comp, level in itertools.product(sets, hs.RULE_LABELS, comps, levels):
            out.append(
                ("hotspots", dict(geography=geo, rule=rule, comparator=comp, level=level, indicators=",".join(ids)))
            )
    for sch in ("ward2022", "ward2014"):
        for code, level in itertools.product(s.areas(sch).area_code, ["95", "99.8"]):
            out.append(("ward", dict(ward=code, level=level)))
    for ind in s.indicators().indicator_id:
        codes = list(s.trend_areas(ind).area_code)
        for k in (1, 3, 5):
            for _ in range(4):
                out.append(("trends", dict(indicator=ind, areas=",".join(rnd.sample(codes, min(k, len(codes)))))))
    from model import scorecard as sc  # noqa: PLC0415

    measures = list(sc.load_measures().measure_id)
    for model, measure in itertools.product(("2025", "2021"), measures):
        out.append(("scorecard", dict(neighbours=model, measure=measure)))
    out += [("overview", {}), ("methods", {})]
    views = [(page, urlencode({**q, **m})) for (page, q), m in itertools.product(out, modes)]
    views = list(dict.fromkeys(views))
    rnd.shuffle(views)
    return _mixed(views, rnd)


# How often each page is opened, as people use the app (a map view is one of thousands of combinations, a ward
# profile one of 88: uniform over views would be nearly all maps).
PAGE_SHARE = {"map": 30, "hotspots": 20, "ward": 20, "trends": 15, "scorecard": 10, "overview": 3, "methods": 2}


def _mixed(views: list[tuple[str, str]], rnd: random.Random) -> list[tuple[str, str]]:
    """The same views in an order where pages come up in :data:`PAGE_SHARE` proportions: each page's own views
    in turn (a page with few views repeats them, as people come back to a ward)."""
    by_page: dict[str, list] = {}
    for v in views:
        by_page.setdefault(v[0], []).append(v)
    pages = [p for p in PAGE_SHARE if p in by_page]
    weights = [PAGE_SHARE[p] for p in pages]
    nxt = dict.fromkeys(pages, 0)
    out = []
    for page in rnd.choices(pages, weights, k=len(views)):
        out.append(by_page[page][nxt[page] % len(by_page[page])])
        nxt[page] += 1
    return out


# --------------------------------------------------------------------------- the clients
async def client(
    n: int, port: int, queue: asyncio.Queue, stats: dict, per_session: int, stop_at: float, export_share: float
) -> None:
    import websockets  # noqa: PLC0415
    from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: PLC0415
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: PLC0415

    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    while time.monotonic() < stop_at and not queue.empty():
        try:
            async with websockets.connect(
                url, subprotocols=["streamlit"], max_size=None, open_timeout=30, ping_interval=None
            ) as ws:
                stats["sessions"] += 1
                session_id = ""
                for _ in range(per_session):
                    if time.monotonic() >= stop_at or queue.empty():
                        return
                    page, qs = queue.get_nowait()
                    msg = BackMsg()
                    msg.rerun_script.page_name = page
                    msg.rerun_script.query_string = qs
                    t = time.monotonic()
                    await ws.send(msg.SerializeToString())
                    done, sent, downloads = None, 0, []
                    while done is None:
                        raw = await asyncio.wait_for(ws.recv(), timeout=VIEW_TIMEOUT)
                        sent += len(raw)
                        fm = ForwardMsg()
                        fm.ParseFromString(raw)
                        kind = fm.WhichOneof("type")
                        el = (
                            fm.delta.new_element
                            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element"
                            else None
                        )
                        if el is not None and el.WhichOneof("type") == "exception":
                            stats["exceptions"] += 1
                        elif (
                            el is not None
                            and el.WhichOneof("type") == "alert"
                            and el.alert.body.startswith("Something went wrong")
                        ):  # ui.errors.boundary
                            stats["page_errors"] += 1
                        elif (
                            el is not None
                            and el.WhichOneof("type") == "download_button"
                            and el.download_button.deferred_file_id
                        ):
                            downloads.append((el.download_button.label, el.download_button.deferred_file_id))
                        elif kind == "new_session" and fm.new_session.initialize.session_id:
                            session_id = fm.new_session.initialize.session_id
                        elif kind == "script_finished":
                            done = fm.script_finished
                    if downloads and random.random() < export_share:  # an export: built on the server when clicked
                        label, file_id = random.choice(downloads)
                        req = BackMsg()
                        req.backend_operation_request.request_id = f"soak-{n}-{stats['views']}"
                        req.backend_operation_request.session_id = session_id
                        req.backend_operation_request.deferred_file.file_id = file_id
                        await ws.send(req.SerializeToString())
                        while True:
                            fm = ForwardMsg()
                            fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=VIEW_TIMEOUT))
                            if fm.WhichOneof("type") == "backend_operation_response":
                                break
                        kind = label.split(" (")[-1].rstrip(")") if "(" in label else label
                        key = "exports_failed" if fm.backend_operation_response.error_msg else "exports"
                        stats[key][kind] = stats[key].get(kind, 0) + 1
                    stats["views"] += 1
                    stats["by_page"][page] = stats["by_page"].get(page, 0) + 1
                    stats["seconds"].append(time.monotonic() - t)
                    stats["bytes"] += sent
                    if done != ForwardMsg.FINISHED_SUCCESSFULLY:
                        stats["unfinished"] += 1
        except (TimeoutError, OSError, Exception) as e:  # noqa: BLE001 (count it, open a new session)
            stats["errors"].append(f"client {n}: {type(e).__name__}: {str(e)[:120]}")
            if len(stats["errors"]) > 50:
                return
            await asyncio.sleep(1)


async def drive(port: int, pid: int, views: list, plan: dict, samples: list, t0: float) -> dict:
    queue: asyncio.Queue = asyncio.Queue()
    for v in views:
        queue.put_nowait(v)
    stats = {
        "views": 0,
        "sessions": 0,
        "unfinished": 0,
        "exceptions": 0,
        "page_errors": 0,
        "bytes": 0,
        "seconds": [],
        "errors": [],
        "by_page": {},
        "exports": {},
        "exports_failed": {},
    }
    stop_at = time.monotonic() + plan["seconds"]

    async def sampler():
        while True:
            await asyncio.sleep(plan["sample"])
            samples.append(sample(pid, t0, stats))
            s = samples[-1]
            print(
                f"  {s['t_s']:6.0f} s  {s['views']:6d} views  RSS {s['VmRSS']:6.1f} MB  peak {s['VmHWM']:6.1f} MB"
                f"  children {s['children_MB']:5.1f} MB  load {s['load']}",
                flush=True,
            )

    task = asyncio.create_task(sampler())
    await asyncio.gather(
        *(client(n, port, queue, stats, plan["per_session"], stop_at, plan["exports"]) for n in range(plan["clients"]))
    )
    task.cancel()
    return stats


def children_rss(pid: int) -> float:
    """VmRSS (MB) of the server's child processes, e.g. the image renderer (exports.render)."""
    total, kids = 0.0, []
    for task in Path(f"/proc/{pid}/task").glob("*"):  # a child started from any thread
        with contextlib.suppress(OSError):
            kids += (task / "children").read_text().split()
    for k in kids:
        with contextlib.suppress(OSError):
            total += proc_mem(int(k)).get("VmRSS", 0) + children_rss(int(k))
    return round(total, 1)


def sample(pid: int, t0: float, stats: dict) -> dict:
    return {
        "t_s": round(time.monotonic() - t0, 1),
        "views": stats["views"],
        **{k: round(v, 1) for k, v in proc_mem(pid).items()},
        "children_MB": children_rss(pid),
        "load": load_avg(),
    }


def table(rows: list[list[str]], header: list[str]) -> str:
    cells = [header] + rows
    w = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "  ".join("-" * x for x in w)
    out = [line, "  ".join(c.rjust(x) for c, x in zip(header, w)), line]
    out += ["  ".join(c.rjust(x) for c, x in zip(r, w)) for r in rows]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a short run (about 2 minutes)")
    ap.add_argument("--seconds", type=int, help="seconds of load (default: 600, --quick 90)")
    ap.add_argument("--clients", type=int, help="concurrent clients (default 4, --quick 3)")
    ap.add_argument("--exports", type=float, help="share of views followed by one export click (default 0.1)")
    ap.add_argument("--app-dir", default=str(ROOT), help="the checkout whose serve.py to run (default: this one)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "soak.json"))
    ap.add_argument("--pages", help="only these pages, comma-separated (e.g. ward,scorecard): to find which one costs")
    ap.add_argument("--label", default="", help="a note stored in the JSON (e.g. 'before')")
    args = ap.parse_args()
    plan = dict(PLANS["quick" if args.quick else "full"])
    if args.seconds:
        plan["seconds"] = args.seconds
        plan["hard_limit"] = args.seconds + 300
    if args.clients:
        plan["clients"] = args.clients
    if args.exports is not None:
        plan["exports"] = args.exports
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("hard limit")))
    signal.alarm(plan["hard_limit"])

    views = all_views()
    if args.pages:
        views = [v for v in views if v[0] in args.pages.split(",")]
    random.seed(12)
    app_dir = Path(args.app_dir).resolve()
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bwe-soak-server-", suffix=".log", delete=False)  # noqa: SIM115 (open for the server's life)
    script = "serve.py" if (app_dir / "serve.py").is_file() else "app.py"  # an older checkout has no serve.py
    cmd = [
        str(PY),
        "-m",
        "streamlit",
        "run",
        script,
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    env = {"MALLOC_ARENA_MAX": "2", **os.environ, "PYTHONPATH": str(app_dir)}  # as run.sh starts the server
    env.setdefault("BWE_DATA_DIR", str(ROOT / "data"))
    print(
        f"soak: {len(views):,} distinct views; {plan['clients']} clients, {plan['seconds']} s of load, "
        f"new session every {plan['per_session']} views; {app_dir / script}; load average {load_avg()}",
        flush=True,
    )
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=app_dir, stdout=log, stderr=subprocess.STDOUT, env=env)
    samples: list[dict] = []
    result = {
        "label": args.label,
        "app_dir": str(app_dir),
        "plan": plan,
        "distinct_views": len(set(views)),
        "target_mb": TARGET_MB,
        "load_start": load_avg(),
        "samples": samples,
    }
    ok = False
    try:
        while time.monotonic() - t0 < 90:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read().strip() == b"ok":
                    break
            except Exception:  # noqa: BLE001
                time.sleep(0.3)
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
        samples.append(sample(proc.pid, t0, {"views": 0}))
        print(f"  server up in {samples[0]['t_s']} s, idle RSS {samples[0]['VmRSS']} MB", flush=True)
        t_load = time.monotonic()
        stats = asyncio.run(drive(port, proc.pid, views, plan, samples, t0))
        result["load_seconds"] = round(time.monotonic() - t_load, 1)
        time.sleep(5)  # let the last runs and session clean-up settle
        samples.append(sample(proc.pid, t0, stats))
        secs = sorted(stats.pop("seconds"))
        result.update(stats)
        result["view_s_median"] = round(secs[len(secs) // 2], 3) if secs else None
        result["view_s_p95"] = round(secs[int(len(secs) * 0.95)], 3) if secs else None
        ok = True
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        result["server_log"] = log.name
        signal.alarm(0)
    final = samples[-1]
    result.update(
        final_rss_mb=final["VmRSS"],
        peak_mb=final["VmHWM"],
        load_end=load_avg(),
        peak_children_mb=max(s["children_MB"] for s in samples),
        passed=final["VmHWM"] <= TARGET_MB,
    )
    rows = [
        [
            f"{s['t_s']:.0f}",
            f"{s['views']:,}",
            f"{s['VmRSS']:.1f}",
            f"{s['VmHWM']:.1f}",
            f"{s['children_MB']:.1f}",
            s["load"],
        ]
        for s in samples
    ]
    print("\nServer memory over time (MB = 2^20 bytes, /proc/<pid>/status; children: the image renderer)")
    print(table(rows, ["t s", "views", "RSS MB", "peak MB", "children MB", "load avg"]))
    print(
        f"\nviews run: {result.get('views', 0):,} in {result.get('sessions', 0)} sessions "
        f"({result.get('by_page')}); median {result.get('view_s_median')} s, "
        f"p95 {result.get('view_s_p95')} s per view; "
        f"not finished: {result.get('unfinished')}, exceptions shown: {result.get('exceptions')}, "
        f"error boundary shown: {result.get('page_errors')}, "
        f"client errors: {len(result.get('errors', []))}"
    )
    print(f"exports built: {result.get('exports')}; failed: {result.get('exports_failed')}")
    for e in result.get("errors", [])[:5]:
        print("  ", e)
    print(
        f"FINAL: RSS {final['VmRSS']:.1f} MB, peak {final['VmHWM']:.1f} MB (children at most "
        f"{result['peak_children_mb']:.1f} MB), target <= {TARGET_MB} MB (peak): "
        f"{'PASS' if result['passed'] else 'FAIL'}; load average {result['load_start']} -> {result['load_end']}"
    )
    Path(args.out).write_text(json.dumps(result, indent=1))
    if ok and not result.get("errors") and not result.get("page_errors"):
        os.unlink(log.name)
        result.pop("server_log")
        Path(args.out).write_text(json.dumps(result, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
