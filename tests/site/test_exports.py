"""The open-data exports: valid formats, licence and source stated, deterministic bytes."""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
import xml.etree.ElementTree as ElementTree
from datetime import date, datetime, timezone
from pathlib import Path

import geojson
import icalendar
import pytest
from gogocarto_helpers import gogocarto_flattened, gogocarto_mapped, gogocarto_open_hours

from communs.records.content import ACTOR, EVENT, FOLDERS, RecordFile
from communs.records.directory import Directory, load_directory
from communs.records.record import Record, parse_record
from communs.settings import SiteSettings
from communs.site import exports, urls

CONTENT = Path(__file__).parents[2] / "content"
SITE = SiteSettings(site_url="https://communs.example.org", build_date=date(2026, 10, 1))
MARKET = "2026-09-05-marche-forain-du-guillaume"
FESTIVAL = "2027-05-14-festival-lantouraz-maloya"


@pytest.fixture(scope="module")
def demo() -> Directory:
    directory, _report = load_directory(CONTENT, jobs=1)
    return directory


def make(kind: str, text: str, folder: str = "97411") -> Record:
    """A record from YAML text, as if read from content/<kind>/<folder>/<id>.yml."""
    text = textwrap.dedent(text)
    record_id = re.search(r"^id: (\S+)", text, re.MULTILINE).group(1)
    path = Path("content") / FOLDERS[kind] / folder / f"{record_id}.yml"
    record, problems = parse_record(text.encode("utf-8"), RecordFile(path=path, kind=kind, folder=folder, display=path.as_posix()))
    assert record is not None, problems
    return record


ACTOR_TEXT = """\
id: compagnie-ti-kaz
name: Compagnie Ti Kaz
kind: association
summary: "=HYPERLINK(\\"https://evil.example.org\\") </script><script>alert(1)</script> javascript:alert(1)"
themes: [culture, education]
commune: "97411"
address: {street: 12 rue de Paris, postal_code: "97400"}
geo: {lat: -20.8789, lon: 55.4481}
contact: {phone: "+262 262 00 12 34", email: contact@ti-kaz.example.org}
"""


def event_text(record_id: str, start: str, end: str | None = None, **extra: str) -> str:
    lines = [
        f"id: {record_id}",
        "title: Un événement de test",
        "type: atelier",
        "summary: Un atelier pour vérifier les exports de communs.",
        "themes: [culture]",
        "organizers: [compagnie-ti-kaz]",
        'commune: "97411"',
        "venue: {name: Jardin de l'État, geo: {lat: -20.8823, lon: 55.4504}}",
        f'start: "{start}"',
    ]
    if end:
        lines.append(f'end: "{end}"')
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def small() -> Directory:
    records = [
        make(ACTOR, ACTOR_TEXT),
        make(EVENT, event_text("2026-06-01-passe", "2026-06-01T10:00:00+04:00", "2026-06-01T12:00:00+04:00")),
        make(EVENT, event_text("2026-09-30-hier-soir", "2026-09-30T20:00:00+04:00", "2026-09-30T23:00:00+04:00")),
        make(EVENT, event_text("2026-09-29-jusqu-a-aujourd-hui", "2026-09-29", "2026-10-01")),
        make(EVENT, event_text("2026-12-01-annule", "2026-12-01T10:00:00+04:00", status="cancelled")),
        make(EVENT, event_text("2026-01-03-chaque-samedi", "2026-01-03T08:00:00+04:00", "2026-01-03T12:00:00+04:00", recurrence="FREQ=WEEKLY;BYDAY=SA")),
        make(EVENT, event_text("2026-01-04-dix-dimanches", "2026-01-04T08:00:00+04:00", recurrence="FREQ=WEEKLY;BYDAY=SU;COUNT=10")),
        make(EVENT, event_text("2026-01-05-jusqu-en-octobre", "2026-01-05", recurrence="FREQ=WEEKLY;BYDAY=MO;UNTIL=20261005")),
    ]
    directory = Directory.from_records(records)
    for record in records:
        assert directory.schemas.is_valid(record.kind, record.data), record.id
    return directory


def events_of(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(e["uid"]).split("@")[0]: e for e in calendar.walk("VEVENT") if "recurrence-id" not in e}  # the series, not its changed days


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


# GeoJSON -------------------------------------------------------------------------------------


def test_actors_geojson_is_valid_rfc7946_with_lon_lat_order(demo):
    data = exports.actors_geojson(demo, SITE)
    collection = geojson.loads(data)
    assert collection.is_valid, collection.errors()
    assert collection["licence"] == SITE.data_licence and collection["source"] == "https://communs.example.org/donnees/"
    assert len(collection["features"]) == len(demo.actors)
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 55 < lon < 56 and -21.5 < lat < -20.8  # La Réunion
        assert feature["properties"]["url"].startswith("https://communs.example.org/acteurs/")
    ti_kaz = next(f for f in collection["features"] if f["id"] == "compagnie-ti-kaz")
    assert ti_kaz["geometry"]["coordinates"] == [55.4537, -20.9268]
    assert ti_kaz["properties"]["themes"] == "culture;education"  # a string: GDAL has no list type in GPKG
    assert ti_kaz["properties"]["position_precision"] == "adresse"
    assert ti_kaz["properties"]["kind_label"] == "Association"
    assert ti_kaz["properties"]["commune_name"] == "Saint-Denis"


