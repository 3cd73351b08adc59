"""What calibrating from a 100k-lead CRM export costs, and how well it recovers the truth.

    python benchmarks/bench_calibrate.py [--leads 100000] [--days 182] [--seed 7]

The bundled lead-lifecycle template, its volume and staff scaled so that about ``--leads``
leads arrive in ``--days``, is simulated into a synthetic CRM log (``synthetic_crm``). A
deliberately wrong copy (arrivals doubled, staff halved, probabilities shifted, durations
half as long again, the calendar wrong) is fitted to it. Prints the time to make the log,
the time and peak memory of ``fit`` (goal: fit plus validation under a minute and 1 GB),
and the recovery table: each parameter's truth, fitted value and the tolerance its sample
size allows (3.3 standard errors: binomial for probabilities, Poisson for rates, the mean's
normal interval for durations; staff and calendars must come back exactly).
"""

from __future__ import annotations

import argparse
import math
import resource
import time
import tracemalloc
from typing import Any

from laneforge.app.calibrate import Calibration, fit
from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.bundled import templates_dir
from laneforge.io import load_process
from laneforge.model import Process, apply_changes
from laneforge.model.distributions import mean_hours

SIGMAS = 3.3


def truth_process(leads: int, days: float) -> Process:
    """The lead-lifecycle template scaled to about ``leads`` leads in ``days``."""
    base = load_process(templates_dir() / "lead-lifecycle.lane.json")
    per_day = sum(s.mean_rate_per_hour for s in base.sources()) * 24.0
    scale = leads / (per_day * days)
    changes: dict[str, Any] = {"arrivals.scale": scale}
    for lane in base.lanes:
        if lane.staff is not None:
            changes[f"lanes.{lane.id}.staff"] = max(1, round(lane.staff * scale))
    return apply_changes(base, changes, name="scaled")


def wrong_process(truth: Process) -> Process:
    """The truth with every fitted number off."""
    changes: dict[str, Any] = {"arrivals.scale": 2.0}
    for lane in truth.lanes:
        if lane.staff is not None:
            changes[f"lanes.{lane.id}.staff"] = max(1, lane.staff // 2)
    for node in truth.tasks():
        changes[f"nodes.{node.id}.duration"] = f"{mean_hours(node.duration) * 1.5:.4g}h"
    for node_id, edges in truth.edges_by_source().items():
        carriers = [e for e in edges if e.probability is not None and e.when is None]
        if len(carriers) == len(edges) == 2 and not any(e.decay for e in edges):
            a, b = carriers
            shifted = min(max(float(a.probability) + 0.1, 0.05), 0.95)
            changes[f"edges.{node_id}->{a.target}.probability"] = round(shifted, 4)
            changes[f"edges.{node_id}->{b.target}.probability"] = round(1 - shifted, 4)
    for name in truth.calendars:
        changes[f"calendars.{name}.hours"] = "08:00-18:00"
    return apply_changes(truth, changes, name="wrong")


def recovery(truth: Process, result: Calibration) -> list[tuple[str, str, str, str, bool]]:
    """(parameter, truth, fitted, tolerance, ok) rows."""
    rows = []
    for source in truth.sources():
        f = result.sources.get(source.id)
        if f is None:
            continue
        true = source.mean_rate_per_hour * 24.0
        days = f.weeks * 7.0
        tol = SIGMAS * math.sqrt(true * days) / days
        rows.append((f"{source.id} leads/day", f"{true:.2f}", f"{f.rate_per_day:.2f}",
                     f"±{tol:.2f}", abs(f.rate_per_day - true) <= tol))
    for node_id, branch in result.branches.items():
        for edge in truth.outgoing(node_id):
            if edge.probability is None or edge.when is not None or edge.default:
                continue
            p = float(edge.probability)
            fitted = branch.targets[edge.target][0]
            if edge.decay is not None:
                decay = branch.decay[edge.target]
                se = (math.log(decay.ci95[1]) - math.log(decay.ci95[0])) / (2 * 1.96)
                true_h = edge.decay.half_life.hours
                rows.append((f"{node_id}->{edge.target} half-life h", f"{true_h:.1f}",
                             f"{decay.half_life:.1f}", f"×÷{math.exp(SIGMAS * se):.2f}",
                             abs(math.log(decay.half_life / true_h)) <= SIGMAS * se))
                se_b = (decay.base_ci95[1] - decay.base_ci95[0]) / (2 * 1.96)
                tol = SIGMAS * se_b
            else:
                tol = SIGMAS * math.sqrt(p * (1 - p) / branch.n)
            rows.append((f"{node_id}->{edge.target}", f"{p:.3f}", f"{fitted:.3f}",
                         f"±{tol:.3f}", abs(fitted - p) <= tol))
    for node in truth.nodes:
        f = result.durations.get(node.id)
        if f is None or not hasattr(node, "duration"):
            continue
        true = mean_hours(node.duration)
        half = (f.ci95[1] - f.ci95[0]) / 2 / 1.96 * SIGMAS
        rows.append((f"{node.id} mean h ({f.family})", f"{true:.4g}", f"{f.mean:.4g}",
                     f"±{half:.2g}", abs(f.mean - true) <= half))
    for lane in truth.lanes:
        staff = result.lanes.get(lane.id)
        if staff is not None:
            rows.append((f"{lane.id} staff", str(lane.staff), str(staff.staff), "exact",
                         staff.staff == lane.staff))
    for name, calendar in truth.calendars.items():
        fitted = result.process.calendars[name]
        rows.append((f"calendar {name}", f"{calendar.days} {calendar.hours}",
                     f"{fitted.days} {fitted.hours}", "exact",
                     (fitted.days, fitted.hours) == (calendar.days, calendar.hours)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=182.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    truth = truth_process(args.leads, args.days)
    wrong = wrong_process(truth)
    start = time.perf_counter()
    crm = synthetic_crm(truth, days=args.days, seed=args.seed)
    made = time.perf_counter() - start
    log = crm.log
    print(f"synthetic log: {len(log.cases):,} leads, {len(log.events):,} events, "
          f"{crm.open_cases:,} open at the end, made in {made:.1f} s")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = fit(wrong, log, crm.mapping)
    took = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    fit(wrong, log, crm.mapping)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"fit: {took:.1f} s, {len(result.changes)} changes, "
          f"{len(result.not_calibrated)} not calibrated; peak memory allocated by fit "
          f"{peak / 2**20:.0f} MB (process peak RSS {rss_before:.0f} MB before, "
          f"{rss_after:.0f} MB after)")
    rows = recovery(truth, result)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'parameter':{width}s}  {'truth':>26s}  {'fitted':>26s}  {'tolerance':>9s}  ok")
    for name, true, fitted, tol, ok in rows:
        print(f"{name:{width}s}  {true:>26s}  {fitted:>26s}  {tol:>9s}  {'yes' if ok else 'NO'}")
    print(f"\n{sum(r[4] for r in rows)} of {len(rows)} within tolerance")
    for path in result.not_calibrated:
        print(f"not calibrated: {path}: {result.reasons[path]}")


if __name__ == "__main__":
    main()
