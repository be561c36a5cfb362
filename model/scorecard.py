"""Children's services scorecard: the scrutiny committee's measures that public data covers, one row each.

The measures, their committee grouping and the council's 2023/24 targets are in the editable
``data/scorecard.csv`` (one row per measure; the successor of ``data/targets.csv`` for these measures,
which the Overview still reads for its tiles). Management commentary for measures performing below
expectation is in the editable ``data/commentary.csv`` (the council's own words, never generated).

RAG rules (``rule`` column), applied to Bromley's latest published value; the pack's own ratings are not
copied (it rated e.g. 2023's 36% of EHC plans in 20 weeks GREEN against a 65-75% range):

* ``not_target``: "Not a target measure" (the committee's words), or "No target set" for a measure added here;
* ``range`` (target_low-target_high) and ``target`` (one value in both): GREEN at or better than the worse end
  of the range by the polarity (better than the whole range is GREEN too, as the committee rates it);
* ``national`` ("in line with national or above"): the limit is England's value for the same period;
* AMBER: worse than the limit by no more than ``amber_tolerance`` (same unit as the value; blank: no amber,
  as the papers define none); RED: worse by more.

A measure performing below expectation (RED or AMBER) is an exception: listed first, with its commentary.

In-year figures: when an officer has loaded the council's own Performance Index
(:mod:`loaders.performance_index`), each measure it covers gains the current year's months and year to date beside
the published annual figures (``inyear_*`` columns). They are provisional council figures: shown and labelled as
such, never rated (RAG applies to the published figures only). Cells the council marked suppressed, and every
in-year figure of a measure marked ``suppressed_in_public`` when in public mode, show "Data suppressed (see Part 2
report)"; in public mode the file's name, load date and notes are not shown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from loaders import performance_index as pi
from loaders.codes import BROMLEY, ENGLAND, LONDON
from model.cache import per_store
from phstats.rag_status import AMBER, RED
from phstats.rag_status import rag as rag_against

ROOT = Path(__file__).resolve().parents[1]
MEASURES_PATH = ROOT / "data" / "scorecard.csv"
COMMENTARY_PATH = ROOT / "data" / "commentary.csv"
MEASURE_COLUMNS = [
    "measure_id",
    "group",
    "committee_no",
    "committee_name",
    "indicator_id",
    "rule",
    "target_low",
    "target_high",
    "polarity",
    "amber_tolerance",
    "suppressed_in_public",
    "target_text",
    "source_note",
]
COMMENTARY_COLUMNS = ["measure_id", "period", "commentary", "source"]
GROUPS = [
    "Early help",
    "Safeguarding and child protection",
    "Children looked after",
    "Care leavers",
    "Education and SEND",
    "Youth justice",
    "NEET",
]
RULES = ["not_target", "range", "target", "national"]
NOT_TARGET, NO_TARGET, NO_DATA = "Not a target measure", "No target set", "No data"
SUPPRESSED_TEXT = "Data suppressed (see Part 2 report)"
MODELS = ["2025", "2021"]
DEFAULT_MODEL = "2025"
N_PERIODS = 3  # Bromley's last three periods, as the committee's pack
INYEAR_LABEL = "In year (council, provisional)"
NOT_AVAILABLE_TEXT = "not available"


class ScorecardError(ValueError):
    """The measures or commentary file cannot be used; the message says which file and what is wrong."""


# --------------------------------------------------------------------------- files
def load_measures(path: Path | str = MEASURES_PATH, indicator_ids: set[str] | None = None) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as e:
        raise ScorecardError(f"{Path(path).name}: the scorecard measures file is missing") from e
    except (ValueError, pd.errors.ParserError) as e:
        raise ScorecardError(f"{Path(path).name}: cannot be read ({str(e).splitlines()[0]})") from e
    if list(df.columns) != MEASURE_COLUMNS:
        raise ScorecardError(f"{Path(path).name}: columns must be {', '.join(MEASURE_COLUMNS)}")
    problems = []
    for col in ("target_low", "target_high", "amber_tolerance"):
        num = pd.to_numeric(df[col].replace("", None), errors="coerce")
        bad = df.loc[num.isna() & (df[col] != ""), "measure_id"].tolist()
        if bad:
            problems.append(f"{col} is not a number for {', '.join(bad)}")
        df[col] = num.astype(float)
    if df.measure_id.duplicated().any():
        problems.append(f"measure_id repeated: {', '.join(df.measure_id[df.measure_id.duplicated()])}")
    for col, allowed in (
        ("group", GROUPS),
        ("rule", RULES),
        ("polarity", ["low_is_good", "high_is_good", "no_judgement"]),
        ("suppressed_in_public", ["yes", "no", ""]),
    ):
        bad = df.loc[~df[col].isin(allowed), "measure_id"].tolist()
        if bad:
            problems.append(f"{col} must be one of {', '.join(a for a in allowed if a)} ({', '.join(bad)})")
    needs = df.rule.isin(["range", "target"]) & df.target_low.isna() & df.target_high.isna()
    if needs.any():
        problems.append(f"a range or target needs target_low or target_high ({', '.join(df.measure_id[needs])})")
    if ((df.target_low > df.target_high) | (df.amber_tolerance < 0)).any():
        problems.append("target_low above target_high, or a negative amber_tolerance")
    if indicator_ids is not None:
        unknown = sorted(set(df.indicator_id) - set(indicator_ids))
        if unknown:
            problems.append(f"indicator_id not in the data: {', '.join(unknown)}")
    if problems:
        raise ScorecardError(f"{Path(path).name}: not valid ({'; '.join(problems)})")
    df["suppressed_in_public"] = df.suppressed_in_public.eq("yes")
    return df


def load_commentary(path: Path | str = COMMENTARY_PATH) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        return pd.DataFrame({c: [] for c in COMMENTARY_COLUMNS})
    except (ValueError, pd.errors.ParserError) as e:
        raise ScorecardError(f"{Path(path).name}: cannot be read ({str(e).splitlines()[0]})") from e
    if list(df.columns) != COMMENTARY_COLUMNS:
        raise ScorecardError(f"{Path(path).name}: columns must be {', '.join(COMMENTARY_COLUMNS)}")
    return df


# --------------------------------------------------------------------------- RAG
def rate(
    rule: str, value, target_low, target_high, polarity: str, amber_tolerance=None, england=None
) -> tuple[str, str]:
    """(RAG, the rule in words) for one value. See the module docstring."""
    if rule == "not_target":
        return NOT_TARGET, "not rated"
    if value is None or not np.isfinite(float(value)):
        return NO_DATA, "no value to rate"
    tol = "" if pd.isna(amber_tolerance) else f"; AMBER within {amber_tolerance:g}"
    if rule == "national":
        if england is None or not np.isfinite(float(england)):
            return NO_DATA, "England's value for the period is not published"
        lo, hi = (england, None) if polarity == "high_is_good" else (None, england)
        text = f"{'at or above' if polarity == 'high_is_good' else 'at or below'} England ({england:.1f}){tol}"
    else:
        lo, hi = target_low, target_high
        limit = (hi if pd.notna(hi) else lo) if polarity == "low_is_good" else (lo if pd.notna(lo) else hi)
        text = f"{'at or below' if polarity == 'low_is_good' else 'at or above'} {limit:g}{tol}"
    return rag_against(float(value), lo, hi, polarity, amber_tolerance), text


# --------------------------------------------------------------------------- formatting
def fmt(v, unit: str) -> str:
    if v is None or not np.isfinite(float(v)):
        return "–"
    v = float(v)
    if unit == "%":
        return f"{v:.2f}%" if abs(v) < 1 and v != 0 else f"{v:.1f}%"
    if unit == "count":
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def _with_count(v, num, unit: str, den=None) -> str:
    text = fmt(v, unit)
    if num is None or not np.isfinite(float(num)):
        return text
    if unit == "%" and den is not None and np.isfinite(float(den)):
        return f"{text} ({num:,.0f}/{den:,.0f})"
    return f"{text} ({num:,.0f})"


def direction(values: list[float], polarity: str) -> str:
    """Latest against the period before: ↑/↓/→ with better/worse by the polarity (higher/lower otherwise)."""
    if len(values) < 2 or not all(np.isfinite(values[-2:])):
        return "–"
    d = values[-1] - values[-2]
    if abs(d) < 1e-9:
        return "→ no change"
    arrow = "↑" if d > 0 else "↓"
    if polarity == "no_judgement":
        return f"{arrow} {'higher' if d > 0 else 'lower'}"
    better = (d > 0) == (polarity == "high_is_good")
    return f"{arrow} {'better' if better else 'worse'}"


def quartile(store, indicator: str, period: str) -> tuple[int | None, int]:
    """Bromley's quartile among English LAs with a value (1 = lowest values, 4 = highest), and how many."""
    d = store.values(indicator, period, "la", bromley_only=False)
    d = d[d.value.notna() & d.area_code.str.match(r"^E0[6-9]|^E10") & ~d.is_suppressed.astype(bool)]
    if BROMLEY not in set(d.area_code):
        return None, len(d)
    pct = d.value.rank(method="average", pct=True)[d.area_code == BROMLEY].iloc[0]
    return int(min(4, max(1, np.ceil(pct * 4)))), len(d)


