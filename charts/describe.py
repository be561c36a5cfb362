"""Text alternatives for charts: what a chart shows, in words, from the same rows it draws (no Streamlit).

Each function returns one paragraph for the chart's Vega-Lite ``description`` (Vega makes it the
chart container's ``aria-label``, so a screen reader reads it as the chart's name): the indicator,
period and geography, then the headline finding (e.g. "Crystal Palace & Anerley is highest at
45.1%"), then what the colours mean as counts, so colour never carries meaning alone. The same
figures are in a table beside every chart.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

MAX_CHARS = 1200  # a screen reader reads the whole name: keep it to a short paragraph


def _names(names: Iterable[str], limit: int = 3) -> str:
    names = list(dict.fromkeys(str(n) for n in names))
    shown = names[:limit] + ([f"{len(names) - limit} more"] if len(names) > limit else [])
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _shown(df: pd.DataFrame, value: str) -> pd.DataFrame:
    ok = df[value].notna()
    if "is_suppressed" in df:
        ok &= ~df.is_suppressed.fillna(False).astype(bool)
    return df[ok]


def extremes(df: pd.DataFrame, *, value: str = "value", name: str = "area_name", label: str = "label") -> str:
    """ "X is highest at 45.1%; Y is lowest at 5.0%" over the rows with a (shown) value; ties named together."""
    d = _shown(df, value)
    if d.empty:
        return "No values are shown."
    values = d[value].to_numpy(dtype=float)  # numpy, not frame filters: 15 of these in a ward profile
    names, labels = d[name].to_numpy(), d[label].to_numpy()
    if values.min() == values.max():
        return f"All {len(d)} have the same value, {labels[0]}."

    def at(v) -> str:
        hit = np.flatnonzero(values == v)
        verb = "is" if len(hit) == 1 else "are"
        return f"{_names(names[hit])} {verb} {{}} at {labels[hit[0]]}"

    return f"{at(values.max()).format('highest')}; {at(values.min()).format('lowest')}."


def counts(categories: pd.Series, order: Iterable[str] = ()) -> str:
    """ "worse: 5, similar: 12, better: 5" in the legend's order (then any other category)."""
    c = categories.fillna("No data").astype(str).value_counts()
    keys = [k for k in order if k in c.index] + [k for k in c.index if k not in set(order)]
    return ", ".join(f"{k}: {int(c[k])}" for k in keys)


def _status(df: pd.DataFrame) -> str:
    bits = []
    if "is_illustrative" in df and df.is_illustrative.fillna(False).astype(bool).any():
        bits.append("Includes ILLUSTRATIVE (modelled, not observed) figures.")
    if "is_estimate" in df and df.is_estimate.fillna(False).astype(bool).any():
        bits.append("Includes ESTIMATES.")
    if "source_id" in df and df.source_id.astype(str).str.startswith("local_").any():
        bits.append("Includes the council's own figures (a council extract).")
    if "is_suppressed" in df and df.is_suppressed.fillna(False).astype(bool).any():
        bits.append(f"{int(df.is_suppressed.fillna(False).astype(bool).sum())} suppressed (small numbers).")
    return " ".join(bits)


def _join(*parts: str) -> str:
    text = " ".join(p.strip() for p in parts if p and p.strip())
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"


def map_text(
    table: pd.DataFrame, *, indicator: str, period: str, geography: str, colour_title: str, domain: Iterable[str] = ()
) -> str:
    """A choropleth of one indicator (model.explore.display_columns rows: value, label, category)."""
    return _join(
        f"Map of {indicator}, {period}, Bromley by {geography} ({len(table)} areas).",
        extremes(table),
        f"Colour: {colour_title} ({counts(table.category, domain)}).",
        _status(table),
        "The same figures are in the table below; choose an area with the Selected area box.",
    )


def ranking_text(
    table: pd.DataFrame,
    *,
    indicator: str,
    period: str,
    geography: str,
    level: str,
    has_intervals: bool,
    comparator_label: str,
    comparator_value: str | None = None,
) -> str:
    """The ranked bars (display_columns rows); ``comparator_value`` as shown (formatted), None if not drawn."""
    line = f" A line marks {comparator_label} at {comparator_value}." if comparator_value else ""
    tested = ""
    if has_intervals and "comparison" in table:
        tested = f"Compared with {comparator_label} at {level}% confidence: {counts(table.comparison)}."
    return _join(
        f"Bar chart ranking Bromley's {geography} ({len(table)} areas) on {indicator}, {period}"
        + (f", with {level}% confidence intervals." if has_intervals else ", without intervals.")
        + line,
        extremes(table),
        tested,
        _status(table),
    )


