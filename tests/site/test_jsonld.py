"""schema.org JSON-LD of record pages, and its safe embedding in HTML."""

from __future__ import annotations

import json
import re
import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest

from communs.records.content import ACTOR, EVENT, FOLDERS, RecordFile
from communs.records.directory import Directory, load_directory
from communs.records.record import Record, parse_record
from communs.settings import SiteSettings
from communs.site import jsonld
from communs.site.history import FileHistory

CONTENT = Path(__file__).parents[2] / "content"
SITE = SiteSettings(site_url="https://communs.example.org", build_date=date(2026, 10, 1))
SCRIPT = re.compile(r'^<script type="application/ld\+json">(.*)</script>$', re.DOTALL)


@pytest.fixture(scope="module")
def demo() -> Directory:
    directory, _report = load_directory(CONTENT, jobs=1)
    return directory


def make(kind: str, text: str, folder: str = "97411") -> Record:
    text = textwrap.dedent(text)
    record_id = re.search(r"^id: (\S+)", text, re.MULTILINE).group(1)
    path = Path("content") / FOLDERS[kind] / folder / f"{record_id}.yml"
    record, problems = parse_record(text.encode("utf-8"), RecordFile(path=path, kind=kind, folder=folder, display=path.as_posix()))
    assert record is not None, problems
    return record


def actor_record(kind: str = "association", extra: str = "") -> Record:
    return make(ACTOR, textwrap.dedent(f"""\
        id: compagnie-ti-kaz
        name: Compagnie Ti Kaz
        kind: {kind}
        summary: Théâtre jeune public et ateliers d'écriture en créole.
        themes: [culture]
        tags: [creole]
        commune: "97411"
        address: {{street: 12 rue de Paris, postal_code: "97400"}}
        geo: {{lat: -20.8789, lon: 55.4481}}
        area: ["97415"]
        contact: {{website: "https://ti-kaz.example.org", email: contact@ti-kaz.example.org, phone: "+262 262 00 12 34"}}
        social: {{mastodon: "https://piaille.example.org/@tikaz"}}
        identifiers: {{siret: "12345678000014", rna: W9R2003417, wikidata: Q47045, osm: node/123}}
        """) + extra)


def event_record(extra: str = "", summary: str = "Soirée maloya en plein air pour le 20 décembre.",
                 start: str = "2026-12-20T18:00:00+04:00", end: str = "2026-12-20T23:00:00+04:00") -> Record:
    return make(EVENT, textwrap.dedent(f"""\
        id: 2026-12-20-kabar-fet-kaf
        title: Kabar de la Fèt Kaf
        type: concert
        summary: {json.dumps(summary)}
        themes: [culture]
        organizers: [compagnie-ti-kaz]
        commune: "97411"
        venue: {{name: Jardin de l'État, address: {{postal_code: "97400"}}, geo: {{lat: -20.8823, lon: 55.4504}}}}
        start: "{start}"
        end: "{end}"
        """) + extra)


def directory_of(*records: Record) -> Directory:
    directory = Directory.from_records(list(records))
    for record in records:
        assert directory.schemas.is_valid(record.kind, record.data), record.id
    return directory


