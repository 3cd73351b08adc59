"""Forecast figures from simulated won deals, and the backtest's error measures.

A forecast run gives, per replication, the won outcomes after the snapshot: when (hours
after ``as_of``), whether the deal was open in the snapshot (today's pipeline) or came from
a lead not yet created, and its amount. These functions turn them into won deals and
bookings per week and month with P10/P50/P90, the chance of reaching a target, and the
split between pipeline and new leads; and, for a backtest, compare forecasts with what
happened. They need no engine: the forecast command feeds them the engine's outcome log.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ..atomic import atomic_write_text

FORMAT, VERSION = "laneforge/forecast", 1
QUANTILES = (0.1, 0.5, 0.9)


class WonDeal(NamedTuple):
    """One won outcome of one replication."""

    hours: float  # after the snapshot's ``as_of``
    from_snapshot: bool  # open in the snapshot (pipeline), not a lead created later
    amount: float | None = None


def band(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """P10, P50 and P90 over replications (linear interpolation between order statistics)."""
    data = np.asarray(values, dtype=float)
    if not len(data):
        return {"p10": 0.0, "p50": 0.0, "p90": 0.0}
    p10, p50, p90 = np.quantile(data, QUANTILES)
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90)}


def _periods(as_of: dt.datetime, until: dt.datetime, kind: str) -> list[tuple[dt.datetime,
                                                                              dt.datetime]]:
    """Weeks of 7 days from ``as_of``, or calendar months, the last cut at ``until``."""
    out = []
    start = as_of
    while start < until:
        if kind == "week":
            end = start + dt.timedelta(days=7)
        else:
            year, month = (start.year + 1, 1) if start.month == 12 else (start.year,
                                                                        start.month + 1)
            end = start.replace(year=year, month=month, day=1, hour=0, minute=0, second=0,
                                microsecond=0)
        end = min(end, until)
        out.append((start, end))
        start = end
    return out


@dataclass
class ForecastSummary:
    """What one run (the baseline or a scenario) forecasts up to ``until``."""

    replications: int
    won: dict[str, float]
    bookings: dict[str, float]
    p_target: float | None
    #: mean won deals per replication from today's pipeline / from leads not yet created
    from_pipeline: float
    from_new_leads: float
    weeks: list[dict[str, Any]] = field(default_factory=list)
    months: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"replications": self.replications, "won": self.won, "bookings": self.bookings,
                "p_target": self.p_target, "from_pipeline": self.from_pipeline,
                "from_new_leads": self.from_new_leads, "weeks": self.weeks,
                "months": self.months}


def summarize_forecast(
    runs: Sequence[Sequence[WonDeal]], *, as_of: dt.datetime, until: dt.datetime,
    target: float | None = None, default_amount: float = 0.0,
) -> ForecastSummary:
    """Won deals and bookings up to ``until`` over the replications ``runs``.

    Each week and month has the band of its own wins and of the cumulative wins at its end
    (the fan chart). ``target`` is a number of won deals; P(target) is the share of
    replications reaching it. A won deal without an amount books ``default_amount``."""
    if not runs:
        raise ValueError("a forecast needs at least one replication")
    if until <= as_of:
        raise ValueError(f"--until: {until:%Y-%m-%d} is not after the snapshot's date "
                         f"{as_of:%Y-%m-%d}")
    horizon = (until - as_of).total_seconds() / 3600.0
    arrays = []
    for run in runs:
        hours = np.array([w.hours for w in run], dtype=float)
        pipe = np.array([w.from_snapshot for w in run], dtype=bool)
        amount = np.array([default_amount if w.amount is None or math.isnan(w.amount)
                           else w.amount for w in run], dtype=float)
        keep = (hours >= 0) & (hours < horizon)
        arrays.append((hours[keep], pipe[keep], amount[keep]))
    won = np.array([len(h) for h, _, _ in arrays], dtype=float)
    booked = np.array([a.sum() for _, _, a in arrays])
    pipeline = np.array([p.sum() for _, p, _ in arrays], dtype=float)
    p_target = float(np.mean(won >= target)) if target is not None else None

    def table(kind: str) -> list[dict[str, Any]]:
        rows = []
        for start, end in _periods(as_of, until, kind):
            a = (start - as_of).total_seconds() / 3600.0
            b = (end - as_of).total_seconds() / 3600.0
            inside = [(h >= a) & (h < b) for h, _, _ in arrays]
            rows.append({
                "start": start.isoformat(), "end": end.isoformat(),
                "won": band([m.sum() for m in inside]),
                "bookings": band([amt[m].sum() for m, (_, _, amt) in zip(inside, arrays,
                                                                         strict=True)]),
                "cumulative_won": band([(h < b).sum() for h, _, _ in arrays]),
            })
        return rows

    return ForecastSummary(len(runs), band(won), band(booked), p_target,
                           float(pipeline.mean()), float((won - pipeline).mean()),
                           table("week"), table("month"))


# --- backtest --------------------------------------------------------------------------------


class BacktestPeriod(NamedTuple):
    """A forecast made at ``start`` for one period and what then happened."""

    start: dt.datetime
    p10: float
    p50: float
    p90: float
    actual: float


def backtest_metrics(periods: Sequence[BacktestPeriod]) -> dict[str, Any] | None:
    """The P50's mean absolute percentage error (over periods with wins), its bias (the sum
    of P50 - actual over the sum of actuals: + is too high) and the share of periods whose
    actual lies inside P10-P90 (about 0.8 for a calibrated forecast); None without any."""
    if not periods:
        return None
    p50 = np.array([p.p50 for p in periods], dtype=float)
    actual = np.array([p.actual for p in periods], dtype=float)
    inside = [p.p10 <= p.actual <= p.p90 for p in periods]
    some = actual > 0
    mape = float(np.mean(np.abs(p50[some] - actual[some]) / actual[some])) if some.any() \
        else None
    bias = float((p50 - actual).sum() / actual.sum()) if actual.sum() > 0 else None
    return {"periods": len(periods), "p50_mape": mape, "bias": bias,
            "coverage_p10_p90": float(np.mean(inside))}


# --- the results file --------------------------------------------------------------------------


def forecast_json(summary: ForecastSummary, *, as_of: dt.datetime, until: dt.datetime,
                  scenarios: dict[str, ForecastSummary] | None = None,
                  backtest: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``laneforge/forecast`` results object (``laneforge forecast --json``)."""
    return {"format": FORMAT, "version": VERSION, "as_of": as_of.isoformat(),
            "until": until.isoformat(), **summary.to_json(),
            "scenarios": {name: s.to_json() for name, s in (scenarios or {}).items()},
            "backtest": backtest}


def write_forecast_json(path: str | os.PathLike[str], summary: ForecastSummary, *,
                        as_of: dt.datetime, until: dt.datetime,
                        scenarios: dict[str, ForecastSummary] | None = None,
                        backtest: dict[str, Any] | None = None) -> None:
    """Write the results file atomically (never half a file)."""
    data = forecast_json(summary, as_of=as_of, until=until, scenarios=scenarios,
                         backtest=backtest)
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
