"""What format readers hand to the import engine: items (records to be) and skipped rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from communs.i18n import _


@dataclass(frozen=True)
class Note:
    """Something the importer changed or guessed in an item, for the report (``code`` is stable)."""

    code: str
    message: str


@dataclass(frozen=True)
class Reason:
    """Why a row was not imported (``code`` is stable, ``message`` French)."""

    code: str
    message: str


@dataclass
class Item:
    """One record to create or update: its data without ``id`` (``source`` included)."""

    line: int  # where it starts in the file (1-based)
    kind: str  # "actor" or "event"
    data: dict[str, Any]
    source_id: str
    notes: list[Note] = field(default_factory=list)
    id_hint: str | None = None  # an id the source already gives (a communs export's own ids)

    @property
    def commune(self) -> str:
        return self.data["commune"]

    @property
    def name(self) -> str:
        return self.data.get("name" if self.kind == "actor" else "title", "")


@dataclass
class Skip:
    """A row that is not imported, and why."""

    line: int
    reason: Reason
    departement_hint: tuple[str, ...] = ()  # lets filters count a bad row as "elsewhere"
    name: str = ""
    source_id: str = ""  # when known: the row is still in the source (its record is not "gone")


class ImportUsageError(Exception):
    """A usage problem: unreadable file, bad mapping (exit status 2)."""


# Labels of the notes, to group them in the text report.
NOTE_LABELS = {
    "insee-restored": "code INSEE complété (zéro initial perdu par un tableur)",
    "commune-by-name": "commune retrouvée par son nom (code INSEE absent, invalide ou inconnu)",
    "commune-by-postal-code": "commune déduite du seul code postal",
    "commune-by-position": "commune déduite de la position, à vérifier",
    "commune-parent": "rattachée à la commune actuelle (commune déléguée, associée ou arrondissement)",
    "geo-fallback": "coordonnées absentes ou inutilisables : fiche placée au centre de la commune",
    "geo-swapped": "latitude et longitude inversées, corrigées",
    "postal-code-dropped": "code postal d'une autre commune, écarté",
    "value-dropped": "valeur inutilisable écartée",
    "unknown-value": "valeur hors des listes fermées, ignorée",
    "kind-default": "type inconnu, « autre » retenu",
    "summary-built": "résumé composé à partir des données",
    "recurrence-dropped": "récurrence non prise en charge, seule la première date est gardée",
    "field-invalid": "champ refusé par le validateur, écarté",
}


def note_label(code: str) -> str:
    return _(NOTE_LABELS.get(code, code))