def test_actor():
    record = actor_record()
    data = jsonld.actor(directory_of(record), SITE, record)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Organization"
    assert data["@id"] == "https://communs.example.org/acteurs/compagnie-ti-kaz/"
    assert data["url"] == "https://ti-kaz.example.org"
    assert data["description"] == "Théâtre jeune public et ateliers d'écriture en créole."
    assert data["address"] == {"@type": "PostalAddress", "streetAddress": "12 rue de Paris", "postalCode": "97400", "addressLocality": "Saint-Denis", "addressCountry": "FR"}
    # geo belongs to a Place: an Organization is located at one.
    assert "geo" not in data
    assert data["location"] == {"@type": "Place", "address": data["address"], "geo": {"@type": "GeoCoordinates", "latitude": -20.8789, "longitude": 55.4481}}
    assert data["telephone"] == "+262 262 00 12 34" and data["email"] == "contact@ti-kaz.example.org"
    assert data["sameAs"] == ["https://piaille.example.org/@tikaz", "https://www.wikidata.org/wiki/Q47045", "https://www.openstreetmap.org/node/123"]
    assert {"@type": "PropertyValue", "propertyID": "SIRET", "value": "12345678000014"} in data["identifier"]
    assert {"@type": "PropertyValue", "propertyID": "RNA", "value": "W9R2003417"} in data["identifier"]
    assert [a["name"] for a in data["areaServed"]] == ["Saint-Denis", "Saint-Paul"]
    assert data["keywords"] == "Culture, creole"
    assert "openingHours" not in data and "dateModified" not in data  # no history given


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("collectivite", "", "GovernmentOrganization"),
        ("etablissement-public", "", "GovernmentOrganization"),
        ("artiste", "", "PerformingGroup"),
        ("entreprise", "", "Organization"),
        ("entreprise", "opening_hours: Mo-Fr 09:00-17:00; Sa 09:00-12:00\n", "LocalBusiness"),
        ("tiers-lieu", "opening_hours: Mo-Fr 09:00-17:00\n", "LocalBusiness"),
        ("association", "opening_hours: Mo-Fr 09:00-17:00\n", "Organization"),
    ],
)
def test_actor_types(kind, extra, expected):
    record = actor_record(kind, extra)
    data = jsonld.actor(directory_of(record), SITE, record)
    assert data["@type"] == expected
    if expected == "LocalBusiness":
        # A LocalBusiness is a Place: geo and hours on itself, no separate location.
        assert data["geo"]["latitude"] == -20.8789 and "location" not in data
    else:
        assert "geo" not in data and data["location"]["geo"]["latitude"] == -20.8789
    if expected == "LocalBusiness" and kind == "entreprise":
        assert data["openingHoursSpecification"] == [
            {"@type": "OpeningHoursSpecification", "dayOfWeek": [f"https://schema.org/{d}" for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")], "opens": "09:00", "closes": "17:00"},
            {"@type": "OpeningHoursSpecification", "dayOfWeek": ["https://schema.org/Saturday"], "opens": "09:00", "closes": "12:00"},
        ]


DAYS = {d[:2]: f"https://schema.org/{d}" for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Two ranges a day: one specification per range (one openingHours value could hold only one).
        ("We-Su 09:00-12:30,14:00-17:30", [("We Th Fr Sa Su", "09:00", "12:30"), ("We Th Fr Sa Su", "14:00", "17:30")]),
        # A later rule overrides the days it names (OpenStreetMap), it does not add to them.
        ("Mo-Fr 09:00-17:00; We 09:00-12:00", [("Mo Tu Th Fr", "09:00", "17:00"), ("We", "09:00", "12:00")]),
        ("Tu,Th,Fr 13:00-18:00; We 09:00-18:00", [("Tu Th Fr", "13:00", "18:00"), ("We", "09:00", "18:00")]),
        ("Mo-Fr 09:00-17:00; PH off", [("Mo Tu We Th Fr", "09:00", "17:00")]),
        ("Fr 22:00-02:00", [("Fr", "22:00", "23:59"), ("Sa", "00:00", "02:00")]),
        ("Jan-Mar Mo 10:00-12:00", []),  # not the same every week: left out rather than wrong
        ('Mo-Fr 09:00-12:00 "sur rendez-vous"', []),  # the comment says what the times mean
        ("pas une expression", []),
    ],
)
def test_opening_hours_become_specifications(text, expected):
    found = jsonld.opening_hours_specification(text)
    assert [(d["dayOfWeek"], d["opens"], d["closes"]) for d in found] == [([DAYS[x] for x in days.split()], o, c) for days, o, c in expected]


def test_event():
    actor, event = actor_record(), event_record("price: {free: true}\nage: {min: 6, max: 12}\n")
    directory = directory_of(actor, event)
    data = jsonld.event(directory, SITE, event)
    assert data["@type"] == "Event" and data["inLanguage"] == "fr"
    assert data["startDate"] == "2026-12-20T18:00:00+04:00" and data["endDate"] == "2026-12-20T23:00:00+04:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place" and data["location"]["name"] == "Jardin de l'État"
    assert data["location"]["address"]["addressLocality"] == "Saint-Denis"
    assert data["location"]["geo"]["latitude"] == -20.8823
    assert data["organizer"] == [{"@type": "Organization", "@id": jsonld.actor(directory, SITE, actor)["@id"], "name": "Compagnie Ti Kaz", "url": "https://communs.example.org/acteurs/compagnie-ti-kaz/"}]
    assert data["offers"] == {"@type": "Offer", "price": 0, "priceCurrency": "EUR", "availability": "https://schema.org/InStock"}
    assert data["isAccessibleForFree"] is True
    assert data["typicalAgeRange"] == "6-12"
    assert "eventSchedule" not in data


def test_cancelled_event():
    actor, event = actor_record(), event_record("status: cancelled\n")
    assert jsonld.event(directory_of(actor, event), SITE, event)["eventStatus"] == "https://schema.org/EventCancelled"


def test_rescheduled_event_keeps_its_previous_start():
    actor, event = actor_record(), event_record('status: rescheduled\nprevious_start: "2026-12-13T18:00:00+04:00"\n')
    data = jsonld.event(directory_of(actor, event), SITE, event)
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data["previousStartDate"] == "2026-12-13T18:00:00+04:00"


def test_online_event_has_a_virtual_location():
    actor, event = actor_record(), event_record('attendance: online\nonline_url: "https://visio.example.org/kabar"\n')
    data = jsonld.event(directory_of(actor, event), SITE, event)
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://visio.example.org/kabar"}


def test_mixed_and_moved_online_events():
    actor = actor_record()
    mixed = event_record('attendance: mixed\nonline_url: "https://visio.example.org/kabar"\n')
    data = jsonld.event(directory_of(actor, mixed), SITE, mixed)
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in data["location"]] == ["Place", "VirtualLocation"]
    moved = event_record('status: moved-online\nonline_url: "https://visio.example.org/kabar"\n')
    data = jsonld.event(directory_of(actor, moved), SITE, moved)
    assert data["eventStatus"] == "https://schema.org/EventMovedOnline"
    assert data["location"]["@type"] == "VirtualLocation"


