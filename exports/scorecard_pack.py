"""Board pack of the children's services scorecard: a title slide, the scorecard on one slide (a table drawn
at 1920 x 1080 with 20 px type and more, readable on a projector) and one slide per exception (measures
performing below expectation, with the council's management commentary). Uses exports.boardpack's Slide,
PowerPoint and PDF writers.

    python -m exports.scorecard_pack --out scorecard.pptx [--pdf scorecard.pdf] [--neighbours 2021|2025] [--public]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path

from exports.boardpack import FONT, FONT_BOLD, Slide, _paged, _source_line, to_pdf, to_pptx, write_all
from model import scorecard as sc

RAG_FILL = {"GREEN": (0, 110, 51), "AMBER": (176, 96, 0), "RED": (180, 20, 20)}
W, H = 1920, 1080
COLUMNS = [
    ("Measure", 560),
    ("Period", 190),
    ("Bromley", 300),
    ("England", 170),
    ("London", 170),
    ("Neighbours", 160),
    ("Rank", 130),
    ("RAG", 200),
]
# With the council's Performance Index loaded: an in-year column (latest month), the others narrower.
COLUMNS_INYEAR = [
    ("Measure", 440),
    ("Period", 150),
    ("Bromley", 260),
    ("In year (council)", 300),
    ("England", 140),
    ("London", 140),
    ("Neighbours", 140),
    ("Rank", 110),
    ("RAG", 200),
]
SHORT_RAG = {sc.NOT_TARGET: "Not a target", sc.NO_TARGET: "No target", sc.SUPPRESSED_TEXT: "Part 2"}


def has_inyear(df) -> bool:
    return "inyear_text" in df and bool(df.inyear_text.astype(bool).any())


def _inyear_cell(r) -> str:
    """The latest in-year month as one short cell: 'Mar 2024: 384', 'Part 2', or '–'."""
    if not r.inyear_latest:
        return "–" if not r.inyear_text else r.inyear_text.split(" · ")[0].replace(sc.SUPPRESSED_TEXT, "Part 2")
    latest = SHORT_RAG.get(r.inyear_latest, r.inyear_latest)
    return f"{r.inyear_period}: {latest.split(' (')[0] if '%' in latest else latest}"


def table_png(df, model: str) -> bytes:
    """The scorecard as one image: one row per measure, committee groups in order, RAG coloured."""
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415

    def font(size, bold=False):
        path = FONT_BOLD if bold else FONT
        return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default()

    columns = COLUMNS_INYEAR if has_inyear(df) else COLUMNS
    rows = df.sort_values(["group_order", "order"])
    n = len(rows) + rows.group.nunique() + 1
    line = min(52, (H - 40) // n)
    size = max(18, min(26, line - 14))
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    f, fb = font(size), font(size, True)
    y = 20
    x = 20
    for name, w in columns:
        d.text((x, y), name if name != "Neighbours" else "SN avg", font=fb, fill="black")
        x += w
    y += line
    d.line((20, y - 6, W - 20, y - 6), fill="black", width=2)
    for group in sc.GROUPS:
        g = rows[rows.group == group]
        if g.empty:
            continue
        d.text((20, y), group, font=fb, fill=(0, 70, 140))
        y += line
        for r in g.itertuples():
            cells = [
                r.measure,
                r.period,
                r.bromley[-1] if r.bromley else "–",
                *([_inyear_cell(r)] if columns is COLUMNS_INYEAR else []),
                r.england_text.split(" (")[0].replace("not published", "–"),
                r.london_text.split(" (")[0].replace("not published", "–"),
                r.neighbours_text.split(" (")[0],
                (r.rank_text.split(" (")[0] if r.rank_text else "–"),
                SHORT_RAG.get(r.rag, r.rag),
            ]
            x = 20
            for (name, w), text in zip(columns, cells):
                text = str(text)
                while d.textlength(text, font=f) > w - 12 and len(text) > 4:
                    text = text[:-2].rstrip() + "…" if not text.endswith("…") else text[:-2] + "…"
                if name == "RAG" and text in RAG_FILL:
                    d.rectangle((x - 4, y - 2, x + w - 20, y + line - 10), fill=RAG_FILL[text])
                    d.text((x, y), text, font=fb, fill="white")
                else:
                    d.text((x, y), text, font=f, fill="black")
                x += w
            y += line
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def slides(store, model: str = sc.DEFAULT_MODEL, *, public: bool = False) -> list[Slide]:
    df = sc.table(store, model, public=public)
    exc = df[df.exception]
    deck = [
        Slide(
            title="Children's services scorecard",
            subtitle=f"London Borough of Bromley · statistical neighbours: DfE {model} model · "
            f"{dt.date.today():%d %B %Y}" + (" · public version" if public else ""),
            bullets=[
                f"{len(df)} measures of the Children's Scrutiny Dataset that public data covers; "
                f"{len(exc)} performing below expectation."
            ],
        )
    ]
    source = _source_line(store, set(df.source.str.split(", ").explode()) - {"–"})
    if has_inyear(df):
        deck[0].bullets.append(
            f"In year: {df.inyear_source[df.inyear_text.astype(bool)].iloc[0]}: provisional council figures, "
            "shown beside the published ones and not rated."
        )
    if has_inyear(df):
        source += f" In year: {df.inyear_source[df.inyear_text.astype(bool)].iloc[0]}, provisional."
    deck.append(Slide(title="Scorecard", image=table_png(df, model), subtitle=source))
    for r in exc.itertuples():
        bullets = [
            "Bromley: " + "; ".join(f"{p} {v}" for p, v in zip(r.periods, r.bromley)) + f" ({r.direction})",
            *([f"In year (council, provisional; {r.inyear_source}): {r.inyear_text}"] if r.inyear_text else []),
            f"Target or range: {r.target} (polarity {r.polarity}); rule: {r.rag_rule} → {r.rag}",
            f"England {r.england_text}; London {r.london_text}",
            f"Statistical neighbours ({model}): average {r.neighbours_text}; Bromley ranks {r.rank_text}; "
            f"among English LAs: {r.quartile_text}",
            f"Management commentary: {r.commentary}"
            if r.commentary
            else "Management commentary: none recorded (data/commentary.csv).",
        ]
        if r.commentary:
            bullets.append(f"Commentary source: {r.commentary_source}")
        deck.extend(
            _paged(
                Slide(
                    title=f"Exception: {r.measure}",
                    subtitle=f"{r.group} · {r.period} · source {r.source}",
                    bullets=bullets,
                )
            )
        )
    return deck


def main(argv=None) -> int:
    from loaders.store import Store  # noqa: PLC0415

    ap = argparse.ArgumentParser(prog="python -m exports.scorecard_pack", description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--pdf")
    ap.add_argument("--neighbours", choices=sc.MODELS, default=sc.DEFAULT_MODEL)
    ap.add_argument("--public", action="store_true")
    a = ap.parse_args(argv)
    store = Store()
    if a.public:
        from model.public import PublicStore  # noqa: PLC0415
        from model.settings import suppress_below  # noqa: PLC0415

        store = PublicStore(store, suppress_below())
    deck = slides(store, a.neighbours, public=a.public)
    files = {Path(a.out): to_pptx(deck)}
    if a.pdf:
        files[Path(a.pdf)] = to_pdf(deck)
    write_all(files)
    print(f"{len(deck)} slides written to {', '.join(map(str, files))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
