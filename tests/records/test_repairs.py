"""What a person typed, put into the schema's shape when there is no doubt, and said."""

from __future__ import annotations

import pytest

from communs.records.communes import default_communes
from communs.records.repairs import repair

REUNION = frozenset({"974"})


def repaired(record: dict, kind: str = "actor", preferred=REUNION):
    return repair(kind, record, default_communes(), preferred=preferred)


@pytest.mark.parametrize(
    ("record", "field", "after"),
    [
        ({"contact": {"website": "lekol-maloya.re"}}, "contact.website", "https://lekol-maloya.re"),
        ({"contact": {"website": "Https://www.exemple.fr"}}, "contact.website", "https://www.exemple.fr"),
        ({"social": {"facebook": "www.facebook.com/lekol"}}, "social.facebook", "https://www.facebook.com/lekol"),
        ({"tags": ["jeune public", "Maloya", "maloya"]}, "tags", "jeune-public, maloya"),
        ({"commune": "97411", "contact": {"phone": "0262 12 34 56"}}, "contact.phone", "+262 262 12 34 56"),
        ({"address": {"postal_code": "97 400"}}, "address.postal_code", "97400"),
        ({"contact": {"email": " bonjour@exemple.fr "}}, "contact.email", "bonjour@exemple.fr"),
        ({"commune": "Saint-Pierre"}, "commune", "Saint-Pierre (97416)"),
    ],
)
def test_repairs(record, field, after):
    result = repaired(record)
    assert [(r.field, r.after) for r in result.repairs] == [(field, after)]
    assert result.repairs[0].label and result.repairs[0].label != field.split(".")[-1]


def test_the_record_itself_is_not_changed_and_the_copy_holds_the_repairs():
    record = {"contact": {"website": "lekol-maloya.re"}}
    result = repaired(record)
    assert record == {"contact": {"website": "lekol-maloya.re"}}
    assert result.record["contact"]["website"] == "https://lekol-maloya.re"


@pytest.mark.parametrize(
    "record",
    [
        {"contact": {"website": "https://lekol-maloya.re/"}, "tags": ["jeune-public"], "commune": "97411"},
        {"contact": {"website": "pas de site"}},  # nothing to make of it: the validator explains
        {"contact": {"phone": "douze"}},
        {"contact": {"website": "javascript:alert(1)"}},
    ],
)
def test_what_is_right_or_beyond_repair_is_left_alone(record):
    result = repaired(record)
    assert result.repairs == () and result.record == record


def test_a_commune_name_shared_elsewhere_needs_a_choice_outside_its_territory():
    result = repaired({"commune": "Saint-Pierre"}, preferred=frozenset())
    assert result.record["commune"] == "Saint-Pierre" and result.repairs == ()
    assert ("97416", "Saint-Pierre (974)") in result.commune_choices and len(result.commune_choices) > 1
