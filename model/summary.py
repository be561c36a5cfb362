"""A ward's plain-English summary and London ranks: every sentence backed by a figure on the page, no
change claimed without a test (no Streamlit)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from loaders.store import Store
from model import provenance
from model.cache import per_store
from model.explore import fmt_value
from model.series import ward_series


def london_ranks(store: Store, code: str, spine_df: pd.DataFrame) -> dict[str, str]:
    """'12th highest of 625 London wards' for indicators the ward atlas covers for all of London."""
    out = {}
    for r in spine_df.itertuples():
        if r.is_estimate:
            continue
        me = _london_ranks(store, r.indicator_id, r.period).get(code)
        if me and me[1] > 100:  # ranked among London's wards, not only Bromley's
            out[r.indicator_id] = f"{_ordinal(me[0])} highest of {me[1]} London wards"
    return out


def _london_ranks(store: Store, indicator: str, period: str) -> dict[str, tuple[int, int]]:
    """area code -> (rank, wards ranked), kept with the store: every ward profile reads it for ~20 indicators."""

    def build():
        ranks = store.london_rank(indicator, period).dropna(subset=["london_rank", "london_wards"])
        return {
            c: (int(rank), int(n))
            for c, rank, n in zip(ranks.area_code, ranks.london_rank, ranks.london_wards, strict=True)
        }

    return per_store(store, ("london_ranks", indicator, period), build)


def summary(store: Store, info: dict, spine_df: pd.DataFrame, level: str = "95") -> list[str]:
    """Plain-English sentences, each backed by a number on the page. No claim without a test."""
    name = info["name"]
    if spine_df.empty:
        return [f"No indicator values are available for {name} on this ward scheme."]
    out = []
    rows = [SimpleNamespace(**d) for d in spine_df.to_dict("records")]  # a few rows, many columns
    judged = [r for r in rows if r.polarity != "no_judgement"]
    for result, word in (("worse", "significantly worse"), ("better", "significantly better")):
        sub = [r for r in judged if r.comparison == result]
        if sub:
            items = [
                f"{r.name} ({fmt_value(r.value, r.unit)} against {r.compared_with} {fmt_value(_comp(r), r.unit)})"
                for r in sub
            ]
            out.append(f"{name} is {word} than the benchmark at {level}% confidence on {_join(items)}.")
    for r in (r for r in rows if r.comparison in ("higher", "lower")):
        out.append(
            f"Its {r.name.lower()} is {r.comparison} than {r.compared_with} "
            f"({fmt_value(r.value, r.unit)} against {fmt_value(_comp(r), r.unit)}); this measure carries no better/worse judgement."
        )
    untested = [r.name for r in rows if r.comparison == "not compared"]
    if untested:
        out.append(f"Not tested for significance (published without counts, or no comparator): {_join(untested)}.")
    for r in (r for r in judged if r.bromley_rank <= 3):
        word = "highest" if r.polarity == "low_is_good" else "lowest"
        place = f"{_ordinal(r.bromley_rank)} " if r.bromley_rank > 1 else ""
        out.append(f"It has the {place}{word} {r.name.lower()} of Bromley's {r.n_wards} wards ({r.period}).")
    mine = ward_series(store, info["code"], info["scheme"])  # sorted by indicator, then period
    by_indicator: dict[str, list] = {}
    for d in mine.loc[
        mine.area_code == info["code"], ["indicator_id", "period", "value", "lower95", "upper95"]
    ].to_dict("records"):
        by_indicator.setdefault(d["indicator_id"], []).append(SimpleNamespace(**d))
    for r in (r for r in rows if r.trend_comparable and len(by_indicator.get(r.indicator_id, ())) >= 2):
        change = _change_sentence(r, *by_indicator[r.indicator_id][-2:])
        if change:
            out.append(("[ILLUSTRATIVE] " if r.is_illustrative else "") + change)
    modelled = [r.name for r in rows if r.is_illustrative]
    if modelled:
        out.append(f"Ward figures for {provenance.join(modelled)} are ILLUSTRATIVE (modelled), not observed.")
    out += provenance.council_lines(store, spine_df)
    if any(r.is_estimate for r in rows):
        out.append("Some figures are ESTIMATES re-weighted from the 2014 wards.")
    return out


def _change_sentence(r, a, b) -> str | None:
    if not (np.isfinite(a.value) and np.isfinite(b.value)):
        return None
    direction = "rose" if b.value > a.value else "fell" if b.value < a.value else "did not change"
    text = f"{r.name} {direction} from {fmt_value(a.value, r.unit)} ({a.period}) to {fmt_value(b.value, r.unit)} ({b.period})"
    if np.isfinite(a.lower95) and np.isfinite(b.lower95):
        overlap = not (a.upper95 < b.lower95 or b.upper95 < a.lower95)
        text += (
            "; the 95% intervals overlap, so this may be chance." if overlap else "; the 95% intervals do not overlap."
        )
    else:
        text += " (no intervals, so not tested)."
    return text


def _comp(r) -> float:
    return {"England": r.england, "London": r.london, "Bromley": r.bromley}.get(r.compared_with, np.nan)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
