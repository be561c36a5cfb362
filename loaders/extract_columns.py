"""Which column of a council's file is which: recognised headers, explicit mappings, identifying columns.

Councils head their columns in their own words (``Ward``, ``Period``, ``NEET count``, ``Cohort``). A header
is compared with the usual words for each role after case, spacing and punctuation are set aside
(:func:`norm`); anything else is mapped explicitly (``--column numerator="NEET count"`` on the command
line, a selectbox per role on the Local extracts page). Two columns that both look like one role are
a problem (an ambiguous mapping), never a guess.

Columns that identify a person (names, dates of birth, IDs, addresses, postcodes, contact details) are
found by their header and dropped as soon as the file is read (:func:`identifying`): their values are
never looked at, mapped, reported or stored.

A *wide* file has one column per period (``2022/23``, ``2023/24``, or ``NEET 2023/24`` beside
``Cohort 2023/24``): :func:`wide_columns` finds them.
"""

from __future__ import annotations

import re
import unicodedata

from loaders import periods

# Roles, in the order they are shown. ``ward`` holds codes or names (told apart per cell).
ROLES = ("ward", "ward_code", "ward_name", "lsoa", "period", "numerator", "denominator", "status", "note")
ROLE_LABELS = {
    "ward": "Ward (code or name)",
    "ward_code": "Ward code",
    "ward_name": "Ward name",
    "lsoa": "LSOA code",
    "period": "Period",
    "numerator": "Numerator (count)",
    "denominator": "Denominator (cohort / population)",
    "status": "Status (one row per person)",
    "note": "Note",
}
NONE = ""  # "no column" in a mapping

_SYNONYMS = {
    "ward_code": {
        "ward code",
        "wardcode",
        "ward cd",
        "ward gss code",
        "ward ons code",
        "ons ward code",
        "gss code",
        "ons code",
        "area code",
        "code",
        "ward id code",
    },
    "ward_name": {"ward name", "wardname", "ward nm", "area name", "name of ward", "ward title"},
    "ward": {
        "ward",
        "area",
        "electoral ward",
        "ward 2022",
        "ward 2014",
        "wards",
        "ward of residence",
        "home ward",
        "residence ward",
    },
    "lsoa": {
        "lsoa",
        "lsoa code",
        "lsoa cd",
        "lsoa11cd",
        "lsoa21cd",
        "lsoa 2011",
        "lsoa 2021",
        "lsoa11",
        "lsoa21",
        "lower super output area",
        "lsoa of residence",
    },
    "period": {
        "period",
        "year",
        "financial year",
        "fy",
        "month",
        "date",
        "academic year",
        "time period",
        "reporting period",
        "snapshot date",
        "as at",
        "as at date",
        "census date",
        "quarter",
        "reporting year",
        "time",
        "period label",
        "reporting month",
        "year ending",
        "snapshot",
    },
    "numerator": {"numerator", "count", "number", "n", "num", "no", "total number", "value count", "cases", "events"},
    "denominator": {
        "denominator",
        "cohort",
        "population",
        "children",
        "pop",
        "cohort size",
        "total cohort",
        "base",
        "child population",
        "young people",
        "total",
        "denom",
        "population 0 17",
        "children 0 17",
        "population aged 0 17",
        "children aged 0 17",
        "number known to la",
        "known to la",
        "cohort known to la",
        "resident population",
        "mid year population",
    },
    "status": {
        "status",
        "neet status",
        "activity",
        "activity status",
        "current status",
        "outcome",
        "destination",
        "current activity",
        "situation",
        "current situation",
        "activity code",
        "category",
        "cla status",
        "legal status",
        "eet status",
    },
    "note": {"note", "notes", "comment", "comments", "remarks"},
}
_WARD_CODE = re.compile(r"(wd|ward)\s?\d{2}\s?cd")
_WARD_NAME = re.compile(r"(wd|ward)\s?\d{2}\s?nm")
_LSOA = re.compile(r"lsoa\s?\d{2}\s?cd")
_DENOMINATOR_WORDS = {"denominator", "cohort", "population", "pop", "base", "denom", "measured", "eligible"}
_NUMERATOR_WORDS = {"count", "number", "numerator", "no", "num", "total", "n"}
_RATE_WORDS = {"percent", "rate", "proportion", "pct", "per", "ratio", "percentage", "value"}
ALIASES = {  # an indicator's own name in the words councils use
    "neet": {"neet", "not in education employment or training", "neets"},
    "neet_or_not_known": {"neet or not known", "neet not known", "neet nk", "neet and not known"},
    "obesity_reception": {"obese", "obesity", "obese children", "children obese", "number obese"},
    "obesity_year6": {"obese", "obesity", "obese children", "children obese", "number obese"},
    "child_poverty": {"low income", "children in low income", "relative low income", "children in poverty"},
    "cla_rate": {
        "cla",
        "lac",
        "looked after",
        "looked after children",
        "children looked after",
        "cla count",
        "children in care",
        "cic",
    },
}
_IDENTIFYING = re.compile(
    r"""^(?:
      name | names | (first|fore|sur|last|full|given|family|middle|child|childs|young\ person|young\ persons|person|
                      persons|client|pupil|student|learner|preferred|legal)\s?names?
    | forename | forenames | surname | surnames | initials?
    | dob | d\ o\ b | date\ of\ birth | birth\ ?date | birthday | date\ born | age\ at\ .* date\ of\ birth
    | id | ids | (.*\ )?id | (.*\ )?ids | (.*\ )?identifier | upn | uln | (.*\ )?upn | (.*\ )?uln | nhs(\ number|\ no)?
    | (.*\ )?ref | (.*\ )?reference | (.*\ )?number\ ?id | ni(\ number|\ no)? | national\ insurance(\ number)?
    | case\ number | person\ number | client\ number | pupil\ number | unique\ pupil\ number | mosaic | lcs
    | (.*\ )?address(\ line)?(\ \d)? | street | road | house(\ number|\ name)? | flat | town | city
    | (.*\ )?post\ ?code | postal\ code | zip | (.*\ )?e\ ?mail(\ address)? | (.*\ )?phone(\ number)?
    | (.*\ )?mobile(\ number)? | (.*\ )?telephone(\ number)? | tel | contact(\ details)?
)$""",
    re.X,
)


