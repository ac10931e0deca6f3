"""`communs export`: the site's open-data files (and a JSON-LD graph) for part of the directory."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import geojson
import icalendar
import pytest
from click.testing import CliRunner
from conftest import ACTOR, DEMO_EPOCH, EVENT, replace_line
from pelican.settings import read_settings

from communs.cli import main
from communs.records.directory import Directory, load_directory
from communs.settings import SiteSettings
from communs.site import exports, urls
from communs.site.history import read_history

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
SETTINGS = ROOT / "pelicanconf.py"
SITE_URL = "https://communs.example.org"
ENV = {"SOURCE_DATE_EPOCH": DEMO_EPOCH}
# Where each export (format, kind) lies under /donnees/.
SITE_FILES = {
    ("json", "actor"): exports.ACTORS_JSON,
    ("json", "event"): exports.EVENTS_JSON,
    ("csv", "actor"): exports.ACTORS_CSV,
    ("csv", "event"): exports.EVENTS_CSV,
    ("geojson", "actor"): exports.ACTORS_GEOJSON,
    ("geojson", "event"): exports.EVENTS_GEOJSON,
    ("ics", "event"): exports.EVENTS_ICS,
    ("gogocarto", "actor"): exports.GOGOCARTO_JSON,
    ("lamednum", "actor"): exports.LAMEDNUM_CSV,
    ("json", "call"): exports.CALLS_JSON,
    ("csv", "call"): exports.CALLS_CSV,
}


def runner() -> CliRunner:
    """A runner that keeps stderr apart (click 8.1 needs to be told, 8.2 always does)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def export(*args: str, content: Path = CONTENT):
    return runner().invoke(main, ["export", "--content", str(content), "--settings", str(SETTINGS), *args], env=ENV)


def ok(*args: str, content: Path = CONTENT) -> bytes:
    result = export(*args, content=content)
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    return result.stdout_bytes


@pytest.fixture(scope="module")
def demo() -> Directory:
    directory, _report = load_directory(CONTENT, jobs=1)
    return directory


def site_settings(site_url: str = "") -> SiteSettings:
    """The settings `communs build` uses for the demo (pelicanconf.py, the demo's date)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", DEMO_EPOCH)
        site = SiteSettings.from_pelican(read_settings(str(SETTINGS)))
    return replace(site, site_url=site_url) if site_url else site


@pytest.fixture(scope="module", params=["", SITE_URL], ids=["relative", "absolute"])
def published(request, demo, tmp_path_factory) -> tuple[str, Path]:
    """The site's /donnees/ for the demo, as the build writes it: (site URL, folder)."""
    output = tmp_path_factory.mktemp("published")
    exports.write_exports(demo, output, site_settings(request.param), read_history(CONTENT))
    return request.param, output / "donnees"


