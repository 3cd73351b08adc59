"""PowerPoint export: one native shape per lane and node, a connector per edge, results slides."""

from __future__ import annotations

import itertools
import os
import stat
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE, MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from laneforge import load_process, simulate
from laneforge.model import describe_hours, format_value
from laneforge.model.currency import format_money
from laneforge.model.geometry import layout_diagram, node_subtitle
from laneforge.render.pptx_export import SLIDE_HEIGHT, SLIDE_WIDTH, export_pptx

from conftest import template_paths

TEMPLATES = template_paths()
IDS = [p.name.removesuffix(".lane.json") for p in TEMPLATES]
KINDS = {"task": MSO_SHAPE.ROUNDED_RECTANGLE, "decision": MSO_SHAPE.DIAMOND,
         "source": MSO_SHAPE.OVAL, "end": MSO_SHAPE.OVAL, "delay": MSO_SHAPE.OVAL,
         "cadence": MSO_SHAPE.ROUNDED_RECTANGLE}
SITES_FOUR = {0: "top", 1: "left", 2: "bottom", 3: "right"}
SITES_ELLIPSE = {0: "top", 2: "left", 4: "bottom", 6: "right"}
NEAR = 2_000  # EMU (0.002 in): rounding of scene pixels to EMU


@pytest.fixture(scope="module")
def results_cache() -> dict[str, object]:
    return {}


def _results(path: Path, cache: dict[str, object]):
    if path.name not in cache:
        cache[path.name] = simulate(load_process(path), replications=2, horizon="60d",
                                    warmup="10d")
    return cache[path.name]


def _shapes(slide) -> dict[str, object]:
    return {shape.name: shape for shape in slide.shapes}


def _paragraphs(shape) -> list[str]:
    return [p.text for p in shape.text_frame.paragraphs]


