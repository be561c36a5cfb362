"""DWP Children in low income families: local area statistics, FYE 2022 to 2025 (official ODS workbook).

Children aged 0-15 in relative and absolute low income before housing costs (FYE 2022-2025) and in
relative low income after housing costs (FYE 2024-2025), with counts, for every ward in London
(May 2024 wards; Bromley's are its 22 wards of 2022), every English local authority, London and
England. Read from the workbook's own tables (4, 11, 12 wards; 2, 7, 8 LAs; 1, 5, 6 regions).

* Denominators are derived as count / proportion (DWP divides by mid-year population estimates)
  and checked to be whole numbers.
* Bromley and London are the workbook's own LA and region rows; England is the exact sum of its
  nine English region rows (counts and derived populations): the workbook has no England row.
* "[low]" counts (negligible) and "[x]" proportions (not available) give no row.
* FYE 2025 absolute: if every ward's absolute figures equal its relative ones in FYE 2025 while
  earlier years differ, the build says so and leaves FYE 2025 absolute out (see ``report``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.catalogue import OGL
from loaders.codes import BROMLEY, ENGLAND, LONDON, WARDS_2022
from loaders.ods import OdsError, read_sheets
from loaders.raw import RawDataError, RawFile, expect_codes, register
from loaders.rows import row

RAW = [
    RawFile("dwp_cilif_ods", "dwp_cilif/children-in-low-income-families-local-area-statistics-2022-2025.ods"),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "dwp_cilif_2025": dict(
        raw=["dwp_cilif_ods"],
        licence=OGL,
        publisher="Department for Work and Pensions",
        title="Children in Low Income Families: local area statistics, UK, FYE 2022 to 2025 (published 26 March 2026; Official Statistics, provisional)",
        url="https://www.gov.uk/government/statistics/children-in-low-income-families-local-area-statistics-2022-to-2025",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DWP, Children in Low Income Families: local area statistics)",
    ),
}
INDICATORS = ["child_poverty", "child_poverty_absolute", "child_poverty_ahc"]
AREA_PRIORITY = 70  # ward names for London wards outside Bromley; LA names come from the older sources first

# indicator -> (ward table, LA table, region table)
TABLES = {
    "child_poverty": ("11_BHC_Relative_Ward", "7_BHC_Relative_LA", "5_BHC_Relative_Region"),
    "child_poverty_absolute": ("12_BHC_Absolute_Ward", "8_BHC_Absolute_LA", "6_BHC_Absolute_Region"),
    "child_poverty_ahc": ("4_AHC_Relative_Ward", "2_AHC_Relative_LA", "1_AHC_Relative_Region"),
}
ENGLISH_REGIONS = [f"E1200000{i}" for i in range(1, 10)]
MEASURE = {
    "child_poverty": "relative low income, before housing costs",
    "child_poverty_absolute": "absolute low income, before housing costs",
    "child_poverty_ahc": "relative low income, after housing costs",
}
WHOLE = 0.01  # a derived population may differ from a whole number by float error only


def fye_period(fye: int) -> str:
    """FYE 2025 (financial year ending March 2025) -> '2024/25'."""
    return f"{fye - 1}/{fye % 100:02d}"


def _long(rows: list[list], table: str, ward: bool) -> pd.DataFrame:
    """One workbook table as long rows: code, name, la_code, fye, count, proportion (NaN when '[low]'/'[x]')."""
    head = next(
        (i for i, r in enumerate(rows) if r[:2] and str(r[0]).startswith(("Local Authority", "Government Office"))),
        None,
    )
    if head is None:
        raise RawDataError(f"children-in-low-income-families…2022-2025.ods [{table}]: header row not found")
    header = [str(h) for h in rows[head]]
    num_cols = [i for i, h in enumerate(header) if h.startswith("Number of children")]
    pct_cols = [i for i, h in enumerate(header) if h.startswith("Percentage of children")]
    fyes = [int(header[i].split("FYE")[1].split()[0]) for i in num_cols]
    if len(num_cols) != len(pct_cols) or [int(header[i].split("FYE")[1].split()[0]) for i in pct_cols] != fyes:
        raise RawDataError(f"children-in-low-income-families…2022-2025.ods [{table}]: unexpected columns {header}")
    code_col, name_col = (3, 2) if ward else (1, 0)
    out = []
    for r in rows[head + 1 :]:
        if len(r) <= max(pct_cols):
            continue
        code = str(r[code_col]).strip()
        if not code:
            continue
        for fye, n, p in zip(fyes, num_cols, pct_cols):
            out.append(
                (
                    code,
                    str(r[name_col]).strip(),
                    str(r[1]).strip() if ward else "",
                    fye,
                    r[n] if isinstance(r[n], float) else np.nan,
                    r[p] if isinstance(r[p], float) else np.nan,
                    str(r[n]).strip(),
                )
            )
    return pd.DataFrame(out, columns=["code", "name", "la_code", "fye", "count", "prop", "count_text"])


def read(raw) -> dict[str, dict[str, pd.DataFrame]]:
    """{indicator: {"ward": df, "la": df, "region": df}} for the three measures."""
    path = raw.path("dwp_cilif_ods")
    try:
        sheets = read_sheets(path, [t for ts in TABLES.values() for t in ts])
    except OdsError as e:
        raise RawDataError(f"{raw.relpath('dwp_cilif_ods')}: {e}") from e
    out = {}
    for ind, (w, la, reg) in TABLES.items():
        out[ind] = {
            "ward": _long(sheets[w], w, True),
            "la": _long(sheets[la], la, False),
            "region": _long(sheets[reg], reg, False),
        }
    bad = {v for d in out.values() for t in d.values() for v in t.count_text[t["count"].isna()]} - {"[low]", "[x]", ""}
    if bad:
        raise RawDataError(f"{raw.relpath('dwp_cilif_ods')}: unexpected non-numeric counts {sorted(bad)[:5]}")
    return out


def with_denominators(d: pd.DataFrame, what: str) -> pd.DataFrame:
    """Rows with a count and a proportion, the denominator derived as count / proportion and checked."""
    d = d[d["count"].notna() & d.prop.notna() & (d.prop > 0)].copy()
    den = d["count"] / d.prop
    off = (den - den.round()).abs()
    if len(off) and off.max() > WHOLE:
        worst = d.loc[off.idxmax()]
        raise RawDataError(
            f"children-in-low-income-families…2022-2025.ods: {what} {worst.code} FYE {worst.fye}: "
            f"count / proportion = {den[off.idxmax()]:.4f}, not a whole population"
        )
    d["den"] = den.round()
    return d


def anomaly(data) -> dict[int, float]:
    """Share of wards (with both figures) whose absolute count and proportion equal the relative ones, by FYE."""
    rel = data["child_poverty"]["ward"].set_index(["code", "fye"])
    ab = data["child_poverty_absolute"]["ward"].set_index(["code", "fye"])
    j = rel.join(ab, lsuffix="_rel", rsuffix="_abs", how="inner").dropna(subset=["count_rel", "count_abs"])
    same = (j.count_rel == j.count_abs) & ((j.prop_rel == j.prop_abs) | (j.prop_rel.isna() & j.prop_abs.isna()))
    return same.groupby(level="fye").mean().to_dict()


def absolute_2025_is_relative(ctx) -> bool:
    shares = anomaly(ctx.memo("dwp_cilif_2025", lambda: read(ctx.raw)))
    last = max(shares)
    return shares[last] == 1.0 and all(s < 0.5 for fye, s in shares.items() if fye != last)


def rows(ctx) -> list[dict]:
    return ctx.memo("dwp_cilif_2025_rows", lambda: _rows(ctx))


def _rows(ctx) -> list[dict]:
    data = ctx.memo("dwp_cilif_2025", lambda: read(ctx.raw))
    drop_abs_2025 = absolute_2025_is_relative(ctx)
    src = "dwp_cilif_2025"
    out = []
    for ind, parts in data.items():
        w = parts["ward"]
        london = w[w.la_code.str.startswith("E09")]
        bromley = london[london.la_code == BROMLEY]
        expect_codes(f"{ctx.raw.relpath('dwp_cilif_ods')} [{TABLES[ind][0]}], Bromley wards", bromley.code, WARDS_2022)
        la = parts["la"][parts["la"].code.str.match(r"^E0[6-9]|^E10")]
        reg = parts["region"]
        if not (la.code == BROMLEY).any() or not (reg.code == LONDON).any():
            raise RawDataError(f"{ctx.raw.relpath('dwp_cilif_ods')}: no Bromley LA row or London region row for {ind}")
        eng = with_denominators(reg[reg.code.isin(ENGLISH_REGIONS)], "region")
        if eng.groupby("fye").code.nunique().min() != 9:
            raise RawDataError(f"{ctx.raw.relpath('dwp_cilif_ods')}: England needs all nine English regions for {ind}")
        eng = eng.groupby("fye", as_index=False)[["count", "den"]].sum().assign(code=ENGLAND)
        frames = [
            (with_denominators(london, "ward"), "ward2022", "ward: count / proportion (mid-year population)"),
            (with_denominators(la, "LA"), "la", "the workbook's local authority row"),
            (with_denominators(reg[reg.code == LONDON], "region"), "region", "the workbook's London region row"),
            (eng, "country", "England: exact sum of the workbook's nine English region rows"),
        ]
        for f, atype, how in frames:
            for r in f.itertuples():
                if ind == "child_poverty_absolute" and drop_abs_2025 and r.fye == max(f.fye):
                    continue
                out.append(
                    row(
                        ind,
                        r.code,
                        atype,
                        fye_period(r.fye),
                        r.count / r.den * 100,
                        numerator=r.count,
                        denominator=r.den,
                        source=src,
                        note=f"DWP {MEASURE[ind]}, children 0-15, FYE {r.fye}; {how}; denominator = count / proportion",
                    )
                )
    return out


def areas(ctx) -> pd.DataFrame:
    """London's wards (May 2024) in their boroughs; Bromley's own ward names come from the boundary file."""
    w = ctx.memo("dwp_cilif_2025", lambda: read(ctx.raw))["child_poverty"]["ward"]
    w = w[w.la_code.str.startswith("E09")].drop_duplicates("code")
    la = ctx.memo("dwp_cilif_2025", lambda: read(ctx.raw))["child_poverty"]["la"]
    la = la[la.code.str.match(r"^E0[6-9]|^E10")].drop_duplicates("code")
    return pd.concat(
        [
            pd.DataFrame({"area_code": w.code, "area_name": w.name, "area_type": "ward2022", "parent_code": w.la_code}),
            pd.DataFrame({"area_code": la.code, "area_name": la.name, "area_type": "la", "parent_code": None}),
        ],
        ignore_index=True,
    )


def report(ctx) -> dict[str, str]:
    """Build-log lines and caveats: the FYE 2025 absolute anomaly, counted from the workbook."""
    data = ctx.memo("dwp_cilif_2025", lambda: read(ctx.raw))
    shares = anomaly(data)
    text = ", ".join(f"FYE {fye}: {s:.1%}" for fye, s in sorted(shares.items()))
    if absolute_2025_is_relative(ctx):
        msg = (
            f"DWP CILIF FYE 2022-2025 workbook: absolute (BHC) figures equal the relative ones for every ward in "
            f"FYE {max(shares)} but not in earlier years (wards with identical counts and proportions: {text}). "
            f"FYE {max(shares)} absolute is left out of the build: it is not a separate finding."
        )
        ctx.log.append(msg)
        return {"child_poverty_absolute": msg}
    return {}
