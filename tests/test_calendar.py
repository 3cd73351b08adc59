"""Working calendars: adding working hours, next opening, hours between, and bad specs."""

from __future__ import annotations

import datetime as dt
import json
import math
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from laneforge.model.calendar import TIE, Calendar, Timeline

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
        ("mon-fri", "09:00-09:00", "ends when it starts"),
        ("mon-fri", "24:00-06:00", "starts at 24:00"),
        ("mon-fri", "22:00-06:00,05:00-08:00", "runs into the next"),
        ("mon-fri", "20:00-04:00,22:00-23:00", "overlap"),
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


# --- night shifts across midnight -------------------------------------------------------------

NIGHTS = Calendar(days="mon-fri", hours="22:00-06:00")


def test_a_night_shift_starts_on_its_day_and_ends_the_next_morning():
    assert NIGHTS.spans == ((1320, 1800),)
    assert NIGHTS.hours_per_week == 40
    assert NIGHTS.is_open(at(0, 23))  # Monday night
    assert NIGHTS.is_open(at(1, 5, 59))  # Tuesday morning, Monday's shift
    assert not NIGHTS.is_open(at(1, 6))
    assert NIGHTS.is_open(at(5, 2))  # Saturday morning: Friday's shift
    assert not NIGHTS.is_open(at(5, 23))  # no shift starts on Saturday
    assert not NIGHTS.is_open(at(0, 1))  # nor on Sunday, so Monday 01:00 is closed
    assert NIGHTS.next_opening(at(5, 12)) == at(7, 22)


def test_work_on_a_night_shift_carries_over_to_the_next_night():
    assert NIGHTS.add_working_hours(at(0, 21), 8) == at(1, 6)  # ends at closing time
    assert NIGHTS.add_working_hours(at(0, 21), 10) == at(2, 0)  # two more hours Tuesday night
    assert NIGHTS.working_hours_between(at(0, 0), at(7, 0)) == 40


def test_a_night_shift_is_under_way_at_an_origin_after_midnight():
    line = Timeline(NIGHTS, at(1, 3))  # Tuesday 03:00, inside Monday's shift
    assert line.is_open(0.0)
    assert line.add(0.0, 3.0) == 3.0  # to 06:00, closing time
    assert line.add(0.0, 4.0) == 19 + 1  # 3 h to 06:00, then an hour from 22:00


def test_a_holiday_skips_the_shift_that_starts_on_it_not_the_one_running_into_it():
    calendar = Calendar(days="mon-fri", hours="22:00-06:00", holidays=[at(1, 0).date()])
    assert calendar.is_open(at(1, 5))  # Monday's shift, on the Tuesday holiday's morning
    assert not calendar.is_open(at(1, 23))  # no shift starts on the holiday
    assert calendar.next_opening(at(1, 6)) == at(2, 22)


def test_mixed_spans_around_midnight_keep_working():
    calendar = Calendar(days="daily", hours="00:00-02:00,20:00-24:00")
    assert calendar.spans == ((0, 120), (1200, 1440))
    line = Timeline(calendar, at(0, 0))
    starts, ends, _ = line.tables
    assert (starts[:2], ends[:2]) == ([0.0, 20.0], [2.0, 26.0])  # 20:00 to 02:00 joined


def test_a_span_ending_at_midnight_may_be_written_as_00_00():
    assert Calendar(hours="18:00-00:00").spans == Calendar(hours="18:00-24:00").spans


# --- time zones -------------------------------------------------------------------------------

NEW_YORK = ZoneInfo("America/New_York")
LONDON = "Europe/London"


def test_a_night_shift_is_an_hour_shorter_when_clocks_go_forward_and_longer_when_back():
    calendar = Calendar(days="daily", hours="22:00-06:00", timezone=LONDON)
    spring = dt.datetime(2026, 3, 28, 22, 0, tzinfo=ZoneInfo(LONDON))
    autumn = dt.datetime(2026, 10, 24, 22, 0, tzinfo=ZoneInfo(LONDON))
    assert calendar.working_hours_between(spring, spring + dt.timedelta(hours=12)) == 7
    assert calendar.working_hours_between(autumn, autumn + dt.timedelta(hours=12)) == 9
    assert calendar.add_working_hours(autumn, 9) == dt.datetime(
        2026, 10, 25, 6, 0, tzinfo=ZoneInfo(LONDON))


def test_hours_skipped_by_the_clock_are_reached_at_the_jump():
    calendar = Calendar(days="daily", hours="02:30-04:00", timezone="America/New_York")
    sunday = dt.datetime(2026, 3, 8, tzinfo=NEW_YORK)  # 02:00 EST -> 03:00 EDT
    opening = calendar.next_opening(sunday)
    assert opening.astimezone(dt.UTC) == dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC)
    assert calendar.working_hours_between(sunday, sunday + dt.timedelta(hours=8)) == 1


