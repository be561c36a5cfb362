"""Results computed once per store: work shared by every ward, view or session.

A Store's tables never change after loading (a new extract means a new Store), so a
result that depends only on the store and a few choices can be kept with the store.
Keyed weakly on the store object, so a discarded Store (or PublicStore) takes its
results with it. Callers must not mutate what they get back.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

_LOCK = threading.Lock()
_CACHE: weakref.WeakKeyDictionary[object, dict[Hashable, object]] = weakref.WeakKeyDictionary()


def per_store(store: object, key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per (store, key). Two sessions asking at once may both build; one result is kept."""
    with _LOCK:
        hit = _CACHE.get(store, {}).get(key, _CACHE)
    if hit is not _CACHE:
        return hit  # type: ignore[return-value]
    value = build()
    with _LOCK:
        return _CACHE.setdefault(store, {}).setdefault(key, value)  # type: ignore[return-value]
