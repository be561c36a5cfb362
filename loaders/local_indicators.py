"""Local indicators: a council's own measure, defined by an officer, with the metadata every page needs.

Beyond the catalogue (:mod:`loaders.catalogue`), a council may hold ward figures for a measure no one
publishes (e.g. "Children missing education", "Early help assessments per 1,000 children"). An officer
defines it once (the Local extracts page, or ``python -m loaders define``): an id, a name, a definition,
a unit, a polarity, an interval method, and optionally why it matters and caveats. Definitions are kept
in ``data/local/indicators.json`` (git-ignored, written atomically, every change in the change log), and
the Store adds each defined indicator that has an extract loaded to its ``indicators`` table, so every
picker, the hotspots, the ward profile, the trends, the exports and the board packs list it.

A local indicator has no published comparator: no England or London value exists. Where the extract
covers every ward of its scheme for a period, Bromley's value is the sum of the extract's ward counts
(:func:`borough_totals`), so the pages can still compare wards with Bromley. Its counts are the council's
own, so public mode treats them as disclosive (small numbers suppressed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd

from loaders.catalogue import INDICATORS as CATALOGUE
from loaders.codes import BROMLEY, POLARITIES

FILE = "indicators.json"
ID = re.compile(r"[a-z][a-z0-9_]{2,39}")
# unit choice -> (unit as every page shows it, multiplier, interval methods it allows, default method)
UNITS = {
    "percentage": ("%", 100.0, ("wilson", "none"), "wilson"),
    "rate_per_1000": ("per 1,000", 1000.0, ("byar_exact", "none"), "byar_exact"),
    "rate_per_10000": ("per 10,000", 10000.0, ("byar_exact", "none"), "byar_exact"),
    "count": ("count", 1.0, ("none",), "none"),
}
UNIT_LABELS = {
    "percentage": "Percentage (numerator / denominator x 100)",
    "rate_per_1000": "Rate per 1,000 (numerator / denominator x 1,000)",
    "rate_per_10000": "Rate per 10,000 (numerator / denominator x 10,000)",
    "count": "Count (the numerator alone; no denominator needed)",
}
_UNIT_SPELLINGS = {
    "%": "percentage",
    "percent": "percentage",
    "proportion": "percentage",
    "per 1,000": "rate_per_1000",
    "per 1000": "rate_per_1000",
    "rate_1000": "rate_per_1000",
    "per 10,000": "rate_per_10000",
    "per 10000": "rate_per_10000",
    "rate_10000": "rate_per_10000",
}
POLARITY_LABELS = {
    "low_is_good": "Lower is better",
    "high_is_good": "Higher is better",
    "no_judgement": "No judgement (higher / lower only; never a hotspot flag)",
}
INTERVAL_LABELS = {
    "wilson": "Wilson score interval (for a proportion)",
    "byar_exact": "Byar's method, exact Poisson below 10 events (for a rate)",
    "none": "No interval",
}
_INTERVAL_SPELLINGS = {"byar": "byar_exact", "poisson": "byar_exact", "wilson_score": "wilson", "": ""}
MAX_TEXT = {"name": 120, "definition": 1000, "why": 1000, "caveats": 1000}
RESERVED = {"all", "none", "local", "illustrative", "template"}
LOCAL_CAVEAT = (
    "A local indicator defined by the council: ward figures come from its own extract only, and no England or "
    "London value is published. Bromley's value is the sum of the extract's ward counts, where every ward is present."
)


class DefinitionError(ValueError):
    """A definition that cannot be stored; ``problems`` lists every reason, in words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def path(data_dir: Path) -> Path:
    return Path(data_dir) / "local" / FILE


