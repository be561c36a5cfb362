"""Headline tiles for the landing page: Bromley's latest value, change, comparisons, RAG."""

from __future__ import annotations

import numpy as np
import pandas as pd

import phstats
from loaders import targets as targets_mod
from loaders.catalogue import HEADLINES
from loaders.codes import BROMLEY, ENGLAND, LONDON
from loaders.store import Store
from model.explore import fmt_value

__all__ = ["HEADLINES", "tiles"]  # HEADLINES: the catalogue's headline indicators, in headline_order


def tiles(store: Store, targets: pd.DataFrame) -> list[dict]:
    out = []
    for ind in HEADLINES:
        meta = store.indicator(ind)
        s = store.series(ind, [BROMLEY, LONDON, ENGLAND])
        s = s[s.area_type.isin(["la", "region", "country"])]
        b = s[s.area_code == BROMLEY].sort_values("period_start")
        if b.empty:
            continue
        last = b.iloc[-1]
        prev = b.iloc[-2] if len(b) > 1 else None
        tile = dict(
            indicator_id=ind,
            name=meta["name"],
            unit=meta["unit"],
            polarity=meta["polarity"],
            period=last.period,
            value=float(last.value),
            label=fmt_value(last.value, meta["unit"]) if meta["unit"] in ("%", "count") else f"{last.value:.1f}",
            source_id=last.source_id,
        )
        if prev is not None and meta["trend_comparable"]:
            change = round(float(last.value - prev.value), 1)
            if change:
                tile["change"] = change
                tile["change_label"] = f"{change:+.1f} since {prev.period}"
            else:
                tile["change_label"] = f"no change since {prev.period}"
        elif prev is not None:
            tile["change_label"] = f"not comparable with {prev.period} (method changed)"
        comps = []
        for code, name in ((LONDON, "London"), (ENGLAND, "England")):
            c = s[(s.area_code == code) & (s.period == last.period)]
            if c.empty:
                comps.append(f"{name}: not published for {last.period}")
                continue
            cv = float(c.value.iloc[0])
            if np.isfinite(last.lower95):
                res = phstats.compare(last.lower95, last.upper95, cv, meta["polarity"])
                comps.append(f"{name} {fmt_value(cv, meta['unit'])}: {res} (95%)")
            elif code == ENGLAND and str(getattr(last, "published_comparison", "") or "") not in ("", "Not compared"):
                # no counts here, but the publisher tested it: say so, in the publisher's words
                comps.append(
                    f"{name} {fmt_value(cv, meta['unit'])}: Fingertips: {_published(last.published_comparison)} England"
                )
            else:
                word = "higher" if last.value > cv else "lower" if last.value < cv else "the same"
                comps.append(f"{name} {fmt_value(cv, meta['unit'])}: Bromley {word} (not tested: no counts)")
        tile["comparisons"] = comps
        t = targets_mod.target_for(targets, ind, BROMLEY, int(last.period_end.year))
        if t is not None:
            tile["rag"] = phstats.rag(
                last.value, t["target_low"], t["target_high"], t["polarity"], t["amber_tolerance"]
            )
            lo, hi = t["target_low"], t["target_high"]
            tile["target_label"] = (
                "not a target measure"
                if pd.isna(lo) and pd.isna(hi)
                else f"target {lo:g}-{hi:g}{meta['unit'] if meta['unit'] == '%' else ''}"
                if pd.notna(lo) and pd.notna(hi)
                else f"target {lo if pd.notna(lo) else hi:g}"
            )
            tile["target_note"] = t["source_note"]
        out.append(tile)
    return out


def _published(word: str) -> str:
    """Fingertips' comparison word as a phrase: 'similar to', 'better than', 'worse than'."""
    w = str(word).strip().lower()
    return "similar to" if w == "similar" else f"{w} than"
