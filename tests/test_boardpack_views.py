"""Exports render the page's view (exports.view): board packs for every ward of both schemes, non-default
hotspot views stated in full on every image and slide, nothing cut short, and failures that say so."""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from exports import boardpack, images
from exports import view as views
from loaders.store import Store
from model.public import PublicStore

ROOT = Path(__file__).resolve().parents[1]
WARD_2014 = "E05000115"  # Cray Valley West, 2014-2022 scheme: no ward NEET or children looked after
HOT = views.HotspotView(
    geography="ward2014", rule="significantly_worse", comparator="london", level="99.8", public=True, threshold=5
)
HOT_SHOWN = replace(HOT, indicators=("idaci", "obesity_year6"))  # those the 2014 scheme has


@pytest.fixture(scope="module")
def public_store():
    return PublicStore(Store(), 5)


def _svg_text(fig, source="Source: test. Produced today.") -> str:
    svg = images.svg(images.framed(fig, source=source))
    lines = [re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)]
    return html.unescape(re.sub(r"\s+", " ", " ".join(lines)))


def _deck_text(deck) -> tuple[str, str]:
    prs = Presentation(io.BytesIO(boardpack.to_pptx(deck)))
    pptx = "\n".join(sh.text_frame.text for sl in prs.slides for sh in sl.shapes if sh.has_text_frame)
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(boardpack.to_pdf(deck))).pages)
    return pptx, pdf


def _no_cut_lines(text: str) -> None:
    assert "…" not in text, [line for line in text.splitlines() if "…" in line]


def test_every_ward_of_both_schemes_gets_a_pack(tmp_path, monkeypatch):
    """All 44 wards through the CLI entry point, in-process; images stubbed (one real run below)."""
    store = Store()
    wards = [c for sch in ("ward2022", "ward2014") for c in store.areas(sch).area_code]
    assert len(wards) == 44
    buf = io.BytesIO()
    Image.new("RGB", (80, 40), "white").save(buf, format="PNG")

    def png(fig, scale=2.0):
        fig.json()  # the spec must still be valid JSON (no NaN)
        return buf.getvalue()

    monkeypatch.setattr(images, "png", png)
    for code in wards:
        out = tmp_path / f"{code}.pptx"
        assert boardpack.main(["--ward", code, "--out", str(out)]) == 0, code
        assert out.exists() and out.with_suffix(".pdf").exists()
        titles = [s.shapes.title.text for s in Presentation(str(out)).slides]
        assert titles[0].startswith("Board pack: ") and titles[-1].startswith("Sources")


def test_2014_ward_pack_in_a_real_process(tmp_path):
    out = tmp_path / "p.pptx"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "exports.boardpack",
            "--ward",
            WARD_2014,
            "--out",
            str(out),
            "--level",
            "99.8",
            "--public",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    pptx, pdf = (out.stat().st_size, out.with_suffix(".pdf").stat().st_size)
    assert pptx > 50_000 and pdf > 50_000
    text = "\n".join(
        sh.text_frame.text for sl in Presentation(str(out)).slides for sh in sl.shapes if sh.has_text_frame
    )
    assert "Cray Valley West" in text and "2014-2022 wards" in text and "99.8%" in text and "PUBLIC MODE" in text
    # left out, with a line saying so, never a failure
    assert "Left out (not published on Wards (2014-2022)): 16-17 year olds NEET, Children looked after" in text
    _no_cut_lines(text)


def test_hotspot_pack_is_the_hotspot_view(public_store):
    deck = boardpack.slides(public_store, HOT, scale=0.6)
    pptx, pdf = _deck_text(deck)
    for text in (pptx, pdf):
        for said in (
            "Rule: Significantly worse than the comparator",
            "Comparator: London; confidence level 99.8%",
            "Ward scheme: Wards (2014-2022)",
            "PUBLIC MODE",
            "Left out",
            "compared with London",
            "(99.8% intervals)",
            "Licences and attribution",
        ):
            assert said in text, said
        _no_cut_lines(text)
    res = views.hotspots(public_store, HOT_SHOWN)["res"]
    top = res["scores"][res["scores"].n_flagged > 0]
    summary = next(s for s in deck if s.title == "Summary: hotspot wards")
    n = len(res["used"])
    assert summary.bullets == [
        f"{r.area_name}: flagged on {r.n_flagged} of {n} ({r.flagged_names})" for r in top.head(6).itertuples()
    ] or summary.bullets == ["No ward is flagged under this rule."]


def test_images_state_the_view(public_store):
    hot = views.hotspots(public_store, HOT_SHOWN)
    text = _svg_text(hot["matrix"])
    for said in (
        "Ward × indicator",
        "Wards (2014-2022)",
        "compared with London",
        "Significantly worse",
        "99.8% intervals",
        "PUBLIC MODE",
        "Source: test",
    ):
        assert said in text, said
    _no_cut_lines(text)
    shown = views.MapView("neet", "2024/25", "ward2022", "london", "99.8", "compare", "E05014002", public=True)
    figs = views.explorer(public_store, shown)
    for kind in ("map", "ranking"):
        text = _svg_text(figs[kind], source="Source: a long attribution " * 12 + "Produced 29 November 2026.")
        for said in (
            "16-17 year olds NEET",
            "2024/25",
            "Wards (2022-)",
            "compared with London at 99.8% confidence",
            "ILLUSTRATIVE",
            "Ward shown: Penge & Cator",
            "PUBLIC MODE",
            "Produced 29 November 2026",
        ):
            assert said in text, (kind, said)
        _no_cut_lines(text)


