"""History from Git: when each record was created and changed, and the directory's changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from html import unescape

import git
from conftest import ACTOR, ROOT, Tree, build_site

from communs.site.history import read_history


def _commit(repository: git.Repo, message: str, when: str) -> None:
    repository.git.add(A=True)
    repository.git.commit("-m", message, env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})


def _repository(tree: Tree) -> git.Repo:
    repository = git.Repo.init(tree.root, initial_branch="main")
    with repository.config_writer() as config:
        config.set_value("user", "name", "Maintainer")
        config.set_value("user", "email", "maintainer@example.org")
    return repository


def test_a_record_edited_three_times_has_three_changes_with_their_dates(tree):
    repository = _repository(tree)
    path = tree.actor()
    tree.event()
    _commit(repository, "Add", "2026-01-10T10:00:00+04:00")
    for number, day in enumerate(("2026-02-11", "2026-03-12"), start=1):
        path.write_text(path.read_text(encoding="utf-8").replace("Théâtre jeune public", f"Théâtre jeune public {number}"), encoding="utf-8")
        _commit(repository, f"Edit {number}", f"{day}T09:30:00+04:00")
    history = read_history(tree.content)
    record = history.files["actors/97411/compagnie-ti-kaz.yml"]
    assert record.changes == 3
    assert record.created == datetime(2026, 1, 10, 6, 0, tzinfo=timezone.utc)
    assert record.changed.date().isoformat() == "2026-03-12"
    actions = [(c.action, c.record_id, c.moment.date().isoformat()) for c in history.changes if c.record_id == "compagnie-ti-kaz"]
    assert actions == [("changed", "compagnie-ti-kaz", "2026-03-12"), ("changed", "compagnie-ti-kaz", "2026-02-11"), ("added", "compagnie-ti-kaz", "2026-01-10")]


def test_moves_and_removals_keep_the_name_of_the_time(tree):
    repository = _repository(tree)
    tree.actor()
    other = ACTOR.replace("compagnie-ti-kaz", "atelier-zot").replace("Compagnie Ti Kaz", "Atelier Zot")
    atelier = tree.actor(other, name="atelier-zot.yml")
    _commit(repository, "Add", "2026-01-10T10:00:00+04:00")
    moved = other.replace('"97411"', '"97415"').replace('"97400"', '"97460"').replace("{lat: -20.8789, lon: 55.4481}", "{lat: -21.01, lon: 55.27}")
    atelier.unlink()
    tree.actor(moved, commune="97415", name="atelier-zot.yml")
    _commit(repository, "Move", "2026-02-01T10:00:00+04:00")
    (tree.content / "actors" / "97411" / "compagnie-ti-kaz.yml").unlink()
    _commit(repository, "Remove", "2026-03-01T10:00:00+04:00")
    history = read_history(tree.content)
    latest = [(c.action, c.record_id, c.commune, c.name) for c in history.changes[:2]]
    assert latest == [("removed", "compagnie-ti-kaz", "97411", "Compagnie Ti Kaz"), ("moved", "atelier-zot", "97415", "Atelier Zot")]


def test_history_is_cached_per_commit(tree, tmp_path):
    repository = _repository(tree)
    tree.actor()
    _commit(repository, "Add", "2026-01-10T10:00:00+04:00")
    cache = tmp_path / "cache"
    first = read_history(tree.content, cache)
    assert list((cache / "communs").glob("history-*.json"))
    assert read_history(tree.content, cache) == first


def test_the_next_build_process_finds_the_history_cache(tree, tmp_path):
    """Each build is a new process: the cache's name must not depend on per-process hashing."""
    repository = _repository(tree)
    tree.actor()
    _commit(repository, "Add", "2026-01-10T10:00:00+04:00")
    cache = tmp_path / "cache"
    script = "import sys; from pathlib import Path; from communs.site.history import read_history; read_history(Path(sys.argv[1]), Path(sys.argv[2]))"
    for seed in ("1", "2"):
        environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-c", script, str(tree.content), str(cache)], env=environment, check=True)
    assert len(list((cache / "communs").glob("history-*.json"))) == 1


def _history_in_steps_and_at_once(tree, tmp_path, steps):
    """Each step changes the tree and returns a commit date; the cached history is read after
    each commit; the last one must equal a reading of the whole history without cache."""
    repository = _repository(tree)
    cache = tmp_path / "cache"
    reads = []
    for number, step in enumerate(steps):
        when = step()
        _commit(repository, f"Step {number}", when)
        reads.append(read_history(tree.content, cache))
    return repository, reads, read_history(tree.content)


def test_new_commits_are_read_alone_and_added_to_the_cached_history(tree, tmp_path, monkeypatch):
    from communs.site import history as module

    path = tree.actor()
    other = ACTOR.replace("compagnie-ti-kaz", "atelier-zot").replace("Compagnie Ti Kaz", "Atelier Zot")

    def edit():
        path.write_text(path.read_text(encoding="utf-8").replace("Théâtre jeune public", "Théâtre"), encoding="utf-8")
        return "2026-02-11T09:30:00+04:00"

    def add():
        tree.actor(other, name="atelier-zot.yml")
        return "2026-03-01T09:30:00+00:00"  # another offset

    def move():
        (tree.content / "actors" / "97411" / "atelier-zot.yml").unlink()
        tree.actor(other.replace('"97411"', '"97415"').replace('"97400"', '"97460"').replace("{lat: -20.8789, lon: 55.4481}", "{lat: -21.01, lon: 55.27}"),
                   commune="97415", name="atelier-zot.yml")
        return "2026-03-05T09:30:00+04:00"

    def remove():
        path.unlink()
        return "2026-04-01T09:30:00+04:00"

    revisions = []
    reading = module._read
    monkeypatch.setattr(module, "_read", lambda repo, prefix, revs: revisions.append(revs) or reading(repo, prefix, revs))
    _repository_, reads, whole = _history_in_steps_and_at_once(tree, tmp_path, [lambda: "2026-01-10T10:00:00+04:00", edit, add, move, remove])
    assert reads[-1] == whole and reads[1].files["actors/97411/compagnie-ti-kaz.yml"].changes == 2
    # The first reading reads everything, each later one only the commit made since.
    assert ".." not in revisions[0] and all(".." in revs for revs in revisions[1:5])
    assert [(c.action, c.record_id) for c in whole.changes[:3]] == [("removed", "compagnie-ti-kaz"), ("moved", "atelier-zot"), ("added", "atelier-zot")]


