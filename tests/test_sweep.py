"""Sweeps find the staffing that meets a target; checked against Erlang C."""

from __future__ import annotations

import math

import pytest

from laneforge.app.sweep import Parameter, run_sweep, smallest_meeting, sweepable
from laneforge.sim import Stat

from simhelpers import erlang_c, queue_process


def test_sweep_picks_the_smallest_staff_with_waiting_probability_under_target():
    # lambda 4/h, mean service 40 min: P(wait) by Erlang C for c = 3..7 staff
    target = 0.25
    analytic = {c: erlang_c(c, 4 * 40 / 60) for c in range(3, 8)}
    expected = min(c for c, p in analytic.items() if p <= target)
    assert expected == 5 and analytic[4] > 0.35 and analytic[5] < 0.17  # a clear answer
    process = queue_process("4/h", "40m", 3, horizon="1500h", replications=4, sla_within="1s")
    result = run_sweep(process, Parameter("lanes.team.staff", "Team: staff"), range(3, 8))
    metric = next(m for m in result.metrics() if m.key == "sla:wait")
    stats = result.stats(metric)
    for c, stat in zip(range(3, 8), stats, strict=True):
        # P(wait > 1 s) is P(wait) to within a thousandth
        assert stat.mean == pytest.approx(analytic[c] * math.exp(-(c * 1.5 - 4) / 3600),
                                          abs=0.06)
    assert smallest_meeting(result.values, stats, target, "at most") == expected


def test_smallest_meeting_handles_both_goals_and_no_answer():
    def stat(mean: float) -> Stat:
        return Stat(mean=mean, ci95=(mean, mean), min=mean, max=mean)

    values = [1, 2, 3, 4]
    stats = [stat(0.9), stat(0.5), stat(0.2), stat(0.1)]
    assert smallest_meeting(values, stats, 0.3, "at most") == 3
    assert smallest_meeting(values, stats, 0.5, "at least") == 1
    assert smallest_meeting(values, stats, 0.05, "at most") is None


def test_sweepable_parameters_and_bad_values(reference_process):
    labels = [p.label for p in sweepable(reference_process)]
    assert "Inside Sales: staff" in labels and "All sources: volume ×" in labels
    with pytest.raises(ValueError, match="staff"):
        run_sweep(reference_process, Parameter("lanes.inside_sales.staff", "staff"), [-1])
