"""The open-data files under ``/donnees/``: JSON, CSV, GeoJSON, iCalendar and GoGoCarto JSON.

Every export is deterministic: the same directory and settings give the same bytes (keys and
rows sorted, no clock read; the only date is ``SiteSettings.build_date``, from which the
iCalendar ``DTSTAMP`` is derived too). Each file states its licence and source, in the file
itself where the format has room for it (JSON, GeoJSON foreign members, iCalendar
``DESCRIPTION``), in ``/donnees/LISEZMOI.txt`` for CSV.
The DCAT-AP catalogue of these files (``/donnees/catalogue.jsonld``, see ``catalogue``) and the
JSON Schemas of the records (``/schemas/``, see ``schemafiles``) are written with them.

CSV, for French spreadsheet users
    UTF-8 *with* a byte-order mark, ``;`` as the separator, CRLF line ends. Excel opens a UTF-8
    file correctly only when it starts with a BOM, and French Excel splits columns on ``;`` (its
    list separator), not on ``,``; LibreOffice and Python's ``csv`` (``encoding="utf-8-sig"``,
    ``delimiter=";"``) read it as well. Decimals keep a ``.`` so that machines read them alike.
    Lists are joined with ``|`` (a list of blocks, an event's exceptions, is a JSON array);
    nested fields become dotted columns (``address.street``, ``geo.lat``); the columns come from the JSON Schema, so the header does not depend on the
    data, then ``url`` and ``date_maj``. Text is quoted and numbers are not
    (``QUOTE_NONNUMERIC``): LibreOffice's "quoted fields as text" then keeps INSEE and postal
    codes as text (leading zeros), and a program can tell the two apart. A text cell that a
    spreadsheet would run as a formula (first character ``=``, ``+``, ``-``, ``@``, tab or
    carriage return, after spaces) is prefixed with ``'`` (OWASP's advice against CSV
    injection); the JSON files carry the values untouched. Phone numbers are the exception,
    written in E.164 (``+262262001234``, see ``_phone``): the apostrophe would reach every
    program, and "+" then digits is no formula that can do anything. ``/donnees/datapackage.json``
    (``communs.site.datapackage``) describes these columns for programs.

iCalendar (RFC 5545)
    All-day events: ``DTSTART;VALUE=DATE`` and an exclusive ``DTEND`` (the record's last day + 1).
    Timed events: in the site's time zone (``TZID``, with its ``VTIMEZONE``) when the offset
    written in the record is that zone's offset at that moment, so that a weekly event keeps its
    wall-clock time across daylight-saving changes; otherwise in UTC (``Z``). The record's
    RRULE is kept, its ``UNTIL`` rewritten to the type RFC 5545 demands (a date for all-day
    events, a UTC time for timed ones: the end of the UNTIL day in the event's offset).

GoGoCarto (external JSON source, ``gogocarto.json``)
    Written for what GoGoCarto's importer reads without an administrator's mapping (read from its
    source, gitlab.com/seballot/gogocarto as of 2024: ``ElementImportMappingService::transform``
    flattens ``geo`` into ``latitude`` / ``longitude`` and merges ``address`` into the element;
    ``ElementImportMappingOntologyService`` maps a key onto itself when it is one of
    ``Element::CORE_FIELDS`` or a field of the map's form, and every key whose name starts with
    ``category`` onto ``categories``;
    ``ElementImportOneService`` keeps ``id`` as the element's old id, so that a new import of
    the file updates its elements instead of adding them again, and builds ``openHours`` with
    ``OpenHours``). A fresh map's form has ``description``, ``descriptionMore``, ``telephone``,
    ``email`` and ``website``. One element per actor in activity (events are not places);
    inactive and defunct actors are left out: GoGoCarto's element status is its own moderation
    state, with no "dormant" or "gone", and an element that leaves a source is removed at its
    next import. ``email`` and the address keys are written even when empty: GoGoCarto updates
    them only when the key is there, so an empty one clears a former value at a new import (its
    custom fields are replaced as a whole; openHours cannot be cleared by an import). Keys
    (after GoGoCarto's flattening):

    ==============================  ======================================================
    GoGoCarto                       communs
    ==============================  ======================================================
    id                              id (stable: a new import updates the element)
    name                            name
    latitude / longitude (geo)      geo, else the centre of the commune (position_precision)
    streetAddress (address)         address.street (+ ", " + address.complement)
    addressLocality (address)       name of the commune (COG)
    postalCode (address)            address.postal_code (empty when the record has none)
    addressCountry (address)        "FR"
    customFormatedAddress           for a point at the commune's centre, the address and a
                                    French note that the point is approximate; else empty
    categories                      French labels of the themes (the taxonomy to map)
    category_type                   French label of the kind (taxonomy, mapped or ignored)
    category_discipline             French labels of the disciplines (taxonomy, likewise)
    description                     summary
    descriptionMore                 description (Markdown), then, when openHours cannot say
                                    it all, the opening hours as written (see _open_hours)
    email / telephone / website     contact.email / contact.phone / contact.website
    openHours                       opening_hours as {"Mo": "09:00-12:00,14:00-18:00", ...}
    source                          the site's name (GoGoCarto's "source key")
    ==============================  ======================================================

    Custom fields (``GOGOCARTO_CUSTOM_FIELDS``), which a fresh map leaves out until its
    administrator maps them or gives its form a field of the same name (GoGoCarto then takes it,
    but for ``position_precision``: its matching drops the underscore on one side only):
    ``codeInsee`` (the commune's INSEE code), ``tags``, ``url`` (the actor's page on this site),
    ``position_precision`` ("adresse" or "commune", as in the GeoJSON). No images: records have
    none.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from communs.i18n import _
from communs.records import hours
from communs.records.content import ACTOR, CALL, EVENT
from communs.records.dates import MAX_MOVE_DAYS, exceptions_of, next_occurrence, occurrences
from communs.records.directory import Directory
from communs.records.record import Record
from communs.records.recurrence import Recurrence
from communs.records.rules import parse_moment
from communs.records.schemas import SchemaSet
from communs.records.values import PHONE_REGIONS
from communs.settings import SiteSettings
from communs.site import catalogue, schemafiles, urls
from communs.site.buildcache import BuildCache
from communs.site.history import FileHistory, History
from communs.site.jsontext import html_safe
from communs.site.outputs import write_if_changed
from communs.site.pieces import Piece, Pieced, write_pieced

CSV_DELIMITER = ";"
CSV_LIST_SEPARATOR = "|"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone number in E.164: "+" and 7 to 15 digits, nothing a spreadsheet could run (see _phone).
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
GEOJSON_LIST_SEPARATOR = ";"
# How exact a feature's point is (the "position_precision" property of the GeoJSON and GoGoCarto
# exports): the record's own coordinates (or its venue's), or the centre of its commune.
PRECISE, APPROXIMATE = "adresse", "commune"
MODIFIED = "date_maj"  # the day of a record's last change in Git (JSON, CSV, GeoJSON)
COORDINATE_DIGITS = 6
COUNTRY = "FR"
ICS_STATUS = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}
# Years of VTIMEZONE rules written after the last start of a calendar (recurrences run on).
_ZONE_YEARS_AFTER = 5
_CALENDAR_END = b"END:VCALENDAR\r\n"

# File names under /donnees/ (see urls.data_file).
ACTORS_JSON = "acteurs.json"
ACTORS_CSV = "acteurs.csv"
ACTORS_GEOJSON = "acteurs.geojson"
EVENTS_GEOJSON = "evenements.geojson"
EVENTS_JSON = "evenements.json"
EVENTS_CSV = "evenements.csv"
EVENTS_ICS = "evenements.ics"
CALLS_JSON = "appels.json"
CALLS_CSV = "appels.csv"
GOGOCARTO_JSON = "gogocarto.json"
DATAPACKAGE_JSON = "datapackage.json"
LINKS_CSV = "liens.csv"
LINK_COLUMNS = ("source", "source_name", "type", "type_label", "target", "target_name", "since", "until", "note")
LAMEDNUM_CSV = "lieux-mediation-numerique.csv"
README = "LISEZMOI.txt"


# Shared helpers ------------------------------------------------------------------------------


def _url(site: SiteSettings, url: str) -> str:
    """Absolute when the site's address is known, site-relative otherwise."""
    return urls.absolute(site.site_url, url) if site.site_url else url