def test_a_rewritten_history_is_read_again_whole(tree, tmp_path):
    path = tree.actor()
    repository, reads, _whole = _history_in_steps_and_at_once(tree, tmp_path, [lambda: "2026-01-10T10:00:00+04:00"])
    path.write_text(path.read_text(encoding="utf-8").replace("Théâtre jeune public", "Théâtre"), encoding="utf-8")
    _commit(repository, "Edit", "2026-02-11T09:30:00+04:00")
    assert read_history(tree.content, tmp_path / "cache").files["actors/97411/compagnie-ti-kaz.yml"].changes == 2
    repository.git.reset("--hard", "HEAD~1")  # the known commit is no ancestor of the new head
    path.write_text(path.read_text(encoding="utf-8").replace("Théâtre jeune public", "Danse"), encoding="utf-8")
    _commit(repository, "Other edit", "2026-02-12T09:30:00+04:00")
    again = read_history(tree.content, tmp_path / "cache")
    assert again == read_history(tree.content)
    assert [c.name for c in again.changes] == ["Compagnie Ti Kaz", "Compagnie Ti Kaz"] and again.files["actors/97411/compagnie-ti-kaz.yml"].changes == 2


def test_changes_of_a_commune(tree):
    repository = _repository(tree)
    tree.actor()
    tree.actor(ACTOR.replace("id: compagnie-ti-kaz", "id: atelier").replace('"97411"', '"97415"').replace('"97400"', '"97460"'), commune="97415", name="atelier.yml")
    _commit(repository, "Add", "2026-01-10T10:00:00+04:00")
    history = read_history(tree.content)
    assert [c.record_id for c in history.changes_in("97415")] == ["atelier"]
    assert [c.record_id for c in history.changes_in("97411")] == ["compagnie-ti-kaz"]
    assert history.changes_in("97401") == []


def test_site_shows_history_and_changes(tmp_path):
    content = tmp_path / "repo" / "content"
    shutil.copytree(ROOT / "content", content)
    repository = git.Repo.init(tmp_path / "repo", initial_branch="main")
    with repository.config_writer() as config:
        config.set_value("user", "name", "Maintainer")
        config.set_value("user", "email", "maintainer@example.org")
    _commit(repository, "Demo", "2026-10-01T10:00:00+04:00")
    record = content / "actors" / "97411" / "compagnie-ti-kaz.yml"
    record.write_text(record.read_text(encoding="utf-8").replace("Théâtre jeune public", "Théâtre et marionnettes"), encoding="utf-8")
    _commit(repository, "Edit", "2026-11-02T10:00:00+04:00")
    output = tmp_path / "output"
    assert build_site(content, output).returncode == 0
    page = unescape((output / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8"))
    assert "Fiche créée le jeudi 1er octobre 2026, modifiée le lundi 2 novembre 2026 (2 modifications)." in page
    changes = unescape((output / "modifications" / "index.html").read_text(encoding="utf-8"))
    assert "Modification</strong> :" in changes and "Compagnie Ti Kaz" in changes
    assert (output / "modifications" / "2" / "index.html").is_file()  # 96 changes, 50 per page
    commune = unescape((output / "communes" / "97411-saint-denis" / "index.html").read_text(encoding="utf-8"))
    assert "Dernières modifications" in commune and "modifications.atom" in commune
    feed = (output / "communes" / "97411-saint-denis" / "modifications.atom").read_text(encoding="utf-8")
    assert "Modification : Compagnie Ti Kaz (Saint-Denis)" in feed
    assert "Modification : Compagnie Ti Kaz" in (output / "flux" / "modifications.atom").read_text(encoding="utf-8")


def test_build_outside_git_says_history_is_unavailable(tmp_path):
    tree = Tree(tmp_path)
    tree.actor()
    tree.event()
    output = tmp_path / "output"
    result = build_site(tree.content, output)
    assert result.returncode == 0, result.stderr
    assert "Historique de la fiche indisponible." in (output / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8")
    assert "hors d'un dépôt Git" in unescape((output / "modifications" / "index.html").read_text(encoding="utf-8"))


def test_names_are_read_from_their_line_or_the_whole_file():
    from communs.site.history import _name

    assert _name(b'id: x\nname: "Atelier : peinture"\nkind: association\n', "actor", "x") == "Atelier : peinture"
    assert _name(b"id: x\ntitle: Kabar\n", "event", "x") == "Kabar"
    assert _name(b"id: x\ntitle: >\n  Kabar\n  du soir\n", "event", "x") == "Kabar du soir\n"
    assert _name(b"id: x\nname: [broken\n", "actor", "x") == "x"
    assert _name(b"id: x\n", "actor", "x") == "x"
