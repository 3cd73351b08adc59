"""Erlang B and C against the published calculator example and the formulas' identities."""

from __future__ import annotations

import math

import pytest

from laneforge.app.erlang import (
    agents_for_service_level,
    erlang_b,
    erlang_c,
    mean_wait,
    service_level,
)

# the calculator example: 100 contacts in 30 minutes, 3-minute handling -> 10 erlangs
LOAD = 100 * 3 / 30
HANDLING_MIN, ANSWER_MIN = 3.0, 20 / 60


def test_the_published_example() -> None:
    agents = agents_for_service_level(LOAD, HANDLING_MIN, ANSWER_MIN, 0.80)
    assert agents == 14
    assert round(service_level(14, LOAD, HANDLING_MIN, ANSWER_MIN), 4) == 0.8884
    assert round(erlang_c(14, LOAD), 4) == 0.1741
    # 13 agents fall short of 80 %: 14 is the fewest
    assert service_level(13, LOAD, HANDLING_MIN, ANSWER_MIN) < 0.80
    # the example's average speed of answer, 7.8 seconds
    assert mean_wait(14, LOAD, HANDLING_MIN) * 60 == pytest.approx(7.84, abs=0.01)


def _factorial_erlang_c(c: int, a: float) -> float:
    total = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (total + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (3, 2.2), (14, 10.0), (40, 35.5)])
def test_the_recurrence_equals_the_closed_form(c: int, a: float) -> None:
    assert erlang_c(c, a) == pytest.approx(_factorial_erlang_c(c, a), rel=1e-12)
    b = (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))
    assert erlang_b(c, a) == pytest.approx(b, rel=1e-12)


def test_one_agent_is_m_m_1() -> None:
    # M/M/1: P(wait) = rho, mean wait = rho / (mu - lambda), P(W > t) = rho e^{-(mu-lambda)t}
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert mean_wait(1, 0.7, 1.0) == pytest.approx(0.7 / 0.3)
    assert service_level(1, 0.7, 1.0, 2.0) == pytest.approx(1 - 0.7 * math.exp(-0.3 * 2))


def test_identities_c_above_b_and_monotone_in_agents() -> None:
    for a in (0.3, 4.0, 17.5, 90.0):
        previous_c = previous_sl = None
        for c in range(math.floor(a) + 1, math.floor(a) + 30):
            b, wait = erlang_b(c, a), erlang_c(c, a)
            assert 0.0 < b <= wait < 1.0
            sl = service_level(c, a, 1.0, 0.2)
            if previous_c is not None:
                # strictly better until the service level rounds to 1.0 in floats
                assert wait < previous_c and (sl > previous_sl or sl == 1.0)
            previous_c, previous_sl = wait, sl


def test_large_loads_stay_finite_and_sensible() -> None:
    # 5000 erlangs overflows a**c / c!; the recurrence does not. Square-root staffing says
    # about A + beta sqrt(A) agents; P(wait) ~ 10 % near beta = 1.4
    a = 5000.0
    wait = erlang_c(5100, a)
    assert 0.0 < wait < 1.0
    agents = agents_for_service_level(a, 1.0, 0.1, 0.9)
    assert a < agents < a + 3 * math.sqrt(a)
    assert service_level(agents, a, 1.0, 0.1) >= 0.9 > service_level(agents - 1, a, 1.0, 0.1)


def test_overloaded_and_empty() -> None:
    assert erlang_c(5, 5.0) == 1.0 and erlang_c(5, 7.0) == 1.0
    assert service_level(5, 7.0, 1.0, 1.0) == 0.0
    assert mean_wait(5, 7.0, 1.0) == math.inf
    assert erlang_c(3, 0.0) == 0.0 and agents_for_service_level(0.0, 1.0, 1.0, 0.9) == 0


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="service level"):
        agents_for_service_level(3.0, 1.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="handling"):
        service_level(3, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="offered load"):
        erlang_c(3, -1.0)
    with pytest.raises(ValueError, match="never answers every arrival"):
        agents_for_service_level(3.0, 1.0, 0.0, 1.0)
