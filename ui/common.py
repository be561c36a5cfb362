"""Small Streamlit pieces shared by pages: banners, colour legends, ward picking, links."""
from __future__ import annotations

import re
import threading
from collections import OrderedDict

import pandas as pd
import streamlit as st

from charts import style
from charts.maps import SELECT
from model import explore
from model.cache import per_store


def data_status_banners(illustrative: bool, estimate: bool) -> None:
    if illustrative:
        st.warning(f"**{style.ILLUSTRATIVE_LABEL}** Ward NEET and children-looked-after figures are not published; "
                   "these are modelled from real borough totals until the council loads its own extract.",
                   icon=":material/science:")
    if estimate:
        st.info(f"**{style.ESTIMATE_LABEL}** The source publishes this series for the 2014-2022 wards only.",
                icon=":material/swap_horiz:")


def _picked(event) -> str | None:
    try:
        rows = event["selection"][SELECT]
        return rows[0]["area_code"] if rows else None
    except (KeyError, IndexError, TypeError):
        return None


def ward_selector(url, s, geography: str, *, map_key: str) -> str | None:
    """A select box of areas bound to ``ward`` in the URL; a click on the map sets it."""
    names = explore.area_names(s, geography)
    options = [""] + sorted(names, key=names.get)
    key = f"{url.page}:ward"
    picked = _picked(st.session_state.get(map_key))
    if picked and picked != st.session_state.get(f"_pick:{map_key}") and picked in names:
        st.session_state[key] = picked
    st.session_state[f"_pick:{map_key}"] = picked
    ward = url.select("ward", "Selected area", options, "", format_func=lambda c: names.get(c, "(none: click the map)"))
    return ward or None


def ward_link(s, code: str, geography: str) -> None:
    name = explore.area_names(s, geography)[code]
    if geography.startswith("ward"):
        st.markdown(f"**Selected: {md(name)}** · [Open the ward profile →](./ward?ward={code})")
    else:
        st.markdown(f"**Selected: {md(name)}** ({code})")


def source_caption(s, table: pd.DataFrame) -> str:
    ids = frozenset(table.source_id.dropna().astype(str))

    def attributions():
        src = s.sources()
        used = src[src.source_id.isin(ids)].drop_duplicates("source_id")
        return [f"{r.publisher}, {r.title} ({r.licence}). {r.attribution}" for r in used.itertuples()]

    return style.source_line(per_store(s, ("attributions", ids), attributions))  # dated today, so not kept


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-")


def md(text: str) -> str:
    """Escape Markdown so names from data (or uploads) show as text."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", str(text))


def show_chart(fig, *, height: int | None = None, **kw):
    """A Figure at full width (projector-size type in presentation mode)."""
    from ui.modes import presenting  # noqa: PLC0415 (ui.modes imports this module)

    return show_spec(fig.spec(big=presenting()), height=height, **kw)


def bar_height() -> int:
    from ui.modes import presenting  # noqa: PLC0415

    return 30 if presenting() else 18


def ranking_height(n: int) -> int:
    """Streamlit fits the whole chart (title, axis, legend too) into this height."""
    from charts.ranking import chart_height  # noqa: PLC0415
    from ui.modes import presenting  # noqa: PLC0415

    return chart_height(n, bar_height()) + (380 if presenting() else 280)


def export_buttons(build, source: str, data: pd.DataFrame, name: str, *, key: str) -> None:
    """PNG, SVG and CSV of one chart. ``build()`` returns the chart at print width; images are
    rendered on the server only when a button is clicked."""
    from exports import images  # noqa: PLC0415 (vl-convert loads only when first used)

    def framed():
        return images.framed(build(), source=source)

    c1, c2, c3 = st.columns(3)
    c1.download_button("PNG", lambda: images.png(framed()), file_name=f"{name}.png", mime="image/png",
                       key=f"{key}_png", icon=":material/image:")
    c2.download_button("SVG", lambda: images.svg(framed()).encode(), file_name=f"{name}.svg", mime="image/svg+xml",
                       key=f"{key}_svg", icon=":material/draw:")
    c3.download_button("Data (CSV)", lambda: data.to_csv(index=False).encode(), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_csv", icon=":material/table:")


def public_footnote(table: pd.DataFrame) -> None:
    if "is_suppressed" in table and table.is_suppressed.any():
        from model.public import footnote  # noqa: PLC0415
        from model.settings import suppress_below  # noqa: PLC0415

        st.caption(footnote(suppress_below()))


def board_pack_buttons(ward: str | None, indicators: list[str] | None, *, key: str) -> None:
    """One-click PowerPoint and PDF packs, built when clicked (same builders as the pages; public mode applies)."""
    from exports import boardpack  # noqa: PLC0415
    from ui.data import store  # noqa: PLC0415

    s = store()

    def deck():
        return boardpack.slides(s, ward=ward, indicators=indicators)

    c1, c2 = st.columns(2)
    label = "ward" if ward else "borough"
    c1.download_button(f"Board pack for this {label} (PowerPoint)", lambda: boardpack.to_pptx(deck()),
                       file_name=f"board_pack_{ward or 'bromley'}.pptx", key=f"{key}_pptx", icon=":material/slideshow:",
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    c2.download_button(f"Board pack for this {label} (PDF)", lambda: boardpack.to_pdf(deck()),
                       file_name=f"board_pack_{ward or 'bromley'}.pdf", key=f"{key}_pdf", mime="application/pdf",
                       icon=":material/picture_as_pdf:")


_SPECS: OrderedDict = OrderedDict()
_SPECS_LOCK = threading.Lock()
SPEC_MEMO_SIZE = 256


def memo(key: tuple, build):
    """Results that depend only on ``key`` (the view's choices, the store, the modes), shared by sessions.

    The data never changes under a given store, so what a view shows is a pure function of its
    choices; building it once saves the chart assembly on every rerun. Callers must not mutate
    what they get back. Bounded: least recently used first out.
    """
    from model.settings import suppress_below  # noqa: PLC0415
    from ui.data import is_public  # noqa: PLC0415
    from ui.modes import presenting  # noqa: PLC0415

    full = (*key, is_public(), suppress_below(), presenting(), id(_store_identity()))
    with _SPECS_LOCK:
        if full in _SPECS:
            _SPECS.move_to_end(full)
            return _SPECS[full]
    value = build()
    with _SPECS_LOCK:
        _SPECS[full] = value
        while len(_SPECS) > SPEC_MEMO_SIZE:
            _SPECS.popitem(last=False)
    return value


def _store_identity():
    from ui.data import base_store  # noqa: PLC0415

    return base_store()


def show_spec(spec: dict, *, height: int | None = None, **kw):
    """A ready Vega-Lite spec (from :func:`memo`) at full width."""
    return st.vega_lite_chart(spec=spec, width="stretch", **({"height": height} if height else {}), **kw)
