"""Durations and rates as written in process files: parsing, errors, formatting, scaling."""

from __future__ import annotations

import math

import pytest
from pydantic import BaseModel, ValidationError

from laneforge.model.units import Duration, Rate, format_hours


class _Holder(BaseModel):
    """A model with a duration and a rate, to check the pydantic side of both types."""

    wait: Duration
    rate: Rate


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("90m", 1.5),
        ("2.5h", 2.5),
        ("3d", 72.0),
        ("1w", 168.0),
        ("30s", 30 / 3600),
        ("10min", 10 / 60),
        ("0h", 0.0),
        (".5h", 0.5),
        ("2 h", 2.0),
        ("1e2h", 100.0),
        ("3D", 72.0),
    ],
)
def test_duration_units(text, hours):
    assert Duration.parse(text).hours == pytest.approx(hours, rel=1e-12, abs=0)


@pytest.mark.parametrize(("value", "hours"), [(2, 2.0), (0.25, 0.25), ("1.5", 1.5), ("4", 4.0)])
def test_bare_number_is_hours(value, hours):
    assert Duration.parse(value).hours == hours


def test_duration_keeps_the_text_it_was_written_as():
    duration = Duration.parse("90m")
    assert duration.raw == "90m"
    assert str(duration) == "90m"
    assert Duration.parse(4).raw == 4


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2hrs", ["'hrs'", "unit"]),
        ("-1h", ["negative"]),
        ("abc", ["'abc'", "duration"]),
        (True, ["True"]),
        (None, ["None"]),
        ("", ["duration"]),
        ("h", ["'h'"]),
        ("1.2.3h", ["'1.2.3h'"]),
        (-1, ["-1"]),
        (float("nan"), ["nan"]),
        (float("inf"), ["inf"]),
        ("1e400h", ["too large"]),
        ([1], ["[1]"]),
        ("5/h", ["'5/h'"]),
    ],
)
def test_bad_durations_give_clear_errors(value, words):
    with pytest.raises(ValueError) as caught:
        Duration.parse(value)
    message = str(caught.value)
    for word in words:
        assert word in message
    assert "\n" not in message


def test_unknown_unit_message_lists_the_units():
    with pytest.raises(ValueError, match=r"use s, m, h, d \(24 h\) or w"):
        Duration.parse("2hrs")


def test_bad_duration_in_a_model_is_a_validation_error_with_the_message():
    with pytest.raises(ValidationError) as caught:
        _Holder(wait="2hrs", rate="1/h")
    error = caught.value.errors()[0]
    assert error["loc"] == ("wait",)
    assert "unknown time unit 'hrs'" in error["msg"]


def test_duration_serialises_as_written():
    holder = _Holder(wait="90m", rate="40/day")
    assert holder.model_dump(mode="json") == {"wait": "90m", "rate": "40/day"}
    assert _Holder(wait=3, rate=2).model_dump(mode="json") == {"wait": 3, "rate": 2}


def test_duration_equality_includes_spelling():
    assert Duration.parse("90m") == Duration.parse("90m")
    assert Duration.parse("90m") != Duration.parse("1.5h")
    assert Duration.parse("90m").hours == Duration.parse("1.5h").hours


# --- rates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "per_hour"),
    [
        ("10/h", 10.0),
        ("40/day", 40 / 24),
        ("120/week", 120 / 168),
        ("500/month", 500 / 720),
        ("3/min", 180.0),
        ("2.5 / d", 2.5 / 24),
        ("6/hour", 6.0),
        ("14/w", 14 / 168),
    ],
)
def test_rates(text, per_hour):
    assert Rate.parse(text).per_hour == pytest.approx(per_hour, rel=1e-12, abs=0)


def test_month_is_thirty_days():
    assert Rate.parse("500/month").per_hour * 30 * 24 == pytest.approx(500, rel=1e-12)


