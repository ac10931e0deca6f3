"""Imports at real size: duplicates found without comparing every pair of rows, files streamed or
refused with a French message beyond a size limit, malformed files reported by file and line, and
a failed import that writes nothing."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from communs.contrib import lookup
from communs.importers.duplicates import Blocks, Name, deletions
from communs.importers.run import run_import

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "import"

WORDS = ("jardin", "partage", "maloya", "theatre", "kaz", "ti", "zoizo", "sega", "lecture", "ravine", "lagon", "montagne",
         "creole", "velo", "compost", "musique", "danse", "cuisine", "tisane", "bel", "air", "patrimoine", "numerique")
GENERIC = ("Association", "Compagnie", "Cie", "Club", "Collectif", "Asso", "")


def _typo(rng: random.Random, word: str) -> str:
    """One edit: a substitution, a deletion, an insertion or a swap of neighbours."""
    if len(word) < 2:
        return word
    at = rng.randrange(len(word) - 1)
    change = rng.choice("sdit")
    letter = rng.choice("aeiorstuz")
    if change == "s":
        return word[:at] + letter + word[at + 1:]
    if change == "d":
        return word[:at] + word[at + 1:]
    if change == "i":
        return word[:at] + letter + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2:]


def _names(count: int, seed: int = 12) -> list[str]:
    """Names, a third of them variants of an earlier one: typos (one or two, in one word or two),
    reordered, joined or split words, a generic word added or dropped, an abbreviation."""
    rng = random.Random(seed)
    names: list[str] = []
    for _ in range(count):
        if names and rng.random() < 0.4:
            words = rng.choice(names).split()
            for _typos in range(rng.randint(1, 2)):
                spot = rng.randrange(len(words))
                words[spot] = _typo(rng, words[spot])
            shuffle = rng.random()
            if shuffle < 0.15:
                rng.shuffle(words)
            elif shuffle < 0.3 and len(words) > 1:
                words[-2:] = [words[-2] + words[-1]]
            elif shuffle < 0.45:
                words.insert(0, rng.choice(GENERIC))
            names.append(" ".join(word for word in words if word))
        else:
            names.append(" ".join([rng.choice(GENERIC)] + rng.sample(WORDS, rng.randint(1, 3))).strip())
    return names


def _brute_force(names: list[str]) -> list[int | None]:
    """For each name, the first earlier name compare_names accepts (the former pairwise loop)."""
    found: list[int | None] = []
    parsed = [Name(name) for name in names]
    for index, name in enumerate(parsed):
        first = None
        for other in range(index):
            if lookup.compare_names(name.words, parsed[other].words, identical=name.folded == parsed[other].folded) is not None:
                first = other
                break
        found.append(first)
    return found


def _blocked(names: list[str]) -> list[int | None]:
    blocks: Blocks[int] = Blocks()
    found: list[int | None] = []
    for index, text in enumerate(names):
        name = Name(text)
        found.append(blocks.first_match(name))
        blocks.add(name, index)
    return found


def test_deletion_variants():
    assert deletions("kaz", 1) == {"kaz", "az", "kz", "ka"}
    assert deletions("abc", 0) == {"abc"}
    assert deletions("abcd", 2) == {"abcd", "bcd", "acd", "abd", "abc", "cd", "bd", "bc", "ad", "ac", "ab"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocking_finds_every_duplicate_the_pairwise_comparison_found(seed):
    names = _names(600, seed)
    expected = _brute_force(names)
    assert sum(first is not None for first in expected) > 150  # the corpus is full of duplicates
    assert _blocked(names) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Compagnie Ti Kaz", "Cie Ti-Kaz"),
        ("Compagnie Ti Kaz", "Compagnie Tikaz"),
        ("Compagnie Ti Kaz", "Ti Kaz"),
        ("Kaz Maloya", "Maloya Kaz"),
        ("Association Patrimoine", "Asociation Patrimonie"),
        ("Jardin Partagé de Brou", "Jardin Partage Brou"),
        ("Association", "association"),
        ("Théâtre des Sentiers", "Theatre des Sentirs"),
        ("Ti Kaz", "Association Ti Kaz Club"),
    ],
)
def test_known_duplicates_are_still_found(first, second):
    expected = _brute_force([first, second])
    assert expected[1] == 0
    assert _blocked([first, second]) == expected


@pytest.fixture
def comparisons(monkeypatch) -> list[int]:
    """How many times compare_names is called (one item per call)."""
    calls: list[int] = []
    original = lookup.compare_names

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(lookup, "compare_names", counting)
    return calls


def _made_up_names(seed: int, count: int) -> list[str]:
    """Distinct two-word names from a few syllables (a crowded vocabulary, as in registers)."""
    rng = random.Random(seed)
    syllables = ["ka", "zo", "li", "mo", "ra", "te", "vu", "ni", "sa", "po", "de", "bu"]
    return sorted({" ".join("".join(rng.choices(syllables, k=4)) for _ in range(2)) for _ in range(count)})


def test_comparisons_grow_linearly(comparisons):
    """Distinct names in one commune: the pairwise loop made N(N-1)/2 comparisons."""
    names = _made_up_names(4, 2000)
    assert _blocked(names).count(None) > len(names) - 20
    assert len(comparisons) < 5 * len(names)  # the pairwise loop: about 2,000,000


# The engine at scale ---------------------------------------------------------------------------

MAPPING = '[columns]\nname = "nom"\ninsee = "insee"\n[values]\nkind = "association"\nthemes = ["culture"]\n'


def _mapping(tmp_path: Path) -> Path:
    path = tmp_path / "correspondance.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def _cli(*arguments: str):
    """The command as people run it: no traceback, never an internal error."""
    from click.testing import CliRunner

    from communs.cli import main

    result = CliRunner().invoke(main, ["import", *arguments])
    assert "Erreur interne" not in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result


def test_an_import_compares_each_row_with_few_others(tmp_path, comparisons):
    names = _made_up_names(5, 700)
    source = tmp_path / "registre.csv"
    source.write_text("nom;insee\n" + "".join(f"{name};97411\n" for name in names) + "Kazmoli Rateni;97411\nKazmoli Rateny;97411\n", encoding="utf-8")
    result = run_import("csv", source, tmp_path / "content", mapping=_mapping(tmp_path), dry_run=True, jobs=1)
    duplicates = result.of("duplicate")
    assert [(outcome.line, outcome.matches[0]["line"]) for outcome in duplicates] == [(len(names) + 3, len(names) + 2)]
    assert len(comparisons) < 5 * len(names)  # comparing every pair: about 250,000


def test_a_table_is_read_row_by_row(tmp_path):
    """A 15 MB table whose rows carry a large column the mapping ignores: memory stays far below
    the file's size (reading it whole held it three times over)."""
    import tracemalloc

    source = tmp_path / "registre.csv"
    filler = "x" * 50_000
    with source.open("w", encoding="utf-8") as stream:
        stream.write("nom;insee;notes\n")
        for number in range(300):
            stream.write(f"Kaz numéro {number};97411;{filler}\n")
    assert source.stat().st_size > 15_000_000
    small = tmp_path / "petit.csv"
    small.write_text("nom;insee;notes\nKaz;97411;x\n", encoding="utf-8")
    run_import("csv", small, tmp_path / "content", mapping=_mapping(tmp_path), dry_run=True, jobs=1)  # reference data loaded once
    tracemalloc.start()
    try:
        result = run_import("csv", source, tmp_path / "content", mapping=_mapping(tmp_path), dry_run=True, jobs=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(result.of("created")) == 300
    assert peak < 8_000_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nom;insee\nKaz;97411\n\"Zoizo;97411\nSega;97411\n", "ligne 3 : guillemet ouvert et jamais fermé"),
        ("nom;insee\nKaz;97411\nZoizo " + "x" * 140_000 + ";97411\n", "ligne 3 : une cellule dépasse 131\u202f072 caractères"),
    ],
)
def test_malformed_tables_are_refused_with_their_line(tmp_path, text, message):
    source = tmp_path / "registre.csv"
    source.write_text(text, encoding="utf-8")
    content = tmp_path / "content"
    result = _cli("csv", str(source), "--mapping", str(_mapping(tmp_path)), "--content", str(content))
    assert result.exit_code == 2
    assert f"{source}, {message}" in result.output
    assert not content.exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_tables_with_a_byte_order_mark(tmp_path, encoding):
    import codecs

    mark = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[encoding]
    source = tmp_path / "registre.csv"
    source.write_bytes(mark + "nom;insee\nÉcole de musique créole;97411\n".encode(encoding))
    result = run_import("csv", source, tmp_path / "content", mapping=_mapping(tmp_path), jobs=1)
    assert [(outcome.name, outcome.id) for outcome in result.of("created")] == [("École de musique créole", "ecole-de-musique-creole")]


