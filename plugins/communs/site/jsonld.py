"""schema.org JSON-LD for record pages (actors and events), and the script block that carries it.

Each record page describes its record with "@id" = the page's absolute URL (site-relative when
no site URL is configured), so that an event's organizers refer to their actors by "@id".
Types: GovernmentOrganization for a collectivité or établissement public, PerformingGroup for
an artiste, LocalBusiness for an entreprise or tiers-lieu that has an address and opening hours
(openingHours is a LocalBusiness property), Organization otherwise; every event is an Event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from communs.records.directory import Directory
from communs.records.record import Record
from communs.settings import SiteSettings
from communs.site import urls
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


def actor(directory: Directory, site: SiteSettings, record: Record) -> dict:
    """The JSON-LD of an actor's page."""
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
    geo = _geo(data.get("geo"))
    if geo:
        found["geo"] = geo
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
    if kind == "LocalBusiness":
        hours = [rule.strip() for rule in str(data["opening_hours"]).split(";") if rule.strip()]
        found["openingHours"] = hours if len(hours) > 1 else hours[0]
    served = [record.folder] + [code for code in data.get("area", []) if code != record.folder]
    found["areaServed"] = [{"@type": "City", "name": _commune_name(directory, code)} for code in served]
    keywords = _keywords(directory, data)
    if keywords:
        found["keywords"] = keywords
    return found


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


def _offers(data: Mapping[str, Any]) -> dict | None:
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
    return offer


def _age_range(data: Mapping[str, Any]) -> str | None:
    age = data.get("age") or {}
    low, high = age.get("min"), age.get("max")
    if low is None and high is None:
        return None
    return f"{low if low is not None else 0}-{high if high is not None else ''}"


def _schedule(data: Mapping[str, Any]) -> dict | None:
    rule = data.get("recurrence")
    if not rule:
        return None
    parts = dict(part.split("=", 1) for part in str(rule).split(";") if "=" in part)
    start = str(data.get("start", ""))
    end = str(data.get("end", "")) if data.get("end") else ""
    schedule: dict[str, Any] = {"@type": "Schedule", "startDate": start[:10]}
    frequency = FREQUENCY.get(parts.get("FREQ", ""))
    if frequency:
        schedule["repeatFrequency"] = f"P{parts.get('INTERVAL', '1')}{frequency}"
    if "BYDAY" in parts:
        days = []
        for day in parts["BYDAY"].split(","):
            plain = day.lstrip("+-0123456789")
            # schema.org takes a DayOfWeek, or iCal's text for a ranked day ("1SU").
            days.append(SCHEMA + WEEKDAYS[plain] if day == plain and plain in WEEKDAYS else day)
        schedule["byDay"] = days
    if "BYMONTHDAY" in parts:
        schedule["byMonthDay"] = [int(d) for d in parts["BYMONTHDAY"].split(",") if d.lstrip("-").isdigit()]
    if "COUNT" in parts and parts["COUNT"].isdigit():
        schedule["repeatCount"] = int(parts["COUNT"])
    if "UNTIL" in parts:
        until = parts["UNTIL"]
        schedule["endDate"] = f"{until[:4]}-{until[4:6]}-{until[6:8]}"
    skipped = sorted(str(item.get("date")) for item in data.get("exceptions") or () if isinstance(item, Mapping) and item.get("date"))
    if skipped:
        # Days the rule gives that do not happen as the rule says (schema.org: exceptDate).
        schedule["exceptDate"] = skipped
    if "T" in start:
        schedule["startTime"] = start[11:]
        if "T" in end:
            schedule["endTime"] = end[11:]
    return schedule


def event(directory: Directory, site: SiteSettings, record: Record) -> dict:
    """The JSON-LD of an event's page."""
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
    offers = _offers(data)
    if offers:
        found["offers"] = offers
    price = data.get("price") or {}
    if isinstance(price.get("free"), bool):
        found["isAccessibleForFree"] = price["free"]
    age = _age_range(data)
    if age:
        found["typicalAgeRange"] = age
    schedule = _schedule(data)
    if schedule:
        found["eventSchedule"] = schedule
    found["inLanguage"] = LANGUAGE
    keywords = _keywords(directory, data)
    if keywords:
        found["keywords"] = keywords
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


def graph(directory: Directory, site: SiteSettings, records: list[Record]) -> dict:
    """One JSON-LD document for many records: ``{"@context": ..., "@graph": [...]}``.

    The first node is the dataset itself (schema:Dataset: licence, creator, dateModified = the
    build date), then the actors and the events, each in identifier order whatever the order of
    ``records``; every node is the one its page carries, without its own "@context". The
    directory is the context the records are read in (an event's venue and organizers), and
    may hold more than ``records``.
    """
    from communs.i18n import _

    home = urls.absolute(site.site_url, "/") if site.site_url else "/"
    data_page = urls.absolute(site.site_url, urls.data_file("")) if site.site_url else urls.data_file("")
    dataset = {
        "@type": "Dataset",
        "@id": data_page,
        "name": _("{site} : acteurs et événements").format(site=site.site_name),
        "description": _("Les acteurs de {territory} (associations, entreprises, collectivités, collectifs, tiers-lieux...) et leurs événements, tels que les publie {site}.").format(
            territory=site.territory, site=site.site_name
        ),
        "url": data_page,
        "license": site.data_licence_url,
        "creator": {"@type": "Organization", "name": site.site_name, "url": home},
        "dateModified": site.build_date.isoformat(),
        "inLanguage": LANGUAGE,
        "isAccessibleForFree": True,
        "spatialCoverage": {"@type": "Place", "name": site.territory},
    }
    nodes: list[dict] = [dataset]
    for record in sorted(records, key=lambda r: (r.kind != "actor", r.id)):
        node = actor(directory, site, record) if record.kind == "actor" else event(directory, site, record)
        node.pop("@context", None)
        nodes.append(node)
    return {"@context": CONTEXT, "@graph": nodes}
