"""Numbers that do not mislead: paired significance, clipped intervals, whole-number sweep
axes, tables formatted like the tiles, money with its currency, one bottleneck rule and one
figure for a source's rate."""

from __future__ import annotations

import json
import math
import random

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from laneforge.app.compare import compare, format_delta
from laneforge.app.tables import (
    Interval,
    Value,
    all_tables,
    kpi_table,
    lane_table,
    sla_table,
    task_table,
)
from laneforge.app.textreport import format_results
from laneforge.gui.properties.arrivals import volume_text, weekday_volumes
from laneforge.io import load_process
from laneforge.model import currency, format_value
from laneforge.model.currency import format_money, resolve, set_locale_currency
from laneforge.model.geometry import node_subtitle
from laneforge.model.rate_text import per_day_text
from laneforge.render.charts import sweep_chart
from laneforge.sim import simulate
from laneforge.sim.aggregate import share, stat
from laneforge.sim.analysis import BUSY, LONG_WAIT, RULE, SLA_MISS
from laneforge.sim.results import Results, Stat
from laneforge.sim.stats import paired_difference, summarize

from conftest import REPO, template_paths


@pytest.fixture(autouse=True)
def _plain_locale_currency():
    set_locale_currency("USD")
    yield
    set_locale_currency(None)


@pytest.fixture(scope="module")
def lifecycle_runs() -> list[Results]:
    process = load_process(REPO / "processes" / "lead-lifecycle.lane.json")
    kwargs = {"replications": 4, "horizon": "45d", "warmup": "10d", "seed": 7}
    return [simulate(process, **kwargs),
            simulate(process, scenario="Hire 2 SDRs", **kwargs)]


# --- paired significance ---------------------------------------------------------------

def test_consistent_paired_differences_are_significant_though_intervals_overlap():
    rng = random.Random(3)
    base = [rng.uniform(50, 150) for _ in range(10)]  # replications vary a lot ...
    other = [b + 2.0 + rng.uniform(-0.2, 0.2) for b in base]  # ... each one 2 higher
    a, b = stat(base), stat(other)
    assert a.overlaps(b)  # the separate intervals cannot tell
    mean, low, high = paired_difference(a.samples, b.samples)
    assert mean == pytest.approx(2.0, abs=0.2)
    assert 0 < low < mean < high < 2.5
    assert b.differs_from(a)


def test_no_difference_is_not_significant():
    rng = random.Random(5)
    base = [rng.uniform(50, 150) for _ in range(10)]
    other = [b + rng.gauss(0.0, 1.0) for b in base]
    other = [o - (sum(other) - sum(base)) / len(base) for o in other]  # mean difference 0
    a, b = stat(base), stat(other)
    low, high = paired_difference(a.samples, b.samples)[1:]
    assert low < 0 < high
    assert not b.differs_from(a)
    assert not stat(base).differs_from(stat(base))  # identical runs: nothing changed


def test_pairs_missing_on_either_side_are_left_out():
    a = stat([1.0, None, 3.0, 4.0])
    b = stat([2.0, 5.0, None, 5.0])
    assert a.samples == (1.0, None, 3.0, 4.0)
    assert paired_difference(a.samples, b.samples) == pytest.approx(
        (1.0, 1.0, 1.0))  # two pairs, both +1: no spread
    assert b.differs_from(a)


def test_results_read_from_json_fall_back_to_the_interval_test(lifecycle_runs):
    base = lifecycle_runs[0]
    text = base.to_json()
    assert "samples" not in text  # the results schema is unchanged
    loaded = Results.model_validate(json.loads(text))
    assert loaded.leads.samples is None
    assert loaded.leads.differs_from(base.leads) is (not loaded.leads.overlaps(base.leads))


def test_comparison_uses_the_paired_test(lifecycle_runs):
    base, hired = lifecycle_runs
    shifted = hired.model_copy(update={"leads": stat([v + 3.0 for v in base.leads.samples])})
    rows = {row.metric.key: row for row in compare([base, shifted])}
    leads = rows["leads"]
    assert leads.values[1].overlaps(leads.values[0])
    assert leads.significant[1] and leads.verdict(1) == "changed"  # neutral, yet real
    for row in rows.values():
        first, second = row.values
        if first is None or second is None:
            continue
        assert row.significant[1] == second.differs_from(first)
        if not row.significant[1]:
            assert row.verdict(1) == "same"
        elif row.deltas[1]:
            assert row.verdict(1) != "same"  # a significant change is never grey


# --- clipping ----------------------------------------------------------------------------

def test_intervals_are_clipped_to_possible_values():
    counts = summarize([0.0, 0.0, 0.0, 7.0])
    assert counts["ci95"][0] == 0.0 and counts["ci95"][1] > counts["mean"]
    rates = share([0.0, 0.0, 1.0, 0.0, 0.0])
    assert rates.ci95[0] == 0.0 and rates.ci95[1] <= 1.0
    high = share([1.0, 1.0, 0.2, 1.0])
    assert high.ci95[1] == 1.0 and high.ci95[0] < high.mean
    # the clip never cuts off a value a replication showed
    over = share([1.2, 1.3, 1.25])
    assert over.ci95[1] >= over.max


