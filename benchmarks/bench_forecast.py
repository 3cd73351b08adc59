"""A forecast of one quarter from a 100k-lead snapshot: wall time, peak memory, the target.

    python benchmarks/bench_forecast.py [--open 100000] [--replications 200] [--jobs 2]
                                        [--seed 1] [--profile]

The process is a long B2B cycle, as a calibration of a CRM with a large open pipeline gives
it: 500 leads a day wait out a nurture (exponential, mean 180 days), 40 % then become deals
that one of 25 AEs qualifies in a call (30 minutes, 09:00-17:00 on weekdays: 70 % busy) and
negotiate for an exponential 45 days, 30 % of which are won. By Little's law about 500 *
180 = 90,000 leads are in nurture and 500 * 0.4 * 45 = 9,000 deals in negotiation at any
time, so the snapshot is drawn from that steady state: Poisson counts (scaled so the total
is about ``--open``), and for an exponential stay the age of those present is exponential
with the same mean (the inspection paradox cancels memorylessness).

The forecast runs the calibrated process from the snapshot to the end of the quarter with
``--replications`` on ``--jobs`` processes (the forecast use case's run and summary,
``run_from`` and ``summarize_forecast``); ``--posterior`` draws each replication's rates
and shares first, from the counts of a year's fit (the backtest's band). It prints the wall
time of each part and its ratio against the issue's target (30 s on 2 cores), the CPU time
of this process and of the workers with the load average (on a shared machine the wall
time says little alone), and the peak resident memory of this process and of the largest
worker (ru_maxrss). ``--profile`` runs ``--replications`` in this process under cProfile
and prints the top of it instead.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import math
import os
import pstats
import resource
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from laneforge.app.forecast import default_until, run_from
from laneforge.app.forecast_stats import summarize_forecast
from laneforge.io import process_from_data
from laneforge.model import Process
from laneforge.model.observed import Observed
from laneforge.sim.snapshot import OpenItem, Snapshot

if TYPE_CHECKING:
    from laneforge.app.forecast_uncertainty import Posterior

TARGET_S = 30.0
RATE_PER_DAY, NURTURE_DAYS, P_DEAL, NEGOTIATION_DAYS, P_WON = 500.0, 180.0, 0.4, 45.0, 0.3
AS_OF = dt.datetime(2026, 4, 1)


def process() -> Process:
    """The calibrated long-cycle process (``observed`` set: it was fitted)."""
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": "long B2B cycle",
        "start": "2025-01-01T00:00", "stages": ["Lead", "Opportunity"],
        "simulation": {"horizon": "92d", "warmup": "0d"},
        "calendars": {"business": {"hours": "09:00-17:00"}},
        "lanes": [{"id": "marketing", "staff": None},
                  {"id": "ae", "staff": 25, "calendar": "business"},
                  {"id": "deals", "staff": None}],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "marketing", "name": "Web",
             "stage": "Lead", "arrivals": {"rate": f"{RATE_PER_DAY:g}/day"}},
            {"id": "nurture", "kind": "delay", "lane": "marketing", "name": "Nurture",
             "duration": {"dist": "exponential", "mean": f"{NURTURE_DAYS:g}d"}},
            {"id": "qualified", "kind": "decision", "lane": "marketing"},
            {"id": "call", "kind": "task", "lane": "ae", "name": "Qualification call",
             "stage": "Opportunity", "duration": {"dist": "exponential", "mean": "30min"}},
            {"id": "negotiation", "kind": "delay", "lane": "deals", "name": "Negotiation",
             "duration": {"dist": "exponential", "mean": f"{NEGOTIATION_DAYS:g}d"}},
            {"id": "close", "kind": "decision", "lane": "deals"},
            {"id": "won", "kind": "end", "lane": "deals", "outcome": "won"},
            {"id": "lost", "kind": "end", "lane": "deals", "outcome": "lost"},
            {"id": "dropped", "kind": "end", "lane": "marketing", "outcome": "lost"}],
        "edges": [{"from": "web", "to": "nurture"}, {"from": "nurture", "to": "qualified"},
                  {"from": "qualified", "to": "call", "probability": P_DEAL},
                  {"from": "qualified", "to": "dropped", "probability": 1 - P_DEAL},
                  {"from": "call", "to": "negotiation"},
                  {"from": "negotiation", "to": "close"},
                  {"from": "close", "to": "won", "probability": P_WON},
                  {"from": "close", "to": "lost", "probability": 1 - P_WON}],
    }
    fitted = process_from_data(data)
    fitted.observed = Observed(source="synthetic", start=dt.date(2025, 1, 1),
                               end=AS_OF.date())
    return fitted


def snapshot(open_items: int, seed: int) -> Snapshot:
    """About ``open_items`` open leads and deals drawn from the process's steady state."""
    rng = np.random.default_rng(seed)
    nurture = RATE_PER_DAY * NURTURE_DAYS
    negotiation = RATE_PER_DAY * P_DEAL * NEGOTIATION_DAYS
    scale = open_items / (nurture + negotiation)
    items: list[OpenItem] = []
    for node, mean_days, where in (("nurture", NURTURE_DAYS, nurture),
                                   ("negotiation", NEGOTIATION_DAYS, negotiation)):
        ages = rng.exponential(mean_days * 24.0, rng.poisson(where * scale))
        amounts = rng.lognormal(np.log(20000.0), 0.6, len(ages))
        items.extend(
            OpenItem(id=f"{node}-{k}", node=node, age_hours=float(age), source="web",
                     created_hours_ago=float(age) + (NURTURE_DAYS * 24.0
                                                     if node == "negotiation" else 0.0),
                     attributes={"amount": round(float(amount), -1)}
                     if node == "negotiation" else {})
            for k, (age, amount) in enumerate(zip(ages, amounts, strict=True)))
    return Snapshot(as_of=AS_OF, items=tuple(items))


