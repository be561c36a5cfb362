"""DfE children's social care for the scorecard (EES underlying-data CSVs, ``dfe_csc/``): England, the nine
English regions and every local authority, with counts.

* Characteristics of children in need: referrals and re-referrals (c1), children in need at 31 March (b1),
  child protection plans started that were a second or subsequent plan (d3), plans at 31 March (d5).
* Children looked after including adoptions: 3 or more placements in the year and long-term stability,
  care leavers aged 19-21 in education, employment or training and in suitable accommodation.
* ONS mid-year estimates of children aged 0-17 (the EES reference file) for rates per 10,000: the year ending
  31 March Y uses the mid-(Y-1) estimate, as DfE does (Bromley 2025: 2,740 / 73,457 = 373.0 per 10,000).

EES quirks handled here: ``c`` / ``x`` / ``z`` / ``low`` for suppressed or not applicable (no row is written),
Inner and Outer London rows (left out: London is its region row), byte-order marks, and columns named
differently between the files. Years 2019-2025 (the same span as children looked after).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.catalogue import OGL
from loaders.codes import BROMLEY
from loaders.raw import RawDataError, RawFile, numeric, register
from loaders.rows import row

GEO = ("time_period", "geographic_level", "country_code", "region_code", "new_la_code")
RAW = [
    RawFile(
        "csc_referrals",
        "dfe_csc/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        "utf-8-sig",
        GEO + ("referral_count", "rereferral_count", "rereferral_percent"),
    ),
    RawFile("csc_cin", "dfe_csc/b1_children_in_need_2013_to_2025.csv", "utf-8-sig", GEO + ("At31_episodes",)),
    RawFile(
        "csc_cpp_second",
        "dfe_csc/d3_cpps_subsequent_plan_2013_to_2025.csv",
        "utf-8-sig",
        GEO + ("CPP_start", "CPP_subsequent", "CPP_subsequent_percent"),
    ),
    RawFile(
        "csc_cpp_31march", "dfe_csc/d5_cpps_at31march_by_duration_2013_to_2025.csv", "utf-8-sig", GEO + ("CPP_At31",)
    ),
    RawFile(
        "csc_population",
        "dfe_csc/ons_mid-year_population_estimates_2012_to_2024.csv",
        "utf-8-sig",
        GEO + ("age_group", "population_estimate"),
    ),
    RawFile(
        "cla_stability",
        "dfe_csc/la_cla_placement_stability.csv",
        "utf-8-sig",
        GEO + ("cla_group", "placement_stability", "children_count", "children_percent"),
    ),
    RawFile(
        "care_leavers_activity",
        "dfe_csc/la_care_leavers_activity.csv",
        "utf-8-sig",
        GEO + ("care_leaver_age", "breakdown", "care_leaver_count", "care_leaver_percent"),
    ),
    RawFile(
        "care_leavers_accommodation",
        "dfe_csc/la_care_leavers_accommodation_suitability.csv",
        "utf-8-sig",
        GEO + ("care_leaver_age", "breakdown", "care_leaver_count", "care_leaver_percent"),
    ),
]
register(*RAW)

_ATTR = (
    "Contains public sector information licensed under the Open Government Licence v3.0 (DfE; ONS mid-year estimates)"
)
SOURCES: dict[str, dict] = {
    "dfe_csc": dict(
        raw=["csc_referrals", "csc_cin", "csc_cpp_second", "csc_cpp_31march", "csc_population"],
        licence=OGL,
        publisher="Department for Education",
        title="Characteristics of children in need, years ending 31 March 2013-2025 (tables C1, B1, D3, D5), with ONS mid-year estimates of children aged 0-17",
        url="https://explore-education-statistics.service.gov.uk/find-statistics/characteristics-of-children-in-need",
        attribution=_ATTR,
    ),
    "dfe_csc_cla": dict(
        raw=["cla_stability", "care_leavers_activity", "care_leavers_accommodation"],
        licence=OGL,
        publisher="Department for Education",
        title="Children looked after in England including adoptions, 2021-2025: placement stability, care leavers' activity and accommodation",
        url="https://explore-education-statistics.service.gov.uk/find-statistics/children-looked-after-in-england-including-adoptions",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DfE)",
    ),
}
INDICATORS = [
    "csc_referrals",
    "csc_rereferrals",
    "cin_rate",
    "cpp_rate",
    "cpp_second",
    "cla_moves_3plus",
    "cla_stable_long",
    "care_leavers_eet",
    "care_leavers_accommodation",
]
FIRST_YEAR = 2019
LEVEL = {"National": "country", "Regional": "region", "Local authority": "la"}


def _read(ctx, key: str, keep=None) -> pd.DataFrame:
    """One EES file: rows with ``code``, ``atype``, ``year`` added; Inner/Outer London and years before 2019 dropped."""
    rel = ctx.raw.relpath(key)
    d = ctx.raw.csv(key, dtype=str)
    if keep is not None:
        d = d[keep(d)]
    d = d.assign(atype=d.geographic_level.map(LEVEL))
    if d.atype.isna().any():
        raise RawDataError(
            f"{rel}: unexpected geographic_level values {sorted(d.geographic_level[d.atype.isna()].unique())}"
        )
    d["code"] = np.select([d.atype == "country", d.atype == "region"], [d.country_code, d.region_code], d.new_la_code)
    d["year"] = pd.to_numeric(d.time_period, errors="coerce")
    if d.year.isna().any():
        raise RawDataError(
            f"{rel}: time_period values that are not years {sorted(d.time_period[d.year.isna()].unique())[:3]}"
        )
    d = d[
        (d.year >= FIRST_YEAR)
        & ~d.code.fillna("").str.startswith("E13")
        & ((d.atype != "la") | d.code.isin(current_las(ctx)))
    ].copy()
    d["year"] = d.year.astype(int)
    if not (d.code == BROMLEY).any():
        raise RawDataError(f"{rel}: no Bromley (E09000006) rows")
    return d


def current_las(ctx) -> set[str]:
    """Codes of the local authorities in the 2025 children-looked-after edition (today's 153): a row for an
    authority since abolished (e.g. Buckinghamshire County Council, E10000002, to 2019) is left out."""

    def read():
        d = ctx.raw.csv("cla_2025", dtype=str)
        return set(d.loc[d.geographic_level == "Local authority", "new_la_code"].dropna())

    return ctx.memo("current_las", read)


def fy(year: int) -> str:
    """The year ending 31 March ``year`` as a financial-year label (2025 -> 2024/25)."""
    return f"{year - 1}/{year % 100:02d}"


def population(ctx) -> pd.DataFrame:
    p = _read(ctx, "csc_population", lambda d: d.age_group == "Children aged 0 to 17 years")
    p["population"] = numeric(p, "population_estimate", ctx.raw.relpath("csc_population"), allow_missing=True)
    return p[["code", "year", "population"]]


def tables(ctx) -> dict[str, pd.DataFrame]:
    """Tidy tables (code, atype, year, period, numerator, denominator, published) per indicator, computed once."""
    return ctx.memo("dfe_csc", lambda: _tables(ctx))


def _tables(ctx) -> dict[str, pd.DataFrame]:
    raw = ctx.raw
    pop = population(ctx)
    pop_next = pop.assign(year=pop.year + 1)  # mid-(Y-1) for the year ending 31 March Y
    out = {}

    def per_pop(key, count_col, indicator, label):
        d = _read(ctx, key)
        d["numerator"] = numeric(d, count_col, raw.relpath(key), allow_missing=True)
        d = d.merge(pop_next, on=["code", "year"], how="left").rename(columns={"population": "denominator"})
        d["period"] = d.year.map(label)
        d["published"] = np.nan
        out[indicator] = d

    per_pop("csc_referrals", "referral_count", "csc_referrals", fy)
    per_pop("csc_cin", "At31_episodes", "cin_rate", lambda y: f"31 Mar {y}")
    per_pop("csc_cpp_31march", "CPP_At31", "cpp_rate", lambda y: f"31 Mar {y}")

    r = _read(ctx, "csc_referrals")
    rel = raw.relpath("csc_referrals")
    out["csc_rereferrals"] = r.assign(
        numerator=numeric(r, "rereferral_count", rel, allow_missing=True),
        denominator=numeric(r, "referral_count", rel, allow_missing=True),
        published=numeric(r, "rereferral_percent", rel, allow_missing=True),
        period=r.year.map(fy),
    )
    c = _read(ctx, "csc_cpp_second")
    rel = raw.relpath("csc_cpp_second")
    out["cpp_second"] = c.assign(
        numerator=numeric(c, "CPP_subsequent", rel, allow_missing=True),
        denominator=numeric(c, "CPP_start", rel, allow_missing=True),
        published=numeric(c, "CPP_subsequent_percent", rel, allow_missing=True),
        period=c.year.map(fy),
    )

    def part_of(key, group_col, group, part_col, part, total, count_col, pct_col, label):
        d = _read(ctx, key, lambda d: d[group_col] == group)
        rel = raw.relpath(key)
        num, den = d[d[part_col] == part], d[d[part_col] == total]
        if num.empty or den.empty:
            raise RawDataError(f"{rel}: no '{part}' or '{total}' rows for '{group}'")
        k = ["code", "atype", "year"]
        m = num.assign(
            numerator=numeric(num, count_col, rel, allow_missing=True),
            published=numeric(num, pct_col, rel, allow_missing=True),
        )[k + ["numerator", "published"]].merge(
            den.assign(denominator=numeric(den, count_col, rel, allow_missing=True))[k + ["denominator"]],
            on=k,
            how="left",
        )
        m["period"] = m.year.map(label)
        return m

    out["cla_moves_3plus"] = part_of(
        "cla_stability",
        "cla_group",
        "CLA on 31 March",
        "placement_stability",
        "With 3 or more placements during the year",
        "Total children",
        "children_count",
        "children_percent",
        fy,
    )
    out["cla_stable_long"] = part_of(
        "cla_stability",
        "cla_group",
        "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years",
        "placement_stability",
        "Living with the same carer for at least 2 years",
        "Total children",
        "children_count",
        "children_percent",
        lambda y: f"31 Mar {y}",
    )
    out["care_leavers_eet"] = part_of(
        "care_leavers_activity",
        "care_leaver_age",
        "19 to 21 years",
        "breakdown",
        "Total in education, employment or training",
        "Total",
        "care_leaver_count",
        "care_leaver_percent",
        fy,
    )
    out["care_leavers_accommodation"] = part_of(
        "care_leavers_accommodation",
        "care_leaver_age",
        "19 to 21 years",
        "breakdown",
        "Accommodation considered suitable",
        "Suitability total",
        "care_leaver_count",
        "care_leaver_percent",
        fy,
    )
    return out


def rows(ctx) -> list[dict]:
    mult = {"csc_referrals": 10000.0, "cin_rate": 10000.0, "cpp_rate": 10000.0}
    out, off = [], []
    for ind, d in tables(ctx).items():
        m = mult.get(ind, 100.0)
        for r in d.itertuples():
            if not (r.numerator >= 0 and r.denominator > 0):
                continue  # suppressed ('c'), not applicable ('z', 'x') or no population
            value = r.numerator / r.denominator * m
            if np.isfinite(r.published) and abs(value - r.published) > 0.5 + 1e-9:
                off.append(f"{ind} {r.code} {r.period}: {value:.1f} from counts, {r.published:g} published")
            note = (
                "rate computed from the published count and the ONS mid-year 0-17 estimate"
                if m == 10000.0
                else f"percentage computed from the published counts (published: {r.published:g})"
                if np.isfinite(r.published)
                else "percentage computed from the published counts"
            )
            out.append(
                row(
                    ind,
                    r.code,
                    r.atype,
                    r.period,
                    value,
                    numerator=r.numerator,
                    denominator=r.denominator,
                    source="dfe_csc"
                    if ind in ("csc_referrals", "csc_rereferrals", "cin_rate", "cpp_rate", "cpp_second")
                    else "dfe_csc_cla",
                    note=note,
                )
            )
    ctx.log.append(
        f"DfE children's social care (EES): {len(out):,} area-years for {len(INDICATORS)} scorecard measures "
        f"from {FIRST_YEAR}; percentages recomputed from counts differ from the published (rounded) ones by more "
        f"than 0.5 in {len(off)} cases" + (f" (e.g. {'; '.join(off[:3])})" if off else "") + "."
    )
    return out
