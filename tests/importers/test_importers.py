"""``communs import``: each format on a small messy fixture, re-imports, human edits, duplicates,
the round trip of the demo directory through its GeoJSON and GoGoCarto exports, the CLI."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from communs.cli import main
from communs.importers.cleaning import parse_point, read_table, strip_html
from communs.importers.mapping import parse_mapping
from communs.importers.model import ImportUsageError
from communs.importers.run import run_import
from communs.importers.state import merge
from communs.records import hours
from communs.records.directory import load_directory
from communs.records.validation import validate
from communs.records.values import clean_email, clean_phone, clean_url, normalise_insee
from communs.settings import SiteSettings
from communs.site import exports
from import_helpers import records, snapshot

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "import"
DEMO = ROOT / "content"
REAL_FESTIVALS = Path(__file__).parents[1] / "fixtures" / "import" / "festivals-974-reel.csv"
SITE = SiteSettings(site_url="https://communs.example.org", build_date=date(2026, 10, 1))


def run(format_name: str, file: str | Path, content: Path, **options):
    path = file if isinstance(file, Path) else FIXTURES / file
    return run_import(format_name, path, content, jobs=1, **options)


def skips(result) -> dict[int, str]:
    return {skipped.line: skipped.code for skipped in result.skipped}


def outcome(result, line: int):
    return next(item for item in result.outcomes if item.line == line)


def notes(result, line: int) -> set[str]:
    return {note.code for note in outcome(result, line).notes}


# Cleaning --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("www.example.fr", "https://www.example.fr"),
        ("example.fr/festival", "https://example.fr/festival"),
        ("Https://Example.fr/A", "https://Example.fr/A"),
        ("HTTP://example.fr", "http://example.fr"),
        ("www.a.example.fr // https://b.example.fr", "https://www.a.example.fr"),
        ("http://https//www.facebook.com/x // https://www.facebook.com/y", "https://www.facebook.com/y"),
        ("SITE INTERNET  https://www.quais.example.fr/", "https://www.quais.example.fr/"),
        ("pas de site", None),
        ("contact@example.fr", None),
        ("www.mouvement@gmail.com", None),
        ("/", None),
        ("", None),
    ],
)
def test_clean_url(cell, expected):
    assert clean_url(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("<chateau@example.fr>;", "chateau@example.fr"),
        ("a@example.fr // b@example.fr", "a@example.fr"),
        ("contact@example.me\xa0; info@example.me", "contact@example.me"),
        ("La Frontera // ce@festival.example.org // x@example.com", "ce@festival.example.org"),
        ("metsleson@example.com (ou facebook)", "metsleson@example.com"),
        ("petraneue@orange,fr", None),
        ("festival@gmail . com", None),
        ("03 22 92 50 59", None),
        ("aucun", None),
    ],
)
def test_clean_email(cell, expected):
    assert clean_email(cell) == expected


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Un</p><p>Deux<br/>trois</p>", "Un\n\nDeux\ntrois\n\n"),
        ("Tom &amp; Jerry, &eacute;t&#233; &lt;b&gt;&nbsp;!", "Tom & Jerry, été <b>\xa0!"),
        # A comment, and a script's code, are not text (the regex let "caché" and the code through).
        ("<!-- <p>caché</p> -->Vu<script>document.write('<p>x</p>')</script><style>p { color: red }</style>", "Vu"),
        ("Début <b>gras <i>sans fin", "Début gras sans fin"),
        ("<div title=\"a > b\">Titre</div>", "Titre"),  # a ">" inside an attribute ends no tag
        ("Prix < 5 € & plus", "Prix < 5 € & plus"),  # text, not a tag
        ("a   b\n\n\nc\td", "a   b\n\n\nc\td"),
    ],
)
def test_strip_html(html, text):
    assert strip_html(html) == text


def test_insee_codes_and_points():
    assert normalise_insee("1053").code == "01053" and normalise_insee("1053").restored
    assert normalise_insee("1053.0").code == "01053"
    assert normalise_insee(" 2a004 ").code == "2A004"
    assert normalise_insee("97411").code == "97411" and not normalise_insee("97411").restored
    assert normalise_insee("#N/A").code is None and normalise_insee("#N/A").raw == "#N/A"
    assert parse_point("-20.93,55.44") == (-20.93, 55.44)
    assert parse_point("-20,93;55,44") == (-20.93, 55.44)
    assert parse_point("n/a") is None


def test_phone_numbers_in_international_form():
    assert clean_phone("0262 00 11 01", "97411") == "+262 262 00 11 01"
    assert clean_phone("tél. 03 22 92 50 59 / 06 00 00 00 00", "80021") == "+33 3 22 92 50 59"
    assert clean_phone("pas de téléphone") is None


def test_tables_in_windows_1252_with_commas_and_crlf_or_utf8_bom_with_semicolons():
    latin = read_table((FIXTURES / "associations-cp1252.csv").read_bytes())
    assert (latin.encoding, latin.delimiter) == ("cp1252", ",")
    assert latin.columns[0] == "N° RNA"
    line, row = latin.rows[0]
    assert line == 2 and row["Objet"] == "Théâtre jeune public en créole ; adhésion 15 €."
    bom = read_table((FIXTURES / "associations-bom.csv").read_bytes())
    assert (bom.encoding, bom.delimiter) == ("utf-8", ";")
    assert bom.columns[0] == "N° RNA"  # the BOM is not part of the first column's name
    assert bom.rows[1][1]["Nom de l'association"] == 'Association des "Amis" ; du Port'


def test_quoted_line_breaks_keep_line_numbers():
    table = read_table(b'nom;desc\r\nA;"deux\r\nlignes"\r\nB;x\r\n')
    assert [(line, row["nom"]) for line, row in table.rows] == [(2, "A"), (4, "B")]
    assert table.rows[0][1]["desc"] == "deux\nlignes"


# Festivals ---------------------------------------------------------------------------------------


def test_festivals_records(tmp_path):
    content = tmp_path / "content"
    result = run("festivals", "festivals.csv", content)
    found = records(content)
    assert sorted(found) == [
        "annecy-cinema-italien", "fete-de-la-musique", "fete-de-la-musique-saint-paul", "kabar-lire",
        "le-jambon-beurre", "les-estivales-de-brou", "les-transboreales", "leu-tempo-festival", "sakifo-musik-festival",
    ]
    path, leu = found["leu-tempo-festival"]
    assert path == "actors/97413/leu-tempo-festival.yml"
    assert leu["kind"] == "festival" and leu["themes"] == ["culture"]
    assert leu["disciplines"] == ["cirque", "arts-de-la-rue"]
    assert leu["summary"] == "Festival de spectacle vivant créé en 2002, entre janvier et juin (1er janvier – 20 juin)."
    assert leu["address"] == {"street": "1 Rue de la Compagnie", "postal_code": "97436"}
    assert leu["geo"] == {"lat": -21.1705, "lon": 55.288}
    assert leu["contact"] == {"website": "https://www.leutempo.example.re", "email": "contact@leutempo.example.re"}
    assert leu["source"] == {
        "dataset": "festivals-global-festivals-pl",
        "id": "FEST_97413_1/97413/leu-tempo-festival",
        "url": "https://data.culture.gouv.fr/explore/dataset/festivals-global-festivals-_-pl/",
        "licence": "Licence Ouverte 2.0",
        "credit": "Ministère de la Culture",
    }
    assert "- Envergure : régionale" in leu["description"]

    path, brou = found["les-estivales-de-brou"]
    assert path == "actors/01053/les-estivales-de-brou.yml"  # "1053": the zero a spreadsheet dropped
    assert "insee-restored" in notes(result, 3)
    assert brou["summary"] == "Festival de musique créé en 1999, en juillet."
    assert brou["contact"] == {"website": "https://www.estivales.example.fr", "email": "billetterie@estivales.example.fr"}
    assert "address" not in brou

    assert found["annecy-cinema-italien"][0].startswith("actors/74010/")  # no code: name + postal code
    assert "contact" not in found["annecy-cinema-italien"][1] and "value-dropped" in notes(result, 5)
    sakifo = found["sakifo-musik-festival"][1]
    assert "geo" not in sakifo and "geo-fallback" in notes(result, 7)  # a point in Paris for Saint-Pierre
    assert sakifo["contact"]["website"] == "https://www.sakifo.example.com"
    kabar = found["kabar-lire"][1]
    assert kabar["disciplines"] == ["litterature", "conte"] and "geo" not in kabar and "contact" not in kabar
    assert kabar["summary"] == "Festival du livre et de la littérature créé en 2010 ou après."
    # One identifier for two rows: distinct source ids.
    assert found["les-transboreales"][1]["source"]["id"] == "FEST__7265/97502/les-transboreales"
    assert found["le-jambon-beurre"][1]["source"]["id"] == "FEST__7265/97501/le-jambon-beurre"
    assert found["fete-de-la-musique-saint-paul"][0] == "actors/97415/fete-de-la-musique-saint-paul.yml"

    assert skips(result) == {4: "no-commune", 6: "commune-not-current", 14: "unknown-commune", 15: "invalid-insee"}
    paris = next(skipped for skipped in result.skipped if skipped.line == 6)
    assert "75056 (Paris)" in paris.reason and "--parent-commune" in paris.reason
    duplicate = outcome(result, 11)
    assert duplicate.status == "duplicate" and duplicate.matches[0]["line"] == 2
    assert result.validation.ok and not result.validation.problems
    assert result.exit_status == 0


def test_festivals_parent_commune(tmp_path):
    result = run("festivals", "festivals.csv", tmp_path / "content", parent_communes=True)
    assert 6 not in skips(result)
    assert outcome(result, 6).path.endswith("actors/75056/paris-photo.yml")
    assert "commune-parent" in notes(result, 6)


def test_festivals_of_one_departement(tmp_path):
    result = run("festivals", "festivals.csv", tmp_path / "content", departements=("974",))
    assert sorted(item.id for item in result.of("created")) == [
        "fete-de-la-musique", "fete-de-la-musique-saint-paul", "kabar-lire", "leu-tempo-festival", "sakifo-musik-festival",
    ]
    # Rows elsewhere are counted, not listed; a row with no clue of its place is listed.
    assert skips(result) == {4: "no-commune"}
    assert result.filtered == 7
    assert len(result.of("duplicate")) == 1


def test_reimport_gives_the_same_files(tmp_path):
    content = tmp_path / "content"
    first = run("festivals", "festivals.csv", content)
    before = snapshot(content)
    assert ".imports/festivals-global-festivals-pl.json" in before
    second = run("festivals", "festivals.csv", content)
    assert snapshot(content) == before
    assert [item.status for item in second.outcomes if item.status != "duplicate"] == ["unchanged"] * len(first.of("created"))
    assert not second.written and not second.state_file and second.validation is None
    assert skips(second) == skips(first)
    assert second.exit_status == 0
    # Into another empty folder: the same ids and bytes.
    other = tmp_path / "other"
    run("festivals", "festivals.csv", other)
    assert snapshot(other) == before


@pytest.mark.parametrize(
    ("format_name", "file", "mapping"),
    [
        ("festivals", "festivals.csv", None),
        ("csv", "associations-cp1252.csv", "associations.toml"),
        ("csv", "associations-bom.csv", "associations.toml"),
        ("geojson", "lieux.geojson", None),
        ("gogocarto", "carte-gogocarto.json", None),
        ("osm", "overpass.json", None),
        ("ical", "agenda.ics", None),
    ],
)
def test_every_format_reimports_idempotently(tmp_path, format_name, file, mapping):
    content = tmp_path / "content"
    options = {"mapping": FIXTURES / mapping} if mapping else {}
    first = run(format_name, file, content, **options)
    assert first.of("created") and first.validation.ok and first.exit_status == 0
    before = snapshot(content)
    second = run(format_name, file, content, **options)
    assert snapshot(content) == before
    assert {item.status for item in second.outcomes} <= {"unchanged", "duplicate"}
    assert len(second.of("unchanged")) == len(first.of("created"))
    assert [(s.line, s.code) for s in second.skipped] == [(s.line, s.code) for s in first.skipped]


def test_dry_run_writes_nothing(tmp_path):
    content = tmp_path / "content"
    result = run("festivals", "festivals.csv", content, dry_run=True)
    assert not content.exists()
    assert len(result.of("created")) == 9 and result.validation is None


def test_real_festivals_of_la_reunion(tmp_path):
    """The 41 real rows of La Réunion (an unmodified extract of the Ministry's file)."""
    result = run("festivals", REAL_FESTIVALS, tmp_path / "content", departements=("974",))
    assert result.rows == 41
    assert len(result.of("created")) == 41 and not result.skipped and not result.of("duplicate")
    assert result.validation.ok


# CSV with a mapping ----------------------------------------------------------------------------


def test_csv_windows_1252_with_a_mapping(tmp_path):
    content = tmp_path / "content"
    result = run("csv", "associations-cp1252.csv", content, mapping=FIXTURES / "associations.toml")
    found = records(content)
    assert sorted(found) == ["club-de-petanque-du-guillaume", "compagnie-ti-kaz", "jardin-partage-de-brou"]
    kaz = found["compagnie-ti-kaz"][1]
    assert kaz["summary"] == "Théâtre jeune public en créole ; adhésion 15 €."
    assert kaz["address"] == {"street": "14 chemin des Hortensias", "postal_code": "97400"}
    assert kaz["contact"] == {"website": "https://www.ti-kaz.example.org", "email": "contact@ti-kaz.example.org", "phone": "+262 262 00 11 01"}
    assert kaz["identifiers"] == {"rna": "W9R2001234"}
    assert kaz["source"] == {"dataset": "associations-test", "id": "W9R2001234", "url": "https://www.example.org/jeux/associations",
                             "licence": "Licence Ouverte 2.0", "credit": "Ville de test"}
    club_path, club = found["club-de-petanque-du-guillaume"]
    assert club_path == "actors/97415/club-de-petanque-du-guillaume.yml"  # "Saint-Paul" + 97423
    assert club["themes"] == ["sport"] and club["kind"] == "association"
    assert club["summary"] == "Association à Saint-Paul."
    assert {"summary-built", "unknown-value"} <= notes(result, 3)
    brou_path, brou = found["jardin-partage-de-brou"]
    assert brou_path.startswith("actors/01053/") and brou["themes"] == ["environnement", "alimentation"]
    assert "email" not in brou.get("contact", {}) and "identifiers" not in brou  # "jardin@brou", an 11-character RNA
    assert skips(result) == {5: "no-name", 6: "unknown-commune", 7: "no-theme"}
    assert result.validation.ok


def test_csv_utf8_bom_semicolons_decimal_commas_swapped_coordinates(tmp_path):
    content = tmp_path / "content"
    result = run("csv", "associations-bom.csv", content, mapping=FIXTURES / "associations.toml")
    found = records(content)
    lamoukate = found["kolektif-lamoukate"][1]
    assert lamoukate["kind"] == "collectif" and lamoukate["themes"] == ["culture", "sport"]
    assert lamoukate["geo"] == {"lat": -21.0096, "lon": 55.2707}
    assert lamoukate["contact"]["website"] == "https://lamoukate.example.org"
    port = found["association-des-amis-du-port"][1]
    assert port["name"] == 'Association des "Amis" ; du Port'
    assert port["geo"] == {"lat": -20.9381, "lon": 55.2995} and "geo-swapped" in notes(result, 3)


def test_csv_requires_a_valid_mapping(tmp_path):
    with pytest.raises(ImportUsageError, match="--mapping"):
        run("csv", "associations-cp1252.csv", tmp_path / "content")
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\nname = "Nom"\n', encoding="utf-8")
    with pytest.raises(ImportUsageError, match="« Nom » .*n'existe pas.*Nom de l'association"):
        run("csv", "associations-cp1252.csv", tmp_path / "content", mapping=bad)
    with pytest.raises(ImportUsageError, match="Vouliez-vous écrire « themes »"):
        parse_mapping({"columns": {"name": "Nom", "theme": "x"}})
    with pytest.raises(ImportUsageError, match="« asso »"):
        parse_mapping({"values": {"kind": "asso"}})
    with pytest.raises(ImportUsageError, match="TOML"):
        bad.write_text("[columns\n", encoding="utf-8")
        run("csv", "associations-cp1252.csv", tmp_path / "content", mapping=bad)


# Re-import: updates, human edits, deletions, duplicates ------------------------------------------


def _edited_source(tmp_path: Path) -> Path:
    """The association file as its publisher changed it: new web site and e-mail for Ti Kaz."""
    text = (FIXTURES / "associations-cp1252.csv").read_bytes().decode("cp1252")
    text = text.replace("www.ti-kaz.example.org", "ti-kaz.example.net").replace("<contact@ti-kaz.example.org>; autre@ti-kaz.example.org", "bonjour@ti-kaz.example.net")
    path = tmp_path / "associations-v2.csv"
    path.write_bytes(text.encode("cp1252"))
    return path


def test_reimport_updates_what_people_left_and_keeps_what_they_edited(tmp_path):
    content = tmp_path / "content"
    mapping = FIXTURES / "associations.toml"
    run("csv", "associations-cp1252.csv", content, mapping=mapping)
    path = content / "actors" / "97411" / "compagnie-ti-kaz.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('  email: "contact@ti-kaz.example.org"', '  email: "accueil@ti-kaz.example.org"  # changé par la mairie')
    text = text.replace("summary: Théâtre jeune public en créole ; adhésion 15 €.", "# Résumé revu avec la compagnie.\nsummary: Théâtre et contes en créole pour les enfants.")
    path.write_text(text, encoding="utf-8")

    result = run("csv", _edited_source(tmp_path), content, mapping=mapping)
    kaz = outcome(result, 2)
    assert kaz.status == "updated" and kaz.fields == ["contact.website"]
    assert kaz.conflicts == ["contact.email"]  # edited by hand and changed in the source: kept
    after = path.read_text(encoding="utf-8")
    assert '  website: "https://ti-kaz.example.net"' in after
    assert '  email: "accueil@ti-kaz.example.org"  # changé par la mairie' in after
    assert "# Résumé revu avec la compagnie.\nsummary: Théâtre et contes en créole pour les enfants." in after
    assert [item.status for item in result.outcomes if item.line != 2] == ["unchanged", "unchanged"]
    assert result.validation.ok

    # The conflict is reported once: the next import of the same file changes nothing.
    before = snapshot(content)
    again = run("csv", _edited_source(tmp_path), content, mapping=mapping)
    assert snapshot(content) == before
    assert {item.status for item in again.outcomes} == {"unchanged"} and not again.conflicts


def test_a_record_deleted_by_hand_is_not_recreated(tmp_path):
    content = tmp_path / "content"
    run("festivals", "festivals.csv", content)
    (content / "actors" / "97416" / "sakifo-musik-festival.yml").unlink()
    result = run("festivals", "festivals.csv", content)
    assert skips(result)[7] == "deleted-by-hand"
    assert not (content / "actors" / "97416" / "sakifo-musik-festival.yml").exists()


def test_records_are_found_by_their_source_when_the_state_is_lost_or_they_moved(tmp_path):
    content = tmp_path / "content"
    run("festivals", "festivals.csv", content)
    shutil.rmtree(content / ".imports")
    old = content / "actors" / "97413" / "leu-tempo-festival.yml"
    new = content / "actors" / "97413" / "leu-tempo.yml"
    new.write_text(old.read_text(encoding="utf-8").replace("id: leu-tempo-festival", "id: leu-tempo"), encoding="utf-8")
    old.unlink()
    before = snapshot(content)
    result = run("festivals", "festivals.csv", content)
    assert {item.status for item in result.outcomes} == {"unchanged", "duplicate"}
    assert outcome(result, 2).id == "leu-tempo" and not result.conflicts
    assert {k: v for k, v in snapshot(content).items() if not k.startswith(".imports/")} == before


def test_likely_duplicates_of_existing_records_are_reported_not_created(tmp_path, tree):
    tree.actor()  # "Compagnie Ti Kaz" in 97411, written by hand
    before = snapshot(tree.content)
    result = run("csv", "associations-cp1252.csv", tree.content, mapping=FIXTURES / "associations.toml")
    kaz = outcome(result, 2)
    assert kaz.status == "duplicate" and kaz.matches[0]["id"] == "compagnie-ti-kaz"
    assert kaz.matches[0]["reason"] == "même nom, même commune"
    assert snapshot(tree.content)["actors/97411/compagnie-ti-kaz.yml"] == before["actors/97411/compagnie-ti-kaz.yml"]
    assert result.validation.ok

    # Linking the hand-made record to the row (its source block): the next import updates it.
    path = tree.content / "actors" / "97411" / "compagnie-ti-kaz.yml"
    path.write_text(path.read_text(encoding="utf-8") + "source:\n  dataset: associations-test\n  id: W9R2001234\n", encoding="utf-8")
    linked = run("csv", "associations-cp1252.csv", tree.content, mapping=FIXTURES / "associations.toml")
    kaz = outcome(linked, 2)
    assert kaz.status == "updated" and "source.licence" in kaz.fields
    assert "summary" in kaz.conflicts and "contact.website" in kaz.conflicts  # without a past import, differences are people's
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["summary"] == "Théâtre jeune public et ateliers d'écriture en créole."
    assert linked.validation.ok


def test_merge_rules():
    base = {"name": "h1", "summary": "h2"}
    from communs.importers.state import fingerprint

    last = {"name": "A", "summary": "S", "contact": {"website": "https://a.example.org"}}
    baseline = fingerprint(last)
    del base
    current = {"id": "a", "name": "A (edited)", "summary": "S", "contact": {"website": "https://a.example.org", "phone": "+262 262 00 00 00"}}
    source = {"id": "a", "name": "B", "summary": "S2", "contact": {"website": "https://b.example.org"}}
    merged = merge(current, source, baseline)
    assert merged.record == {"id": "a", "name": "A (edited)", "summary": "S2", "contact": {"website": "https://b.example.org", "phone": "+262 262 00 00 00"}}
    assert merged.changed == ["contact.website", "summary"] and merged.conflicts == ["name"]
    # A field the source dropped and people did not touch goes; one they edited stays.
    merged = merge({"id": "a", "name": "A", "summary": "S (edited)"}, {"id": "a", "name": "A"}, fingerprint({"name": "A", "summary": "S"}))
    assert merged.record == {"id": "a", "name": "A", "summary": "S (edited)"} and merged.conflicts == ["summary"]


def test_the_state_file_is_not_a_stray_file_for_the_validator(tmp_path):
    content = tmp_path / "content"
    run("festivals", "festivals.csv", content)
    report = validate(content, jobs=1)
    assert report.ok and report.checked == 9 and not report.problems


# GeoJSON, GoGoCarto, OpenStreetMap, iCalendar ------------------------------------------------------


def test_geojson_fixture(tmp_path):
    content = tmp_path / "content"
    result = run("geojson", "lieux.geojson", content)
    found = records(content)
    theatre = found["theatre-du-grand-marche"][1]
    assert theatre["kind"] == "etablissement-public" and theatre["themes"] == ["culture"]
    assert theatre["geo"] == {"lat": -20.8789, "lon": 55.4481}
    assert theatre["address"] == {"street": "2 rue du Maréchal Leclerc", "postal_code": "97400"}
    assert theatre["contact"] == {"website": "https://www.tgm.example.re", "email": "billetterie@tgm.example.re"}
    assert theatre["source"] == {"dataset": "lieux", "id": "101", "licence": "Licence Ouverte 2.0", "credit": "Région Réunion, lieux culturels"}
    jardin_path, jardin = found["jardin-partage-de-l-ermitage"]
    assert jardin_path.startswith("actors/97415/") and jardin["kind"] == "collectif"
    assert jardin["geo"] == {"lat": -21.01, "lon": 55.29}  # the polygon's centre
    assert "geo" not in found["kaz-a-lire"][1] and "geo-fallback" in notes(result, 13)
    assert found["tiers-lieu-sans-commune"][0].startswith("actors/97416/") and "commune-by-position" in notes(result, 15)
    assert skips(result) == {11: "no-commune", 17: "not-a-feature"}
    assert result.validation.ok


def test_gogocarto_fixture(tmp_path):
    content = tmp_path / "content"
    result = run("gogocarto", "carte-gogocarto.json", content)
    found = records(content)
    recup = found["ressourcerie-kaz-recup"][1]
    assert recup["commune"] == "97416" and recup["themes"] == ["dechets", "economie-partage"] and recup["tags"] == ["ressourcerie"]
    assert recup["description"] == "Ouverte du mardi au samedi.\n\nDépôts gratuits.\n"
    assert recup["opening_hours"] == "Tu 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
    assert recup["contact"] == {"website": "https://kazrecup.example.re", "email": "contact@kazrecup.example.re", "phone": "+262 262 35 00 00"}
    assert recup["source"]["url"] == "https://carte.example.org/annuaire#/fiche/kaz-recup/aBx1"
    amap = found["amap-des-hauts"][1]
    assert amap["commune"] == "97415" and amap["themes"] == ["alimentation", "agriculture"] and "address" not in amap
    assert skips(result) == {14: "no-name", 15: "unknown-commune", 16: "not-an-element"}


def test_osm_fixture(tmp_path):
    content = tmp_path / "content"
    result = run("osm", "overpass.json", content)
    found = records(content)
    library = found["mediatheque-francois-mitterrand"][1]
    assert library["kind"] == "etablissement-public" and library["themes"] == ["culture", "education"]
    assert library["contact"]["phone"] == "+262 262 00 00 00"
    assert library["identifiers"] == {"wikidata": "Q3296051", "osm": "node/1001"}
    assert library["source"] == {"dataset": "openstreetmap", "id": "node/1001", "url": "https://www.openstreetmap.org/node/1001",
                                 "licence": "ODbL 1.0", "credit": "© les contributeurs d'OpenStreetMap"}
    theatre_path, theatre = found["theatre-luc-donat"]
    assert theatre_path.startswith("actors/97422/") and theatre["disciplines"] == ["theatre"]
    assert theatre["contact"]["website"] == "https://theatrelucdonat.example.re"
    garden_path, garden = found["jardin-partage-de-ravine-blanche"]
    assert garden_path.startswith("actors/97416/") and garden["kind"] == "collectif"  # placed by its nodes
    assert skips(result) == {14: "no-name", 15: "no-theme", 16: "no-commune"}

    mapping = tmp_path / "osm.toml"
    mapping.write_text('[maps.tags]\n"office=association" = { themes = ["vivre-ensemble"] }\n', encoding="utf-8")
    again = run("osm", "overpass.json", content, mapping=mapping)
    assert outcome(again, 15).status == "created"
    assert [item.status for item in again.outcomes if item.line != 15] == ["unchanged"] * 3


def test_ical_fixture(tmp_path):
    content = tmp_path / "content"
    result = run("ical", "agenda.ics", content)
    found = records(content)
    kabar = found["2026-12-20-kabar-de-la-fet-kaf"][1]
    assert kabar["type"] == "concert" and kabar["themes"] == ["culture"]
    assert kabar["disciplines"] == ["musiques-traditionnelles"] and kabar["tags"] == ["maloya"]
    assert kabar["venue"] == {"name": "Jardin de l'État", "address": {"street": "2 rue de Paris", "postal_code": "97400"}, "geo": {"lat": -20.8823, "lon": 55.4504}}
    assert (kabar["start"], kabar["end"]) == ("2026-12-20T18:00:00+04:00", "2026-12-20T23:00:00+04:00")
    assert kabar["description"] == "Soirée maloya en plein air pour le 20 décembre.\n\nEntrée libre.\n"
    market_path, market = found["2026-09-05-marche-forain-du-guillaume"]
    assert market_path == "events/97415/2026-09-05-marche-forain-du-guillaume.yml"
    assert market["start"] == "2026-09-05T06:30:00+04:00" and market["type"] == "marche"
    assert market["recurrence"] == "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231T195959Z"
    # The occurrence given again with a RECURRENCE-ID is the series' exception, not a lost line.
    assert market["exceptions"] == [{"date": "2026-10-03", "status": "moved", "start": "2026-10-03T05:30:00+04:00", "end": "2026-10-03T11:00:00+04:00"}]
    assert market["summary"] == "Marché le samedi 5 septembre 2026 à Saint-Paul."
    fair = found["2026-11-07-salon-du-livre-jeunesse"][1]
    assert (fair["start"], fair["end"], fair["status"]) == ("2026-11-07", "2026-11-08", "cancelled")
    assert "recurrence" not in fair and "recurrence-dropped" in notes(result, 34)
    assert fair["summary"] == "Événement le samedi 7 novembre 2026 au Port."
    assert skips(result) == {26: "recurrence-instance", 45: "no-theme", 51: "no-date"}
    assert result.validation.ok

    mapping = tmp_path / "agenda.toml"
    mapping.write_text('[values]\nthemes = ["participation-citoyenne"]\ntype = "reunion"\n', encoding="utf-8")
    again = run("ical", "agenda.ics", tmp_path / "other", mapping=mapping)
    meeting = outcome(again, 45)
    assert meeting.status == "created" and meeting.path.endswith("events/97411/2026-11-15-reunion-du-bureau.yml")


# The demo directory through its own exports ------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    directory, _report = load_directory(DEMO, jobs=1)
    return directory


def _street(address: dict | None) -> dict | None:
    if not address:
        return None
    joined = {"street": ", ".join(part for part in (address.get("street"), address.get("complement")) if part)}
    if "postal_code" in address:
        joined["postal_code"] = address["postal_code"]
    return joined


def test_round_trip_of_the_demo_through_geojson(tmp_path, demo):
    exported = tmp_path / "acteurs.geojson"
    exported.write_bytes(exports.actors_geojson(demo, SITE))
    content = tmp_path / "content"
    result = run("geojson", exported, content)
    assert not result.skipped and len(result.of("created")) == len(demo.actors) and result.validation.ok
    found = records(content)
    assert sorted(found) == sorted(demo.actors)
    for record_id, original in demo.actors.items():
        path, data = found[record_id]
        assert path == f"actors/{original.folder}/{record_id}.yml"
        for field in ("name", "kind", "themes", "summary", "commune", "geo"):
            assert data.get(field) == original.data.get(field), (record_id, field)
        assert data["source"]["url"] == f"https://communs.example.org/acteurs/{record_id}/"


def test_round_trip_of_the_demo_through_gogocarto(tmp_path, demo):
    exported = tmp_path / "gogocarto.json"
    exported.write_bytes(exports.gogocarto_json(demo, SITE))
    content = tmp_path / "content"
    result = run("gogocarto", exported, content)
    # The export holds the actors in activity only.
    active = {i: r for i, r in demo.actors.items() if r.data.get("status", "active") == "active"}
    assert len(active) < len(demo.actors)
    assert not result.skipped and len(result.of("created")) == len(active) and result.validation.ok
    found = records(content)
    assert sorted(found) == sorted(active)
    for record_id, original in active.items():
        path, data = found[record_id]
        assert path == f"actors/{original.folder}/{record_id}.yml"
        for field in ("name", "kind", "summary", "description", "themes", "disciplines", "tags", "commune", "geo", "contact"):
            assert data.get(field) == original.data.get(field), (record_id, field)
        assert data.get("status", "active") == "active", record_id
        # openHours gives the same week, written day by day.
        if original.data.get("opening_hours"):
            assert hours.weekly_hours(data["opening_hours"]) == hours.weekly_hours(original.data["opening_hours"]), record_id
        else:
            assert "opening_hours" not in data, record_id
        # GoGoCarto joins street and complement in one line.
        assert data.get("address") == _street(original.data.get("address")), record_id


def test_importing_the_demo_export_into_the_demo_finds_only_duplicates(tmp_path, demo):
    exported = tmp_path / "acteurs.geojson"
    exported.write_bytes(exports.actors_geojson(demo, SITE))
    content = tmp_path / "content"
    shutil.copytree(DEMO / "actors", content / "actors")
    result = run("geojson", exported, content, communes=("97411",))
    assert {item.status for item in result.outcomes} == {"duplicate"}
    assert len(result.outcomes) == len(demo.actors_in("97411")) and result.filtered == len(demo.actors) - len(result.outcomes)
    assert result.exit_status == 1  # nothing imported


# Command line ----------------------------------------------------------------------------------


def test_cli_text_report(tmp_path):
    content = tmp_path / "content"
    result = CliRunner().invoke(main, ["import", "festivals", str(FIXTURES / "festivals.csv"), "--content", str(content)])
    assert result.exit_code == 0, result.output
    assert "créées" in result.output and ": 9" in result.output
    assert "ligne 6 « Paris Photo » : 75107 (Paris 7e Arrondissement) est un arrondissement municipal" in result.output
    assert "ligne 11 « LEU TEMPO festival » (97413) : ressemble à « Leu Tempo Festival »" in result.output
    assert "9 fiches vérifiées : aucun problème." in result.output
    again = CliRunner().invoke(main, ["import", "festivals", str(FIXTURES / "festivals.csv"), "--content", str(content), "--format", "json"])
    assert again.exit_code == 0
    report = json.loads(again.output)
    assert report["counts"] == {"created": 0, "updated": 0, "unchanged": 9, "skipped": 4, "duplicates": 1, "conflicts": 0, "filtered": 0, "absent": 0}
    assert {"line": 4, "code": "no-commune"}.items() <= report["skipped"][0].items()


def test_cli_dry_run_and_filters(tmp_path):
    content = tmp_path / "content"
    result = CliRunner().invoke(main, ["import", "festivals", str(FIXTURES / "festivals.csv"), "--content", str(content), "--dry-run", "--departement", "974", "--commune", "1053"])
    assert result.exit_code == 0, result.output
    assert "simulation" in result.output and "à créer" in result.output
    assert not content.exists()
    nothing = CliRunner().invoke(main, ["import", "festivals", str(FIXTURES / "festivals.csv"), "--content", str(content), "--commune", "97424"])
    assert nothing.exit_code == 1 and "Rien n'a pu être importé." in nothing.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["import", "shapefile", "x.shp"], "Invalid value for 'FORMAT'"),
        (["import", "festivals", "missing.csv"], "n'existe pas"),
        (["import", "csv", str(FIXTURES / "associations-cp1252.csv")], "--mapping"),
        (["import", "festivals", str(FIXTURES / "festivals.csv"), "--departement", "99"], "n'est pas un code de département"),
        (["import", "festivals", str(FIXTURES / "festivals.csv"), "--commune", "97499"], "n'est pas le code INSEE"),
        (["import", "geojson", str(FIXTURES / "festivals.csv")], "n'est pas un fichier JSON valide"),
        (["import", "festivals", str(FIXTURES / "lieux.geojson")], "colonnes de la liste des festivals"),
        (["import", "festivals", str(FIXTURES / "festivals.csv"), "--dataset", "Mon jeu"], "Nom de jeu de données"),
    ],
)
def test_cli_usage_errors_exit_2(tmp_path, arguments, message):
    result = CliRunner().invoke(main, arguments + ["--content", str(tmp_path / "content")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "content").exists()


def test_ical_exdate_and_cancelled_occurrences_become_the_series_exceptions(tmp_path):
    """A source with 8 dates less 2 EXDATE has 6 dates; one of them cancelled stays, marked."""
    from communs.records.dates import occurrences

    source = tmp_path / "ateliers.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n"
        "BEGIN:VEVENT\r\nUID:atelier@agenda.example.re\r\nSUMMARY:Atelier couture\r\n"
        "DTSTART;TZID=Indian/Reunion:20270109T090000\r\nDTEND;TZID=Indian/Reunion:20270109T120000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=8\r\nEXDATE;TZID=Indian/Reunion:20270116T090000,20270130T090000\r\n"
        "CATEGORIES:Atelier,Culture\r\nLOCATION:Kaz Kouture\\, 97400 Saint-Denis\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:atelier@agenda.example.re\r\nRECURRENCE-ID;TZID=Indian/Reunion:20270206T090000\r\n"
        "SUMMARY:Atelier couture\r\nSTATUS:CANCELLED\r\nDTSTART;TZID=Indian/Reunion:20270206T090000\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    result = run("ical", source, tmp_path / "content")
    assert result.validation.ok, [p.message for p in result.validation.errors]
    record = yaml.safe_load(next((tmp_path / "content" / "events").rglob("*.yml")).read_text(encoding="utf-8"))
    assert record["exceptions"] == [{"date": "2027-01-16"}, {"date": "2027-01-30"}, {"date": "2027-02-06", "status": "cancelled"}]
    found = occurrences(record)
    assert len(found) == 6 and [o.first_day.isoformat() for o in found if o.cancelled] == ["2027-02-06"]


def test_ical_rule_with_supported_keys_but_values_outside_the_subset_is_dropped(tmp_path):
    """COUNT=5000 names only keys of the subset: it used to be written as it came, and the
    record then failed validation; it is read as the validator reads it, and dropped."""
    source = tmp_path / "seances.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n"
        "BEGIN:VEVENT\r\nUID:seance@agenda.example.re\r\nSUMMARY:Séance de yoga\r\n"
        "DTSTART;TZID=Indian/Reunion:20270109T090000\r\nDTEND;TZID=Indian/Reunion:20270109T100000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=5000\r\n"
        "CATEGORIES:Atelier,Sport\r\nLOCATION:Kaz Kouture\\, 97400 Saint-Denis\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    result = run("ical", source, tmp_path / "content")
    assert result.validation.ok, [p.message for p in result.validation.errors]
    (line,) = [item.line for item in result.outcomes]
    note = next(n for n in outcome(result, line).notes if n.code == "recurrence-dropped")
    assert "« FREQ=WEEKLY;COUNT=5000 »" in note.message
    (record,) = [data for _path, data in records(tmp_path / "content").values()]
    assert "recurrence" not in record and record["start"] == "2027-01-09T09:00:00+04:00"


@pytest.mark.parametrize(("name", "expected"), [("🎭 🎶", "acteur"), ("Bjørn Łódź", "bjorn-lodz"), ("Đà Nẵng", "da-nang")])
def test_an_imported_name_gives_a_valid_id_whatever_its_letters(tmp_path, name, expected):
    """A name without a letter to keep falls back to the kind's word; others are transliterated."""
    from communs.records.content import RECORD_ID

    source = tmp_path / "noms.csv"
    source.write_text(
        "N° RNA;Nom de l'association;Statut;Objet;Domaines;Code INSEE;Commune;CP;N°;Voie;Latitude;Longitude;Site;Courriel;Téléphone\n"
        f"W9R2009999;{name};Association;Un nom sans lettres latines.;Culture et loisirs;97411;Saint-Denis;97400;;;;;;;\n",
        encoding="utf-8",
    )
    result = run("csv", source, tmp_path / "content", mapping=FIXTURES / "associations.toml")
    assert result.validation.ok, [p.message for p in result.validation.errors]
    ((record_id, (_path, data)),) = records(tmp_path / "content").items()
    assert record_id == expected and RECORD_ID.fullmatch(record_id) and data["name"] == name
