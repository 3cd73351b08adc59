"""Several scenarios in one batch: the same figures as one run each, one pool, round by round,
first figures per scenario, progress over all of them, Cancel at once."""

from __future__ import annotations

import concurrent.futures as cf
import threading

import pytest

import laneforge
from laneforge.io import load_process
from laneforge.model import Scenario, ScenarioError, apply_changes
from laneforge.sim import Cancelled, simulate, simulate_scenarios, simulate_variants

from conftest import REPO
from simhelpers import mmc_wq, queue_process

SHORT = {"replications": 3, "horizon": "40d", "warmup": "10d", "seed": 5}


def _dump(results):
    return results.model_dump(exclude={"seconds"})


@pytest.fixture(scope="module")
def template():
    return load_process(REPO / "processes" / "lead-lifecycle.lane.json")


@pytest.fixture(scope="module")
def names(template):
    names = [None, *(s.name for s in template.scenarios)]
    assert len(names) == 5
    return names


@pytest.fixture(scope="module")
def one_by_one(template, names):
    return [_dump(simulate(template, scenario=name, **SHORT)) for name in names]


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_scenario_gets_what_its_own_run_gives(template, names, one_by_one, jobs):
    runs = simulate_scenarios(template, names, jobs=jobs, **SHORT)
    assert [r.scenario for r in runs] == names
    assert [_dump(r) for r in runs] == one_by_one


def test_an_external_executor_gives_the_same_figures(template, names, one_by_one):
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        runs = simulate_scenarios(template, names, executor=pool, **SHORT)
    assert [_dump(r) for r in runs] == one_by_one


def test_the_top_level_api_runs_scenarios_without_qt(template, names, one_by_one):
    runs = laneforge.simulate_scenarios(template, names[:2], **SHORT)
    assert [_dump(r) for r in runs] == one_by_one[:2]


@pytest.mark.slow
def test_a_dask_cluster_runs_a_comparison(template, names, one_by_one):
    import dask.distributed as distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        runs = simulate_scenarios(template, names[:3], executor=client, **SHORT)
    assert [_dump(r) for r in runs] == one_by_one[:3]


