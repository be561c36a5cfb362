"""Every memo is bounded by entries and by bytes (issue #12): the shared LRU (model.lru), the view memo
(ui.display.memo), the per-store results (model.cache.per_store) and the Store's query memo."""

from __future__ import annotations

import dataclasses
import gc
import threading

import numpy as np
import pandas as pd
import pytest

from model import lru
from model.lru import LRU, estimate_size


def test_evicts_least_recently_used_by_entries():
    c = LRU("t-entries", max_entries=3, max_bytes=10**9, sizeof=lambda v: 1)
    for k in "abc":
        c.put(k, k.upper())
    assert c.get("a") == "A"  # a is now the most recent
    c.put("d", "D")
    assert "b" not in c and list("acd") == sorted(k for k in "abcd" if k in c)
    assert len(c) == 3 and c.evictions == 1
    assert c.hits == 1 and c.get("b") is None and c.misses == 1


def test_evicts_by_bytes_and_refuses_what_cannot_fit():
    c = LRU("t-bytes", max_entries=100, max_bytes=1000, sizeof=len)
    c.put("a", "x" * 400)
    c.put("b", "x" * 400)
    c.put("c", "x" * 400)  # 1200 > 1000: a goes
    assert "a" not in c and "b" in c and "c" in c and c.bytes == 800
    big = "y" * 1001
    assert c.put("big", big) is big and "big" not in c and c.too_big == 1  # returned, not kept
    assert c.bytes == 800
    c.discard(lambda k: k == "b")
    assert c.bytes == 400 and len(c) == 1
    c.clear()
    assert c.bytes == 0 and len(c) == 0


def test_get_or_build_builds_once_and_keeps_the_first_result():
    c = LRU("t-build", max_entries=10, max_bytes=10**6)
    calls = []
    assert c.get_or_build("k", lambda: calls.append(1) or 7) == 7
    assert c.get_or_build("k", lambda: calls.append(1) or 8) == 7
    assert len(calls) == 1
    assert c.put("k", 9) == 7  # a racing second build gets the stored value back


def test_bounds_must_allow_one_entry():
    with pytest.raises(ValueError):
        LRU("bad", max_entries=0, max_bytes=10)


def test_size_estimates_follow_what_is_kept():
    df = pd.DataFrame({"a": np.arange(10_000, dtype="int64"), "s": ["ward name"] * 10_000})
    assert estimate_size(df) >= df.memory_usage(deep=True).sum() >= 80_000
    spec = {"data": {"values": [{"x": i, "y": "abc"} for i in range(1000)]}, "mark": "bar"}
    assert estimate_size(spec) >= len(str(spec)) // 2
    both = {"table": df, "spec": spec}  # a view: frames and specs together
    assert estimate_size(both) >= estimate_size(df) + estimate_size(spec) // 2
    assert estimate_size(("key", 1)) > 0 and estimate_size(object()) > 0


def test_thread_safe_under_concurrent_use():
    c = LRU("t-threads", max_entries=50, max_bytes=5000, sizeof=lambda v: 60)
    errors, start = [], threading.Barrier(8)

    def work(n):
        try:
            start.wait()
            for i in range(3000):
                k = (n * 7 + i) % 200
                v = c.get_or_build(k, lambda k=k: k * 2)
                assert v == k * 2
                if i % 500 == 0:
                    c.discard(lambda key, k=k: key == k)
                assert len(c) <= 50 and c.bytes <= 5000
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(c) <= 50 and c.bytes <= 5000 and c.bytes == 60 * len(c)
    assert c.hits + c.misses == 8 * 3000


def test_view_memo_stays_within_its_bounds(monkeypatch):
    from ui import display, modes

    monkeypatch.setattr(modes, "current", lambda: modes.Modes(public=False, present=False, threshold=10))
    store = type("FakeStore", (), {})()  # any object a weak reference can point to
    monkeypatch.setattr(display, "_store_identity", lambda: store)
    small = LRU("views (test)", max_entries=display.VIEW_MEMO_ENTRIES, max_bytes=2_000_000)
    monkeypatch.setattr(display, "_SPECS", small)
    frame = pd.DataFrame({"v": np.zeros(5_000)})  # ~40 KB each
    for i in range(display.VIEW_MEMO_ENTRIES * 3):
        display.memo(("map", i), lambda i=i: {"table": frame.copy(), "spec": {"mark": "bar", "n": i}})
        assert len(small) <= display.VIEW_MEMO_ENTRIES and small.bytes <= 2_000_000
    assert small.evictions > 0 and len(small) < display.VIEW_MEMO_ENTRIES  # the byte bound bit first
    assert display.VIEW_MEMO_BYTES <= 128 * lru.MB  # the real bound leaves the server room under 400 MB


