"""PDF pages that look like the PNG: text at the canvas's proportions, the drawing fitted and
centred, paper and orientation to choose; SVG groups per lane, node and edge for editors."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import numpy as np
import pypdfium2
import pytest
from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

import laneforge.render.pdf_page as pdf_page
from laneforge.cli import main
from laneforge.io import load_process
from laneforge.model import Process
from laneforge.model.geometry import layout_diagram
from laneforge.render.export import _bounds, export_diagram, render_image, render_svg
from laneforge.render.paper import PageError, PageSetup, page_name

from conftest import template_paths

TEMPLATES = template_paths()
IDS = [p.name.removesuffix(".lane.json") for p in TEMPLATES]
SVG = "{http://www.w3.org/2000/svg}"
POINTS = {"A4": (841.9, 595.3), "A3": (1190.6, 841.9), "Letter": (792, 612),
          "Legal": (1008, 612), "Tabloid": (1224, 792)}  # landscape, in points


def _pil(image: QImage) -> Image.Image:
    data = QByteArray()
    device = QBuffer(data)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(device, "PNG")
    device.close()
    return Image.open(io.BytesIO(bytes(data.data())))


def _grey(image: Image.Image, width: int, height: int) -> np.ndarray:
    return np.asarray(image.convert("L").resize((width, height), Image.Resampling.BOX),
                      dtype=float)


def similarity(a: Image.Image, b: Image.Image, width: int = 480) -> tuple[float, float]:
    """(mean absolute difference where either image has ink, correlation) of the two images
    downsampled to the same small greyscale size."""
    height = round(width * a.height / a.width)
    x, y = _grey(a, width, height), _grey(b, width, height)
    ink = (x < 170) | (y < 170)
    return float(np.abs(x - y)[ink].mean()), float(np.corrcoef(x.ravel(), y.ravel())[0, 1])


def _drawing_on_page(process: Process, path, scale: float = 2.0,
                     setup: PageSetup | None = None) -> tuple[Image.Image, tuple]:
    """The PDF's page rendered, cropped to where the diagram should be: inside the
    margins, scaled to fit and centred. Returns the crop and the mapping scene -> pixels."""
    document = pypdfium2.PdfDocument(str(path))
    image = document[0].render(scale=scale).to_pil()
    rect = _bounds(layout_diagram(process))
    layout = pdf_page.page_layout(setup or PageSetup(), rect.size())
    paint = layout.paintRectPixels(96)
    factor, dx, dy = pdf_page.fitted(rect, QRectF(0, 0, paint.width(), paint.height()))
    k = 72 / 96 * scale  # 96 dpi units to rendered pixels
    left, top = (paint.x() + dx) * k, (paint.y() + dy) * k
    box = (left, top, left + rect.width() * factor * k, top + rect.height() * factor * k)
    mapping = (rect.x(), rect.y(), left, top, factor * k)
    return image.crop(tuple(round(v) for v in box)), mapping


@pytest.mark.parametrize("path", TEMPLATES, ids=IDS)
def test_pdf_looks_like_the_png(path, tmp_path, qapp):
    process = load_process(path)
    pdf = export_diagram(process, tmp_path / "d.pdf")
    # rendered near the PNG's own resolution: at half of it the PDF's hairlines (a line
    # never thinner than a pixel) darken a dense diagram's many edges, not a fault of it
    drawn, _ = _drawing_on_page(process, pdf, scale=4.0)
    png = _pil(render_image(process, scale=1.0))
    difference, correlation = similarity(drawn, png)
    assert difference < 25 and correlation > 0.9, (difference, correlation)


def test_the_similarity_check_catches_text_sized_against_the_wrong_resolution(
        tmp_path, qapp, monkeypatch):
    """The PDF as it was: a 300 dpi writer, so point sizes came out 300/96 too large."""
    process = load_process(TEMPLATES[1])
    monkeypatch.setattr(pdf_page, "SCENE_DPI", 300)
    pdf = export_diagram(process, tmp_path / "old.pdf")
    monkeypatch.undo()
    drawn, _ = _drawing_on_page(process, pdf)
    difference, correlation = similarity(drawn, _pil(render_image(process, scale=1.0)))
    assert difference > 40 and correlation < 0.8, (difference, correlation)


def _char_boxes(path, text: str):
    """Where ``text`` is on the first page (PDF points, origin bottom left), every time."""
    document = pypdfium2.PdfDocument(str(path))
    page = document[0]
    textpage = page.get_textpage()
    searcher = textpage.search(text, match_case=True)
    found = []
    while (hit := searcher.get_next()) is not None:
        index, count = hit
        boxes = [textpage.get_charbox(i) for i in range(index, index + count)]
        found.append((min(b[0] for b in boxes), min(b[1] for b in boxes),
                      max(b[2] for b in boxes), max(b[3] for b in boxes)))
    return found, page.get_size()


def test_pdf_text_is_searchable_and_inside_its_shapes(tmp_path, qapp):
    process = load_process(TEMPLATES[1])
    pdf = export_diagram(process, tmp_path / "d.pdf")
    _, (x0, y0, left, top, k) = _drawing_on_page(process, pdf, scale=1.0)
    diagram = layout_diagram(process)
    tasks = [n for n in process.nodes if n.kind == "task"]
    assert len(tasks) >= 3
    for node in tasks:
        word = max(node.label.split(), key=len)  # one word: a name may wrap onto two lines
        found, (_, page_height) = _char_boxes(pdf, word)
        assert found, node.label
        box = diagram.nodes[node.id].shape
        # the node's box on the page, in points from the bottom left
        bx0, bx1 = left + (box.left - x0) * k, left + (box.right - x0) * k
        by1, by0 = page_height - (top + (box.top - y0) * k), page_height - (
            top + (box.bottom - y0) * k)
        assert any(bx0 <= a and c <= bx1 and by0 <= b and d <= by1
                   for a, b, c, d in found), (node.label, found, (bx0, by0, bx1, by1))
        # and at the canvas's proportion: the word's width against the box's
        a, _, c, _ = next(f for f in found if bx0 <= f[0] and f[2] <= bx1)
        assert 0.1 < (c - a) / (bx1 - bx0) < 0.85, node.label


@pytest.mark.parametrize("size", list(POINTS))
def test_page_sizes_and_orientations(size, tmp_path, qapp):
    process = load_process(TEMPLATES[0])
    for orientation, expected in (("landscape", POINTS[size]),
                                  ("portrait", POINTS[size][::-1]),
                                  ("auto", POINTS[size])):  # a wide diagram: landscape
        path = export_diagram(process, tmp_path / f"{size}-{orientation}.pdf",
                              page=PageSetup(size, orientation))
        width, height = pypdfium2.PdfDocument(str(path))[0].get_size()
        assert (width, height) == pytest.approx(expected, abs=1.0), (size, orientation)


def _tall_process() -> Process:
    lanes = [{"id": f"l{i}", "name": f"Team {i}", "staff": 1} for i in range(8)]
    nodes = [{"id": f"t{i}", "kind": "task", "lane": f"l{i}", "name": f"Step {i}",
              "duration": "1h", "pos": [120, 80]} for i in range(8)]
    nodes.insert(0, {"id": "s", "kind": "source", "lane": "l0", "name": "In",
                     "arrivals": {"rate": "1/h"}, "pos": [20, 30]})
    edges = [{"from": "s", "to": "t0"}] + [{"from": f"t{i}", "to": f"t{i + 1}"}
                                           for i in range(7)]
    return Process.model_validate({"name": "Tall", "lanes": lanes, "nodes": nodes,
                                   "edges": edges})


def test_auto_orientation_takes_the_larger_drawing_and_centres_it(tmp_path, qapp):
    process = _tall_process()
    rect = _bounds(layout_diagram(process))
    assert rect.height() > rect.width() * 0.9  # taller than a landscape page's shape
    path = export_diagram(process, tmp_path / "tall.pdf", page=PageSetup("A4", "auto"))
    width, height = pypdfium2.PdfDocument(str(path))[0].get_size()
    assert height > width  # portrait shows it larger
    document = pypdfium2.PdfDocument(str(path))
    pixels = np.asarray(document[0].render(scale=0.5).to_pil().convert("L"), dtype=float)
    drawn = np.argwhere(pixels < 250)  # anything but the white paper
    (top, left), (bottom, right) = drawn.min(axis=0), drawn.max(axis=0)
    h, w = pixels.shape
    assert abs(left - (w - 1 - right)) <= 3 and abs(top - (h - 1 - bottom)) <= 3  # centred


def test_page_names():
    assert page_name("a4") == "A4" and page_name("11x17") == "Tabloid"
    assert page_name("LETTER") == "Letter"
    with pytest.raises(PageError, match="A4, A3, Letter, Legal, Tabloid, 11x17"):
        page_name("A5")
    with pytest.raises(PageError, match="landscape, portrait or auto"):
        PageSetup("A4", "sideways")


def test_cli_page_options(tmp_path, capsys, qapp):
    source = str(TEMPLATES[0])
    out = tmp_path / "t.pdf"
    assert main(["export", source, "-o", str(out), "--page", "11x17", "--orientation",
                 "portrait"]) == 0
    width, height = pypdfium2.PdfDocument(str(out))[0].get_size()
    assert (width, height) == pytest.approx((792, 1224), abs=1.0)
    capsys.readouterr()
    bad = tmp_path / "bad.pdf"
    assert main(["export", source, "-o", str(bad), "--page", "A5"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "A5" in error and "Tabloid" in error
    assert main(["export", source, "-o", str(bad), "--orientation", "up"]) == 2
    assert "landscape, portrait or auto" in capsys.readouterr().err
    assert not bad.exists()


# --- SVG -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", TEMPLATES, ids=IDS)
def test_svg_groups_every_lane_phase_node_and_edge(path, qapp):
    process = load_process(path)
    root = ElementTree.fromstring(render_svg(process).encode())
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    for lane in process.lanes:
        group = groups[f"lane-{lane.id}"]
        assert group.get("class") == "lane"
        assert lane.label in " ".join(group.itertext())
    for node in process.nodes:
        group = groups[f"node-{node.id}"]
        assert group.get("class").split() == ["node", node.kind, f"lane-{node.lane}"]
        texts = " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))
        assert node.label.split()[0] in texts  # text as text, in its node's group
        assert group.find(f"{SVG}title").text == node.label
    diagram = layout_diagram(process)
    edges = [g for g in groups.values() if g.get("class") == "edge"]
    assert len(edges) == len(diagram.edges)
    for (a, b), route in diagram.edges.items():
        group = groups[f"edge-{a}-to-{b}"]
        assert (group.get("data-from"), group.get("data-to")) == (a, b)
        assert list(group.iter(f"{SVG}path")) or list(group.iter(f"{SVG}polyline"))
        if route.label:
            assert route.label.split()[0] in " ".join(group.itertext())
    assert process.phases  # every template has phase columns
    for phase in process.phases:
        group = groups[f"phase-{phase.id}"]
        assert group.get("class") == "phase"
        assert phase.label in " ".join(group.itertext())
    # lanes under phases under edges under nodes, as painted
    layers = ["lane", "phase", "edge", "node"]
    order = [g.get("class").split()[0] for g in root.iter(f"{SVG}g")
             if (g.get("class") or "").split()[:1] and g.get("class").split()[0] in layers]
    assert order == sorted(order, key=layers.index)


def test_svg_looks_like_the_png(qapp):
    process = load_process(TEMPLATES[1])
    svg = render_svg(process).encode()
    renderer = QSvgRenderer(QByteArray(svg))
    assert renderer.isValid()
    png = render_image(process, scale=1.0)
    image = QImage(png.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    difference, correlation = similarity(_pil(image), _pil(png))
    assert difference < 25 and correlation > 0.9, (difference, correlation)
