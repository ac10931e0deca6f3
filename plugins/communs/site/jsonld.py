"""schema.org JSON-LD for record pages (actors and events), and the script block that carries it.

Each record page describes its record with "@id" = the page's absolute URL (site-relative when
no site URL is configured), so that an event's organizers refer to their actors by "@id".
Types: GovernmentOrganization for a collectivité or établissement public, PerformingGroup for
an artiste, LocalBusiness for an entreprise or tiers-lieu that has an address and opening hours,
Organization otherwise; every event is an Event.

Where an actor is
    ``geo`` and ``openingHoursSpecification`` are properties of a Place. A LocalBusiness is a
    Place and carries them itself; any other organisation has a ``location``: a Place with its
    address, its coordinates (only the record's own: the commune's centre is never given as a
    position) and its opening hours.

Opening hours
    The record's OpenStreetMap expression is read by ``records.hours.weekly_hours`` (the parse
    the GoGoCarto export shares); when it is a plain weekly pattern, it is written as
    ``openingHoursSpecification`` (one node per time range and its days), whatever the OSM
    shorthand (``We-Su 09:00-12:30,14:00-17:30``, later rules overriding earlier ones). An
    expression that depends on dates (months, week numbers) or comments its times ("sur
    rendez-vous") is left out rather than written wrong.

Series (schema.org's guidance for repeating events)
    ``startDate``/``endDate`` are those of the next occurrence not cancelled on the build day
    (of the last one once the series is over), so that a weekly market is never shown as past
    while it runs; ``eventSchedule`` carries the series: its first day (``startDate``),
    ``endDate`` or ``repeatCount``, ``repeatFrequency``, ``byDay``/``byMonthDay``, wall-clock
    ``startTime``/``endTime`` with ``scheduleTimezone`` (the site's IANA zone, when the record's
    offset is that zone's) and ``exceptDate`` (days the rule gives that do not happen as such).

Dates from Git
    Given a record's history, ``dateCreated``/``dateModified`` are its file's first and last
    commits, and its offers are ``validFrom`` the day it was published.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from communs.records import dates, hours
from communs.records.directory import Directory
from communs.records.record import Record
from communs.records.recurrence import Recurrence
from communs.records.rules import parse_moment
from communs.settings import SiteSettings
from communs.site import urls
from communs.site.history import FileHistory, History
from communs.site.jsontext import html_safe

CONTEXT = "https://schema.org"
SCHEMA = "https://schema.org/"
COUNTRY = "FR"
LANGUAGE = "fr"
CURRENCY = "EUR"

EVENT_STATUS = {
    "scheduled": "EventScheduled",
    "cancelled": "EventCancelled",
    "postponed": "EventPostponed",
    "rescheduled": "EventRescheduled",
    "moved-online": "EventMovedOnline",
}
ATTENDANCE = {
    "in-person": "OfflineEventAttendanceMode",
    "online": "OnlineEventAttendanceMode",
    "mixed": "MixedEventAttendanceMode",
}
FREQUENCY = {"DAILY": "D", "WEEKLY": "W", "MONTHLY": "M"}
WEEKDAYS = {
    "MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday",
    "FR": "Friday", "SA": "Saturday", "SU": "Sunday",
}
SOCIAL_ORDER = ("mastodon", "peertube", "bluesky", "facebook", "instagram", "linkedin", "youtube")


def _page(site: SiteSettings, record: Record) -> str:
    url = urls.record(record.kind, record.id)
    return urls.absolute(site.site_url, url) if site.site_url else url


def _commune_name(directory: Directory, code: str) -> str:
    found = directory.communes.get(code)
    return found.name if found is not None else code


def _postal_address(address: Mapping[str, Any] | None, locality: str) -> dict:
    address = address or {}
    found: dict[str, Any] = {"@type": "PostalAddress"}
    street = ", ".join(str(p) for p in (address.get("street"), address.get("complement")) if p)
    if street:
        found["streetAddress"] = street
    if address.get("postal_code"):
        found["postalCode"] = address["postal_code"]
    found["addressLocality"] = locality
    found["addressCountry"] = COUNTRY
    return found


def _geo(point: Any) -> dict | None:
    if isinstance(point, Mapping) and "lat" in point and "lon" in point:
        return {"@type": "GeoCoordinates", "latitude": point["lat"], "longitude": point["lon"]}
    return None


def actor_type(record: Record) -> str:
    """The schema.org type of an actor."""
    data = record.data
    kind = data.get("kind")
    if kind in ("collectivite", "etablissement-public"):
        return "GovernmentOrganization"
    if kind == "artiste":
        return "PerformingGroup"
    if kind in ("entreprise", "tiers-lieu") and data.get("address") and data.get("opening_hours"):
        return "LocalBusiness"
    return "Organization"


def _keywords(directory: Directory, data: Mapping[str, Any]) -> str:
    words = [directory.label("themes", t) for t in data.get("themes", [])]
    words += [directory.label("disciplines", d) for d in data.get("disciplines", [])]
    words += list(data.get("tags", []))
    return ", ".join(words)


def image_object(site: SiteSettings, picture: Any) -> dict:
    """A record's picture as a schema.org ImageObject (``picture``: a ``site.pictures.Picture``)."""
    def address(path: str) -> str:
        return urls.absolute(site.site_url, path) if site.site_url else path

    found = {"@type": "ImageObject", "contentUrl": address(picture.src), "caption": picture.alt, "creditText": picture.credit,
             "width": picture.width, "height": picture.height}
    if picture.licence_url:
        found["license"] = picture.licence_url
    return found


