"""Record-level council files: one row per young person or child, aggregated to ward counts on read.

Case-management systems export one row per person. Here each row is placed in a ward (a ward code or
name, or an LSOA code through the ONS best-fit lookups in the store) and a period; an optional status
column says whether the person counts (NEET, not known, EET; looked after or not); the rows are then
counted per ward and period and only those counts go on. Columns that identify a person were dropped
before this module sees the file (:func:`loaders.extract_columns.identifying`), and no record, and no
value of a record, is ever stored: problems quote a status or a ward as written, nothing else.

The denominator (the cohort, or the population a rate is per) comes from one of:
- ``rows``: every person listed (with a status column: the whole cohort is in the file);
- ``column``: a column of the file holding the ward's denominator (the same on every row of a ward);
- ``file``: a second file with ward, period and denominator columns;
- ``population``: a population the catalogue holds (e.g. children aged 0-15, nearest mid-year);
the choice is shown on the page and recorded with the version.
"""

from __future__ import annotations

import re

import pandas as pd

from loaders import extract_columns as cols

LSOA_SCHEMES = {"lsoa2021": "ward2022", "lsoa2011": "ward2014"}
MAX_STATUS_LISTED = 20

_NOT_KNOWN = re.compile(r"\b(not known|unknown|nk|not traced|cannot be contacted|current situation not known)\b")
_NEET = re.compile(r"^(neet\b.*|not in education employment or training.*|n)$")
_EET = re.compile(
    r"(^|\b)(eet|education|employment|employed|training|apprentice\w*|school|college|sixth form|"
    r"university|in learning|not neet|volunteering|e)(\b|$)"
)
_CLA = re.compile(r"^(cla|lac|looked after|looked after child|in care|yes|y|current|open|cic)$")
_NOT_CLA = re.compile(r"^(not looked after|ceased|closed|no|n|left care|care leaver|not cla)$")
_YES = re.compile(r"^(yes|y|true|1|counted|counts|included|in numerator)$")  # any other indicator
_NO = re.compile(r"^(no|n|false|0|not counted|excluded|not in numerator)$")
_OWN_STATUSES = ("neet", "neet_or_not_known", "cla_rate")


def status_counts(text: str, indicator: str) -> bool | None:
    """Whether a person with this status counts in the numerator; None if the status is not understood."""
    s = cols.norm(text)
    if indicator == "cla_rate":
        return True if _CLA.fullmatch(s) else False if _NOT_CLA.fullmatch(s) else None
    if indicator not in _OWN_STATUSES:  # any other indicator: yes / no
        return True if _YES.fullmatch(s) else False if _NO.fullmatch(s) else None
    if _NOT_KNOWN.search(s):
        return indicator == "neet_or_not_known"
    if _NEET.fullmatch(s):
        return True
    if _EET.search(s):
        return False
    return None


def aggregate(
    df: pd.DataFrame, mapping: dict, indicator: str, wards: pd.DataFrame, opts, snapshot: bool, count: bool = False
):
    """(standard frame, where, problems) for a record-level file: one row per ward and period with counts as
    text, ``where`` naming each aggregate (ward and period, not a row), and problems with the file's rows.
    ``count``: the indicator is a count alone (no denominator).

    Raises ``extracts._Refused`` listing every problem in the records themselves (ward, period, status)."""
    from loaders import extracts  # noqa: PLC0415 (extracts imports this module)

    problems: list = []
    n = len(df)
    # periods
    period_col = mapping["period"]
    labels = []
    for i, text in df[period_col].items():
        label, problem = extracts._period(text, indicator, opts.academic)
        labels.append(label)
        if problem:
            problems.append(extracts.Problem(i, period_col, problem))
    # wards (or LSOAs through the lookups)
    matched, where_col = _places(df, mapping, wards, opts, problems)
    scheme = extracts._scheme(matched, problems)
    # status
    counts = pd.Series(True, index=df.index)
    status_col = mapping.get("status")
    if status_col:
        unknown: dict[str, list[int]] = {}
        values = df[status_col]
        understood = {v: status_counts(v, indicator) for v in values.unique()}
        for i, v in values.items():
            if understood[v] is None:
                unknown.setdefault(v, []).append(i)
        for v, rows in list(unknown.items())[:MAX_STATUS_LISTED]:
            more = f" (and {len(rows) - 1} more row(s))" if len(rows) > 1 else ""
            problems.append(
                extracts.Problem(
                    rows[0],
                    status_col,
                    f"{extracts._show(v)!r} is not a status this page knows ({_known(indicator)}){more}",
                )
            )
        if len(unknown) > MAX_STATUS_LISTED:
            problems.append(extracts.Problem(None, status_col, f"{len(unknown)} different statuses are not understood"))
        counts = values.map(lambda v: bool(understood[v]))
    how = "none" if count else _denominator_choice(opts, mapping, status_col)
    if how is None:
        problems.append(
            extracts.Problem(
                None,
                None,
                "a record-level file without a status column counts every row: "
                "choose where the denominator comes from (a column, a second "
                "file, or a population in the catalogue)",
            )
        )
    if problems:
        raise extracts._Refused(sorted(problems, key=extracts._order), list(df.columns), [], mapping)
    rec = pd.DataFrame(
        {
            "area_code": [matched[i][scheme] for i in df.index],
            "period": labels,
            "counts": counts.values,
            "written": df[period_col].values,
        },
        index=range(n),
    )
    agg = (
        rec.groupby(["area_code", "period"], sort=True)
        .agg(numerator=("counts", "sum"), rows=("counts", "size"), written=("written", "first"))
        .reset_index()
    )
    if how in ("file", "population"):  # every ward of the scheme, none counted where no one is listed
        scheme_wards = wards.loc[wards.area_type == scheme, "area_code"].drop_duplicates()
        full = pd.MultiIndex.from_product([sorted(scheme_wards), sorted(set(labels))], names=["area_code", "period"])
        agg = agg.set_index(["area_code", "period"]).reindex(full).reset_index()
        agg["numerator"] = agg["numerator"].fillna(0)
        agg["rows"] = agg["rows"].fillna(0)
        first = rec.drop_duplicates("period").set_index("period")["written"]
        agg["written"] = agg["period"].map(first)
    described, dens, den_problems = _denominators(how, agg, df, mapping, rec, wards, scheme, opts, indicator)
    if den_problems:
        raise extracts._Refused(den_problems, list(df.columns), [], mapping)
    std = pd.DataFrame(
        {
            "area_code": agg["area_code"],
            "period": agg["period"],
            "numerator": agg["numerator"].astype(int).astype(str),
            "denominator": dens,
            "period_written": agg["written"],
            "note": "",
        }
    )
    std.attrs.update(scheme=scheme, denominator=described)
    where = [(None, f"ward {c}, period {p}") for c, p in zip(std.area_code, std.period)]  # no one row to name
    return std, where, []


