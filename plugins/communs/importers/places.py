"""Where an imported item belongs: its commune (from a code, a name, a postal code or a point) and
whether its coordinates can be trusted.

Records live under their *current* commune (COG). Resolution, first that works:

1. the INSEE code of the row (a 4-digit code gets its leading zero back, flagged); a delegated or
   associated commune or a municipal arrondissement is refused with its current commune as the
   suggestion, unless the import was asked to attach such rows to it (``--parent-commune``);
2. the commune's name, narrowed by the postal code and the département when several communes
   share the name (flagged when a code was given but unusable);
3. a postal code served by a single commune;
4. the nearest commune centre to the item's point, in a département whose box holds the point
   (flagged: a centre is not a boundary, so this must be checked).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from communs.i18n import _
from communs.importers.cleaning import plausible_point
from communs.importers.model import Note, Reason
from communs.records.communes import Commune, Communes, distance_km
from communs.records.text import fold
from communs.records.values import normalise_insee, normalise_postal_code, one_line

# Time zones of the overseas départements and collectivities; elsewhere Europe/Paris.
TIMEZONES = {
    "971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
    "974": "Indian/Reunion", "975": "America/Miquelon", "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy", "978": "America/Marigot", "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti", "988": "Pacific/Noumea",
}
DEFAULT_TIMEZONE = "Europe/Paris"
# A point this close to the commune's centre is taken for the centre itself (an export's fallback).
CENTRE_TOLERANCE = 2e-6
# How far from the nearest commune centre a point may lie to be given that commune.
MAX_NEAREST_KM = 25.0
_TYPE_NAMES = {
    "commune-deleguee": "une commune déléguée",
    "commune-associee": "une commune associée",
    "arrondissement-municipal": "un arrondissement municipal",
}


def departement_of_postal_code(postal_code: str | None) -> str | None:
    """The département a postal code points to (None for Corsica's 20xxx, shared by 2A and 2B)."""
    if not postal_code:
        return None
    if postal_code.startswith(("97", "98")):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return None
    return postal_code[:2]


@dataclass
class Resolution:
    """The outcome of resolving a place: a current commune with notes, or a reason to skip."""

    commune: Commune | None = None
    notes: list[Note] = field(default_factory=list)
    problem: Reason | None = None
    departement_hint: tuple[str, ...] = ()  # where the row seems to be, to apply filters to skips


class Places:
    def __init__(self, communes: Communes, *, parent_communes: bool = False) -> None:
        self.communes = communes
        self.parent_communes = parent_communes

    # Départements -----------------------------------------------------------------------------

    @cached_property
    def _departement_names(self) -> dict[str, str]:
        return {fold(d.name): d.code for d in self.communes.departements()}

    def departement_code(self, value: str | None) -> str | None:
        """A département code from a code ("974", "2a", "1") or a name ("La Réunion", "Ain")."""
        text = one_line(value)
        if not text:
            return None
        code = text.upper()
        if code.isdigit() and len(code) == 1:
            code = "0" + code
        if self.communes.departement(code) is not None:
            return code
        found = self._departement_names.get(fold(text))
        if found is None and fold(text).startswith(("la ", "le ", "l ")):
            found = self._departement_names.get(fold(text).split(" ", 1)[1])
        return found

    # Communes ---------------------------------------------------------------------------------

    def _current(self, commune: Commune, notes: list[Note], *, by_name: bool) -> Resolution:
        """A resolved commune, or its current commune when it is delegated, associated..."""
        if commune.is_current:
            return Resolution(commune, notes, departement_hint=(commune.departement,))
        parent = self.communes.get(commune.parent or "")
        kind = _(_TYPE_NAMES.get(commune.type, commune.type.replace("-", " ")))  # with its article
        if parent is not None and parent.is_current and (self.parent_communes or by_name):
            notes.append(Note("commune-parent", _("{code} ({name}) est {type} : fiche rattachée à sa commune actuelle, {parent} ({parent_name}).").format(
                code=commune.code, name=commune.name, type=kind, parent=parent.code, parent_name=parent.name)))
            return Resolution(parent, notes, departement_hint=(parent.departement,))
        if parent is not None:
            message = _("{code} ({name}) est {type}, pas une commune actuelle : les fiches se rangent sous {parent} ({parent_name}) ; corrigez le code ou relancez avec --parent-commune.").format(
                code=commune.code, name=commune.name, type=kind, parent=parent.code, parent_name=parent.name)
        else:
            message = _("{code} ({name}) n'est plus une commune actuelle.").format(code=commune.code, name=commune.name)
        return Resolution(problem=Reason("commune-not-current", message), departement_hint=(commune.departement,))

    def resolve(
        self,
        *,
        insee: object = None,
        city: object = None,
        postal_code: object = None,
        departement: object = None,
        region: object = None,
        lat: float | None = None,
        lon: float | None = None,
    ) -> Resolution:
        notes: list[Note] = []
        postal = normalise_postal_code(postal_code)
        city_name = one_line(city)
        departement_code = self.departement_code(one_line(departement)) if departement else None
        guess = departement_code or departement_of_postal_code(postal)
        hint: tuple[str, ...] = (guess,) if guess else ()
        why = None
        code = normalise_insee(insee)
        if code.code is not None:
            commune = self.communes.get(code.code)
            if commune is not None:
                if code.restored:
                    notes.append(Note("insee-restored", _("code INSEE « {raw} » complété en {code} ({name}).").format(raw=code.raw, code=code.code, name=commune.name)))
                return self._current(commune, notes, by_name=False)
            why = _("code INSEE « {code} » inconnu").format(code=code.raw)
            hint = hint or (_departement_of_code(code.code),)
        elif code.raw:
            why = _("code INSEE « {code} » invalide").format(code=code.raw)
        if city_name:
            found = self._by_name(city_name, postal, departement_code)
            if isinstance(found, Resolution):
                found.departement_hint = found.departement_hint or hint
                return found
            if found is not None:
                if why:
                    notes.append(Note("commune-by-name", _("{why} : commune retrouvée par son nom, {name} ({code}).").format(why=why, name=found.name, code=found.code)))
                return self._current(found, notes, by_name=True)
        if postal and not city_name:
            owners = self.communes.by_postal_code(postal)
            if len(owners) == 1:
                notes.append(Note("commune-by-postal-code", _("commune déduite du code postal {postal} : {name} ({code}).").format(postal=postal, name=owners[0].name, code=owners[0].code)))
                return Resolution(owners[0], notes, departement_hint=(owners[0].departement,))
        if plausible_point(lat, lon):
            nearest = self.nearest(lat, lon)  # type: ignore[arg-type]
            if nearest is not None:
                notes.append(Note("commune-by-position", _("commune déduite de la position (centre le plus proche) : {name} ({code}), à vérifier.").format(name=nearest.name, code=nearest.code)))
                return Resolution(nearest, notes, departement_hint=(nearest.departement,))
        if not hint and one_line(region):
            hint = self.region_departements(one_line(region))
        return Resolution(problem=self._not_found(why, city_name, postal, departement_code), departement_hint=hint)

    @cached_property
    def _regions(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = defaultdict(list)
        for departement in self.communes.departements():
            region = self.communes.region(departement.region)
            if region is not None:
                found[fold(region.name)].append(departement.code)
        return {name: tuple(codes) for name, codes in found.items()}

    def region_departements(self, name: str) -> tuple[str, ...]:
        """The départements of a region named as in the file ("Provence-Alpes-Côte d'Azur")."""
        return self._regions.get(fold(name), ())

    def _by_name(self, name: str, postal: str | None, departement: str | None) -> Commune | Resolution | None:
        """The one commune named ``name`` (narrowed by postal code, then département), or why not."""
        candidates = self.communes.by_name(name, current_only=False)
        if not candidates:
            return None
        narrowed = candidates
        if postal:
            by_postal = [c for c in narrowed if postal in c.postal_codes]
            if by_postal:
                narrowed = by_postal
            else:
                area = departement or departement_of_postal_code(postal)
                in_area = [c for c in narrowed if c.departement == area]
                narrowed = in_area or narrowed
        if departement and len(narrowed) > 1:
            narrowed = [c for c in narrowed if c.departement == departement] or narrowed
        exact = [c for c in narrowed if fold(c.name) == fold(name)]
        narrowed = exact or narrowed
        current = [c for c in narrowed if c.is_current]
        if len(current) == 1:
            return current[0]
        if not current and len({c.code for c in narrowed}) == 1:
            return narrowed[0]
        if len(current) > 1:
            listed = ", ".join(f"{c.name} ({c.code})" for c in current[:5])
            return Resolution(problem=Reason("ambiguous-commune", _("plusieurs communes s'appellent « {name} » ({listed}) : indiquez le code INSEE ou le code postal.").format(name=name, listed=listed)))
        return None

    def _not_found(self, why: str | None, city: str, postal: str | None, departement: str | None) -> Reason:
        if city:
            message = _("commune « {name} » introuvable").format(name=city)
            if postal:
                message += " " + _("(code postal {postal})").format(postal=postal)
            suggestions = self.communes.search(city, limit=3, departement=departement)
            if suggestions:
                message += " ; " + _("communes proches : {names}").format(names=", ".join(f"{c.name} ({c.code})" for c in suggestions))
            if why:
                message = f"{why} ; {message}"
            return Reason("unknown-commune", message + ".")
        if why:
            code = "invalid-insee" if "invalide" in why else "unknown-commune"
            return Reason(code, why + ".")
        return Reason("no-commune", _("ni code INSEE, ni nom de commune, ni position : impossible de ranger la fiche."))

    # Points -----------------------------------------------------------------------------------

    @cached_property
    def _centres(self) -> dict[str, list[Commune]]:
        by_departement: dict[str, list[Commune]] = defaultdict(list)
        for commune in self.communes.current():
            if commune.lat is not None and commune.lon is not None:
                by_departement[commune.departement].append(commune)
        return dict(by_departement)

    def nearest(self, lat: float, lon: float) -> Commune | None:
        """The current commune whose centre is nearest, among départements whose box holds the point."""
        best: tuple[float, Commune] | None = None
        for departement in self.communes.departements():
            if departement.bbox is None or not departement.contains(lat, lon):
                continue
            for commune in self._centres.get(departement.code, []):
                km = distance_km(lat, lon, commune.lat, commune.lon)  # type: ignore[arg-type]
                if best is None or km < best[0]:
                    best = (km, commune)
        if best is None or best[0] > MAX_NEAREST_KM:
            return None
        return best[1]

    def is_centre(self, commune: Commune, lat: float, lon: float) -> bool:
        """Whether a point is the commune's centre, i.e. an export's stand-in for "no position"."""
        return (
            commune.lat is not None and commune.lon is not None
            and abs(commune.lat - lat) <= CENTRE_TOLERANCE and abs(commune.lon - lon) <= CENTRE_TOLERANCE
        )

    def check_point(self, commune: Commune, lat: float, lon: float) -> tuple[tuple[float, float] | None, Note | None]:
        """The point to write for ``commune`` (maybe with latitude and longitude swapped back), or
        None with the reason it falls back to the commune's centre (the validator's rules)."""
        departement = self.communes.departement(commune.departement)
        if departement is not None and departement.bbox is not None and not departement.contains(lat, lon):
            if departement.contains(lon, lat):
                return (lon, lat), Note("geo-swapped", _("latitude et longitude inversées dans la source, remises dans l'ordre."))
            return None, Note("geo-fallback", _("coordonnées ({lat}, {lon}) hors du département {code} : fiche placée au centre de {name}.").format(
                lat=lat, lon=lon, code=departement.code, name=commune.name))
        if commune.lat is not None and commune.lon is not None:
            km = distance_km(lat, lon, commune.lat, commune.lon)
            reach = max(5.0, 2.5 * (commune.nn_km or 2.0))
            if km > reach:
                return None, Note("geo-fallback", _("coordonnées à {km:.0f} km du centre de {name} : fiche placée au centre de la commune.").format(km=km, name=commune.name))
        return (lat, lon), None

    @staticmethod
    def timezone(commune: Commune) -> str:
        return TIMEZONES.get(commune.departement, DEFAULT_TIMEZONE)


def _departement_of_code(code: str) -> str:
    return code[:3] if code.startswith(("97", "98")) else code[:2]