def test_prices_and_registration():
    actor = actor_record()
    ranged = event_record('price: {min: 5, max: 12}\nregistration: "https://billets.example.org"\n')
    assert jsonld.event(directory_of(actor, ranged), SITE, ranged)["offers"] == {
        "@type": "AggregateOffer", "lowPrice": 5, "highPrice": 12, "priceCurrency": "EUR", "url": "https://billets.example.org",
        "availability": "https://schema.org/InStock",
    }
    single = event_record("price: {min: 8}\n")
    assert jsonld.event(directory_of(actor, single), SITE, single)["offers"] == {
        "@type": "Offer", "price": 8, "priceCurrency": "EUR", "availability": "https://schema.org/InStock",
    }


def test_offers_say_when_places_stop_being_available_and_since_when():
    actor = actor_record()
    history = FileHistory(datetime.fromisoformat("2026-09-02T10:00:00+04:00"), datetime.fromisoformat("2026-09-20T08:30:00+04:00"), 3)
    event = event_record("price: {min: 8}\n")
    data = jsonld.event(directory_of(actor, event), SITE, event, history)
    assert data["offers"]["validFrom"] == "2026-09-02T10:00:00+04:00"  # published then
    assert data["dateCreated"] == "2026-09-02T10:00:00+04:00" and data["dateModified"] == "2026-09-20T08:30:00+04:00"
    cancelled = event_record("price: {min: 8}\nstatus: cancelled\n")
    assert jsonld.event(directory_of(actor, cancelled), SITE, cancelled)["offers"]["availability"] == "https://schema.org/Discontinued"
    later = SiteSettings(site_url=SITE.site_url, build_date=date(2027, 1, 1))
    assert jsonld.event(directory_of(actor, event), later, event)["offers"]["availability"] == "https://schema.org/Discontinued"  # over
    assert jsonld.actor(directory_of(actor), SITE, actor, history)["dateModified"] == "2026-09-20T08:30:00+04:00"


