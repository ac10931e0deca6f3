"""The DCAT-AP catalogue of /donnees/, read with rdflib as a harvester (udata, CKAN) reads it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import rdflib

from communs.records.directory import Directory, load_directory
from communs.settings import SettingsError, SiteSettings
from communs.site import catalogue, jsonld
from communs.site.history import read_history

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
SITE = SiteSettings(site_url="https://annuaire.example.net", build_date=date(2026, 11, 23))
BASE = "https://lecteur.example.org/"  # where a reader fetched a site-relative catalogue
# Plain namespaces (rdflib's defined ones warn when pytest inspects the module's names).
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
A = rdflib.URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LOCN = rdflib.Namespace("http://www.w3.org/ns/locn#")
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""


@pytest.fixture(scope="module")
def demo() -> Directory:
    directory, _report = load_directory(CONTENT, jobs=1)
    return directory


@pytest.fixture(scope="module")
def history():
    return read_history(CONTENT)


def graph_of(data: bytes, base: str | None = None) -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format="json-ld", publicID=base)


def rows(graph: rdflib.Graph, query: str) -> list:
    return list(graph.query(PREFIXES + query))


def test_dcat_ap_mandatory_and_recommended_properties_are_present(demo, history):
    graph = graph_of(catalogue.catalogue_jsonld(demo, SITE, history))
    # Catalog: title, description, publisher (an agent with a name), dataset (DCAT-AP mandatory).
    catalogs = rows(graph, """SELECT ?c WHERE { ?c a dcat:Catalog ; dct:title ?t ; dct:description ?d ;
        dct:publisher [ foaf:name ?n ] ; dcat:dataset ?s ; dct:license ?l ; dct:language ?g ; foaf:homepage ?h ; dct:modified ?m }""")
    assert [str(row.c) for row in catalogs] == [catalogue.catalogue_url(SITE)] == ["https://annuaire.example.net/donnees/catalogue.jsonld"]
    # Dataset: title and description (mandatory), and what udata and CKAN key and show it by.
    datasets = rows(graph, """SELECT ?s ?id WHERE { ?s a dcat:Dataset ; dct:title ?t ; dct:description ?d ; dct:identifier ?id ;
        dct:publisher ?p ; dcat:contactPoint ?k ; dcat:landingPage ?lp ; dct:spatial ?sp ; dct:modified ?m ; dcat:keyword ?kw ; dcat:theme ?th }""")
    assert {str(row.id) for row in datasets} == {"https://annuaire.example.net/donnees/#jeu-de-donnees"}
    # Distribution: accessURL is mandatory; format, licence, description recommended; we give
    # downloadURL, media type, modified and availability too. Every distribution has them all.
    distributions = set(graph.subjects(A, DCAT.Distribution))
    complete = {row.d for row in rows(graph, """SELECT ?d WHERE { ?d a dcat:Distribution ; dcat:accessURL ?a ; dcat:downloadURL ?u ;
        dct:format ?f ; dcat:mediaType ?mt ; dct:license ?l ; dct:description ?desc ; dct:title ?t ; dct:modified ?m ;
        <http://data.europa.eu/r5r/availability> ?av . FILTER(isIRI(?a) && isIRI(?u) && isIRI(?f) && isIRI(?l)) }""")}
    assert distributions and complete == distributions
    licences = {str(o) for o in graph.objects(None, DCTERMS.license)}
    assert licences == {SITE.data_licence_url}
    assert str(graph.value(rdflib.URIRef(SITE.data_licence_url), DCTERMS.title)) == SITE.data_licence


def test_the_distributions_are_the_data_pages_downloads(demo, history):
    """One list of files: the schema.org Dataset of /donnees/ and the DCAT catalogue agree."""
    described = jsonld.dataset(SITE, history)
    graph = graph_of(catalogue.catalogue_jsonld(demo, SITE, history))
    found = {
        str(row.u): (str(row.mt), str(row.m))
        for row in rows(graph, "SELECT ?u ?mt ?m WHERE { ?d a dcat:Distribution ; dcat:downloadURL ?u ; dcat:mediaType ?mt ; dct:modified ?m }")
    }
    expected = {
        item["contentUrl"]: (catalogue.IANA + item["encodingFormat"], described["dateModified"])
        for item in described["distribution"]
    }
    assert found == expected
    assert {name for name, _media, _text in jsonld.downloads()} == {url.rsplit("/", 1)[1] for url in found}
    formats = {str(row.u).rsplit("/", 1)[1]: str(row.f).rsplit("/", 1)[1] for row in rows(graph, "SELECT ?u ?f WHERE { ?d dcat:downloadURL ?u ; dct:format ?f }")}
    assert formats["acteurs.csv"] == "CSV" and formats["evenements.ics"] == "ICS" and formats["acteurs.geojson"] == "GEOJSON"


def test_modified_is_the_latest_change_of_a_record_else_the_build_day(demo, history):
    graph = graph_of(catalogue.catalogue_jsonld(demo, SITE, history))
    dataset = next(graph.subjects(A, DCAT.Dataset))
    assert graph.value(dataset, DCTERMS.modified).toPython() == history.changes[0].moment
    assert graph.value(dataset, DCTERMS.issued).toPython() == history.changes[-1].moment
    undated = graph_of(catalogue.catalogue_jsonld(demo, SITE))
    dataset = next(undated.subjects(A, DCAT.Dataset))
    assert undated.value(dataset, DCTERMS.modified).toPython() == SITE.build_date
    assert undated.value(dataset, DCTERMS.issued) is None


def test_the_spatial_coverage_holds_every_record_with_coordinates(demo):
    """The territory as a geometry udata reads (GeoJSON) and as DCAT-AP 3's bbox (WKT)."""
    graph = graph_of(catalogue.catalogue_jsonld(demo, SITE))
    dataset = next(graph.subjects(A, DCAT.Dataset))
    places = list(graph.objects(dataset, DCTERMS.spatial))
    assert places
    boxes = []
    for place in places:
        assert str(graph.value(place, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))) == "La Réunion"
        geometry = graph.value(place, LOCN.geometry)
        assert str(geometry.datatype) == catalogue.GEOJSON_LITERAL
        ring = json.loads(str(geometry))["coordinates"][0]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        boxes.append((min(lons), min(lats), max(lons), max(lats)))
        assert str(graph.value(place, DCAT.bbox)).startswith("POLYGON((")
    points = [r.data["geo"] for r in demo.actors.values() if r.data.get("geo")]
    assert points
    for point in points:
        assert any(w <= point["lon"] <= e and s <= point["lat"] <= n for w, s, e, n in boxes), point


