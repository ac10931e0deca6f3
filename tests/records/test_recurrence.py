"""One parse of a record's recurrence, one value: every output derives from it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import icalendar
import pytest

from communs.records.dates import describe_recurrence, occurrences, same_rule
from communs.records.recurrence import Recurrence, RecurrenceError
from communs.records.rules import parse_moment, rrule_problems
from communs.site import jsonld

REUNION = timezone(timedelta(hours=4))


def test_a_rule_reads_into_one_value():
    rule = Recurrence.parse("FREQ=MONTHLY;INTERVAL=2;BYDAY=+1SU,-1FR;UNTIL=20271231T200000Z")
    assert rule == Recurrence(
        "MONTHLY", 2, ((1, 6), (-1, 4)), (), datetime(2027, 12, 31, 20, tzinfo=timezone.utc), None
    )
    assert rule.text == "FREQ=MONTHLY;INTERVAL=2;BYDAY=1SU,-1FR;UNTIL=20271231T200000Z"
    # Two ways of writing the same rule are the same value.
    assert Recurrence.parse("FREQ=WEEKLY;INTERVAL=1;BYDAY=SA") == Recurrence.parse("FREQ=WEEKLY;BYDAY=SA")
    assert Recurrence.parse("BYDAY=SA;FREQ=WEEKLY").text == "FREQ=WEEKLY;BYDAY=SA"


def test_an_invalid_rule_is_refused_once_with_the_validators_words():
    """The validator used to accept an UNTIL whose time does not exist, and the occurrences then
    crashed; now the same reading refuses it, everywhere, with the same French message."""
    rule = "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231T250000"
    reported = rrule_problems(rule, "2027-01-02T09:00:00+04:00")
    assert reported == [("rrule-invalid", "UNTIL est une date sans tirets, AAAAMMJJ (UNTIL=20271231 pour le 31 décembre 2027).")]
    with pytest.raises(RecurrenceError) as refused:
        Recurrence.parse(rule)
    assert refused.value.problems == reported
    with pytest.raises(ValueError, match="AAAAMMJJ"):
        occurrences({"start": "2027-01-02T09:00:00+04:00", "recurrence": rule})
    with pytest.raises(ValueError, match="AAAAMMJJ"):
        describe_recurrence(rule, date(2027, 1, 2))


def test_every_problem_of_a_rule_is_reported_at_once():
    found = rrule_problems("FREQ=WEEKLY;INTERVAL=0;BYDAY=1SA;COUNT=2000", "2027-01-02")
    assert [message.split(" ")[0] for _code, message in found] == ["INTERVAL", "Un", "COUNT"]


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;BYDAY=6SA", "FREQ=MONTHLY;BYDAY=0SU", "FREQ=MONTHLY;BYDAY=+SA"])
def test_ranks_outside_the_subset_are_not_days(rule):
    """icalendar reads ranks up to 53; the subset stops at 5 (a month has no sixth Saturday)."""
    (found,) = rrule_problems(rule)
    assert found[0] == "rrule-invalid" and "n'est pas un jour" in found[1]


def test_a_utc_until_ends_on_the_same_day_for_every_output():
    """UNTIL in UTC on a late-night series: the old JSON-LD took the UTC date (31 December) while
    the occurrences and the French wording read it in the event's offset (1 January, 2 h)."""
    data = {"start": "2026-12-30T01:00:00+04:00", "end": "2026-12-30T02:00:00+04:00", "recurrence": "FREQ=DAILY;UNTIL=20261231T220000Z"}
    found = occurrences(data)
    assert [o.first_day for o in found] == [date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1)]
    schedule = jsonld._schedule(data, "Indian/Reunion")
    assert schedule is not None and schedule["endDate"] == "2027-01-01"
    assert describe_recurrence(data["recurrence"], parse_moment(data["start"])) == "chaque jour, jusqu'au 1er janvier 2027"
    ics = Recurrence.parse(data["recurrence"]).ical(parse_moment(data["start"])).to_ical()
    assert ics == b"FREQ=DAILY;UNTIL=20261231T220000Z"


