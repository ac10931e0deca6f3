"""Calls to take part: a third kind of record, posted by an actor, always with an end date and
answered through a contact of that actor. Each rule refuses with its message, field and line."""

from __future__ import annotations

from datetime import date

from conftest import ACTOR, codes, line_of, only, replace_line

from communs.records.directory import call_is_open, load_directory, open_calls

CALL = """\
id: benevoles-pour-le-kabar
title: Bénévoles pour le kabar de décembre
type: volunteers-wanted
summary: La compagnie cherche six bénévoles pour l'accueil et la buvette du kabar.
themes: [culture, vivre-ensemble]
actor: compagnie-ti-kaz
commune: "97411"
until: "2026-12-19"
"""


def test_a_call_of_an_existing_actor_is_valid_and_indexed(tree):
    tree.actor()
    tree.call(CALL)
    directory, report = load_directory(tree.content, jobs=1)
    assert report.ok, [(p.code, p.message) for p in report.problems]
    [call] = directory.calls.values()
    assert (call.kind, call.name, call.folder) == ("call", "Bénévoles pour le kabar de décembre", "97411")
    assert directory.calls_in("97411") == [call] and directory.calls_of("compagnie-ti-kaz") == [call]
    assert directory.calls_with_theme("culture") == [call] and directory.calls_with_theme("sport") == []
    assert directory.call_direction(call) == "need"
    assert directory.label("call_type", "volunteers-wanted") == "Bénévoles recherchés"


def test_a_call_is_open_until_its_end_date_unless_closed_early():
    from communs.records.record import Record

    def call(**data):
        return Record(kind="call", file="x.yml", folder="97411", stem="x", data={"until": "2026-12-19", **data})

    assert call_is_open(call(), date(2026, 12, 19)) and not call_is_open(call(), date(2026, 12, 20))
    assert not call_is_open(call(status="fulfilled"), date(2026, 12, 1)) and not call_is_open(call(status="withdrawn"), date(2026, 12, 1))
    assert open_calls([call(), call(status="fulfilled")], date(2026, 12, 1)) == [call()]


def test_a_call_without_an_end_date_is_refused(tree):
    tree.actor()
    path = tree.call(replace_line(CALL, 'until: "2026-12-19"\n', ""))
    found = only(tree.validate(), "missing-field")
    assert found.message == "Le champ obligatoire « until » (Jusqu'au) manque." and found.file.endswith("calls/97411/benevoles-pour-le-kabar.yml")
    assert path.exists()


def test_a_call_of_an_unknown_actor_is_refused_with_a_suggestion(tree):
    tree.actor()
    path = tree.call(replace_line(CALL, "actor: compagnie-ti-kaz", "actor: compagnie-ti-ka"))
    found = only(tree.validate(), "unknown-reference")
    assert "Aucun acteur n'a l'identifiant « compagnie-ti-ka »" in found.message and "compagnie-ti-kaz" in found.message
    assert found.pointer == "/actor" and found.line == line_of(path, "actor: compagnie-ti-ka")


def test_a_call_type_outside_the_list_is_refused(tree):
    tree.actor()
    tree.call(replace_line(CALL, "type: volunteers-wanted", "type: job-offer"))
    report = tree.validate()
    assert not report.ok and any("Ce type d'appel n'existe pas dans la liste." in p.message for p in report.problems)


def test_a_call_that_ends_before_it_begins_is_refused(tree):
    tree.actor()
    path = tree.call(CALL + 'since: "2027-01-10"\n')
    found = only(tree.validate(), "call-dates")
    assert found.message == "L'appel finit (2026-12-19) avant de commencer (2027-01-10) : corrigez l'une des deux dates."
    assert found.pointer == "/until" and found.line == line_of(path, "until:")


