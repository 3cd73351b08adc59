"""Run replications, serially or on any ``concurrent.futures.Executor``, and aggregate them.

Each replication draws from its own seeded streams, so a seed gives identical results
whether replications run in this process, in a process pool, or on a dask cluster. Workers
receive the process as JSON data and compile it once per worker.

Several variants of a process (the scenarios of a comparison, the values of a sweep) run
as one batch: every (variant, replication) job goes to one pool, round by round, so each
variant has its first figures early and the cores stay busy until the last job ends.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..model import Process, apply_scenario
from ..model.units import Duration
from .aggregate import aggregate
from .capacity import CapacityEstimate, estimate_capacity
from .compiled import Compiled, compile_process
from .engine import Stopped, run_replication
from .record import ReplicationRecord
from .results import Results
from .snapshot import Snapshot

Progress = Callable[[int, int], Any]


class Cancelled(Exception):
    """The run was cancelled before it finished."""


#: set in pool workers (see _init_worker): the shared "stop now" flag
_WORKER_STOP: Any = None


def _init_worker(stop: Any) -> None:
    global _WORKER_STOP
    _WORKER_STOP = stop
    # Ctrl+C in a terminal reaches the whole process group: the parent answers it (it sets
    # the stop flag and ends the run with one line); a worker must not print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_should_stop() -> bool:
    return bool(_WORKER_STOP is not None and _WORKER_STOP.is_set())


def worker_stop_check() -> Callable[[], bool] | None:
    """In a worker of :func:`worker_pool`: the ``should_stop`` to give run_replication."""
    return _worker_should_stop if _WORKER_STOP is not None else None


def worker_pool(jobs: int, *, fresh: bool = False) -> tuple[cf.ProcessPoolExecutor, Any]:
    """A pool of ``jobs`` worker processes and the stop flag they share (set it and their
    replications stop within a few hundred events), as :func:`simulate` runs them.

    ``fresh`` workers start from a clean interpreter (forkserver, else spawn) instead of a
    copy of this process: a caller holding a large CRM export in memory would otherwise
    hand each worker a copy of it that the worker never reads.
    """
    if fresh:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                              else "spawn")
    else:
        context = multiprocessing.get_context()
    stop_flag = context.Event()
    pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                  initializer=_init_worker, initargs=(stop_flag,))
    return pool, stop_flag


@lru_cache(maxsize=64)
def process_from_text(text: str) -> Process:
    """A process sent to a worker as JSON text (parsed once per worker and text)."""
    return Process.model_validate(json.loads(text))


#: a sweep of a few dozen values runs interleaved; each worker keeps all of them compiled
@lru_cache(maxsize=64)
def compiled_from_text(text: str, horizon: float | None, warmup: float | None) -> Compiled:
    """The process of ``text`` compiled (once per worker, text and window)."""
    return compile_process(process_from_text(text), horizon=horizon, warmup=warmup,
                           check=False)


@dataclass(frozen=True)
class RunExtras:
    """What a run may ask of each replication beyond the figures (see :func:`simulate`)."""

    start_from: Snapshot | PackedSnapshot | None = None
    outcome_log: bool | frozenset[str] = False
    amount: str | None = None
    #: the capacity estimate of each variant (Results.capacity); a forecast of many
    #: parameter draws, one replication each, reads only the outcomes and goes without
    estimate: bool = True


@dataclass(frozen=True)
class PackedSnapshot:
    """A snapshot as it travels to pool workers: pickled once by the parent, unpickled once
    per worker (by ``digest``). A snapshot of 100,000 open items takes about a second to
    unpickle; sent as objects with every replication's job it cost more than the runs."""

    digest: str
    blob: bytes

    @classmethod
    def pack(cls, snapshot: Snapshot) -> PackedSnapshot:
        blob = pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.blake2b(blob, digest_size=16).hexdigest(), blob)


#: in a worker: the snapshots unpacked so far, by digest (a batch starts from one)
_UNPACKED: dict[str, Snapshot] = {}


def _unpacked(start_from: Snapshot | PackedSnapshot | None) -> Snapshot | None:
    if not isinstance(start_from, PackedSnapshot):
        return start_from
    snapshot = _UNPACKED.get(start_from.digest)
    if snapshot is None:
        _UNPACKED.clear()  # keep one: a worker may live on for other runs
        snapshot = _UNPACKED[start_from.digest] = pickle.loads(start_from.blob)
    return snapshot


