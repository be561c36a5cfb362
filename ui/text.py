"""Text from data, files or URLs shown as text: never as Markdown, HTML, links, images or icons."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=$&])")
_ZWSP = "\u200b"


def plain(value: object) -> str:
    """``value`` escaped for Streamlit's Markdown (st.markdown, st.caption, st.info, ...).

    Markdown punctuation is backslash-escaped (no emphasis, links, images or HTML). Streamlit also
    expands ``:name:`` shortcodes (emoji, ``:material/...:`` icons, ``:red[...]`` colours) after
    parsing, where an escape no longer shows, and GFM turns bare ``https://`` text into links: a
    zero-width space after every colon stops both while the text reads the same. Control
    characters are dropped.
    """
    s = "".join(ch for ch in str(value) if ch.isprintable() or ch == " ")
    return _MARKDOWN.sub(r"\\\1", s).replace(":", ":" + _ZWSP)
