"""OHID NCMP ward obesity, 3 years pooled (Fingertips 93105 / 93107), on 2022 wards, with counts.

Only in a refreshed raw cache (``python -m loaders refresh --source fingertips``; the shared raw folder
has no ward NCMP file), so the source is optional: without the files it adds no rows and no sources
entry and the build is unchanged. With them, the observed series on the current wards (counts,
denominators, Wilson intervals as OHID computes them, comparisons) are the latest ward obesity figures;
the GLA 2011/12-2013/14 series stays as history. Rows: :func:`loaders.refresh.ward_ncmp.rows`.
"""

from __future__ import annotations

from loaders import catalogue
from loaders.catalogue import OGL
from loaders.raw import RawDataError, RawFile, register
from loaders.refresh import ward_ncmp

RAW = [
    RawFile("ncmp_ward_reception", ward_ncmp.FILES["obesity_reception"], "utf-8-sig", ward_ncmp.NEEDED),
    RawFile("ncmp_ward_year6", ward_ncmp.FILES["obesity_year6"], "utf-8-sig", ward_ncmp.NEEDED),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    ward_ncmp.SOURCE_ID: dict(
        raw=["ncmp_ward_reception", "ncmp_ward_year6"],
        optional=True,
        licence=OGL,
        publisher="Office for Health Improvement and Disparities (Fingertips API)",
        title="NCMP: Reception and Year 6 prevalence of obesity (including severe obesity), 3 years pooled, wards "
        "(indicators 93105, 93107)",
        url="https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=93105,93107",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (OHID, National Child Measurement Programme)",
    ),
}
INDICATORS = ["obesity_reception", "obesity_year6"]
CAVEATS = (
    "Ward figures: OHID's 3-year pooled NCMP prevalence on the current (2022) wards, with counts, so Wilson "
    "95% and 99.8% intervals and comparisons (as OHID Fingertips). Earlier ward figures (GLA, to 2011/12-2013/14) "
    "are on 2014 wards without counts, and shown on 2022 wards only as ESTIMATES. Local authority values are annual."
)


def present(raw) -> bool:
    for key in ("ncmp_ward_reception", "ncmp_ward_year6"):
        try:
            raw.path(key)
            return True
        except RawDataError:
            pass
    return False


def rows(ctx) -> list[dict]:
    return ctx.memo("ohid_ncmp_ward", lambda: ward_ncmp.rows(ctx.raw)) if present(ctx.raw) else []


def indicator_overrides(ctx) -> dict[str, dict]:
    """With observed ward counts, obesity has intervals (Wilson) and the caveat says so."""
    if not present(ctx.raw):
        return {}
    ids = {i["id"]: i["source_ids"] for i in catalogue.INDICATORS}
    return {
        ind: {"interval": "wilson", "caveats": CAVEATS, "source_ids": f"{ids[ind]},{ward_ncmp.SOURCE_ID}"}
        for ind in INDICATORS
    }
