"""Trend charts (issue #12): one time-axis label per period with each value on its own period's tick, fixed colours
for Bromley, London and England on every chart, a palette of at least 15 colours, and the Trends page's picker
(13+ areas, a one-click comparator set, choices kept across indicators, the real period range in the subtitle)."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc
from streamlit.testing.v1 import AppTest

from charts import compose, style, trends
from loaders.codes import BROMLEY, ENGLAND, LONDON
from model import explore, profile

ROOT = Path(__file__).resolve().parents[1]
WARD = "E05014002"  # Penge & Cator
SVG = "{http://www.w3.org/2000/svg}"


# ---- helpers -----------------------------------------------------------------------------------------------------
def _page_frame(store, indicator: str, codes: list[str]) -> pd.DataFrame:
    """What pages/trends.py plots: the store's series with a display name per area."""
    df = store.series(indicator, codes)
    df = df[df.area_code.isin(codes)]
    df["series"] = df.area_code.map(dict(zip(df.area_code, df.area_name)))
    return profile.trend_display(df, store.indicator(indicator)["unit"])


def _translate_x(el) -> float:
    return float(re.search(r"translate\(([-\d.e]+)", el.get("transform", "")).group(1))


def _axis_labels(svg: str, periods: set[str]) -> list[list[tuple[str, float]]]:
    """Every time axis in the SVG (x axes whose labels are periods): [(label, x), ...] in drawing order."""
    root = ET.fromstring(svg)
    out = []
    for g in root.iter(f"{SVG}g"):
        if "role-axis-label" in (g.get("class") or ""):
            texts = [(t.text or "", _translate_x(t)) for t in g.iter(f"{SVG}text") if t.get("opacity", "1") != "0"]
            if texts and all(t in periods for t, _ in texts):
                out.append(texts)
    return out


def _points(svg: str) -> list[tuple[str, float]]:
    """(period, x) of every point mark, from its aria-label ("period: 2019; ...")."""
    root = ET.fromstring(svg)
    out = []
    for g in root.iter(f"{SVG}g"):
        if "mark-symbol" in (g.get("class") or "") and "role-mark" in (g.get("class") or ""):
            for p in g.iter(f"{SVG}path"):
                m = re.search(r"period: ([^;]+);", p.get("aria-label") or "")
                if m and p.get("transform"):
                    out.append((m.group(1), _translate_x(p)))
    return out


def _x(spec: dict) -> dict:
    """The x encoding of a trend chart (on the layer, or its first layer)."""
    s = spec.get("spec", spec)
    return s.get("encoding", {}).get("x") or next(
        lay["encoding"]["x"] for lay in s["layer"] if "x" in lay.get("encoding", {})
    )


def _colour_map(spec: dict) -> dict[str, str]:
    """series -> colour from a trend chart's colour scale."""
    s = spec.get("spec", spec)
    enc = s.get("encoding", {}).get("color") or next(
        lay["encoding"]["color"] for lay in s["layer"] if "color" in lay.get("encoding", {})
    )
    return dict(zip(enc["scale"]["domain"], enc["scale"]["range"]))


# ---- the time axis -----------------------------------------------------------------------------------------------
def test_calendar_years_one_label_each_and_each_value_on_its_own_tick(store):
    """Was the bug: a temporal axis at period_end with a "%Y" format wrote "2019 2019 2019 2020 ...", drew the 2019
    value (ending 31 Dec 2019) on the "2020" tick and the 2025 value past the last tick."""
    df = _page_frame(store, "ehcp_20wk_excl", [BROMLEY, ENGLAND])  # calendar years 2016-2024 (LAIT)
    fig = trends.trend(df, value_title="EHC plans in 20 weeks (%)", series_order=["Bromley", "England"], width=700)
    spec = fig.spec()
    x = _x(spec["layer"][0] | {"layer": spec["layer"]})
    periods = [str(y) for y in range(2016, 2025)]
    assert x["type"] == "ordinal" and x["field"] == "period"
    assert x["sort"] == periods and x["scale"]["domain"] == periods
    svg = vlc.vegalite_to_svg(spec)
    axes = _axis_labels(svg, set(periods))
    assert [t for t, _ in axes[0]] == periods  # each label once, in time order
    tick = dict(axes[0])
    pts = _points(svg)
    assert len(pts) == len(df)
    for period, px in pts:
        assert abs(px - tick[period]) < 0.5, (period, px, tick)
    assert max(px for _, px in pts) <= tick["2024"] + 0.5  # nothing past the last tick


