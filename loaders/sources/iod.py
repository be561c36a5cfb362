"""Indices of Deprivation 2019 and 2025: IDACI (LSOA, both ward schemes, Bromley, London 2019) and children 0-15."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.catalogue import OGL
from loaders.codes import BROMLEY, LONDON
from loaders.raw import RawFile, register
from loaders.rows import row

RAW = [
    RawFile("iod2019", "ID 2019 for London.xlsx"),
    RawFile(
        "iod2025",
        "IoD2025_File7_Bromley.csv",
        "ascii",
        (
            "LSOA code (2021)",
            "LSOA name (2021)",
            "Local Authority District code (2024)",
            "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
            "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)",
            "Dependent Children aged 0-15: mid 2022",
        ),
    ),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "mhclg_iod2019": dict(
        raw=["iod2019"],
        licence=OGL,
        publisher="Ministry of Housing, Communities and Local Government (via Greater London Authority)",
        title="English Indices of Deprivation 2019 (GLA London extract 'ID 2019 for London')",
        url="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (MHCLG, English Indices of Deprivation 2019; GLA London Datastore)",
    ),
    "mhclg_iod2025": dict(
        raw=["iod2025"],
        licence=OGL,
        publisher="Ministry of Housing, Communities and Local Government",
        title="English Indices of Deprivation 2025, File 7: all ranks, scores, deciles and population denominators (Bromley rows)",
        url="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (MHCLG, English Indices of Deprivation 2025)",
    ),
}
INDICATORS = ["idaci", "idaci_most_deprived_20", "child_population"]


def rows(ctx) -> list[dict]:
    l19, b19, b25 = ctx.lsoa
    return idaci_rows(l19, b19, b25, ctx.link)


def idaci_rows(l19, b19, b25, link) -> list[dict]:
    rows = []
    src19, src25 = "mhclg_iod2019", "mhclg_iod2025"
    # LSOA level
    for r in b19.itertuples():
        rows.append(
            row(
                "idaci",
                r.lsoa11,
                "lsoa2011",
                "2019",
                r.score * 100,
                numerator=r.num19,
                denominator=r.children15,
                decile=int(r.decile),
                source=src19,
                note="numerator = score x children aged 0-15 (mid-2015); published numerators are rounded to 5",
            )
        )
        rows.append(row("child_population", r.lsoa11, "lsoa2011", "mid-2015", r.children15, source=src19))
    for r in b25.itertuples():
        rows.append(
            row(
                "idaci",
                r.lsoa21,
                "lsoa2021",
                "2025",
                r.score * 100,
                numerator=r.num25,
                denominator=r.children22,
                decile=int(r.decile),
                source=src25,
                note="numerator derived as score x children aged 0-15 (mid-2022)",
            )
        )
        rows.append(row("child_population", r.lsoa21, "lsoa2021", "mid-2022", r.children22, source=src25))

    # Assign every LSOA's counts to both ward schemes.
    w19 = b19[["lsoa11", "WD20CD", "num19", "children15", "decile"]].rename(columns={"WD20CD": "ward2014"})
    w19 = w19.merge(link[["lsoa11", "lsoa21", "share"]], on="lsoa11").merge(
        b25[["lsoa21", "WD25CD"]].rename(columns={"WD25CD": "ward2022"}), on="lsoa21"
    )
    for col in ("num19", "children15"):
        w19[col] = w19[col] * w19.share
    w25 = b25[["lsoa21", "WD25CD", "num25", "children22", "decile"]].rename(columns={"WD25CD": "ward2022"})
    w25 = w25.merge(link[["lsoa11", "lsoa21"]], on="lsoa21").merge(
        b19[["lsoa11", "WD20CD"]].rename(columns={"WD20CD": "ward2014"}), on="lsoa11"
    )

    for period, frame, num, den, src, popperiod in (
        ("2019", w19, "num19", "children15", src19, "mid-2015"),
        ("2025", w25, "num25", "children22", src25, "mid-2022"),
    ):
        frame = frame.assign(dep20=np.where(frame.decile <= 2, frame[den], 0.0))
        for scheme in ("ward2014", "ward2022", "la"):
            key = frame[scheme] if scheme != "la" else pd.Series(BROMLEY, index=frame.index)
            agg = frame.groupby(key)[[num, den, "dep20"]].sum().sort_index()
            atype = "la" if scheme == "la" else scheme
            for code, a in agg.iterrows():
                rows.append(
                    row(
                        "idaci",
                        code,
                        atype,
                        period,
                        a[num] / a[den] * 100,
                        numerator=a[num],
                        denominator=a[den],
                        source=src,
                        note="sum of LSOA score x children / sum of children (best-fit LSOA lookup)",
                    )
                )
                rows.append(
                    row(
                        "idaci_most_deprived_20",
                        code,
                        atype,
                        period,
                        a.dep20 / a[den] * 100,
                        numerator=a.dep20,
                        denominator=a[den],
                        source=src,
                        note="children in LSOAs in national IDACI deciles 1-2",
                    )
                )
                rows.append(row("child_population", code, atype, popperiod, round(a[den], 6), source=src))

    lon = l19[["num19", "children15"]].sum()
    rows.append(
        row(
            "idaci",
            LONDON,
            "region",
            "2019",
            lon.num19 / lon.children15 * 100,
            numerator=lon.num19,
            denominator=lon.children15,
            source=src19,
            note=f"all {len(l19)} London LSOAs: sum of score x children / sum of children",
        )
    )
    lon_dep = l19.loc[l19.decile <= 2, "children15"].sum()
    rows.append(
        row(
            "idaci_most_deprived_20",
            LONDON,
            "region",
            "2019",
            lon_dep / lon.children15 * 100,
            numerator=lon_dep,
            denominator=lon.children15,
            source=src19,
        )
    )
    return rows
