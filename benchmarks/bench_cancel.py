"""How soon Cancel ends a run, and what the capacity estimate costs, on the bundled templates.

    python benchmarks/bench_cancel.py [--rounds 5] [--after 0.3]

The tests assert that Cancel is honoured at the next check (behaviour); this script measures
the wall time that takes on this machine: a run of the default template is started on a
thread, Cancel is set ``--after`` seconds in, and the time from Cancel to the ``Cancelled``
exception is printed, serially and with a process pool of two. Then the capacity estimate's
time per template (median of the rounds). Target: Cancel within 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import laneforge
from laneforge.bundled import template_path, templates_dir
from laneforge.sim import Cancelled
from laneforge.sim.capacity import estimate_capacity


def cancel_latency(process: laneforge.Process, after: float, jobs: int) -> float:
    cancel = threading.Event()
    asked: list[float] = []

    def press() -> None:
        asked.append(time.perf_counter())
        cancel.set()

    timer = threading.Timer(after, press)
    timer.start()
    try:
        laneforge.simulate(process, replications=50, horizon="720d", warmup="60d", jobs=jobs,
                           cancel=cancel)
    except Cancelled:
        return time.perf_counter() - asked[0]
    finally:
        timer.cancel()
    raise SystemExit("the run ended before Cancel: raise the horizon")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--after", type=float, default=0.3, help="seconds before Cancel")
    args = parser.parse_args()
    process = laneforge.load_process(template_path())
    print(f"Cancel {args.after:.1f} s into a run of {template_path().name} (target < 1 s)")
    for jobs in (1, 2):
        times = [cancel_latency(process, args.after, jobs) for _ in range(args.rounds)]
        print(f"  jobs {jobs}: median {statistics.median(times) * 1000:7.1f} ms, "
              f"worst {max(times) * 1000:7.1f} ms")
    print("Capacity estimate per template (median)")
    for path in sorted(templates_dir().glob("*.lane.json")):
        template = laneforge.load_process(path)
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            estimate_capacity(template)
            times.append(time.perf_counter() - start)
        print(f"  {path.name:32s} {statistics.median(times) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
