"""BPMN collaborations drawn as BPMN draws them, in SVG/PNG and PowerPoint: message flows
(hand-offs between pools) dashed, with an open circle where the message leaves and an open
arrowhead where it arrives; each pool a band with its name left of its lanes' headers."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from laneforge.io import load_process
from laneforge.io.bpmn import import_bpmn
from laneforge.model.geometry import HEADER_WIDTH, POOL_WIDTH, layout_diagram
from laneforge.render.export import render_image, render_svg
from laneforge.render.pptx_export import export_pptx

from conftest import DATA, template_paths

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


# --- pools ---------------------------------------------------------------------------------


def test_pools_are_runs_of_neighbouring_lanes_and_only_drawn_when_there_are_several(journey):
    process, _ = journey
    diagram = layout_diagram(process)
    assert [(pool.name, pool.lanes) for pool in diagram.pools] == [
        ("Consumer", ["consumer"]), ("Company", ["Lane_Marketing", "Lane_InsideSales"])]
    lanes = {box.id: box for box in diagram.lanes}
    for pool in diagram.pools:
        first, last = lanes[pool.lanes[0]], lanes[pool.lanes[-1]]
        assert pool.header.x == pytest.approx(-HEADER_WIDTH - POOL_WIDTH)
        assert pool.header.w == POOL_WIDTH and pool.header.right == pytest.approx(-HEADER_WIDTH)
        assert (pool.rect.top, pool.rect.bottom) == (first.rect.top, last.rect.bottom)
        assert pool.rect.right == pytest.approx(first.rect.right)
        assert all(lanes[lane].pool == pool.name for lane in pool.lanes)
    assert diagram.bounds.x == pytest.approx(-HEADER_WIDTH - POOL_WIDTH)
    # lanes without a pool between two pools are the process's own pool
    mixed = process.model_copy(deep=True)
    mixed.lanes[1].pool = None
    names = [pool.name for pool in layout_diagram(mixed).pools]
    assert names == ["Consumer", process.name, "Company"]
    # one pool (every lane in it, or none named): nothing changes
    for name in (None, "Acme"):
        single = process.model_copy(deep=True)
        for lane in single.lanes:
            lane.pool = name
        plain = layout_diagram(single)
        assert plain.pools == [] and plain.bounds.x == -HEADER_WIDTH
        assert all(box.pool is None for box in plain.lanes)


def test_a_process_in_one_pool_renders_exactly_as_without_pools(qapp):
    process = load_process(template_paths()[0])
    assert all(lane.pool is None for lane in process.lanes)
    before = render_image(process, scale=1.0)
    named = process.model_copy(deep=True)
    for lane in named.lanes:
        lane.pool = "Acme"
    after = render_image(named, scale=1.0)
    assert after.size() == before.size() and after == before
    root = ElementTree.fromstring(render_svg(named).encode())
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "pool"]


def test_svg_has_a_group_per_pool_and_lane_headers_without_the_pool_prefix(journey, qapp):
    process, _ = journey
    root = ElementTree.fromstring(render_svg(process).encode())
    pools = [g for g in root.iter(f"{SVG}g") if g.get("class") == "pool"]
    assert [g.get("id") for g in pools] == ["pool-1", "pool-2"]
    assert [g.get("data-lanes") for g in pools] == ["consumer", "Lane_Marketing Lane_InsideSales"]
    for group, name in zip(pools, ("Consumer", "Company"), strict=True):
        texts = ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]
        assert texts == [name]
        # the name runs up the band: drawn turned by -90 degrees
        wrapper = next(w for w in group.findall(f"{SVG}g") if w.find(f"{SVG}text") is not None)
        a, b, c, d = (float(v) for v in wrapper.get("transform")[7:-1].split(",")[:4])
        assert (a, b, c, d) == pytest.approx((0, -1, 1, 0), abs=1e-6)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    header = " ".join("".join(t.itertext()) for t in groups["lane-Lane_Marketing"].iter(
        f"{SVG}text"))
    assert "Marketing" in header and "Company /" not in header
    # pools over the lanes, under the edges
    order = [g.get("class").split()[0] for g in root.iter(f"{SVG}g")
             if (g.get("class") or "").split()[:1] in (["lane"], ["pool"], ["edge"])]
    assert order == sorted(order, key=["lane", "pool", "edge"].index)


def test_pptx_draws_each_pool_as_a_band_with_its_name_on_its_side(journey, tmp_path):
    process, _ = journey
    deck = Presentation(str(export_pptx(process, tmp_path / "journey.pptx")))
    slide = list(deck.slides)[1]
    shapes = {shape.name: shape for shape in slide.shapes}
    lanes = {lane.id: shapes[f"Lane {lane.id}"] for lane in process.lanes}
    for number, (name, first, last) in enumerate(
            [("Consumer", "consumer", "consumer"),
             ("Company", "Lane_Marketing", "Lane_InsideSales")], start=1):
        band = shapes[f"Pool {number}"]
        assert band.text_frame.text == name
        assert band.text_frame._txBody.bodyPr.get("vert") == "vert270"
        header = shapes[f"Lane header {first}"]
        assert abs(band.left + band.width - header.left) <= 2_000  # right beside the headers
        assert abs(band.top - lanes[first].top) <= 2_000
        assert abs(band.top + band.height - lanes[last].top - lanes[last].height) <= 2_000
        assert f"Pool outline {number}" in shapes
    assert shapes["Lane header Lane_Marketing"].text_frame.paragraphs[0].text == "Marketing"
    plain = Presentation(str(export_pptx(load_process(template_paths()[0]), tmp_path / "p.pptx")))
    assert not [s for slide in plain.slides for s in slide.shapes if s.name.startswith("Pool")]