def test_recurring_event_has_a_schedule():
    actor, event = actor_record(), event_record('recurrence: "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;UNTIL=20271231"\n')
    schedule = jsonld.event(directory_of(actor, event), SITE, event)["eventSchedule"]
    assert schedule == {
        "@type": "Schedule", "startDate": "2026-12-20", "repeatFrequency": "P2W",
        "byDay": ["https://schema.org/Saturday", "https://schema.org/Sunday"], "endDate": "2027-12-31",
        # Wall-clock times in the site's zone, since the record's offset is that zone's.
        "startTime": "18:00:00", "endTime": "23:00:00", "scheduleTimezone": "Indian/Reunion",
    }
    monthly = event_record('recurrence: "FREQ=MONTHLY;BYDAY=1SU;COUNT=10"\n')
    schedule = jsonld.event(directory_of(actor, monthly), SITE, monthly)["eventSchedule"]
    assert schedule["repeatFrequency"] == "P1M" and schedule["byDay"] == ["1SU"] and schedule["repeatCount"] == 10


def test_a_series_start_date_is_its_next_occurrence_not_its_first():
    """After the first Saturday, a weekly market is still to come: startDate says when next."""
    actor = actor_record()
    market = event_record('recurrence: "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231"\nexceptions: [{date: "2027-01-02", status: cancelled}]\n',
                          start="2026-09-05T06:30:00+04:00", end="2026-09-05T12:00:00+04:00")
    directory = directory_of(actor, market)
    on = lambda day: jsonld.event(directory, SiteSettings(site_url=SITE.site_url, build_date=day), market)  # noqa: E731
    data = on(date(2026, 10, 1))
    assert (data["startDate"], data["endDate"]) == ("2026-10-03T06:30:00+04:00", "2026-10-03T12:00:00+04:00")
    assert data["eventSchedule"]["startDate"] == "2026-09-05" and data["eventSchedule"]["endDate"] == "2027-12-31"
    assert data["eventSchedule"]["exceptDate"] == ["2027-01-02"]
    assert on(date(2026, 12, 27))["startDate"] == "2027-01-09T06:30:00+04:00"  # the 2 January one is cancelled
    assert on(date(2028, 3, 1))["startDate"] == "2027-12-25T06:30:00+04:00"  # over: its last date
    # An offset that is not the site's zone: times keep their offset, no scheduleTimezone.
    paris = SiteSettings(site_url=SITE.site_url, build_date=date(2026, 10, 1), timezone="Europe/Paris")
    schedule = jsonld.event(directory, paris, market)["eventSchedule"]
    assert schedule["startTime"] == "06:30:00+04:00" and "scheduleTimezone" not in schedule


def test_script_tag_escapes_a_hostile_summary():
    hostile = "</script><script>alert(1)</script><!-- & javascript:alert(1)"
    actor, event = actor_record(), event_record(summary=hostile)
    data = jsonld.event(directory_of(actor, event), SITE, event)
    tag = jsonld.script_tag(data)
    inner = SCRIPT.match(tag).group(1)
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert "\\u003c/script\\u003e" in inner
    assert json.loads(inner) == data  # the escapes read back as the original text
    assert json.loads(inner)["description"] == hostile


def test_every_demo_page_has_valid_embeddable_jsonld(demo):
    for record in list(demo.actors.values()) + list(demo.events.values()):
        data = jsonld.actor(demo, SITE, record) if record.kind == ACTOR else jsonld.event(demo, SITE, record)
        inner = SCRIPT.match(jsonld.script_tag(data)).group(1)
        assert "</" not in inner
        assert json.loads(inner)["@id"].startswith("https://communs.example.org/")
    organizers = {o["@id"] for e in demo.events.values() for o in jsonld.event(demo, SITE, e).get("organizer", [])}
    actor_ids = {jsonld.actor(demo, SITE, a)["@id"] for a in demo.actors.values()}
    assert organizers and organizers <= actor_ids


def test_an_organisation_without_coordinates_or_hours_has_no_location_of_its_own():
    record = make(ACTOR, textwrap.dedent("""\
        id: atelier-zot
        name: Atelier Zot
        kind: association
        summary: Un atelier sans adresse précise.
        themes: [culture]
        commune: "97411"
        """))
    data = jsonld.actor(directory_of(record), SITE, record)
    assert "location" not in data and "geo" not in data  # never the commune's centre as a position
    assert data["address"]["addressLocality"] == "Saint-Denis"
