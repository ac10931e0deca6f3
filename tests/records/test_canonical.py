"""Canonical YAML: new records in the demo data's style, minimal edits of existing files, safe paths."""

from __future__ import annotations

import difflib
import logging
import math
import os
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communs.records.canonical import (
    SCHEMA_COMMENT,
    dump_record,
    normalise_record,
    record_path,
    update_record,
)
from communs.records.yamlreader import read_yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILES = sorted((ROOT / "content").glob("actors/*/*.yml")) + sorted((ROOT / "content").glob("events/*/*.yml"))
KIND_OF = {"actors": "actor", "events": "event"}
EXAMPLES = int(os.environ.get("COMMUNS_HYPOTHESIS_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def demo_id(path: Path) -> str:
    return path.relative_to(ROOT / "content").as_posix()


def kind_of(path: Path) -> str:
    return KIND_OF[path.relative_to(ROOT / "content").parts[0]]


def load_demo(name: str) -> tuple[str, str, dict]:
    path = next(path for path in DEMO_FILES if path.stem == name)
    text = path.read_text(encoding="utf-8")
    return kind_of(path), text, yaml.safe_load(text)


def both_parsers(text: str) -> tuple:
    parsed = read_yaml(text)
    assert parsed.ok and not parsed.problems, parsed.problems
    return parsed.value, yaml.safe_load(text)


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines a reviewer sees removed and added in the pull request's diff."""
    old, new = before.splitlines(), after.splitlines()
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += old[i1:i2]
            added += new[j1:j2]
    return removed, added


@pytest.fixture
def no_rewrite(caplog):
    """Fails a test in which update_record gave up editing and rewrote the whole file."""
    caplog.set_level(logging.WARNING, logger="communs.records.canonical")
    yield caplog
    assert not [r for r in caplog.records if r.name == "communs.records.canonical"], caplog.text


# New records: the demo data is the canonical style ------------------------------------------------


def test_demo_data_is_there():
    assert len(DEMO_FILES) > 50
    assert {kind_of(path) for path in DEMO_FILES} == {"actor", "event"}


@pytest.mark.parametrize("path", DEMO_FILES, ids=demo_id)
def test_every_demo_file_is_reproduced_byte_for_byte(path):
    text = path.read_text(encoding="utf-8")
    assert dump_record(kind_of(path), yaml.safe_load(text)) == text


def test_quoting_rule_on_a_representative_record():
    record = {
        # deliberately out of order: the schema decides the order
        "status": "active",
        "contact": {"phone": "+262 262 00 11 01", "email": "contact@x.example.org", "website": "https://x.example.org"},
        "identifiers": {"siret": "12345678900012", "rna": "W9R2003417", "osm": "node/123"},
        "geo": {"lon": 55.4537, "lat": -20.9268},
        "address": {"postal_code": "97400", "complement": "Le Brûlé", "street": "14 chemin des Hortensias"},
        "commune": "97411",
        "area": ["97415", "2A004"],
        "opening_hours": "Mo-Fr 09:00-17:00",
        "tags": ["creole", "jeune-public"],
        "themes": ["culture"],
        "summary": "Théâtre jeune public et ateliers d'écriture en créole.",
        "kind": "association",
        "name": "Compagnie Ti Kaz",
        "id": "compagnie-ti-kaz",
        "description": "Premier paragraphe.\n\n- un\n- deux",
    }
    assert dump_record("actor", record) == (
        "# yaml-language-server: $schema=../../../schemas/actor.schema.json\n"
        "id: compagnie-ti-kaz\n"
        "name: Compagnie Ti Kaz\n"
        "kind: association\n"
        "summary: Théâtre jeune public et ateliers d'écriture en créole.\n"
        "description: |\n"
        "  Premier paragraphe.\n"
        "\n"
        "  - un\n"
        "  - deux\n"
        "themes:\n"
        "  - culture\n"
        "tags:\n"
        "  - creole\n"
        "  - jeune-public\n"
        'commune: "97411"\n'
        "address:\n"
        '  street: "14 chemin des Hortensias"\n'
        '  complement: "Le Brûlé"\n'
        '  postal_code: "97400"\n'
        "geo:\n"
        "  lat: -20.9268\n"
        "  lon: 55.4537\n"
        "area:\n"
        '  - "97415"\n'
        '  - "2A004"\n'
        "contact:\n"
        '  website: "https://x.example.org"\n'
        '  email: "contact@x.example.org"\n'
        '  phone: "+262 262 00 11 01"\n'
        "identifiers:\n"
        '  siret: "12345678900012"\n'
        '  rna: "W9R2003417"\n'
        '  osm: "node/123"\n'
        'opening_hours: "Mo-Fr 09:00-17:00"\n'
        "status: active\n"
    )


def test_event_fields_and_venue_forms():
    event = {
        "id": "2026-12-20-kabar-fet-kaf",
        "title": "Kabar : la Fèt Kaf",
        "type": "concert",
        "summary": "Soirée maloya en plein air.",
        "themes": ["culture"],
        "organizers": ["compagnie-ti-kaz"],
        "commune": "97411",
        "venue": {"geo": {"lon": 55.45, "lat": -20.88}, "name": "Jardin de l'État", "address": {"street": "Rue de Paris"}},
        "start": "2026-12-20T18:00:00+04:00",
        "end": "2026-12-20",
        "recurrence": "FREQ=WEEKLY;BYDAY=SA",
        "price": {"details": "Gratuit", "max": 12.5, "min": 5, "free": False},
        "accessibility": {"details": "Accès de plain-pied", "wheelchair": True},
        "age": {"max": 12, "min": 6},
    }
    text = dump_record("event", event)
    assert text.splitlines()[1:] == [
        "id: 2026-12-20-kabar-fet-kaf",
        'title: "Kabar : la Fèt Kaf"',
        "type: concert",
        "summary: Soirée maloya en plein air.",
        "themes:",
        "  - culture",
        "organizers:",
        "  - compagnie-ti-kaz",
        'commune: "97411"',
        "venue:",
        "  name: Jardin de l'État",
        "  address:",
        '    street: "Rue de Paris"',
        "  geo:",
        "    lat: -20.88",
        "    lon: 55.45",
        'start: "2026-12-20T18:00:00+04:00"',
        'end: "2026-12-20"',
        'recurrence: "FREQ=WEEKLY;BYDAY=SA"',
        "price:",
        "  free: false",
        "  min: 5",
        "  max: 12.5",
        '  details: "Gratuit"',
        "accessibility:",
        "  wheelchair: true",
        '  details: "Accès de plain-pied"',
        "age:",
        "  min: 6",
        "  max: 12",
    ]
    # A venue given as an actor id is a keyword, like the organizers.
    assert "venue: salle-kabar-bagatelle\n" in dump_record("event", dict(event, venue="salle-kabar-bagatelle"))


@pytest.mark.parametrize(
    "value",
    ["yes", "No", "on", "null", "~", "true", "0123", "12", "3.14", "1e3", ".5", "0x1F", "2026-12-20", "12:30", "1_000",
     "", " lead", "trail ", "- item", "-", "? x", ": x", "#hash", "&anchor", "*alias", "!tag", "|block", ">fold",
     "'quoted'", '"quoted"', "%directive", "@handle", "`tick", "[flow", "{flow", ",comma", "a: b", "a #b", "ends:",
     "tab\there", "line\nbreak", "crlf\r\nhere", "nel\x85", "ls\u2028", "bom\ufeff", "bell\x07"],
)
def test_headlines_and_keywords_are_quoted_when_yaml_would_misread_them(value):
    for kind, field in (("actor", "name"), ("actor", "summary"), ("event", "title"), ("actor", "id")):
        text = dump_record(kind, {field: value})
        line = text.splitlines()[1]
        assert line.startswith(f'{field}: "'), line
        assert both_parsers(text) == ({field: value}, {field: value})
    text = dump_record("actor", {"tags": [value]})
    assert text.splitlines()[2].startswith('  - "')
    assert both_parsers(text) == ({"tags": [value]}, {"tags": [value]})


@pytest.mark.parametrize("value", ["Compagnie Ti Kaz", "L'Atelier", "C# et C++", "Atelier:créole", "Salle n°2, 1er étage", "100 % local", "Kafé 🌋", "a-b", "Ti \"Kaz\"", "back\\slash"])
def test_headlines_stay_plain_when_yaml_reads_them_as_text(value):
    text = dump_record("actor", {"name": value})
    assert text.splitlines()[1] == f"name: {value}"
    assert both_parsers(text) == ({"name": value}, {"name": value})


def test_other_strings_are_always_double_quoted():
    text = dump_record("actor", {"address": {"street": "Rue de Paris"}, "contact": {"email": "a@b.example.org"}, "opening_hours": "24/7", "x-note": "plain"})
    assert '  street: "Rue de Paris"' in text
    assert '  email: "a@b.example.org"' in text
    assert 'opening_hours: "24/7"' in text
    assert 'x-note: "plain"' in text  # unknown fields come last, quoted


def test_escapes_only_what_must_be_escaped():
    text = dump_record("actor", {"address": {"street": 'Chemin "Lontan" \\ n°1\té\x00\x7f\ufeff\u2029\U0001f30b'}})
    assert '  street: "Chemin \\"Lontan\\" \\\\ n°1\\té\\0\\x7F\\uFEFF\\P\U0001f30b"\n' in text
    assert "\t" not in text


def test_scalars_other_than_text():
    record = {"price": {"free": True, "min": 0, "max": 1e-05}, "geo": {"lat": -0.0, "lon": 1e20}, "x-none": None, "x-empty": [], "x-map": {}, "x-big": 10**30}
    text = dump_record("event", record)
    assert "  max: 1.0e-05\n" in text
    assert "  lon: 1.0e+20\n" in text
    assert "  lat: -0.0\n" in text
    assert "x-none: null\n" in text
    assert "x-empty: []\n" in text
    assert "x-map: {}\n" in text
    assert both_parsers(text) == (record, record)


def test_str_and_int_subclasses_are_written_as_their_values():
    import enum

    class Kind(str, enum.Enum):
        ASSOCIATION = "association"

    class Age(enum.IntEnum):
        SIX = 6

    assert dump_record("actor", {"kind": Kind.ASSOCIATION}).endswith("\nkind: association\n")
    assert dump_record("event", {"age": {"min": Age.SIX}}).endswith("\nage:\n  min: 6\n")


def test_unknown_keys_come_after_the_known_ones_sorted():
    text = dump_record("actor", {"zz": "1", "id": "a-b-c", "aa": "2", "contact": {"zz": "x", "phone": "1"}, "yes": "3"})
    assert text.splitlines()[1:] == ["id: a-b-c", "contact:", '  phone: "1"', '  zz: "x"', 'aa: "2"', '"yes": "3"', 'zz: "1"']


def test_description_is_a_literal_block_ending_with_one_line_break():
    for given_text in ("Un.\n\nDeux.", "Un.\n\nDeux.\n", "Un.\n\nDeux.\n\n\n"):
        text = dump_record("actor", {"description": given_text})
        assert text.endswith("description: |\n  Un.\n\n  Deux.\n")
        assert both_parsers(text) == ({"description": "Un.\n\nDeux.\n"},) * 2
    # Markdown headings and code keep their place inside the block; a single line is a block too.
    text = dump_record("actor", {"description": "# Titre\n\n    code\n  indent"})
    assert text.endswith("description: |\n  # Titre\n\n      code\n    indent\n")
    assert dump_record("actor", {"description": "Court."}).endswith("description: |\n  Court.\n")


@pytest.mark.parametrize("value", ["Avec\ttabulation\n", "Ligne\r\nWindows\n", "  commence par un espace\n", "\n", "nel\x85x\n", "zéro\x00\n"])
def test_description_a_literal_block_cannot_hold_is_double_quoted(value):
    text = dump_record("actor", {"description": value})
    assert text.splitlines()[1].startswith('description: "')
    assert "\t" not in text
    assert both_parsers(text) == ({"description": value},) * 2


def test_long_lines_are_not_wrapped_and_unicode_is_kept():
    summary = "Très " * 100 + "long résumé — “typographié” 🌋"
    text = dump_record("actor", {"summary": summary, "description": "mot " * 500 + "\n"})
    assert f"summary: {summary}\n" in text
    assert len(text.splitlines()) == 4
    assert "🌋" in text and "“" in text and "\\u" not in text  # written as UTF-8, not escaped


def test_header_line_names_the_schema():
    assert dump_record("event", {"id": "2026-01-01-x"}).splitlines()[0] == "# yaml-language-server: $schema=../../../schemas/event.schema.json"
    assert SCHEMA_COMMENT.format(kind="actor") == "# yaml-language-server: $schema=../../../schemas/actor.schema.json"


@pytest.mark.parametrize(
    ("kind", "record", "error"),
    [
        ("place", {"id": "x"}, ValueError),
        ("actor", ["id"], TypeError),
        ("actor", {1: "x"}, TypeError),
        ("actor", {"geo": {"lat": math.nan}}, ValueError),
        ("actor", {"geo": {"lat": math.inf}}, ValueError),
        ("event", {"start": date(2026, 12, 20)}, TypeError),
        ("actor", {"name": "\ud800"}, ValueError),
    ],
)
def test_refuses_what_cannot_be_a_record(kind, record, error):
    with pytest.raises(error):
        dump_record(kind, record)


# Round trip, whatever the contributor typed ---------------------------------------------------------

TRICKY = st.sampled_from(
    ["", " ", "yes", "no", "null", "~", "0123", "2026-12-20", "2026-12-20T18:00:00+04:00", "12:30", "1e3", "-1", "a: b", "a #b",
     "#", "- x", "'", '"', "\\", "\\n", "\t", "x\ty", "a\r\nb", "\r", "\n", "\n\n", " lead", "trail ", "« Kabar »", "Fèt Kaf 🌋",
     "FREQ=WEEKLY;BYDAY=SA", "%x", "@x", "`x", "&x", "*x", "!x", "|", ">", "? x", "---", "...", "\ufeff", "\x85", "\u2028"]
)
TEXT = st.one_of(TRICKY, st.text(max_size=60), st.lists(st.one_of(TRICKY, st.text(max_size=12)), max_size=6).map("".join))


@SETTINGS
@given(name=TEXT, summary=TEXT, description=TEXT, street=TEXT, tag=TEXT)
def test_round_trip_of_arbitrary_texts(name, summary, description, street, tag):
    record = {"id": "compagnie-ti-kaz", "name": name, "summary": summary, "description": description, "address": {"street": street}, "tags": [tag]}
    text = dump_record("actor", record)
    expected = normalise_record("actor", record)
    assert both_parsers(text) == (expected, expected)
    # Only a Markdown text's trailing line breaks are normalised; everything else is exact.
    assert {key: value for key, value in expected.items() if key != "description"} == {key: value for key, value in record.items() if key != "description"}
    assert expected["description"].rstrip("\n") == description.rstrip("\n")
    assert "\t" not in text and "\r" not in text
    assert text.startswith(SCHEMA_COMMENT.format(kind="actor") + "\n") and text.endswith("\n")


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**15), max_value=10**15), st.floats(allow_nan=False, allow_infinity=False), TEXT)
VALUES = st.recursive(SCALARS, lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)), max_leaves=15)
FIELD_NAMES = st.sampled_from(["id", "name", "summary", "description", "themes", "tags", "commune", "address", "geo", "contact", "area", "venue", "price", "age", "status"])


