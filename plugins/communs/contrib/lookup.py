"""A Whoosh index of the current records: likely duplicates before a contribution, and `communs search`.

The static site searches with Pagefind; this index serves the dynamic side. ``Lookup.build``
indexes a ``Directory`` in one commit, in memory or on disk (``Lookup.open`` reopens the latter).

``duplicates(name, commune)``
    Records that probably are the one being submitted. Names are compared on their *key words*:
    folded (case, accents, punctuation, "St" -> "saint"), a few abbreviations expanded ("Cie" ->
    "compagnie", "Asso" -> "association"), articles and linking words dropped ("la", "de", "et").

    * **same name** ("même nom"): identical folded names (score 1), or the same key words in any
      order, or the same letters once spaces and hyphens are removed ("Cie Ti-Kaz", "Compagnie
      Tikaz" for "Compagnie Ti Kaz");
    * **similar name** ("nom proche"): the key words pair up one to one, each within a few typos
      (none in words of 1-2 letters, one in 3-5 letters, two from 6 letters; never in words
      holding digits), at most one typo in all for names under 10 letters and two otherwise;
      a word left without a partner is allowed only if it is generic ("compagnie",
      "association", "club"...), and at least one distinctive word must pair up ("Ti Kaz" is
      close to "Compagnie Ti Kaz", "Kaz" and "Compagnie Ti Zoizo" are not).

    Places: a similar name counts in the same commune or a neighbouring one, whose centre lies
    within ``neighbour_radius_km`` (15 km, or twice the distance to the nearest commune centre
    where communes are sparse, at most 40 km; neighbours may lie across a département border).
    The same name also counts anywhere else in the same département ("même nom, autre
    commune"): the same company a little further away is worth a look, a similar name there is
    not. Nothing counts in other départements.

    Same names come first, then similar names; within each, the same commune, then the closest.

``search(query)``
    Every word of the query must be found in one of the fields (name, commune name, tags, themes,
    summary, description), folded, and stemmed in French except in commune names. Typos: one in
    words of 4 to 7 letters, two from 8 letters, the first letter being right. The query is never
    parsed as Whoosh syntax: quotes, field names, operators and wildcards are mere punctuation
    or words.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import fields, formats
from whoosh.analysis import Filter, RegexTokenizer, SpaceSeparatedTokenizer
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.query import And, Or, Prefix, Query, Term
from whoosh.system import pack_uint


class _PrivateRamStorage(RamStorage):
    """Whoosh's RAM storage writes its temporary segment files to /tmp/<index>.tmp, a name that
    two processes building an index at once share (and delete under each other): use a private
    folder instead."""

    def __init__(self) -> None:
        super().__init__()
        self.scratch: list[str] = []

    def temp_storage(self, name=None):
        folder = tempfile.mkdtemp(prefix="communs-lookup-")
        self.scratch.append(folder)
        return FileStorage(folder).create()

    def clean(self) -> None:
        for folder in self.scratch:
            shutil.rmtree(folder, ignore_errors=True)
        self.scratch.clear()

from communs.i18n import _
from communs.records.communes import (
    Commune,
    Communes,
    default_communes,
    departement_of_code,
    distance_km,
)
from communs.records.content import ACTOR, EVENT
from communs.records.text import fold
from communs.site import urls

if TYPE_CHECKING:
    from communs.records.directory import Directory

KINDS = (ACTOR, EVENT)

# Bounds on what a caller can make the index do (hostile or pasted input).
MAX_QUERY_CHARS = 256
MAX_QUERY_WORDS = 10
MAX_NAME_CHARS = 300
MAX_NAME_WORDS = 16
DUPLICATE_CANDIDATES = 200

# Places.
NEIGHBOUR_KM = 15.0
NEIGHBOUR_SPREAD = 2.0  # times the distance from a commune's centre to the nearest other centre
MAX_NEIGHBOUR_KM = 40.0
_GRID_DEGREES = 1.0  # > MAX_NEIGHBOUR_KM in both directions for every French latitude

# Names.
NAME_ABBREVIATIONS = {
    "cie": "compagnie",
    "asso": "association",
    "assoc": "association",
    "coop": "cooperative",
    "fed": "federation",
    "grpt": "groupement",
}
NAME_STOPWORDS = frozenset("a au aux d de des du en et l la le les un une".split())
GENERIC_WORDS = frozenset(
    "amicale association cercle club collectif comite compagnie cooperative ensemble federation "
    "fondation groupe groupement kolektif scic scop societe syndicat troupe union".split()
)

# Search fields and their weights; typos are only allowed from this word length.
SEARCH_FIELDS = (("name", 4.0), ("commune_name", 2.0), ("tags", 2.0), ("themes", 1.5), ("summary", 1.5), ("description", 1.0))
FUZZY_MIN_LENGTH = 4
FUZZY_TWO_EDITS_LENGTH = 8
MAX_FUZZY_LENGTH = 30
FUZZY_WEIGHT = 0.3
MAX_EXPANSIONS = 20  # similar words tried for one word of a query
_FIELD_LABELS = {
    "name": "nom",
    "commune_name": "commune",
    "tags": "mots-clés",
    "themes": "thématiques",
    "summary": "résumé",
    "description": "description",
}
_QUERY_WORD = re.compile(r"\w+")


# --- Analysis -------------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """One word as communs.records.text.fold folds names ('Théâtre' -> 'theatre', 'St' -> 'saint'),
    kept in one piece ('jeune_public' -> 'jeunepublic')."""
    return fold(word).replace(" ", "")


# Snowball's French list, which lacks "les".
_STOPWORDS = frozenset(fold_word(word) for word in stopwords_for_language("fr")) | {"les"}
_stem = stemmer_for_language("fr")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=500_000)
def plain_term(word: str) -> str:
    """The indexed form of one word of a commune name: folded; '' for stop words and single letters."""
    folded = fold_word(word)
    return "" if len(folded) < 2 or folded in _STOPWORDS else folded


@lru_cache(maxsize=500_000)
def text_term(word: str) -> str:
    """The indexed form of one word of a text: folded and stemmed (French); '' for stop words."""
    folded = plain_term(word)
    return _stem(folded) if folded else ""


def text_terms(text: str) -> dict[str, int]:
    """The indexed words of a text and their counts, as the text analyzer gives them (but faster)."""
    counts: dict[str, int] = defaultdict(int)
    for word, count in Counter(_WORD.findall(text)).items():
        term = text_term(word)
        if term:
            counts[term] += count
    return counts


class TermFilter(Filter):
    """Whoosh filter applying ``plain_term`` or ``text_term`` (after a \\w+ tokenizer)."""

    def __init__(self, stem: bool) -> None:
        self.stem = stem

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        convert = text_term if self.stem else plain_term
        for token in tokens:
            token.text = convert(token.text)
            if token.text:
                yield token


def _analyzer(*, stem: bool):
    return RegexTokenizer(r"\w+") | TermFilter(stem)


class PreparedText(fields.TEXT):
    """A TEXT field without positions that also takes words already counted (see ``text_terms``).

    Big texts are analysed in bulk with cached per-word functions: Whoosh's token-by-token
    analyzers would take most of the build time. Queries go through the same functions.
    """

    def __init__(self) -> None:
        super().__init__(analyzer=_analyzer(stem=True), phrase=False)
        assert isinstance(self.format, formats.Frequency)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if isinstance(value, dict):
            boost = self.format.field_boost
            return ((term.encode("utf-8"), count, count * boost, pack_uint(count)) for term, count in value.items())
        return super().index(value, **kwargs)


def _schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        kind=fields.ID(stored=True),
        commune=fields.ID(stored=True),
        departement=fields.ID(),
        # Search: folded and stemmed words of the name.
        name=fields.TEXT(analyzer=_analyzer(stem=True), stored=True, phrase=False),
        # Duplicates: the key words of the name (see name_words), and them glued together
        # (the same name with other spaces or hyphens).
        name_words=fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
        name_key=fields.ID(),
        commune_name=fields.TEXT(analyzer=_analyzer(stem=False), stored=True, phrase=False),
        summary=PreparedText(),
        description=PreparedText(),
        tags=PreparedText(),
        themes=PreparedText(),
    )


def name_words(name: str) -> list[str]:
    """The key words of a name: folded, abbreviations expanded, articles dropped.

    'Cie Ti-Kaz' -> ['compagnie', 'ti', 'kaz']; 'La Kaz Numérik' -> ['kaz', 'numerik'].
    A name made only of such small words keeps them.
    """
    words = fold(name[:MAX_NAME_CHARS]).split()[:MAX_NAME_WORDS]
    words = [NAME_ABBREVIATIONS.get(word, word) for word in words]
    kept = [word for word in words if word not in NAME_STOPWORDS]
    return kept or words


def _word_budget(length: int) -> int:
    """Typos allowed in one word of this length."""
    return 0 if length <= 2 else 1 if length <= 5 else 2


def _name_budget(words: list[str]) -> int:
    """Typos allowed over a whole name."""
    return 1 if len("".join(words)) < 10 else 2


SAME = "same"
SIMILAR = "similar"


@dataclass(frozen=True)
class NameLikeness:
    level: str  # SAME or SIMILAR
    score: float


def compare_names(wanted: list[str], other: list[str], *, identical: bool = False) -> NameLikeness | None:
    """How alike two names are, given their key words (see the module's rules); None if not."""
    if identical:
        return NameLikeness(SAME, 1.0)
    if not wanted or not other:
        return None
    if sorted(wanted) == sorted(other) or "".join(wanted) == "".join(other):
        return NameLikeness(SAME, 0.97)
    left = list(wanted)
    right = list(other)
    matched_distinctive = False
    # Exact pairs first, then the closest pairs, longest words first.
    for word in list(left):
        if word in right:
            left.remove(word)
            right.remove(word)
            matched_distinctive = matched_distinctive or word not in GENERIC_WORDS
    edits = 0
    for word in sorted(left, key=len, reverse=True):
        best: tuple[int, int] | None = None
        for position, candidate in enumerate(right):
            if any(c.isdigit() for c in word + candidate):
                continue
            budget = _word_budget(min(len(word), len(candidate)))
            if budget == 0:
                continue
            distance = OSA.distance(word, candidate, score_cutoff=budget)
            if distance <= budget and (best is None or distance < best[0]):
                best = (distance, position)
        if best is not None:
            edits += best[0]
            matched_distinctive = matched_distinctive or word not in GENERIC_WORDS or right[best[1]] not in GENERIC_WORDS
            left.remove(word)
            right.pop(best[1])
    unpaired = left + right
    if not matched_distinctive or any(word not in GENERIC_WORDS for word in unpaired):
        return None
    if edits > min(_name_budget(wanted), _name_budget(other)):
        return None
    return NameLikeness(SIMILAR, max(0.5, 0.9 - 0.1 * edits - 0.05 * len(unpaired)))


# --- Places ---------------------------------------------------------------------------------------


def neighbour_radius_km(place: Commune) -> float:
    """How far a commune's neighbours reach: 15 km, more where communes are sparse, at most 40."""
    spread = NEIGHBOUR_SPREAD * place.nn_km if place.nn_km else 0.0
    return min(MAX_NEIGHBOUR_KM, max(NEIGHBOUR_KM, spread))


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / _GRID_DEGREES), math.floor(lon / _GRID_DEGREES)


