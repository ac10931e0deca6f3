"""The search index in parts (one Pagefind bundle per département): an edit reindexes its own part,
nothing stale is left, and the search page merges every part."""

from __future__ import annotations

import gzip
import re
from datetime import date
from pathlib import Path

from conftest import ACTOR, Tree, replace_line

from communs.records.directory import load_directory
from communs.settings import SiteSettings
from communs.site.plugin import build_site

PARIS = replace_line(replace_line(replace_line(replace_line(replace_line(
    ACTOR, "id: compagnie-ti-kaz", "id: theatre-des-halles"), "name: Compagnie Ti Kaz", "name: Théâtre des Halles"),
    'commune: "97411"', 'commune: "75056"'), 'postal_code: "97400"', 'postal_code: "75001"'), "geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: 48.8625, lon: 2.3470}")
SETTINGS = SiteSettings(build_date=date(2026, 11, 23))


def two_departements(tmp_path: Path) -> Tree:
    tree = Tree(tmp_path / "tree")
    tree.actor()
    tree.write("actor", "75056", "theatre-des-halles.yml", PARIS)
    return tree


def build(tree: Tree, output: Path) -> dict:
    directory, report = load_directory(tree.content)
    assert report.ok, report.problems
    return build_site(directory, SETTINGS, output, cache_dir=output.parent / f"{output.name}-cache")


def bundle_files(output: Path) -> dict[str, bytes]:
    """Every file of the search index, by path (Pagefind names its files after their content)."""
    return {path.relative_to(output).as_posix(): path.read_bytes() for path in sorted((output / "pagefind").rglob("*")) if path.is_file()}


def fragment_texts(output: Path) -> dict[str, str]:
    """The pages' texts as the index holds them (gzipped fragments), by file name."""
    return {path: gzip.decompress(data).decode("utf-8", "replace") for path, data in bundle_files(output).items() if path.endswith(".pf_fragment")}


def test_one_part_per_departement_and_the_search_page_merges_them(tmp_path):
    output = tmp_path / "site"
    build(two_departements(tmp_path), output)
    assert sorted(p.name for p in (output / "pagefind" / "parts").iterdir()) == ["75", "974"]
    assert (output / "pagefind" / "pagefind-entry.json").is_file()  # the main part: the themes
    for part in ("75", "974"):
        assert (output / "pagefind" / "parts" / part / "pagefind-entry.json").is_file()
    merge = re.search(r'data-merge="([^"]*)"', (output / "recherche" / "index.html").read_text()).group(1)
    assert merge.split() == ["/pagefind/parts/75/", "/pagefind/parts/974/"]


def test_an_edit_reindexes_its_part_only_and_leaves_nothing_stale(tmp_path):
    tree = two_departements(tmp_path)
    output = tmp_path / "site"
    assert build(tree, output)["search parts indexed"] == 3  # cold: the themes and two départements
    paris = {path: (output / path).stat().st_ino for path in bundle_files(output) if "/parts/75/" in path}
    again = build(tree, output)
    assert again.get("search parts indexed", 0) == 0  # nothing changed, nothing indexed
    record = tree.content / "actors" / "97411" / "compagnie-ti-kaz.yml"
    record.write_text(record.read_text().replace("Théâtre jeune public", "Marionnettes"), encoding="utf-8")
    # La Réunion's part, and the themes' (a theme page shows the actor's card and summary); not Paris's
    assert build(tree, output)["search parts indexed"] == 2
    assert {path: (output / path).stat().st_ino for path in bundle_files(output) if "/parts/75/" in path} == paris
    # No fragment of the old summary; the same pages and files as a cold build of the edited content
    # (Pagefind names fragments after their content; its filter and entry files vary between runs).
    texts = fragment_texts(output)
    assert any("Marionnettes" in text for text in texts.values())
    assert not any("Théâtre jeune public" in text for path, text in texts.items() if "/parts/974/" in path)
    cold = tmp_path / "cold"
    build(tree, cold)
    assert texts == fragment_texts(cold)
    assert len(bundle_files(output)) == len(bundle_files(cold))


def test_a_departement_without_records_loses_its_part(tmp_path):
    tree = two_departements(tmp_path)
    output = tmp_path / "site"
    build(tree, output)
    (tree.content / "actors" / "75056" / "theatre-des-halles.yml").unlink()
    build(tree, output)
    assert sorted(p.name for p in (output / "pagefind" / "parts").iterdir()) == ["974"]
    assert "/pagefind/parts/75/" not in (output / "recherche" / "index.html").read_text()


def test_a_pagefind_failure_stops_the_build_with_its_message_and_is_retried(tmp_path, monkeypatch):
    """Pagefind runs in a process beside the exports: its failure reaches the build as an error
    naming the part and what Pagefind said; no part's key is kept, so the next build indexes
    every part again; and no scratch folder is left beside the output."""
    import sys

    import pytest

    from communs.site import searchindex

    tree = two_departements(tmp_path)
    output = tmp_path / "site"
    failing = [sys.executable, "-c", "import sys; sys.stderr.write('index impossible: disque plein'); sys.exit(3)"]
    monkeypatch.setattr(searchindex, "pagefind_command", lambda: failing)
    with pytest.raises(RuntimeError, match="Pagefind failed to index the search part .*index impossible: disque plein"):
        build(tree, output)
    assert not (output / "pagefind" / "pagefind-entry.json").exists()
    assert not list(tmp_path.glob(".communs-search-*"))
    monkeypatch.undo()
    assert build(tree, output)["search parts indexed"] == 3


def test_the_search_process_ends_once_the_index_is_written_not_after_the_exports(tmp_path, monkeypatch):
    """Pagefind's process is forked with a copy of the build's memory: it must not outlive its
    work while the exports run (at national size, the exports then wrote into every record, and
    the lingering copy added 0.8 GB to the build's peak)."""
    import os
    import time

    from communs.site import exports, searchindex

    pid_file = tmp_path / "search-process"
    pagefind_command = searchindex.pagefind_command

    def command_and_tell():
        pid_file.write_text(str(os.getpid()))  # asked in the process beside the build (forked: it has this patch)
        return pagefind_command()

    write_exports = exports.write_exports
    seen: dict[str, bool] = {}

    def exports_once_it_is_gone(*arguments, **options):
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int(pid_file.read_text())
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            if (Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split() or ["?"])[0] == "Z":
                break  # ended, waiting to be reaped
            time.sleep(0.05)
        seen["ended"] = time.monotonic() < deadline
        return write_exports(*arguments, **options)

    monkeypatch.setattr(searchindex, "pagefind_command", command_and_tell)
    monkeypatch.setattr(exports, "write_exports", exports_once_it_is_gone)
    steps = build(two_departements(tmp_path), tmp_path / "site")
    assert steps["search parts indexed"] == 3
    assert seen == {"ended": True}, "the search process outlived its work during the exports"
