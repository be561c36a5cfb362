"""Palettes, labels and the title block shared by every chart (no Streamlit).

Palettes are colour-blind safe: comparisons use the Okabe-Ito based set from
:mod:`phstats` (blue / sand / vermillion; never red against green), quintiles and
deciles use ColorBrewer sequential ramps. Every colour also has a text label.
"""

from __future__ import annotations

import datetime as dt

import altair as alt

from loaders.codes import BROMLEY, ENGLAND, LONDON
from phstats import COMPARISON_COLOURS_CB
from phstats.disclosure import SUPPRESSED

COMPARISON_ORDER = ["better", "similar", "worse", "lower", "higher", "not compared"]
COMPARISON_RANGE = [COMPARISON_COLOURS_CB[k] for k in COMPARISON_ORDER]
# ColorBrewer PuBu (5), light = best/lowest, dark = worst/highest; the last is "No data".
QUINTILE_RANGE = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d", "#ffffff"]
# ColorBrewer RdYlBu (10) is diverging; a sequential YlOrBr-like ramp with decile 1 darkest.
DECILE_RANGE = [
    "#662506",
    "#993404",
    "#cc4c02",
    "#ec7014",
    "#fe9929",
    "#fec44f",
    "#fee391",
    "#fff7bc",
    "#ffffe5",
    "#f7f7f7",
]
SUPPRESSED_COLOUR = "#8c8c8c"  # mid grey, with the word "Suppressed" in legend and tooltip
ILLUSTRATIVE_LABEL = "ILLUSTRATIVE DATA: modelled, not observed. Do not use for decisions."
ESTIMATE_LABEL = "ESTIMATE: 2014-ward values re-weighted to 2022 wards by child population."
FONT = "DejaVu Sans, Arial, sans-serif"

# Bromley, London and England have one colour each on every page, chart and export (trend lines, the
# ranking's comparator line, the spine chart's markers). None of them is used for anything else.
AREA_COLOURS = {BROMLEY: "#009E73", LONDON: "#CB77A6", ENGLAND: "#000000"}  # bluish green, reddish purple, black
AREA_NAMES = {BROMLEY: "Bromley", LONDON: "London", ENGLAND: "England"}
# Every other series (wards, statistical neighbours) in this order: the darker Okabe-Ito and Paul Tol hues first,
# then ColorBrewer's. 17 colours, so 17 areas + the three fixed ones never share a colour (CIE76 distance >= 20
# between any two of the 20), and each line stands out from the white background at 3:1 or more (WCAG 1.4.11,
# non-text contrast). No colour is the only cue: every series is named in the legend, at the line end and in
# the tooltip and table.
CATEGORICAL = [
    "#0072B2",
    "#D55E00",
    "#332288",
    "#8C510A",
    "#AA4499",
    "#117733",
    "#7570B3",
    "#4D4D4D",
    "#B2182B",
    "#959532",
    "#E7298A",
    "#C28600",
    "#661100",
    "#01665E",
    "#929292",
    "#E41A1C",
    "#33A02C",
]


def area_colour(area: str, default: str | None = None) -> str | None:
    """The fixed colour of Bromley, London or England, by code or by name; ``default`` for anything else."""
    code = next((c for c, n in AREA_NAMES.items() if n == area), area)
    return AREA_COLOURS.get(code, default)


def series_colours(series: list[str], codes: dict[str, str] | None = None) -> list[str]:
    """One colour per series, in order: the fixed colour for Bromley, London and England (by ``codes``,
    series -> area code, else by name), the rest from :data:`CATEGORICAL` in order (cycling past 17)."""
    codes = codes or {}
    out, i = [], 0
    for s in series:
        fixed = area_colour(codes.get(s, s))
        if fixed is None:
            fixed = CATEGORICAL[i % len(CATEGORICAL)]
            i += 1
        out.append(fixed)
    return out


def title_block(title: str, subtitle: list[str] | str = ()) -> alt.TitleParams:
    """Title and subtitle lines; sizes come from :func:`config` (normal or projector)."""
    sub = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    return alt.TitleParams(
        text=title, subtitle=sub, anchor="start", subtitleColor="#333333", font=FONT, subtitleFont=FONT
    )


def subtitle_lines(
    *,
    indicator: str,
    period: str,
    geography: str,
    comparator: str | None = None,
    illustrative: bool | list[str] = False,
    estimate: bool = False,
    extra: list[str] = (),
) -> list[str]:
    """``illustrative``: True, or the names of the indicators whose figures are ILLUSTRATIVE (said after the
    label when the view mixes several indicators)."""
    lines = [
        " | ".join(x for x in (indicator, period, geography, f"compared with {comparator}" if comparator else "") if x)
    ]
    if illustrative:
        names = [] if isinstance(illustrative, bool) else list(dict.fromkeys(illustrative))
        lines.append(ILLUSTRATIVE_LABEL + (f" Modelled: {'; '.join(names)}." if names else ""))
    if estimate:
        lines.append(ESTIMATE_LABEL)
    lines.extend(extra)
    return lines


