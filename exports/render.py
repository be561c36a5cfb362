"""vl-convert in a helper process, so the server does not keep its JavaScript engine (issue #12).

vl-convert runs Vega in an embedded V8 engine: loaded into the server by the first PNG or SVG, it
added about 140 MB that stayed for the life of the process (measured: 282 -> 425 MB over 120
images, flat after ~20), which alone took the server past its 400 MB target. Here it lives in a
child process (``python -m exports.render``) that is started on the first export, reused while
exports keep coming, recycled after :data:`MAX_JOBS` images, and stopped after :data:`IDLE_SECONDS`
without one, so its memory is given back. One image at a time (a lock), as vl-convert did in
process. If the helper cannot be started, the image is rendered in this process instead.

Board packs are built there too (:func:`pack`): assembling a PowerPoint and a PDF decodes every
image (the PDF writer alone holds ~50 MB for a five-indicator pack), and that memory would stay with
the server. The helper builds the pack from the view (exports.view) with its own Store, rendering the
images in its own process.

Protocol on the child's stdin/stdout: a request is ``<u32 header length><header JSON><u32 body
length><body>`` (header ``{"job": "image", "fmt", "scale"}`` with the Vega-Lite spec as body, or
``{"job": "pack", "fmt", "kind", "view"}`` with an empty body); a reply is ``<u8 ok><u32 length><bytes>``
(the file, or an error message).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path

IDLE_SECONDS = 90
MAX_JOBS = 200
TIMEOUT_SECONDS = 120
ROOT = Path(__file__).resolve().parents[1]

_lock = threading.Lock()
_proc: subprocess.Popen | None = None
_jobs = 0
_timer: threading.Timer | None = None
_IN_HELPER = False  # True in the child: render there, never start a helper of the helper
_STORES: dict = {}  # the child's Store, keyed by data folder and the council extracts' version


class RenderError(RuntimeError):
    pass


def _read(stream, n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise EOFError("render helper closed its pipe")
    return data


def _convert_here(fmt: str, spec: str, scale: float) -> bytes:
    import vl_convert as vlc  # noqa: PLC0415

    if fmt == "png":
        return vlc.vegalite_to_png(spec, scale=scale)
    return vlc.vegalite_to_svg(spec).encode()


def _stop_locked() -> None:
    global _proc, _jobs
    if _proc is not None:
        try:
            _proc.stdin.close()
            _proc.wait(5)
        except Exception:  # noqa: BLE001
            _proc.kill()
            _proc.wait(5)
        _proc, _jobs = None, 0


def stop() -> None:
    """Stop the helper now (it starts again on the next export)."""
    with _lock:
        _stop_locked()


def _idle() -> None:
    if _lock.acquire(timeout=1):
        try:
            _stop_locked()
        finally:
            _lock.release()


def helper_pid() -> int | None:
    return _proc.pid if _proc is not None and _proc.poll() is None else None


def convert(fmt: str, spec: str, *, scale: float = 2.0) -> bytes:
    """``spec`` (Vega-Lite JSON text) as PNG or SVG bytes."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown image format {fmt!r}")
    if _IN_HELPER:
        return _convert_here(fmt, spec, scale)
    return _request(
        {"job": "image", "fmt": fmt, "scale": scale}, spec.encode(), lambda: _convert_here(fmt, spec, scale)
    )


def pack(view, fmt: str) -> bytes:
    """The board pack of ``view`` (exports.view.WardView, HotspotView or ScorecardView) as PowerPoint (``pptx``)
    or PDF bytes, built in the helper process (the PDF writer's image memory is not the server's)."""
    if fmt not in ("pptx", "pdf"):
        raise ValueError(f"unknown pack format {fmt!r}")
    header = {"job": "pack", "fmt": fmt, "kind": type(view).__name__, "view": asdict(view)}
    if _IN_HELPER:
        return _pack_here(header)
    return _request(header, b"", lambda: _pack_here(header))


