"""Census 2021 TS007A: children aged 0-14 by five-year band (LSOA 2021, both ward schemes, Bromley)."""

from __future__ import annotations

from loaders.catalogue import OGL
from loaders.codes import BROMLEY
from loaders.raw import RawFile, register
from loaders.rows import row

RAW = [
    RawFile(
        "census_ts007a",
        "census2021-ts007a-lsoa.csv",
        "utf-8",
        (
            "geography code",
            "Age: Aged 4 years and under",
            "Age: Aged 5 to 9 years",
            "Age: Aged 10 to 14 years",
            "Age: Aged 15 to 19 years",
        ),
    ),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "ons_census2021_ts007a": dict(
        raw=["census_ts007a"],
        licence=OGL,
        publisher="Office for National Statistics",
        title="Census 2021 TS007A: Age by five-year age bands (LSOA)",
        url="https://www.nomisweb.co.uk/sources/census_2021_bulk",
        attribution="Source: Office for National Statistics licensed under the Open Government Licence v3.0 (Census 2021)",
    ),
}
INDICATORS = ["census_children_0_14"]


def rows(ctx) -> list[dict]:
    _, b19, b25 = ctx.lsoa
    return census_rows(b25, ctx.link, b19)


def census_rows(b25, link, b19) -> list[dict]:
    rows = []
    src = "ons_census2021_ts007a"
    bands = ["0-4", "5-9", "10-14"]
    c = b25[["lsoa21", "WD25CD"] + bands].copy()
    c["All"] = c[bands].sum(axis=1)
    c = c.merge(link[["lsoa11", "lsoa21"]], on="lsoa21").merge(b19[["lsoa11", "WD20CD"]], on="lsoa11")
    c["la"] = BROMLEY
    for scheme, col in (("lsoa2021", "lsoa21"), ("ward2022", "WD25CD"), ("ward2014", "WD20CD"), ("la", "la")):
        agg = c.groupby(col)[bands + ["All"]].sum().sort_index()
        for code, a in agg.iterrows():
            for b in bands + ["All"]:
                rows.append(row("census_children_0_14", code, scheme, "2021", float(a[b]), breakdown=b, source=src))
    return rows