def _known(indicator: str) -> str:
    if indicator not in _OWN_STATUSES:
        return "yes / no: whether the person counts"
    return (
        "e.g. looked after / ceased"
        if indicator == "cla_rate"
        else "NEET, not known, or EET: education, employment, training"
    )


def _places(df, mapping, wards, opts, problems) -> tuple[dict, str]:
    """{row: {scheme: ward code}} for each record placed in a ward; problems for the others."""
    from loaders import extracts  # noqa: PLC0415

    codes = {sch: set(wards.loc[wards.area_type == sch, "area_code"]) for sch in extracts.SCHEMES}
    by_name = {
        sch: {
            extracts.normalise_name(nm): c
            for nm, c in wards.loc[wards.area_type == sch, ["area_name", "area_code"]].values
        }
        for sch in extracts.SCHEMES
    }
    matched: dict = {}
    lsoa_col = mapping.get("lsoa")
    if lsoa_col and not (mapping.get("ward") or mapping.get("ward_code") or mapping.get("ward_name")):
        lk = opts.lookups
        if lk is None or lk.empty:
            problems.append(
                extracts.Problem(
                    None, lsoa_col, "LSOA codes need the LSOA to ward lookups, which are not available here"
                )
            )
            return matched, lsoa_col
        lk = lk[lk.from_type.isin(LSOA_SCHEMES) & (lk.to_type == lk.from_type.map(LSOA_SCHEMES))]
        to_ward = {}
        for f, _ft, t, tt in lk[["from_code", "from_type", "to_code", "to_type"]].itertuples(index=False):
            to_ward.setdefault(f, {})[tt] = t
        seen: dict[str, int] = {}
        for i, v in df[lsoa_col].items():
            code = v.strip().upper()
            if code in to_ward:
                matched[i] = to_ward[code]
            elif code not in seen:
                seen[code] = i
                problems.append(
                    extracts.Problem(
                        i,
                        lsoa_col,
                        f"{extracts._show(v)!r} is not a Bromley LSOA code" if v.strip() else "no LSOA given",
                    )
                )
        if matched and all(len(found) == 2 for found in matched.values()):
            # every code is both a 2011 and a 2021 LSOA (unchanged): read as 2021 LSOAs, in 2022 wards
            matched = {i: {"ward2022": found["ward2022"]} for i, found in matched.items()}
        return matched, lsoa_col
    ward = mapping.get("ward")
    if ward:
        code_s, name_s = (s for s in extracts._split_ward(df[ward]))
        header = ward
    else:
        code_s = df[mapping["ward_code"]].str.upper() if mapping.get("ward_code") else pd.Series("", index=df.index)
        name_s = df[mapping["ward_name"]] if mapping.get("ward_name") else pd.Series("", index=df.index)
        header = "/".join(h for h in (mapping.get("ward_code"), mapping.get("ward_name")) if h)
    reported: set = set()
    for i in df.index:
        found, problem = extracts._ward(code_s[i], name_s[i], codes, by_name)
        if problem:
            key = (code_s[i], name_s[i])
            if key not in reported:  # one line per unknown ward, not one per person
                reported.add(key)
                problems.append(extracts.Problem(i, ward or mapping.get(problem[0]) or header, problem[1]))
        if found:
            matched[i] = found
    return matched, header


