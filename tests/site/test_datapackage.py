"""/donnees/datapackage.json: the CSV files described from the JSON Schemas, and every built CSV
read by frictionless with it, as a re-user's ``frictionless validate datapackage.json`` would."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from frictionless import Package
from frictionless_helpers import package_problems, published_package

from communs.records.content import ACTOR, CALL, EVENT
from communs.records.directory import load_directory
from communs.records.schemas import SchemaSet, default_schemas
from communs.resources import schemas_dir
from communs.settings import SiteSettings
from communs.site import datapackage, exports, lamednum

ROOT = Path(__file__).resolve().parents[2]
SITE = SiteSettings()
# Frictionless' rule for package and resource names.
NAME = re.compile(r"^[a-z0-9._-]+$")


def fields(package: dict, resource: str) -> dict[str, dict]:
    found = next(r for r in package["resources"] if r["name"] == resource)
    return {field["name"]: field for field in found["schema"]["fields"]}


@pytest.fixture(scope="module")
def described() -> dict:
    return datapackage.package(default_schemas(), SITE)


# Generated from the schemas ------------------------------------------------------------------


def test_one_field_per_column_of_each_csv_in_the_writers_order(described):
    schemas = default_schemas()
    assert list(fields(described, "acteurs")) == exports.csv_columns_of(schemas, ACTOR)
    assert list(fields(described, "evenements")) == exports.csv_columns_of(schemas, EVENT)
    assert list(fields(described, "appels")) == exports.csv_columns_of(schemas, CALL)
    resources = {r["name"]: r["path"] for r in described["resources"]}
    assert resources == {"acteurs": "acteurs.csv", "evenements": "evenements.csv", "appels": "appels.csv", "liens": "liens.csv", lamednum.RESOURCE: lamednum.FILE}


def test_column_types_are_the_ones_programs_need(described):
    actors, events = fields(described, "acteurs"), fields(described, "evenements")
    for name in ("commune", "address.postal_code", "identifiers.siret", "area"):
        assert actors[name]["type"] == "string", name  # codes: leading zeros count
    assert re.fullmatch(actors["commune"]["constraints"]["pattern"], "01001")
    assert re.fullmatch(actors["address.postal_code"]["constraints"]["pattern"], "01000")
    assert actors["geo.lat"]["type"] == actors["geo.lon"]["type"] == events["venue.geo.lat"]["type"] == "number"
    assert actors["geo.lat"]["constraints"] == {"minimum": -90, "maximum": 90}
    assert actors["contact.phone"]["constraints"]["pattern"] == exports.E164.pattern
    assert actors["contact.email"]["format"] == "email" and actors["contact.website"]["format"] == "uri"
    assert actors[exports.MODIFIED]["type"] == events[exports.MODIFIED]["type"] == "date"
    assert events["age.min"]["type"] == "integer" and events["price.min"]["type"] == "number"
    assert events["price.free"]["type"] == events["accessibility.wheelchair"]["type"] == "boolean"
    assert events["exceptions"]["type"] == "array"
    start = events["start"]  # a date or a date-time, as the record says
    assert start["type"] == "string"
    assert re.fullmatch(start["constraints"]["pattern"], "2026-12-20")
    assert re.fullmatch(start["constraints"]["pattern"], "2026-12-20T18:00:00+04:00")
    assert not re.fullmatch(start["constraints"]["pattern"], "20/12/2026")


def test_vocabularies_are_enums_and_lists_are_checked_item_by_item(described):
    schemas = default_schemas()
    actors, events = fields(described, "acteurs"), fields(described, "evenements")
    assert actors["kind"]["constraints"]["enum"] == [c.value for c in schemas.choices("kind")]
    assert actors["status"]["constraints"]["enum"] == [c.value for c in schemas.choices("actorStatus")]
    assert events["type"]["constraints"]["enum"] == [c.value for c in schemas.choices("eventType")]
    assert events["attendance"]["constraints"]["enum"] == [c.value for c in schemas.choices("attendance")]
    themes = actors["themes"]["constraints"]["pattern"]
    values = [c.value for c in schemas.choices("theme")]
    assert all(re.fullmatch(themes, value) for value in values)
    assert re.fullmatch(themes, "|".join(values[:6]))
    assert not re.fullmatch(themes, "|".join(values[:7]))  # maxItems: 6
    assert not re.fullmatch(themes, "culture|foo") and not re.fullmatch(themes, "culture;education")
    assert "« | »" in actors["themes"]["description"]
    assert re.fullmatch(events["organizers"]["constraints"]["pattern"], "compagnie-ti-kaz|kaz-numerik")
    assert events["venue"]["constraints"]["pattern"] == actors["id"]["constraints"]["pattern"]  # an actor's id


def test_required_columns_keys_and_titles_come_from_the_schemas(described):
    schemas = default_schemas()
    actors, events = fields(described, "acteurs"), fields(described, "evenements")
    required = {name for name, field in actors.items() if field.get("constraints", {}).get("required")}
    assert required == set(schemas.roots[ACTOR]["required"]) | {"commune_name", "url"}
    assert actors["id"]["constraints"]["unique"] is True
    assert events["id"]["constraints"]["required"] is True and events["id"]["constraints"]["unique"] is True
    assert actors["address.postal_code"]["title"] == "Adresse : Code postal"
    assert actors["geo.lat"]["description"] == schemas.field_schema(ACTOR, ["geo", "lat"])["description"]
    evenements = next(r for r in described["resources"] if r["name"] == "evenements")
    assert evenements["schema"]["primaryKey"] == ["id"]
    assert evenements["schema"]["foreignKeys"] == [{"fields": ["venue"], "reference": {"resource": "acteurs", "fields": ["id"]}}]


def test_a_new_value_in_a_schema_reaches_the_package(tmp_path):
    """Nothing is listed twice: a vocabulary changed in schemas/ changes the package."""
    folder = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), folder)
    path = folder / "vocabularies.schema.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["$defs"]["kind"]["oneOf"].append({"const": "cooperative", "title": "Coopérative", "description": "Une coopérative."})
    document["$defs"]["theme"]["oneOf"].append({"const": "mer", "title": "Mer", "description": "La mer."})
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    changed = datapackage.package(SchemaSet(folder), SITE)
    actors = fields(changed, "acteurs")
    assert actors["kind"]["constraints"]["enum"][-1] == "cooperative"
    assert re.fullmatch(actors["themes"]["constraints"]["pattern"], "culture|mer")


def test_the_package_is_a_valid_tabular_data_package_in_french(described):
    assert NAME.match(described["name"]) and all(NAME.match(r["name"]) for r in described["resources"])
    assert described["profile"] == "tabular-data-package"
    assert described["licenses"] == [{"title": SITE.data_licence, "path": SITE.data_licence_url}]
    assert "acteurs" in described["title"] and described["sources"]
    assert fields(described, "acteurs")["commune"]["title"] == "Commune"
    actors = next(r for r in described["resources"] if r["name"] == "acteurs")
    assert actors["dialect"]["delimiter"] == ";" and actors["encoding"] == "utf-8"
    # As published: the national schema by its address (frictionless does not fetch it to
    # check the package's own metadata).
    errors = list(Package.metadata_validate(json.loads(datapackage.datapackage_json(default_schemas(), SITE))))
    assert errors == []


def test_addresses_are_absolute_once_the_site_has_one():
    site = SiteSettings(site_url="https://communs.example.org")
    described = datapackage.package(default_schemas(), site)
    assert described["homepage"] == "https://communs.example.org/donnees/"
    assert fields(described, "acteurs")["url"]["format"] == "uri"
    assert "format" not in fields(datapackage.package(default_schemas(), SITE), "acteurs")["url"]  # site-relative


def test_the_package_bytes_are_deterministic():
    first = datapackage.datapackage_json(default_schemas(), SITE)
    assert first == datapackage.datapackage_json(SchemaSet(), SITE)
    assert json.loads(first)["resources"][0]["schema"]["fields"][0]["name"] == "id"


# The built demo, read by frictionless ----------------------------------------------------------


def test_every_built_csv_is_valid_against_the_published_package(demo_site):
    folder = demo_site / "donnees"
    assert package_problems(folder) == {"acteurs": [], "evenements": [], "appels": [], "liens": [], lamednum.RESOURCE: []}
    directory, _report = load_directory(ROOT / "content")
    report = Package(published_package(folder), basepath=str(folder)).validate()
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["acteurs"] == len(directory.actors) and rows["evenements"] == len(directory.events)
    assert rows["liens"] == len(directory.links) >= 10
    assert rows["appels"] == len(directory.calls) >= 10


def test_the_data_page_and_the_readme_link_the_package(demo_site):
    page = (demo_site / "donnees" / "index.html").read_text(encoding="utf-8")
    assert 'href="/donnees/datapackage.json"' in page and 'href="/donnees/lieux-mediation-numerique.csv"' in page
    readme = (demo_site / "donnees" / "LISEZMOI.txt").read_text(encoding="utf-8")
    assert "datapackage.json" in readme and "lieux-mediation-numerique.csv" in readme


def _rewrite(path: Path, column: str, value: str, *, bom: bool = True, delimiter: str = ";") -> int:
    """Put ``value`` in ``column`` of the first row that has something there (else the first
    row); returns the row's number as frictionless counts it (the header is row 1)."""
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    index = rows[0].index(column)
    number = next((n for n, row in enumerate(rows[1:], start=1) if row[index]), 1)
    rows[number][index] = value
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return number + 1


