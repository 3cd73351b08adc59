"""The engine's fast paths agree with the plain ones they stand for.

The engine reads calendar tables inline, keeps per-task sums in closure cells and uses a
leaner entry for nodes without loops, stages, marks or SLAs when no trace is asked for.
These tests run the same replication through both kinds of path, or recompute its figures
from its own trace with the plain ``Timeline`` methods, and ask for the same numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import laneforge
from laneforge.bundled import templates_dir
from laneforge.io import process_from_data
from laneforge.model.calendar import Calendar, Timeline
from laneforge.sim import compile_process, run_replication
from laneforge.sim.compiled import TASK
from laneforge.sim.engine import WIP_SAMPLES
from laneforge.sim.record import ReplicationRecord

REALISTIC = Path(__file__).resolve().parent.parent / "benchmarks" / "realistic-funnel.lane.json"
PROCESSES = [*sorted(templates_dir().glob("*.lane.json")), REALISTIC]


def _plain(stats: ReplicationRecord) -> ReplicationRecord:
    """A replication's statistics with the histogram object replaced by its figures."""
    histogram = stats.cycle.histogram
    figures = (histogram.n, histogram.mean, [histogram.quantile(q) for q in (0.1, 0.5, 0.9, 0.99)])
    return dataclasses.replace(stats, cycle=dataclasses.replace(stats.cycle, histogram=figures))


@pytest.mark.parametrize("path", PROCESSES, ids=lambda p: p.name)
def test_a_trace_does_not_change_a_replication(path: Path) -> None:
    compiled = compile_process(laneforge.load_process(path), horizon=50 * 24.0, warmup=10 * 24.0)
    trace: list[tuple[float, int, int, str]] = []
    traced = run_replication(compiled, 1, 7, trace=trace)
    untraced = run_replication(compiled, 1, 7)
    assert trace
    assert _plain(traced) == _plain(untraced)


def test_waits_and_sla_checks_agree_with_the_trace_and_the_plain_calendar() -> None:
    process = laneforge.load_process(REALISTIC)
    compiled = compile_process(process, horizon=40 * 24.0, warmup=0.0)
    trace: list[tuple[float, int, int, str]] = []
    stats = run_replication(compiled, 0, 3, trace=trace)
    line = Timeline(process.calendars["business"], compiled.start)
    index = {node.id: node.index for node in compiled.nodes}
    tasks = {node.index for node in compiled.nodes if node.kind == TASK}
    sla = compiled.slas[0]
    arrived: dict[tuple[int, int], float] = {}
    waits: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    clock: dict[int, float] = {}
    checked = breached = 0
    for time, lead, node, event in trace:
        if event == "enter":
            if node in tasks:
                arrived[lead, node] = time
            if node not in sla.reach:
                clock.pop(lead, None)
            if node == sla.source:
                clock[lead] = time
        elif event == "start":
            begin = time
            came = arrived.pop((lead, node))
            w = waits[node]
            w[0] += begin - came
            w[1] += line.worked(came, begin)
            w[2] += 1
            if node == sla.target and lead in clock:
                checked += 1
                breached += line.worked(clock.pop(lead), begin) > sla.within + 1e-9
    assert stats.open_at_end == 0  # every clock was checked by the end of the drain
    for node_id in ("enrich", "score", "first_call", "qualify", "discovery", "proposal"):
        figures, (wait, working, started) = stats.nodes[node_id], waits[index[node_id]]
        assert figures.started == started > 0
        assert math.isclose(figures.wait_hours, wait / started, rel_tol=1e-12)
        assert math.isclose(figures.working_wait_hours, working / started, rel_tol=1e-9,
                            abs_tol=1e-12)
    assert waits[index["first_call"]][1] > 0  # leads did wait through closed hours
    assert stats.slas[sla.id].checked == checked > 0
    assert stats.slas[sla.id].breached == breached


DAYS = st.sets(st.integers(0, 6), min_size=1).map(
    lambda days: ",".join(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in days))


@st.composite
def hours(draw: st.DrawFn) -> str:
    """One to three working spans in a day, as "HH:MM-HH:MM,..." (up to 24:00)."""
    cuts = sorted(draw(st.sets(st.integers(0, 96), min_size=2, max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    text = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=True):
        text.append(f"{a * 15 // 60:02d}:{a * 15 % 60:02d}-{b * 15 // 60:02d}:{b * 15 % 60:02d}")
    return ",".join(text)


@settings(max_examples=120, deadline=None, database=None)
@given(
    days=DAYS, spans=hours(),
    holidays=st.lists(st.integers(0, 60), max_size=5),
    origin_minutes=st.integers(0, 7 * 24 * 60 - 1),
    times=st.lists(st.floats(0, 24 * 90, allow_nan=False), min_size=1, max_size=12),
    work=st.floats(0.01, 200, allow_nan=False),
)
def test_the_one_look_up_answers_agree_with_the_plain_ones(
    days: str, spans: str, holidays: list[int], origin_minutes: int, times: list[float],
    work: float,
) -> None:
    origin = dt.datetime(2026, 1, 5) + dt.timedelta(minutes=origin_minutes)
    calendar = Calendar(days=days, hours=spans,
                        holidays=[origin.date() + dt.timedelta(days=d) for d in holidays])
    fast, plain = Timeline(calendar, origin), Timeline(calendar, origin)
    for t in times:
        worked = fast.worked_if_open(t)
        if plain.is_open(t):
            assert worked == plain.cumulative(t)
        else:
            assert worked == -1.0
        assert fast.add_from(fast.cumulative(t), work) == plain.add(t, work)
        starts, ends, cum = fast.tables
        assert len(cum) == len(starts) + 1 == len(ends) + 1
        assert ends[-1] > t


def test_a_run_that_stops_at_the_horizon_still_takes_the_sample_due_then() -> None:
    # every lead ends at once, so the run stops at the horizon, where the last
    # work-in-progress sample (the 241st, 0 to horizon) is due too: it is taken first
    process = laneforge.load_process(REALISTIC)
    data = process.to_data()
    data["nodes"] = [n for n in data["nodes"] if n["id"] in ("web", "duplicate")]
    data["edges"] = [{"from": "web", "to": "duplicate"}]
    data["slas"] = []
    data["simulation"]["drain"] = "0h"
    compiled = compile_process(process_from_data(data), horizon=24.0 * 10)
    stats = run_replication(compiled, 0, 1)
    assert stats.end_time == compiled.horizon
    assert stats.leads > 0 and stats.open_at_end == 0
    assert len(stats.wip_series) == WIP_SAMPLES + 1
    assert all(len(lane.queue_series) == WIP_SAMPLES + 1 for lane in stats.lanes.values())