def source(site: SiteSettings) -> str:
    """What the exports name as their source: the data page of the site, or its name."""
    return urls.absolute(site.site_url, urls.data_file("")) if site.site_url else site.site_name


def _plain(value: Any) -> Any:
    """A record value as plain JSON types (records hold mappings and lists from YAML)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _json(value: Any) -> bytes:
    """Sorted, UTF-8 JSON; ``<``, ``>`` and ``&`` escaped, so that no text of a record can ever
    close a script or open a tag should a file be embedded in, or mistaken for, HTML."""
    return (html_safe(_dump(value)) + "\n").encode("utf-8")


def _json_piece(make: Callable[[], Any]) -> Piece:
    return html_safe(_dump(make())).encode("utf-8"), None


Item = tuple[str, str, Callable[[], Any]]  # a record's id, its key (see ``record_keys``), what makes its value


def _data_file(head: dict[str, Any], items: Iterable[Item]) -> Pieced:
    """A JSON object (``_json``) whose list ``data``, written last, holds one item per line: the big
    exports, readable in a text editor and diffable, each line written by the C encoder (an
    indented dump goes through the pure-Python encoder, 10x slower)."""
    start = (html_safe(_dump(head)[:-1]) + ',"data":[\n' if head else '{"data":[\n').encode("utf-8")
    return Pieced([(name, key, partial(_json_piece, make)) for name, key, make in items],
                  head=lambda _metas: start, tail=lambda _metas: b"\n]}\n", separator=b",\n")


def _key(keys: Mapping[str, str] | None, record: Record, *more: object) -> str:
    return ":".join([keys.get(record.id, "") if keys is not None else "", *map(str, more)])


def _point(position: tuple[float, float] | None) -> dict | None:
    """A GeoJSON point (RFC 7946: longitude first)."""
    if position is None:
        return None
    lat, lon = position
    return {"type": "Point", "coordinates": [round(lon, COORDINATE_DIGITS), round(lat, COORDINATE_DIGITS)]}


def _precision(directory: Directory, record: Record) -> str:
    """PRECISE when the record's point is its own (or its venue's), APPROXIMATE for the
    commune's centre that maps fall back on."""
    return PRECISE if directory.own_position(record) is not None else APPROXIMATE


def _record_history(history: History | None, record: Record) -> FileHistory | None:
    return history.of_record(record.kind, record.folder, record.stem) if history is not None else None


def _modified(site: SiteSettings, history: History | None, record: Record) -> str | None:
    """The day (in the site's time zone) of a record's last change in Git; None without history."""
    found = _record_history(history, record)
    if found is None:
        return None
    moment = found.changed
    zone = _zone_info(site.timezone)
    return (moment.astimezone(zone) if zone is not None else moment).date().isoformat()


modified_day = _modified  # for the exports written by other modules (lamednum)


