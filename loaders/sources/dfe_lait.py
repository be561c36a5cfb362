"""DfE Local Authority Interactive Tool (LAIT) long dataset: the scorecard measures the EES files lack, and a check
of the ones they share.

``dfe_lait/bds_long_0.parquet`` (434 indicators, every LA, the regions and England) with its data dictionary
(``lait_data_dictionary.csv``: polarity by ``Measure_short``). Quirks handled here:

* ``Values`` are strings with float artefacts (``9.1999999999999993``, ``3.5799999999999998E-3``): read as numbers
  and rounded to 6 significant figures; ``-`` (suppressed) and blanks write no row;
* ``Data item`` is filled only on an indicator's first row (not used: ``Short Desc`` is the key);
* year labels are mixed: ``2025``, ``2023/24``, ``2016-17 (OT)``, ``2025 (prov)``, ``2024 (Rev)``, ``0``. A
  suffix is dropped (a final figure replaces a provisional one for the same year) and ``0`` rows are left out;
  each measure's labels become the app's (``AY 2023/24`` for school years, ``2024`` for calendar years,
  ``2023/24`` for NEET's December 2023-February 2024 average, which LAIT labels 2024);
* areas are named, not coded: LA numbers map to ONS codes through the children-looked-after files (as the
  statistical neighbours do), region names to their codes; Inner and Outer London are left out;
* aggregates are validated: an England or regional value must lie within the range of its LAs' values (a
  rate or percentage of a larger population cannot lie outside it). LAIT's England first-time-entrants figure
  (1,258 per 100,000 in 2024, above every LA's) fails this, so it is left out and the build log says so.

Where LAIT and the EES files carry the same measure, :func:`compare` reports the area-years where they
disagree by more than LAIT's rounding (build log; ``tests/test_scorecard.py`` pins the result).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loaders.catalogue import OGL
from loaders.codes import BROMLEY, ENGLAND
from loaders.raw import RawDataError, RawFile, register
from loaders.rows import row
from loaders.sources import dfe_sn

RAW = [
    RawFile("lait", "dfe_lait/bds_long_0.parquet"),
    RawFile("lait_dictionary", "dfe_lait/lait_data_dictionary.csv", "utf-8", ("Measure_short", "Polarity")),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "dfe_lait": dict(
        raw=["lait", "lait_dictionary"],
        licence=OGL,
        publisher="Department for Education",
        title="Local Authority Interactive Tool (LAIT): long dataset of 434 indicators and its data dictionary",
        url="https://www.gov.uk/government/publications/local-authority-interactive-tool-lait",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DfE)",
    ),
}
# LAIT Short Desc -> (indicator, kind of year). Only measures the EES files do not carry.
MEASURES = {
    "PriPermEx": ("perm_excl_primary", "academic"),
    "SecPermEx": ("perm_excl_secondary", "academic"),
    "SEN_EHC_Excpt_20wks": ("ehcp_20wk_excl", "calendar"),
    "SEN_EHC_All_20wks": ("ehcp_20wk_all", "calendar"),
    "FirstYJS": ("yj_first_time_entrants", "calendar"),
    "ReoffYO": ("yj_reoffending", "calendar"),
    "16-17_not known": ("neet_not_known", "dec_feb"),  # DfE's "2024": the Dec 2023-Feb 2024 average
}
INDICATORS = sorted({i for i, _ in MEASURES.values()})
# LAIT measures also in other sources: (LAIT Short Desc, indicator in the values table, how LAIT labels periods)
SHARED = [
    ("CPP_Total_NumRef", "csc_referrals", "count"),
    ("CPP_Total_Rateper10,000", "csc_referrals", "value"),
    ("ReReferral", "csc_rereferrals", "value"),
    ("CIN", "cin_rate", "value"),
    ("CPP_rate", "cpp_rate", "value"),
    ("PrevRegCPR", "cpp_second", "value"),
    ("LACStable_2016on", "cla_moves_3plus", "value"),
    ("LAC_LongStable%", "cla_stable_long", "value"),
    ("CareLeaverEET", "care_leavers_eet", "value"),
    ("CareLeaverAcc", "care_leavers_accommodation", "value"),
    ("LAC", "cla_rate", "value"),
    ("LACnum", "cla_rate", "count"),
    ("16-17 NEET", "neet", "value"),
]
REGIONS = {
    "England": ENGLAND,
    "North East": "E12000001",
    "North West": "E12000002",
    "Yorkshire and the Humber": "E12000003",
    "East Midlands": "E12000004",
    "West Midlands": "E12000005",
    "East of England": "E12000006",
    "London": "E12000007",
    "South East": "E12000008",
    "South West": "E12000009",
}
LEFT_OUT_AREAS = {"London (Inner)", "London (Outer)"}
_SUFFIX = re.compile(r"^(.*?)\s*\((prov|Rev|Final|OT)\)$", re.I)


def year_label(label: str) -> tuple[int | None, bool]:
    """(year the period ends, provisional?) of a LAIT label; None for '0' or a label that is not a year."""
    s = str(label).strip()
    prov = False
    if m := _SUFFIX.match(s):
        s, prov = m[1], m[2].lower() == "prov"
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m[1])
        return (y if y > 1990 else None), prov
    if m := re.fullmatch(r"(\d{4})[/-](\d{2})", s):
        return int(m[1]) + 1, prov
    return None, prov


def label_for(year_end: int, kind: str) -> str:
    return {
        "academic": f"AY {year_end - 1}/{year_end % 100:02d}",
        "calendar": str(year_end),
        "dec_feb": f"{year_end - 1}/{year_end % 100:02d}",  # NEET: December-February (loaders.periods.for_indicator)
        "fy": f"{year_end - 1}/{year_end % 100:02d}",
        "snapshot": f"31 Mar {year_end}",
    }[kind]


def _values(s: pd.Series) -> pd.Series:
    """LAIT's string values as numbers: float artefacts rounded away (6 significant figures), '-' -> NaN."""
    v = pd.to_numeric(
        s.astype(str).str.strip().replace({"-": None, "": None, "nan": None, "None": None}), errors="coerce"
    )
    return v.map(lambda x: float(f"{x:.6g}") if np.isfinite(x) else np.nan)