def _departement(code: str, communes: Communes) -> str:
    place = communes.get(code)
    if place is not None:
        return place.departement
    return departement_of_code(code) if len(code) == 5 else ""


# --- Results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A record found: by ``duplicates`` (score from 0 to 1) or by ``search`` (Whoosh's BM25F)."""

    id: str
    kind: str
    name: str
    commune: str  # INSEE code
    commune_name: str
    url: str  # site-relative
    score: float
    reason: str  # French, for people


def _kilometres(km: float) -> str:
    return str(max(1, round(km)))


def _duplicate_reason(level: str, place: str, km: float | None) -> str:
    same = level == SAME
    if place == "same":
        return _("même nom, même commune") if same else _("nom proche, même commune")
    if place == "near":
        template = _("même nom, commune voisine ({km} km)") if same else _("nom proche, commune voisine ({km} km)")
        return template.format(km=_kilometres(km or 0.0))
    if km is None:
        return _("même nom, autre commune")
    return _("même nom, autre commune ({km} km)").format(km=_kilometres(km))


def _found_in(fieldnames: Iterable[str]) -> str:
    labels = [_(_FIELD_LABELS[name]) for name, _weight in SEARCH_FIELDS if name in set(fieldnames)]
    return _("trouvé dans : {fields}").format(fields=", ".join(labels)) if labels else ""


