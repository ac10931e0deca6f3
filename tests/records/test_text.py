"""Text folding and spelling variants of names."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from communs.records.text import (
    fold,
    is_mixed_script,
    latin_lookalikes,
    loose_spellings,
    skeleton,
    slugify,
    spelling_variants,
)
from communs.resources import data_dir


@pytest.mark.parametrize(
    ("name", "variants"),
    [
        ("Saint-Paul", ["Saint Paul", "St Paul", "St-Paul"]),
        ("Sainte-Marie", ["Sainte Marie", "Ste Marie", "Ste-Marie"]),
        ("Cilaos", []),
    ],
)
def test_spelling_variants_of_a_place(name, variants):
    assert spelling_variants(name) == variants
    assert all(fold(variant) == fold(name) for variant in variants)  # the same name for every comparison


@pytest.mark.parametrize(
    ("text", "loose"),
    [("Compagnie de théâtre", ["teatre"]), ("Ballet et philharmonie", ["balet", "pilharmonie"]), ("Maloya", []), ("Chanson", [])],
)
def test_loose_spellings_for_search(text, loose):
    assert loose_spellings(text) == loose


# --- Look-alike letters (Unicode TS #39 confusables) ---------------------------------------------

# "Compagnie Ti Kaz" with a Cyrillic С (U+0421), о (U+043E) and а (U+0430).
SPOOF = "\u0421\u043empagnie Ti K\u0430z"


def test_a_name_with_cyrillic_lookalikes_folds_as_the_latin_name():
    assert fold(SPOOF) == fold("Compagnie Ti Kaz") == "compagnie ti kaz"
    assert skeleton(SPOOF) == skeleton("Compagnie Ti Kaz")


def test_lookalikes_are_read_only_where_scripts_mix():
    assert latin_lookalikes("Москва") == "Москва"  # one script: left alone
    assert latin_lookalikes("Théâtre Œuvre") == "Théâtre Œuvre"
    assert latin_lookalikes("Kaz|Ti " + "\u0430") == "Kaz|Ti a"  # ASCII is never rewritten
    assert is_mixed_script(SPOOF) and not is_mixed_script("Sœur Thérèse 2000") and not is_mixed_script("Ελλάδα")


def test_skeleton_merges_what_a_reader_cannot_tell_apart():
    assert skeleton("Club 2OOO") == skeleton("Club 2000")
    assert skeleton("Compagnie Ti Kaz") != skeleton("Compagnie Ti Kat")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        (SPOOF, "compagnie-ti-kaz"),  # was "mpagnie-ti-k-z"
        ("\u0421\u043empagnie \u0422\u0456 Kaz", "compagnie-ti-kaz"),  # "Ті" wholly Cyrillic, transliterated
        ("Café Москва", "cafe-moskva"),  # a real Cyrillic word is transliterated, not read as "Mockba"
        ("Москва", "moskva"),  # was "": no letter is dropped
        ("Ελλάδα", "ellada"),
        ("Théâtre du Grand Marché", "theatre-du-grand-marche"),
    ],
)
def test_slugs_keep_every_letter(name, slug):
    assert slugify(name) == slug


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Bjørn Łódź", "bjorn-lodz"),  # was "bj-rn-odz": ø and ł have no accent to strip
        ("Đà Nẵng", "da-nang"),  # was "a-nang"
        ("Ελληνικό Θέατρο", "elliniko-theatro"),  # Greek, romanised
        ("Ørsted", "orsted"),
        ("Kafé Kafeд", "kafe-kafed"),  # a letter of another script with no Latin look-alike
    ],
)
def test_latin_letters_without_an_ascii_base_are_transliterated(name, slug):
    assert slugify(name) == slug


def test_a_name_without_letters_gives_no_slug():
    """Callers choose their fallback (the importer's is tested with the importer)."""
    assert slugify("🎭 🎶 !!!") == ""
    assert slugify("Ø") == "o"


def _french_slug(name: str) -> str:
    """The slug of a name whose letters all fold to ASCII: its folded words, joined."""
    return "-".join(fold(name).split())


def _demo_names() -> list[str]:
    names = []
    for path in sorted((ROOT / "content").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            names += [data[key] for key in ("name", "title") if isinstance(data.get(key), str)]
    return names


def test_french_names_keep_their_slugs():
    """Transliteration only adds letters that were lost: the demo's names and every commune's
    (their URLs) keep the slug that folding gives them."""
    with (data_dir() / "communes.csv").open(encoding="utf-8") as rows:
        communes = [row["name"] for row in csv.DictReader(rows)]
    names = _demo_names() + communes
    assert len(names) > 37000
    changed = [(name, slugify(name, 200)) for name in names if slugify(name, 200) != _french_slug(name)]
    assert changed == []
