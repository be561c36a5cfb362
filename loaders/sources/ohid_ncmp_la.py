"""OHID NCMP: Reception and Year 6 obesity (including severe), annual, LA and England (Trafford Data Lab tidy files)."""

from __future__ import annotations

import pandas as pd

from loaders.catalogue import OGL
from loaders.raw import RawFile, register
from loaders.sources.gla_ward_profiles import la_areas
from loaders.sources.la_tidy import la_tidy_rows

RAW = [
    RawFile(
        "la_obese_reception",
        "trafford_themes_children_LA/obese_reception.csv",
        "utf-8",
        ("area_code", "area_name", "area_type", "period", "indicator", "value", "inequality", "compared_to_England"),
    ),
    RawFile(
        "la_obese_year6",
        "trafford_themes_children_LA/obese_year6.csv",
        "utf-8",
        ("area_code", "area_name", "area_type", "period", "indicator", "value", "inequality", "compared_to_England"),
    ),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "ohid_ncmp_la": dict(
        raw=["la_obese_reception", "la_obese_year6"],
        licence=OGL,
        publisher="OHID Fingertips, National Child Measurement Programme (tidied by Trafford Data Lab)",
        title="Reception and Year 6 prevalence of obesity (including severe obesity), annual, local authority",
        url="https://fingertips.phe.org.uk/profile/national-child-measurement-programme",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (OHID, NCMP; Trafford Data Lab)",
    ),
}
INDICATORS = ["obesity_reception", "obesity_year6"]
AREA_PRIORITY = 40


def _annual(df):
    return df[
        df.inequality.isna()
        & df.area_type.isin(["UA", "County", "Country", "District"])
        & ~df.indicator.str.contains("combined")
    ]


def _read(raw):
    r = la_tidy_rows(
        raw,
        "la_obese_reception",
        {"Reception prevalence of obesity (including severe obesity)": "obesity_reception"},
        "ohid_ncmp_la",
        "annual, including severe obesity",
        keep=_annual,
    )
    y = la_tidy_rows(
        raw,
        "la_obese_year6",
        {"Year 6 prevalence of obesity (including severe obesity)": "obesity_year6"},
        "ohid_ncmp_la",
        "annual, including severe obesity",
        keep=_annual,
    )
    return r[0] + y[0], r[1]


def rows(ctx) -> list[dict]:
    return ctx.memo("ohid_ncmp_la", lambda: _read(ctx.raw))[0]


def areas(ctx) -> pd.DataFrame:
    return la_areas(ctx.memo("ohid_ncmp_la", lambda: _read(ctx.raw))[1])
