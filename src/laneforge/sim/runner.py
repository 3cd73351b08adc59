"""Run replications, serially or on any ``concurrent.futures.Executor``, and aggregate them.

Each replication draws from its own seeded streams, so a seed gives identical results
whether replications run in this process, in a process pool, or on a dask cluster. Workers
receive the process as JSON data and compile it once per worker.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..model import Process, apply_scenario
from ..model.units import Duration
from .aggregate import aggregate
from .capacity import estimate_capacity
from .compiled import Compiled, compile_process
from .engine import Stopped, run_replication
from .results import Results

Progress = Callable[[int, int], Any]


class Cancelled(Exception):
    """The run was cancelled before it finished."""


#: set in pool workers (see _init_worker): the shared "stop now" flag
_WORKER_STOP: Any = None


def _init_worker(stop: Any) -> None:
    global _WORKER_STOP
    _WORKER_STOP = stop


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


@lru_cache(maxsize=8)
def process_from_text(text: str) -> Process:
    """A process sent to a worker as JSON text (parsed once per worker and text)."""
    return Process.model_validate(json.loads(text))


@lru_cache(maxsize=8)
def compiled_from_text(text: str, horizon: float | None, warmup: float | None) -> Compiled:
    """The process of ``text`` compiled (once per worker, text and window)."""
    return compile_process(process_from_text(text), horizon=horizon, warmup=warmup,
                           check=False)


def _replication_job(
    text: str, horizon: float | None, warmup: float | None, replication: int, seed: int
) -> dict[str, Any]:
    """Run in a worker: compile (once per worker and process) and simulate one replication."""
    compiled = compiled_from_text(text, horizon, warmup)
    try:
        return run_replication(compiled, replication, seed, should_stop=worker_stop_check())
    except Stopped:
        return {"stopped": True}


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
) -> Results:
    """Simulate ``process`` (or one of its scenarios) and return the aggregated results.

    ``horizon`` and ``warmup`` accept durations ("90d") or hours. With ``jobs`` > 1 a process
    pool runs the replications; ``executor`` may be any concurrent.futures executor or a
    dask.distributed Client. ``progress(done, total)`` is called after each replication;
    setting ``cancel`` stops the run (raises :class:`Cancelled`). ``partial(results)`` gets
    the figures of the replications finished so far, from the second one on, while the rest
    run (first figures on screen while the interval narrows); the return value is the whole
    run's, as without it.
    """
    started = time.perf_counter()
    variant = apply_scenario(process, scenario) if scenario is not None else process
    reps = replications if replications is not None else variant.simulation.replications
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ValueError(f"replications must be a whole number of at least 1, got {reps!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1, got {jobs!r}")
    run_seed = variant.simulation.seed if seed is None else int(seed)
    horizon_h = _hours(horizon, "horizon")
    warmup_h = _hours(warmup, "warm-up")
    compiled = compile_process(variant, horizon=horizon_h, warmup=warmup_h)
    if cancel is not None and cancel.is_set():
        raise Cancelled()

    results: list[dict[str, Any]] = []
    pool = resolve_executor(executor)
    own_pool = None
    stop_flag = None
    if pool is None and jobs > 1 and reps > 1:
        # the stop flag tells workers to stop in the middle of a replication
        own_pool, stop_flag = worker_pool(min(jobs, reps))
        pool = own_pool
    should_stop = cancel.is_set if cancel is not None else None

    def report_partial() -> None:
        if partial is not None and 2 <= len(results) < reps:
            # without the capacity estimate: it only explains the final run's queues
            partial(aggregate(compiled, list(results), scenario=scenario, seed=run_seed,
                              estimate=None, seconds=time.perf_counter() - started,
                              currency=variant.currency))

    try:
        if pool is None:
            for replication in range(reps):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                try:
                    results.append(run_replication(compiled, replication, run_seed,
                                                   should_stop=should_stop))
                except Stopped:
                    raise Cancelled() from None
                if progress is not None:
                    progress(len(results), reps)
                report_partial()
        else:
            text = json.dumps(variant.to_data())
            futures = [
                pool.submit(_replication_job, text, horizon_h, warmup_h, i, run_seed)
                for i in range(reps)
            ]
            pending = set(futures)
            while pending:
                done, pending = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    if result.get("stopped"):
                        raise Cancelled()
                    results.append(result)
                    if progress is not None:
                        progress(len(results), reps)
                    report_partial()
                if cancel is not None and cancel.is_set():
                    if stop_flag is not None:
                        stop_flag.set()
                    for future in pending:
                        future.cancel()
                    raise Cancelled()
    finally:
        if own_pool is not None:
            cancelled = cancel is not None and cancel.is_set()
            own_pool.shutdown(wait=not cancelled, cancel_futures=True)
    # the estimate only explains the results (unstable queues), so it comes after the
    # replications and stops at the same Cancel
    try:
        estimate = estimate_capacity(variant, compiled=compiled, should_stop=should_stop)
    except Stopped:
        raise Cancelled() from None
    return aggregate(
        compiled, results, scenario=scenario, seed=run_seed, estimate=estimate,
        seconds=time.perf_counter() - started, currency=variant.currency,
    )
