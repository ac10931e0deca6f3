"""``openagenda``: the events of an OpenAgenda agenda, as its JSON export gives them (API v2
``GET /v2/agendas/{uid}/events``, or the "Exporter > JSON" file of an agenda): an object whose
``events`` holds the array, or the array itself.

Fields read (OpenAgenda's event model; texts are multilingual objects, French first):

* ``uid`` -> source id; ``title`` -> title; ``description`` (short) -> summary;
  ``longDescription`` (Markdown, HTML removed) -> description; ``keywords`` -> type, themes,
  disciplines, then tags; ``conditions`` -> price (« gratuit », « entrée libre » -> free; amounts
  in euros -> min and max; the text itself -> details).
* ``timings`` ([{begin, end}], times with their offset): one timing is one event; timings at the
  same hour with the same length, every day or every week (or every N days / weeks), become one
  recurring event (``FREQ=DAILY|WEEKLY;INTERVAL;UNTIL``) whose missing dates are exceptions;
  other timings become one event each (source id ``<uid>/<date>``).
* ``location``: ``name`` -> venue name, ``address`` -> street (its postal code and town removed),
  ``postalCode``, ``city``, ``insee``, ``latitude`` / ``longitude``.
* ``status`` (1 scheduled, 2 rescheduled, 3 moved online, 4 postponed, 5 full, 6 cancelled);
  ``attendanceMode`` (1 on site, 2 online, 3 mixed) and ``onlineAccessLink``.
* ``accessibility`` {mi, hi, vi, pi, ii}: motor (``mi``) -> accessible in a wheelchair; the
  others (hearing, visual, psychic, intellectual) are said in words in ``details`` — OpenAgenda
  does not say which means (loop, sign language, audio description...) is offered.
* ``age`` {min, max}; ``registration`` ([{type: link|email|phone, value}]) -> the first link as
  registration, an e-mail or phone as the event's contact.
* ``state`` other than 2 (published), when present: the event is skipped (not public).

Event ids start with their date, as for every event; the event's page on OpenAgenda, when the
export gives the agenda's slug and the event's, is its source address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.build import Context, Dataset, build_event, with_source
from communs.importers.jsonfile import load_items
from communs.importers.mapping import Mapping
from communs.importers.model import Item, Reason, Skip
from communs.records.text import slugify
from communs.records.values import URL_PATTERN, one_line

STATUS = {1: None, 2: "rescheduled", 3: "moved-online", 4: "postponed", 5: None, 6: "cancelled"}
ATTENDANCE = {1: None, 2: "online", 3: "mixed"}
IMPAIRMENTS = (("hi", "auditif"), ("vi", "visuel"), ("pi", "psychique"), ("ii", "mental"))
PUBLISHED = 2
MAX_SPLIT = 100  # timings of one irregular event written as separate events
_AMOUNT = re.compile(r"(\d+(?:[.,]\d{1,2})?)\s*(?:€|euros?\b|EUR\b)", re.IGNORECASE)
_FREE = re.compile(r"\b(?:gratuit|gratuite|entr[ée]e libre|acc[èe]s libre)\b", re.IGNORECASE)
_NOT_FREE = re.compile(r"\b(?:non|pas)\s+gratuit|\bpayant", re.IGNORECASE)
_RANGE = re.compile(r"(\d+(?:[.,]\d{1,2})?)\s*(?:€\s*)?(?:à|-|–)\s*(\d+(?:[.,]\d{1,2})?)\s*(?:€|euros?\b|EUR\b)", re.IGNORECASE)
_TAIL = re.compile(r",?\s*\d{5}\s+[^,]*$")


def text_of(value: Any) -> str:
    """A multilingual OpenAgenda text (``{"fr": …, "en": …}``), French first."""
    if isinstance(value, dict):
        for language in ("fr", *sorted(value)):
            item = value.get(language)
            if isinstance(item, str) and item.strip():
                return item
        return ""
    return value if isinstance(value, str) else ""


def list_of(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("fr") or next((item for item in value.values() if isinstance(item, list)), [])
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value if isinstance(item, (str, int))] if isinstance(value, list) else []


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(microsecond=0) if moment.tzinfo is not None else None


def _zone(event: dict[str, Any]):
    """The event's time zone (OpenAgenda gives one for the event or its place), or None."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    location = event.get("location") if isinstance(event.get("location"), dict) else {}
    for name in (event.get("timezone"), location.get("timezone")):
        if isinstance(name, str) and name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return None


