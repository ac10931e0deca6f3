"""The validation cache: a file checked before with the same bytes is not checked again, the checks
across records still run on the whole directory, pictures are judged once per digest, and the
cache is plain JSON that is dropped when it does not fit."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import ACTOR, EVENT, codes, line_of, only, replace_line
from picture_helpers import IMAGE, save

from communs.records import pictures
from communs.records.territory import territory_of
from communs.records.validation import Checker, validate
from communs.settings import SiteSettings


def cached(tree, cache: Path, **options):
    return tree.validate(cache_dir=cache, **options)


def cache_file(cache: Path, shard: str = "actor-97411") -> Path:
    [found] = (cache / "communs").glob(f"validation-*/{shard}.json")
    return found


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_an_unchanged_file_is_not_checked_again_and_says_the_same(tree, cache):
    tree.actor(replace_line(ACTOR, "website: https://ti-kaz.example.org", "website: http://ti-kaz.example.org"))
    tree.event()
    first = cached(tree, cache)
    assert first.reused == 0 and codes(first) == ["url-not-https"]
    second = cached(tree, cache)
    assert second.reused == 2 and second.checked == 2
    assert second.problems == first.problems  # same line, column, pointer and French message
    assert {r.id: r.data for r in second.records} == {r.id: r.data for r in first.records}
    assert {r.id: r.digest for r in second.records} == {r.id: r.digest for r in first.records}


def test_entries_come_back_whole(tree, cache):
    """What the checks across records know of each file (contacts, links, references...) is the
    same from the cache as from the file."""
    from communs.records.content import scan
    from communs.records.crosscheck import entry_of
    from communs.records.record import read_record

    tree.actor(ACTOR + "links:\n  - {type: member-of, actor: maison-des-jeunes, since: 2024-01-01}\n")
    tree.event()
    cached(tree, cache)
    from communs.records.validationcache import ValidationCache

    folder = next((cache / "communs").glob("validation-*"))
    store = ValidationCache(folder, Checker().version)
    for source in scan(tree.content)[0]:
        record, _problems = read_record(source)
        found = store.get(source, record.digest)
        assert found is not None and found[1] == entry_of(record), source.display


def test_only_the_changed_file_is_checked_again(tree, cache):
    actor = tree.actor()
    tree.event()
    cached(tree, cache)
    actor.write_text(actor.read_text(encoding="utf-8").replace("Théâtre jeune public", "Marionnettes"), encoding="utf-8")
    report = cached(tree, cache)
    assert report.reused == 1 and report.ok
    assert next(r for r in report.records if r.kind == "actor").data["summary"].startswith("Marionnettes")


def test_a_change_that_breaks_another_records_reference_is_caught(tree, cache):
    tree.actor()
    event = tree.event()
    assert cached(tree, cache).ok
    (tree.content / "actors" / "97411" / "compagnie-ti-kaz.yml").unlink()
    report = cached(tree, cache)
    assert report.reused == 1  # the event's own checks come from the cache...
    found = only(report, "unknown-reference")  # ...but its reference is checked against the whole directory
    assert found.file.endswith("2026-12-20-kabar-fet-kaf.yml") and found.line == line_of(event, "organizers:")


def test_a_new_record_with_the_same_name_is_a_duplicate_of_a_cached_one(tree, cache):
    tree.actor()
    assert cached(tree, cache).ok
    tree.actor(replace_line(ACTOR, "id: compagnie-ti-kaz", "id: compagnie-ti-kaz-bis"), name="compagnie-ti-kaz-bis.yml")
    report = cached(tree, cache)
    assert report.reused == 1
    assert "compagnie-ti-kaz-bis.yml" in only(report, "duplicate-record").message  # told on one of the two files


def test_a_link_written_back_in_a_new_file_contradicts_a_cached_one(tree, cache):
    tree.actor(ACTOR + "links:\n  - {type: partner-of, actor: maison-des-jeunes}\n")
    other = replace_line(replace_line(ACTOR, "id: compagnie-ti-kaz", "id: maison-des-jeunes"), "name: Compagnie Ti Kaz", "name: Maison des jeunes")
    tree.actor(other, name="maison-des-jeunes.yml")
    assert cached(tree, cache).ok
    tree.actor(other + "links:\n  - {type: partner-of, actor: compagnie-ti-kaz}\n", name="maison-des-jeunes.yml")
    report = cached(tree, cache)
    assert report.reused == 1
    assert "contradictory-link" in codes(report)


def test_a_picture_is_judged_once_for_its_bytes(tree, cache, monkeypatch):
    picture = save(tree.content / "media" / "compagnie-ti-kaz.jpg")
    record = tree.actor(ACTOR + IMAGE)
    calls = []
    judge = pictures.check_picture
    monkeypatch.setattr(pictures, "check_picture", lambda path, expected: calls.append(path) or judge(path, expected))
    assert cached(tree, cache).ok and len(calls) == 1
    # The record changes, its picture does not: the record is checked again, the picture is not decoded.
    record.write_text(record.read_text(encoding="utf-8").replace("Théâtre jeune public", "Marionnettes"), encoding="utf-8")
    report = cached(tree, cache)
    assert report.ok and report.reused == 0 and len(calls) == 1
    # The picture is replaced by a file that is no image: the unchanged record is checked again.
    picture.write_text("<html>pas une image</html>")
    report = cached(tree, cache)
    assert report.reused == 0 and len(calls) == 2
    assert "n'est pas une image lisible" in only(report, "picture-invalid").message
    picture.unlink()
    assert only(cached(tree, cache), "picture-missing").pointer == "/image/file"


def test_other_territory_settings_drop_the_cache(tree, cache):
    tree.actor()
    cached(tree, cache)
    assert cached(tree, cache).reused == 1
    territory = territory_of(SiteSettings(perimeter="departements:75"))
    report = cached(tree, cache, checker=Checker(territory=territory))
    assert report.reused == 0 and "outside-territory" in codes(report)


def test_the_cache_is_json_and_a_damaged_one_is_ignored(tree, cache):
    tree.actor(replace_line(ACTOR, "kind: association", "kind: asso"))
    first = cached(tree, cache)
    document = json.loads(cache_file(cache).read_text(encoding="utf-8"))
    assert len(document) == 1
    # An entry another version wrote (an unknown problem code) is checked again, not trusted.
    [entry] = document.values()
    entry["problems"][0]["code"] = "no-such-code"
    cache_file(cache).write_text(json.dumps(document), encoding="utf-8")
    again = cached(tree, cache)
    assert again.reused == 0 and again.problems == first.problems
    # A file that is not JSON (a pickle, garbage) is ignored.
    cache_file(cache).write_bytes(b"\x80\x04\x95garbage")
    again = cached(tree, cache)
    assert again.reused == 0 and again.problems == first.problems
    assert json.loads(cache_file(cache).read_text(encoding="utf-8"))
    # Verdicts of another version (of the code, schemas, territory) are not read.
    head = cache_file(cache).parent / "version.json"
    head.write_text(json.dumps({**json.loads(head.read_text(encoding="utf-8")), "version": "other"}), encoding="utf-8")
    assert cached(tree, cache).reused == 0 and cached(tree, cache).reused == 1


def test_a_deleted_files_verdict_leaves_the_cache(tree, cache):
    tree.actor()
    event = tree.event()
    cached(tree, cache)
    event.unlink()
    cached(tree, cache)
    assert len(json.loads(cache_file(cache).read_text(encoding="utf-8"))) == 1
    assert not list((cache / "communs").glob("validation-*/event-97411.json"))


def test_a_partial_check_uses_the_cache_too(tree, cache):
    actor = tree.actor()
    tree.event()
    cached(tree, cache)
    report = validate(tree.content, [actor], jobs=1, cache_dir=cache)
    assert report.checked == 1 and report.reused == 1 and report.ok


def test_the_command_line_keeps_its_verdicts_in_the_folder_it_is_given(tree, cache):
    from click.testing import CliRunner

    from communs.cli import main

    tree.actor()
    tree.write("event", "97411", "2026-12-20-kabar-fet-kaf.yml", EVENT.replace("organizers: [compagnie-ti-kaz]", "organizers: [compagnie-ti-kas]"))
    runner = CliRunner()
    first = runner.invoke(main, ["validate", "--content", str(tree.content), "--cache", str(cache), "--format", "json"])
    second = runner.invoke(main, ["validate", "--content", str(tree.content), "--cache", str(cache), "--format", "json"])
    assert first.exit_code == second.exit_code == 1
    assert first.output == second.output and "compagnie-ti-kaz" in first.output  # the suggestion, again
    assert cache_file(cache).is_file()


def test_a_file_known_by_its_state_is_not_read_again(tree, cache, monkeypatch):
    """As Git does: a file whose size, modification time and inode are those its verdict was saved
    with (and not racily clean then) is not read again; one touched is read once more, then known
    by its new state."""
    from communs.records import validation

    actor = tree.actor()
    tree.event()
    long_ago = time.time_ns() - 3600 * 10**9
    for path in tree.content.rglob("*.yml"):
        os.utime(path, ns=(long_ago, long_ago))
    first = cached(tree, cache)
    reads: list[str] = []
    read_bytes = validation.read_bytes
    monkeypatch.setattr(validation, "read_bytes", lambda source: reads.append(source.display) or read_bytes(source))
    again = cached(tree, cache)
    assert reads == [] and again.reused == 2 and again.problems == first.problems
    assert {r.id: r.digest for r in again.records} == {r.id: r.digest for r in first.records}
    os.utime(actor, ns=(long_ago + 10**9, long_ago + 10**9))  # touched: same bytes
    touched = cached(tree, cache)
    assert [Path(read).name for read in reads] == ["compagnie-ti-kaz.yml"] and touched.reused == 2
    reads.clear()
    assert cached(tree, cache).reused == 2 and reads == []


def test_a_racily_clean_file_is_read_again(tree, cache):
    """A file changed in place within the same clock tick as its check (same size, time and
    inode) is not trusted by its state: its new bytes are read and checked."""
    actor = tree.actor()
    tree.event()
    cached(tree, cache)  # the file was written just now: within a second of this check
    before = actor.stat()
    text = actor.read_text(encoding="utf-8")
    assert "Théâtre jeune public" in text
    with open(actor, "r+b") as opened:  # same inode, same size
        opened.write(text.replace("Théâtre jeune public", "Théâtre jeune publix").encode("utf-8"))
    os.utime(actor, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = actor.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    report = cached(tree, cache)
    assert report.reused == 1
    assert next(r for r in report.records if r.kind == "actor").data["summary"].startswith("Théâtre jeune publix")


def test_only_a_long_lived_process_keeps_the_verdict_files_in_memory(tree, cache, monkeypatch):
    """``communs serve`` reads again only the verdict files that changed since its last build; a
    one-shot build keeps none of them once done (at national size, hundreds of megabytes)."""
    import types

    import orjson

    from communs.records import validationcache

    tree.actor()
    tree.event()
    parsed: list[int] = []
    counting = types.SimpleNamespace(loads=lambda data: parsed.append(1) or orjson.loads(data), dumps=orjson.dumps, JSONEncodeError=orjson.JSONEncodeError)
    monkeypatch.setattr(validationcache, "orjson", counting)
    cached(tree, cache)
    cached(tree, cache)
    assert validationcache._read == {} and len(parsed) >= 3  # read from disk each time
    try:
        validationcache.keep_in_memory()
        cached(tree, cache)
        parsed.clear()
        report = cached(tree, cache)
        assert report.reused == 2 and parsed == [1]  # the head file only: the verdicts came from memory
    finally:
        validationcache.keep_in_memory(False)
    assert validationcache._read == {}


def _across(cache: Path) -> Path:
    [found] = (cache / "communs").glob("validation-*/across.json")
    return found


def test_problems_across_records_come_back_when_no_entry_changed(tree, cache):
    tree.actor()
    twin = tree.actor(replace_line(ACTOR, "id: compagnie-ti-kaz", "id: compagnie-ti-kaz-bis"), name="compagnie-ti-kaz-bis.yml")
    first = cached(tree, cache)
    assert "duplicate-record" in codes(first)
    saved = json.loads(_across(cache).read_text(encoding="utf-8"))
    assert [problem["code"] for problem in saved["problems"]] == ["duplicate-record"]
    # A summary edited: no entry changed, the problems across records are those kept.
    twin.write_text(twin.read_text(encoding="utf-8").replace("Théâtre jeune public", "Marionnettes"), encoding="utf-8")
    again = cached(tree, cache)
    assert again.reused == 1 and again.problems == first.problems
    # The name edited: the entry changed, the checks run again and the duplicate is gone.
    twin.write_text(twin.read_text(encoding="utf-8").replace("name: Compagnie Ti Kaz", "name: Atelier des marionnettes"), encoding="utf-8")
    assert cached(tree, cache).ok
    assert json.loads(_across(cache).read_text(encoding="utf-8"))["problems"] == []


def test_damaged_problems_across_records_are_found_again(tree, cache):
    tree.actor()
    tree.actor(replace_line(ACTOR, "id: compagnie-ti-kaz", "id: compagnie-ti-kaz-bis"), name="compagnie-ti-kaz-bis.yml")
    first = cached(tree, cache)
    for damage in (b"\x80\x04\x95garbage", json.dumps({"key": "x", "problems": "none"}).encode()):
        _across(cache).write_bytes(damage)
        assert cached(tree, cache).problems == first.problems
        assert json.loads(_across(cache).read_text(encoding="utf-8"))["problems"]
    # Problems kept under the right key but written by another version (an unknown code): checked again.
    saved = json.loads(_across(cache).read_text(encoding="utf-8"))
    saved["problems"][0]["code"] = "no-such-code"
    _across(cache).write_text(json.dumps(saved), encoding="utf-8")
    assert cached(tree, cache).problems == first.problems


def test_verdicts_are_kept_per_language_of_the_messages(tree, cache, monkeypatch):
    tree.actor(replace_line(ACTOR, "kind: association", "kind: asso"))
    cached(tree, cache)
    assert cached(tree, cache).reused == 1
    monkeypatch.setenv("COMMUNS_LANG", "en")
    assert cached(tree, cache).reused == 0  # French messages are not given for English ones
