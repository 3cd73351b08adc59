"""`laneforge simulate` and `laneforge compare`, executors and dask.distributed."""

from __future__ import annotations

import concurrent.futures as cf
import json

import pytest

from laneforge.cli import main
from laneforge.io import load_process, save_process
from laneforge.model import Scenario
from laneforge.sim import Results, simulate


@pytest.fixture
def funnel_with_scenarios(tmp_path, reference_process):
    process = reference_process
    process.edit.add_scenario(
        Scenario(name="Hire 2 SDRs", changes={"lanes.inside_sales.staff": 10}))
    process.edit.add_scenario(Scenario(name="Fewer AEs", changes={"lanes.field_sales.staff": 13}))
    path = tmp_path / "funnel.lane.json"
    save_process(process, path)
    return path


def test_simulate_prints_summary_and_writes_json(tmp_path, capsys, reference_path):
    out = tmp_path / "results.json"
    code = main(["simulate", str(reference_path), "-r", "2", "--horizon", "300h", "--seed", "5",
                 "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    for heading in ("Outcomes:", "Lanes:", "Inside Sales", "Cycle time"):
        assert heading in text
    results = Results.model_validate_json(out.read_text())
    assert results.replications == 2 and results.seed == 5
    assert results.horizon_hours == 300
    # the JSON is what the Python API returns for the same options
    direct = simulate(load_process(reference_path), replications=2, horizon="300h", seed=5)
    assert results.model_dump(exclude={"seconds"}) == direct.model_dump(exclude={"seconds"})


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["simulate", "{f}", "--replications", "zero"], "expected a whole number"),
        (["simulate", "{f}", "--replications", "0"], "must be at least 1"),
        (["simulate", "{f}", "--horizon", "2hrs"], "unknown time unit"),
        (["simulate", "{f}", "--scenario", "Nope"], "no scenario 'Nope'"),
        (["simulate", "{f}", "--bogus"], "unrecognized arguments"),
        (["compare", "{f}", "--scenario", "Nope"], "no scenario 'Nope'"),
        (["simulate", "missing.lane.json"], "missing.lane.json: no such file"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, needle, capsys, reference_path):
    code = main([a.replace("{f}", str(reference_path)) for a in argv])
    captured = capsys.readouterr()
    assert code == 2
    assert needle in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err


def test_simulate_refuses_an_invalid_process(tmp_path, capsys, reference_path):
    data = json.loads(reference_path.read_text())
    data["nodes"][1]["lane"] = "nowhere"
    path = tmp_path / "broken.lane.json"
    path.write_text(json.dumps(data))
    assert main(["simulate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: nodes[1].lane: unknown lane 'nowhere'" in err
    assert len(err.strip().splitlines()) == 1


def test_compare_shows_scenarios_with_deltas(funnel_with_scenarios, capsys):
    code = main(["compare", str(funnel_with_scenarios), "--scenario", "baseline", "--scenario",
                 "Hire 2 SDRs", "--scenario", "Fewer AEs", "-r", "3", "--horizon", "400h"])
    assert code == 0
    text = capsys.readouterr().out
    header = next(line for line in text.splitlines() if "Baseline" in line)
    assert "Hire 2 SDRs" in header and "Fewer AEs" in header
    assert "Utilization: Inside Sales" in text
    assert "(n.s.)" in text  # leads are the same stream in every run: never significant
    util = next(line for line in text.splitlines() if line.strip().startswith("Utilization: Ins"))
    assert "−" in util and "pt" in util  # 10 SDRs instead of 8: clearly lower


def test_compare_without_scenarios_runs_baseline_and_all(funnel_with_scenarios, capsys):
    assert main(["compare", str(funnel_with_scenarios), "-r", "2", "--horizon", "200h"]) == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if "Baseline" in line)
    assert "Hire 2 SDRs" in header and "Fewer AEs" in header


def test_compare_in_one_pool_prints_what_a_serial_compare_prints(funnel_with_scenarios,
                                                                capsys):
    options = ["compare", str(funnel_with_scenarios), "-r", "3", "--horizon", "200h"]
    assert main([*options, "--jobs", "1"]) == 0
    serial = capsys.readouterr().out
    assert main([*options, "--jobs", "2"]) == 0
    assert capsys.readouterr().out == serial
    assert "Hire 2 SDRs" in serial


def test_report_of_scenarios_runs_the_baseline_and_each(funnel_with_scenarios, tmp_path,
                                                        capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(funnel_with_scenarios), "-o", str(out), "--scenario",
                 "Hire 2 SDRs", "--scenario", "Nobody", "-r", "2", "--horizon", "100h"]) == 2
    assert "Nobody" in capsys.readouterr().err and not out.exists()
    # two scenarios or more: the baseline comes first
    assert main(["report", str(funnel_with_scenarios), "-o", str(out), "--scenario",
                 "Hire 2 SDRs", "--scenario", "Fewer AEs", "-r", "2", "--horizon", "100h",
                 "--jobs", "2"]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.count("<h2>Baseline</h2>") == html.count("<h2>Fewer AEs</h2>") == 1
    assert "<th>Hire 2 SDRs</th>" in html


def test_any_executor_gives_the_same_results(reference_process):
    serial = simulate(reference_process, replications=3, horizon="200h")
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        threaded = simulate(reference_process, replications=3, horizon="200h", executor=pool)
    assert serial.model_dump(exclude={"seconds"}) == threaded.model_dump(exclude={"seconds"})


@pytest.mark.slow
def test_dask_local_cluster_runs_replications(reference_process):
    import dask.distributed as distributed
    serial = simulate(reference_process, replications=4, horizon="200h")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = simulate(reference_process, replications=4, horizon="200h", executor=client)
    assert serial.model_dump(exclude={"seconds"}) == remote.model_dump(exclude={"seconds"})


def test_progress_reports_each_replication(reference_process):
    seen = []
    simulate(reference_process, replications=3, horizon="100h", progress=lambda d, t: seen.append(
        (d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_cancel_stops_the_run(reference_process):
    import threading

    from laneforge.sim import Cancelled

    cancel = threading.Event()

    def progress(done, total):
        if done == 1:
            cancel.set()

    with pytest.raises(Cancelled):
        simulate(reference_process, replications=5, horizon="100h", progress=progress,
                 cancel=cancel)


def test_scheduler_option_needs_a_reachable_scheduler(capsys, reference_path, monkeypatch):
    monkeypatch.setattr("laneforge.cli.SCHEDULER_TIMEOUT", 1)
    code = main(["simulate", str(reference_path), "--scheduler", "tcp://127.0.0.1:9",
                 "-r", "1", "--horizon", "10h"])
    assert code == 2
    assert "cannot reach the scheduler" in capsys.readouterr().err


def test_capacity_command_prints_loads_and_the_reverse_funnel(capsys, reference_path):
    assert main(["capacity", str(reference_path), "--won-per-month", "200", "--target", "80"]) == 0
    text = capsys.readouterr().out
    assert "Field Sales" in text and "84 %" in text  # 1.8 visits/h x 7 h / 15 staff
    won_per_lead = 0.9 * 0.4 * 0.5 * 0.3
    assert f"{200 / won_per_lead:,.0f} a month" in text
    assert main(["capacity", str(reference_path), "--target", "120"]) == 2
    assert "at most 100" in capsys.readouterr().err


class _CancelAfter:
    """A cancel flag that turns true at its ``after``-th question and counts the questions."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.asked = 0

    def is_set(self) -> bool:
        self.asked += 1
        return self.asked >= self.after

    def set(self) -> None:
        self.after = 0


def test_cancel_is_honoured_at_the_next_check_inside_a_replication(reference_process):
    from laneforge.sim import Cancelled

    cancel = _CancelAfter(after=5)
    done = []
    with pytest.raises(Cancelled):
        simulate(reference_process, replications=2, horizon="20000h", cancel=cancel,
                 progress=lambda d, t: done.append(d))
    # stopped at the first question answered "yes": no replication ran to its end
    assert cancel.asked == 5
    assert done == []


def test_cancel_before_the_first_replication_runs_none(reference_process, monkeypatch):
    from laneforge.sim import Cancelled

    def no_run(*args, **kwargs):
        raise AssertionError("a replication started after Cancel")

    monkeypatch.setattr("laneforge.sim.runner.run_replication", no_run)
    cancel = _CancelAfter(after=1)
    with pytest.raises(Cancelled):
        simulate(reference_process, replications=3, horizon="100h", cancel=cancel)


def test_the_capacity_estimate_stops_when_asked(reference_process):
    from laneforge.sim.capacity import estimate_capacity
    from laneforge.sim.engine import Stopped

    asked = []
    with pytest.raises(Stopped):
        estimate_capacity(reference_process, should_stop=lambda: asked.append(1) or True)
    assert len(asked) == 1


def test_cancel_in_a_pool_stops_the_workers_inside_their_replications(reference_process):
    import threading

    from laneforge.sim import Cancelled

    cancel = threading.Event()
    done = []
    # each replication of 200,000 h takes far longer than the wait before Cancel
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    with pytest.raises(Cancelled):
        simulate(reference_process, replications=2, horizon="200000h", jobs=2, cancel=cancel,
                 progress=lambda d, t: done.append(d))
    timer.join()
    assert done == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_first_figures_stream_while_the_rest_run(reference_process, jobs):
    seen = []
    # a pool hands replications out in order but may finish them out of order: with 12 on
    # two workers, replication 0 would have to outlast ten others for no preview to come
    replications = 5 if jobs == 1 else 12
    final = simulate(reference_process, replications=replications, horizon="300h", jobs=jobs,
                     partial=seen.append)
    # from the second replication on, growing, never the whole run; in this thread one more
    # each time (a pool may finish replication 3 before 2: then 2 .. 4 come at once)
    counts = [r.replications for r in seen]
    assert counts == [2, 3, 4] if jobs == 1 else (
        counts and counts == sorted(set(counts)) and set(counts) <= set(range(2, 12)))
    assert all(r.leads.ci95[0] <= r.leads.mean <= r.leads.ci95[1] for r in seen)
    # the whole run is what it is without previews
    plain = simulate(reference_process, replications=replications, horizon="300h", jobs=jobs)
    assert final.model_dump(exclude={"seconds"}) == plain.model_dump(exclude={"seconds"})
    # a preview of k replications is the run of replications 0 .. k - 1
    for preview in seen:
        first = simulate(reference_process, replications=preview.replications, horizon="300h")
        assert (preview.leads, preview.outcomes) == (first.leads, first.outcomes)
