"""Text folding and spelling variants of names."""

from __future__ import annotations

import pytest

from communs.records.text import fold, loose_spellings, spelling_variants


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
