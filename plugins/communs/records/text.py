"""Text folding shared by every comparison of human-written names.

Names are hostile input too: a Cyrillic « С » or « а » looks exactly like its Latin twin, so
"Соmpagnie Ti Kаz" (three Cyrillic letters) would pass for a new name beside "Compagnie Ti Kaz"
and lose those letters in its id. The confusables of Unicode TS #39 come from ``disarm`` (a
maintained library that bundles the current Unicode data, with prebuilt wheels everywhere):
``fold`` reads the look-alikes of a text that mixes Latin with another script as the Latin letters
they imitate, and ``skeleton`` is TS #39's comparison key for « looks the same as ».
"""

from __future__ import annotations

import re
import unicodedata

import disarm

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Common abbreviations in French place and organisation names.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def is_mixed_script(text: str) -> bool:
    """Whether ``text`` mixes writing systems (Latin and Cyrillic, say), as TS #39 counts them:
    digits, punctuation and accents belong to every script; 'Théâtre' is Latin only."""
    return not text.isascii() and disarm.is_mixed_script(text)


def is_latin(letter: str) -> bool:
    """Whether a letter belongs to the Latin script ('é', 'œ' do; Cyrillic 'а' does not)."""
    return disarm.detect_scripts(letter) == [disarm.Script.LATIN]


def latin_lookalikes(text: str) -> str:
    """``text`` with the letters of another script that imitate Latin ones (TS #39 confusables)
    replaced by those Latin letters, when it mixes Latin with another script: 'Соmpagnie' with a
    Cyrillic С and о -> 'Compagnie'. Text in a single script is returned unchanged ('Москва' stays
    Cyrillic), and so are ASCII characters ('|' is not read as 'l')."""
    if not is_mixed_script(text) or disarm.Script.LATIN not in disarm.detect_scripts(text):
        return text
    return "".join(c if c.isascii() else disarm.normalize_confusables(c) for c in text)


def skeleton(text: str) -> str:
    """TS #39's key for « looks the same as », folded: two names that a reader cannot tell apart
    share it ('Соmpagnie Ti Kаz' with Cyrillic letters and 'Compagnie Ti Kaz', 'Club 2OOO' and
    'Club 2000'). A key for comparisons only, never for display."""
    return fold(disarm.skeleton_key(text, digit_policy="tr39"))


_FOLDED = {"œ": "oe", "æ": "ae", "ß": "ss"}  # letters ``fold`` writes in ASCII itself


def fold(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse spaces: 'Saint-Denis' -> 'saint denis'.

    In a text mixing Latin with another script, look-alike letters count as the Latin ones they
    imitate (see ``latin_lookalikes``)."""
    decomposed = unicodedata.normalize("NFKD", latin_lookalikes(text).casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    for letter, ascii_letters in _FOLDED.items():
        ascii_only = ascii_only.replace(letter, ascii_letters)
    words = _NON_ALNUM.sub(" ", ascii_only).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def slugify(text: str, max_length: int = 80) -> str:
    """A URL- and file-safe slug: 'Théâtre du Grand Marché' -> 'theatre-du-grand-marche'.

    No letter is dropped for being outside a-z: a word that mixes scripts is a Latin word with
    look-alikes in it and is read as such ('Соmpagnie', Cyrillic С and о -> 'compagnie'); a word in
    another script is transliterated ('Москва' -> 'moskva'), and so is a Latin letter that has no
    accent to strip ('Bjørn Łódź' -> 'bjorn-lodz', 'Đà Nẵng' -> 'da-nang'). What has no letter or
    digit in it (emoji, punctuation) gives nothing: callers choose their own fallback.

    The transliteration is disarm's (BGN/PCGN and ISO 9 romanisation, MIT licence, already a
    dependency for the confusables). Not Unidecode: under the GPL, a distribution combining it
    would have to go out under the GPL (which the EUPL's compatibility clause allows, but which
    changes the project's licence); nor text-unidecode, whose Artistic Licence is not among the
    EUPL's compatible licences."""
    slug = "-".join(fold(" ".join(_latin_word(word) for word in text.split())).split())
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip("-")


def _latin_word(word: str) -> str:
    """One word in Latin letters for a slug (see ``slugify``)."""
    if word.isascii():
        return word
    if is_mixed_script(word):
        word = latin_lookalikes(word)
    elif any(c.isalpha() and not is_latin(c) for c in word):
        return disarm.transliterate(word)
    return "".join(_ascii_letter(c) for c in word)


def _ascii_letter(c: str) -> str:
    """A letter or digit that ``fold`` would lose (ø, ł, đ, þ: no accent to strip, no ASCII base)
    transliterated; any other character as it is, for ``fold`` to read as it always has."""
    base = "".join(x for x in unicodedata.normalize("NFKD", c.casefold()) if not unicodedata.combining(x))
    if base.isascii() or base in _FOLDED or not any(x.isalnum() for x in base):
        return c
    return disarm.transliterate(c)


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
