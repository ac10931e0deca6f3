"""The official list of communes (COG), with centres, for checking and suggesting commune codes.

Records name their commune by INSEE code; validation needs to know that the code exists, which
postal codes belong to it and roughly where it lies, and error messages need "did you mean"
suggestions. Everything comes from the CSV files in the package's ``data/`` (built by
``scripts/refresh_communes.py``), loaded once per process.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from communs.collector import paused
from communs.records.text import fold, slugify
from communs.resources import data_dir as _default_data_dir

CURRENT = "commune-actuelle"
# Order in which entries sharing one code are listed: a current commune and its delegated
# commune of the same name and code (e.g. 01015) both exist in the COG.
TYPE_ORDER = (
    "commune-actuelle", "commune-deleguee", "commune-associee", "arrondissement-municipal",
)

EARTH_RADIUS_KM = 6371.0088
_ARTICLES = ("l", "le", "la", "les")


@dataclass(frozen=True, slots=True)
class Commune:
    """One entry of the COG: current, delegated or associated commune, or arrondissement."""

    code: str
    name: str
    type: str
    departement: str
    region: str
    parent: str | None
    postal_codes: tuple[str, ...]
    population: int | None
    lat: float | None
    lon: float | None
    centre_source: str
    nn_km: float | None

    @property
    def is_current(self) -> bool:
        """Only current communes are valid homes for records; the others explain old codes."""
        return self.type == CURRENT

    @property
    def slug(self) -> str:
        """The name as used in URLs (pages per commune)."""
        return slugify(self.name)


@dataclass(frozen=True, slots=True)
class Departement:
    """A département (or overseas collectivity), with a rough bounding box to check coordinates."""

    code: str
    name: str
    region: str
    chef_lieu: str | None
    bbox: tuple[float, float, float, float] | None  # min_lat, min_lon, max_lat, max_lon

    def contains(self, lat: float, lon: float) -> bool:
        """Whether a point falls inside the bounding box (True when there is no box to judge by)."""
        if self.bbox is None:
            return True
        min_lat, min_lon, max_lat, max_lon = self.bbox
        return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


@dataclass(frozen=True, slots=True)
class Epci:
    """An intercommunality (EPCI à fiscalité propre), named by its SIREN, with its communes."""

    code: str
    name: str
    type: str  # CC, CA, CU, METRO, MET69
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Region:
    """A region (or, for the overseas collectivities, the collectivity itself, as in the COG)."""

    code: str
    name: str


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres, for plausibility checks of coordinates."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def name_key(name: str) -> str:
    """Folded name without a leading article, so 'etang sale' finds "L'Étang-Salé"."""
    folded = fold(name)
    head, _, rest = folded.partition(" ")
    if rest and head in _ARTICLES:
        return rest
    return folded


def departement_of_code(code: str) -> str:
    """The département part of a commune code: 3 characters overseas (974xx), else 2 (2A004)."""
    return code[:3] if code.startswith(("97", "98")) else code[:2]


def _float(value: str) -> float | None:
    return float(value) if value else None


def _population_key(commune: Commune) -> tuple[int, str]:
    return (-(commune.population or 0), commune.code)


class Communes:
    """The reference of communes: lookups by code, name and postal code, and suggestions."""

    def __init__(
        self,
        communes: Iterable[Commune],
        departements: Iterable[Departement],
        regions: Iterable[Region],
        epcis: Iterable[Epci] = (),
    ) -> None:
        self._all: list[Commune] = list(communes)
        self._epcis = {e.code: e for e in epcis}
        self._current: list[Commune] = sorted(
            (c for c in self._all if c.type == CURRENT), key=lambda c: c.code
        )
        # One code may name a current commune and its delegated commune (01015): keep the
        # current one for get(), the others stay in _all.
        rank = {kind: position for position, kind in enumerate(TYPE_ORDER)}
        self._by_code: dict[str, Commune] = {}
        for commune in self._all:
            known = self._by_code.get(commune.code)
            if known is None or rank.get(commune.type, 9) < rank.get(known.type, 9):
                self._by_code[commune.code] = commune
        self._departements = {d.code: d for d in departements}
        self._regions = {r.code: r for r in regions}

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Communes:
        """Read communes.csv, departements.csv, regions.csv and epci.csv (UTF-8, as shipped in data/)."""
        directory = Path(data_dir) if data_dir is not None else _default_data_dir()
        # Tens of thousands of small objects: the cyclic collector would only slow this down.
        with paused():
            return cls._read(directory)

    @classmethod
    def _read(cls, directory: Path) -> Communes:
        with open(directory / "communes.csv", encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            next(rows)
            communes = [
                Commune(
                    code,
                    name,
                    kind,
                    departement,
                    region,
                    parent or None,
                    tuple(postal_codes.split()),
                    int(population) if population else None,
                    float(lat) if lat else None,
                    float(lon) if lon else None,
                    centre_source,
                    float(nn_km) if nn_km else None,
                )
                for (
                    code, kind, name, departement, region, parent, postal_codes,
                    population, lat, lon, centre_source, nn_km,
                ) in rows
            ]
        with open(directory / "departements.csv", encoding="utf-8", newline="") as handle:
            departements = []
            for row in csv.DictReader(handle):
                corners = [_float(row[k]) for k in ("min_lat", "min_lon", "max_lat", "max_lon")]
                bbox = tuple(corners) if None not in corners else None
                departements.append(Departement(
                    row["code"], row["name"], row["region"], row["chef_lieu"] or None, bbox
                ))
        with open(directory / "regions.csv", encoding="utf-8", newline="") as handle:
            regions = [Region(row["code"], row["name"]) for row in csv.DictReader(handle)]
        epcis = []
        if (directory / "epci.csv").is_file():
            with open(directory / "epci.csv", encoding="utf-8", newline="") as handle:
                epcis = [Epci(row["code"], row["name"], row["type"], tuple(row["members"].split())) for row in csv.DictReader(handle)]
        return cls(communes, departements, regions, epcis)

    # --- lookups -------------------------------------------------------------------------------

    def get(self, code: str) -> Commune | None:
        """The entry for a code, of any type; the current commune wins when a code is shared."""
        return self._by_code.get(code)

    def current(self) -> Iterator[Commune]:
        """Current communes only, in code order: the valid homes of records."""
        return iter(self._current)

    def __len__(self) -> int:
        """The number of current communes (34,969 in the COG 2026)."""
        return len(self._current)

    def __contains__(self, code: object) -> bool:
        """Whether a code exists in the COG, whatever its type."""
        return code in self._by_code

    def by_name(self, name: str, *, current_only: bool = True) -> list[Commune]:
        """Communes whose name equals ``name`` once folded (case, accents, 'St', leading article).

        Exact folded matches come first, then those equal only without the article; each group
        by population, largest first (the likeliest meaning of an ambiguous name).
        """
        folded = fold(name)
        if not folded:
            return []
        index = self._name_index if current_only else self._name_index_all
        matches = sorted(
            index.get(name_key(name), []),
            key=lambda c: (fold(c.name) != folded, not c.is_current, *_population_key(c)),
        )
        # A delegated commune named and coded like its current commune adds nothing.
        seen: set[tuple[str, str]] = set()
        unique = []
        for commune in matches:
            if (commune.code, commune.name) not in seen:
                seen.add((commune.code, commune.name))
                unique.append(commune)
        return unique

    def by_postal_code(self, postal_code: str, *, current_only: bool = True) -> list[Commune]:
        """Communes served by a postal code, largest first (to check an address's postal code)."""
        matches = self._postal_index.get(postal_code.strip(), [])
        if current_only:
            matches = [c for c in matches if c.type == CURRENT]
        return sorted(matches, key=_population_key)

    def search(
        self, query: str, *, limit: int = 10, departement: str | None = None
    ) -> list[Commune]:
        """Current communes for a typed name, for autocomplete and "did you mean" suggestions.

        Exact folded names first, then names starting with the query, then fuzzy matches
        (typos); within each group the best score, then the largest population, wins.
        """
        from rapidfuzz import fuzz, process

        key = name_key(query)
        if not key or limit <= 0:
            return []
        keys, communes = self._search_choices(departement)
        ranked: dict[int, tuple[int, float]] = {}
        for index, candidate in enumerate(keys):
            if candidate == key:
                ranked[index] = (0, 100.0)
            elif candidate.startswith(key):
                ranked[index] = (1, 100.0)
        if len(ranked) < limit:
            for _choice, score, index in process.extract(
                key, keys, scorer=fuzz.ratio, processor=None, limit=limit * 3, score_cutoff=60
            ):
                ranked.setdefault(index, (2, score))
        order = sorted(
            ranked.items(),
            key=lambda item: (item[1][0], -round(item[1][1]), *_population_key(communes[item[0]])),
        )
        return [communes[index] for index, _ in order[:limit]]

    def find(self, query: str, *, preferred: Collection[str] = (), limit: int = 10) -> list[Commune]:
        """The current communes a person may mean by what they typed: an INSEE code, a postal
        code, or a name (with its département in brackets, as suggestions write it: "Saint-Pierre
        (974)"); exact names before close ones, and the territory first: ``preferred`` holds
        commune codes (its communes come first) and département codes (theirs come next)."""
        text = " ".join(query.split())
        if not text:
            return []
        coded = self.get(text.upper())
        if coded is not None and coded.is_current:
            return [coded]
        if text.isdigit() and len(text) == 5:
            found = self.by_postal_code(text)
        else:
            named = _NAMED.fullmatch(text)
            name, departement = (named.group(1), named.group(2).upper()) if named else (text, None)
            found = self.by_name(name) or self.search(name, limit=limit * 3)
            if departement:
                found = [c for c in found if c.departement == departement]
        return sorted(found, key=lambda c: _closeness(c, preferred))[:limit]

    def resolve(self, query: str, *, preferred: Collection[str] = ()) -> Commune | None:
        """The one commune meant by what a person typed, or None when it is not clear (then
        :meth:`find` lists what to choose from). A code is a code; a name shared by several
        communes is clear when only one of them lies in the territory (``preferred``: commune codes,
        then départements: "Saint-Pierre" in La Réunion), else when only one is spelt exactly so
        ("Port", not "Le Port")."""
        text = " ".join(query.split())
        coded = self.get(text.upper())
        if coded is not None and coded.is_current:
            return coded
        if text.isdigit() and len(text) == 5:
            candidates = self.by_postal_code(text)
            exact = candidates
        else:
            named = _NAMED.fullmatch(text)
            name, departement = (named.group(1), named.group(2).upper()) if named else (text, None)
            candidates = [c for c in self.by_name(name) if departement is None or c.departement == departement]
            exact = [c for c in candidates if fold(c.name) == fold(name)]
        inside = [c for c in candidates if c.code in preferred]
        local = [c for c in candidates if c.departement in preferred]
        for group in (inside, local, candidates, exact):
            if len(group) == 1:
                return group[0]
        return None

    def departement(self, code: str) -> Departement | None:
        """A département by code ('974', '2A'), for its name and bounding box."""
        return self._departements.get(code)

    def region(self, code: str) -> Region | None:
        """A region by code ('04'), for its name on pages and in exports."""
        return self._regions.get(code)

    def epci(self, code: str) -> Epci | None:
        """An intercommunality by SIREN ('246300701')."""
        return self._epcis.get(code.strip())

    def epcis_named(self, name: str) -> list[Epci]:
        """Intercommunalities whose folded name equals, then contains, what was typed."""
        wanted = fold(name)
        if not wanted:
            return []
        exact = [e for e in self._epcis.values() if fold(e.name) == wanted]
        return exact or sorted((e for e in self._epcis.values() if wanted in fold(e.name)), key=lambda e: e.code)

    def epci_of(self, code: str) -> Epci | None:
        """The intercommunality a commune belongs to (one at most for EPCI à fiscalité propre)."""
        return self._epci_by_member.get(code)

    @functools.cached_property
    def _epci_by_member(self) -> dict[str, Epci]:
        return {member: epci for epci in self._epcis.values() for member in epci.members}

    def departements(self) -> list[Departement]:
        """All départements and overseas collectivities, in code order."""
        return sorted(self._departements.values(), key=lambda d: d.code)

    def nearest(self, code: str, limit: int = 3) -> list[Commune]:
        """Current communes whose code is close to a mistyped one, for "unknown commune" messages.

        A postal code given instead of the INSEE code (97400 for 97411) is the commonest
        mistake, so the communes of that postal code come first; then codes of the same
        département by edit distance (one wrong or swapped digit), then numeric closeness.
        """
        from rapidfuzz.distance import OSA

        code = code.strip().upper()
        if not code or limit <= 0:
            return []
        found = [c for c in self.by_postal_code(code) if c.code != code]
        seen = {c.code for c in found}
        prefix = departement_of_code(code)
        pool = [c for c in self._current if c.departement == prefix] or self._current
        number = _digits(code[len(prefix):])

        def closeness(commune: Commune) -> tuple[int, int, str]:
            other = _digits(commune.code[len(commune.departement):])
            gap = abs(other - number) if number is not None and other is not None else 10**6
            return (OSA.distance(code, commune.code), gap, commune.code)

        for commune in sorted(pool, key=closeness):
            if len(found) >= limit:
                break
            if commune.code not in seen and commune.code != code:
                found.append(commune)
                seen.add(commune.code)
        return found[:limit]

    # --- lazily built indexes (most runs only need get()) ---------------------------------------

    @functools.cached_property
    def _keys(self) -> dict[str, str]:
        # Folding is the slow part (about 0.1 s for all names): done once, on first use.
        return {name: name_key(name) for name in {c.name for c in self._all}}

    @functools.cached_property
    def _name_index(self) -> dict[str, list[Commune]]:
        return self._index_names(self._current)

    @functools.cached_property
    def _name_index_all(self) -> dict[str, list[Commune]]:
        return self._index_names(self._all)

    def _index_names(self, communes: Iterable[Commune]) -> dict[str, list[Commune]]:
        keys = self._keys
        index: dict[str, list[Commune]] = defaultdict(list)
        for commune in communes:
            index[keys[commune.name]].append(commune)
        return dict(index)

    @functools.cached_property
    def _postal_index(self) -> dict[str, list[Commune]]:
        index: dict[str, list[Commune]] = defaultdict(list)
        for commune in self._all:
            for postal_code in commune.postal_codes:
                index[postal_code].append(commune)
        return dict(index)

    @functools.cached_property
    def _choices(self) -> dict[str | None, tuple[list[str], list[Commune]]]:
        groups: dict[str | None, tuple[list[str], list[Commune]]] = {None: ([], [])}
        for commune in self._current:
            key = self._keys[commune.name]
            for group in (None, commune.departement):
                keys, communes = groups.setdefault(group, ([], []))
                keys.append(key)
                communes.append(commune)
        return groups

    def _search_choices(self, departement: str | None) -> tuple[list[str], list[Commune]]:
        return self._choices.get(departement, ([], []))


# "Saint-Pierre (974)": a name and its département, as the form's suggestions write them.
_NAMED = re.compile(r"(.+?)\s*\(([0-9]{2,3}|2[abAB])\)")


def _closeness(commune: Commune, preferred: Collection[str]) -> int:
    """0 for a commune of the territory, 1 for one of its départements, 2 elsewhere."""
    return 0 if commune.code in preferred else 1 if commune.departement in preferred else 2


def _digits(text: str) -> int | None:
    return int(text) if text.isdigit() else None


@functools.cache
def default_communes() -> Communes:
    """The shipped reference, loaded once per process (validation asks for it per record)."""
    return Communes.load()