def test_a_bad_utf8_row_is_reported_and_the_others_keep_their_accents(tmp_path):
    source = tmp_path / "registre.csv"
    source.write_bytes("nom;insee\nThéâtre Ti Kaz;97411\n".encode() + b"Caf\xe9 Maloya;97411\n" + "Séga Zoizo;97411\n".encode())
    result = run_import("csv", source, tmp_path / "content", mapping=_mapping(tmp_path), jobs=1)
    assert sorted(outcome.name for outcome in result.of("created")) == ["Séga Zoizo", "Théâtre Ti Kaz"]
    [skipped] = result.skipped
    assert (skipped.line, skipped.code) == (3, "bad-encoding")
    assert "octets invalides en UTF-8 (« Caf\\xe9 Maloya;97411 »)" in skipped.reason


def test_windows_1252_tables_are_still_read_as_such(tmp_path):
    source = tmp_path / "registre.csv"
    source.write_bytes("nom;insee\nThéâtre Ti Kaz;97411\nCafé Maloya;97411\n".encode("cp1252"))
    result = run_import("csv", source, tmp_path / "content", mapping=_mapping(tmp_path), jobs=1)
    assert sorted(outcome.name for outcome in result.of("created")) == ["Café Maloya", "Théâtre Ti Kaz"]