@SETTINGS
@given(kind=st.sampled_from(["actor", "event"]), record=st.dictionaries(st.one_of(FIELD_NAMES, TEXT), VALUES, max_size=8))
def test_round_trip_of_arbitrary_records(kind, record):
    text = dump_record(kind, record)
    expected = normalise_record(kind, record)
    assert both_parsers(text) == (expected, expected)
    assert dump_record(kind, expected) == text  # normalising is idempotent


# Paths ------------------------------------------------------------------------------------------------


def test_record_path():
    assert record_path("actor", "97411", "compagnie-ti-kaz") == "content/actors/97411/compagnie-ti-kaz.yml"
    assert record_path("event", "2A004", "2026-12-20-kabar") == "content/events/2A004/2026-12-20-kabar.yml"
    assert record_path("actor", "97411", "a" * 80) == f"content/actors/97411/{'a' * 80}.yml"


@pytest.mark.parametrize(
    ("kind", "commune", "record_id"),
    [
        ("actor", "97411\n", "x-y"),
        ("actor", "97411", "x-y\n"),
        ("actor", "974111", "x-y"),
        ("actor", "2C004", "x-y"),
        ("actor", "9741", "x-y"),
        ("actor", "٩٧٤١١", "x-y"),
        ("actor", "97411", "../x"),
        ("actor", "97411", "x/y"),
        ("actor", "97411", "X-y"),
        ("actor", "97411", "x--y"),
        ("actor", "97411", "-x"),
        ("actor", "97411", "é"),
        ("actor", "97411", ""),
        ("actor", "97411", "a" * 81),
        ("actor", 97411, "x-y"),
        ("actor", "97411", None),
        ("page", "97411", "x-y"),
        ("../actor", "97411", "x-y"),
    ],
)
def test_record_path_refuses_unsafe_values(kind, commune, record_id):
    with pytest.raises(ValueError):
        record_path(kind, commune, record_id)


