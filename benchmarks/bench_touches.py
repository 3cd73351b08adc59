"""What touches cost the engine: one replication of the reference funnel as it is, and with
a touch on every task and a channel on every source (engagement fading, a condition that
reads it).

    python benchmarks/bench_touches.py [--rounds 5] [--horizon 4000]

Prints, per variant, the best and median seconds of one replication (compile excluded) and
events per second, then the ratio touched / plain. The plain variant runs the code a
process without touches always ran (``Compiled.touches`` is None), so it is the yardstick
against earlier versions as well.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from laneforge.io import process_from_data
from laneforge.sim import compile_process, run_replication

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench" / "reference-funnel.lane.json"
PROCESS = SHARED if SHARED.exists() else HERE / "reference-funnel.lane.json"


def touched(data: dict) -> dict:
    """Every task a touch, every source a channel, engagement with a two-week half-life, and
    the first decision's first condition also asking for recent engagement."""
    data = json.loads(json.dumps(data))
    data["engagement"] = {"half_life": "14d"}
    for node in data["nodes"]:
        if node["kind"] == "task":
            node["touch"] = {"channel": "phone", "weight": 10, "cost": 1, "response_rate": 0.1}
        elif node["kind"] == "source":
            node["channel"] = node["id"]
    for edge in data["edges"]:  # routes as before, but reads engagement faded to now
        if edge.get("when"):
            edge["when"] = f"({edge['when']}) or engagement > 1000000"
            break
    return data


def timings(data: dict, rounds: int, horizon: float) -> tuple[list[float], int]:
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
    args = parser.parse_args()
    plain = json.loads(PROCESS.read_text(encoding="utf-8"))
    results = {}
    for name, data in (("plain", plain), ("touched", touched(plain)),
                       ("plain again", plain)):
        seconds, events = timings(data, args.rounds, args.horizon)
        best, median = min(seconds), statistics.median(seconds)
        results[name] = median
        print(f"{name:12} best {best:.3f} s, median {median:.3f} s, "
              f"{events / median:,.0f} events/s ({events:,} events)")
    print(f"touched / plain (medians): {results['touched'] / results['plain']:.2f}; "
          f"plain again / plain: {results['plain again'] / results['plain']:.2f}")


if __name__ == "__main__":
    main()