def actor(directory: Directory, site: SiteSettings, record: Record, history: FileHistory | None = None, picture: Any = None) -> dict:
    """The JSON-LD of an actor's page (``history``: its file's, for its dates)."""
    data = record.data
    page = _page(site, record)
    kind = actor_type(record)
    contact = data.get("contact") or {}
    found: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": kind,
        "@id": page,
        "name": record.name,
        "description": data.get("summary", ""),
        "url": contact.get("website") or page,
        "mainEntityOfPage": page,
        "address": _postal_address(data.get("address"), _commune_name(directory, record.folder)),
    }
    address = found["address"]
    place: dict[str, Any] = found if kind == "LocalBusiness" else {"@type": "Place", "address": address}
    geo = _geo(data.get("geo"))
    if geo:
        place["geo"] = geo
    hours = opening_hours_specification(data.get("opening_hours")) if data.get("opening_hours") else []
    if hours:
        place["openingHoursSpecification"] = hours
    if place is not found and len(place) > 2:  # more than the address the node already has
        found["location"] = place
    if contact.get("phone"):
        found["telephone"] = contact["phone"]
    if contact.get("email"):
        found["email"] = contact["email"]
    social = data.get("social") or {}
    identifiers = data.get("identifiers") or {}
    same_as = [social[name] for name in SOCIAL_ORDER if social.get(name)]
    same_as += [social[name] for name in sorted(social) if name not in SOCIAL_ORDER and social.get(name)]
    if identifiers.get("wikidata"):
        same_as.append(f"https://www.wikidata.org/wiki/{identifiers['wikidata']}")
    if identifiers.get("osm"):
        same_as.append(f"https://www.openstreetmap.org/{identifiers['osm']}")
    if same_as:
        found["sameAs"] = same_as
    properties = [
        {"@type": "PropertyValue", "propertyID": label, "value": identifiers[key]}
        for key, label in (("siret", "SIRET"), ("rna", "RNA"))
        if identifiers.get(key)
    ]
    if properties:
        found["identifier"] = properties
    served = [record.folder] + [code for code in data.get("area", []) if code != record.folder]
    found["areaServed"] = [{"@type": "City", "name": _commune_name(directory, code)} for code in served]
    keywords = _keywords(directory, data)
    if keywords:
        found["keywords"] = keywords
    _links(directory, site, record, found)
    if picture is not None:
        found["image"] = image_object(site, picture)
    _dates(found, history)
    return found


# Links between actors in schema.org's words, each way; partners have no schema.org property.
LINKS_OUT = {"member-of": "memberOf", "part-of": "parentOrganization", "supported-by": "funder"}
LINKS_IN = {"member-of": "member", "part-of": "subOrganization"}


def _links(directory: Directory, site: SiteSettings, record: Record, found: dict) -> None:
    def node(other: Record) -> dict:
        return {"@type": actor_type(other), "@id": _page(site, other), "name": other.name}

    for link in directory.links_from(record.id):
        if link.ended(site.build_date):
            continue  # schema.org says what is: a membership that ended is on the page, not here
        if link.type in LINKS_OUT:
            found.setdefault(LINKS_OUT[link.type], []).append(node(link.target))
        elif link.type == "hosted-by" and "location" not in found and actor_type(record) != "LocalBusiness":
            found["location"] = {"@type": "Place", "name": link.target.name, "url": _page(site, link.target)}
    for link in directory.links_to(record.id):
        if link.type in LINKS_IN and not link.ended(site.build_date):
            found.setdefault(LINKS_IN[link.type], []).append(node(link.source))


