"""Every chart the app builds is a valid Vega-Lite spec, carries its labels, and renders non-blank.

Altair's build-time validation is switched off for speed (charts/__init__.py), so this
suite validates the complete specs (chart + named datasets) against the schema instead.
"""

from __future__ import annotations

import io
import json

import altair as alt
import jsonschema
import pytest
from PIL import Image

from charts import compose, style
from charts import hotspots as hchart
from exports import images
from loaders.codes import GEOGRAPHY_LABELS
from model import explore, profile
from model import hotspots as hs
from model.public import PublicStore

SCHEMA = alt.load_schema()


@pytest.fixture(autouse=True)
def no_shorthand_parsing(monkeypatch):
    """Every builder names its channels (alt.X, alt.Text, alt.XValue, ...). A string shorthand or
    alt.value/alt.condition dict makes Altair rebuild a lookup of ~570 schema classes (about
    1.6 ms each time; vega/altair#3547), which cost the ward profile ~60 ms per view."""
    from altair.utils import schemapi

    calls = []
    original = schemapi._FromDict.__init__

    def counting(self, *a, **k):
        calls.append(1)
        original(self, *a, **k)

    monkeypatch.setattr(schemapi._FromDict, "__init__", counting)
    yield
    assert not calls, f"{len(calls)} chart encoding(s) took Altair's from_dict path"


VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def _valid(spec: dict) -> None:
    errors = sorted(VALIDATOR.iter_errors(spec), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]
    for name in spec.get("datasets", {}):
        json.dumps(spec["datasets"][name], allow_nan=False)  # NaN would make the browser's JSON parse fail


def _explorer(store, indicator, period, geography, comparator, colour, ward=None):
    meta = store.indicator(indicator)
    view = explore.View(indicator, period, geography, comparator, "95")
    table, ctx = explore.ward_table(store, view)
    table = explore.display_columns(table, meta["unit"], colour)
    feats = explore.map_features(store, table, geography)
    return compose.explorer(
        table,
        ctx,
        feats,
        period=period,
        geography_label=GEOGRAPHY_LABELS[geography],
        colour=colour,
        quintile_labels=explore.quintile_labels(meta["polarity"]),
        selected=ward,
    )


CASES = [
    ("idaci", "2025", "ward2022", "bromley", "quintile"),
    ("idaci", "2019", "lsoa2011", "london", "decile"),
    ("idaci", "2019", "ward2014", "london", "compare"),
    ("cla_rate", "31 Mar 2023", "ward2022", "england", "compare"),
    ("obesity_year6", "2011/12-2013/14", "ward2022", "england", "quintile"),
    ("neet", "2024/25", "ward2022", "bromley", "compare"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c[:3]))
@pytest.mark.parametrize("big", [False, True])
def test_explorer_specs_are_valid(store, case, big):
    charts = _explorer(store, *case, ward="E05014002" if case[2] == "ward2022" else None)
    for key in ("map", "ranking"):
        spec = charts[key].spec(big=big)
        _valid(spec)
        assert spec["config"]["title"]["fontSize"] == (style.sizes(True)["chart_title"] if big else 15) >= 15
    topo = charts["map"].datasets["areas"]
    areas = topo["objects"]["areas"]["geometries"]
    n = {"ward2022": 22, "ward2014": 22, "lsoa2011": 197, "lsoa2021": 199}[case[2]]
    assert topo["type"] == "Topology" and len(areas) == n
    assert all(a["type"] in ("Polygon", "MultiPolygon") and a["properties"]["area_name"] for a in areas)
    spec = charts["map"].spec()
    assert spec["data"] == {"name": "areas", "format": {"type": "topojson", "feature": "areas"}}


def test_labels_travel_with_the_chart(store):
    charts = _explorer(store, "cla_rate", "31 Mar 2023", "ward2022", "england", "compare")
    text = json.dumps(charts["map"].spec())
    assert style.ILLUSTRATIVE_LABEL in text
    charts = _explorer(store, "obesity_year6", "2011/12-2013/14", "ward2022", "england", "quintile")
    assert style.ESTIMATE_LABEL in json.dumps(charts["ranking"].spec())
    public = PublicStore(store, 5)
    charts = _explorer(public, "cla_rate", "31 Mar 2023", "ward2022", "england", "compare")
    spec = json.dumps(charts["ranking"].spec())
    hidden = int(public.values("cla_rate", "31 Mar 2023", "ward2022").is_suppressed.sum())
    assert hidden >= 2 and f"PUBLIC MODE: {hidden} area(s) suppressed" in spec and '"suppressed"' in spec


