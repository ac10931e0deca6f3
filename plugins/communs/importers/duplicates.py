"""Likely duplicates among the rows of one file, found in time that grows linearly with the file.

Two rows are duplicates when ``communs.contrib.lookup.compare_names`` says their names are the
same or close (in the same place: the engine keeps one ``Blocks`` per kind, commune and, for
events, day). Comparing every pair costs N²/2 calls (a département's register of associations
holds tens of thousands of rows in a few communes), so each name is filed under keys, and a new
name is compared only with the earlier names that share a key with it. The keys are chosen so
that no pair ``compare_names`` accepts is missed:

* *same name*: the folded name, the sorted key words, the key words joined without spaces;
* *similar name*: every pair of words ``compare_names`` accepts is within its typo budget (at
  most 2 edits, OSA distance) and at least one pair holds a distinctive (not generic) word. Two
  words within k edits become the same string once at most k letters are deleted from each
  (symmetric deletion), so each word is filed under itself and its deletion variants. Since a
  whole name allows at most 2 edits, a name with two distinctive words or more always has a
  pair within 1 edit: only names with at most one distinctive word need variants of 2
  deletions. Pairs of two generic words ("association", "club") never justify a comparison,
  so generic words are filed apart and looked up only from distinctive ones.
* every distinctive word of a name must find a partner: an earlier name is compared only when
  it shares keys with all of them, but at most one, of 6 letters or more (the only kind of word
  that may be 2 edits from its partner, and a name allows one such pair). Names that share
  frequent words ("Association sportive de ...") are thus not all compared with each other.

Candidates are compared in the order their rows came, as before: the first match is the one
reported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import combinations
from typing import Generic, TypeVar

from communs.contrib import lookup
from communs.records.text import fold

T = TypeVar("T")


def _depth(word: str, budget_cap: int) -> int:
    """How many letters may be deleted from ``word`` to meet a close word."""
    if any(char.isdigit() for char in word):
        return 0  # compare_names never pairs words holding digits with a typo
    return min(lookup._word_budget(len(word)), budget_cap)


def deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made by deleting up to ``depth`` of its letters."""
    found = {word}
    for count in range(1, min(depth, len(word)) + 1):
        for positions in combinations(range(len(word)), count):
            found.add("".join(char for index, char in enumerate(word) if index not in positions))
    return found


class Name:
    """A name as the blocks file it: its key words, folded form and keys."""

    __slots__ = ("folded", "keys", "same_keys", "words")

    def __init__(self, name: str) -> None:
        self.words = lookup.name_words(name)
        self.folded = fold(name)
        self.same_keys: tuple[str, ...] = ("=" + self.folded,)
        if self.words:
            self.same_keys += ("s" + " ".join(sorted(self.words)), "j" + "".join(self.words))
        distinct = sorted(set(self.words))
        distinctive = sum(1 for word in distinct if word not in lookup.GENERIC_WORDS)
        cap = 1 if distinctive >= 2 else 2
        # For each word: its variants, whether it is generic, whether a match must share a key
        # with it (only a word of 6 letters or more without digits may be 2 edits away from its
        # partner, and a name holds at most one such pair).
        self.keys = [
            (deletions(word, _depth(word, cap)), word in lookup.GENERIC_WORDS, _depth(word, 2) < 2)
            for word in distinct
        ]


class Blocks(Generic[T]):
    """Names of one place, each with a payload, and the earlier names a new one may resemble."""

    def __init__(self) -> None:
        self._payloads: list[tuple[Name, T]] = []
        self._same: dict[str, list[int]] = defaultdict(list)
        self._distinctive: dict[str, list[int]] = defaultdict(list)
        self._generic: dict[str, list[int]] = defaultdict(list)

    def add(self, name: Name, payload: T) -> None:
        number = len(self._payloads)
        self._payloads.append((name, payload))
        for key in name.same_keys:
            self._same[key].append(number)
        for variants, generic, _required in name.keys:
            postings = self._generic if generic else self._distinctive
            for variant in variants:
                postings[variant].append(number)

    def candidates(self, name: Name) -> Iterator[tuple[Name, T]]:
        """The earlier names that may be the same as or close to ``name``, in the order they came:
        those with the same name keys, and those sharing keys with all its distinctive words but
        at most one (a long one: see the module's rules)."""
        same: set[int] = set()
        for key in name.same_keys:
            same.update(self._same.get(key, ()))
        loose: set[int] = set()  # distinctive words of earlier names close to a generic word of this one
        per_word: list[tuple[set[int], bool]] = []  # earlier names sharing a key with each distinctive word
        for variants, generic, required in name.keys:
            found: set[int] = set()
            for variant in variants:
                found.update(self._distinctive.get(variant, ()))
                if not generic:
                    found.update(self._generic.get(variant, ()))
            if generic:
                loose |= found
            else:
                per_word.append((found, required))
        numbers = loose.union(*(found for found, _required in per_word))
        for found, required in per_word:
            if required:
                numbers &= found
        if len(per_word) >= 2:
            counts = Counter(numbers)
            for found, _required in per_word:
                counts.update(found & numbers)
            numbers = {number for number, count in counts.items() if count > len(per_word) - 1}  # itself counted once
        for number in sorted(numbers | same):
            yield self._payloads[number]

    def first_match(self, name: Name) -> T | None:
        """The payload of the first earlier name ``compare_names`` finds the same or close."""
        for other, payload in self.candidates(name):
            if lookup.compare_names(name.words, other.words, identical=name.folded == other.folded) is not None:
                return payload
        return None
