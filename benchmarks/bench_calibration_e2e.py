"""``laneforge calibrate`` end to end on a 100k-lead Salesforce export: time, memory, recovery.

    python benchmarks/bench_calibration_e2e.py [--leads 100000] [--days 182] [--seed 7]
                                               [--replications 10] [--jobs N]

The bundled lead-lifecycle template scaled to about ``--leads`` leads in ``--days`` (as in
``bench_calibrate.py``) is simulated into a synthetic CRM log and written as a Salesforce
export (Lead, LeadHistory, Opportunity, OpportunityHistory, Task, User, UserRole, Group
CSVs) with its MAP.json. A deliberately wrong copy (arrivals doubled, staff halved,
probabilities shifted, durations half as long again, the calendar wrong) is then calibrated
by the command line in a fresh process, exactly as a user runs it: read the export, fit,
validate on the holdout with ``--replications`` (``--jobs``, default: every core). Prints
the wall time and the peak resident memory of that process and its workers
(``ru_maxrss`` of the children), the recovery table (each parameter's truth, fitted value
and the tolerance its sample size allows: 3.3 standard errors, Poisson for rates, binomial
for shares, the mean's interval for durations, exact for staff and calendars) and the
validation checks. Goal (issue 13): under a minute and under 1 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_calibrate import SIGMAS, truth_process, wrong_process
from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.io import load_process, save_process
from laneforge.io.crm import save_mapping, write_salesforce
from laneforge.model import Process
from laneforge.model.distributions import mean_hours


def recovery(truth: Process, fit: dict[str, Any], fitted: Process) -> list[tuple[Any, ...]]:
    """(parameter, truth, fitted, tolerance, ok) rows from FIT.json and the written process."""
    rows: list[tuple[Any, ...]] = []
    for source in truth.sources():
        f = fit["sources"].get(source.id)
        if f is None:
            continue
        true = source.mean_rate_per_hour * 24.0
        days = f["n"] / f["rate_per_day"]
        tol = SIGMAS * math.sqrt(true * days) / days
        rows.append((f"{source.id} leads/day", f"{true:.2f}", f"{f['rate_per_day']:.2f}",
                     f"±{tol:.2f}", abs(f["rate_per_day"] - true) <= tol))
    for node_id, targets in fit["branches"].items():
        for edge in truth.outgoing(node_id):
            if edge.probability is None or edge.when is not None or edge.default:
                continue
            entry = targets[edge.target]
            p, got = float(edge.probability), entry["probability"]
            if edge.decay is not None and entry.get("decay", {}).get("ci95", [None])[0]:
                lo, hi = entry["decay"]["ci95"]
                se = (math.log(hi) - math.log(lo)) / (2 * 1.96)
                true_h = edge.decay.half_life.hours
                half_life = entry["decay"]["half_life_hours"]
                rows.append((f"{node_id}->{edge.target} half-life h", f"{true_h:.1f}",
                             f"{half_life:.1f}", f"×÷{math.exp(SIGMAS * se):.2f}",
                             abs(math.log(half_life / true_h)) <= SIGMAS * se))
                tol = SIGMAS * (entry["ci95"][1] - entry["ci95"][0]) / (2 * 1.96)
            else:
                tol = SIGMAS * math.sqrt(p * (1 - p) / entry["n"])
            rows.append((f"{node_id}->{edge.target}", f"{p:.3f}", f"{got:.3f}", f"±{tol:.3f}",
                         abs(got - p) <= tol))
    changes = {c["path"]: c for c in fit["changes"]}
    for node in truth.nodes:
        change = changes.get(f"nodes.{node.id}.duration")
        if change is None or change.get("ci95") is None:
            continue
        true = mean_hours(node.duration)
        lo, hi = change["ci95"]
        half = (hi - lo) / 2 / 1.96 * SIGMAS
        rows.append((f"{node.id} mean h", f"{true:.4g}", f"{(lo + hi) / 2:.4g}", f"±{half:.2g}",
                     abs((lo + hi) / 2 - true) <= half))
    for lane in truth.lanes:
        staff = fit["lanes"].get(lane.id)
        if staff is not None:
            rows.append((f"{lane.id} staff", str(lane.staff), str(staff["staff"]), "exact",
                         staff["staff"] == lane.staff))
    for name, calendar in truth.calendars.items():
        got = fitted.calendars[name]
        rows.append((f"calendar {name}", f"{calendar.days} {calendar.hours}",
                     f"{got.days} {got.hours}", "exact",
                     (got.days, got.hours) == (calendar.days, calendar.hours)))
    return rows


def _watch(child: subprocess.Popen[str]) -> tuple[float, float | None, float | None]:
    """Wait for ``child``: its peak resident size (ru_maxrss from wait4: it and the workers
    it waited for), and, with psutil, the largest resident size of it or any worker it
    starts (sampled every 0.1 s; a forkserver's workers are not its children) and the
    largest sum of their proportional set sizes (every 0.5 s), in MB."""
    try:
        import psutil
    except ImportError:
        psutil = None
    single = total = 0.0
    tick = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if psutil is not None:
            try:
                root = psutil.Process(child.pid)
                procs = [root, *root.children(recursive=True)]
                single = max([single, *(p.memory_info().rss / 2**20 for p in procs)])
                if tick % 5 == 0:
                    total = max(total, sum(getattr(p.memory_full_info(), "pss", 0)
                                           for p in procs) / 2**20)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        tick += 1
        time.sleep(0.1)
    child.returncode = os.waitstatus_to_exitcode(status)
    if psutil is None:
        return usage.ru_maxrss / 1024, None, None
    return usage.ru_maxrss / 1024, single, total


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(_cell(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for row in cells:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "–".join(_cell(v) for v in value)
    return "" if value is None else str(value)


def make_export(folder: Path, leads: int, days: float, seed: int) -> None:
    """The export, its MAP.json and the wrong starting process, written into ``folder``."""
    truth = truth_process(leads, days)
    start = time.perf_counter()
    crm = synthetic_crm(truth, days=days, seed=seed)
    made = time.perf_counter() - start
    start = time.perf_counter()
    files = write_salesforce(crm.log, folder / "salesforce")
    written = time.perf_counter() - start
    size = sum(f.stat().st_size for f in files) / 2**20
    save_mapping(crm.mapping, folder / "map.json")
    save_process(wrong_process(truth), folder / "wrong.lane.json")
    print(f"export: {len(crm.log.cases):,} leads, {len(crm.log.events):,} events "
          f"({crm.open_cases:,} open at the end); made in {made:.1f} s, written as "
          f"Salesforce CSVs ({size:.0f} MB) in {written:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=182.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--make", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_export(Path(args.make), args.leads, args.days, args.seed)
        return
    truth = truth_process(args.leads, args.days)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # made in a process of its own, so that this one stays small: a child forked from a
        # large process starts with its size, and ru_maxrss would count that
        subprocess.run([sys.executable, __file__, "--make", tmp, "--leads", str(args.leads),
                        "--days", str(args.days), "--seed", str(args.seed)], check=True)
        command = [sys.executable, "-m", "laneforge", "calibrate", str(folder / "wrong.lane.json"),
                   str(folder / "salesforce"), "--map", str(folder / "map.json"),
                   "-o", str(folder / "out.lane.json"), "--json", str(folder / "fit.json"),
                   "-r", str(args.replications), "--jobs", str(args.jobs), "--seed", "1"]
        start = time.perf_counter()
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            child = subprocess.Popen(command, stdout=out, stderr=err, text=True)
            peak, single, total = _watch(child)
            took = time.perf_counter() - start
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if child.returncode != 0:
            sys.exit(f"laneforge calibrate failed ({child.returncode}): {stderr.strip()}")
        fit = json.loads((folder / "fit.json").read_text())
        fitted = load_process(folder / "out.lane.json")
    load = os.getloadavg()[0]
    print(f"laneforge calibrate (read + fit + validation, {args.replications} replications, "
          f"--jobs {args.jobs}): {took:.1f} s; peak resident memory (ru_maxrss) {peak:.0f} MB "
          f"(load average {load:.1f} on {os.cpu_count()} cores at the end)")
    if single is not None:
        print(f"  sampled: largest process {single:.0f} MB (RSS, workers included), all "
              f"processes together {total:.0f} MB at most (PSS: shared pages counted once)")
    print("\n" + "\n".join(line for line in stdout.splitlines()
                           if line.startswith(("Salesforce", "  ", "Validation"))
                           and "→" not in line)[:4000])
    rows = recovery(truth, fit, fitted)
    print(f"\nrecovery: {sum(r[4] for r in rows)} of {len(rows)} within tolerance")
    _table(("parameter", "truth", "fitted", "tolerance", "ok"), rows)
    validation = fit["validation"]
    checks = [(c["metric"], c["what"], c["observed"], c["simulated"], c["ci95"], c["noise"],
               c["tolerance"], c["ok"]) for c in validation["checks"]]
    print(f"\nvalidation on {validation['window'][0][:10]} to {validation['window'][1][:10]}: "
          f"verdict {validation['verdict'].upper()}")
    _table(("metric", "what", "observed", "simulated", "95 % interval", "noise", "tolerance",
            "ok"), checks)


if __name__ == "__main__":
    main()