def test_per_store_is_bounded_and_shared_by_stores(monkeypatch):
    from model import cache

    small = LRU("per_store (test)", max_entries=40, max_bytes=10**9, sizeof=lambda v: 1)
    monkeypatch.setattr(cache, "RESULTS", small)

    class S:
        pass

    a, b = S(), S()
    for i in range(100):  # e.g. a ward's series for every ward, in both modes
        cache.per_store(a, ("ward_series", i), lambda i=i: i)
        cache.per_store(b, ("ward_series", i), lambda i=i: -i)
        assert len(small) <= 40
    assert cache.per_store(a, ("ward_series", 99), lambda: None) == 99
    assert cache.per_store(b, ("ward_series", 99), lambda: None) == -99
    del a
    gc.collect()
    assert all(k[0] == cache.token(b) for k in list(small._data))  # a's results went with it


def test_store_query_memo_stays_within_its_bounds(monkeypatch):
    from loaders import queries
    from loaders.store import Store

    monkeypatch.setattr(Store, "MEMO_ENTRIES", 25)
    monkeypatch.setattr(Store, "MEMO_BYTES", 60_000)
    s = Store()
    codes = list(s.areas("ward2022").area_code)
    periods = list(s.options("idaci").period)
    seen = 0
    for ind in sorted(s.indicator_ids):
        for p in periods:
            s.values(ind, p, "ward2022")
            s.comparators(ind, p)
            seen += 2
        s.series(ind, codes[:3])
        seen += 1
        assert len(s._memo) <= 25 and s._memo.bytes <= 60_000
    assert seen > 25 and s._memo.evictions > 0
    # still correct after evictions: a result equals a fresh query
    again = s.values("idaci", periods[0], "ward2022")
    cur = s._con.cursor()
    fresh = cur.execute(
        queries.VALUES,
        {
            "indicator": "idaci",
            "period": str(periods[0]),
            "geography": "ward2022",
            "breakdown": "All",
            "bromley_only": True,
        },
    ).df()
    pd.testing.assert_frame_equal(again, fresh)


def _refs(df: pd.DataFrame) -> list[int]:
    return [len(b.refs.referenced_blocks) for b in df._mgr.blocks]


def test_kept_frames_drop_dead_view_references():
    """A memoised frame read by many views (df[col], rename, reset_index) collects pandas' weak references
    to those views; release_views prunes the dead ones (the soak's 128,000 dead weakrefs after a minute)."""
    cache = LRU("test-refs", max_entries=10, max_bytes=10 * lru.MB)
    df = pd.DataFrame({"value": np.arange(22.0), "name": [f"w{i}" for i in range(22)]})
    other = pd.DataFrame({"n": np.arange(3)})

    @dataclasses.dataclass(frozen=True)
    class View:
        table: pd.DataFrame
        parts: tuple

    cache.put("frame", df)
    cache.put("view", View(table=other, parts=({"spec": [1] * 100}, [other])))
    for _ in range(300):
        views = df["value"], df.rename(columns={"value": "v"}), df.reset_index(), other["n"]
    del views
    gc.collect()
    assert max(_refs(df)) > 100 and max(_refs(other)) > 100  # pandas' back-off has not pruned them yet
    kept = df["value"]  # a live view stays referenced
    visited = lru.release_all_views()
    assert visited >= 2
    assert _refs(other) == [1]
    assert sorted(_refs(df)) == [1, 2]  # the float block keeps itself and the live view
    kept.iloc[0] = -1.0  # copy-on-write still protects the kept frame
    assert df["value"].iloc[0] == 0.0


def test_frame_size_estimate_counts_python_objects():
    df = pd.DataFrame({c: np.arange(22.0) for c in "abcdefghij"})
    reported = int(df.memory_usage(deep=True, index=True).sum())
    assert estimate_size(df) == reported + lru.FRAME_OVERHEAD + 10 * lru.COLUMN_OVERHEAD
