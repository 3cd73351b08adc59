"""Working calendars: adding working hours, next opening, hours between, and bad specs."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from laneforge.model.calendar import Calendar, Timeline

MONDAY = dt.date(2026, 1, 5)  # a Monday


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time ``day_offset`` days after Monday 5 January 2026."""
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day_offset), dt.time(hour, minute))


OFFICE = Calendar(days="mon-fri", hours="09:00-17:00")
LUNCH = Calendar(days="mon-fri", hours="09:00-12:30,13:30-17:30")
ALWAYS = Calendar(days="mon-sun", hours="00:00-24:00")


def test_reference_days_are_what_the_tests_assume():
    assert MONDAY.strftime("%a") == "Mon"
    assert at(4, 16).strftime("%a %H:%M") == "Fri 16:00"


# --- the two cases -------------------------------------------------------------------


def test_ten_hours_from_monday_nine_ends_tuesday_eleven():
    assert OFFICE.add_working_hours(at(0, 9), 10) == at(1, 11)


def test_nine_hours_from_friday_four_pm_ends_monday_five_pm():
    assert OFFICE.add_working_hours(at(4, 16), 9) == at(7, 17)


# --- adding working hours --------------------------------------------------------------------


def test_a_job_ending_at_closing_time_ends_then():
    assert OFFICE.add_working_hours(at(0, 9), 8) == at(0, 17)


def test_zero_hours_is_the_start_time_even_outside_working_hours():
    assert OFFICE.add_working_hours(at(5, 12), 0) == at(5, 12)


def test_a_job_started_outside_hours_begins_at_the_next_opening():
    assert OFFICE.add_working_hours(at(0, 20), 1) == at(1, 10)
    assert OFFICE.add_working_hours(at(5, 10), 2) == at(7, 11)  # Saturday -> Monday


def test_a_job_of_a_full_week_takes_a_calendar_week():
    assert OFFICE.add_working_hours(at(0, 9), 40) == at(4, 17)
    assert OFFICE.add_working_hours(at(0, 9), 41) == at(7, 10)


def test_fractional_hours():
    assert OFFICE.add_working_hours(at(0, 16, 30), 0.75) == at(1, 9, 15)


def test_lunch_break_is_skipped():
    # 09:00-12:30 gives 3.5 h, the other half hour comes after lunch
    assert LUNCH.add_working_hours(at(0, 9), 4) == at(0, 14)
    assert LUNCH.add_working_hours(at(0, 12), 1) == at(0, 14)
    assert LUNCH.add_working_hours(at(0, 12, 45), 0.5) == at(0, 14)


def test_lunch_calendar_has_seven_and_a_half_hours_a_day():
    assert LUNCH.hours_per_week == 37.5
    assert LUNCH.add_working_hours(at(0, 9), 7.5) == at(0, 17, 30)
    assert LUNCH.add_working_hours(at(0, 9), 8) == at(1, 9, 30)


def test_holidays_are_skipped():
    holiday = Calendar(days="mon-fri", hours="09:00-17:00", holidays=[at(1, 0).date()])
    assert holiday.add_working_hours(at(0, 9), 10) == at(2, 11)
    assert not holiday.is_open(at(1, 10))
    assert holiday.next_opening(at(0, 18)) == at(2, 9)


def test_holidays_are_read_from_iso_text():
    holiday = Calendar.model_validate({"holidays": ["2026-01-09"]})  # the Friday
    assert holiday.add_working_hours(at(3, 16), 2) == at(7, 10)


def test_weekend_calendar_days():
    weekend = Calendar(days="sat-sun", hours="10:00-14:00")
    assert weekend.add_working_hours(at(0, 9), 5) == at(6, 11)


def test_wrapping_day_range():
    calendar = Calendar(days="fri-mon", hours="09:00-17:00")
    assert calendar.weekdays == frozenset({4, 5, 6, 0})
    assert calendar.add_working_hours(at(1, 9), 1) == at(4, 10)  # Tuesday -> Friday


def test_list_of_days():
    calendar = Calendar(days="mon,wed,fri")
    assert calendar.weekdays == frozenset({0, 2, 4})
    assert calendar.add_working_hours(at(0, 16), 2) == at(2, 10)


def test_always_open_calendar_adds_plain_hours():
    assert ALWAYS.always_open
    start = at(4, 16, 30)
    for hours in (0.5, 1, 7.25, 100, 1000):
        assert ALWAYS.add_working_hours(start, hours) == start + dt.timedelta(hours=hours)
    assert ALWAYS.working_hours_between(at(0, 0), at(7, 0)) == 168


# --- next opening ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "opening"),
    [
        (at(0, 10), at(0, 10)),  # open: now
        (at(0, 9), at(0, 9)),  # opening time itself
        (at(0, 7), at(0, 9)),  # early morning
        (at(0, 17), at(1, 9)),  # closing time is closed
        (at(0, 20), at(1, 9)),  # evening
        (at(4, 18), at(7, 9)),  # Friday evening
        (at(5, 12), at(7, 9)),  # Saturday
        (at(6, 23, 59), at(7, 9)),  # Sunday night
    ],
)
def test_next_opening(when, opening):
    assert OFFICE.next_opening(when) == opening


