"""Results computed once per store: work shared by every ward, view or session.

A Store's tables never change after loading (a new extract means a new Store), so a
result that depends only on the store and a few choices can be kept with the store.
All stores share one LRU (model.lru), bounded by entries and by bytes: some keys grow
with use (a ward's series and trends, an indicator and period's comparators), and a
store that is not being used (the public-mode store when everyone is in normal mode,
or the other way round) gives its room up to the one that is. A discarded Store (or
PublicStore) takes its results with it. Callers must not mutate what they get back.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

from model.lru import LRU, MB

T = TypeVar("T")

PER_STORE_ENTRIES = 1024
PER_STORE_BYTES = 12 * MB  # whole-scheme spines and series are 1-3 MB each, a ward's results ~0.1 MB
RESULTS = LRU("per_store (model.cache)", max_entries=PER_STORE_ENTRIES, max_bytes=PER_STORE_BYTES)
_LOCK = threading.Lock()
_TOKENS: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()
_COUNT = itertools.count()


def token(store: object) -> int:
    """A number for this store, never reused; its entries go when the store is collected."""
    with _LOCK:
        t = _TOKENS.get(store)
        if t is None:
            t = _TOKENS[store] = next(_COUNT)
            weakref.finalize(store, RESULTS.discard, lambda k, t=t: k[0] == t)
        return t


def per_store(store: object, key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per (store, key) while it stays in the LRU. Two sessions asking at once may
    both build; one result is kept."""
    return RESULTS.get_or_build((token(store), key), build)