# --- Documents ------------------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _labels(directory: "Directory", vocabulary: str, values: list[str]) -> list[str]:
    found = []
    for value in values:
        found.append(value)
        try:
            label = directory.label(vocabulary, value)
        except Exception:  # noqa: BLE001 - invalid records may hold anything
            label = value
        if label != value:
            found.append(label)
    return found


def _document(record: Any, directory: "Directory", communes: Communes) -> dict[str, Any]:
    data = record.data
    words = name_words(record.name)
    place = communes.get(record.folder)
    tags = _strings(data.get("tags"))
    venue = data.get("venue")
    if isinstance(venue, dict):
        tags += _strings(venue.get("name"))
    themes = _labels(directory, "themes", _strings(data.get("themes")))
    themes += _labels(directory, "disciplines", _strings(data.get("disciplines")))
    themes += _labels(directory, "kind" if record.kind == ACTOR else "type", _strings(data.get("kind" if record.kind == ACTOR else "type")))
    return {
        "id": record.id,
        "kind": record.kind,
        "commune": record.folder,
        "departement": _departement(record.folder, communes),
        "name": record.name,
        "name_words": " ".join(words),
        "name_key": "".join(words),
        "commune_name": place.name if place is not None else "",
        "summary": text_terms(" ".join(_strings(data.get("summary")))),
        "description": text_terms(" ".join(_strings(data.get("description")))),
        "tags": text_terms(" ".join(tags)),
        "themes": text_terms(" ".join(themes)),
    }