# Edits of existing files -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", DEMO_FILES[::7], ids=demo_id)
def test_an_unchanged_record_leaves_the_file_untouched(path, no_rewrite):
    text = path.read_text(encoding="utf-8")
    assert update_record(text, yaml.safe_load(text), kind_of(path)) == text


@pytest.mark.parametrize("path", DEMO_FILES, ids=demo_id)
def test_one_changed_field_changes_one_line(path, no_rewrite):
    text = path.read_text(encoding="utf-8")
    record = yaml.safe_load(text)
    record["summary"] = "Résumé revu : avec deux-points, donc entre guillemets."
    after = update_record(text, record, kind_of(path))
    removed, added = changed_lines(text, after)
    assert len(removed) == 1 and removed[0].startswith("summary: ")
    assert added == ['summary: "Résumé revu : avec deux-points, donc entre guillemets."']
    assert after == dump_record(kind_of(path), record)


def test_nested_change_changes_one_line(no_rewrite):
    kind, text, record = load_demo("compagnie-ti-kaz")
    record["contact"]["phone"] = "+262 262 99 88 77"
    after = update_record(text, record, kind)
    assert changed_lines(text, after) == (['  phone: "+262 262 00 11 01"'], ['  phone: "+262 262 99 88 77"'])


def test_added_fields_are_only_new_lines_in_schema_order(no_rewrite):
    kind, text, record = load_demo("compagnie-ti-kaz")
    record["opening_hours"] = "Mo-Fr 09:00-17:00"
    record["area"] = ["97415"]
    record["contact"] = {"website": record["contact"]["website"], "email": record["contact"]["email"], "phone": record["contact"]["phone"]}
    record["social"]["instagram"] = "https://instagram.example.org/tikaz"
    record["themes"].append("vivre-ensemble")
    after = update_record(text, record, kind)
    removed, added = changed_lines(text, after)
    assert removed == []
    assert added == ["  - vivre-ensemble", "area:", '  - "97415"', '  instagram: "https://instagram.example.org/tikaz"', 'opening_hours: "Mo-Fr 09:00-17:00"']
    assert after == dump_record(kind, record)  # each new line sits where the canonical file has it


