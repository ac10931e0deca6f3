"""Occurrences of events and their French wording: exact strings, as readers will see them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from communs.records.dates import (
    Occurrence,
    PickedRecurrence,
    compose_rule,
    describe_recurrence,
    format_day,
    format_time,
    format_when,
    is_upcoming,
    iso,
    machine_range,
    next_occurrence,
    occurrences,
    picked_from_rule,
)
from communs.records.rules import parse_moment

EVENTS = Path(__file__).resolve().parents[2] / "content" / "events"
REUNION = timezone(timedelta(hours=4))
PARIS_WINTER = timezone(timedelta(hours=1))


def at(text: str) -> datetime:
    moment = parse_moment(text)
    assert isinstance(moment, datetime)
    return moment


def event(start: str, end: str | None = None, recurrence: str | None = None) -> dict[str, str]:
    record = {"id": "test", "start": start}
    if end is not None:
        record["end"] = end
    if recurrence is not None:
        record["recurrence"] = recurrence
    return record


def starts(found: list[Occurrence]) -> list[str]:
    return [iso(occurrence.start) for occurrence in found]


# Days and times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "options", "expected"),
    [
        (date(2026, 12, 20), {}, "dimanche 20 décembre 2026"),
        (date(2026, 12, 19), {}, "samedi 19 décembre 2026"),
        (date(2027, 5, 1), {}, "samedi 1er mai 2027"),
        (date(2027, 8, 11), {}, "mercredi 11 août 2027"),
        (date(2027, 12, 31), {"weekday": False}, "31 décembre 2027"),
        (date(2027, 5, 1), {"weekday": False}, "1er mai 2027"),
        (date(2027, 2, 1), {"year": False}, "lundi 1er février"),
        (datetime(2027, 2, 1, 23, 30, tzinfo=REUNION), {}, "lundi 1er février 2027"),
    ],
)
def test_format_day(day, options, expected):
    assert format_day(day, **options) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-20T18:00:00+04:00", "18 h"),
        ("2026-12-20T18:30:00+04:00", "18 h 30"),
        ("2026-12-20T00:15:00+04:00", "0 h 15"),
        ("2026-12-20T09:05:00+04:00", "9 h 05"),
        ("2026-12-20T00:00:00+04:00", "0 h"),
    ],
)
def test_format_time(moment, expected):
    assert format_time(at(moment)) == expected


def test_times_stay_in_the_event_offset():
    # 18 h in La Réunion is 15 h in Paris and 14 h UTC: the page says 18 h, whatever the server.
    assert format_time(at("2026-12-20T18:00:00+04:00")) == "18 h"
    assert format_time(at("2026-12-20T18:00:00-10:00")) == "18 h"


# When an occurrence takes place -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-12-20T18:00:00+04:00", "2026-12-20T23:00:00+04:00", "dimanche 20 décembre 2026, 18 h – 23 h"),
        ("2026-12-19T18:30:00+04:00", "2026-12-19T23:45:00+04:00", "samedi 19 décembre 2026, 18 h 30 – 23 h 45"),
        # After midnight, the next day: still one evening.
        ("2026-12-19T22:00:00+04:00", "2026-12-20T02:00:00+04:00", "samedi 19 décembre 2026, 22 h – 2 h"),
        ("2026-12-19T20:00:00+04:00", "2026-12-20T00:00:00+04:00", "samedi 19 décembre 2026, 20 h – 0 h"),
        ("2027-04-30T21:00:00+04:00", "2027-05-01T04:30:00+04:00", "vendredi 30 avril 2027, 21 h – 4 h 30"),
        # Several days.
        ("2027-06-25T19:00:00+04:00", "2027-06-27T23:00:00+04:00", "du vendredi 25 juin 2027, 19 h au dimanche 27 juin 2027, 23 h"),
        ("2027-06-25T19:00:00+04:00", "2027-06-26T10:00:00+04:00", "du vendredi 25 juin 2027, 19 h au samedi 26 juin 2027, 10 h"),
        ("2027-12-31T20:00:00+04:00", "2028-01-02T01:00:00+04:00", "du vendredi 31 décembre 2027, 20 h au dimanche 2 janvier 2028, 1 h"),
        # No end: a moment.
        ("2026-12-20T18:00:00+04:00", None, "dimanche 20 décembre 2026, 18 h"),
        # All day.
        ("2026-12-20", None, "dimanche 20 décembre 2026"),
        ("2026-12-20", "2026-12-20", "dimanche 20 décembre 2026"),
        ("2027-05-14", "2027-05-16", "du vendredi 14 au dimanche 16 mai 2027"),
        ("2027-05-01", "2027-05-02", "du samedi 1er au dimanche 2 mai 2027"),
        ("2027-06-28", "2027-07-02", "du lundi 28 juin au vendredi 2 juillet 2027"),
        ("2027-04-30", "2027-05-01", "du vendredi 30 avril au samedi 1er mai 2027"),
        ("2027-12-30", "2028-01-02", "du jeudi 30 décembre 2027 au dimanche 2 janvier 2028"),
    ],
)
def test_format_when(start, end, expected):
    (occurrence,) = occurrences(event(start, end))
    assert format_when(occurrence) == expected


def test_occurrence_days():
    night = Occurrence(at("2026-12-19T22:00:00+04:00"), at("2026-12-20T02:00:00+04:00"))
    assert (night.first_day, night.last_day) == (date(2026, 12, 19), date(2026, 12, 20))
    # Ending at midnight sharp is ending the evening before.
    evening = Occurrence(at("2026-12-19T20:00:00+04:00"), at("2026-12-20T00:00:00+04:00"))
    assert evening.last_day == date(2026, 12, 19)
    festival = Occurrence(date(2027, 5, 14), date(2027, 5, 16))
    assert (festival.first_day, festival.last_day, festival.all_day) == (date(2027, 5, 14), date(2027, 5, 16), True)
    # Days are read in the event's own offset, not in UTC (where 2 h here is still the 19th).
    early = Occurrence(at("2026-12-20T02:00:00+04:00"), at("2026-12-20T03:00:00+04:00"))
    assert early.first_day == date(2026, 12, 20)


def test_machine_range():
    (timed,) = occurrences(event("2026-12-20T18:00:00+04:00", "2026-12-20T23:00:00+04:00"))
    assert machine_range(timed) == ("2026-12-20T18:00:00+04:00", "2026-12-20T23:00:00+04:00")
    (festival,) = occurrences(event("2027-05-14", "2027-05-16"))
    assert machine_range(festival) == ("2027-05-14", "2027-05-16")
    (moment,) = occurrences(event("2027-05-14T10:00:00+04:00"))
    assert machine_range(moment) == ("2027-05-14T10:00:00+04:00", "2027-05-14T10:00:00+04:00")


# Occurrences ------------------------------------------------------------------------------------


def test_single_event():
    found = occurrences(event("2026-12-20T18:00:00+04:00", "2026-12-20T23:00:00+04:00"))
    assert found == [Occurrence(at("2026-12-20T18:00:00+04:00"), at("2026-12-20T23:00:00+04:00"))]


def test_single_event_in_a_window():
    festival = event("2027-05-14", "2027-05-16")
    assert occurrences(festival, start=date(2027, 5, 16)) != []
    assert occurrences(festival, end=date(2027, 5, 14)) != []
    assert occurrences(festival, start=date(2027, 5, 15), end=date(2027, 5, 15)) != []
    assert occurrences(festival, start=date(2027, 5, 17)) == []
    assert occurrences(festival, end=date(2027, 5, 13)) == []


def test_missing_or_incoherent_end_reads_as_a_moment():
    assert occurrences(event("2027-05-14"))[0].end == date(2027, 5, 14)
    # The validator reports these; the site must still build.
    assert occurrences(event("2027-05-14", "2027-05-12"))[0].end == date(2027, 5, 14)
    assert occurrences(event("2027-05-14", "2027-05-16T10:00:00+04:00"))[0].end == date(2027, 5, 14)


def test_no_valid_start_no_occurrence():
    assert occurrences({"id": "x"}) == []
    assert occurrences(event("2027-02-30")) == []
    assert occurrences(event("2027-05-14T10:00:00")) == []  # no offset


def test_dates_already_read_by_yaml():
    record = yaml.safe_load("start: 2027-05-14\nend: 2027-05-16\n")
    assert occurrences(record) == [Occurrence(date(2027, 5, 14), date(2027, 5, 16))]


def test_weekly_until_is_inclusive():
    market = event("2027-12-04T06:30:00+04:00", "2027-12-04T12:00:00+04:00", "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271225")
    found = occurrences(market)
    assert starts(found) == [
        "2027-12-04T06:30:00+04:00",
        "2027-12-11T06:30:00+04:00",
        "2027-12-18T06:30:00+04:00",
        "2027-12-25T06:30:00+04:00",
    ]
    assert [iso(o.end) for o in found][-1] == "2027-12-25T12:00:00+04:00"


def test_until_with_a_utc_time_is_an_instant_as_in_rfc_5545():
    """The site agrees with the iCalendar feeds: 25 Dec 00:00 UTC is 04:00 in La Réunion, before
    that day's 18:00 occurrence; without "Z" the time is read on the event's own clock."""
    found = occurrences(event("2027-12-04T18:00:00+04:00", None, "FREQ=WEEKLY;UNTIL=20271225T000000Z"))
    assert starts(found)[-1] == "2027-12-18T18:00:00+04:00"
    found = occurrences(event("2027-12-04T18:00:00+04:00", None, "FREQ=WEEKLY;UNTIL=20271225T180000"))
    assert starts(found)[-1] == "2027-12-25T18:00:00+04:00"
    assert describe_recurrence("FREQ=WEEKLY;UNTIL=20271225T180000Z", datetime.fromisoformat("2027-12-04T18:00:00+04:00")).endswith("jusqu'au 25 décembre 2027")


def test_count_includes_the_first():
    found = occurrences(event("2027-05-29T08:00:00+04:00", "2027-05-29T12:00:00+04:00", "FREQ=WEEKLY;BYDAY=SA;COUNT=6"))
    assert len(found) == 6
    assert format_when(found[-1]) == "samedi 3 juillet 2027, 8 h – 12 h"


def test_daily_interval_two():
    found = occurrences(event("2027-01-30", None, "FREQ=DAILY;INTERVAL=2;COUNT=3"))
    assert [o.start for o in found] == [date(2027, 1, 30), date(2027, 2, 1), date(2027, 2, 3)]


def test_weekly_several_days_every_other_week():
    found = occurrences(event("2027-03-02T18:00:00+04:00", "2027-03-02T20:00:00+04:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=5"))
    assert [o.first_day.isoformat() for o in found] == ["2027-03-02", "2027-03-04", "2027-03-16", "2027-03-18", "2027-03-30"]


def test_monthly_first_sunday():
    found = occurrences(event("2027-01-03T15:00:00+04:00", "2027-01-03T19:00:00+04:00", "FREQ=MONTHLY;BYDAY=1SU;COUNT=10"))
    assert [o.first_day.isoformat() for o in found][:4] == ["2027-01-03", "2027-02-07", "2027-03-07", "2027-04-04"]
    assert format_when(found[-1]) == "dimanche 3 octobre 2027, 15 h – 19 h"


def test_monthly_last_friday():
    found = occurrences(event("2027-01-29T18:00:00+04:00", None, "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"))
    assert [o.first_day.isoformat() for o in found] == ["2027-01-29", "2027-02-26", "2027-03-26"]


def test_monthly_by_month_day_skips_short_months():
    found = occurrences(event("2027-01-31", None, "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3"))
    assert [o.start for o in found] == [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31)]
    found = occurrences(event("2027-01-15", None, "FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20270415"))
    assert [o.start.month for o in found] == [1, 2, 3, 4]


def test_start_off_the_rule_is_still_the_first_and_counts():
    # RFC 5545: the start is the first instance even when the rule would not produce it.
    found = occurrences(event("2027-01-05", None, "FREQ=MONTHLY;BYDAY=1SU;COUNT=3"))
    assert [o.start for o in found] == [date(2027, 1, 5), date(2027, 2, 7), date(2027, 3, 7)]


def test_each_occurrence_lasts_as_long_as_the_first():
    all_days = occurrences(event("2027-05-14", "2027-05-16", "FREQ=MONTHLY;BYDAY=2FR;COUNT=2"))
    assert all_days[1] == Occurrence(date(2027, 6, 11), date(2027, 6, 13))
    nights = occurrences(event("2027-05-14T22:00:00+04:00", "2027-05-15T02:00:00+04:00", "FREQ=WEEKLY;COUNT=2"))
    assert format_when(nights[1]) == "vendredi 21 mai 2027, 22 h – 2 h"


def test_window_and_limit():
    market = event("2026-09-05T06:30:00+04:00", "2026-09-05T12:00:00+04:00", "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231")
    assert len(occurrences(market)) == 69
    december = occurrences(market, start=date(2026, 12, 1), end=date(2026, 12, 31))
    assert [o.first_day.day for o in december] == [5, 12, 19, 26]
    assert len(occurrences(market, start=date(2026, 12, 1), limit=2)) == 2
    assert occurrences(market, start=date(2028, 1, 1)) == []
    assert occurrences(market, limit=0) == []


def test_a_rule_without_end_stops_at_the_limit():
    forever = event("2026-09-01", None, "FREQ=DAILY")
    assert len(occurrences(forever)) == 366
    assert len(occurrences(forever, limit=10)) == 10
    assert starts(occurrences(forever, start=date(2030, 1, 1), limit=1)) == ["2030-01-01"]
    assert len(occurrences(forever, end=date(2026, 9, 30), limit=10_000)) == 30


def test_an_occurrence_overlapping_the_window_start_is_kept():
    festival = event("2027-05-14", "2027-05-16", "FREQ=MONTHLY;BYDAY=2FR;COUNT=3")
    found = occurrences(festival, start=date(2027, 6, 13))
    assert [o.first_day for o in found] == [date(2027, 6, 11), date(2027, 7, 9)]


def test_offsets_without_daylight_saving_time():
    found = occurrences(event("2027-03-20T19:00:00+04:00", None, "FREQ=WEEKLY;COUNT=3"))
    assert starts(found) == ["2027-03-20T19:00:00+04:00", "2027-03-27T19:00:00+04:00", "2027-04-03T19:00:00+04:00"]


def test_paris_across_the_change_to_summer_time_keeps_the_wall_clock():
    # Paris moves to +02:00 on 28 March 2027. The record says +01:00 and cannot say "Europe/Paris":
    # occurrences keep 19 h and the written offset, so the page reads as the organiser wrote it.
    found = occurrences(event("2027-03-17T19:00:00+01:00", "2027-03-17T21:00:00+01:00", "FREQ=WEEKLY;UNTIL=20270414"))
    assert starts(found) == [
        "2027-03-17T19:00:00+01:00",
        "2027-03-24T19:00:00+01:00",
        "2027-03-31T19:00:00+01:00",
        "2027-04-07T19:00:00+01:00",
        "2027-04-14T19:00:00+01:00",
    ]
    assert all(o.start.utcoffset() == PARIS_WINTER.utcoffset(None) for o in found)
    assert format_when(found[-1]) == "mercredi 14 avril 2027, 19 h – 21 h"
    summer = occurrences(event("2027-04-07T19:00:00+02:00", None, "FREQ=WEEKLY;COUNT=2"))
    assert starts(summer) == ["2027-04-07T19:00:00+02:00", "2027-04-14T19:00:00+02:00"]


# Upcoming ---------------------------------------------------------------------------------------


def test_next_occurrence_of_a_single_event():
    kabar = event("2026-12-20T18:00:00+04:00", "2026-12-20T23:00:00+04:00")
    assert next_occurrence(kabar, date(2026, 12, 1)) == occurrences(kabar)[0]
    assert next_occurrence(kabar, date(2026, 12, 20)) == occurrences(kabar)[0]  # today
    assert next_occurrence(kabar, date(2026, 12, 21)) is None
    assert is_upcoming(kabar, date(2026, 12, 20))
    assert not is_upcoming(kabar, date(2026, 12, 21))


def test_a_festival_is_upcoming_until_its_last_day():
    festival = event("2027-05-14", "2027-05-16")
    assert is_upcoming(festival, date(2027, 5, 1))
    assert is_upcoming(festival, date(2027, 5, 15))
    assert is_upcoming(festival, date(2027, 5, 16))
    assert not is_upcoming(festival, date(2027, 5, 17))


def test_a_night_is_upcoming_until_it_ends():
    night = event("2026-12-19T22:00:00+04:00", "2026-12-20T02:00:00+04:00")
    assert is_upcoming(night, date(2026, 12, 20))
    assert not is_upcoming(night, date(2026, 12, 21))


def test_next_occurrence_of_a_recurring_event():
    kabar = event("2027-01-03T15:00:00+04:00", "2027-01-03T19:00:00+04:00", "FREQ=MONTHLY;BYDAY=1SU;COUNT=10")
    assert format_when(next_occurrence(kabar, date(2026, 6, 1))) == "dimanche 3 janvier 2027, 15 h – 19 h"
    assert format_when(next_occurrence(kabar, date(2027, 3, 8))) == "dimanche 4 avril 2027, 15 h – 19 h"
    assert format_when(next_occurrence(kabar, date(2027, 4, 4))) == "dimanche 4 avril 2027, 15 h – 19 h"
    assert next_occurrence(kabar, date(2027, 10, 4)) is None
    assert not is_upcoming(kabar, date(2027, 10, 4))


# Recurrence in words ----------------------------------------------------------------------------

SATURDAY = date(2026, 12, 19)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=SA", "chaque samedi"),
        ("FREQ=WEEKLY", "chaque samedi"),  # the weekday of the first occurrence
        ("FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231", "chaque samedi, jusqu'au 31 décembre 2027"),
        ("FREQ=WEEKLY;UNTIL=20270501", "chaque samedi, jusqu'au 1er mai 2027"),
        ("FREQ=WEEKLY;BYDAY=SA;COUNT=6", "chaque samedi, 6 fois"),
        ("FREQ=WEEKLY;BYDAY=TU,TH", "chaque semaine, le mardi et le jeudi"),
        ("FREQ=WEEKLY;BYDAY=TH,TU", "chaque semaine, le mardi et le jeudi"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "toutes les deux semaines, le mardi et le jeudi"),
        ("FREQ=WEEKLY;INTERVAL=2", "toutes les deux semaines, le samedi"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "chaque semaine, le lundi, le mercredi et le vendredi"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "chaque semaine, du lundi au vendredi"),
        ("FREQ=DAILY", "chaque jour"),
        ("FREQ=DAILY;INTERVAL=2", "tous les deux jours"),
        ("FREQ=DAILY;INTERVAL=12", "tous les 12 jours"),
        ("FREQ=DAILY;COUNT=3", "chaque jour, 3 fois"),
        ("FREQ=DAILY;BYDAY=SA,SU", "chaque semaine, le samedi et le dimanche"),
        ("FREQ=MONTHLY;BYDAY=1SU", "le premier dimanche de chaque mois"),
        ("FREQ=MONTHLY;BYDAY=1SU;COUNT=10", "le premier dimanche de chaque mois, 10 fois"),
        ("FREQ=MONTHLY;BYDAY=2SA;COUNT=12", "le deuxième samedi de chaque mois, 12 fois"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "le dernier vendredi de chaque mois"),
        ("FREQ=MONTHLY;BYDAY=-2FR", "l'avant-dernier vendredi de chaque mois"),
        ("FREQ=MONTHLY;BYDAY=+3WE", "le troisième mercredi de chaque mois"),
        ("FREQ=MONTHLY;BYDAY=1SA,3SA", "le premier et le troisième samedi de chaque mois"),
        ("FREQ=MONTHLY;BYDAY=1SA,-1SU", "le premier samedi et le dernier dimanche de chaque mois"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=4TH", "tous les deux mois, le quatrième jeudi"),
        ("FREQ=MONTHLY;BYDAY=SA", "chaque samedi"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=SA", "tous les deux mois, chaque samedi"),
        ("FREQ=MONTHLY;BYDAY=1SU,SA", "chaque mois, le premier dimanche et chaque samedi"),
        ("FREQ=MONTHLY;BYDAY=-3FR", "le troisième vendredi en partant de la fin de chaque mois"),
        ("FREQ=MONTHLY;BYMONTHDAY=-2", "chaque mois, l'avant-dernier jour"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "chaque mois, le 15"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", "chaque mois, le 1er"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "chaque mois, le 1er et le 15"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "chaque mois, le dernier jour"),
        ("FREQ=MONTHLY", "chaque mois, le 19"),  # the day of the first occurrence
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=5;UNTIL=20280105", "tous les trois mois, le 5, jusqu'au 5 janvier 2028"),
        ("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "chaque mois, le 13 s'il tombe un vendredi"),
    ],
)
def test_describe_recurrence(rule, expected):
    assert describe_recurrence(rule, SATURDAY) == expected


def test_describe_recurrence_of_a_timed_first_occurrence():
    assert describe_recurrence("FREQ=WEEKLY", at("2027-01-03T15:00:00+04:00")) == "chaque dimanche"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY",
        "BYDAY=SA",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;UNTIL=2027",
        "FREQ=WEEKLY;UNTIL=20270230",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;COUNT",
    ],
)
def test_unsupported_rules_are_refused(rule):
    with pytest.raises(ValueError):
        describe_recurrence(rule, SATURDAY)
    with pytest.raises(ValueError):
        occurrences(event("2026-12-19", None, rule))


# The real records -------------------------------------------------------------------------------


def test_every_event_of_the_directory_reads_well():
    paths = sorted(EVENTS.glob("*/*.yml"))
    assert paths
    for path in paths:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = occurrences(record)
        assert found, path
        for occurrence in found:
            text = format_when(occurrence)
            assert text and "None" not in text, path
            assert all(machine_range(occurrence)), path
        if record.get("recurrence"):
            assert describe_recurrence(record["recurrence"], found[0].start), path


# The form's recurrence picker --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("picked", "rule"),
    [
        (PickedRecurrence("WEEKLY"), "FREQ=WEEKLY;BYDAY=SA"),  # the start's weekday
        (PickedRecurrence("WEEKLY", weekdays=("SU", "SA")), "FREQ=WEEKLY;BYDAY=SA,SU"),
        (PickedRecurrence("WEEKLY", interval=2, until=date(2027, 12, 31)), "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;UNTIL=20271231"),
        (PickedRecurrence("MONTHLY"), "FREQ=MONTHLY;BYMONTHDAY=12"),
        (PickedRecurrence("MONTHLY", monthly="weekday", count=10), "FREQ=MONTHLY;BYDAY=2SA;COUNT=10"),
        (PickedRecurrence("MONTHLY", monthly="last-weekday"), "FREQ=MONTHLY;BYDAY=-1SA"),
        (PickedRecurrence("DAILY", count=3), "FREQ=DAILY;COUNT=3"),
        (PickedRecurrence(""), ""),
    ],
)
def test_the_picker_writes_the_rule_and_reads_it_back(picked, rule):
    second_saturday = date(2026, 12, 12)
    assert compose_rule(picked, second_saturday) == rule
    if rule:
        assert compose_rule(picked_from_rule(rule, second_saturday), second_saturday) == rule
        assert describe_recurrence(rule, second_saturday)  # the site can say it


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=MONTHLY;BYDAY=1SU", "FREQ=WEEKLY;UNTIL=20271231T235959Z", "FREQ=YEARLY"])
def test_rules_the_picker_cannot_show_are_left_to_the_text_field(rule):
    assert picked_from_rule(rule, date(2026, 12, 12)) is None
