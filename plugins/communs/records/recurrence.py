"""A record's ``recurrence``: the RFC 5545 RRULE subset the directory accepts, read once.

``Recurrence.parse`` reads the string into one value; icalendar's ``vRecur`` types each part
(integers, ranked weekdays, ``UNTIL`` as a date or a time), and the subset's limits are checked
here, each with the French message ``communs validate`` shows. Every use derives from the value:

* the occurrences (``dateutil.rrule``, through ``rrule``; see ``records.dates``);
* the iCalendar ``RRULE`` (``ical``: ``UNTIL`` of the kind RFC 5545 demands beside ``DTSTART``);
* schema.org's ``eventSchedule`` (``site.jsonld`` reads the fields);
* the French wording of the rhythm (``records.dates.describe_recurrence``);
* the iCalendar importer's rule, written back as our string (``from_ical``, then ``text``).

The subset: ``FREQ`` (DAILY, WEEKLY or MONTHLY), ``INTERVAL`` (1 to 366), ``BYDAY`` (weekdays,
ranked from -5 to 5 for a monthly rule), ``BYMONTHDAY`` (1 to 31, negative from the month's end,
monthly only), and ``UNTIL`` (a day, or a time: "Z" for UTC, else on the event's own clock) or
``COUNT`` (1 to 1000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Any

from dateutil import rrule as dateutil_rrule
from icalendar import vRecur

from communs.i18n import _

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
KEYS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL")  # in the order ``text`` writes them
# Parts an imported rule may carry that change nothing here (weeks start on Monday).
HARMLESS = ("WKST",)
MAX_INTERVAL = 366
MAX_COUNT = 1000
# A day given as UNTIL beside a timed start: up to its last second, in the event's offset.
DAY_END = time(23, 59, 59)
# The form the schema accepts; anything else is the schema's to report.
FORM = re.compile(r"[A-Z]+=[A-Z0-9,+\-TZ]+(?:;[A-Z]+=[A-Z0-9,+\-TZ]+)*")
_DATEUTIL_FREQUENCIES = {"DAILY": dateutil_rrule.DAILY, "WEEKLY": dateutil_rrule.WEEKLY, "MONTHLY": dateutil_rrule.MONTHLY}
_UNTIL = re.compile(r"\d{8}(?:T\d{6}Z?)?")

Day = tuple[int | None, int]  # (rank in the month or None, weekday with Monday = 0)


class RecurrenceError(ValueError):
    """A rule outside the subset: ``problems`` are (code, French message), all of them at once."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(" ".join(message for _code, message in problems))
        self.problems = problems


