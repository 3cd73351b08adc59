"""The forecast use case, shared by ``laneforge forecast`` and (later) the app: read a CRM
export, take the snapshot of what is open at ``as_of``, run the calibrated process from it
up to ``until`` and summarise the won deals it forecasts, for the baseline and each what-if.

Every scenario runs with the baseline's seed, so replication ``i`` of each shares its random
numbers (common random numbers): a scenario equal to the baseline gives identical figures,
and a difference between two is the scenario's effect, not noise between runs.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.crm import CrmMap, EventLog
from ..model import Process, apply_scenario
from ..model.units import Duration
from ..sim import simulate, simulate_variants
from ..sim.snapshot import Snapshot
from .crm_calibration import complete_mapping, load_export, load_mapping, unmapped
from .forecast_snapshot import check_as_of, snapshot_from_export
from .forecast_stats import ForecastSummary, WonDeal, forecast_json, summarize_forecast
from .forecast_uncertainty import Posterior

WON = "won"
#: a forecast's runs log their wins only (a large pipeline's other outcomes cost memory)
WON_ONLY = frozenset({WON})
#: an item is at risk when open at its node longer than this quantile of the node's duration
RISK_QUANTILE = 0.9
_RISK_DRAWS = 4000


class ForecastError(ValueError):
    """A forecast that cannot be made; the message is one line naming the option or file."""


@dataclass(frozen=True)
class AtRisk:
    """An open lead or deal that has been at its node longer than usual."""

    id: str
    node: str
    age_days: float
    usual_days: float  # the node's fitted duration's P90


@dataclass
class Forecast:
    """What :func:`forecast` found: the baseline's summary, each scenario's, the at-risk list."""

    process: str
    as_of: dt.datetime
    until: dt.datetime
    target: float | None
    seed: int
    snapshot: Snapshot
    summary: ForecastSummary
    scenarios: dict[str, ForecastSummary] = field(default_factory=dict)
    at_risk: list[AtRisk] = field(default_factory=list)
    backtest: dict[str, Any] | None = None
    #: the backtest's periods (forecast_backtest.BacktestRow), for the report
    backtest_rows: list[Any] = field(default_factory=list)
    #: (week's end, cumulative won deals the export recorded since ``as_of``) for the weeks
    #: the export already covers: a snapshot in the past is read against what happened
    actuals: list[tuple[dt.datetime, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``laneforge/forecast`` results object, with the at-risk list beside it."""
        data = forecast_json(self.summary, as_of=self.as_of, until=self.until,
                             scenarios=self.scenarios, backtest=self.backtest)
        data["target"] = self.target
        data["seed"] = self.seed
        data["open_items"] = len(self.snapshot.items)
        data["at_risk"] = [{"id": r.id, "node": r.node, "age_days": round(r.age_days, 2),
                            "usual_days": round(r.usual_days, 2)} for r in self.at_risk]
        if self.backtest is not None and self.backtest_rows:
            self.backtest["rows"] = [row.to_json() for row in self.backtest_rows]
        data["actuals"] = [{"end": end.isoformat(), "cumulative_won": won}
                           for end, won in self.actuals]
        return data


def default_until(as_of: dt.datetime) -> dt.datetime:
    """The end of the quarter as_of lies in (the next quarter's first day, 00:00)."""
    quarter = (as_of.month - 1) // 3
    year, month = as_of.year, 3 * quarter + 4
    if month > 12:
        year, month = year + 1, 1
    return dt.datetime(year, month, 1)


def require_calibration(process: Process, name: str = "PROCESS") -> None:
    """ForecastError unless ``process`` carries a calibration (``observed`` figures)."""
    if process.observed is None:
        raise ForecastError(
            f"{name}: the process is not calibrated; a forecast needs one fitted to the CRM "
            f"export: run 'laneforge calibrate {name} DATA... -o CALIBRATED.lane.json' and "
            "forecast with CALIBRATED.lane.json")


def _read(exports: EventLog | Sequence[str | os.PathLike[str]],
          mapping: CrmMap | str | os.PathLike[str] | None, process: Process,
          ) -> tuple[EventLog, CrmMap]:
    """The export as one event log and the mapping: a CrmMap given is used as it is (the
    caller completed it), a MAP.json path or None is completed by suggestions."""
    given = mapping if isinstance(mapping, CrmMap) or mapping is None else \
        load_mapping(Path(mapping))
    log = exports if isinstance(exports, EventLog) else load_export(
        exports, map_path=None if isinstance(mapping, CrmMap) else mapping)[0]
    full = mapping if isinstance(mapping, CrmMap) else complete_mapping(log, process, given)
    missing = unmapped(log, process, full)
    if missing:
        where = "MAP.json" if mapping is None or isinstance(mapping, CrmMap) else mapping
        raise ForecastError(f"{where}: map these first: {'; '.join(missing)} "
                            "(laneforge calibrate --write-map MAP.json writes a suggestion)")
    return log, full