def pipeline_wins(snap: Snapshot, horizon_days: float) -> float:
    """The mean wins from the snapshot by the horizon, in closed form (the call's half hour
    left out): a deal in negotiation closes in time with probability 1 - exp(-H/m2); a lead
    in nurture needs both stays, X + Y < H for independent exponentials (memoryless: the
    age does not matter), 1 - (m1 exp(-H/m1) - m2 exp(-H/m2)) / (m1 - m2)."""
    m1, m2, h = NURTURE_DAYS, NEGOTIATION_DAYS, horizon_days
    nurture = sum(item.node == "nurture" for item in snap.items)
    deals = len(snap.items) - nurture
    both = 1 - (m1 * math.exp(-h / m1) - m2 * math.exp(-h / m2)) / (m1 - m2)
    return P_WON * (deals * (1 - math.exp(-h / m2)) + nurture * P_DEAL * both)


def year_posterior() -> Posterior:
    """The counts a year's fit of the process would have seen: its leads, and the passes
    of its two branches at the fitted shares."""
    from laneforge.app.forecast_uncertainty import BranchCounts, Posterior, SourceCounts

    leads = int(RATE_PER_DAY * 365)
    deals = int(leads * P_DEAL)
    return Posterior((SourceCounts("web", leads, 365.0, RATE_PER_DAY),),
                     (BranchCounts("qualified", {"call": deals, "dropped": leads - deals}),
                      BranchCounts("close", {"won": int(deals * P_WON),
                                             "lost": deals - int(deals * P_WON)})))


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posterior", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    calibrated = process()
    until = default_until(AS_OF)
    started = time.perf_counter()
    snap = snapshot(args.open, args.seed)
    built = time.perf_counter() - started
    print(f"snapshot: {len(snap.items):,} open items "
          f"({sum(i.node == 'nurture' for i in snap.items):,} in nurture) in {built:.2f} s; "
          f"forecast {AS_OF:%Y-%m-%d} to {until:%Y-%m-%d}, {args.replications} replications, "
          f"jobs {args.jobs}{', parameters drawn from a year of counts' * args.posterior}")
    post = year_posterior() if args.posterior else None
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        runs = run_from(calibrated, snap, until, replications=args.replications,
                        seed=args.seed, jobs=1, posterior=post)
        summarize_forecast(runs, as_of=AS_OF, until=until)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return
    rss_before = _rss_mb(resource.RUSAGE_SELF)
    cpu_before = _cpu_s(resource.RUSAGE_SELF)
    started = time.perf_counter()
    runs = run_from(calibrated, snap, until, replications=args.replications, seed=args.seed,
                    jobs=args.jobs, posterior=post)
    ran = time.perf_counter() - started
    summary = summarize_forecast(runs, as_of=AS_OF, until=until)
    total = time.perf_counter() - started
    w = summary.won
    print(f"won deals P10 {w['p10']:.0f}  P50 {w['p50']:.0f}  P90 {w['p90']:.0f}; "
          f"from the pipeline {summary.from_pipeline:.0f}, from new leads "
          f"{summary.from_new_leads:.0f} (mean; closed form for the pipeline "
          f"{pipeline_wins(snap, (until - AS_OF).days):.0f})")
    print(f"wall time: run {ran:.1f} s + summary {total - ran:.1f} s = {total:.1f} s "
          f"against the {TARGET_S:g} s target: ratio {total / TARGET_S:.2f}")
    print(f"CPU: this process {_cpu_s(resource.RUSAGE_SELF) - cpu_before:.1f} s, workers "
          f"{_cpu_s(resource.RUSAGE_CHILDREN):.1f} s; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"peak resident memory (ru_maxrss): this process {_rss_mb(resource.RUSAGE_SELF):.0f}"
          f" MB ({rss_before:.0f} MB before the run), largest worker "
          f"{_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB")


if __name__ == "__main__":
    main()
