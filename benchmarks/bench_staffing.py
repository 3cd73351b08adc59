"""Timings of the staffing plan and of a forecast snapshot from a large CRM export.

Prints figures; asserts nothing (timings are not tests). Run with the project's venv:
``.venv/bin/python benchmarks/bench_staffing.py``.
"""

from __future__ import annotations

import time

import numpy as np

from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.app.erlang import agents_for_service_level
from laneforge.app.forecast_snapshot import open_by_node, snapshot_from_export
from laneforge.app.staffing import staffing_plan
from laneforge.app.staffing_shifts import choose_shifts, parse_templates, place_shifts
from laneforge.bundled import template_path
from laneforge.io import load_process


def _timed(label: str, fn):
    began = time.perf_counter()
    value = fn()
    print(f"{label}: {time.perf_counter() - began:.2f} s")
    return value


def main() -> None:
    process = load_process(template_path())
    for lane in ("inside_sales", "field_sales"):
        plan = _timed(f"staffing plan, {lane}", lambda lane=lane: staffing_plan(process, lane))
        print(f"  {plan.person_hours:g} paid hours, cost {plan.choice.cost:,.0f}, "
              f"LP bound {plan.choice.lp_bound:,.0f}")
    _timed("agents for 20,000 erlangs at 80 % in 20 s of 3 min",
           lambda: agents_for_service_level(20_000.0, 3.0, 1 / 3, 0.8))
    shifts = place_shifts(parse_templates("8h,4h", 1.1), "daily", "00:00-24:00")
    need = np.random.default_rng(1).integers(0, 40, 168)
    choice = _timed(f"shifts round the clock ({len(shifts)} placed shifts, 168 hours)",
                    lambda: choose_shifts(need, shifts, 45.0))
    print(f"  cost {choice.cost:,.0f} vs LP bound {choice.lp_bound:,.0f} "
          f"(+{choice.cost / choice.lp_bound - 1:.2%})")
    crm = _timed("synthetic export, 365 days", lambda: synthetic_crm(process, days=365, seed=3))
    print(f"  {len(crm.log.cases):,} leads, {len(crm.log.events):,} events")
    snapshot = _timed("snapshot at the export's end",
                      lambda: snapshot_from_export(crm.log, crm.mapping, process))
    print(f"  {len(snapshot.items):,} open items: {open_by_node(snapshot)}")


if __name__ == "__main__":
    main()
