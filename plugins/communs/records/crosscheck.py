"""Checks that need more than one record: unique ids, references to actors, duplicates.

An ``Entry`` is what the cross-record checks must know of a record: id, kind, commune, folded
name and what it looks like (its TS #39 skeleton), day, the actors it names, and where those are
written. Entries are small, so worker processes send them back instead of whole records. A
record whose file is known but not read (``--changed-since`` leaves most files unread) is indexed
by its file name alone, which the validator guarantees equals its id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz, process

from communs.i18n import _
from communs.records.content import ACTOR, CALL, EVENT, NAME_FIELDS, RecordFile, kind_word
from communs.records.problems import Problem, problem
from communs.records.record import Record
from communs.records.text import fold, is_latin, is_mixed_script, skeleton
from communs.records.values import contact_keys

NEAR_DUPLICATE_SCORE = 90
Mark = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    kind: str
    file: str
    commune: str | None  # the folder it sits in
    name: str | None = None  # folded name or title; None when the file was not read
    skeleton: str | None = None  # what the name looks like (text.skeleton)
    written: str | None = None  # the name as written, for messages that quote it
    foreign: str = ""  # the letters of other scripts of a name that mixes scripts ("" when it does not)
    day: str | None = None  # an event's start date
    references: tuple[tuple[str, str, Mark], ...] = ()  # (pointer, actor id, where): an event's organisers and venue, an actor's links
    links: tuple[tuple[str, str, str, Mark], ...] = ()  # (pointer, type, actor id, where) of an actor's links
    # An actor's public contacts as keys ("email:…", "domain:…", "phone:…"); a call's own ways to
    # answer as (pointer, the keys any of which makes it the actor's, where).
    contacts: tuple[str, ...] = ()
    answers: tuple[tuple[str, tuple[str, ...], Mark], ...] = ()
    has_website: bool = False  # a call that gives a web page to answer through
    id_mark: Mark = (1, 1)
    name_mark: Mark = (1, 1)

    def problem(self, code: str, message: str, pointer: str, mark: Mark) -> Problem:
        return problem(code, message, file=self.file, line=mark[0], column=mark[1], record_id=self.id, pointer=pointer)


def entry_of(record: Record) -> Entry:
    start = record.data.get("start")
    references: list[tuple[str, str, Mark]] = []
    if record.kind == EVENT:
        organizers = record.data.get("organizers")
        if isinstance(organizers, list):
            for index, value in enumerate(organizers):
                if isinstance(value, str):
                    pointer = f"/organizers/{index}"
                    references.append((pointer, value, record.position(pointer)))
        venue = record.data.get("venue")
        if isinstance(venue, str):
            references.append(("/venue", venue, record.position("/venue")))
    if record.kind == CALL and isinstance(record.data.get("actor"), str):
        references.append(("/actor", record.data["actor"], record.position("/actor")))
    links: list[tuple[str, str, str, Mark]] = []
    if record.kind == ACTOR and isinstance(record.data.get("links"), list):
        for index, link in enumerate(record.data["links"]):
            if isinstance(link, dict) and isinstance(link.get("actor"), str) and isinstance(link.get("type"), str):
                pointer = f"/links/{index}"
                mark = record.position(pointer + "/actor")
                references.append((pointer + "/actor", link["actor"], mark))
                links.append((pointer, link["type"], link["actor"], mark))
    name = record.name
    contact = record.data.get("contact")
    keys = contact_keys(contact, record.folder) if isinstance(contact, dict) else {}
    contacts: tuple[str, ...] = ()
    answers: tuple[tuple[str, tuple[str, ...], Mark], ...] = ()
    if record.kind == ACTOR:
        contacts = tuple(sorted({key for found in keys.values() for key in found}))
    elif record.kind == CALL:
        answers = tuple((f"/contact/{field}", found, record.position(f"/contact/{field}")) for field, found in sorted(keys.items()) if field != "website")
    return Entry(
        id=record.id,
        kind=record.kind,
        file=record.file,
        commune=record.folder,
        name=fold(name) if name else None,
        skeleton=skeleton(name) if name else None,
        written=name or None,
        foreign=foreign_letters(name) if name else "",
        day=start[:10] if record.kind == EVENT and isinstance(start, str) else None,
        references=tuple(references),
        links=tuple(links),
        contacts=contacts,
        answers=answers,
        has_website=record.kind == CALL and "website" in keys,
        id_mark=record.position("/id"),
        name_mark=record.position("/" + NAME_FIELDS[record.kind]),
    )


def foreign_letters(name: str) -> str:
    """The letters of a name that mixes scripts which are not Latin, each once ('' for a name
    in one script): what to retype when the name imitates another."""
    if not is_mixed_script(name):
        return ""
    return "".join(dict.fromkeys(c for c in name if c.isalpha() and not c.isascii() and not is_latin(c)))


def entry_of_file(source: RecordFile) -> Entry:
    return Entry(id=source.stem, kind=source.kind, file=source.display, commune=source.folder)


class Index:
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
        # Names in one script, by what they look like: what a name mixing scripts may imitate.
        self.by_look: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.by_file.values():
            if entry.skeleton and not entry.foreign:
                self.by_look[entry.skeleton].append(entry)
        self.imitations = {entry.file for entry in self.by_file.values() if self.imitated(entry)}
        # The links each actor writes, by (its id, the other's id): what a pair written both ways needs.
        self.link_types: dict[tuple[str, str], set[str]] = defaultdict(set)
        for entry in self.by_file.values():
            for _pointer, link_type, target, _mark in entry.links:
                self.link_types[(entry.id, target)].add(link_type)

    def imitated(self, entry: Entry) -> list[Entry]:
        """The records whose name ``entry``'s name imitates: it mixes scripts and looks the same."""
        if not entry.foreign or not entry.skeleton:
            return []
        return [other for other in self.by_look.get(entry.skeleton, []) if other.file != entry.file]

    def __len__(self) -> int:
        return len(self.by_file)