def test_the_contact_point_has_an_email_only_when_one_is_set(demo):
    plain = graph_of(catalogue.catalogue_jsonld(demo, SITE))
    contact = next(plain.objects(None, DCAT.contactPoint))
    assert str(plain.value(contact, VCARD.hasURL)) == "https://annuaire.example.net/contribuer/"
    assert plain.value(contact, VCARD.hasEmail) is None
    mailed = graph_of(catalogue.catalogue_jsonld(demo, replace(SITE, data_contact_email="donnees@annuaire.example.net")))
    contact = next(mailed.objects(None, DCAT.contactPoint))
    assert str(mailed.value(contact, VCARD.hasEmail)) == "mailto:donnees@annuaire.example.net"


def test_a_contact_email_that_is_not_text_is_refused_at_start_up():
    with pytest.raises(SettingsError, match="data_contact_email"):
        SiteSettings.from_pelican({"COMMUNS": {"data_contact_email": ["donnees@annuaire.example.net"]}})


def test_without_a_site_address_every_iri_resolves_against_the_catalogues_address(demo):
    graph = graph_of(catalogue.catalogue_jsonld(demo, SiteSettings(build_date=SITE.build_date)), base=BASE + "donnees/catalogue.jsonld")
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert urls and all(u.startswith(BASE + "donnees/") for u in urls)
    assert {str(s) for s in graph.subjects(A, DCAT.Catalog)} == {BASE + "donnees/catalogue.jsonld"}
    pages = {str(p) for p in graph.objects(None, FOAF.page)}
    assert BASE + "schemas/actor.schema.json" in pages and BASE + "donnees/LISEZMOI.txt" in pages


def test_the_catalogue_is_deterministic(demo, history):
    again, _report = load_directory(CONTENT, jobs=1)
    assert catalogue.catalogue_jsonld(demo, SITE, history) == catalogue.catalogue_jsonld(again, SITE, read_history(CONTENT))