def table(ctx) -> pd.DataFrame:
    return ctx.memo("dfe_lait", lambda: _table(ctx))


def _table(ctx) -> pd.DataFrame:
    """Every LAIT row for the measures used here: short, code, atype, year, provisional, value."""
    rel = ctx.raw.relpath("lait")
    try:
        d = pd.read_parquet(
            ctx.raw.path("lait"), columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number"]
        )
    except Exception as e:
        raise RawDataError(f"{rel}: cannot be read as the LAIT long dataset ({e})") from e
    wanted = set(MEASURES) | {s for s, _, _ in SHARED}
    d = d[d["Short Desc"].isin(wanted) & ~d["LA and Regions"].isin(LEFT_OUT_AREAS)]
    missing = wanted - set(d["Short Desc"])
    if missing:
        raise RawDataError(f"{rel}: measures missing (renamed?): {sorted(missing)}")
    codes = dfe_sn._codes(ctx)
    name = d["LA and Regions"].astype(str).str.strip()
    la_code = d["LA Number"].map(lambda n: codes.get(int(n)) if pd.notna(n) else None)
    code = name.map(REGIONS).fillna(la_code)
    yp = d.Years.map(year_label)
    out = pd.DataFrame(
        {
            "short": d["Short Desc"].values,
            "name": name.values,
            "code": code.values,
            "atype": np.where(name == "England", "country", np.where(name.isin(REGIONS), "region", "la")),
            "year": [y for y, _ in yp],
            "provisional": [p for _, p in yp],
            "value": _values(d.Values).values,
        }
    )
    zero = int(out.year.isna().sum())
    unmapped = sorted(set(out.loc[out.code.isna(), "name"]))
    from loaders.sources.dfe_csc import current_las  # noqa: PLC0415

    old = out.code.notna() & (out.atype == "la") & ~out.code.isin(current_las(ctx))
    out = out[out.year.notna() & out.code.notna() & out.value.notna() & ~old].copy()
    out["year"] = out.year.astype(int)
    # a final figure replaces a provisional one for the same year
    out = out.sort_values(["short", "code", "year", "provisional"]).drop_duplicates(["short", "code", "year"])
    ctx.log.append(
        f"{rel}: {zero} rows with a year label that is not a year ('0') left out"
        + (f"; areas with no ONS code left out: {', '.join(unmapped)}" if unmapped else "")
        + "."
    )
    return out.reset_index(drop=True)


