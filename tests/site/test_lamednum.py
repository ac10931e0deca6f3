"""/donnees/lieux-mediation-numerique.csv: the places of digital inclusion in the national schema
(LaMednum), validated by frictionless against a copy of that schema (tests/fixtures/lamednum)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import ACTOR, replace_line
from frictionless_helpers import csv_problems, lamednum_schema

from communs.records.directory import Directory, load_directory
from communs.settings import SiteSettings
from communs.site import lamednum
from communs.site.history import read_history

ROOT = Path(__file__).resolve().parents[2]
SITE = SiteSettings(build_date=date(2026, 10, 1))


def rows(data: bytes) -> list[dict[str, str]]:
    assert not data.startswith(b"\xef\xbb\xbf")  # UTF-8 without BOM, as the schema's README asks
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture(scope="module")
def demo() -> Directory:
    directory, _report = load_directory(ROOT / "content", jobs=1)
    return directory


def test_our_columns_are_the_schemas_in_its_order():
    assert list(lamednum.COLUMNS) == [field["name"] for field in lamednum_schema()["fields"]]
    assert lamednum.SCHEMA_VERSION == lamednum_schema()["version"].lstrip("v")
    assert lamednum.SCHEMA_URL.split("/")[-2] in (Path(__file__).parents[1] / "fixtures" / "lamednum" / "SOURCE.md").read_text(encoding="utf-8")
    telephone = next(f for f in lamednum_schema()["fields"] if f["name"] == "telephone")["constraints"]["pattern"]
    for number in ("+262262001102", "+33180059880", "+41213456789", "+2621234", "+3318005988012"):
        assert bool(lamednum.PHONE.fullmatch(number)) == bool(re.fullmatch(telephone, number)), number


# The built demo ------------------------------------------------------------------------------


def test_the_demo_places_are_valid_against_the_national_schema(demo_site, demo):
    path = demo_site / "donnees" / lamednum.FILE
    assert csv_problems(path, lamednum_schema()) == []  # the hand conversion had 13 errors
    expected = sorted(
        r.id for r in demo.actors.values()
        if "numerique" in r.data["themes"] and r.data.get("status", "active") == "active" and r.data.get("address", {}).get("street")
    )
    found = rows(path.read_bytes())
    assert [row["id"] for row in found] == expected and len(expected) >= 5


def test_pivot_phone_and_date_come_from_the_record(demo_site, demo):
    found = {row["id"]: row for row in rows((demo_site / "donnees" / lamednum.FILE).read_bytes())}
    kaz = found["kaz-numerik-bois-de-nefles"]
    assert kaz["pivot"] == demo.actors["kaz-numerik-bois-de-nefles"].data["identifiers"]["siret"]  # SIRET before RNA
    assert found["sanble-dijital"]["pivot"] == demo.actors["sanble-dijital"].data["identifiers"]["rna"]
    assert found["mediatheque-des-hauts-du-brule"]["pivot"] == "00000000000000"  # neither
    assert kaz["telephone"] == "+262262001102"  # "+262 262 00 11 02" in the record
    assert kaz["code_insee"] == "97411" and kaz["commune"] == "Saint-Denis" and kaz["code_postal"] == "97400"
    assert kaz["typologie"] == "TIERS_LIEUX" and found["sanble-dijital"]["typologie"] == "ASSO"
    assert found["mediatheque-des-hauts-du-brule"]["typologie"] == ""  # no one-to-one typology
    assert kaz["site_web"].split("|")[0] == demo.actors["kaz-numerik-bois-de-nefles"].data["contact"]["website"]
    assert kaz["horaires"] == demo.actors["kaz-numerik-bois-de-nefles"].data["opening_hours"]
    assert float(kaz["latitude"]) == pytest.approx(demo.actors["kaz-numerik-bois-de-nefles"].data["geo"]["lat"])
    known = read_history(ROOT / "content").of_record("actor", "97411", "kaz-numerik-bois-de-nefles")
    assert kaz["date_maj"] == known.changed.astimezone(ZoneInfo("Indian/Reunion")).date().isoformat()


def _rewrite(path: Path, changes: dict[str, str]) -> None:
    found = rows(path.read_bytes())
    found[0].update(changes)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=lamednum.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(found)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def test_the_schema_copy_catches_the_hand_conversions_defects(demo_site, tmp_path):
    """Phones with spaces, date_maj and pivot missing: what the converter fixes is reported."""
    path = tmp_path / lamednum.FILE
    path.write_bytes((demo_site / "donnees" / lamednum.FILE).read_bytes())
    _rewrite(path, {"telephone": "+262 262 00 28 01", "date_maj": "", "pivot": ""})
    assert sorted(csv_problems(path, lamednum_schema()), key=str) == [(2, "date_maj", "constraint-error"), (2, "pivot", "constraint-error"), (2, "telephone", "constraint-error")]


# Which actors, and how ---------------------------------------------------------------------------


NUMERIQUE = replace_line(replace_line(ACTOR, "themes: [culture, education]", "themes: [numerique]"), "disciplines: [theatre]\n", "")


def _actor(tree, record_id: str, text: str, commune: str = "97411") -> None:
    text = replace_line(text, "id: compagnie-ti-kaz", f"id: {record_id}")
    text = replace_line(text, "name: Compagnie Ti Kaz", f"name: Lieu {record_id}")
    tree.actor(text, commune=commune, name=f"{record_id}.yml")


def test_only_open_places_of_the_theme_with_an_address(tree, tmp_path):
    _actor(tree, "lieu-ouvert", NUMERIQUE)
    _actor(tree, "lieu-en-sommeil", NUMERIQUE + "status: inactive\n")
    _actor(tree, "sans-adresse", replace_line(NUMERIQUE, "address:\n  street: 12 rue de Paris\n  postal_code: \"97400\"\n", ""))
    _actor(tree, "theatre", ACTOR)
    # Bras-Panon has a single postal code (97412): a place there needs none in its record.
    bras_panon = replace_line(replace_line(NUMERIQUE, 'commune: "97411"', 'commune: "97402"'), '  postal_code: "97400"\n', "")
    bras_panon = replace_line(bras_panon, "geo: {lat: -20.8789, lon: 55.4481}\n", "")
    bras_panon = replace_line(bras_panon, "  phone: +262 262 00 12 34\n", "  phone: +41 21 345 67 89\n")
    _actor(tree, "lieu-bras-panon", bras_panon, commune="97402")
    directory, _report = load_directory(tree.content, jobs=1)
    data = lamednum.lieux_csv(directory, SITE)
    found = {row["id"]: row for row in rows(data)}
    assert sorted(found) == ["lieu-bras-panon", "lieu-ouvert"]
    assert found["lieu-bras-panon"]["code_postal"] == "97412"
    assert found["lieu-bras-panon"]["latitude"] == ""  # never the commune's centre
    assert found["lieu-bras-panon"]["telephone"] == ""  # a Swiss number: outside the schema's pattern
    assert found["lieu-ouvert"]["pivot"] == "12345678000014" and found["lieu-ouvert"]["date_maj"] == "2026-10-01"  # no Git history: the build day
    path = tmp_path / lamednum.FILE
    path.write_bytes(data)
    assert csv_problems(path, lamednum_schema()) == []


def test_text_that_a_spreadsheet_would_run_is_guarded(tree):
    _actor(tree, "lieu-formule", replace_line(NUMERIQUE, "  street: 12 rue de Paris", '  street: "=HYPERLINK(1)"'))
    directory, _report = load_directory(tree.content, jobs=1)
    assert rows(lamednum.lieux_csv(directory, SITE))[0]["adresse"] == "'=HYPERLINK(1)"


def test_without_places_the_file_has_its_header_only(tree, tmp_path):
    _actor(tree, "theatre", ACTOR)
    directory, _report = load_directory(tree.content, jobs=1)
    data = lamednum.lieux_csv(directory, SITE)
    assert data == (",".join(lamednum.COLUMNS) + "\r\n").encode("utf-8")
    path = tmp_path / lamednum.FILE
    path.write_bytes(data)
    assert csv_problems(path, lamednum_schema()) == []