def test_a_repeated_hour_is_worked_once_from_its_first_showing():
    calendar = Calendar(days="daily", hours="01:30-03:00", timezone="America/New_York")
    sunday = dt.datetime(2026, 11, 1, tzinfo=NEW_YORK)  # 02:00 EDT -> 01:00 EST
    assert calendar.working_hours_between(sunday, sunday + dt.timedelta(hours=8)) == 2.5


def test_a_calendar_without_a_zone_follows_the_process_zone_over_daylight_saving():
    from laneforge.model.zones import start_instant

    origin = start_instant(dt.datetime(2026, 3, 6), "America/New_York")  # Friday, EST
    line = Timeline(OFFICE, origin)
    assert line.next_open(0.0) == 9.0
    # Monday 9 March 09:00 EDT: 3 days and 8 hours of elapsed time (not 9: the clocks moved)
    assert line.next_open(70.0) == 80.0
    assert line.at(80.0) == dt.datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK)


def test_a_zoned_calendar_in_a_process_without_a_zone_reads_the_start_in_utc():
    calendar = Calendar(days="mon-fri", hours="09:00-17:00", timezone=LONDON)
    line = Timeline(calendar, dt.datetime(2026, 7, 6))  # Monday 00:00 UTC = 01:00 BST
    assert line.next_open(0.0) == 8.0
    assert line.at(8.0) == dt.datetime(2026, 7, 6, 8, 0)  # naive in, naive UTC out


def test_holidays_are_local_dates_of_the_calendars_zone():
    calendar = Calendar(days="daily", hours="09:00-17:00", timezone="Asia/Kolkata",
                        holidays=[dt.date(2026, 7, 7)])
    line = Timeline(calendar, dt.datetime(2026, 7, 6, 20, 0))  # 01:30 on the 7th in Kolkata
    # the 7th is off in Kolkata: next opening the 8th 09:00 IST = 03:30 UTC
    assert line.next_open(0.0) == 24 + 7.5


def test_a_fixed_offset_zone_shifts_the_hours_and_nothing_else():
    calendar = Calendar(days="mon-fri", hours="09:00-17:00", timezone="Asia/Kolkata")
    line = Timeline(calendar, dt.datetime(2026, 1, 5))  # Monday 00:00 UTC = 05:30 IST
    assert line.next_open(0.0) == 3.5
    assert line.worked(0.0, 24.0 * 7) == 40


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Europe/"])
def test_an_unknown_zone_is_refused_with_advice(name):
    with pytest.raises(ValidationError) as caught:
        Calendar(timezone=name)
    assert "unknown time zone" in str(caught.value)
    assert "IANA" in str(caught.value)


def test_time_zones_round_trip_and_old_files_write_none():
    from laneforge.io import process_from_data
    from laneforge.io.lanejson import dumps

    data = {"format": "laneforge/process", "version": 1, "name": "zones",
            "simulation": {"timezone": "America/New_York"},
            "calendars": {"emea": {"days": "mon-fri", "hours": "22:00-06:00",
                                   "timezone": LONDON}},
            "lanes": [], "nodes": [], "edges": []}
    process = process_from_data(data)
    assert process.simulation.timezone == "America/New_York"
    assert process.calendars["emea"].timezone == LONDON
    text = dumps(process)
    assert process_from_data(json.loads(text)) == process
    assert json.loads(text)["calendars"]["emea"]["timezone"] == LONDON
    plain = dict(data, simulation={}, calendars={"office": {"hours": "09:00-17:00"}})
    assert "timezone" not in dumps(process_from_data(plain))


def test_a_calendar_that_never_closes_has_no_next_opening():
    calendar = Calendar(days="daily", hours="00:00-12:00,12:00-24:00")
    line = Timeline(calendar, at(0, 0))
    assert line.is_open(1000.0)
    assert line.next_start_after(5.0) == math.inf


def test_a_job_within_the_tie_of_closing_time_ends_at_closing():
    line = Timeline(OFFICE, at(0, 0))
    assert line.add(9.0, 8.0 + TIE / 2) == 17.0
    assert line.add(9.0, 8.0 + 4 * TIE) == pytest.approx(24 + 9 + 4 * TIE, abs=1e-12)
    # an origin whose interval ends are not binary fractions: the sums carry rounding, and
    # a job of exactly one day's hours still ends that day, not a week later
    tuesdays = Timeline(Calendar(days="tue", hours="00:00-12:00"), dt.datetime(2025, 12, 3, 16, 14))
    starts, ends, _ = tuesdays.tables
    assert tuesdays.add(0.0, 12.0) == ends[0]
    assert tuesdays.add(starts[0], 12.0) == ends[0]
    assert tuesdays.add(0.0, 1e-12) == pytest.approx(starts[0])  # not the previous closing
