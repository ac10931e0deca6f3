"""Checks across records: unique ids, references to actors, duplicates in a commune."""

from __future__ import annotations

import pytest
from conftest import ACTOR, EVENT, codes, line_of, only, replace_line


def test_ids_are_unique_across_actors_and_events(tree):
    tree.actor()
    text = ACTOR.replace("compagnie-ti-kaz", "2026-12-20-kabar-fet-kaf").replace("Compagnie Ti Kaz", "Autre nom")
    tree.actor(text, name="2026-12-20-kabar-fet-kaf.yml")
    tree.event()
    report = tree.validate()
    found = [p for p in report.problems if p.code == "duplicate-id"]
    assert len(found) == 2  # each file of the pair is told about the other
    assert all("déjà celui de" in p.message for p in found)
    assert {p.pointer for p in found} == {"/id"}


def test_organizer_must_exist(tree):
    tree.actor()
    path = tree.event(replace_line(EVENT, "organizers: [compagnie-ti-kaz]", "organizers: [compagnie-ti-kas]"))
    found = only(tree.validate(), "unknown-reference")
    assert found.pointer == "/organizers/0" and found.line == line_of(path, "organizers:")
    assert "« compagnie-ti-kas »" in found.message and "Vouliez-vous dire : compagnie-ti-kaz ?" in found.message


def test_venue_reference_must_be_an_actor_not_an_event(tree):
    tree.actor()
    tree.event()
    other = EVENT.replace("2026-12-20-kabar-fet-kaf", "2026-12-20-bal-la-poussiere").replace("Kabar de la Fèt Kaf", "Bal la poussière")
    other = other.replace(
        "venue:\n  name: Jardin de l'État\n  address: {postal_code: \"97400\"}\n  geo: {lat: -20.8823, lon: 55.4504}\n",
        "venue: 2026-12-20-kabar-fet-kaf\n",
    )
    tree.event(other, name="2026-12-20-bal-la-poussiere.yml")
    found = only(tree.validate(), "unknown-reference")
    assert found.pointer == "/venue" and "pas d'un acteur" in found.message


def test_exact_duplicate_name_in_the_same_commune_is_an_error(tree):
    tree.actor()
    copy = ACTOR.replace("compagnie-ti-kaz", "cie-ti-kaz").replace("Compagnie Ti Kaz", "COMPAGNIE TI-KAZ !")
    path = tree.actor(copy, name="cie-ti-kaz.yml")
    found = only(tree.validate(), "duplicate-record")
    assert found.file.endswith("compagnie-ti-kaz.yml") or found.file.endswith("cie-ti-kaz.yml")
    assert "existe déjà dans cette commune" in found.message
    assert found.line == line_of(path, "name:")


def test_same_name_in_another_commune_is_fine(tree):
    tree.actor()
    other = ACTOR.replace("compagnie-ti-kaz", "compagnie-ti-kaz-saint-paul").replace('"97411"', '"97415"')
    other = other.replace('postal_code: "97400"', 'postal_code: "97460"').replace("geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: -21.01, lon: 55.27}")
    tree.actor(other, commune="97415", name="compagnie-ti-kaz-saint-paul.yml")
    assert tree.validate().problems == []


def test_near_duplicate_is_a_warning(tree):
    tree.actor()
    near = ACTOR.replace("compagnie-ti-kaz", "compagnie-ti-kat").replace("Compagnie Ti Kaz", "Compagnie Ti Kat")
    tree.actor(near, name="compagnie-ti-kat.yml")
    report = tree.validate()
    found = only(report, "near-duplicate")
    assert found.severity == "warning" and report.ok
    assert "ressemble beaucoup" in found.message


def test_same_event_title_on_another_day_is_not_a_duplicate(tree):
    tree.actor()
    tree.event()
    later = EVENT.replace("2026-12-20", "2027-01-17")
    tree.event(later, name="2027-01-17-kabar-fet-kaf.yml")
    assert tree.validate().problems == []


def test_same_event_title_same_day_is_a_duplicate(tree):
    tree.actor()
    tree.event()
    again = EVENT.replace("2026-12-20-kabar-fet-kaf", "2026-12-20-kabar-fet-kaf-bis")
    tree.event(again, name="2026-12-20-kabar-fet-kaf-bis.yml")
    assert only(tree.validate(), "duplicate-record")


# --- Names that imitate another with look-alike letters of another script ----------------------

# "Compagnie Ti Kaz" with a Cyrillic С (U+0421), о (U+043E) and а (U+0430).
SPOOF = "\u0421\u043empagnie Ti K\u0430z"


def spoof_actor(tree, name: str = SPOOF, commune: str = "97411", record_id: str = "cie-ti-kaz"):
    text = ACTOR.replace("id: compagnie-ti-kaz", f"id: {record_id}").replace("name: Compagnie Ti Kaz", f"name: {name}")
    if commune != "97411":
        text = text.replace('"97411"', f'"{commune}"').replace('postal_code: "97400"', 'postal_code: "97460"')
        text = text.replace("geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: -21.01, lon: 55.27}")
    return tree.actor(text, commune=commune, name=f"{record_id}.yml")


def test_a_mixed_script_name_imitating_another_is_refused_in_french(tree):
    original = tree.actor()
    path = spoof_actor(tree)
    report = tree.validate()
    found = only(report, "confusable-name")
    assert not report.ok and found.severity == "error"
    assert found.file.endswith("cie-ti-kaz.yml") and found.pointer == "/name" and found.line == line_of(path, "name:")
    assert found.message.startswith("Ce nom se lit exactement comme « Compagnie Ti Kaz » (fiche compagnie-ti-kaz), mais il mêle deux alphabets")
    assert "« С », « о », « а » ne sont pas des lettres latines" in found.message and "Tapez le nom en lettres latines" in found.message
    # Told once, on the imitation: not also as a duplicate, and never on the original.
    assert codes(report) == ["confusable-name"]
    assert original.name == "compagnie-ti-kaz.yml" and not found.file.endswith("/" + original.name)


def test_an_imitation_is_refused_in_any_commune_even_when_only_it_is_checked(tree):
    tree.actor()
    path = spoof_actor(tree, commune="97415")
    assert only(tree.validate(), "confusable-name")
    assert only(tree.validate(path), "confusable-name")  # the original, in 97411, is read too


def test_a_near_imitation_is_a_near_duplicate(tree):
    tree.actor()
    spoof_actor(tree, name="\u0421\u043empagnie Ti K\u0430t")  # "Compagnie Ti Kat", with Cyrillic letters
    report = tree.validate()
    assert codes(report) == ["near-duplicate"]


@pytest.mark.parametrize("name", ["Café Москва", "Театр Ти Каз", "Ελληνική Κοινότητα"])
def test_names_in_another_script_or_mixed_without_imitating_are_fine(tree, name):
    tree.actor()
    spoof_actor(tree, name=name, record_id="autre-fiche")
    assert tree.validate().problems == []
