"""File-level checks: what stops a file from being read as a record at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ACTOR, line_of, only, replace_line

from communs.records.content import MAX_FILE_SIZE


def test_valid_tree_has_no_problem(tree):
    tree.actor()
    tree.event()
    report = tree.validate()
    assert report.problems == []
    assert report.checked == 2
    assert {r.id for r in report.records} == {"compagnie-ti-kaz", "2026-12-20-kabar-fet-kaf"}


def test_yaml_syntax_error_points_at_the_line_in_french(tree):
    path = tree.actor(replace_line(ACTOR, "summary: Théâtre", "summary: Théâtre: jeune"))
    found = only(tree.validate(), "yaml-syntax")
    assert found.file.endswith("compagnie-ti-kaz.yml")
    assert found.line == 5 and found.column is not None
    assert "deux-points inattendu" in found.message and "guillemets" in found.message
    assert path.exists()


def test_unclosed_quote_is_explained(tree):
    tree.actor(replace_line(ACTOR, 'commune: "97411"', 'commune: "97411'))
    found = only(tree.validate(), "yaml-syntax")
    assert "guillemet" in found.message


def test_duplicate_key_names_both_lines(tree):
    path = tree.actor(ACTOR + "kind: collectif\n")
    found = only(tree.validate(), "yaml-duplicate-key")
    assert found.line == len(path.read_text().splitlines())
    assert "« kind » apparaît deux fois (déjà ligne 4)" in found.message
    assert found.record_id == "compagnie-ti-kaz"


def test_anchors_and_aliases_are_refused(tree):
    text = replace_line(ACTOR, "themes: [culture, education]", "themes: &t [culture, education]")
    text = text + "disciplines: *t\n"
    text = text.replace("disciplines: [theatre]\n", "")
    path = tree.actor(text)
    report = tree.validate()
    anchor = only(report, "yaml-anchor")
    alias = only(report, "yaml-alias")
    assert anchor.line == line_of(path, "&t") and anchor.pointer == "/themes" and "&t" in anchor.message
    assert alias.line == line_of(path, "*t") and alias.pointer == "/disciplines"
    assert "*t" in alias.message and "écrivez la valeur en entier" in alias.message


def test_explicit_tags_are_refused(tree):
    tree.actor(replace_line(ACTOR, "name: Compagnie Ti Kaz", "name: !!python/object:os.system Compagnie"))
    found = only(tree.validate(), "yaml-tag")
    assert found.line == 3 and "étiquettes YAML" in found.message


def test_tabs_are_refused_with_their_column(tree):
    tree.actor(replace_line(ACTOR, "  street: 12 rue de Paris", "\tstreet: 12 rue de Paris"))
    found = only(tree.validate(), "tab")
    assert (found.line, found.column) == (15, 1)
    assert "Remplacez chaque tabulation par des espaces" in found.message


def test_non_utf8_file_is_refused_with_position(tree):
    raw = ACTOR.replace("Théâtre", "Th\xe9\xe2tre").encode("latin-1")
    tree.write("actor", "97411", "compagnie-ti-kaz.yml", raw)
    found = only(tree.validate(), "encoding")
    assert found.line == 4
    assert "n'est pas en UTF-8" in found.message and "0xe9" in found.message


def test_bom_is_only_a_warning(tree):
    tree.write("actor", "97411", "compagnie-ti-kaz.yml", b"\xef\xbb\xbf" + ACTOR.encode())
    report = tree.validate()
    assert only(report, "utf8-bom").severity == "warning"
    assert report.ok


def test_oversized_file_is_refused_without_parsing(tree):
    big = ACTOR + "# " + "x" * MAX_FILE_SIZE + "\n"
    tree.actor(big)
    report = tree.validate()
    found = only(report, "file-too-large")
    assert "64 Kio" in found.message
    assert report.records == []


def test_top_level_must_be_a_mapping(tree):
    tree.actor("- id: compagnie-ti-kaz\n- name: x\n")
    found = only(tree.validate(), "not-a-mapping")
    assert "une liste" in found.message


def test_empty_file_is_not_a_record(tree):
    tree.write("actor", "97411", "vide.yml", b"")
    found = only(tree.validate(), "not-a-mapping")
    assert "rien" in found.message


def test_several_documents_are_refused(tree):
    tree.actor(ACTOR + "---\nid: autre\n")
    found = only(tree.validate(), "yaml-multiple-documents")
    assert "supprimez la ligne « --- »" in found.message


def test_plain_values_follow_yaml_1_2_not_1_1(tree):
    """`no`, `on` and unquoted dates stay text: no Norway problem, no silent date objects."""
    from communs.records.yamlreader import read_yaml

    parsed = read_yaml("a: no\nb: on\nc: 2026-12-20\nd: 1.5\ne: true\nf: ~\ng: 012\n")
    assert parsed.value == {"a": "no", "b": "on", "c": "2026-12-20", "d": 1.5, "e": True, "f": None, "g": 12}


def test_deep_nesting_is_refused_not_crashing():
    from communs.records.yamlreader import read_yaml

    parsed = read_yaml("a: " + "[" * 500 + "]" * 500)
    assert not parsed.ok
    assert parsed.problems[0].code == "yaml-syntax"


def test_a_list_or_block_as_field_name_is_refused(tree):
    path = tree.actor(ACTOR + "? [a, b]\n: valeur\n")
    report = tree.validate()
    found = only(report, "yaml-key-type")
    assert found.line == line_of(path, "? [a, b]") and "simple mot" in found.message


def test_reading_a_record_never_waits_on_a_fifo(tmp_path):
    """Even a FIFO that took a record's place after the folder was scanned is not waited on."""
    fifo = tmp_path / "compagnie-ti-kaz.yml"
    os.mkfifo(fifo)
    script = (
        "import sys; from pathlib import Path; from communs.records.content import RecordFile; from communs.records.record import read_record\n"
        "record, problems = read_record(RecordFile(Path(sys.argv[1]), 'actor', '97411', 'compagnie-ti-kaz.yml'))\n"
        "print(record, [(p.code, p.message) for p in problems])\n"
    )
    environment = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "plugins"))
    result = subprocess.run([sys.executable, "-c", script, str(fifo)], capture_output=True, text=True, env=environment, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("None [('special-file', ") and "est un tube nommé (FIFO)" in result.stdout


def test_field_names_and_short_texts_are_one_string_across_records_and_their_pickles():
    """A national directory repeats its field names, codes and vocabulary values in every record:
    they are interned when read, so that records (and a batch of them sent between processes)
    hold each once; long texts are left alone, and the values are the same."""
    import pickle

    from communs.records.yamlreader import INTERNED_LENGTH, read_yaml

    long_text = "x" * (INTERNED_LENGTH + 1)
    texts = [f"id: acteur-{n}\nkind: association\nthemes: [culture, sport]\nsummary: {long_text}\n" for n in range(2)]
    first, second = (read_yaml(text).value for text in texts)
    assert first == {"id": "acteur-0", "kind": "association", "themes": ["culture", "sport"], "summary": long_text}
    for one, two in ((first, second), tuple(pickle.loads(pickle.dumps([first, second])))):
        assert [key for key in one] == [key for key in two] and all(a is b for a, b in zip(one, two))
        assert one["kind"] is two["kind"] and one["themes"][1] is two["themes"][1]
        assert one["summary"] == two["summary"]