def test_a_deep_geojson_is_refused_with_its_line(tmp_path):
    source = tmp_path / "lieux.geojson"
    deep = "[" * 5000 + "]" * 5000
    source.write_text('{"type": "FeatureCollection",\n"features": [\n{"type": "Feature", "properties": {"name": "Kaz", "commune": "97411"}, "geometry": null},\n'
                      '{"type": "Feature", "properties": {"name": "Zoizo"}, "geometry": {"type": "Polygon", "coordinates": ' + deep + "}}\n]}\n", encoding="utf-8")
    content = tmp_path / "content"
    result = _cli("geojson", str(source), "--content", str(content))
    assert result.exit_code == 2
    assert f"{source}, ligne 4 : données imbriquées sur plus de 64 niveaux" in result.output
    assert not content.exists()


def test_ical_errors_are_printable_text(tmp_path):
    source = tmp_path / "agenda.ics"
    source.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\x00\x01\x1b[31m\xff\xfe garbage\r\nEND:VCALENDAR\r\n")
    content = tmp_path / "content"
    result = _cli("ical", str(source), "--content", str(content))
    assert result.exit_code == 2
    assert f"{source} n'est pas un fichier iCalendar valide, ligne 3" in result.output
    assert "\\x00\\x01\\x1b[31m" in result.output
    assert all(char.isprintable() for char in result.output.replace("\n", ""))
    assert not content.exists()


def test_files_read_whole_have_a_size_limit(tmp_path):
    source = tmp_path / "lieux.geojson"
    feature = '{"type": "Feature", "properties": {"name": "Kaz %d", "commune": "97411"}, "geometry": null}'
    source.write_text('{"type": "FeatureCollection", "features": [' + ",\n".join(feature % n for n in range(14_000)) + "]}", encoding="utf-8")
    content = tmp_path / "content"
    result = _cli("geojson", str(source), "--content", str(content), "--max-size", "1")
    assert result.exit_code == 2
    assert f"{source} pèse 1,3 Mo : au-delà de la limite de 1 Mo pour le format geojson" in result.output
    assert "--max-size" in result.output and not content.exists()
    table = tmp_path / "registre.csv"
    table.write_text("nom;insee;notes\n" + "".join(f"Kaz {n};97411;{'x' * 2000}\n" for n in range(600)), encoding="utf-8")
    assert table.stat().st_size > 1_000_000
    streamed = run_import("csv", table, content, mapping=_mapping(tmp_path), dry_run=True, jobs=1, max_size_mb=1)
    assert len(streamed.of("created")) == 600


def test_a_failed_import_writes_nothing(tmp_path):
    source = tmp_path / "registre.csv"
    source.write_text("nom;insee\n;97411\nKaz;99999\n", encoding="utf-8")
    content = tmp_path / "content"
    result = _cli("csv", str(source), "--mapping", str(_mapping(tmp_path)), "--content", str(content))
    assert result.exit_code == 1 and "Rien n'a pu être importé." in result.output
    assert not content.exists()  # no state file, no folder


def test_an_import_whose_records_do_not_validate_puts_everything_back(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from communs.records import validation

    content = tmp_path / "content"
    source = tmp_path / "registre.csv"
    source.write_text("nom;insee\nKaz Maloya;97411\nTi Zoizo;97411\n", encoding="utf-8")
    first = run_import("csv", source, content, mapping=_mapping(tmp_path), jobs=1)
    assert first.exit_status == 0
    before = {path: path.read_bytes() for path in content.rglob("*") if path.is_file()}
    source.write_text("nom;insee\nKaz Maloya;97415\nTi Zoizo;97411\nSéga Ravine;97411\n", encoding="utf-8")
    failing = SimpleNamespace(ok=False, problems=[], errors=[object()], warnings=[], checked=2)
    monkeypatch.setattr(validation, "validate", lambda *args, **kwargs: failing)
    second = run_import("csv", source, content, mapping=_mapping(tmp_path), jobs=1)
    assert second.exit_status == 1 and second.rolled_back and not second.written and not second.state_file
    assert {path: path.read_bytes() for path in content.rglob("*") if path.is_file()} == before
    assert not (content / "actors" / "97415").exists()