def ids_of(data: bytes, output_format: str) -> set[str]:
    if output_format == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        return {row["id"] for row in rows}
    if output_format == "ics":
        return {str(e["uid"]).split("@")[0] for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    found = json.loads(data)
    if output_format == "geojson":
        return {f["id"] for f in found["features"]}
    if output_format == "jsonld":
        return {node["@id"].rstrip("/").rsplit("/", 1)[-1] for node in found["@graph"] if node["@type"] != "Dataset"}
    return {item["id"] for item in found["data"]}


# Same bytes as the site --------------------------------------------------------------------


@pytest.mark.parametrize(("output_format", "kind"), sorted(SITE_FILES))
def test_whole_directory_is_the_sites_file(published, output_format, kind):
    site_url, folder = published
    extra = ["--site-url", site_url] if site_url else []
    data = ok("--format", output_format, "--kind", kind, *extra)
    assert data == (folder / SITE_FILES[(output_format, kind)]).read_bytes()


def test_the_data_package_is_the_sites_file(published):
    site_url, folder = published
    extra = ["--site-url", site_url] if site_url else []
    assert ok("--format", "datapackage", *extra) == (folder / exports.DATAPACKAGE_JSON).read_bytes()


def test_default_kinds_follow_the_format():
    for output_format, kind in (("json", "actor"), ("csv", "actor"), ("geojson", "actor"), ("ics", "event"), ("gogocarto", "actor"), ("lamednum", "actor")):
        assert ok("--format", output_format) == ok("--format", output_format, "--kind", kind), output_format


def test_one_commune_gives_the_communes_files(published, demo):
    site_url, folder = published
    extra = ["--site-url", site_url] if site_url else []
    place = demo.commune("97415")
    assert ok("--format", "geojson", "--commune", "97415", *extra) == (folder.parent / urls.commune_geojson(place).lstrip("/")).read_bytes()
    assert ok("--format", "ics", "--commune", "97415", *extra) == (folder.parent / urls.commune_ics(place).lstrip("/")).read_bytes()


def test_filtered_export_is_the_sites_export_of_those_records(demo):
    """The bytes are those the site would publish if it held only the matching records."""
    site = site_settings(SITE_URL)
    chosen = [r for r in demo.actors.values() if "culture" in r.data["themes"]]
    expected = exports.actors_json(Directory.from_records(chosen), site, read_history(CONTENT))
    assert ok("--format", "json", "--theme", "culture", "--site-url", SITE_URL) == expected


# Each format parses --------------------------------------------------------------------------


def test_json_parses(demo):
    actors = json.loads(ok("--format", "json"))
    events = json.loads(ok("--format", "json", "--kind", "event"))
    assert actors["count"] == len(demo.actors) and [a["id"] for a in actors["data"]] == sorted(demo.actors)
    assert events["count"] == len(demo.events) and {e["id"] for e in events["data"]} == set(demo.events)


def test_csv_parses(demo):
    rows = list(csv.reader(io.StringIO(ok("--format", "csv", "--kind", "event").decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[0] == "id" and "url" in header
    assert {row[0] for row in body} == set(demo.events)
    assert all(len(row) == len(header) for row in body)


def test_geojson_parses(demo):
    collection = geojson.loads(ok("--format", "geojson").decode("utf-8"))
    assert collection.is_valid, collection.errors()
    assert {f["id"] for f in collection["features"]} == set(demo.actors)


def test_ics_parses(demo):
    calendar = icalendar.Calendar.from_ical(ok("--format", "ics"))
    assert {str(e["uid"]).split("@")[0] for e in calendar.walk("VEVENT")} == set(demo.events)


def test_gogocarto_parses(demo):
    found = json.loads(ok("--format", "gogocarto"))
    assert [e["id"] for e in found["data"]] == sorted(i for i, r in demo.actors.items() if r.data.get("status", "active") == "active")
    assert all("latitude" in e["geo"] for e in found["data"])


# JSON-LD -------------------------------------------------------------------------------------


def test_jsonld_is_one_schema_org_graph_of_the_directory(demo):
    data = ok("--format", "jsonld", "--site-url", SITE_URL)
    document = json.loads(data)
    assert set(document) == {"@context", "@graph"} and document["@context"] == "https://schema.org"
    nodes = document["@graph"]
    assert all(node.get("@type") and node.get("@id") for node in nodes)
    assert all("@context" not in node for node in nodes)
    dataset, records = nodes[0], nodes[1:]
    assert dataset["@type"] == "Dataset" and dataset["@id"] == f"{SITE_URL}/donnees/"
    assert dataset["license"] == "https://opendatacommons.org/licenses/odbl/1-0/"
    assert dataset["dateModified"] == read_history(CONTENT).changes[0].moment.isoformat()  # the latest change of a record
    assert {d["name"] for d in dataset["distribution"]} >= {"acteurs.csv", "evenements.geojson", "evenements.ics"}
    assert dataset["creator"]["name"] == "communs — La Réunion"
    expected = [f"{SITE_URL}/acteurs/{i}/" for i in sorted(demo.actors)] + [f"{SITE_URL}/evenements/{i}/" for i in sorted(demo.events)]
    assert [node["@id"] for node in records] == expected
    # Organizers point at actor nodes of the same graph.
    known = {node["@id"] for node in records}
    organizers = [o["@id"] for node in records for o in node.get("organizer", [])]
    assert organizers and set(organizers) <= known
    # Deterministic: a second run gives the same bytes; nothing could close a <script>.
    assert ok("--format", "jsonld", "--site-url", SITE_URL) == data
    assert b"<" not in data


def test_jsonld_nodes_are_those_of_the_pages(demo):
    from communs.site import jsonld

    site = site_settings(SITE_URL)
    history = read_history(CONTENT)
    nodes = json.loads(ok("--format", "jsonld", "--kind", "event", "--commune", "97415", "--site-url", SITE_URL))["@graph"]
    events = [r for r in demo.events.values() if r.folder == "97415"]
    assert len(nodes) == len(events) + 1 and events
    for node, record in zip(nodes[1:], sorted(events, key=lambda r: r.id)):
        page = json.loads(json.dumps(jsonld.event(demo, site, record, history.of_record(record.kind, record.folder, record.stem))))
        page.pop("@context")
        assert node == page


# Filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "csv", "geojson", "gogocarto", "jsonld"])
def test_commune_filter(demo, output_format):
    data = ok("--format", output_format, "--kind", "actor", "--commune", "97411", "--commune", "97415")
    assert ids_of(data, output_format) == {i for i, r in demo.actors.items() if r.folder in ("97411", "97415")}


def test_commune_filter_on_events(demo):
    expected = {i for i, r in demo.events.items() if r.folder == "97411"}
    assert expected
    assert ids_of(ok("--format", "ics", "--commune", "97411"), "ics") == expected
    assert ids_of(ok("--format", "csv", "--kind", "event", "--commune", "97411"), "csv") == expected


def test_theme_filter(demo):
    expected = {i for i, r in demo.actors.items() if {"sport", "sante"} & set(r.data["themes"])}
    assert 0 < len(expected) < len(demo.actors)
    assert ids_of(ok("--format", "json", "--theme", "sport", "--theme", "sante"), "json") == expected
    # Comma-separated values mean the same.
    assert ids_of(ok("--format", "json", "--theme", "sport,sante"), "json") == expected


def test_filters_combine(demo):
    everything = {i for i, r in {**demo.actors, **demo.events}.items() if r.folder == "97415" and "culture" in r.data["themes"]}
    assert everything
    found = ids_of(ok("--format", "jsonld", "--commune", "97415", "--theme", "culture", "--departement", "974"), "jsonld")
    assert found == everything


def test_departement_filter(tree):
    tree.actor()
    tree.write("actor", "75056", "atelier-paris.yml", replace_line(
        replace_line(replace_line(ACTOR, "id: compagnie-ti-kaz", "id: atelier-paris"), 'commune: "97411"', 'commune: "75056"'),
        'postal_code: "97400"', 'postal_code: "75001"',
    ).replace("geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: 48.8566, lon: 2.3522}"))
    check = runner().invoke(main, ["validate", "--content", str(tree.content)])
    assert check.exit_code == 0, check.output
    assert ids_of(ok("--format", "json", "--departement", "75", content=tree.content), "json") == {"atelier-paris"}
    assert ids_of(ok("--format", "json", "--departement", "974", content=tree.content), "json") == {"compagnie-ti-kaz"}
    assert ids_of(ok("--format", "json", "--departement", "974,75", content=tree.content), "json") == {"compagnie-ti-kaz", "atelier-paris"}
    # Corsica's codes are letters; lower case is understood.
    missing = export("--format", "json", "--departement", "2a", content=tree.content)
    assert missing.exit_code == 1 and "Aucune fiche ne correspond aux filtres." in missing.stderr


def test_events_keep_their_venue_from_another_commune(tree):
    """Only the exported kind is filtered: an event in Saint-Paul held at an actor of
    Saint-Denis still names its hall, as in the site's agenda of Saint-Paul."""
    tree.actor()
    tree.event(replace_line(
        replace_line(EVENT, 'commune: "97411"', 'commune: "97415"'),
        "venue:\n  name: Jardin de l'État\n  address: {postal_code: \"97400\"}\n  geo: {lat: -20.8823, lon: 55.4504}",
        "venue: compagnie-ti-kaz",
    ), commune="97415")
    data = ok("--format", "ics", "--commune", "97415", content=tree.content)
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["location"]).startswith("Compagnie Ti Kaz, 12 rue de Paris")
    directory, _report = load_directory(tree.content, jobs=1)
    assert data == exports.events_ics(directory, site_settings(), "97415")
    graph = json.loads(ok("--format", "jsonld", "--commune", "97415", content=tree.content))["@graph"]
    assert [node["@type"] for node in graph] == ["Dataset", "Event"]
    assert graph[1]["organizer"][0]["@id"] == "/acteurs/compagnie-ti-kaz/"


# Output --------------------------------------------------------------------------------------


def test_output_file_is_written_whole(tmp_path):
    target = tmp_path / "sortie" / "acteurs.geojson"
    result = export("--format", "geojson", "--commune", "97411", "--output", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == b""
    assert "fiches exportées dans" in result.stderr or "fiche exportée dans" in result.stderr
    assert target.read_bytes() == ok("--format", "geojson", "--commune", "97411")
    assert [p.name for p in target.parent.iterdir()] == ["acteurs.geojson"]  # no temporary left


# Errors --------------------------------------------------------------------------------------


def test_unknown_commune_is_a_usage_error_with_suggestions():
    result = export("--format", "json", "--commune", "97400")  # Saint-Denis's postal code
    assert result.exit_code == 2 and result.stdout_bytes == b""
    assert "« 97400 » n'est pas un code INSEE de commune connu" in result.stderr
    assert "Vouliez-vous dire : 97411 (Saint-Denis)" in result.stderr
    by_name = export("--format", "json", "--commune", "Saint-Pierre")
    assert by_name.exit_code == 2 and "97416 (Saint-Pierre)" in by_name.stderr


def test_unknown_theme_is_a_usage_error_listing_the_values():
    result = export("--format", "json", "--theme", "cultur")
    assert result.exit_code == 2 and result.stdout_bytes == b""
    assert "« cultur » n'est pas une thématique. Vouliez-vous écrire « culture » ?" in result.stderr
    assert "Valeurs possibles : agriculture, alimentation, culture," in result.stderr


def test_unknown_departement_is_a_usage_error():
    result = export("--format", "json", "--departement", "reunion")
    assert result.exit_code == 2 and "Vouliez-vous dire : 974 (La Réunion) ?" in result.stderr
    result = export("--format", "json", "--departement", "99")
    assert result.exit_code == 2 and "Codes possibles : 01, 02" in result.stderr and "2A" in result.stderr


def test_kind_the_format_cannot_hold_is_a_usage_error():
    result = export("--format", "ics", "--kind", "actor")
    assert result.exit_code == 2 and "ne contient que des événements" in result.stderr
    result = export("--format", "gogocarto", "--kind", "event")
    assert result.exit_code == 2 and "ne contient que des acteurs" in result.stderr
    result = export("--format", "lamednum", "--kind", "event")
    assert result.exit_code == 2 and "ne contient que des acteurs" in result.stderr
    result = export("--format", "datapackage", "--kind", "actor")
    assert result.exit_code == 2 and "décrit les deux fichiers CSV" in result.stderr and result.stdout_bytes == b""


def test_missing_settings_or_content_are_usage_errors(tmp_path):
    result = runner().invoke(main, ["export", "--format", "json", "--content", str(CONTENT), "--settings", str(tmp_path / "absent.py")])
    assert result.exit_code == 2 and "n'existe pas" in result.stderr
    result = export("--format", "json", content=tmp_path / "absent")
    assert result.exit_code == 2 and "Le dossier des fiches" in result.stderr


def test_nothing_matched_exits_1_without_output(tree, tmp_path):
    tree.actor()  # culture and education, in Saint-Denis
    target = tmp_path / "acteurs.json"
    for args in (["--theme", "sport"], ["--commune", "97415"], ["--kind", "event"], ["--output", str(target), "--theme", "sport"]):
        result = export("--format", "json", *args, content=tree.content)
        assert result.exit_code == 1, args
        assert result.stdout_bytes == b""
        assert "Aucune fiche ne correspond aux filtres." in result.stderr
    assert not target.exists()


def test_lamednum_keeps_the_places_that_match(demo, tmp_path):
    rows = list(csv.DictReader(io.StringIO(ok("--format", "lamednum", "--commune", "97411").decode("utf-8"))))
    assert {row["id"] for row in rows} == {"kaz-numerik-bois-de-nefles", "mediatheque-des-hauts-du-brule"}
    target = tmp_path / "lieux.csv"
    result = export("--format", "lamednum", "--commune", "97415", "--output", str(target))  # no place of the theme there
    assert result.exit_code == 1 and result.stdout_bytes == b"" and "Aucune fiche ne correspond aux filtres." in result.stderr
    assert not target.exists()


def test_invalid_record_exits_1_without_output(tree, tmp_path):
    tree.actor(replace_line(ACTOR, "kind: association", "kind: asso"))
    target = tmp_path / "acteurs.json"
    for args in (["--format", "json"], ["--format", "jsonld", "--output", str(target)]):
        result = export(*args, content=tree.content)
        assert result.exit_code == 1
        assert result.stdout_bytes == b""
        assert "erreur [not-in-list] kind" in result.stderr and "Vouliez-vous écrire « association » ?" in result.stderr
        assert "Rien n'est exporté : corrigez d'abord ces erreurs." in result.stderr
    assert not target.exists()
