"""Command line for analysts.

    python -m loaders indicators
    python -m loaders values --indicator idaci --period 2025 --geography ward2022 [--format csv]
    python -m loaders import FILE --indicator ID [--column ROLE=HEADER ...] [--records]
                      [--denominator rows|column|file|population] [--denominator-file FILE] [--preview]
    python -m loaders extracts [--history [--indicator X] [--compare A B]]   (list extracts / versions)
    python -m loaders rollback --indicator neet --to VERSION      (put an earlier version back)
    python -m loaders remove --indicator ID                      (back to the illustrative / published series)
    python -m loaders define ID --name N --definition D --unit percentage|rate_per_1000|rate_per_10000|count
                      --polarity low_is_good|high_is_good|no_judgement [--interval wilson|byar|none]
                      [--why W] [--caveats C] [--replace]       (a local indicator, before its first import)
    python -m loaders undefine ID                               (remove a local indicator without an extract)
    python -m loaders scorecard [--neighbours 2021|2025] [--format csv] [--public]   (children's services scorecard)
    python -m loaders scorecard-import FILE [--preview] | --remove | --rollback   (the council's Performance Index)

ID: neet, cla_rate, any catalogue indicator a council can count (``extracts`` lists them), or a local
indicator defined with ``define``. Bad arguments, and any failure to import or remove an extract (file not found or unreadable, a
problem in the file, disk full, data folder missing or not writable), print one error line and
exit non-zero; nothing partial is left behind. Imports and removals are logged as ``cli:<user>``
(``python -m loaders`` has no other notion of who is running it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

import pandas as pd

from loaders import extract_columns, extracts, local_indicators
from loaders import periods as period_forms
from loaders.codes import GEOGRAPHIES
from loaders.store import BadRequest, DataUnavailable, Store, default_data_dir

VALUE_COLUMNS = [
    "area_code",
    "area_name",
    "area_type",
    "period",
    "value",
    "numerator",
    "denominator",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "national_decile",
    "is_illustrative",
    "is_estimate",
    "is_suppressed",
    "source_id",
    "note",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m loaders", description="Query the Bromley ward extracts.")
    p.add_argument("--data", default=None, help="data folder (default: the project's data/)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("indicators", help="list indicator ids with their periods and geographies")
    v = sub.add_parser("values", help="print one indicator's values for a period and geography")
    v.add_argument("--indicator", required=True)
    v.add_argument("--period", required=True)
    v.add_argument("--geography", required=True, choices=GEOGRAPHIES)
    v.add_argument("--format", choices=["table", "csv"], default="table")
    v.add_argument("--all-london", action="store_true", help="ward2014: all London wards, not just Bromley's")
    imp = sub.add_parser("import", help="validate and load a council ward extract (CSV or XLSX)")
    imp.add_argument("file")
    imp.add_argument("--indicator", required=True, help="indicator id (python -m loaders extracts lists them)")
    imp.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="ROLE=HEADER",
        help='which column is which, e.g. --column ward="Ward name" --column numerator="NEET count" '
        "(roles: " + ", ".join(extract_columns.ROLES) + ")",
    )
    imp.add_argument("--records", action="store_true", help="one row per young person or child: count them by ward")
    imp.add_argument("--academic", action="store_true", help="year pairs (2023/24) are academic years")
    imp.add_argument(
        "--denominator",
        default="auto",
        choices=["auto", "rows", "column", "file", "population"],
        help="record-level files: where the denominator comes from",
    )
    imp.add_argument("--denominator-file", default=None, help="a second file: ward, period, denominator")
    imp.add_argument("--preview", action="store_true", help="check and show what would be loaded; store nothing")
    ex = sub.add_parser("extracts", help="list loaded local extracts (--history: every version)")
    ex.add_argument("--history", action="store_true")
    ex.add_argument("--indicator")
    ex.add_argument("--compare", nargs=2, type=int, metavar=("A", "B"), help="with --history: compare two versions")
    rb = sub.add_parser("rollback", help="put an earlier version of an extract back in place")
    rb.add_argument("--indicator", required=True)
    rb.add_argument("--to", required=True, type=int, metavar="VERSION")
    sub.add_parser(
        "refresh", help="fetch the raw files again from the publishers' services (python -m loaders refresh --help)"
    )
    scp = sub.add_parser("scorecard", help="the children's services scorecard: one row per measure")
    scp.add_argument("--neighbours", choices=["2021", "2025"], default="2025", help="DfE statistical neighbour model")
    scp.add_argument("--format", choices=["table", "csv"], default="table")
    scp.add_argument("--public", action="store_true", help="as public mode shows it (suppression rules applied)")
    spi = sub.add_parser(
        "scorecard-import", help="load the council's Performance Index: the scorecard's in-year figures"
    )
    spi.add_argument("file", nargs="?", help="the Performance Index in the committee's layout (CSV or XLSX)")
    spi_do = spi.add_mutually_exclusive_group()
    spi_do.add_argument("--preview", action="store_true", help="check and show what would be loaded; store nothing")
    spi_do.add_argument("--remove", action="store_true", help="remove the loaded Performance Index")
    spi_do.add_argument("--rollback", action="store_true", help="put the previous Performance Index back")
    rm = sub.add_parser("remove", help="remove a loaded local extract")
    rm.add_argument("--indicator", required=True)
    df = sub.add_parser("define", help="define a local indicator (then import its extract)")
    df.add_argument("id", help="lower-case letters, digits and _, e.g. missing_education")
    df.add_argument("--name", required=True)
    df.add_argument("--definition", required=True)
    df.add_argument("--unit", required=True, help="percentage, rate_per_1000, rate_per_10000 or count")
    df.add_argument("--polarity", required=True, help="low_is_good, high_is_good or no_judgement")
    df.add_argument("--interval", default="", help="wilson (a proportion), byar (a rate) or none; default: by unit")
    df.add_argument("--why", default="", help="why it matters (optional)")
    df.add_argument("--caveats", default="", help="caveats (optional)")
    df.add_argument("--replace", action="store_true", help="replace the definition of an id already defined")
    ud = sub.add_parser("undefine", help="remove a local indicator's definition (its extract must be removed first)")
    ud.add_argument("id")
    return p


def _extract_command(args, data_dir) -> int:
    """import / extracts / remove. Every failure is one line on stderr and a non-zero exit."""
    if not data_dir.is_dir():
        return _fail(f"the data folder {data_dir} does not exist")
    if args.command == "extracts":
        if args.history or args.compare:
            return _history(args, data_dir)
        df = extracts.loaded(data_dir)
        print(df.to_string(index=False) if len(df) else "no local extracts loaded")
        defs = local_indicators.load(data_dir)
        if defs:
            print("local indicators defined:")
            for k, d in defs.items():
                print(f"  {k}: {d['name']} ({d['unit']}, {d['polarity']}, interval {d['interval']})")
        print("indicators an extract can be loaded for: " + ", ".join(extracts.loadable(data_dir)))
        return 0
    if args.command in ("define", "undefine"):
        return _define(args, data_dir)
    if args.command == "rollback":
        try:
            new = extracts.rollback(args.indicator, args.to, data_dir, actor=extracts.cli_actor())
        except KeyError:
            return _fail(f"{args.indicator} has no version {args.to} (python -m loaders extracts --history)")
        except extracts.StoreError as e:
            return _fail(f"the {args.indicator} extract was not rolled back: {e}")
        print(f"{args.indicator}: version {args.to} is back in place (recorded as version {new})")
        return 0
    if args.command == "remove":
        try:
            found = extracts.remove(args.indicator, data_dir, actor=extracts.cli_actor())
        except extracts.StoreError as e:
            return _fail(f"the {args.indicator} extract was not removed: {e}")
        print(f"removed the {args.indicator} extract" if found else f"no {args.indicator} extract was loaded")
        return 0
    return _import(Path(args.file), args.indicator, data_dir, args)


def _define(args, data_dir) -> int:
    """define / undefine a local indicator: every problem listed at once, nothing stored unless all is valid."""
    try:
        if args.command == "undefine":
            found = local_indicators.undefine(args.id, data_dir, actor=extracts.cli_actor())
            print(f"removed the definition of {args.id}" if found else f"{args.id} is not a local indicator here")
            return 0 if found else 1
        spec = {
            k: getattr(args, k) for k in ("id", "name", "definition", "unit", "polarity", "interval", "why", "caveats")
        }
        d = local_indicators.define(spec, data_dir, actor=extracts.cli_actor(), replace=args.replace)
    except local_indicators.DefinitionError as e:
        if len(e.problems) == 1:
            return _fail(f"{args.id} was not defined: {e.problems[0]}" if args.command == "define" else e.problems[0])
        print(f"error: {args.id} was not defined ({len(e.problems)} problems):", file=sys.stderr)
        for prob in e.problems:
            print(f"  {prob}", file=sys.stderr)
        return 1
    except extracts.StoreError as e:
        return _fail(f"{args.id} was not {'defined' if args.command == 'define' else 'removed'}: {e}")
    print(
        f"defined {d['id']}: {d['name']} ({d['unit']}, {d['polarity']}, interval {d['interval']}); "
        f"load its figures with: python -m loaders import FILE --indicator {d['id']}"
    )
    return 0


def _history(args, data_dir) -> int:
    inds = (
        [args.indicator]
        if args.indicator
        else sorted({*extracts.loadable(data_dir), *extracts.loaded(data_dir).indicator_id})
    )
    if args.compare:
        if not args.indicator:
            return _fail("--compare needs --indicator")
        try:
            df = extracts.compare(data_dir, args.indicator, *args.compare)
        except KeyError as e:
            return _fail(str(e).strip("'\""))
        changed = df[df.change != "same"]
        print(
            f"{args.indicator}: v{args.compare[0]} against v{args.compare[1]}: {len(changed)} of {len(df)} ward-periods "
            "differ"
        )
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(changed.to_string(index=False) if len(changed) else "(identical figures)")
        return 0
    any_shown = False
    for ind in inds:
        h = extracts.history(data_dir, ind)
        if h.empty:
            continue
        any_shown = True
        print(f"{ind}:")
        h = h.assign(
            current=h.current.map({True: "<- in place", False: ""}),
            periods=h.periods.map(lambda p: ", ".join(p) if isinstance(p, dict) else ""),
            mapping=h.mapping.map(lambda m: "; ".join(f"{k}={v}" for k, v in m.items()) if isinstance(m, dict) else ""),
        )
        cols = ["version", "action", "when", "who", "file", "rows", "periods", "mapping", "current"]
        with pd.option_context("display.width", 250, "display.max_colwidth", 60):
            print(h[cols].to_string(index=False))
    if not any_shown:
        print("no versions recorded")
    return 0


def _import(path: Path, indicator: str, data_dir: Path, args=None) -> int:
    data, why = extracts.read_cli_file(path)
    if why:
        return _fail(why)
    mapping, bad = extract_columns.parse_pairs(getattr(args, "column", []))
    if bad:
        return _fail(bad[0])
    store = Store(data_dir)
    remembered = extracts.remembered_mapping(data_dir, indicator)
    opts = extracts.options_for(
        store,
        columns=mapping,
        layout="records" if getattr(args, "records", False) else "auto",
        academic=getattr(args, "academic", False),
        denominator=getattr(args, "denominator", "auto"),
    )
    den_file = getattr(args, "denominator_file", None)
    if den_file:
        try:
            opts.denominator_file = (Path(den_file).read_bytes(), Path(den_file).name)
        except OSError as e:
            return _fail(f"{den_file} cannot be read ({e.strerror or type(e).__name__})")
    res = extracts.validate(data, path.name, indicator, extracts.wards_of(store), opts)
    if not res.ok and remembered and not mapping:  # the columns this indicator's last file used
        again = extracts.validate(
            data,
            path.name,
            indicator,
            extracts.wards_of(store),
            extracts.Options(**{**opts.__dict__, "columns": {r: h for r, h in remembered.items() if h in res.columns}}),
        )
        res = again if again.ok else res
    if len(res.problems) == 1:
        return _fail(f"{path.name} was not loaded: {res.problems[0]}")
    if not res.ok:
        print(f"error: {path.name} was not loaded ({len(res.problems)} problem(s)):", file=sys.stderr)
        for prob in res.problems:
            print(f"  {prob}", file=sys.stderr)
        return 1
    if getattr(args, "preview", False):
        _describe(res, indicator, data_dir, store)
        print("preview only: nothing was stored")
        return 0
    described = io.StringIO()
    with contextlib.redirect_stdout(described):  # what it replaces, said only once it is done
        _describe(res, indicator, data_dir, store)
    try:
        out = extracts.save(res, indicator, path.name, data_dir, actor=extracts.cli_actor())
    except extracts.StoreError as e:
        return _fail(f"{path.name} was not loaded: {e}")
    print(described.getvalue(), end="")
    print(f"loaded {len(res.rows)} rows ({res.scheme}) for {indicator} into {out}")
    return 0


def _describe(res, indicator: str, data_dir: Path, store) -> None:
    """The mapping, layout, periods and what the load replaces, before anything is stored."""
    if res.dropped:
        print(f"dropped on read (they identify people; never read or stored): {', '.join(res.dropped)}")
    mapping = ", ".join(f"{r}={h!r}" for r, h in res.mapping.items() if h)
    print(f"columns: {mapping} ({res.layout}{'; denominator: ' + res.denominator if res.layout == 'records' else ''})")
    shown = [f"{lb} (written {', '.join(w)})" if w != [lb] else lb for lb, w in res.written.items()]
    print(f"periods: {', '.join(shown)}")
    print(extracts.replaces(res, indicator, data_dir, store))


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _scorecard(store, args) -> int:
    from model import scorecard  # noqa: PLC0415

    if args.public:
        from model.public import PublicStore  # noqa: PLC0415
        from model.settings import suppress_below  # noqa: PLC0415

        store = PublicStore(store, suppress_below())
    try:
        df = scorecard.flat(scorecard.table(store, args.neighbours, public=args.public), args.neighbours)
    except scorecard.ScorecardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.format == "csv":
        df.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 32):
            print(
                df.drop(columns=["commentary", "measure_id", "rag_rule", "in_year_source"], errors="ignore").to_string(
                    index=False
                )
            )
            if "in_year_source" in df:  # the council's Performance Index is loaded
                print(f"in year: {next(s for s in df.in_year_source if s)}: provisional council figures, not rated")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["refresh"]:  # its own parser and exit codes: loaders/refresh/cli.py
        from loaders.refresh import cli as refresh_cli  # noqa: PLC0415 (requests and tqdm only when refreshing)

        return refresh_cli.main(argv[1:])
    args = _parser().parse_args(argv)
    data_dir = Path(args.data) if args.data else default_data_dir()
    ind = getattr(args, "indicator", None) if args.command in ("import", "extracts", "remove", "rollback") else None
    if ind is not None and not (
        ind in extracts.loadable(data_dir) if args.command == "import" else extracts.known_id(ind, data_dir)
    ):  # as argparse says it: one line, exit 2
        _Parser(prog="python -m loaders").error(
            f"argument --indicator: invalid choice: {ind[:40]!r} (choose from {', '.join(extracts.loadable(data_dir))}; "
            "or define a local indicator first: python -m loaders define --help)"
        )
    try:
        if args.command in ("import", "extracts", "remove", "rollback", "define", "undefine"):
            return _extract_command(args, data_dir)
        store = Store(data_dir)
        if args.command == "indicators":
            df = store.indicators()[["indicator_id", "name", "unit", "polarity", "periods", "geographies"]]
            with pd.option_context("display.max_colwidth", 60, "display.width", 200):
                print(df.to_string(index=False))
            return 0
        if args.command == "scorecard":
            return _scorecard(store, args)
        if args.command == "scorecard-import":
            from loaders import performance_index  # noqa: PLC0415

            return performance_index.cli(args, store, data_dir)
        period = args.period
        known = store.options(args.indicator)
        try:  # any unambiguous spelling: "2023" for "31 Mar 2023", "2023-24" for "2023/24"
            period = period_forms.resolve(args.period, known[known.geography == args.geography].period)
        except period_forms.AmbiguousPeriod as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        except period_forms.PeriodError:
            pass  # reported below with the periods there are
        df = store.values(args.indicator, period, args.geography, bromley_only=not args.all_london)
        if df.empty:
            periods = store.options(args.indicator)
            valid = periods[periods.geography == args.geography].period.tolist()
            hint = (
                f"periods for {args.geography}: {', '.join(valid)}"
                if valid
                else f"{args.indicator} has no {args.geography} data; geographies: {', '.join(sorted(set(periods.geography)))}"
            )
            print(f"error: no values for {args.indicator} {args.period!r} {args.geography} ({hint})", file=sys.stderr)
            return 1
        from model.provenance import source_labels  # noqa: PLC0415

        df = df[VALUE_COLUMNS].assign(source=lambda d: source_labels(store, d.source_id))  # "Council extract (f, d)"
        if args.format == "csv":
            df.to_csv(sys.stdout, index=False)
        else:
            with pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 40):
                print(df.drop(columns=["note"]).to_string(index=False))
        return 0
    except (BadRequest, DataUnavailable) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        sys.exit(0)
