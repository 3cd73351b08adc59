"""Diagram exports (SVG, PNG, PDF), reports (HTML, PDF, CSV) and the headless command line."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from laneforge.app.report import report_html, write_report
from laneforge.cli import main
from laneforge.io import load_process
from laneforge.model.geometry import layout_diagram
from laneforge.render.export import _bounds, export_diagram, render_image, render_svg
from laneforge.sim import simulate

from conftest import REPO, template_paths

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def lifecycle():
    return load_process(REPO / "processes" / "lead-lifecycle.lane.json")


@pytest.fixture(scope="module")
def quick_results(lifecycle):
    return simulate(lifecycle, replications=2, horizon="90d", warmup="20d")


def svg_texts(svg: str) -> str:
    root = ElementTree.fromstring(svg.encode())
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: p.name.split(".")[0])
def test_svg_is_vector_with_every_lane_and_node_named(path, qapp):
    process = load_process(path)
    svg = render_svg(process)
    root = ElementTree.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    texts = svg_texts(svg)
    for lane in process.lanes:
        assert lane.label.split()[0] in texts, lane.id
    for node in process.nodes:
        first_word = node.label.split()[0]
        assert first_word in texts, node.id
    fonts = {el.get("font-family") for el in root.iter() if el.get("font-family")}
    assert any("Inter" in f for f in fonts)
    assert not list(root.iter(f"{SVG}image"))  # drawn, not embedded as a picture


def test_png_has_the_asked_size_and_transparency(lifecycle, tmp_path, qapp):
    rect = _bounds(layout_diagram(lifecycle))
    image = render_image(lifecycle, scale=1.0)
    assert image.size() == QSize(int(rect.width()), int(rect.height()))
    path = export_diagram(lifecycle, tmp_path / "d.png", dpi=192, transparent=True)
    loaded = QImage(str(path))
    assert loaded.width() == int(rect.width() * 2) and loaded.height() == int(rect.height() * 2)
    assert round(loaded.dotsPerMeterX() * 0.0254) == 192
    assert loaded.pixelColor(1, 1).alpha() == 0
    opaque = render_image(lifecycle, scale=1.0)
    assert opaque.pixelColor(1, 1).alpha() == 255


def test_results_tint_the_exported_diagram(lifecycle, quick_results, qapp):
    plain = render_image(lifecycle, scale=1.0)
    tinted = render_image(lifecycle, scale=1.0, results=quick_results)
    lane = next(b for b in layout_diagram(lifecycle).lanes if b.id == "inside_sales")
    rect = _bounds(layout_diagram(lifecycle))
    # a point in the SDR band away from any node
    x, y = int(lane.rect.x + 200 - rect.x()), int(lane.rect.y + 10 - rect.y())
    assert plain.pixelColor(x, y) != tinted.pixelColor(x, y)
    assert "miss" in svg_texts(render_svg(lifecycle, results=quick_results))


def test_pdf_is_one_landscape_page_that_renders(lifecycle, tmp_path, qapp):
    import pypdfium2

    path = export_diagram(lifecycle, tmp_path / "d.pdf")
    document = pypdfium2.PdfDocument(str(path))
    assert len(document) == 1
    width, height = document[0].get_size()
    assert width > height  # landscape
    image = document[0].render(scale=0.6).to_pil()
    assert len(image.getcolors(maxcolors=1 << 20)) > 20  # drawn: lanes, nodes, text
    text = document[0].get_textpage().get_text_range()
    assert "Inside Sales" in text and "First call" in text  # vector text, not a picture


def test_export_refuses_unknown_formats(lifecycle, tmp_path, qapp):
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        export_diagram(lifecycle, tmp_path / "d.gif")


def test_html_report_is_self_contained(lifecycle, quick_results, qapp):
    html = report_html(lifecycle, [quick_results], diagram_svg=render_svg(
        lifecycle, results=quick_results))
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert html.count("<svg") >= 6  # the diagram and five charts, inline
    assert 'src="http' not in html and "src='http" not in html  # nothing fetched
    assert 'href="http' not in html
    assert quick_results.bottlenecks[0].reason.split(";")[0] in html
    assert f"seed {quick_results.seed}" in html and "2 replications" in html
    assert "Inside Sales (SDR)" in html


def test_comparison_report_and_csv_tables(lifecycle, tmp_path, qapp):
    runs = [simulate(lifecycle, replications=2, horizon="60d", warmup="10d"),
            simulate(lifecycle, scenario="Hire 2 SDRs", replications=2, horizon="60d",
                     warmup="10d")]
    path = write_report(lifecycle, runs, tmp_path / "cmp.html", csv_folder=tmp_path / "csv")
    text = path.read_text()
    assert "Scenarios side by side" in text and "Hire 2 SDRs" in text
    assert "class='better'" in text or "class='worse'" in text or "class='same'" in text
    files = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert "baseline-lanes.csv" in files and "hire-2-sdrs-lanes.csv" in files
    with open(tmp_path / "csv" / "hire-2-sdrs-kpis.csv", newline="") as stream:
        rows = {r["KPI"]: r for r in csv.DictReader(stream)}
    assert float(rows["Leads"]["Mean"]) == pytest.approx(runs[1].leads.mean, rel=1e-5)


def test_pdf_report_has_the_diagram_then_the_findings(lifecycle, quick_results, tmp_path,
                                                      qapp):
    import pypdfium2

    path = write_report(lifecycle, [quick_results], tmp_path / "report.pdf")
    document = pypdfium2.PdfDocument(str(path))
    assert len(document) >= 2
    first = document[0].get_textpage().get_text_range()
    later = " ".join(document[i].get_textpage().get_text_range()
                     for i in range(1, len(document)))
    assert "Lead lifecycle" in first and "Inside Sales" in first
    assert "Bottlenecks" in later and "Key figures" in later


def test_cli_export_works_headless_and_reports_bad_input(tmp_path, reference_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "funnel.svg"
    done = subprocess.run([sys.executable, "-m", "laneforge", "export", str(reference_path),
                           "-o", str(out)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Enrich lead" in svg_texts(out.read_text())
    assert main(["export", str(reference_path), "-o", str(tmp_path / "x.gif")]) == 2
    assert main(["export", str(reference_path), "-o", str(tmp_path / "x.png"),
                 "--with-results", str(tmp_path / "missing.json")]) == 2
    assert not (tmp_path / "x.png").exists()