def test_values_sit_on_their_own_period_whatever_the_row_order():
    """Rows out of time order (as a merge or a local extract may give them) still plot in time order."""
    rows = [
        ("2021", "2021-01-01", "2021-12-31", 3.0),
        ("2019", "2019-01-01", "2019-12-31", 1.0),
        ("2020", "2020-01-01", "2020-12-31", 2.0),
    ]
    df = pd.DataFrame(rows, columns=["period", "period_start", "period_end", "value"]).assign(
        series="Bromley",
        area_code=BROMLEY,
        lower95=np.nan,
        upper95=np.nan,
        label="x",
        interval="none",
        status="published",
        segment="Bromley|s",
    )
    spec = trends.trend(df, value_title="v", width=400, end_labels=False).spec()
    svg = vlc.vegalite_to_svg(spec)
    (axis,) = _axis_labels(svg, {"2019", "2020", "2021"})
    assert [t for t, _ in axis] == ["2019", "2020", "2021"]
    xs = dict(axis)
    assert all(abs(px - xs[p]) < 0.5 for p, px in _points(svg))


def test_financial_years_pooled_periods_and_snapshots_each_get_their_own_label(store):
    df = _page_frame(store, "obesity_year6", [BROMLEY, LONDON, ENGLAND])
    expected = df.drop_duplicates("period").sort_values(["period_end", "period_start"]).period.tolist()
    assert "2011/12-2013/14" in expected and "2014/15" in expected and "2008/09-2010/11" in expected
    assert trends.period_order(df) == expected
    spec = trends.trend(df, value_title="v", width=760).spec()
    svg = vlc.vegalite_to_svg(spec)
    (axis,) = _axis_labels(svg, set(expected))
    assert [t for t, _ in axis] == expected
    xs = dict(axis)
    assert all(abs(px - xs[p]) < 0.5 for p, px in _points(svg))

    cla = _page_frame(store, "cla_rate", [BROMLEY, ENGLAND])
    spec = trends.trend(cla, value_title="v", width=760).spec()
    (axis,) = _axis_labels(vlc.vegalite_to_svg(spec), set(cla.period))
    assert [t for t, _ in axis] == [f"31 Mar {y}" for y in range(2019, 2026)]


def _ward_grid(store):
    info = profile.ward(store, WARD)
    sp = profile.spine_display(profile.spine(store, WARD, "ward2022"))
    tr = profile.ward_trends(store, WARD, "ward2022")
    panels = [(tr[r.indicator_id], r.name, r.unit) for r in sp.itertuples()]
    return info, sp, tr, panels


def test_ward_trend_grid_each_panel_has_its_own_periods_once_each(store):
    """The ward profile's small multiples (and so its board pack): each panel's axis lists that indicator's periods,
    once each, in time order, with every point on its own period's tick."""
    info, sp, tr, panels = _ward_grid(store)
    fig = compose.ward_trend_grid(panels, info["name"])
    spec = fig.spec()
    assert _x(spec)["type"] == "ordinal"
    svg = vlc.vegalite_to_svg(spec)
    all_periods = {p for t, _, _ in panels for p in t.period}
    axes = _axis_labels(svg, all_periods)
    expected = sorted((trends.period_order(t) for t, _, _ in panels), key=len)
    assert sorted(([t for t, _ in a] for a in axes), key=len) == expected
    for a in axes:
        assert len({t for t, _ in a}) == len(a)


