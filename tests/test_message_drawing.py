"""Message flows (hand-offs between pools) drawn as BPMN draws them, in SVG and PowerPoint:
dashed, an open circle where the message leaves, an open arrowhead where it arrives."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from laneforge.io.bpmn import import_bpmn
from laneforge.render.export import render_svg
from laneforge.render.pptx_export import export_pptx

from conftest import DATA

JOURNEY = DATA / "bpmn" / "bpmnio-consumer-journey.bpmn"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def journey():
    process, _ = import_bpmn(JOURNEY)
    messages = {edge.key for edge in process.edges if edge.message}
    assert len(messages) == 3 and len(process.edges) > len(messages)
    return process, messages


def _styles(group: ElementTree.Element, tag: str) -> list[dict[str, str]]:
    """The paint (the attributes of the painter state's wrapper group) of each ``tag``
    element of an edge's group: QSvgGenerator puts stroke and fill on the wrapper."""
    return [dict(wrapper.attrib) for wrapper in group.findall(f"{SVG}g")
            for _ in wrapper.findall(f"{SVG}{tag}")]


def test_svg_dashes_exactly_the_message_edges(journey, qapp):
    process, messages = journey
    root = ElementTree.fromstring(render_svg(process).encode())
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    for edge in process.edges:
        group = groups[f"edge-{edge.source}-to-{edge.target}"]
        lines = [style for style in _styles(group, "path")
                 if style.get("fill") == "none" and style.get("stroke") != "none"]
        heads = _styles(group, "polygon")
        assert len(lines) == 1 and len(heads) == 1, edge.key
        if edge.key in messages:
            assert group.get("class") == "edge message"
            assert lines[0].get("stroke-dasharray") not in (None, "none"), edge.key
            # an open circle at the start and an open arrowhead: outlined, filled white
            (circle,) = _styles(group, "circle")
            assert circle["fill"] == "#ffffff" and circle["stroke"] == lines[0]["stroke"]
            assert heads[0]["fill"] == "#ffffff" and heads[0]["stroke"] == lines[0]["stroke"]
        else:
            assert group.get("class") == "edge"
            assert "stroke-dasharray" not in lines[0], edge.key
            assert not _styles(group, "circle")
            assert heads[0]["fill"] == lines[0]["stroke"] and heads[0]["stroke"] == "none"


def _lines(shape) -> list:
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        return [s for s in shape.shapes if s.shape_type == MSO_SHAPE_TYPE.LINE]
    return [shape] if shape.shape_type == MSO_SHAPE_TYPE.LINE else []


def test_pptx_connectors_of_message_edges_are_dashed_with_circle_and_open_arrow(
        journey, tmp_path):
    process, messages = journey
    deck = Presentation(str(export_pptx(process, tmp_path / "journey.pptx")))
    seen: set[tuple[str, str]] = set()
    for slide in list(deck.slides)[1:]:
        shapes = {shape.name: shape for shape in slide.shapes}
        for edge in process.edges:
            shape = shapes.get(f"Edge {edge.source} → {edge.target}")
            if shape is None:
                continue
            seen.add(edge.key)
            lines = _lines(shape)
            assert lines, edge.key
            lns = [line._element.spPr.find(qn("a:ln")) for line in lines]
            dashes = [ln.find(qn("a:prstDash")) for ln in lns]
            heads = [ln.find(qn("a:headEnd")) for ln in lns]
            tails = [ln.find(qn("a:tailEnd")) for ln in lns]
            if edge.key in messages:
                assert all(d is not None and d.get("val") == "dash" for d in dashes), edge.key
                assert heads[0] is not None and heads[0].get("type") == "oval"
                assert all(h is None for h in heads[1:])
                assert tails[-1] is not None and tails[-1].get("type") == "arrow"
                # schema order inside a:ln: prstDash, then headEnd, then tailEnd
                order = [child.tag for child in lns[0]]
                assert order.index(qn("a:prstDash")) < order.index(qn("a:headEnd"))
                if len(lns) == 1:
                    assert order.index(qn("a:headEnd")) < order.index(qn("a:tailEnd"))
                for line in lines:
                    assert line.line.dash_style is not None
            else:
                assert all(d is None for d in dashes) and all(h is None for h in heads)
                assert all(line.line.dash_style is None for line in lines)
                assert tails[-1] is not None and tails[-1].get("type") == "triangle"
    assert seen == {edge.key for edge in process.edges}