def _site_point(shape, side: str) -> tuple[int, int]:
    x, y, w, h = shape.left, shape.top, shape.width, shape.height
    return {"top": (x + w // 2, y), "bottom": (x + w // 2, y + h), "left": (x, y + h // 2),
            "right": (x + w, y + h // 2)}[side]


def _on_outline(shape, point: tuple[int, int]) -> bool:
    """On the bounding box's border (routes start and end at side midpoints)."""
    x, y = point
    left, top = shape.left, shape.top
    right, bottom = left + shape.width, top + shape.height
    inside = left - NEAR <= x <= right + NEAR and top - NEAR <= y <= bottom + NEAR
    border = min(abs(x - left), abs(x - right), abs(y - top), abs(y - bottom)) <= NEAR
    return inside and border


def _close(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return abs(a[0] - b[0]) <= NEAR and abs(a[1] - b[1]) <= NEAR


def _diagram_slides(deck) -> list:
    """The slides after the title slide that carry lanes."""
    return [slide for slide in list(deck.slides)[1:]
            if any(s.name.startswith("Lane header ") for s in slide.shapes)]


def _inside(shape) -> None:
    assert shape.left >= 0 and shape.left + shape.width <= SLIDE_WIDTH, shape.name
    assert shape.top >= 0 and shape.top + shape.height <= SLIDE_HEIGHT, shape.name
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for child in shape.shapes:
            _inside(child)


@pytest.mark.parametrize("path", TEMPLATES, ids=IDS)
def test_diagram_slides_have_a_native_shape_per_lane_node_and_edge(path, tmp_path):
    process = load_process(path)
    out = export_pptx(process, tmp_path / "deck.pptx")
    assert out == tmp_path / "deck.pptx"
    assert [p.name for p in tmp_path.iterdir()] == ["deck.pptx"]  # no temporary file left

    deck = Presentation(str(out))
    assert (deck.slide_width, deck.slide_height) == (SLIDE_WIDTH, SLIDE_HEIGHT)
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, rel=1e-3)
    assert deck.slide_width.inches == pytest.approx(13.333, abs=1e-3)
    slides = _diagram_slides(deck)
    assert len(deck.slides) == 1 + len(slides)
    assert slides  # the compact layout fits most templates on one slide at 9 pt or more
    diagram = layout_diagram(process)
    seen_nodes: dict[str, int] = {}
    for number, slide in enumerate(slides, start=2):
        assert slide.shapes.title.text.startswith(process.name)
        if len(slides) > 1:
            assert slide.shapes.title.text.endswith(f"({number - 1}/{len(slides)})")
        shapes = _shapes(slide)
        # every lane, with its header, on every slide
        for lane in process.lanes:
            assert shapes[f"Lane {lane.id}"].auto_shape_type == MSO_SHAPE.RECTANGLE
            header = _paragraphs(shapes[f"Lane header {lane.id}"])
            assert header[0] == lane.label
            assert ("staff" in header[1] or header[1].startswith(("1 person", "no staff limit")))
            if lane.calendar:
                assert lane.calendar in header[1]
        for node in process.nodes:
            if f"Node {node.id}" not in shapes:
                continue
            seen_nodes[node.id] = number
            shape = shapes[f"Node {node.id}"]
            assert shape.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE
            assert shape.auto_shape_type == KINDS[node.kind]
            boxed = node.kind in ("task", "cadence")  # the name inside, not beside
            text = _paragraphs(shape) if boxed else _paragraphs(shapes[f"Label {node.id}"])
            assert text[0] == node.label
            subtitle = node_subtitle(node)
            if subtitle and node.kind not in ("decision", "task", "cadence"):
                assert text[1] == subtitle
            if boxed and len(text) > 1:  # a cadence's line also has its loop glyph
                assert text[1] == subtitle if node.kind == "task" else subtitle in text[1]
        # edges are drawn above the lanes and below the nodes, as on the canvas
        names = [s.name for s in slide.shapes]
        edges_at = [i for i, n in enumerate(names) if n.startswith("Edge ")]
        nodes_at = [i for i, n in enumerate(names) if n.startswith("Node ")]
        lanes_at = [i for i, n in enumerate(names) if n.startswith("Lane ")]
        if edges_at:
            assert max(lanes_at) < min(edges_at) and max(edges_at) < min(nodes_at)
        for shape in slide.shapes:
            _inside(shape)
    assert set(seen_nodes) == {n.id for n in process.nodes}  # each node on one slide

    for (a, b), route in diagram.edges.items():
        where = {seen_nodes[a], seen_nodes[b]}
        for number in where:
            shapes = _shapes(deck.slides[number - 1])
            item = shapes[f"Edge {a} → {b}"]
            if len(where) == 1:
                _check_glued(item, shapes[f"Node {a}"], shapes[f"Node {b}"], route)
                if route.label:
                    label = shapes[f"Edge label {a} → {b}"].text_frame.text.replace("\n", " ")
                    assert label in (route.label, route.label.rsplit(" · ", 1)[-1])
                continue
            # an edge to another slide ends in a marker naming the node there
            assert item.shape_type == MSO_SHAPE_TYPE.GROUP
            here_source = seen_nodes[a] == number
            other = process.node(b if here_source else a)
            other_number = seen_nodes[b if here_source else a]
            expected = ("next slide" if other_number == number + 1 else "previous slide"
                        if other_number == number - 1 else f"slide {other_number}")
            direction = "" if here_source else "from "
            marker = f"{direction}{other.label} ({expected})"
            texts = [s.text_frame.text.replace("\n", " ") for s in slide_shapes(deck, number)
                     if s.name.startswith("Off-page ")]
            assert any(marker in text and text[:1] in "→←" for text in texts), (marker, texts)
            segments = list(item.shapes)
            node = shapes[f"Node {a if here_source else b}"]
            end = ((segments[0].begin_x, segments[0].begin_y) if here_source
                   else (segments[-1].end_x, segments[-1].end_y))
            assert _on_outline(node, end), (a, b)


def slide_shapes(deck, number: int) -> list:
    return list(deck.slides[number - 1].shapes)


def _check_glued(item, source, target, route) -> None:
    if item.shape_type == MSO_SHAPE_TYPE.GROUP:
        segments = list(item.shapes)
        assert len(segments) == len(route.points) - 1
        for first, second in itertools.pairwise(segments):
            assert _close((first.end_x, first.end_y), (second.begin_x, second.begin_y))
    else:
        segments = [item]
        props = item._element.nvCxnSpPr.cNvCxnSpPr
        for tag, shape, point in (("a:stCxn", source, (item.begin_x, item.begin_y)),
                                  ("a:endCxn", target, (item.end_x, item.end_y))):
            glued = props.find(qn(tag))
            assert glued is not None, (route.key, tag)
            assert int(glued.get("id")) == shape.shape_id
            sites = SITES_FOUR if shape.auto_shape_type != MSO_SHAPE.OVAL else SITES_ELLIPSE
            assert _close(point, _site_point(shape, sites[int(glued.get("idx"))]))
    assert all(s.shape_type == MSO_SHAPE_TYPE.LINE for s in segments)
    assert _on_outline(source, (segments[0].begin_x, segments[0].begin_y)), route.key
    assert _on_outline(target, (segments[-1].end_x, segments[-1].end_y)), route.key
    tails = [s._element.spPr.find(qn("a:ln")).find(qn("a:tailEnd")) for s in segments]
    assert tails[-1] is not None and tails[-1].get("type") == "triangle"
    assert all(t is None for t in tails[:-1])


@pytest.mark.parametrize("path", TEMPLATES, ids=IDS)
def test_results_add_key_figures_bottlenecks_and_charts(path, tmp_path, results_cache):
    process = load_process(path)
    results = _results(path, results_cache)
    deck = Presentation(str(export_pptx(process, tmp_path / "run.pptx", results=results,
                                        title="Quarterly review")))
    assert [p.name for p in tmp_path.iterdir()] == ["run.pptx"]
    slides = _diagram_slides(deck)
    assert len(deck.slides) == 1 + len(slides) + 2
    opening, figures, charts = deck.slides[0], deck.slides[-2], deck.slides[-1]
    assert opening.shapes.title.text == "Quarterly review"
    for first in slides:
        assert first.shapes.title.text.startswith("Quarterly review")
        assert "tinted" in _shapes(first)["Caption"].text_frame.text
        for lane_id, lane in results.lanes.items():
            header = _paragraphs(_shapes(first)[f"Lane header {lane_id}"])
            if lane.utilization is not None:
                assert header[-1] == f"load {lane.utilization.mean * 100:.0f} %"

    assert figures.shapes.title.text == "Key figures and bottlenecks"
    table = next(s for s in figures.shapes if s.has_table).table
    rows = {table.cell(i, 0).text: (table.cell(i, 1).text, table.cell(i, 2).text)
            for i in range(1, len(table.rows))}
    assert table.cell(0, 2).text == "95 % interval"
    low, high = results.leads.ci95
    assert rows["Leads"] == (f"{results.leads.mean:,.0f}", f"{low:,.0f} – {high:,.0f}")
    assert rows["Won deals"][0] == format_value(results.won.mean, "count")
    assert rows["Lead → won"][0] == f"{results.lead_to_won.mean * 100:.1f} %"
    assert rows["Cycle time p50"][0] == describe_hours(results.cycle_time_hours.p50.mean)
    assert rows["Cycle time p90"][0] == describe_hours(results.cycle_time_hours.p90.mean)
    if results.sla_attainment() is not None:
        assert rows["SLA attainment"][0] == f"{results.sla_attainment() * 100:.1f} %"
    # money with the run's currency, as the app and the reports show it
    assert rows["Cost per won deal"][0] == format_money(results.cost_per_won.mean,
                                                        results.currency)
    assert f"{results.cost_per_won.mean:,.0f}" in rows["Cost per won deal"][0]
    for lane_id, lane in results.lanes.items():
        key = f"Utilization · {results.label('lanes', lane_id)}"
        if lane.utilization is None:
            assert key not in rows
        else:
            assert rows[key][0] == f"{lane.utilization.mean * 100:.1f} %"
            assert " – " in rows[key][1]
    bottlenecks = _shapes(figures)["Bottlenecks"].text_frame
    text = bottlenecks.text
    assert all(b.reason in text for b in results.bottlenecks)
    if not results.bottlenecks:
        assert "No bottleneck" in text
    bullets = [p for p in bottlenecks.paragraphs[1:] if p._p.find(f"{qn('a:pPr')}/{qn('a:buChar')}")
               is not None]
    assert len(bullets) >= max(1, len(results.bottlenecks))

    assert charts.shapes.title.text == "Charts"
    pictures = [s for s in charts.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert 2 <= len(pictures) <= 4
    for picture in pictures:
        assert picture.image.content_type == "image/png"
        assert picture.left >= 0 and picture.left + picture.width <= SLIDE_WIDTH
        assert picture.top >= 0 and picture.top + picture.height <= SLIDE_HEIGHT
        assert picture.width / picture.height == pytest.approx(6.4 / 3.4, rel=0.01)


def test_text_uses_one_portable_font(tmp_path, results_cache):
    path = TEMPLATES[0]
    deck = Presentation(str(export_pptx(load_process(path), tmp_path / "a.pptx",
                                        results=_results(path, results_cache))))
    fonts = set()
    for slide in deck.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames = [cell.text_frame for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                fonts |= {run.font.name for p in frame.paragraphs for run in p.runs}
    assert fonts == {"Arial"}
    deck = Presentation(str(export_pptx(load_process(path), tmp_path / "b.pptx", font="Inter")))
    for slide in deck.slides:
        title = slide.shapes.title.text_frame.paragraphs[0].runs[0]
        assert title.font.name == "Inter"


def test_without_tint_the_diagram_is_plain(tmp_path, results_cache):
    path = TEMPLATES[0]
    deck = Presentation(str(export_pptx(load_process(path), tmp_path / "a.pptx",
                                        results=_results(path, results_cache), tint=False)))
    slides = _diagram_slides(deck)
    assert len(deck.slides) == 1 + len(slides) + 2
    for slide in slides:
        first = _shapes(slide)
        assert "Caption" not in first
        assert all(not p.startswith("load")
                   for name, shape in first.items() if name.startswith("Lane header ")
                   for p in _paragraphs(shape))


def test_replacing_a_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "deck.pptx"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    export_pptx(load_process(TEMPLATES[0]), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["deck.pptx"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "deck.pptx"
    target.write_bytes(b"old")

    def refuse(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("laneforge.render.pptx_export.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        export_pptx(load_process(TEMPLATES[0]), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["deck.pptx"]


def test_colours_and_bands_match_the_canvas():
    from laneforge.render import painter, tint
    from laneforge.render.pptx_shapes import LOAD_BANDS, OUTCOME_COLORS, PALETTE, WAIT_BANDS
    from laneforge.render.theme import LIGHT

    assert {name: getattr(LIGHT, name) for name in PALETTE} == PALETTE
    assert OUTCOME_COLORS == painter.OUTCOME_COLORS
    assert [band[:3] for band in tint.LOAD_BANDS] == list(LOAD_BANDS)
    assert [band[:3] for band in tint.WAIT_BANDS] == list(WAIT_BANDS)


def _two_tasks(gap: float):
    """A source and two tasks, the second a step down and ``gap`` pixels to the right; a
    canvas 1500 px wide, on one slide at under three quarters of its size."""
    from laneforge.model import Process

    return Process.model_validate({
        "name": "Steps", "lanes": [{"id": "a", "staff": 1}, {"id": "b", "staff": 1}],
        "nodes": [
            {"id": "s", "kind": "source", "lane": "a", "name": "In", "arrivals": {"rate": "1/h"},
             "pos": [40, 60]},
            {"id": "t1", "kind": "task", "lane": "a", "name": "One", "pos": [200, 60],
             "duration": "1h"},
            {"id": "t2", "kind": "task", "lane": "b", "name": "Two", "pos": [336 + gap, 60],
             "duration": "1h"},
            {"id": "far", "kind": "end", "lane": "b", "name": "Done", "outcome": "won",
             "pos": [1400, 60]},
        ],
        "edges": [{"from": "s", "to": "t1"}, {"from": "t1", "to": "t2"},
                  {"from": "t2", "to": "far"}],
    })


@pytest.mark.parametrize(("gap", "elbow"), [(10.0, False), (120.0, True)])
def test_a_forward_step_is_a_glued_elbow_unless_the_nodes_are_close(gap, elbow, tmp_path):
    """LibreOffice detours a glued elbow between sides closer than about 0.1 in."""
    deck = Presentation(str(export_pptx(_two_tasks(gap), tmp_path / "steps.pptx")))
    assert len(_diagram_slides(deck)) == 1
    step = _shapes(deck.slides[1])["Edge t1 → t2"]
    if elbow:
        assert step.shape_type == MSO_SHAPE_TYPE.LINE
        assert step._element.spPr.find(qn("a:prstGeom")).get("prst") == "bentConnector3"
        assert step._element.nvCxnSpPr.cNvCxnSpPr.find(qn("a:stCxn")) is not None
    else:
        assert step.shape_type == MSO_SHAPE_TYPE.GROUP
        assert len(step.shapes) >= 2  # the route turns (a jog or an elbow into the top)


def test_export_needs_no_qt(tmp_path):
    """The .pptx (charts included) is made with PySide6 blocked, e.g. on a server."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import sys

        class BlockQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6"):
                    raise ImportError(name + " is blocked in this test")

        sys.meta_path.insert(0, BlockQt())
        import laneforge
        from laneforge.render.pptx_export import export_pptx

        process = laneforge.load_process({str(TEMPLATES[0])!r})
        results = laneforge.simulate(process, replications=2, horizon="20d", warmup="2d")
        export_pptx(process, {str(tmp_path / "deck.pptx")!r}, results=results)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    deck = Presentation(str(tmp_path / "deck.pptx"))
    assert len(deck.slides) == 1 + len(_diagram_slides(deck)) + 2
