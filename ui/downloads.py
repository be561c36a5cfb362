"""Downloads: PNG / SVG / CSV of a chart and the board pack of a view, built when clicked."""

from __future__ import annotations

import re
import threading

import pandas as pd
import streamlit as st

from ui.display import memo
from ui.text import plain


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-")


def export_buttons(build, source: str, data: pd.DataFrame, name: str, *, key: str) -> None:
    """PNG, SVG and CSV of one chart. ``build()`` returns the chart at print width (from the page's view);
    images are rendered on the server only when a button is clicked."""
    from exports import images  # noqa: PLC0415 (vl-convert loads only when first used)

    def framed():
        return images.framed(build(), source=source)

    c1, c2, c3 = st.columns(3)
    lazy_download(
        c1, "PNG", lambda: images.png(framed()), f"{name}.png", "image/png", key=f"{key}_png", icon=":material/image:"
    )
    lazy_download(
        c2,
        "SVG",
        lambda: images.svg(framed()).encode(),
        f"{name}.svg",
        "image/svg+xml",
        key=f"{key}_svg",
        icon=":material/draw:",
    )
    lazy_download(
        c3,
        "Data (CSV)",
        lambda: data.to_csv(index=False).encode(),
        f"{name}.csv",
        "text/csv",
        key=f"{key}_csv",
        icon=":material/table:",
    )


_FAILED: dict[tuple[str, str], str] = {}  # (session, button key) -> why its last download failed


_FAILED_LOCK = threading.Lock()


def lazy_download(where, label: str, make, file_name: str, mime: str, *, key: str, icon: str) -> None:
    """A download button whose file ``make()`` builds when clicked.

    It does not rerun the page (``on_click="ignore"``): a rerun gives every lazy button a new file id,
    so a second click just after a first one (CSV, then PNG) used an id already revoked and the file
    was lost without a word. If building fails, Streamlit says so under the button at once, and the
    reason shows as an error beside it on the next run.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: PLC0415

    ctx = get_script_run_ctx()
    failed = (ctx.session_id if ctx else "", key)
    with _FAILED_LOCK:
        reason = _FAILED.pop(failed, None)
    if reason:
        where.error(f"{label} export failed: {plain(reason)}")

    def guarded():
        try:
            return make()
        except Exception as e:
            with _FAILED_LOCK:
                _FAILED[failed] = (str(e).splitlines() or [type(e).__name__])[0][:200]
            raise

    where.download_button(label, guarded, file_name=file_name, mime=mime, key=key, icon=icon, on_click="ignore")


def board_pack_buttons(view, *, key: str) -> None:
    """One-click PowerPoint and PDF packs of the page's view (exports.view), built when clicked. The view is
    checked now, so a pack that cannot be made says why instead of offering a button that gives nothing."""
    from exports import boardpack, render  # noqa: PLC0415
    from loaders.store import BadRequest, DataUnavailable  # noqa: PLC0415
    from ui.data import store  # noqa: PLC0415

    s = store()
    try:
        memo(("board_pack_plan", view), lambda: boardpack.plan(s, view))
    except (BadRequest, DataUnavailable) as e:
        st.error(f"No board pack for this view: {plain(e)}")
        return
    name = f"board_pack_{getattr(view, 'ward', None) or 'bromley_hotspots'}"
    label = "ward" if hasattr(view, "ward") else "hotspot view"
    c1, c2 = st.columns(2)
    lazy_download(
        c1,
        f"Board pack for this {label} (PowerPoint)",
        lambda: render.pack(view, "pptx"),  # built in the renderer process: its memory is not the server's
        f"{name}.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        key=f"{key}_pptx",
        icon=":material/slideshow:",
    )
    lazy_download(
        c2,
        f"Board pack for this {label} (PDF)",
        lambda: render.pack(view, "pdf"),
        f"{name}.pdf",
        "application/pdf",
        key=f"{key}_pdf",
        icon=":material/picture_as_pdf:",
    )