def test_ward_trend_chart_for_exports_one_label_per_period(store):
    info, sp, tr, _ = _ward_grid(store)
    for r in sp.itertuples():
        t = tr[r.indicator_id]
        spec = compose.ward_trend(t, name=r.name, unit=r.unit, ward_name=info["name"], notes=["n"], width=760).spec()
        svg = vlc.vegalite_to_svg(spec)
        (axis,) = _axis_labels(svg, set(t.period))
        assert [x for x, _ in axis] == trends.period_order(t), r.indicator_id
        xs = dict(axis)
        assert all(abs(px - xs[p]) < 0.5 for p, px in _points(svg)), r.indicator_id


def test_period_span_is_first_and_last_by_date():
    df = pd.DataFrame(
        {
            "period": ["2014/15", "2011/12-2013/14", "2024/25", "2008/09-2010/11"],
            "period_start": pd.to_datetime(["2014-04-01", "2011-04-01", "2024-04-01", "2008-04-01"]),
            "period_end": pd.to_datetime(["2015-03-31", "2014-03-31", "2025-03-31", "2011-03-31"]),
        }
    )
    assert profile.period_span(df) == "2008/09-2010/11 to 2024/25"
    assert profile.period_span(df.iloc[:1]) == "2014/15"


# ---- colours -----------------------------------------------------------------------------------------------------
def _lab(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ c / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_palette_has_at_least_15_distinct_colours_apart_from_the_fixed_ones():
    every = style.CATEGORICAL + list(style.AREA_COLOURS.values())
    assert len(style.CATEGORICAL) >= 15 and len(set(c.upper() for c in every)) == len(every)
    closest = min(np.linalg.norm(_lab(a) - _lab(b)) for a, b in itertools.combinations(every, 2))
    assert closest >= 20, closest  # CIE76: clearly different to a normal eye; names do the rest
    assert trends.SERIES_COLOURS is style.CATEGORICAL


def test_bromley_london_england_have_the_same_colour_on_every_chart(store):
    fixed = {
        "Bromley": style.AREA_COLOURS[BROMLEY],
        "London": style.AREA_COLOURS[LONDON],
        "England": style.AREA_COLOURS[ENGLAND],
    }
    assert len(set(fixed.values())) == 3
    # the Trends page's chart, whatever else is chosen and in whatever order
    for codes in ([BROMLEY, LONDON, ENGLAND], [ENGLAND, "E09000029", LONDON, BROMLEY], ["E09000029", BROMLEY]):
        df = _page_frame(store, "cla_rate", codes)
        names = dict(zip(df.area_code, df.series))
        got = _colour_map(trends.trend(df, value_title="v", series_order=[names[c] for c in codes]).spec())
        assert {k: v for k, v in got.items() if k in fixed} == {k: fixed[k] for k in got if k in fixed}
        assert got["Bromley"] == fixed["Bromley"]
        assert len(set(got.values())) == len(got)
    # the ward's trend chart (exports, board pack) and the ward profile's grid
    info, sp, tr, panels = _ward_grid(store)
    r = sp.iloc[0]
    ward = _colour_map(
        compose.ward_trend(tr[r.indicator_id], name=r["name"], unit=r.unit, ward_name=info["name"], notes=[]).spec()
    )
    grid = _colour_map(compose.ward_trend_grid(panels, info["name"]).spec())
    for got in (ward, grid):
        assert {k: got[k] for k in fixed if k in got} == {k: fixed[k] for k in fixed if k in got}
        assert got[info["name"]] == style.CATEGORICAL[0]  # the ward: the first free colour, not a fixed one
    # the ranking's comparator line and label
    for comparator, label in explore.COMPARATOR_LABELS.items():
        view = explore.View("cla_rate", "31 Mar 2023", "ward2022", comparator, "95")
        table, ctx = explore.ward_table(store, view)
        table = explore.display_columns(table, "%", "compare")
        charts = compose.explorer(
            table,
            ctx,
            [],
            period="31 Mar 2023",
            geography_label="w",
            colour="compare",
            quintile_labels=explore.quintile_labels("low_is_good"),
        )
        spec = charts["ranking"].spec()
        inks = [lay["mark"]["color"] for lay in spec["layer"] if lay.get("data", {}).get("name") == "comparator"]
        from charts.contrast import readable  # noqa: PLC0415

        # the comparator's line in its colour, its label in the same hue dark enough for text (4.5:1, WCAG 1.4.3)
        assert inks == [fixed[label], readable(fixed[label])], (label, inks)
    # the spine chart's comparator markers
    spine = compose.ward_spine(sp, info["name"], "95").spec()
    layer_colours = {
        lay["transform"][0]["filter"]: lay["mark"]["color"]
        for lay in spine["layer"]
        if lay.get("transform") and "pos_" in lay["transform"][0]["filter"]
    }
    assert layer_colours == {
        "isValid(datum.pos_england)": fixed["England"],
        "isValid(datum.pos_london)": fixed["London"],
        "isValid(datum.pos_bromley)": fixed["Bromley"],
    }


def test_bands_are_faint_edged_and_only_for_the_chosen_series(store):
    df = _page_frame(store, "cla_rate", [BROMLEY, LONDON, ENGLAND])
    spec = trends.trend(df, value_title="v", band_series=["Bromley"]).spec()
    areas = [lay for lay in spec["layer"] if lay["mark"]["type"] == "area"]
    assert len(areas) == 1 and areas[0]["mark"]["opacity"] <= 0.12
    edges = [
        lay
        for lay in spec["layer"]
        if lay["mark"]["type"] == "line" and lay["encoding"]["y"]["field"] in ("lower95", "upper95")
    ]
    assert {e["encoding"]["y"]["field"] for e in edges} == {"lower95", "upper95"}
    banded = {r["series"] for r in spec["datasets"]["trend"] if r["band"]}
    assert banded == {"Bromley"}
    assert "datum.band" in areas[0]["transform"][0]["filter"]


def test_lines_are_named_in_text_not_only_by_colour(store):
    df = _page_frame(store, "cla_rate", [BROMLEY, LONDON, ENGLAND])
    spec = trends.trend(df, value_title="v", series_order=["Bromley", "London", "England"]).spec()
    assert sorted(r["series"] for r in spec["datasets"]["trend_ends"]) == ["Bromley", "England", "London"]
    ys = sorted(r["y"] for r in spec["datasets"]["trend_ends"])
    assert all(b - a > 0 for a, b in zip(ys, ys[1:]))
    svg = vlc.vegalite_to_svg(spec)
    for name in ("Bromley", "London", "England"):
        assert svg.count(f">{name}</text>") == 2  # legend and line end


# ---- the Trends page ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def _fresh_store_cache():
    from ui.data import reload_store

    reload_store()
    yield


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch):
    import os

    for k in [k for k in os.environ if k.startswith("BWE_")]:
        monkeypatch.delenv(k)


