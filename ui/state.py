"""Choices that live in the URL, so a copied link restores the same view.

Each widget is bound to one query parameter. A value in the URL that is not valid
falls back to the default and adds a short notice; nothing raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

MAX_PARAM = 200  # longer values are not looked at


class UrlState:
    def __init__(self, page: str):
        self.page = page
        self.notices: list[str] = []

    def _url(self, name: str) -> str | None:
        raw = st.query_params.get(name)
        return None if raw is None else str(raw)[:MAX_PARAM]

    def _sync(self, name: str, key: str, default, parse: Callable, valid: Callable, quiet: bool) -> None:
        url = self._url(name)
        last = st.session_state.get(f"_url_{key}")
        fresh = key not in st.session_state
        if url is not None and (fresh or url != last):
            value, ok = parse(url)  # value: what can be kept of the URL (None: nothing)
            if not ok and not quiet:
                kept = "the valid part is shown" if value is not None else "the default is shown"
                self.notices.append(f"“{name}={_show(url)}” is not (all) available here, so {kept}.")
            if value is None:
                value = default
            st.session_state[key] = value
        elif fresh or not valid(st.session_state.get(key)):
            st.session_state[key] = default

    def select(
        self,
        name: str,
        label: str,
        options: Sequence[str],
        default: str | None = None,
        *,
        format_func: Callable = str,
        widget: Callable = st.selectbox,
        quiet: bool = False,
        **kw,
    ) -> str:
        options = list(options)
        default = default if default in options else options[0]
        key = f"{self.page}:{name}"
        self._sync(
            name, key, default, lambda u: (u if u in options else None, u in options), lambda v: v in options, quiet
        )
        value = widget(label, options, key=key, format_func=format_func, **kw)
        self._write(name, key, value)
        return value

    def multi(
        self,
        name: str,
        label: str,
        options: Sequence[str],
        default: Sequence[str],
        *,
        format_func: Callable = str,
        max_selections: int | None = None,
        **kw,
    ) -> list[str]:
        options = list(options)
        key = f"{self.page}:{name}"

        def parse(u: str):
            items = [x.strip() for x in u.split(",") if x.strip()]
            good = [x for x in dict.fromkeys(items) if x in options]
            return (good or None), len(good) == len(items) and bool(good)

        self._sync(name, key, list(default), parse, lambda v: isinstance(v, list), False)
        st.session_state[key] = [x for x in st.session_state[key] if x in options]
        value = st.multiselect(label, options, key=key, format_func=format_func, max_selections=max_selections, **kw)
        self._write(name, key, ",".join(value))
        return value

    def flag(self, name: str, label: str, default: bool = False, **kw) -> bool:
        key = f"{self.page}:{name}"
        self._sync(
            name,
            key,
            default,
            lambda u: (u == "1" if u in ("0", "1") else None, u in ("0", "1")),
            lambda v: isinstance(v, bool),
            False,
        )
        value = st.toggle(label, key=key, **kw)
        self._write(name, key, "1" if value else "0")
        return value

    def _write(self, name: str, key: str, value: str | bool) -> None:
        text = value if isinstance(value, str) else ("1" if value else "0")
        if st.query_params.get(name) != text:
            st.query_params[name] = text
        st.session_state[f"_url_{key}"] = text

    def show_notices(self) -> None:
        for n in self.notices:
            st.info(n, icon=":material/link_off:")


def _show(url: str) -> str:
    """A URL value as plain text for a notice: printable characters only, short, Markdown escaped."""
    from ui.text import plain as md  # noqa: PLC0415

    return md("".join(ch for ch in url if ch.isprintable())[:40])
