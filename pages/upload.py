"""Local extracts: load the council's own ward NEET or children-looked-after figures (officers only)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from loaders import extract_columns, extracts
from loaders.store import default_data_dir
from ui import auth, modes, router
from ui.data import base_store
from ui.text import plain

SHOWN = 100  # problems listed on the page; all of them in the download
CLI = (
    'python -m loaders import my_neet.csv --indicator neet [--column numerator="NEET count"] [--preview]\n'
    "python -m loaders extracts [--history]      # list, every version\n"
    "python -m loaders rollback --indicator neet --to 3\n"
    "python -m loaders remove --indicator neet   # back to the illustrative series"
)


def main() -> None:
    st.title("Local ward extracts")
    st.markdown(
        "Ward-level NEET and children-looked-after figures are not published: the council holds them. An officer "
        "can load the council's own extract here and it replaces the **ILLUSTRATIVE** series for that indicator on "
        "every page. Extracts are stored on this server only (`data/local/`, never committed), and public mode "
        "still suppresses small numbers in them."
    )
    who = auth.writer()
    if who is None:
        _read_only(auth.read_only_reason() or "")
    else:
        _upload(who)
    _loaded(who)


def _read_only(reason: str) -> None:
    st.info(f"{reason} Viewing is not affected.", icon=":material/lock:")
    if reason.startswith("Sign in"):
        st.button("Sign in", on_click=st.login, icon=":material/login:")
    st.markdown(
        "An officer with access to the server can load or remove an extract from the command line; "
        "every page picks the change up on its next run:"
    )
    st.code(CLI, language="bash")


def _upload(who: auth.Writer) -> None:
    st.caption(f"You can change data here ({who.how}: {plain(who.who)}). Every change is logged.")
    st.download_button(
        "Download the template (CSV)",
        extracts.TEMPLATE.encode(),
        file_name="ward_extract_template.csv",
        mime="text/csv",
        on_click="ignore",
    )
    with st.expander("What the file may look like"):
        st.markdown(
            "- CSV saved as UTF-8, or an .xlsx workbook with a single sheet and no formulas.\n"
            "- **Ward figures**: one row per ward and period (e.g. `Ward, Period, NEET count, Cohort`), or one "
            "column per period (`Ward, 2022/23, 2023/24, Cohort`). Usual headers are recognised (ward / ward name / "
            "ward code / area; period / year / month / date; numerator / count / number / the indicator's name; "
            "denominator / cohort / population / children); choose any other below.\n"
            "- **One row per young person or child** (a case-management export): a ward (code or name) or an LSOA "
            "code, a period, and optionally a status (NEET / not known / EET). The rows are counted by ward; only "
            "the counts are stored. Columns that identify people (names, dates of birth, IDs, addresses, "
            "postcodes) are dropped as the file is read.\n"
            "- Periods as councils write them: `2023/24`, `2023-24`, `FY2023/24`, `Mar-24`, `March 2024`, `2024-03`, "
            "`31/03/2024`, `Q4 2023/24`, `2024` (for children looked after, a year means 31 March).\n"
            "- Either ward scheme, one per file; names match whatever their case, spacing or '&' / 'and'. Nothing "
            "is stored until you press Load, and nothing at all unless every row is valid.\n"
            "- A pooled period (e.g. `2021/22-2023/24`) cannot sit beside the single years it covers: the difference "
            "would reveal counts that public mode hides.\n"
            f"- At most {extracts.MAX_BYTES // 1_000_000} MB and {extracts.MAX_ROWS:,} rows."
        )
    indicator = st.selectbox("Indicator", list(extracts.LOCAL_INDICATORS), format_func=extracts.LOCAL_INDICATORS.get)
    kind = st.radio("The file holds", KINDS, horizontal=True)
    up = st.file_uploader("Extract file", type=["csv", "xlsx"], accept_multiple_files=False)
    if up is None:
        return
    data = up.getvalue()
    table, problems = _read(data, up.name)
    if table is None:
        _problems(up.name, problems)
        return
    records = kind == KINDS[1]
    dropped = [c for c in table.columns if extract_columns.identifying(c)]
    columns = [c for c in table.columns if c not in dropped]
    if dropped:
        st.info(
            f"Dropped as the file was read, because they identify people (their values are not read or "
            f"stored): {plain(', '.join(dropped))}.",
            icon=":material/visibility_off:",
        )
    s = base_store()
    opts = extracts.options_for(s, layout="records" if records else "aggregate")
    opts.columns, opts.academic = _mapping(indicator, columns, records), False
    if records:
        _denominator_choice(opts, columns)
    opts.academic = st.checkbox("Year pairs such as 2023/24 are academic years (September to August)", key="academic")
    res = extracts.validate(data, up.name, indicator, extracts.wards_of(s), opts, table=table)
    if not res.ok:
        _problems(up.name, res.problems)
        return
    _preview(res, indicator, s, up.name)
    if st.button(f"Load as the {extracts.LOCAL_INDICATORS[indicator]} extract", type="primary"):
        try:
            extracts.save(res, indicator, up.name, default_data_dir(), actor=who.who)
        except extracts.StoreError as e:
            st.error(f"{plain(up.name)} was not loaded: {plain(e)}")
            return
        st.success("Loaded. Every page now shows this extract in place of the illustrative series.")


KINDS = ("Ward figures", "One row per young person or child")
NO_COLUMN = "(none)"


def _read(data: bytes, name: str):
    """The file read once per upload (the mapping then changes without reading it again)."""
    key = ("upload_table", hashlib.sha256(data).hexdigest(), name)
    cache = st.session_state.get("_upload_read")
    if cache is None or cache[0] != key:
        table, problems = extracts.read_table(data, name)
        cache = (key, table, problems)
        st.session_state["_upload_read"] = cache
    table = cache[1]
    return (None if table is None else table.copy()), cache[2]


def _mapping(indicator: str, columns: list[str], records: bool) -> dict:
    """A selectbox per role, showing the file's columns; defaults: the mapping last used for this indicator,
    then what the headers plainly say. Every choice is passed on, so nothing is guessed behind the user."""
    roles = (
        ["ward", "ward_code", "ward_name", "lsoa", "period", "status", "denominator"]
        if records
        else ["ward", "ward_code", "ward_name", "period", "numerator", "denominator", "note"]
    )
    suggested, ambiguous = extract_columns.suggest(columns, indicator)
    if suggested.get("ward") and (suggested.get("ward_code") or suggested.get("ward_name")):
        suggested.pop("ward")
    remembered = extracts.remembered_mapping(default_data_dir(), indicator)
    sig = hashlib.sha256("\x1f".join([indicator, *columns]).encode()).hexdigest()[:10]
    mapping = {}
    st.markdown("**Which column is which**")
    cells = st.columns(4)
    for i, role in enumerate(roles):
        default = remembered.get(role) if remembered.get(role) in columns else suggested.get(role)
        options = [NO_COLUMN, *columns]
        choice = cells[i % 4].selectbox(
            extract_columns.ROLE_LABELS[role],
            options,
            index=options.index(default) if default in options else 0,
            key=f"map_{role}_{sig}",
        )
        if choice != NO_COLUMN or role not in ambiguous:  # left open: the ambiguity is listed as a problem
            mapping[role] = "" if choice == NO_COLUMN else choice
    if not mapping.get("period") and not records:
        st.caption(
            "No period column: columns named after a period (e.g. 2022/23, NEET 2023/24) are read as one period each."
        )
    return mapping


def _denominator_choice(opts, columns) -> None:
    labels = {
        "rows": "every person listed (the file is the whole cohort)",
        "column": "the column chosen as denominator",
        "file": "a second file (ward, period, denominator)",
        "population": f"the catalogue's population ({extracts.POPULATIONS['child_population']}, nearest mid-year)",
    }
    how = st.radio("Denominator", list(labels), format_func=labels.get, key="denominator_how")
    opts.denominator = how
    if how == "file":
        den = st.file_uploader("Denominator file", type=["csv", "xlsx"], key="denominator_file")
        if den is not None:
            opts.denominator_file = (den.getvalue(), den.name)


def _problems(name: str, problems) -> None:
    st.error(f"**{plain(name)} was not loaded**: {len(problems)} problem(s). Nothing was stored.")
    table = pd.DataFrame(
        [{"row": "" if p.row is None else str(p.row), "column": p.column or "", "problem": p.message} for p in problems]
    )
    st.markdown("\n".join(f"- {plain(p)}" for p in problems[:SHOWN]))  # as text: never Markdown
    if len(problems) > SHOWN:
        st.caption(f"… and {len(problems) - SHOWN} more: download the full list.")
    st.download_button(
        "All problems (CSV)",
        table.to_csv(index=False).encode(),
        file_name="problems.csv",
        mime="text/csv",
        on_click="ignore",
    )


def _preview(res, indicator: str, s, name: str) -> None:
    """What will be stored, and what it replaces: shown before anything is stored."""
    shown = [f"{lb} (written {', '.join(w)})" if w != [lb] else lb for lb, w in res.written.items()]
    st.success(f"{plain(name)}: {len(res.rows)} valid rows, {res.scheme}, periods {plain('; '.join(shown))}.")
    used = ", ".join(f"{extract_columns.ROLE_LABELS.get(r, r)} = {h}" for r, h in res.mapping.items() if h)
    layout = {
        "aggregate": "one row per ward and period",
        "wide": "one column per period",
        "records": "one row per person, counted by ward",
    }.get(res.layout, res.layout)
    st.caption(plain(f"Columns: {used} ({layout})."))
    if res.layout == "records":
        st.caption(plain(f"Denominator: {res.denominator}. Only the ward counts below are stored, never the rows."))
    st.info(
        plain(extracts.replaces(res, indicator, default_data_dir(), s)) + " Nothing is stored until you press Load.",
        icon=":material/swap_horiz:",
    )
    wards = extracts.wards_of(s)[["area_code", "area_name"]].drop_duplicates()
    preview = res.rows.merge(wards, on="area_code", how="left")
    st.dataframe(
        preview[["area_code", "area_name", "period", "numerator", "denominator", "value", "note"]],
        hide_index=True,
        width="stretch",
    )


def _loaded(who: auth.Writer | None) -> None:
    st.subheader("Loaded extracts")
    loaded = extracts.loaded(default_data_dir())
    if loaded.empty:
        st.caption("None: NEET and children looked after show the illustrative series.")
    public = modes.is_public()
    for r in loaded.itertuples():
        name = extracts.LOCAL_INDICATORS.get(r.indicator_id, r.indicator_id)
        c1, c2 = st.columns([5, 1])
        if public:  # no file name, date or hash: a hash lets anyone test guesses of the hidden counts
            c1.markdown(f"**{plain(name)}**: council extract loaded")
        else:
            c1.markdown(f"**{plain(name)}**: {plain(r.title)}  \nsha256 `{plain(r.sha256)}`")
        if who is not None and c2.button("Remove", key=f"remove_{r.indicator_id}"):
            try:
                extracts.remove(r.indicator_id, default_data_dir(), actor=who.who)
            except extracts.StoreError as e:
                st.error(f"The extract was not removed: {plain(e)}")
                return
            st.rerun()
    if who is not None:
        _history(who)
        with st.expander("Change log (officers only)"):
            log = extracts.changes(default_data_dir())
            if log.empty:
                st.caption("No changes recorded yet.")
            else:
                st.dataframe(log, hide_index=True, width="stretch")


def _history(who: auth.Writer) -> None:
    """Versions of each extract (officers only): list, compare two, roll back."""
    d = default_data_dir()
    for ind, label in extracts.LOCAL_INDICATORS.items():
        h = extracts.history(d, ind)
        if h.empty:
            continue
        with st.expander(f"Versions: {label} ({len(h)}, officers only)"):
            table = h.assign(
                periods=h.periods.map(lambda p: ", ".join(p) if isinstance(p, dict) else ""),
                mapping=h.mapping.map(
                    lambda m: "; ".join(f"{k}={v}" for k, v in m.items() if v) if isinstance(m, dict) else ""
                ),
            )
            st.dataframe(
                table[
                    ["version", "action", "when", "who", "file", "rows", "periods", "mapping", "denominator", "current"]
                ],
                hide_index=True,
                width="stretch",
            )
            numbers = h.version.astype(int).tolist()
            if len(numbers) >= 2:
                c1, c2 = st.columns(2)
                a = c1.selectbox("Compare version", numbers, index=len(numbers) - 2, key=f"cmp_a_{ind}")
                b = c2.selectbox("with version", numbers, index=len(numbers) - 1, key=f"cmp_b_{ind}")
                diff = extracts.compare(d, ind, a, b)
                st.caption(f"{int((diff.change != 'same').sum())} of {len(diff)} ward-periods differ.")
                st.dataframe(diff[diff.change != "same"], hide_index=True, width="stretch")
            back = st.selectbox("Roll back to version", numbers, index=max(len(numbers) - 2, 0), key=f"rb_{ind}")
            if st.button(f"Roll back to version {back}", key=f"rollback_{ind}"):
                try:
                    extracts.rollback(ind, back, d, actor=who.who)
                except (extracts.StoreError, KeyError) as e:
                    st.error(f"Not rolled back: {plain(e)}")
                    return
                st.rerun()


router.run(main)
