"""records.hours: the weekly schedule an OpenStreetMap opening_hours value describes, and whether
that schedule is all it says (the JSON-LD and GoGoCarto exports read both)."""

from __future__ import annotations

import pytest

from communs.records import hours

CLOSED = ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mo-Fr 08:00-12:00,13:30-16:30", [(("08:00", "12:00"), ("13:30", "16:30"))] * 5 + [CLOSED] * 2),
        # A later rule overrides the days it names; the days are written Monday first.
        ("Sa 09:00-12:00; Mo-Fr 09:00-17:00; We 09:00-12:00",
         [(("09:00", "17:00"),), (("09:00", "17:00"),), (("09:00", "12:00"),), (("09:00", "17:00"),), (("09:00", "17:00"),), (("09:00", "12:00"),), CLOSED]),
        # A range over midnight is cut at midnight, the end of the day written END_OF_DAY.
        ("Fr 22:00-02:00", [CLOSED] * 4 + [(("22:00", hours.END_OF_DAY),), (("00:00", "02:00"),), CLOSED]),
        ("24/7", [(("00:00", hours.END_OF_DAY),)] * 7),
        ("off", [CLOSED] * 7),
    ],
)
def test_weekly_hours(text, expected):
    assert hours.weekly_hours(text) == tuple(expected)


@pytest.mark.parametrize("text", [
    "Jan-Mar Mo 10:00-12:00", "week 1-53/2 Sa 09:00-12:00", "Mo-Fr 09:00-12:00 unknown",
    # A comment says what the times mean (opening-hours-py reads a bare comment as open 24/7).
    '"sur rendez-vous"', 'Mo-Fr 09:00-12:00 "sur rendez-vous"',
    "pas une expression", "",
])
def test_no_weekly_schedule_is_none_never_a_guess(text):
    assert hours.weekly_hours(text) is None
    assert hours.only_weekly(text) is False


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("Mo-Fr 08:00-12:00,13:30-16:30", True),
        ("Mo,Tu,Th,Fr 08:30-12:00; We 13:30-17:00", True),
        ("Sa 09:00-12:00; Mo-Fr 09:00-17:00", True),  # the same week written in another order
        ("24/7", True),
        ("Mo-Fr 09:00-17:00; PH off", False),  # the holidays are not in any week
    ],
)
def test_only_weekly_says_whether_the_week_is_all_the_value_says(text, complete):
    assert hours.weekly_hours(text) is not None
    assert hours.only_weekly(text) is complete
