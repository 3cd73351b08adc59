"""The roster of a lane: shifts per weekday, read from the file and as a weekly step function."""

from __future__ import annotations

import json

import pytest

from laneforge.io.lanejson import ProcessFileError, dumps, load_process, loads
from laneforge.model.roster import roster_peak, roster_person_hours, roster_steps


def _with_roster(roster: object) -> str:
    data = json.loads(dumps(load_process("processes/lead-lifecycle.lane.json")))
    data["lanes"][0]["roster"] = roster
    return json.dumps(data)


def test_overlapping_shifts_add_up_and_night_shifts_wrap_the_week() -> None:
    roster = {"mon": {"08:00-16:00": 3, "12:00-16:00": 1}, "sun": {"22:00-06:00": 2}}
    lane = loads(_with_roster(roster)).lanes[0]
    assert lane.roster == roster
    sunday_22 = 6 * 1440 + 22 * 60
    assert roster_steps(roster) == [
        (0, 2), (360, 0), (480, 3), (720, 4), (960, 0), (sunday_22, 2)]
    assert roster_peak(roster) == 4
    assert roster_person_hours(roster) == 8 * 3 + 4 * 1 + 8 * 2


def test_a_file_without_a_roster_writes_none() -> None:
    assert '"roster"' not in dumps(load_process("processes/lead-lifecycle.lane.json"))
    assert '"roster"' in dumps(loads(_with_roster({"tue": {"09:00-17:00": 2}})))


@pytest.mark.parametrize(
    ("roster", "field", "words"),
    [
        ({"mon": {"08:00-16:00": -3}}, "lanes[0].roster", "-3 people"),
        ({"mon": {"08:00-16:00": "3"}}, "lanes[0].roster.mon.08:00-16:00", "whole number"),
        ({"monday": {"08:00-16:00": 3}}, "lanes[0].roster", "unknown weekday"),
        ({"mon": {"08:00-12:00,13:00-17:00": 3}}, "lanes[0].roster", "one span per shift"),
        ({"mon": {"8-16": 3}}, "lanes[0].roster", "HH:MM"),
    ],
)
def test_a_bad_roster_is_one_message_naming_the_field(
    roster: object, field: str, words: str
) -> None:
    with pytest.raises(ProcessFileError) as caught:
        loads(_with_roster(roster), path="team.lane.json")
    message = str(caught.value)
    assert message.startswith("team.lane.json: ")
    assert field in message and words in message