def won_deals(events: Sequence[Any]) -> list[WonDeal]:
    """One replication's won outcomes from the engine's outcome log."""
    return [WonDeal(e.time, e.from_snapshot, e.amount) for e in events if e.outcome == WON]


def _no_drain(process: Process, seed: int | None = None) -> Process:
    """``process`` stopping at the horizon (and with its own ``seed``, when given)."""
    update: dict[str, Any] = {"drain": Duration(0.0, "0h")}
    if seed is not None:
        update["seed"] = seed
    return process.model_copy(update={"simulation": process.simulation.model_copy(
        update=update)})


def run_from(process: Process, snapshot: Snapshot, until: dt.datetime, *,
             scenario: str | None = None, replications: int, seed: int, jobs: int = 1,
             progress: Callable[[int, int], Any] | None = None,
             cancel: threading.Event | None = None,
             posterior: Posterior | None = None) -> list[list[WonDeal]]:
    """The won deals of each replication of a run from ``snapshot`` up to ``until``.

    The run stops at ``until`` (no drain): a forecast counts only the wins before it, and
    letting a large pipeline finish after it cost most of the run's time. With a
    ``posterior`` each replication first draws its own rates and shares from it (the fit's
    uncertainty, :mod:`.forecast_uncertainty`), from ``seed``: replication ``k`` is the one
    replication of draw ``k``, with a seed of its own."""
    horizon = (until - snapshot.as_of.replace(tzinfo=None)).total_seconds() / 3600.0
    variant = apply_scenario(process, scenario) if scenario is not None else process
    if posterior is None:
        results = [simulate(_no_drain(variant), replications=replications, seed=seed,
                            horizon=horizon, jobs=jobs, progress=progress, cancel=cancel,
                            start_from=snapshot, outcome_log=WON_ONLY)]
    else:
        draws = posterior.processes(variant, replications, seed)
        results = simulate_variants(
            [(scenario, _no_drain(p, seed * replications + k)) for k, p in enumerate(draws)],
            replications=1, horizon=horizon, jobs=jobs, progress=progress, cancel=cancel,
            start_from=snapshot, outcome_log=WON_ONLY, estimate=False)
    return [won_deals(run) for r in results for run in r.outcome_log or []]


def at_risk(process: Process, snapshot: Snapshot) -> list[AtRisk]:
    """Open items older at their node than the P90 of the node's fitted duration, oldest
    first (nodes without a duration, decisions and stages, cannot say what usual is)."""
    usual: dict[str, float] = {}
    rng = random.Random(0)
    for node in process.nodes:
        duration = getattr(node, "duration", None)
        if node.kind in ("task", "delay") and duration is not None:
            draw = _sampler(duration, rng)
            usual[node.id] = float(np.quantile([draw() for _ in range(_RISK_DRAWS)],
                                               RISK_QUANTILE))
    late = [AtRisk(item.id, item.node, item.age_hours / 24.0, usual[item.node] / 24.0)
            for item in snapshot.items
            if item.node in usual and usual[item.node] > 0 and item.age_hours > usual[item.node]]
    return sorted(late, key=lambda r: r.age_days - r.usual_days, reverse=True)


def _sampler(duration: Any, rng: random.Random) -> Callable[[], float]:
    from ..model.distributions import duration_sampler

    return duration_sampler(duration, rng)


