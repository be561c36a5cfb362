"""Benchmark suite for the Bromley Ward Explorer.

    .venv/bin/python benchmarks/run.py [--quick] [--only SECTIONS] [--pages PAGES] [--json PATH]

Prints plain-text tables and a PASS/FAIL summary, and writes the same figures to
benchmarks/results.json. Sections (all run by default, in this order):

  apptest    per page: cold first run, median rerun per interaction, bytes of elements and chart specs
  diagnose   per page: where a rerun's time goes (DuckDB queries, chart building, Altair->Vega-Lite)
  baseline   naive map page (benchmarks/baseline_map.py): rerun time and bytes, ratios vs the dashboard
  server     real `streamlit run app.py` + headless Chromium: peak server memory, page switch -> map drawn
  build      `python -m loaders.build --out <tmp>` wall time
  london     ranking / hotspot / map logic over all London wards (real Store, bromley_only=False)
  synthetic  DuckDB queries on synthetic extracts of 22, 625 and 7,000 wards (30 indicators x 20 periods)

Every loop is bounded by a per-section time budget and the whole run by a hard
limit; a section that fails or runs out of time is reported as such and the
others still run. Nothing here edits the app, data/ or git state; temporary
files go to the system temp folder.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import importlib
import inspect
import itertools
import json
import logging
import os
import pkgutil
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PY = ROOT / ".venv" / "bin" / "python"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
os.chdir(ROOT)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KB = 1000  # bytes; all "KB" figures in this suite are 1,000 bytes
BROMLEY_WARDS_2022 = [f"E0501{n:04d}" for n in range(3987, 4009)]
SECTIONS = ["apptest", "diagnose", "baseline", "server", "build", "london", "synthetic"]

# Full run: < 6 min; --quick: < 90 s. Per-section budgets in seconds (loops stop early when spent).
BUDGET = {
    "full": dict(
        reruns=15,
        apptest=110,
        diagnose_reruns=5,
        diagnose=30,
        baseline=20,
        browser_reps=7,
        server=80,
        build_reps=3,
        build=60,
        london_reps=9,
        london=25,
        synth_reps=20,
        synthetic=50,
        hard_limit=345,
    ),
    "quick": dict(
        reruns=10,
        apptest=45,
        diagnose_reruns=0,
        diagnose=0,
        baseline=8,
        browser_reps=5,
        server=30,
        build_reps=1,
        build=20,
        london_reps=3,
        london=8,
        synth_reps=20,
        synthetic=20,
        hard_limit=80,
    ),
}

TARGETS = {
    "rerun_ms": 100,
    "ward_map_kb": 120,
    "lsoa_map_kb": 400,
    "server_peak_mb": 400,
    "map_switch_s": 1.5,
    "speedup_x": 5,
    "bytes_ratio_x": 5,
    "build_s": 30,
    "london_ms": 300,
    "synthetic_query_ms": 50,
}


# --------------------------------------------------------------------------- helpers
def now() -> float:
    return time.perf_counter()


def median(xs):
    return statistics.median(xs) if xs else None


def ms(x):
    return None if x is None else round(x * 1000, 1)


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        v = f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"
    elif isinstance(v, int):
        v = f"{v:,}"
    return f"{v}{(' ' + unit) if unit else ''}"


def table(title: str, header: list[str], rows: list[list]) -> str:
    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = [f"\n{title}", line]
    for k, r in enumerate(cells):
        out.append("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))).rstrip())
        if k == 0:
            out.append(line)
    return "\n".join(out)


def say(text: str) -> None:
    print(text, flush=True)


class HardLimit(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_mem(pid: int) -> dict:
    """VmRSS / VmHWM (peak) of a process in MB (1 MB = 2**20 bytes), from /proc."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024
    return out


def import_project() -> list[str]:
    """Import every module of the app's packages once, so 'cold' page runs measure empty Streamlit
    caches rather than Python imports (a fresh server pays imports once per process)."""
    failed = []
    for pkg in ("phstats", "loaders", "model", "charts", "ui"):
        try:
            p = importlib.import_module(pkg)
        except Exception:
            failed.append(pkg)
            continue
        for m in pkgutil.iter_modules(p.__path__):
            if m.name in ("__main__", "build"):
                continue
            try:
                importlib.import_module(f"{pkg}.{m.name}")
            except Exception:
                failed.append(f"{pkg}.{m.name}")
    return failed


# --------------------------------------------------------------------------- AppTest helpers
_SCRIPT_CACHE = None


def server_like_script_cache() -> None:
    """Give AppTest one ScriptCache, as a server has.

    ``streamlit run`` keeps one ScriptCache in its Runtime, so a page is compiled once and every
    rerun reuses the bytecode. AppTest makes a new ScriptCache for every run, so each rerun would
    also pay for compiling the page (and Streamlit's "magic" AST pass), about 2-4 ms per page here,
    which no user waits for. Dashboard pages and the baseline are measured the same way.
    """
    global _SCRIPT_CACHE
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import local_script_runner

    if _SCRIPT_CACHE is None:
        _SCRIPT_CACHE = ScriptCache()
        local_script_runner.ScriptCache = lambda: _SCRIPT_CACHE


