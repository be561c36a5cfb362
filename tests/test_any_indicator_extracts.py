"""Council extracts for any indicator, local indicators, and labels that follow the data (issue #15, last part).

A council loads its own ward figures for a catalogue indicator (Year 6 obesity: a newer year than the GLA
atlas publishes, and one ward of a published period), defines a local indicator (children missing education)
and loads it, and loads its own NEET extract. Every page, export, board pack and the CLI must then name the
council's extract, "Council extract (file, date)" (public mode: "Council extract", nothing more), and stop
saying ILLUSTRATIVE for a series the council replaced; trends state the extract's real period range.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from council_extract import save_neet_extract
from pptx import Presentation
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from loaders import extracts, local_indicators
from loaders.store import Store

ROOT = Path(__file__).resolve().parents[1]
TODAY = f"{dt.date.today():%d %b %Y}"
NEET = f"Council extract (council_neet.csv, {TODAY})"
OBESITY = f"Council extract (obesity_y6.csv, {TODAY})"
CME = f"Council extract (cme.csv, {TODAY})"
CLA = f"Council extract (council_cla.csv, {TODAY})"
PUBLIC = "Council extract (details are not shown in public mode)"
PENGE = "E05014002"
OB_NAME = "Obesity: Year 6 (age 10-11)"
CME_NAME = "Children missing education"
CME_DEFINE = [
    "define",
    "missing_education",
    "--name",
    CME_NAME,
    "--definition",
    "Children of compulsory school age not on a school roll and not receiving suitable education otherwise, "
    "per 1,000 children aged 5-16.",
    "--unit",
    "rate_per_1000",
    "--polarity",
    "low_is_good",
    "--interval",
    "byar",
    "--why",
    "Children missing education are at risk of harm and of falling behind.",
]


def wards22(s: Store) -> list[str]:
    return sorted(s.areas("ward2022").area_code)


def obesity_file(s: Store) -> bytes:
    """The council's Year 6 obesity counts: 2023/24 for every 2022 ward (newer than anything published), and
    Penge & Cator for the pooled 2011/12-2013/14 period the atlas publishes (as an ESTIMATE on 2022 wards)."""
    rows = [f"{c},2023/24,{20 + i},{100 + i}" for i, c in enumerate(wards22(s))]
    rows.append(f"{PENGE},2011/12-2013/14,30,120")
    return ("Ward code,Period,Obese children,Children measured\n" + "\n".join(rows) + "\n").encode()


def cme_file(s: Store) -> bytes:
    rows = [f"{c},2024/25,{3 + i % 7},{2000 + 10 * i}" for i, c in enumerate(wards22(s))]
    return ("ward_code,period,numerator,denominator\n" + "\n".join(rows) + "\n").encode()


def cla_file(s: Store) -> bytes:
    rows = [f"{c},31/03/2025,{10 + i},{4000 + i}" for i, c in enumerate(wards22(s))]
    return ("Ward code,Snapshot,CLA,Children 0-17\n" + "\n".join(rows) + "\n").encode()


def cli(*args: str) -> tuple[int, str, str]:
    from loaders.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as e:
            code = int(e.code)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def council(data_dir, tmp_path_factory) -> Path:
    """A data folder with the council's NEET, Year 6 obesity and (a local indicator) missing education extracts.
    Children looked after stays ILLUSTRATIVE."""
    d = tmp_path_factory.mktemp("council") / "data"
    d.mkdir()
    for p in data_dir.glob("*.parquet"):
        shutil.copy2(p, d / p.name)
    save_neet_extract(d, "council_neet.csv", lambda i, c: 10 + i)
    s = Store(d)
    res = extracts.validate(obesity_file(s), "obesity_y6.csv", "obesity_year6", extracts.wards_of(s))
    assert res.ok, res.problems
    extracts.save(res, "obesity_year6", "obesity_y6.csv", d)
    code, out, err = cli("--data", str(d), *CME_DEFINE)  # defined on the command line ...
    assert code == 0 and "defined missing_education" in out, err
    f = d.parent / "cme.csv"
    f.write_bytes(cme_file(s))
    code, out, err = cli("--data", str(d), "import", str(f), "--indicator", "missing_education")  # ... and loaded
    assert code == 0, err
    return d


@pytest.fixture(scope="module")
def replaced(council, tmp_path_factory) -> Path:
    """As ``council``, and children looked after too: no modelled series is left anywhere."""
    d = tmp_path_factory.mktemp("replaced") / "data"
    shutil.copytree(council, d)
    s = Store(d)
    res = extracts.validate(cla_file(s), "council_cla.csv", "cla_rate", extracts.wards_of(s))
    assert res.ok, res.problems
    extracts.save(res, "cla_rate", "council_cla.csv", d)
    return d


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    import os

    for k in [k for k in os.environ if k.startswith("BWE_")]:
        monkeypatch.delenv(k)


# --------------------------------------------------------------------------- page text, as a reader gets it
def page(monkeypatch, data: Path, name: str, **params: str) -> AppTest:
    monkeypatch.setenv("BWE_DATA_DIR", str(data))
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(text) -> str:
    return re.sub(r"\\(.)", r"\1", str(text)).replace("\u200b", "")


def texts(at: AppTest) -> list[str]:
    """Everything a page shows in words: text elements, chart specs (titles, subtitles, labels, data), tables,
    widget labels and options."""
    out = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        out += [plain(e.value) for e in at.get(kind)]
    out += [plain(getattr(e, "label", "")) + " " + plain(e.value) for e in at.get("metric")]
    out += [json.dumps(json.loads(c.proto.spec)) for c in at.get("vega_lite_chart")]
    out += [d.value.to_csv() for d in at.dataframe]
    out += [e.label for e in at.expander]
    out += [f"{w.label}: {'; '.join(map(str, w.options))}" for w in [*at.selectbox, *at.multiselect]]
    return out


def options(at: AppTest, label: str) -> list[str]:
    w = next(w for w in [*at.selectbox, *at.multiselect] if w.label == label)
    return [str(o) for o in w.options]


# --------------------------------------------------------------------------- 1. any catalogue indicator
def test_merge_rule_for_a_published_series(council):
    s = Store(council)
    new = s.values("obesity_year6", "2023/24", "ward2022")
    assert len(new) == 22 and set(new.source_id) == {"local_obesity_year6"}
    assert not new.is_estimate.any() and not new.is_illustrative.any()
    assert new.lower95.notna().all() and (new.lower95 < new.value).all()  # the council's counts: Wilson intervals
    assert s.options("obesity_year6").query("geography == 'ward2022'").period.iloc[0] == "2023/24"  # newest first
    # the period the atlas publishes: only the ward the council covers is replaced
    same = s.values("obesity_year6", "2011/12-2013/14", "ward2022").set_index("area_code")
    assert len(same) == 22 and same.at[PENGE, "source_id"] == "local_obesity_year6"
    assert same.at[PENGE, "value"] == pytest.approx(25.0) and not same.at[PENGE, "is_estimate"]
    others = same.drop(index=PENGE)
    assert set(others.source_id) == {"gla_ward_atlas"} and others.is_estimate.all()
    # untouched periods and the other ward scheme keep their published source
    older = s.values("obesity_year6", "2010/11-2012/13", "ward2022")
    assert set(older.source_id) == {"gla_ward_atlas"} and older.is_estimate.all()
    assert "local_obesity_year6" not in set(
        s.series("obesity_year6", [PENGE]).query("area_type == 'ward2014'").source_id
    )
    meta = s.indicator("obesity_year6")
    assert meta["source_ids"].split(",")[-1] == "local_obesity_year6" and "gla_ward_atlas" in meta["source_ids"]
    assert "council has loaded" in meta["caveats"]
    # a catalogue indicator that is not a count of people a council holds is refused, with the reason
    res = extracts.validate(cme_file(s), "x.csv", "idaci", extracts.wards_of(s))
    assert not res.ok and "indicator must be one of" in str(res.problems[0])


def test_council_period_on_the_map_and_profile(council, monkeypatch):
    at = page(monkeypatch, council, "map", indicator="obesity_year6", geography="ward2022")
    shown = next(d.value for d in at.dataframe if "data_status" in d.value.columns)
    assert (shown.period == "2023/24").all() and (shown.data_status == OBESITY).all()
    assert sorted(shown.numerator.astype(float)) == [20.0 + i for i in range(22)]
    words = "\n".join(texts(at))
    assert f"Figures from {OBESITY}: 2023/24." in words and "ILLUSTRATIVE" not in words
    # an untouched published period: the atlas's figures, as an ESTIMATE on 2022 wards, no council label
    at = page(monkeypatch, council, "map", indicator="obesity_year6", geography="ward2022", period="2010/11-2012/13")
    shown = next(d.value for d in at.dataframe if "data_status" in d.value.columns)
    assert shown.data_status.str.startswith("ESTIMATE").all()
    assert OBESITY not in "\n".join(texts(at))
    # the ward profile: the spine uses the council's newer period, and says whose figures they are
    at = page(monkeypatch, council, "ward", ward=PENGE)
    spine = next(d.value for d in at.dataframe if "compared_with" in d.value.columns)
    row = spine[spine.name == OB_NAME].iloc[0]
    i = wards22(Store(council)).index(PENGE)
    assert row.period == "2023/24" and row.ward == f"{(20 + i) / (100 + i) * 100:.1f}%"
    assert f"{OB_NAME} from {OBESITY}: 2023/24." in [plain(c.value) for c in at.caption]


# --------------------------------------------------------------------------- 2. a local indicator
def test_local_indicator_in_the_store_with_a_bromley_value(council):
    s = Store(council)
    assert "missing_education" in s.indicator_ids and s.local_indicator_ids == {"missing_education"}
    meta = s.indicator("missing_education")
    assert (meta["name"], meta["unit"], meta["multiplier"], meta["interval"]) == (
        CME_NAME,
        "per 1,000",
        1000.0,
        "byar_exact",
    )
    assert meta["polarity"] == "low_is_good" and meta["disclosive"] and "no England or London" in meta["caveats"]
    v = s.values("missing_education", "2024/25", "ward2022")
    assert len(v) == 22 and set(v.source_id) == {"local_missing_education"}
    assert not v.is_illustrative.any() and not v.is_estimate.any() and v.lower95.notna().all()
    comps = s.comparators("missing_education", "2024/25")
    assert comps.area_code.tolist() == ["E09000006"]  # Bromley only: no England or London value exists
    b = comps.iloc[0]
    assert b.numerator == v.numerator.sum() and b.denominator == v.denominator.sum()
    assert b.value == pytest.approx(v.numerator.sum() / v.denominator.sum() * 1000)
    assert set(s.sources().query("source_id == 'local_missing_education'").raw_file) == {"cme.csv"}


def test_local_indicator_in_every_picker(council, monkeypatch):
    at = page(monkeypatch, council, "map", indicator="missing_education")
    assert CME_NAME in options(at, "Indicator")
    words = "\n".join(texts(at))
    assert f"Figures from {CME}: 2024/25." in words and "compared with Bromley" in words
    shown = next(d.value for d in at.dataframe if "data_status" in d.value.columns)
    assert (shown.data_status == CME).all() and shown.compared_with_bromley.isin(["better", "similar", "worse"]).all()
    at = page(monkeypatch, council, "hotspots", indicators="idaci,missing_education")
    assert any(CME_NAME in o for o in options(at, "Indicators"))
    assert f"{CME_NAME} from {CME}: 2024/25." in [plain(c.value) for c in at.caption]
    matrix = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert CME_NAME in set(matrix.indicator)
    at = page(monkeypatch, council, "trends", indicator="missing_education", areas=f"{PENGE},E09000006")
    assert CME_NAME in options(at, "Indicator")
    table = next(d.value for d in at.dataframe if "source" in d.value.columns)
    assert set(table.area) == {"Penge & Cator (2022 ward)", "Bromley"} and set(table.source) == {CME}
    at = page(monkeypatch, council, "ward", ward=PENGE)
    spine = next(d.value for d in at.dataframe if "compared_with" in d.value.columns)
    assert spine.set_index("name").at[CME_NAME, "compared_with"] == "Bromley"


def test_local_indicator_in_the_ward_board_pack(council):
    from exports import boardpack
    from exports import view as views

    deck = boardpack.slides(Store(council), views.WardView(PENGE))
    titles = [s.title for s in deck]
    for t in (f"{CME_NAME}: map", f"{CME_NAME}: ranking", f"{CME_NAME}: trend"):
        assert t in titles, titles
    first = " ".join(deck[0].bullets)
    assert CME_NAME in first and CME in first and NEET in first and OBESITY in first
    sources = [b for s in deck if s.title.startswith("Sources") for b in s.bullets]
    assert any(f"{CME}: 22 rows, ward2022" in b for b in sources), sources


def test_local_indicator_defined_with_the_page_function_and_on_the_page(data_copy, monkeypatch):
    d = local_indicators.define(
        dict(
            id="early_help",
            name="Early help assessments",
            definition="Early help assessments started in the year per 1,000 children aged 0-17.",
            unit="rate_per_1000",
            polarity="no_judgement",
        ),
        data_copy,
        actor="test",
    )
    assert d["interval"] == "byar_exact"  # the unit's method when none is given
    assert extracts.changes(data_copy).action.tolist() == ["define"]
    # the page: define another one in its form, then load an extract for it
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    monkeypatch.setenv("BWE_ALLOW_UPLOADS", "1")
    at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=30).run()
    assert not at.exception
    at.text_input(key="def_id").set_value("school_readiness")
    at.text_input(key="def_name").set_value("Good level of development at age 5")
    at.text_area(key="def_definition").set_value("Children reaching a good level of development, as a percentage.")
    next(w for w in at.selectbox if w.label == "Polarity").set_value("high_is_good")
    next(b for b in at.button if b.label == "Define indicator").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Defined Good level of development" in plain(s.value) for s in at.success)
    defs = local_indicators.load(data_copy)
    assert set(defs) == {"early_help", "school_readiness"} and defs["school_readiness"]["interval"] == "wilson"
    assert "Good level of development at age 5 (local indicator)" in options(at, "Indicator")
    at.selectbox(key="upload_indicator").set_value("school_readiness").run()
    s = Store(data_copy)
    body = "Ward code,Year,Numerator,Denominator\n" + "".join(
        f"{c},2024/25,{40 + i},{60 + i}\n" for i, c in enumerate(wards22(s))
    )
    at.file_uploader[0].set_value(("gld.csv", body.encode(), "text/csv")).run()
    assert any("Nothing is replaced" in plain(i.value) for i in at.info)
    next(b for b in at.button if b.label.startswith("Load as the Good level")).click().run()
    assert not at.exception and any("Loaded" in s.value for s in at.success)
    s = Store(data_copy)
    v = s.values("school_readiness", "2024/25", "ward2022")
    assert len(v) == 22 and (v.value > 60).all() and set(v.source_id) == {"local_school_readiness"}
    assert "early_help" not in s.indicator_ids  # defined, but no figures yet: not on the pages


@pytest.mark.parametrize(
    "change,words",
    [
        (dict(id="neet"), "is a catalogue indicator"),
        (dict(id="Bad Id!"), "must be 3-40 characters"),
        (dict(unit="per cent-ish"), "unit 'per cent-ish' is not one of"),
        (dict(polarity="sideways"), "polarity 'sideways' is not one of"),
        (dict(interval="byar"), "does not suit the unit percentage"),
        (dict(name=""), "name is required"),
        (dict(name="16-17 year olds NEET"), "is a catalogue indicator's name"),
        (dict(definition=""), "definition is required"),
    ],
)
def test_bad_definitions_are_refused_and_nothing_is_stored(data_copy, change, words):
    spec = dict(
        id="my_ind", name="My indicator", definition="Something per cent.", unit="percentage", polarity="low_is_good"
    )
    before = sorted(p.name for p in data_copy.rglob("*"))
    with pytest.raises(local_indicators.DefinitionError) as e:
        local_indicators.define({**spec, **change}, data_copy)
    assert any(words in p for p in e.value.problems), e.value.problems
    assert sorted(p.name for p in data_copy.rglob("*")) == before  # not even the local/ folder


def test_bad_definitions_on_the_command_line(data_copy):
    def snapshot():
        return {
            str(p.relative_to(data_copy)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in data_copy.rglob("*")
            if p.is_file() and p.name != ".lock"
        }

    before = snapshot()
    code, out, err = cli("--data", str(data_copy), "define", "neet", "--name", "x", "--definition", "y", "--unit",
                         "furlongs", "--polarity", "up")  # fmt: skip
    assert code == 1 and "neet was not defined (3 problems)" in err
    for words in ("'neet' is a catalogue indicator", "unit 'furlongs' is not one of", "polarity 'up' is not one of"):
        assert words in err, err
    assert snapshot() == before
    assert cli("--data", str(data_copy), *CME_DEFINE)[0] == 0
    code, out, err = cli("--data", str(data_copy), *CME_DEFINE)
    assert code == 1 and "'missing_education' is already defined" in err
    code, _, err = cli("--data", str(data_copy), "import", "x.csv", "--indicator", "no_such_thing")
    assert code == 2 and "invalid choice: 'no_such_thing'" in err and "missing_education" in err


def test_removing_a_local_indicator_leaves_the_app_working(council, tmp_path, monkeypatch):
    d = tmp_path / "data"
    shutil.copytree(council, d)
    code, _, err = cli("--data", str(d), "undefine", "missing_education")
    assert code == 1 and "remove the extract first" in err  # its figures would lose their metadata
    code, out, _ = cli("--data", str(d), "remove", "--indicator", "missing_education")
    assert code == 0 and "removed the missing_education extract" in out
    s = Store(d)
    assert "missing_education" not in s.indicator_ids and s.local_indicator_ids == set()
    assert cli("--data", str(d), "undefine", "missing_education")[0] == 0
    assert "missing_education" not in local_indicators.load(d)
    at = page(monkeypatch, d, "map", indicator="missing_education")  # an old link: falls back, with a notice
    assert CME_NAME not in options(at, "Indicator")
    for name in ("overview", "hotspots", "ward", "trends", "methods", "upload"):
        page(monkeypatch, d, name)
    # an extract left behind without its definition is not shown (nor leaked by the full download)
    s = Store(council)
    orphan = tmp_path / "orphan"
    shutil.copytree(council, orphan)
    (orphan / "local" / "indicators.json").unlink()
    o = Store(orphan)
    assert "missing_education" not in o.indicator_ids
    assert "missing_education" not in set(o.all_values().indicator_id)
    assert len(o.all_values()) == len(s.all_values()) - 23  # 22 wards and Bromley's sum


# --------------------------------------------------------------------------- 3. labels follow the data
PAGES = [
    ("overview", {}),
    ("map", dict(indicator="neet", geography="ward2022")),
    ("hotspots", dict(indicators="idaci,obesity_year6,neet,cla_rate,missing_education")),
    ("ward", dict(ward=PENGE)),
    ("trends", dict(indicator="neet", areas=f"{PENGE},E09000006,E92000001")),
]


@pytest.mark.parametrize("name,params", PAGES, ids=[p for p, _ in PAGES])
def test_pages_name_the_council_extract_and_never_call_neet_illustrative(council, monkeypatch, name, params):
    words = texts(page(monkeypatch, council, name, **params))
    assert any(NEET in w for w in words), name
    for w in words:  # children looked after is still modelled: only it may be called ILLUSTRATIVE
        for sentence in re.split(r"(?<=[.;])\s+|\n|\",", w):
            if "ILLUSTRATIVE" in sentence:
                assert "NEET" not in sentence, (name, sentence[:300])
    if name in ("map", "trends"):  # NEET only: nothing illustrative at all
        assert not any("ILLUSTRATIVE" in w for w in words), name
    if name == "trends":  # the extract's real period range (its "2024" is NEET 2023/24), besides the chart's
        assert any(f"Figures from {NEET}: 2023/24." in w for w in words)


@pytest.mark.parametrize("name,params", PAGES, ids=[p for p, _ in PAGES])
def test_public_mode_says_council_extract_and_nothing_more(council, monkeypatch, name, params):
    words = "\n".join(texts(page(monkeypatch, council, name, public="1", **params)))
    assert "council_neet.csv" not in words and "obesity_y6.csv" not in words and "cme.csv" not in words
    assert PUBLIC in words, name


@pytest.mark.parametrize(
    "name,params",
    [*PAGES, ("trends", dict(indicator="cla_rate", areas=f"{PENGE},E09000006")), ("methods", {})],
    ids=[*(p for p, _ in PAGES), "trends-cla", "methods"],
)
def test_no_illustrative_label_once_every_modelled_series_is_replaced(replaced, monkeypatch, name, params):
    at = page(monkeypatch, replaced, name, **params)
    words = texts(at)
    if name == "methods":  # the method text may say how an ILLUSTRATIVE series is replaced; no indicator is
        ind = {e.label: e for e in at.expander}
        for label in ("16-17 year olds NEET (neet)", "Children looked after (rate per 10,000) (cla_rate)"):
            body = " ".join(plain(m.value) for m in ind[label].markdown)
            assert "ILLUSTRATIVE" not in body and "Council extract (" in body, body
        assert "illustrative" not in set(next(d.value for d in at.dataframe if "sha256" in d.value.columns).source_id)
        return
    assert not [w[:200] for w in words if "ILLUSTRATIVE" in w], name
    assert any(CLA in w or NEET in w for w in words), name


# --------------------------------------------------------------------------- exports, board packs, CLI
def _svg_text(fig, source: str) -> str:
    from exports import images

    svg = images.svg(images.framed(fig, source=source))
    lines = [re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)]
    return html.unescape(re.sub(r"\s+", " ", " ".join(lines)))


def test_exported_svg_and_csv_name_the_extract(council):
    from exports import view as views
    from model import explore
    from ui import notices

    s = Store(council)
    # the council's NEET "2024" is DfE's December 2023-February 2024 average, stored as 2023/24
    figs = views.explorer(s, views.MapView("neet", "2023/24", "ward2022", "bromley", "95", "quintile", PENGE))
    text = _svg_text(figs["map"], notices.source_caption(s, figs["table"]))
    assert f"Figures from {NEET}: 2023/24." in text and f"{NEET}: 22 rows, ward2022" in text
    assert "ILLUSTRATIVE" not in text
    view = explore.View("neet", "2023/24", "ward2022", "bromley")
    csv = explore.table_for_download(figs["table"], figs["ctx"], view)
    assert (csv.data_status == NEET).all()
    ward = views.ward(s, views.WardView(PENGE))
    text = _svg_text(ward["trends"]["neet"][1], "Source: test.")
    assert f"Figures from {NEET}: 2023/24." in text and "ILLUSTRATIVE" not in text
    text = _svg_text(ward["spine"], "Source: test.")
    assert f"16-17 year olds NEET from {NEET}: 2023/24." in text
    assert f"{OB_NAME} from {OBESITY}: 2023/24." in text


def _pack_text(pptx: bytes, pdf: bytes) -> tuple[str, str]:
    prs = Presentation(io.BytesIO(pptx))
    a = "\n".join(sh.text_frame.text for sl in prs.slides for sh in sl.shapes if sh.has_text_frame)
    b = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return a, b


def test_ward_board_pack_from_the_command_line(council, tmp_path):
    import os

    out = tmp_path / "p.pptx"
    env = {**os.environ, "BWE_DATA_DIR": str(council)}
    p = subprocess.run(
        [sys.executable, "-m", "exports.boardpack", "--ward", PENGE, "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    for text in _pack_text(out.read_bytes(), out.with_suffix(".pdf").read_bytes()):
        flat = re.sub(r"\s+", " ", text)
        assert NEET in flat and OBESITY in flat and CME in flat and f"{CME_NAME}: map" in flat
        assert "Contains ILLUSTRATIVE data (modelled ward figures: Children looked after (rate per 10,000))" in flat
        for sentence in re.split(r"(?<=[.:;])\s|\n|•", text):  # one bullet, line or sentence at a time
            if "ILLUSTRATIVE" in sentence:
                assert "NEET" not in sentence, sentence


def test_board_packs_public_and_with_nothing_modelled(council, replaced):
    from exports import boardpack
    from exports import view as views
    from model.public import PublicStore

    deck = boardpack.slides(PublicStore(Store(council), 5), views.WardView(PENGE, public=True, threshold=5))
    for text in _pack_text(boardpack.to_pptx(deck), boardpack.to_pdf(deck)):
        flat = re.sub(r"\s+", " ", text)
        assert PUBLIC in flat and "council_neet.csv" not in flat and "cme.csv" not in flat
    deck = boardpack.slides(Store(replaced), views.HotspotView(indicators=("idaci", "neet", "cla_rate")))
    for text in _pack_text(boardpack.to_pptx(deck), boardpack.to_pdf(deck)):
        flat = re.sub(r"\s+", " ", text)
        assert "ILLUSTRATIVE" not in flat and NEET in flat and CLA in flat


def test_cli_names_the_extract(council):
    code, out, err = cli("--data", str(council), "values", "--indicator", "neet", "--period", "2024", "--geography",
                         "ward2022", "--format", "csv")  # fmt: skip
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert len(df) == 22 and set(df.source) == {NEET} and not df.is_illustrative.any()
    code, out, _ = cli("--data", str(council), "values", "--indicator", "obesity_year6", "--period",
                       "2010/11-2012/13", "--geography", "ward2022", "--format", "csv")  # fmt: skip
    assert code == 0 and "Council extract" not in out
    code, out, _ = cli("--data", str(council), "indicators")
    assert code == 0 and "missing_education" in out and CME_NAME in out
    code, out, _ = cli("--data", str(council), "extracts")
    assert code == 0 and "cme.csv" in out and "missing_education: Children missing education" in out
    loadable = out.splitlines()[-1].split(": ", 1)[1].split(", ")
    assert loadable[:2] == ["neet", "cla_rate"] and {"obesity_year6", "child_poverty", "missing_education"} <= set(
        loadable
    )
    assert "idaci" not in loadable and "child_population" not in loadable


def test_a_count_indicator_needs_no_denominator_and_records_count_yes_no(data_copy, monkeypatch):
    local_indicators.define(
        dict(id="homeless_families", name="Families in temporary accommodation", definition="Families placed in "
             "temporary accommodation on the last day of the quarter.", unit="count", polarity="low_is_good"),
        data_copy,
    )  # fmt: skip
    local_indicators.define(
        dict(id="dental_check", name="Children with a dental check", definition="Children aged 0-17 seen by an "
             "NHS dentist in the year, as a percentage of those registered.", unit="percentage",
             polarity="high_is_good"),
        data_copy,
    )  # fmt: skip
    s = Store(data_copy)
    opts = extracts.options_for(s)
    names = sorted(s.areas("ward2022").area_name)
    res = extracts.validate(
        (
            "Ward,Quarter,Families in temporary accommodation\n"
            + "".join(f"{n},Q4 2024/25,{i}\n" for i, n in enumerate(names))
        ).encode(),
        "ta.csv",
        "homeless_families",
        extracts.wards_of(s),
        opts,
    )
    assert res.ok, res.problems
    assert res.rows.denominator.isna().all() and res.rows.value.tolist() == res.rows.numerator.tolist()
    extracts.save(res, "homeless_families", "ta.csv", data_copy)
    # one row per child, a yes/no status: counted by ward, every child listed is the denominator
    lines = ["Child ID,Ward,Year,Seen by dentist"] + [
        f"C{i}{k},{n},2024/25,{'Yes' if k < 3 + i % 4 else 'No'}" for i, n in enumerate(names) for k in range(10)
    ]
    opts = extracts.options_for(s, columns={"status": "Seen by dentist"})
    res = extracts.validate(
        ("\n".join(lines) + "\n").encode(), "dental.csv", "dental_check", extracts.wards_of(s), opts
    )
    assert res.ok and res.layout == "records" and res.dropped == ["Child ID"], res.problems
    assert res.rows.denominator.eq(10).all() and res.rows.numerator.sum() == sum(3 + i % 4 for i in range(22))
    extracts.save(res, "dental_check", "dental.csv", data_copy)
    s = Store(data_copy)
    b = s.comparators("homeless_families", "Q4 2024/25").iloc[0]
    assert b.value == sum(range(22)) and pd.isna(b.denominator)  # Bromley: the sum of the ward counts
    assert "homeless_families" not in set(hs_candidates(s))  # a count is context, never a hotspot flag
    assert "dental_check" in set(hs_candidates(s))
    for name, params in (("map", dict(indicator="homeless_families")), ("map", dict(indicator="dental_check"))):
        words = "\n".join(texts(page(monkeypatch, data_copy, name, **params)))
        assert "Council extract (" in words
    at = page(monkeypatch, data_copy, "ward", ward=PENGE)
    spine = next(d.value for d in at.dataframe if "compared_with" in d.value.columns)
    assert "Children with a dental check" in set(spine.name) and "Families in temporary accommodation" not in set(
        spine.name
    )


def hs_candidates(s: Store) -> list[str]:
    from model import hotspots as hs

    return hs.candidates(s, "ward2022").indicator_id.tolist()
