"""Forecast figures and backtest measures on inputs whose answers are known."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest
from scipy import stats

from laneforge.app.forecast_stats import (
    BacktestPeriod,
    WonDeal,
    backtest_metrics,
    band,
    summarize_forecast,
    write_forecast_json,
)

AS_OF = dt.datetime(2026, 3, 30)  # a Monday
UNTIL = dt.datetime(2026, 5, 11)  # six weeks later
DAY = 24.0


def _runs() -> list[list[WonDeal]]:
    return [
        [WonDeal(1.0, True, 100.0), WonDeal(8 * DAY, False, 50.0), WonDeal(41 * DAY, True)],
        [WonDeal(2.0, True, 200.0)],
        [WonDeal(3 * DAY, True, 10.0), WonDeal(9 * DAY, False, 20.0),
         WonDeal(10 * DAY, False, 30.0), WonDeal(50 * DAY, True, 999.0)],  # after until
    ]


def test_totals_bands_target_and_the_pipeline_split() -> None:
    s = summarize_forecast(_runs(), as_of=AS_OF, until=UNTIL, target=3, default_amount=5.0)
    # won per replication: 3, 1, 3 (the last replication's fourth deal is past until)
    assert s.won == band([3, 1, 3]) == {"p10": pytest.approx(1.4), "p50": 3.0, "p90": 3.0}
    assert s.bookings == band([155.0, 200.0, 60.0])
    assert s.p_target == pytest.approx(2 / 3)
    assert s.from_pipeline == pytest.approx((2 + 1 + 1) / 3)
    assert s.from_new_leads == pytest.approx((1 + 0 + 2) / 3)
    assert s.replications == 3


def test_weeks_and_months() -> None:
    s = summarize_forecast(_runs(), as_of=AS_OF, until=UNTIL)
    assert len(s.weeks) == 6
    assert s.weeks[0]["start"] == "2026-03-30T00:00:00" and s.weeks[-1]["end"] == (
        "2026-05-11T00:00:00")
    assert s.weeks[0]["won"] == band([1, 1, 1])
    assert s.weeks[1]["won"] == band([1, 0, 2])
    assert s.weeks[1]["bookings"] == band([50.0, 0.0, 50.0])
    assert s.weeks[-1]["cumulative_won"] == s.won
    cumulative = [w["cumulative_won"]["p50"] for w in s.weeks]
    assert cumulative == sorted(cumulative)
    # months: the rest of March (2 days), April, May up to the 11th
    assert [m["start"][:10] for m in s.months] == ["2026-03-30", "2026-04-01", "2026-05-01"]
    assert s.months[0]["won"] == band([1, 1, 0])  # the third replication's first is April 2
    assert s.months[1]["won"] == band([1, 0, 3])
    assert s.months[2]["won"] == band([1, 0, 0])  # the deal on day 41 is May 10th


def test_no_target_and_bad_windows() -> None:
    assert summarize_forecast(_runs(), as_of=AS_OF, until=UNTIL).p_target is None
    with pytest.raises(ValueError, match="--until"):
        summarize_forecast(_runs(), as_of=AS_OF, until=AS_OF)
    with pytest.raises(ValueError, match="at least one replication"):
        summarize_forecast([], as_of=AS_OF, until=UNTIL)


def test_p_target_of_poisson_wins_is_the_poisson_tail() -> None:
    gen = np.random.default_rng(5)
    lam, target, n = 20.0, 25, 4000
    runs = [[WonDeal(float(h), False) for h in gen.uniform(0, 100, k)]
            for k in gen.poisson(lam, n)]
    s = summarize_forecast(runs, as_of=AS_OF, until=AS_OF + dt.timedelta(hours=100),
                           target=target)
    p = float(stats.poisson.sf(target - 1, lam))
    assert abs(s.p_target - p) <= 4 * math.sqrt(p * (1 - p) / n)
    assert s.won["p50"] == pytest.approx(stats.poisson.median(lam), abs=1)


def test_mape_bias_and_coverage_of_constructed_periods() -> None:
    start = dt.datetime(2026, 1, 1)
    periods = [BacktestPeriod(start, 0.9 * a, 1.1 * a, 1.3 * a, a) for a in (10, 20, 40)]
    m = backtest_metrics(periods)
    assert m == {"periods": 3, "p50_mape": pytest.approx(0.1), "bias": pytest.approx(0.1),
                 "coverage_p10_p90": 1.0}
    low = [BacktestPeriod(start, 1, 2, 3, 10), BacktestPeriod(start, 5, 8, 12, 8),
           BacktestPeriod(start, 0, 1, 2, 0)]
    m = backtest_metrics(low)
    assert m["p50_mape"] == pytest.approx((0.8 + 0.0) / 2)  # the period with no win is left out
    assert m["bias"] == pytest.approx((2 - 10 + 0 + 1) / 18)
    assert m["coverage_p10_p90"] == pytest.approx(2 / 3)
    assert backtest_metrics([]) is None


def test_an_80_percent_band_of_a_true_forecast_covers_80_percent() -> None:
    """Forecasts drawn from the truth: normal bookings cover ~80 %; Poisson counts cover
    what their discrete bands hold, by the Poisson formula; both within binomial error."""
    gen = np.random.default_rng(12)
    periods, draws = 600, 500
    start = dt.datetime(2026, 1, 1)
    normal, poisson, expected = [], [], []
    for _ in range(periods):
        f = band(gen.normal(1000.0, 150.0, draws))
        normal.append(BacktestPeriod(start, f["p10"], f["p50"], f["p90"],
                                     float(gen.normal(1000.0, 150.0))))
        lam = float(gen.uniform(5, 40))
        f = band(gen.poisson(lam, draws))
        poisson.append(BacktestPeriod(start, f["p10"], f["p50"], f["p90"],
                                      float(gen.poisson(lam))))
        expected.append(stats.poisson.cdf(math.floor(f["p90"]), lam)
                        - stats.poisson.cdf(math.ceil(f["p10"]) - 1, lam))
    covered = backtest_metrics(normal)["coverage_p10_p90"]
    assert abs(covered - 0.8) <= 4 * math.sqrt(0.8 * 0.2 / periods)
    p = np.array(expected)
    hits = backtest_metrics(poisson)["coverage_p10_p90"] * periods
    assert abs(hits - p.sum()) <= 4 * math.sqrt((p * (1 - p)).sum())
    assert abs(backtest_metrics(normal)["bias"]) < 0.02  # an unbiased P50


def test_the_results_file(tmp_path) -> None:
    s = summarize_forecast(_runs(), as_of=AS_OF, until=UNTIL, target=2)
    other = summarize_forecast(_runs()[:2], as_of=AS_OF, until=UNTIL, target=2)
    path = tmp_path / "forecast.json"
    metrics = backtest_metrics([BacktestPeriod(AS_OF, 1, 2, 3, 2)])
    write_forecast_json(path, s, as_of=AS_OF, until=UNTIL, scenarios={"+1 SDR": other},
                        backtest=metrics)
    data = json.loads(path.read_text())
    assert data["format"] == "laneforge/forecast" and data["version"] == 1
    assert data["as_of"] == "2026-03-30T00:00:00" and data["until"] == "2026-05-11T00:00:00"
    assert data["won"] == s.won and data["bookings"] == s.bookings
    assert data["p_target"] == s.p_target and data["from_pipeline"] == s.from_pipeline
    assert data["from_new_leads"] == s.from_new_leads and len(data["weeks"]) == 6
    assert data["scenarios"]["+1 SDR"]["won"] == other.won
    assert data["backtest"] == {"periods": 1, "p50_mape": 0.0, "bias": 0.0,
                                "coverage_p10_p90": 1.0}
    write_forecast_json(path, s, as_of=AS_OF, until=UNTIL)
    again = json.loads(path.read_text())
    assert again["backtest"] is None and again["scenarios"] == {}
    assert [p.name for p in tmp_path.iterdir()] == ["forecast.json"]  # no temporary left
