"""WCAG 2 contrast for chart colours (no Streamlit): text drawn in a series' colour is darkened until it
reads at 4.5:1 on white; text on a coloured cell is black or white, whichever reads."""

from __future__ import annotations

TEXT = 4.5  # WCAG 1.4.3, normal-size text
GRAPHIC = 3.0  # WCAG 1.4.11, graphical objects (and large text)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(hex_colour: str) -> float:
    def lin(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: str, background: str = "#ffffff", target: float = TEXT) -> str:
    """``colour`` itself if it reads on ``background`` at ``target``, else the same hue mixed with black just
    enough to."""
    r, g, b = _rgb(colour)
    for k in range(0, 101):
        f = 1 - k / 100
        out = f"#{round(r * f):02x}{round(g * f):02x}{round(b * f):02x}"
        if ratio(out, background) >= target:
            return out
    return "#000000"


def ink_on(background: str) -> str:
    """Black or white text on a filled cell of ``background``, whichever contrasts more."""
    return "#000000" if ratio("#000000", background) >= ratio("#ffffff", background) else "#ffffff"
