"""Calendar look-ups before and after the week tables, and what they do to the engine.

    python benchmarks/bench_calendar.py [--rounds 5] [--skip PART ...]

1. Per-call cost of each ``Timeline`` question, the old day-by-day ``datetime`` Timeline
   (tests/legacy_timeline.py) against the week-table one, on the templates' calendar
   (Mon-Fri 09:00-12:30, 13:30-17:30) at random times inside two years; and the cost of
   generating two years of intervals (old; new without a zone; new in Europe/London).
2. An O(1) alternative for comparison: "working hours before t" from week arithmetic
   (``divmod`` by the week, then a look-up in one week's table) against one ``bisect``.
3. The engine: one replication of the realistic funnel (365 days) with the old and the new
   Timeline in this interpreter, alternating, the median of each, and that the results are
   equal; then bench_engine's realistic-funnel ratio against the hand-written SimPy model.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the old Timeline, kept as the reference

from bench_engine import REALISTIC, REALISTIC_HOURS, REALISTIC_MODEL, speed  # noqa: E402
from laneforge.model.calendar import Calendar, Timeline  # noqa: E402
from legacy_timeline import LegacyTimeline  # noqa: E402

CALENDAR = Calendar(days="mon-fri", hours="09:00-12:30,13:30-17:30",
                    holidays=[dt.date(2026, 12, 25), dt.date(2027, 1, 1)])
ORIGIN = dt.datetime(2026, 1, 5)
SPAN = 2 * 365 * 24.0
CALLS = 200_000


def _per_call(fn, args: list, rounds: int) -> float:
    """Nanoseconds per call of ``fn`` over ``args``, the best of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for a in args:
            fn(a)
        best = min(best, time.perf_counter() - start)
    return best / len(args) * 1e9


def lookups(rounds: int) -> None:
    print("1. Per call (ns), Mon-Fri 09:00-12:30,13:30-17:30, random times in two years")
    rng = random.Random(1)
    times = [rng.uniform(0.0, SPAN) for _ in range(CALLS)]
    lines = {}
    for name, cls in (("old", LegacyTimeline), ("new", Timeline)):
        line = cls(CALENDAR, ORIGIN)
        line.cumulative(SPAN + 24.0 * 60)  # the tables reach past every time asked
        lines[name] = line
    worked = [lines["new"].cumulative(t) for t in times]
    questions = {
        "is_open": lambda line: (line.is_open, times),
        "worked_if_open": lambda line: (line.worked_if_open, times),
        "next_open": lambda line: (line.next_open, times),
        "next_start_after": lambda line: (line.next_start_after, times),
        "cumulative": lambda line: (line.cumulative, times),
        "add(t, 3 h)": lambda line: (lambda t, add=line.add: add(t, 3.0), times),
        "add_from(w, 3 h)": lambda line: (lambda w, f=line.add_from: f(w, 3.0), worked),
    }
    print(f"   {'question':18s} {'old':>7s} {'new':>7s}  new/old")
    for label, make in questions.items():
        old = _per_call(*make(lines["old"]), rounds)
        new = _per_call(*make(lines["new"]), rounds)
        print(f"   {label:18s} {old:7.0f} {new:7.0f}  {new / old:5.2f}")
    for label, factory in (
        ("old (datetime)", lambda: LegacyTimeline(CALENDAR, ORIGIN)),
        ("new, no zone", lambda: Timeline(CALENDAR, ORIGIN)),
        ("new, Europe/London", lambda: Timeline(
            CALENDAR.model_copy(update={"timezone": "Europe/London"}), ORIGIN)),
    ):
        factory().cumulative(SPAN)  # the zone's offset changes are cached after the first
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            factory().cumulative(SPAN)
            best = min(best, time.perf_counter() - start)
        print(f"   two years of intervals, {label:18s} {best * 1e3:6.2f} ms")


def week_arithmetic(rounds: int) -> None:
    """Working hours before t by week arithmetic (no holidays), against one bisect."""
    line = Timeline(CALENDAR.model_copy(update={"holidays": []}), ORIGIN)
    line.cumulative(SPAN + 24.0 * 60)
    starts, ends, cum = line.tables
    week_starts = [s for s in starts if s < 168.0]
    week_ends = ends[:len(week_starts)]
    week_cum = cum[:len(week_starts) + 1]
    per_week = week_cum[-1]

    def by_week(t: float) -> float:
        week, rest = divmod(t, 168.0)
        i = bisect.bisect_right(week_starts, rest) - 1
        if i < 0:
            return week * per_week
        end = week_ends[i]
        return week * per_week + week_cum[i] + (rest if rest < end else end) - week_starts[i]

    def by_bisect(t: float) -> float:
        i = bisect.bisect_right(starts, t) - 1
        if i < 0:
            return 0.0
        end = ends[i]
        return cum[i] + (t if t < end else end) - starts[i]

    rng = random.Random(2)
    times = [rng.uniform(0.0, SPAN) for _ in range(CALLS)]
    assert all(abs(by_week(t) - by_bisect(t)) < 1e-6 for t in times[:1000])
    print(f"2. Working hours before t: week arithmetic {_per_call(by_week, times, rounds):.0f} "
          f"ns, one bisect over {len(starts)} intervals {_per_call(by_bisect, times, rounds):.0f}"
          " ns (same function body otherwise)")


def engine(rounds: int) -> None:
    import laneforge
    from laneforge.sim import compile_process
    from laneforge.sim import engine as engine_module

    process = laneforge.load_process(REALISTIC)
    compiled = compile_process(process, horizon=365 * 24.0)
    seed = process.simulation.seed
    seconds: dict[str, list[float]] = {"old": [], "new": []}
    results = {}
    print(f"3. Engine, realistic funnel 365 d, one replication, {rounds} rounds (alternating)")
    for _ in range(rounds):
        for name, cls in (("old", LegacyTimeline), ("new", Timeline)):
            engine_module.Timeline = cls
            start = time.perf_counter()
            stats = engine_module.run_replication(compiled, 0, seed)
            seconds[name].append(time.perf_counter() - start)
            results[name] = dataclasses.replace(stats, cycle=None)
    engine_module.Timeline = Timeline
    old, new = statistics.median(seconds["old"]), statistics.median(seconds["new"])
    print(f"   median old {old:.3f} s, new {new:.3f} s, new/old {new / old:.3f}; "
          f"results equal: {results['old'] == results['new']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["lookups", "week", "engine", "ratio"])
    args = parser.parse_args()
    if "lookups" not in args.skip:
        lookups(args.rounds)
    if "week" not in args.skip:
        week_arithmetic(args.rounds)
    if "engine" not in args.skip:
        engine(args.rounds)
    if "ratio" not in args.skip:
        speed("4. Realistic funnel against the hand-written model", REALISTIC_MODEL, REALISTIC,
              args.rounds, REALISTIC_HOURS)


if __name__ == "__main__":
    main()