# --- Fuzzy words ---------------------------------------------------------------------------------


class Vocabulary:
    """The words of some fields, to expand a word into the indexed words a few typos away.

    Whoosh's FuzzyTerm builds a Levenshtein automaton in pure Python each time a query is run
    (several milliseconds a word and field); comparing against the lexicon with rapidfuzz costs
    well under a millisecond, and the expanded words become plain Term queries.
    """

    def __init__(self, words: Iterable[str], *, same_initial: bool) -> None:
        self.words = sorted(set(words))
        self.same_initial = same_initial
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in self.words:
            self._by_initial[word[:1]].append(word)
        self._cache: dict[tuple[str, int], list[str]] = {}

    def near(self, word: str, maxdist: int) -> list[str]:
        """Indexed words within ``maxdist`` edits of ``word`` (itself excluded), closest first."""
        key = (word, maxdist)
        found = self._cache.get(key)
        if found is None:
            pool = self._by_initial.get(word[:1], []) if self.same_initial else self.words
            found = [
                other
                for other, _distance, _position in process.extract(word, pool, scorer=OSA.distance, score_cutoff=maxdist, limit=MAX_EXPANSIONS + 1)
                if other != word
            ][:MAX_EXPANSIONS]
            if len(self._cache) < 100_000:
                self._cache[key] = found
        return found


def _lexicon(reader: Any, fieldname: str) -> list[str]:
    return [term.decode("utf-8") if isinstance(term, bytes) else term for term in reader.lexicon(fieldname)]


# --- The index ------------------------------------------------------------------------------------


