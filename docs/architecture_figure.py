"""Draw docs/images/architecture.png: laneforge's packages as layers, with the imports
between them read from the code (grimp, the graph import-linter checks).

    .venv/bin/python docs/architecture_figure.py
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import grimp
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

import laneforge.render.charts  # noqa: F401  (the charts' typeface, Inter)

LAYERS = [
    [("cli", "command line: options, printing, exit codes")],
    [("gui", "Qt app: windows, docks, canvas, the undo stack")],
    [("app", "use cases: session, calibration, reports, layout")],
    [("render", "drawing, SVG/PNG/PDF/PPTX"), ("io", "files, BPMN, CRM exports"),
     ("sim", "engine, statistics")],
    [("model", "the process: pydantic + networkx, validation")],
]
COLOURS = ["#4C78A8", "#F58518", "#54A24B", "#B279A2", "#72B7B2"]


def package_imports() -> Counter[tuple[str, str]]:
    graph = grimp.build_graph("laneforge")
    counts: Counter[tuple[str, str]] = Counter()
    for module in graph.modules:
        source = _top(module)
        for imported in graph.find_modules_directly_imported_by(module):
            target = _top(imported)
            if source and target and source != target:
                counts[(source, target)] += 1
    return counts


def _top(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "laneforge":
        return None
    return parts[1]


def main() -> Path:
    counts = package_imports()
    figure = Figure(figsize=(9.5, 6.2), dpi=130, facecolor="white")
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 10)
    axes.set_ylim(-0.45, len(LAYERS) * 1.2 + 0.4)
    axes.axis("off")
    centres: dict[str, tuple[float, float, float, int]] = {}
    for row, (packages, colour) in enumerate(zip(LAYERS, COLOURS, strict=True)):
        y = (len(LAYERS) - 1 - row) * 1.2 + 0.4
        width = 8.6 / len(packages)
        for i, (package, words) in enumerate(packages):
            x = 0.7 + i * width
            axes.add_patch(FancyBboxPatch((x, y), width - 0.25, 0.78,
                                          boxstyle="round,pad=0.02,rounding_size=0.12",
                                          facecolor=colour, edgecolor="none", alpha=0.9))
            axes.text(x + 0.18, y + 0.52, package, color="white", fontsize=13,
                      fontweight="bold", va="center")
            axes.text(x + 0.18, y + 0.2, words, color="white", fontsize=8, va="center")
            centres[package] = (x, width - 0.25, y, row)
    skipped = []
    for (source, target), n in sorted(counts.items()):
        if source not in centres or target not in centres:
            continue
        xs, ws, ys, rs = centres[source]
        xt, wt, yt, rt = centres[target]
        if rt != rs + 1:
            if rt > rs:
                skipped.append(f"{source} → {target} ({n})")
            continue  # upward imports: the contracts forbid them
        start = (min(max(xt + wt / 2, xs + 0.3), xs + ws - 0.3), ys)
        end = (min(max(xs + ws / 2, xt + 0.3), xt + wt - 0.3), yt + 0.78)
        axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                       color="#1F2933", alpha=0.45,
                                       linewidth=0.6 + min(n, 60) / 25))
        axes.text((start[0] + end[0]) / 2 + 0.08, (start[1] + end[1]) / 2, str(n),
                  fontsize=7.5, color="#5F6B7A", va="center")
    axes.text(0.7, -0.1, "Arrows: imports to the layer below (number of module imports). "
              "Also, past a layer: " + ", ".join(skipped), fontsize=7.5, color="#5F6B7A",
              wrap=True)
    target = Path(__file__).parent / "images" / "architecture.png"
    figure.savefig(target)
    return target


if __name__ == "__main__":
    print(main())