def _day_of(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


@dataclass(frozen=True, slots=True)
class Recurrence:
    """One rule of the subset, as a value (two rules that say the same are equal)."""

    frequency: str
    interval: int = 1
    days: tuple[Day, ...] = ()
    month_days: tuple[int, ...] = ()
    until: date | datetime | None = None  # a day (inclusive), or an instant (naive: the event's own clock)
    count: int | None = None

    @staticmethod
    def parse(text: str) -> Recurrence:
        """The rule of a record's string; ``RecurrenceError`` (a ValueError) when outside the subset."""
        return _parse(text)

    # Reading it -----------------------------------------------------------------------------

    @property
    def weekdays(self) -> list[int]:
        """The weekdays named, sorted, whatever their rank."""
        return sorted({day for _rank, day in self.days})

    @property
    def ranked(self) -> list[int]:
        return [rank for rank, _weekday in self.days if rank is not None]

    @property
    def text(self) -> str:
        """The rule as a record writes it (``FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231``)."""
        parts = [f"FREQ={self.frequency}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.days:
            parts.append("BYDAY=" + ",".join(_day_code(day) for day in self.days))
        if self.month_days:
            parts.append("BYMONTHDAY=" + ",".join(str(day) for day in self.month_days))
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append("UNTIL=" + _until_text(self.until))
        return ";".join(parts)

    def day_codes(self) -> list[str]:
        """BYDAY as iCalendar writes it: ``SA``, ``1SU``, ``-1FR``."""
        return [_day_code(day) for day in self.days]

    def until_day(self, first: date | datetime) -> date | None:
        """The last day the rule allows, as the event's calendar reads it (a UTC instant is read
        in the offset of the first occurrence)."""
        if self.until is None:
            return None
        if not isinstance(self.until, datetime):
            return self.until
        if self.until.tzinfo is not None and isinstance(first, datetime):
            return self.until.astimezone(first.tzinfo).date()
        return self.until.date()

    def ends_before(self, first: date | datetime) -> bool:
        """Whether UNTIL falls before the day of the first occurrence."""
        last = self.until_day(first)
        return last is not None and last < _day_of(first)

    def until_for(self, start: date | datetime) -> date | datetime | None:
        """UNTIL of the kind RFC 5545 demands beside this start: a day for an all-day event; for a
        timed one an aware instant (a day: its last second in the event's offset; a time without
        "Z": on the event's clock)."""
        if self.until is None:
            return None
        if not isinstance(start, datetime):
            return _day_of(self.until)
        if not isinstance(self.until, datetime):
            return datetime.combine(self.until, DAY_END, start.tzinfo)
        return self.until if self.until.tzinfo is not None else self.until.replace(tzinfo=start.tzinfo)

    def explicit(self, first: date | datetime) -> Recurrence:
        """The same rule with what it leaves implicit written out, as the form's picker writes it:
        a weekly rule's day, a monthly rule's day of the month; weekdays in week order."""
        day = _day_of(first)
        if self.frequency == "WEEKLY":
            return replace(self, days=tuple(sorted(self.days or ((None, day.weekday()),), key=lambda d: (d[1], d[0] or 0))))
        if self.frequency == "MONTHLY" and not self.days and not self.month_days:
            return replace(self, month_days=(day.day,))
        return self

    # Deriving from it -----------------------------------------------------------------------

    def rrule(self, dtstart: datetime) -> dateutil_rrule.rrule:
        """dateutil's rule from ``dtstart`` (aware for a timed event, naive midnight for an
        all-day one); UNTIL compared as ``until_for`` says."""
        until: date | datetime | None = self.until_for(dtstart if dtstart.tzinfo is not None else dtstart.date())
        if until is not None and not isinstance(until, datetime):
            until = datetime.combine(until, time.max)  # an all-day event: the whole of the day
        return dateutil_rrule.rrule(
            _DATEUTIL_FREQUENCIES[self.frequency],
            dtstart=dtstart,
            interval=self.interval,
            wkst=dateutil_rrule.MO,
            count=self.count,
            until=until,
            byweekday=[dateutil_rrule.weekday(day, rank) for rank, day in self.days] or None,
            bymonthday=list(self.month_days) or None,
        )

    def ical(self, start: date | datetime) -> vRecur:
        """The iCalendar RRULE beside ``start``: UNTIL a date for an all-day event, a UTC time
        for a timed one."""
        parts: dict[str, Any] = {"FREQ": self.frequency}
        if self.interval != 1:
            parts["INTERVAL"] = self.interval
        if self.days:
            parts["BYDAY"] = self.day_codes()
        if self.month_days:
            parts["BYMONTHDAY"] = list(self.month_days)
        if self.count is not None:
            parts["COUNT"] = self.count
        until = self.until_for(start)
        if isinstance(until, datetime):
            parts["UNTIL"] = until.astimezone(timezone.utc)
        elif until is not None:
            parts["UNTIL"] = until
        return vRecur(parts)

    @classmethod
    def from_ical(cls, rule: Any, start: date | datetime) -> tuple[Recurrence | None, str]:
        """The rule of an imported iCalendar RRULE (a ``vRecur``), with UNTIL of the kind its
        start calls for; or None and the rule as written when it is outside the subset."""
        if rule is None:
            return None, ""
        parts = {str(key).upper(): value if isinstance(value, list) else [value] for key, value in rule.items()}
        written = ";".join(f"{key}={','.join(_ical_text(v) for v in values)}" for key, values in parts.items())
        kept = []
        for key in KEYS:
            if key not in parts:
                continue
            values = parts[key]
            if key == "UNTIL":
                values = [_imported_until(values[0], start)] if values else []
            kept.append(f"{key}={','.join(_ical_text(v).upper() for v in values)}")
        if any(key not in KEYS + HARMLESS for key in parts):
            return None, written
        try:
            return cls.parse(";".join(kept)), ""
        except RecurrenceError:
            return None, written


def _day_code(day: Day) -> str:
    rank, weekday = day
    return f"{'' if rank is None else rank}{WEEKDAYS[weekday]}"


def _until_text(until: date | datetime) -> str:
    if not isinstance(until, datetime):
        return until.strftime("%Y%m%d")
    if until.tzinfo is not None:
        return until.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return until.strftime("%Y%m%dT%H%M%S")


def _ical_text(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return _until_text(value)
    return str(value)


def _imported_until(until: Any, start: date | datetime) -> Any:
    """An imported UNTIL as our rule keeps it: a day beside an all-day start, else as given."""
    if isinstance(until, datetime) and not isinstance(start, datetime):
        return until.date()
    return until


def problems(text: str, first: date | datetime | None = None) -> list[tuple[str, str]]:
    """Why a rule is outside the subset, or incoherent with the event's first occurrence (it
    ends before it): (code, French message) each, none when it is right."""
    fields, found = _read(text)
    until = fields.get("until")
    if first is not None and until is not None and Recurrence("DAILY", until=until).ends_before(first):
        found.append(("rrule-invalid", _("La récurrence s'arrête (UNTIL={until}) avant le début de l'événement.").format(until=_until_text(until))))
    return found


@lru_cache(maxsize=1024)
def _parse(text: str) -> Recurrence:
    fields, found = _read(text)
    if found:
        raise RecurrenceError(found)
    return Recurrence(**fields)


def _read(text: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The fields of a rule and the problems found reading it (all of them, where they do not
    depend on each other)."""
    if not FORM.fullmatch(text):
        return {}, [("rrule-invalid", _("Écrivez la récurrence sous la forme CLÉ=VALEUR séparées par des points-virgules, sans espace (par exemple FREQ=WEEKLY;BYDAY=SA)."))]
    written: dict[str, str] = {}
    for part in text.split(";"):
        key, _sep, value = part.partition("=")
        if key in written:
            return {}, [("rrule-invalid", _("La clé {key} apparaît deux fois dans la récurrence.").format(key=key))]
        written[key] = value
    unsupported = [key for key in written if key not in KEYS]
    if unsupported:
        return {}, [(
            "rrule-unsupported",
            _("La récurrence utilise {keys}, qui n'est pas pris en charge : seuls FREQ, INTERVAL, BYDAY, BYMONTHDAY, UNTIL et COUNT le sont.").format(keys=", ".join(unsupported)),
        )]
    frequency = written.get("FREQ")
    if frequency is None:
        return {}, [("rrule-invalid", _("La récurrence doit commencer par sa fréquence : FREQ=DAILY, FREQ=WEEKLY ou FREQ=MONTHLY."))]
    found: list[tuple[str, str]] = []
    if frequency not in FREQUENCIES:
        found.append(("rrule-unsupported", _("La fréquence {frequency} n'est pas prise en charge : utilisez DAILY (chaque jour), WEEKLY (chaque semaine) ou MONTHLY (chaque mois).").format(frequency=frequency)))
    interval = _integer(written, "INTERVAL", 1, MAX_INTERVAL)
    if interval is None:
        found.append(("rrule-invalid", _("INTERVAL est un nombre entier entre 1 et 366 (INTERVAL=2 : une fois sur deux).")))
    days: list[Day] = []
    for code in written["BYDAY"].split(",") if "BYDAY" in written else ():
        day = _weekday(code)
        if day is None:
            found.append(("rrule-invalid", _("« {day} » n'est pas un jour : utilisez MO, TU, WE, TH, FR, SA, SU, précédés pour un mois d'un rang (1SA : premier samedi, -1FR : dernier vendredi).").format(day=code)))
        elif day[0] is not None and frequency != "MONTHLY":
            found.append(("rrule-invalid", _("Un jour numéroté ({day}) n'a de sens qu'avec FREQ=MONTHLY.").format(day=code)))
        else:
            days.append(day)
    month_days: list[int] = []
    if "BYMONTHDAY" in written:
        for code in written["BYMONTHDAY"].split(","):
            number = _int("BYMONTHDAY", code) if re.fullmatch(r"-?[0-9]{1,2}", code) else None
            if number is None or not 1 <= abs(number) <= 31:
                found.append(("rrule-invalid", _("BYMONTHDAY attend des jours du mois entre 1 et 31 (ou -1 pour le dernier), pas « {day} ».").format(day=code)))
            else:
                month_days.append(number)
        if frequency != "MONTHLY":
            found.append(("rrule-invalid", _("BYMONTHDAY ne s'emploie qu'avec FREQ=MONTHLY.")))
    if "UNTIL" in written and "COUNT" in written:
        found.append(("rrule-invalid", _("Indiquez soit UNTIL (date de fin), soit COUNT (nombre de fois), pas les deux.")))
    count = _integer(written, "COUNT", 1, MAX_COUNT)
    if count is None:
        found.append(("rrule-invalid", _("COUNT est un nombre de fois entre 1 et 1000.")))
    until = _until(written["UNTIL"]) if "UNTIL" in written else None
    if "UNTIL" in written and until is None:
        found.append(("rrule-invalid", _("UNTIL est une date sans tirets, AAAAMMJJ (UNTIL=20271231 pour le 31 décembre 2027).")))
    fields = {
        "frequency": frequency,
        "interval": interval or 1,
        "days": tuple(days),
        "month_days": tuple(month_days),
        "until": until,
        "count": count if "COUNT" in written else None,
    }
    return fields, found


def _int(key: str, code: str) -> int | None:
    try:
        return int(vRecur.parse_type(key, code)[0])
    except ValueError:
        return None


def _integer(written: dict[str, str], key: str, low: int, high: int) -> int | None:
    """A whole number part within [low, high]: ``low`` when absent, None when wrong."""
    if key not in written:
        return low
    value = _int(key, written[key]) if written[key].isdigit() else None
    return value if value is not None and low <= value <= high else None


def _weekday(code: str) -> Day | None:
    """A BYDAY item as (rank, weekday), ranks from -5 to 5; None when it is none."""
    try:
        (day,) = vRecur.parse_type("BYDAY", code)
    except ValueError:
        return None
    rank = day.relative
    if day.weekday not in WEEKDAYS or not re.fullmatch(r"(?:[+-]?[1-5])?", code[:-2]):
        return None
    return (rank if rank else None), WEEKDAYS.index(day.weekday)


def _until(code: str) -> date | datetime | None:
    """UNTIL as a day, or a time (aware in UTC with "Z", else naive); None when it is neither."""
    if not _UNTIL.fullmatch(code):
        return None
    try:
        (value,) = vRecur.parse_type("UNTIL", code)
    except ValueError:
        return None
    return value if isinstance(value, date) else None