def test_bare_number_rate_is_per_hour():
    assert Rate.parse(5).per_hour == 5.0


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("5/fortnight", ["'fortnight'", "period"]),
        ("abc", ["'abc'", "rate"]),
        ("-3/h", ["negative"]),
        (True, ["True"]),
        (None, ["None"]),
        ("10", ["'10'"]),
        ("10/", ["'10/'"]),
        ("/h", ["'/h'"]),
        ("10/h/d", ["'10/h/d'"]),
        (-2, ["-2"]),
    ],
)
def test_bad_rates_give_clear_errors(value, words):
    with pytest.raises(ValueError) as caught:
        Rate.parse(value)
    message = str(caught.value)
    for word in words:
        assert word in message


def test_unknown_period_message_names_the_valid_periods():
    with pytest.raises(ValueError, match=r"use h, day, week or month \(30 days\)"):
        Rate.parse("5/fortnight")


@pytest.mark.parametrize(
    ("text", "factor", "raw"),
    [
        ("40/day", 1.5, "60/day"),
        ("500/month", 2, "1000/month"),
        ("120/week", 0.5, "60/week"),
        ("10/h", 3, "30/h"),
    ],
)
def test_rate_scaled_keeps_the_period(text, factor, raw):
    rate = Rate.parse(text)
    scaled = rate.scaled(factor)
    assert scaled.raw == raw
    assert scaled.per_hour == pytest.approx(rate.per_hour * factor, rel=1e-12)
    assert Rate.parse(scaled.raw) == scaled


def test_rate_scaled_by_an_awkward_factor_reads_back_the_same_rate():
    scaled = Rate.parse("40/day").scaled(1 / 3)
    assert scaled.raw.endswith("/day")
    assert Rate.parse(scaled.raw).per_hour == pytest.approx(scaled.per_hour, rel=1e-12)


def test_rate_scaled_from_a_bare_number_stays_per_hour():
    scaled = Rate.parse(4).scaled(2.5)
    assert scaled.per_hour == 10.0
    assert Rate.parse(scaled.raw).per_hour == 10.0


# --- format_hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (0, "0h"),
        (0.25, "15m"),
        (0.5, "30m"),
        (1.5, "1.5h"),
        (2.5, "2.5h"),
        (25, "25h"),
        (72, "3d"),
        (168, "1w"),
        (336, "2w"),
        (30 / 3600, "30s"),
    ],
)
def test_format_hours_picks_a_natural_unit(hours, text):
    assert format_hours(hours) == text


@pytest.mark.parametrize(
    "hours",
    [0, 1 / 3600, 30 / 3600, 0.1, 0.25, 1, 1.05, 1.5, 2.5, 7.75, 24, 36, 72, 100, 168, 1000, 8760],
)
def test_format_hours_round_trips(hours):
    assert Duration.parse(format_hours(hours)).hours == pytest.approx(hours, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("hours", [1 / 7, math.pi, 123.456789012, 1e-6, 2 / 3 * 24, 1e6 / 7])
def test_format_hours_round_trips_awkward_values(hours):
    """Writing a duration must not round it: a saved-and-loaded process must be equal."""
    assert Duration.parse(format_hours(hours)).hours == pytest.approx(hours, rel=1e-12)


def test_from_hours_reads_back_to_an_equal_duration():
    for hours in (0.25, 1 / 7, 50.0):
        duration = Duration.from_hours(hours)
        again = Duration.parse(duration.raw)
        assert again.hours == pytest.approx(duration.hours, rel=1e-12)


@pytest.mark.parametrize(("value", "kind", "text"), [
    (66.3, "count", "66"), (9.44, "count", "9.4"), (1234.4, "count", "1,234"),
    (0.0103, "percent", "1.0 %"), (6419.2, "money", "6,419"), (None, "count", "–"),
])
def test_format_value_shows_whole_counts_from_ten(value, kind, text):
    from laneforge.model import format_value

    assert format_value(value, kind) == text