def test_removed_fields_lose_only_their_lines(no_rewrite):
    kind, text, record = load_demo("compagnie-ti-kaz")
    del record["disciplines"]
    del record["address"]["complement"]
    record["tags"].remove("jeune-public")
    after = update_record(text, record, kind)
    removed, added = changed_lines(text, after)
    assert added == []
    assert removed == ["disciplines:", "  - theatre", "  - conte", "  - jeune-public", '  complement: "Le Brûlé"']
    assert after == dump_record(kind, record)


def test_a_description_edit_keeps_the_literal_block(no_rewrite):
    kind, text, record = load_demo("compagnie-ti-kaz")
    old_line = "  L'adhésion annuelle est de 15 € par famille. Les ateliers ont lieu dans"
    assert old_line in text.splitlines()
    record["description"] = record["description"].replace("15 €", "20 €").rstrip("\n")  # the form sends no final line break
    after = update_record(text, record, kind)
    assert "description: |\n" in after
    assert changed_lines(text, after) == ([old_line], [old_line.replace("15 €", "20 €")])


def test_an_event_edit_touches_only_changed_lines(no_rewrite):
    kind, text, record = load_demo("2027-02-06-chantier-participatif-lambrequins")
    record["venue"]["geo"]["lat"] = -21.0649
    record["end"] = "2027-02-06T17:00:00+04:00"
    record["price"] = {"free": False, "min": 5}
    record["status"] = "postponed"
    after = update_record(text, record, kind)
    removed, added = changed_lines(text, after)
    assert removed == ["    lat: -21.0648", 'end: "2027-02-06T16:00:00+04:00"', "  free: true"]
    assert added == ["    lat: -21.0649", 'end: "2027-02-06T17:00:00+04:00"', "status: postponed", "  free: false", "  min: 5"]
    assert after == dump_record(kind, record)


