"""Phases as columns and the compact auto-layout: geometry, placement, templates."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import pytest

from laneforge.app.layout import ASPECTS, Layout, _Plan, apply_layout, auto_layout, needs_layout
from laneforge.io import load_process, process_from_data, save_process
from laneforge.model import validate
from laneforge.model.geometry import layout_diagram
from laneforge.model.shapes import PHASE_HEADER_HEIGHT, extent_above, extent_below

from conftest import template_paths

TEMPLATES = template_paths()
TEMPLATE_IDS = [p.name.removesuffix(".lane.json") for p in TEMPLATES]


def small(phases: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": "Small",
        "lanes": [{"id": "marketing", "staff": 2}, {"id": "sales", "staff": 3}],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "marketing", "arrivals": {"rate": "20/day"},
             "pos": [70, 80]},
            {"id": "score", "kind": "task", "lane": "marketing", "duration": "10m",
             "pos": [260, 80]},
            {"id": "call", "kind": "task", "lane": "sales", "duration": "20m", "pos": [450, 80]},
            {"id": "won", "kind": "end", "lane": "sales", "outcome": "won", "pos": [640, 80]},
        ],
        "edges": [{"from": "web", "to": "score"}, {"from": "score", "to": "call"},
                  {"from": "call", "to": "won"}],
    }
    if phases is not None:
        data["phases"] = phases
        owner = {"web": 0, "score": 0, "call": 1, "won": 1}
        for node in data["nodes"]:
            node["phase"] = phases[min(owner[node["id"]], len(phases) - 1)]["id"]
    return data


TWO_PHASES = [{"id": "generation", "name": "Lead Generation"},
              {"id": "closing", "name": "Closing", "width": 300}]


# --- the format ---------------------------------------------------------------------------


def test_phases_save_load_and_round_trip(tmp_path):
    process = process_from_data(small(TWO_PHASES))
    path = tmp_path / "phased.lane.json"
    save_process(process, path)
    again = load_process(path)
    assert again == process
    assert [(p.id, p.name, p.width) for p in again.phases] == [
        ("generation", "Lead Generation", None), ("closing", "Closing", 300)]
    assert [n.phase for n in again.nodes] == ["generation", "generation", "closing", "closing"]
    text = path.read_text(encoding="utf-8")
    assert '"phase": "closing"' in text


def test_a_file_without_phases_is_unchanged_and_draws_as_before(tmp_path):
    data = small()
    process = process_from_data(data)
    path = tmp_path / "plain.lane.json"
    save_process(process, path)
    assert "phase" not in path.read_text(encoding="utf-8")
    diagram = layout_diagram(process)
    assert diagram.phases == []
    assert diagram.phase_at(100.0) is None
    assert diagram.bounds.y == 0.0  # no header strip above the lanes
    assert diagram.bounds.h == pytest.approx(sum(lane.height for lane in diagram.lanes))


def test_phases_add_a_header_strip_above_the_lanes_without_moving_them():
    plain = layout_diagram(process_from_data(small()))
    phased = layout_diagram(process_from_data(small(TWO_PHASES)))
    assert [lane.rect for lane in phased.lanes] == [lane.rect for lane in plain.lanes]
    assert {k: b.shape for k, b in phased.nodes.items()} == {
        k: b.shape for k, b in plain.nodes.items()}
    assert phased.bounds.y == -PHASE_HEADER_HEIGHT
    assert phased.bounds.bottom == plain.bounds.bottom
    for box in phased.phases:
        assert box.header.bottom == 0.0 and box.header.h == PHASE_HEADER_HEIGHT
        assert box.rect.top == 0.0 and box.rect.bottom == phased.lanes[-1].rect.bottom


def test_phase_boxes_are_contiguous_ordered_and_hold_their_nodes():
    process = process_from_data(small(TWO_PHASES))
    diagram = layout_diagram(process)
    first, second = diagram.phases
    assert (first.id, first.index, second.id, second.index) == ("generation", 0, "closing", 1)
    assert first.left == 0.0 and first.right == second.left
    assert second.right == diagram.width
    # the boundary lies half way between the neighbouring nodes (with their names)
    score, call = diagram.nodes["score"].bounds, diagram.nodes["call"].bounds
    assert first.right == pytest.approx((score.right + call.left) / 2)
    assert second.rect.w >= 300  # at least the phase's width
    assert diagram.phase_at(score.cx).id == "generation"
    assert diagram.phase_at(call.cx).id == "closing"
    assert diagram.phase_at(-50).id == "generation"
    assert diagram.phase_at(1e6).id == "closing"


def test_an_empty_phase_still_gets_a_column():
    phases = [TWO_PHASES[0], {"id": "empty", "name": "Later"}, TWO_PHASES[1]]
    data = small(phases)
    for node in data["nodes"]:
        if node["phase"] == "empty":
            node["phase"] = "closing"
    diagram = layout_diagram(process_from_data(data))
    assert [p.id for p in diagram.phases] == ["generation", "empty", "closing"]
    assert diagram.phases[1].rect.w > 100
    for left, right in itertools.pairwise(diagram.phases):
        assert left.right == right.left


# --- editing --------------------------------------------------------------------------------


def test_renaming_a_phase_carries_over_to_its_nodes():
    process = process_from_data(small(TWO_PHASES))
    seen = []
    process.changed.connect(seen.append)
    process.edit.rename_phase("closing", "sales_cycle")
    assert [p.id for p in process.phases] == ["generation", "sales_cycle"]
    assert process.phases[1].width == 300
    assert [n.phase for n in process.nodes] == ["generation", "generation", "sales_cycle",
                                                "sales_cycle"]
    assert seen and seen[-1].kind == "process_changed"
    assert validate(process) == []
    with pytest.raises(ValueError, match="already a phase"):
        process.edit.rename_phase("generation", "sales_cycle")
    with pytest.raises(ValueError, match="not a valid id"):
        process.edit.rename_phase("generation", "two words")
    with pytest.raises(KeyError):
        process.edit.rename_phase("nope", "other")


def test_setting_an_unknown_phase_is_refused():
    process = process_from_data(small(TWO_PHASES))
    with pytest.raises(ValueError, match="no phase 'closed'"):
        process.edit.set_value("nodes.call.phase", "closed")
    process.edit.set_value("nodes.call.phase", "generation")
    assert process.node("call").phase == "generation"


# --- the layout ------------------------------------------------------------------------------


def _boxes_overlap(a, b) -> bool:
    return a.left < b.right - 0.5 and b.left < a.right - 0.5 and \
        a.top < b.bottom - 0.5 and b.top < a.bottom - 0.5


def _assert_no_overlaps(process) -> None:
    diagram = layout_diagram(process)
    boxes = list(diagram.nodes.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _boxes_overlap(a.bounds, b.bounds), (process.name, a.id, b.id)


def _assert_phase_order(process) -> None:
    diagram = layout_diagram(process)
    index = {p.id: i for i, p in enumerate(process.phases)}
    by_phase: dict[int, list[float]] = {}
    for node in process.nodes:
        if node.phase is not None:
            by_phase.setdefault(index[node.phase], []).append(node.pos[0])
    present = sorted(by_phase)
    for a, b in itertools.pairwise(present):
        assert max(by_phase[a]) < min(by_phase[b]), (process.name, a, b)
    for node in process.nodes:
        if node.phase is None:
            continue
        band = diagram.phases[index[node.phase]]
        box = diagram.nodes[node.id].bounds
        assert band.left <= box.left and box.right <= band.right, (process.name, node.id)


def laid_out(path):
    process = load_process(path)
    apply_layout(process, auto_layout(process))
    return process


@pytest.mark.parametrize("path", TEMPLATES, ids=TEMPLATE_IDS)
def test_templates_are_laid_out_as_committed(path):
    """The templates in processes/ carry the current layout (re-run it after changing it)."""
    process = load_process(path)
    layout = auto_layout(process)
    assert {n.id: tuple(n.pos) for n in process.nodes} == layout.positions
    assert {lane.id: lane.height for lane in process.lanes} == layout.lane_heights


@pytest.mark.parametrize("path", TEMPLATES, ids=TEMPLATE_IDS)
def test_layout_is_deterministic(path):
    first = auto_layout(load_process(path), ASPECTS["slide"])
    second = auto_layout(load_process(path), ASPECTS["slide"])
    assert first == second
    process = load_process(path)
    process.nodes.reverse()  # the same process written in another order: still valid
    assert isinstance(auto_layout(process), Layout)


@pytest.mark.parametrize("path", TEMPLATES, ids=TEMPLATE_IDS)
def test_templates_have_phases_and_no_overlaps(path):
    process = laid_out(path)
    assert len(process.phases) >= 4
    assert all(n.phase is not None for n in process.nodes)
    assert [p for p in validate(process) if "phase" in (p.field or "")] == []
    _assert_no_overlaps(process)
    _assert_phase_order(process)


@pytest.mark.parametrize("path", TEMPLATES, ids=TEMPLATE_IDS)
@pytest.mark.parametrize("preset", sorted(ASPECTS))
def test_aspect_target_is_approached(path, preset):
    target = ASPECTS[preset]
    process = load_process(path)
    apply_layout(process, auto_layout(process, aspect=target))
    bounds = layout_diagram(process).bounds
    assert abs(math.log(bounds.w / bounds.h / target)) < math.log(1.3), (
        preset, bounds.w / bounds.h)
    _assert_no_overlaps(process)


def test_a_wider_target_gives_a_wider_diagram():
    path = next(p for p in TEMPLATES if p.name.startswith("lead-qualification"))
    ratios = []
    for aspect in (1.3, 16 / 9, 3.0):
        process = load_process(path)
        apply_layout(process, auto_layout(process, aspect=aspect))
        bounds = layout_diagram(process).bounds
        ratios.append(bounds.w / bounds.h)
    assert ratios[0] < ratios[1] < ratios[2]


@pytest.mark.parametrize("path", TEMPLATES, ids=TEMPLATE_IDS)
def test_lane_heights_fit_their_content(path):
    process = laid_out(path)
    for lane in process.lanes:
        nodes = process.nodes_in_lane(lane.id)
        top = min(n.pos[1] - extent_above(n.kind) for n in nodes)
        bottom = max(n.pos[1] + extent_below(n.kind) for n in nodes)
        assert top >= 20  # room above the first row
        assert lane.height - bottom >= 20  # room below the last
        assert lane.height - bottom <= 60 and top <= 60  # and not much more


def test_a_lane_with_one_row_of_tasks_is_about_125_px_high():
    data = small()
    data["nodes"][0]["lane"] = "sales"  # marketing keeps only the task
    process = process_from_data(data)
    layout = auto_layout(process)
    assert 110 <= layout.lane_heights["marketing"] <= 135
    assert layout.lane_heights["sales"] < 200


def test_main_path_keeps_one_row_and_rejections_hang_under_their_decision():
    path = next(p for p in TEMPLATES if p.name.startswith("lead-qualification"))
    process = laid_out(path)
    plan = _Plan(process)
    main = [n for n in process.nodes if n.id in plan.main]
    assert {"email", "assign", "score", "is_mql"} <= plan.main
    for node in main:  # on the first row of its block: nothing of its column above it
        column = [n for n in process.nodes_in_lane(node.lane) if n.pos[0] == node.pos[0]]
        assert node.pos[1] == min(n.pos[1] for n in column
                                  if abs(n.pos[1] - node.pos[1]) < 150 or n is node)
    for end, decision in (("merged", "is_dup"), ("bogus", "is_bogus"),
                          ("not_qualified", "is_qualified")):
        a, b = process.node(end), process.node(decision)
        assert a.pos[0] == b.pos[0] and a.pos[1] > b.pos[1]


def test_phases_order_the_columns_even_against_the_flow():
    data = small(TWO_PHASES)
    data["nodes"][1]["phase"] = "closing"  # score goes right of call's column
    data["nodes"][2]["phase"] = "generation"
    process = process_from_data(data)
    apply_layout(process, auto_layout(process))
    assert process.node("call").pos[0] < process.node("score").pos[0]
    _assert_phase_order(process)
    _assert_no_overlaps(process)


def random_process(seed: int):
    """A random process: branches, parallel work, loops, lanes and phases in any mix."""
    rng = random.Random(seed)
    lanes = [f"lane_{i}" for i in range(rng.randint(1, 4))]
    phases = [{"id": f"phase_{i}", "name": f"Phase {i + 1}"}
              for i in range(rng.choice([0, 0, 2, 3, 5]))]
    if phases and rng.random() < 0.3:
        phases[0]["width"] = rng.choice([150, 400, 700])
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []

    def add(kind: str, **fields) -> str:
        node_id = f"n{len(nodes)}"
        node = {"id": node_id, "kind": kind, "lane": rng.choice(lanes), **fields}
        if phases:
            share = len(nodes) * len(phases) // 40
            node["phase"] = phases[min(share + rng.choice([0, 0, 1]), len(phases) - 1)]["id"]
        nodes.append(node)
        return node_id

    open_ends = [add("source", arrivals={"rate": "10/day"}) for _ in range(rng.randint(1, 3))]
    for _ in range(rng.randint(3, 25)):
        source = rng.choice(open_ends)
        kind = rng.choice(["task", "task", "decision", "delay"])
        target = add(kind, **({"duration": "1h"} if kind in ("task", "delay") else {}))
        edges.append({"from": source, "to": target})
        if rng.random() < 0.5:
            open_ends.remove(source)
        open_ends.append(target)
        if kind == "decision":
            for _ in range(rng.randint(1, 2)):
                end = add("end", outcome=rng.choice(["won", "lost", "disqualified"]))
                edges.append({"from": target, "to": end})
        if rng.random() < 0.15 and len(nodes) > 3:  # a loop back
            back = rng.choice([n["id"] for n in nodes[:-1] if n["kind"] in ("task", "delay")]
                              or [nodes[0]["id"]])
            if back != target and all(e["from"] != target or e["to"] != back for e in edges):
                edges.append({"from": target, "to": back})
    for source in open_ends:
        if not any(e["from"] == source for e in edges):
            edges.append({"from": source, "to": add("end", outcome="won")})
    unique = {(e["from"], e["to"]): e for e in edges}
    data = {"format": "laneforge/process", "version": 1, "name": f"Random {seed}",
            "lanes": [{"id": lane} for lane in lanes], "phases": phases, "nodes": nodes,
            "edges": list(unique.values())}
    return process_from_data(data)


@pytest.mark.parametrize("seed", range(50))
def test_random_processes_get_a_layout_without_overlaps(seed):
    process = random_process(seed)
    assert needs_layout(process)
    layout = auto_layout(process, aspect=rng_aspect(seed))
    assert set(layout.positions) == {n.id for n in process.nodes}
    assert layout == auto_layout(random_process(seed), aspect=rng_aspect(seed))
    apply_layout(process, layout)
    assert not needs_layout(process)
    _assert_no_overlaps(process)
    _assert_phase_order(process)


def rng_aspect(seed: int) -> float:
    return sorted(ASPECTS.values())[seed % len(ASPECTS)]


def test_exports_draw_the_phase_headers(qapp):
    from laneforge.render.export import render_svg

    process = process_from_data(small(TWO_PHASES))
    svg = render_svg(process)
    assert "Lead Generation" in svg and "Closing" in svg
    plain = render_svg(process_from_data(small()))
    assert "Lead Generation" not in plain
