"""How much room text takes on a slide: Arial's advance widths, word wrapping, and the
largest size (never under 9 pt) at which a name fits its shape.

The widths are Arial's (the same as Helvetica's and Liberation Sans's, per 1000 em), so a
line breaks where PowerPoint and LibreOffice break it; no Qt and no font file is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the smallest text on any slide, in points
MIN_PT = 9.0
LINE_SPACING = 1.17  # Arial's line height in em
#: a little room for the difference between this estimate and a real layout
SLACK = 1.06

_REGULAR = {
    **dict.fromkeys("abdeghnopqu", 556), "c": 500, "f": 278, "i": 222, "j": 222, "k": 500,
    "l": 222, "m": 833, "r": 333, "s": 500, "t": 278, "v": 500, "w": 722, "x": 500, "y": 500,
    "z": 500, **dict.fromkeys("ABEKPSVXY", 667), **dict.fromkeys("CDHNRUw", 722), "F": 611,
    "G": 778, "I": 278, "J": 500, "L": 556, "M": 833, "O": 778, "Q": 778, "T": 611, "W": 944,
    "Z": 611, **dict.fromkeys("0123456789", 556), " ": 278, ".": 278, ",": 278, "-": 333,
    "(": 333, ")": 333, "&": 667, "?": 556, "/": 278, "%": 889, "·": 278, ":": 278, ";": 278,
    "'": 191, "≈": 584, "→": 1000, "←": 1000, "+": 584, "=": 584, "<": 584, ">": 584,
    "↘": 1000, "’": 222, "“": 333, "”": 333, "…": 1000, "–": 556, "—": 1000,
}
_BOLD = {
    **_REGULAR, **dict.fromkeys("bdghnopqu", 611), "a": 556, "c": 556, "e": 556, "f": 333,
    "i": 278, "j": 278, "k": 556, "l": 278, "m": 889, "r": 389, "s": 556, "t": 333, "v": 556,
    "w": 778, "x": 556, "y": 556, "z": 500, **dict.fromkeys("ABCDHKNRU", 722), "J": 556,
    "L": 611, "&": 722, "?": 611, "'": 238, ":": 333, ";": 333,
}


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The advance of ``text`` at ``size`` points, in points."""
    table = _BOLD if bold else _REGULAR
    return sum(table.get(ch, 600) for ch in text) * size / 1000 * SLACK


def line_height(size: float) -> float:
    return size * LINE_SPACING


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str] | None:
    """``text`` broken into lines at most ``width`` points wide; None when one word alone
    is wider."""
    lines: list[str] = []
    current = ""
    for word in text.replace(" %", "\u00a0%").split(" "):  # "45 %" stays on one line
        if not word:
            continue
        trial = f"{current} {word}".strip()
        if text_width(trial, size, bold=bold) <= width:
            current = trial
            continue
        if text_width(word, size, bold=bold) > width:
            return None
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return [line.replace("\u00a0", " ") for line in lines] or [""]


@dataclass(frozen=True)
class Fit:
    size: float
    lines: int


def fit(text: str, width: float, height: float, *, largest: float, max_lines: int = 3,
        bold: bool = False, smallest: float = MIN_PT, reserve: float = 0.0) -> Fit | None:
    """The largest size from ``largest`` down to ``smallest`` (by 0.5 pt) at which ``text``
    fits in ``width`` x ``height`` points in at most ``max_lines`` lines, keeping
    ``reserve`` points of height free (for a second line in another size); None if even
    the smallest does not fit."""
    size = largest
    while size >= smallest - 1e-9:
        lines = wrap(text, width, size, bold=bold)
        if lines is not None and len(lines) <= max_lines \
                and len(lines) * line_height(size) + reserve <= height:
            return Fit(size, len(lines))
        size -= 0.5
    return None
