"""The fitted parameters' posterior: its draws against the gamma and beta closed forms, the
counts it takes from a fit, and a forecast band that widens by the fit's uncertainty.

The process is test_forecast's: web leads at 20 a day, an exponential nurture, 30 % won.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from laneforge.app.calibrate import fit
from laneforge.app.crm_synthetic import synthetic_crm
from laneforge.app.forecast import run_from
from laneforge.app.forecast_snapshot import snapshot_from_export
from laneforge.app.forecast_stats import summarize_forecast
from laneforge.app.forecast_uncertainty import BranchCounts, Posterior, SourceCounts, posterior
from laneforge.io import process_from_data
from test_forecast import MEAN_DAYS, P_WON, RATE, _data

DRAWS = 4000


def test_draws_follow_the_gamma_and_the_beta() -> None:
    """Gamma(n + 1/2, T): mean (n + 1/2) / T, variance (n + 1/2) / T^2; Beta(a, b) with
    a = won + 1/2, b = lost + 1/2: mean a / (a + b), variance ab / ((a + b)^2 (a + b + 1)).
    Means within 4 standard errors, variances within 10 % (4 sd of a sample variance of
    4,000 near-normal draws is about 9 %)."""
    n, days, won, lost = 400, 20.0, 30, 70
    p = Posterior((SourceCounts("web", n, days, 20.0),),
                  (BranchCounts("close", {"won": won, "lost": lost}),))
    rng = np.random.default_rng(1)
    draws = [p.draw(rng) for _ in range(DRAWS)]
    rate = np.array([d["nodes.web.arrivals.scale"] for d in draws]) * 20.0
    share = np.array([d["edges.close->won.probability"] for d in draws])
    assert np.allclose(share + [d["edges.close->lost.probability"] for d in draws], 1.0)
    shape = n + 0.5
    assert abs(rate.mean() - shape / days) < 4 * math.sqrt(shape) / days / math.sqrt(DRAWS)
    assert abs(rate.var() / (shape / days**2) - 1) < 0.1
    a, b = won + 0.5, lost + 0.5
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    assert abs(share.mean() - a / (a + b)) < 4 * math.sqrt(var / DRAWS)
    assert abs(share.var() / var - 1) < 0.1


def test_the_same_seed_gives_the_same_processes() -> None:
    p = Posterior((SourceCounts("web", 100, 5.0, 20.0),),
                  (BranchCounts("close", {"won": 3, "lost": 7}),))
    process = process_from_data(_data())
    first = [q.to_data() for q in p.processes(process, 3, seed=7)]
    assert first == [q.to_data() for q in p.processes(process, 3, seed=7)]
    assert first != [q.to_data() for q in p.processes(process, 3, seed=8)]
    assert len({str(q["nodes"][0]["arrivals"]) for q in first}) == 3


@pytest.fixture(scope="module")
def fitted() -> tuple:
    crm = synthetic_crm(process_from_data(_data()), days=60, seed=3)
    as_of = pd.Timestamp(crm.log.start) + pd.Timedelta(days=42)
    calibration = fit(process_from_data(_data()), crm.log, crm.mapping, fit_until=as_of)
    return crm, as_of, calibration


def test_the_posterior_takes_the_fit_counts(fitted: tuple) -> None:
    """Six weeks of 20 leads a day: about 840 leads (Poisson, 4 sd), exposure n / rate;
    the branch's counts are the passes the fit counted to each way out."""
    _, _, calibration = fitted
    p = posterior(calibration)
    (source,) = p.sources
    assert source.node == "web" and abs(source.leads - RATE * 42) < 4 * math.sqrt(RATE * 42)
    assert source.days == pytest.approx(source.leads / calibration.sources["web"].rate_per_day)
    (branch,) = p.branches
    assert branch.node == "close" and set(branch.counts) == {"won", "lost"}
    assert sum(branch.counts.values()) == calibration.branches["close"].n
    share = branch.counts["won"] / sum(branch.counts.values())
    n = sum(branch.counts.values())
    assert abs(share - P_WON) < 4 * math.sqrt(P_WON * (1 - P_WON) / n)


def test_the_band_widens_by_the_fit_uncertainty(fitted: tuple) -> None:
    """Thirty days after six weeks of data: wins are about Poisson(lambda p D) from the
    simulation (D = 30 days; the open leads' part is binomial, a little less). The fit's
    share p has a relative variance of (1 - p)/(p n_passes), and its rate one of 1/n_leads
    on the part of the wins that comes from new leads (a share 1 - m (1 - exp(-D/m)) / D
    of them, m the nurture's mean), so the predictive variance is the Poisson one plus the
    mean squared times those. The band's width (P90 - P10, 2.56 sd for a normal) must
    grow from the first to the root of the sum, within 25 % (40 replications estimate a
    P10-P90 spread to about 15 %)."""
    crm, as_of, calibration = fitted
    snapshot = snapshot_from_export(crm.log, crm.mapping, calibration.process, as_of=as_of)
    until = as_of.to_pydatetime() + pd.Timedelta(days=30).to_pytimedelta()
    p = posterior(calibration)
    widths = []
    for post in (None, p):
        runs = run_from(calibration.process, snapshot, until, replications=40, seed=2,
                        posterior=post)
        won = summarize_forecast(runs, as_of=as_of.to_pydatetime(), until=until).won
        widths.append(won["p90"] - won["p10"])
    mean = RATE * P_WON * 30
    leads = p.sources[0].leads
    passes = sum(p.branches[0].counts.values())
    new_share = 1 - MEAN_DAYS * (1 - math.exp(-30 / MEAN_DAYS)) / 30
    relative = new_share**2 / leads + (1 - P_WON) / (P_WON * passes)
    noise, total = 2.56 * math.sqrt(mean), 2.56 * math.sqrt(mean + mean**2 * relative)
    assert abs(widths[0] / noise - 1) < 0.25, widths
    assert abs(widths[1] / total - 1) < 0.25, widths