class _RecordingPool(cf.ThreadPoolExecutor):
    """One worker thread, so jobs run in the order they were submitted; records that order."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.order: list[tuple[int, int]] = []
        self._texts: list[str] = []

    def submit(self, fn, text, horizon, warmup, replication, seed):
        if text not in self._texts:
            self._texts.append(text)
        self.order.append((self._texts.index(text), replication))
        return super().submit(fn, text, horizon, warmup, replication, seed)


def test_jobs_go_to_one_pool_round_by_round(template, names):
    with _RecordingPool() as pool:
        simulate_scenarios(template, names[:3], executor=pool, **SHORT)
    # replication i of every scenario before replication i + 1 of any
    assert pool.order == [(v, i) for i in range(3) for v in range(3)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_counts_over_all_scenarios(template, names, jobs):
    seen = []
    simulate_scenarios(template, names[:3], jobs=jobs, progress=lambda d, t: seen.append((d, t)),
                       **SHORT)
    assert seen == [(done, 9) for done in range(1, 10)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_first_figures_of_every_scenario_stream_in(template, names, jobs):
    seen = []
    options = {**SHORT, "replications": 5}
    finals = simulate_scenarios(template, names[:3], jobs=jobs,
                                partial=lambda name, r: seen.append((name, r)), **options)
    for name in names[:3]:
        mine = [r for n, r in seen if n == name]
        # from the second replication on, growing, never the whole run (in a pool two or
        # three may come at once when replication k + 1 finishes before k)
        counts = [r.replications for r in mine]
        assert counts and counts == sorted(set(counts)) and set(counts) <= {2, 3, 4}
        assert all(r.scenario == name and r.capacity == [] for r in mine)
    if jobs == 1:
        # in this thread the order is exactly round by round: every scenario's first
        # figures come before any scenario's third replication
        assert [(n, r.replications) for n, r in seen] == [
            (n, k) for k in (2, 3, 4) for n in names[:3]]
    # first figures of k replications are those of replications 0 .. k - 1, in any pool
    shorter = {k: simulate_scenarios(template, names[:3], **{**options, "replications": k})
               for k in {r.replications for _, r in seen}}
    for name, first in seen:
        whole = shorter[first.replications][names.index(name)]
        assert (first.leads, first.outcomes, first.nodes) == (whole.leads, whole.outcomes,
                                                              whole.nodes)
    plain = simulate_scenarios(template, names[:3], jobs=jobs, **options)
    assert [_dump(r) for r in finals] == [_dump(r) for r in plain]


def test_a_name_given_twice_runs_once(template, names):
    seen = []
    runs = simulate_scenarios(template, [None, names[1], names[1]],
                              progress=lambda d, t: seen.append(t), **SHORT)
    assert runs[1] is runs[2] and runs[0].scenario is None
    assert set(seen) == {6}


def test_an_unknown_scenario_stops_before_any_replication(template, monkeypatch):
    def no_run(*args, **kwargs):
        raise AssertionError("a replication ran")

    monkeypatch.setattr("laneforge.sim.runner.run_replication", no_run)
    with pytest.raises(ScenarioError, match="Nobody"):
        simulate_scenarios(template, [None, "Nobody"], **SHORT)
    assert simulate_scenarios(template, []) == []


def test_cancel_stops_a_comparison_between_replications(template, names):
    cancel = threading.Event()
    done = []

    def progress(count, total):
        done.append(count)
        if count == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        simulate_scenarios(template, names, progress=progress, cancel=cancel, **SHORT)
    assert done == [1, 2]


def test_cancel_in_the_pool_stops_the_workers_inside_their_replications(reference_process):
    reference_process.edit.add_scenario(Scenario(name="More SDRs",
                                            changes={"lanes.inside_sales.staff": 10}))
    cancel = threading.Event()
    done = []
    # each replication of 200,000 h takes far longer than the wait before Cancel
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    with pytest.raises(Cancelled):
        simulate_scenarios(reference_process, [None, "More SDRs"], replications=2,
                           horizon="200000h", jobs=2, cancel=cancel,
                           progress=lambda d, t: done.append(d))
    timer.join()
    assert done == []


@pytest.mark.slow
def test_scenarios_of_an_mmc_queue_match_erlang_c():
    # lambda 1.5/h, mean service 1 h: two staff at 75 % load, three at 50 %
    process = queue_process("1.5/h", "1h", 2, horizon="3000h", replications=10)
    process.edit.add_scenario(Scenario(name="Three", changes={"lanes.team.staff": 3}))
    base, three = simulate_scenarios(process, [None, "Three"], jobs=2)
    for results, staff in ((base, 2), (three, 3)):
        wait = results.nodes["work"].wait_hours
        assert wait.ci95[0] <= mmc_wq(1.5, 1.0, staff) <= wait.ci95[1], staff
        assert results.lanes["team"].utilization.mean == pytest.approx(1.5 / staff, abs=0.02)
    # common random numbers: the same arrivals in both, replication by replication
    assert base.leads == three.leads


def test_variants_of_a_sweep_run_as_one_batch(template):
    variants = [(f"staff = {n}", apply_changes(template, {"lanes.inside_sales.staff": n}))
                for n in (4, 6)]
    seen = []
    runs = simulate_variants(variants, jobs=2, partial=lambda i, r: seen.append(i),
                             **{**SHORT, "replications": 4})
    for (name, variant), run in zip(variants, runs, strict=True):
        alone = simulate(variant, **{**SHORT, "replications": 4})
        assert run.scenario == name
        assert _dump(run) == {**_dump(alone), "scenario": name}
    # first figures at 2 and at 3 replications of 4 when the pool answers in order; one
    # fewer when replication 3 comes back before 2 (the prefix then jumps to complete)
    assert set(seen) == {0, 1} and all(1 <= seen.count(i) <= 2 for i in (0, 1)), seen