def _run(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "trends.py"), default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    _clean(at)
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _plain(text) -> str:
    return re.sub(r"\\(.)", r"\1", str(text))


def _chart_spec(at: AppTest) -> dict:
    return json.loads(at.get("vega_lite_chart")[0].proto.spec)


def _shown(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "status" in d.value.columns)


def test_thirteen_areas_bromley_neighbours_london_england(store):
    nb = store.stat_neighbours("2025").area_code.tolist()
    assert len(nb) == 10
    codes = [BROMLEY, *nb, LONDON, ENGLAND]
    at = _run(indicator="cla_rate", areas=",".join(codes))
    assert at.multiselect(key="trends:areas").value == codes
    shown = _shown(at)
    assert set(shown.area_code) == set(codes)
    colours = _colour_map(_chart_spec(at))
    assert len(colours) == 13 and len(set(colours.values())) == 13
    assert (colours["Bromley"], colours["London"], colours["England"]) == (
        style.AREA_COLOURS[BROMLEY],
        style.AREA_COLOURS[LONDON],
        style.AREA_COLOURS[ENGLAND],
    )
    # and the chart's colour for Bromley is the one it has with only three areas
    assert _colour_map(_chart_spec(_run(indicator="cla_rate")))["Bromley"] == colours["Bromley"]


