"""The fuzzer: every generated or mutated process file loads and validates, or is refused
with one laneforge message; whatever validates simulates 5 days. A few hundred cases here;
``LANEFORGE_FUZZ=10`` runs ten times as many, and ``benchmarks/fuzz.py N`` thousands in
subprocesses with a memory limit."""

from __future__ import annotations

import json
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import laneforge
from fuzzcorpus import bpmn_case, check_case, lane_json_case, mutate
from laneforge.io import ProcessFileError, import_bpmn, loads
from laneforge.model import errors
from test_property_based import valid_processes

#: multiplies the number of cases (1 in ``make test``)
SCALE = max(1, int(os.environ.get("LANEFORGE_FUZZ", "1")))
LANE_CASES = 160 * SCALE
BPMN_CASES = 48 * SCALE
CHUNK = 16


@pytest.mark.parametrize("start", range(0, LANE_CASES, CHUNK))
def test_mutated_lane_files_load_or_are_refused_with_one_message(start):
    kinds = set()
    for seed in range(start, start + CHUNK):
        outcome = check_case(lane_json_case(seed))
        kinds.add(outcome.kind)
        assert outcome.kind in ("refused", "invalid", "stopped", "simulated")
    assert kinds - {"refused"}, "every case refused: the corpus no longer reaches the engine"


@pytest.mark.parametrize("start", range(0, BPMN_CASES, CHUNK))
def test_mutated_bpmn_files_import_or_are_refused_with_one_message(start):
    for seed in range(start, start + CHUNK):
        outcome = check_case(bpmn_case(seed), bpmn=True)
        assert outcome.kind in ("refused", "invalid", "stopped", "simulated")


FUZZ = settings(max_examples=40 * SCALE, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(valid_processes(), st.integers(0, 2**32 - 1))
def test_generated_processes_mutated_fail_only_cleanly(data, seed):
    raw = json.dumps(mutate(data, random.Random(seed))).encode("utf-8", "surrogatepass")
    assert check_case(raw).kind in ("refused", "invalid", "stopped", "simulated")


@FUZZ
@given(valid_processes())
def test_generated_processes_simulate(data):
    outcome = check_case(json.dumps(data).encode("utf-8"))
    assert outcome.kind in ("simulated", "stopped"), outcome.message


def test_the_api_raises_only_laneforge_errors_on_the_corpus():
    """Every API function on the first cases of both corpora: nothing but ProcessFileError,
    ValidationError and SimulationError (all LaneforgeError) ever comes out."""
    seen: set[type] = set()
    for seed in range(40 * SCALE):
        for raw, bpmn in ((lane_json_case(seed), False), (bpmn_case(seed), True)):
            try:
                process = import_bpmn(raw)[0] if bpmn else loads(raw)
            except laneforge.LaneforgeError as exc:
                seen.add(type(exc))
                continue
            problems = laneforge.validate(process)
            for call in (lambda p=process: laneforge.simulate(p, horizon="2d", warmup="0h",
                                                               replications=1),
                         lambda p=process: laneforge.simulate_scenarios(
                             p, [None, *(s.name for s in p.scenarios[:1])], horizon="2d",
                             warmup="0h", replications=1)):
                try:
                    call()
                except laneforge.LaneforgeError as exc:
                    seen.add(type(exc))
                    if errors(problems):
                        assert isinstance(exc, laneforge.ValidationError)
    allowed = (ProcessFileError, laneforge.ValidationError, laneforge.SimulationError)
    assert all(issubclass(kind, allowed) for kind in seen), seen  # a kind of one of them
    assert ProcessFileError in seen and laneforge.ValidationError in seen
