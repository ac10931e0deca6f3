"""The built demo's open data, read by tools we did not write, as a re-user reads it.

JSON-LD goes through pyld (expansion to RDF), GeoJSON through the ``geojson`` package, CSV
through Python's ``csv`` module, iCalendar through ``icalendar``, the DCAT-AP catalogue through
rdflib (parsing and SPARQL), the published JSON Schemas through ``jsonschema``: each test checks
what a program that takes the files without asking would get.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import geojson
import icalendar
import pytest
from pyld import jsonld as pyld

ROOT = Path(__file__).resolve().parents[2]
DEMO_DAY = date(2026, 11, 23)  # conftest.DEMO_EPOCH
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MARKET = "2026-09-05-marche-forain-du-guillaume"


# JSON-LD -------------------------------------------------------------------------------------

# The schema.org context resolves every term to https://schema.org/<term>; the tests cannot
# reach the network, so pyld is given that much of it (the vocabulary, not our own output).
_CONTEXT = {"@context": {"@vocab": SCHEMA}}


def _loader(url, options=None):
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": _CONTEXT}


BASE = "https://demo.example.org/"  # where a reader fetched the page: site-relative ids resolve against it


def triples(document: dict) -> list[tuple[str, str, object]]:
    """The RDF triples of a JSON-LD document, as pyld reads them."""
    dataset = pyld.to_rdf(document, {"documentLoader": _loader, "base": BASE})
    found = []
    for triple in dataset["@default"]:
        obj = triple["object"]
        found.append((triple["subject"]["value"], triple["predicate"]["value"], obj["value"]))
    return found


# Domains of the properties at stake, from schema.org's definitions (a property may be used on
# its domain's subtypes; only the types our pages use are listed).
PLACES = {"Place", "LocalBusiness"}
ORGANISATIONS = {"Organization", "GovernmentOrganization", "PerformingGroup", "LocalBusiness"}
DOMAINS = {
    "geo": PLACES,
    "openingHoursSpecification": PLACES,
    "openingHours": {"LocalBusiness", "CivicStructure"},
    "eventSchedule": {"Event"},
    "scheduleTimezone": {"Schedule"},
    "repeatFrequency": {"Schedule"},
    "byDay": {"Schedule"},
    "exceptDate": {"Schedule"},
    "distribution": {"Dataset"},
    "contentUrl": {"DataDownload", "ImageObject"},  # MediaObject's subtypes
    "caption": {"ImageObject"},
    "creditText": {"ImageObject"},
    "memberOf": ORGANISATIONS,
    "member": ORGANISATIONS,
    "parentOrganization": ORGANISATIONS,
    "subOrganization": ORGANISATIONS,
    "funder": ORGANISATIONS | {"Event"},
    "encodingFormat": {"DataDownload"},
    "availability": {"Offer", "AggregateOffer"},
    "validFrom": {"Offer", "AggregateOffer", "OpeningHoursSpecification"},
}


def _script(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block, "no JSON-LD"
    return json.loads(block.group(1))


def _pages(site: Path) -> list[Path]:
    return sorted(site.glob("acteurs/*/index.html")) + sorted(site.glob("evenements/*/index.html")) + [site / "donnees" / "index.html"]


def test_every_property_is_used_on_a_type_it_belongs_to(demo_site):
    for page in _pages(demo_site):
        found = triples(_script(page.read_text(encoding="utf-8")))
        types: dict[str, set[str]] = {}
        for subject, predicate, obj in found:
            if predicate == RDF_TYPE:
                types.setdefault(subject, set()).add(str(obj).removeprefix(SCHEMA))
        for subject, predicate, _obj in found:
            name = predicate.removeprefix(SCHEMA)
            if name in DOMAINS:
                assert types.get(subject, set()) & DOMAINS[name], (page, name, types.get(subject))


def test_organisations_are_located_at_a_place_with_the_coordinates(demo_site, demo):
    data = _script((demo_site / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8"))
    found = triples(data)
    page = BASE + data["@id"].lstrip("/")
    place = next(obj for subject, predicate, obj in found if subject == page and predicate == SCHEMA + "location")
    geo = next(obj for subject, predicate, obj in found if subject == place and predicate == SCHEMA + "geo")
    latitude = next(obj for subject, predicate, obj in found if subject == geo and predicate == SCHEMA + "latitude")
    assert float(latitude) == pytest.approx(demo.actors["compagnie-ti-kaz"].data["geo"]["lat"])


def test_opening_hours_follow_schema_org_grammar(demo_site, demo):
    """`We-Su 09:00-12:30,14:00-17:30` is not a value schema.org reads: each range is a node."""
    with_hours = [r for r in demo.actors.values() if "," in str(r.data.get("opening_hours", ""))]
    assert with_hours
    for record in with_hours:
        data = _script((demo_site / "acteurs" / record.id / "index.html").read_text(encoding="utf-8"))
        holder = data if data["@type"] == "LocalBusiness" else data["location"]
        assert "openingHours" not in holder
        for spec in holder["openingHoursSpecification"]:
            assert re.fullmatch(r"\d\d:\d\d", spec["opens"]) and re.fullmatch(r"\d\d:\d\d", spec["closes"])
            assert all(day.startswith(SCHEMA) for day in spec["dayOfWeek"])


def test_the_weekly_market_is_not_past_after_its_first_saturday(demo_site):
    data = _script((demo_site / "evenements" / MARKET / "index.html").read_text(encoding="utf-8"))
    start = datetime.fromisoformat(data["startDate"])
    assert start.date() >= DEMO_DAY and start.weekday() == 5  # its next Saturday
    schedule = data["eventSchedule"]
    assert schedule["startDate"] == "2026-09-05" and schedule["scheduleTimezone"] == "Indian/Reunion"
    assert schedule["repeatFrequency"] == "P1W" and schedule["byDay"] == [SCHEMA + "Saturday"]


def test_offers_say_whether_places_are_available(demo_site):
    offers = 0
    for page in sorted(demo_site.glob("evenements/*/index.html")):
        data = _script(page.read_text(encoding="utf-8"))
        if "offers" in data:
            offers += 1
            assert data["offers"]["availability"] in (SCHEMA + "InStock", SCHEMA + "Discontinued")
            assert data["offers"]["validFrom"]  # the demo is in Git: published on its first commit
    assert offers


def test_record_pages_say_when_they_were_last_changed(demo_site):
    data = _script((demo_site / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8"))
    assert datetime.fromisoformat(data["dateModified"]) >= datetime.fromisoformat(data["dateCreated"])


def test_the_data_page_describes_a_dataset_with_its_downloads(demo_site):
    data = _script((demo_site / "donnees" / "index.html").read_text(encoding="utf-8"))
    assert data["@type"] == "Dataset" and data["license"].startswith("https://")
    downloads = {item["name"]: item for item in data["distribution"]}
    assert {"acteurs.json", "acteurs.csv", "acteurs.geojson", "evenements.json", "evenements.csv", "evenements.ics", "gogocarto.json"} <= set(downloads)
    for item in data["distribution"]:
        assert item["@type"] == "DataDownload" and item["encodingFormat"] and item["license"] == data["license"]
        assert (demo_site / item["contentUrl"].lstrip("/")).is_file(), item["contentUrl"]
    assert downloads["acteurs.csv"]["encodingFormat"] == "text/csv"
    assert downloads["evenements.ics"]["encodingFormat"] == "text/calendar"


# Positions -----------------------------------------------------------------------------------


def _geojson(path: Path) -> dict:
    collection = geojson.loads(path.read_text(encoding="utf-8"))
    assert collection.is_valid, collection.errors()
    return collection


def test_every_point_says_how_precise_it_is(demo_site, demo):
    """A record without coordinates sits at its commune's centre: every map export says so."""
    without = {r.id for r in demo.actors.values() if demo.own_position(r) is None}
    actors = _geojson(demo_site / "donnees" / "acteurs.geojson")
    precision = {f["id"]: f["properties"]["position_precision"] for f in actors["features"]}
    assert {i for i, p in precision.items() if p == "commune"} == without
    assert set(precision.values()) <= {"adresse", "commune"} and "adresse" in precision.values()
    gogocarto = json.loads((demo_site / "donnees" / "gogocarto.json").read_text(encoding="utf-8"))
    assert all(e["position_precision"] in ("adresse", "commune") for e in gogocarto["data"])
    active = {r.id for r in demo.actors.values() if r.data.get("status", "active") == "active"}
    assert {e["id"] for e in gogocarto["data"] if e["position_precision"] == "commune"} == without & active
    # What a fresh GoGoCarto map shows: it drops position_precision (a custom field) but shows the address.
    assert {e["id"] for e in gogocarto["data"] if "position approximative" in e["address"].get("customFormatedAddress", "")} == without & active
    approximate = 0
    for path in sorted(demo_site.glob("communes/*/carte.geojson")):
        for feature in _geojson(path)["features"]:
            p = feature["properties"]
            record = demo.actors.get(p["id"]) if p["type"] == "actor" else demo.events.get(p["id"])
            assert p["approximate"] is (demo.own_position(record) is None), p["id"]
            approximate += p["approximate"]
    assert approximate  # events without a place of their own, in the demo


