"""Fuzz laneforge with thousands of mutated process files, in subprocesses with a memory
limit and a time limit, and print what became of them.

    python benchmarks/fuzz.py 2000            # 2000 .lane.json and 2000 BPMN cases
    python benchmarks/fuzz.py 500 --kind bpmn --jobs 2 --memory-mb 1500 --timeout 60

Each case (tests/fuzzcorpus.py: the templates mutated with a seed) is loaded (or
imported), validated and, if valid, simulated for 5 days with one replication. A case ends
refused (one message at load), invalid (validation errors listed), stopped (a laneforge
error at run time) or simulated; a traceback is anything else the code raised (a crash of
the child, memory running out under the limit included), a hang a case with no answer
within the timeout. Children run chunks of cases; one that dies or hangs is replaced and
the run goes on from the next case.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import select
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 50


def child(kind: str, start: int, end: int, memory_mb: int, timeout: float) -> None:
    """Run cases ``start`` .. ``end`` - 1, one JSON line each, then the peak RSS."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.path.insert(0, str(ROOT / "tests"))
    import traceback

    import fuzzcorpus

    for seed in range(start, end):
        began = time.perf_counter()
        try:
            raw = fuzzcorpus.bpmn_case(seed) if kind == "bpmn" else fuzzcorpus.lane_json_case(seed)
            outcome = fuzzcorpus.check_case(raw, bpmn=kind == "bpmn", hang_seconds=timeout)
            record = {"seed": seed, "kind": outcome.kind}
        except TimeoutError:
            record = {"seed": seed, "kind": "hang"}
        except BaseException as exc:  # the finding: anything that is not a laneforge error
            last = traceback.format_exc().strip().splitlines()[-1]
            record = {"seed": seed, "kind": "traceback", "error": last[:300],
                      "type": type(exc).__name__}
        record["seconds"] = round(time.perf_counter() - began, 3)
        print(json.dumps(record), flush=True)
    print(json.dumps({"rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),
          flush=True)


def run_chunk(kind: str, start: int, end: int, memory_mb: int, timeout: float) -> list[dict]:
    """Run a chunk in children; a child that dies or falls silent for longer than the
    timeout costs its current case (a traceback or a hang) and a fresh child goes on."""
    records: list[dict] = []
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MALLOC_ARENA_MAX": "2", "QT_QPA_PLATFORM": "offscreen"}
    seed = start
    while seed < end:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", kind, str(seed), str(end),
             "--memory-mb", str(memory_mb), "--timeout", str(timeout)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert proc.stdout is not None
        silent_since = time.monotonic()
        ended = False
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                line = proc.stdout.readline()
                if not line:
                    break
                data = json.loads(line)
                if "rss_kb" in data:
                    records.append(data)
                    ended = True
                    continue
                records.append(data)
                seed = data["seed"] + 1
                silent_since = time.monotonic()
            elif time.monotonic() - silent_since > timeout + 30:  # the in-run guard failed
                proc.kill()
                records.append({"seed": seed, "kind": "hang", "seconds": timeout + 30})
                seed += 1
                break
        proc.wait()
        if not ended and seed < end and (not records or records[-1].get("seed") != seed
                                         or records[-1]["kind"] != "hang"):
            # the child died in the middle of a case (memory limit, a crash)
            records.append({"seed": seed, "kind": "traceback",
                            "error": f"the child died (exit {proc.returncode})"})
            seed += 1
    return records


def report(kind: str, records: list[dict], seconds: float) -> dict:
    cases = [r for r in records if "kind" in r]
    counts = Counter(r["kind"] for r in cases)
    validated = counts["stopped"] + counts["simulated"]
    peak = max((r["rss_kb"] for r in records if "rss_kb" in r), default=0)
    slowest = max((r.get("seconds", 0) for r in cases), default=0)
    print(f"{kind}: tried {len(cases)}, refused with a message {counts['refused']}, "
          f"listed validation errors {counts['invalid']}, validated {validated} "
          f"(simulated {counts['simulated']}, stopped with a run error {counts['stopped']}), "
          f"tracebacks {counts['traceback']}, hangs {counts['hang']}; "
          f"peak RSS {peak / 1024:.0f} MB; slowest case {slowest:.1f} s; {seconds:.0f} s")
    for r in cases:
        if r["kind"] in ("traceback", "hang"):
            print(f"  {kind} seed {r['seed']}: {r['kind']} {r.get('error', '')}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=int, nargs="?", default=1000)
    parser.add_argument("--kind", choices=["lane", "bpmn", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--memory-mb", type=int, default=1500)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--start", type=int, default=0, help="first seed")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "START", "END"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]), args.memory_mb,
              args.timeout)
        return 0
    print(f"fuzz: {args.cases} cases per kind, {args.jobs} children at a time, "
          f"{args.memory_mb} MB address space and {args.timeout:g} s per case")
    bad = 0
    for kind in (["lane", "bpmn"] if args.kind == "both" else [args.kind]):
        began = time.perf_counter()
        chunks = [(s, min(s + CHUNK, args.start + args.cases))
                  for s in range(args.start, args.start + args.cases, CHUNK)]
        with ThreadPoolExecutor(args.jobs) as pool:
            parts = pool.map(lambda c, k=kind: run_chunk(k, c[0], c[1], args.memory_mb,
                                                         args.timeout), chunks)
            records = [r for part in parts for r in part]
        counts = report("lane.json" if kind == "lane" else "BPMN", records,
                        time.perf_counter() - began)
        bad += counts["traceback"] + counts["hang"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
