"""``/donnees/catalogue.jsonld``: the open data described in DCAT-AP, for portals that harvest it.

data.gouv.fr (udata's DCAT harvester), CKAN (ckanext-dcat) and the European data portal read a
``dcat:Catalog`` and create one dataset per ``dcat:Dataset``, keyed by its ``dct:identifier``,
with one resource per ``dcat:Distribution`` (its ``dcat:downloadURL``, else ``dcat:accessURL``;
its format from ``dct:format`` / ``dcat:mediaType``; its licence from ``dct:license``).

One dataset
    The catalogue holds one ``dcat:Dataset``, the directory, as the ``/donnees/`` page's
    schema.org ``Dataset`` does: its title, description, dates and distributions are read from
    that very description (``jsonld.dataset``), so that the two never disagree; the file list
    has one source, ``jsonld.downloads()``. The actors and the events are one directory (an
    event names its organizers and venue among the actors), published, licensed and updated
    together; a portal shows their files side by side.

Properties (DCAT-AP 2 and 3; mandatory ones first)
    Catalog: ``dct:title``, ``dct:description``, ``dct:publisher``, ``dcat:dataset``; then
    ``foaf:homepage``, ``dct:language``, ``dct:license``, ``dct:modified``, ``dct:spatial``,
    ``dcat:themeTaxonomy``.
    Dataset: ``dct:title``, ``dct:description``; then ``dct:identifier`` (the harvesters' key:
    keep the site's address stable), ``dcat:distribution``, ``dcat:contactPoint``,
    ``dct:publisher``, ``dcat:keyword`` (the themes that records use), ``dcat:theme`` (EU data
    themes), ``dct:spatial``, ``dct:issued`` (the first commit of a record, with Git history),
    ``dct:modified`` (the latest change of a record, else the build day), ``dcat:landingPage``
    (``/donnees/``), ``foaf:page`` (``LISEZMOI.txt`` and the JSON Schemas of ``/schemas/``),
    ``dct:language``, ``dct:accessRights``, ``dct:accrualPeriodicity``.
    Distribution: ``dcat:accessURL`` and ``dcat:downloadURL`` (the file), ``dct:title``,
    ``dct:description``, ``dct:format`` (EU file type), ``dcat:mediaType`` (IANA),
    ``dct:license`` (the site's ``data_licence_url``, labelled with ``data_licence``),
    ``dct:modified``, ``dcatap:availability``.

Where (``dct:spatial``)
    One ``dct:Location`` per département that holds records, named, with its bounding box (from
    the reference data: the extent of its communes' centres, widened) both as ``dcat:bbox``
    (WKT, DCAT-AP 3) and as ``locn:geometry`` in GeoJSON (the form udata reads).

Who
    The publisher is the site (its name and home page); the contact point is the site too, with
    its contribution page (where anyone can correct a record) and, when the ``data_contact_email``
    setting is given, an e-mail address (udata keeps a contact point only with one).

Without a site address every IRI is site-relative, as in the other exports: a reader resolves
them against the address it fetched the file from. The bytes depend only on the directory, the
settings and the history (no clock is read).
"""

from __future__ import annotations

import json
from typing import Any

from communs.i18n import _
from communs.records.directory import Directory
from communs.settings import SiteSettings
from communs.site import jsonld, schemafiles, urls
from communs.site.history import History

FILE_NAME = "catalogue.jsonld"
MEDIA_TYPE = "application/ld+json"

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "locn": "http://www.w3.org/ns/locn#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
# The datatype GeoDCAT-AP gives GeoJSON geometries (and the one udata's harvester reads).
GEOJSON_LITERAL = IANA + "application/vnd.geo+json"
LANGUAGE = EU + "language/FRA"
# EU file types of the media types of /donnees/ (a media type missing here gets no dct:format:
# the catalogue's tests then fail until it is added).
FILE_TYPES = {
    "application/json": "JSON",
    "application/geo+json": "GEOJSON",
    "application/ld+json": "JSON_LD",
    "text/calendar": "ICS",
    "text/csv": "CSV",
    "text/plain": "TXT",
}
# EU data themes: "Population and society", "Education, culture and sport".
DATA_THEMES = ("SOCI", "EDUC")
COORDINATE_DIGITS = 4  # the reference bounding boxes' precision


