"""Digests of what outputs are made from (communs.fingerprints): the keys of every cache."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from communs.fingerprints import digest


@dataclass(frozen=True)
class Change:
    file: str
    when: datetime


def test_equal_values_give_equal_digests_and_any_difference_another():
    when = datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)
    values = [
        ("a", "b"), ("ab",), ("a", "b", ""), ("b", "a"),  # told apart by position
        (1,), ("1",), (1.5,), (True,), (None,), ("None",),  # and by type
        ([("x", True, None)],), ([("x", False, None)],), ({"k": 1},), ({"k": 2},),
        (Change("f.yml", when),), (Change("g.yml", when),), (date(2026, 12, 3),), (date(2026, 12, 4),),
        ({("a", "b"): 1},), ({("a", "c"): 1},), ({1: 2},), ({"1": 2},),  # keys that are not texts
        (2**70,), (2**70 + 1,), ("\ud800",), ("\udfff",),  # what JSON cannot hold
        (Path("a/b"),), ({"only"},),
    ]
    digests = [digest(*parts) for parts in values]
    assert len(set(digests)) == len(values)
    assert digests == [digest(*parts) for parts in values]
    assert digest(Change("f.yml", when)) == digest(Change("f.yml", datetime(2026, 12, 3, 18, 0, tzinfo=timezone.utc)))


@pytest.mark.parametrize("value", [[1, [2, (3, {"k": [date(2026, 1, 1)]})]], {"nested": {"deep": ("t", 1.25)}}])
def test_nested_plain_data_is_digested_whole(value):
    assert digest(value) != digest(str(value))
    assert len(digest(value)) == 32
