"""The pieces of the desktop packaging that need no build: version, icons, desktop entry, MIME."""

from __future__ import annotations

import configparser
import struct
import subprocess
import sys
import tomllib
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest

from laneforge import __version__, cli
from laneforge.bundled import resources_dir

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _pyproject_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def test_version_comes_from_pyproject():
    assert __version__ == _pyproject_version()


def test_version_flag_prints_it():
    done = subprocess.run([sys.executable, "-m", "laneforge", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"laneforge {_pyproject_version()}"


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_has_its_size(size):
    assert _png_size(resources_dir() / "icons" / f"laneforge-{size}.png") == (size, size)


def test_icon_svg_is_plain_svg():
    root = ET.parse(resources_dir() / "laneforge.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(LINUX / "laneforge.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def _mime_type() -> tuple[str, list[str]]:
    root = ET.parse(LINUX / "laneforge-mime.xml").getroot()
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    return mime.get("type"), [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")]


def test_mime_registration_claims_lane_json():
    mime_type, globs = _mime_type()
    assert mime_type == "application/x-laneforge-process"
    assert globs == ["*.lane.json"]


def test_desktop_entry_opens_the_registered_type_with_the_icon():
    entry = _desktop_entry()
    mime_type, _ = _mime_type()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "laneforge"
    assert "%f" in entry["Exec"].split()  # a double-clicked file reaches the app
    assert mime_type in entry["MimeType"].split(";")
    assert entry["Icon"] == "laneforge"
    assert entry["StartupWMClass"] == "laneforge"  # = QGuiApplication.desktopFileName


def test_scheduler_without_dask_names_the_way_out(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    template = ROOT / "processes" / "lead-qualification.lane.json"
    code = cli.main(["simulate", str(template), "-r", "1", "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "dask.distributed" in err and "install laneforge with pip" in err
    assert len(err.strip().splitlines()) == 1
