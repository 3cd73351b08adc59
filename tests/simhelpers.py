"""Small processes for engine tests, built as file data so they go through the format."""

from __future__ import annotations

import math
from typing import Any

from laneforge.io import process_from_data
from laneforge.model import Process


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load ``a`` erlangs."""
    total = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (total + top)


def mmc_wq(lam: float, mean_service: float, c: int) -> float:
    a = lam * mean_service
    return erlang_c(c, a) * mean_service / (c - a)


def queue_process(
    rate: str, mean_service: str, staff: int, *, horizon: str = "3000h", warmup: str = "200h",
    replications: int = 10, sla_within: str | None = None, **task: Any,
) -> Process:
    """Source -> one exponential task on a lane of ``staff`` -> end: an M/M/c queue."""
    data: dict[str, Any] = {
        "format": "laneforge/process", "version": 1, "name": "queue",
        "simulation": {"horizon": horizon, "warmup": warmup, "replications": replications,
                       "seed": 7},
        "lanes": [{"id": "team", "name": "Team", "staff": staff}],
        "nodes": [
            {"id": "in", "kind": "source", "lane": "team", "arrivals": {"rate": rate}},
            {"id": "work", "kind": "task", "lane": "team", "name": "Work",
             "duration": {"dist": "exponential", "mean": mean_service}, **task},
            {"id": "out", "kind": "end", "lane": "team", "outcome": "done"},
        ],
        "edges": [{"from": "in", "to": "work"}, {"from": "work", "to": "out"}],
    }
    if sla_within is not None:
        data["slas"] = [{"id": "wait", "name": "Worked promptly", "from": "work", "to": "work",
                         "within": sla_within, "clock": "elapsed"}]
    return process_from_data(data)


def trade_show_data(batch: int = 80) -> dict[str, Any]:
    """A team working mon-fri 09:00-17:00 on Poisson leads (0.5/h round the clock) and a
    list of ``batch`` leads every Monday at 09:00, each worked 20 minutes (exponential);
    the SLA: 90 % of them started within 2 business hours. Erlang C spreads the batch over
    the week; it all lands on Monday morning."""
    return {
        "format": "laneforge/process", "version": 1, "name": "trade show",
        "simulation": {"horizon": "3w", "warmup": "1w", "replications": 3, "seed": 5},
        "calendars": {"work": {"days": "mon-fri", "hours": "09:00-17:00"}},
        "lanes": [{"id": "team", "name": "Team", "staff": 3, "calendar": "work",
                   "cost_per_hour": 40}],
        "nodes": [
            {"id": "in", "kind": "source", "lane": "team",
             "arrivals": [{"rate": "0.5/h"}, {"batch": batch, "first": "9h", "every": "1w"}]},
            {"id": "work", "kind": "task", "lane": "team",
             "duration": {"dist": "exponential", "mean": "20m"}},
            {"id": "won", "kind": "end", "lane": "team", "outcome": "won"},
        ],
        "edges": [{"from": "in", "to": "work"}, {"from": "work", "to": "won"}],
        "slas": [{"id": "answer", "name": "Worked within 2 hours", "from": "work",
                  "to": "work", "within": "2h", "target": 0.9}],
    }


def base_data(**simulation: Any) -> dict[str, Any]:
    """A skeleton process: one unlimited lane and nothing else."""
    return {
        "format": "laneforge/process", "version": 1, "name": "test",
        "simulation": {"horizon": "1000h", "replications": 1, "seed": 3, **simulation},
        "lanes": [{"id": "lane", "name": "Lane", "staff": None}],
        "nodes": [], "edges": [],
    }


def binomial_ok(hits: float, n: float, p: float, sigmas: float = 4.0) -> bool:
    """``hits`` out of ``n`` is within ``sigmas`` standard errors of probability ``p``."""
    return abs(hits / n - p) <= sigmas * math.sqrt(p * (1 - p) / n)
