"""The directory as a whole: an index of every record, and the checks that need more than one.

An ``Entry`` is what the cross-record checks must know of a record (id, kind, commune, folded
name, day). A record whose file is known but not read (``--changed-since`` leaves most files
unread) is indexed by its file name alone, which the validator guarantees equals its id.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz, process

from communs.content import ACTOR, EVENT, RecordFile
from communs.i18n import _
from communs.problems import Problem
from communs.records import Record
from communs.text import fold

NEAR_DUPLICATE_SCORE = 90


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    kind: str
    file: str
    commune: str | None  # the folder it sits in
    name: str | None = None  # folded name or title; None when the file was not read
    day: str | None = None  # an event's start date


def entry_of(record: Record) -> Entry:
    start = record.data.get("start")
    return Entry(
        id=record.id,
        kind=record.kind,
        file=record.file,
        commune=record.folder,
        name=fold(record.name) if record.name else None,
        day=start[:10] if record.kind == EVENT and isinstance(start, str) else None,
    )


def entry_of_file(source: RecordFile) -> Entry:
    return Entry(id=source.stem, kind=source.kind, file=source.display, commune=source.folder)


class Directory:
    """Every known record, indexed for the cross-record checks."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.by_file: dict[str, Entry] = {}
        for entry in entries:
            known = self.by_file.get(entry.file)
            if known is None or known.name is None:
                self.by_file[entry.file] = entry
        self.by_id: dict[str, list[Entry]] = defaultdict(list)
        self.by_place: dict[tuple[str, str | None], list[Entry]] = defaultdict(list)
        for entry in self.by_file.values():
            self.by_id[entry.id].append(entry)
            self.by_place[(entry.kind, entry.commune)].append(entry)
        self.actor_ids = {entry.id for entry in self.by_file.values() if entry.kind == ACTOR}

    def __len__(self) -> int:
        return len(self.by_file)


def cross_problems(records: list[Record], directory: Directory) -> list[Problem]:
    """Problems of ``records`` against the whole directory: ids, references, duplicates."""
    checked_files = {record.file for record in records}
    found: list[Problem] = []
    for record in records:
        found += _duplicate_id(record, directory)
        found += reference_problems([record], directory)
        found += _duplicates(record, directory, checked_files)
    return found


def _duplicate_id(record: Record, directory: Directory) -> list[Problem]:
    others = [entry for entry in directory.by_id.get(record.id, []) if entry.file != record.file]
    if not others:
        return []
    return [
        record.problem(
            "duplicate-id",
            _("L'identifiant « {id} » est déjà celui de {other} : les identifiants sont uniques parmi tous les acteurs et événements ; choisissez-en un autre (par exemple en ajoutant le nom de la commune).").format(
                id=record.id, other=others[0].file
            ),
            "/id",
        )
    ]


def reference_problems(records: list[Record], directory: Directory) -> list[Problem]:
    """Events whose organisers or venue name no actor of the directory."""
    found: list[Problem] = []
    for record in records:
        if record.kind == EVENT:
            found += _references(record, directory)
    return found


def _references(record: Record, directory: Directory) -> list[Problem]:
    references: list[tuple[str, str]] = []
    organizers = record.data.get("organizers")
    if isinstance(organizers, list):
        references += [(f"/organizers/{index}", value) for index, value in enumerate(organizers) if isinstance(value, str)]
    venue = record.data.get("venue")
    if isinstance(venue, str):
        references.append(("/venue", venue))
    found = []
    for pointer, actor_id in references:
        if actor_id in directory.actor_ids:
            continue
        close = difflib.get_close_matches(actor_id, directory.actor_ids, n=3, cutoff=0.75)
        hint = " " + _("Vouliez-vous dire : {ids} ?").format(ids=", ".join(close)) if close else ""
        kind_hint = (
            " " + _("C'est l'identifiant d'un événement, pas d'un acteur.")
            if any(entry.kind == EVENT for entry in directory.by_id.get(actor_id, []))
            else ""
        )
        found.append(
            record.problem(
                "unknown-reference",
                _("Aucun acteur n'a l'identifiant « {id} » : créez d'abord sa fiche, ou corrigez l'identifiant.").format(id=actor_id) + kind_hint + hint,
                pointer,
            )
        )
    return found


def _duplicates(record: Record, directory: Directory, checked_files: set[str]) -> list[Problem]:
    if not record.name:
        return []
    mine = entry_of(record)
    candidates = [
        entry
        for entry in directory.by_place.get((record.kind, record.folder), [])
        if entry.file != record.file and entry.name and entry.day == mine.day
        # Of two checked records, only the later file is reported.
        and (entry.file not in checked_files or entry.file < record.file)
    ]
    field = "/name" if record.kind == ACTOR else "/title"
    exact = [entry for entry in candidates if entry.name == mine.name]
    if exact:
        return [
            record.problem(
                "duplicate-record",
                _("« {name} » existe déjà dans cette commune ({other}) : complétez la fiche existante plutôt que d'en créer une seconde.").format(
                    name=record.name, other=exact[0].file
                ),
                field,
            )
        ]
    if not candidates:
        return []
    names = [entry.name for entry in candidates]
    matches = process.extract(mine.name, names, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_SCORE, limit=1)
    if not matches:
        return []
    other = candidates[matches[0][2]]
    return [
        record.problem(
            "near-duplicate",
            _("Le nom ressemble beaucoup à celui de {other} dans la même commune : s'il s'agit du même {what}, complétez plutôt la fiche existante.").format(
                other=other.file, what=_("acteur") if record.kind == ACTOR else _("événement")
            ),
            field,
        )
    ]