def norm(header: str) -> str:
    """A header as compared here: NFKC, lower case, '&' and '%' as words, punctuation and spacing folded."""
    s = unicodedata.normalize("NFKC", str(header)).lower().replace("&", " and ").replace("%", " percent ")
    s = s.replace("'", "").replace("\u2019", "")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


def identifying(header: str) -> bool:
    """True for a column that identifies a person (name, date of birth, ID, address, postcode, contact)."""
    n = norm(header)
    if not n or n in _SYNONYMS["ward_code"] | _SYNONYMS["lsoa"] or _WARD_CODE.fullmatch(n) or _LSOA.fullmatch(n):
        return False
    if any(w in n.split() for w in ("ward", "lsoa", "area", "school", "setting", "la", "authority")):
        return False
    return bool(_IDENTIFYING.fullmatch(n))


def role_of(header: str, indicator: str, aliases: set[str] | None = None) -> str | None:
    """The role a header plainly names, or None. ``aliases``: more names of the indicator (a local
    indicator's name and id)."""
    n = norm(header)
    if not n:
        return None
    for role in ("ward_code", "ward_name", "ward", "lsoa", "period", "note", "status"):
        if n in _SYNONYMS[role]:
            return role
    if _WARD_CODE.fullmatch(n):
        return "ward_code"
    if _WARD_NAME.fullmatch(n):
        return "ward_name"
    if _LSOA.fullmatch(n):
        return "lsoa"
    words = set(n.split())
    if words & _RATE_WORDS:
        return None  # a percentage or rate is worked out here, never read
    aliases = ALIASES.get(indicator, set()) | {norm(a) for a in aliases or ()}
    named = n in aliases or any(_contains(n, a) for a in aliases)
    if n in _SYNONYMS["numerator"]:
        return "numerator"
    if n in _SYNONYMS["denominator"] or (words & _DENOMINATOR_WORDS and not named):
        return "denominator"
    if not named and _without_ages(n) in _SYNONYMS["denominator"]:  # "Children 5-15", "Young people aged 16-17"
        return "denominator"
    if named and (n in aliases or words & _NUMERATOR_WORDS or len(words) <= 4):
        return "numerator"
    if words & {"count", "numerator"}:
        return "numerator"
    return None


