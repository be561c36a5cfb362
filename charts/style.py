"""Palettes, labels and the title block shared by every chart (no Streamlit).

Palettes are colour-blind safe: comparisons use the Okabe-Ito based set from
:mod:`phstats` (blue / sand / vermillion; never red against green), quintiles and
deciles use ColorBrewer sequential ramps. Every colour also has a text label.
"""
from __future__ import annotations

import datetime as dt

import altair as alt

from phstats import COMPARISON_COLOURS_CB
from phstats.disclosure import SUPPRESSED

COMPARISON_ORDER = ["better", "similar", "worse", "lower", "higher", "not compared"]
COMPARISON_RANGE = [COMPARISON_COLOURS_CB[k] for k in COMPARISON_ORDER]
# ColorBrewer PuBu (5), light = best/lowest, dark = worst/highest; the last is "No data".
QUINTILE_RANGE = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d", "#ffffff"]
# ColorBrewer RdYlBu (10) is diverging; a sequential YlOrBr-like ramp with decile 1 darkest.
DECILE_RANGE = ["#662506", "#993404", "#cc4c02", "#ec7014", "#fe9929",
                "#fec44f", "#fee391", "#fff7bc", "#ffffe5", "#f7f7f7"]
SUPPRESSED_COLOUR = "#8c8c8c"  # mid grey, with the word "Suppressed" in legend and tooltip
ILLUSTRATIVE_LABEL = "ILLUSTRATIVE DATA: modelled, not observed. Do not use for decisions."
ESTIMATE_LABEL = "ESTIMATE: 2014-ward values re-weighted to 2022 wards by child population."
FONT = "DejaVu Sans, Arial, sans-serif"


def title_block(title: str, subtitle: list[str] | str = ()) -> alt.TitleParams:
    """Title and subtitle lines; sizes come from :func:`config` (normal or projector)."""
    sub = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    return alt.TitleParams(text=title, subtitle=sub, anchor="start", subtitleColor="#333333", font=FONT,
                           subtitleFont=FONT)


def subtitle_lines(*, indicator: str, period: str, geography: str, comparator: str | None = None,
                   illustrative: bool = False, estimate: bool = False, extra: list[str] = ()) -> list[str]:
    lines = [" | ".join(x for x in (indicator, period, geography, f"compared with {comparator}" if comparator else "") if x)]
    if illustrative:
        lines.append(ILLUSTRATIVE_LABEL)
    if estimate:
        lines.append(ESTIMATE_LABEL)
    lines.extend(extra)
    return lines


def source_line(attributions: list[str], today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return f"Source: {'; '.join(dict.fromkeys(a for a in attributions if a))}. Produced {today:%d %b %Y}."


def config(*, big: bool = False) -> dict:
    """Vega-Lite config for the screen, or for a projector (``big``): every chart shown or exported gets it."""
    size = 16 if big else 11
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": size, "titleFontSize": size + 1, "labelColor": "#111", "titleColor": "#111"},
        "legend": {"labelFontSize": size, "titleFontSize": size + 1, "labelLimit": 400, "titleLimit": 600,
                   "labelColor": "#111", "titleColor": "#111", "symbolStrokeWidth": 0.8, "symbolStrokeColor": "#555",
                   "symbolSize": 180 if big else 100},
        "title": {"fontSize": 24 if big else 15, "subtitleFontSize": 16 if big else 11},
        "text": {"fontSize": size},
    }


def colour_scale(colour: str, polarity: str, comparator_label: str, quintile_labels: dict[int, str]) -> tuple[list[str], list[str], str]:
    """(domain, colours, legend title) for a colouring choice."""
    if colour == "compare":
        dom = ["lower", "similar", "higher"] if polarity == "no_judgement" else ["better", "similar", "worse"]
        dom.append("not compared")
        return (dom + [SUPPRESSED], [COMPARISON_COLOURS_CB[d] for d in dom] + [SUPPRESSED_COLOUR],
                f"Compared with {comparator_label}")
    if colour == "decile":
        dom = [f"Decile {i}" for i in range(1, 11)] + ["No decile", SUPPRESSED]
        return dom, DECILE_RANGE + ["#d9d9d9", SUPPRESSED_COLOUR], "National IDACI decile (1 = most deprived 10%)"
    dom = [quintile_labels[i] for i in range(1, 6)] + ["No data", SUPPRESSED]
    return dom, QUINTILE_RANGE + [SUPPRESSED_COLOUR], "Quintile within Bromley"
