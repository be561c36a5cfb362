"""One ward's profile: who the ward is, and the parts its page and board pack show, each in its own module:
model.spine (spine chart rows), model.series (series over time), model.summary (sentences, London ranks)."""

from __future__ import annotations

from loaders.codes import BROMLEY, SCHEME_LABELS, WARD_SCHEMES  # noqa: F401 (SCHEME_LABELS: for the pages)
from loaders.store import BadRequest, Store
from model.provenance import council_lines
from model.series import period_span, trend_display, trend_notes, trends, ward_series, ward_trends  # noqa: F401
from model.spine import COMPARATOR_NAMES, spine, spine_display  # noqa: F401
from model.summary import london_ranks, summary  # noqa: F401

SCHEMES = WARD_SCHEMES


def spine_council_lines(store: Store, sp) -> list[str]:
    """Which rows of a ward's spine chart are the council's own: "16-17 year olds NEET from Council extract
    (file, date): 2024." per extract (spine rows name their indicator)."""
    return council_lines(store, sp)


def ward(store: Store, code: str) -> dict:
    """Name, scheme and child population of a ward; BadRequest when it is not a Bromley ward."""
    a = store.area(code)
    a = a[a.area_type.isin(SCHEMES) & a.parent_code.eq(BROMLEY)]
    if a.empty:
        raise BadRequest(f"{code!r} is not a Bromley ward code")
    r = a.iloc[0]
    pops = ward_series(store, code, r.area_type)
    pops = pops[(pops.indicator_id == "child_population") & (pops.area_code == code)].sort_values("period_start")
    pop = pops.iloc[-1] if len(pops) else None
    return {
        "code": code,
        "name": r.area_name,
        "scheme": r.area_type,
        "children": None if pop is None else float(pop.value),
        "children_period": None if pop is None else pop.period,
    }
