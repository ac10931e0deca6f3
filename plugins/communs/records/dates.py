"""Dates of events: their occurrences, and how they read in French.

Records carry UTC offsets, not time zones (``2026-12-20T18:00:00+04:00``): a time is shown as
written, in its own offset, never converted to the server's zone. A recurring event keeps the
wall-clock time and the offset of its first occurrence. That is exact in La Réunion and wherever
clocks do not change; for a weekly event in Paris written "+01:00" that runs into April, every
occurrence still reads "19 h", as its organiser meant, but keeps "+01:00" in machine formats (one
hour off the true instant in summer): with an offset alone, nobody can tell which zone it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import chain, islice
from typing import Any

from babel.dates import format_date, get_day_names

from communs.i18n import _, ngettext
from communs.records.recurrence import FREQUENCIES, WEEKDAYS, Recurrence
from communs.records.rules import parse_moment

LOCALE = "fr"
# A timed event ending the next day at this hour or earlier is one evening ("22 h – 2 h").
NIGHT_ENDS = time(6, 0)


def _day(moment: date | datetime) -> date:
    """The calendar day of a moment, in its own offset."""
    return moment.date() if isinstance(moment, datetime) else moment


@dataclass(frozen=True, slots=True, repr=False)
class Occurrence:
    """One time an event takes place; ``end`` is of the same kind as ``start`` (inclusive last day
    for all-day events) and equals ``start`` when the record gives no end."""

    start: date | datetime
    end: date | datetime
    status: str = ""  # "cancelled" or "moved" for an exception of a series; "" otherwise
    note: str = ""  # why, in the record's words
    planned: date | None = None  # for a moved occurrence: the day the rule gave it

    def __repr__(self) -> str:  # written out: page keys hold many (the generated one is slower)
        return f"Occurrence({self.start!r}, {self.end!r}, {self.status!r}, {self.note!r}, {self.planned!r})"

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def first_day(self) -> date:
        return _day(self.start)

    @property
    def last_day(self) -> date:
        """The last day it is on: an end at midnight sharp belongs to the evening before."""
        if isinstance(self.end, datetime) and self.end > self.start and self.end.time() == time(0):
            return self.end.date() - timedelta(days=1)
        return _day(self.end)


def _moment(value: Any) -> date | datetime | None:
    """A record's date; YAML may have read an unquoted one as a date or datetime already."""
    if isinstance(value, str):
        return parse_moment(value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    return value if isinstance(value, date) else None


def _first(event: Mapping[str, Any]) -> Occurrence | None:
    start = _moment(event.get("start"))
    if start is None:
        return None
    end = _moment(event.get("end"))
    if end is None or isinstance(end, datetime) != isinstance(start, datetime) or end < start:
        end = start  # missing or incoherent (the validator says so): a moment rather than a range
    return Occurrence(start, end)


def _expand(first: Occurrence, rule: Recurrence) -> Iterator[Occurrence]:
    """Every occurrence, lazily: each lasts as long as the first and keeps its wall-clock time."""
    duration = first.end - first.start  # type: ignore[operator]  # same kinds, checked in _first
    timed = isinstance(first.start, datetime)
    if isinstance(first.start, datetime):
        dtstart = first.start
    else:
        dtstart = datetime.combine(first.start, time())
    recurrence = rule.rrule(dtstart)
    starts: Iterable[datetime] = recurrence
    if next(iter(recurrence), None) != dtstart:
        # RFC 5545: the start is the first instance, and counts towards COUNT, even off the rule.
        rest = islice(recurrence, rule.count - 1) if rule.count else recurrence
        starts = chain([dtstart], rest)
    for moment in starts:
        start = moment if timed else moment.date()
        yield Occurrence(start, start + duration)


def occurrences(
    event: Mapping[str, Any],
    *,
    start: date | None = None,
    end: date | None = None,
    limit: int = 366,
) -> list[Occurrence]:
    """The occurrences overlapping the days [start, end] (each bound optional), at most ``limit``:
    bounded so that a rule without end cannot run forever. No valid start: none."""
    first = _first(event)
    if first is None:
        return []
    rule = event.get("recurrence")
    recurring = isinstance(rule, str) and rule
    candidates = _expand(first, Recurrence.parse(rule)) if recurring else iter([first])
    changes = exceptions_of(event) if recurring else {}
    found: list[Occurrence] = []
    # A moved occurrence may land a little before or after its rule day: look a month further.
    horizon = end + timedelta(days=MAX_MOVE_DAYS) if end is not None and changes else end
    for occurrence in candidates:
        if len(found) >= limit + len(changes) or (horizon is not None and occurrence.first_day > horizon):
            break
        occurrence = _changed(occurrence, changes.get(occurrence.first_day))
        if occurrence is None:
            continue
        if (start is None or occurrence.last_day >= start) and (end is None or occurrence.first_day <= end):
            found.append(occurrence)
    if changes:
        found.sort(key=lambda o: (o.first_day, _sort_clock(o.start)))
    return found[:limit]


# How far a series' occurrence may be moved from its rule day.
MAX_MOVE_DAYS = 31


def exceptions_of(event: Mapping[str, Any]) -> dict[date, Mapping[str, Any]]:
    """A series' exceptions by the day of the occurrence they change (malformed ones ignored:
    the validator reports them)."""
    found: dict[date, Mapping[str, Any]] = {}
    for item in event.get("exceptions") or ():
        if isinstance(item, Mapping):
            day = _moment(item.get("date"))
            if isinstance(day, date) and not isinstance(day, datetime):
                found.setdefault(day, item)
    return found


def _changed(occurrence: Occurrence, change: Mapping[str, Any] | None) -> Occurrence | None:
    """An occurrence as its exception says: gone, cancelled, or moved."""
    if change is None:
        return occurrence
    status = change.get("status") or "excluded"
    note = str(change.get("note") or "")
    if status == "cancelled":
        return Occurrence(occurrence.start, occurrence.end, "cancelled", note)
    if status == "moved":
        start = _moment(change.get("start"))
        if start is None:
            return occurrence
        end = _moment(change.get("end"))
        if end is None or isinstance(end, datetime) != isinstance(start, datetime) or end < start:
            end = start + (occurrence.end - occurrence.start) if isinstance(start, datetime) == isinstance(occurrence.start, datetime) else start
        return Occurrence(start, end, "moved", note, occurrence.first_day)
    return None


def _sort_clock(moment: date | datetime) -> str:
    return moment.isoformat() if isinstance(moment, datetime) else ""


def next_occurrence(event: Mapping[str, Any], today: date) -> Occurrence | None:
    """The first occurrence not over yet and not cancelled: one still going on today counts."""
    cancelled = sum(1 for item in exceptions_of(event).values() if item.get("status") == "cancelled") if event.get("recurrence") else 0
    found = [o for o in occurrences(event, start=today, limit=1 + cancelled) if not o.cancelled]
    return found[0] if found else None


def is_upcoming(event: Mapping[str, Any], today: date) -> bool:
    return next_occurrence(event, today) is not None


def _format(day: date, *, weekday: bool = True, month: bool = True, year: bool = True) -> str:
    return _formatted(day, weekday, month, year, LOCALE)


@lru_cache(maxsize=8192)
def _formatted(day: date, weekday: bool, month: bool, year: bool, locale: str) -> str:
    """Babel formats a day in pure Python: each day's text is made once (a national build writes
    the same days on hundreds of thousands of pages)."""
    number = "'1er'" if day.day == 1 else "d"
    parts = (("EEEE", weekday), (number, True), ("MMMM", month), ("y", year))
    return format_date(day, " ".join(part for part, wanted in parts if wanted), locale=locale)


def format_day(day: date, *, weekday: bool = True, year: bool = True) -> str:
    """"samedi 20 décembre 2026", "samedi 1er mai 2027": names from Babel, not the OS locale."""
    return _format(_day(day), weekday=weekday, year=year)


def format_month(day: date) -> str:
    """"janvier 2027"."""
    return format_date(day, "MMMM y", locale=LOCALE)


def format_time(moment: datetime) -> str:
    """French style: "18 h", "18 h 30", "0 h 15", in the moment's own offset."""
    if moment.minute:
        return _("{hour} h {minute:02d}").format(hour=moment.hour, minute=moment.minute)
    return _("{hour} h").format(hour=moment.hour)


def _format_days(first: date, last: date) -> str:
    """An all-day span, without repeating the month or year the two ends share."""
    if first == last:
        return format_day(first)
    same_year = first.year == last.year
    same_month = same_year and first.month == last.month
    return _("du {start} au {end}").format(
        start=_format(first, month=not same_month, year=not same_year), end=_format(last)
    )


def format_when(occurrence: Occurrence) -> str:
    """When an occurrence takes place, as a sentence fragment for a page or a list."""
    start, end = occurrence.start, occurrence.end
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return _format_days(occurrence.first_day, occurrence.last_day)
    day = format_day(start.date())
    if end == start:
        return _("{day}, {time}").format(day=day, time=format_time(start))
    night = (
        end.date() == start.date() + timedelta(days=1)
        and end.time() <= NIGHT_ENDS
        and end - start < timedelta(days=1)
    )
    if occurrence.last_day == occurrence.first_day or night:
        return _("{day}, {start} – {end}").format(
            day=day, start=format_time(start), end=format_time(end)
        )
    return _("du {start_day}, {start} au {end_day}, {end}").format(
        start_day=day,
        start=format_time(start),
        end_day=format_day(end.date()),
        end=format_time(end),
    )


def _weekday(day: int) -> str:
    return get_day_names("wide", locale=LOCALE)[day]


def _join(items: list[str], conjunction: str | None = None) -> str:
    """French lists: "a", "a et b", "a, b et c"."""
    if len(items) == 1:
        return items[0]
    return _("{items} {conjunction} {last}").format(
        items=", ".join(items[:-1]), conjunction=conjunction or _("et"), last=items[-1]
    )


def _number(n: int) -> str:
    """Small numbers in words: "tous les deux jours", but "tous les 12 jours"."""
    words = {
        2: _("deux"), 3: _("trois"), 4: _("quatre"), 5: _("cinq"), 6: _("six"),
        7: _("sept"), 8: _("huit"), 9: _("neuf"), 10: _("dix"),
    }
    return words.get(n, str(n))


def _ordinal(rank: int) -> str:
    """"le premier", "l'avant-dernier": with its article, as French elides it."""
    ordinals = {
        1: _("le premier"), 2: _("le deuxième"), 3: _("le troisième"), 4: _("le quatrième"),
        5: _("le cinquième"), -1: _("le dernier"), -2: _("l'avant-dernier"),
    }
    return ordinals[rank]


def _rank(rank: int, noun: str) -> str:
    """"le premier dimanche", "l'avant-dernier vendredi", "le troisième samedi en partant de la
    fin"."""
    if rank < -2:
        return _("{ordinal} {noun} en partant de la fin").format(
            ordinal=_ordinal(-rank), noun=noun
        )
    return _("{ordinal} {noun}").format(ordinal=_ordinal(rank), noun=noun)


def _month_weekdays(days: tuple[tuple[int | None, int], ...]) -> str:
    """"le premier et le troisième samedi" when they share a weekday, else each in full
    ("le premier samedi et le dernier dimanche", "chaque samedi")."""
    ranks = [rank for rank, _weekday_ in days]
    if len({day for _rank_, day in days}) == 1 and all(r is not None and r >= -2 for r in ranks):
        ordinals = _join([_ordinal(rank) for rank in ranks])  # type: ignore[arg-type]
        return _("{ordinal} {noun}").format(ordinal=ordinals, noun=_weekday(days[0][1]))
    return _join([
        _rank(rank, _weekday(day)) if rank is not None
        else _("chaque {weekday}").format(weekday=_weekday(day))
        for rank, day in days
    ])


def _month_day(day: int) -> str:
    if day == 1:
        return _("le 1er")
    if day > 0:
        return _("le {day}").format(day=day)
    return _rank(day, _("jour"))


def _on_weekdays(weekdays: list[int]) -> str:
    """"le mardi et le jeudi"; a run of three days or more: "du lundi au vendredi"."""
    if len(weekdays) >= 3 and weekdays == list(range(weekdays[0], weekdays[-1] + 1)):
        return _("du {first} au {last}").format(
            first=_weekday(weekdays[0]), last=_weekday(weekdays[-1])
        )
    return _join([_("le {weekday}").format(weekday=_weekday(day)) for day in weekdays])


def _pattern(rule: Recurrence, first: date) -> str:
    """The rhythm of a rule, without its end."""
    n = rule.interval
    weekdays = rule.weekdays
    ranked = rule.ranked
    # Every Saturday of every day or every month is every Saturday: say it as a weekly rule.
    if rule.frequency == "WEEKLY" or (n == 1 and weekdays and not ranked and not rule.month_days):
        weekdays = weekdays or [first.weekday()]
        if n == 1 and len(weekdays) == 1:
            return _("chaque {weekday}").format(weekday=_weekday(weekdays[0]))
        every = _("chaque semaine") if n == 1 else _("toutes les {n} semaines").format(
            n=_number(n)
        )
        return _("{every}, {days}").format(every=every, days=_on_weekdays(weekdays))
    if rule.frequency == "DAILY":
        every = _("chaque jour") if n == 1 else _("tous les {n} jours").format(n=_number(n))
        if weekdays:
            return _("{every}, {days}").format(every=every, days=_on_weekdays(weekdays))
        return every
    every = _("chaque mois") if n == 1 else _("tous les {n} mois").format(n=_number(n))
    if weekdays and rule.month_days:
        return _("{every}, {days} s'il tombe {weekdays}").format(
            every=every,
            days=_join([_month_day(day) for day in rule.month_days]),
            weekdays=_join(
                [_("un {weekday}").format(weekday=_weekday(day)) for day in weekdays], _("ou")
            ),
        )
    if weekdays:
        if n == 1 and len(ranked) == len(rule.days):
            return _("{days} de chaque mois").format(days=_month_weekdays(rule.days))
        return _("{every}, {days}").format(every=every, days=_month_weekdays(rule.days))
    month_days = _join([_month_day(day) for day in rule.month_days or (first.day,)])
    return _("{every}, {days}").format(every=every, days=month_days)


def describe_recurrence(rule: str, first: date | datetime) -> str:
    """A recurrence rule in French words; ``first`` gives what the rule leaves implicit (the
    weekday of a weekly rule, the day of a monthly one)."""
    parsed = Recurrence.parse(rule)
    text = _pattern(parsed, _day(first))
    if parsed.count:
        count = ngettext("{rule}, {count} fois", "{rule}, {count} fois", parsed.count)
        return count.format(rule=text, count=parsed.count)
    last = parsed.until_day(first)
    if last is not None:
        until = format_day(last, weekday=False)
        return _("{rule}, jusqu'au {day}").format(rule=text, day=until)
    return text


def iso(moment: date | datetime) -> str:
    """ISO 8601 with the record's own offset, for <time datetime> and JSON-LD."""
    return moment.isoformat()


def machine_range(occurrence: Occurrence) -> tuple[str, str]:
    """(startDate, endDate) for schema.org; an all-day end is the last day, inclusive."""
    return iso(occurrence.start), iso(occurrence.end)


# What a person picks in the form's recurrence picker, and the rule it writes -------------------

MONTHLY_WAYS = ("monthday", "weekday", "last-weekday")  # the 12th / the 2nd Saturday / the last Saturday


@dataclass(frozen=True)
class PickedRecurrence:
    """A recurrence as the form asks for it: how often, which days, until when."""

    frequency: str = ""  # "" (once), DAILY, WEEKLY or MONTHLY
    interval: int = 1
    weekdays: tuple[str, ...] = ()  # MO..SU, for a weekly rule (none: the first day's)
    monthly: str = "monthday"  # one of MONTHLY_WAYS, read against the first day
    until: date | None = None
    count: int | None = None


def compose_rule(picked: PickedRecurrence, first: date | datetime) -> str:
    """The RRULE of a picked recurrence ("" for an event that happens once). The monthly day is
    read from the first occurrence: the 12th, the 2nd Saturday, or the last Saturday."""
    if picked.frequency not in FREQUENCIES:
        return ""
    day = _day(first)
    parts = [f"FREQ={picked.frequency}"]
    if picked.interval > 1:
        parts.append(f"INTERVAL={picked.interval}")
    if picked.frequency == "WEEKLY":
        chosen = [code for code in WEEKDAYS if code in picked.weekdays] or [WEEKDAYS[day.weekday()]]
        parts.append("BYDAY=" + ",".join(chosen))
    elif picked.frequency == "MONTHLY":
        weekday = WEEKDAYS[day.weekday()]
        if picked.monthly == "weekday":
            parts.append(f"BYDAY={(day.day - 1) // 7 + 1}{weekday}")
        elif picked.monthly == "last-weekday":
            parts.append(f"BYDAY=-1{weekday}")
        else:
            parts.append(f"BYMONTHDAY={day.day}")
    if picked.until is not None:
        parts.append("UNTIL=" + picked.until.strftime("%Y%m%d"))
    elif picked.count:
        parts.append(f"COUNT={picked.count}")
    return ";".join(parts)


def picked_from_rule(rule: str, first: date | datetime) -> PickedRecurrence | None:
    """The picker's choices for an existing rule, or None when the picker cannot show it (a rule
    written by hand with several monthly days, say: the form then keeps it as it is)."""
    try:
        parsed = Recurrence.parse(rule)
    except ValueError:
        return None
    day = _day(first)
    until = _day(parsed.until) if parsed.until is not None else None
    picked = PickedRecurrence(parsed.frequency, parsed.interval, tuple(WEEKDAYS[d] for _, d in parsed.days), "monthday", until, parsed.count)
    if parsed.frequency == "MONTHLY":
        if parsed.days and len(parsed.days) == 1 and not parsed.month_days:
            rank = parsed.days[0][0]
            picked = replace(picked, weekdays=(), monthly="last-weekday" if rank == -1 else "weekday")
        elif parsed.days:
            return None
    elif parsed.frequency == "DAILY" and parsed.days:
        return None
    elif parsed.frequency == "WEEKLY" and not parsed.days:
        picked = replace(picked, weekdays=(WEEKDAYS[day.weekday()],))  # shown as the picker writes it
    return picked if same_rule(rule, compose_rule(picked, day), day) else None


def same_rule(written: str, composed: str, first: date | datetime) -> bool:
    """Whether a rule as written by someone says what the picker composed (implicit parts aside)."""
    try:
        return Recurrence.parse(written).explicit(first) == Recurrence.parse(composed).explicit(first)
    except ValueError:
        return False