def new_apptest(script: Path, params: dict | None = None):
    from streamlit.testing.v1 import AppTest

    server_like_script_cache()
    at = AppTest.from_file(str(script), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at


def clear_caches() -> None:
    """Empty Streamlit's caches and the app's own process-wide view memo (ui.display._SPECS, if present)."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    for name, mod in list(sys.modules.items()):
        memo_ = getattr(mod, "_SPECS", None) if name.split(".")[0] in ("ui", "model", "charts") else None
        if hasattr(memo_, "clear"):
            memo_.clear()
    quiet_streamlit()


def elements(at) -> list:
    from streamlit.testing.v1.element_tree import Block

    out = []

    def walk(node):
        if isinstance(node, Block) or hasattr(node, "children"):
            for ch in getattr(node, "children", {}).values():
                walk(ch)
        elif hasattr(getattr(node, "proto", None), "ByteSize"):
            out.append(node)

    walk(at._tree)
    return out


def byte_report(at) -> dict:
    """Uncompressed protobuf bytes of what one run sends: every element, and the Vega-Lite charts."""
    els = elements(at)
    charts = []
    for e in els:
        if e.type == "vega_lite_chart":
            p = e.proto
            spec = p.spec.encode()
            charts.append(
                {
                    "spec_bytes": len(spec),
                    "dataset_bytes": sum(len(d.data.data) for d in p.datasets) + len(p.data.data),
                    "proto_bytes": p.ByteSize(),
                    "is_map": b'"geoshape"' in spec,
                }
            )
    comps = [
        {"name": getattr(e.proto, "component_name", e.type), "proto_bytes": e.proto.ByteSize()}
        for e in els
        if e.type in ("component_instance", "bidi_component")
    ]
    return {
        "elements_bytes": sum(e.proto.ByteSize() for e in els),
        "n_elements": len(els),
        "charts": charts,
        "chart_spec_bytes": sum(c["spec_bytes"] for c in charts),
        "chart_total_bytes": sum(c["proto_bytes"] for c in charts),
        "components": comps,
    }


class AppErrors(logging.Handler):
    """Collects errors the app logs (its error boundary logs the traceback and shows only a reference)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text = traceback.format_exception_only(record.exc_info[0], record.exc_info[1])[-1].strip()
        self.lines.append(f"{record.name}: {text}"[:160])

    def take(self) -> list[str]:
        out, self.lines = self.lines, []
        return out


APP_ERRORS = AppErrors()


def _below_error(record) -> bool:
    return record.levelno >= logging.ERROR


def quiet_streamlit() -> None:
    """Drop Streamlit's bare-mode warnings (AppTest has no runtime); errors still show."""
    for name, lg in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("streamlit") and isinstance(lg, logging.Logger) and _below_error not in lg.filters:
            lg.addFilter(_below_error)


def problems(at) -> list[str]:
    out = [f"exception: {str(getattr(e, 'value', e))[:120]}" for e in at.exception]
    out += ["st.error: " + re.sub(r"\s*\(reference [0-9a-f]+\)", "", str(e.value))[:100] for e in at.error]
    out += [f"logged: {line}" for line in APP_ERRORS.take()]
    return out


def widget(at, kind: str, name: str, label: str):
    """A widget by key (exact, or ending in ':<name>' as UrlState keys do) or else by label."""
    items = list(at.get(kind))
    for w in items:
        if w.key == name or (w.key or "").endswith(":" + name):
            return w
    for w in items:
        if getattr(w, "label", None) == label:
            return w
    raise LookupError(f"no {kind} with key *{name} or label {label!r}")


def _toggle_multiselect(name, label):
    state = {}

    def step(at, i):
        ms_ = widget(at, "multiselect", name, label)
        if "full" not in state:
            state["full"] = list(ms_.value)
        full = state["full"]
        want = full[:-1] if i % 2 == 0 and len(full) > 1 else full
        ms_.set_value(want)
        return f"multiselect {ms_.key}: drop/re-add {full[-1] if full else '?'}", ("multiselect", name, label, want)

    return step


def _alternate_select(name, label, values):
    def step(at, i):
        w = widget(at, "selectbox", name, label)
        w.set_value(values[i % len(values)])
        return f"selectbox {w.key}: " + " / ".join(values), ("selectbox", name, label, values[i % len(values)])

    return step


def _alternate_radio(name, label, values):
    def step(at, i):
        w = widget(at, "radio", name, label)
        w.set_value(values[i % len(values)])
        return f"radio {w.key}: " + " / ".join(values), ("radio", name, label, values[i % len(values)])

    return step


def _cycle_ward(at, i):
    w = widget(at, "selectbox", "ward", "Ward")
    choices = [c for c in BROMLEY_WARDS_2022 if c != w.value]
    want = choices[(i * 5) % len(choices)]
    w.set_value(want)
    return f"selectbox {w.key}: a different 2022 ward each time", ("selectbox", "ward", "Ward", want)


def _switch_areas(at, i):
    sets = [["E09000006", "E12000007", "E92000001"], ["E09000006", "E05014002", "E92000001"]]
    w = widget(at, "multiselect", "areas", "Areas")
    w.set_value(sets[i % 2])
    return f"multiselect {w.key}: London <-> a Bromley ward", ("multiselect", "areas", "Areas", sets[i % 2])


def _cycle_select(name, label, values):
    def step(at, i):
        w = widget(at, "selectbox", name, label)
        want = values[i % len(values)]
        w.set_value(want)
        how = " / ".join(values) if len(values) <= 3 else "a different value each time"
        return f"selectbox {w.key}: {how}", ("selectbox", name, label, want)

    return step


def _hotspot_combos(at, i):
    combos = [
        c
        for c in itertools.product(
            ["worst_quintile", "significantly_worse", "both", "either"],
            ["bromley", "london", "england"],
            ["99.8", "95"],
        )
        if c != ("either", "england", "95")
    ]
    rule, comp, level = combos[i % len(combos)]
    widget(at, "selectbox", "rule", "Flag a ward when it is in the…").set_value(rule)
    widget(at, "selectbox", "comparator", "Comparator").set_value(comp)
    widget(at, "selectbox", "level", "Confidence level").set_value(level)
    return "rule x comparator x level: a new combination each time", ("selectbox", "rule", "", rule)


# Interactions that show a view not seen before in the process (the app memoises views by their choices,
# so alternating two values measures memo hits after the first two reruns).
with open(ROOT / "data" / "scorecard.csv", encoding="utf-8") as _f:
    SCORECARD_MEASURES = [r["measure_id"] for r in csv.DictReader(_f)]
FRESH = {
    "map": _cycle_select("ward", "Selected area", BROMLEY_WARDS_2022),
    "hotspots": _hotspot_combos,
    "ward": _cycle_ward,
    "scorecard": _cycle_select("measure", "Measure", SCORECARD_MEASURES),  # another measure's trend each time
}

PAGE_SETUP = {  # page stem -> (query params, interaction)
    "overview": ({}, None),
    "map": ({}, _alternate_select("colour", "Colour by", ["compare", "quintile"])),
    "hotspots": ({}, _toggle_multiselect("indicators", "Indicators")),
    "ward": ({"ward": "E05014002"}, _cycle_select("ward", "Ward", ["E05013990", "E05014002"])),
    "trends": ({}, _switch_areas),
    "scorecard": ({}, _alternate_radio("neighbours", "Statistical neighbours", ["2021", "2025"])),
    "methods": ({}, None),
}
ONLY_PAGES: list[str] = []  # --pages: the apptest and diagnose sections run these pages only


def pages() -> list[str]:
    found = sorted(p.stem for p in (ROOT / "pages").glob("*.py") if not p.stem.startswith("_"))
    found = [p for p in found if not ONLY_PAGES or p in ONLY_PAGES]
    order = list(PAGE_SETUP)
    return [p for p in order if p in found] + [p for p in found if p not in order]


def rerun_series(at, step, reps: int, deadline: float) -> dict:
    """Median of `reps` reruns, each after one interaction (or a plain rerun when the page has no widgets)."""
    times, cpu, desc, issues = [], [], "plain rerun (page has no widgets to change)", []
    for i in range(reps):
        if now() > deadline and len(times) >= 3:
            break
        check = None
        if step is not None:
            try:
                desc, check = step(at, i)
            except Exception as e:  # widget missing or renamed: fall back to a plain rerun
                issues.append(f"interaction failed ({type(e).__name__}: {str(e)[:80]}); plain rerun")
                step, desc = None, "plain rerun (interaction unavailable)"
        t, c = now(), time.process_time()
        at.run()
        times.append(now() - t)
        cpu.append(time.process_time() - c)
        issues += problems(at)
        if check is not None:  # the change must have reached the app
            kind, name, label, want = check
            try:
                got = widget(at, kind, name, label).value
            except Exception:
                got = "(widget gone)"
            if got != want:
                issues.append(f"interaction did not take: {name} is {got!r}, set {want!r}")
    return {
        "interaction": desc,
        "rerun_ms": [ms(x) for x in times],
        "rerun_median_ms": ms(median(times)),
        "rerun_cpu_median_ms": ms(median(cpu)),
        "n": len(times),
        "issues": sorted(set(issues))[:5],
    }


# --------------------------------------------------------------------------- 1-2. AppTest pages and bytes
def sec_apptest(cfg, R):
    from streamlit.testing.v1 import AppTest

    deadline = now() + cfg["apptest"]
    # Harness floor: a one-line script, so page figures can be read net of AppTest's own cost.
    server_like_script_cache()
    at = AppTest.from_string("import streamlit as st\nst.write('x')", default_timeout=30)
    at.run()
    fl = []
    for _ in range(10):
        t = now()
        at.run()
        fl.append(now() - t)
    R["apptest_floor_ms"] = ms(median(fl))

    res = {}
    for page in pages():
        params, step = PAGE_SETUP.get(page, ({}, None))
        clear_caches()
        at = new_apptest(ROOT / "pages" / f"{page}.py", params)
        t = now()
        try:
            at.run()
        except Exception as e:
            res[page] = {"error": f"{type(e).__name__}: {e}"}
            continue
        cold = now() - t
        r = {"params": params, "cold_ms": ms(cold), "cold_issues": problems(at), **byte_report(at)}
        r.update(rerun_series(at, step, cfg["reruns"], deadline))
        if page in FRESH:
            fr = rerun_series(at, FRESH[page], cfg["reruns"], deadline)
            r["fresh"] = {k: fr[k] for k in ("interaction", "rerun_ms", "rerun_median_ms", "rerun_cpu_median_ms", "n")}
            r["issues"] = sorted(set(r["issues"] + fr["issues"]))[:8]
        res[page] = r
    R["pages"] = res

    rows = []
    for page, r in res.items():
        if "error" in r:
            rows.append([page, "ERROR", "", "", "", "", "", "", "", r["error"][:60]])
            continue
        fresh = r.get("fresh", {})
        rows.append(
            [
                page,
                fmt(r["cold_ms"]),
                fmt(r["rerun_median_ms"]),
                fmt(r["rerun_cpu_median_ms"]),
                r["n"],
                fmt(fresh.get("rerun_median_ms")) if fresh else "same",
                len(r["charts"]),
                fmt(r["chart_spec_bytes"] / KB),
                fmt(r["chart_total_bytes"] / KB),
                fmt(r["elements_bytes"] / KB),
                r["interaction"],
            ]
        )
    say(
        table(
            f"1-2. Pages under AppTest (harness floor: {fmt(R['apptest_floor_ms'])} ms per run of a one-line script)",
            [
                "page",
                "cold ms",
                "rerun med ms",
                "CPU med ms",
                "n",
                "new-view med ms",
                "charts",
                "spec KB",
                "charts KB",
                "all elems KB",
                "interaction",
            ],
            rows,
        )
    )
    for page, r in res.items():
        if r.get("fresh"):
            say(
                f"   new-view reruns on {page}: {r['fresh']['interaction']} (n={r['fresh']['n']}, "
                f"CPU median {fmt(r['fresh']['rerun_cpu_median_ms'])} ms)"
            )
    for page, r in res.items():
        for issue in sorted(set((r.get("cold_issues") or []) + (r.get("issues") or []))):
            say(f"   ! {page}: {issue}")
    # Map bytes: default ward map, and the LSOA map.
    maps = {}
    for name, params in (("ward_map", {}), ("lsoa_map", {"geography": "lsoa2021"})):
        at = new_apptest(ROOT / "pages" / "map.py", params)
        at.run()
        rep = byte_report(at)
        m = [c for c in rep["charts"] if c["is_map"]]
        maps[name] = {
            "params": params,
            **_geo_bytes(at),
            "map_proto_bytes": m[0]["proto_bytes"] if m else None,
            "map_spec_bytes": m[0]["spec_bytes"] if m else None,
            "page_elements_bytes": rep["elements_bytes"],
            "geography_shown": at.query_params.get("geography"),
            "issues": problems(at),
        }
    R["maps"] = maps

    say(
        table(
            "   Map chart bytes (spec JSON incl. the inline TopoJSON; 'proto' adds Arrow datasets and fields)",
            [
                "view",
                "geography",
                "features",
                "map spec KB",
                "of which geometry KB",
                "properties KB",
                "map proto KB",
                "whole page KB",
            ],
            [
                [
                    k,
                    v["geography_shown"],
                    v.get("features"),
                    fmt((v["map_spec_bytes"] or 0) / KB),
                    fmt(v.get("geometry_bytes", 0) / KB),
                    fmt(v.get("properties_bytes", 0) / KB),
                    fmt((v["map_proto_bytes"] or 0) / KB),
                    fmt(v["page_elements_bytes"] / KB),
                ]
                for k, v in maps.items()
            ],
        )
    )


def _geo_bytes(at) -> dict:
    """Split the map spec's boundary data into geometry and properties bytes (JSON as in the spec).

    Maps carry TopoJSON (a Topology dataset): geometry = everything but the areas' properties."""
    for e in elements(at):
        if e.type == "vega_lite_chart" and b'"geoshape"' in e.proto.spec.encode():
            spec = json.loads(e.proto.spec)
            dump = json.dumps  # default separators, as in the spec Streamlit sends
            for data in (spec.get("datasets") or {}).values():
                if isinstance(data, dict) and data.get("type") == "Topology":
                    areas = [g for obj in data["objects"].values() for g in obj.get("geometries", [])]
                    props = sum(len(dump(g.get("properties"))) for g in areas)
                    return {
                        "features": len(areas),
                        "geometry_bytes": len(dump(data)) - props,
                        "properties_bytes": props,
                    }
    return {}


# --------------------------------------------------------------------------- diagnose
@contextlib.contextmanager
def instrument():
    """Time spent in Store._q (DuckDB queries, or hits on the Store's result memo), in the app's chart builders (charts.*) and in assembling
    Vega-Lite specs (Streamlit's Altair conversion, charts.figure.Figure.spec), during AppTest runs.
    Only the outermost instrumented call is timed, so nothing is counted twice. Benchmark-only
    monkeypatching, undone on exit."""
    import streamlit.elements.vega_charts as vc

    from loaders import store as store_mod

    acc = {"queries_n": 0, "queries_s": 0.0, "charts_s": 0.0, "convert_s": 0.0}
    depth = threading.local()
    undo = []

    def wrap(obj, name, bucket, count=None):
        orig = getattr(obj, name, None)
        if orig is None:
            return

        @functools.wraps(orig)
        def w(*a, **k):
            d = getattr(depth, "d", 0)
            depth.d = d + 1
            t = now()
            try:
                return orig(*a, **k)
            finally:
                depth.d = d
                if not d:
                    acc[bucket] += now() - t
                    if count:
                        acc[count] += 1

        setattr(obj, name, w)
        undo.append((obj, name, orig))

    wrap(store_mod.Store, "_q", "queries_s", "queries_n")
    wrap(vc, "_convert_altair_to_vega_lite_spec", "convert_s")
    import charts

    for m in pkgutil.iter_modules(charts.__path__):
        mod = importlib.import_module(f"charts.{m.name}")
        for fname, f in list(vars(mod).items()):
            if inspect.isfunction(f) and f.__module__ == mod.__name__ and not fname.startswith("_"):
                wrap(mod, fname, "charts_s")
            elif inspect.isclass(f) and f.__module__ == mod.__name__ and callable(getattr(f, "spec", None)):
                wrap(f, "spec", "convert_s")
    try:
        yield acc
    finally:
        for obj, name, orig in reversed(undo):
            setattr(obj, name, orig)


def sec_diagnose(cfg, R):
    if not cfg["diagnose_reruns"]:
        say("\n   (rerun breakdown skipped with --quick)")
        return
    deadline = now() + cfg["diagnose"]
    out = {}
    for page in [p for p in pages() if p in PAGE_SETUP]:
        if now() > deadline:
            break
        params, step = PAGE_SETUP[page]
        step = FRESH.get(page, step)
        clear_caches()
        at = new_apptest(ROOT / "pages" / f"{page}.py", params)
        at.run()
        issues = problems(at)
        samples = []
        with instrument() as acc:
            for i in range(cfg["diagnose_reruns"]):
                for k in acc:
                    acc[k] = 0 if k.endswith("_n") else 0.0
                if step is not None:
                    try:
                        step(at, i + 1)
                    except Exception:
                        step = None
                t = now()
                at.run()
                samples.append({**acc, "total_s": now() - t})
                issues += problems(at)
        med = {k: median([s[k] for s in samples]) for k in samples[0]}
        out[page] = {
            "interaction": "new view" if page in FRESH else ("plain" if step is None else "as above"),
            "total_ms": ms(med["total_s"]),
            "queries_n": med["queries_n"],
            "queries_ms": ms(med["queries_s"]),
            "chart_build_ms": ms(med["charts_s"]),
            "spec_assembly_ms": ms(med["convert_s"]),
            "other_ms": ms(med["total_s"] - med["queries_s"] - med["charts_s"] - med["convert_s"]),
            "issues": sorted(set(issues))[:5],
        }
    R["rerun_breakdown"] = out
    say(
        table(
            "   Where a rerun's time goes (instrumented medians, new views where the page memoises them; "
            "'other' = Streamlit, pandas, model code, AppTest)",
            [
                "page",
                "rerun",
                "rerun ms",
                "Store._q calls",
                "Store._q ms",
                "chart build ms",
                "spec assembly ms",
                "other ms",
            ],
            [
                [
                    p,
                    v["interaction"],
                    fmt(v["total_ms"]),
                    fmt(v["queries_n"]),
                    fmt(v["queries_ms"]),
                    fmt(v["chart_build_ms"]),
                    fmt(v["spec_assembly_ms"]),
                    fmt(v["other_ms"]),
                ]
                for p, v in out.items()
            ],
        )
    )
    for p, v in out.items():
        for issue in v["issues"]:
            say(f"   ! {p} (diagnose): {issue}")


# --------------------------------------------------------------------------- 5. baseline
def sec_baseline(cfg, R):
    deadline = now() + cfg["baseline"]
    clear_caches()
    at = new_apptest(BENCH / "baseline_map.py")
    t = now()
    at.run()
    cold = now() - t
    rep = byte_report(at)
    folium_bytes = [c["proto_bytes"] for c in rep["components"]]
    r = {
        "cold_ms": ms(cold),
        "cold_issues": problems(at),
        "folium_component_bytes": folium_bytes[0] if folium_bytes else None,
        "page_elements_bytes": rep["elements_bytes"],
    }
    r.update(
        rerun_series(at, _alternate_select("colour", "Colour by", ["compare", "quintile"]), cfg["reruns"], deadline)
    )
    # The same figure the brief suggests: the folium map's full HTML document.
    try:
        import folium  # noqa: F401

        r["folium_root_html_bytes"] = _folium_root_html_bytes()
    except Exception as e:
        r["folium_root_html_bytes"] = None
        r["issues"].append(f"folium render: {e}")
    R["baseline"] = r

    dash = R.get("pages", {}).get("map", {})
    ward_map = R.get("maps", {}).get("ward_map", {})
    cmp_ = {}
    if dash.get("rerun_median_ms") and r["rerun_median_ms"]:
        cmp_["speedup_x"] = r["rerun_median_ms"] / dash["rerun_median_ms"]
    if dash.get("fresh", {}).get("rerun_median_ms") and r["rerun_median_ms"]:
        cmp_["speedup_new_view_x"] = r["rerun_median_ms"] / dash["fresh"]["rerun_median_ms"]
    if ward_map.get("map_proto_bytes") and r["folium_component_bytes"]:
        cmp_["map_bytes_ratio_x"] = r["folium_component_bytes"] / ward_map["map_proto_bytes"]
    if ward_map.get("page_elements_bytes") and r["page_elements_bytes"]:
        cmp_["page_bytes_ratio_x"] = r["page_elements_bytes"] / ward_map["page_elements_bytes"]
    R["baseline_vs_dashboard"] = cmp_
    rows = [
        [
            "rerun median (ms)",
            fmt(dash.get("rerun_median_ms")),
            fmt(r["rerun_median_ms"]),
            fmt(cmp_.get("speedup_x")) + "x faster" if "speedup_x" in cmp_ else "n/a",
        ],
        [
            "rerun median, new view (ms)",
            fmt(dash.get("fresh", {}).get("rerun_median_ms")),
            fmt(r["rerun_median_ms"]),
            f"{cmp_['speedup_new_view_x']:.2f}x faster" if "speedup_new_view_x" in cmp_ else "",
        ],
        [
            "rerun CPU median (ms)",
            fmt(dash.get("rerun_cpu_median_ms")),
            fmt(r["rerun_cpu_median_ms"]),
            f"{r['rerun_cpu_median_ms'] / dash['rerun_cpu_median_ms']:.2f}x less CPU"
            if dash.get("rerun_cpu_median_ms") and r.get("rerun_cpu_median_ms")
            else "",
        ],
        ["cold first run (ms)", fmt(dash.get("cold_ms")), fmt(r["cold_ms"]), ""],
        [
            "map bytes (KB)",
            fmt((ward_map.get("map_proto_bytes") or 0) / KB),
            fmt((r["folium_component_bytes"] or 0) / KB),
            fmt(cmp_.get("map_bytes_ratio_x")) + "x fewer" if "map_bytes_ratio_x" in cmp_ else "n/a",
        ],
        [
            "whole page bytes (KB)",
            fmt((ward_map.get("page_elements_bytes") or 0) / KB),
            fmt(r["page_elements_bytes"] / KB),
            fmt(cmp_.get("page_bytes_ratio_x")) + "x fewer" if "page_bytes_ratio_x" in cmp_ else "n/a",
        ],
    ]
    say(
        table(
            "5. Naive baseline (benchmarks/baseline_map.py: GeoPandas+pandas every run, folium via streamlit-folium) "
            "vs dashboard map page, both 2022 wards, IDACI, colour quintile<->compare",
            ["figure", "dashboard", "baseline", "dashboard vs baseline"],
            rows,
        )
    )
    say(
        f"   folium root HTML document: {fmt((r['folium_root_html_bytes'] or 0) / KB)} KB. Folium loads Leaflet, "
        "jQuery and Bootstrap from CDNs: offline, a browser shows a blank map (nothing is fetched here)."
    )
    for issue in sorted(set(r["cold_issues"] + r["issues"])):
        say(f"   ! baseline: {issue}")


def _folium_root_html_bytes() -> int:
    """Render the baseline's quintile map outside Streamlit, as `folium.Map.get_root().render()`."""
    import folium
    import geopandas as gpd
    import pandas as pd

    gdf = gpd.read_file(ROOT.parent / "shared" / "data" / "raw" / "wards_2022_E09000006.geojson")
    v = pd.read_parquet(ROOT / "data" / "values.parquet")
    v = v[
        (v.indicator_id == "idaci")
        & (v.area_type == "ward2022")
        & (v.period == v[v.indicator_id == "idaci"].period.max())
    ]
    gdf = gdf[["WD22CD", "WD22NM", "geometry"]].merge(v[["area_code", "value"]], left_on="WD22CD", right_on="area_code")
    m = folium.Map(location=[51.37, 0.05], zoom_start=11)
    ch = folium.Choropleth(
        geo_data=gdf,
        data=gdf,
        columns=["WD22CD", "value"],
        key_on="feature.properties.WD22CD",
        fill_color="YlOrRd",
        bins=5,
    ).add_to(m)
    folium.GeoJsonTooltip(fields=["WD22NM", "value"]).add_to(ch.geojson)
    return len(m.get_root().render().encode())


# --------------------------------------------------------------------------- 3-4. server memory, browser
MAP_DRAWN_JS = """
([title, minColoured]) => {
  const h1 = [...document.querySelectorAll('h1')].some(h => h.textContent.trim().startsWith(title));
  if (!h1) return false;
  const live = [...document.querySelectorAll('[data-testid="stElementContainer"]')]
      .filter(c => c.getAttribute('data-stale') !== 'true');
  const chart = live.map(c => c.querySelector('.stVegaLiteChart')).find(Boolean);
  if (!chart) return false;
  const cv = chart.querySelector('canvas');
  if (cv && cv.width > 0 && cv.height > 0) {
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const mx = Math.max(d[i], d[i+1], d[i+2]), mn = Math.min(d[i], d[i+1], d[i+2]);
      if (d[i+3] > 0 && mx - mn > 40 && ++n >= minColoured) return true;   // saturated fill = polygons drawn
    }
    return false;
  }
  const svg = chart.querySelector('svg');
  return !!(svg && svg.querySelectorAll('path[fill]:not([fill="none"])').length > 5);
}
"""

SWITCH_JS = f"""
async ([href, title, minColoured, timeoutMs]) => {{
  const drawn = {MAP_DRAWN_JS.strip()};
  const link = [...document.querySelectorAll('[data-testid="stSidebarNav"] a, [data-testid="stSidebar"] a')]
      .find(a => a.getAttribute('href') && new URL(a.href).pathname.replace(/\\/$/, '').endsWith(href));
  if (!link) return {{error: 'sidebar link not found: ' + href}};
  const t0 = performance.now();
  link.click();
  while (performance.now() - t0 < timeoutMs) {{
    await new Promise(r => requestAnimationFrame(r));
    if (drawn([title, minColoured])) return {{ms: performance.now() - t0}};
  }}
  return {{error: 'timeout'}};
}}
"""

SETTLED_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !!document.querySelector('h1')
      && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
}
"""


def wait_settled(page, timeout_ms=60000):
    page.wait_for_function(SETTLED_JS, timeout=timeout_ms, polling=100)
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED_JS, timeout=timeout_ms, polling=100)


MEMORY_STEPS = r"""
import importlib, json, pkgutil, sys
sys.path.insert(0, sys.argv[1])
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return round(int(line.split()[1]) / 1024, 1)
out = [('python', rss())]
def step(name, fn):
    try:
        fn()
        out.append((name, rss()))
    except Exception as e:
        out.append((name + ' (failed: %s)' % type(e).__name__, rss()))
