"""Give freed memory back to the operating system between script runs.

glibc keeps memory that Python and DuckDB free in its arenas, so a long-running server's RSS
ratchets up with each burst of work (a board pack, a first LSOA map) although little is live.
``malloc_trim`` returns the free pages; it costs a few milliseconds, so it runs at most every
``EVERY`` seconds, after a script run has drawn its page. With ``MALLOC_ARENA_MAX=2`` (run.sh)
the server keeps fewer arenas to fragment. Before trimming, the memos' frames drop pandas' dead
view references (:func:`model.lru.release_all_views`): read by thousands of views, a kept frame
would otherwise hold hundreds of dead weakrefs per block. Measured by benchmarks/soak.py.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time

from model import lru

EVERY = 5.0  # seconds
_lock = threading.Lock()
_last = 0.0
_libc = None


def _trim_fn():
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):  # not glibc: nothing to do
            _libc = False
    return _libc.malloc_trim if _libc else None


def maybe_trim() -> None:
    global _last
    now = time.monotonic()
    if now - _last < EVERY or not _lock.acquire(blocking=False):
        return
    try:
        _last = now
        lru.release_all_views()
        fn = _trim_fn()
        if fn is not None:
            fn(0)
    finally:
        _lock.release()