def test_next_opening_after_lunch_break():
    assert LUNCH.next_opening(at(0, 12, 30)) == at(0, 13, 30)
    assert LUNCH.next_opening(at(0, 13)) == at(0, 13, 30)


def test_is_open():
    assert OFFICE.is_open(at(0, 9))
    assert OFFICE.is_open(at(0, 16, 59))
    assert not OFFICE.is_open(at(0, 17))
    assert not OFFICE.is_open(at(5, 12))
    assert not LUNCH.is_open(at(0, 13))


# --- working hours between -------------------------------------------------------------------


def test_working_hours_in_a_week():
    assert OFFICE.working_hours_between(at(0, 0), at(7, 0)) == 40
    assert LUNCH.working_hours_between(at(0, 0), at(7, 0)) == 37.5


def test_working_hours_in_part_of_a_day():
    assert OFFICE.working_hours_between(at(0, 8), at(0, 10, 30)) == 1.5
    assert LUNCH.working_hours_between(at(0, 12), at(0, 14)) == 1.0
    assert OFFICE.working_hours_between(at(4, 16), at(7, 10)) == 2.0


def test_working_hours_between_reversed_times_is_zero():
    assert OFFICE.working_hours_between(at(1, 12), at(0, 12)) == 0


def test_working_hours_between_inverts_add():
    start = at(2, 11, 20)
    for hours in (0.5, 3, 8, 13.25, 47):
        end = LUNCH.add_working_hours(start, hours)
        assert LUNCH.working_hours_between(start, end) == pytest.approx(hours, abs=1e-9)


# --- the sim clock ---------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [at(0, 0), at(2, 13, 37), at(5, 22)])
def test_timeline_agrees_with_the_datetime_api(origin):
    line = Timeline(LUNCH, origin)
    for t in (0.0, 1.5, 9.25, 30.0, 77.7, 130.0, 400.0):
        when = origin + dt.timedelta(hours=t)
        assert line.is_open(t) == LUNCH.is_open(when)
        opening = origin + dt.timedelta(hours=line.next_open(t))
        assert abs((opening - LUNCH.next_opening(when)).total_seconds()) < 1e-3
        for hours in (0.5, 4, 8, 21):
            end = origin + dt.timedelta(hours=line.add(t, hours))
            assert abs((end - LUNCH.add_working_hours(when, hours)).total_seconds()) < 1e-3
        assert line.worked(0.0, t) == pytest.approx(
            LUNCH.working_hours_between(origin, when), abs=1e-9
        )


def test_timeline_in_hours_since_the_process_start():
    line = Timeline(OFFICE, at(0, 0))
    assert line.add(9.0, 10.0) == 24 + 11  # Tuesday 11:00
    assert line.add(4 * 24 + 16.0, 9.0) == 7 * 24 + 17  # Monday 17:00
    assert line.next_open(5 * 24 + 12.0) == 7 * 24 + 9
    assert line.at(35.0) == at(1, 11)


def test_timeline_reaches_far_into_the_future():
    line = Timeline(OFFICE, at(0, 0))
    one_year_of_work = 52 * 40
    assert line.add(9.0, one_year_of_work) == pytest.approx(9.0 + 52 * 168 - 2 * 24 - 16)
    assert line.worked(0.0, 52 * 168) == pytest.approx(one_year_of_work)


def test_timeline_of_a_calendar_without_working_days_is_refused():
    with pytest.raises(ValueError, match="no working hours"):
        Timeline(Calendar(days="none"), at(0, 0))


# --- bad specifications ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "hours", "words"),
    [
        ("mon-fry", "09:00-17:00", "unknown weekday"),
        ("monday", "09:00-17:00", "unknown weekday"),
        ("mon-fri", "9-5", "write HH:MM"),
        ("mon-fri", "09:00", "HH:MM-HH:MM"),
        ("mon-fri", "17:00-09:00", "ends before it starts"),
        ("mon-fri", "09:00-09:00", "ends before it starts"),
        ("mon-fri", "09:00-13:00,12:00-17:00", "overlap"),
        ("mon-fri", "13:00-17:00,09:00-13:30", "overlap"),
        ("mon-fri", "25:00-26:00", "not a time of day"),
        ("mon-fri", "09:60-10:00", "not a time of day"),
        ("mon-fri", "09:00-24:30", "not a time of day"),
    ],
)
def test_bad_calendar_specs_are_rejected(days, hours, words):
    with pytest.raises(ValidationError) as caught:
        Calendar(days=days, hours=hours)
    assert words in str(caught.value)


def test_adjacent_spans_are_not_an_overlap():
    calendar = Calendar(hours="09:00-12:00,12:00-17:00")
    assert calendar.add_working_hours(at(0, 11), 2) == at(0, 13)


def test_bad_holiday_is_rejected():
    with pytest.raises(ValidationError):
        Calendar.model_validate({"holidays": ["2026-02-30"]})