def test_trend_and_spine_images_state_ward_and_status():
    ward = views.ward(Store(), views.WardView("E05014002", "99.8"))
    text = _svg_text(ward["trends"]["neet"][1])
    for said in (
        "16-17 year olds NEET",
        "Penge & Cator against Bromley, London and England",
        "2022 wards",
        "ILLUSTRATIVE DATA",
        "95% confidence",
    ):
        assert said in text, said
    _no_cut_lines(text)
    text = _svg_text(ward["spine"])
    assert "Penge & Cator" in text and "99.8% confidence" in text and "2022 wards" in text
    _no_cut_lines(text)


def test_cli_failures_are_one_line_and_leave_no_file(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "p.pptx"
    out = tmp_path / "p.pptx"
    for argv, says in (
        (["--ward", WARD_2014, "--out", str(missing)], "error: folder does not exist"),
        (["--out", str(out), "--pdf", str(missing.with_suffix(".pdf"))], "error: folder does not exist"),
        (["--out", str(out), "--indicators", "nonsense"], "error: "),
    ):
        assert boardpack.main(argv) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(says), err
        assert list(tmp_path.iterdir()) == []
    with pytest.raises(SystemExit) as e:
        boardpack.main(["--out", str(out), "--rule", "most"])
    assert e.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1


def test_write_all_writes_all_or_nothing(tmp_path):
    ok, bad = tmp_path / "a.pptx", tmp_path / "gone" / "a.pdf"
    with pytest.raises(OSError):
        boardpack.write_all({ok: b"x", bad: b"y"})
    assert list(tmp_path.iterdir()) == []


def test_app_says_why_a_pack_cannot_be_made():
    from streamlit.testing.v1 import AppTest

    def app():
        from exports import view as views
        from ui import downloads

        downloads.board_pack_buttons(views.WardView("E05099999"), key="pack")

    at = AppTest.from_function(app, default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["No board pack for this view: 'E05099999' is not a Bromley ward code"]


@pytest.mark.parametrize(
    "page,params",
    [
        ("ward", {"ward": WARD_2014, "level": "99.8", "public": "1"}),
        ("hotspots", {"geography": "ward2014", "rule": "significantly_worse", "comparator": "london", "level": "99.8"}),
        ("map", {"indicator": "neet", "period": "2024/25", "geography": "ward2022", "ward": "E05014002"}),
    ],
)
def test_pages_offer_their_exports_without_rerun(page, params):
    """Every export is offered (no error box), and no download reruns the page: a rerun would give the other
    buttons new file ids, and a quick second click (CSV, then PNG) would get nothing."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    buttons = at.get("download_button")
    exports = [b for b in buttons if b.label in ("PNG", "SVG", "Data (CSV)") or b.label.startswith("Board pack")]
    assert exports and all(b.proto.ignore_rerun for b in exports), [b.label for b in buttons]
    if page != "map":
        assert any("Board pack" in b.label for b in buttons)


def test_packs_from_the_app_are_built_in_the_renderer_process_and_match(store):
    """The app's pack buttons build in exports.render's helper process (its memory is not the server's): the
    same slides as a pack built here, for a 2014 ward in public mode and a non-default hotspot view."""
    from pptx import Presentation
    from pypdf import PdfReader

    from exports import render

    ward = views.WardView("E05000115", level="99.8", public=True)
    hot = views.HotspotView(geography="ward2014", rule="significantly_worse", comparator="london", level="99.8")
    try:
        pptx = render.pack(ward, "pptx")
        assert render.helper_pid() is not None  # built in the helper, not in this process
        pdf = render.pack(hot, "pdf")
    finally:
        render.stop()
    here = boardpack.slides(views.open_store(ward, store), ward)
    assert [s.shapes.title.text for s in Presentation(io.BytesIO(pptx)).slides] == [s.title for s in here]
    expected = boardpack.slides(views.open_store(hot, store), hot)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == len(expected)
    with pytest.raises(ValueError):
        render.pack(ward, "docx")


def test_a_map_view_of_a_period_without_data_is_all_no_data():
    """A view asked for a period the indicator lacks (an export or a typed URL: the page offers only real ones)
    draws every ward as "No data" instead of failing (it raised a dtype error)."""
    from model import explore

    store, view = Store(), views.MapView("neet", "2024", "ward2022")
    assert set(views.explorer(store, view)) >= {"map", "ranking", "table"}
    table, _ = explore.ward_table(store, explore.View("neet", "2024", "ward2022", view.comparator, view.level))
    topo = explore.map_features(store, explore.display_columns(table, "%", view.colour), "ward2022")
    props = [g["properties"] for obj in topo["objects"].values() for g in obj["geometries"]]
    assert len(props) == 22 and {p["category"] for p in props} == {"No data"}
