"""How fast contact data goes stale, fitted from a CRM's activity history.

A CRM logs the calls and emails to a lead and, when one hits an out-of-date record, a bounce
or a wrong number (MAP.json's ``stale_activities``). The first contact attempt of each lead
is a clean experiment: its record was last known good when the lead came in (or when a
cleansing step or batch last restored it), so it is stale with probability
``1 - (1 - r) ** (m)``, m the months (30 days) since. Later attempts are left out: whether
they fail depends on what the first found. The share ``r`` is the maximum-likelihood
estimate over the first attempts, with a profile-likelihood 95 % interval (the log
likelihood 1.92 below its peak), which holds at the boundary too (no bounce at all gives
0 with an upper bound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize_scalar

from ..model.data_quality import MONTH_HOURS

#: half the 95 % quantile of chi-square with one degree of freedom
_DROP = 1.920729


@dataclass(frozen=True)
class StaleFit:
    """The monthly share of records going stale, from ``n`` first contacts (``stale`` of
    them hit an out-of-date record)."""

    share: float
    ci95: tuple[float, float]
    n: int
    stale: int


def first_attempts(contacts: pd.DataFrame, stale: pd.DataFrame, created: pd.Series,
                   cleansed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each case's first contact attempt: ``age_h`` (hours since its record was last known
    good) and ``stale`` (whether it hit an out-of-date record).

    ``contacts`` and ``stale`` hold ``case`` and ``time`` (a stale row belongs to the
    attempt at or before it on its case; one with none is an attempt of its own),
    ``created`` the cases' creation times by case, ``cleansed`` (``case``, ``time``) when a
    cleansing step restored a case's record."""
    attempts = contacts[["case", "time"]].assign(stale=False)
    marks = stale[["case", "time"]]
    if len(marks):
        # a stale row marks the latest attempt on its case at or before it
        joined = pd.merge_asof(marks.sort_values("time"),
                               attempts.sort_values("time").assign(at=lambda f: f["time"]),
                               on="time", by="case", direction="backward")
        hit = joined.dropna(subset=["at"])
        alone = joined[joined["at"].isna()][["case", "time"]].assign(stale=True)
        key = pd.MultiIndex.from_frame(hit[["case", "at"]])
        index = pd.MultiIndex.from_frame(attempts[["case", "time"]])
        attempts["stale"] = index.isin(key)
        attempts = pd.concat([attempts, alone], ignore_index=True)
    first = attempts.sort_values("time", kind="stable").groupby("case", sort=False).head(1)
    first = first[first["case"].isin(created.index)]
    since = created.reindex(first["case"]).to_numpy()
    if cleansed is not None and len(cleansed):
        before = pd.merge_asof(first[["case", "time"]].sort_values("time"),
                               cleansed[["case", "time"]].rename(columns={"time": "at"})
                               .sort_values("at"),
                               left_on="time", right_on="at", by="case",
                               direction="backward").set_index(first.sort_values("time").index)
        at = before["at"].reindex(first.index).to_numpy()
        since = np.where(pd.notna(at) & (at > since), at, since)
    since = pd.to_datetime(since)
    age = (first["time"].to_numpy() - since.to_numpy()) / np.timedelta64(1, "h")
    return pd.DataFrame({"age_h": np.maximum(age.astype(float), 0.0),
                         "stale": first["stale"].to_numpy(dtype=bool)})


def fit_stale_share(age_h: np.ndarray, stale: np.ndarray) -> StaleFit | None:
    """The maximum-likelihood monthly share going stale and its profile interval; None
    without attempts (or when every attempt came at age 0, which says nothing)."""
    m = np.asarray(age_h, dtype=float) / MONTH_HOURS
    s = np.asarray(stale, dtype=bool)
    if not len(m) or not (m > 0).any():
        return None
    ms, mg = m[s], m[~s]

    def loglik(k: float) -> float:  # k = -ln(1 - r) per month
        bad = float(np.sum(np.log(-np.expm1(-k * ms)))) if len(ms) else 0.0
        return bad - k * float(mg.sum())

    if not s.any():
        k_hat, peak = 0.0, 0.0
    elif not (~s).any() or mg.sum() == 0:
        return StaleFit(1.0, (1.0, 1.0), len(m), int(s.sum()))
    else:
        top = 50.0
        best = minimize_scalar(lambda k: -loglik(k), bounds=(1e-9, top), method="bounded",
                               options={"xatol": 1e-10})
        k_hat, peak = float(best.x), -float(best.fun)

    def gap(k: float) -> float:
        return loglik(k) - (peak - _DROP)

    low = 0.0
    if k_hat > 0 and gap(1e-12) < 0:
        low = brentq(gap, 1e-12, k_hat)
    high_end = max(2 * k_hat, 1e-6)
    while gap(high_end) > 0 and high_end < 1e3:
        high_end *= 2
    high = brentq(gap, max(k_hat, 1e-12), high_end) if gap(high_end) < 0 else high_end

    def share(k: float) -> float:
        return -math.expm1(-k)

    return StaleFit(share(k_hat), (share(low), share(high)), len(m), int(s.sum()))


__all__ = ["StaleFit", "first_attempts", "fit_stale_share"]
