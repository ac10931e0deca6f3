"""`communs new`: a record file started in the right place."""

from __future__ import annotations

from click.testing import CliRunner

from communs.cli import main


def test_new_actor_goes_in_its_commune_folder_and_lists_what_is_missing(tree):
    result = CliRunner().invoke(main, ["new", "acteur", "--commune", "Saint-Denis", "--name", "Atelier Zot Koulèr", "--content", str(tree.content)])
    # "Saint-Denis" names several communes: refused with candidates.
    assert result.exit_code == 2 and "97411" in result.output
    result = CliRunner().invoke(main, ["new", "acteur", "--commune", "97411", "--name", "Atelier Zot Koulèr", "--content", str(tree.content)])
    assert result.exit_code == 0, result.output
    path = tree.content / "actors" / "97411" / "atelier-zot-kouler.yml"
    assert path.read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../../../schemas/actor.schema.json\n"
        'id: atelier-zot-kouler\nname: Atelier Zot Koulèr\ncommune: "97411"\n'
    )
    assert "Le champ obligatoire « kind » (Type d'acteur) manque" in result.output
    again = CliRunner().invoke(main, ["new", "acteur", "--commune", "97411", "--name", "Atelier Zot Koulèr", "--content", str(tree.content)])
    assert again.exit_code == 2 and "existe déjà" in again.output


def test_new_event_needs_a_start_and_gets_a_dated_id(tree):
    refused = CliRunner().invoke(main, ["new", "evenement", "--commune", "97411", "--name", "Kabar", "--content", str(tree.content)])
    assert refused.exit_code == 2 and "--start" in refused.output
    made = CliRunner().invoke(main, ["new", "evenement", "--commune", "97411", "--name", "Kabar du quartier", "--start", "2027-01-09", "--content", str(tree.content)])
    assert made.exit_code == 0, made.output
    assert (tree.content / "events" / "97411" / "2027-01-09-kabar-du-quartier.yml").is_file()


def test_new_call_needs_an_end_date_and_goes_in_the_calls_folder(tree):
    refused = CliRunner().invoke(main, ["new", "appel", "--commune", "97411", "--name", "Bénévoles pour le kabar", "--content", str(tree.content)])
    assert refused.exit_code == 2 and "Erreur : un appel à participation a besoin de sa date de fin (--until)." in refused.output
    assert not (tree.content / "calls").exists()  # nothing written
    made = CliRunner().invoke(main, ["new", "appel", "--commune", "97411", "--name", "Bénévoles pour le kabar", "--until", "2027-02-01", "--content", str(tree.content)])
    assert made.exit_code == 0, made.output
    assert (tree.content / "calls" / "97411" / "benevoles-pour-le-kabar.yml").read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../../../schemas/call.schema.json\n"
        'id: benevoles-pour-le-kabar\ntitle: Bénévoles pour le kabar\ncommune: "97411"\nuntil: "2027-02-01"\n'
    )
    assert "Le champ obligatoire « actor » (Acteur) manque." in made.output
