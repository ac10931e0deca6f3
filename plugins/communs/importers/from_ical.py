"""``ical``: events from an iCalendar feed (RFC 5545, ``.ics``), one event per VEVENT.

* ``SUMMARY`` -> title; ``DESCRIPTION`` -> description (HTML removed) and, its first sentence,
  the summary; ``URL`` -> contact.website; ``STATUS:CANCELLED`` -> cancelled; ``UID`` -> source id.
* ``DTSTART`` / ``DTEND`` (or ``DURATION``): dates stay dates (``DTEND`` of a date is exclusive,
  our ``end`` inclusive); times are written in the commune's time zone with their offset
  (``2026-12-20T18:00:00+04:00``); floating times are read in the calendar's ``X-WR-TIMEZONE``,
  else the commune's zone.
* ``RRULE`` within our subset (FREQ DAILY, WEEKLY or MONTHLY; INTERVAL, BYDAY, BYMONTHDAY, UNTIL
  or COUNT; read by ``records.recurrence``, as the validator reads it) is kept, its UNTIL a day
  for an all-day event; any other rule is dropped (flagged: only the first date is imported).
  Modified occurrences (``RECURRENCE-ID``) are skipped: they belong to their series.
* ``CATEGORIES`` -> type (first category that maps to one), themes (those that map), disciplines;
  the others become tags. Without a theme, the mapping's ``[values] themes`` applies, else the
  event is skipped.
* ``LOCATION`` "Salle, 12 rue de Paris, 97400 Saint-Denis" -> venue name, street, postal code
  and commune; ``GEO`` -> the venue's position (and the commune, as a last resort); the mapping's
  ``[values] insee`` gives a default commune.

Ids start with the start date (``2026-12-20-kabar-fet-kaf``); a UID of the form ``<communs
event id>@host`` (communs' own feeds) gives back that id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from communs.i18n import _
from communs.importers.build import Context, Dataset, build_event, with_source
from communs.importers.cleaning import decode, excerpt
from communs.importers.mapping import Mapping
from communs.importers.model import ImportUsageError, Item, Note, Reason, Skip
from communs.importers.places import Places
from communs.records.communes import Commune
from communs.records.recurrence import Recurrence
from communs.records.text import slugify
from communs.records.values import one_line

_LOCATION = re.compile(r"(?:^|[,\s])([0-9]{5})\s+([^,0-9][^,]*)")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text(item) for item in value)
    return str(value)


def _categories(component: Any) -> list[str]:
    found: list[str] = []
    values = component.get("CATEGORIES")
    if values is None:
        return found
    for value in values if isinstance(values, list) else [values]:
        cats = getattr(value, "cats", None)
        if cats is None:
            found.extend(part.strip() for part in str(value).split(",") if part.strip())
        else:
            found.extend(str(cat).strip() for cat in cats if str(cat).strip())
    return found


def _decoded(component: Any, name: str) -> Any:
    prop = component.get(name)
    if prop is None:
        return None
    return getattr(prop, "dt", prop)


def parse_location(text: str) -> dict[str, str | None]:
    """Venue name, street, postal code and town from a LOCATION line."""
    text = one_line(text)
    result: dict[str, str | None] = {"venue_name": None, "street": None, "postal_code": None, "city": None}
    if not text:
        return result
    match = _LOCATION.search(text)
    head = text
    if match:
        result["postal_code"] = match.group(1)
        result["city"] = match.group(2).strip(" ,.")
        head = text[: match.start(1)].strip(" ,")
    parts = [part.strip() for part in head.split(",") if part.strip()]
    if parts:
        result["venue_name"] = parts[0]
        if len(parts) > 1:
            result["street"] = ", ".join(parts[1:])
    return result


def recurrence_of(rule: Any, start: date | datetime) -> tuple[str | None, str | None]:
    """Our RRULE text for an icalendar rule, or None with what made it unsupported."""
    parsed, written = Recurrence.from_ical(rule, start)
    return (parsed.text, None) if parsed is not None else (None, written or None)


def _exception_days(event: Any) -> list[date | datetime]:
    """The EXDATE values of a VEVENT (one property or several, each a list)."""
    found: list[date | datetime] = []
    values = event.get("EXDATE")
    for group in values if isinstance(values, list) else [values] if values is not None else []:
        for item in getattr(group, "dts", []):
            if isinstance(item.dt, (date, datetime)):
                found.append(item.dt)
    return found


def _exceptions(master: Any, overrides: list[Any]) -> list[dict[str, Any]]:
    """A series' exceptions as moments still to be placed in the record's time zone: EXDATE
    (no occurrence), and the occurrences given again with a RECURRENCE-ID, cancelled or moved."""
    found: list[dict[str, Any]] = [{"day": moment} for moment in _exception_days(master)]
    for override in overrides:
        original = _decoded(override, "RECURRENCE-ID")
        if not isinstance(original, (date, datetime)):
            continue
        if _text(override.get("STATUS")).upper() == "CANCELLED":
            found.append({"day": original, "status": "cancelled"})
            continue
        start, end = _decoded(override, "DTSTART"), _decoded(override, "DTEND")
        if isinstance(start, (date, datetime)) and start != original:
            found.append({"day": original, "status": "moved", "start": start, "end": end if isinstance(end, type(start)) else None})
    return found


def _where(text: str, error: Exception) -> str:
    """", ligne N" for the first line of the text that holds the excerpt an icalendar error
    quotes (its messages end with the offending content line), else nothing."""
    quoted = re.search(r"'([^'\n]{4,})'", str(error))
    if quoted is None:
        return ""
    for number, line in enumerate(text.split("\n"), start=1):
        if quoted.group(1) in line:
            return ", " + _("ligne {line}").format(line=number)
    return ""


class IcalReader:
    format_name = "ical"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        import icalendar

        self.path = path
        self.mapping = mapping
        try:
            text = decode(path.read_bytes(), name=str(path)).text
            self.calendar = icalendar.Calendar.from_ical(text)
        except OSError as error:
            raise ImportUsageError(_("Le fichier {path} est illisible ({error}).").format(path=path, error=error.strerror or error)) from error
        except (ValueError, IndexError, KeyError, TypeError, RecursionError) as error:
            raise ImportUsageError(_("{path} n'est pas un fichier iCalendar valide{where} ({error}).").format(
                path=path, where=_where(text, error), error=excerpt(str(error), 120))) from error
        if getattr(self.calendar, "name", "").upper() != "VCALENDAR":
            raise ImportUsageError(_("{path} n'est pas un calendrier (BEGIN:VCALENDAR attendu).").format(path=path))
        self.lines = [number for number, line in enumerate(text.split("\n"), start=1) if line.strip().upper() == "BEGIN:VEVENT"]
        zone = _text(self.calendar.get("X-WR-TIMEZONE")).strip()
        try:
            self.zone: ZoneInfo | None = ZoneInfo(zone) if zone else None
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = None
        self.name = _text(self.calendar.get("X-WR-CALNAME")).strip()

    def dataset(self) -> Dataset:
        return Dataset(name=slugify(self.path.stem, max_length=40))

    def localiser(self):
        floating_zone = self.zone

        def localise(moment: date | datetime, commune: Commune) -> date | datetime:
            if not isinstance(moment, datetime):
                return moment
            zone = ZoneInfo(Places.timezone(commune))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=floating_zone or zone)
            return moment.astimezone(zone)

        return localise

    def items(self, ctx: Context) -> Iterator[Item | Skip]:
        localise = self.localiser()
        events = list(self.calendar.walk("VEVENT"))
        series = {one_line(_text(e.get("UID"))) for e in events if e.get("RRULE") is not None and e.get("RECURRENCE-ID") is None}
        changed: dict[str, list[Any]] = {}
        for event in events:
            if event.get("RECURRENCE-ID") is not None:
                changed.setdefault(one_line(_text(event.get("UID"))), []).append(event)
        for index, event in enumerate(events):
            line = self.lines[index] if index < len(self.lines) else 0
            title = one_line(_text(event.get("SUMMARY")))
            if event.get("RECURRENCE-ID") is not None:
                if one_line(_text(event.get("UID"))) in series:
                    message = _("occurrence modifiée d'un événement récurrent (RECURRENCE-ID) : reportée dans les exceptions de sa série.")
                else:
                    message = _("occurrence modifiée d'un événement récurrent (RECURRENCE-ID) dont la série manque au fichier.")
                yield Skip(line, Reason("recurrence-instance", message), name=title)
                continue
            start = _decoded(event, "DTSTART")
            end = _decoded(event, "DTEND")
            if end is None and isinstance(start, (date, datetime)):
                duration = _decoded(event, "DURATION")
                if isinstance(duration, timedelta):
                    end = start + duration
            if isinstance(start, date) and not isinstance(start, datetime) and isinstance(end, date) and not isinstance(end, datetime):
                end = end - timedelta(days=1)  # RFC 5545: the end of a date is exclusive
                if end <= start:
                    end = None
            notes: list[Note] = []
            recurrence = None
            if isinstance(start, (date, datetime)):
                recurrence, dropped = recurrence_of(event.get("RRULE"), start)
                if dropped:
                    notes.append(Note("recurrence-dropped", _("récurrence « {rule} » hors du sous-ensemble accepté : seule la première date est importée.").format(rule=dropped)))
            uid = one_line(_text(event.get("UID")))
            exceptions = _exceptions(event, changed.get(uid, [])) if recurrence else []
            location = parse_location(_text(event.get("LOCATION")))
            geo = event.get("GEO")
            status = _text(event.get("STATUS")).upper()
            raw: dict[str, Any] = {
                "title": title,
                "start": start,
                "end": end,
                "localise": localise,
                "recurrence": recurrence,
                "exceptions": exceptions,
                "notes": notes,
                "description": _text(event.get("DESCRIPTION")),
                "categories": _categories(event),
                "venue_name": location["venue_name"],
                "street": location["street"],
                "postal_code": location["postal_code"],
                "city": location["city"],
                "lat": getattr(geo, "latitude", None),
                "lon": getattr(geo, "longitude", None),
                "website": _text(event.get("URL")),
                "status": "cancelled" if status == "CANCELLED" else None,
                "source_id": uid or f"{start.isoformat() if isinstance(start, (date, datetime)) else ''}|{title}",
                "id_hint": uid.split("@", 1)[0] if "@" in uid else None,
                "source_url": _text(event.get("URL")),
            }
            yield with_source(build_event(ctx, raw, line), raw["source_id"])