step('import streamlit', lambda: importlib.import_module('streamlit.web.server'))
step('+ pandas, pyarrow, duckdb', lambda: [importlib.import_module(m) for m in ('pandas', 'pyarrow', 'duckdb')])
step('+ altair, geopandas', lambda: [importlib.import_module(m) for m in ('altair', 'geopandas')])
step('+ scipy.stats (phstats.intervals)', lambda: importlib.import_module('scipy.stats'))
step('+ pandera (loaders.schema/targets)', lambda: importlib.import_module('pandera.pandas'))
def app_pkgs():
    for pkg in ('phstats', 'loaders', 'model', 'charts', 'ui', 'exports'):
        try:
            p = importlib.import_module(pkg)
        except Exception:
            continue
        for m in pkgutil.iter_modules(p.__path__):
            if m.name not in ('__main__', 'build'):
                try:
                    importlib.import_module(pkg + '.' + m.name)
                except Exception:
                    pass
step('+ rest of the app packages', app_pkgs)
store = {}
step('+ Store() (DuckDB, data/*.parquet)', lambda: store.setdefault('s', importlib.import_module('loaders.store').Store()))
step('+ ward/LSOA map layers (TopoJSON)', lambda: [store['s'].topology(l) for l in ('ward2022', 'ward2014', 'lsoa2021', 'lsoa2011')])
print(json.dumps(out))
"""


def memory_steps() -> list:
    """RSS of a fresh interpreter after each group of imports and data loads (what the server pays before sessions)."""
    p = subprocess.run([str(PY), "-c", MEMORY_STEPS, str(ROOT)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return json.loads(p.stdout.strip().splitlines()[-1])


def sec_server(cfg, R):
    from playwright.sync_api import sync_playwright

    deadline = now() + cfg["server"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="bwe-bench-server-", suffix=".log", delete=False)  # noqa: SIM115 (open for the server's life)
    cmd = [
        str(PY),
        "-m",
        "streamlit",
        "run",
        "serve.py",
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
    t_start = now()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    out = {"command": " ".join(cmd[1:]), "pid": proc.pid, "log": log.name}
    R["server"] = out
    try:
        while now() - t_start < 60:
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read().strip() == b"ok":
                    break
            except Exception:
                time.sleep(0.2)
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
        out["startup_s"] = round(now() - t_start, 2)
        out["rss_idle_mb"] = proc_mem(proc.pid)
        visits = [""] + [p for p in pages() if p != "overview"] + ["map?geography=lsoa2021"]
        visits = [v if "?" in v else (v + "?ward=E05014002" if v == "ward" else v) for v in visits]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
                page = ctx.new_page()
                per_visit = []
                for v in visits:
                    if now() > deadline:
                        break
                    t = now()
                    page.goto(f"{base}/{v}", wait_until="domcontentloaded", timeout=30000)
                    try:
                        wait_settled(page, 45000)
                        ok = True
                    except Exception:
                        ok = False
                    per_visit.append(
                        {
                            "url": "/" + v,
                            "settled": ok,
                            "load_s": round(now() - t, 2),
                            **{k: round(x, 1) for k, x in proc_mem(proc.pid).items()},
                        }
                    )
                out["visits"] = per_visit
                mem = proc_mem(proc.pid)
                out["rss_after_pages_mb"] = round(mem["VmRSS"], 1)
                out["peak_after_pages_mb"] = round(mem["VmHWM"], 1)

                # 4. page switch -> map drawn
                times, errs = [], []
                page.goto(f"{base}/map", wait_until="domcontentloaded", timeout=30000)
                t = now()
                page.wait_for_function(MAP_DRAWN_JS, arg=["Map explorer", 500], timeout=60000, polling="raf")
                out["map_first_load_s"] = round(now() - t, 3)
                wait_settled(page)
                for _i in range(cfg["browser_reps"]):
                    if now() > deadline and len(times) >= 3:
                        break
                    r = page.evaluate(SWITCH_JS, ["/hotspots", "Hotspots", 1, 60000])
                    if "error" in r:
                        errs.append("to hotspots: " + r["error"])
                        break
                    wait_settled(page)
                    r = page.evaluate(SWITCH_JS, ["/map", "Map explorer", 500, 60000])
                    if "error" in r:
                        errs.append("to map: " + r["error"])
                        break
                    times.append(r["ms"] / 1000)
                    wait_settled(page)
                # Also: a full page load with a different indicator in the URL (new session, warm server caches).
                loads = []
                for ind in ("obesity_year6", "child_poverty", "idaci") if cfg["browser_reps"] > 5 else ():
                    if now() > deadline:
                        break
                    t = now()
                    page.goto(f"{base}/map?indicator={ind}", wait_until="commit", timeout=30000)
                    page.wait_for_function(MAP_DRAWN_JS, arg=["Map explorer", 500], timeout=60000, polling="raf")
                    loads.append(now() - t)
                    wait_settled(page)
                out["map_switch_s"] = [round(x, 3) for x in times]
                out["map_switch_median_s"] = round(median(times), 3) if times else None
                out["map_url_load_s"] = [round(x, 3) for x in loads]
                out["map_url_load_median_s"] = round(median(loads), 3) if loads else None
                out["browser_errors"] = errs
            finally:
                browser.close()
        mem = proc_mem(proc.pid)
        out["rss_end_mb"], out["peak_end_mb"] = round(mem["VmRSS"], 1), round(mem["VmHWM"], 1)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        if proc.returncode in (0, -signal.SIGTERM) and not out.get("browser_errors"):
            os.unlink(log.name)  # keep the server log only when something went wrong
            out.pop("log", None)
    say(
        table(
            f"3. Server memory (streamlit run app.py, pid {proc.pid}; MB = 2^20 bytes, from /proc/<pid>/status)",
            ["after visiting", "load s", "RSS MB", "peak (HWM) MB", "settled"],
            [
                [
                    "(idle, started in {} s)".format(out.get("startup_s")),
                    "",
                    fmt(out["rss_idle_mb"]["VmRSS"]),
                    fmt(out["rss_idle_mb"]["VmHWM"]),
                    "",
                ]
            ]
            + [
                [v["url"], fmt(v["load_s"]), fmt(v.get("VmRSS")), fmt(v.get("VmHWM")), "yes" if v["settled"] else "NO"]
                for v in out.get("visits", [])
            ]
            + [["(end of browser tests)", "", fmt(out.get("rss_end_mb")), fmt(out.get("peak_end_mb")), ""]],
        )
    )
    say(
        table(
            "4. Real browser (headless Chromium): until the map canvas has coloured polygons",
            ["figure", "median s", "samples s"],
            [
                ["sidebar Hotspots -> Map explorer", fmt(out.get("map_switch_median_s")), out.get("map_switch_s")],
                ["first load of /map (new session)", fmt(out.get("map_first_load_s")), ""],
                ["full load /map?indicator=...", fmt(out.get("map_url_load_median_s")), out.get("map_url_load_s")],
            ],
        )
    )
    for e in out.get("browser_errors", []):
        say(f"   ! browser: {e}")
    if cfg["browser_reps"] > 5 and now() < deadline + 15:  # full run only
        try:
            steps = memory_steps()
            out["memory_steps_mb"] = steps
            say(
                table(
                    "   Memory floor of a fresh interpreter (RSS MB after each step, no session)",
                    ["step", "RSS MB", "delta"],
                    [[k, fmt(v), fmt(v - steps[i - 1][1]) if i else ""] for i, (k, v) in enumerate(steps)],
                )
            )
        except Exception as e:
            say(f"   ! memory breakdown failed: {e}")


# --------------------------------------------------------------------------- 6. build
def sec_build(cfg, R):
    deadline = now() + cfg["build"]
    times, runs = [], []
    for i in range(cfg["build_reps"]):
        if i and now() + (median(times) or 0) > deadline:
            break
        with tempfile.TemporaryDirectory(prefix="bwe-bench-build-") as d:
            out_dir = Path(d) / "data"
            t = now()
            p = subprocess.run(
                [str(PY), "-m", "loaders.build", "--out", str(out_dir)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=max(30, deadline - now() + 30),
            )
            dt = now() - t
            files = sorted(f.name for f in out_dir.glob("*.parquet")) if out_dir.is_dir() else []
            sizes = {f: (out_dir / f).stat().st_size for f in files}
            runs.append(
                {
                    "s": round(dt, 2),
                    "rc": p.returncode,
                    "files": len(files),
                    "sizes": sizes,
                    "stderr_tail": p.stderr.strip().splitlines()[-2:] if p.returncode else [],
                }
            )
            if p.returncode == 0:
                times.append(dt)
    R["build"] = {"runs": runs, "median_s": round(median(times), 2) if times else None, "n": len(times)}
    say(
        table(
            "6. Build from raw: python -m loaders.build --out <tmpdir>",
            ["run", "seconds", "exit", "parquet files"],
            [[i + 1, fmt(r["s"]), r["rc"], r["files"]] for i, r in enumerate(runs)],
        )
    )
    last = next((r for r in reversed(runs) if r["rc"] == 0), None)
    if last:  # the extracts the build wrote, and their sizes
        R["build"]["sizes"] = last["sizes"]
        say(
            table(
                "6b. Extracts written by the build",
                ["file", "KB"],
                [[f, f"{n / 1024:,.1f}"] for f, n in last["sizes"].items()]
                + [["total", f"{sum(last['sizes'].values()) / 1024:,.1f}"]],
            )
        )
    for r in runs:
        for line in r["stderr_tail"]:
            say(f"   ! build: {line}")


# --------------------------------------------------------------------------- 7a. London scale
class AllLondon:
    """The real Store, but every ward query covers all London wards and ward2014 maps on 'london_ward2014'."""

    def __init__(self, s):
        self._s = s

    def __getattr__(self, name):
        return getattr(self._s, name)

    def values(self, *a, **k):
        return self._s.values(*a, **{**k, "bromley_only": False})

    def areas(self, area_type, **k):
        return self._s.areas(area_type, **{**k, "bromley_only": False})

    def topology(self, layer):
        return self._s.topology("london_ward2014" if layer == "ward2014" else layer)


def sec_london(cfg, R):
    import phstats
    import phstats.hotspots as ph_hot
    from charts import maps
    from loaders.store import Store
    from model import explore
    from model import hotspots as hs

    deadline = now() + cfg["london"]
    view = explore.View("obesity_year6", "2011/12-2013/14", "ward2014", "london", "95")
    london_inds = ["obesity_year6", "obesity_reception", "child_poverty", "children_out_of_work"]
    steps = {
        k: []
        for k in ("query+rank+stats", "hotspots (4 indicators)", "TopoJSON + properties", "chart -> Vega-Lite spec")
    }
    totals, warm, score_t, info, feats = [], [], [], {}, []

    def run_once(s, w):
        t0 = now()
        table_, ctx = explore.ward_table(w, view)
        rank = s.london_rank(view.indicator, view.period)
        table_ = explore.display_columns(table_.merge(rank, on="area_code", how="left"), ctx["meta"]["unit"], "compare")
        t1 = now()
        res = hs.hotspots(w, london_inds, "ward2014", "either", "england", "95")
        t2 = now()
        fs = explore.map_features(w, table_, "ward2014")
        t3 = now()
        chart = maps.choropleth(
            fs,
            colour_field="category",
            colour_title="Compared with London",
            domain=["better", "similar", "worse", "not compared", "No data"],
            colours=["#1", "#2", "#3", "#4", "#5"],
            tooltip=[("area_name", "Ward"), ("label", "Obesity"), ("category", "Compared")],
        )
        spec = chart.spec() if callable(getattr(chart, "spec", None)) else chart.to_dict()
        t4 = now()
        return (
            (t1 - t0, t2 - t1, t3 - t2, t4 - t3),
            {
                "wards_ranked": len(table_),
                "hotspot_wards": len(res["scores"]),
                "features": len(fs["objects"]["areas"]["geometries"]),
                "spec_bytes": len(json.dumps(spec)),
            },
            fs,
        )

    # Inside the hotspot step: how long phstats.hotspot_scores takes (patched for this section only).
    orig_scores = getattr(phstats, "hotspot_scores", None)

    def timed_scores(*a, **k):
        t = now()
        try:
            return orig_scores(*a, **k)
        finally:
            score_t.append(now() - t)

    if orig_scores is not None:
        phstats.hotspot_scores = ph_hot.hotspot_scores = timed_scores
    try:
        for i in range(cfg["london_reps"]):
            if now() > deadline and totals:
                break
            # A new Store each time (not timed): Store memoises query results, so a second run on the same
            # Store would time memo hits. Its map layer is read once per Store, as in the app.
            s = Store()
            w = AllLondon(s)
            w.topology("ward2014")
            parts, info, feats = run_once(s, w)
            for k, dt in zip(steps, parts):
                steps[k].append(dt)
            totals.append(sum(parts))
            if i < 3:
                warm.append(sum(run_once(s, w)[0]))  # same Store again: query results memoised
    finally:
        if orig_scores is not None:
            phstats.hotspot_scores = ph_hot.hotspot_scores = orig_scores
    if score_t:
        info["hotspot_scores_median_ms"] = ms(median(score_t))
    R["london"] = {
        "median_ms": ms(median(totals)),
        "n": len(totals),
        "warm_store_median_ms": ms(median(warm)),
        "steps_median_ms": {k: ms(median(v)) for k, v in steps.items()},
        **info,
    }
    say(
        table(
            f"7a. All London wards (obesity_year6 2011/12-2013/14, {info.get('wards_ranked')} wards ranked, "
            f"{info.get('features')} features, spec {fmt(info.get('spec_bytes', 0) / KB)} KB; median of {len(totals)})",
            ["step", "median ms"],
            [
                r
                for k, v in R["london"]["steps_median_ms"].items()
                for r in (
                    [[k, fmt(v)]]
                    + (
                        [["  of which phstats.hotspot_scores", fmt(info.get("hotspot_scores_median_ms"))]]
                        if k.startswith("hotspots")
                        else []
                    )
                )
            ]
            + [
                ["TOTAL (new Store each time)", fmt(R["london"]["median_ms"])],
                ["TOTAL again on the same Store (query memo warm)", fmt(R["london"]["warm_store_median_ms"])],
            ],
        )
    )


# --------------------------------------------------------------------------- 7b. synthetic scale
def sec_synthetic(cfg, R):
    import synthetic

    from loaders.store import Store

    deadline = now() + cfg["synthetic"]
    inds, pers = synthetic.indicator_ids(), synthetic.periods()
    out = {}
    # --quick reuses extracts a previous run left in the temp folder (keyed by the generator and the values schema).
    import hashlib

    import pyarrow.parquet as pq

    key = hashlib.sha256(
        (BENCH / "synthetic.py").read_bytes() + str(pq.read_schema(ROOT / "data" / "values.parquet")).encode()
    ).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"bwe-bench-synthetic-{key}"
    ctx = (
        contextlib.nullcontext(str(cache))
        if cfg is BUDGET["quick"]
        else tempfile.TemporaryDirectory(prefix="bwe-bench-synth-")
    )
    with ctx as d:
        for n in (22, 625, 7000):
            if now() > deadline:
                break
            done = Path(d) / str(n) / "done.json"
            if done.is_file():
                gen = {**json.loads(done.read_text()), "seconds": 0.0, "cached": True}
            else:
                gen = synthetic.generate(Path(d) / str(n), n)
                if cfg is BUDGET["quick"]:
                    done.write_text(json.dumps(gen))
            t = now()
            s = Store(Path(d) / str(n))
            load = now() - t
            codes = synthetic.ward_codes(n)
            from loaders import queries as Q

            def sql(text, params, s=s):
                # The app's SQL on the Store's own connection, one cursor per query as Store._q does,
                # but past Store's result memo, so every repetition is a real DuckDB query.
                cur = s._con.cursor()
                try:
                    return cur.execute(text, params).df()
                finally:
                    cur.close()

            queries = {
                "VALUES rank all wards": lambda i: sql(
                    Q.VALUES,
                    {
                        "indicator": inds[i % 30],
                        "period": pers[(i * 7) % 20],
                        "geography": "ward2014",
                        "breakdown": "All",
                        "bromley_only": False,
                    },
                ),
                "LONDON_RANK window rank": lambda i: sql(
                    Q.LONDON_RANK, {"indicator": inds[i % 30], "period": pers[(i * 7) % 20]}
                ),
                "SERIES 5 areas x 20 periods": lambda i, codes=codes, n=n: sql(
                    Q.SERIES,
                    {"indicator": inds[i % 30], "codes": [codes[(i * 13 + k) % n] for k in range(4)] + ["E92000001"]},
                ),
            }
            r = {
                "rows": gen["rows"],
                "generate_s": "cached" if gen.get("cached") else round(gen["seconds"], 2),
                "store_load_s": round(load, 2),
                "values_parquet_mb": round(gen["values_parquet_bytes"] / 2**20, 1),
            }
            for name, q in queries.items():
                q(0)  # first touch
                ts, nrows = [], 0
                for i in range(cfg["synth_reps"]):
                    t = now()
                    nrows = len(q(i))
                    ts.append(now() - t)
                r[name] = {"median_ms": ms(median(ts)), "rows_returned": nrows, "n": len(ts)}
            out[n] = r
            del s
    R["synthetic"] = out
    names = ["VALUES rank all wards", "LONDON_RANK window rank", "SERIES 5 areas x 20 periods"]
    say(
        table(
            "7b. Synthetic extracts (30 indicators x 20 periods x N wards; real Store and SQL; median of "
            f"{cfg['synth_reps']} per query, ms)",
            ["wards", "rows", "parquet MB", "generate s", "Store load s"] + names,
            [
                [fmt(n), fmt(r["rows"]), fmt(r["values_parquet_mb"]), fmt(r["generate_s"]), fmt(r["store_load_s"])]
                + [fmt(r[k]["median_ms"]) for k in names]
                for n, r in out.items()
            ],
        )
    )
    if 22 in out and 7000 in out:
        say(
            "   growth 22 -> 625 -> 7,000 wards: "
            + "; ".join(
                f"{k}: x{out[625][k]['median_ms'] / out[22][k]['median_ms']:.1f}, x{out[7000][k]['median_ms'] / out[22][k]['median_ms']:.1f}"
                for k in names
                if 625 in out
            )
        )


# --------------------------------------------------------------------------- summary
def summary(R) -> list[dict]:
    rows = []

    def add(fig, value, unit, target, ok_if, note=""):
        status = "n/a" if value is None else ("PASS" if ok_if(value) else "FAIL")
        rows.append({"figure": fig, "value": value, "unit": unit, "target": target, "status": status, "note": note})

    T = TARGETS
    for page, r in R.get("pages", {}).items():
        add(
            f"rerun median: {page}",
            r.get("rerun_median_ms"),
            "ms",
            f"<= {T['rerun_ms']} ms",
            lambda v: v <= T["rerun_ms"],
            ("plain rerun; " if "plain" in r.get("interaction", "") else "")
            + f"CPU {fmt(r.get('rerun_cpu_median_ms'))} ms",
        )
        if r.get("fresh"):
            add(
                f"rerun median, new view each time: {page}",
                r["fresh"].get("rerun_median_ms"),
                "ms",
                f"<= {T['rerun_ms']} ms",
                lambda v: v <= T["rerun_ms"],
                f"CPU {fmt(r['fresh'].get('rerun_cpu_median_ms'))} ms",
            )
    maps = R.get("maps", {})
    wm = (maps.get("ward_map") or {}).get("map_proto_bytes")
    lm = (maps.get("lsoa_map") or {}).get("map_proto_bytes")
    add(
        "ward map chart bytes",
        None if wm is None else round(wm / KB, 1),
        "KB",
        f"<= {T['ward_map_kb']} KB",
        lambda v: v <= T["ward_map_kb"],
    )
    add(
        "LSOA map chart bytes",
        None if lm is None else round(lm / KB, 1),
        "KB",
        f"<= {T['lsoa_map_kb']} KB",
        lambda v: v <= T["lsoa_map_kb"],
    )
    sv = R.get("server", {})
    add(
        "server peak memory after all pages",
        sv.get("peak_after_pages_mb"),
        "MB",
        f"<= {T['server_peak_mb']} MB",
        lambda v: v <= T["server_peak_mb"],
        f"RSS {sv.get('rss_after_pages_mb')} MB",
    )
    add(
        "page switch -> map drawn (browser)",
        sv.get("map_switch_median_s"),
        "s",
        f"<= {T['map_switch_s']} s",
        lambda v: v <= T["map_switch_s"],
    )
    bc = R.get("baseline_vs_dashboard", {})
    add(
        "map rerun speed vs naive baseline",
        None if "speedup_x" not in bc else round(bc["speedup_x"], 2),
        "x",
        f">= {T['speedup_x']}x faster",
        lambda v: v >= T["speedup_x"],
    )
    add(
        "map rerun speed vs baseline, new view",
        None if "speedup_new_view_x" not in bc else round(bc["speedup_new_view_x"], 2),
        "x",
        f">= {T['speedup_x']}x faster",
        lambda v: v >= T["speedup_x"],
    )
    add(
        "map bytes vs naive baseline (folium)",
        None if "map_bytes_ratio_x" not in bc else round(bc["map_bytes_ratio_x"], 2),
        "x",
        f">= {T['bytes_ratio_x']}x fewer",
        lambda v: v >= T["bytes_ratio_x"],
        "" if "page_bytes_ratio_x" not in bc else f"whole page: {bc['page_bytes_ratio_x']:.2f}x",
    )
    add(
        "build from raw (median)",
        (R.get("build") or {}).get("median_s"),
        "s",
        f"<= {T['build_s']} s",
        lambda v: v <= T["build_s"],
    )
    add(
        "all-London rank+hotspots+map spec",
        (R.get("london") or {}).get("median_ms"),
        "ms",
        f"<= {T['london_ms']} ms",
        lambda v: v <= T["london_ms"],
    )
    big = (R.get("synthetic") or {}).get(7000, {})
    for k, label in (
        ("VALUES rank all wards", "7,000 wards: VALUES ranking query"),
        ("LONDON_RANK window rank", "7,000 wards: LONDON_RANK query"),
        ("SERIES 5 areas x 20 periods", "7,000 wards: trend query (5 areas)"),
    ):
        add(
            label,
            (big.get(k) or {}).get("median_ms"),
            "ms",
            f"<= {T['synthetic_query_ms']} ms",
            lambda v: v <= T["synthetic_query_ms"],
        )
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (< 90 s)")
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    ap.add_argument("--pages", default="", help="apptest/diagnose: comma-separated page stems only, e.g. scorecard")
    ap.add_argument("--json", default=str(BENCH / "results.json"), help="where to write the figures")
    a = ap.parse_args(argv)
    ONLY_PAGES[:] = [p for p in a.pages.split(",") if p]
    mode = "quick" if a.quick else "full"
    cfg = BUDGET[mode]
    wanted = [s for s in SECTIONS if s in a.only.split(",")]
    t_all = now()
    R = {
        "meta": {
            "mode": mode,
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "sections": wanted,
            "kb": KB,
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        }
    }
    try:
        R["meta"]["git_head"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        R["meta"]["git_dirty_files"] = len(
            subprocess.run(
                ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.splitlines()
        )
    except Exception:
        pass
    import warnings

    warnings.filterwarnings("ignore")
    import streamlit
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # AppTest's "missing ScriptRunContext" / "No runtime" chatter
    logging.getLogger().addHandler(APP_ERRORS)  # the app's own errors: collected and reported per page
    R["meta"]["streamlit"] = streamlit.__version__
    failed_imports = import_project()
    if failed_imports:
        R["meta"]["failed_imports"] = failed_imports
    say(
        f"Bromley Ward Explorer benchmarks ({mode}; {os.cpu_count()} CPUs, load average {R['meta']['loadavg_start'][0]}; "
        f"streamlit {streamlit.__version__}; git {R['meta'].get('git_head')} with {R['meta'].get('git_dirty_files')} "
        "uncommitted files)"
    )

    HIT = []

    def on_alarm(*_):
        HIT.append(True)  # DuckDB turns the exception into "Query interrupted": remember it here too
        raise HardLimit(f"hard time limit of {cfg['hard_limit']} s reached")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(cfg["hard_limit"])
    funcs = {
        "apptest": sec_apptest,
        "diagnose": sec_diagnose,
        "baseline": sec_baseline,
        "server": sec_server,
        "build": sec_build,
        "london": sec_london,
        "synthetic": sec_synthetic,
    }
    R["section_seconds"], R["section_errors"] = {}, {}
    try:
        for name in wanted:
            if HIT:
                raise HardLimit(f"hard time limit of {cfg['hard_limit']} s reached")
            t = now()
            quiet_streamlit()
            APP_ERRORS.take()
            try:
                funcs[name](cfg, R)
            except HardLimit:
                raise
            except Exception as e:
                R["section_errors"][name] = f"{type(e).__name__}: {e}"
                say(f"\n!! section {name} failed: {type(e).__name__}: {e}")
                traceback.print_exc(limit=3)
            finally:
                R["section_seconds"][name] = round(now() - t, 1)
    except HardLimit as e:
        R["section_errors"]["_run"] = str(e)
        say(f"\n!! {e}; reporting what was measured")
    finally:
        signal.alarm(0)

    R["summary"] = summary(R)
    R["meta"]["total_seconds"] = round(now() - t_all, 1)
    R["meta"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    say(
        table(
            "SUMMARY",
            ["figure", "value", "target", "status", "note"],
            [[r["figure"], fmt(r["value"], r["unit"]), r["target"], r["status"], r["note"]] for r in R["summary"]],
        )
    )
    n_fail = sum(r["status"] == "FAIL" for r in R["summary"])
    say(
        f"\n{sum(r['status'] == 'PASS' for r in R['summary'])} PASS, {n_fail} FAIL, "
        f"{sum(r['status'] == 'n/a' for r in R['summary'])} n/a; sections: "
        + ", ".join(f"{k} {v} s" for k, v in R["section_seconds"].items())
        + f"; total {R['meta']['total_seconds']} s; load average at end {R['meta']['loadavg_end'][0]} on "
        f"{os.cpu_count()} CPUs. Figures written to {a.json}"
    )
    Path(a.json).write_text(json.dumps(R, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
