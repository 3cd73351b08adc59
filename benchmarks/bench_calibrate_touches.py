"""What touches cost calibration and the snapshot: a synthetic export of a nurture loop
(automated emails until engagement reaches 30, then a sales call), fitted from response
rates the wrong way round.

    python benchmarks/bench_calibrate_touches.py [--days 240] [--rate 60/day]

Prints the seconds to write the export, to fit it (of which one run of the calibrated
process gives the touches-to-hand-off it implies), to take the snapshot at its end, and
each fitted response rate with its interval beside the truth.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from laneforge.app.calibrate import fit
from laneforge.app.calibrate_touches import implied_handoffs
from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.app.forecast_snapshot import snapshot_from_export
from laneforge.io import process_from_data

TRUTH = {"mail": 0.25, "call": 0.6}


def nurture(email: float, call: float, rate: str) -> dict[str, Any]:
    return {
        "format": "laneforge/process", "version": 1, "name": "nurture",
        "lanes": [{"id": "m", "staff": None}, {"id": "s", "name": "Sales", "staff": 80}],
        "engagement": {"half_life": "7d"},
        "nodes": [
            {"id": "web", "kind": "source", "lane": "m", "arrivals": {"rate": rate},
             "channel": "paid_search", "touch_weight": 5},
            {"id": "mail", "kind": "task", "lane": "m", "name": "Nurture email",
             "duration": "1h", "touch": {"channel": "email", "weight": 10,
                                         "response_rate": email}},
            {"id": "enough", "kind": "decision", "lane": "m"},
            {"id": "wait", "kind": "delay", "lane": "m",
             "duration": {"dist": "exponential", "mean": "3d"}},
            {"id": "call", "kind": "task", "lane": "s", "name": "Discovery call",
             "duration": "20m", "touch": {"channel": "call", "weight": 20,
                                          "response_rate": call}},
            {"id": "won", "kind": "end", "lane": "s", "outcome": "won"},
        ],
        "edges": [
            {"from": "web", "to": "mail"}, {"from": "mail", "to": "enough"},
            {"from": "enough", "to": "call", "when": "engagement >= 30"},
            {"from": "enough", "to": "wait", "default": True},
            {"from": "wait", "to": "mail"}, {"from": "call", "to": "won"},
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=240.0)
    parser.add_argument("--rate", default="60/day")
    args = parser.parse_args()
    t = time.perf_counter()
    crm = synthetic_crm(process_from_data(nurture(TRUTH["mail"], TRUTH["call"], args.rate)),
                        days=args.days, seed=3)
    print(f"export: {time.perf_counter() - t:.2f} s, {len(crm.log.cases):,} leads, "
          f"{len(crm.log.events):,} records")
    start = process_from_data(nurture(TRUTH["call"], TRUTH["mail"], args.rate))
    t = time.perf_counter()
    cal = fit(start, crm.log, crm.mapping)
    print(f"fit: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    implied_handoffs(cal.process, args.days * 24.0, "call")
    print(f"  of which the run for the implied hand-offs: about {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    snapshot = snapshot_from_export(crm.log, crm.mapping, crm.truth)
    print(f"snapshot: {time.perf_counter() - t:.2f} s, {len(snapshot.items):,} open leads")
    for node, truth in TRUTH.items():
        f = cal.touches[node]
        print(f"{node}: response rate {f.rate:.4f} [{f.ci95[0]:.4f}, {f.ci95[1]:.4f}] from "
              f"{f.n:,} touches (truth {truth})")


if __name__ == "__main__":
    main()
