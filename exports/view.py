"""What a page shows, as one frozen value, and its figures at print size.

A page's choices (validated from its URL) form a view. Its PNG / SVG / CSV exports and its
board pack are built from that value by the model functions and chart builders the page
uses, so an export is the screen at print size, and every figure says which view it is:
indicator, period, geography, ward, comparator, confidence level, data status, public mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from charts import compose
from exports import images
from loaders.codes import GEOGRAPHY_LABELS
from loaders.store import Store
from model import explore, profile, provenance
from model import hotspots as hs
from model.public import PublicStore
from phstats import DEFAULT_THRESHOLD


@dataclass(frozen=True)
class HotspotView:
    indicators: tuple[str, ...] = tuple(hs.DEFAULT_INDICATORS)
    geography: str = "ward2022"
    rule: str = "either"
    comparator: str = "england"
    level: str = "95"
    public: bool = False
    threshold: int = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class WardView:
    ward: str
    level: str = "95"
    public: bool = False
    threshold: int = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class ScorecardView:
    """The scorecard as the page shows it: the neighbour model and the mode (exports.scorecard_pack)."""

    model: str = "2025"
    public: bool = False
    threshold: int = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class MapView:
    indicator: str
    period: str
    geography: str
    comparator: str = "england"
    level: str = "95"
    colour: str = "quintile"
    ward: str | None = None
    public: bool = False
    threshold: int = DEFAULT_THRESHOLD


def mode(store) -> dict:
    """The public-mode fields of a view, read from the store that serves it."""
    return {
        "public": bool(getattr(store, "public", False)),
        "threshold": int(getattr(store, "threshold", DEFAULT_THRESHOLD)),
    }


def open_store(view, base: Store | None = None):
    """The store a view is shown from (suppressed in public mode)."""
    base = base or Store()
    return PublicStore(base, view.threshold) if view.public else base


def public_lines(view) -> list[str]:
    return (
        [f"PUBLIC MODE: counts below {view.threshold} and figures that would reveal them are suppressed."]
        if view.public
        else []
    )


def explorer(store, view: MapView, *, width: int = images.WIDTH, map_height: int = 560) -> dict:
    """The map explorer's map and ranking (Figures), its table and context."""
    meta = store.indicator(view.indicator)
    table, ctx = explore.ward_table(
        store, explore.View(view.indicator, view.period, view.geography, view.comparator, view.level)
    )
    table = explore.display_columns(table, meta["unit"], view.colour)
    ward = [f"Ward shown: {explore.area_names(store, view.geography)[view.ward]}"] if view.ward else []
    figs = compose.explorer(
        table,
        ctx,
        explore.map_features(store, table, view.geography),
        period=view.period,
        geography_label=GEOGRAPHY_LABELS[view.geography],
        colour=view.colour,
        quintile_labels=explore.quintile_labels(meta["polarity"]),
        selected=view.ward,
        width=width,
        selectable=False,
        map_height=map_height,
        extra=ward + public_lines(view),
    )
    return {**figs, "table": table, "ctx": ctx}


def hotspots(store, view: HotspotView, *, width: int = images.WIDTH - 200) -> dict:
    """The hotspot result and its ward x indicator matrix (Figure)."""
    res = hs.hotspots(store, list(view.indicators), view.geography, view.rule, view.comparator, view.level)
    sub = compose.hotspot_subtitle(
        res,
        n=len(view.indicators),
        geography_label=GEOGRAPHY_LABELS[view.geography],
        rule_label=hs.RULE_LABELS[view.rule],
        level=view.level,
    ) + public_lines(view)
    names = dict(zip(res["used"].indicator_id, res["used"].name))
    matrix = compose.hotspot_matrix(
        res["matrix"],
        reasons=hs.REASONS,
        order=res["scores"].area_name.tolist(),
        names=names,
        subtitle=sub,
        width=width,
    )
    return {"res": res, "subtitle": sub, "matrix": matrix}


def ward(store, view: WardView, *, width: int = images.WIDTH) -> dict:
    """The ward profile: info, spine table, spine chart, trend charts by indicator and the summary."""
    info = profile.ward(store, view.ward)
    about = [profile.SCHEME_LABELS[info["scheme"]], *public_lines(view)]
    sp = profile.spine(store, view.ward, info["scheme"], view.level)
    out = {
        "info": info,
        "sp": sp,
        "about": about,
        "trends": {},
        "summary": profile.summary(store, info, sp, view.level),
    }
    if sp.empty:
        return out
    sp = out["sp"] = profile.spine_display(sp)
    out["spine"] = compose.ward_spine(
        sp, info["name"], view.level, width=width, extra=[*about, *profile.spine_council_lines(store, sp)]
    )
    ranks = profile.london_ranks(store, view.ward, sp)
    all_trends = profile.ward_trends(store, view.ward, info["scheme"])
    for r in sp.itertuples():
        t = all_trends[r.indicator_id]
        out["trends"][r.indicator_id] = (
            t,
            compose.ward_trend(
                t,
                name=r.name,
                unit=r.unit,
                ward_name=info["name"],
                notes=[*profile.trend_notes(r, ranks), *provenance.council_lines(store, t)],
                about=about,
                width=width,
                height=380,
            ),
        )
    return out
