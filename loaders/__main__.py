"""Command line for analysts.

    python -m loaders indicators
    python -m loaders values --indicator idaci --period 2025 --geography ward2022 [--format csv]
    python -m loaders import FILE --indicator neet|cla_rate     (a council's own ward extract)
    python -m loaders extracts                                  (list loaded extracts)
    python -m loaders remove --indicator neet|cla_rate          (back to the illustrative series)

Bad arguments print a one-line error and exit non-zero.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from loaders import extracts
from loaders.codes import GEOGRAPHIES
from loaders.store import BadRequest, DataUnavailable, Store, default_data_dir

VALUE_COLUMNS = ["area_code", "area_name", "area_type", "period", "value", "numerator", "denominator",
                 "lower95", "upper95", "lower998", "upper998", "national_decile",
                 "is_illustrative", "is_estimate", "is_suppressed", "source_id", "note"]


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
    imp.add_argument("--indicator", required=True, choices=sorted(extracts.LOCAL_INDICATORS))
    sub.add_parser("extracts", help="list loaded local extracts")
    rm = sub.add_parser("remove", help="remove a loaded local extract")
    rm.add_argument("--indicator", required=True, choices=sorted(extracts.LOCAL_INDICATORS))
    return p


def _extract_command(args, data_dir) -> int:
    if args.command == "extracts":
        df = extracts.loaded(data_dir)
        print(df.to_string(index=False) if len(df) else "no local extracts loaded")
        return 0
    if args.command == "remove":
        found = extracts.remove(args.indicator, data_dir)
        print(f"removed the {args.indicator} extract" if found else f"no {args.indicator} extract was loaded")
        return 0
    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} not found", file=sys.stderr)
        return 1
    store = Store(data_dir)
    wards = pd.concat([store.areas("ward2022"), store.areas("ward2014")])
    res = extracts.validate(path.read_bytes(), path.name, args.indicator, wards)
    if not res.ok:
        print(f"error: {path.name} was not loaded ({len(res.problems)} problem(s)):", file=sys.stderr)
        for prob in res.problems:
            print(f"  {prob}", file=sys.stderr)
        return 1
    out = extracts.save(res, args.indicator, path.name, data_dir)
    print(f"loaded {len(res.rows)} rows ({res.scheme}) for {args.indicator} into {out}")
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    data_dir = Path(args.data) if args.data else default_data_dir()
    try:
        if args.command in ("import", "extracts", "remove"):
            return _extract_command(args, data_dir)
        store = Store(data_dir)
        if args.command == "indicators":
            df = store.indicators()[["indicator_id", "name", "unit", "polarity", "periods", "geographies"]]
            with pd.option_context("display.max_colwidth", 60, "display.width", 200):
                print(df.to_string(index=False))
            return 0
        df = store.values(args.indicator, args.period, args.geography, bromley_only=not args.all_london)
        if df.empty:
            periods = store.options(args.indicator)
            valid = periods[periods.geography == args.geography].period.tolist()
            hint = f"periods for {args.geography}: {', '.join(valid)}" if valid else \
                f"{args.indicator} has no {args.geography} data; geographies: {', '.join(sorted(set(periods.geography)))}"
            print(f"error: no values for {args.indicator} {args.period!r} {args.geography} ({hint})", file=sys.stderr)
            return 1
        df = df[VALUE_COLUMNS]
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