def test_a_call_of_more_than_a_year_is_refused(tree):
    tree.actor()
    tree.call(replace_line(CALL, 'until: "2026-12-19"', 'until: "2028-01-15"') + 'since: "2026-12-01"\n')
    found = only(tree.validate(), "call-too-long")
    assert found.message.startswith("Un appel dure un an au plus (ici du 2026-12-01 au 2028-01-15)")


def test_a_private_address_to_answer_is_refused(tree):
    tree.actor()
    path = tree.call(CALL + "contact:\n  email: jean.dupont@gmail.com\n")
    found = only(tree.validate(), "call-contact")
    assert found.message.startswith("Ce courriel n'est pas un contact public de l'acteur « Compagnie Ti Kaz »")
    assert "jamais par celui d'un particulier" in found.message
    assert found.pointer == "/contact/email" and found.line == line_of(path, "jean.dupont@gmail.com")


def test_an_address_of_the_actors_own_domain_is_accepted(tree):
    tree.actor()
    tree.call(CALL + "contact:\n  email: benevoles@ti-kaz.example.org\n  phone: 0262 00 12 34\n")
    report = tree.validate()
    assert report.ok and not report.problems, codes(report)


def test_a_phone_that_is_not_the_actors_is_refused(tree):
    tree.actor()
    tree.call(CALL + "contact:\n  phone: +262 692 99 88 77\n")
    found = only(tree.validate(), "call-contact")
    assert found.message.startswith("Ce numéro n'est pas un contact public de l'acteur") and found.pointer == "/contact/phone"


def test_a_call_nobody_can_answer_is_refused(tree):
    tree.actor(replace_line(
        ACTOR, "contact:\n  website: https://ti-kaz.example.org\n  email: contact@ti-kaz.example.org\n  phone: +262 262 00 12 34\n", "",
    ))
    path = tree.call(CALL)
    found = only(tree.validate(), "call-no-contact")
    assert found.message.startswith("Personne ne saura comment répondre : ni cet appel ni la fiche de « Compagnie Ti Kaz »")
    assert found.pointer == "/actor" and found.line == line_of(path, "actor: compagnie-ti-kaz")


def test_a_partial_check_reads_the_actor_of_a_changed_call_and_the_calls_of_a_changed_actor(tree):
    """Only the changed file is named (as --changed-since does); the rule still sees the other side."""
    actor = tree.actor()
    call = tree.call(CALL + "contact:\n  email: jean.dupont@gmail.com\n")
    assert codes(tree.validate(call)) == ["call-contact"]
    call.write_text(call.read_text(encoding="utf-8").replace("jean.dupont@gmail.com", "contact@ti-kaz.example.org"), encoding="utf-8")
    assert tree.validate(call).ok
    actor.write_text(actor.read_text(encoding="utf-8").replace("email: contact@ti-kaz.example.org", "email: accueil@ti-kaz.example.org"), encoding="utf-8")
    # The actor changed its address: the call that gave the old one (same domain) still matches…
    assert tree.validate(actor).ok
    actor.write_text(actor.read_text(encoding="utf-8").replace("ti-kaz.example.org", "kaz.example.net"), encoding="utf-8")
    # …but not once the actor moved to another domain: the call is reported though only the actor was named.
    report = tree.validate(actor)
    assert codes(report) == ["call-contact"] and report.problems[0].file.endswith("calls/97411/benevoles-pour-le-kabar.yml")


def test_a_call_id_must_be_unique_among_every_kind(tree):
    tree.actor()
    tree.call(replace_line(CALL, "id: benevoles-pour-le-kabar", "id: compagnie-ti-kaz"), name="compagnie-ti-kaz.yml")
    assert "duplicate-id" in codes(tree.validate())


def test_the_demo_has_open_calls_in_several_communes(demo):
    opened = open_calls(demo.calls.values(), date(2026, 11, 23))
    assert len(opened) >= 10
    assert len({call.folder for call in opened}) >= 5
    assert {demo.call_direction(call) for call in opened} == {"need", "offer"}
