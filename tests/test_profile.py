"""Ward profile model: the scheme-at-once spine and series against a plain per-ward oracle.

model.profile computes the spine for every ward of a scheme in one pass and keeps it with
the store (model.cache), so a ward not seen before is a filter. These tests recompute each
ward's row the slow, obvious way from the Store's own query results and compare all 44 wards,
both confidence levels, in the normal and the public (suppressed) store.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import phstats
from loaders.codes import BROMLEY, ENGLAND, LONDON
from model import profile
from model.cache import per_store
from model.public import PublicStore


def _oracle(store, code, scheme, level):
    """One ward's spine rows, computed directly (as the first version of the app did)."""
    suffix = "95" if level == "95" else "998"
    rows = []
    for meta in store.indicators().itertuples():
        if meta.unit == "count":
            continue
        o = store.options(meta.indicator_id)
        o = o[o.geography == scheme]
        if o.empty:
            continue
        period = o.iloc[0].period
        wards = store.values(meta.indicator_id, period, scheme)
        me = wards[wards.area_code == code]
        if me.empty or pd.isna(me.value.iloc[0]):
            continue
        me = me.iloc[0]
        comps = store.comparators(meta.indicator_id, period).set_index("area_code").value
        cvals = {c: float(comps.get(c, np.nan)) for c in (ENGLAND, LONDON, BROMLEY)}
        against = next((c for c in (ENGLAND, LONDON, BROMLEY) if np.isfinite(cvals[c])), None)
        lo, hi = me[f"lower{suffix}"], me[f"upper{suffix}"]
        vals = wards.value.dropna()
        worse_side = vals < me.value if meta.polarity == "high_is_good" else vals > me.value
        rows.append(
            dict(
                indicator_id=meta.indicator_id,
                period=period,
                value=float(me.value),
                lower=lo,
                upper=hi,
                england=cvals[ENGLAND],
                london=cvals[LONDON],
                bromley=cvals[BROMLEY],
                ward_min=vals.min(),
                ward_q25=vals.quantile(0.25),
                ward_q75=vals.quantile(0.75),
                ward_max=vals.max(),
                n_wards=len(vals),
                bromley_rank=int(worse_side.sum() + 1),
                comparison=phstats.compare(lo, hi, cvals[against], meta.polarity) if against else "not compared",
                compared_with=profile.COMPARATOR_NAMES.get(against, "none"),
            )
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def public(store):
    return PublicStore(store, 5)


@pytest.mark.parametrize("public_mode", [False, True], ids=["full", "public"])
@pytest.mark.parametrize("level", ["95", "99.8"])
def test_spine_matches_per_ward_oracle_for_every_ward(store, public, public_mode, level):
    s = public if public_mode else store
    checked = 0
    for scheme in profile.SCHEMES:
        for code in s.areas(scheme).area_code:
            got = profile.spine(s, code, scheme, level)
            want = _oracle(s, code, scheme, level)
            assert len(got) == len(want) > 0, code
            pd.testing.assert_frame_equal(got[want.columns].reset_index(drop=True), want, check_dtype=False)
            assert got.pos_value.between(-1, 1).all() and got.pos_ward_min.between(-1, 1).all()
            checked += 1
    assert checked == 44


def test_spine_known_values(store):
    sp = profile.spine(store, "E05014002", "ward2022").set_index("indicator_id")  # Penge & Cator
    assert profile.ward(store, "E05014002")["children"] == 3904.0
    assert sp.loc["cla_rate", "n_wards"] == 22 and sp.loc["cla_rate", "is_illustrative"]
    # low is good: better to the right, so the worst ward (rank 1) is at the far left
    worst = profile.spine(store, _worst_ward(store, "idaci", "ward2022"), "ward2022")
    assert worst.set_index("indicator_id").loc["idaci", "bromley_rank"] == 1
    assert worst.set_index("indicator_id").loc["idaci", "pos_value"] == pytest.approx(-1.0)


def _worst_ward(store, indicator, scheme):
    period = store.options(indicator).query("geography == @scheme").iloc[0].period
    v = store.values(indicator, period, scheme)
    return v.sort_values("value", ascending=False).area_code.iloc[0]


def test_ward_trends_equal_per_indicator_trends(store, public):
    for s in (store, public):
        for code in ("E05014002", "E05013996", "E05000117"):
            scheme = profile.ward(s, code)["scheme"]
            every = profile.ward_trends(s, code, scheme)
            for r in profile.spine(s, code, scheme).itertuples():
                one = profile.trend_display(profile.trends(s, code, scheme, r.indicator_id), r.unit)
                pd.testing.assert_frame_equal(every[r.indicator_id], one)
                assert set(one.series) <= {profile.ward(s, code)["name"], "Bromley", "London", "England"}


def test_public_store_keeps_its_own_results(store, public):
    darwin = "E05013996"
    full = profile.ward_trends(store, darwin, "ward2022")["cla_rate"]
    hidden = profile.ward_trends(public, darwin, "ward2022")["cla_rate"]
    assert (hidden.status == "SUPPRESSED").any() and not (full.status == "SUPPRESSED").any()


def test_per_store_builds_once_per_store_and_key():
    class S:  # any weak-referenceable object stands for a store
        pass

    a, b, calls = S(), S(), []
    build = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert per_store(a, "k", build) == 1 and per_store(a, "k", build) == 1
    assert per_store(b, "k", build) == 2 and per_store(a, "other", build) == 3
    assert len(calls) == 3