def validate_aggregates(t: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop England / region values outside the range of their LAs' values for the same measure and year."""
    las = t[t.atype == "la"]
    lo = las.groupby(["short", "year"]).value.min()
    hi = las.groupby(["short", "year"]).value.max()
    agg = t[t.atype != "la"]
    key = pd.MultiIndex.from_frame(agg[["short", "year"]])
    bad = (agg.value.values < lo.reindex(key).values - 1e-9) | (agg.value.values > hi.reindex(key).values + 1e-9)
    dropped = agg[bad]
    notes = [
        f"{r.short} {r.name} {r.year}: {r.value:g} lies outside its LAs' range "
        f"({lo[(r.short, r.year)]:g}-{hi[(r.short, r.year)]:g})"
        for r in dropped.itertuples()
    ]
    return t.drop(index=dropped.index), notes


def rows(ctx) -> list[dict]:
    t = table(ctx)
    mine = t[t.short.isin(MEASURES)]
    mine, notes = validate_aggregates(mine)
    if notes:
        ctx.log.append(
            f"{ctx.raw.relpath('lait')}: aggregates not consistent with their LAs, left out "
            f"({len(notes)}): " + "; ".join(notes[:6]) + ("; ..." if len(notes) > 6 else "") + "."
        )
    out = []
    for r in mine.itertuples():
        ind, kind = MEASURES[r.short]
        out.append(
            row(
                ind,
                r.code,
                r.atype,
                label_for(r.year, kind),
                r.value,
                source="dfe_lait",
                note=f"LAIT {r.short}" + (" (provisional)" if r.provisional else "") + "; as published, no counts",
            )
        )
    if not any(x["area_code"] == BROMLEY for x in out):
        raise RawDataError(f"{ctx.raw.relpath('lait')}: no Bromley rows for the scorecard measures")
    return out


def derive(ctx, values: pd.DataFrame) -> pd.DataFrame:
    """No rows: compares LAIT with the other sources' values for the shared measures and logs disagreements."""
    for line in compare(table(ctx), values):
        ctx.log.append(line)
    return values.iloc[0:0]


def compare(t: pd.DataFrame, values: pd.DataFrame) -> list[str]:
    """One line per shared measure: how many area-years LAIT and the values table both have, and those differing by
    more than LAIT's rounding (half a unit of its last decimal place, at least 0.05; counts: more than 0.5)."""
    lines = []
    v = values[
        values.area_type.isin(["la", "region", "country"])
        & (values.breakdown == "All")
        & ~values.is_illustrative.astype(bool)
    ]
    for short, ind, what in SHARED:
        s = t[t.short == short]
        x = v[v.indicator_id == ind].assign(year=lambda d: pd.to_datetime(d.period_end).dt.year)
        m = s.merge(x, left_on=["code", "year"], right_on=["area_code", "year"], how="inner")
        if m.empty:
            lines.append(f"LAIT {short} vs {ind}: no area-year in both.")
            continue
        other = m.numerator if what == "count" else m.value_y
        lait = m.value_x
        decimals = lait.map(lambda x: len(f"{x:.6g}".split(".")[1]) if "." in f"{x:.6g}" else 0)
        tol = 0.5 if what == "count" else np.maximum(0.5 * 10.0 ** (-decimals), 0.05) + 1e-6
        off = m[(other - lait).abs() > tol]
        b = off[off.code == BROMLEY]
        lines.append(
            f"LAIT {short} vs {ind} ({'counts' if what == 'count' else 'values'}): {len(m):,} area-years in "
            f"both, {len(off)} differ by more than rounding"
            + (
                ": e.g. "
                + "; ".join(
                    f"{r.name} {r.year} LAIT {r.value_x:g} vs {float(o):.4g}"
                    for r, o in zip(off.head(3).itertuples(), other[off.index[:3]])
                )
                if len(off)
                else ""
            )
            + (f" (Bromley: {len(b)})" if len(b) else "")
            + "."
        )
    return lines
