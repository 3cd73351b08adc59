"""Every bundled template comes back from its own synthetic CRM export.

Fitting a template to the log it produced must leave it valid and give back its branch
probabilities within binomial tolerance, its staff within the fitted interval, and its
calendars where enough work was logged to tell.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from laneforge.app.calibrate import fit
from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.bundled import templates_dir
from laneforge.io import load_process
from laneforge.model import validate
from laneforge.model.validation import errors

SIGMAS = 3.3


@pytest.mark.parametrize("path", sorted(templates_dir().glob("*.lane.json")), ids=lambda p: p.stem)
def test_a_template_comes_back_from_its_own_export(path: Path) -> None:
    truth = load_process(path)
    crm = synthetic_crm(truth, days=63, seed=2)
    result = fit(truth, crm.log, crm.mapping)
    assert errors(validate(result.process)) == []
    checked = 0
    for node_id, branch in result.branches.items():
        edges = truth.outgoing(node_id)
        if any(e.when is not None or e.decay is not None for e in edges):
            continue
        for edge in edges:
            p = float(edge.probability)
            fitted = branch.targets[edge.target][0]
            assert abs(fitted - p) <= SIGMAS * math.sqrt(p * (1 - p) / branch.n), \
                (node_id, edge.target)
            checked += 1
    assert checked >= 4
    for lane in truth.lanes:
        staff = result.lanes.get(lane.id)
        if lane.staff is None:
            assert staff is None
            continue
        assert staff is not None and staff.ci95[0] <= lane.staff <= staff.ci95[1], lane.id
    for lane_id, calendar_fit in result.calendars.items():
        name = truth.lane(lane_id).calendar
        if name is None or calendar_fit.n < 500:
            continue
        fitted = result.process.calendars[result.process.lane(lane_id).calendar]
        expected = truth.calendars[name]
        assert (fitted.days, fitted.hours) == (expected.days, expected.hours), lane_id