def quartile_label(q: int | None, polarity: str) -> str:
    if q is None:
        return "–"
    if polarity == "no_judgement":
        return f"Q{q} ({['lowest', 'second lowest', 'second highest', 'highest'][q - 1]} quarter)"
    best = q == (4 if polarity == "high_is_good" else 1)
    worst = q == (1 if polarity == "high_is_good" else 4)
    return f"Q{q} ({'best quarter' if best else 'worst quarter' if worst else 'middle half'})"


# --------------------------------------------------------------------------- the table
def table(
    store,
    model: str = DEFAULT_MODEL,
    *,
    public: bool = False,
    measures: pd.DataFrame | None = None,
    commentary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per measure (committee order within its group; exceptions first). Numeric and display columns;
    the ``inyear_*`` ones from the council's Performance Index when one is loaded in the store's data folder."""
    if model not in MODELS:
        raise ValueError(f"unknown neighbour model {model!r}; choose 2021 or 2025")
    measures = load_measures(indicator_ids=store.indicator_ids) if measures is None else measures
    commentary = load_commentary() if commentary is None else commentary
    version = inyear_version(store)

    def build():
        loaded = pi.load(store.data_dir) if version else None
        source = pi.source_label(loaded[1], public=public) if loaded else ""
        figures = loaded[0] if loaded else None
        rows = [_row(store, m, model, public, commentary) for m in measures.itertuples()]
        for r, m in zip(rows, measures.itertuples()):
            r.update(_inyear(figures, m, public, source))
        df = pd.DataFrame(rows)
        df["group_order"] = df.group.map({g: i for i, g in enumerate(GROUPS)})
        df["order"] = range(len(df))
        return df.sort_values(["exception", "group_order", "order"], ascending=[False, True, True]).reset_index(
            drop=True
        )

    key = ("scorecard", model, public, _frozen(measures), _frozen(commentary), version)
    return per_store(store, key, build).copy()


def inyear_version(store) -> tuple:
    """Changes when the council's Performance Index is loaded, replaced or removed (a key for cached views)."""
    return pi.version(store.data_dir)


def index_measures(store, measures: pd.DataFrame | None = None) -> pd.DataFrame:
    """The measures as :func:`loaders.performance_index.validate` matches rows to them (with their units)."""
    m = load_measures(indicator_ids=store.indicator_ids) if measures is None else measures
    return m.assign(unit=[store.indicator(i)["unit"] for i in m.indicator_id])[
        ["measure_id", "committee_no", "committee_name", "unit"]
    ]


# --------------------------------------------------------------------------- in-year figures
def _figure(r) -> str:
    """One Performance Index cell as shown: 94%, 1.2% (88/7140), 4,513, suppressed, not available."""
    if r.status == pi.SUPPRESSED:
        return SUPPRESSED_TEXT
    if r.status != pi.VALUE or not np.isfinite(r.value):
        return NOT_AVAILABLE_TEXT
    if r.unit == "%":
        text = f"{r.value:g}%"
        if np.isfinite(r.numerator) and np.isfinite(r.denominator):
            text += f" ({r.numerator:,.0f}/{r.denominator:,.0f})"
        return text
    return f"{r.value:,.0f}" if float(r.value).is_integer() else f"{r.value:,.1f}"


def _inyear(figures: pd.DataFrame | None, m, public: bool, source: str) -> dict:
    """The in-year columns of one measure: months (with the count beside a rate, e.g. rows 14-15), the latest
    month with a figure, the year to date, as text."""
    empty = dict(
        inyear_year="",
        inyear_period="",
        inyear_latest="",
        inyear_ytd="",
        inyear_text="",
        inyear_months=[],
        inyear_note="",
        inyear_source="",
    )
    if figures is None:
        return empty
    f = figures[figures.measure_id == m.measure_id]
    if f.empty:
        return empty
    hidden = bool(m.suppressed_in_public and public)
    cells = {}
    for r in f.itertuples():
        cells.setdefault((r.kind, r.period), {"start": r.period_start, "end": r.period_end})[r.role] = r
    months = []
    for (kind, period), c in sorted(cells.items(), key=lambda kv: (kv[0][0] == "ytd", kv[1]["start"])):
        v, n = c.get(pi.VALUE), c.get("count")
        text = _figure(v) if v is not None else NOT_AVAILABLE_TEXT
        if n is not None and n.status == pi.VALUE and np.isfinite(n.value):
            text = f"{text if text != NOT_AVAILABLE_TEXT else '–'} ({n.value:,.0f})"
        elif n is not None and n.status == pi.SUPPRESSED and text == NOT_AVAILABLE_TEXT:
            text = SUPPRESSED_TEXT
        has = any(x is not None and x.status in (pi.VALUE, pi.SUPPRESSED) for x in (v, n))
        months.append(
            dict(
                kind=kind,
                period=period,
                figure=SUPPRESSED_TEXT if hidden else text,
                value=np.nan if hidden or v is None or v.status != pi.VALUE else float(v.value),
                numerator=np.nan if hidden or v is None else float(v.numerator),
                denominator=np.nan if hidden or v is None else float(v.denominator),
                count=np.nan if hidden or n is None or n.status != pi.VALUE else float(n.value),
                status=(v or n).status,
                period_start=c["start"],
                period_end=c["end"],
                reported=has,
            )
        )
    monthly = [x for x in months if x["kind"] != "ytd"]
    ytd = next((x for x in months if x["kind"] == "ytd"), None)
    latest = next((x for x in reversed(monthly) if x["reported"]), None)
    year = str(f.year.iloc[0])
    parts = []
    if latest is not None:
        parts.append(f"{latest['period']}: {latest['figure']}")
    if ytd is not None and ytd["reported"]:
        parts.append(f"{year} to date: {ytd['figure']}")
    if all(x["figure"] == SUPPRESSED_TEXT for x in months if x["reported"]) and parts:
        parts = [f"{year}: {SUPPRESSED_TEXT}"]  # the council's merged "Data suppressed" cell: said once
    note = "" if public else str(f.note.iloc[0])
    return dict(
        inyear_year=year,
        inyear_period=latest["period"] if latest else "",
        inyear_latest=latest["figure"] if latest else "",
        inyear_ytd=ytd["figure"] if ytd is not None and ytd["reported"] else "",
        inyear_text=" · ".join(parts) or f"{year}: no figure yet",
        inyear_months=[
            {k: x[k] for k in ("kind", "period", "figure", "value", "numerator", "denominator", "count", "status")}
            for x in monthly
        ],
        inyear_note=note,
        inyear_source=source,
    )


def _frozen(df: pd.DataFrame) -> str:
    return pd.util.hash_pandas_object(df.astype(str), index=False).sum().astype(str)


def _row(store, m, model: str, public: bool, commentary: pd.DataFrame) -> dict:
    meta = store.indicator(m.indicator_id)
    unit = meta["unit"]
    s = store.series(m.indicator_id, [BROMLEY, LONDON, ENGLAND])
    s = s[s.area_type.isin(["la", "region", "country"])]
    b = s[(s.area_code == BROMLEY) & s.value.notna()].sort_values("period_start")
    last = b.tail(N_PERIODS)
    out = dict(
        measure_id=m.measure_id,
        group=m.group,
        committee_no=m.committee_no,
        measure=meta["name"],
        committee_name=m.committee_name,
        indicator_id=m.indicator_id,
        unit=unit,
        why=meta["why"],
        polarity={"low_is_good": "Low", "high_is_good": "High"}.get(m.polarity, "n/a"),
        target=m.target_text,
        rule=m.rule,
        suppressed_in_public=bool(m.suppressed_in_public and public),
        source=", ".join(sorted(set(b.source_id))) or "–",
        target_note=m.source_note,
    )
    periods = list(last.period)
    out["periods"] = periods
    out["period"] = periods[-1] if periods else "–"
    out["values"] = [float(v) for v in last.value]
    out["value"] = out["values"][-1] if periods else np.nan
    latest = last.iloc[-1] if periods else None
    out["numerator"] = float(latest.numerator) if latest is not None and pd.notna(latest.numerator) else np.nan
    out["denominator"] = float(latest.denominator) if latest is not None and pd.notna(latest.denominator) else np.nan
    out["bromley"] = [_with_count(v, n, unit, d) for v, n, d in zip(last.value, last.numerator, last.denominator)]
    out["bromley"] = [SUPPRESSED_TEXT if sup else t for t, sup in zip(out["bromley"], last.is_suppressed.astype(bool))]
    out["direction"] = direction(out["values"], m.polarity)
    comp = {}
    for code, name in ((ENGLAND, "england"), (LONDON, "london")):
        c = s[(s.area_code == code) & (s.period == out["period"])]
        comp[name] = float(c.value.iloc[0]) if len(c) and pd.notna(c.value.iloc[0]) else np.nan
        out[name] = comp[name]
        out[f"{name}_text"] = (
            _with_count(c.value.iloc[0], c.numerator.iloc[0], unit, c.denominator.iloc[0])
            if np.isfinite(comp[name])
            else "not published"
        )
    if periods:
        nb = store.neighbour_summary(m.indicator_id, out["period"], model)
        out["neighbour_mean"] = nb["neighbour_mean"] if nb["neighbour_mean"] is not None else np.nan
        out["n_neighbours"] = nb["n_neighbours"]
        out["rank"], out["rank_of"] = nb["rank"], nb["of"]
        q, n_las = quartile(store, m.indicator_id, out["period"])
    else:
        out.update(neighbour_mean=np.nan, n_neighbours=0, rank=None, rank_of=0)
        q, n_las = None, 0
    out["quartile"], out["n_las"] = q, n_las
    out["neighbours_text"] = (
        f"{fmt(out['neighbour_mean'], unit)} (mean of {out['n_neighbours']})"
        if np.isfinite(out["neighbour_mean"])
        else "–"
    )
    out["rank_text"] = f"{out['rank']} of {out['rank_of']} (1 = highest)" if out["rank"] else "–"
    out["quartile_text"] = quartile_label(q, m.polarity)
    out["rag"], out["rag_rule"] = rate(
        m.rule, out["value"], m.target_low, m.target_high, m.polarity, m.amber_tolerance, comp["england"]
    )
    if out["rag"] == NOT_TARGET and not m.committee_no:
        out["rag"] = NO_TARGET  # a measure added here, beside the committee's: the council set no target
    out["exception"] = out["rag"] in (RED, AMBER)
    c = commentary[(commentary.measure_id == m.measure_id)]
    same = c[c.period == out["period"]]
    pick = same if len(same) else c
    out["commentary"] = pick.commentary.iloc[-1] if len(pick) else ""
    out["commentary_source"] = (
        pick.source.iloc[-1] + ("" if len(same) else f" (written for {pick.period.iloc[-1]})") if len(pick) else ""
    )
    if out["suppressed_in_public"]:  # the council marks Bromley's figures for this measure as Part 2 only
        out["bromley"] = [SUPPRESSED_TEXT] * len(periods)
        out.update(
            value=np.nan,
            values=[],
            numerator=np.nan,
            denominator=np.nan,
            direction=SUPPRESSED_TEXT,
            rank=None,
            rank_text=SUPPRESSED_TEXT,
            quartile=None,
            quartile_text=SUPPRESSED_TEXT,
            rag=SUPPRESSED_TEXT,
            rag_rule="",
            exception=False,
        )
    return out


def flat(df: pd.DataFrame, model: str) -> pd.DataFrame:
    """The table as the CLI and downloads give it: one row per measure, plain columns."""

    def period_cell(r, i):
        return f"{r.periods[i]}: {r.bromley[i]}" if i < len(r.periods) and i < len(r.bromley) else ""

    return pd.DataFrame(
        {
            "group": df.group,
            "no": df.committee_no,
            "measure": df.measure,
            "measure_id": df.measure_id,
            "polarity": df.polarity,
            "target": df.target,
            "period": df.period,
            "bromley": [r.bromley[-1] if r.bromley else "–" for r in df.itertuples()],
            "bromley_previous": [
                period_cell(r, len(r.periods) - 2) if len(r.periods) > 1 else "" for r in df.itertuples()
            ],
            "bromley_earlier": [
                period_cell(r, len(r.periods) - 3) if len(r.periods) > 2 else "" for r in df.itertuples()
            ],
            "direction": df.direction,
            "england": df.england_text,
            "london": df.london_text,
            f"neighbour_average_{model}": df.neighbours_text,
            f"rank_among_neighbours_{model}": df.rank_text,
            "quartile_england_las": df.quartile_text,
            "rag": df.rag,
            "rag_rule": df.rag_rule,
            "exception": df.exception,
            "source": df.source,
            "commentary": df.commentary,
        }
    ).pipe(_with_inyear, df)


def _with_inyear(out: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """The in-year columns, after Bromley's published ones, when a Performance Index is loaded."""
    if "inyear_text" not in df or not df.inyear_text.astype(bool).any():
        return out
    at = list(out.columns).index("direction")
    out.insert(at, "in_year_council_provisional", df.inyear_text.values)
    out["in_year_source"] = [s if t else "" for s, t in zip(df.inyear_source, df.inyear_text)]
    return out


def trend(store, indicator: str, model: str = DEFAULT_MODEL) -> pd.DataFrame:
    """Bromley, England, London and each neighbour in the model: every period, with intervals where counts allow."""
    nb = store.stat_neighbours(model)
    codes = [BROMLEY, ENGLAND, LONDON, *nb.area_code]
    s = store.series(indicator, codes)
    s = s[s.area_type.isin(["la", "region", "country"]) & s.value.notna()].copy()
    return s