def test_a_ranked_day_written_with_a_plus_is_the_same_day_in_every_output():
    data = {"start": "2027-01-03T15:00:00+04:00", "recurrence": "FREQ=MONTHLY;BYDAY=+1SU;COUNT=3"}
    start = parse_moment(data["start"])
    assert [o.first_day for o in occurrences(data)] == [date(2027, 1, 3), date(2027, 2, 7), date(2027, 3, 7)]
    assert Recurrence.parse(data["recurrence"]).ical(start).to_ical() == b"FREQ=MONTHLY;COUNT=3;BYDAY=1SU"
    assert jsonld._schedule(data)["byDay"] == ["1SU"]  # type: ignore[index]
    assert describe_recurrence(data["recurrence"], start) == "le premier dimanche de chaque mois, 3 fois"
    assert same_rule(data["recurrence"], "FREQ=MONTHLY;BYDAY=1SU;COUNT=3", start)


@pytest.mark.parametrize(
    ("rule", "start", "ics"),
    [
        ("FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231", "2026-09-05T06:30:00+04:00", b"FREQ=WEEKLY;UNTIL=20271231T195959Z;BYDAY=SA"),
        ("FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231", "2026-09-05", b"FREQ=WEEKLY;UNTIL=20271231;BYDAY=SA"),
        ("FREQ=WEEKLY;UNTIL=20271231T120000Z", "2026-09-05", b"FREQ=WEEKLY;UNTIL=20271231"),
        ("FREQ=DAILY;UNTIL=20270110T090000", "2027-01-02T09:00:00+04:00", b"FREQ=DAILY;UNTIL=20270110T050000Z"),
    ],
)
def test_the_ics_rule_has_the_until_rfc_5545_demands(rule, start, ics):
    assert Recurrence.parse(rule).ical(parse_moment(start)).to_ical() == ics


@pytest.mark.parametrize(
    ("written", "start", "ours"),
    [
        ("FREQ=WEEKLY;WKST=MO;BYDAY=SA;UNTIL=20271231T195959Z", datetime(2026, 9, 5, 6, 30, tzinfo=REUNION), "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231T195959Z"),
        ("FREQ=WEEKLY;UNTIL=20271231T195959Z", date(2026, 9, 5), "FREQ=WEEKLY;UNTIL=20271231"),
        ("FREQ=DAILY;UNTIL=20270110T090000", datetime(2027, 1, 2, 9, tzinfo=REUNION), "FREQ=DAILY;UNTIL=20270110T090000"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,-1;INTERVAL=2;COUNT=4", date(2027, 1, 1), "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1,-1;COUNT=4"),
    ],
)
def test_an_imported_rule_becomes_our_string(written, start, ours):
    parsed, dropped = Recurrence.from_ical(icalendar.vRecur.from_ical(written), start)
    assert parsed is not None and parsed.text == ours and dropped == ""


@pytest.mark.parametrize(
    ("written", "why"),
    [("FREQ=YEARLY;BYMONTH=4", "FREQ=YEARLY;BYMONTH=4"), ("FREQ=WEEKLY;COUNT=5000", "FREQ=WEEKLY;COUNT=5000"),
     ("FREQ=WEEKLY;BYSETPOS=1", "FREQ=WEEKLY;BYSETPOS=1")],
)
def test_an_imported_rule_outside_the_subset_is_dropped_as_written(written, why):
    assert Recurrence.from_ical(icalendar.vRecur.from_ical(written), date(2027, 1, 1)) == (None, why)


@pytest.mark.parametrize(
    ("rule", "start"),
    [("FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231", "2026-09-05T06:30:00+04:00"), ("FREQ=MONTHLY;BYDAY=2SA;COUNT=12", "2026-10-10"),
     ("FREQ=MONTHLY;BYDAY=1SU;COUNT=10", "2027-01-03T15:00:00+04:00"), ("FREQ=DAILY;INTERVAL=3;UNTIL=20270301", "2027-01-01")],
)
def test_our_ics_read_back_gives_the_same_occurrences(rule, start):
    """The exported RRULE, imported again, is a rule with the same occurrences."""
    first = parse_moment(start)
    again, _dropped = Recurrence.from_ical(Recurrence.parse(rule).ical(first), first)
    assert again is not None
    assert occurrences({"start": start, "recurrence": again.text}) == occurrences({"start": start, "recurrence": rule})