def _dates(found: dict, history: FileHistory | None) -> None:
    if history is not None:
        found["dateCreated"] = history.created.isoformat()
        found["dateModified"] = history.changed.isoformat()


# Opening hours -------------------------------------------------------------------------------

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@lru_cache(maxsize=1024)
def _specification(text: str) -> tuple[tuple[tuple[str, ...], str, str], ...]:
    week = hours.weekly_hours(text)
    if week is None:
        return ()
    ranges: dict[tuple[str, str], list[str]] = {}
    for day, found in enumerate(week):
        for opens, closes in found:
            closes = "23:59" if closes == hours.END_OF_DAY else closes  # schema.org: end of day
            ranges.setdefault((opens, closes), []).append(DAY_NAMES[day])
    ordered = sorted(ranges.items(), key=lambda item: (DAY_NAMES.index(item[1][0]), item[0]))
    return tuple((tuple(days), opens, closes) for (opens, closes), days in ordered)


def opening_hours_specification(text: Any) -> list[dict]:
    """schema.org OpeningHoursSpecification nodes for an OpenStreetMap opening_hours value; none
    when the value is not a plain weekly schedule."""
    return [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": [SCHEMA + day for day in days], "opens": opens, "closes": closes}
        for days, opens, closes in _specification(str(text))
    ]


# Events --------------------------------------------------------------------------------------


def _place(directory: Directory, site: SiteSettings, event: Record) -> dict:
    venue = event.data.get("venue")
    host = directory.venue_of(event)
    if host is not None:
        place: dict[str, Any] = {
            "@type": "Place",
            "name": host.name,
            "address": _postal_address(host.data.get("address"), _commune_name(directory, host.folder)),
            "url": _page(site, host),
        }
        geo = _geo(host.data.get("geo"))
    elif isinstance(venue, Mapping):
        place = {
            "@type": "Place",
            "name": venue.get("name", ""),
            "address": _postal_address(venue.get("address"), _commune_name(directory, event.folder)),
        }
        geo = _geo(venue.get("geo"))
    else:
        name = _commune_name(directory, event.folder)
        place = {"@type": "Place", "name": name, "address": _postal_address(None, name)}
        geo = None
    if geo:
        place["geo"] = geo
    return place


def _offers(data: Mapping[str, Any], available: bool, history: FileHistory | None) -> dict | None:
    price = data.get("price") or {}
    registration = data.get("registration")
    low, high = price.get("min"), price.get("max")
    if price.get("free"):
        offer: dict[str, Any] = {"@type": "Offer", "price": 0, "priceCurrency": CURRENCY}
    elif low is not None and high is not None and low != high:
        offer = {"@type": "AggregateOffer", "lowPrice": low, "highPrice": high, "priceCurrency": CURRENCY}
    elif low is not None or high is not None:
        offer = {"@type": "Offer", "price": low if low is not None else high, "priceCurrency": CURRENCY}
    elif registration:
        offer = {"@type": "Offer"}
    else:
        return None
    if price.get("details"):
        offer["description"] = price["details"]
    if registration:
        offer["url"] = registration
    # What the directory knows: places are open while the event is to come and not cancelled
    # (sold-out is not recorded); the offer stands since the record was published.
    offer["availability"] = SCHEMA + ("InStock" if available else "Discontinued")
    if history is not None:
        offer["validFrom"] = history.created.isoformat()
    return offer


