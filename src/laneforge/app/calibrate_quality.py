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
from collections.abc import Callable
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
    #: the share of records bad from the start and its interval, where it was fitted
    capture: tuple[float, tuple[float, float]] | None = None


def first_attempts(contacts: pd.DataFrame, stale: pd.DataFrame, created: pd.Series,
                   cleansed: pd.DataFrame | None = None,
                   batches: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """Each case's first contact attempt: ``age_h`` (hours since its record was last known
    good), ``stale`` (whether it hit an out-of-date record) and ``fresh`` (the record is as
    captured: no cleansing step before the attempt).

    ``contacts`` and ``stale`` hold ``case`` and ``time`` (a stale row belongs to the
    attempt at or before it on its case; one with none is an attempt of its own),
    ``created`` the cases' creation times by case, ``cleansed`` (``case``, ``time``) when a
    cleansing step restored a case's record, ``batches`` when a cleansing batch restored
    every open record (sorted)."""
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
    created_at = pd.to_datetime(created.reindex(first["case"]).to_numpy())
    since = pd.to_datetime(since)
    if batches is not None and len(batches):
        times = pd.to_datetime(first["time"].to_numpy())
        k = batches.searchsorted(times, side="right") - 1
        last = pd.to_datetime(np.where(k >= 0, batches[np.maximum(k, 0)], pd.NaT))
        since = pd.to_datetime(np.where(pd.notna(last) & (last > since), last, since))
    age = (first["time"].to_numpy() - since.to_numpy()) / np.timedelta64(1, "h")
    return pd.DataFrame({"age_h": np.maximum(age.astype(float), 0.0),
                         "stale": first["stale"].to_numpy(dtype=bool),
                         "fresh": (since == created_at)})


def _profile_interval(profile: Callable[[float], float], hat: float, peak: float,
                      top: float) -> tuple[float, float]:
    """Where ``profile`` (a log likelihood over one parameter, maximised over the rest) is
    1.92 below its ``peak`` on each side of ``hat`` within [0, top]."""
    def gap(x: float) -> float:
        return profile(x) - (peak - _DROP)

    low = 0.0 if hat <= 0 or gap(0.0) >= 0 else brentq(gap, 0.0, hat, xtol=1e-10)
    high = top if gap(top) >= 0 else brentq(gap, hat, top, xtol=1e-10)
    return low, high


def fit_stale_share(age_h: np.ndarray, stale: np.ndarray,
                    fresh: np.ndarray | None = None) -> StaleFit | None:
    """The maximum-likelihood monthly share going stale, and with ``fresh`` (the attempts
    on records as captured, never cleansed) the share bad from the start, each with its
    profile-likelihood interval; None without attempts (or when all came at age 0 with
    nothing bad from the start to tell)."""
    m = np.asarray(age_h, dtype=float) / MONTH_HOURS
    s = np.asarray(stale, dtype=bool)
    f = np.zeros(len(m), dtype=bool) if fresh is None else np.asarray(fresh, dtype=bool)
    if not len(m) or not (m > 0).any():
        return None
    with_capture = fresh is not None and f.any()

    def loglik(k: float, q: float) -> float:  # k = -ln(1 - r) per month
        keep = np.where(f, 1.0 - q, 1.0)
        good = keep * np.exp(-k * m)
        bad = np.clip(1.0 - good, 1e-300, 1.0)
        return float(np.sum(np.log(bad[s])) + np.sum(np.log(np.clip(good[~s], 1e-300, 1.0))))

    def best_q(k: float) -> tuple[float, float]:
        if not with_capture:
            return 0.0, loglik(k, 0.0)
        r = minimize_scalar(lambda q: -loglik(k, q), bounds=(0.0, 1.0 - 1e-9),
                            method="bounded", options={"xatol": 1e-9})
        candidates = [(float(r.x), -float(r.fun)), (0.0, loglik(k, 0.0))]
        return max(candidates, key=lambda c: c[1])

    def profile_k(k: float) -> float:
        return best_q(k)[1]

    top = 20.0
    r = minimize_scalar(lambda k: -profile_k(k), bounds=(0.0, top), method="bounded",
                        options={"xatol": 1e-10})
    k_hat = float(r.x)
    if profile_k(0.0) >= -float(r.fun):
        k_hat = 0.0
    q_hat, peak = best_q(k_hat)
    k_low, k_high = _profile_interval(profile_k, k_hat, peak, top)

    def share(k: float) -> float:
        return -math.expm1(-k)

    capture = None
    if with_capture:
        def profile_q(q: float) -> float:
            res = minimize_scalar(lambda k: -loglik(k, q), bounds=(0.0, top),
                                  method="bounded", options={"xatol": 1e-10})
            return max(-float(res.fun), loglik(0.0, q))

        capture = (q_hat, _profile_interval(profile_q, q_hat, peak, 1.0 - 1e-9))
    return StaleFit(share(k_hat), (share(k_low), share(k_high)), len(m), int(s.sum()),
                    capture)


__all__ = ["StaleFit", "first_attempts", "fit_stale_share"]
