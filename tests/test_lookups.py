"""Look-ups by id stay right through every kind of edit (they are O(1) through a table that
checks itself, so no edit has to remember to refresh it)."""

from __future__ import annotations

import random

from laneforge.bundled import template_path
from laneforge.io import load_process
from laneforge.model import Lane, TaskNode


def by_scan(items, key):
    return next((item for item in items if item.id == key), None)


def test_lookups_agree_with_a_scan_through_random_edits():
    process = load_process(template_path())
    rng = random.Random(5)
    for step in range(300):
        action = rng.choice(["add", "remove", "rename", "move_lane", "add_lane", "rename_lane"])
        nodes = [n.id for n in process.nodes]
        if action == "add":
            process.edit.add_node(TaskNode(id=f"t{step}", lane=process.lanes[0].id, duration="1h"),
                             index=rng.randrange(len(nodes) + 1))
        elif action == "remove" and len(nodes) > 3:
            process.edit.remove_node(rng.choice(nodes))
        elif action == "rename":
            process.edit.rename_node(rng.choice(nodes), f"r{step}")
        elif action == "move_lane":
            process.edit.move_lane(rng.choice(process.lanes).id, rng.randrange(len(process.lanes)))
        elif action == "add_lane":
            process.edit.add_lane(Lane(id=f"lane{step}", name=f"Lane {step}"))
        elif action == "rename_lane":
            process.edit.rename_lane(rng.choice(process.lanes).id, f"l{step}")
        for node in process.nodes:
            assert process.node(node.id) is node
        for lane in process.lanes:
            assert process.lane(lane.id) is lane
        gone = f"r{step - 1}"
        assert process.has_node(gone) == (by_scan(process.nodes, gone) is not None)


def test_a_list_changed_behind_the_editors_back_is_still_read_right():
    process = load_process(template_path())
    first = process.node(process.nodes[0].id)
    process.nodes.reverse()
    assert process.node(first.id) is first
    assert process.node(process.nodes[0].id) is process.nodes[0]
    removed = process.nodes.pop()
    assert not process.has_node(removed.id)
