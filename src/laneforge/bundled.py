"""Where the bundled templates (``processes/``) and resources (icons, stylesheet) live.

In a wheel they sit inside the package (``laneforge/processes``); in a source checkout
(an editable install) they are the top-level folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
DEFAULT_TEMPLATE = "lead-lifecycle"
TEMPLATE_SUFFIX = ".lane.json"


def _folder(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    checkout = _PACKAGE.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"the bundled folder {name!r} is missing from this installation")


def templates_dir() -> Path:
    return _folder("processes")


def resources_dir() -> Path:
    return _folder("resources")


def list_templates() -> list[Path]:
    """Every bundled template, the default first, the rest by name."""
    paths = sorted(templates_dir().glob(f"*{TEMPLATE_SUFFIX}"))
    return sorted(paths, key=lambda p: (template_name(p) != DEFAULT_TEMPLATE, p.name))


def template_name(path: Path) -> str:
    return path.name.removesuffix(TEMPLATE_SUFFIX)


def template_path(name: str = DEFAULT_TEMPLATE) -> Path:
    path = templates_dir() / f"{name}{TEMPLATE_SUFFIX}"
    if not path.is_file():
        known = ", ".join(template_name(p) for p in list_templates())
        raise FileNotFoundError(f"no bundled template {name!r} (templates: {known})")
    return path