def catalogue_url(site: SiteSettings) -> str:
    return _address(site, urls.data_file(FILE_NAME))


def _address(site: SiteSettings, path: str) -> str:
    return urls.absolute(site.site_url, path) if site.site_url else path


def _text(value: str) -> dict:
    return {"@value": value, "@language": "fr"}


def _moment(value: str) -> dict:
    return {"@value": value, "@type": "xsd:dateTime" if "T" in value else "xsd:date"}


def _uri(value: str) -> dict:
    return {"@id": value}


def _polygon(bbox: tuple[float, float, float, float]) -> list[list[float]]:
    """The ring of a bounding box (min_lat, min_lon, max_lat, max_lon), longitude first."""
    south, west, north, east = (round(v, COORDINATE_DIGITS) for v in bbox)
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def _location(name: str, bbox: tuple[float, float, float, float] | None) -> dict:
    place: dict[str, Any] = {"@type": "dct:Location", "skos:prefLabel": _text(name)}
    if bbox is not None:
        ring = _polygon(bbox)
        wkt = "POLYGON((" + ", ".join(f"{lon} {lat}" for lon, lat in ring) + "))"
        place["dcat:bbox"] = {"@value": wkt, "@type": "gsp:wktLiteral"}
        geometry = json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))
        place["locn:geometry"] = {"@value": geometry, "@type": GEOJSON_LITERAL}
    return place


def spatial(directory: Directory) -> list[dict]:
    """One dct:Location per département of the communes that hold records, in code order."""
    codes = sorted({directory.commune(code).departement for code in directory.commune_codes()})
    found = []
    for code in codes:
        departement = directory.communes.departement(code)
        if departement is not None:
            found.append(_location(departement.name, departement.bbox))
    return found


def _keywords(directory: Directory) -> list[dict]:
    used = {value for record in (*directory.actors.values(), *directory.events.values()) for value in record.data.get("themes", [])}
    return [_text(choice.title) for value, choice in directory.labels["themes"].items() if value in used]


def _documentation(directory: Directory, site: SiteSettings, readme: str | None) -> list[dict]:
    pages = []
    if readme is not None:
        pages.append({"@id": readme, "@type": "foaf:Document", "dct:title": _text(_("Description des fichiers et de leurs colonnes"))})
    for name, document in sorted(directory.schemas.by_file.items()):
        pages.append({
            "@id": schemafiles.schema_url(site, name),
            "@type": "foaf:Document",
            "dct:title": _text(_("Schéma JSON : {title}").format(title=document.get("title", name))),
            "dct:format": _uri(EU + "file-type/JSON"),
        })
    return pages


