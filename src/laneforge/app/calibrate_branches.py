"""Branch probabilities from observed passes, with censoring, and speed-to-lead decay.

Censoring: a lead still open at the export's end has not been lost; it has not chosen yet.
The estimator here is "resolved only, with a time limit": a pass counts only if the lead was
last seen before the branch at least ``limit`` hours before the end, where ``limit`` is the
time by which 99 % of choices are seen (:func:`~.calibrate_stats.settle_limit`). Inside that
set almost every lead has resolved, so the shares are unbiased, and each share is a plain
binomial proportion with a Wilson interval. Counting the open leads as losses instead (the
naive way) biases every slow branch down; dropping them without the limit biases the slow
branches down too, by less. A Kaplan-Meier (Aalen-Johansen) estimate would keep the last
``limit`` hours too, at the price of a delta-method interval nobody can check by hand.

Decay: a branch with ``decay`` has probability ``p * 0.5 ** (age / half_life)``, age being the
hours since its reference node at the pass; the default sibling takes what it loses. The
base probabilities and half-lives are fitted together by maximum likelihood over the passes
(a multinomial per pass), with Wald intervals on the logit / log scale from the numerical
Hessian.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from .calibrate_stats import Z95, binomial_ci, settle_limit

#: fewest counted passes to fit a branch from
BRANCH_MIN = 10
#: a half-life whose 95 % interval is wider than this factor either way is not identified
DECAY_SPREAD = 20.0


@dataclass
class DecayFit:
    """A fitted half-life (hours) of a decaying branch."""

    half_life: float
    ci95: tuple[float, float]
    base: float  # the branch's probability at age 0
    base_ci95: tuple[float, float]
    identified: bool


@dataclass
class BranchFit:
    """The shares of a branch node's outgoing edges among the passes counted."""

    node: str
    #: target id -> (probability, ci95, passes to it); for a decaying edge the base probability
    targets: dict[str, tuple[float, tuple[float, float], int]]
    n: int  # passes counted
    limit_hours: float
    #: leads still open before this branch at the end (censored, not counted)
    pending: int
    #: every pass seen, without the time limit (for comparison with naive estimates)
    seen: dict[str, int] = field(default_factory=dict)
    decay: dict[str, DecayFit] = field(default_factory=dict)


def counted_passes(passes: pd.DataFrame, start: float, end: float) -> tuple[pd.DataFrame, float]:
    """The passes of leads last seen before the branch at least ``limit`` hours before
    ``end``, and that limit."""
    limit = settle_limit(passes["ref"].to_numpy(), (passes["seen"] - passes["ref"]).to_numpy(),
                         start, end)
    return passes[passes["ref"] <= end - limit], limit


def shares(targets: list[str], chosen: np.ndarray) -> dict[str, tuple[float, tuple[float, float],
                                                                      int]]:
    """Each target's share of ``chosen`` with its Wilson interval and count."""
    n = len(chosen)
    out = {}
    for target in targets:
        hits = int(np.sum(chosen == target))
        out[target] = (hits / n if n else 0.0, binomial_ci(hits, n), hits)
    return out


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    k = len(x)
    h = np.zeros((k, k))
    unit = np.eye(k) * step
    for i in range(k):
        for j in range(i, k):
            a, b = unit[i], unit[j]
            value = (f(x + a + b) - f(x + a - b) - f(x - a + b) + f(x - a - b)) / (4 * step**2)
            h[i, j] = h[j, i] = value
    return h