def cross_problems(entries: list[Entry], index: Index) -> list[Problem]:
    """Problems of the records behind ``entries`` against the whole index."""
    checked_files = {entry.file for entry in entries}
    found: list[Problem] = []
    for entry in entries:
        found += _duplicate_id(entry, index)
        found += reference_problems([entry], index)
        found += _contradictory_links(entry, index)
        found += call_contact(entry, index)
        # An imitation is refused as such, not as a duplicate of the record it imitates.
        found += _imitation(entry, index) or _duplicates(entry, index, checked_files)
    return found


def _duplicate_id(entry: Entry, index: Index) -> list[Problem]:
    others = [other for other in index.by_id.get(entry.id, []) if other.file != entry.file]
    if not others:
        return []
    return [
        entry.problem(
            "duplicate-id",
            _("L'identifiant « {id} » est déjà celui de {other} : les identifiants sont uniques parmi tous les acteurs et événements ; choisissez-en un autre (par exemple en ajoutant le nom de la commune).").format(
                id=entry.id, other=others[0].file
            ),
            "/id",
            entry.id_mark,
        )
    ]


# A link of these types written both ways says twice what one side says (partners) or the
# impossible (each a member, a part or the host of the other).
ONE_SIDED_LINKS = ("member-of", "part-of", "hosted-by", "partner-of")


def _link_title(link_type: str) -> str:
    from communs.records.schemas import default_schemas

    return next((choice.title for choice in default_schemas().choices("linkType") if choice.value == link_type), link_type)


def _contradictory_links(entry: Entry, index: Index) -> list[Problem]:
    found = []
    for pointer, link_type, target, mark in entry.links:
        if link_type not in ONE_SIDED_LINKS or target == entry.id or link_type not in index.link_types.get((target, entry.id), ()):
            continue
        other = next((e.file for e in index.by_id.get(target, []) if e.kind == ACTOR), target)
        if link_type == "partner-of":
            message = _("Ce partenariat est aussi écrit dans {other} : un lien s'écrit d'un seul côté (la page de l'autre acteur le montre) ; retirez-le de l'une des deux fiches.").format(other=other)
        else:
            message = _("{other} dit la même chose dans l'autre sens (chacun serait « {type} » l'autre) : gardez le lien du bon côté seulement.").format(other=other, type=_link_title(link_type).lower())
        found.append(entry.problem("contradictory-link", message, pointer, mark))
    return found