def test_simulated_intervals_stay_in_range(lifecycle_runs):
    for run in lifecycle_runs:
        for sla in run.slas.values():
            assert 0.0 <= sla.breach_rate.ci95[0] <= sla.breach_rate.ci95[1] <= 1.0
        for value in run.conversions.values():
            assert value.ci95[0] >= 0.0 and value.ci95[1] <= max(1.0, value.max)
        for node in run.nodes.values():
            for figure in (node.visits, node.wait_hours, node.working_wait_hours):
                assert figure.ci95[0] >= 0.0
        assert run.lead_to_won.ci95[0] >= 0.0 and run.lead_to_won.ci95[1] <= 1.0


# --- sweep axis --------------------------------------------------------------------------

def _visible_ticks(figure):
    FigureCanvasAgg(figure).draw()
    axes = figure.axes[0]
    low, high = axes.get_xlim()
    return [t for t in axes.get_xticks() if low <= t <= high]


def test_sweep_axis_of_a_whole_number_parameter_has_whole_ticks():
    values = [5.0, 6.0, 7.0, 8.0]
    stats = [stat([0.30, 0.02, 0.11]), stat([0.1, 0.0, 0.04]), stat([0.02, 0.0, 0.0]),
             stat([0.0, 0.0, 0.0])]
    ticks = _visible_ticks(sweep_chart(values, stats, "SDR staff", "SLA breaches",
                                       percent=True, integer=True))
    assert ticks and all(t == round(t) for t in ticks)
    halves = _visible_ticks(sweep_chart(values, stats, "SDR staff", "SLA breaches",
                                        percent=True))
    assert any(t != round(t) for t in halves)  # matplotlib's default would show 5.5
    axes = sweep_chart(values, stats, "SDR staff", "SLA breaches", percent=True,
                       integer=True).axes[0]
    assert axes.get_ylim()[0] == 0.0  # the band cannot go below zero


# --- tables ------------------------------------------------------------------------------

def test_tables_format_like_the_tiles(lifecycle_runs):
    r = lifecycle_runs[0]
    table = kpi_table(r)
    shown = {row[0]: row for row in table.shown_rows()}
    kpis = r.kpis()
    assert shown["Leads"][1] == format_value(kpis["leads"], "count")
    assert shown["Lead → won"][1] == format_value(kpis["lead_to_won"], "percent")
    assert shown["Lead → won"][1].endswith("%")
    assert shown["Cycle time p50"][1] == format_value(kpis["cycle_p50"], "hours")
    assert shown["Cycle time p90"][1] == format_value(kpis["cycle_p90"], "hours")
    assert shown["Cost per won deal"][1] == format_money(kpis["cost_per_won"], r.currency)
    assert shown["SLA attainment"][1] == format_value(kpis["sla_attainment"], "percent")
    low, high = r.cycle_time_hours.p90.ci95
    assert shown["Cycle time p90"][2] == f"{format_value(low, 'hours')}–" \
                                         f"{format_value(high, 'hours')}"
    for t in all_tables(r):
        assert not any("ci95" in h or "(h)" in h for h in t.headers), t.headers
    tasks = task_table(r)
    first = tasks.rows[0]
    assert isinstance(first[3], Value) and first[3].kind == "hours"
    assert tasks.text(first[3]) == format_value(first[3].value, "hours")


def test_csv_keeps_raw_numbers_with_units(lifecycle_runs):
    r = lifecycle_runs[0]
    lines = lane_table(r).to_csv().splitlines()
    header = lines[0].split(",")
    assert header[:4] == ["Lane", "Utilization (share 0-1)", "95 % interval low (share 0-1)",
                          "95 % interval high (share 0-1)"]
    assert "Cost (USD)" in header
    sdr = next(line for line in lines if line.startswith("Inside Sales"))
    assert float(sdr.split(",")[1]) == pytest.approx(r.lanes["inside_sales"].utilization.mean,
                                                     rel=1e-5)
    kpis = kpi_table(r).to_csv().splitlines()
    assert kpis[0] == "KPI,Mean,Mean unit,95 % interval low,95 % interval high"
    assert any(line.startswith("Lead → won,") and ",share 0-1," in line for line in kpis)


# --- currency ----------------------------------------------------------------------------

def test_money_uses_the_process_currency_else_the_locale():
    assert format_money(6293.2, "EUR") == "€6,293"
    assert format_money(6293.2, "CHF") == "6,293 CHF"
    assert format_money(-12.0, "USD") == "−$12"
    set_locale_currency("GBP")
    assert resolve(None) == "GBP" and format_money(5.0, None) == "£5"
    set_locale_currency(None)
    assert len(currency.locale_currency()) == 3  # Python's locale, or the USD fallback
    assert format_delta(150.0, "money", "EUR") == "+€150"