def test_preset_button_selects_bromley_neighbours_london_england(store):
    at = _run(indicator="cla_rate")
    at.button(key="trends:preset").click().run()
    _clean(at)
    nb = store.stat_neighbours("2025").area_code.tolist()
    assert at.multiselect(key="trends:areas").value == [BROMLEY, *nb, LONDON, ENGLAND]
    assert at.query_params["areas"] == ",".join([BROMLEY, *nb, LONDON, ENGLAND])
    assert set(_shown(at).area_code) == {BROMLEY, *nb, LONDON, ENGLAND}


def test_switching_indicator_keeps_areas_and_lists_those_without_data(store):
    nb = store.stat_neighbours("2025").area_code.tolist()
    codes = [BROMLEY, *nb, LONDON, ENGLAND]
    at = _run(indicator="cla_rate", areas=",".join(codes))
    at.selectbox(key="trends:indicator").set_value("neet").run()
    _clean(at)
    assert at.multiselect(key="trends:areas").value == codes  # nothing dropped
    have = set(store.trend_areas("neet").area_code)
    missing = [c for c in codes if c not in have]
    assert missing and LONDON in missing  # NEET: Bromley and England only
    note = next(_plain(i.value) for i in at.info if "No data for this indicator" in _plain(i.value))
    names = dict(zip(store.areas("la", bromley_only=False).area_code, store.areas("la", bromley_only=False).area_name))
    names[LONDON] = "London"
    for c in missing:
        assert names[c] in note
    assert not any("Choose at least one area" in _plain(i.value) for i in at.info)
    assert set(_shown(at).area_code) == {c for c in codes if c in have}
    # and back: every area is plotted again
    at.selectbox(key="trends:indicator").set_value("cla_rate").run()
    _clean(at)
    assert at.multiselect(key="trends:areas").value == codes
    assert set(_shown(at).area_code) == set(codes)
    assert not any("No data for this indicator" in _plain(i.value) for i in at.info)


def test_choose_at_least_one_area_only_when_nothing_is_chosen():
    at = _run(indicator="cla_rate")
    assert not any("Choose at least one area" in _plain(i.value) for i in at.info)
    at.multiselect(key="trends:areas").set_value([]).run()
    _clean(at)
    assert any("Choose at least one area" in _plain(i.value) for i in at.info)


def test_subtitle_states_the_plotted_range_by_date(store):
    at = _run(indicator="obesity_year6", areas=f"{BROMLEY},{LONDON},{ENGLAND}")
    title = _chart_spec(at)["title"]
    first = "2008/09-2010/11"
    assert f"{first} to 2024/25" in title["subtitle"][0], title["subtitle"]


def test_neighbour_model_choice_changes_the_preset_and_labels(store):
    """Both DfE models: the person chooses (May 2025 by default); the preset and labels follow the choice."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "trends.py"), default_timeout=60)
    at.run()
    assert at.radio(key="trends:neighbours").value == "2025"
    at.button(key="trends:preset").click().run()
    nb25 = store.stat_neighbours("2025").area_code.tolist()
    assert at.multiselect(key="trends:areas").value[1:-2] == nb25
    at.radio(key="trends:neighbours").set_value("2021").run()
    at.button(key="trends:preset").click().run()
    nb21 = store.stat_neighbours("2021").area_code.tolist()
    assert set(nb21) != set(nb25) and at.multiselect(key="trends:areas").value[1:-2] == nb21
    assert at.query_params["neighbours"] == "2021"
    labels = [at.multiselect(key="trends:areas").format_func(c) for c in nb21]
    assert all(lab.endswith("(statistical neighbour, 2021 model)") for lab in labels), labels


def test_every_line_colour_stands_out_from_white_at_3_to_1():
    """WCAG 1.4.11 (non-text contrast): trend lines are graphical objects, so 3:1 against the background."""
    from charts import contrast

    for colour in [*style.CATEGORICAL, *style.AREA_COLOURS.values()]:
        assert contrast.ratio(colour, "#ffffff") >= 3.0, colour