def test_commune_geojson_holds_only_its_actors(demo):
    collection = geojson.loads(exports.actors_geojson(demo, SITE, "97411"))
    assert collection.is_valid
    assert sorted(f["id"] for f in collection["features"]) == sorted(r.id for r in demo.actors_in("97411"))


def test_coordinates_are_rounded_to_six_decimals(small):
    actor = make(ACTOR, ACTOR_TEXT.replace("lat: -20.8789, lon: 55.4481", "lat: -20.87891234567, lon: 55.44819876543"))
    directory = Directory.from_records([actor])
    feature = json.loads(exports.actors_geojson(directory, SITE))["features"][0]
    assert feature["geometry"]["coordinates"] == [55.448199, -20.878912]


# iCalendar -----------------------------------------------------------------------------------


def test_every_calendar_parses(demo):
    everything = events_of(exports.events_ics(demo, SITE))
    assert sorted(everything) == sorted(demo.events)
    for code in demo.commune_codes():
        assert sorted(events_of(exports.events_ics(demo, SITE, code))) == sorted(r.id for r in demo.events_in(code))
    for record in demo.events.values():
        assert list(events_of(exports.event_ics(demo, SITE, record))) == [record.id]


def test_calendar_names_its_licence_and_source(demo):
    calendar = icalendar.Calendar.from_ical(exports.events_ics(demo, SITE, "97415"))
    assert str(calendar["x-wr-calname"]) == str(calendar["name"]) == "communs — agenda de Saint-Paul"
    assert "ODbL 1.0" in str(calendar["description"]) and "https://communs.example.org/donnees/" in str(calendar["description"])
    assert str(calendar["prodid"]) and str(calendar["version"]) == "2.0"


def test_vevent_fields(demo):
    market = events_of(exports.events_ics(demo, SITE))[MARKET]
    assert str(market["uid"]) == f"{MARKET}@communs.example.org"
    assert market.decoded("dtstamp") == datetime(2026, 10, 1, tzinfo=timezone.utc)
    assert str(market["summary"]) == "Marché forain du Guillaume"
    assert str(market["url"]) == f"https://communs.example.org/evenements/{MARKET}/"
    assert f"https://communs.example.org/evenements/{MARKET}/" in str(market["description"])
    assert "Place du marché du Guillaume" in str(market["location"]) and "Saint-Paul" in str(market["location"])
    assert market["geo"].latitude == pytest.approx(-21.0598) and market["geo"].longitude == pytest.approx(55.3401)
    assert str(market["status"]) == "CONFIRMED"
    assert market["categories"].cats == ["Agriculture", "Alimentation", "Économie du partage"]