COMMENTED = """\
# yaml-language-server: $schema=../../../schemas/actor.schema.json
# Checked by the maintainers in 2026.
id: compagnie-ti-kaz  # equals the file name
name: Compagnie Ti Kaz
kind: association
summary: Théâtre jeune public.
description: |
  # Qui sommes-nous

  Une compagnie.

# The themes were discussed in issue 12.
themes:
  - culture  # the main one
  # education comes second
  - education
# INSEE code, not the postal code
commune: "97411"
address:
  street: "14 chemin des Hortensias"
  # the hamlet
  complement: "Le Brûlé"
  postal_code: "97400"
contact:
  email: "contact@ti-kaz.example.org"  # read weekly
  phone: "+262 262 00 11 01"
# Keep the status last.
status: active
# End of record.
"""


def test_comments_survive_edits_around_them(no_rewrite):
    record = read_yaml(COMMENTED).value
    record["summary"] = "Théâtre jeune public en créole."
    record["themes"] = ["culture", "education", "vivre-ensemble"]
    del record["address"]["complement"]
    record["tags"] = ["kabar"]  # goes after themes, above the commune's comment
    record["contact"]["email"] = "bonjour@ti-kaz.example.org"
    record["geo"] = {"lat": -20.9, "lon": 55.45}
    after = update_record(COMMENTED, record, "actor")
    assert read_yaml(after).value == record
    removed, added = changed_lines(COMMENTED, after)
    assert removed == ["summary: Théâtre jeune public.", '  complement: "Le Brûlé"', '  email: "contact@ti-kaz.example.org"  # read weekly']
    assert added == [
        "summary: Théâtre jeune public en créole.",
        "  - vivre-ensemble",
        "tags:",
        "  - kabar",
        "geo:",
        "  lat: -20.9",
        "  lon: 55.45",
        '  email: "bonjour@ti-kaz.example.org"  # read weekly',
    ]
    for comment in [line for line in COMMENTED.splitlines() if line.lstrip().startswith("#") and "Qui sommes" not in line]:
        assert comment in after.splitlines()
    assert "\n# INSEE code, not the postal code\ncommune: " in after
    assert "\n# The themes were discussed in issue 12.\nthemes:\n" in after
    assert "  # the hamlet\n  postal_code:" in after


