"""Validation on the holdout: the measures on hand-made markers, the comparison's rules, and
the verdict on a true model (green) against a changed one (red)."""

from __future__ import annotations

import pandas as pd
import pytest

from laneforge.app import holdout as h
from laneforge.bundled import template_path
from laneforge.io import load_process, process_from_data

MONDAY = pd.Timestamp("2026-03-02")  # a Monday


def small_process(**sla) -> object:
    data = {
        "format": "laneforge/process", "version": 1, "name": "Small",
        "stages": ["Lead", "MQL", "Customer"],
        "calendars": {"office": {"days": "mon-fri", "hours": "09:00-17:00"}},
        "lanes": [{"id": "sales", "name": "Sales", "staff": 2, "calendar": "office"}],
        "nodes": [
            {"id": "web", "kind": "source", "lane": "sales", "stage": "Lead",
             "arrivals": {"rate": "10/day"}},
            {"id": "score", "kind": "decision", "lane": "sales"},
            {"id": "mql", "kind": "delay", "lane": "sales", "stage": "MQL", "duration": "1h"},
            {"id": "call", "kind": "task", "lane": "sales", "duration": "30m"},
            {"id": "won_q", "kind": "decision", "lane": "sales"},
            {"id": "won", "kind": "end", "lane": "sales", "stage": "Customer",
             "outcome": "won"},
            {"id": "lost", "kind": "end", "lane": "sales", "outcome": "lost"},
            {"id": "junk", "kind": "end", "lane": "sales", "outcome": "disqualified"},
        ],
        "edges": [
            {"from": "web", "to": "score"},
            {"from": "score", "to": "mql", "probability": 0.4},
            {"from": "score", "to": "junk", "probability": 0.6},
            {"from": "mql", "to": "call"}, {"from": "call", "to": "won_q"},
            {"from": "won_q", "to": "won", "probability": 0.25},
            {"from": "won_q", "to": "lost", "probability": 0.75},
        ],
        "slas": [{"id": "fast", "from": "score", "to": "call", "within": "4h", **sla}],
    }
    return process_from_data(data)


