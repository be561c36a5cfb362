"""Local extracts: load the council's own ward figures (NEET, children looked after, any catalogue indicator it can
count, or a local indicator it defines here), officers only."""

from __future__ import annotations

import hashlib

import streamlit as st

from loaders import extract_columns, extracts, local_indicators
from loaders.store import default_data_dir
from ui import auth, modes, notices, router
from ui.data import base_store
from ui.text import plain

CLI = (
    'python -m loaders import my_neet.csv --indicator neet [--column numerator="NEET count"] [--preview]\n'
    "python -m loaders extracts [--history]      # list, every version\n"
    "python -m loaders rollback --indicator neet --to 3\n"
    "python -m loaders remove --indicator neet   # back to the illustrative series\n"
    'python -m loaders define my_id --name "..." --definition "..." \\\n'
    "    --unit percentage --polarity low_is_good   # a local indicator"
)


def main() -> None:
    st.title("Local ward extracts")
    st.markdown(
        "Ward-level NEET and children-looked-after figures are not published: the council holds them. An officer "
        "can load the council's own extract here and it replaces the **ILLUSTRATIVE** series for that indicator on "
        "every page. The council's own ward figures for any other catalogue indicator it can count (e.g. obesity, "
        "child poverty) replace the published figures for the wards and periods they cover and add the periods "
        "the publication lacks; a new local indicator can be defined with its metadata and loaded the same way. "
        "Extracts are stored on this server only (`data/local/`, never committed), and public mode "
        "still suppresses small numbers in them."
    )
    who = auth.writer()
    if who is None:
        _read_only(auth.read_only_reason() or "")
    else:
        _upload(who)
        _define(who)
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
    choices = extracts.loadable(default_data_dir())
    local = local_indicators.load(default_data_dir())
    indicator = st.selectbox(
        "Indicator",
        list(choices),
        format_func=lambda i: f"{choices[i]} (local indicator)" if i in local else choices[i],
        key="upload_indicator",
    )
    kind = st.radio("The file holds", KINDS, horizontal=True)
    up = st.file_uploader("Extract file", type=["csv", "xlsx"], accept_multiple_files=False)
    if up is None:
        return
    data = up.getvalue()
    table, problems = _read(data, up.name)
    if table is None:
        notices.file_problems(up.name, problems)
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
        notices.file_problems(up.name, res.problems)
        return
    _preview(res, indicator, s, up.name)
    if st.button(f"Load as the {choices[indicator]} extract", type="primary"):
        try:
            extracts.save(res, indicator, up.name, default_data_dir(), actor=who.who)
        except extracts.StoreError as e:
            st.error(f"{plain(up.name)} was not loaded: {plain(e)}")
            return
        st.success(
            "Loaded. Every page now shows this extract: in place of the illustrative series, or of the published "
            "figures for the wards and periods it covers."
        )


def _define(who: auth.Writer) -> None:
    """Define a local indicator (officers only): checked as a whole, stored only when every field is valid."""
    with st.expander("Define a new local indicator", expanded="_defined" in st.session_state):
        st.caption(
            "For ward figures the council holds that no catalogue indicator covers. Once an extract is loaded for "
            "it, it is on the map, hotspots, ward profile, trends, exports and board packs, titled "
            "“Council extract (file, date)”. It has no England or London value."
        )
        with st.form("define_indicator", clear_on_submit=False):
            c1, c2 = st.columns(2)
            ind = c1.text_input("Id (lower case, digits, _)", key="def_id", max_chars=40)
            name = c2.text_input("Name", key="def_name", max_chars=120)
            definition = st.text_area("Definition (numerator, denominator, period)", key="def_definition")
            c1, c2, c3 = st.columns(3)
            unit = c1.selectbox("Unit", list(local_indicators.UNITS), format_func=local_indicators.UNIT_LABELS.get)
            polarity = c2.selectbox(
                "Polarity", list(local_indicators.POLARITY_LABELS), format_func=local_indicators.POLARITY_LABELS.get
            )
            interval = c3.selectbox(
                "Interval method",
                ["(as the unit suggests)", *local_indicators.INTERVAL_LABELS],
                format_func=lambda k: local_indicators.INTERVAL_LABELS.get(k, k),
            )
            why = st.text_area("Why it matters (optional)", key="def_why")
            caveats = st.text_area("Caveats (optional)", key="def_caveats")
            submitted = st.form_submit_button("Define indicator")
        if submitted:
            spec = dict(
                id=ind,
                name=name,
                definition=definition,
                unit=unit,
                polarity=polarity,
                interval="" if interval.startswith("(") else interval,
                why=why,
                caveats=caveats,
            )
            try:
                d = local_indicators.define(spec, default_data_dir(), actor=who.who)
            except local_indicators.DefinitionError as e:
                st.error(
                    "The indicator was not defined; nothing was stored:\n"
                    + "\n".join(f"- {plain(p)}" for p in e.problems)
                )
            except extracts.StoreError as e:
                st.error(f"The indicator was not defined: {plain(e)}")
            else:  # again from the top, so the Indicator choice above lists it
                st.session_state["_defined"] = f"Defined {d['name']} ({d['id']}): choose it above and load its extract."
                st.rerun()
        done = st.session_state.pop("_defined", None)
        if done:
            st.success(plain(done))


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
    local = extracts.meta_of(indicator, local_indicators.load(default_data_dir()))
    suggested, ambiguous = extract_columns.suggest(columns, indicator, extracts.aliases_of(local))
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
    names = extracts.loadable(default_data_dir())
    for r in loaded.itertuples():
        name = names.get(r.indicator_id, r.indicator_id)
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
    _definitions(who, set(loaded.indicator_id))
    if who is not None:
        _history(who)
        with st.expander("Change log (officers only)"):
            log = extracts.changes(default_data_dir())
            if log.empty:
                st.caption("No changes recorded yet.")
            else:
                st.dataframe(log, hide_index=True, width="stretch")


def _definitions(who: auth.Writer | None, loaded: set[str]) -> None:
    """The local indicators defined here; one without an extract can be removed (officers only)."""
    defs = local_indicators.load(default_data_dir())
    if not defs:
        return
    st.subheader("Local indicators defined")
    for ind, d in defs.items():
        c1, c2 = st.columns([5, 1])
        c1.markdown(
            f"**{plain(d['name'])}** ({plain(ind)}): {plain(local_indicators.UNITS[d['unit']][0])}, "
            f"{plain(local_indicators.POLARITY_LABELS[d['polarity']].lower())}"
            + ("; extract loaded" if ind in loaded else "; no extract loaded yet")
        )
        if who is not None and ind not in loaded and c2.button("Remove definition", key=f"undefine_{ind}"):
            try:
                local_indicators.undefine(ind, default_data_dir(), actor=who.who)
            except (local_indicators.DefinitionError, extracts.StoreError) as e:
                st.error(f"The definition was not removed: {plain(e)}")
                return
            st.rerun()


def _history(who: auth.Writer) -> None:
    """Versions of each extract (officers only): list, compare two, roll back."""
    d = default_data_dir()
    names = extracts.loadable(d)
    ids = [*names, *sorted(set(extracts.loaded(d).indicator_id) - set(names))]
    for ind in ids:
        label = names.get(ind, ind)
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
