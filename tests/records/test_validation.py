"""The whole run: stray files, partial checks against the whole directory, Git revisions."""

from __future__ import annotations

import os
from pathlib import Path

import git
import pytest
from conftest import ACTOR, EVENT, only, replace_line

from communs.records import validation
from communs.records.validation import UsageError


def test_stray_files_and_folders_are_reported(tree):
    tree.actor()
    (tree.content / "actors" / "97411" / "notes.txt").write_text("brouillon")
    (tree.content / "actors" / "97411" / "autre.yaml").write_text(ACTOR)
    (tree.content / "actors" / "saint-denis").mkdir()
    (tree.content / "events" / "perdu.yml").write_text(EVENT)
    (tree.content / "actors" / "97411" / ".gitkeep").write_text("")
    (tree.content / "pages").mkdir()
    (tree.content / "pages" / "a-propos.md").write_text("Title: À propos\n")
    report = tree.validate()
    strays = {p.file.rsplit("/", 2)[-2] + "/" + p.file.rsplit("/", 1)[-1]: p.message for p in report.problems if p.code == "stray-file"}
    assert set(strays) == {"97411/notes.txt", "97411/autre.yaml", "actors/saint-denis", "events/perdu.yml"}
    assert "renommez ce fichier en autre.yml" in strays["97411/autre.yaml"]
    assert "n'est pas un code INSEE" in strays["actors/saint-denis"] or "n'a pas sa place" in strays["actors/saint-denis"]


def test_symlinked_record_is_refused(tree, tmp_path):
    outside = tmp_path / "secret.yml"
    outside.write_text(ACTOR)
    link = tree.content / "actors" / "97411" / "compagnie-ti-kaz.yml"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    found = only(tree.validate(), "stray-file")
    assert "liens symboliques" in found.message


def test_symlinked_folder_of_records_pointing_outside_is_refused_and_not_read(tree, tmp_path):
    outside = tmp_path / "ailleurs"
    (outside / "97411").mkdir(parents=True)
    (outside / "97411" / "compagnie-ti-kaz.yml").write_text(ACTOR)
    (tree.content / "actors").rmdir()
    (tree.content / "actors").symlink_to(outside, target_is_directory=True)
    report = tree.validate()
    found = only(report, "stray-file")
    assert found.file.endswith("content/actors") and "liens symboliques" in found.message
    assert report.checked == 0 and report.records == []


def test_a_socket_among_records_is_reported_never_opened(tree, monkeypatch):
    import socket

    tree.actor()
    with socket.socket(socket.AF_UNIX) as listening:
        with monkeypatch.context() as inside:
            inside.chdir(tree.content / "actors" / "97411")  # a socket's path must be short
            listening.bind("prise.yml")
        report = tree.validate()
    found = only(report, "special-file")
    assert found.file.endswith("actors/97411/prise.yml")
    assert "prise.yml est une socket, pas un fichier ordinaire : il n'est pas lu." in found.message
    assert report.checked == 1 and len(report.records) == 1


def test_named_files_are_checked_against_the_whole_directory(tree):
    tree.actor()
    path = tree.event()
    report = tree.validate(path)
    assert report.checked == 1 and report.problems == []  # the organiser is found among unread files
    broken = tree.event(replace_line(EVENT, "organizers: [compagnie-ti-kaz]", "organizers: [personne]"))
    assert only(tree.validate(broken), "unknown-reference")


def test_missing_file_or_content_is_a_usage_error(tree):
    with pytest.raises(UsageError, match="n'existe pas"):
        tree.validate(tree.content / "actors" / "97411" / "absent.yml")
    with pytest.raises(UsageError, match="n'existe pas"):
        validation.validate(tree.root / "nulle-part")


def test_a_crashing_check_is_reported_for_its_file_and_the_run_goes_on(tree, monkeypatch):
    tree.actor()
    tree.event()

    def explode(self, record):
        if record.kind == "event":
            raise RuntimeError("boom")
        return []

    monkeypatch.setattr(validation.RecordRules, "problems", explode)
    report = tree.validate()
    found = only(report, "internal-error")
    assert found.file.endswith("2026-12-20-kabar-fet-kaf.yml") and "RuntimeError" in found.message
    assert report.checked == 2