def timings_of(event: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    """The timings, on the event's own clock when its time zone is known (a weekly 20:00 stays at
    20:00 across a change to summer time, where its UTC offset moves)."""
    zone = _zone(event)
    found = set()
    for timing in event.get("timings") or []:
        if isinstance(timing, dict):
            begin, end = _moment(timing.get("begin")), _moment(timing.get("end"))
            if begin is not None:
                end = end if end is not None and end >= begin else begin
                found.add((begin.astimezone(zone), end.astimezone(zone)) if zone is not None else (begin, end))
    return sorted(found)


def series_of(timings: list[tuple[datetime, datetime]]) -> tuple[str, list[date]] | None:
    """A regular series (same hour and length, every N days or N weeks) as our RRULE text and its
    missing dates; None when the timings follow no such rhythm."""
    if len(timings) < 2:
        return None
    first_begin, first_end = timings[0]
    length = first_end - first_begin
    if any(end - begin != length or begin.time() != first_begin.time() for begin, end in timings):
        return None
    days = [begin.date() for begin, _end in timings]
    gaps = [(later - earlier).days for earlier, later in zip(days, days[1:])]
    step = min(gaps)
    if step <= 0 or any(gap % step for gap in gaps):
        return None
    span = (days[-1] - days[0]).days // step + 1
    present = set(days)
    missing = [days[0] + timedelta(days=step * index) for index in range(span) if days[0] + timedelta(days=step * index) not in present]
    if len(missing) > len(days) or span > 1000:
        return None
    if step % 7 == 0:
        frequency, interval = "WEEKLY", step // 7
    else:
        frequency, interval = "DAILY", step
    rule = f"FREQ={frequency}" + (f";INTERVAL={interval}" if interval > 1 else "") + f";UNTIL={days[-1].strftime('%Y%m%d')}"
    return rule, missing


def price_of(conditions: str) -> dict[str, Any] | None:
    """A price from OpenAgenda's free text: amounts in euros (« 10 € », « de 5 à 10 € ») give min and
    max; free only when the text says so and names no amount (« gratuit pour les moins de 12 ans »
    beside a price is a reduction, not a free event); the text itself is kept as details."""
    text = one_line(conditions)
    if not text:
        return None
    found = [match.replace(",", ".") for match in _AMOUNT.findall(text)]
    for low, high in _RANGE.findall(text):
        found += [low.replace(",", "."), high.replace(",", ".")]
    amounts = sorted({float(value) for value in found if 0 <= float(value) <= 10000})
    amounts = [int(amount) if amount.is_integer() else amount for amount in amounts]
    price: dict[str, Any] = {}
    if amounts and any(amount > 0 for amount in amounts):
        price["min"] = amounts[0]
        if amounts[-1] != amounts[0]:
            price["max"] = amounts[-1]
    elif _FREE.search(text) and not _NOT_FREE.search(text):
        price["free"] = True
    price["details"] = text[:300]
    return price


def accessibility_of(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    found: dict[str, Any] = {}
    if value.get("mi") is True:
        found["wheelchair"] = True
    others = [label for key, label in IMPAIRMENTS if value.get(key) is True]
    if others:
        found["details"] = _("Accessible aux personnes en situation de handicap {kinds} (selon la source).").format(kinds=", ".join(others))
    return found or None


def age_of(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    found = {key: value[key] for key in ("min", "max") if isinstance(value.get(key), int) and not isinstance(value.get(key), bool) and 0 <= value[key] <= 120}
    if "min" in found and "max" in found and found["max"] < found["min"]:
        found.pop("max")
    return found or None


def registration_of(value: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            continue
        kind = {"link": "registration", "email": "email", "phone": "phone"}.get(str(item.get("type")))
        if kind and kind not in found:
            found[kind] = item["value"]
    return found


class OpenagendaReader:
    format_name = "openagenda"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        self.path = path
        self.mapping = mapping
        self.document, self.events = load_items(path, ("events",), _("événements OpenAgenda"))

    def dataset(self) -> Dataset:
        return Dataset(name=slugify(self.path.stem, max_length=40))

    def items(self, ctx: Context) -> Iterator[Item | Skip]:
        for line, event in self.events:
            if not isinstance(event, dict):
                yield Skip(line, Reason("not-an-event", _("ce n'est pas un événement OpenAgenda (un objet JSON).")))
                continue
            yield from self._items(ctx, line, event)

    def _items(self, ctx: Context, line: int, event: dict[str, Any]) -> Iterator[Item | Skip]:
        title = one_line(text_of(event.get("title")))
        if "state" in event and event.get("state") != PUBLISHED:
            yield Skip(line, Reason("not-published", _("événement non publié sur OpenAgenda (state {state}).").format(state=event.get("state"))), name=title)
            return
        uid = one_line(str(event.get("uid") or ""))
        if not uid:
            yield Skip(line, Reason("no-id", _("événement sans identifiant (uid).")), name=title)
            return
        timings = timings_of(event)
        if not timings:
            yield Skip(line, Reason("no-date", _("aucun horaire lisible (timings).")), name=title)
            return
        raw = self._raw(event, title, uid)
        series = series_of(timings)
        if len(timings) == 1 or series is not None:
            begin, end = timings[0]
            rule, missing = series if series is not None else (None, [])
            yield with_source(build_event(ctx, {**raw, "start": begin, "end": end, "recurrence": rule, "exceptions": [{"day": day} for day in missing], "source_id": uid}, line), uid)
            return
        for begin, end in timings[:MAX_SPLIT]:
            split_id = f"{uid}/{begin.date().isoformat()}"
            yield with_source(build_event(ctx, {**raw, "start": begin, "end": end, "source_id": split_id}, line), split_id)
        if len(timings) > MAX_SPLIT:
            yield Skip(line, Reason("too-many-timings", _("{count} horaires irréguliers : seuls les {limit} premiers sont importés.").format(count=len(timings), limit=MAX_SPLIT)), name=title)

    def _raw(self, event: dict[str, Any], title: str, uid: str) -> dict[str, Any]:
        location = event.get("location") if isinstance(event.get("location"), dict) else {}
        street = one_line(location.get("address"))
        street = _TAIL.sub("", street).strip(" ,") if street else ""
        registration = registration_of(event.get("registration"))
        status = event.get("status") if isinstance(event.get("status"), int) else 1
        attendance = event.get("attendanceMode") if isinstance(event.get("attendanceMode"), int) else 1
        page = None
        agenda = event.get("originAgenda") if isinstance(event.get("originAgenda"), dict) else {}
        if isinstance(agenda.get("slug"), str) and isinstance(event.get("slug"), str):
            page = f"https://openagenda.com/{agenda['slug']}/events/{event['slug']}"
        return {
            "title": title,
            "summary": text_of(event.get("description")),
            "description": text_of(event.get("longDescription")) or text_of(event.get("description")),
            "categories": list_of(event.get("keywords")),
            "venue_name": location.get("name"),
            "street": street,
            "postal_code": location.get("postalCode"),
            "city": location.get("city"),
            "insee": location.get("insee"),
            "lat": location.get("latitude"),
            "lon": location.get("longitude"),
            "expect_point": True,
            "status": STATUS.get(status),
            "attendance": ATTENDANCE.get(attendance),
            "online_url": text_of(event.get("onlineAccessLink")),
            "registration": registration.get("registration"),
            "email": registration.get("email"),
            "phone": registration.get("phone"),
            "price": price_of(text_of(event.get("conditions"))),
            "accessibility": accessibility_of(event.get("accessibility")),
            "age": age_of(event.get("age")),
            "source_url": page if page and URL_PATTERN.match(page) else None,
            "notes": [],
        }