def _replication_job(
    text: str, horizon: float | None, warmup: float | None, replication: int, seed: int,
    extras: RunExtras = RunExtras(),
) -> ReplicationRecord | None:
    """Run in a worker: compile (once per worker and process) and simulate one replication;
    None when the run was cancelled in the middle of it."""
    compiled = compiled_from_text(text, horizon, warmup)
    try:
        return run_replication(compiled, replication, seed, should_stop=worker_stop_check(),
                               start_from=_unpacked(extras.start_from),
                               outcome_log=extras.outcome_log,
                               amount=extras.amount)
    except Stopped:
        return None


def _hours(value: str | float | int | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        return Duration.parse(value).hours
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def resolve_executor(executor: Any) -> cf.Executor | None:
    """Accept a concurrent.futures executor or a dask.distributed Client."""
    if executor is None or isinstance(executor, cf.Executor):
        return executor
    get_executor = getattr(executor, "get_executor", None)
    if callable(get_executor):  # dask.distributed.Client
        return get_executor()
    raise TypeError("executor must be a concurrent.futures.Executor or a dask Client")


@contextmanager
def _executor_for(
    executor: Any, jobs: int, work: int, cancel: threading.Event | None
) -> Iterator[tuple[cf.Executor | None, Any]]:
    """The executor to submit replications to, and the stop flag its workers watch.

    A given executor (or dask Client) is used as it is (no stop flag: Cancel then drops the
    jobs not started). Else, with ``jobs`` > 1 and more than one replication to run, an own
    process pool whose workers share a flag that stops them in the middle of a replication;
    it is shut down on the way out. None: run in this thread."""
    pool = resolve_executor(executor)
    if pool is not None or jobs <= 1 or work <= 1:
        yield pool, None
        return
    own, stop_flag = worker_pool(min(jobs, work))
    finished = False
    try:
        yield own, stop_flag
        finished = True
    finally:
        if not finished:  # cancelled or failed: nothing more is wanted from the workers
            stop_flag.set()
        stopped = not finished or (cancel is not None and cancel.is_set())
        own.shutdown(wait=not stopped, cancel_futures=True)


@dataclass
class _Run:
    """One variant of a batch: compiled once, and what its replications gave so far."""

    key: Any  # how ``partial`` names it to the caller
    scenario: str | None  # the Results' scenario
    process: Process
    compiled: Compiled
    seed: int
    replications: int
    text: str = ""  # the process as JSON, for pool workers
    reps: list[ReplicationRecord] = field(default_factory=list)
    #: replications 0 .. prefix - 1 are all in (a pool may finish them out of order)
    prefix: int = 0
    estimate: CapacityEstimate | None = None
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return len(self.reps) == self.replications

    def add(self, result: ReplicationRecord) -> bool:
        """Keep a replication's figures; True if the run of replications 0 .. k - 1 grew."""
        self.reps.append(result)
        done = {r.replication for r in self.reps}
        before = self.prefix
        while self.prefix in done:
            self.prefix += 1
        return self.prefix > before


def _whole_number(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return value


def _run_batch(
    variants: Sequence[tuple[Any, str | None, Process]],
    *,
    replications: int | None,
    seed: int | None,
    horizon: str | float | None,
    warmup: str | float | None,
    jobs: int,
    executor: Any,
    progress: Progress | None,
    cancel: threading.Event | None,
    partial: Callable[[Any, Results], Any] | None,
    extras: RunExtras = RunExtras(),
) -> list[Results]:
    """Simulate every ``(key, scenario, process)`` variant; one Results each, in order."""
    started = time.perf_counter()
    _whole_number(jobs, "jobs")
    if not variants:
        return []
    horizon_h = _hours(horizon, "horizon")
    warmup_h = _hours(warmup, "warm-up")
    if extras.start_from is not None:
        # the run starts at the snapshot, with the process as it is then: no warm-up
        as_of, warmup_h = _unpacked(extras.start_from).as_of.replace(tzinfo=None), 0.0
        variants = [(key, scenario, process.model_copy(update={"start": as_of}))
                    for key, scenario, process in variants]
    runs = []
    for key, scenario, process in variants:
        reps = _whole_number(replications if replications is not None
                             else process.simulation.replications, "replications")
        runs.append(_Run(key, scenario, process,
                         compile_process(process, horizon=horizon_h, warmup=warmup_h),
                         process.simulation.seed if seed is None else int(seed), reps))
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    total = sum(run.replications for run in runs)
    # round by round: replication i of every variant before replication i + 1 of any
    order = [(run, i) for i in range(max(r.replications for r in runs))
             for run in runs if i < run.replications]
    should_stop = cancel.is_set if cancel is not None else None
    done = 0

    def record(run: _Run, result: ReplicationRecord) -> None:
        nonlocal done
        grew = run.add(result)
        done += 1
        if progress is not None:
            progress(done, total)
        if run.complete and not extras.estimate:
            run.seconds = time.perf_counter() - started
        elif run.complete:
            # the estimate only explains the results (unstable queues): it comes once the
            # variant's replications are in, while the pool goes on with the others
            try:
                run.estimate = estimate_capacity(run.process, compiled=run.compiled,
                                                 should_stop=should_stop)
            except Stopped:
                raise Cancelled() from None
            run.seconds = time.perf_counter() - started
        elif partial is not None and grew and run.prefix >= 2:
            # replications 0 .. k - 1: what a run of k would show, and paired replication by
            # replication with the other variants' first figures; without the capacity
            # estimate, which only explains the final run's queues
            first = [r for r in run.reps if r.replication < run.prefix]
            partial(run.key, aggregate(
                run.compiled, first, scenario=run.scenario, seed=run.seed,
                estimate=None, seconds=time.perf_counter() - started,
                currency=run.process.currency))

    with _executor_for(executor, jobs, total, cancel) as (pool, stop_flag):
        if pool is None:
            for run, replication in order:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                try:
                    result = run_replication(
                        run.compiled, replication, run.seed, should_stop=should_stop,
                        start_from=_unpacked(extras.start_from),
                        outcome_log=extras.outcome_log,
                        amount=extras.amount)
                except Stopped:
                    raise Cancelled() from None
                record(run, result)
        else:
            _run_in_pool(pool, stop_flag, order, horizon_h, warmup_h, record, cancel, extras)
    return [
        aggregate(run.compiled, run.reps, scenario=run.scenario, seed=run.seed,
                  estimate=run.estimate, seconds=run.seconds, currency=run.process.currency)
        for run in runs
    ]


def _run_in_pool(
    pool: cf.Executor,
    stop_flag: Any,
    order: Sequence[tuple[_Run, int]],
    horizon_h: float | None,
    warmup_h: float | None,
    record: Callable[[_Run, ReplicationRecord], None],
    cancel: threading.Event | None,
    extras: RunExtras,
) -> None:
    """Submit every job in ``order`` at once and record the results as they come back;
    a Cancel stops the workers (through ``stop_flag``); leaving early for any reason drops
    the jobs not started."""
    for run, _replication in order:
        if not run.text:
            run.text = json.dumps(run.process.to_data())
    if isinstance(extras.start_from, Snapshot):
        extras = RunExtras(PackedSnapshot.pack(extras.start_from), extras.outcome_log,
                           extras.amount, extras.estimate)
    more = (extras,) if extras != RunExtras() else ()  # an ordinary job's call unchanged
    futures = {
        pool.submit(_replication_job, run.text, horizon_h, warmup_h, i, run.seed, *more): run
        for run, i in order
    }
    pending = set(futures)
    try:
        while pending:
            done, pending = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
            for future in done:
                result = future.result()
                if result is None:  # a worker saw the stop flag
                    raise Cancelled()
                record(futures[future], result)
            if cancel is not None and cancel.is_set():
                if stop_flag is not None:
                    stop_flag.set()
                raise Cancelled()
    finally:
        for future in pending:  # none left unless the loop ended early
            future.cancel()


def simulate(
    process: Process,
    *,
    scenario: str | None = None,
    replications: int | None = None,
    seed: int | None = None,
    horizon: str | float | None = None,
    warmup: str | float | None = None,
    jobs: int = 1,
    executor: Any = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    partial: Callable[[Results], Any] | None = None,
    start_from: Snapshot | None = None,
    outcome_log: bool | frozenset[str] = False,
    amount_attribute: str | None = None,
) -> Results:
    """Simulate ``process`` (or one of its scenarios) and return the aggregated results.

    ``horizon`` and ``warmup`` accept durations ("90d") or hours. With ``jobs`` > 1 a process
    pool runs the replications; ``executor`` may be any concurrent.futures executor or a
    dask.distributed Client. ``progress(done, total)`` is called after each replication;
    setting ``cancel`` stops the run (raises :class:`Cancelled`). ``partial(results)`` gets
    first figures while the rest run (on screen while the interval narrows): each time
    replications 0 .. k - 1 are all in, for k from 2 to one less than the whole run, what a
    run of k replications shows, without the capacity estimate; the return value is the
    whole run's, as without it.

    ``start_from``: a :class:`~laneforge.sim.snapshot.Snapshot`; the run starts at its
    ``as_of`` (no warm-up) with its open items in place (see :mod:`.placement`).
    ``outcome_log``: keep, per replication, every outcome reached with its time, origin
    (snapshot or new lead), source and amount (the attribute ``amount_attribute``, default
    ``amount`` when the process has it) in ``Results.outcome_log``; a set of outcome
    names keeps only those;
    off by default, so an ordinary run's memory stays flat.
    """
    variant = apply_scenario(process, scenario) if scenario is not None else process
    each = (lambda _key, results: partial(results)) if partial is not None else None
    amount = amount_attribute
    if amount is None and "amount" in process.attributes:
        amount = "amount"
    return _run_batch(
        [(scenario, scenario, variant)], replications=replications, seed=seed,
        horizon=horizon, warmup=warmup, jobs=jobs, executor=executor, progress=progress,
        cancel=cancel, partial=each,
        extras=RunExtras(start_from, outcome_log, amount),
    )[0]


def simulate_scenarios(
    process: Process,
    scenarios: Sequence[str | None],
    *,
    replications: int | None = None,
    seed: int | None = None,
    horizon: str | float | None = None,
    warmup: str | float | None = None,
    jobs: int = 1,
    executor: Any = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    partial: Callable[[str | None, Results], Any] | None = None,
) -> list[Results]:
    """Simulate several scenarios of ``process`` (None: the baseline) in one batch.

    Returns one Results per entry of ``scenarios``, each identical to what
    ``simulate(process, scenario=name, ...)`` returns with the same options (same seed, so
    the runs share random numbers replication by replication). All replications of all
    scenarios go to one pool, round by round, so every scenario gets its first replications
    early and the cores stay busy to the end; ``progress(done, total)`` counts over all of
    them. ``partial(scenario, results)`` gets a scenario's first figures as for
    :func:`simulate` (replications 0 .. k - 1, so they pair across scenarios). A name given
    twice runs once (both entries get the same Results). Options as for :func:`simulate`.
    """
    distinct = list(dict.fromkeys(scenarios))
    variants = [(name, name, apply_scenario(process, name) if name is not None else process)
                for name in distinct]
    runs = _run_batch(variants, replications=replications, seed=seed, horizon=horizon,
                      warmup=warmup, jobs=jobs, executor=executor, progress=progress,
                      cancel=cancel, partial=partial)
    by_name = dict(zip(distinct, runs, strict=True))
    return [by_name[name] for name in scenarios]


def simulate_variants(
    variants: Sequence[tuple[str | None, Process]],
    *,
    replications: int | None = None,
    seed: int | None = None,
    horizon: str | float | None = None,
    warmup: str | float | None = None,
    jobs: int = 1,
    executor: Any = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    partial: Callable[[int, Results], Any] | None = None,
    start_from: Snapshot | None = None,
    outcome_log: bool | frozenset[str] = False,
    amount_attribute: str | None = None,
    estimate: bool = True,
) -> list[Results]:
    """Simulate several processes (``(name, process)``: the values of a sweep, say) in one
    batch, as :func:`simulate_scenarios` does; each Results has ``name`` as its scenario.
    ``partial(index, results)`` names a variant by its place in ``variants``.
    ``start_from``, ``outcome_log`` and ``amount_attribute`` as for :func:`simulate`, for
    every variant (the snapshot travels to the workers once); ``estimate`` False leaves
    out the capacity estimates (``Results.capacity`` None)."""
    amount = amount_attribute
    if amount is None and variants and "amount" in variants[0][1].attributes:
        amount = "amount"
    return _run_batch([(index, name, process) for index, (name, process) in enumerate(variants)],
                      replications=replications, seed=seed, horizon=horizon, warmup=warmup,
                      jobs=jobs, executor=executor, progress=progress, cancel=cancel,
                      partial=partial,
                      extras=RunExtras(start_from, outcome_log, amount, estimate))