def source_line(attributions: list[str], today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return f"Source: {'; '.join(dict.fromkeys(a for a in attributions if a))}. Produced {today:%d %b %Y}."


# Type sizes (px) for the screen and for a projector (``big``): read from 3-4 m away at 1920x1080 or 1366x768.
SIZES = {
    False: {"label": 11, "title": 12, "chart_title": 15, "subtitle": 11, "text": 11, "header": 13, "spine_rows": 12},
    True: {"label": 18, "title": 19, "chart_title": 28, "subtitle": 18, "text": 17, "header": 21, "spine_rows": 18},
}
AXIS_LABEL_LIMIT = {False: 300, True: 420}  # Streamlit's theme cuts axis labels at 100 px ("worse / lo…")


def sizes(big: bool = False) -> dict[str, int]:
    """Font sizes (px) of :func:`config`, for pages that work out how tall a chart's title and legend are."""
    return SIZES[bool(big)]


def config(*, big: bool = False) -> dict:
    """Vega-Lite config for the screen, or for a projector (``big``): every chart shown or exported gets it.

    Chart builders leave font sizes to this config (text marks, facet headers, the spine chart's rows through
    the axis style ``spine-rows``), so one chart serves both the screen and the projector."""
    z = sizes(big)
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": {
            "labelFontSize": z["label"],
            "titleFontSize": z["title"],
            "labelColor": "#111",
            "titleColor": "#111",
            "labelLimit": AXIS_LABEL_LIMIT[bool(big)],
        },
        "legend": {
            "labelFontSize": z["label"],
            "titleFontSize": z["title"],
            "labelLimit": 400 if not big else 600,
            "titleLimit": 600 if not big else 900,
            "labelColor": "#111",
            "titleColor": "#111",
            "symbolStrokeWidth": 0.8,
            "symbolStrokeColor": "#555",
            "symbolSize": 180 if big else 100,
        },
        "title": {"fontSize": z["chart_title"], "subtitleFontSize": z["subtitle"], "subtitlePadding": 6 if big else 4},
        "header": {"labelFontSize": z["header"], "titleFontSize": z["header"]},
        "text": {"fontSize": z["text"]},
        "style": {"spine-rows": {"labelFontSize": z["spine_rows"], "labelLimit": 700 if big else 460}},
    }


def colour_scale(
    colour: str, polarity: str, comparator_label: str, quintile_labels: dict[int, str]
) -> tuple[list[str], list[str], str]:
    """(domain, colours, legend title) for a colouring choice."""
    if colour == "compare":
        dom = ["lower", "similar", "higher"] if polarity == "no_judgement" else ["better", "similar", "worse"]
        dom.append("not compared")
        return (
            dom + [SUPPRESSED],
            [COMPARISON_COLOURS_CB[d] for d in dom] + [SUPPRESSED_COLOUR],
            f"Compared with {comparator_label}",
        )
    if colour == "decile":
        dom = [f"Decile {i}" for i in range(1, 11)] + ["No decile", SUPPRESSED]
        return dom, DECILE_RANGE + ["#d9d9d9", SUPPRESSED_COLOUR], "National IDACI decile (1 = most deprived 10%)"
    dom = [quintile_labels[i] for i in range(1, 6)] + ["No data", SUPPRESSED]
    return dom, QUINTILE_RANGE + [SUPPRESSED_COLOUR], "Quintile within Bromley"


def wrap_lines(text, width: int) -> list[str]:
    """Lines (a string or a list of them) broken at spaces so that none is longer than ``width`` characters."""
    out = []
    for para in [text] if isinstance(text, str) else list(text):
        line = ""
        for w in str(para).split(" "):
            if line and len(line) + 1 + len(w) > width:
                out.append(line)
                line = w
            else:
                line = f"{line} {w}" if line else w
        out.append(line)
    return out


PX_PER_CHAR = 6.6  # the subtitle font's average character width (11-12 px DejaVu Sans)
SCREEN_SUBTITLE_CHARS = 60  # a half-width chart at 1280-1400 px; Vega cuts a longer line at the chart's width ("…")


def wrap_titles(spec: dict, width: int = SCREEN_SUBTITLE_CHARS) -> dict:
    """``spec`` with every subtitle line (its own and its sub-charts') broken at spaces to ``width`` characters,
    so that Vega never cuts one short on screen. Returns a new dict; the (memoised) spec is not changed."""

    def fix(d):
        if not isinstance(d, dict):
            return d
        out = dict(d)
        t = out.get("title")
        if isinstance(t, dict) and t.get("subtitle"):
            w = out.get("width")  # a chart of fixed width (a map, a panel) gets lines that fit it
            chars = min(width, int(w / PX_PER_CHAR)) if isinstance(w, (int, float)) and w > 0 else width
            out["title"] = {**t, "subtitle": wrap_lines(t["subtitle"], max(chars, 24))}
        for k in ("hconcat", "vconcat", "concat", "layer"):
            if isinstance(out.get(k), list):
                out[k] = [fix(x) for x in out[k]]
        if isinstance(out.get("spec"), dict):  # a facet's inner chart
            out["spec"] = fix(out["spec"])
        return out

    return fix(spec)
