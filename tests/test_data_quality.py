"""Stale contact data against its closed forms.

A record last known good ``t`` hours ago is still valid with probability
``(1 - r) ** (t / 720)`` (r: the share going out of date per month). So a contact after a
fixed wait finds a stale record with that complement; a record found stale stays stale (a
second contact later finds it stale with the decay over the whole age, not over the gap);
a cleansing step restarts the clock; and a batch every P hours, for a contact at a time
uniform between batches, leaves ``1 - 720 / (k P) (1 - (1 - r) ** (P / 720))`` stale, with
P = one month ``1 - r / k``, k = -ln(1 - r). Shares are checked within four binomial
standard deviations over every contact of every replication.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import pytest

from laneforge.io import ProcessFileError, process_from_data
from laneforge.model import validate
from laneforge.sim import simulate

R = 0.05
RATE_PER_DAY = 30
REPS = 4
CALL_HOURS = 0.25
COST_PER_HOUR = 50.0


def _process(steps: list[dict[str, Any]], *, cleansing: dict[str, Any] | None = None,
             decay: float | None = R) -> dict[str, Any]:
    """web -> steps... -> a decision on ``stale`` -> unreachable / won."""
    nodes = [{"id": "web", "kind": "source", "lane": "m",
              "arrivals": {"rate": f"{RATE_PER_DAY}/day"}}]
    nodes += steps
    nodes += [{"id": "check", "kind": "decision", "lane": "s"},
              {"id": "won", "kind": "end", "lane": "s", "outcome": "won"},
              {"id": "bad", "kind": "end", "lane": "s", "outcome": "unreachable"}]
    ids = [n["id"] for n in nodes]
    edges = [{"from": a, "to": b} for a, b in itertools.pairwise(ids[:-2])]
    edges += [{"from": "check", "to": "bad", "when": "stale"},
              {"from": "check", "to": "won", "default": True}]
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": "stale data",
        "simulation": {"horizon": "300d", "warmup": "0d", "replications": REPS, "seed": 3},
        "lanes": [{"id": "m", "staff": None},
                  {"id": "s", "staff": None, "cost_per_hour": COST_PER_HOUR}],
        "nodes": nodes, "edges": edges}
    if decay is not None:
        data["data_quality"] = {"decay_per_month": decay,
                                **({"cleansing": cleansing} if cleansing else {})}
    return data


def wait(node_id: str, days: float) -> dict[str, Any]:
    return {"id": node_id, "kind": "delay", "lane": "m", "duration": f"{days:g}d"}


def call(node_id: str = "call") -> dict[str, Any]:
    return {"id": node_id, "kind": "task", "lane": "s", "contact": True,
            "duration": f"{CALL_HOURS * 60:g}m"}


def within_binomial(hits: float, n: float, p: float) -> bool:
    return abs(hits / n - p) <= 4 * math.sqrt(p * (1 - p) / n)


def run(data: dict[str, Any]) -> Any:
    return simulate(process_from_data(data), replications=REPS, seed=3)


def test_a_contact_after_a_wait_finds_the_decayed_share_stale():
    days = 60
    results = run(_process([wait("nurture", days), call()]))
    dq = results.data_quality
    n, wasted = dq.contacts.mean * REPS, dq.wasted_contacts.mean * REPS
    assert n > 20_000
    assert within_binomial(wasted, n, 1 - (1 - R) ** (days / 30))
    # every stale record went the stale way: the routing reads what the contact found
    assert results.outcomes["unreachable"].mean == pytest.approx(dq.wasted_contacts.mean)
    # the wasted calls' staff time and its cost, exactly (a fixed 15-minute call)
    assert dq.wasted_hours.mean == pytest.approx(dq.wasted_contacts.mean * CALL_HOURS)
    assert dq.wasted_cost.mean == pytest.approx(dq.wasted_hours.mean * COST_PER_HOUR)


def test_a_record_found_stale_stays_stale_and_a_good_one_starts_its_clock_again():
    first, gap = 20, 40
    results = run(_process([wait("w1", first), call("call1"), wait("w2", gap),
                            call("call2")]))
    dq = results.data_quality
    n1 = dq.contacts_by_node["call1"].mean * REPS
    n2 = dq.contacts_by_node["call2"].mean * REPS
    s1 = dq.wasted_by_node["call1"].mean * REPS
    s2 = dq.wasted_by_node["call2"].mean * REPS
    assert within_binomial(s1, n1, 1 - (1 - R) ** (first / 30))
    # stale at the second call: over the whole age, not only the gap since the first
    assert within_binomial(s2, n2, 1 - (1 - R) ** ((first + gap) / 30))
    assert not within_binomial(s2, n2, 1 - (1 - R) ** (gap / 30))


def test_a_cleansing_step_restores_the_record():
    step = {"id": "enrich", "kind": "task", "lane": "m", "cleanse": True, "duration": "1m",
            "cost": 0.2}
    results = run(_process([wait("old", 90), step, wait("handoff", 10), call()]))
    dq = results.data_quality
    n, wasted = dq.contacts.mean * REPS, dq.wasted_contacts.mean * REPS
    assert within_binomial(wasted, n, 1 - (1 - R) ** (10 / 30))
    assert dq.cleansed_by_steps.mean == pytest.approx(dq.contacts.mean, rel=0.01)
    # the step's own cost per record (its lane has no cost per hour)
    assert dq.cleansing_cost.mean == pytest.approx(0.2 * dq.cleansed_by_steps.mean)


def test_a_monthly_batch_leaves_the_share_of_a_uniform_time_since_it():
    # contact 60 days in: the last batch lies 0-30 days before, uniformly (Poisson arrivals)
    results = run(_process([wait("nurture", 60), call()],
                           cleansing={"every": "30d", "cost_per_record": 0.5}))
    dq = results.data_quality
    k = -math.log1p(-R)
    n, wasted = dq.contacts.mean * REPS, dq.wasted_contacts.mean * REPS
    assert within_binomial(wasted, n, 1 - R / k)
    # ten batches in 300 days over the records open then (Little's law: arrivals x the
    # 60 days a lead waits; the first batch, at day 30, finds 30 days of arrivals)
    open_records = (30 + 9 * 60) * RATE_PER_DAY
    assert dq.cleansed_by_batch.mean == pytest.approx(open_records, rel=0.03)
    assert dq.cleansing_cost.mean == pytest.approx(0.5 * dq.cleansed_by_batch.mean)
    # the batch is bought in: it is in the total cost, beside the lanes' costs
    lanes = sum(lane.cost.mean for lane in results.lanes.values())
    assert results.total_cost.mean == pytest.approx(lanes + dq.cleansing_cost.mean)


def test_results_carry_data_quality_only_for_a_process_that_has_it():
    results = run(_process([wait("nurture", 5), call()]))
    data = json.loads(results.to_json())
    assert set(data["data_quality"]) >= {"contacts", "wasted_contacts", "wasted_share",
                                         "wasted_hours", "cleansing_cost"}
    plain = _process([wait("nurture", 5), call()], decay=None)
    plain["edges"][-2]["when"] = "age > 1e9"  # 'stale' is not a name without data quality
    results = simulate(process_from_data(plain), replications=1, seed=1)
    assert results.data_quality is None
    assert json.loads(results.to_json())["data_quality"] is None


def test_the_file_keeps_data_quality_and_leaves_it_out_when_unset():
    data = _process([wait("nurture", 5), call()],
                    cleansing={"every": "90d", "cost_per_record": 0.4})
    saved = process_from_data(data).to_data()
    assert saved["data_quality"] == {"decay_per_month": R,
                                     "cleansing": {"every": "90d", "cost_per_record": 0.4}}
    assert saved["nodes"][2]["contact"] is True and "cleanse" not in saved["nodes"][2]
    bare = process_from_data(_process([wait("nurture", 5)], decay=None)).to_data()
    assert "data_quality" not in bare and all("contact" not in n for n in bare["nodes"])


@pytest.mark.parametrize(("change", "field"), [
    ({"decay_per_month": 1.0}, "data_quality.decay_per_month"),
    ({"decay_per_month": -0.1}, "data_quality.decay_per_month"),
    ({"decay_per_month": 0.02, "cleansing": {"every": "0d"}}, "data_quality.cleansing.every"),
])
def test_a_bad_decay_or_interval_names_its_field(change, field):
    data = _process([wait("nurture", 5), call()])
    data["data_quality"] = change
    with pytest.raises(ProcessFileError) as caught:
        process_from_data(data)
    assert str(caught.value).startswith(field)


def test_contact_steps_without_data_quality_are_warned_and_both_at_once_refused():
    data = _process([wait("nurture", 5), call()], decay=None)
    data["edges"][-2]["when"] = "age > 1e9"
    problems = validate(process_from_data(data))
    assert any(p.severity == "warning" and "records never go stale" in p.message
               and p.field == "nodes[2].contact" for p in problems)
    both = _process([wait("nurture", 5), {**call(), "cleanse": True}])
    problems = validate(process_from_data(both))
    assert any(p.severity == "error" and p.field == "nodes[2].cleanse" for p in problems)


def test_the_tables_and_text_report_show_what_stale_records_cost():
    from laneforge.app.tables import all_tables
    from laneforge.app.textreport import format_results

    results = run(_process([wait("nurture", 60), call()],
                           cleansing={"every": "30d", "cost_per_record": 0.5}))
    table = next(t for t in all_tables(results) if t.name == "data_quality")
    rows = {row[0]: row for row in table.rows}
    dq = results.data_quality
    assert rows["Contacts to stale records"][1].value == dq.wasted_contacts.mean
    assert rows["Cleansing cost"][1].value == dq.cleansing_cost.mean
    assert rows["Wasted at call"][2] == f"{dq.wasted_share.mean:.1%} of its contacts"
    text = format_results(results)
    assert f"({dq.wasted_share.mean * 100:.1f} %) reached an out-of-date record" in text
    plain = _process([wait("nurture", 5), call()], decay=None)
    plain["edges"][-2]["when"] = "age > 1e9"
    bare = simulate(process_from_data(plain), replications=1, seed=1)
    assert all(t.name != "data_quality" for t in all_tables(bare))
    assert "Stale records" not in format_results(bare)


def test_records_bad_from_the_start_are_found_at_the_first_contact_only():
    q, days = 0.12, 45
    data = _process([wait("w1", days), call("call1"), wait("w2", 30), call("call2")])
    data["data_quality"]["invalid_at_capture"] = q
    dq = run(data).data_quality
    n1 = dq.contacts_by_node["call1"].mean * REPS
    s1 = dq.wasted_by_node["call1"].mean * REPS
    s2 = dq.wasted_by_node["call2"].mean * REPS
    # bad from the start, or gone bad since: 1 - (1 - q) (1 - r) ** (t / 30 d)
    assert within_binomial(s1, n1, 1 - (1 - q) * (1 - R) ** (days / 30))
    # the second call finds the first one's stale records, and those gone bad since
    assert within_binomial(s2, n1, 1 - (1 - q) * (1 - R) ** ((days + 30) / 30))
    # a cleansing step clears it: the check before the call starts a record afresh
    step = {"id": "enrich", "kind": "task", "lane": "m", "cleanse": True, "duration": "1m"}
    data = _process([step, wait("w1", days), call()])
    data["data_quality"]["invalid_at_capture"] = q
    dq = run(data).data_quality
    assert within_binomial(dq.wasted_contacts.mean * REPS, dq.contacts.mean * REPS,
                           1 - (1 - R) ** (days / 30))