def fit_decay(chosen: np.ndarray, ages: np.ndarray, edges: list[str],
              half_lives: list[float | None]) -> tuple[list[float], list[DecayFit | None]]:
    """Maximum-likelihood base probabilities of ``edges`` (the non-default branches) and the
    half-lives of those with a decay (``half_lives[i]`` is the current value, None without).

    ``chosen[k]`` is the index of the edge pass ``k`` took (``len(edges)``: the default);
    ``ages[k, j]`` the age at pass ``k`` for the ``j``-th decaying edge.
    """
    k = len(edges)
    decaying = [i for i in range(k) if half_lives[i] is not None]
    column = {i: c for c, i in enumerate(decaying)}
    n = len(chosen)
    onehot = np.zeros((n, k + 1))
    onehot[np.arange(n), chosen] = 1.0
    counts = onehot.sum(axis=0)

    def probabilities(theta: np.ndarray) -> np.ndarray:
        base = 1.0 / (1.0 + np.exp(-theta[:k]))
        p = np.empty((n, k + 1))
        for i in range(k):
            p[:, i] = base[i]
            if i in column:
                p[:, i] *= 0.5 ** (ages[:, column[i]] / math.exp(theta[k + column[i]]))
        p[:, k] = 1.0 - p[:, :k].sum(axis=1)
        return p

    def nll(theta: np.ndarray) -> float:
        if np.sum(1.0 / (1.0 + np.exp(-theta[:k]))) > 1.0:
            return 1e12
        p = np.clip(probabilities(theta), 1e-300, None)
        return float(-np.sum(onehot * np.log(p)))

    spread = float(np.median(ages)) if ages.size and np.median(ages) > 0 else 1.0
    best = None
    for scale in (0.5, 2.0, 8.0):
        share = np.clip(counts[:k] / n * (1.5 if decaying else 1.0), 1e-4, 0.98 / k)
        start = np.r_[np.log(share / (1 - share)), [math.log(spread * scale)] * len(decaying)]
        result = optimize.minimize(nll, start, method="Nelder-Mead",
                                   options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000,
                                            "maxfev": 8000})
        if best is None or result.fun < best.fun:
            best = result
    assert best is not None
    theta = best.x
    try:
        cov = np.linalg.inv(_hessian(nll, theta))
        se = np.sqrt(np.diag(cov))
    except np.linalg.LinAlgError:
        se = np.full(len(theta), np.inf)
    se = np.where(np.isfinite(se), se, np.inf)

    def expit(v: float) -> float:
        return 1.0 / (1.0 + math.exp(-v))

    bases = [expit(float(v)) for v in theta[:k]]
    fits: list[DecayFit | None] = [None] * k
    for i in decaying:
        c = k + column[i]
        spread_c = Z95 * se[c]
        lo_b, hi_b = (expit(theta[i] - Z95 * se[i]), expit(theta[i] + Z95 * se[i])) \
            if np.isfinite(se[i]) else (0.0, 1.0)
        half = math.exp(theta[c])
        ci = (half * math.exp(-spread_c), half * math.exp(spread_c)) if np.isfinite(spread_c) \
            else (0.0, math.inf)
        fits[i] = DecayFit(half, ci, bases[i], (lo_b, hi_b),
                           bool(np.isfinite(spread_c) and math.exp(spread_c) < DECAY_SPREAD))
    return bases, fits


@dataclass
class BranchEdge:
    """What the fit needs of an outgoing edge."""

    target: str
    probability: float | None
    half_life: float | None  # hours, for a decaying edge
    default: bool


def fit_branch(node: str, edges: list[BranchEdge], passes: pd.DataFrame, ages: np.ndarray | None,
               pending: int, start: float, end: float) -> BranchFit | None:
    """Shares (and half-lives) of one branch node's edges; None with too few passes.

    ``passes`` has one row per pass ("target", "ref", "seen"); ``ages`` one row per pass with
    the age for each decaying edge, in the order of ``edges``.
    """
    targets = [e.target for e in edges]
    seen = {t: int(c) for t, c in passes["target"].value_counts().items() if t in targets}
    kept, limit = counted_passes(passes, start, end)
    kept = kept[kept["target"].isin(targets)]
    if len(kept) < BRANCH_MIN:
        return None
    fit = BranchFit(node, shares(targets, kept["target"].to_numpy()), len(kept), limit,
                    pending, seen)
    if ages is None or not any(e.half_life is not None for e in edges):
        return fit
    others = [e for e in edges if not e.default]
    default = next((e for e in edges if e.default), None)
    order = [e.target for e in others] + ([default.target] if default else [])
    chosen = kept["target"].map({t: i for i, t in enumerate(order)}).to_numpy(dtype=int)
    bases, decays = fit_decay(chosen, ages[kept.index.to_numpy()], [e.target for e in others],
                              [e.half_life for e in others])
    for edge, base, decay in zip(others, bases, decays, strict=True):
        _, ci, hits = fit.targets[edge.target]
        if decay is not None:
            fit.decay[edge.target] = decay
            ci = decay.base_ci95
        fit.targets[edge.target] = (base, ci, hits)
    if default is not None:
        _, ci, hits = fit.targets[default.target]
        fit.targets[default.target] = (max(0.0, 1.0 - sum(bases)), ci, hits)
    return fit
