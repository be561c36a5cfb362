"""The build's source registry: one module per source, in ``catalogue.SOURCE_MODULES`` order.

Each module declares

* ``RAW``: the raw files it reads (:class:`loaders.raw.RawFile`, registered on import),
* ``SOURCES``: its entries for ``sources.parquet`` (publisher, title, URL, licence, attribution, raw keys),
* ``INDICATORS``: the indicator ids its rows carry (metadata in :mod:`loaders.catalogue`),

and any of

* ``rows(ctx)``: its value rows (a list of dicts from :func:`loaders.rows.row`, or a DataFrame),
* ``derive(ctx, values)``: rows computed from earlier sources' values (run after every ``rows``),
* ``areas(ctx)``: area names it is the authority for (area_code, area_name, area_type, parent_code),
  with ``AREA_PRIORITY`` (lower wins when two sources name the same area),
* ``report(ctx)``: lines for the build log (revisions, anomalies found in the source).

``Context`` carries the raw folder and the intermediate tables several sources share (LSOAs, the
2014 -> 2022 ward crosswalk), each computed once.
"""

from __future__ import annotations

from functools import cached_property
from importlib import import_module

from loaders import catalogue

MODULES = [import_module(f"{__name__}.{name}") for name in catalogue.SOURCE_MODULES]
SOURCES: dict[str, dict] = {sid: s for m in MODULES for sid, s in m.SOURCES.items()}


class Context:
    """What the source modules share during one build."""

    def __init__(self, raw):
        self.raw = raw
        self.log: list[str] = []  # build-log lines (also kept in the indicator caveats where they matter)
        self._memo: dict = {}

    def memo(self, key: str, fn):
        """``fn()`` once per build (e.g. a source read by both its ``rows`` and its ``areas``)."""
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]

    @cached_property
    def lsoa(self):
        """(l19, b19, b25): London IoD2019 LSOAs; Bromley LSOAs 2011 and 2021 with wards, children, IDACI."""
        from loaders.sources import geography  # noqa: PLC0415 (geography imports this package)

        return geography.lsoa_tables(self.raw)

    @cached_property
    def link(self):
        from loaders.sources import geography  # noqa: PLC0415 (geography imports this package)

        _, b19, b25 = self.lsoa
        return geography.lsoa_link(self.raw, b19, b25)

    @cached_property
    def crosswalk(self):
        from loaders.sources import geography  # noqa: PLC0415 (geography imports this package)

        _, b19, b25 = self.lsoa
        return geography.crosswalk(b25, self.link, b19)

    @cached_property
    def lu11(self):
        return self.raw.csv("lookup_lsoa11_wd20")

    @cached_property
    def lu21(self):
        return self.raw.csv("lookup_lsoa21_wd25")