def _age_range(data: Mapping[str, Any]) -> str | None:
    age = data.get("age") or {}
    low, high = age.get("min"), age.get("max")
    if low is None and high is None:
        return None
    return f"{low if low is not None else 0}-{high if high is not None else ''}"


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _schedule(data: Mapping[str, Any], timezone_name: str = "") -> dict | None:
    """The schema:Schedule of a series (see the module's docstring), None for one date."""
    rule = data.get("recurrence")
    if not rule:
        return None
    parsed = Recurrence.parse(str(rule))
    start = str(data.get("start", ""))
    end = str(data.get("end", "")) if data.get("end") else ""
    schedule: dict[str, Any] = {"@type": "Schedule", "startDate": start[:10]}
    schedule["repeatFrequency"] = f"P{parsed.interval}{FREQUENCY[parsed.frequency]}"
    if parsed.days:
        # schema.org takes a DayOfWeek, or iCal's text for a ranked day ("1SU").
        schedule["byDay"] = [
            SCHEMA + WEEKDAYS[code] if rank is None else code
            for (rank, _weekday), code in zip(parsed.days, parsed.day_codes())
        ]
    if parsed.month_days:
        schedule["byMonthDay"] = list(parsed.month_days)
    if parsed.count is not None:
        schedule["repeatCount"] = parsed.count
    first = parse_moment(start)
    last = parsed.until_day(first) if first is not None else None
    if last is not None:
        schedule["endDate"] = last.isoformat()
    skipped = sorted(str(item.get("date")) for item in data.get("exceptions") or () if isinstance(item, Mapping) and item.get("date"))
    if skipped:
        # Days the rule gives that do not happen as the rule says (schema.org: exceptDate).
        schedule["exceptDate"] = skipped
    if "T" in start:
        moment = datetime.fromisoformat(start)
        zone = _zone(timezone_name) if timezone_name else None
        if zone is not None and moment.utcoffset() == moment.astimezone(zone).utcoffset():
            # Wall-clock times in the zone: a series keeps its hour across daylight-saving changes.
            schedule["startTime"] = start[11:19]
            if "T" in end:
                schedule["endTime"] = end[11:19]
            schedule["scheduleTimezone"] = timezone_name
        else:
            schedule["startTime"] = start[11:]
            if "T" in end:
                schedule["endTime"] = end[11:]
    return schedule


def _shown_occurrence(data: Mapping[str, Any], today: date) -> dates.Occurrence | None:
    """The occurrence a series' startDate names: the next one not cancelled, else the last."""
    following = dates.next_occurrence(data, today)
    if following is not None:
        return following
    past = [o for o in dates.occurrences(data, end=today, limit=5000) if not o.cancelled]
    return past[-1] if past else None


def event(directory: Directory, site: SiteSettings, record: Record, history: FileHistory | None = None, picture: Any = None) -> dict:
    """The JSON-LD of an event's page (``history``: its file's, for its dates)."""
    data = record.data
    page = _page(site, record)
    status = data.get("status", "scheduled")
    attendance = "online" if status == "moved-online" else data.get("attendance", "in-person")
    found: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Event",
        "@id": page,
        "name": record.name,
        "description": data.get("summary", ""),
        "url": page,
        "startDate": data["start"],
    }
    if data.get("end"):
        found["endDate"] = data["end"]
    if data.get("recurrence"):
        shown = _shown_occurrence(data, site.build_date)
        if shown is not None:
            found["startDate"] = dates.iso(shown.start)
            if data.get("end"):
                found["endDate"] = dates.iso(shown.end)
    if data.get("previous_start"):
        found["previousStartDate"] = data["previous_start"]
    found["eventStatus"] = SCHEMA + EVENT_STATUS.get(status, "EventScheduled")
    found["eventAttendanceMode"] = SCHEMA + ATTENDANCE.get(attendance, ATTENDANCE["in-person"])
    virtual = {"@type": "VirtualLocation", "url": data["online_url"]} if data.get("online_url") else None
    if attendance == "online" and virtual:
        found["location"] = virtual
    elif attendance == "mixed" and virtual:
        found["location"] = [_place(directory, site, record), virtual]
    else:
        found["location"] = _place(directory, site, record)
    organizers = [
        {"@type": actor_type(o), "@id": _page(site, o), "name": o.name, "url": _page(site, o)}
        for o in directory.organizers_of(record)
    ]
    if organizers:
        found["organizer"] = organizers
    available = status not in ("cancelled", "postponed") and dates.is_upcoming(data, site.build_date)
    offers = _offers(data, available, history)
    if offers:
        found["offers"] = offers
    price = data.get("price") or {}
    if isinstance(price.get("free"), bool):
        found["isAccessibleForFree"] = price["free"]
    age = _age_range(data)
    if age:
        found["typicalAgeRange"] = age
    schedule = _schedule(data, site.timezone)
    if schedule:
        found["eventSchedule"] = schedule
    found["inLanguage"] = LANGUAGE
    keywords = _keywords(directory, data)
    if keywords:
        found["keywords"] = keywords
    if picture is not None:
        found["image"] = image_object(site, picture)
    _dates(found, history)
    return found


# Embedding -----------------------------------------------------------------------------------


def dumps(data: Any) -> str:
    """JSON safe inside an HTML <script>: ``<``, ``>``, ``&`` (and the JS line separators) are
    written as \\u escapes, which JSON parsers read back unchanged, so no text of a record can
    close the script (``</script>``) or open a comment (``<!--``)."""
    return html_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def script_tag(data: Any) -> str:
    """The ``<script type="application/ld+json">`` block of a page."""
    return f'<script type="application/ld+json">{dumps(data)}</script>'