def catalogue(directory: Directory, site: SiteSettings, history: History | None = None) -> dict:
    """The DCAT-AP catalogue of the site's open data, as a JSON-LD document."""
    described = jsonld.dataset(site, history)
    home = _address(site, "/")
    data_page = described["url"]
    modified = _moment(described["dateModified"])
    licence = {"@id": site.data_licence_url, "@type": "dct:LicenseDocument", "dct:title": site.data_licence}
    publisher = {"@id": f"{home}#editeur", "@type": "foaf:Agent", "foaf:name": site.site_name, "foaf:homepage": _uri(home)}
    contact: dict[str, Any] = {
        "@type": "vcard:Kind",
        "vcard:fn": site.site_name,
        "vcard:hasURL": _uri(_address(site, urls.page(urls.CONTRIBUTE))),
    }
    if site.data_contact_email:
        contact["vcard:hasEmail"] = _uri(f"mailto:{site.data_contact_email}")
    places = spatial(directory)

    distributions = []
    readme = None
    for item in described["distribution"]:
        media = item["encodingFormat"]
        distribution: dict[str, Any] = {
            "@id": f"{data_page}#{item['name']}",
            "@type": "dcat:Distribution",
            "dct:title": item["name"],
            "dct:description": _text(item["description"]),
            "dcat:accessURL": _uri(item["contentUrl"]),
            "dcat:downloadURL": _uri(item["contentUrl"]),
            "dcat:mediaType": _uri(IANA + media),
            "dct:license": licence,
            "dct:modified": modified,
            "dcatap:availability": _uri(EU + "planned-availability/STABLE"),
        }
        if media in FILE_TYPES:
            distribution["dct:format"] = _uri(EU + "file-type/" + FILE_TYPES[media])
        if media == "text/plain":  # the list's one text file describes the others (LISEZMOI.txt)
            readme = item["contentUrl"]
        distributions.append(distribution)

    dataset: dict[str, Any] = {
        "@id": f"{data_page}#jeu-de-donnees",
        "@type": "dcat:Dataset",
        "dct:identifier": f"{data_page}#jeu-de-donnees",
        "dct:title": _text(described["name"]),
        "dct:description": _text(described["description"]),
        "dct:publisher": publisher,
        "dcat:contactPoint": contact,
        "dcat:landingPage": {"@id": data_page, "@type": "foaf:Document"},
        "foaf:page": _documentation(directory, site, readme),
        "dcat:keyword": _keywords(directory),
        "dcat:theme": [_uri(EU + "data-theme/" + theme) for theme in DATA_THEMES],
        "dct:language": _uri(LANGUAGE),
        "dct:accessRights": _uri(EU + "access-right/PUBLIC"),
        "dct:accrualPeriodicity": _uri(EU + "frequency/IRREG"),
        "dct:spatial": places,
        "dct:modified": modified,
        "dcat:distribution": distributions,
    }
    if history is not None and history.changes:
        dataset["dct:issued"] = _moment(history.changes[-1].moment.isoformat())
    catalog = {
        "@id": catalogue_url(site),
        "@type": "dcat:Catalog",
        "dct:title": _text(_("{site} : catalogue des données ouvertes").format(site=site.site_name)),
        "dct:description": _text(_("Les données ouvertes de {site} ({territory}) : les acteurs du territoire et leurs événements, dans les fichiers de {page}.").format(
            site=site.site_name, territory=site.territory, page=data_page
        )),
        "dct:publisher": {"@id": publisher["@id"]},
        "foaf:homepage": _uri(home),
        "dct:language": _uri(LANGUAGE),
        "dct:license": {"@id": site.data_licence_url},
        "dct:modified": modified,
        "dct:spatial": places,
        "dcat:themeTaxonomy": _uri(EU + "data-theme"),
        "dcat:dataset": [dataset],
    }
    return {"@context": CONTEXT, "@graph": [catalog]}


def inputs(directory: Directory, site: SiteSettings, history: History | None = None) -> str:
    """What the catalogue is made from besides the code and settings: the départements and themes
    the records cover, the first and latest change (or the build day without history)."""
    from communs.fingerprints import digest

    codes = sorted({directory.commune(code).departement for code in directory.commune_codes()})
    used = sorted({value for record in (*directory.actors.values(), *directory.events.values(), *directory.calls.values()) for value in record.data.get("themes", [])})
    changes = (history.changes[0].moment.isoformat(), history.changes[-1].moment.isoformat()) if history is not None and history.changes else site.build_date
    return digest("catalogue", codes, used, changes)


def catalogue_jsonld(directory: Directory, site: SiteSettings, history: History | None = None) -> bytes:
    """The catalogue's file: UTF-8 JSON-LD, two-space indented, keys in a fixed order."""
    return (json.dumps(catalogue(directory, site, history), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
