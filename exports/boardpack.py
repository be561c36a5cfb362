"""Board pack: a PowerPoint deck and a PDF of a page's view: a ward profile, or a hotspot view.

    python -m exports.boardpack --ward E05014002 --out pack.pptx [--pdf pack.pdf] [--level 99.8] [--public]
    python -m exports.boardpack --out bromley.pptx --indicators idaci,obesity_year6,neet,cla_rate \\
        [--geography ward2014] [--rule significantly_worse] [--comparator london] [--level 99.8] [--public]

Slides: title (the view in words); for each indicator the map and the ranking; for a ward
the spine chart, the trends and the generated summary, on the ward's own scheme (2014 or
2022); for a hotspot view the ward x indicator matrix and the most flagged wards; and a
sources slide. Every figure comes from exports.view, built from the same view object and
model functions as the page, so a pack is the screen at print size. An indicator the
ward scheme lacks is left out, with a line saying so on the title slide.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from charts import compose
from exports import images
from exports import view as views
from loaders.codes import GEOGRAPHY_LABELS, WARD_SCHEMES
from loaders.store import BadRequest, Store
from model import explore, profile, provenance, settings
from model import hotspots as hs
from model.public import footnote

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@dataclass
class Slide:
    title: str
    subtitle: str = ""
    image: bytes | None = None
    bullets: list[str] = field(default_factory=list)


def plan(
    store, view: views.HotspotView | views.WardView, indicators: list[str] | None = None
) -> tuple[str, list[str], list[str]]:
    """(ward scheme, indicators shown, names of those the scheme lacks); BadRequest for a view that cannot be shown."""
    if isinstance(view, views.WardView):
        scheme, wanted = profile.ward(store, view.ward)["scheme"], list(indicators or hs.pack_indicators(store))
    else:
        if (
            view.geography not in WARD_SCHEMES
            or view.rule not in hs.RULE_LABELS
            or view.comparator not in explore.COMPARATOR_LABELS
        ):
            raise BadRequest(
                f"unknown ward scheme, rule or comparator: {view.geography}, {view.rule}, {view.comparator}"
            )
        scheme, wanted = view.geography, list(view.indicators)
    if view.level not in explore.LEVELS:
        raise BadRequest(f"unknown confidence level {view.level!r} (choose {' or '.join(explore.LEVELS)})")
    names = {i: store.indicator(i)["name"] for i in wanted}  # an unknown id is a BadRequest
    cands = set(hs.candidates(store, scheme).indicator_id)
    if isinstance(view, views.WardView) and not indicators:  # local indicators only where the scheme has them
        wanted = [i for i in wanted if i in hs.DEFAULT_INDICATORS or i in cands]
    kept = [i for i in wanted if i in cands]
    if not kept and not isinstance(view, views.WardView):
        raise BadRequest(f"none of the indicators is available on {GEOGRAPHY_LABELS[scheme]}")
    return scheme, kept, [names[i] for i in wanted if i not in cands]


def slides(
    store, view: views.HotspotView | views.WardView, *, indicators: list[str] | None = None, scale: float = 1.6
) -> list[Slide]:
    """The pack of ``view``, shown from ``store`` (a PublicStore for a public view). ``indicators``: the
    indicators mapped in a ward pack (a hotspot view names its own)."""
    if getattr(store, "public", False) != view.public:
        raise BadRequest("the store and the view disagree about public mode")
    scheme, kept, left_out = plan(store, view, indicators)
    ward = views.ward(store, view) if isinstance(view, views.WardView) else None
    who = ward["info"]["name"] if ward else "Bromley"
    hot = None if ward else views.hotspots(store, replace(view, indicators=tuple(kept)))
    flags, used_sources, out = set(), set(), []
    modelled: list[str] = []  # names of the indicators shown whose ward figures are ILLUSTRATIVE

    def picture(title: str, fig, subtitle: list[str], source_ids) -> Slide:
        used_sources.update(source_ids)
        return Slide(
            title,
            "\n".join(subtitle),
            images.png(images.framed(fig, source=_source_line(store, set(source_ids))), scale=scale),
        )

    cands = hs.candidates(store, scheme).set_index("indicator_id")
    for ind in kept:
        period = cands.at[ind, "period"]
        meta = store.indicator(ind)
        comps = explore.available_comparators(store, ind, period)
        comparator = ("england" if "england" in comps else comps[0]) if ward else view.comparator
        by_quintile = (
            meta["interval"] == "none" or comparator not in comps or getattr(view, "rule", "") == "worst_quintile"
        )
        figs = views.explorer(
            store,
            views.MapView(
                ind,
                period,
                scheme,
                comparator,
                view.level,
                "quintile" if by_quintile else "compare",
                getattr(view, "ward", None),
                view.public,
                view.threshold,
            ),
        )
        flags |= {k for k in ("illustrative", "estimate") if figs["ctx"][k]}
        modelled += [meta["name"]] if figs["ctx"]["illustrative"] else []
        ids = set(figs["table"].source_id)
        out.append(picture(f"{meta['name']}: map", figs["map"], figs["subtitle"], ids))
        out.append(picture(f"{meta['name']}: ranking", figs["ranking"], figs["subtitle"], ids))
    if ward:
        sp, about = ward["sp"], [f"{who} · {ward['about'][0]}", *ward["about"][1:]]
        if len(sp):
            flags |= {
                k for k, col in (("illustrative", "is_illustrative"), ("estimate", "is_estimate")) if sp[col].any()
            }
            modelled += sp.name[sp.is_illustrative.astype(bool)].tolist()
            out.append(
                picture(
                    f"{who}: spine chart",
                    ward["spine"],
                    [
                        *about,
                        f"Every indicator against Bromley, London and England, compared at {view.level}% confidence",
                    ],
                    set(sp.source_id),
                )
            )
            for r in sp[sp.indicator_id.isin(kept)].itertuples():
                t, fig = ward["trends"][r.indicator_id]
                out.append(
                    picture(
                        f"{r.name}: trend",
                        fig,
                        [*about, "Trend: bands are 95% confidence intervals", *compose.status_lines(set(t.status))],
                        set(t.source_id),
                    )
                )
        out.append(
            Slide(
                f"{who}: summary",
                "\n".join([*about, "Generated from the figures in this pack"]),
                bullets=ward["summary"],
            )
        )
        view_lines = [
            f"Ward: {who} ({view.ward}), {profile.SCHEME_LABELS[scheme]}",
            f"Confidence level: {view.level}%; each indicator against England, or London / Bromley "
            "where England is not published",
        ]
    else:
        res = hot["res"]
        flags |= {k for k in ("illustrative", "estimate") if res[k]}
        modelled += res["illustrative_names"]
        out.append(picture("Hotspots: ward × indicator", hot["matrix"], hot["subtitle"], res["source_ids"]))
        scores = res["scores"]
        top = scores[scores.n_flagged > 0].head(6)
        out.append(
            Slide(
                "Summary: hotspot wards",
                "\n".join(hot["subtitle"]),
                bullets=[
                    f"{r.area_name}: flagged on {r.n_flagged} of {len(kept)} ({r.flagged_names})"
                    for r in top.itertuples()
                ]
                or ["No ward is flagged under this rule."],
            )
        )
        view_lines = [
            f"Ward scheme: {GEOGRAPHY_LABELS[scheme]}",
            f"Rule: {hs.RULE_LABELS[view.rule]}",
            f"Comparator: {explore.COMPARATOR_LABELS[view.comparator]}; confidence level {view.level}%",
        ]
    title = Slide(
        f"Board pack: {who}",
        f"Bromley Ward Explorer · {dt.date.today():%d %B %Y}",
        bullets=[
            *view_lines,
            "Indicators: " + ", ".join(store.indicator(i)["name"] for i in kept),
            *([f"Left out (not published on {GEOGRAPHY_LABELS[scheme]}): {', '.join(left_out)}"] if left_out else []),
            *(["PUBLIC MODE: " + footnote(view.threshold)] if view.public else []),
            *(
                [f"Contains ILLUSTRATIVE data (modelled ward figures: {provenance.join(modelled)}): not for decisions."]
                if "illustrative" in flags and modelled
                else ["Contains ILLUSTRATIVE data (modelled ward figures): not for decisions."]
                if "illustrative" in flags
                else []
            ),
            *(
                [f"Council's own figures: {'; '.join(provenance.council_labels(store, used_sources))}"]
                if provenance.council_labels(store, used_sources)
                else []
            ),
            *(["Contains ESTIMATES: 2014-ward series re-weighted to 2022 wards."] if "estimate" in flags else []),
        ],
    )
    src = store.sources()
    src = src[src.source_id.isin(used_sources)].drop_duplicates("source_id")
    sources = Slide(
        "Sources",
        f"Licences and attribution · produced {dt.date.today():%d %B %Y}",
        bullets=[f"{r.publisher}: {r.title}. {r.licence}. {r.attribution}." for r in src.itertuples()]
        + (["Suppressed figures: " + footnote(view.threshold)] if view.public else []),
    )
    return [page for slide in (title, *out, sources) for page in _paged(slide)]


MAX_LINES = 14  # bullet lines one slide holds: PowerPoint at 12 pt, the PDF at 11 pt, both 12 inches wide
CHARS_PER_LINE = 110


def _paged(slide: Slide) -> list[Slide]:
    """A slide whose bullets would run off the page, as several ("1 of 2", ...), never cut."""
    pages, page, used = [], [], 0
    for b in slide.bullets:
        lines = 1 + len(b) // CHARS_PER_LINE
        if page and used + lines > MAX_LINES:
            pages.append(page)
            page, used = [], 0
        page.append(b)
        used += lines
    if not pages:
        return [slide]
    pages.append(page)
    return [replace(slide, title=f"{slide.title} ({i} of {len(pages)})", bullets=p) for i, p in enumerate(pages, 1)]


def _source_line(store, source_ids: set[str]) -> str:
    from charts.style import source_line  # noqa: PLC0415

    src = store.sources()
    src = src[src.source_id.isin(source_ids)].drop_duplicates("source_id")
    return source_line(
        [
            f"{provenance.label(store, r.source_id) if provenance.is_local(r.source_id) else r.publisher} ({r.licence})"
            for r in src.itertuples()
        ]
    )


def _fit(png: bytes, max_w: float, max_h: float) -> tuple[float, float]:
    """The image's size scaled to fit within max_w x max_h, keeping its shape."""
    from PIL import Image  # noqa: PLC0415

    w, h = Image.open(io.BytesIO(png)).size
    k = min(max_w / w, max_h / h)
    return w * k, h * k


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
            lines = sum(1 + len(line) // 130 for line in s.subtitle.split("\n"))
            box = slide.shapes.add_textbox(Inches(0.6), Inches(1.0), Inches(12.1), Inches(0.2 * lines))
            box.text_frame.word_wrap = True
            for j, line in enumerate(s.subtitle.split("\n")):
                p = box.text_frame.paragraphs[0] if j == 0 else box.text_frame.add_paragraph()
                p.text = line
                p.font.size = Pt(11)
            top = Inches(1.1 + 0.2 * lines)
        if s.image:
            max_w = prs.slide_width - Inches(1.0)
            w, h = _fit(s.image, max_w, prs.slide_height - top - Inches(0.2))
            slide.shapes.add_picture(
                io.BytesIO(s.image), int(Inches(0.5) + (max_w - w) / 2), int(top), Emu(int(w)), Emu(int(h))
            )
        if s.bullets:
            box = slide.shapes.add_textbox(
                Inches(0.7), Inches(2.6) if i == 0 else top + Inches(0.1), Inches(12), Inches(4.5)
            )
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
            pdf.set_font(family, "", 9)
            pdf.multi_cell(0, 4.5, text(s.subtitle), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 11)
        if s.image:
            y = pdf.get_y() + 2
            w, h = _fit(s.image, 277, 210 - y - 8)
            pdf.image(io.BytesIO(s.image), x=10 + (277 - w) / 2, y=y, w=w, h=h)  # at the top, centred across
        for b in s.bullets:
            pdf.multi_cell(0, 7, text("• " + b), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build(
    view: views.HotspotView | views.WardView, indicators: list[str] | None = None, data_dir: Path | None = None
) -> tuple[bytes, bytes]:
    deck = slides(views.open_store(view, Store(data_dir) if data_dir else None), view, indicators=indicators)
    return to_pptx(deck), to_pdf(deck)


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file or none: each goes to a temporary file beside it first."""
    tmps = {path.with_name(f".{path.name}.part"): path for path in files}
    try:
        for tmp, path in tmps.items():
            tmp.write_bytes(files[path])
        for tmp, path in tmps.items():
            tmp.replace(path)
    finally:
        for tmp in tmps:
            tmp.unlink(missing_ok=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m exports.boardpack", description="Make a board pack (PPTX and PDF).")
    ap.add_argument("--ward", help="ward code (2014 or 2022 scheme): that ward's profile; omit for a hotspot pack")
    ap.add_argument("--indicators", help="comma-separated indicator ids (default: idaci,obesity_year6,neet,cla_rate)")
    ap.add_argument("--geography", choices=WARD_SCHEMES, default="ward2022", help="ward scheme of a hotspot pack")
    ap.add_argument("--rule", choices=list(hs.RULE_LABELS), default="either", help="hotspot rule")
    ap.add_argument(
        "--comparator", choices=list(explore.COMPARATOR_LABELS), default="england", help="hotspot comparator"
    )
    ap.add_argument("--level", choices=list(explore.LEVELS), default="95", help="confidence level (%%)")
    ap.add_argument("--out", required=True, help="PowerPoint file to write (.pptx)")
    ap.add_argument("--pdf", help="PDF file to write (default: beside --out)")
    ap.add_argument(
        "--public",
        action="store_true",
        default=settings.public_default(),
        help="suppress small numbers (public meetings)",
    )

    def fail(message: str):
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)

    ap.error = fail  # one line, not the usage block
    args = ap.parse_args(argv)
    inds = [i.strip() for i in args.indicators.split(",") if i.strip()] if args.indicators else None
    mode = {"public": args.public, "threshold": settings.suppress_below()}
    view = (
        views.WardView(args.ward, args.level, **mode)
        if args.ward
        else views.HotspotView(
            tuple(inds or hs.DEFAULT_INDICATORS), args.geography, args.rule, args.comparator, args.level, **mode
        )
    )
    out = Path(args.out)
    pdf_path = Path(args.pdf) if args.pdf else out.with_suffix(".pdf")
    try:
        missing = [str(p.parent) for p in (out, pdf_path) if not p.parent.is_dir()]
        if missing:
            raise FileNotFoundError(f"folder does not exist: {', '.join(dict.fromkeys(missing))}")
        pptx, pdf = build(view, inds if args.ward else None)
        write_all({out: pptx, pdf_path: pdf})
    except Exception as e:  # noqa: BLE001 (a user's command line: one line, never a traceback)
        print(f"error: {str(e).splitlines()[0] if str(e) else type(e).__name__}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({len(pptx):,} bytes) and {pdf_path} ({len(pdf):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