def test_results_carry_the_process_currency(tmp_path):
    data = json.loads((REPO / "processes" / "closed-loop.lane.json").read_text())
    data["currency"] = "EUR"
    path = tmp_path / "eur.lane.json"
    path.write_text(json.dumps(data))
    r = simulate(load_process(path), replications=2, horizon="30d", warmup="7d")
    assert r.currency == "EUR"
    assert json.loads(r.to_json())["currency"] == "EUR"
    shown = {row[0]: row for row in kpi_table(r).shown_rows()}
    assert shown["Total cost"][1].startswith("€")
    assert "€" in format_results(r)


# --- one bottleneck rule -----------------------------------------------------------------

@pytest.mark.parametrize("path", template_paths(), ids=lambda p: p.name.split(".")[0])
def test_bottlenecks_follow_the_rule_shown_in_the_tables(path):
    process = load_process(path)
    r = simulate(process, replications=3, horizon="60d", warmup="14d", seed=5)
    lanes = {row[0]: row for row in lane_table(r).rows}
    expected: set[str] = set()
    names = {lane.label: lane.id for lane in process.lanes}
    for label, row in lanes.items():
        utilization = row[1]
        if isinstance(utilization, Value) and utilization.value >= BUSY:
            expected.add(names[label])
    for row in task_table(r).rows:
        if row[4].value >= LONG_WAIT:
            expected.add(names[row[1]])
    target_lane = {sla.id: process.node(sla.target).lane for sla in process.slas}
    for sla_id, row in zip(r.slas, sla_table(r).rows, strict=True):
        if row[1].value and row[3].value >= SLA_MISS:
            expected.add(target_lane[sla_id])
    unstable = {b.lane for b in r.bottlenecks if "cannot keep up" in b.reason}
    found = {b.lane for b in r.bottlenecks}
    assert found == expected | unstable
    # the lane table marks the same lanes; the text report lists the same sentences
    marked = {names[label] for label, row in lanes.items() if row[-1]}
    assert marked == found
    report = format_results(r)
    for bottleneck in r.bottlenecks:
        assert bottleneck.reason in report
    if not found:
        assert "Bottlenecks: none" in report and RULE in report
    # an SLA missed this often is never reported beside "no bottleneck"
    for sla_id, sla in r.slas.items():
        if sla.checked.mean and sla.breach_rate.mean >= SLA_MISS:
            assert target_lane[sla_id] in found


def test_closed_loop_names_the_lane_missing_its_sla():
    process = load_process(REPO / "processes" / "closed-loop.lane.json")
    r = simulate(process, replications=3, seed=5)
    missed = [s for s in process.slas if r.slas[s.id].breach_rate.mean >= SLA_MISS]
    assert missed, "the template misses an SLA often; the rule must see it"
    flagged = {b.lane for b in r.bottlenecks}
    assert {process.node(s.target).lane for s in missed} <= flagged


# --- a source's rate ---------------------------------------------------------------------

def test_a_source_shows_its_weekly_mean_everywhere():
    process = load_process(REPO / "processes" / "lead-lifecycle.lane.json")
    inbound = process.node("inbound")
    mean = inbound.mean_rate_per_hour
    assert per_day_text(mean) == "53.9/day"  # 58/day on a weekday base, weekends lower
    assert node_subtitle(inbound) == "≈ 53.9/day"
    text = volume_text(inbound)
    assert "53.9/day over the week" in text
    days = weekday_volumes(inbound)
    assert sum(days) / 7 == pytest.approx(mean * 24)
    assert "Mon 72.5" in text and "Sun 14.5" in text
    assert math.isclose(days[0], 58 * 1.25)


def test_a_plain_rate_reads_as_written():
    data = json.loads((REPO / "processes" / "lead-lifecycle.lane.json").read_text())
    source = next(n for n in data["nodes"] if n["id"] == "inbound")
    source["arrivals"] = {"rate": "40/day"}
    from laneforge.io import loads

    node = loads(json.dumps(data)).node("inbound")
    assert node_subtitle(node) == "40/day"
    assert volume_text(node).startswith("On average 40/day over the week (280 a week)")
    assert weekday_volumes(node) is None


def test_interval_and_stat_types_do_not_leak_into_csv(lifecycle_runs):
    table = sla_table(lifecycle_runs[0])
    assert any(isinstance(cell, Interval) for row in table.rows for cell in row)
    assert "Interval(" not in table.to_csv() and "Value(" not in table.to_csv()


def test_stat_still_builds_without_samples():
    plain = Stat(mean=1.0, ci95=(0.5, 1.5), min=0.5, max=1.5)
    assert plain.samples is None and plain.differs_from(plain) is False