def test_gogocarto_reads_the_built_file_with_no_mapping_but_the_taxonomy(demo_site, demo):
    """gogocarto.json as GoGoCarto's importer reads it: every key taken by a fresh map, but the
    documented custom fields; opening hours its OpenHours reads; actors in activity only."""
    from gogocarto_helpers import gogocarto_flattened, gogocarto_mapped, gogocarto_open_hours

    from communs.site.exports import GOGOCARTO_CUSTOM_FIELDS

    document = json.loads((demo_site / "donnees" / "gogocarto.json").read_text(encoding="utf-8"))
    rows = [gogocarto_flattened(element) for element in document["data"]]
    unmapped = {key for row in rows for key in row if not gogocarto_mapped(key)}
    assert unmapped == set(GOGOCARTO_CUSTOM_FIELDS)
    assert {row["id"] for row in rows} == {r.id for r in demo.actors.values() if r.data.get("status", "active") == "active"}
    assert all(row["name"] and row["latitude"] and row["longitude"] and row["categories"] for row in rows)
    with_hours = [row for row in rows if "openHours" in row]
    assert len(with_hours) == len([r for r in demo.actors.values() if r.data.get("opening_hours") and r.data.get("status", "active") == "active"])
    for row in with_hours:
        gogocarto_open_hours(row["openHours"])
    readme = (demo_site / "donnees" / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert all(field in readme.split("GoGoCarto (gogocarto.json)")[1] for field in GOGOCARTO_CUSTOM_FIELDS)


def test_events_geojson_places_events_and_marks_approximate_ones(demo_site, demo):
    events = _geojson(demo_site / "donnees" / "evenements.geojson")
    found = {f["id"]: f["properties"] for f in events["features"]}
    online = {r.id for r in demo.events.values() if r.data.get("attendance") == "online" or r.data.get("status") == "moved-online"}
    assert set(found) == set(demo.events) - online
    assert found[MARKET]["position_precision"] == "adresse" and found[MARKET]["start"] == "2026-09-05T06:30:00+04:00"
    for record_id, properties in found.items():
        assert properties["position_precision"] == ("adresse" if demo.own_position(demo.events[record_id]) else "commune")
        assert isinstance(properties["themes"], str)  # GDAL reads it as a plain string field
    assert "evenements.geojson" in (demo_site / "donnees" / "index.html").read_text(encoding="utf-8")
    assert "evenements.geojson" in (demo_site / "donnees" / "LISEZMOI.txt").read_text(encoding="utf-8")


# CSV -----------------------------------------------------------------------------------------


def _rows(path: Path, **options) -> list[dict]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";", **options))


