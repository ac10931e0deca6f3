"""Links between actors: each rule refuses with its message and line; one side writes a link and
the directory reads it both ways; ``communs review`` says a link in words."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import ACTOR, codes, line_of, only

from communs.records.directory import load_directory

FEDERATION = """\
id: federation-des-arts-vivants
name: Fédération des arts vivants
kind: association
summary: Fédération des compagnies de théâtre et de danse de l'île.
themes: [culture]
commune: "97411"
"""


def with_links(text: str, links: str) -> str:
    return text + "links:\n" + links


def test_a_link_to_an_existing_actor_is_valid_and_read_both_ways(tree):
    tree.actor(FEDERATION, name="federation-des-arts-vivants.yml")
    tree.actor(with_links(ACTOR, "  - type: member-of\n    actor: federation-des-arts-vivants\n    since: 2015-09-01\n    note: membre fondateur\n"))
    directory, report = load_directory(tree.content, jobs=1)
    assert report.ok, [(p.code, p.message) for p in report.problems]
    [link] = directory.links
    assert (link.source.id, link.type, link.target.id, link.since, link.note) == ("compagnie-ti-kaz", "member-of", "federation-des-arts-vivants", "2015-09-01", "membre fondateur")
    assert directory.links_from("compagnie-ti-kaz") == [link] and directory.links_to("federation-des-arts-vivants") == [link]
    assert directory.link_words["member-of"] == ("Membre de", "Membres")


def test_a_link_to_no_actor_is_refused_with_a_suggestion(tree):
    tree.actor(FEDERATION, name="federation-des-arts-vivants.yml")
    path = tree.actor(with_links(ACTOR, "  - type: member-of\n    actor: federation-des-arts-vivant\n"))
    found = only(tree.validate(), "unknown-reference")
    assert "Aucun acteur n'a l'identifiant « federation-des-arts-vivant »" in found.message and "federation-des-arts-vivants" in found.message
    assert found.pointer == "/links/0/actor" and found.line == line_of(path, "actor: federation-des-arts-vivant")


def test_a_link_to_itself_is_refused(tree):
    path = tree.actor(with_links(ACTOR, "  - type: partner-of\n    actor: compagnie-ti-kaz\n"))
    found = only(tree.validate(), "self-link")
    assert found.message == "Un acteur ne se lie pas à lui-même : « compagnie-ti-kaz » est l'identifiant de cette fiche."
    assert found.line == line_of(path, "actor: compagnie-ti-kaz")


def test_the_same_link_twice_is_refused(tree):
    tree.actor(FEDERATION, name="federation-des-arts-vivants.yml")
    tree.actor(with_links(ACTOR, "  - type: member-of\n    actor: federation-des-arts-vivants\n  - type: member-of\n    actor: federation-des-arts-vivants\n    since: 2020-01-01\n"))
    found = only(tree.validate(), "duplicate-link")
    assert found.message == "Ce lien est déjà écrit plus haut (lien n° 1) : gardez-en un seul." and found.pointer == "/links/1"


def test_a_link_that_ends_before_it_begins_is_refused(tree):
    tree.actor(FEDERATION, name="federation-des-arts-vivants.yml")
    tree.actor(with_links(ACTOR, "  - type: supported-by\n    actor: federation-des-arts-vivants\n    since: 2024-01-01\n    until: 2023-12-31\n"))
    found = only(tree.validate(), "link-dates")
    assert found.message == "Le lien finit (2023-12-31) avant d'avoir commencé (2024-01-01) : inversez les dates." and found.pointer == "/links/0/until"


def test_an_unknown_link_type_is_refused_with_the_list(tree):
    tree.actor(FEDERATION, name="federation-des-arts-vivants.yml")
    tree.actor(with_links(ACTOR, "  - type: membre\n    actor: federation-des-arts-vivants\n"))
    found = only(tree.validate(), "not-in-list")
    assert "member-of, part-of, partner-of, hosted-by, supported-by" in found.message


def test_a_pair_written_both_ways_is_refused_on_both_sides(tree):
    tree.actor(with_links(FEDERATION, "  - type: member-of\n    actor: compagnie-ti-kaz\n"), name="federation-des-arts-vivants.yml")
    tree.actor(with_links(ACTOR, "  - type: member-of\n    actor: federation-des-arts-vivants\n"))
    report = tree.validate()
    found = [p for p in report.problems if p.code == "contradictory-link"]
    assert sorted(p.record_id for p in found) == ["compagnie-ti-kaz", "federation-des-arts-vivants"]
    assert "dit la même chose dans l'autre sens (chacun serait « membre de » l'autre)" in found[0].message


def test_a_partnership_is_written_on_one_side_only(tree):
    tree.actor(with_links(FEDERATION, "  - type: partner-of\n    actor: compagnie-ti-kaz\n"), name="federation-des-arts-vivants.yml")
    tree.actor(with_links(ACTOR, "  - type: partner-of\n    actor: federation-des-arts-vivants\n"))
    found = [p for p in tree.validate().problems if p.code == "contradictory-link"]
    assert len(found) == 2 and "un lien s'écrit d'un seul côté" in found[0].message


def test_links_of_different_kinds_both_ways_are_fine(tree):
    # A company supported by a fund that is itself a member of the company's network: no contradiction.
    tree.actor(with_links(FEDERATION, "  - type: supported-by\n    actor: compagnie-ti-kaz\n"), name="federation-des-arts-vivants.yml")
    tree.actor(with_links(ACTOR, "  - type: member-of\n    actor: federation-des-arts-vivants\n"))
    assert "contradictory-link" not in codes(tree.validate())


def test_review_says_a_new_link_in_words(tmp_path):
    repo = tmp_path / "repo"
    content = repo / "content" / "actors" / "97411"
    content.mkdir(parents=True)
    (content / "federation-des-arts-vivants.yml").write_text(FEDERATION, encoding="utf-8")
    (content / "compagnie-ti-kaz.yml").write_text(ACTOR, encoding="utf-8")

    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=repo, check=True, capture_output=True, text=True).stdout

    git("init", "--quiet", "--initial-branch=main")
    git("add", "-A")
    git("commit", "--quiet", "-m", "base")
    (content / "compagnie-ti-kaz.yml").write_text(with_links(ACTOR, "  - type: member-of\n    actor: federation-des-arts-vivants\n    since: 2015-09-01\n"), encoding="utf-8")
    git("commit", "--quiet", "-am", "link")
    from communs.maintain.review import format_markdown, review

    text = format_markdown(review("HEAD~1", "HEAD", content_dir=repo / "content", jobs=1))
    assert "Liens avec d'autres acteurs : + membre de federation-des-arts-vivants depuis le 1er septembre 2015" in text
    assert Path(repo / "content").is_dir()


def _repo(tree):
    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=tree.root, check=True, capture_output=True, text=True).stdout

    git("init", "--quiet", "--initial-branch=main")
    git("add", "-A")
    git("commit", "--quiet", "-m", "base")
    return git


def test_checking_only_what_changed_still_sees_links_from_other_communes(tree):
    """--changed-since (what CI runs on a pull request) refuses what the whole check refuses: a
    link from an actor of another commune to a deleted actor, and a pair written both ways."""
    tree.actor(FEDERATION, name="federation-des-arts-vivants.yml")
    tree.actor(with_links(ACTOR.replace('commune: "97411"', 'commune: "97415"').replace("street: 12 rue de Paris\n  postal_code: \"97400\"", "street: 1 rue du Port\n  postal_code: \"97460\"").replace("geo: {lat: -20.8789, lon: 55.4481}\n", ""), "  - type: member-of\n    actor: federation-des-arts-vivants\n"), commune="97415")
    assert tree.validate().ok
    git = _repo(tree)
    (tree.content / "actors" / "97411" / "federation-des-arts-vivants.yml").unlink()
    partial = tree.validate(changed_since="HEAD")
    assert "unknown-reference" in codes(partial)
    git("checkout", "--", ".")
    path = tree.content / "actors" / "97411" / "federation-des-arts-vivants.yml"
    path.write_text(path.read_text(encoding="utf-8") + "links:\n  - type: member-of\n    actor: compagnie-ti-kaz\n", encoding="utf-8")
    assert "contradictory-link" in codes(tree.validate(changed_since="HEAD"))
