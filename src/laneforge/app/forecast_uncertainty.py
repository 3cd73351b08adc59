"""The uncertainty of the fitted parameters, for a forecast band that covers what it claims.

A forecast run with the fitted process only shows the process's own noise: the band of a
fit on eight weeks of data is as narrow as one on a year, and a backtest finds it covering
50-70 % of the periods instead of 80 %. Here each replication draws its own parameters from
their posterior given the counts the fit saw, then simulates with them:

- a source's Poisson rate, from ``n`` leads over an exposure of ``T`` days: Gamma with
  shape ``n + 1/2`` and rate ``T`` (the Jeffreys prior ``1/sqrt(lambda)``), applied as the
  source's ``arrivals.scale`` so its weekday profile stays as fitted;
- a branch's shares, from the passes counted to each way out: Dirichlet with the counts
  plus 1/2 (Jeffreys; a beta for two ways).

Durations keep their fitted distributions: in steady state a period's wins do not depend
on how long leads wait (Little's law), and their timing matters less than volume and
shares. Branches with a decay or a condition keep theirs (their probabilities are not one
share each).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import Process, apply_changes
from .calibrate import Calibration

#: Jeffreys prior: half a count added to each count
PRIOR = 0.5


@dataclass(frozen=True)
class SourceCounts:
    """Leads a fit counted at a source over an exposure of ``days``."""

    node: str
    leads: int
    days: float
    rate_per_day: float  # the fitted rate (the process's)


@dataclass(frozen=True)
class BranchCounts:
    """Passes a fit counted to each way out of a branch node."""

    node: str
    counts: dict[str, int]  # target id -> passes


@dataclass(frozen=True)
class Posterior:
    """The counts behind a fitted process, to draw its parameters from."""

    sources: tuple[SourceCounts, ...] = ()
    branches: tuple[BranchCounts, ...] = ()

    def draw(self, rng: np.random.Generator) -> dict[str, Any]:
        """One draw of the parameters, as scenario changes of the fitted process."""
        changes: dict[str, Any] = {}
        for s in self.sources:
            rate = rng.gamma(s.leads + PRIOR, 1.0 / s.days)
            changes[f"nodes.{s.node}.arrivals.scale"] = float(rate / s.rate_per_day)
        for b in self.branches:
            targets = sorted(b.counts)
            shares = rng.dirichlet([b.counts[t] + PRIOR for t in targets])
            for target, share in zip(targets, shares, strict=True):
                changes[f"edges.{b.node}->{target}.probability"] = float(share)
        return changes

    def processes(self, process: Process, draws: int, seed: int) -> list[Process]:
        """``draws`` copies of ``process``, each with parameters drawn from the posterior
        (the same ``seed``, the same draws)."""
        rng = np.random.default_rng([seed, 0x5EED])
        return [apply_changes(process, self.draw(rng), name=f"draw {k}")
                for k in range(draws)]


def posterior(calibration: Calibration) -> Posterior:
    """The counts of ``calibration``'s fit: its sources with a rate fitted (leads and the
    exposure they imply) and its branches whose ways out all carry a plain share."""
    process = calibration.process
    sources = []
    for node_id, f in calibration.sources.items():
        node = process.node(node_id)
        rate = node.mean_rate_per_hour * 24.0 if hasattr(node, "mean_rate_per_hour") else 0.0
        if f.n > 0 and f.rate_per_day > 0 and rate > 0:
            sources.append(SourceCounts(node_id, f.n, f.n / f.rate_per_day, rate))
    branches = []
    for node_id, f in calibration.branches.items():
        edges = process.outgoing(node_id)
        plain = all(e.probability is not None and e.when is None and not e.default
                    and e.decay is None for e in edges)
        if plain and not f.decay and {e.target for e in edges} == set(f.targets) and f.n > 0:
            branches.append(BranchCounts(node_id, {t: int(c) for t, (_, _, c)
                                                   in f.targets.items()}))
    return Posterior(tuple(sources), tuple(branches))


__all__ = ["BranchCounts", "Posterior", "SourceCounts", "posterior"]
