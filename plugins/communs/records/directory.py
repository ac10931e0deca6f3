"""The validated directory: every record, indexed the ways the renderers need.

Built once per build from a validation report (so a site is never built from invalid data);
renderers (pages, maps, exports, feeds, search) only read it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from communs.records.communes import Commune, Communes, default_communes
from communs.records.content import ACTOR, CALL, EVENT
from communs.records.record import Record
from communs.records.schemas import Choice, SchemaSet, default_schemas
from communs.records.validation import Checker, Report, validate

VOCABULARIES = {
    "kind": "kind",
    "type": "eventType",
    "themes": "theme",
    "disciplines": "discipline",
    "actor_status": "actorStatus",
    "event_status": "eventStatus",
    "attendance": "attendance",
    "links": "linkType",
    "call_type": "callType",
    "call_status": "callStatus",
}


@dataclass(frozen=True)
class Link:
    """One link between two actors, as its ``source`` writes it: ``source`` is ``type`` of ``target``."""

    source: Record
    target: Record
    type: str
    since: str | None = None
    until: str | None = None
    note: str | None = None

    def ended(self, today) -> bool:
        return bool(self.until) and self.until < today.isoformat()


class InvalidDirectory(Exception):
    """The content holds invalid records; the report says which."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.errors)} error(s) in the records")
        self.report = report