def test_a_comment_above_a_removed_or_replaced_field_stays(no_rewrite):
    record = read_yaml(COMMENTED).value
    del record["themes"]
    record["commune"] = "97415"
    record["address"] = "nowhere"  # not schema-valid, but the editor does not judge
    after = update_record(COMMENTED, record, "actor")
    assert read_yaml(after).value == record
    assert "\n# The themes were discussed in issue 12.\n# INSEE code, not the postal code\ncommune: \"97415\"\naddress: \"nowhere\"\n" in after
    assert "  # education comes second" not in after  # inside the removed block, it goes with it


def test_a_new_first_key_goes_before_the_first_existing_one(no_rewrite):
    text = "# header\naddress:\n  postal_code: \"97400\"\nstatus: active\n"
    after = update_record(text, {"address": {"street": "Rue", "postal_code": "97400"}, "status": "active", "id": "x-y"}, "actor")
    assert after == '# header\nid: x-y\naddress:\n  street: "Rue"\n  postal_code: "97400"\nstatus: active\n'


HAND_WRITTEN = """\
id: compagnie-ti-kaz
name: Compagnie Ti Kaz
kind: association
summary: Théâtre jeune public.
themes: [culture, education]
commune: '97411'
address:
    street: 12 rue de Paris
    postal_code: "97400"
geo: {lat: -20.8789, lon: 55.4481}
tags:
- creole
- kabar
contact:
    website: https://ti-kaz.example.org
"""


