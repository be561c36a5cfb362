"""Board packs (PPTX and PDF) and their CLI: slides, titles, images, sources, public mode."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from exports import boardpack
from exports import view as views
from loaders.store import Store
from model.public import PublicStore

ROOT = Path(__file__).resolve().parents[1]
WARD = "E05014002"  # Penge & Cator


@pytest.fixture(scope="module")
def ward_pack():
    return boardpack.slides(Store(), views.WardView(WARD), scale=1.0)


@pytest.fixture(scope="module")
def public_pack():
    return boardpack.slides(
        PublicStore(Store(), 5), views.HotspotView(("cla_rate", "neet"), public=True, threshold=5), scale=1.0
    )


def _non_blank(png: bytes) -> tuple[int, int]:
    im = Image.open(io.BytesIO(png)).convert("RGB")
    small = im.resize((max(1, im.width // 4), max(1, im.height // 4)))
    px = list(small.getdata())
    assert len(set(px)) > 15, "image has almost no colours"
    assert sum(p != (255, 255, 255) for p in px) > len(px) * 0.05, "image is nearly blank"
    return im.size


def test_ward_pack_slides(ward_pack):
    titles = [s.title for s in ward_pack]
    assert titles[0] == "Board pack: Penge & Cator"
    for ind in (
        "Child income deprivation (IDACI)",
        "Obesity: Year 6 (age 10-11)",
        "16-17 year olds NEET",
        "Children looked after (rate per 10,000)",
    ):
        assert f"{ind}: map" in titles and f"{ind}: ranking" in titles and f"{ind}: trend" in titles
    assert "Penge & Cator: spine chart" in titles
    assert any(t.startswith("Penge & Cator: summary") for t in titles)  # "(1 of 2)" when it runs long
    assert titles[-1].startswith("Sources")
    assert any("ILLUSTRATIVE" in b for b in ward_pack[0].bullets)
    summary = [b for s in ward_pack if s.title.startswith("Penge & Cator: summary") for b in s.bullets]
    assert any("significantly worse" in b and "35.2%" in b for b in summary)
    sources = [b for s in ward_pack if s.title.startswith("Sources") for b in s.bullets]
    assert any("Open Government Licence" in b for b in sources)
    assert any("Indices of Deprivation 2025" in b for b in sources)
    for s in ward_pack:
        if s.image:
            w, h = _non_blank(s.image)
            assert w >= 700 and h >= 250


def test_pptx_opens_with_python_pptx(ward_pack):
    prs = Presentation(io.BytesIO(boardpack.to_pptx(ward_pack)))
    assert len(prs.slides) == len(ward_pack)
    for slide, s in zip(prs.slides, ward_pack):
        assert slide.shapes.title.text == s.title
        pics = [sh for sh in slide.shapes if sh.shape_type == 13]
        assert len(pics) == (1 if s.image else 0)
        for p in pics:
            _non_blank(p.image.blob)
    text = "\n".join(sh.text_frame.text for sl in prs.slides for sh in sl.shapes if sh.has_text_frame)
    assert "Penge & Cator" in text and "Sources" in text and "Open Government Licence" in text


def test_pdf_opens_with_pypdf(ward_pack):
    reader = PdfReader(io.BytesIO(boardpack.to_pdf(ward_pack)))
    assert len(reader.pages) == len(ward_pack)
    first = reader.pages[0].extract_text()
    assert "Board pack: Penge & Cator" in first and "Child income deprivation (IDACI)" in first
    assert "Sources" in reader.pages[-1].extract_text()
    with_images = sum(1 for p in reader.pages if p.images)
    assert with_images == sum(1 for s in ward_pack if s.image)


def test_public_pack_has_no_small_numbers(public_pack):
    store = PublicStore(Store(), 5)
    assert public_pack[0].title == "Board pack: Bromley"
    assert any(b.startswith("PUBLIC MODE") for b in public_pack[0].bullets)
    assert any("Suppressed figures" in b for b in public_pack[-1].bullets)
    # the ranking images are built from the same suppressed table: check the table they use
    for ind, period in (("cla_rate", "31 Mar 2023"), ("neet", "2024/25")):
        v = store.values(ind, period, "ward2022")
        shown = v[~v.is_suppressed]
        assert (shown.numerator >= 5).all() and v.is_suppressed.sum() >= 2
        assert v.loc[v.is_suppressed, ["value", "numerator", "lower95", "upper95"]].isna().all().all()
    text = boardpack.to_pdf(public_pack)
    reader = PdfReader(io.BytesIO(text))
    assert "PUBLIC MODE" in reader.pages[0].extract_text()


def test_cli_writes_both_files(tmp_path):
    out = tmp_path / "pack.pptx"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "exports.boardpack",
            "--ward",
            "E05000123",
            "--indicators",
            "idaci,obesity_year6",
            "--out",
            str(out),
            "--public",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 50_000 and out.with_suffix(".pdf").stat().st_size > 50_000
    prs = Presentation(str(out))
    assert prs.slides[0].shapes.title.text == "Board pack: Penge and Cator"  # a 2014 ward
    bad = subprocess.run(
        [sys.executable, "-m", "exports.boardpack", "--ward", "E05099999", "--out", str(tmp_path / "x.pptx")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr
