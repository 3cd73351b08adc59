"""The forecast's backtest: replay the forecast as of the start of each past month (or
quarter) of the export and compare it with the wins the export then recorded.

Each period is forecast honestly: the process is fitted (the calibration's :func:`fit`) only
on data before the period's start, the snapshot is what the CRM showed then, and the run
goes to the period's end. A forecast whose actuals keep falling outside its P10-P90 band,
all on one side, at the end of the export says the process changed: the fit of the past no
longer describes the team.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..io.crm import CrmMap, EventLog
from ..model import Process
from .calibrate import fit
from .forecast_snapshot import snapshot_from_export
from .forecast_stats import BacktestPeriod, backtest_metrics, summarize_forecast
from .forecast_uncertainty import posterior
from .holdout import OUTCOME, observed_markers

#: a backtest period needs at least this much export before it to fit on
MIN_FIT_DAYS = 28
#: this many misses in a row on one side, at the end, say the process changed
CHANGE_RUN = 2


@dataclass(frozen=True)
class BacktestRow:
    """One backtest period: the forecast made at its start and what happened."""

    start: dt.datetime
    end: dt.datetime
    p10: float
    p50: float
    p90: float
    actual: int

    @property
    def miss(self) -> str:
        """"below" / "above" the band, or "" when inside it."""
        if self.actual < self.p10:
            return "below"
        return "above" if self.actual > self.p90 else ""

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "p10": self.p10, "p50": self.p50, "p90": self.p90, "actual": self.actual,
                "miss": self.miss or None}


def periods(log: EventLog, kind: str = "month") -> list[tuple[dt.datetime, dt.datetime]]:
    """The whole months (or quarters) of the export that have ``MIN_FIT_DAYS`` before them."""
    if kind not in ("month", "quarter"):
        raise ValueError(f"--backtest: expected month or quarter, got {kind!r}")
    freq = "MS" if kind == "month" else "QS"
    first = pd.Timestamp(log.start) + pd.Timedelta(days=MIN_FIT_DAYS)
    starts = pd.date_range(first.normalize(), pd.Timestamp(log.end), freq=freq)
    step = pd.DateOffset(months=1 if kind == "month" else 3)
    return [(s.to_pydatetime(), (s + step).to_pydatetime()) for s in starts
            if s + step <= pd.Timestamp(log.end)]


def actual_wins(markers: pd.DataFrame, process: Process, start: dt.datetime,
                end: dt.datetime) -> int:
    """Won outcomes the export recorded in [start, end)."""
    won = {n.id for n in process.nodes if n.kind == "end" and n.outcome == "won"}
    rows = markers[(markers["kind"] == OUTCOME) & markers["name"].isin(won)]
    return int(((rows["time"] >= start) & (rows["time"] < end)).sum())


def process_change(rows: list[BacktestRow]) -> dict[str, Any] | None:
    """The last periods missing the band all on one side (``CHANGE_RUN`` or more in a row):
    since when and which way; None when the latest periods are in line."""
    run: list[BacktestRow] = []
    for row in reversed(rows):
        if not row.miss or (run and row.miss != run[0].miss):
            break
        run.append(row)
    if len(run) < CHANGE_RUN:
        return None
    return {"since": run[-1].start.isoformat(), "periods": len(run), "direction": run[0].miss}


def backtest(process: Process, log: EventLog, mapping: CrmMap, *, kind: str = "month",
             replications: int = 50, seed: int = 1, jobs: int = 1,
             progress: Callable[[int, int], Any] | None = None,
             cancel: threading.Event | None = None, uncertain: bool = True,
             ) -> tuple[dict[str, Any] | None, list[BacktestRow]]:
    """Forecast each period from data before it and compare: the metrics of
    :func:`backtest_metrics` (plus ``process_changed``) and the rows. Each period's band
    includes the uncertainty of its fit (:mod:`.forecast_uncertainty`); ``uncertain``
    False leaves only the simulation's own noise (for comparison)."""
    from .forecast import run_from  # the use case's run, shared

    spans = periods(log, kind)
    markers = observed_markers(log, mapping, process)
    rows: list[BacktestRow] = []
    for k, (start, end) in enumerate(spans):
        calibration = fit(process, log, mapping, fit_until=pd.Timestamp(start))
        fitted = calibration.process
        snapshot = snapshot_from_export(log, mapping, fitted, as_of=start)
        runs = run_from(fitted, snapshot, end, replications=replications, seed=seed,
                        jobs=jobs, cancel=cancel,
                        posterior=posterior(calibration) if uncertain else None)
        # the engine lets open items finish after the horizon: count only the period's wins
        b = summarize_forecast(runs, as_of=start, until=end).won
        rows.append(BacktestRow(start, end, b["p10"], b["p50"], b["p90"],
                                actual_wins(markers, process, start, end)))
        if progress is not None:
            progress(k + 1, len(spans))
    metrics = backtest_metrics([BacktestPeriod(r.start, r.p10, r.p50, r.p90, r.actual)
                                for r in rows])
    if metrics is not None:
        metrics["kind"] = kind
        metrics["process_changed"] = process_change(rows)
    return metrics, rows


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def backtest_text(metrics: dict[str, Any] | None, rows: list[BacktestRow]) -> str:
    """The backtest as printed: one line a period, the metrics and the change warning."""
    if metrics is None:
        return "Backtest: the export has no whole period with four weeks of data before it"
    lines = [f"Backtest by {metrics['kind']} ({metrics['periods']} periods):",
             "  period start   P10   P50   P90  actual"]
    for r in rows:
        mark = f"  {r.miss} the band" if r.miss else ""
        lines.append(f"  {r.start:%Y-%m-%d}   {r.p10:5.0f} {r.p50:5.0f} {r.p90:5.0f} "
                     f"{r.actual:7d}{mark}")
    lines.append(f"  P50 MAPE {_pct(metrics['p50_mape'])}, bias {_pct(metrics['bias'])}, "
                 f"P10-P90 coverage {_pct(metrics['coverage_p10_p90'])} (about 80 % expected)")
    change = metrics.get("process_changed")
    if change:
        lines.append(f"  WARNING: the process changed: the last {change['periods']} periods "
                     f"(since {change['since'][:10]}) fell {change['direction']} the band; "
                     "recalibrate on recent data before trusting the forecast")
    return "\n".join(lines)


__all__ = ["BacktestRow", "actual_wins", "backtest", "backtest_text", "periods",
           "process_change"]
