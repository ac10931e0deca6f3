"""A rebuild with nothing changed stops at once (``site.stamp``), and any change of what the build
reads makes it build again: a record, a picture, the day, the settings, a commit, the output."""

from __future__ import annotations

import os
import time
from pathlib import Path

import git
import pytest
from conftest import ROOT, Tree, build_site

UP_TO_DATE = "rien n'a changé depuis la construction précédente"


def mtimes(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


@pytest.fixture
def built(tmp_path: Path):
    tree = Tree(tmp_path)
    record = tree.actor()
    tree.event()
    settle()
    output = tmp_path / "output"
    first = build_site(tree.content, output)
    assert first.returncode == 0 and UP_TO_DATE not in first.stdout, first.stderr
    return tree, record, output


def test_nothing_changed_nothing_done(built):
    tree, _record, output = built
    before = mtimes(output)
    again = build_site(tree.content, output)
    assert again.returncode == 0 and UP_TO_DATE in again.stdout
    assert "2 fiches vérifiées : aucun problème." in again.stdout  # what the build said of the records
    assert mtimes(output) == before


def settle() -> None:
    """Past the clock's tick: files changed just before a build are read again at the next one."""
    time.sleep(1.1)


def test_each_input_makes_it_build_again(built, tmp_path):
    tree, record, output = built
    record.write_text(record.read_text(encoding="utf-8").replace("Théâtre jeune public", "Marionnettes"), encoding="utf-8")
    settle()
    result = build_site(tree.content, output)
    assert UP_TO_DATE not in result.stdout and "Marionnettes" in (output / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8")
    assert UP_TO_DATE in build_site(tree.content, output).stdout
    # Another day (SOURCE_DATE_EPOCH).
    assert UP_TO_DATE not in build_site(tree.content, output, epoch="1795507200").stdout
    # A free page of Pelican's, or a picture: any file of the content folder.
    (tree.content / "media").mkdir()
    (tree.content / "media" / "notes.txt").write_text("x", encoding="utf-8")
    settle()
    assert UP_TO_DATE not in build_site(tree.content, output).stdout
    # A commit (the history the pages tell).
    repository = git.Repo.init(tree.root, initial_branch="main")
    repository.git.add(A=True)
    repository.git.commit("-m", "Add", env={"GIT_AUTHOR_NAME": "M", "GIT_AUTHOR_EMAIL": "m@example.org", "GIT_COMMITTER_NAME": "M", "GIT_COMMITTER_EMAIL": "m@example.org"})
    settle()
    assert UP_TO_DATE not in build_site(tree.content, output).stdout
    assert UP_TO_DATE in build_site(tree.content, output).stdout
    # Other settings.
    settings = tmp_path / "settings.py"
    settings.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\nSITENAME = 'Autre nom'\n", encoding="utf-8")
    assert UP_TO_DATE not in build_site(tree.content, output, "--settings", str(settings)).stdout
    # An output that lost its files.
    (output / "index.html").unlink()
    assert UP_TO_DATE not in build_site(tree.content, output, "--settings", str(settings)).stdout
    assert (output / "index.html").is_file()


def test_a_file_changed_within_the_clock_tick_of_the_last_build_is_not_trusted(tmp_path):
    """A file written just before a build may change again without its size or time telling
    (a write within the same tick of the file system's clock): such a file is read again."""
    tree = Tree(tmp_path)
    record = tree.actor()
    output = tmp_path / "output"
    # Its time is the build's own moment (here a minute ahead, whatever the machine's load).
    moment = time.time_ns() + 60 * 1_000_000_000
    os.utime(record, ns=(moment, moment))
    assert build_site(tree.content, output).returncode == 0
    record.write_text(record.read_text(encoding="utf-8").replace("Théâtre jeune public", "Théâtre jeune publik"), encoding="utf-8")
    os.utime(record, ns=(moment, moment))  # same size, same time, same inode: only the rule tells
    result = build_site(tree.content, output)
    assert UP_TO_DATE not in result.stdout
    assert "Théâtre jeune publik" in (output / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8")