def call_contact(entry: Entry, index: Index) -> list[Problem]:
    """A call is answered through its actor: its own e-mail and phone must be the actor's (the
    actor's address, one of its own domain, its phone), never a private person's; without any, the
    actor must have a public contact."""
    if entry.kind != CALL:
        return []
    actor_id = next((target for pointer, target, _mark in entry.references if pointer == "/actor"), None)
    actor = next((e for e in index.by_id.get(actor_id or "", []) if e.kind == ACTOR and e.name is not None), None)
    if actor is None:  # unknown (reported as such) or not read (a partial check)
        return []
    found = []
    for pointer, keys, mark in entry.answers:
        if any(key in actor.contacts for key in keys):
            continue
        what = _("Ce courriel") if pointer.endswith("/email") else _("Ce numéro")
        found.append(
            entry.problem(
                "call-contact",
                _("{what} n'est pas un contact public de l'acteur « {actor} » ({file}) : on répond à un appel par un contact de l'acteur (son courriel, une adresse de son propre domaine, son téléphone), jamais par celui d'un particulier. Écrivez un contact de l'acteur, ou ajoutez d'abord celui-ci à sa fiche.").format(
                    what=what, actor=actor.written or actor.id, file=actor.file
                ),
                pointer,
                mark,
            )
        )
    if not entry.answers and not entry.has_website and not actor.contacts:
        found.append(
            entry.problem(
                "call-no-contact",
                _("Personne ne saura comment répondre : ni cet appel ni la fiche de « {actor} » ({file}) n'ont de contact public. Ajoutez un courriel, un téléphone ou un site à l'appel (« contact ») ou à la fiche de l'acteur.").format(
                    actor=actor.written or actor.id, file=actor.file
                ),
                "/actor",
                next((mark for pointer, _target, mark in entry.references if pointer == "/actor"), entry.id_mark),
            )
        )
    return found


def reference_problems(entries: list[Entry], index: Index) -> list[Problem]:
    """Events whose organisers or venue name no actor of the index."""
    found = []
    for entry in entries:
        for pointer, actor_id, mark in entry.references:
            if actor_id in index.actor_ids:
                continue
            close = [match for match, _score, _key in process.extract(actor_id, index.actor_ids, scorer=fuzz.ratio, score_cutoff=75, limit=3)]
            hint = " " + _("Vouliez-vous dire : {ids} ?").format(ids=", ".join(close)) if close else ""
            kind_hint = (
                " " + _("C'est l'identifiant d'un événement, pas d'un acteur.")
                if any(other.kind == EVENT for other in index.by_id.get(actor_id, []))
                else ""
            )
            found.append(
                entry.problem(
                    "unknown-reference",
                    _("Aucun acteur n'a l'identifiant « {id} » : créez d'abord sa fiche, ou corrigez l'identifiant.").format(id=actor_id) + kind_hint + hint,
                    pointer,
                    mark,
                )
            )
    return found


def _imitation(entry: Entry, index: Index) -> list[Problem]:
    imitated = index.imitated(entry)
    if not imitated:
        return []
    return [
        entry.problem(
            "confusable-name",
            _("Ce nom se lit exactement comme « {other} » (fiche {id}), mais il mêle deux alphabets : {letters} ne sont pas des lettres latines, ce sont leurs sosies d'un autre alphabet (cyrillique, grec…). Tapez le nom en lettres latines ; s'il s'agit du même {what}, complétez plutôt la fiche existante.").format(
                other=imitated[0].written,
                id=imitated[0].id,
                letters=", ".join(f"« {letter} »" for letter in entry.foreign),
                what=kind_word(entry.kind),
            ),
            "/" + NAME_FIELDS[entry.kind],
            entry.name_mark,
        )
    ]


def _duplicates(entry: Entry, index: Index, checked_files: set[str]) -> list[Problem]:
    if not entry.name:
        return []
    candidates = [
        other
        for other in index.by_place.get((entry.kind, entry.commune), [])
        if other.file != entry.file and other.name and other.day == entry.day
        and other.file not in index.imitations  # told as confusable-name, on the imitation only
        # Of two checked records, only the later file is reported.
        and (other.file not in checked_files or other.file < entry.file)
    ]
    if not candidates:
        return []
    pointer = "/" + NAME_FIELDS[entry.kind]
    exact = [other for other in candidates if other.name == entry.name]
    if exact:
        return [
            entry.problem(
                "duplicate-record",
                _("Ce nom existe déjà dans cette commune ({other}) : complétez la fiche existante plutôt que d'en créer une seconde.").format(other=exact[0].file),
                pointer,
                entry.name_mark,
            )
        ]
    matches = process.extract(entry.name, [other.name for other in candidates], scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_SCORE, limit=1)
    if not matches:
        return []
    other = candidates[matches[0][2]]
    return [
        entry.problem(
            "near-duplicate",
            _("Le nom ressemble beaucoup à celui de {other} dans la même commune : s'il s'agit du même {what}, complétez plutôt la fiche existante.").format(
                other=other.file, what=kind_word(entry.kind)
            ),
            pointer,
            entry.name_mark,
        )
    ]