_AGE_WORDS = {"aged", "age", "ages", "to", "and", "under", "over", "plus", "years", "year", "yrs", "olds", "old"}


def _without_ages(n: str) -> str:
    """A normalised header without its age band: 'children 5 15' -> 'children'."""
    return " ".join(w for w in n.split() if not w.isdigit() and w not in _AGE_WORDS)


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def suggest(
    headers: list[str], indicator: str, aliases: set[str] | None = None
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """({role: header} for roles one header plainly names, {role: [headers]} for roles several could fill)."""
    found: dict[str, list[str]] = {}
    for h in headers:
        if header_period(h, snapshot=False, academic=False):
            continue  # a column of one period (a wide file), not a role
        role = role_of(h, indicator, aliases)
        if role:
            found.setdefault(role, []).append(h)
    mapping = {r: hs[0] for r, hs in found.items() if len(hs) == 1}
    ambiguous = {r: hs for r, hs in found.items() if len(hs) > 1}
    return mapping, ambiguous


def find_header(wanted: str, headers: list[str]) -> str | None:
    """The file's header an explicit mapping names: as written, or equal after :func:`norm`."""
    if wanted in headers:
        return wanted
    hits = [h for h in headers if norm(h) == norm(wanted)]
    return hits[0] if len(hits) == 1 else None


def parse_pairs(pairs: list[str]) -> tuple[dict[str, str], list[str]]:
    """``role=Header`` strings (the CLI's ``--column``) as {role: header}, and what could not be read."""
    mapping, bad = {}, []
    for p in pairs or []:
        role, sep, header = str(p).partition("=")
        role = norm(role).replace(" ", "_")
        role = {
            "code": "ward_code",
            "name": "ward_name",
            "count": "numerator",
            "cohort": "denominator",
            "population": "denominator",
            "year": "period",
        }.get(role, role)
        if not sep or role not in ROLES:
            bad.append(f"--column {p!r}: write ROLE=COLUMN, ROLE one of {', '.join(ROLES)}")
            continue
        mapping[role] = header.strip().strip('"').strip("'")
    return mapping, bad


# --------------------------------------------------------------------------- wide files
def header_period(header: str, *, snapshot: bool, academic: bool) -> tuple[str, str] | None:
    """(canonical period, rest of the header) when a header names a period (``2023/24``, ``NEET 2023/24``,
    ``Cohort Mar-24``); None otherwise."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    for pattern in (
        r"^(.*?)[\s_:-]*\(?((?:FY|AY|Q[1-4])?\s?\d{4}(?:[/-]\d{2,4})?(?:\s?Q[1-4])?|[A-Za-z]{3,9}[\s-]\d{2,4}"
        r"|\d{1,2}/\d{1,2}/\d{4})\)?$",
        r"^\(?((?:FY|AY|Q[1-4])?\s?\d{4}(?:[/-]\d{2,4})?(?:\s?Q[1-4])?)\)?[\s_:-]*(.*)$",
    ):
        m = re.match(pattern, text, re.I)
        if not m:
            continue
        rest, when = (m[1], m[2]) if pattern.startswith("^(.*?)") else (m[2], m[1])
        try:
            label = periods.written(when, snapshot=snapshot, academic=academic)
            start, end = periods.bounds(label)
        except periods.PeriodError:
            continue
        if start.year >= 2000 and end.year <= 2100:
            return label, rest.strip(" _-:()")
    return None


def wide_columns(
    headers: list[str], indicator: str, *, snapshot: bool, academic: bool, taken: set[str], aliases=None
) -> dict[str, dict[str, str]]:
    """{period: {"numerator": header, "denominator": header}} for a file with one column (or a pair of columns)
    per period. A header that is a period alone, or a period with the indicator's or a count's words, is
    that period's numerator; a period with cohort/population words its denominator."""
    out: dict[str, dict[str, str]] = {}
    for h in headers:
        if h in taken:
            continue
        found = header_period(h, snapshot=snapshot, academic=academic)
        if not found:
            continue
        label, rest = found
        role = "numerator" if not norm(rest) else role_of(rest, indicator, aliases)
        if role in ("numerator", "denominator"):
            out.setdefault(label, {}).setdefault(role, h)
    return out