def forecast(process: Process, exports: EventLog | Sequence[str | os.PathLike[str]],
             mapping: CrmMap | str | os.PathLike[str] | None = None, *, as_of: Any = None,
             until: Any = None, target: float | None = None, scenarios: Sequence[str] = (),
             replications: int = 200, seed: int | None = None, jobs: int = 1,
             progress: Callable[[int, int], Any] | None = None,
             cancel: threading.Event | None = None, name: str = "PROCESS",
             posterior: Posterior | None = None) -> Forecast:
    """Forecast won deals from what the export shows open at ``as_of`` (default: its end)
    up to ``until`` (default: the end of that quarter), for the baseline and ``scenarios``
    with common random numbers. ``progress(done, total)`` counts replications over all
    runs; ``cancel`` stops (raises Cancelled). ForecastError for a process without
    calibration, a date outside the export, an unknown scenario or a bad target. With a
    ``posterior`` (the counts of the fit behind ``process``) the band includes the fitted
    parameters' uncertainty (see :func:`run_from`)."""
    require_calibration(process, name)
    if target is not None and not (isinstance(target, int | float) and np.isfinite(target)
                                   and target >= 0):
        raise ForecastError(f"--target: expected a number of won deals, got {target!r}")
    known = {s.name for s in process.scenarios}
    for scenario in scenarios:
        if scenario not in known:
            raise ForecastError(f"--scenario: {scenario!r} is not a scenario of {name} "
                                f"(known: {', '.join(sorted(known)) or 'none'})")
    log, full = _read(exports, mapping, process)
    moment = check_as_of(log, as_of).to_pydatetime()
    end = default_until(moment) if until is None else _until(until, moment)
    snapshot = snapshot_from_export(log, full, process, as_of=moment)
    seed = random.randrange(2**31) if seed is None else seed
    names: list[str | None] = [None, *dict.fromkeys(scenarios)]
    total = replications * len(names)

    def counted(offset: int) -> Callable[[int, int], Any] | None:
        if progress is None:
            return None
        return lambda done, _total: progress(offset + done, total)

    summaries: dict[str | None, ForecastSummary] = {}
    for k, scenario in enumerate(names):
        runs = run_from(process, snapshot, end, scenario=scenario, replications=replications,
                        seed=seed, jobs=jobs, progress=counted(k * replications),
                        cancel=cancel, posterior=posterior)
        summaries[scenario] = summarize_forecast(runs, as_of=moment, until=end, target=target)
    result = Forecast(process.name, moment, end, target, seed, snapshot, summaries.pop(None),
                      {str(k): v for k, v in summaries.items()}, at_risk(process, snapshot))
    result.actuals = actuals(log, full, process, result)
    return result


def actuals(log: EventLog, mapping: CrmMap, process: Process,
            result: Forecast) -> list[tuple[dt.datetime, int]]:
    """Cumulative won deals the export recorded after ``as_of``, at the end of each forecast
    week the export covers whole (the last one cut at the export's end); empty when the
    snapshot is the export's end."""
    from .forecast_backtest import actual_wins
    from .holdout import observed_markers

    last = pd.Timestamp(log.end).to_pydatetime()
    if last <= result.as_of:
        return []
    markers = observed_markers(log, mapping, process)
    ends = [dt.datetime.fromisoformat(w["end"]) for w in result.summary.weeks]
    points = sorted({min(e, last) for e in ends if e <= last} | {min(last, result.until)})
    return [(p, actual_wins(markers, process, result.as_of, p)) for p in points]


def _until(value: Any, as_of: dt.datetime) -> dt.datetime:
    try:
        moment = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ForecastError(f"--until: cannot read {value!r} as a date") from None
    if moment.tzinfo is not None:
        moment = moment.tz_localize(None)
    if moment <= pd.Timestamp(as_of):
        raise ForecastError(f"--until: {moment:%Y-%m-%d} is not after the snapshot's date "
                            f"{as_of:%Y-%m-%d}")
    return moment.to_pydatetime()


def _pct(p: float | None) -> str:
    return "–" if p is None else f"{100 * p:.0f} %"


def summary_text(f: Forecast) -> str:
    """What the command line prints: the baseline's figures, then each scenario's deltas."""
    s = f.summary
    w, b = s.won, s.bookings
    lines = [
        f"Forecast of {f.process} from {f.as_of:%Y-%m-%d %H:%M} to {f.until:%Y-%m-%d} "
        f"({s.replications} replications, seed {f.seed}); {len(f.snapshot.items):,} open "
        "at the start",
        f"  won deals   P10 {w['p10']:.0f}   P50 {w['p50']:.0f}   P90 {w['p90']:.0f}",
        f"  bookings    P10 {b['p10']:,.0f}   P50 {b['p50']:,.0f}   P90 {b['p90']:,.0f}",
        f"  from today's pipeline {s.from_pipeline:.1f}, from new leads "
        f"{s.from_new_leads:.1f} (mean won deals)",
    ]
    if f.target is not None:
        lines.append(f"  P(won >= {f.target:g}) {_pct(s.p_target)}")
    lines.append(f"  at risk: {len(f.at_risk)} open item(s) past the P90 of their node's time")
    for name, other in f.scenarios.items():
        delta = other.won["p50"] - s.won["p50"]
        chance = (f"P(target) {_pct(s.p_target)} → {_pct(other.p_target)}, "
                  if f.target is not None else "")
        lines.append(f"  {name}: {chance}{delta:+.0f} won deals by {f.until:%Y-%m-%d} "
                     f"(P50 {other.won['p50']:.0f})")
    if f.backtest is not None:
        from .forecast_backtest import backtest_text

        lines.append(backtest_text(f.backtest, f.backtest_rows))
    return "\n".join(lines)


__all__ = ["AtRisk", "Forecast", "ForecastError", "at_risk", "default_until", "forecast",
           "require_calibration", "run_from", "summary_text", "won_deals"]
