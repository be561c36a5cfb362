"""Board pack: a PowerPoint deck and a PDF for a ward or for the borough.

    python -m exports.boardpack --ward E05014002 --out pack.pptx [--pdf pack.pdf] [--public]
    python -m exports.boardpack --out bromley.pptx --indicators idaci,obesity_year6,neet,cla_rate

Slides: title; for each indicator the map and the ranking; for a ward the spine chart,
the trends and the generated summary (for the borough: the hotspot matrix and the top
wards); and a sources slide. Charts come from charts.compose, the builders the pages use.
In public mode every figure goes through the same suppression as the app.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from charts import compose
from exports import images
from loaders.store import GEOGRAPHY_LABELS, BadRequest, DataUnavailable, Store
from model import explore, profile, settings
from model import hotspots as hs
from model.public import PublicStore, footnote

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@dataclass
class Slide:
    title: str
    subtitle: str = ""
    image: bytes | None = None
    bullets: list[str] = field(default_factory=list)


def slides(store, *, ward: str | None = None, indicators: list[str] | None = None, level: str = "95",
           scale: float = 1.6) -> list[Slide]:
    indicators = list(indicators or hs.DEFAULT_INDICATORS)
    info = profile.ward(store, ward) if ward else None
    scheme = info["scheme"] if info else "ward2022"
    cands = hs.candidates(store, scheme).set_index("indicator_id")
    unknown = [i for i in indicators if i not in cands.index]
    if unknown:
        raise BadRequest(f"not available on {GEOGRAPHY_LABELS[scheme]}: {', '.join(unknown)}")
    public = getattr(store, "public", False)
    who = info["name"] if info else "Bromley"
    flags = []
    out = []
    used_sources: set[str] = set()
    for ind in indicators:
        period = cands.at[ind, "period"]
        comps = explore.available_comparators(store, ind, period)
        comparator = "england" if "england" in comps else comps[0]
        meta = store.indicator(ind)
        colour = "compare" if meta["interval"] != "none" else "quintile"
        view = explore.View(ind, period, scheme, comparator, level)
        table, ctx = explore.ward_table(store, view)
        table = explore.display_columns(table, meta["unit"], colour)
        used_sources |= set(table.source_id)
        flags += (["ILLUSTRATIVE"] if ctx["illustrative"] else []) + (["ESTIMATE"] if ctx["estimate"] else [])
        ch = compose.explorer(table, ctx, explore.map_features(store, table, scheme), period=period,
                              geography_label=GEOGRAPHY_LABELS[scheme], colour=colour,
                              quintile_labels=explore.quintile_labels(meta["polarity"]), selected=ward,
                              width=images.WIDTH, selectable=False, map_height=560)
        source = _source_line(store, set(table.source_id))
        out.append(Slide(f"{meta['name']}: map", f"{who} · {period}",
                         images.png(images.framed(ch["map"], source=source), scale=scale)))
        out.append(Slide(f"{meta['name']}: ranking", f"{who} · {period}",
                         images.png(images.framed(ch["ranking"], source=source), scale=scale)))
    if info:
        sp = profile.spine(store, ward, scheme, level)
        if len(sp):
            sp = profile.spine_display(sp)
            used_sources |= set(sp.source_id)
            out.append(Slide(f"{who}: spine chart", "Every indicator against Bromley, London and England",
                             images.png(images.framed(compose.ward_spine(sp, who, level, width=images.WIDTH),
                                                      source=_source_line(store, set(sp.source_id))), scale=scale)))
            ranks = profile.london_ranks(store, ward, sp)
            all_trends = profile.ward_trends(store, ward, scheme)
            for r in sp[sp.indicator_id.isin(indicators)].itertuples():
                t = all_trends[r.indicator_id]
                chart = compose.ward_trend(t, name=r.name, unit=r.unit, ward_name=who,
                                           notes=profile.trend_notes(r, ranks), width=images.WIDTH, height=380)
                out.append(Slide(f"{r.name}: trend", who, images.png(
                    images.framed(chart, source=_source_line(store, set(t.source_id))), scale=scale)))
        out.append(Slide(f"{who}: summary", "Generated from the figures in this pack",
                         bullets=profile.summary(store, info, sp, level)))
    else:
        res = hs.hotspots(store, indicators, scheme, "either", "england", level)
        names = dict(zip(res["used"].indicator_id, res["used"].name))
        order = res["scores"].area_name.tolist()
        sub = [f"Worst quintile in Bromley or significantly worse than England ({level}%)"]
        out.append(Slide("Hotspots: ward × indicator", "Bromley 2022 wards", images.png(images.framed(
            compose.hotspot_matrix(res["matrix"], reasons=hs.REASONS, order=order, names=names, subtitle=sub,
                                   width=images.WIDTH - 200), source=_source_line(store, res["source_ids"])),
            scale=scale)))
        top = res["scores"][res["scores"].n_flagged > 0].head(6)
        out.append(Slide("Summary: hotspot wards", sub[0], bullets=[
            f"{r.area_name}: flagged on {r.n_flagged} of {len(indicators)} ({r.flagged_names})" for r in top.itertuples()]))
    title = Slide(f"Board pack: {who}", f"Bromley Ward Explorer · {dt.date.today():%d %B %Y}", bullets=[
        "Indicators: " + ", ".join(store.indicator(i)["name"] for i in indicators),
        *(["PUBLIC MODE: " + footnote(store.threshold)] if public else []),
        *(["Contains ILLUSTRATIVE data (modelled ward NEET / children looked after): not for decisions."]
          if "ILLUSTRATIVE" in flags else []),
        *(["Contains ESTIMATES: 2014-ward series re-weighted to 2022 wards."] if "ESTIMATE" in flags else []),
    ])
    src = store.sources()
    src = src[src.source_id.isin(used_sources)].drop_duplicates("source_id")
    sources = Slide("Sources", "Licences and attribution", bullets=[
        f"{r.publisher}: {r.title}. {r.licence}. {r.attribution}." for r in src.itertuples()] + (
        ["Suppressed figures: " + footnote(store.threshold)] if public else []))
    return [title, *out, sources]


def _source_line(store, source_ids: set[str]) -> str:
    from charts.style import source_line  # noqa: PLC0415

    src = store.sources()
    src = src[src.source_id.isin(source_ids)].drop_duplicates("source_id")
    return source_line([f"{r.publisher} ({r.licence})" for r in src.itertuples()])


def to_pptx(deck: list[Slide]) -> bytes:
    from pptx import Presentation  # noqa: PLC0415
    from pptx.util import Emu, Inches, Pt  # noqa: PLC0415

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    for i, s in enumerate(deck):
        layout = prs.slide_layouts[0 if i == 0 else 5]
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = s.title
        slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(36 if i == 0 else 26)
        top = Inches(1.35)
        if i == 0:
            slide.placeholders[1].text = s.subtitle
        elif s.subtitle:
            box = slide.shapes.add_textbox(Inches(0.6), Inches(1.0), Inches(12), Inches(0.4))
            box.text_frame.text = s.subtitle
            box.text_frame.paragraphs[0].font.size = Pt(14)
            top = Inches(1.45)
        if s.image:
            from PIL import Image  # noqa: PLC0415

            w, h = Image.open(io.BytesIO(s.image)).size
            max_w, max_h = prs.slide_width - Inches(1.0), prs.slide_height - top - Inches(0.2)
            k = min(max_w / w, max_h / h)
            slide.shapes.add_picture(io.BytesIO(s.image), int((prs.slide_width - w * k) / 2), int(top),
                                     Emu(int(w * k)), Emu(int(h * k)))
        if s.bullets:
            box = slide.shapes.add_textbox(Inches(0.7), Inches(2.6 if i == 0 else 1.6), Inches(12), Inches(4.5))
            tf = box.text_frame
            tf.word_wrap = True
            for j, b in enumerate(s.bullets):
                p = tf.paragraphs[0] if j == 0 else tf.add_paragraph()
                p.text = "• " + b
                p.font.size = Pt(16 if len(s.bullets) < 8 else 12)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def to_pdf(deck: list[Slide]) -> bytes:
    from fpdf import FPDF  # noqa: PLC0415

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    unicode_font = FONT.exists() and FONT_BOLD.exists()
    if unicode_font:
        pdf.add_font("dejavu", "", str(FONT))
        pdf.add_font("dejavu", "B", str(FONT_BOLD))
    family = "dejavu" if unicode_font else "helvetica"
    text = (lambda t: t) if unicode_font else (lambda t: t.encode("latin-1", "replace").decode("latin-1"))
    for s in deck:
        pdf.add_page()
        pdf.set_font(family, "B", 20)
        pdf.multi_cell(0, 10, text(s.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 11)
        if s.subtitle:
            pdf.multi_cell(0, 6, text(s.subtitle), new_x="LMARGIN", new_y="NEXT")
        if s.image:
            y = pdf.get_y() + 2
            pdf.image(io.BytesIO(s.image), x=10, y=y, h=min(210 - y - 10, 170), keep_aspect_ratio=True, w=277)
        for b in s.bullets:
            pdf.multi_cell(0, 7, text("• " + b), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build(ward: str | None, indicators: list[str] | None, public: bool, threshold: int | None = None,
          data_dir: Path | None = None) -> tuple[bytes, bytes]:
    base = Store(data_dir) if data_dir else Store()
    store = PublicStore(base, threshold or settings.suppress_below()) if public else base
    deck = slides(store, ward=ward, indicators=indicators)
    return to_pptx(deck), to_pdf(deck)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m exports.boardpack", description="Make a board pack (PPTX and PDF).")
    ap.add_argument("--ward", help="ward code (2014 or 2022 scheme); omit for the borough")
    ap.add_argument("--indicators", help="comma-separated indicator ids (default: idaci,obesity_year6,neet,cla_rate)")
    ap.add_argument("--out", required=True, help="PowerPoint file to write (.pptx)")
    ap.add_argument("--pdf", help="PDF file to write (default: beside --out)")
    ap.add_argument("--public", action="store_true", default=settings.public_default(),
                    help="suppress small numbers (public meetings)")
    args = ap.parse_args(argv)
    inds = [i.strip() for i in args.indicators.split(",")] if args.indicators else None
    try:
        pptx, pdf = build(args.ward, inds, args.public)
    except (BadRequest, DataUnavailable) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    out = Path(args.out)
    pdf_path = Path(args.pdf) if args.pdf else out.with_suffix(".pdf")
    out.write_bytes(pptx)
    pdf_path.write_bytes(pdf)
    print(f"wrote {out} ({len(pptx):,} bytes) and {pdf_path} ({len(pdf):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
