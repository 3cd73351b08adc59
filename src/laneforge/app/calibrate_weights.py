"""Touch weights bounded by when leads left a nurture cadence.

A cadence whose ``until`` is ``engagement >= T`` checks the lead's engagement after each of
its touches. Engagement is linear in the weights: after touch j at time t it is
``sum_i w[node_i] * 2 ** (-(t - t_i) / h)`` over the lead's touches so far (its source's,
the cadence's, any task's), so every check the export shows is a linear inequality in the
weights: a cadence that went on says ``a . w < T``, one left early without an answer says
``a . w >= T``. Together they bound the weights to a polytope (the identified set): its
extent along each weight is what the data say of it (two linear programs), and the point
with the widest margin to every inequality is the estimate. A weight no inequality reaches
stays unbounded and is left as it was. Checks the export cannot show are left out: the last
touch of a run still going at the export's end, and a run that used all its touches (it
may have graduated at the last or been exhausted).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

#: ``engagement >= 40`` (or ``>``): the only ``until`` whose checks are linear in the weights
_THRESHOLD = re.compile(r"^\s*engagement\s*>=?\s*([0-9]+(?:\.[0-9]*)?)\s*$")
#: weights are sought in [0, WIDEST * threshold]: an upper bound there means unbounded
WIDEST = 10.0
#: a cadence's run ends where the gap to its next touch is over this many intervals
RUN_GAP = 1.5


@dataclass(frozen=True)
class WeightFit:
    """Weights by parameter key (a node id) with the bounds the checks put on them."""

    cadence: str
    threshold: float
    weights: dict[str, float]
    bounds: dict[str, tuple[float, float]]
    checks: int
    margin: float


def cadence_threshold(node: Any) -> float | None:
    """T of a cadence whose ``until`` is ``engagement >= T``, else None."""
    until = getattr(node, "until", None)
    match = _THRESHOLD.match(until or "")
    return float(match.group(1)) if match else None


def process_weights(process: Any) -> dict[str, float]:
    """The process's touch weights by node (a source's arrival touch included)."""
    out = {}
    for node in process.nodes:
        touch = getattr(node, "touch", None)
        if node.kind == "source" and getattr(node, "channel", None) is not None:
            out[node.id] = float(node.touch_weight or 0.0)
        elif touch is not None:
            out[node.id] = float(touch.weight)
    return out


def weight_rows(touches: pd.DataFrame, answered: pd.Series, sources: pd.Series,
                created: pd.Series, origin: pd.Timestamp) -> pd.DataFrame:
    """The input of :func:`checks`: every logged touch (``touches`` of
    ``calibrate_touches.touch_rows``, keyed by its node, else ``channel:<c>``, with whether
    it was ``answered``) and each lead's arrival on its source's channel (``sources``:
    case -> a channelled source node, ``created``: case -> when), sorted by case and time."""
    hour = pd.Timedelta(hours=1)
    keys = touches["task"].astype(object).where(touches["task"].notna(),
                                                "channel:" + touches["channel"].astype(str))
    parts = [pd.DataFrame({"case": touches["case"].astype("string"),
                           "at_h": (touches["at"] - origin) / hour,
                           "key": keys.to_numpy(dtype=object),
                           "answered": answered.reindex(touches.index, fill_value=False)
                           .to_numpy(dtype=bool)})]
    if len(sources):
        parts.append(pd.DataFrame({
            "case": sources.index.astype("string"),
            "at_h": (created.loc[sources.index] - origin) / hour,
            "key": sources.to_numpy(dtype=object), "answered": False}))
    return pd.concat(parts, ignore_index=True).sort_values(["case", "at_h"], kind="stable")


def checks(touches: pd.DataFrame, cadence: str, *, every_h: float, times: int,
           half_life_h: float, end_h: float) -> tuple[list[dict[str, float]], list[bool]]:
    """The engagement checks the export shows: per check, its coefficient per weight key,
    and whether engagement had reached the threshold (True) or not.

    ``touches`` holds ``case``, ``at_h`` (hours), ``key`` (the weight's node) and
    ``answered`` (a reply to this touch) for every touch of the leads, the source's at
    creation included, sorted by case and time."""
    rows: list[dict[str, float]] = []
    reached: list[bool] = []
    for _case, group in touches.groupby("case", sort=False):
        at = group["at_h"].to_numpy(dtype=float)
        keys = group["key"].to_numpy(dtype=object)
        mine = np.flatnonzero(keys == cadence)
        if not len(mine):
            continue
        answered = group["answered"].to_numpy(dtype=bool)
        runs = np.split(mine, np.flatnonzero(np.diff(at[mine]) > RUN_GAP * every_h) + 1)
        for run in runs:
            for j, row in enumerate(run):
                last = j == len(run) - 1
                if last and (answered[row] or len(run) >= times
                             or at[row] + every_h > end_h):
                    continue  # left by an answer, maybe exhausted, or still going
                back = at[row] - at[: row + 1]
                faded = 2.0 ** (-back / half_life_h) if half_life_h else np.ones_like(back)
                coefficients: dict[str, float] = {}
                for key, value in zip(keys[: row + 1], faded, strict=True):
                    coefficients[key] = coefficients.get(key, 0.0) + float(value)
                rows.append(coefficients)
                reached.append(last)
    return rows, reached


def fit_weights(rows: list[dict[str, float]], reached: list[bool], threshold: float,
                cadence: str, start: dict[str, float] | None = None) -> WeightFit | None:
    """Each weight's range over the identified set, and the weights: the smallest change
    (in total) to ``start`` (the process's weights) that makes every check come out as the
    export shows it, so a weight the data do not contradict is kept. None without checks
    of both kinds or when no weights satisfy them all (the export does not follow the
    process: a ``set`` on engagement, another condition)."""
    if not any(reached) or all(reached):
        return None
    keys = sorted({k for row in rows for k in row})
    a = np.array([[row.get(k, 0.0) for k in keys] for row in rows])
    sign = np.where(np.array(reached), -1.0, 1.0)  # reached: -a.w <= -T, else a.w <= T
    eps = 1e-6 * threshold
    rhs = np.where(np.array(reached), -threshold, threshold - eps)
    top = WIDEST * threshold
    n = len(keys)
    # maximise the margin d: sign * a.w + d <= rhs
    a_ub = np.hstack([sign[:, None] * a, np.ones((len(rows), 1))])
    best = linprog(c=[0.0] * n + [-1.0], A_ub=a_ub, b_ub=rhs,
                   bounds=[(0.0, top)] * n + [(0.0, threshold)], method="highs")
    if not best.success or best.x[-1] <= 0.0:
        return None
    feasible = sign[:, None] * a
    # the L1-nearest feasible point to the start: min sum u, u >= |w - start|
    w0 = np.array([(start or {}).get(k, 0.0) for k in keys], dtype=float)
    eye = np.eye(n)
    nearest = linprog(
        c=[0.0] * n + [1.0] * n,
        A_ub=np.vstack([np.hstack([feasible, np.zeros((len(rows), n))]),
                        np.hstack([eye, -eye]), np.hstack([-eye, -eye])]),
        b_ub=np.concatenate([rhs, w0, -w0]),
        bounds=[(0.0, top)] * n + [(0.0, None)] * n, method="highs")
    chosen = nearest.x[:n] if nearest.success else best.x[:n]
    weights = dict(zip(keys, (float(x) for x in chosen), strict=True))
    bounds: dict[str, tuple[float, float]] = {}
    for i, key in enumerate(keys):
        ends = []
        for direction in (1.0, -1.0):
            c = np.zeros(n)
            c[i] = direction
            r = linprog(c=c, A_ub=feasible, b_ub=rhs, bounds=[(0.0, top)] * n,
                        method="highs")
            ends.append(float(r.x[i]) if r.success else math.nan)
        bounds[key] = (ends[0], ends[1])
    return WeightFit(cadence, threshold, weights, bounds, len(rows), float(best.x[-1]))


__all__ = ["WIDEST", "WeightFit", "cadence_threshold", "checks", "fit_weights",
           "process_weights", "weight_rows"]