def test_a_hand_written_file_keeps_its_own_style(no_rewrite):
    record = read_yaml(HAND_WRITTEN).value
    record["themes"].append("sport")
    record["geo"]["lat"] = -20.9
    record["tags"].insert(1, "jeune-public")
    record["contact"]["phone"] = "+262 262 00 12 34"
    record["identifiers"] = {"rna": "W9R2003417"}
    record["disciplines"] = ["theatre"]
    after = update_record(HAND_WRITTEN, record, "actor")
    assert read_yaml(after).value == record
    removed, added = changed_lines(HAND_WRITTEN, after)
    assert removed == ["themes: [culture, education]", "geo: {lat: -20.8789, lon: 55.4481}"]
    assert added == [
        "themes: [culture, education, sport]",
        "disciplines:",
        "- theatre",
        "geo: {lat: -20.9, lon: 55.4481}",
        "- jeune-public",
        '    phone: "+262 262 00 12 34"',
        "identifiers:",
        '    rna: "W9R2003417"',
    ]
    assert "commune: '97411'\n" in after and "    street: 12 rue de Paris\n" in after


def test_crlf_files_stay_crlf(no_rewrite):
    kind, text, record = load_demo("compagnie-ti-kaz")
    crlf = text.replace("\n", "\r\n")
    record["status"] = "inactive"
    after = update_record(crlf, record, kind)
    assert after == dump_record(kind, record).replace("\n", "\r\n")


def test_an_end_of_line_comment_stays_on_its_changed_line(no_rewrite):
    text = 'id: x-y\nstatus: active  # checked\nthemes:\n  - culture  # main\n'
    after = update_record(text, {"id": "x-y", "status": "inactive", "themes": ["sport"]}, "actor")
    assert after == "id: x-y\nstatus: inactive  # checked\nthemes:\n  - sport  # main\n"


def test_a_file_the_editor_cannot_follow_is_rewritten(caplog):
    caplog.set_level(logging.WARNING, logger="communs.records.canonical")
    duplicated = "id: x-y\nname: A\nname: B\n"
    record = {"id": "x-y", "name": "C"}
    assert update_record(duplicated, record, "actor") == dump_record("actor", record)
    assert "canonical rewrite" in caplog.text
    with pytest.raises(ValueError):
        update_record("id: [unclosed\n", record, "actor")
    with pytest.raises(ValueError):
        update_record("- a list\n", record, "actor")


KIND_RECORDS = {kind: [yaml.safe_load(path.read_text(encoding="utf-8")) for path in DEMO_FILES if kind_of(path) == kind] for kind in ("actor", "event")}


