"""vl-convert in a helper process, so the server does not keep its JavaScript engine (issue #12).

vl-convert runs Vega in an embedded V8 engine: loaded into the server by the first PNG or SVG, it
added about 140 MB that stayed for the life of the process (measured: 282 -> 425 MB over 120
images, flat after ~20), which alone took the server past its 400 MB target. Here it lives in a
child process (``python -m exports.render``) that is started on the first export, reused while
exports keep coming, recycled after :data:`MAX_JOBS` images, and stopped after :data:`IDLE_SECONDS`
without one, so its memory is given back. One image at a time (a lock), as vl-convert did in
process. If the helper cannot be started, the image is rendered in this process instead.

Protocol on the child's stdin/stdout: a request is ``<u32 header length><header JSON><u32 spec
length><spec JSON>``; a reply is ``<u8 ok><u32 length><bytes>`` (the image, or an error message).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

IDLE_SECONDS = 90
MAX_JOBS = 200
TIMEOUT_SECONDS = 120
ROOT = Path(__file__).resolve().parents[1]

_lock = threading.Lock()
_proc: subprocess.Popen | None = None
_jobs = 0
_timer: threading.Timer | None = None


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
    global _proc, _jobs, _timer
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown image format {fmt!r}")
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
            return _convert_here(fmt, spec, scale)
        header = json.dumps({"fmt": fmt, "scale": scale}).encode()
        body = spec.encode()
        try:
            _proc.stdin.write(struct.pack("<I", len(header)) + header + struct.pack("<I", len(body)) + body)
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


def serve() -> None:  # the child
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            (n,) = struct.unpack("<I", _read(stdin, 4))
        except EOFError:
            return
        header = json.loads(_read(stdin, n))
        (m,) = struct.unpack("<I", _read(stdin, 4))
        spec = _read(stdin, m).decode()
        try:
            out, ok = _convert_here(header["fmt"], spec, float(header.get("scale", 2.0))), 1
        except Exception as e:  # noqa: BLE001 (sent back to the server, which raises it)
            out, ok = (str(e).splitlines() or [type(e).__name__])[0][:500].encode(), 0
        stdout.write(struct.pack("<BI", ok, len(out)) + out)
        stdout.flush()


if __name__ == "__main__":
    serve()