DEFECTS = [
    # (file, column, cell, the error frictionless must report)
    ("acteurs.csv", "commune", "9741", "constraint-error"),  # a code read as a number, zero lost
    ("acteurs.csv", "address.postal_code", "7400", "constraint-error"),
    ("acteurs.csv", "geo.lat", "-20,9312", "type-error"),  # a French decimal comma
    ("acteurs.csv", "contact.phone", "'+262 262 00 11 02", "constraint-error"),  # the old apostrophe
    ("acteurs.csv", "themes", "culture|musique", "constraint-error"),  # not a theme
    ("acteurs.csv", "kind", "asso", "constraint-error"),
    ("acteurs.csv", "date_maj", "23/11/2026", "type-error"),
    ("evenements.csv", "start", "2026-12-20 18h", "constraint-error"),
    ("evenements.csv", "price.free", "oui", "type-error"),
    ("evenements.csv", "age.min", "6.5", "type-error"),
    ("evenements.csv", "exceptions", "{'date': '2027-01-02'}", "type-error"),  # not JSON
]


@pytest.mark.parametrize(("name", "column", "cell", "error"), DEFECTS, ids=[f"{d[0]}:{d[1]}" for d in DEFECTS])
def test_frictionless_reports_a_corrupted_cell(demo_site, tmp_path, name, column, cell, error):
    folder = tmp_path / "donnees"
    shutil.copytree(demo_site / "donnees", folder, ignore=shutil.ignore_patterns("communes", "themes", "*.ics", "*.json", "*.geojson", "*.html"))
    shutil.copy(demo_site / "donnees" / "datapackage.json", folder)
    row = _rewrite(folder / name, column, cell)
    found = package_problems(folder)
    resource = name.removesuffix(".csv")
    assert found[resource] == [(row, column, error)]
    assert all(not problems for other, problems in found.items() if other != resource)


def test_frictionless_reports_an_unknown_venue_and_a_repeated_id(demo_site, tmp_path):
    folder = tmp_path / "donnees"
    shutil.copytree(demo_site / "donnees", folder, ignore=shutil.ignore_patterns("communes", "themes"))
    row = _rewrite(folder / "evenements.csv", "venue", "salle-qui-n-existe-pas")
    actors = folder / "acteurs.csv"
    rows = list(csv.reader(io.StringIO(actors.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
    rows[2][0] = rows[1][0]  # the second actor takes the first one's id
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    actors.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    found = package_problems(folder)
    assert (row, None, "foreign-key") in found["evenements"]
    assert len(found["acteurs"]) == 2 and set(found["acteurs"]) == {(3, None, "primary-key"), (3, "id", "unique-error")}