@st.composite
def demo_edits(draw):
    """A demo record and a new version: fields kept, dropped, changed, or taken from another demo record."""
    kind = draw(st.sampled_from(["actor", "event"]))
    records = KIND_RECORDS[kind]
    old = draw(st.sampled_from(records))
    donor = draw(st.sampled_from(records))
    new = {}
    for key in sorted(set(old) | set(donor)):
        action = draw(st.sampled_from(["keep", "keep", "keep", "drop", "donor", "text"]))
        if action == "keep" and key in old:
            new[key] = old[key]
        elif action == "donor" and key in donor:
            new[key] = donor[key]
        elif action == "text":
            new[key] = draw(TEXT)
    for key in ("contact", "address", "geo", "price"):
        if isinstance(new.get(key), dict) and isinstance(old.get(key), dict) and draw(st.booleans()):
            merged = dict(old[key])
            merged.update({name: value for name, value in new[key].items() if draw(st.booleans())})
            new[key] = merged
    for key in ("themes", "tags"):
        if isinstance(new.get(key), list) and draw(st.booleans()):
            items = list(new[key])
            if items and draw(st.booleans()):
                items.pop(draw(st.integers(0, len(items) - 1)))
            items.insert(draw(st.integers(0, len(items))), draw(st.sampled_from(["sport", "habitat", "nouveau-mot"])))
            new[key] = items
    return kind, old, new


@SETTINGS
@given(edit=demo_edits())
def test_editing_a_canonical_file_gives_the_canonical_file(edit, no_rewrite):
    kind, old, new = edit
    no_rewrite.clear()
    before = dump_record(kind, old)
    after = update_record(before, new, kind)
    assert after == dump_record(kind, new)
    assert not no_rewrite.records
    # Fields that did not change keep their lines, byte for byte.
    for key in old:
        if key in new and normalise_record(kind, {key: old[key]}) == normalise_record(kind, {key: new[key]}):
            lines = dump_record(kind, {key: old[key]}).split("\n", 1)[1]
            assert lines in after


@SETTINGS
@given(edit=demo_edits())
def test_comments_between_fields_survive_any_edit(edit, no_rewrite):
    kind, old, new = edit
    no_rewrite.clear()
    lines = dump_record(kind, old).splitlines()
    commented = []
    for number, line in enumerate(lines):
        if number and line and not line.startswith((" ", "-")):
            commented.append(f"# about {line.split(':')[0]}")
        commented.append(line)
    text = "\n".join(commented) + "\n"
    after = update_record(text, new, kind)
    assert not no_rewrite.records
    assert read_yaml(after).value == normalise_record(kind, new)
    after_lines = after.splitlines()
    for comment in [line for line in commented if line.startswith("# about ")]:
        assert comment in after_lines
        key = comment.removeprefix("# about ")
        if key in new and key in old:
            position = after_lines.index(comment)
            # the comment is still right above its field (new fields may only come before it)
            assert after_lines[position + 1].startswith((f"{key}:", f'"{key}":'))


def test_a_link_replaced_by_another_rewrites_its_own_lines_only(no_rewrite):
    """A canonical list of mappings starts each item's first key on its dash ("- type: ..."): an
    item that changes is written again whole, the rest of the file keeps its bytes (Hypothesis
    once drew a festival whose only link was replaced, and the whole file was rewritten)."""
    old = {"id": "festival-piton-kabar", "name": "Festival Piton Kabar", "kind": "festival", "summary": "Trois nuits de kabar et de maloya.",
           "themes": ["culture"], "commune": "97413", "links": [{"type": "hosted-by", "actor": "la-kour-piton", "since": "2019-09-01"}], "status": "active"}
    new = {**old, "links": [{"type": "part-of", "actor": "reseau-zero-dechet-974", "since": "2023-05-01"}]}
    before = dump_record("actor", old)
    after = update_record(before, new, "actor")
    assert after == dump_record("actor", new)
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert sorted(changed) == sorted(["-   - type: hosted-by", "-     actor: la-kour-piton", '-     since: "2019-09-01"',
                                      "+   - type: part-of", "+     actor: reseau-zero-dechet-974", '+     since: "2023-05-01"'])
    # One key of a link changed: that item alone is written again.
    moved = {**old, "links": [{**old["links"][0], "since": "2020-01-01"}]}
    assert update_record(before, moved, "actor") == dump_record("actor", moved)
