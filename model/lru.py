"""One small least-recently-used cache, bounded by entries and by (estimated) bytes, for every memo in the app.

The data never changes under a running server, so views, per-store results and query results are
memoised; without a bound, thousands of distinct views (ward x indicator x period x ...) would keep
growing the server (issue #12). Each cache here has two limits: ``max_entries`` and ``max_bytes``;
whichever is reached first evicts the least recently used entries. An entry larger than
``max_bytes`` on its own is returned but not kept.

Sizes are estimates (:func:`estimate_size`): pandas objects by ``memory_usage(deep=True)`` plus their
Python objects, JSON-like
dicts and lists (Vega-Lite specs, TopoJSON) by the length of their JSON text times
:data:`JSON_OVERHEAD`, objects holding either by their attributes, anything
else by ``sys.getsizeof``. Thread-safe; ``build`` runs outside the lock, so two threads asking for the
same missing key may both build it (one result is kept). Hit, miss and eviction counters are kept
for :func:`stats`.
"""

from __future__ import annotations

import json
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
MB = 2**20
# Python objects per byte of JSON text. Measured: a parsed TopoJSON or Vega-Lite spec takes 3-11x its text, but the
# specs the app keeps share their geometry with the Store's TopoJSON (what they alone keep is 0.5-1.4x the text).
JSON_OVERHEAD = 2
# What pandas' memory_usage(deep=True) leaves out: the Python objects of a frame (manager, blocks, dtypes, arrays).
# Measured with tracemalloc on the app's frames (22 wards x 22 columns: 17.8 KB traced, 6.3 KB reported).
SAMPLE_ABOVE, SAMPLE = 64, 32  # a list longer than SAMPLE_ABOVE is estimated from SAMPLE of its items
FRAME_OVERHEAD = 1024
COLUMN_OVERHEAD = 640
_MISSING = object()
_ALL: weakref.WeakSet[LRU] = weakref.WeakSet()


