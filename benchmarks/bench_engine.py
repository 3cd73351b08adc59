"""Engine speed against the hand-written SimPy model, parallel speed-up, and memory.

    python benchmarks/bench_engine.py [--rounds 5] [--horizon 10000]

1. Alternates the hand-written model (reference_funnel.py) and ``laneforge.simulate`` on
   reference-funnel.lane.json, each in a fresh interpreter, and prints both times per
   round, the median ratio and both sets of outcome counts. Target: ratio <= 0.8.
2. 20 replications with jobs 1 and jobs 2 (speed-up target >= 1.7x).
3. Peak traced memory for a short and a ten-times longer run (flat = no per-lead records).

Both models time only the simulation itself (the hand-written script times env.run; for
laneforge the figure covers compile, capacity estimate, run and aggregation).
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
MODEL = (SHARED if (SHARED / "reference_funnel.py").exists() else HERE) / "reference_funnel.py"
PROCESS = HERE / "reference-funnel.lane.json"

LANEFORGE_RUN = """
import json, sys, time
import laneforge
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


def speed(rounds: int, horizon: float) -> None:
    print(f"1. Reference funnel, {horizon:.0f} h, one replication, {rounds} rounds (alternating)")
    ratios, ref_runs, lf_runs = [], [], []
    for i in range(rounds):
        seed = i + 1
        ref = _run([sys.executable, str(MODEL), str(horizon), str(seed)])
        lf = _run([sys.executable, "-c", LANEFORGE_RUN, str(PROCESS), str(horizon), str(seed)])
        ref_runs.append(ref)
        lf_runs.append(lf)
        ratios.append(lf["seconds"] / ref["seconds"])
        print(f"   round {i + 1}: hand-written {ref['seconds']:.2f} s, laneforge "
              f"{lf['seconds']:.2f} s, ratio {ratios[-1]:.2f}")
    print(f"   median hand-written {statistics.median(r['seconds'] for r in ref_runs):.2f} s, "
          f"laneforge {statistics.median(r['seconds'] for r in lf_runs):.2f} s")
    print(f"   median ratio laneforge / hand-written: {statistics.median(ratios):.2f} "
          "(target <= 0.80)")
    print(f"   hand-written outcomes (last round): leads {ref_runs[-1]['leads']}, "
          f"{ref_runs[-1]['outcomes']}")
    print(f"   laneforge outcomes (last round):    leads {lf_runs[-1]['leads']:.0f}, "
          f"{ {k: int(v) for k, v in lf_runs[-1]['outcomes'].items()} }")


def parallel(horizon: float) -> None:
    import laneforge

    process = laneforge.load_process(PROCESS)
    times = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        laneforge.simulate(process, replications=20, horizon=horizon, jobs=jobs)
        times[jobs] = time.perf_counter() - start
    print(f"2. 20 replications of {horizon:.0f} h: jobs 1 {times[1]:.2f} s, jobs 2 "
          f"{times[2]:.2f} s, speed-up {times[1] / times[2]:.2f}x (target >= 1.7x)")


def memory(horizon: float) -> None:
    rows = []
    for h in (horizon / 10, horizon):
        rows.append((h, _run([sys.executable, "-c", MEMORY_RUN, str(PROCESS), str(h)])))
    (_, small), (_, large) = rows
    print(f"3. Peak traced memory: {small['leads']:.0f} leads {small['peak'] / 1e6:.1f} MB, "
          f"{large['leads']:.0f} leads {large['peak'] / 1e6:.1f} MB "
          f"(ratio {large['peak'] / small['peak']:.2f} for {large['leads'] / small['leads']:.0f}x "
          "the leads)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--horizon", type=float, default=10_000.0)
    parser.add_argument("--skip", choices=["speed", "parallel", "memory"], action="append",
                        default=[])
    args = parser.parse_args()
    if "speed" not in args.skip:
        speed(args.rounds, args.horizon)
    if "parallel" not in args.skip:
        parallel(args.horizon / 5)
    if "memory" not in args.skip:
        memory(args.horizon)


if __name__ == "__main__":
    main()