def load(data_dir: Path) -> dict[str, dict]:
    """{id: definition} from ``data/local/indicators.json``; {} when there is none. An unreadable file, or an
    entry that no longer validates, is left out (the pages keep working; the Local extracts page says so)."""
    try:
        raw = json.loads(path(data_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    items = raw.get("indicators", {}) if isinstance(raw, dict) else {}
    for key, spec in items.items() if isinstance(items, dict) else ():
        with contextlib.suppress(DefinitionError, TypeError, AttributeError):
            d = check(spec, existing={}, replace=True)
            if d["id"] == key:
                out[key] = {**d, **{k: spec[k] for k in ("defined_by", "defined_at") if k in spec}}
    return out


def _text(value, field: str, problems: list[str], *, required: bool) -> str:
    s = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    s = re.sub(r"\s+", " ", s)
    if any(unicodedata.category(c) == "Cc" for c in s):
        problems.append(f"{field} contains control characters")
    if required and not s:
        problems.append(f"{field} is required")
    if len(s) > MAX_TEXT[field]:
        problems.append(f"{field} is {len(s)} characters long; at most {MAX_TEXT[field]}")
    return s


def unit_key(unit) -> str:
    u = str(unit or "").strip().lower()
    return _UNIT_SPELLINGS.get(u, u)


def check(spec: dict, *, existing: dict[str, dict], replace: bool = False) -> dict:
    """The definition cleaned (id, name, definition, unit, polarity, interval, why, caveats), or
    :class:`DefinitionError` listing every problem at once."""
    if not isinstance(spec, dict):
        raise DefinitionError(["a definition is a set of named fields"])
    problems: list[str] = []
    ind = str(spec.get("id") or "").strip()
    catalogue = {i["id"]: i for i in CATALOGUE}
    if not ID.fullmatch(ind):
        problems.append(
            f"id {ind[:40]!r} must be 3-40 characters: lower-case letters, digits and underscores, starting with a "
            "letter (e.g. missing_education)"
        )
    elif ind in catalogue:
        problems.append(
            f"id {ind!r} is a catalogue indicator ({catalogue[ind]['name']}): load the council's figures for it "
            "as an extract instead, or choose another id"
        )
    elif ind in RESERVED:
        problems.append(f"id {ind!r} is reserved; choose another")
    elif ind in existing and not replace:
        problems.append(f"id {ind!r} is already defined (remove it first, or replace it)")
    name = _text(spec.get("name"), "name", problems, required=True)
    if name and name.casefold() in {i["name"].casefold() for i in CATALOGUE}:
        problems.append(f"name {name!r} is a catalogue indicator's name; choose another")
    if name and any(name.casefold() == d["name"].casefold() and k != ind for k, d in existing.items()):
        problems.append(f"name {name!r} is already used by another local indicator")
    definition = _text(spec.get("definition"), "definition", problems, required=True)
    why = _text(spec.get("why"), "why", problems, required=False)
    caveats = _text(spec.get("caveats"), "caveats", problems, required=False)
    unit = unit_key(spec.get("unit"))
    if unit not in UNITS:
        problems.append(f"unit {str(spec.get('unit'))[:40]!r} is not one of {', '.join(UNITS)}")
    polarity = str(spec.get("polarity") or "").strip().lower()
    if polarity not in POLARITIES:
        problems.append(f"polarity {polarity[:40]!r} is not one of {', '.join(POLARITIES)}")
    interval = str(spec.get("interval") or "").strip().lower()
    interval = _INTERVAL_SPELLINGS.get(interval, interval)
    if unit in UNITS:
        allowed = UNITS[unit][2]
        interval = interval or UNITS[unit][3]
        if interval not in allowed:
            problems.append(
                f"interval {interval[:40]!r} does not suit the unit {unit}: choose "
                + " or ".join(allowed)
                + (" (Wilson for a proportion, Byar for a rate)" if len(allowed) > 1 else "")
            )
    if problems:
        raise DefinitionError(problems)
    return dict(
        id=ind,
        name=name,
        definition=definition,
        unit=unit,
        polarity=polarity,
        interval=interval,
        why=why,
        caveats=caveats,
    )


def meta(d: dict) -> dict:
    """What an extract needs to know of a local indicator (as :func:`loaders.extracts.meta_of` gives)."""
    shown, mult, _, _ = UNITS[d["unit"]]
    return dict(
        id=d["id"],
        name=d["name"],
        unit=shown,
        multiplier=mult,
        interval=d["interval"],
        bounded=d["unit"] == "percentage",
        count=d["unit"] == "count",
        snapshot=False,
        local=True,
    )


def table(defs: dict[str, dict]) -> pd.DataFrame:
    """Definitions as rows of the Store's ``indicators`` table (loaders.schema.INDICATORS columns)."""
    rows = []
    for d in defs.values():
        m = meta(d)
        rows.append(
            dict(
                indicator_id=d["id"],
                name=d["name"],
                unit=m["unit"],
                multiplier=m["multiplier"],
                polarity=d["polarity"],
                hotspot_polarity="no_judgement" if m["count"] else d["polarity"],
                interval=d["interval"],
                headline=False,
                trend_comparable=True,
                disclosive=True,
                definition=d["definition"],
                why=d["why"] or "Defined by the council for its own ward figures.",
                source_ids=f"local_{d['id']}",
                caveats=" ".join(x for x in (d["caveats"], LOCAL_CAVEAT) if x),
            )
        )
    cols = [
        "indicator_id",
        "name",
        "unit",
        "multiplier",
        "polarity",
        "hotspot_polarity",
        "interval",
        "headline",
        "trend_comparable",
        "disclosive",
        "definition",
        "why",
        "source_ids",
        "caveats",
    ]
    return pd.DataFrame(rows, columns=cols)


def borough_totals(rows: pd.DataFrame, defs: dict[str, dict], wards: dict[str, set[str]]) -> pd.DataFrame:
    """Bromley's value for each local indicator and period whose extract covers every ward of its scheme:
    the sum of the ward numerators over the sum of the ward denominators (a count: the sum), with the
    indicator's intervals. ``rows``: the local indicators' ward rows; ``wards``: scheme -> Bromley ward codes."""
    from loaders.intervals import with_intervals  # noqa: PLC0415
    from loaders.rows import finalise_values  # noqa: PLC0415

    out = []
    for (ind, scheme, period), g in rows.groupby(["indicator_id", "area_type", "period"], sort=True):
        if ind not in defs or set(g.area_code) != wards.get(scheme, set()) or g.numerator.isna().any():
            continue
        m = meta(defs[ind])
        num = float(g.numerator.sum())
        den = float(g.denominator.sum()) if g.denominator.notna().all() else float("nan")
        if not m["count"] and not den > 0:
            continue
        first = g.iloc[0]
        out.append(
            dict(
                indicator_id=ind,
                area_code=BROMLEY,
                area_type="la",
                period=period,
                period_start=first.period_start,
                period_end=first.period_end,
                breakdown="All",
                value=num if m["count"] else num / den * m["multiplier"],
                numerator=num,
                denominator=den,
                national_decile=pd.NA,
                is_illustrative=False,
                is_estimate=False,
                is_suppressed=False,
                note=f"Bromley: the sum of the council extract's {len(g)} ward counts ({scheme})",
                source_id=str(first.source_id),
                published_comparison="",
            )
        )
    if not out:
        return pd.DataFrame()
    v = pd.DataFrame(out)
    ind = pd.DataFrame(
        [{"indicator_id": k, "interval": d["interval"], "multiplier": meta(d)["multiplier"]} for k, d in defs.items()]
    )
    return finalise_values(with_intervals(v, ind))


# --------------------------------------------------------------------------- storage
def define(spec: dict, data_dir: Path, *, actor: str | None = None, replace: bool = False) -> dict:
    """Check and store a definition (atomically; logged in the change log by ``actor``). Raises
    :class:`DefinitionError` (nothing stored) or ``extracts.StoreError`` (the folder failed; nothing stored)."""
    from loaders import extract_history, extracts  # noqa: PLC0415 (extracts imports this module)

    check(spec, existing=load(data_dir), replace=replace)  # every problem, before anything is touched
    d = extracts.local_dir(data_dir)
    try:
        d.mkdir(exist_ok=True)
        with extract_history.locked(d):
            defs = load(data_dir)
            clean = check(spec, existing=defs, replace=replace)  # again: another officer may have defined it
            clean.update(defined_by=actor or extracts.cli_actor(), defined_at=extract_history.now())
            action = "redefine" if clean["id"] in defs else "define"
            defs[clean["id"]] = clean
            _write(d, defs, action, clean["id"], actor)
    except OSError as e:
        raise extracts._store_error(e, "nothing was stored") from e
    return clean


def undefine(ind: str, data_dir: Path, *, actor: str | None = None) -> bool:
    """Remove a definition (False if there was none). Refused (DefinitionError) while its extract is loaded:
    remove the extract first, so no figures are left without their metadata."""
    from loaders import extract_history, extracts  # noqa: PLC0415

    d = extracts.local_dir(data_dir)
    if not path(data_dir).is_file():
        return False
    try:
        with extract_history.locked(d):
            defs = load(data_dir)
            if ind not in defs:
                return False
            if (d / f"{ind}.parquet").exists():
                raise DefinitionError(
                    [
                        f"{ind} has an extract loaded: remove the extract first "
                        f"(python -m loaders remove --indicator {ind}, or Remove on the Local extracts page)"
                    ]
                )
            del defs[ind]
            _write(d, defs, "undefine", ind, actor)
    except OSError as e:
        raise extracts._store_error(e, "nothing was removed") from e
    return True


def _write(d: Path, defs: dict[str, dict], action: str, ind: str, actor: str | None) -> None:
    """indicators.json written beside its final name, fsynced, logged, renamed into place."""
    from loaders import extracts  # noqa: PLC0415

    content = json.dumps({"version": 1, "indicators": defs}, ensure_ascii=False, indent=1, sort_keys=True).encode()
    entry = extracts._change(action, ind, FILE, hashlib.sha256(content).hexdigest(), None, actor)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=d)
    try:
        try:
            if os.write(fd, content) != len(content):
                raise OSError(28, os.strerror(28))
            os.fsync(fd)
        finally:
            os.close(fd)
        with extracts._logged(d, entry):
            os.replace(tmp, d / FILE)
    finally:
        with contextlib.suppress(OSError):
            os.remove(tmp)