def _denominator_choice(opts, mapping, status_col) -> str | None:
    how = opts.denominator
    if how != "auto":
        return how
    if mapping.get("denominator"):
        return "column"
    if opts.denominator_file is not None:
        return "file"
    if status_col:
        return "rows"
    if opts.population is not None and not opts.population.empty:
        return "population"
    return None


def _denominators(how, agg, df, mapping, rec, wards, scheme, opts, indicator=""):
    """(what the denominator is, in words; denominators as text per aggregate row; problems)."""
    from loaders import extracts  # noqa: PLC0415

    if how == "none":
        return "none (a count)", pd.Series("", index=agg.index), []
    if how == "rows":
        return "every person listed in the file", agg["rows"].astype(int).astype(str), []
    if how == "column":
        col = mapping.get("denominator")
        if not col:
            return "", None, [extracts.Problem(1, None, "no denominator column chosen")]
        rec = rec.assign(den=df[col].values)
        per = rec.groupby(["area_code", "period"])["den"].agg(lambda s: sorted(set(s)))
        problems = [
            extracts.Problem(
                None,
                col,
                f"ward {c}, period {p}: the denominator differs between rows "
                f"({', '.join(extracts._show(x) for x in v[:3])})",
            )
            for (c, p), v in per.items()
            if len(v) > 1
        ]
        dens = [per.get((c, p), [""])[0] for c, p in zip(agg.area_code, agg.period)]
        return f"column {col!r} of the file", pd.Series(dens, index=agg.index), problems
    if how == "file":
        return _denominator_file(agg, wards, scheme, opts, indicator)
    if how == "population":
        pop = opts.population
        if pop is None or pop.empty:
            return "", None, [extracts.Problem(None, None, "no population is available to divide by")]
        pop = pop[pop.area_type == scheme]
        dens, used = [], set()
        for c, p in zip(agg.area_code, agg.period):
            start = extracts.periods.for_indicator(indicator, p)[1]
            cand = pop[pop.area_code == c]
            if cand.empty:
                dens.append("")
                continue
            best = cand.iloc[(cand.period_start - start).abs().argsort().iloc[0]]
            used.add(str(best.period))
            dens.append(str(int(round(best.value))))
        what = f"{opts.population_label or 'population'} ({', '.join(sorted(used))}), from the catalogue"
        return what, pd.Series(dens, index=agg.index), []
    return "", None, [extracts.Problem(None, None, f"unknown denominator choice {how!r}")]


def _denominator_file(agg, wards, scheme, opts, indicator=""):
    """Denominators from a second file (ward, period, denominator), every problem in it listed."""
    from loaders import extracts  # noqa: PLC0415

    if not opts.denominator_file:
        return "", None, [extracts.Problem(None, None, "no denominator file given")]
    data, name = opts.denominator_file
    df, problems = extracts.read_table(data, name)
    tag = lambda ps: [extracts.Problem(p.row, p.column, f"denominator file: {p.message}") for p in ps]  # noqa: E731
    if df is None:
        return "", None, tag(problems)
    df.columns = [str(c).strip() for c in df.columns]
    df = df.drop(columns=[c for c in df.columns if cols.identifying(c)])
    df, problems = extracts._tidy(df)
    mapping, _ = cols.suggest(list(df.columns), "")
    missing = [r for r in ("period", "denominator") if not mapping.get(r)]
    if not (mapping.get("ward") or mapping.get("ward_code") or mapping.get("ward_name")):
        missing.insert(0, "ward")
    if missing:
        return "", None, tag(problems + [extracts.Problem(1, None, f"missing column(s): {', '.join(missing)}")])
    std, where, _ = extracts._aggregate(df, {**mapping, "numerator": mapping["denominator"]}, {})
    out = pd.DataFrame(index=std.index)
    inner = extracts._check_periods(std, indicator, out, opts.academic)
    extracts._match_wards(std, wards, out, inner)
    values = {}
    for i in std.index:
        v, problem = extracts._count(std.at[i, "denominator"], 1)
        if problem:
            inner.append(extracts.Problem(i, "denominator", problem))
        values[i] = v
    if inner:
        return "", None, tag([extracts._locate(p, where, mapping) for p in inner])
    table = {(out.at[i, "area_code"], out.at[i, "period"]): values[i] for i in std.index}
    dens, problems = [], []
    for c, p in zip(agg.area_code, agg.period):
        v = table.get((c, p))
        if v is None:
            problems.append(extracts.Problem(None, None, f"denominator file: no denominator for ward {c}, period {p}"))
            dens.append("")
        else:
            dens.append(str(int(v)))
    return f"the file {name!r}", pd.Series(dens, index=agg.index), problems
