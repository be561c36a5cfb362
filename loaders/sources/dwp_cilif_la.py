"""DWP children in low income families, LA (relative, aged 0-15; Trafford Data Lab tidy file)."""

from __future__ import annotations

import pandas as pd

from loaders.catalogue import OGL
from loaders.raw import RawFile, register
from loaders.sources import dwp_cilif_wards
from loaders.sources.gla_ward_profiles import la_areas
from loaders.sources.la_tidy import la_tidy_rows

RAW = [
    RawFile(
        "la_child_poverty",
        "trafford_themes_children_LA/children_poverty.csv",
        "utf-8",
        ("area_code", "area_name", "period", "indicator", "value"),
    ),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "dwp_cilif": dict(
        raw=["la_child_poverty"],
        licence=OGL,
        publisher="Department for Work and Pensions (tidied by Trafford Data Lab)",
        title="Children in low income families: local area statistics (relative low income, aged 0-15)",
        url="https://www.gov.uk/government/collections/children-in-low-income-families-local-area-statistics",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DWP; Trafford Data Lab)",
    ),
}
INDICATORS = ["child_poverty"]
AREA_PRIORITY = 30


def _read(raw):
    return la_tidy_rows(
        raw,
        "la_child_poverty",
        {
            "% of children living in relative low income families: Aged 0-15": "child_poverty",
        },
        "dwp_cilif",
        "DWP relative low income, aged 0-15 (LA measure; not comparable with the ward HMRC series)",
    )


def rows(ctx) -> list[dict]:
    """Years the FYE 2022-2025 workbook also covers are taken from the workbook (the newer edition, with
    counts); the differences between the two editions are reported in the build log."""
    old = ctx.memo("dwp_cilif_la", lambda: _read(ctx.raw))[0]
    newer = {
        (r["area_code"], r["period"]): r["value"]
        for r in dwp_cilif_wards.rows(ctx)
        if r["indicator_id"] == "child_poverty" and r["area_type"] in ("la", "country")
    }
    keep, revised = [], []
    for r in old:
        k = (r["area_code"], r["period"])
        if k in newer:
            revised.append(round(newer[k], 1) - r["value"])
        else:
            keep.append(r)
    if revised:
        rv = pd.Series(revised)
        ctx.log.append(
            f"DWP LA child poverty: {len(rv)} values (LA/England x year) replaced by the FYE 2022-2025 "
            f"workbook; rounded to 1 dp they differ from the Trafford Data Lab copy in {int((rv.abs() > 0.05).sum())} "
            f"(largest {rv.abs().max():.1f} points)"
        )
    return keep


def areas(ctx) -> pd.DataFrame:
    return la_areas(ctx.memo("dwp_cilif_la", lambda: _read(ctx.raw))[1])
