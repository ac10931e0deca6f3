"""Text folding shared by every comparison of human-written names."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Common abbreviations in French place and organisation names.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def fold(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse spaces: 'Saint-Denis' -> 'saint denis'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    words = _NON_ALNUM.sub(" ", ascii_only).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def slugify(text: str, max_length: int = 80) -> str:
    """A URL- and file-safe slug: 'Théâtre du Grand Marché' -> 'theatre-du-grand-marche'."""
    slug = "-".join(fold(text).split())
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip("-")


_SHORT = {value: key for key, value in _ABBREVIATIONS.items()}


def spelling_variants(name: str) -> list[str]:
    """How people type a place's name besides its official spelling, for search: 'Saint-Paul'
    -> 'Saint Paul', 'St Paul', 'St-Paul' (the abbreviations of _ABBREVIATIONS, hyphens as spaces)."""
    words = re.split(r"[\s-]+", name.strip())
    short = [_SHORT.get(word.casefold(), word).capitalize() if word.casefold() in _SHORT else word for word in words]
    variants = [" ".join(words), " ".join(short), "-".join(short)]
    return [v for v in dict.fromkeys(variants) if v != name]


_SILENT_H = re.compile(r"(?<=[tpgr])h")
_DOUBLED = re.compile(r"([a-z])\1+")


def loose_spellings(text: str) -> list[str]:
    """Words of ``text`` as people misspell them when they type fast: without the silent h of
    'th', 'ph', 'rh', 'gh' and with doubled letters single ('théâtre' -> 'teatre', 'ballet' ->
    'balet'). The search index (Pagefind) has no typo tolerance; these forms, indexed beside the
    real words, let « teatre » find a theatre. Hand-written: the phonetic libraries on PyPI are
    English (Soundex, Metaphone) or far heavier than these two rules; only forms that differ from
    the folded word are returned."""
    found = []
    for word in fold(text).split():
        loose = _DOUBLED.sub(r"\1", _SILENT_H.sub("", word))
        if loose != word and len(loose) > 2:
            found.append(loose)
    return list(dict.fromkeys(found))
