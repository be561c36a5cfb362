"""Where figures come from, in words: labels that follow the data (no Streamlit).

Rows loaded from a council's own extract carry the source ``local_<indicator>``; the Store's sources table
titles it "Council extract (file, date): rows, scheme" (in public mode "Council extract (details are not
shown in public mode)", model.public). Every chart subtitle, source line, CSV and board pack that shows such
rows names the extract with :func:`council_lines` / :func:`source_labels`; the ILLUSTRATIVE label stays only
on rows that are still modelled, and :func:`illustrative_names` says which indicators those are.
"""

from __future__ import annotations

import re

import pandas as pd

from model.cache import per_store

LOCAL = "local_"
_LABEL = re.compile(r"^(Council extract \(.*, \d{1,2} [A-Z][a-z]{2} \d{4}\))")


def is_local(source_id) -> bool:
    return str(source_id).startswith(LOCAL)


def _titles(store) -> dict[str, str]:
    """source_id -> title (first per source), as this store shows it (public mode hides a council's details)."""

    def build():
        src = store.sources().drop_duplicates("source_id")
        return dict(zip(src.source_id.astype(str), src.title.astype(str)))

    return per_store(store, "source_titles", build)


def label(store, source_id: str) -> str:
    """'Council extract (file, date)' for a council's extract (its whole title if it has no such prefix);
    the source's title for any other source."""
    title = _titles(store).get(str(source_id), str(source_id))
    if not is_local(source_id):
        return title
    m = _LABEL.match(title)
    return m.group(1) if m else title


def source_labels(store, source_ids: pd.Series) -> pd.Series:
    """One label per row (see :func:`label`): the ``source`` column of tables and CSV downloads."""
    ids = source_ids.astype(str)
    return ids.map({s: label(store, s) for s in ids.unique()})


def council_lines(store, df: pd.DataFrame, *, what: str | None = None) -> list[str]:
    """One line per council extract whose rows ``df`` shows: "Figures from Council extract (file, date):
    2023/24 to 2024/25." (the periods of its rows, first to last by date); ``what`` (default: the rows' indicator
    ``name`` if the frame has one, else "Figures") starts the line. [] when none."""
    if df is None or df.empty or "source_id" not in df:
        return []
    out = []
    ids = df.source_id.astype(str)
    for sid in sorted(s for s in ids.unique() if is_local(s)):
        rows = df[ids == sid]
        span = _span(rows)
        head = what or (str(rows["name"].iloc[0]) if "name" in rows else "Figures")
        out.append(f"{head} from {label(store, sid)}" + (f": {span}." if span else "."))
    return out


def council_labels(store, source_ids) -> list[str]:
    """The council extracts among ``source_ids``, as labels."""
    return [label(store, s) for s in sorted({str(s) for s in source_ids}) if is_local(s)]


def _span(rows: pd.DataFrame) -> str:
    if "period" not in rows:
        return ""
    if "period_end" in rows and "period_start" in rows:
        p = (
            rows.assign(_e=pd.to_datetime(rows.period_end), _s=pd.to_datetime(rows.period_start))
            .sort_values(["_e", "_s", "period"], kind="stable")
            .period.astype(str)
        )
    else:
        p = rows.period.astype(str)
    p = list(dict.fromkeys(p))
    return p[0] if len(p) == 1 else f"{p[0]} to {p[-1]}"


def illustrative_names(store, df: pd.DataFrame) -> list[str]:
    """Names of the indicators whose rows in ``df`` are ILLUSTRATIVE (modelled), in order of first appearance."""
    if df is None or df.empty or "is_illustrative" not in df:
        return []
    ill = df[df.is_illustrative.fillna(False).astype(bool)]
    if ill.empty:
        return []
    if "indicator_id" not in ill:
        return ["these figures"]
    return [store.indicator(i)["name"] for i in dict.fromkeys(ill.indicator_id.astype(str))]


def join(names: list[str]) -> str:
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""