def dataset(fmt: str, *, public: bool, threshold: int, zip_as: str | None = None) -> bytes:
    """The full dataset (loaders.store.Store.dataset; public mode's suppression when ``public``), written in the
    helper process: DuckDB keeps tens of MB after writing every row, which is then the helper's, not the server's."""
    header = {"job": "dataset", "fmt": fmt, "public": public, "threshold": threshold, "zip_as": zip_as}
    if _IN_HELPER:
        return _dataset_here(header)
    return _request(header, b"", lambda: _dataset_here(header))


def _store_here():
    """This process's Store of the data folder, opened again when an extract changes."""
    from loaders import extracts  # noqa: PLC0415
    from loaders.store import Store, default_data_dir  # noqa: PLC0415

    d = default_data_dir()
    key = (str(d), extracts.version(d))
    if key not in _STORES:
        _STORES.clear()
        _STORES[key] = Store(d)
    return _STORES[key]


def _dataset_here(header: dict) -> bytes:
    from model.public import PublicStore  # noqa: PLC0415

    base = _store_here()
    s = PublicStore(base, int(header["threshold"])) if header["public"] else base
    return s.dataset(header["fmt"], zip_as=header.get("zip_as"))


def _request(header: dict, body: bytes, here) -> bytes:
    """One job for the helper (started when needed); ``here()`` does it in this process if none can start."""
    global _proc, _jobs, _timer
    with _lock:
        if _timer is not None:
            _timer.cancel()
        try:
            if _proc is None or _proc.poll() is not None or _jobs >= MAX_JOBS:
                _stop_locked()
                _proc = subprocess.Popen(
                    [sys.executable, "-m", "exports.render"],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
        except OSError:
            return here()
        head = json.dumps(header).encode()
        try:
            _proc.stdin.write(struct.pack("<I", len(head)) + head + struct.pack("<I", len(body)) + body)
            _proc.stdin.flush()
            ok, n = struct.unpack("<BI", _read(_proc.stdout, 5))
            data = _read(_proc.stdout, n)
        except (OSError, EOFError, struct.error) as e:
            _stop_locked()
            raise RenderError(f"the image renderer stopped ({type(e).__name__})") from e
        finally:
            _jobs += 1
            _timer = threading.Timer(IDLE_SECONDS, _idle)
            _timer.daemon = True
            _timer.start()
    if not ok:
        raise RenderError(data.decode(errors="replace"))
    return data


def _pack_here(header: dict) -> bytes:
    from exports import boardpack  # noqa: PLC0415 (python-pptx and fpdf2: only where packs are built)
    from exports import view as views  # noqa: PLC0415

    kinds = {"WardView": views.WardView, "HotspotView": views.HotspotView, "ScorecardView": views.ScorecardView}
    fields = dict(header["view"])
    if "indicators" in fields:
        fields["indicators"] = tuple(fields["indicators"])
    view = kinds[header["kind"]](**fields)
    store = views.open_store(view, _store_here())
    if isinstance(view, views.ScorecardView):
        from exports import scorecard_pack  # noqa: PLC0415

        deck = scorecard_pack.slides(store, view.model, public=view.public)
    else:
        deck = boardpack.slides(store, view)
    return boardpack.to_pptx(deck) if header["fmt"] == "pptx" else boardpack.to_pdf(deck)


def serve() -> None:  # the child
    global _IN_HELPER
    _IN_HELPER = True
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            (n,) = struct.unpack("<I", _read(stdin, 4))
        except EOFError:
            return
        header = json.loads(_read(stdin, n))
        (m,) = struct.unpack("<I", _read(stdin, 4))
        body = _read(stdin, m)
        try:
            if header.get("job") == "pack":
                out, ok = _pack_here(header), 1
            elif header.get("job") == "dataset":
                out, ok = _dataset_here(header), 1
            else:
                out, ok = _convert_here(header["fmt"], body.decode(), float(header.get("scale", 2.0))), 1
        except Exception as e:  # noqa: BLE001 (sent back to the server, which raises it)
            out, ok = (str(e).splitlines() or [type(e).__name__])[0][:500].encode(), 0
        stdout.write(struct.pack("<BI", ok, len(out)) + out)
        stdout.flush()


if __name__ == "__main__":
    serve()