# The whole directory -------------------------------------------------------------------------


def downloads() -> list[tuple[str, str, str]]:
    """(file name under /donnees/, media type, French description) of each file of the Dataset."""
    from communs.i18n import _

    return [
        ("acteurs.json", "application/json", _("Les acteurs, champ par champ (JSON)")),
        ("acteurs.csv", "text/csv", _("Les acteurs, une ligne par fiche (CSV pour tableur)")),
        ("acteurs.geojson", "application/geo+json", _("Les acteurs sur une carte (GeoJSON)")),
        ("liens.csv", "text/csv", _("Les liens entre acteurs : membre de, fait partie de, partenaire de, accueilli par, soutenu par (CSV)")),
        ("gogocarto.json", "application/json", _("Les acteurs en activité pour une carte GoGoCarto (JSON)")),
        ("evenements.json", "application/json", _("Les événements, champ par champ (JSON)")),
        ("evenements.csv", "text/csv", _("Les événements, une ligne par fiche (CSV pour tableur)")),
        ("evenements.geojson", "application/geo+json", _("Les événements sur une carte (GeoJSON)")),
        ("evenements.ics", "text/calendar", _("L'agenda (iCalendar)")),
        ("appels.json", "application/json", _("Les appels à participation (bénévoles, matériel, salles, compétences, partenaires), ouverts ou clos, champ par champ (JSON)")),
        ("appels.csv", "text/csv", _("Les appels à participation, une ligne par appel (CSV pour tableur)")),
        ("lieux-mediation-numerique.csv", "text/csv", _("Les lieux de médiation numérique, au format du schéma national (CSV)")),
        ("datapackage.json", "application/json", _("La description des fichiers CSV, colonne par colonne (Frictionless Data Package)")),
        ("LISEZMOI.txt", "text/plain", _("Description des fichiers et de leurs colonnes")),
    ]


def dataset(site: SiteSettings, history: History | None = None) -> dict:
    """The directory as a schema:Dataset, with one DataDownload per file of /donnees/
    (dateModified: the latest change of a record when Git history is known, else the build day)."""
    from communs.i18n import _

    def address(path: str) -> str:
        return urls.absolute(site.site_url, path) if site.site_url else path

    home = address("/")
    data_page = address(urls.data_file(""))
    modified = history.changes[0].moment.isoformat() if history is not None and history.changes else site.build_date.isoformat()
    return {
        "@type": "Dataset",
        "@id": data_page,
        "name": _("{site} : acteurs et événements").format(site=site.site_name),
        "description": _("Les acteurs de {territory} (associations, entreprises, collectivités, collectifs, tiers-lieux...) et leurs événements, tels que les publie {site}.").format(
            territory=site.territory, site=site.site_name
        ),
        "url": data_page,
        "license": site.data_licence_url,
        "creator": {"@type": "Organization", "name": site.site_name, "url": home},
        "dateModified": modified,
        "inLanguage": LANGUAGE,
        "isAccessibleForFree": True,
        "spatialCoverage": {"@type": "Place", "name": site.territory},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": name,
                "description": description,
                "encodingFormat": media,
                "contentUrl": address(urls.data_file(name)),
                "license": site.data_licence_url,
            }
            for name, media, description in downloads()
        ],
    }


def graph(directory: Directory, site: SiteSettings, records: list[Record], history: History | None = None) -> dict:
    """One JSON-LD document for many records: ``{"@context": ..., "@graph": [...]}``.

    The first node is the dataset itself (schema:Dataset: licence, creator, downloads,
    dateModified), then the actors and the events, each in identifier order whatever the order
    of ``records``; every node is the one its page carries, without its own "@context". The
    directory is the context the records are read in (an event's venue and organizers), and
    may hold more than ``records``.
    """
    nodes: list[dict] = [dataset(site, history)]
    # Calls to take part have no schema.org type that readers use: they are in appels.json.
    for record in sorted((r for r in records if r.kind in ("actor", "event")), key=lambda r: (r.kind != "actor", r.id)):
        own = history.of_record(record.kind, record.folder, record.stem) if history is not None else None
        node = actor(directory, site, record, own) if record.kind == "actor" else event(directory, site, record, own)
        node.pop("@context", None)
        nodes.append(node)
    return {"@context": CONTEXT, "@graph": nodes}


def data_page(site: SiteSettings, history: History | None = None) -> dict:
    """The JSON-LD of /donnees/: the Dataset and its downloads."""
    return {"@context": CONTEXT, **dataset(site, history)}