def hotspot_text(
    scores: pd.DataFrame, *, kind: str, n_indicators: int, geography: str, rule: str, comparator: str
) -> str:
    """The hotspot matrix, count map or ranked bars (model.hotspots scores: area_name, n_flagged)."""
    what = {
        "matrix": f"Matrix of {len(scores)} wards by {n_indicators} indicators showing which flags each ward has",
        "map": f"Map of {len(scores)} wards coloured by the number of indicators flagged, 0 to {n_indicators}",
        "bars": f"Bar chart of {len(scores)} wards ranked by the number of indicators flagged",
    }[kind]
    flagged = scores[scores.n_flagged > 0]
    if flagged.empty:
        head = "No ward is flagged."
    else:
        top = scores[scores.n_flagged == scores.n_flagged.max()]
        head = (
            f"Most flagged: {_names(top.area_name)} ({int(top.n_flagged.iloc[0])} of {n_indicators}). "
            f"{len(flagged)} of {len(scores)} wards are flagged on at least one indicator."
        )
    dist = ", ".join(
        f"{k} flags: {v}" for k, v in scores.n_flagged.astype(int).value_counts().sort_index(ascending=False).items()
    )
    return _join(
        f"{what}, latest period of each indicator, {geography}; rule: {rule}; compared with {comparator}.",
        head,
        f"Wards by number of flags: {dist}.",
        "The same figures are in the tables below.",
    )


def spine_text(sp: pd.DataFrame, *, ward: str, level: str) -> str:
    """The ward spine chart (model.profile.spine_display rows: name, period, label, comparison)."""
    groups = []
    for kind in ("worse", "better", "higher", "lower", "similar", "not compared"):
        rows = sp[sp.comparison == kind]
        if len(rows):
            label = {"worse": "Worse than the comparator", "better": "Better than the comparator"}.get(
                kind, kind.capitalize()
            )
            groups.append(f"{label}: " + "; ".join(f"{r.name} {r.label} ({r.period})" for r in rows.itertuples()))
    return _join(
        f"Spine chart of {ward} on {len(sp)} indicators, latest period of each, against Bromley, London "
        f"and England, compared at {level}% confidence.",
        ". ".join(groups) + ".",
        _status(sp),
        "The same figures are in the table below the chart.",
    )


def trend_text(df: pd.DataFrame, *, indicator: str, span: str | None = None, geography: str = "") -> str:
    """A trend chart (rows: series, period, period_start or period_end, value, label); ``span`` "first to last"
    period (from the rows when None)."""
    when = "period_start" if "period_start" in df else "period_end"
    if span is None and len(df):
        p = df.assign(_t=pd.to_datetime(df[when])).sort_values("_t", kind="stable").period.astype(str)
        span = p.iloc[0] if p.iloc[0] == p.iloc[-1] else f"{p.iloc[0]} to {p.iloc[-1]}"
    d = _shown(df, "value")
    parts = [
        f"Line chart of {indicator}, {span}{', ' + geography if geography else ''}, for "
        f"{_names(df.series.unique(), 6)}."
    ]
    if not d.empty:
        latest = d[d[when] == d[when].max()]
        parts.append(f"In {latest.period.iloc[0]}: " + extremes(latest, name="series"))
    parts.append(_status(df))
    return _join(*parts, "The same figures are in a table on this page.")


def ward_trends_text(panels: list[tuple[pd.DataFrame, str]], *, ward: str) -> str:
    """Small multiples of a ward's trends: panels are (trend rows, indicator name)."""
    bits = []
    for t, name in panels:
        w = _shown(t[t.series == ward], "value") if "series" in t else t.iloc[0:0]
        if not w.empty:
            last = w.loc[w.period_start.idxmax()]
            bits.append(f"{name}: {last.label} in {last.period}")
    return _join(
        f"Line charts of {ward}'s {len(panels)} indicators over time against Bromley, London and England.",
        ("Latest for the ward: " + "; ".join(bits) + ".") if bits else "",
        "The same figures are in the trend data table below.",
    )


def locator_text(*, ward: str, scheme: str, n: int) -> str:
    return f"Locator map of Bromley's wards ({scheme}, {n} wards) with {ward} highlighted."
