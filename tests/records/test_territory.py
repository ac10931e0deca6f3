"""The territory setting: which communes a directory covers, and what follows from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ACTOR, line_of, only, replace_line

from communs.records.communes import default_communes
from communs.records.territory import TerritoryError, parse_perimeter
from communs.records.validation import Checker
from communs.settings import SettingsError, SiteSettings

CLERMONT = "epci:246300701"  # Clermont Auvergne Métropole, 21 communes
# Riom (63300) belongs to Riom Limagne et Volcans, the next intercommunality to the north.
RIOM = replace_line(replace_line(replace_line(ACTOR, 'commune: "97411"', 'commune: "63300"'), 'postal_code: "97400"', 'postal_code: "63200"'),
                    "geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: 45.8936, lon: 3.1126}")
CLERMONT_FERRAND = replace_line(replace_line(replace_line(ACTOR, 'commune: "97411"', 'commune: "63113"'), 'postal_code: "97400"', 'postal_code: "63000"'),
                                "geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: 45.7772, lon: 3.0870}")
PHONE = "phone: +262 262 00 12 34"


def test_an_intercommunality_by_siren():
    territory = parse_perimeter(CLERMONT, default_communes())
    assert territory.name == "Clermont Auvergne Métropole"
    assert len(territory.codes) == 21 and "63113" in territory and "63300" not in territory
    names = [c.name for c in territory.communes(default_communes())]
    assert names[:3] == ["Aubière", "Aulnat", "Beaumont"] and "Clermont-Ferrand" in names
    assert territory.departements() == {"63"}


def test_departements_and_communes():
    communes = default_communes()
    reunion = parse_perimeter("departements:974", communes)
    assert reunion.name == "La Réunion (974)" and len(reunion.codes) == 24
    two = parse_perimeter("departements:63, 03", communes)
    assert "63113" in two and "03185" in two and two.name == "Puy-de-Dôme (63), Allier (03)"
    listed = parse_perimeter("communes:63113,63014", communes)
    assert listed.codes == {"63113", "63014"} and listed.name == "2 communes"
    assert parse_perimeter("", communes) is None


@pytest.mark.parametrize(("perimeter", "message"), [
    ("246300701", "Périmètre « 246300701 » illisible : écrivez epci:SIREN, departements:63,03 ou communes:63113,63014."),
    ("region:84", "Périmètre « region:84 » illisible"),
    ("epci:123456789", "Aucune intercommunalité n'a le SIREN 123456789."),
    ("epci:246300701,200070753", "Un périmètre epci: nomme une seule intercommunalité (son SIREN)."),
    ("departements:99", "Le département 99 n'existe pas."),
    ("communes:63113,97400,01015x", "Codes de communes inconnus ou périmés : 97400, 01015x."),
])
def test_unreadable_perimeters_say_what_to_write(perimeter, message):
    with pytest.raises(TerritoryError) as error:
        parse_perimeter(perimeter, default_communes())
    assert message in str(error.value)


def test_settings_take_the_perimeter_and_check_its_type():
    site = SiteSettings.from_pelican({"COMMUNS": {"perimeter": CLERMONT, "neighbours": True}})
    assert site.perimeter == CLERMONT and site.neighbours is True
    with pytest.raises(SettingsError, match="neighbours"):
        SiteSettings.from_pelican({"COMMUNS": {"neighbours": "oui"}})


def test_a_record_outside_the_territory_is_refused_in_french(tree):
    path = tree.actor(RIOM.replace(PHONE, "phone: +33 4 73 00 12 34"), commune="63300")
    territory = parse_perimeter(CLERMONT, default_communes())
    report = tree.validate(checker=Checker(territory=territory))
    found = only(report, "outside-territory")
    assert found.is_error and not report.ok
    assert found.pointer == "/commune" and found.line == line_of(path, "commune:")
    assert found.message == (
        "Riom (63300) est hors du territoire de cet annuaire (Clermont Auvergne Métropole) (elle fait partie de "
        "CA Riom Limagne et Volcans) : une fiche doit porter sur une commune du territoire. Corrigez le code de la "
        "commune, ou proposez la fiche à l'annuaire de ce territoire."
    )


def test_the_same_record_inside_is_valid_and_neighbours_are_only_warned_about(tree):
    tree.actor(CLERMONT_FERRAND.replace(PHONE, "phone: +33 4 73 00 12 34"), commune="63113")
    territory = parse_perimeter(CLERMONT, default_communes())
    assert tree.validate(checker=Checker(territory=territory)).problems == []
    tree.actor(RIOM.replace(PHONE, "phone: +33 4 73 00 12 34").replace("compagnie-ti-kaz", "compagnie-de-riom").replace("Compagnie Ti Kaz", "Compagnie de Riom"),
               commune="63300", name="compagnie-de-riom.yml")
    welcoming = parse_perimeter(CLERMONT, default_communes(), neighbours=True)
    report = tree.validate(checker=Checker(territory=welcoming))
    found = only(report, "outside-territory-neighbour")
    assert report.ok and not found.is_error
    assert "Riom (63300) est hors du territoire de l'annuaire (Clermont Auvergne Métropole)" in found.message
    assert "la fiche est acceptée" in found.message


def test_without_a_perimeter_nothing_is_checked(tree):
    tree.actor(RIOM.replace(PHONE, "phone: +33 4 73 00 12 34"), commune="63300")
    assert tree.validate().problems == []


def _instance(tmp_path: Path, perimeter: str) -> Path:
    (tmp_path / "pelicanconf.py").write_text(f'COMMUNS = {{"perimeter": "{perimeter}"}}\n', encoding="utf-8")
    return tmp_path


def test_validate_reads_the_perimeter_beside_the_content(tree):
    tree.actor(RIOM.replace(PHONE, "phone: +33 4 73 00 12 34"), commune="63300")
    _instance(tree.root, CLERMONT)
    result = subprocess.run([sys.executable, "-m", "communs.cli", "validate", "--content", str(tree.content)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[outside-territory] commune — Riom (63300) est hors du territoire de cet annuaire" in result.stdout


def test_an_unreadable_perimeter_is_a_usage_error(tree):
    tree.actor()
    _instance(tree.root, "epci:1")
    result = subprocess.run([sys.executable, "-m", "communs.cli", "validate", "--content", str(tree.content)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "Aucune intercommunalité n'a le SIREN 1." in result.stderr
    missing = subprocess.run([sys.executable, "-m", "communs.cli", "validate", "--content", str(tree.content), "--settings", str(tree.root / "absent.py")],
                             capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "absent.py n'existe pas" in missing.stderr


def test_suggestions_put_the_territory_first():
    communes = default_communes()
    territory = parse_perimeter("communes:63113", communes)
    # Saint-Genès-Champanelle is in the territory's département, other Saint-Genès elsewhere.
    found = [c.code for c in communes.find("Saint-Genès", preferred=territory.preferred())]
    assert found and communes.get(found[0]).departement == "63"
    inside = parse_perimeter(CLERMONT, communes)
    assert communes.find("Chamalières", preferred=inside.preferred())[0].code == "63075"
