"""Observed beside simulated: the CRM's figures a calibration stored in the process
(:class:`~laneforge.model.observed.Observed`), lined up with a run's results."""

from __future__ import annotations

import statistics
from typing import NamedTuple

import pandas as pd

from ..model.observed import Observed
from ..sim.results import Results
from .holdout import Measures

DAYS_PER_MONTH = 365.25 / 12


class ObservedRow(NamedTuple):
    label: str
    observed: str
    simulated: str
    #: simulated minus observed, in the row's unit ("+3.1 points", "-12 %"), or ""
    gap: str


def observed_from(measures: Measures, *, source: str, start: pd.Timestamp, end: pd.Timestamp,
                  verdict: str | None = None) -> Observed:
    """The figures worth keeping from one observed period's measures."""
    won = list(measures.won_by_month.values())
    return Observed(
        source=source, start=start.date(), end=end.date(),
        leads_per_week=measures.arrivals_per_week if measures.weeks else None,
        conversions={k: v for k, v in measures.conversion.items() if v is not None},
        stage_days_p50={k: v[0] for k, v in measures.times.items() if v is not None},
        won_per_month=statistics.fmean(won) if won else None,
        sla_breach={k: v for k, v in measures.breach.items() if v is not None},
        verdict=verdict,  # type: ignore[arg-type]
    )


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _points(simulated: float, observed: float) -> str:
    return f"{100 * (simulated - observed):+.1f} points"


def _share(simulated: float, observed: float) -> str:
    return f"{100 * (simulated / observed - 1):+.0f} %" if observed else ""


def observed_rows(observed: Observed, results: Results) -> list[ObservedRow]:
    """One row per figure the CRM shows, with the run's figure beside it."""
    window_h = results.horizon_hours - results.warmup_hours
    rows: list[ObservedRow] = []
    if observed.leads_per_week is not None and window_h > 0:
        simulated = results.leads.mean / (window_h / 168.0)
        rows.append(ObservedRow("Leads per week", f"{observed.leads_per_week:,.0f}",
                                f"{simulated:,.0f}", _share(simulated, observed.leads_per_week)))
    for key, value in observed.conversions.items():
        stat = results.conversions.get(key)
        label = key.replace("->", " → ")
        if stat is None:
            rows.append(ObservedRow(label, _percent(value), "—", ""))
        else:
            rows.append(ObservedRow(label, _percent(value), _percent(stat.mean),
                                    _points(stat.mean, value)))
    if observed.won_per_month is not None and results.won is not None and window_h > 0:
        simulated = results.won.mean / (window_h / 24.0 / DAYS_PER_MONTH)
        rows.append(ObservedRow("Won deals per month", f"{observed.won_per_month:,.1f}",
                                f"{simulated:,.1f}", _share(simulated, observed.won_per_month)))
    for sla_id, value in observed.sla_breach.items():
        sla = results.slas.get(sla_id)
        label = f"SLA breached: {results.label('slas', sla_id)}"
        if sla is None:
            rows.append(ObservedRow(label, _percent(value), "—", ""))
        else:
            rows.append(ObservedRow(label, _percent(value), _percent(sla.breach_rate.mean),
                                    _points(sla.breach_rate.mean, value)))
    return rows


def observed_caption(observed: Observed) -> str:
    verdict = f"; validation {observed.verdict}" if observed.verdict else ""
    source = f"{observed.source}, " if observed.source else ""
    return f"Observed: {source}{observed.start:%d %b %Y} – {observed.end:%d %b %Y}{verdict}"