def markers(rows: list[tuple[str, pd.Timestamp, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(h.MARKER_COLUMNS))
    return frame.sort_values(["case", "time"]).reset_index(drop=True)


def at(day: int, hour: float) -> pd.Timestamp:
    return MONDAY + pd.Timedelta(days=day, hours=hour)


def test_conversion_leaves_out_leads_still_open_and_counts_losses():
    process = small_process()
    rows = []
    # 4 leads reach MQL: 1 becomes a customer, 2 are lost, 1 is still open at the end
    for case, ending in (("a", "won"), ("b", "lost"), ("c", "lost"), ("d", None)):
        rows += [(case, at(0, 9), h.CREATED, ""), (case, at(0, 9), h.ENTERED, "Lead"),
                 (case, at(0, 10), h.ENTERED, "MQL")]
        if ending == "won":
            rows += [(case, at(3, 10), h.OUTCOME, "won"), (case, at(3, 10), h.ENTERED, "Customer")]
        elif ending:
            rows.append((case, at(2, 10), h.OUTCOME, ending))
    # 2 leads rejected at scoring
    for case in ("e", "f"):
        rows += [(case, at(1, 9), h.CREATED, ""), (case, at(1, 9), h.ENTERED, "Lead"),
                 (case, at(1, 9.5), h.OUTCOME, "junk")]
    m = h.measure(process, markers(rows), MONDAY, MONDAY + pd.Timedelta(days=14))
    assert m.conversion["Lead->MQL"] == pytest.approx(4 / 6)
    assert m.conversion_n["MQL->Customer"] == 3  # d is censored, not a loss
    assert m.conversion["MQL->Customer"] == pytest.approx(1 / 3)
    assert m.times["MQL->Customer"] == pytest.approx((3.0, 3.0))
    assert m.arrivals_per_week == pytest.approx(6 / 2)
    assert m.weeks == 2


def test_a_lead_entering_a_stage_twice_counts_its_first_entry():
    process = small_process()
    rows = [("a", at(0, 9), h.CREATED, ""), ("a", at(0, 9), h.ENTERED, "Lead"),
            ("a", at(0, 12), h.ENTERED, "MQL"), ("a", at(5, 12), h.ENTERED, "MQL"),
            ("a", at(6, 12), h.OUTCOME, "won"), ("a", at(6, 12), h.ENTERED, "Customer")]
    m = h.measure(process, markers(rows), MONDAY, MONDAY + pd.Timedelta(days=7))
    assert m.conversion["MQL->Customer"] == 1.0
    assert m.times["MQL->Customer"][0] == pytest.approx(6.0)


def test_leads_created_before_the_window_are_not_in_its_cohort():
    process = small_process()
    rows = [("old", at(-3, 9), h.CREATED, ""), ("old", at(-3, 9), h.ENTERED, "Lead"),
            ("old", at(1, 9), h.ENTERED, "MQL"), ("new", at(1, 9), h.CREATED, ""),
            ("new", at(1, 9), h.ENTERED, "Lead")]
    m = h.measure(process, markers(rows), MONDAY, MONDAY + pd.Timedelta(days=7))
    assert m.arrivals_per_week == 1.0
    assert m.conversion_n["Lead->MQL"] == 0  # "new" is still open: censored


def test_sla_breaches_count_business_hours_and_censor_leads_inside_their_time():
    process = small_process()
    rows = []
    # MQL Friday 16:00, called Monday 11:00: 1 + 2 = 3 business hours -> met
    rows += [("met", at(4, 16), h.CREATED, ""), ("met", at(4, 16), h.ENTERED, "MQL"),
             ("met", at(7, 11), h.WORK, "call")]
    # MQL Monday 09:00, called Monday 14:00: 5 business hours -> breached
    rows += [("late", at(7, 9), h.CREATED, ""), ("late", at(7, 9), h.ENTERED, "MQL"),
             ("late", at(7, 14), h.WORK, "call")]
    # MQL Tuesday 09:00, never called, window ends Tuesday 12:00: censored
    rows += [("open", at(8, 9), h.CREATED, ""), ("open", at(8, 9), h.ENTERED, "MQL")]
    # MQL Monday 09:00, never called by Tuesday 12:00 (11 business hours): breached
    rows += [("never", at(7, 9), h.CREATED, ""), ("never", at(7, 9), h.ENTERED, "MQL")]
    m = h.measure(process, markers(rows), MONDAY, at(8, 12))
    assert m.breach_n["fast"] == 3
    assert m.breach["fast"] == pytest.approx(2 / 3)


def test_an_elapsed_clock_counts_every_hour():
    process = small_process(clock="elapsed")
    rows = [("met", at(4, 16), h.CREATED, ""), ("met", at(4, 16), h.ENTERED, "MQL"),
            ("met", at(7, 11), h.WORK, "call")]
    m = h.measure(process, markers(rows), MONDAY, at(9, 0))
    assert m.breach["fast"] == 1.0


def test_won_deals_are_counted_in_whole_months_only():
    process = small_process()
    start, end = pd.Timestamp("2026-03-15"), pd.Timestamp("2026-06-10")
    assert [str(p) for p in h.whole_months(start, end)] == ["2026-04", "2026-05"]
    assert [str(p) for p in h.whole_months(pd.Timestamp("2026-04-01"),
                                           pd.Timestamp("2026-06-01"))] == ["2026-04", "2026-05"]
    rows = [(f"w{i}", pd.Timestamp(day), h.OUTCOME, "won")
            for i, day in enumerate(["2026-03-20", "2026-04-02", "2026-04-20", "2026-05-31"])]
    m = h.measure(process, markers(rows), start, end)
    assert m.won_by_month == {"2026-04": 2, "2026-05": 1}


def test_a_check_passes_inside_the_tolerance_or_the_noise_floor_and_fails_outside():
    def with_conversion(p: float) -> h.Measures:
        return h.Measures(conversion={"Lead->MQL": p}, conversion_n={"Lead->MQL": 500})

    sims = [with_conversion(0.30)] * 5  # no spread: the interval is a point
    assert h.compare_measures(with_conversion(0.315), sims, None)[0].ok  # 1.5 points
    assert not h.compare_measures(with_conversion(0.35), sims, None)[0].ok  # 5 points
    # the same 5 points pass when two observed periods differ by 6 points anyway
    assert h.compare_measures(with_conversion(0.35), sims, with_conversion(0.41))[0].ok


def test_the_prediction_interval_is_wider_than_the_mean_interval():
    mean, lo, hi = h._interval([0.28, 0.30, 0.32, 0.30, 0.29, 0.31])
    assert mean == pytest.approx(0.30)
    sd = pd.Series([0.28, 0.30, 0.32, 0.30, 0.29, 0.31]).std()
    assert hi - mean > 1.96 * sd  # one more period, not the mean of six
    assert lo < 0.28 and hi > 0.32


def test_verdict_rules():
    ok = h.Check("arrivals", "x", 1, 1, None, None, "", True)
    off = h.Check("time_p50", "x", 1, 2, None, None, "", False)
    funnel_off = h.Check("conversion", "x", 0.1, 0.3, None, None, "", False)
    assert h.verdict([ok] * 4) == "green"
    assert h.verdict([ok] * 4 + [off]) == "amber"
    assert h.verdict([ok] * 4 + [funnel_off]) == "red"
    assert h.verdict([ok, off, off]) == "red"
    assert h.verdict([]) == "red"


@pytest.mark.slow
def test_the_true_process_passes_and_a_halved_team_does_not():
    """One simulated period stands for the CRM's holdout: the process that made it must pass,
    and the same process with its SDR team halved must not."""
    process = load_process(template_path())
    start = pd.Timestamp("2026-06-01")
    end = start + pd.Timedelta(days=56)
    observed = h.simulate_window(process, start, end, replications=1, seed=7001)[0]
    before = h.simulate_window(process, start - pd.Timedelta(days=56), start,
                               replications=1, seed=7002)[0]
    truth = h.simulate_window(process, start, end, replications=6, seed=11)
    checks = h.compare_measures(observed, truth, before)
    assert h.verdict(checks) == "green", [c for c in checks if not c.ok]
    data = process.to_data()
    for lane in data["lanes"]:
        if lane["id"] == "inside_sales":
            lane["staff"] = lane["staff"] // 2
    halved = h.simulate_window(process_from_data(data), start, end, replications=6, seed=11)
    checks = h.compare_measures(observed, halved, before)
    assert h.verdict(checks) == "red"
    assert any(c.metric == "sla_breach" and not c.ok for c in checks)