def test_parallel_run_finds_the_same_problems(tree, monkeypatch):
    for number in range(30):
        text = ACTOR.replace("compagnie-ti-kaz", f"compagnie-{number}").replace("Compagnie Ti Kaz", f"Troupe numéro {number} du quartier")
        if number % 7 == 0:
            text = text.replace("kind: association", "kind: asso")
        tree.actor(text, name=f"compagnie-{number}.yml")
    sequential = tree.validate()
    monkeypatch.setattr(validation, "PARALLEL_THRESHOLD", 5)
    parallel = validation.validate(tree.content, jobs=2)
    assert parallel.problems == sequential.problems
    assert len(sequential.errors) == 5


@pytest.fixture
def repo(tree):
    repository = git.Repo.init(tree.root, initial_branch="main")
    with repository.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.org")
    tree.actor()
    tree.event()
    repository.git.add(A=True)
    repository.index.commit("initial")
    return repository


def test_changed_since_checks_only_what_changed(tree, repo):
    # An old, already-committed problem is not this change's business...
    old = ACTOR.replace("compagnie-ti-kaz", "ancien").replace("Compagnie Ti Kaz", "Ancienne troupe").replace("kind: association", "kind: asso")
    tree.actor(old, name="ancien.yml")
    repo.git.add(A=True)
    repo.index.commit("old problem")
    base = repo.head.commit.hexsha
    # ...but a new record with a problem is, and a duplicate of an unchanged record is found.
    duplicate = ACTOR.replace("compagnie-ti-kaz", "cie-ti-kaz")
    tree.actor(duplicate, name="cie-ti-kaz.yml")
    report = tree.validate(changed_since=base)
    assert report.checked == 1
    assert [p.code for p in report.problems] == ["duplicate-record"]
    assert report.problems[0].file.endswith("cie-ti-kaz.yml")


def test_changed_since_sees_committed_and_modified_files(tree, repo):
    base = repo.head.commit.hexsha
    path = tree.content / "events" / "97411" / "2026-12-20-kabar-fet-kaf.yml"
    path.write_text(path.read_text().replace("type: concert", "type: concer"))
    repo.git.add(A=True)
    repo.index.commit("typo")
    assert [p.code for p in tree.validate(changed_since=base).problems] == ["not-in-list"]
    assert tree.validate(changed_since="HEAD").checked == 0


def test_deleting_an_actor_still_named_by_an_event_is_caught(tree, repo):
    base = repo.head.commit.hexsha
    (tree.content / "actors" / "97411" / "compagnie-ti-kaz.yml").unlink()
    report = tree.validate(changed_since=base)
    found = only(report, "unknown-reference")
    assert found.file.endswith("2026-12-20-kabar-fet-kaf.yml")


def test_unknown_revision_and_no_repository_are_usage_errors(tree, repo, tmp_path_factory):
    with pytest.raises(UsageError, match="inconnue"):
        tree.validate(changed_since="no-such-branch")
    lonely = tmp_path_factory.mktemp("lonely") / "content"
    (lonely / "actors").mkdir(parents=True)
    with pytest.raises(UsageError, match="dépôt Git"):
        validation.validate(lonely, changed_since="HEAD")


def test_a_file_named_in_another_spelling_is_still_itself(tree, monkeypatch):
    tree.actor()
    tree.event()
    monkeypatch.chdir(tree.root)
    report = validation.validate(Path("content"), [Path("./content/actors/../actors/97411/compagnie-ti-kaz.yml")], jobs=1)
    assert report.problems == [] and report.checked == 1


def test_workers_collect_their_garbage_even_when_the_build_paused_the_collector(tree, monkeypatch):
    """A build pauses the collector while it reads the records (communs.collector.paused); the
    workers it forks meanwhile must not inherit the pause (over a national directory, each grew
    by a gigabyte of uncollected cycles)."""
    import gc

    from communs.collector import paused

    for number in range(8):
        tree.actor(ACTOR.replace("compagnie-ti-kaz", f"compagnie-{number}").replace("Compagnie Ti Kaz", f"Troupe {number}"), name=f"compagnie-{number}.yml")
    checked_in = []
    check = validation.Checker.check

    def check_and_tell(self, *arguments, **options):
        if not gc.isenabled():
            raise RuntimeError("collector paused in a worker")
        checked_in.append(os.getpid())
        return check(self, *arguments, **options)

    monkeypatch.setattr(validation.Checker, "check", check_and_tell)
    monkeypatch.setattr(validation, "PARALLEL_THRESHOLD", 5)
    with paused():
        report = validation.validate(tree.content, jobs=2)
    assert report.ok and report.checked == 8, [problem.message for problem in report.problems]
    assert not checked_in  # the checks ran in the workers, not here