def test_csv_phones_are_exact_e164_without_an_apostrophe(demo_site):
    import phonenumbers

    phones = [row["contact.phone"] for row in _rows(demo_site / "donnees" / "acteurs.csv") if row["contact.phone"]]
    assert phones
    for phone in phones:
        assert re.fullmatch(r"\+[1-9]\d{6,14}", phone), phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone


def test_csv_text_is_quoted_and_numbers_are_not(demo_site):
    """Read as a spreadsheet told "quoted fields are text" would: codes stay text, with their
    zeros, and coordinates are numbers."""
    for name in ("acteurs.csv", "evenements.csv"):
        rows = _rows(demo_site / "donnees" / name, quoting=csv.QUOTE_NONNUMERIC)
        assert rows
        for row in rows:
            assert isinstance(row["commune"], str) and len(row["commune"]) == 5
            assert isinstance(row["id"], str)
    actors = _rows(demo_site / "donnees" / "acteurs.csv", quoting=csv.QUOTE_NONNUMERIC)
    located = [row for row in actors if row["geo.lat"] != ""]
    assert located and all(isinstance(row["geo.lat"], float) and isinstance(row["geo.lon"], float) for row in located)
    postal = [row["address.postal_code"] for row in actors if row["address.postal_code"]]
    assert postal and all(isinstance(code, str) and len(code) == 5 for code in postal)
    readme = (demo_site / "donnees" / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert "Types des colonnes" in readme and "E.164" in readme and "geo.lat" in readme


# Dates ---------------------------------------------------------------------------------------


def test_records_carry_their_last_change_everywhere(demo_site, demo):
    from communs.site.history import read_history

    history = read_history(ROOT / "content")
    known = history.of_record("actor", "97411", "compagnie-ti-kaz")
    day = known.changed.astimezone(ZoneInfo("Indian/Reunion")).date().isoformat()
    actors = json.loads((demo_site / "donnees" / "acteurs.json").read_text(encoding="utf-8"))["data"]
    assert all(item["date_maj"] for item in actors)
    assert next(item for item in actors if item["id"] == "compagnie-ti-kaz")["date_maj"] == day
    rows = _rows(demo_site / "donnees" / "acteurs.csv")
    assert next(row for row in rows if row["id"] == "compagnie-ti-kaz")["date_maj"] == day
    features = _geojson(demo_site / "donnees" / "acteurs.geojson")["features"]
    assert next(f for f in features if f["id"] == "compagnie-ti-kaz")["properties"]["date_maj"] == day
    events = json.loads((demo_site / "donnees" / "evenements.json").read_text(encoding="utf-8"))["data"]
    assert all(item["date_maj"] for item in events)
    sitemap = (demo_site / "sitemap.xml").read_text(encoding="utf-8")
    assert f"/acteurs/compagnie-ti-kaz/</loc><lastmod>{known.changed.isoformat()}</lastmod></url>" in sitemap


# iCalendar -----------------------------------------------------------------------------------


def test_every_calendar_entry_has_sequence_and_last_modified(demo_site):
    """Changed occurrences of a series too: apps compare their SEQUENCE to update them."""
    calendar = icalendar.Calendar.from_ical((demo_site / "donnees" / "evenements.ics").read_bytes())
    entries = calendar.walk("VEVENT")
    assert any("RECURRENCE-ID" in e for e in entries)
    for entry in entries:
        assert "SEQUENCE" in entry and "LAST-MODIFIED" in entry, entry.get("UID")
        assert str(entry["UID"]).endswith("@communs")  # no site address nor calendar_domain in the demo


# Harvesting: the DCAT-AP catalogue and the published JSON Schemas ------------------------------


def test_the_catalogue_describes_files_the_site_serves(demo_site):
    """What a harvester fetching /donnees/catalogue.jsonld gets: every distribution with DCAT-AP's
    mandatory accessURL and the recommended format, licence and description, and every
    downloadURL a file of the built site."""
    import rdflib

    address = BASE + "donnees/catalogue.jsonld"
    graph = rdflib.Graph().parse(demo_site / "donnees" / "catalogue.jsonld", format="json-ld", publicID=address)
    found = list(graph.query("""
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?distribution ?url ?access ?format ?licence WHERE {
            ?catalog a dcat:Catalog ; dcat:dataset ?dataset .
            ?dataset a dcat:Dataset ; dct:title ?title ; dct:description ?description ; dcat:distribution ?distribution .
            ?distribution a dcat:Distribution ; dcat:accessURL ?access ; dcat:downloadURL ?url .
            OPTIONAL { ?distribution dct:format ?format }
            OPTIONAL { ?distribution dct:license ?licence }
            OPTIONAL { ?distribution dct:description ?text }
            FILTER(BOUND(?text))
        }"""))
    assert len(found) == len(set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Distribution")))) >= 8
    for row in found:
        assert row.format is not None and row.licence is not None, row.distribution
        assert str(row.url).startswith(BASE) and row.access == row.url
        assert (demo_site / str(row.url).removeprefix(BASE)).is_file(), row.url
    html = (demo_site / "donnees" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="application/ld+json"' in html and 'href="/donnees/catalogue.jsonld"' in html
    readme = (demo_site / "donnees" / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert "catalogue.jsonld" in readme and "DCAT-AP" in readme


def test_the_published_schemas_validate_the_demo_records(demo_site, demo):
    """A registry of the served files alone, each under the URL it is served at: its $id
    resolves to that URL, and every record of the demo validates."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    served = {}
    for path in sorted((demo_site / "schemas").glob("*.schema.json")):
        url = BASE + path.relative_to(demo_site).as_posix()
        document = json.loads(path.read_text(encoding="utf-8"))
        assert urljoin(url, document["$id"]) == url
        served[url] = Resource.from_contents(document)
    assert {url.rsplit("/", 1)[1] for url in served} == set(demo.schemas.by_file)
    registry = Registry().with_resources(served.items())
    for kind, records in (("actor", demo.actors), ("event", demo.events)):
        validator = Draft202012Validator({"$ref": f"{BASE}schemas/{kind}.schema.json"}, registry=registry)
        for record in records.values():
            assert [e.message for e in validator.iter_errors(dict(record.data))] == [], record.id
    html = (demo_site / "donnees" / "index.html").read_text(encoding="utf-8")
    assert 'href="/schemas/actor.schema.json"' in html and 'href="/schemas/event.schema.json"' in html
    assert "/schemas/event.schema.json" in (demo_site / "donnees" / "LISEZMOI.txt").read_text(encoding="utf-8")