class Lookup:
    """Duplicate detection and full-text search over one state of the directory.

    Read-only once built; safe to share between threads (searches take turns on one searcher).
    """

    def __init__(self, index: Any, communes: Communes, record_communes: Iterable[str]) -> None:
        self._index = index
        self._communes = communes
        self._searcher = index.searcher()
        self._lock = threading.Lock()
        self._centres: dict[str, tuple[float, float]] = {}
        self._grid: dict[tuple[int, int], list[str]] = defaultdict(list)
        for code in sorted(set(record_communes)):
            place = communes.get(code)
            if place is not None and place.lat is not None and place.lon is not None:
                self._centres[code] = (place.lat, place.lon)
                self._grid[_cell(place.lat, place.lon)].append(code)
        self._nearby_cache: dict[str, dict[str, float]] = {}
        self._docsets: dict[tuple[str, str], set[int]] = {}
        self._places_cache: dict[tuple[str, str], tuple[set[int], set[int]]] = {}
        reader = self._searcher.reader()
        self._field_words = {fieldname: frozenset(_lexicon(reader, fieldname)) for fieldname, _weight in SEARCH_FIELDS}
        self._search_words = Vocabulary(set().union(*self._field_words.values()), same_initial=True)
        self._name_words = Vocabulary(_lexicon(reader, "name_words"), same_initial=False)

    @classmethod
    def build(cls, directory: "Directory", index_dir: Path | None = None) -> "Lookup":
        """Index every record of ``directory``: in memory, or in ``index_dir`` (replacing its index)."""
        communes = directory.communes
        if index_dir is None:
            storage = _PrivateRamStorage()
        else:
            index_dir.mkdir(parents=True, exist_ok=True)
            storage = FileStorage(str(index_dir))
        index = storage.create_index(_schema())
        writer = index.writer(procs=1, limitmb=256)
        folders = set()
        try:
            for records in (directory.actors, directory.events):
                for record in records.values():
                    folders.add(record.folder)
                    writer.add_document(**_document(record, directory, communes))
        except BaseException:
            writer.cancel()
            if isinstance(storage, _PrivateRamStorage):
                storage.clean()
            raise
        writer.commit()
        if isinstance(storage, _PrivateRamStorage):
            storage.clean()
        return cls(index, communes, folders)

    @classmethod
    def open(cls, index_dir: Path, communes: Communes | None = None) -> "Lookup":
        """An index built earlier in ``index_dir``."""
        index = FileStorage(str(index_dir)).open_index()
        with index.reader() as reader:
            folders = _lexicon(reader, "commune")
        return cls(index, communes or default_communes(), folders)

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> "Lookup":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self._searcher.doc_count()

    # Places -----------------------------------------------------------------------------------

    def nearby(self, code: str) -> dict[str, float]:
        """Communes holding records around ``code`` (itself included): code -> km between centres."""
        found = self._nearby_cache.get(code)
        if found is not None:
            return found
        found = {code: 0.0}
        place = self._communes.get(code)
        if place is not None and place.lat is not None and place.lon is not None:
            radius = neighbour_radius_km(place)
            row, column = _cell(place.lat, place.lon)
            for cell in ((row + i, column + j) for i in (-1, 0, 1) for j in (-1, 0, 1)):
                for other in self._grid.get(cell, ()):
                    if other != code:
                        km = distance_km(place.lat, place.lon, *self._centres[other])
                        if km <= radius:
                            found[other] = km
        if len(self._nearby_cache) < 50_000:
            self._nearby_cache[code] = found
        return found

    def _docs(self, fieldname: str, value: str) -> set[int]:
        """Document numbers holding ``value`` in an ID field (kind, commune, departement).

        Cached, and shared: callers combine them into new sets, never change them.
        """
        key = (fieldname, value)
        found = self._docsets.get(key)
        if found is None:
            reader = self._searcher.reader()
            found = set(reader.postings(fieldname, value).all_ids()) if value and key in reader else set()
            if len(self._docsets) < 100_000:
                self._docsets[key] = found
        return found

    def _union(self, fieldname: str, values: Iterable[str]) -> set[int]:
        found: set[int] = set()
        for value in values:
            found |= self._docs(fieldname, value)
        return found

    def _km(self, code: str, other: str) -> float | None:
        place = self._communes.get(code)
        if place is None or place.lat is None or place.lon is None or other not in self._centres:
            return None
        return distance_km(place.lat, place.lon, *self._centres[other])

    # Duplicates -------------------------------------------------------------------------------

    def _places(self, commune: str, kind: str) -> tuple[set[int], set[int]]:
        """Records of ``kind`` where a similar name counts (the commune and its neighbours), and
        where the same name does (those and the rest of the département)."""
        key = (commune, kind)
        found = self._places_cache.get(key)
        if found is None:
            of_kind = self._docs("kind", kind)
            near = of_kind & self._union("commune", self.nearby(commune))
            wide = near | (of_kind & self._docs("departement", _departement(commune, self._communes)))
            found = (near, wide)
            if len(self._places_cache) >= 1024:
                self._places_cache.clear()
            self._places_cache[key] = found
        return found

    def _similar_names_query(self, distinctive: list[str]) -> Query | None:
        """Names a few typos away, looked up by the rarest distinctive word of the name.

        A similar name must pair up every distinctive word (see ``compare_names``), so the
        records holding the rarest one (or a word a few typos from it) include them all.
        """
        reader = self._searcher.reader()
        best: tuple[int, str, list[str]] | None = None
        for word in sorted(set(distinctive)):
            forms = [word]
            budget = _word_budget(len(word))
            if budget and not any(c.isdigit() for c in word):
                forms += [other for other in self._name_words.near(word, budget) if not any(c.isdigit() for c in other)]
            forms = [form for form in forms if ("name_words", form) in reader]
            frequency = sum(reader.doc_frequency("name_words", form) for form in forms)
            if best is None or frequency < best[0]:
                best = (frequency, word, forms)
        if best is None or not best[2]:
            return None
        return Or([Term("name_words", form) for form in best[2]])

    def duplicates(self, name: str, commune: str, *, kind: str = ACTOR, limit: int = 5, exclude: str | None = None) -> list[Match]:
        """Records that are probably the one named ``name`` in ``commune`` (best first).

        ``exclude`` is the id of the record being edited, which is not its own duplicate.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown record kind: {kind!r}")
        if not isinstance(name, str) or not isinstance(commune, str) or limit <= 0:
            return []
        words = name_words(name)
        if not words:
            return []
        folded = fold(name[:MAX_NAME_CHARS])
        nearby = self.nearby(commune)
        same_name = Or([Term("name_key", "".join(words)), And([Term("name_words", word) for word in sorted(set(words))])])
        candidates: dict[str, dict[str, Any]] = {}
        with self._lock:
            near_docs, wide_docs = self._places(commune, kind)
            queries = [(same_name, wide_docs)]
            similar = self._similar_names_query([word for word in words if word not in GENERIC_WORDS])
            if similar is not None:
                queries.append((similar, near_docs))
            for query, allowed in queries:
                if allowed:
                    for hit in self._searcher.search(query, limit=DUPLICATE_CANDIDATES, filter=allowed):
                        candidates.setdefault(hit["id"], hit.fields())
        ranked: list[tuple[int, float, str, Match]] = []
        for record_id, stored in candidates.items():
            if record_id == exclude:
                continue
            other = name_words(stored.get("name", ""))
            likeness = compare_names(words, other, identical=fold(stored.get("name", "")) == folded)
            if likeness is None:
                continue
            code = stored.get("commune", "")
            if code == commune:
                where, km, place_score = "same", 0.0, 1.0
            elif code in nearby:
                km = nearby[code]
                where = "near"
                radius = neighbour_radius_km(self._communes.get(commune))  # type: ignore[arg-type] - has a centre
                place_score = 0.95 - 0.15 * min(1.0, km / radius)
            elif likeness.level == SAME:
                where, km, place_score = "far", self._km(commune, code), 0.7
            else:
                continue
            score = round(likeness.score * place_score, 3)
            match = Match(
                id=record_id,
                kind=stored.get("kind", kind),
                name=stored.get("name", ""),
                commune=code,
                commune_name=stored.get("commune_name", ""),
                url=urls.record(stored.get("kind", kind), record_id),
                score=score,
                reason=_duplicate_reason(likeness.level, where, km),
            )
            ranked.append((0 if likeness.level == SAME else 1, -score, record_id, match))
        ranked.sort(key=lambda item: item[:3])
        return [item[3] for item in ranked[:limit]]

    # Search -----------------------------------------------------------------------------------

    def search_query(self, text: str, *, complete: bool = False) -> Query | None:
        """The Whoosh query for a person's text: every word somewhere, typos allowed; with
        ``complete``, the last word may be the start of a word still being typed (suggestions).

        None when nothing can match: no searchable word (only punctuation or small words such as
        "de"), or a word found in no field even with typos.
        """
        words = _QUERY_WORD.findall(text[:MAX_QUERY_CHARS]) if isinstance(text, str) else []
        schema = self._index.schema
        clauses: dict[str, Query] = {}
        for position, word in enumerate(words[: MAX_QUERY_WORDS * 2]):
            if len(clauses) >= MAX_QUERY_WORDS:
                break
            typing = complete and position == len(words) - 1
            alternatives: list[Query] = []
            searchable = False
            plain = plain_term(word)
            for fieldname, weight in SEARCH_FIELDS:
                indexed = self._field_words[fieldname]
                for token in sorted(set(schema[fieldname].process_text(word, mode="query"))):
                    searchable = True
                    if token in indexed:
                        alternatives.append(Term(fieldname, token, boost=weight))
                    if typing and len(token) >= 2:
                        alternatives.append(Prefix(fieldname, token, boost=weight))
                    # Typos are looked for from the stem and from the whole word ("lantouras"
                    # stems to "lantour", two letters from "lantouraz").
                    near: set[str] = set()
                    for form in {token, plain}:
                        if FUZZY_MIN_LENGTH <= len(form) <= MAX_FUZZY_LENGTH and not any(c.isdigit() for c in form):
                            near.update(self._search_words.near(form, 2 if len(form) >= FUZZY_TWO_EDITS_LENGTH else 1))
                    near.discard(token)
                    alternatives += [Term(fieldname, other, boost=weight * FUZZY_WEIGHT) for other in sorted(near) if other in indexed]
            if not searchable:
                continue  # a stop word, on every field
            if not alternatives:
                return None
            clause = Or(alternatives)
            clauses.setdefault(repr(clause), clause)
        if not clauses:
            return None
        found = list(clauses.values())
        return found[0] if len(found) == 1 else And(found)

    def search(self, query: str, *, limit: int = 20, commune: str | None = None, kind: str | None = None, complete: bool = False) -> list[Match]:
        """Records matching a free-text query, best first (``complete``: see ``search_query``)."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown record kind: {kind!r}")
        parsed = self.search_query(query, complete=complete)
        if parsed is None or limit <= 0:
            return []
        found = []
        with self._lock:
            restrict: set[int] | None = None
            if kind is not None:
                restrict = self._docs("kind", kind)
            if commune is not None:
                in_commune = self._docs("commune", commune) if isinstance(commune, str) else set()
                restrict = in_commune if restrict is None else restrict & in_commune
            if restrict is not None and not restrict:
                return []
            for hit in self._searcher.search(parsed, limit=limit, filter=restrict, terms=True):
                stored = hit.fields()
                matched = {fieldname for fieldname, _text in hit.matched_terms()}
                found.append(
                    Match(
                        id=stored["id"],
                        kind=stored["kind"],
                        name=stored.get("name", ""),
                        commune=stored.get("commune", ""),
                        commune_name=stored.get("commune_name", ""),
                        url=urls.record(stored["kind"], stored["id"]),
                        score=round(hit.score, 3),
                        reason=_found_in(matched),
                    )
                )
        return found
