"""Engine speed against the hand-written SimPy models, templates, parallel speed-up, memory.

    python benchmarks/bench_engine.py [--rounds 5] [--horizon 10000] [--skip PART ...]

1. Alternates each hand-written model and ``laneforge.simulate`` on the same process, each
   in a fresh interpreter, and prints both times per round, the median ratio and both sets
   of outcome counts: the reference funnel (reference_funnel.py, 24/7, ``--horizon`` hours)
   and the realistic funnel (realistic_funnel.py: calendars, a score attribute, a nurture
   loop, decay and an SLA; 365 days). Target: ratio <= 0.5 on both.
2. Every bundled template's default run (its own replications, horizon and warm-up, jobs =
   the cores of this machine), when its first figures (two replications) were ready, and
   events per second of one replication.
3. 20 replications with jobs 1 and jobs 2 (speed-up target >= 1.7x).
4. Peak traced memory for a short and a ten-times longer run (flat = no per-lead records).

The hand-written scripts time env.run only (simpy imported before); for laneforge the figure
covers compile, capacity estimate, run and aggregation, with its modules imported before
(``laneforge.simulate`` imports the engine, and numpy with it, on first use).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench"


def _bench_file(name: str) -> Path:
    """The shared copy when there is one (it is the yardstick), else this folder's."""
    return SHARED / name if (SHARED / name).exists() else HERE / name


MODEL = _bench_file("reference_funnel.py")
PROCESS = _bench_file("reference-funnel.lane.json")
REALISTIC_MODEL = _bench_file("realistic_funnel.py")
REALISTIC = _bench_file("realistic-funnel.lane.json")
REALISTIC_HOURS = 365 * 24.0

LANEFORGE_RUN = """
import json, sys, time
import laneforge
import laneforge.sim  # imported before the clock starts, as the hand-written model's simpy is
process = laneforge.load_process(sys.argv[1])
start = time.perf_counter()
results = laneforge.simulate(process, replications=1, horizon=float(sys.argv[2]),
                             seed=int(sys.argv[3]))
seconds = time.perf_counter() - start
print(json.dumps({"leads": results.leads.mean,
                  "outcomes": {k: v.mean for k, v in results.outcomes.items()},
                  "seconds": seconds}))
"""

MEMORY_RUN = """
import json, sys, tracemalloc
import laneforge
process = laneforge.load_process(sys.argv[1])
tracemalloc.start()
results = laneforge.simulate(process, replications=1, horizon=float(sys.argv[2]))
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"leads": results.leads.mean, "peak": peak}))
"""


def _run(args: list[str]) -> dict:
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def speed(name: str, model: Path, process: Path, rounds: int, horizon: float) -> None:
    print(f"{name}, {horizon:.0f} h, one replication, {rounds} rounds (alternating)")
    ratios, ref_runs, lf_runs = [], [], []
    for i in range(rounds):
        seed = i + 1
        ref = _run([sys.executable, str(model), str(horizon), str(seed)])
        lf = _run([sys.executable, "-c", LANEFORGE_RUN, str(process), str(horizon), str(seed)])
        ref_runs.append(ref)
        lf_runs.append(lf)
        ratios.append(lf["seconds"] / ref["seconds"])
        print(f"   round {i + 1}: hand-written {ref['seconds']:.2f} s, laneforge "
              f"{lf['seconds']:.2f} s, ratio {ratios[-1]:.2f}")
    print(f"   median hand-written {statistics.median(r['seconds'] for r in ref_runs):.2f} s, "
          f"laneforge {statistics.median(r['seconds'] for r in lf_runs):.2f} s")
    print(f"   median ratio laneforge / hand-written: {statistics.median(ratios):.2f} "
          "(target <= 0.50)")
    print(f"   hand-written outcomes (last round): leads {ref_runs[-1]['leads']}, "
          f"{ref_runs[-1]['outcomes']}")
    print(f"   laneforge outcomes (last round):    leads {lf_runs[-1]['leads']:.0f}, "
          f"{ {k: int(v) for k, v in lf_runs[-1]['outcomes'].items()} }")


def templates() -> None:
    import os

    import laneforge
    from laneforge.bundled import templates_dir
    from laneforge.sim import compile_process, run_replication

    jobs = os.cpu_count() or 1
    print(f"2. Templates, default run (own settings, jobs {jobs}); one replication's events")
    for path in sorted(templates_dir().glob("*.lane.json")):
        process = laneforge.load_process(path)
        first: list[float] = []
        start = time.perf_counter()
        laneforge.simulate(
            process, jobs=jobs,
            partial=lambda _r, first=first, start=start: first or first.append(
                time.perf_counter() - start))
        whole = time.perf_counter() - start
        compiled = compile_process(process)
        start = time.perf_counter()
        one = run_replication(compiled, 0, process.simulation.seed)
        seconds = time.perf_counter() - start
        events = one.events
        rate = f", {events / seconds / 1e3:.0f}k events/s" if events else ""
        print(f"   {path.name:30s} {process.simulation.replications:3d} x "
              f"{process.simulation.horizon.hours / 24:.0f} d: {whole:6.2f} s, first figures "
              f"after {first[0]:.2f} s; one replication {seconds:.2f} s{rate}")


def parallel(horizon: float) -> None:
    import laneforge

    process = laneforge.load_process(PROCESS)
    times = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        laneforge.simulate(process, replications=20, horizon=horizon, jobs=jobs)
        times[jobs] = time.perf_counter() - start
    print(f"3. 20 replications of {horizon:.0f} h: jobs 1 {times[1]:.2f} s, jobs 2 "
          f"{times[2]:.2f} s, speed-up {times[1] / times[2]:.2f}x (target >= 1.7x)")


def memory(horizon: float) -> None:
    rows = []
    for h in (horizon / 10, horizon):
        rows.append((h, _run([sys.executable, "-c", MEMORY_RUN, str(PROCESS), str(h)])))
    (_, small), (_, large) = rows
    print(f"4. Peak traced memory: {small['leads']:.0f} leads {small['peak'] / 1e6:.1f} MB, "
          f"{large['leads']:.0f} leads {large['peak'] / 1e6:.1f} MB "
          f"(ratio {large['peak'] / small['peak']:.2f} for {large['leads'] / small['leads']:.0f}x "
          "the leads)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--horizon", type=float, default=10_000.0)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["reference", "realistic", "templates", "parallel", "memory"])
    args = parser.parse_args()
    if "reference" not in args.skip:
        speed("1a. Reference funnel", MODEL, PROCESS, args.rounds, args.horizon)
    if "realistic" not in args.skip:
        speed("1b. Realistic funnel", REALISTIC_MODEL, REALISTIC, args.rounds, REALISTIC_HOURS)
    if "templates" not in args.skip:
        templates()
    if "parallel" not in args.skip:
        parallel(args.horizon / 5)
    if "memory" not in args.skip:
        memory(args.horizon)


if __name__ == "__main__":
    main()