def test_weekly_market_keeps_its_rrule_with_a_utc_until(demo):
    market = events_of(exports.event_ics(demo, SITE, demo.events[MARKET]))[MARKET]
    rule = market["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["SA"]
    # UNTIL=20271231 on a timed event: the end of that day in the event's offset, in UTC.
    assert rule["UNTIL"] == [datetime(2027, 12, 31, 19, 59, 59, tzinfo=timezone.utc)]
    assert "RRULE:FREQ=WEEKLY;UNTIL=20271231T195959Z;BYDAY=SA" in exports.event_ics(demo, SITE, demo.events[MARKET]).decode()


def test_timed_events_use_the_site_zone_when_the_offset_matches(demo):
    data = exports.event_ics(demo, SITE, demo.events[MARKET])
    assert b"DTSTART;TZID=Indian/Reunion:20260905T063000" in data
    assert b"BEGIN:VTIMEZONE" in data and b"TZID:Indian/Reunion" in data
    market = events_of(data)[MARKET]
    assert market.decoded("dtstart") == datetime.fromisoformat("2026-09-05T06:30:00+04:00")
    assert market.decoded("dtend") == datetime.fromisoformat("2026-09-05T12:00:00+04:00")


def test_timed_events_go_out_in_utc_when_the_offset_is_not_the_site_zone(demo):
    paris = SiteSettings(site_url="https://communs.example.org", build_date=date(2026, 10, 1), timezone="Europe/Paris")
    data = exports.event_ics(demo, paris, demo.events[MARKET])
    assert b"DTSTART:20260905T023000Z" in data and b"VTIMEZONE" not in data
    assert events_of(data)[MARKET].decoded("dtstart") == datetime.fromisoformat("2026-09-05T06:30:00+04:00")


def test_all_day_dtend_is_exclusive(demo):
    festival = events_of(exports.event_ics(demo, SITE, demo.events[FESTIVAL]))[FESTIVAL]
    assert festival["dtstart"].params["VALUE"] == "DATE" and festival["dtend"].params["VALUE"] == "DATE"
    assert festival.decoded("dtstart") == date(2027, 5, 14)
    assert festival.decoded("dtend") == date(2027, 5, 17)  # the record ends on the 16th, inclusive


def test_all_day_event_without_end_lasts_one_day_and_until_stays_a_date(small):
    event = events_of(exports.event_ics(small, SITE, small.events["2026-01-05-jusqu-en-octobre"]))["2026-01-05-jusqu-en-octobre"]
    assert event.decoded("dtend") == date(2026, 1, 6)
    assert event["rrule"]["UNTIL"] == [date(2026, 10, 5)]


def test_statuses(demo, small):
    statuses = {}
    for record in demo.events.values():
        statuses[record.data.get("status", "scheduled")] = events_of(exports.event_ics(demo, SITE, record))[record.id]
    assert str(statuses["cancelled"]["status"]) == "CANCELLED"
    assert str(statuses["cancelled"]["summary"]).startswith("Annulé : ")
    assert str(statuses["postponed"]["status"]) == "TENTATIVE"
    assert str(statuses["scheduled"]["status"]) == "CONFIRMED"
    assert str(statuses["moved-online"]["location"]).startswith("https://")
    assert "geo" not in statuses["moved-online"]  # no longer at its venue
    cancelled = events_of(exports.events_ics(small, SITE))["2026-12-01-annule"]
    assert str(cancelled["status"]) == "CANCELLED"


def test_uid_without_site_url():
    record = make(EVENT, event_text("2026-12-01-sans-site", "2026-12-01"))
    directory = Directory.from_records([record])
    event = events_of(exports.event_ics(directory, SiteSettings(build_date=date(2026, 10, 1)), record))["2026-12-01-sans-site"]
    assert str(event["uid"]) == "2026-12-01-sans-site@communs"
    assert "url" not in event


# CSV -----------------------------------------------------------------------------------------


def test_csv_header_and_rows(demo):
    for kind, data, records in (
        (ACTOR, exports.actors_csv(demo, SITE), demo.actors),
        (EVENT, exports.events_csv(demo, SITE), demo.events),
    ):
        rows = read_csv(data)
        header = rows[0]
        assert header == exports.csv_columns(demo, kind)
        assert header[0] == "id" and header[-2:] == ["url", "date_maj"] and "commune_name" in header
        assert len(rows) == len(records) + 1
        assert [row[0] for row in rows[1:]] == sorted(records)
        assert all(len(row) == len(header) for row in rows)
    actor_header = exports.csv_columns(demo, ACTOR)
    for column in ("themes", "address.street", "address.postal_code", "geo.lat", "geo.lon", "contact.email", "contact.phone", "contact.website"):
        assert column in actor_header
    assert {"venue", "venue.name", "venue.geo.lat", "start", "recurrence"} <= set(exports.csv_columns(demo, EVENT))


def test_csv_values(demo):
    rows = read_csv(exports.actors_csv(demo, SITE))
    header = rows[0]
    ti_kaz = dict(zip(header, next(r for r in rows if r[0] == "compagnie-ti-kaz")))
    assert ti_kaz["themes"] == "culture|education"
    assert ti_kaz["geo.lat"] == "-20.9268" and ti_kaz["geo.lon"] == "55.4537"
    assert ti_kaz["commune_name"] == "Saint-Denis"
    assert ti_kaz["url"] == "https://communs.example.org/acteurs/compagnie-ti-kaz/"
    assert ti_kaz["description"].startswith("La **Compagnie Ti Kaz**") and "\n" in ti_kaz["description"]
    events = read_csv(exports.events_csv(demo, SITE))
    market = dict(zip(events[0], next(r for r in events if r[0] == MARKET)))
    assert market["venue.name"] == "Place du marché du Guillaume" and market["venue"] == ""
    assert market["recurrence"] == "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231"
    # A list of blocks is a JSON array that programs read back, not Python's repr of dicts.
    assert json.loads(market["exceptions"]) == demo.events[MARKET].data["exceptions"]


def test_csv_neutralises_formulas(small):
    rows = read_csv(exports.actors_csv(small, SITE))
    actor = dict(zip(rows[0], rows[1]))
    assert actor["summary"].startswith("'=HYPERLINK(")
    # A phone is no formula: E.164, exact for programs, without the apostrophe.
    assert actor["contact.phone"] == "+262262001234"
    assert json.loads(exports.actors_json(small, SITE))["data"][0]["summary"].startswith("=HYPERLINK(")


# JSON ----------------------------------------------------------------------------------------


def test_json_counts_and_fields(demo):
    for data, records, prefix in (
        (exports.actors_json(demo, SITE), demo.actors, "/acteurs/"),
        (exports.events_json(demo, SITE), demo.events, "/evenements/"),
    ):
        document = json.loads(data)
        assert document["count"] == len(document["data"]) == len(records)
        assert document["licence"] == "ODbL 1.0" and document["licence_url"].startswith("https://")
        assert document["source"] == "https://communs.example.org/donnees/"
        assert document["generated"] == "2026-10-01"
        assert [item["id"] for item in document["data"]] == sorted(records)
        for item in document["data"]:
            record = records[item["id"]]
            assert item["url"] == f"https://communs.example.org{prefix}{record.id}/"
            assert item["commune_name"] == demo.commune(record.folder).name
            assert {k: v for k, v in item.items() if k not in ("url", "commune_name")} == json.loads(json.dumps(dict(record.data)))


def test_urls_are_site_relative_without_a_site_url(demo):
    site = SiteSettings(build_date=date(2026, 10, 1))
    document = json.loads(exports.actors_json(demo, site))
    assert document["data"][0]["url"].startswith("/acteurs/")
    assert document["source"] == "communs"


def gogocarto_elements(directory: Directory) -> dict[str, dict]:
    return {e["id"]: e for e in json.loads(exports.gogocarto_json(directory, SITE))["data"]}


def test_gogocarto_export(demo):
    document = json.loads(exports.gogocarto_json(demo, SITE))
    assert document["licence"] == "ODbL 1.0" and isinstance(document["data"], list)
    for element in document["data"]:
        assert element["id"] and element["name"] and element["categories"]
        assert 55 < element["geo"]["longitude"] < 56 and -21.5 < element["geo"]["latitude"] < -20.8
        assert element["address"]["addressCountry"] == "FR" and element["address"]["addressLocality"]
    ti_kaz = next(e for e in document["data"] if e["id"] == "compagnie-ti-kaz")
    assert ti_kaz["address"] == {"streetAddress": "14 chemin des Hortensias, Le Brûlé", "addressLocality": "Saint-Denis", "postalCode": "97400",
                                 "addressCountry": "FR", "customFormatedAddress": ""}
    assert ti_kaz["codeInsee"] == "97411"
    assert ti_kaz["categories"] == ["Culture", "Éducation"]
    assert ti_kaz["category_type"] == ["Association"] and ti_kaz["category_discipline"] == ["Théâtre", "Conte"]
    assert ti_kaz["tags"] == ["creole", "jeune-public", "kabar"] and ti_kaz["url"] == "https://communs.example.org/acteurs/compagnie-ti-kaz/"
    assert ti_kaz["email"] == "contact@ti-kaz.example.org" and ti_kaz["telephone"] == "+262 262 00 11 01"
    assert ti_kaz["website"] == "https://ti-kaz.example.org" and ti_kaz["source"] == SITE.site_name
    assert ti_kaz["description"] == demo.actors["compagnie-ti-kaz"].data["summary"]
    assert ti_kaz["descriptionMore"] == demo.actors["compagnie-ti-kaz"].data["description"]
    assert "status" not in ti_kaz and "type" not in ti_kaz and "opening_hours" not in ti_kaz


def test_gogocarto_keys_are_what_a_fresh_map_imports_unmapped(demo):
    """Every key is one GoGoCarto maps by itself, but for the documented custom fields; the
    categories come from the themes, the kind and the disciplines."""
    readme = exports.readme(demo, SITE).decode("utf-8")
    section = readme[readme.index("GoGoCarto (gogocarto.json)\n"):]
    seen = set()
    for element in gogocarto_elements(demo).values():
        for key in gogocarto_flattened(element):
            seen.add(key)
            assert gogocarto_mapped(key) or key in exports.GOGOCARTO_CUSTOM_FIELDS, key
    assert {"id", "name", "latitude", "longitude", "streetAddress", "addressLocality", "postalCode", "addressCountry",
            "categories", "description", "descriptionMore", "email", "telephone", "website", "openHours", "source"} <= seen
    assert {key for key in seen if gogocarto_mapped(key) == "categories"} == {"categories", "category_type", "category_discipline"}
    assert set(exports.GOGOCARTO_CUSTOM_FIELDS) <= seen
    for key in seen | {"geo", "address"}:  # a map's administrator reads what each key holds
        assert re.search(rf"(?<!\w){re.escape(key)}(?!\w)", section), key
    # The custom fields are no core field under another name.
    assert not any(gogocarto_mapped(key) for key in exports.GOGOCARTO_CUSTOM_FIELDS)


def test_gogocarto_open_hours_are_what_its_openhours_reads(demo):
    """Each openHours parses as GoGoCarto's OpenHours reads it and means the record's week."""
    from communs.importers.from_gogocarto import opening_hours_of
    from communs.records import hours

    elements = gogocarto_elements(demo)
    with_hours = [r for r in demo.actors.values() if r.data.get("opening_hours") and r.id in elements]
    assert len(with_hours) >= 10
    for record in with_hours:
        element = elements[record.id]
        gogocarto_open_hours(element["openHours"])
        assert hours.weekly_hours(opening_hours_of(element["openHours"])) == hours.weekly_hours(record.data["opening_hours"]), record.id
        assert element.get("descriptionMore") == record.data.get("description"), record.id  # said in full: nothing added
    assert any(slots.count(",") == 1 for r in with_hours for slots in elements[r.id]["openHours"].values())  # two slots a day


@pytest.mark.parametrize(
    ("hours_text", "open_hours", "kept"),
    [
        ("Mo-Fr 08:00-12:00,13:30-16:30; Sa 09:00-12:00",
         {"Mo": "08:00-12:00,13:30-16:30", "Tu": "08:00-12:00,13:30-16:30", "We": "08:00-12:00,13:30-16:30",
          "Th": "08:00-12:00,13:30-16:30", "Fr": "08:00-12:00,13:30-16:30", "Sa": "09:00-12:00"}, False),
        ("Mo-Su 18:00-24:00", {day: "18:00-00:00" for day in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")}, False),
        # Three ranges a day: the first two (all GoGoCarto holds), and the value in full below the description.
        ("Mo 08:00-10:00,11:00-12:00,14:00-16:00", {"Mo": "08:00-10:00,11:00-12:00"}, True),
        # Public holidays and comments are in no week: the days GoGoCarto can hold, and the value in full.
        ("Mo-Fr 09:00-17:00; PH off", {d: "09:00-17:00" for d in ("Mo", "Tu", "We", "Th", "Fr")}, True),
        ('Mo-Fr 09:00-12:00 "sur rendez-vous"', None, True),
        ("Jan-Mar Mo 10:00-12:00", None, True),
    ],
)
def test_gogocarto_open_hours_of_a_record(hours_text, open_hours, kept):
    text = ACTOR_TEXT + f"opening_hours: '{hours_text}'\ndescription: |\n  Une compagnie.\n"
    element = gogocarto_elements(Directory.from_records([make(ACTOR, text)]))["compagnie-ti-kaz"]
    assert element.get("openHours") == open_hours
    if open_hours:
        gogocarto_open_hours(open_hours)
    written = f"Horaires d'ouverture (syntaxe OpenStreetMap) : {hours_text}"
    assert element["descriptionMore"] == (f"Une compagnie.\n\n{written}\n" if kept else "Une compagnie.\n")
    # Without a description, the hours are the whole long description.
    alone = gogocarto_elements(Directory.from_records([make(ACTOR, ACTOR_TEXT + f"opening_hours: '{hours_text}'\n")]))["compagnie-ti-kaz"]
    assert alone.get("descriptionMore") == (f"{written}\n" if kept else None)


def test_gogocarto_writes_empty_core_fields_that_a_new_import_must_clear():
    """ElementImportOneService sets email and the address fields only when the key is present;
    its custom fields (telephone, website...) are replaced as a whole, so they may be absent."""
    bare = ACTOR_TEXT.replace("address: {street: 12 rue de Paris, postal_code: \"97400\"}\n", "").replace(
        "contact: {phone: \"+262 262 00 12 34\", email: contact@ti-kaz.example.org}\n", "")
    element = gogocarto_elements(Directory.from_records([make(ACTOR, bare)]))["compagnie-ti-kaz"]
    assert element["email"] == ""
    assert element["address"] == {"streetAddress": "", "addressLocality": "Saint-Denis", "postalCode": "", "addressCountry": "FR", "customFormatedAddress": ""}
    assert "telephone" not in element and "website" not in element and "openHours" not in element


def test_gogocarto_leaves_out_inactive_and_defunct_actors(demo):
    texts = {status: ACTOR_TEXT.replace("compagnie-ti-kaz", f"acteur-{status}").replace("Compagnie Ti Kaz", f"Acteur {status}") + f"status: {status}\n"
             for status in ("active", "inactive", "defunct")}
    directory = Directory.from_records([make(ACTOR, ACTOR_TEXT), *(make(ACTOR, text) for text in texts.values())])
    assert set(gogocarto_elements(directory)) == {"compagnie-ti-kaz", "acteur-active"}
    left_out = {r.id for r in demo.actors.values() if r.data.get("status") in ("inactive", "defunct")}
    # The others keep their record's id: GoGoCarto finds an element again by its source and id.
    assert left_out and set(gogocarto_elements(demo)) == set(demo.actors) - left_out


# The commune map -----------------------------------------------------------------------------


def test_map_geojson_shows_actors_and_events_not_over(small):
    data = exports.map_geojson(small, SITE, "97411", date(2026, 10, 1))
    assert b"\n " not in data and b'": ' not in data  # compact
    collection = geojson.loads(data)
    assert collection.is_valid
    shown = {f["properties"]["id"]: f["properties"] for f in collection["features"]}
    assert shown["compagnie-ti-kaz"] == {
        "id": "compagnie-ti-kaz", "type": "actor", "name": "Compagnie Ti Kaz",
        "url": "/acteurs/compagnie-ti-kaz/", "subtitle": "Association", "cancelled": False, "approximate": False,
    }
    assert "2026-06-01-passe" not in shown
    assert "2026-09-30-hier-soir" not in shown  # ended yesterday evening
    assert "2026-01-04-dix-dimanches" not in shown  # its 10th Sunday was in March
    assert shown["2026-09-29-jusqu-a-aujourd-hui"]["subtitle"] == "2026-09-29"  # all-day, ends today
    assert shown["2026-12-01-annule"]["cancelled"] is True
    assert shown["2026-12-01-annule"]["url"] == "/evenements/2026-12-01-annule/"
    assert shown["2026-01-03-chaque-samedi"]["subtitle"] == "2026-10-03"  # next Saturday
    assert shown["2026-01-05-jusqu-en-octobre"]["subtitle"] == "2026-10-05"  # its last Monday
    later = json.loads(exports.map_geojson(small, SITE, "97411", date(2026, 10, 6)))
    assert "2026-01-05-jusqu-en-octobre" not in {f["properties"]["id"] for f in later["features"]}


def test_map_geojson_of_the_demo(demo):
    for code in demo.commune_codes():
        collection = geojson.loads(exports.map_geojson(demo, SITE, code, date(2026, 10, 1)))
        assert collection.is_valid
        kinds = [f["properties"]["type"] for f in collection["features"]]
        assert kinds.count("actor") == len(demo.actors_in(code))


def test_map_data_lists_events_until_their_last_occurrence(demo):
    """The commune map shows an event while an occurrence is not over (recurrences included)."""
    from communs.records.dates import next_occurrence

    def next_start(event, today):
        found = next_occurrence(event, today)
        return None if found is None else found.start

    today = date(2026, 10, 1)
    assert next_start({"start": "2026-10-01T08:00:00+04:00"}, today) == datetime.fromisoformat("2026-10-01T08:00:00+04:00")
    assert next_start({"start": "2026-09-30T08:00:00+04:00"}, today) is None
    assert next_start({"start": "2026-09-30T22:00:00+04:00", "end": "2026-10-01T02:00:00+04:00"}, today) is not None
    assert next_start({"start": "2026-09-01", "recurrence": "FREQ=MONTHLY;BYMONTHDAY=1"}, today) == date(2026, 10, 1)
    assert next_start({"start": "2026-09-01", "recurrence": "FREQ=DAILY;COUNT=30"}, today) is None  # 1–30 Sept
    assert next_start({"start": "2026-09-01", "recurrence": "FREQ=DAILY;COUNT=31"}, today) == date(2026, 10, 1)
    # UNTIL written as a UTC time: 2026-09-30T21:00Z is 1 October 01:00 in La Réunion.
    rule = {"start": "2026-09-01T01:00:00+04:00", "recurrence": "FREQ=DAILY;UNTIL=20260930T210000Z"}
    assert next_start(rule, today) == datetime.fromisoformat("2026-10-01T01:00:00+04:00")
    # And the map data of a commune uses exactly that rule.
    data = json.loads(exports.map_geojson(demo, SiteSettings(), "97415", date(2027, 1, 1)))
    market = [f for f in data["features"] if f["properties"]["id"] == "2026-09-05-marche-forain-du-guillaume"]
    assert market and market[0]["properties"]["subtitle"] == "2027-01-09"  # the next Saturday: 2 January is cancelled


# Hostile text --------------------------------------------------------------------------------


def test_hostile_text_stays_data(small):
    for data in (exports.actors_json(small, SITE), exports.actors_geojson(small, SITE), exports.gogocarto_json(small, SITE),
                 exports.map_geojson(small, SITE, "97411", date(2026, 10, 1))):
        assert b"<" not in data and b">" not in data  # escaped as \u003c / \u003e
        json.loads(data)
    document = json.loads(exports.actors_json(small, SITE))
    assert "</script><script>alert(1)</script>" in document["data"][0]["summary"]  # intact once parsed
    rows = read_csv(exports.actors_csv(small, SITE))
    assert len(rows) == 2
    events_of(exports.events_ics(small, SITE))


# Writing -------------------------------------------------------------------------------------


def test_exports_are_deterministic(demo):
    first = [(export.url, export.data()) for export in exports.exports_of(demo, SITE)]
    again, _report = load_directory(CONTENT, jobs=1)
    second = [(export.url, export.data()) for export in exports.exports_of(again, SITE)]
    assert [url for url, _data in first] == [url for url, _data in second]
    for (url, one), (_url, two) in zip(first, second):
        assert one == two, url


def test_write_exports_writes_every_file_then_only_changes(demo, tmp_path):
    written = exports.write_exports(demo, tmp_path, SITE)
    relative = {p.relative_to(tmp_path).as_posix() for p in written}
    for name in ("acteurs.json", "acteurs.csv", "acteurs.geojson", "evenements.json", "evenements.csv", "evenements.geojson", "evenements.ics", "gogocarto.json",
                 "appels.json", "appels.csv", "lieux-mediation-numerique.csv", "datapackage.json", "LISEZMOI.txt", "catalogue.jsonld"):
        assert f"donnees/{name}" in relative
    schemas = sorted(demo.schemas.by_file)
    assert {f"schemas/{name}" for name in schemas} <= relative
    for code in demo.commune_codes():
        place = demo.commune(code)
        assert f"donnees/communes/{code}.geojson" in relative and f"donnees/communes/{code}.ics" in relative
        assert urls.commune_map_data(place).lstrip("/") in relative
    for event_id in demo.events:
        assert urls.event_ics(event_id).lstrip("/") in relative
    for value in demo.labels["themes"]:
        assert f"donnees/themes/{value}.ics" in relative
    pairs = {(e.folder, t) for e in demo.events.values() for t in e.data["themes"]}
    for code, value in pairs:
        assert f"donnees/communes/{code}/{value}.ics" in relative
    assert len(relative) == len(written) == 15 + len(schemas) + 3 * len(demo.commune_codes()) + len(demo.labels["themes"]) + len(pairs) + len(demo.events)
    assert not list(tmp_path.rglob("*.tmp"))

    readme = (tmp_path / "donnees" / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert "ODbL 1.0" in readme and "https://communs.example.org/donnees/" in readme and "2026-10-01" in readme

    times = {p: p.stat().st_mtime_ns for p in written}
    assert exports.write_exports(demo, tmp_path, SITE) == []
    assert {p: p.stat().st_mtime_ns for p in written} == times

    tampered = tmp_path / "donnees" / "acteurs.csv"
    tampered.write_bytes(b"x")
    assert exports.write_exports(demo, tmp_path, SITE) == [tampered]
    later = SiteSettings(site_url=SITE.site_url, build_date=date(2026, 10, 2))
    changed = {p.relative_to(tmp_path).as_posix() for p in exports.write_exports(demo, tmp_path, later)}
    assert "donnees/acteurs.geojson" not in changed  # nothing in it depends on the date
    assert "donnees/acteurs.json" in changed and "donnees/evenements.ics" in changed


def test_big_exports_are_streamed_to_their_file_with_the_bytes_made_whole(demo, tmp_path):
    """The whole-directory files go to disk piece by piece (never held whole): with or without
    the build cache, cold or over other bytes, they are the bytes ``Export.data()`` makes."""
    from communs.site.buildcache import BuildCache

    made = {export.url: export.data() for export in exports.exports_of(demo, SITE) if export.pieced is not None}
    assert {urls.data_file(name) for name in ("acteurs.json", "acteurs.csv", "gogocarto.json", "evenements.ics")} <= set(made)
    exports.write_exports(demo, tmp_path / "plain", SITE)
    for url, data in made.items():
        assert (tmp_path / "plain" / url.lstrip("/")).read_bytes() == data, url
    output = tmp_path / "cached"
    for name in ("acteurs.json", "evenements.ics"):  # other bytes already there, longer and shorter
        (output / "donnees").mkdir(parents=True, exist_ok=True)
        (output / "donnees" / name).write_bytes(made[urls.data_file(name)][:100] if name.endswith(".json") else made[urls.data_file(name)] * 2)
    cache = BuildCache.for_output(tmp_path / "cache", output, "v1")
    exports.write_exports(demo, output, SITE, cache=cache)
    for url, data in made.items():
        assert (output / url.lstrip("/")).read_bytes() == data, url
    assert not [p for p in output.rglob(".*") if p.is_file()]  # no scratch file left behind


@pytest.mark.parametrize("text", ["=1+1", " =1+1", "\u00a0=1+1", "\u202f@SUM(A1)", "  -2+3"])
def test_csv_neutralises_formulas_even_after_leading_spaces(text):
    assert exports._cell(text) == "'" + text
    assert exports._cell("Théâtre = passion") == "Théâtre = passion"


# Approximate positions, events GeoJSON, dates ------------------------------------------------


def test_an_actor_without_coordinates_is_marked_as_placed_at_its_communes_centre():
    located = make(ACTOR, ACTOR_TEXT)
    vague = make(ACTOR, ACTOR_TEXT.replace("compagnie-ti-kaz", "atelier-zot").replace("Compagnie Ti Kaz", "Atelier Zot").replace("geo: {lat: -20.8789, lon: 55.4481}\n", ""))
    directory = Directory.from_records([located, vague])
    centre = directory.commune("97411")
    features = {f["id"]: f for f in json.loads(exports.actors_geojson(directory, SITE))["features"]}
    assert features["atelier-zot"]["geometry"]["coordinates"] == [round(centre.lon, 6), round(centre.lat, 6)]
    assert features["atelier-zot"]["properties"]["position_precision"] == "commune"
    assert features["compagnie-ti-kaz"]["properties"]["position_precision"] == "adresse"
    gogocarto = {e["id"]: e for e in json.loads(exports.gogocarto_json(directory, SITE))["data"]}
    assert gogocarto["atelier-zot"]["position_precision"] == "commune" and gogocarto["compagnie-ti-kaz"]["position_precision"] == "adresse"
    # A fresh GoGoCarto map drops the custom field; the address it shows says it instead.
    assert gogocarto["atelier-zot"]["address"]["customFormatedAddress"] == "12 rue de Paris, 97400 Saint-Denis (position approximative : centre de la commune)"
    # Empty, not absent: GoGoCarto sets an address field only when its key is there, so an
    # actor that gets coordinates loses the note at the next import.
    assert gogocarto["compagnie-ti-kaz"]["address"]["customFormatedAddress"] == ""
    shown = {f["properties"]["id"]: f["properties"] for f in json.loads(exports.map_geojson(directory, SITE, "97411", date(2026, 10, 1)))["features"]}
    assert shown["atelier-zot"]["approximate"] is True and shown["compagnie-ti-kaz"]["approximate"] is False


def test_events_geojson(small):
    online = make(EVENT, event_text("2026-12-02-en-ligne", "2026-12-02T10:00:00+04:00", attendance="online", online_url="https://visio.example.org/x"))
    nowhere = make(EVENT, event_text("2026-12-03-sans-lieu", "2026-12-03").replace("venue: {name: Jardin de l'État, geo: {lat: -20.8823, lon: 55.4504}}\n", ""))
    directory = Directory.from_records([*small.actors.values(), *small.events.values(), online, nowhere])
    collection = geojson.loads(exports.events_geojson(directory, SITE))
    assert collection.is_valid, collection.errors()
    assert collection["licence"] == SITE.data_licence
    found = {f["id"]: f for f in collection["features"]}
    assert "2026-12-02-en-ligne" not in found  # no place to map
    assert set(found) == set(directory.events) - {"2026-12-02-en-ligne"}
    saturday = found["2026-01-03-chaque-samedi"]
    assert saturday["geometry"]["coordinates"] == [55.4504, -20.8823]
    assert saturday["properties"]["position_precision"] == "adresse"
    assert saturday["properties"]["recurrence"] == "FREQ=WEEKLY;BYDAY=SA" and saturday["properties"]["start"] == "2026-01-03T08:00:00+04:00"
    assert saturday["properties"]["themes"] == "culture" and saturday["properties"]["venue_name"] == "Jardin de l'État"
    assert saturday["properties"]["type_label"] == "Atelier"
    assert found["2026-12-03-sans-lieu"]["properties"]["position_precision"] == "commune"


def test_modification_dates_come_from_the_history(small):
    from communs.site.history import FileHistory, History

    changed = datetime(2026, 9, 30, 21, 30, tzinfo=timezone.utc)  # 1 October, 01:30 in La Réunion
    history = History({"actors/97411/compagnie-ti-kaz.yml": FileHistory(datetime(2026, 1, 1, tzinfo=timezone.utc), changed, 2)}, [])
    assert json.loads(exports.actors_json(small, SITE, history))["data"][0]["date_maj"] == "2026-10-01"
    assert "date_maj" not in json.loads(exports.actors_json(small, SITE))["data"][0]  # no history, no date
    rows = read_csv(exports.actors_csv(small, SITE, history))
    assert dict(zip(rows[0], rows[1]))["date_maj"] == "2026-10-01"
    assert json.loads(exports.actors_geojson(small, SITE, history=history))["features"][0]["properties"]["date_maj"] == "2026-10-01"
    from communs.site import feeds

    sitemap = feeds.sitemap(SITE, ["/acteurs/compagnie-ti-kaz/", "/agenda/"], feeds.record_changes(small, history)).decode()
    assert "<loc>https://communs.example.org/acteurs/compagnie-ti-kaz/</loc><lastmod>2026-09-30T21:30:00+00:00</lastmod>" in sitemap
    assert "<loc>https://communs.example.org/agenda/</loc></url>" in sitemap


def test_csv_quotes_text_and_leaves_numbers_bare(small):
    text = exports.actors_csv(small, SITE).decode("utf-8-sig")
    row = dict(zip(*csv.reader(io.StringIO(text, newline=""), delimiter=";", quoting=csv.QUOTE_NONNUMERIC)))
    assert row["geo.lat"] == -20.8789 and row["commune"] == "97411" and row["address.postal_code"] == "97400"
    assert ';"97400";' in text and ";-20.8789;" in text


def test_past_the_protocols_limit_the_sitemap_is_an_index(tmp_path, monkeypatch):
    from communs.site import feeds

    monkeypatch.setattr(feeds, "SITEMAP_URLS", 2)
    pages = ["/", "/agenda/", "/acteurs/a/", "/acteurs/b/", "/acteurs/c/", "/carte.geojson"]
    files = feeds.sitemaps(SITE, pages)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    index = ElementTree.fromstring(files["sitemap.xml"])
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    assert [e.text for e in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")] == [
        f"https://communs.example.org/sitemap-{n}.xml" for n in (1, 2, 3)]
    listed = [e.text for name in ("sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml")
              for e in ElementTree.fromstring(files[name]).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert sorted(listed) == sorted(f"https://communs.example.org{p}" for p in pages if p.endswith("/"))
    assert feeds.sitemaps(SITE, pages[:2]).keys() == {"sitemap.xml"}  # under the limit: one file, as before
