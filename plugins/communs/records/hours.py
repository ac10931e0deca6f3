"""What an actor's ``opening_hours`` (OpenStreetMap syntax) means week by week.

One parse for every output that needs the days and times (schema.org's
``openingHoursSpecification`` in ``site.jsonld``, GoGoCarto's ``openHours`` in ``site.exports``):
the expression is evaluated by opening-hours-py over two ordinary weeks far apart, and when both
give the same pattern that pattern is the schedule, whatever the OSM shorthand
(``We-Su 09:00-12:30,14:00-17:30``, later rules overriding earlier ones, ranges over midnight
split at midnight). An expression that depends on dates (months, week numbers), one that says
"unknown" or comments its times (``"sur rendez-vous"``) or one that does not parse has no weekly
schedule: ``None``, never a guess. ``only_weekly`` tells whether that schedule is all the value says.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

# OpenStreetMap's day abbreviations, Monday first (the order of ``weekly_hours``' days).
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# The end of a range that runs to midnight: each output writes it its own way.
END_OF_DAY = "24:00"
# Two ordinary weeks (Mondays), months apart and free of public holidays in France and overseas.
_REFERENCE_WEEKS = (date(2025, 3, 10), date(2025, 9, 15))

Week = tuple[tuple[tuple[str, str], ...], ...]


def _week(expression: Any, monday: date) -> Week | None:
    """The open ranges ("09:00", "12:30") of each day of the week from ``monday``."""
    start = datetime.combine(monday, datetime.min.time())
    days: list[list[tuple[str, str]]] = [[] for _day in DAYS]
    for begin, end, state, comment in expression.intervals(start, start + timedelta(days=7)):
        name = getattr(state, "name", str(state)).upper()
        if name.endswith("UNKNOWN"):
            return None  # "unknown" and the like: not a schedule
        if not name.endswith("OPEN"):
            continue
        if comment:
            return None  # "sur rendez-vous": the times mean something else (a bare comment is even read as 24/7)
        while begin < end:  # a range over midnight: one piece per day
            stop = min(end, datetime.combine(begin.date() + timedelta(days=1), datetime.min.time()))
            closes = END_OF_DAY if stop.time() == datetime.min.time() else stop.strftime("%H:%M")
            days[(begin.date() - monday).days].append((begin.strftime("%H:%M"), closes))
            begin = stop
    return tuple(tuple(ranges) for ranges in days)


@lru_cache(maxsize=1024)
def weekly_hours(text: str) -> Week | None:
    """Seven tuples (Monday first) of the ("HH:MM", "HH:MM") ranges open that day, in time
    order, the end of day written ``END_OF_DAY``; ``None`` when ``text`` is not a plain weekly
    schedule."""
    import opening_hours

    try:
        expression = opening_hours.OpeningHours(text)
    except (opening_hours.ParserError, ValueError, TypeError):
        return None
    try:
        weeks = [_week(expression, monday) for monday in _REFERENCE_WEEKS]
    except (ValueError, RuntimeError, OverflowError):
        return None
    if weeks[0] is None or weeks[0] != weeks[1]:
        return None  # not a weekly pattern
    return weeks[0]


def _expression(week: Week) -> str:
    """An OpenStreetMap expression of ``week``, one rule per open day ("off" for none)."""
    rules = [f"{day} {','.join(f'{opens}-{closes}' for opens, closes in ranges)}" for day, ranges in zip(DAYS, week) if ranges]
    return "; ".join(rules) or "off"


@lru_cache(maxsize=1024)
def only_weekly(text: str) -> bool:
    """Whether ``text``'s weekly schedule is all it says: false when it also speaks of public
    holidays, dates or comments ("sur rendez-vous"), or has no weekly schedule. Compared on
    opening-hours-py's normal form of both expressions, so that a value it writes another way
    (a range over midnight) may be called incomplete, never the reverse."""
    import opening_hours

    week = weekly_hours(text)
    if week is None:
        return False
    return str(opening_hours.OpeningHours(text).normalize()) == str(opening_hours.OpeningHours(_expression(week)).normalize())
