"""Canvas cost: build the scene for processes of 30 and 300 nodes and paint it fully offscreen.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_canvas.py

Prints, per size, the time to build the items (layout included) and to render the whole
scene into an image, the best of several rounds, and the ratio of the two sizes against
the ratio of their node counts (cost should grow no worse than linearly). Then the time
to route every connector (``layout_diagram``, which the canvas runs on every change) of
each bundled template and of the two synthetic sizes (target: well under 50 ms at 30 nodes).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from laneforge.app.synthetic import synthetic_process
from laneforge.gui.canvas import DiagramScene
from laneforge.gui.document import Document
from laneforge.io import load_process
from laneforge.model.geometry import layout_diagram
from laneforge.render.theme import register_fonts

ROUNDS = 5
SCALE = 0.5  # the image holds the whole scene at half size


def measure(nodes: int) -> tuple[float, float, int]:
    process = synthetic_process(nodes)
    build, paint = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        scene = DiagramScene(Document(process.detached_copy()))
        build.append(time.perf_counter() - start)
        rect = scene.itemsBoundingRect()
        image = QImage(int(rect.width() * SCALE) + 1, int(rect.height() * SCALE) + 1,
                       QImage.Format.Format_ARGB32_Premultiplied)
        start = time.perf_counter()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scene.render(painter, QRectF(image.rect()), rect)
        painter.end()
        paint.append(time.perf_counter() - start)
        scene.clear()
    return min(build), min(paint), len(process.nodes)


def measure_routing(process) -> float:
    """The best of several rounds of laying out (and so routing) the whole diagram."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        layout_diagram(process)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    app = QApplication.instance() or QApplication([])
    register_fonts()
    small = measure(30)
    large = measure(300)
    for build, paint, n in (small, large):
        print(f"{n:4d} nodes: build {build * 1000:7.1f} ms, paint {paint * 1000:7.1f} ms, "
              f"total {(build + paint) * 1000:7.1f} ms")
    nodes_ratio = large[2] / small[2]
    ratio = (large[0] + large[1]) / (small[0] + small[1])
    print(f"300/30 cost ratio {ratio:.1f} for {nodes_ratio:.0f}x the nodes "
          f"({'no worse than linear' if ratio <= nodes_ratio * 1.1 else 'worse than linear'})")
    templates = Path(__file__).resolve().parent.parent / "processes"
    cases = [(path.name.removesuffix(".lane.json"), load_process(path))
             for path in sorted(templates.glob("*.lane.json"))]
    cases += [(f"synthetic {n}", synthetic_process(n)) for n in (30, 300)]
    for name, process in cases:
        print(f"routing {name:<22} {len(process.nodes):4d} nodes {len(process.edges):4d} "
              f"edges: {measure_routing(process) * 1000:7.1f} ms")
    del app


if __name__ == "__main__":
    main()
