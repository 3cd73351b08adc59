"""Comparing every scenario of the default template: one pool per scenario against one pool.

    python benchmarks/bench_compare.py [--rounds 2] [--jobs 2] [--replications 0 5]

For each replications setting (0: the template's own, 10; and 5), alternately in a fresh
interpreter each: the comparison as it ran before (``simulate`` once per scenario, each
with its own pool of ``--jobs``) and as it runs now (``simulate_scenarios``: every
replication of every scenario in one pool, round by round). Printed per round: the wall
time, the CPU time of this process and its workers over ``jobs`` x wall (how busy the
cores were; others' work on a shared machine shows as less), the load average after it,
and when each scenario's first figures (two replications) arrived; then the
medians and whether both ways gave the same figures (they must).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "processes" / "lead-lifecycle.lane.json"

RUN = """
import hashlib, json, resource, sys, time
import laneforge
from laneforge.sim import simulate, simulate_scenarios
process = laneforge.load_process(sys.argv[1])
way, jobs, reps = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) or None
names = [None, *(s.name for s in process.scenarios)]
first = {}
start = time.perf_counter()

def seen(name):
    first.setdefault(name or "Baseline", time.perf_counter() - start)

if way == "before":
    runs = [simulate(process, scenario=n, replications=reps, jobs=jobs,
                     partial=lambda _r, n=n: seen(n)) for n in names]
else:
    runs = simulate_scenarios(process, names, replications=reps, jobs=jobs,
                              partial=lambda n, _r: seen(n))
wall = time.perf_counter() - start
cpu = sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                             resource.getrusage(resource.RUSAGE_CHILDREN)))
figures = json.dumps([r.model_dump(exclude={"seconds"}, mode="json") for r in runs])
print(json.dumps({"wall": wall, "cpu": cpu, "first": first,
                  "replications": runs[0].replications,
                  "digest": hashlib.sha256(figures.encode()).hexdigest()}))
"""


def _run(way: str, jobs: int, reps: int) -> dict:
    out = subprocess.run([sys.executable, "-c", RUN, str(TEMPLATE), way, str(jobs), str(reps)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _firsts(first: dict[str, float]) -> str:
    return ", ".join(f"{name[:14]} {t:.1f}" for name, t in first.items())


def compare(jobs: int, reps: int, rounds: int) -> None:
    found: dict[str, list[dict]] = {"before": [], "after": []}
    for i in range(rounds):
        for way in ("before", "after") if i % 2 == 0 else ("after", "before"):
            run = _run(way, jobs, reps)
            found[way].append(run)
            busy = run["cpu"] / (jobs * run["wall"])
            print(f"  round {i + 1} {way:6}  {run['wall']:5.1f} s  cores busy {busy:4.0%}  "
                  f"(load {os.getloadavg()[0]:.1f})  first figures at (s): "
                  f"{_firsts(run['first'])}")
    print(f"  {found['after'][0]['replications']} replications a scenario, jobs {jobs}, "
          f"median of {rounds}:")
    for way, label in (("before", "one pool per scenario"), ("after", "one pool for all")):
        runs = found[way]
        wall = statistics.median(r["wall"] for r in runs)
        busy = statistics.median(r["cpu"] / (jobs * r["wall"]) for r in runs)
        last = statistics.median(max(r["first"].values()) for r in runs)
        print(f"    {label:22} {wall:5.1f} s, cores busy {busy:4.0%}, every scenario's first "
              f"figures by {last:4.1f} s")
    before = statistics.median(r["wall"] for r in found["before"])
    after = statistics.median(r["wall"] for r in found["after"])
    same = len({r["digest"] for runs in found.values() for r in runs}) == 1
    print(f"    speed-up {before / after:.2f}x; same figures both ways: {'yes' if same else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--replications", type=int, nargs="+", default=[0, 5],
                        help="replications a scenario (0: the template's own)")
    args = parser.parse_args()
    for reps in args.replications:
        print(f"{TEMPLATE.name}, every scenario and the baseline, "
              f"{reps or 'its own'} replications, jobs {args.jobs}")
        compare(args.jobs, reps, args.rounds)


if __name__ == "__main__":
    main()