def estimate_size(obj: Any, _depth: int = 0) -> int:
    """Approximate bytes ``obj`` keeps alive (not exact: shared objects count in full each time)."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    if isinstance(obj, (pd.DataFrame, pd.Series)):
        return _data_bytes(obj) + FRAME_OVERHEAD + COLUMN_OVERHEAD * (obj.shape[1] if obj.ndim == 2 else 1)
    if isinstance(obj, pd.Index):
        return int(obj.memory_usage(deep=True))
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes) + 112
    if isinstance(obj, (str, bytes, bytearray, int, float, bool)) or obj is None:
        return sys.getsizeof(obj)
    if _depth < 4 and isinstance(obj, (list, tuple)) and len(obj) > SAMPLE_ABOVE:
        # a spec's rows: the JSON of an even sample, scaled (encoding every row cost 70 ms a ward profile)
        step = len(obj) / SAMPLE
        sample = [obj[int(i * step)] for i in range(SAMPLE)]
        return int(estimate_size(sample, _depth) * len(obj) / SAMPLE) + sys.getsizeof(obj)
    if _depth < 4 and isinstance(obj, (dict, list, tuple, set, frozenset)):
        try:  # JSON-like (a spec, TopoJSON): C-speed; anything else inside is estimated on its own
            extra = []
            text = json.dumps(
                obj,
                default=lambda o: extra.append(estimate_size(o, _depth + 1)) or 0,
                skipkeys=True,
                check_circular=False,
            )
            return JSON_OVERHEAD * len(text) + sum(extra) + sys.getsizeof(obj)
        except (TypeError, ValueError, RecursionError):
            items = obj.items() if isinstance(obj, dict) else obj
            return sys.getsizeof(obj) + sum(estimate_size(x, _depth + 1) for x in items)
    if _depth < 4 and hasattr(obj, "__dict__"):  # a dataclass or small object holding frames
        return sys.getsizeof(obj) + estimate_size(vars(obj), _depth + 1)
    return sys.getsizeof(obj)


def release_views(obj: Any, _depth: int = 0) -> int:
    """Drop the dead copy-on-write references that pandas keeps on ``obj``'s data; returns how many pandas
    objects were visited.

    Every view or lazy copy of a DataFrame (``df[col]``, ``rename``, ``reset_index``, ...) appends a weak
    reference to the original's blocks; pandas prunes the dead ones only now and then (exponential back-off,
    hundreds per block). A frame kept for hours in a memo is read by thousands of views, so without this its
    lists of dead references grow the server (measured: 128,000 dead weakrefs after one minute of the soak).
    ``has_reference()`` is pandas' own call that prunes them.
    """
    import pandas as pd  # noqa: PLC0415

    if isinstance(obj, (pd.DataFrame, pd.Series)):
        for blk in getattr(obj._mgr, "blocks", ()):
            refs = getattr(blk, "refs", None)
            if refs is not None:
                refs.has_reference()
        n = 1 + release_views(obj.index, _depth + 1)
        return n + (release_views(obj.columns, _depth + 1) if isinstance(obj, pd.DataFrame) else 0)
    if isinstance(obj, pd.Index):
        refs = getattr(obj, "_references", None)
        if refs is not None:
            refs.has_reference()
        return 1
    if _depth >= 4 or isinstance(obj, (str, bytes, int, float, bool)) or obj is None:
        return 0
    if isinstance(obj, dict):
        items = obj.values()
    elif isinstance(obj, (list, tuple)):
        if len(obj) > 32 and not isinstance(obj[0], (pd.DataFrame, pd.Series, pd.Index)):
            return 0  # rows of a spec's data, not frames
        items = obj
    elif hasattr(obj, "__dict__"):
        items = vars(obj).values()
    else:
        return 0
    return sum(release_views(x, _depth + 1) for x in items)


def _data_bytes(obj) -> int:
    """The bytes of a frame's (or series') values and index: what ``memory_usage(deep=True)`` reports, from the
    blocks (memory_usage builds a Series per column: 1.6 ms a frame, 70 ms a ward profile)."""
    import numpy as np  # noqa: PLC0415

    try:
        total = 0
        for blk in obj._mgr.blocks:
            v = blk.values
            if isinstance(v, np.ndarray) and v.dtype == object:
                total += v.nbytes + sum(sys.getsizeof(x) for x in v.ravel())
            else:
                total += int(v.nbytes)
        return total + int(obj.index.memory_usage(deep=True))
    except AttributeError:  # not pandas' block layout: ask pandas
        used = obj.memory_usage(deep=True, index=True)
        return int(used.sum() if obj.ndim == 2 else used)


class LRU:
    """A thread-safe LRU map bounded by ``max_entries`` and ``max_bytes`` (estimated by ``sizeof``)."""

    def __init__(self, name: str, *, max_entries: int, max_bytes: int, sizeof: Callable[[Any], int] = estimate_size):
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("an LRU needs room for at least one entry and one byte")
        self.name = name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._sizeof = sizeof
        self._data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.evictions = self.too_big = 0
        _ALL.add(self)

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            hit = self._data.get(key, _MISSING)
            if hit is _MISSING:
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return hit[0]

    def put(self, key: Hashable, value: T, size: int | None = None) -> T:
        """Keep ``value`` (unless it alone exceeds ``max_bytes``) and evict down to the bounds; returns
        the value kept under ``key`` (an earlier one if another thread stored it first)."""
        size = self._sizeof(value) if size is None else int(size)
        with self._lock:
            old = self._data.get(key, _MISSING)
            if old is not _MISSING:
                self._data.move_to_end(key)
                return old[0]
            if size > self.max_bytes:
                self.too_big += 1
                return value
            self._data[key] = (value, size)
            self._bytes += size
            while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, s) = self._data.popitem(last=False)
                self._bytes -= s
                self.evictions += 1
        return value

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        hit = self.get(key, _MISSING)
        if hit is not _MISSING:
            return hit
        return self.put(key, build())

    def discard(self, predicate: Callable[[Hashable], bool]) -> int:
        """Drop every entry whose key satisfies ``predicate``; returns how many."""
        with self._lock:
            gone = [k for k in self._data if predicate(k)]
            for k in gone:
                self._bytes -= self._data.pop(k)[1]
        return len(gone)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def release_views(self) -> int:
        """Prune pandas' dead view references on every value kept (see :func:`release_views`)."""
        with self._lock:
            values = [v for v, _ in self._data.values()]
        return sum(release_views(v) for v in values)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    @property
    def bytes(self) -> int:
        return self._bytes

    def stats(self) -> dict:
        with self._lock:
            return {
                "name": self.name,
                "entries": len(self._data),
                "max_entries": self.max_entries,
                "mb": round(self._bytes / MB, 2),
                "max_mb": round(self.max_bytes / MB, 2),
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self.evictions,
                "too_big": self.too_big,
            }


def release_all_views() -> int:
    """:meth:`LRU.release_views` on every live LRU (the only long-lived frames: checked with gc over page
    runs); returns how many pandas objects were visited."""
    return sum(c.release_views() for c in list(_ALL))


def stats() -> list[dict]:
    """Every live LRU's figures (for benchmarks and diagnosis)."""
    return sorted((c.stats() for c in list(_ALL)), key=lambda d: d["name"])
