"""The week-table Timeline leaves simulation results exactly as they were.

Each bundled template and the two benchmark funnels run one replication twice with the same
seed: once with the engine's ``Timeline`` as it is, once with the old day-by-day
``datetime`` one (tests/legacy_timeline.py) put in its place. The replication statistics and
the event traces must be equal, number for number (``==``, no tolerance). A second round
moves each template's start to an awkward wall-clock time (08:10 on a Wednesday, so that the
interval ends are not exact binary fractions) and adds holidays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

import laneforge
from laneforge.bundled import templates_dir
from laneforge.io import process_from_data
from laneforge.sim import compile_process, engine, run_replication
from laneforge.sim.record import ReplicationRecord
from legacy_timeline import LegacyTimeline

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
SHARED = BENCH.parent.parent / "shared" / "bench"


def _bench(name: str) -> Path:
    return SHARED / name if (SHARED / name).exists() else BENCH / name


TEMPLATES = sorted(templates_dir().glob("*.lane.json"))
FUNNELS = [_bench("realistic-funnel.lane.json"), _bench("reference-funnel.lane.json")]


def _plain(stats: ReplicationRecord) -> ReplicationRecord:
    """A replication's statistics with the histogram object replaced by its figures."""
    histogram = stats.cycle.histogram
    figures = (histogram.n, histogram.mean, [histogram.quantile(q) for q in (0.1, 0.5, 0.9, 0.99)])
    return dataclasses.replace(stats, cycle=dataclasses.replace(stats.cycle, histogram=figures))


def _both(process: laneforge.Process, monkeypatch: pytest.MonkeyPatch, **horizon: float):
    compiled = compile_process(process, **horizon)
    seed = process.simulation.seed
    trace_new: list[tuple[float, int, int, str]] = []
    new = _plain(run_replication(compiled, 0, seed, trace=trace_new))
    with monkeypatch.context() as patch:
        patch.setattr(engine, "Timeline", LegacyTimeline)
        trace_old: list[tuple[float, int, int, str]] = []
        old = _plain(run_replication(compiled, 0, seed, trace=trace_old))
    return new, old, trace_new, trace_old


@pytest.mark.parametrize("path", TEMPLATES + FUNNELS, ids=lambda p: p.name)
def test_results_are_identical_to_the_old_timeline(path: Path, monkeypatch) -> None:
    process = laneforge.load_process(path)
    # the templates at their own settings; the funnels (1285 days, 10,000 hours) shortened
    horizon = {} if path in TEMPLATES else {"horizon": 120 * 24.0}
    new, old, trace_new, trace_old = _both(process, monkeypatch, **horizon)
    assert new.leads > 0 and trace_new
    assert new == old
    assert trace_new == trace_old


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_results_are_identical_at_an_awkward_start_with_holidays(path: Path, monkeypatch) -> None:
    data = laneforge.load_process(path).to_data()
    data["start"] = "2026-03-04T08:10"
    for calendar in data.get("calendars", {}).values():
        calendar["holidays"] = ["2026-03-04", "2026-03-13", "2026-04-03", "2026-04-06"]
    assert data.get("calendars")
    process = process_from_data(data)
    new, old, trace_new, trace_old = _both(process, monkeypatch, horizon=60 * 24.0,
                                           warmup=10 * 24.0)
    assert new == old
    assert trace_new == trace_old
    on_calendar = {i for i, node in enumerate(process.nodes)
                   if process.lane(node.lane).calendar is not None}
    starts = [t for t, _lead, node, event in trace_new
              if event == "start" and node in on_calendar]
    assert starts
    origin = dt.datetime(2026, 3, 4, 8, 10)
    # nothing on a calendar starts on a holiday (a check that the holidays were in force;
    # an automated step in a lane without a calendar works every day)
    assert not any((origin + dt.timedelta(hours=t)).date() == dt.date(2026, 3, 13)
                   for t in starts)
