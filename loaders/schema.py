"""pandera schemas for every table the build writes. Validated before anything is written."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from loaders.catalogue import INDICATORS as _CATALOGUE
from loaders.codes import AREA_TYPES, INTERVALS, POLARITIES

CODE = r"^(E0[0-9]|E1[0-3]|E92|K04)[0-9]{6}$"


# Proportions (catalogue ``bounded``): a numerator never exceeds its denominator. A rate of events
# (e.g. children looked after per 10,000) is not held to that.
BOUNDED = [i["id"] for i in _CATALOGUE if i["bounded"]]


def _nonneg():
    return Check.ge(0)


VALUES = DataFrameSchema(
    {
        "indicator_id": Column(str),
        "area_code": Column(str, Check.str_matches(CODE)),
        "area_type": Column(str, Check.isin(AREA_TYPES)),
        "period": Column(str, Check.str_length(min_value=4)),
        "period_start": Column("datetime64[ms]"),
        "period_end": Column("datetime64[ms]"),
        "breakdown": Column(str),
        "value": Column(float, nullable=True),
        "numerator": Column(float, _nonneg(), nullable=True),
        "denominator": Column(float, Check.gt(0), nullable=True),
        "lower95": Column(float, nullable=True),
        "upper95": Column(float, nullable=True),
        "lower998": Column(float, nullable=True),
        "upper998": Column(float, nullable=True),
        "national_decile": Column("Int8", Check.in_range(1, 10), nullable=True),
        "is_illustrative": Column(bool),
        "is_estimate": Column(bool),
        "is_suppressed": Column(bool),
        "note": Column(str),
        "source_id": Column(str),
        # the publisher's own comparison with England where it gives one and no counts (e.g. Fingertips
        # "Better" / "Similar" / "Worse"), else ''
        "published_comparison": Column(
            str, Check.isin(["", "Better", "Similar", "Worse", "Higher", "Lower", "Not compared"])
        ),
    },
    checks=[
        Check(lambda d: d.period_end >= d.period_start, error="period_end before period_start"),
        Check(lambda d: d.lower95.isna() | (d.lower95 <= d.value + 1e-9), error="lower95 above value"),
        Check(lambda d: d.upper95.isna() | (d.upper95 >= d.value - 1e-9), error="upper95 below value"),
        Check(
            lambda d: d.lower998.isna() | (d.lower998 <= d.lower95 + 1e-9), error="99.8% lower bound above the 95% one"
        ),
        Check(
            lambda d: d.upper998.isna() | (d.upper998 >= d.upper95 - 1e-9), error="99.8% upper bound below the 95% one"
        ),
        Check(
            lambda d: (
                d.numerator.isna()
                | d.denominator.isna()
                | (d.numerator <= d.denominator)
                | ~d.indicator_id.isin(BOUNDED)
            ),
            error="numerator above denominator",
        ),
    ],
    unique=["indicator_id", "area_code", "area_type", "period", "breakdown"],
    strict=True,
    ordered=True,
)

AREAS = DataFrameSchema(
    {
        "area_code": Column(str, Check.str_matches(CODE)),
        "area_name": Column(str, Check.str_length(min_value=1)),
        "area_type": Column(str, Check.isin(AREA_TYPES)),
        "parent_code": Column(str, nullable=True),
        "is_bromley": Column(bool),
        "is_stat_neighbour": Column(bool),
    },
    unique=["area_code", "area_type"],
    strict=True,
)

INDICATORS = DataFrameSchema(
    {
        "indicator_id": Column(str, unique=True),
        "name": Column(str),
        "unit": Column(str),
        "multiplier": Column(float, Check.gt(0)),
        "polarity": Column(str, Check.isin(POLARITIES)),
        "hotspot_polarity": Column(str, Check.isin(POLARITIES)),
        "interval": Column(str, Check.isin(INTERVALS)),
        "headline": Column(bool),
        "trend_comparable": Column(bool),
        "disclosive": Column(bool),
        "definition": Column(str),
        "why": Column(str),
        "source_ids": Column(str),
        "caveats": Column(str),
    },
    strict=True,
)

SOURCES = DataFrameSchema(
    {
        "source_id": Column(str),
        "publisher": Column(str),
        "title": Column(str),
        "url": Column(str),
        "licence": Column(str),
        "attribution": Column(str),
        "raw_file": Column(str),
        "sha256": Column(str, Check.str_matches(r"^[0-9a-f]{64}$")),
    },
    unique=["source_id", "raw_file"],
    strict=True,
)

LOOKUPS = DataFrameSchema(
    {
        "from_code": Column(str, Check.str_matches(CODE)),
        "from_type": Column(str, Check.isin(AREA_TYPES)),
        "to_code": Column(str, Check.str_matches(CODE)),
        "to_type": Column(str, Check.isin(AREA_TYPES)),
        "children": Column(float, _nonneg()),
        "share_of_from": Column(float, Check.in_range(0, 1)),
        "share_of_to": Column(float, Check.in_range(0, 1)),
        "method": Column(str),
    },
    unique=["from_code", "from_type", "to_code", "to_type"],
    strict=True,
)

GEOMETRIES = DataFrameSchema(
    {
        "area_code": Column(str, Check.str_matches(CODE)),
        "layer": Column(str, Check.isin(["ward2014", "ward2022", "lsoa2011", "lsoa2021", "london_ward2014"])),
        "geometry": Column(nullable=False),
    },
    unique=["area_code", "layer"],
    strict=True,
)

NEIGHBOURS = DataFrameSchema(
    {
        "model": Column(str, Check.isin(["2021", "2025"])),
        "la_code": Column(str, Check.str_matches(CODE)),
        "rank": Column(int, Check.in_range(1, 10)),
        "neighbour_code": Column(str, Check.str_matches(CODE)),
        "closeness": Column(str),
        "la_number": Column(int),
        "neighbour_number": Column(int),
    },
    unique=["model", "la_code", "rank"],
    strict=True,
)

__all__ = ["VALUES", "AREAS", "INDICATORS", "SOURCES", "LOOKUPS", "GEOMETRIES", "NEIGHBOURS", "pa"]


TOPOLOGY = DataFrameSchema(
    {
        "layer": Column(str, Check.isin(["ward2014", "ward2022", "lsoa2011", "lsoa2021", "london_ward2014"])),
        "n_areas": Column(int, Check.gt(0)),
        "topojson": Column(str, Check.str_startswith('{"type":"Topology"')),
    },
    unique=["layer"],
    strict=True,
)
