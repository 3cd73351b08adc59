"""What the capacity estimate costs per bundled template, and how far it is from simulation.

    python benchmarks/bench_capacity.py [--rounds 9] [--accuracy]

For each template: the median and fastest wall time of ``estimate_capacity(process)`` as
the app and the command line call it (validation and compilation included), and of the
estimate alone on an already compiled process (what ``simulate`` pays). Target: under
20 ms. ``--accuracy`` also runs the template's simulation (4 replications, as the accuracy
test does) and prints the largest gap between estimated and simulated utilization, in
points (limit: 5).
"""

from __future__ import annotations

import argparse
import statistics
import time

import laneforge
from laneforge.bundled import templates_dir
from laneforge.sim import simulate
from laneforge.sim.capacity import estimate_capacity
from laneforge.sim.compiled import compile_process


def _times_ms(call, rounds: int) -> tuple[float, float]:
    """(median, fastest) of ``rounds`` calls: on a shared machine the fastest is the cost
    of the work, the median adds what the neighbours take."""
    call()  # the first call pays for imports and caches
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--accuracy", action="store_true")
    args = parser.parse_args()
    print(f"{'template':30s} {'total ms (median / min)':>24s} {'estimate ms (median / min)':>27s}"
          + (f" {'worst gap':>10s}" if args.accuracy else ""))
    for path in sorted(templates_dir().glob("*.lane.json")):
        process = laneforge.load_process(path)
        compiled = compile_process(process)
        total = _times_ms(lambda p=process: estimate_capacity(p), args.rounds)
        alone = _times_ms(lambda p=process, c=compiled: estimate_capacity(p, compiled=c),
                          args.rounds)
        line = (f"{path.name:30s} {total[0]:14.1f} / {total[1]:6.1f}"
                f" {alone[0]:17.1f} / {alone[1]:6.1f}")
        if args.accuracy:
            estimate = estimate_capacity(process)
            results = simulate(process, replications=4, jobs=2)
            gaps = [abs(results.lanes[ld.lane].utilization.mean - ld.utilization) * 100
                    for ld in estimate.lanes
                    if ld.utilization is not None and ld.utilization < 1.0
                    and results.lanes[ld.lane].utilization is not None]
            line += f" {max(gaps, default=0.0):9.1f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
