"""Paper sizes and orientations of the PDF exports, by name (no Qt: the command line checks
its options with these before anything is drawn)."""

from __future__ import annotations

from dataclasses import dataclass

PAGE_NAMES = ("A4", "A3", "Letter", "Legal", "Tabloid")
#: other names people use for the same paper
PAGE_ALIASES = {"11x17": "Tabloid", "ledger": "Tabloid", "us-letter": "Letter"}
ORIENTATIONS = ("landscape", "portrait", "auto")


class PageError(ValueError):
    """An unknown page size or orientation."""


def page_name(text: str) -> str:
    """The canonical name of a page size given in any case or by an alias ("11x17")."""
    key = text.strip().lower()
    key = PAGE_ALIASES.get(key, key).lower()
    for name in PAGE_NAMES:
        if name.lower() == key:
            return name
    raise PageError(f"unknown page size {text!r}; use one of "
                    + ", ".join([*PAGE_NAMES, "11x17"]))


def orientation_name(text: str) -> str:
    key = text.strip().lower()
    if key not in ORIENTATIONS:
        raise PageError(f"unknown orientation {text!r}; use landscape, portrait or auto")
    return key


@dataclass(frozen=True)
class PageSetup:
    """Paper, orientation (landscape, portrait or auto) and margins (mm) of a PDF page."""

    size: str = "A4"
    orientation: str = "landscape"
    margin_mm: float = 10.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", page_name(self.size))
        object.__setattr__(self, "orientation", orientation_name(self.orientation))
