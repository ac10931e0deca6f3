"""The territory a directory covers: the communes whose records it publishes.

An instance names it once, in its settings (``COMMUNS["perimeter"]``), in one of three forms:

- ``epci:246300701``: an intercommunality, by SIREN (its member communes);
- ``departements:63`` or ``departements:63,03``: one or more départements;
- ``communes:63113,63014``: a list of communes, by INSEE code.

Validation refuses a record outside it (or only warns when the instance welcomes its
neighbours), maps open on its extent, the home page lists its communes and the form suggests
them first. An empty perimeter covers every commune and checks nothing (a national directory).
"""

from __future__ import annotations

from dataclasses import dataclass

from communs.i18n import _
from communs.records.communes import Commune, Communes, default_communes, departement_of_code
from communs.records.text import fold
from communs.settings import SiteSettings

FORMS = ("epci", "departements", "communes")


class TerritoryError(ValueError):
    """The perimeter names no known intercommunality, département or commune."""


@dataclass(frozen=True)
class Territory:
    perimeter: str
    name: str  # "Clermont Auvergne Métropole", "Puy-de-Dôme (63)"
    codes: frozenset[str]  # the current communes it covers
    neighbours: bool = False  # records of other communes are only warned about

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def communes(self, communes: Communes) -> list[Commune]:
        """Its communes, in alphabetical order (as a person looks for a name)."""
        found = [c for c in map(communes.get, self.codes) if c is not None]
        return sorted(found, key=lambda c: (fold(c.name), c.code))

    def departements(self) -> frozenset[str]:
        return frozenset(departement_of_code(code) for code in self.codes)

    def preferred(self) -> frozenset[str]:
        """What commune suggestions put first: its communes, then their départements."""
        return self.codes | self.departements()

    def extent(self, communes: Communes) -> tuple[float, float, float, float] | None:
        """The box of its communes' centres (min_lat, min_lon, max_lat, max_lon), where maps open."""
        points = [(c.lat, c.lon) for c in self.communes(communes) if c.lat is not None and c.lon is not None]
        if not points:
            return None
        lats, lons = zip(*points)
        return (min(lats), min(lons), max(lats), max(lons))


def territory_of(site: SiteSettings, communes: Communes | None = None) -> Territory | None:
    """The territory the settings name (None when they name none)."""
    return parse_perimeter(site.perimeter, communes or default_communes(), neighbours=site.neighbours)


def parse_perimeter(perimeter: str, communes: Communes, *, neighbours: bool = False) -> Territory | None:
    """The territory a perimeter names, or None for an empty one; TerritoryError when unknown."""
    text = perimeter.strip()
    if not text:
        return None
    form, separator, rest = text.partition(":")
    form = form.strip().lower()
    values = [value.strip() for value in rest.split(",") if value.strip()]
    if not separator or form not in FORMS or not values:
        raise TerritoryError(
            _("Périmètre « {perimeter} » illisible : écrivez epci:SIREN, departements:63,03 ou communes:63113,63014.").format(perimeter=perimeter)
        )
    if form == "epci":
        if len(values) != 1:
            raise TerritoryError(_("Un périmètre epci: nomme une seule intercommunalité (son SIREN)."))
        epci = communes.epci(values[0])
        if epci is None:
            raise TerritoryError(_("Aucune intercommunalité n'a le SIREN {code}.").format(code=values[0]))
        return Territory(text, epci.name, frozenset(epci.members), neighbours)
    if form == "departements":
        codes: set[str] = set()
        names = []
        for value in values:
            departement = communes.departement(value.upper())
            if departement is None:
                raise TerritoryError(_("Le département {code} n'existe pas.").format(code=value))
            names.append(f"{departement.name} ({departement.code})")
            codes |= {c.code for c in communes.current() if c.departement == departement.code}
        return Territory(text, ", ".join(names), frozenset(codes), neighbours)
    unknown = [value for value in values if (communes.get(value.upper()) is None or not communes.get(value.upper()).is_current)]
    if unknown:
        raise TerritoryError(_("Codes de communes inconnus ou périmés : {codes}.").format(codes=", ".join(unknown)))
    chosen = [communes.get(value.upper()) for value in values]
    name = chosen[0].name if len(chosen) == 1 else _("{count} communes").format(count=len(chosen))
    return Territory(text, name, frozenset(c.code for c in chosen), neighbours)


def perimeter_for(query: str, communes: Communes | None = None) -> str:
    """The perimeter a person means (for ``communs init --territory``): a perimeter as written in
    the settings, an intercommunality's SIREN or name, département codes or a name, or INSEE codes
    of communes separated by commas; TerritoryError, with candidates, when unknown or ambiguous."""
    communes = communes or default_communes()
    text = " ".join(query.split())
    if ":" in text:
        parse_perimeter(text, communes)
        return text
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise TerritoryError(_("Indiquez le territoire : une intercommunalité (SIREN ou nom), un ou des départements, ou des codes de communes."))
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) == 9:
        perimeter = f"epci:{parts[0]}"
    elif all(communes.departement(part.upper()) is not None for part in parts):
        perimeter = "departements:" + ",".join(part.upper() for part in parts)
    elif all(len(part) == 5 and communes.get(part.upper()) is not None for part in parts):
        perimeter = "communes:" + ",".join(part.upper() for part in parts)
    elif len(parts) == 1:
        perimeter = _named_perimeter(parts[0], communes)
    else:
        raise TerritoryError(_("Territoire « {query} » illisible : donnez des codes (départements ou communes) séparés par des virgules.").format(query=query))
    parse_perimeter(perimeter, communes)
    return perimeter


def _named_perimeter(name: str, communes: Communes) -> str:
    """An intercommunality, a département or a commune, by name: one exact name wins, else one
    intercommunality whose name contains it; anything else lists the candidates."""
    key = fold(name)
    epcis = communes.epcis_named(name)
    exact = [f"epci:{e.code}" for e in epcis if fold(e.name) == key]
    exact += [f"departements:{d.code}" for d in communes.departements() if fold(d.name) == key]
    exact += [f"communes:{c.code}" for c in communes.by_name(name) if fold(c.name) == key]
    partial = [f"epci:{e.code}" for e in epcis if fold(e.name) != key]
    if len(exact) == 1:
        return exact[0]
    if not exact and len(partial) == 1:
        return partial[0]
    if not exact and not partial:
        raise TerritoryError(_("Aucune intercommunalité, aucun département ni aucune commune ne s'appelle « {name} ».").format(name=name))
    shown = "; ".join(_describe(choice, communes) for choice in (exact + partial)[:8])
    raise TerritoryError(_("« {name} » peut désigner plusieurs territoires : {choices}. Précisez avec l'un de ces codes.").format(name=name, choices=shown))


def _describe(perimeter: str, communes: Communes) -> str:
    territory = parse_perimeter(perimeter, communes)
    return f"{territory.name} ({perimeter})" if territory is not None else perimeter
