"""Loading big CRM exports: time and peak memory of ``read_export``.

    python benchmarks/bench_crm_load.py [--leads 100000] [--events-rows 1000000]

Writes, into a temporary folder, an events CSV of ``--events-rows`` rows and a Salesforce
export of ``--leads`` leads (Lead, LeadHistory with owner changes written twice,
Opportunity, OpportunityHistory, Task, User, Group), both from a random but CRM-like event
log, then loads each in a fresh process and prints the load time, the peak traced
allocation (tracemalloc, a second run) and the process's peak resident memory (ru_maxrss,
less what Python, pandas and laneforge take before the load). Goal: well under 1 GB for a
million rows.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from laneforge.io.crm import EventLog, read_export, write_events, write_salesforce
from laneforge.io.crm.assemble import complete_owners, conform_cases, conform_events
from laneforge.io.crm.salesforce_writer import make_id

START = pd.Timestamp("2025-01-06")
DAYS = 180


def _hours(values: np.ndarray) -> pd.TimedeltaIndex:
    return pd.to_timedelta(values, unit="h")


def crm_like_log(leads: int, seed: int = 1) -> EventLog:
    """Leads from a queue to an SDR, calls, nurture and re-entry, conversion to an
    opportunity won or lost; those created late are still open at the end."""
    rng = np.random.default_rng(seed)
    case = np.array([make_id("00Q", i + 1) for i in range(leads)], dtype=object)
    created = START + _hours(np.sort(rng.uniform(0, DAYS * 24, leads)))
    sdrs = np.array([make_id("005", i + 1) for i in range(8)], dtype=object)
    aes = np.array([make_id("005", i + 101) for i in range(4)], dtype=object)
    queue, robot = make_id("00G", 1), make_id("005", 999)
    sdr = rng.choice(sdrs, leads)
    parts = []

    def add(mask, time, kind, value, owner, subtype=None, duration=None):
        n = int(mask.sum())
        parts.append(pd.DataFrame({
            "case": case[mask], "time": time[mask], "kind": kind,
            "value": value if np.isscalar(value) else np.asarray(value)[mask],
            "owner": owner if np.isscalar(owner) else np.asarray(owner)[mask],
            "subtype": subtype, "duration_h": np.nan if duration is None else duration[mask],
        }, index=range(n)))

    every = np.ones(leads, dtype=bool)
    add(every, created, "stage", "Open - Not Contacted", robot)
    add(every, created, "owner", queue, queue)
    assigned = created + _hours(rng.exponential(2.0, leads))
    add(every, assigned, "owner", sdr, robot)
    calls = rng.integers(1, 4, leads)
    for k in range(3):
        has = calls > k
        when = assigned + _hours(rng.exponential(6.0, leads) + 24 * k)
        kind = rng.choice(["Discovery Call", "Follow-up Call", "Cold Call"], leads)
        add(has, when, "activity", kind, sdr, "Call", rng.lognormal(-2.5, 0.6, leads))
        if k == 0:
            add(has, when, "stage", "Working - Contacted", sdr)
    nurture = rng.random(leads) < 0.3
    back = assigned + _hours(24 * 30 + rng.exponential(48.0, leads))
    add(nurture, assigned + _hours(72), "stage", "Nurture", robot)
    add(nurture, back, "stage", "Working - Contacted", sdr)
    qualified = rng.random(leads) < 0.45
    decided = np.maximum(back, assigned + _hours(96)) + _hours(rng.exponential(48.0, leads))
    add(qualified, decided, "stage", "Qualified", sdr)
    add(~qualified, decided, "stage", "Closed - Not Converted", sdr)
    ae = rng.choice(aes, leads)
    opp = decided + _hours(rng.exponential(24.0, leads))
    add(qualified, opp, "owner", ae, robot)
    add(qualified, opp, "stage", "Prospecting", ae)
    add(qualified, opp + _hours(24 * 7), "stage", "Proposal", ae)
    won = rng.random(leads) < 0.35
    close = opp + _hours(24 * 7 + rng.exponential(24 * 14.0, leads))
    add(qualified & won, close, "stage", "Closed Won", ae)
    add(qualified & ~won, close, "stage", "Closed Lost", ae)
    end = START + pd.Timedelta(days=DAYS)
    events = conform_events(parts)
    events = events[events["time"] <= end]
    events = events.sort_values(["case", "time"], kind="stable").reset_index(drop=True)
    last = events.groupby("case")["value"].last()
    cases = conform_cases(pd.DataFrame({
        "created": created, "source": rng.choice(["Web", "Webinar", "Partner"], leads),
        "owner": np.where(qualified, ae, sdr),
        "amount": np.where(qualified, rng.lognormal(9.5, 0.5, leads).round(2), np.nan),
        "status": last.reindex(case).to_numpy(),
    }, index=pd.Index(case, name="case")))
    owners = pd.DataFrame({
        "name": [*(f"SDR {i + 1}" for i in range(8)), *(f"AE {i + 1}" for i in range(4)),
                 "SDR Queue", "Integration User"],
        "role": [*["SDR"] * 8, *["AE"] * 4, pd.NA, pd.NA],
        "is_queue": [*[False] * 12, True, False],
    }, index=[*sdrs, *aes, queue, robot])
    return EventLog("salesforce", cases, events, complete_owners(owners, events, cases),
                    START, end)


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _peak_kb() -> int:
    """Peak resident memory so far; Linux's VmHWM is per process image (ru_maxrss keeps the
    parent's peak across exec, which would hide the child's)."""
    peak = _status_kb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _load(paths: list[str], traced: bool, out: multiprocessing.Queue) -> None:
    with contextlib.suppress(OSError):  # reset the peak to now: the figure is the load's own
        Path("/proc/self/clear_refs").write_text("5")
    base = _status_kb("VmRSS") or _peak_kb()
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    log = read_export([Path(p) for p in paths])
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    rss = _peak_kb() - base
    out.put((seconds, peak, rss, len(log.cases), len(log.events)))


def measure(paths: list[Path], traced: bool) -> tuple[float, int, int, int, int]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_load, args=([str(p) for p in paths], traced, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def _report(name: str, paths: list[Path], rows: int) -> None:
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.iterdir()))]
    size = sum(f.stat().st_size for f in files) / 1e6
    seconds, _, rss, cases, events = measure(paths, traced=False)
    _, peak, _, _, _ = measure(paths, traced=True)
    print(f"{name}: {rows:,} rows, {size:.0f} MB on disk -> {cases:,} cases, {events:,} events")
    print(f"  load {seconds:.1f} s, peak traced {peak / 1e6:.0f} MB, "
          f"peak resident +{rss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--events-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    began = time.perf_counter()
    log = crm_like_log(args.leads)
    per_case = len(log.events) / len(log.cases)
    big = crm_like_log(int(1.05 * args.events_rows / per_case) + 1, seed=2)
    big.events = big.events.iloc[:args.events_rows]
    big.cases = big.cases[big.cases.index.isin(big.events["case"])]
    print(f"made the logs in {time.perf_counter() - began:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        events_csv = write_events(big, folder / "events.csv")
        print(f"wrote {events_csv.name} in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        written = write_salesforce(log, folder / "salesforce")
        print(f"wrote the Salesforce export in {time.perf_counter() - began:.1f} s")
        _report("events CSV", [events_csv], len(big.events))
        rows = sum(len(pd.read_csv(p, usecols=[0])) for p in written)
        _report("Salesforce export", [folder / "salesforce"], rows)


if __name__ == "__main__":
    main()