def test_ward_hotspot_and_trend_specs_are_valid(store):
    info = profile.ward(store, "E05014002")
    sp = profile.spine_display(profile.spine(store, "E05014002", "ward2022"))
    _valid(compose.ward_spine(sp, info["name"], "95").spec())
    for r in sp.itertuples():
        t = profile.trend_display(profile.trends(store, "E05014002", "ward2022", r.indicator_id), r.unit)
        _valid(compose.ward_trend(t, name=r.name, unit=r.unit, ward_name=info["name"], notes=["n"]).spec())
    res = hs.hotspots(store, hs.DEFAULT_INDICATORS, "ward2022", "either", "england", "95")
    names = dict(zip(res["used"].indicator_id, res["used"].name))
    _valid(
        compose.hotspot_matrix(
            res["matrix"], reasons=hs.REASONS, order=res["scores"].area_name.tolist(), names=names, subtitle=["s"]
        ).spec()
    )
    _valid(hchart.count_bars(res["scores"], 4).spec())


def _png_stats(png: bytes) -> tuple[tuple[int, int], int, int]:
    im = Image.open(io.BytesIO(png)).convert("RGB")
    small = im.resize((im.width // 4, im.height // 4))
    colours = len(set(small.getdata()))
    non_white = sum(1 for p in small.getdata() if p != (255, 255, 255))
    return im.size, colours, non_white


def test_png_and_svg_exports_are_real_images(store):
    charts = _explorer(store, "idaci", "2019", "ward2014", "london", "compare")
    source = style.source_line(["Contains public sector information licensed under the Open Government Licence v3.0"])
    printed = compose.explorer(
        *_table(store),
        period="2019",
        geography_label="Wards (2014-2022)",
        colour="compare",
        quintile_labels=explore.quintile_labels("low_is_good"),
        width=images.WIDTH,
        selectable=False,
    )  # the page's builder, at print width
    fig = images.framed(printed["map"], source=source)
    png = images.png(fig, scale=1)
    size, colours, non_white = _png_stats(png)
    assert size[0] >= images.WIDTH and 500 < size[1] < 1400
    assert colours > 20 and non_white > size[0] * size[1] / 16 * 0.2  # a drawn map, not a blank frame
    im = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = set(im.getdata())
    assert (0x00, 0x72, 0xB2) in pixels and (0xD5, 0x5E, 0x00) in pixels  # better (blue) and worse (vermillion)
    svg = images.svg(fig)
    assert svg.startswith("<svg") and "Open Government Licence" in svg and "Produced" in svg
    assert charts["map"].spec()["datasets"]["areas"]["arcs"]


def _table(store):
    view = explore.View("idaci", "2019", "ward2014", "london", "95")
    table, ctx = explore.ward_table(store, view)
    table = explore.display_columns(table, "%", "compare")
    return table, ctx, explore.map_features(store, table, "ward2014")


def test_trend_page_and_grid_specs_are_valid(store):
    """The Trends page's chart (bands for some series, line-end names) and the ward profile's grid."""
    from charts import trends
    from loaders.codes import BROMLEY, ENGLAND, LONDON

    codes = [BROMLEY, *store.stat_neighbours("2025").area_code, LONDON, ENGLAND]
    df = store.series("cla_rate", codes)
    df["series"] = df.area_name
    df = profile.trend_display(df, "per 10,000")
    for n, bands in ((3, ["Bromley"]), (13, None)):
        keep = df[df.area_code.isin(codes[:n])]
        _valid(trends.trend(keep, value_title="v", band_series=bands).spec())
    sp = profile.spine_display(profile.spine(store, "E05014002", "ward2022"))
    tr = profile.ward_trends(store, "E05014002", "ward2022")
    _valid(compose.ward_trend_grid([(tr[r.indicator_id], r.name, r.unit) for r in sp.itertuples()], "Penge").spec())


def test_screen_subtitles_are_wrapped_not_cut():
    """Vega cuts a subtitle line longer than the chart at its width ("... compared with Bromley at 9…"): every
    chart the pages show has its subtitle lines broken at spaces (its sub-charts' too), the memoised spec
    untouched."""
    from charts import style

    long = "Children missing education | 2024/25 | Wards (2022-) | compared with Bromley at 95% confidence"
    spec = {
        "title": {"text": "Map", "subtitle": [long, "short"]},
        "hconcat": [{"title": {"text": "Ranked", "subtitle": long}}, {"mark": "bar"}],
        "facet": {},
        "spec": {"title": {"text": "panel", "subtitle": [long]}},
    }
    out = style.wrap_titles(spec)
    lines = out["title"]["subtitle"] + out["hconcat"][0]["title"]["subtitle"] + out["spec"]["title"]["subtitle"]
    assert max(map(len, lines)) <= style.SCREEN_SUBTITLE_CHARS
    assert " ".join(out["title"]["subtitle"][:-1]) == long and out["title"]["subtitle"][-1] == "short"
    assert spec["title"]["subtitle"] == [long, "short"] and spec["hconcat"][0]["title"]["subtitle"] == long
