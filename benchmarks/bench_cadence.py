"""What a cadence costs the engine: the reference funnel as it is (no cadence: the code it
always ran), and a nurture of six weekly emails drawn two ways, as one cadence node and as
the loop it stands for (a touch task of no duration, a decision, a delay).

    python benchmarks/bench_cadence.py [--rounds 5] [--horizon 4000]

Prints, per variant, the best and median seconds of one replication (compile excluded) and
events per second, then the ratio cadence / drawn loop. Run it against another checkout
(``PYTHONPATH=<other>/src``) to compare the plain funnel across versions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from laneforge.io import process_from_data
from laneforge.sim import compile_process, run_replication

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench" / "reference-funnel.lane.json"
PROCESS = SHARED if SHARED.exists() else HERE / "reference-funnel.lane.json"
TOUCH = {"channel": "email", "weight": 10, "cost": 0.1, "response_rate": 0.05}


def _base(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    lane = "marketing"
    return {
        "format": "laneforge/process", "version": 1, "name": "nurture",
        "simulation": {"horizon": "4000h", "replications": 1, "seed": 1, "drain": "2000h"},
        "engagement": {"half_life": "14d"},
        "lanes": [{"id": lane, "name": "Marketing", "staff": None}],
        "nodes": [{"id": "in", "kind": "source", "lane": lane, "arrivals": {"rate": "10/h"}},
                  *({"lane": lane, **n} for n in nodes),
                  {"id": "won", "kind": "end", "lane": lane, "outcome": "won"},
                  {"id": "lost", "kind": "end", "lane": lane, "outcome": "lost"}],
        "edges": edges,
    }


def cadence() -> dict[str, Any]:
    return _base(
        [{"id": "nurture", "kind": "cadence", "every": "7d", "times": 6, "touch": TOUCH,
          "until": "engagement >= 40"}],
        [{"from": "in", "to": "nurture"}, {"from": "nurture", "to": "won", "exit": "graduated"},
         {"from": "nurture", "to": "lost", "exit": "exhausted"}])


def drawn_loop() -> dict[str, Any]:
    return _base(
        [{"id": "mail", "kind": "task", "duration": 0, "touch": TOUCH},
         {"id": "check", "kind": "decision"},
         {"id": "wait", "kind": "delay", "duration": "7d"}],
        [{"from": "in", "to": "mail"}, {"from": "mail", "to": "check"},
         {"from": "check", "to": "won", "when": "responded or engagement >= 40"},
         {"from": "check", "to": "lost", "when": "touches >= 6"},
         {"from": "check", "to": "wait", "default": True}, {"from": "wait", "to": "mail"}])


def timings(data: dict[str, Any], rounds: int, horizon: float) -> tuple[list[float], int]:
    compiled = compile_process(process_from_data(data), horizon=horizon)
    seconds, events = [], 0
    for round_ in range(rounds):
        start = time.perf_counter()
        record = run_replication(compiled, round_)
        seconds.append(time.perf_counter() - start)
        events = record.events
    return seconds, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--horizon", type=float, default=4000.0)
    parser.add_argument("--plain-only", action="store_true",
                        help="only the reference funnel (for a checkout without cadences)")
    args = parser.parse_args()
    variants: list[tuple[str, dict[str, Any]]] = [
        ("plain funnel", json.loads(PROCESS.read_text(encoding="utf-8")))]
    if not args.plain_only:
        variants += [("cadence", cadence()), ("drawn loop", drawn_loop())]
    medians = {}
    for name, data in variants:
        seconds, events = timings(data, args.rounds, args.horizon)
        best, median = min(seconds), statistics.median(seconds)
        medians[name] = median
        print(f"{name:12} best {best:.3f} s, median {median:.3f} s, "
              f"{events / median:,.0f} events/s ({events:,} events)")
    if not args.plain_only:
        print(f"cadence / drawn loop (medians): "
              f"{medians['cadence'] / medians['drawn loop']:.2f}")


if __name__ == "__main__":
    main()
