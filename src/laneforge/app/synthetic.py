"""Large, valid processes made up on demand, for benchmarks and responsiveness checks."""

from __future__ import annotations

import random
from typing import Any

from ..io import process_from_data
from ..model import Process
from .layout import apply_layout, auto_layout


def synthetic_process(nodes: int, *, lanes: int = 6, seed: int = 0) -> Process:
    """A valid chain-and-branch process with about ``nodes`` nodes spread over ``lanes``.

    Steps alternate tasks and decisions; each decision sends a share of leads to an end
    ("disqualified") and the rest on, so every node is reachable and can finish.
    """
    rng = random.Random(seed)
    lane_ids = [f"team_{i + 1}" for i in range(lanes)]
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": f"Synthetic {nodes}",
        "lanes": [{"id": lane, "name": f"Team {i + 1}", "staff": 3 + i}
                  for i, lane in enumerate(lane_ids)],
        "nodes": [{"id": "start", "kind": "source", "lane": lane_ids[0], "name": "Inbound",
                   "arrivals": {"rate": "20/day"}}],
        "edges": [],
    }
    previous, branching = "start", False
    count, step = 1, 0
    while count < nodes - 1:
        lane = lane_ids[min(step * lanes // max(nodes // 3, 1), lanes - 1)]
        task = f"task_{step}"
        data["nodes"].append({"id": task, "kind": "task", "lane": lane,
                              "name": f"Step {step + 1}",
                              "duration": {"dist": "exponential",
                                           "mean": f"{rng.randint(5, 60)}m"}})
        if not branching:  # a decision already points at the next task
            data["edges"].append({"from": previous, "to": task})
        count += 1
        previous, branching = task, False
        if count < nodes - 2:
            decision, end = f"check_{step}", f"out_{step}"
            data["nodes"].append({"id": decision, "kind": "decision", "lane": lane,
                                  "name": f"Check {step + 1}?"})
            data["nodes"].append({"id": end, "kind": "end", "lane": lane,
                                  "name": f"Out {step + 1}", "outcome": "disqualified"})
            p = round(rng.uniform(0.02, 0.1), 2)
            data["edges"].append({"from": task, "to": decision})
            data["edges"].append({"from": decision, "to": end, "probability": p})
            data["edges"].append({"from": decision, "to": f"task_{step + 1}",
                                  "probability": round(1 - p, 2)})
            count += 2
            previous, branching = decision, True
        step += 1
    data["nodes"].append({"id": "won", "kind": "end", "lane": lane_ids[-1], "name": "Won",
                          "outcome": "won"})
    if branching:  # the last decision pointed at a task that was never made
        data["edges"][-1]["to"] = "won"
    else:
        data["edges"].append({"from": previous, "to": "won"})
    process = process_from_data(data)
    apply_layout(process, auto_layout(process))
    return process