def _zone_info(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _address_line(address: Mapping[str, Any] | None, locality: str) -> str:
    """'12 rue de Paris, Le Brûlé, 97400 Saint-Denis' from an address block and a commune name."""
    address = address or {}
    town = " ".join(part for part in (address.get("postal_code", ""), locality) if part)
    return ", ".join(part for part in (address.get("street"), address.get("complement"), town) if part)


def _commune_name(directory: Directory, code: str) -> str:
    found = directory.communes.get(code)
    return found.name if found is not None else code


# JSON ----------------------------------------------------------------------------------------


def _record_item(directory: Directory, site: SiteSettings, history: History | None, record: Record) -> dict:
    item = _plain(record.data)
    item["url"] = _url(site, urls.record(record.kind, record.id))
    item["commune_name"] = _commune_name(directory, record.folder)
    modified = _modified(site, history, record)
    if modified is not None:
        item[MODIFIED] = modified
    return item


def _records_json(directory: Directory, site: SiteSettings, records: Iterable[Record], history: History | None, keys: Mapping[str, str] | None = None) -> Pieced:
    records = list(records)
    return _data_file({
        "licence": site.data_licence,
        "licence_url": site.data_licence_url,
        "source": source(site),
        "name": site.site_name,
        "generated": site.build_date.isoformat(),
        "count": len(records),
    }, [(record.id, _key(keys, record), partial(_record_item, directory, site, history, record)) for record in records])


def actors_json(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """Every actor as written in its file, with its page's URL, its commune's name and, given
    the Git history, the day of its last change (``date_maj``)."""
    return _records_json(directory, site, directory.actors.values(), history).whole()


def events_json(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """Every event as written in its file, with its page's URL, its commune's name and, given
    the Git history, the day of its last change (``date_maj``)."""
    return _records_json(directory, site, directory.events.values(), history).whole()


def calls_json(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """Every call to take part, open or closed (``until`` and ``status`` say which), as written
    in its file, with its page's URL, its commune's name and the day of its last change."""
    return _records_json(directory, site, directory.calls.values(), history).whole()


# CSV -----------------------------------------------------------------------------------------


def csv_columns(directory: Directory, kind: str) -> list[str]:
    """The CSV header of a kind of record, from its schema: one column per leaf field."""
    return csv_columns_of(directory.schemas, kind)


def csv_columns_of(schemas: SchemaSet, kind: str) -> list[str]:
    """``csv_columns`` from the schemas alone (the data package describes the same header)."""
    root = schemas.field_schema(kind, [])
    columns: list[str] = []

    def walk(path: list[str]) -> None:
        schema = schemas.field_schema(kind, path)
        branches = [b for b in schema.get("oneOf", []) if isinstance(b, dict) and "properties" in b]
        if "properties" in schema and schema.get("type") == "object":
            for name in schema["properties"]:
                walk(path + [name])
            return
        if branches:  # an id or an object (an event's venue): the id, then the object's fields
            columns.append(".".join(path))
            for branch in branches:
                for name in branch["properties"]:
                    walk(path + [name])
            return
        columns.append(".".join(path))
        if path == ["commune"]:
            columns.append("commune_name")

    for name in root.get("x-order") or list(root.get("properties", {})):
        walk([name])
    columns += ["url", MODIFIED]
    return columns


def _cell(value: Any) -> str | int | float:
    """A CSV cell: numbers as numbers (written without quotes), anything else as text (quoted)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)) and any(isinstance(v, Mapping) for v in value):
        # A list of blocks (an event's exceptions): a JSON array, which programs read back.
        return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if isinstance(value, (list, tuple)):
        return CSV_LIST_SEPARATOR.join(str(_cell(v)) for v in value)
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    # Spreadsheets skip leading spaces (no-break ones too) before reading a formula.
    return "'" + text if text.lstrip(" \u00a0\u202f").startswith(_FORMULA_STARTS) else text


def spreadsheet_text(value: Any) -> str:
    """A text cell as ``_cell`` writes it (guarded against formulas), for other CSV writers."""
    return str(_cell(value))


def _phone(value: Any, commune: str) -> str:
    """A phone number in E.164 (``+262262001234``): exact for programs, and safe in a spreadsheet
    although it starts with ``+``: a cell of "+" and digits only is read as that number (or as
    text), never as a function, a reference or a DDE call, which is what the apostrophe guards
    against. A value that cannot be read as a number goes through ``_cell`` like any text."""
    found = e164(value, commune)
    return found if found is not None else str(_cell(str(value)))


def e164(value: Any, commune: str) -> str | None:
    """A record's phone number in E.164 (``+262262001234``), read with the region of its commune
    (``0262 …`` in 974 is a Réunion number); None when it cannot be read as a number."""
    import phonenumbers

    try:
        number = phonenumbers.parse(str(value), PHONE_REGIONS.get(commune[:3], COUNTRY))
    except phonenumbers.NumberParseException:
        return None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return formatted if E164.fullmatch(formatted) else None


def _lookup(data: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def _records_csv(directory: Directory, site: SiteSettings, kind: str, records: Iterable[Record], history: History | None, keys: Mapping[str, str] | None = None) -> Pieced:
    columns = csv_columns(directory, kind)
    paths = [column.split(".") for column in columns]
    head = _BOM + _csv_line(columns)
    return Pieced(
        [(record.id, _key(keys, record), partial(_csv_piece, partial(_record_row, directory, site, record, columns, paths, history))) for record in records],
        head=lambda _metas: head, tail=lambda _metas: b"",
    )


_BOM = b"\xef\xbb\xbf"


def _csv_line(row: Iterable[Any]) -> bytes:
    """One row as ``_csv_bytes`` writes it (a CSV writer keeps nothing from one row to the next)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC).writerow(row)
    return buffer.getvalue().encode("utf-8")


def _csv_piece(make: Callable[[], list]) -> Piece:
    return _csv_line(make()), None


def _csv_bytes(columns: Iterable[str], rows: Iterable[list]) -> bytes:
    """UTF-8 with BOM, ``;``-separated; text quoted, numbers not: a spreadsheet told to take quoted
    fields as text keeps the leading zeros of codes, and a program can tell the two apart."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(columns)
    writer.writerows(rows)
    return _BOM + buffer.getvalue().encode("utf-8")


def _record_row(directory: Directory, site: SiteSettings, record: Record, columns: list[str], paths: list[list[str]], history: History | None) -> list:
    row = []
    for column, path in zip(columns, paths):
        if column == "url":
            value: Any = _url(site, urls.record(record.kind, record.id))
        elif column == "commune_name":
            value = _commune_name(directory, record.folder)
        elif column == MODIFIED:
            value = _modified(site, history, record)
        else:
            value = _lookup(record.data, path)
            if isinstance(value, Mapping):  # an object where the column takes a plain value
                value = None
        row.append(_phone(value, record.folder) if path[-1] == "phone" and isinstance(value, str) else _cell(value))
    return row


def actors_csv(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """One row per actor; UTF-8 with BOM, ``;``-separated (see the module's docstring)."""
    return _records_csv(directory, site, ACTOR, directory.actors.values(), history).whole()


def links_csv(directory: Directory) -> bytes:
    """The links between actors, one row each, as the actor who writes it says it (its
    ``source`` is ``type`` of its ``target``): the edges of the directory's network, beside the
    actors' CSV (the nodes). Same encoding and quoting as the other CSV files."""
    words = directory.link_words
    return _csv_bytes(LINK_COLUMNS, (
        [_cell(value) for value in (link.source.id, link.source.name, link.type, words[link.type][0], link.target.id, link.target.name, link.since, link.until, link.note)]
        for link in directory.links
    ))


def events_csv(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """One row per event; UTF-8 with BOM, ``;``-separated (see the module's docstring)."""
    return _records_csv(directory, site, EVENT, directory.events.values(), history).whole()


def calls_csv(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """One row per call, open or closed; same encoding and quoting as the other CSV files."""
    return _records_csv(directory, site, CALL, directory.calls.values(), history).whole()


# GeoJSON -------------------------------------------------------------------------------------


def _collection(site: SiteSettings, items: Iterable[Item]) -> Pieced:
    """A FeatureCollection as ``_json`` writes it (sorted keys: ``features`` first, on one line)."""
    rest = {"type": "FeatureCollection", "licence": site.data_licence, "licence_url": site.data_licence_url, "source": source(site)}
    end = ("]," + html_safe(_dump(rest))[1:] + "\n").encode("utf-8")
    return Pieced([(name, key, partial(_json_piece, make)) for name, key, make in items],
                  head=lambda _metas: b'{"features":[', tail=lambda _metas: end, separator=b",")


def _labels_string(values: Iterable[str]) -> str:
    """A list as one ``;``-joined string: GDAL reads a JSON array as a StringList, which most
    formats (GeoPackage, Shapefile) cannot hold; the JSON exports keep the arrays."""
    return GEOJSON_LIST_SEPARATOR.join(values)


def actors_geojson(directory: Directory, site: SiteSettings, commune: str | None = None, history: History | None = None) -> bytes:
    """The actors (of one commune, or all) as an RFC 7946 FeatureCollection; licence and source
    are foreign members (§6.1). Actors with no position at all are left out; those placed at
    their commune's centre say so (``position_precision``: "commune")."""
    return _actors_collection(directory, site, commune, history).whole()


def _actors_collection(directory: Directory, site: SiteSettings, commune: str | None, history: History | None, keys: Mapping[str, str] | None = None) -> Pieced:
    records = directory.actors_in(commune) if commune is not None else directory.actors.values()
    return _collection(site, [
        (record.id, _key(keys, record), partial(_actor_feature, directory, site, history, record))
        for record in records if directory.position(record) is not None
    ])


def _actor_feature(directory: Directory, site: SiteSettings, history: History | None, record: Record) -> dict:
    data = record.data
    own = {"id": record.id, "name": record.name, "kind": data.get("kind"), "kind_label": directory.label("kind", data.get("kind", ""))}
    return _feature(directory, site, history, record, _point(directory.position(record)), own)


def _feature(directory: Directory, site: SiteSettings, history: History | None, record: Record, geometry: dict, own: dict[str, Any]) -> dict:
    """A record as a GeoJSON Feature: its own properties, then what actors and events share."""
    data = record.data
    properties = {
        **own,
        "themes": _labels_string(data.get("themes", [])),
        "summary": data.get("summary", ""),
        "url": _url(site, urls.record(record.kind, record.id)),
        "commune": record.folder,
        "commune_name": _commune_name(directory, record.folder),
        "position_precision": _precision(directory, record),
    }
    modified = _modified(site, history, record)
    if modified is not None:
        properties[MODIFIED] = modified
    return {"type": "Feature", "id": record.id, "geometry": geometry, "properties": properties}


def _venue_name(directory: Directory, event: Record) -> str:
    venue = event.data.get("venue")
    actor = directory.venue_of(event)
    if actor is not None:
        return actor.name
    return str(venue.get("name", "")) if isinstance(venue, Mapping) else ""


def events_geojson(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """The events that take place somewhere (online-only ones are left out) as an RFC 7946
    FeatureCollection: at their venue's point, else at their commune's centre, which
    ``position_precision`` says ("adresse" or "commune"). Every event, past ones too, as in
    evenements.json; ``start``/``end``/``recurrence`` as written in the record."""
    return _events_collection(directory, site, history).whole()


def _events_collection(directory: Directory, site: SiteSettings, history: History | None, keys: Mapping[str, str] | None = None) -> Pieced:
    def placed(record: Record) -> bool:
        online = record.data.get("attendance") == "online" or record.data.get("status", "scheduled") == "moved-online"
        return not online and directory.position(record) is not None

    return _collection(site, [
        (record.id, _key(keys, record), partial(_event_feature, directory, site, history, record))
        for record in directory.events.values() if placed(record)
    ])


def _event_feature(directory: Directory, site: SiteSettings, history: History | None, record: Record) -> dict:
    data = record.data
    own = {
        "id": record.id, "title": record.name, "type": data.get("type"), "type_label": directory.label("type", data.get("type", "")),
        "start": _plain(data.get("start")), "end": _plain(data.get("end")) or "", "recurrence": data.get("recurrence", ""),
        "status": data.get("status", "scheduled"), "venue_name": _venue_name(directory, record),
    }
    return _feature(directory, site, history, record, _point(directory.position(record)), own)


# iCalendar -----------------------------------------------------------------------------------


def _zone(site: SiteSettings) -> ZoneInfo | None:
    if not hasattr(icalendar.Timezone, "from_tzinfo"):
        return None  # an icalendar too old to write VTIMEZONE: times go out in UTC
    try:
        return ZoneInfo(site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=64)
def _vtimezone(name: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of the site's zone, with its rules from ``first_year`` to ``last_year``."""
    return icalendar.Timezone.from_tzinfo(ZoneInfo(name), name, date(first_year, 1, 1), date(last_year, 1, 1)).to_ical()


def _host(site: SiteSettings) -> str:
    """The domain of calendar UIDs: the setting, else the site's host (see SiteSettings)."""
    return site.calendar_domain or urlsplit(site.site_url).hostname or "communs"


def _location(directory: Directory, event: Record) -> str:
    data = event.data
    if data.get("attendance") == "online" or data.get("status") == "moved-online":
        return str(data.get("online_url", ""))
    venue = data.get("venue")
    actor = directory.venue_of(event)
    if actor is not None:
        return ", ".join(p for p in (actor.name, _address_line(actor.data.get("address"), _commune_name(directory, actor.folder))) if p)
    if isinstance(venue, Mapping):
        return ", ".join(p for p in (str(venue.get("name", "")), _address_line(venue.get("address"), _commune_name(directory, event.folder))) if p)
    return _commune_name(directory, event.folder)


def _vevent(directory: Directory, site: SiteSettings, event: Record, zone: ZoneInfo | None, history: History | None = None) -> tuple[list[icalendar.Event], bool]:
    """The VEVENTs of a record (a series' changed occurrences follow it, RFC 5545 §3.8.4.4), and
    whether they use the site's time zone."""
    data = event.data
    start = parse_moment(str(data["start"]))
    end = parse_moment(str(data["end"])) if data.get("end") else None
    assert start is not None, event.id  # validation guarantees it
    vevent = icalendar.Event()
    vevent.add("uid", f"{event.id}@{_host(site)}")
    vevent.add("dtstamp", datetime.combine(site.build_date, time(), timezone.utc))
    changed = history.of_record(EVENT, event.folder, event.stem) if history is not None else None
    if changed is not None:
        # Calendar apps keep an entry and update it when its SEQUENCE grows (RFC 5545 §3.8.7.4).
        vevent.add("created", changed.created.astimezone(timezone.utc))
        vevent.add("last-modified", changed.changed.astimezone(timezone.utc))
        vevent.add("sequence", max(0, changed.changes - 1))
    status = data.get("status", "scheduled")
    title = event.name
    if status != "scheduled":
        title = _("{status} : {title}").format(status=directory.label("event_status", status), title=title)
    vevent.add("summary", title)
    page = urls.absolute(site.site_url, urls.event(event.id)) if site.site_url else ""
    lines = [str(data.get("summary", ""))]
    if data.get("online_url"):
        lines.append(_("En ligne : {url}").format(url=data["online_url"]))
    if data.get("registration"):
        lines.append(_("Inscription : {url}").format(url=data["registration"]))
    if page:
        lines.append(_("Plus d'informations : {url}").format(url=page))
        vevent.add("url", page)
    vevent.add("description", "\n\n".join(lines))
    location = _location(directory, event)
    if location:
        vevent.add("location", location)
    online = data.get("attendance") == "online" or status == "moved-online"
    position = None if online else directory.own_position(event)
    if position is not None:
        vevent.add("geo", (round(position[0], COORDINATE_DIGITS), round(position[1], COORDINATE_DIGITS)))
    local = False
    if isinstance(start, datetime):
        moments = [m for m in (start, end) if isinstance(m, datetime)]
        local = zone is not None and all(m.utcoffset() == m.astimezone(zone).utcoffset() for m in moments)
        target = zone if local else timezone.utc
        vevent.add("dtstart", start.astimezone(target))
        if isinstance(end, datetime):
            vevent.add("dtend", end.astimezone(target))
    else:
        vevent.add("dtstart", start)
        last = end if isinstance(end, date) and not isinstance(end, datetime) else start
        vevent.add("dtend", last + timedelta(days=1))  # RFC 5545: DTEND of a DATE is exclusive
    overrides: list[icalendar.Event] = []
    if data.get("recurrence"):
        vevent.add("rrule", Recurrence.parse(str(data["recurrence"])).ical(start))
        overrides = _exceptions(vevent, data, start, zone if local else timezone.utc)
    vevent.add("status", ICS_STATUS.get(status, "CONFIRMED"))
    themes = [directory.label("themes", t) for t in data.get("themes", [])]
    if themes:
        vevent.add("categories", themes)
    return [vevent, *overrides], local


def _exceptions(master: icalendar.Event, data: Mapping[str, Any], start: date | datetime, target: Any) -> list[icalendar.Event]:
    """A series' exceptions: EXDATE on the series for a day without it, and an occurrence of its
    own (same UID, RECURRENCE-ID) for one cancelled or moved, so calendars update in place."""
    plain = {k: v for k, v in data.items() if k != "exceptions"}
    overrides = []
    for day, change in sorted(exceptions_of(data).items()):
        found = occurrences(plain, start=day, end=day, limit=1)
        if not found or found[0].first_day != day:
            continue  # not a day of the rule: the validator says so
        original = found[0]
        at = original.start.astimezone(target) if isinstance(original.start, datetime) else original.start
        status = change.get("status") or "excluded"
        if status == "excluded":
            master.add("exdate", at)
            continue
        changed = next(o for o in occurrences(data, start=day - timedelta(days=MAX_MOVE_DAYS), end=day + timedelta(days=MAX_MOVE_DAYS), limit=200)
                       if o.status == status and (o.planned or o.first_day) == day)
        override = icalendar.Event()
        for name in ("uid", "dtstamp", "created", "last-modified", "sequence"):
            if name in master:  # an app updates a changed occurrence by its SEQUENCE too
                override.add(name, master.decoded(name))
        override.add("recurrence-id", at)
        new_start, new_end = changed.start, changed.end
        if isinstance(new_start, datetime):
            override.add("dtstart", new_start.astimezone(target))
            override.add("dtend", new_end.astimezone(target))
        else:
            override.add("dtstart", new_start)
            override.add("dtend", new_end + timedelta(days=1))
        summary = str(master.get("summary"))
        note = str(change.get("note") or "")
        if status == "cancelled":
            summary = _("Annulé : {title}").format(title=summary)
        override.add("summary", summary)
        description = str(master.get("description", ""))
        override.add("description", f"{note}\n\n{description}" if note else description)
        for name in ("url", "location"):
            if master.get(name):
                override.add(name, str(master.get(name)))
        override.add("status", "CANCELLED" if status == "cancelled" else "CONFIRMED")
        overrides.append(override)
    return overrides


_heads: dict[bytes, bytes] = {}


def _calendar_head(calendar: icalendar.Calendar) -> bytes:
    """The serialised calendar without its end line; memoised on its properties."""
    key = repr(sorted((k, str(v)) for k, v in calendar.items())).encode("utf-8")
    if key not in _heads:
        head = calendar.to_ical()
        assert head.endswith(_CALENDAR_END)
        _heads[key] = head
    return _heads[key]


def _calendar(directory: Directory, site: SiteSettings, events: Iterable[Record], name: str, cache: dict | None = None, history: History | None = None,
              keys: Mapping[str, str] | None = None) -> Pieced:
    """A calendar: its head (with the VTIMEZONE of the years its events start in, in the site's
    zone), then one piece per event (its VEVENTs), each stamped with the build day (DTSTAMP)."""
    zone = _zone(site)
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{site.site_name}//communs//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    description = _("{name}. Données sous licence {licence} ({licence_url}). Source : {source}.").format(
        name=name, licence=site.data_licence, licence_url=site.data_licence_url, source=source(site)
    )
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", description)
    if zone is not None:
        calendar.add("x-wr-timezone", site.timezone)
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    start = _calendar_head(calendar)[: -len(_CALENDAR_END)]

    def head(years: list[int | None]) -> bytes:
        starts = [year for year in years if year is not None]
        return start + (_vtimezone(site.timezone, min(starts), max(starts) + _ZONE_YEARS_AFTER) if starts and zone is not None else b"")

    return Pieced(
        [(event.id, _key(keys, event, site.build_date), partial(_vevent_piece, directory, site, event, zone, history, cache)) for event in events],
        head=head, tail=lambda _years: _CALENDAR_END,
    )


def _vevent_piece(directory: Directory, site: SiteSettings, event: Record, zone: ZoneInfo | None, history: History | None, cache: dict | None) -> Piece:
    """An event's VEVENTs, and the year it starts when it is written in the site's zone. Each is
    serialised once per export run and spliced into every calendar that lists it (the whole
    agenda, its commune's, its themes', its own file): icalendar's folding is the slow part."""
    found = cache.get(event.id) if cache is not None else None
    if found is None:
        vevents, local = _vevent(directory, site, event, zone, history)
        found = (b"".join(vevent.to_ical() for vevent in vevents), int(str(event.data["start"])[:4]) if local else None)
        if cache is not None:
            cache[event.id] = found
    return found


def _calendar_name(directory: Directory, site: SiteSettings, commune: str | None, theme: str | None) -> str:
    if theme is not None:
        label = directory.label("themes", theme)
        if commune is None:
            return _("{site} — agenda : {theme}").format(site=site.site_name, theme=label)
        return _("{site} — agenda de {commune} : {theme}").format(site=site.site_name, commune=_commune_name(directory, commune), theme=label)
    if commune is None:
        return _("{site} — agenda").format(site=site.site_name)
    return _("{site} — agenda de {commune}").format(site=site.site_name, commune=_commune_name(directory, commune))


def _events_of(directory: Directory, commune: str | None, theme: str | None) -> Iterable[Record]:
    """The events of a calendar, in its order (by start)."""
    if theme is not None:
        return [e for e in directory.events_with_theme(theme) if commune is None or e.folder == commune]
    return directory.events.values() if commune is None else directory.events_in(commune)


def events_ics(directory: Directory, site: SiteSettings, commune: str | None = None, *, theme: str | None = None, history: History | None = None, _cache: dict | None = None) -> bytes:
    """The agenda (of one commune, of one theme, of both, or all) as an iCalendar feed to subscribe to."""
    return _calendar(directory, site, _events_of(directory, commune, theme), _calendar_name(directory, site, commune, theme), _cache, history).whole()


def event_ics(directory: Directory, site: SiteSettings, event: Record, *, history: History | None = None, _cache: dict | None = None) -> bytes:
    """One event as an iCalendar file ("add to my calendar"). All of them share one calendar
    name, so that the calendar's head is serialised once per run, not once per event."""
    return _calendar(directory, site, [event], _("{site} — événement").format(site=site.site_name), _cache, history).whole()


# GoGoCarto -----------------------------------------------------------------------------------


# The keys of an element that GoGoCarto keeps only as custom fields (see the module's docstring).
GOGOCARTO_CUSTOM_FIELDS = ("codeInsee", "position_precision", "tags", "url")
# GoGoCarto's OpenHours reads at most two "HH:MM-HH:MM" slots a day, joined by a bare comma.
GOGOCARTO_SLOTS = 2
# The core fields GoGoCarto's ElementImportOneService sets only when the key is present.
GOGOCARTO_ALWAYS = ("address", "email")
# Actors shown on a GoGoCarto map: the others are left out (see the module's docstring).
GOGOCARTO_STATUSES = ("active",)


def _open_hours(text: Any) -> tuple[dict[str, str], bool]:
    """GoGoCarto's ``openHours`` for an OpenStreetMap ``opening_hours`` value, and whether it
    says all the value says.

    The days and times come from ``records.hours.weekly_hours`` (the parse the JSON-LD uses):
    {"Mo": "09:00-12:00,14:00-18:00", ...}, closed days left out, midnight as an end written
    "00:00" (GoGoCarto's own reading of "24/7" is "00:00-00:00"). A day open more than twice
    keeps its first two ranges, all that GoGoCarto can hold; a value that is no plain weekly
    schedule (months, "sur rendez-vous" alone) gives no days. In both cases, and when the value
    says more than its days and times (public holidays, comments: ``hours.only_weekly``), the
    caller adds the value as written to the element's long description.
    """
    if not text:
        return {}, True
    week = hours.weekly_hours(str(text))
    if week is None:
        return {}, False
    days = {}
    for day, ranges in zip(hours.DAYS, week):
        if ranges:
            days[day] = ",".join(f"{opens}-{'00:00' if closes == hours.END_OF_DAY else closes}" for opens, closes in ranges[:GOGOCARTO_SLOTS])
    return days, hours.only_weekly(str(text)) and all(len(ranges) <= GOGOCARTO_SLOTS for ranges in week)


def _gogocarto_element(directory: Directory, site: SiteSettings, record: Record, picture: Any = None) -> dict:
    data = record.data
    address = data.get("address") or {}
    street = ", ".join(str(p) for p in (address.get("street"), address.get("complement")) if p)
    postal = address.get("postal_code") or ""  # never guessed: a commune may have several
    locality = _commune_name(directory, record.folder)
    contact = data.get("contact") or {}
    open_hours, complete = _open_hours(data.get("opening_hours"))
    more = data.get("description", "")
    if not complete:
        written = _("Horaires d'ouverture (syntaxe OpenStreetMap) : {hours}").format(hours=data["opening_hours"])
        more = f"{more.rstrip()}\n\n{written}\n" if more.strip() else f"{written}\n"
    element: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        "address": {
            "streetAddress": street,
            "addressLocality": locality,
            "postalCode": postal,
            "addressCountry": COUNTRY,
            "customFormatedAddress": "",  # set below for a point at the commune's centre
        },
        "codeInsee": record.folder,
        "categories": [directory.label("themes", t) for t in data.get("themes", [])],
        "category_type": [directory.label("kind", data["kind"])] if data.get("kind") else [],
        "category_discipline": [directory.label("disciplines", d) for d in data.get("disciplines", [])],
        "description": data.get("summary", ""),
        "descriptionMore": more,
        "email": contact.get("email", ""),
        "telephone": contact.get("phone", ""),
        "website": contact.get("website", ""),
        "openHours": open_hours,
        "tags": list(data.get("tags", [])),
        "url": _url(site, urls.actor(record.id)),
        "source": site.site_name,
        # GoGoCarto downloads pictures from their address: only a published site has one.
        "images": [urls.absolute(site.site_url, picture.src)] if picture is not None and site.site_url else [],
    }
    # GoGoCarto updates email and the address only when the key is there: always written, empty
    # clears them at a new import. The other fields are replaced as a whole: absent when empty.
    element = {key: value for key, value in element.items() if value not in ("", [], {}) or key in GOGOCARTO_ALWAYS}
    position = directory.position(record)
    if position is not None:
        element["geo"] = {"latitude": round(position[0], COORDINATE_DIGITS), "longitude": round(position[1], COORDINATE_DIGITS)}
        element["position_precision"] = _precision(directory, record)
        if element["position_precision"] == APPROXIMATE:
            # What a visitor of the map reads (the custom field above is dropped unless mapped).
            place = ", ".join(p for p in (street, f"{postal} {locality}".strip()) if p)
            element["address"]["customFormatedAddress"] = _("{address} (position approximative : centre de la commune)").format(address=place)
    return element


def gogocarto_json(directory: Directory, site: SiteSettings, pictures: Mapping[str, Any] | None = None) -> bytes:
    """The actors in activity in the form a GoGoCarto map imports as an external JSON source
    (see the module's docstring)."""
    return _gogocarto(directory, site, pictures).whole()


def _gogocarto(directory: Directory, site: SiteSettings, pictures: Mapping[str, Any] | None, keys: Mapping[str, str] | None = None) -> Pieced:
    return _data_file({"licence": site.data_licence, "licence_url": site.data_licence_url, "source": source(site)}, [
        (record.id, _key(keys, record), partial(_gogocarto_element, directory, site, record, (pictures or {}).get(record.id)))
        for record in directory.actors.values()
        if record.data.get("status", "active") in GOGOCARTO_STATUSES
    ])


# The commune page's map ----------------------------------------------------------------------


def map_geojson(directory: Directory, site: SiteSettings, code: str, today: date) -> bytes:
    """What a commune page's map shows: its actors, and its events not over on ``today``.

    Compact GeoJSON; each feature's properties: id, type (actor or event), name, url
    (site-relative), subtitle (the kind for an actor; for an event the day, AAAA-MM-JJ, of its
    next occurrence, its start unless it recurs), cancelled, and approximate (true when the
    point is the commune's centre, not the record's own: the map draws it apart).
    """
    features = []

    def feature(record: Record, kind: str, subtitle: str, cancelled: bool) -> None:
        geometry = _point(directory.position(record))
        if geometry is None:
            return
        features.append({
            "type": "Feature",
            "geometry": geometry,
            "properties": {
                "id": record.id,
                "type": kind,
                "name": record.name,
                "url": urls.record(record.kind, record.id),
                "subtitle": subtitle,
                "cancelled": cancelled,
                "approximate": directory.own_position(record) is None,
            },
        })

    for record in directory.actors_in(code):
        feature(record, "actor", directory.label("kind", record.data.get("kind", "")), False)
    for record in directory.events_in(code):
        upcoming = next_occurrence(record.data, today)
        if upcoming is None:
            continue
        feature(record, "event", upcoming.first_day.isoformat(), record.data.get("status") == "cancelled")
    return _json({"type": "FeatureCollection", "features": features})


# Writing -------------------------------------------------------------------------------------


def readme(directory: Directory, site: SiteSettings) -> bytes:
    """/donnees/LISEZMOI.txt: what each file holds, its licence and its source (French)."""
    text = _(
        "Données ouvertes de {site} ({territory})\n"
        "==========================================\n"
        "\n"
        "Source : {source}\n"
        "Licence : {licence} ({licence_url})\n"
        "Date de production : {date}\n"
        "Contenu : {actors} acteurs et {events} événements.\n"
        "\n"
        "Vous pouvez réutiliser ces données aux conditions de la licence, en citant la source.\n"
        "\n"
        "Fichiers\n"
        "--------\n"
        "acteurs.json, evenements.json : toutes les fiches, champ par champ (JSON, UTF-8).\n"
        "acteurs.csv, evenements.csv : une ligne par fiche, pour les tableurs.\n"
        "liens.csv : les liens entre acteurs (source est « type » de target : membre de, fait partie de, partenaire de, accueilli par, soutenu par).\n"
        "appels.json, appels.csv : les appels à participation (bénévoles, matériel, salles, compétences,\n"
        "partenaires), ouverts ou clos : until est la date de fin, status dit s'il a été pourvu ou\n"
        "retiré avant ; actor est l'identifiant de l'acteur qui le lance (colonne id d'acteurs.csv).\n"
        "acteurs.geojson, evenements.geojson : les acteurs et les événements sur une carte\n"
        "(GeoJSON, RFC 7946, WGS 84 ; les événements uniquement en ligne n'y sont pas).\n"
        "evenements.ics : l'agenda au format iCalendar, à ajouter à votre agenda.\n"
        "gogocarto.json : les acteurs en activité, à importer comme source externe dans une carte\n"
        "GoGoCarto (voir « GoGoCarto » plus bas).\n"
        "lieux-mediation-numerique.csv : les lieux de médiation numérique, au format du schéma\n"
        "national (voir plus bas).\n"
        "datapackage.json : la description des fichiers CSV pour les programmes (Frictionless\n"
        "Data Package) : séparateur, encodage, type, format et valeurs permises de chaque colonne,\n"
        "tirés des schémas JSON. « frictionless validate datapackage.json » vérifie les fichiers.\n"
        "catalogue.jsonld : ces fichiers décrits au format DCAT-AP (JSON-LD) : format, licence,\n"
        "date de mise à jour, territoire couvert ; les portails de données ouvertes (data.gouv.fr,\n"
        "CKAN, udata...) le moissonnent.\n"
        "communes/<code INSEE>.geojson et communes/<code INSEE>.ics : les acteurs et l'agenda\n"
        "de chaque commune.\n"
        "themes/<thème>.ics : l'agenda de chaque thème ; communes/<code INSEE>/<thème>.ics :\n"
        "celui d'un thème dans une commune.\n"
        "\n"
        "Positions\n"
        "---------\n"
        "Dans les fichiers JSON et CSV, geo.lat et geo.lon sont les coordonnées données par la\n"
        "fiche, vides quand elle n'en donne pas. Les fichiers GeoJSON et gogocarto.json placent\n"
        "pourtant chaque fiche sur la carte : une fiche sans coordonnées est placée au centre de sa\n"
        "commune, et la propriété position_precision le dit :\n"
        "  adresse : le point est celui de la fiche (ou du lieu de l'événement) ;\n"
        "  commune : le point est le centre de la commune, pas l'adresse de l'acteur.\n"
        "Dans l'agenda iCalendar, GEO n'est donné que pour un point de la fiche.\n"
        "Dans les fichiers GeoJSON, les thématiques (themes) sont une seule chaîne séparée par\n"
        "des points-virgules (culture;education), lisible par GDAL/QGIS et enregistrable en\n"
        "GeoPackage ou Shapefile ; les fichiers JSON gardent des listes.\n"
        "\n"
        "Dates de mise à jour\n"
        "--------------------\n"
        "date_maj (JSON, CSV, GeoJSON) est le jour (AAAA-MM-JJ, heure de {territory}) de la\n"
        "dernière modification de la fiche, d'après l'historique Git de l'annuaire ; les pages\n"
        "des fiches donnent le moment exact (dateModified, schema.org).\n"
        "\n"
        "Fichiers CSV\n"
        "------------\n"
        "Encodage UTF-8 avec BOM, séparateur point-virgule (;), fins de ligne CRLF.\n"
        "Tout texte est entre guillemets (\"), les nombres ne le sont pas : un programme distingue\n"
        "ainsi les deux, et un tableur peut garder les codes en texte.\n"
        "Types des colonnes :\n"
        "  texte : toutes les colonnes sauf celles qui suivent ; en particulier commune et\n"
        "    area (codes INSEE, « 2A004 »), address.postal_code (« 01000 ») et identifiers.siret\n"
        "    sont des textes : ne les lisez pas comme des nombres, les zéros de tête compteraient ;\n"
        "  nombre décimal, avec un point (-20.8789) : geo.lat, geo.lon, venue.geo.lat,\n"
        "    venue.geo.lon, price.min, price.max ; nombre entier : age.min, age.max ;\n"
        "  booléen (true ou false) : price.free ;\n"
        "  date ou date et heure ISO 8601 (2026-12-20 ou 2026-12-20T18:00:00+04:00) : start, end,\n"
        "    previous_start, date_maj, since, until ;\n"
        "  téléphone (contact.phone) : au format international E.164, sans espace\n"
        "    (+262262001234) ;\n"
        "  liste de blocs en JSON ([{{\"date\":\"2027-01-02\",...}}]) : exceptions.\n"
        "Les listes (thématiques, mots-clés...) sont séparées par « | ». Les champs imbriqués\n"
        "ont des colonnes pointées (address.street, geo.lat...).\n"
        "Un texte qui commence par =, +, - ou @ est précédé d'une apostrophe pour qu'un tableur ne\n"
        "l'exécute pas comme une formule (les fichiers JSON donnent le texte exact). Les numéros\n"
        "de téléphone n'en ont pas : « + » suivi de chiffres seulement n'est pas une formule qui\n"
        "puisse agir, au pire le tableur l'affiche comme un nombre.\n"
        "Dans LibreOffice Calc (Fichier > Ouvrir) : jeu de caractères Unicode (UTF-8),\n"
        "séparateur « Point-virgule », cochez « Formater les champs entre guillemets comme texte »\n"
        "et choisissez la langue « Anglais (États-Unis) » pour que les décimales à point soient\n"
        "des nombres. Dans Excel : Données > À partir d'un fichier texte/CSV, puis donnez le type\n"
        "Texte aux colonnes de codes et de téléphone.\n"
        "\n"
        "Les mêmes types sont écrits, pour les programmes, dans datapackage.json ; les listes y\n"
        "sont des textes dont le motif (pattern) donne les valeurs permises.\n"
        "\n"
        "Lieux de médiation numérique\n"
        "----------------------------\n"
        "lieux-mediation-numerique.csv suit le schéma national des lieux de médiation numérique\n"
        "(LaMednum, standard-mediation-num 1.0.2, https://schema.data.gouv.fr/LaMednum/standard-mediation-num/) :\n"
        "virgule comme séparateur, UTF-8 sans BOM, valeurs multiples séparées par « | ». Il\n"
        "contient les acteurs de la thématique numérique, en activité, qui ont une adresse où\n"
        "accueillir le public (une voie, et le code postal de la fiche ou, à défaut, celui de sa\n"
        "commune quand elle n'en a qu'un) ; il est publié même vide. pivot est le SIRET de\n"
        "l'acteur, à défaut son numéro RNA, à défaut 00000000000000 (inconnu) ; date_maj est le\n"
        "jour de la dernière modification de la fiche (hors d'un dépôt Git : la date de\n"
        "production). Les services, publics et modalités d'accompagnement, que nos fiches ne\n"
        "décrivent pas, sont vides.\n"
        "\n"
        "Schémas\n"
        "-------\n"
        "Les champs des fiches sont décrits par des schémas JSON (draft 2020-12), les mêmes qui\n"
        "vérifient chaque fiche, publiés avec le site :\n"
        "{schemas}\n"
        "acteurs.json et evenements.json donnent chaque fiche telle que ces schémas la décrivent,\n"
        "avec en plus url, commune_name et date_maj.\n"
    ).format(
        schemas="\n".join("  " + schemafiles.schema_url(site, name) for name in sorted(directory.schemas.by_file)),
        site=site.site_name,
        territory=site.territory,
        source=source(site),
        licence=site.data_licence,
        licence_url=site.data_licence_url,
        date=site.build_date.isoformat(),
        actors=len(directory.actors),
        events=len(directory.events),
    )
    return (text + _gogocarto_readme()).encode("utf-8")


def _gogocarto_readme() -> str:
    """The LISEZMOI.txt section on gogocarto.json: its fields, and what a map's administrator does."""
    return _(
        "\n"
        "GoGoCarto (gogocarto.json)\n"
        "--------------------------\n"
        "Les acteurs en activité, un élément par acteur ; les acteurs en sommeil ou disparus n'y\n"
        "sont pas, et une carte qui suit ce fichier les retire à l'import suivant. Dans une carte\n"
        "GoGoCarto neuve, ajoutez une source de données JSON avec l'adresse de ce fichier : les\n"
        "champs sont reconnus sans table de correspondance. Il reste à faire correspondre les\n"
        "catégories (thématiques, types d'acteurs, disciplines) à celles de votre carte ; une\n"
        "catégorie de la carte qui porte exactement le même nom est reconnue seule, une valeur\n"
        "laissée sans correspondance est ignorée. Chaque élément garde l'identifiant de sa fiche :\n"
        "un nouvel import met les éléments à jour au lieu de les doubler.\n"
        "\n"
        "Champ GoGoCarto        Contenu\n"
        "id                     identifiant de la fiche\n"
        "name                   nom\n"
        "geo (latitude,         coordonnées de la fiche, ou centre de la commune (voir\n"
        "  longitude)             position_precision)\n"
        "address                streetAddress (rue et complément), addressLocality (commune),\n"
        "                         postalCode (vide si la fiche n'en donne pas), addressCountry (FR),\n"
        "                         customFormatedAddress (pour un point au centre de la commune :\n"
        "                         l'adresse suivie de « position approximative » ; vide sinon)\n"
        "categories             thématiques (libellés)\n"
        "category_type          type d'acteur (libellé) : GoGoCarto le range dans les catégories\n"
        "category_discipline    disciplines (libellés), rangées de même dans les catégories\n"
        "description            résumé\n"
        "descriptionMore        description (Markdown), suivie des horaires quand openHours ne\n"
        "                         peut pas tout dire (voir openHours)\n"
        "email, telephone,      contact de la fiche (email et les champs de l'adresse sont\n"
        "  website                toujours présents, vides au besoin : un nouvel import efface\n"
        "                         ainsi une valeur retirée de la fiche)\n"
        "openHours              horaires de la semaine : {\"Mo\": \"09:00-12:00,14:00-18:00\", ...} ;\n"
        "                         un jour fermé est absent, minuit s'écrit 00:00. GoGoCarto garde\n"
        "                         au plus deux plages par jour : un jour qui en a plus garde les\n"
        "                         deux premières. Quand les horaires disent plus que cela (plus de\n"
        "                         deux plages, mois, jours fériés, commentaires comme « sur\n"
        "                         rendez-vous »), ils sont aussi recopiés tels quels, en syntaxe\n"
        "                         OpenStreetMap, à la fin de descriptionMore. GoGoCarto ignore un\n"
        "                         openHours vide : des horaires retirés d'une fiche restent sur la\n"
        "                         carte jusqu'à ce qu'on les efface à la main\n"
        "source                 nom du site (la « source » de l'élément dans GoGoCarto)\n"
        "\n"
        "Champs personnalisés, importés seulement si vous les faites correspondre à un champ de\n"
        "la carte (codeInsee, tags et url le sont aussi quand le formulaire de la carte a un\n"
        "champ de ce nom) :\n"
        "codeInsee              code INSEE de la commune\n"
        "tags                   mots-clés\n"
        "url                    page de l'acteur sur ce site\n"
        "position_precision     adresse ou commune (voir « Positions » plus haut)\n"
        "Aucune image : les fiches n'en ont pas.\n"
    )


def record_keys(directory: Directory, history: History | None = None, pictures: Mapping[str, Any] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """What each record's piece of an export is made from, by record id, in one pass: ``own``, its
    bytes and its file's history (date_maj, SEQUENCE); ``placed``, also an event's venue (its
    place and location on maps and in calendars) and the record's picture (GoGoCarto)."""
    from communs.fingerprints import digest

    placed, own = {}, {}
    for record in (*directory.actors.values(), *directory.events.values(), *directory.calls.values()):
        known = _record_history(history, record)
        key = own[record.id] = record.digest if known is None else digest(record.digest, known.created, known.changed, known.changes)
        venue = directory.venue_of(record) if record.kind == EVENT else None
        picture = pictures.get(record.id) if pictures else None
        placed[record.id] = key if venue is None and picture is None else digest(key, venue and venue.digest, picture and picture.digest)
    return placed, own


@dataclass(frozen=True)
class Export:
    """One file of the exports: its site URL, what it is made from (its key) and how to make it;
    a big file comes in pieces (``pieced`` makes them), a small one from ``make``."""

    url: str
    key: str
    make: Callable[[], bytes] | None = None
    pieced: Callable[[], Pieced] | None = None

    def data(self) -> bytes:
        return self.pieced().whole() if self.pieced is not None else self.make()  # type: ignore[misc]


def _listing(url: str, context: object, records: Iterable[Record], keys: Mapping[str, str]) -> str:
    """The key of a file with a piece per record: the keys of its records, in its order."""
    from communs.fingerprints import digest

    return digest(url, context, "\n".join(keys[record.id] for record in records))


def _described_files(directory: Directory, site: SiteSettings, history: History | None, keys: Mapping[str, str]) -> Iterator[Export]:
    """The places of digital inclusion in the national schema and the data package of the CSV
    files (modules of their own, which read this one)."""
    from communs.site import datapackage, lamednum

    places = lamednum.places(directory)
    dated = [record for record in places if not modified_day(site, history, record)]
    yield Export(urls.data_file(LAMEDNUM_CSV), _listing(LAMEDNUM_CSV, (site.build_date, [r.id for r in dated]) if dated else "", places, keys),
                 pieced=partial(lamednum.lieux, directory, site, history, keys))
    yield Export(urls.data_file(DATAPACKAGE_JSON), "schemas", partial(datapackage.datapackage_json, directory.schemas, site))


def exports_of(
    directory: Directory, site: SiteSettings, history: History | None = None, pictures: Mapping[str, Any] | None = None,
    *, whole: bool = True, communes: Iterable[str] | None = None,
) -> Iterator[Export]:
    """Every export, with what it is made from: keys are cheap, files are made only when asked.
    The whole directory's files when ``whole``, and those of each commune of ``communes`` (all by
    default), its events' calendars included (a part of the site, see ``communs.site.parts``)."""
    from communs.fingerprints import digest

    cache: dict = {}
    keys, own = record_keys(directory, history, pictures)  # own: for the files that name no venue nor picture
    day = site.build_date.isoformat()
    actors, events, calls = list(directory.actors.values()), list(directory.events.values()), list(directory.calls.values())
    placed = [record for record in actors if directory.position(record) is not None]
    active = [record for record in actors if record.data.get("status", "active") in GOGOCARTO_STATUSES]
    shown = [record for record in events if record.data.get("attendance") != "online" and record.data.get("status", "scheduled") != "moved-online"
             and directory.position(record) is not None]
    codes = directory.commune_codes() if communes is None else sorted(communes)
    for url, records, context, pieced, chosen_keys in () if not whole else (
        (urls.data_file(ACTORS_JSON), actors, day, partial(_records_json, directory, site, actors, history, own), own),
        (urls.data_file(ACTORS_CSV), actors, "", partial(_records_csv, directory, site, ACTOR, actors, history, own), own),
        (urls.data_file(ACTORS_GEOJSON), placed, "", partial(_actors_collection, directory, site, None, history, keys), keys),
        (urls.data_file(EVENTS_JSON), events, day, partial(_records_json, directory, site, events, history, own), own),
        (urls.data_file(EVENTS_CSV), events, "", partial(_records_csv, directory, site, EVENT, events, history, own), own),
        (urls.data_file(EVENTS_GEOJSON), shown, "", partial(_events_collection, directory, site, history, keys), keys),
        (urls.data_file(EVENTS_ICS), events, day, partial(_calendar, directory, site, events, _calendar_name(directory, site, None, None), cache, history, keys), keys),
        (urls.data_file(CALLS_JSON), calls, day, partial(_records_json, directory, site, calls, history, own), own),
        (urls.data_file(CALLS_CSV), calls, "", partial(_records_csv, directory, site, CALL, calls, history, own), own),
        (urls.data_file(GOGOCARTO_JSON), active, "", partial(_gogocarto, directory, site, pictures, keys), keys),
    ):
        yield Export(url, _listing(url, context, records, chosen_keys), pieced=pieced)
    if whole:
        links = [(link.source.id, link.source.name, link.type, link.target.id, link.target.name, link.since, link.until, link.note) for link in directory.links]
        yield Export(urls.data_file(LINKS_CSV), digest(links), partial(links_csv, directory))
        yield from _described_files(directory, site, history, own)
        yield Export(urls.data_file(README), digest(len(directory.actors), len(directory.events), day), partial(readme, directory, site))
        yield Export(urls.data_file(catalogue.FILE_NAME), catalogue.inputs(directory, site, history), partial(catalogue.catalogue_jsonld, directory, site, history))
        yield from (Export(url, "schemas", partial(bytes, data)) for url, data in schemafiles.schema_files(directory.schemas, site))
    for code in codes:
        place = directory.commune(code)
        actor_keys = [keys[record.id] for record in directory.actors_in(code)]
        event_keys = [keys[record.id] for record in directory.events_in(code)]
        yield Export(urls.commune_geojson(place), digest(actor_keys), partial(actors_geojson, directory, site, code, history))
        yield Export(urls.commune_ics(place), digest(event_keys, day), partial(events_ics, directory, site, code, history=history, _cache=cache))
        yield Export(urls.commune_map_data(place), digest(actor_keys, event_keys, day), partial(map_geojson, directory, site, code, site.build_date))
    by_place: dict[tuple[str, str], list[Record]] = {}
    for value in directory.labels["themes"]:
        chosen = directory.events_with_theme(value)
        for event in chosen:
            by_place.setdefault((event.folder, value), []).append(event)
        url = urls.theme_ics(value)
        if whole:
            yield Export(url, _listing(url, day, chosen, keys), pieced=partial(_calendar, directory, site, chosen, _calendar_name(directory, site, None, value), cache, history, keys))
    in_part = set(codes)
    for code, value in directory.commune_themes:
        if code not in in_part:
            continue
        chosen = by_place[(code, value)]
        yield Export(urls.commune_theme_ics(code, value), digest([keys[event.id] for event in chosen], day),
                     partial(lambda chosen, name: _calendar(directory, site, chosen, name, cache, history).whole(), chosen, _calendar_name(directory, site, code, value)))
    for event in events if communes is None else (event for code in codes for event in directory.events_in(code)):
        yield Export(urls.event_ics(event.id), digest(keys[event.id], day), partial(event_ics, directory, site, event, history=history, _cache=cache))


def write_exports(directory: Directory, output: Path, site: SiteSettings, history: History | None = None, pictures: Mapping[str, Any] | None = None,
                  *, cache: BuildCache | None = None, whole: bool = True, communes: Iterable[str] | None = None) -> list[Path]:
    """Write every export under ``output`` (or those of a part of the site: see ``exports_of``);
    returns the files actually (re)written. With the build's ``cache``, a file made from the same
    inputs as last time is not made again, and a big one is made again piece by piece (``pieces``)."""
    written = []
    top = str(output)
    for export in exports_of(directory, site, history, pictures, whole=whole, communes=communes):
        relative = export.url.lstrip("/")
        if cache is not None and cache.fresh(relative, export.key, f"{top}/{relative}"):
            continue
        path = output / relative
        if export.pieced is not None:  # streamed to the file, never held whole
            changed = write_pieced(path, export.pieced(), cache.pieces_index(relative) if cache is not None else None, cache.version if cache is not None else "")
        else:
            changed = write_if_changed(path, export.data())
        if cache is not None:
            cache.remember(relative, export.key)
        if changed:
            written.append(path)
    return written