@dataclass
class Directory:
    actors: dict[str, Record]
    events: dict[str, Record]
    calls: dict[str, Record] = field(default_factory=dict)
    communes: Communes = field(default_factory=default_communes)
    schemas: SchemaSet = field(default_factory=default_schemas)

    @classmethod
    def from_records(cls, records: list[Record], communes: Communes | None = None, schemas: SchemaSet | None = None) -> "Directory":
        ordered = sorted(records, key=lambda r: r.id)
        return cls(
            actors={r.id: r for r in ordered if r.kind == ACTOR},
            events={r.id: r for r in ordered if r.kind == EVENT},
            calls={r.id: r for r in ordered if r.kind == CALL},
            communes=communes or default_communes(),
            schemas=schemas or default_schemas(),
        )

    # Vocabularies ---------------------------------------------------------------------------

    @cached_property
    def labels(self) -> dict[str, dict[str, Choice]]:
        """Closed vocabularies by field: labels["themes"]["culture"].title == "Culture"."""
        return {name: {c.value: c for c in self.schemas.choices(definition)} for name, definition in VOCABULARIES.items()}

    def label(self, vocabulary: str, value: str) -> str:
        choice = self.labels[vocabulary].get(value)
        return choice.title if choice else value

    # Communes ------------------------------------------------------------------------------

    @cached_property
    def _by_commune(self) -> dict[str, tuple[list[Record], list[Record]]]:
        places: dict[str, tuple[list[Record], list[Record]]] = defaultdict(lambda: ([], []))
        for record in self.actors.values():
            places[record.folder][0].append(record)
        for record in self.events.values():
            places[record.folder][1].append(record)
        for actors, events in places.values():
            actors.sort(key=lambda r: (r.name.casefold(), r.id))
            events.sort(key=lambda r: (r.data["start"], r.id))
        return dict(places)

    def commune(self, code: str) -> Commune:
        found = self.communes.get(code)
        assert found is not None, code  # validation guarantees it
        return found

    def commune_codes(self) -> list[str]:
        """Communes that hold at least one record: only they get a page."""
        return self._commune_codes

    @cached_property
    def _commune_codes(self) -> list[str]:
        return sorted(set(self._by_commune).union(record.folder for record in self.calls.values()))

    def actors_in(self, code: str) -> list[Record]:
        return self._by_commune.get(code, ([], []))[0]

    def events_in(self, code: str) -> list[Record]:
        return self._by_commune.get(code, ([], []))[1]

    # Records -------------------------------------------------------------------------------

    @cached_property
    def _events_by_actor(self) -> dict[str, list[Record]]:
        found: dict[str, list[Record]] = defaultdict(list)
        for record in self.events.values():
            named = set(record.data.get("organizers", []))
            if isinstance(record.data.get("venue"), str):
                named.add(record.data["venue"])
            for actor_id in sorted(named):
                found[actor_id].append(record)
        for events in found.values():
            events.sort(key=lambda r: (r.data["start"], r.id))
        return dict(found)

    def events_of(self, actor_id: str) -> list[Record]:
        """Events an actor organises or hosts."""
        return self._events_by_actor.get(actor_id, [])

    def venue_of(self, event: Record) -> Record | None:
        venue = event.data.get("venue")
        return self.actors.get(venue) if isinstance(venue, str) else None

    def organizers_of(self, event: Record) -> list[Record]:
        return [self.actors[i] for i in event.data.get("organizers", []) if i in self.actors]

    def records_of(self, kind: str) -> dict[str, Record]:
        """The records of one kind by id."""
        return {ACTOR: self.actors, EVENT: self.events, CALL: self.calls}[kind]

    # Calls to take part (needs and offers of actors, each with an end date) -----------------

    @cached_property
    def _calls_by(self) -> dict[tuple[str, str], list[Record]]:
        """("commune" | "actor" | "theme", key) -> its calls, soonest end first."""
        found: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for record in sorted(self.calls.values(), key=call_order):
            found[("commune", record.folder)].append(record)
            found[("actor", record.data["actor"])].append(record)
            for theme in record.data["themes"]:
                found[("theme", theme)].append(record)
        return dict(found)

    def calls_in(self, code: str) -> list[Record]:
        return self._calls_by.get(("commune", code), [])

    def calls_of(self, actor_id: str) -> list[Record]:
        """The calls an actor has posted, open or not."""
        return self._calls_by.get(("actor", actor_id), [])

    def calls_with_theme(self, theme: str) -> list[Record]:
        return self._calls_by.get(("theme", theme), [])

    def call_direction(self, record: Record) -> str:
        """« need » or « offer », as the call's type says."""
        return self._call_directions.get(record.data["type"], "need")

    @cached_property
    def _call_directions(self) -> dict[str, str]:
        branches = self.schemas.by_file["vocabularies.schema.json"]["$defs"]["callType"]["oneOf"]
        return {branch["const"]: branch.get("x-direction", "need") for branch in branches}

    # Links between actors (written once, on one side; both sides read them) -----------------

    @cached_property
    def link_words(self) -> dict[str, tuple[str, str]]:
        """Each link type's words from its two sides: ("Membre de", "Membres")."""
        branches = self.schemas.by_file["vocabularies.schema.json"]["$defs"]["linkType"]["oneOf"]
        return {branch["const"]: (branch["title"], branch.get("x-inverse", branch["title"])) for branch in branches}

    @cached_property
    def links(self) -> list["Link"]:
        """Every link of the directory whose two actors exist, in a stable order."""
        found = []
        for record in self.actors.values():
            for link in record.data.get("links") or ():
                if isinstance(link, dict) and link.get("actor") in self.actors:
                    found.append(Link(record, self.actors[link["actor"]], link["type"], link.get("since"), link.get("until"), link.get("note")))
        return found

    @cached_property
    def _links_by_actor(self) -> dict[str, tuple[list["Link"], list["Link"]]]:
        found: dict[str, tuple[list[Link], list[Link]]] = defaultdict(lambda: ([], []))
        for link in self.links:
            found[link.source.id][0].append(link)
            found[link.target.id][1].append(link)
        return dict(found)

    def links_from(self, actor_id: str) -> list["Link"]:
        """The links an actor writes (it is member of, part of, partner of, hosted or supported by)."""
        return self._links_by_actor.get(actor_id, ([], []))[0]

    def links_to(self, actor_id: str) -> list["Link"]:
        """The links other actors write towards this one (its members, parts, partners, guests, the supported)."""
        return self._links_by_actor.get(actor_id, ([], []))[1]

    def linked(self, actor_id: str) -> list[Record]:
        """The actors linked to this one, either way, each once."""
        seen = {link.target.id: link.target for link in self.links_from(actor_id)}
        seen.update({link.source.id: link.source for link in self.links_to(actor_id)})
        return [seen[key] for key in sorted(seen)]

    @cached_property
    def _by_theme(self) -> dict[str, tuple[list[Record], list[Record]]]:
        themes: dict[str, tuple[list[Record], list[Record]]] = {value: ([], []) for value in self.labels["themes"]}
        for record in self.actors.values():
            for theme in record.data["themes"]:
                themes[theme][0].append(record)
        for record in self.events.values():
            for theme in record.data["themes"]:
                themes[theme][1].append(record)
        return themes

    def actors_with_theme(self, theme: str) -> list[Record]:
        return sorted(self._by_theme[theme][0], key=lambda r: (r.name.casefold(), r.id))

    def events_with_theme(self, theme: str) -> list[Record]:
        return sorted(self._by_theme[theme][1], key=lambda r: (r.data["start"], r.id))

    @cached_property
    def commune_themes(self) -> list[tuple[str, str]]:
        """(commune code, theme) for each pair that has events: the calendars of one theme in one commune."""
        return sorted({(event.folder, theme) for event in self.events.values() for theme in event.data.get("themes", [])})

    def own_position(self, record: Record) -> tuple[float, float] | None:
        """A record's own point (an event's: its venue's), without the commune-centre fallback."""
        place = record.data.get("geo")
        if record.kind == EVENT:
            venue = record.data.get("venue")
            if isinstance(venue, dict):
                place = venue.get("geo")
            elif isinstance(venue, str) and venue in self.actors:
                place = self.actors[venue].data.get("geo")
            else:
                place = None
        if isinstance(place, dict) and "lat" in place and "lon" in place:
            return float(place["lat"]), float(place["lon"])
        return None

    def position(self, record: Record) -> tuple[float, float] | None:
        """Where a record goes on a map: its own point, its venue's, or its commune's centre
        (``position_is_approximate`` says which)."""
        own = self.own_position(record)
        if own is not None:
            return own
        commune = self.communes.get(record.folder)
        if commune is not None and commune.lat is not None and commune.lon is not None:
            return commune.lat, commune.lon
        return None

    def position_is_approximate(self, record: Record) -> bool:
        """True when ``position`` is only the centre of the record's commune."""
        return self.own_position(record) is None


def call_order(record: Record) -> tuple[str, str]:
    """Calls by their end date (the soonest first), then id."""
    return (record.data["until"], record.id)


def call_is_open(record: Record, today) -> bool:
    """Whether people can still answer a call on ``today``: not closed early, not past its end.
    A call that begins later is open already (people can plan)."""
    return record.data.get("status", "open") == "open" and record.data["until"] >= today.isoformat()


def open_calls(records, today) -> list[Record]:
    return [record for record in records if call_is_open(record, today)]


def load_directory(content_dir: Path, *, jobs: int | None = None, progress=None, checker: Checker | None = None) -> tuple[Directory, Report]:
    """Validate the content and index it; refuses invalid data with the validation report."""
    report = validate(content_dir, jobs=jobs, progress=progress, keep_records=True, checker=checker)
    if not report.ok:
        raise InvalidDirectory(report)
    return Directory.from_records(report.records), report
