"""The schemas themselves, and how their verdicts reach a volunteer in French."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ACTOR, EVENT, line_of, only, replace_line
from jsonschema import Draft202012Validator

from communs.records.schemas import default_schemas
from communs.resources import schemas_dir

SCHEMA_FILES = sorted(schemas_dir().glob("*.schema.json"))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12_with_id_title_description(path: Path):
    document = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"].endswith("/" + path.name)
    assert document["title"] and document["description"]


def _walk_properties(schema: dict, path: str = ""):
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}/{name}", sub
        yield from _walk_properties(sub, f"{path}/{name}")
    for key in ("items",):
        if isinstance(schema.get(key), dict):
            yield from _walk_properties(schema[key], f"{path}/*")
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        yield from _walk_properties(branch, path)
    for definition_name, definition in schema.get("$defs", {}).items():
        yield from _walk_properties(definition, f"{path}#{definition_name}")


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_property_has_a_french_title_and_description(path: Path):
    document = json.loads(path.read_text(encoding="utf-8"))
    for where, schema in _walk_properties(document):
        assert schema.get("title"), f"{path.name}{where} has no title"
        assert schema.get("description"), f"{path.name}{where} has no description"


@pytest.mark.parametrize("kind", ["actor", "event"])
def test_record_schemas_refuse_unknown_properties_and_carry_valid_examples(kind: str):
    schemas = default_schemas()
    root = schemas.roots[kind]
    assert root["additionalProperties"] is False
    assert root["examples"]
    for example in root["examples"]:
        assert schemas.is_valid(kind, example)
    # Every property is shown in a documented order for the form and the canonical files.
    assert sorted(root["x-order"]) == sorted(root["properties"])


def test_every_vocabulary_value_has_title_and_description():
    schemas = default_schemas()
    for name in ("kind", "eventType", "theme", "discipline", "actorStatus", "eventStatus", "attendance"):
        choices = schemas.choices(name)
        assert choices, name
        for choice in choices:
            assert choice.title and choice.description, (name, choice.value)
    themes = [c.value for c in schemas.choices("theme")]
    assert themes == [
        "agriculture", "alimentation", "culture", "education", "energie", "environnement", "dechets",
        "transports", "sante", "sport", "numerique", "economie-partage", "vivre-ensemble",
        "participation-citoyenne", "habitat",
    ]


def test_typo_in_field_name_is_an_error_with_a_suggestion(tree):
    path = tree.actor(replace_line(ACTOR, 'commune: "97411"', 'commune: "97411"\ncomune: "97411"'))
    found = only(tree.validate(), "unknown-field")
    assert found.line == line_of(path, "comune:") and found.column == 1
    assert found.pointer == "/comune"
    assert "« comune » n'existe pas" in found.message and "« commune »" in found.message


def test_missing_required_field_is_named_with_its_french_title(tree):
    tree.actor(replace_line(ACTOR, "kind: association\n", ""))
    found = only(tree.validate(), "missing-field")
    assert found.pointer == "/kind"
    assert "« kind » (Type d'acteur) manque" in found.message


def test_bad_theme_lists_the_allowed_values(tree):
    path = tree.actor(replace_line(ACTOR, "themes: [culture, education]", "themes: [culture, educaton]"))
    found = only(tree.validate(), "not-in-list")
    assert found.line == line_of(path, "educaton") and found.pointer == "/themes/1"
    assert "Vouliez-vous écrire « education » ?" in found.message
    assert "agriculture, alimentation, culture" in found.message


def test_unquoted_commune_code_explains_quotes(tree):
    tree.actor(replace_line(ACTOR, 'commune: "97411"', "commune: 97411"))
    found = only(tree.validate(), "wrong-type")
    assert found.pointer == "/commune"
    assert 'entre guillemets' in found.message


def test_single_theme_instead_of_list_says_how_to_write_a_list(tree):
    tree.actor(replace_line(ACTOR, "themes: [culture, education]", "themes: culture"))
    found = only(tree.validate(), "wrong-type")
    assert "doit être une liste, pas un texte" in found.message and "[valeur1, valeur2]" in found.message


def test_too_long_summary_says_by_how_much(tree):
    tree.actor(replace_line(ACTOR, "summary: Théâtre jeune public et ateliers d'écriture en créole.", "summary: " + "a" * 260))
    found = only(tree.validate(), "too-long")
    assert "260 caractères pour 250 au plus ; retirez-en 10" in found.message


def test_bad_id_form_is_explained(tree):
    tree.write("actor", "97411", "Ti_Kaz.yml", replace_line(ACTOR, "id: compagnie-ti-kaz", "id: Ti_Kaz"))
    found = only(tree.validate(), "bad-format")
    assert found.pointer == "/id" and "lettres minuscules sans accents" in found.message


def test_javascript_url_is_refused_as_dangerous(tree):
    tree.actor(replace_line(ACTOR, "website: https://ti-kaz.example.org", "website: javascript:alert(1)"))
    found = only(tree.validate(), "url-scheme")
    assert found.pointer == "/contact/website" and "javascript:" in found.message


def test_data_url_in_registration_is_refused(tree):
    tree.event(EVENT + "registration: data:text/html;base64,PHNjcmlwdD4=\n")
    found = only(tree.validate(), "url-scheme")
    assert "data:" in found.message


def test_url_without_scheme_says_to_add_https(tree):
    tree.actor(replace_line(ACTOR, "website: https://ti-kaz.example.org", "website: www.ti-kaz.example.org"))
    found = only(tree.validate(), "bad-format")
    assert "https://" in found.message


def test_empty_block_is_reported(tree):
    tree.actor(ACTOR + "social: {}\n")
    found = only(tree.validate(), "empty-block")
    assert "« social » est vide" in found.message


def test_venue_block_errors_come_from_the_block_branch(tree):
    text = replace_line(EVENT, "  geo: {lat: -20.8823, lon: 55.4504}", "  geo: {lat: -20.8823}")
    tree.actor()
    tree.event(text)
    found = only(tree.validate(), "missing-field")
    assert found.pointer == "/venue/geo/lon" and "Longitude" in found.message


def test_online_event_needs_its_url(tree):
    tree.actor()
    tree.event(EVENT + "attendance: online\n")
    found = only(tree.validate(), "missing-field")
    assert "online_url" in found.message


def test_fast_and_reference_validators_agree_on_examples_and_mutations():
    schemas = default_schemas()
    actor = schemas.roots["actor"]["examples"][0]
    samples = [actor, {**actor, "kind": "x"}, {**actor, "geo": {"lat": "1", "lon": 2}}, {**actor, "tags": ["a-b", "a-b"]}]
    for sample in samples:
        fast = schemas.is_valid("actor", sample)
        reference = not list(schemas._python["actor"].iter_errors(sample))
        assert fast == reference, sample


@pytest.mark.parametrize(
    ("old", "new", "code", "words"),
    [
        ("name: Compagnie Ti Kaz", "name: K", "too-short", "au moins 2"),
        ("themes: [culture, education]", "themes: []", "too-few-items", "Indiquez au moins une thématique"),
        ("disciplines: [theatre]", "tags: [" + ", ".join(f"t{n}" for n in range(21)) + "]", "too-many-items", "21 éléments pour 20 au plus"),
        ("themes: [culture, education]", "themes: [culture, culture]", "duplicate-item", "« culture » est répété"),
        ("geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: -20.8789, lon: 255.4481}", "out-of-range", "au plus 180"),
    ],
)
def test_size_and_range_limits(tree, old, new, code, words):
    path = tree.actor(replace_line(ACTOR, old, new))
    found = only(tree.validate(), code)
    assert words in found.message
    assert found.line == line_of(path, new.split(":")[0] + ":")
