"""``communs review BASE [HEAD]``: what a change does to the directory, for the maintainer who merges it.

One ``git diff --raw --find-renames`` between two revisions lists the record files added,
modified, removed and renamed; one ``git cat-file --batch`` reads every version needed. No
``git log`` per file: the cost grows with the size of the change, not of the history.

For each record: its field-level differences in words ("Site web : http://… → https://…"),
French field titles and vocabulary labels from the schemas, long texts summarised with a small
unified diff. Then the validation of the changed records as they stand in HEAD (the same checks,
codes and messages as ``communs validate``, against the whole directory of HEAD), likely
duplicates of added actors among the base's records, and events of HEAD that still name an
actor the change removes.

A rename that keeps the id and changes the commune folder is a move ("déplacée"); a rename that
changes the id is a renaming ("renommée"). Git's rename detection is completed by pairing a
removed and an added file of the same kind and id.

Markdown output is safe to publish as a GitHub job summary or pull-request comment: every text
that comes from a record (names, values, messages quoting them) is escaped, so contributors can
inject neither HTML nor Markdown, nor ping people (``@everyone``) or link issues (``#123``).
JSON output carries the raw values; its consumers escape them for their own medium.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from communs.i18n import _, ngettext
from communs.records.communes import Communes, default_communes, distance_km
from communs.records.content import (
    ACTOR,
    CALL,
    COMMUNE_CODE,
    EVENT,
    FOLDERS,
    KINDS,
    RECORD_ID,
    SUFFIX,
    RecordFile,
    classify,
    display_path,
    kind_word,
)
from communs.records.dates import Occurrence, describe_recurrence, format_day, format_when
from communs.records.migrations import MIGRATIONS, migrate
from communs.records.problems import Problem
from communs.records.record import Record, parse_record
from communs.records.rules import parse_moment
from communs.records.schemas import SchemaSet, default_schemas
from communs.records.validation import UsageError, validate
from communs.site import urls

ADDED, MODIFIED, MOVED, RENAMED, REMOVED = "added", "modified", "moved", "renamed", "removed"
CHANGES = (ADDED, MODIFIED, MOVED, RENAMED, REMOVED)

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
WIDTH = 100  # characters of a value shown inline
KEY_WIDTH = 250  # ... of a key field of an added or removed record (a whole summary)
LONG_TEXT = 120  # longer single-line texts are summarised like multi-line ones
MAX_DIFF_LINES = 80
MAX_CONTENT_LINES = 200
MAX_DUPLICATES = 5

# Fields shown for an added or removed record, beyond its heading.
KEY_FIELDS = {
    ACTOR: (("kind",), ("summary",), ("themes",), ("contact", "website")),
    EVENT: (("type",), ("start",), ("end",), ("summary",), ("organizers",), ("venue",), ("venue", "name")),
    CALL: (("type",), ("actor",), ("until",), ("status",), ("summary",), ("contact", "email"), ("contact", "phone")),
}
MISSING = object()


class ReviewError(Exception):
    """The review cannot run as asked (not a Git repository, unknown revision); French message."""


# --- Results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    name: str
    sha: str

    @property
    def short(self) -> str:
        return self.sha[:10]


@dataclass
class FieldChange:
    """One field that differs: ``text`` is the French description without the field's title."""

    field: str  # dotted path: contact.website, themes, venue.address.street
    label: str  # the schema's French title: "Site web"
    change: str  # added, removed, changed, items, order, text
    text: str
    old: Any = None
    new: Any = None
    added: list[str] = dataclasses.field(default_factory=list)  # labels of list items
    removed: list[str] = dataclasses.field(default_factory=list)
    lines_added: int = 0
    lines_removed: int = 0
    diff: str = ""  # unified diff of a long text

    def as_dict(self) -> dict:
        found = {"field": self.field, "label": self.label, "change": self.change, "text": self.text, "old": self.old, "new": self.new}
        if self.change in ("items", "order"):
            found.update(added=self.added, removed=self.removed)
        if self.change == "text":
            found.update(lines_added=self.lines_added, lines_removed=self.lines_removed, diff=self.diff)
        return found


@dataclass
class RecordChange:
    change: str
    kind: str
    id: str
    name: str
    commune: str  # folder (INSEE code) in HEAD, or in the base for a removal
    path: str  # repository-relative path in HEAD (in the base for a removal)
    old_id: str | None = None
    old_commune: str | None = None
    old_path: str | None = None
    url: str | None = None
    readable: bool = True  # both versions could be read as records
    fields: list[FieldChange] = dataclasses.field(default_factory=list)
    key_fields: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # added/removed: (label, value)
    content: str = ""  # an added record's file
    problems: list[Problem] = dataclasses.field(default_factory=list)
    migrations: list[str] = dataclasses.field(default_factory=list)  # communs migrations that make exactly this change

    @property
    def moved(self) -> bool:
        return self.old_commune is not None and self.old_commune != self.commune

    @property
    def renamed(self) -> bool:
        return self.old_id is not None and self.old_id != self.id

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if not p.is_error)


@dataclass(frozen=True)
class BrokenReference:
    """An event of HEAD that still names an actor the change removes."""

    event_id: str
    event_name: str
    path: str
    commune: str
    actor_id: str
    fields: tuple[str, ...]  # organizers, venue
    labels: tuple[str, ...]  # their French titles
    url: str | None


@dataclass
class Review:
    base: Revision
    head: Revision
    records: list[RecordChange]
    problems: list[Problem]  # validation problems of the changed records (and the events they break)
    checked: int
    duplicates: dict[str, list[Any]]  # added actor id -> lookup.Match of the base
    broken: list[BrokenReference]
    other_files: list[tuple[str, str]]  # (change, path) of files that are not records
    communes: Communes = dataclasses.field(default_factory=default_communes, repr=False)
    site_url: str = ""

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def counts(self) -> dict[str, int]:
        counts = {change: 0 for change in CHANGES}
        for record in self.records:
            counts[record.change] += 1
        return counts

    def commune_name(self, code: str | None) -> str:
        place = self.communes.get(code) if code else None
        return place.name if place is not None else (code or "?")

    # JSON ---------------------------------------------------------------------------------------

    def as_dict(self) -> dict:
        records = []
        for record in self.records:
            records.append(
                {
                    "change": record.change,
                    "kind": record.kind,
                    "id": record.id,
                    "name": record.name,
                    "commune": record.commune,
                    "commune_name": self.commune_name(record.commune),
                    "path": record.path,
                    "old_id": record.old_id,
                    "old_commune": record.old_commune,
                    "old_commune_name": self.commune_name(record.old_commune) if record.old_commune else None,
                    "old_path": record.old_path,
                    "url": record.url,
                    "readable": record.readable,
                    "fields": [change.as_dict() for change in record.fields],
                    "key_fields": [{"label": label, "value": value} for label, value in record.key_fields],
                    "errors": [p.as_dict() for p in record.problems if p.is_error],
                    "warnings": [p.as_dict() for p in record.problems if not p.is_error],
                    "migrations": record.migrations,
                }
            )
        return {
            "base": dataclasses.asdict(self.base),
            "head": dataclasses.asdict(self.head),
            "summary": summary_line(self.counts),
            "counts": self.counts,
            "records": records,
            "validation": {
                "ok": self.ok,
                "checked": self.checked,
                "errors": [p.as_dict() for p in self.problems if p.is_error],
                "warnings": [p.as_dict() for p in self.problems if not p.is_error],
            },
            "duplicates": [
                {"id": record_id, "matches": [dataclasses.asdict(match) for match in matches]} for record_id, matches in self.duplicates.items()
            ],
            "broken_references": [dataclasses.asdict(broken) for broken in self.broken],
            "other_files": [{"change": change, "path": path} for change, path in self.other_files],
        }


def summary_line(counts: dict[str, int]) -> str:
    """'3 fiches ajoutées, 1 modifiée, 1 supprimée, 1 déplacée' (the noun once, on the first count)."""
    first = {
        ADDED: lambda n: ngettext("{n} fiche ajoutée", "{n} fiches ajoutées", n),
        MODIFIED: lambda n: ngettext("{n} fiche modifiée", "{n} fiches modifiées", n),
        REMOVED: lambda n: ngettext("{n} fiche supprimée", "{n} fiches supprimées", n),
        MOVED: lambda n: ngettext("{n} fiche déplacée", "{n} fiches déplacées", n),
        RENAMED: lambda n: ngettext("{n} fiche renommée", "{n} fiches renommées", n),
    }
    later = {
        ADDED: lambda n: ngettext("{n} ajoutée", "{n} ajoutées", n),
        MODIFIED: lambda n: ngettext("{n} modifiée", "{n} modifiées", n),
        REMOVED: lambda n: ngettext("{n} supprimée", "{n} supprimées", n),
        MOVED: lambda n: ngettext("{n} déplacée", "{n} déplacées", n),
        RENAMED: lambda n: ngettext("{n} renommée", "{n} renommées", n),
    }
    parts = []
    for change in (ADDED, MODIFIED, REMOVED, MOVED, RENAMED):
        count = counts.get(change, 0)
        if count:
            parts.append((later if parts else first)[change](count).format(n=count))
    return ", ".join(parts) if parts else _("aucune fiche modifiée")


# --- Git ------------------------------------------------------------------------------------------


class _Git:
    """The repository, through the git program (bytes in, bytes out; paths never quoted)."""

    def __init__(self, content_dir: Path) -> None:
        import git

        start = content_dir if content_dir.exists() else Path.cwd()
        try:
            repo = git.Repo(start, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
            raise ReviewError(_("{path} n'est pas dans un dépôt Git : la revue compare deux révisions de l'historique.").format(path=display_path(content_dir))) from error
        self.repo = repo
        self.cwd = repo.working_tree_dir or repo.git_dir
        top = Path(self.cwd).resolve()
        if repo.working_tree_dir is None:
            prefix = content_dir.as_posix().strip("/")
        else:
            try:
                prefix = content_dir.resolve().relative_to(top).as_posix()
            except ValueError as error:
                raise ReviewError(_("Le dossier des fiches {path} est hors du dépôt Git {top}.").format(path=display_path(content_dir), top=top)) from error
        self.prefix = "" if prefix == "." else prefix

    def path(self, relative: str) -> str:
        """A path under the content folder, relative to the repository's top."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def run(self, *args: str, input: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
        done = subprocess.run(["git", *args], cwd=self.cwd, input=input, capture_output=True, check=False)
        if done.returncode not in ok:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"git {args[0]} failed (status {done.returncode}): {message[-1] if message else ''}")
        return done.stdout

    def resolve(self, revision: str) -> Revision:
        unknown = ReviewError(_("La révision Git « {revision} » est inconnue.").format(revision=revision))
        if not revision or revision.startswith("-"):
            raise unknown
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=self.cwd, capture_output=True, check=False)
        if done.returncode != 0:
            raise unknown
        return Revision(revision, done.stdout.decode().strip())

    def read_blobs(self, names: Iterable[str]) -> dict[str, bytes | None]:
        """Objects (ids or ``rev:path``) read by one ``git cat-file --batch``; None when missing."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        output = self.run("cat-file", "--batch", input="".join(f"{name}\n" for name in wanted).encode("utf-8", "surrogateescape"))
        found: dict[str, bytes | None] = {}
        position = 0
        for name in wanted:
            end = output.index(b"\n", position)
            header = output[position:end].split(b" ")
            position = end + 1
            if len(header) == 3 and header[2].isdigit():
                size = int(header[2])
                found[name] = output[position : position + size] if header[1] == b"blob" else None
                position += size + 1
            else:
                found[name] = None  # missing or ambiguous
        return found

    def list_tree(self, sha: str, folder: str) -> list[tuple[str, str]]:
        """(blob id, path) of every file under ``folder`` at commit ``sha``."""
        output = self.run("ls-tree", "-r", "-z", "--full-tree", sha, "--", self.path(folder))
        found = []
        for item in output.split(b"\0"):
            if item:
                meta, _tab, name = item.partition(b"\t")
                _mode, kind, blob = meta.split(b" ")
                if kind == b"blob":
                    found.append((blob.decode(), os.fsdecode(name)))
        return found


@dataclass(frozen=True)
class _Place:
    """Where a record file stands: kind, commune folder, id (the file name)."""

    kind: str
    folder: str
    stem: str


@dataclass
class _Entry:
    status: str  # A, M, D, R (T counts as M)
    old_path: str | None
    new_path: str | None
    old_blob: str | None
    new_blob: str | None


def _diff(git_: _Git, base: str, head: str) -> list[_Entry]:
    scope = [git_.path(folder) for folder in FOLDERS.values()]
    output = git_.run("diff", "--raw", "-z", "--no-abbrev", "--no-ext-diff", "--no-textconv", "--find-renames", base, head, "--", *scope)
    tokens = output.split(b"\0")
    entries = []
    index = 0
    while index < len(tokens):
        meta = tokens[index]
        index += 1
        if not meta.startswith(b":"):
            continue
        old_mode, new_mode, old_blob, new_blob, status = meta[1:].decode().split(" ")
        letter = status[0]
        if letter in "RC":
            old_path, new_path = os.fsdecode(tokens[index]), os.fsdecode(tokens[index + 1])
            index += 2
        else:
            old_path = new_path = os.fsdecode(tokens[index])
            index += 1
        if "160000" in (old_mode, new_mode):
            continue  # a submodule is not content
        if letter == "A":
            entries.append(_Entry("A", None, new_path, None, new_blob))
        elif letter == "D":
            entries.append(_Entry("D", old_path, None, old_blob, None))
        elif letter == "R":
            entries.append(_Entry("R", old_path, new_path, old_blob, new_blob))
        elif letter == "C":
            entries.append(_Entry("A", None, new_path, None, new_blob))
        else:  # M, T
            entries.append(_Entry("M", old_path, new_path, old_blob, new_blob))
    return entries


def _place(git_: _Git, path: str | None) -> _Place | None:
    """The record a repository path stands for, if it stands where records do."""
    if path is None:
        return None
    prefix = f"{git_.prefix}/" if git_.prefix else ""
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix) :].split("/")
    if len(parts) != 3 or parts[0] not in KINDS or not COMMUNE_CODE.fullmatch(parts[1]) or not parts[2].endswith(SUFFIX):
        return None
    return _Place(KINDS[parts[0]], parts[1], parts[2][: -len(SUFFIX)])


# --- Reading records ------------------------------------------------------------------------------


def _parse(raw: bytes | None, path: str, place: _Place) -> Record | None:
    if raw is None:
        return None
    record, _problems = parse_record(raw, RecordFile(path=Path(path), kind=place.kind, folder=place.folder, display=path))
    return record


def _name(record: Record | None, fallback: str) -> str:
    return (record.name.strip() if record is not None and record.name.strip() else "") or fallback


# --- Field differences ----------------------------------------------------------------------------


class _Fields:
    """Titles, vocabularies and list semantics of fields, from the schemas (cached per path)."""

    def __init__(self, schemas: SchemaSet, communes: Communes) -> None:
        self.schemas = schemas
        self.communes = communes
        self._cache: dict[tuple[str, tuple], dict] = {}

    def schema(self, kind: str, path: tuple) -> dict:
        key = (kind, path)
        if key not in self._cache:
            try:
                self._cache[key] = self.schemas.field_schema(kind, list(path))
            except Exception:  # noqa: BLE001 - a record may hold fields the schema does not know
                self._cache[key] = {}
        return self._cache[key]

    def label(self, kind: str, path: tuple) -> str:
        title = self.schema(kind, path).get("title")
        if isinstance(title, str) and title:
            return title
        names = [part for part in path if isinstance(part, str)]
        return ".".join(str(part) for part in path) if not names else names[-1]

    def choices(self, kind: str, path: tuple) -> dict[str, str]:
        branches = self.schema(kind, path).get("oneOf") or []
        return {b["const"]: b["title"] for b in branches if isinstance(b, dict) and isinstance(b.get("const"), str) and isinstance(b.get("title"), str)}

    def is_set(self, kind: str, path: tuple) -> bool:
        return bool(self.schema(kind, path).get("uniqueItems"))

    def is_markdown(self, kind: str, path: tuple) -> bool:
        return self.schema(kind, path).get("contentMediaType") == "text/markdown"

    def value(self, kind: str, path: tuple, value: Any, width: int = WIDTH) -> str:
        """A value as a person reads it: vocabulary labels, commune names, oui/non; truncated."""
        if value is None:
            text = _("(vide)")
        elif isinstance(value, bool):
            text = _("oui") if value else _("non")
        elif isinstance(value, list):
            item_path = path + (0,)
            text = ", ".join(self.value(kind, item_path, item, width) for item in value) if value else _("(liste vide)")
        elif isinstance(value, dict):
            text = json.dumps(value, ensure_ascii=False, default=str)
        elif isinstance(value, str):
            text = self.choices(kind, path).get(value, value)
            if (path and path[-1] == "commune") or (path[:1] == ("area",) and len(path) == 2):
                place = self.communes.get(value)
                if place is not None:
                    text = f"{place.name} ({value})"
        else:
            text = str(value)
        return _truncate(" ".join(text.split()) if isinstance(value, str) else text, width)


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _flatten(data: Any, prefix: tuple = ()) -> dict[tuple, Any]:
    """Leaves of a record by path: nested mappings open up; lists stay whole unless they hold mappings."""
    found: dict[tuple, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            path = prefix + (str(key),)
            if isinstance(value, dict) and value:
                found.update(_flatten(value, path))
            elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
                for index, item in enumerate(value):
                    found.update(_flatten(item, path + (index,)) if isinstance(item, dict) and item else {path + (index,): item})
            else:
                found[path] = value
    return found


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _count_lines(added: int, removed: int) -> str:
    parts = []
    if added:
        parts.append(ngettext("+{n} ligne", "+{n} lignes", added).format(n=added))
    if removed:
        parts.append(ngettext("−{n} ligne", "−{n} lignes", removed).format(n=removed))
    return ", ".join(parts) if parts else _("espaces seulement")


def _text_change(path: tuple, label: str, old: Any, new: Any) -> FieldChange:
    old_lines = old.splitlines() if isinstance(old, str) else []
    new_lines = new.splitlines() if isinstance(new, str) else []
    diff = [line for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=1)][2:]
    added = sum(1 for line in diff if line.startswith("+"))
    removed = sum(1 for line in diff if line.startswith("-"))
    if not isinstance(old, str):
        text = ngettext("texte ajouté ({n} ligne)", "texte ajouté ({n} lignes)", len(new_lines)).format(n=len(new_lines))
    elif not isinstance(new, str):
        text = ngettext("texte retiré ({n} ligne)", "texte retiré ({n} lignes)", len(old_lines)).format(n=len(old_lines))
    else:
        text = _("texte modifié : {lines}").format(lines=_count_lines(added, removed))
    if len(diff) > MAX_DIFF_LINES:
        rest = len(diff) - MAX_DIFF_LINES
        diff = diff[:MAX_DIFF_LINES] + [ngettext("… ({n} ligne de plus)", "… ({n} lignes de plus)", rest).format(n=rest)]
    shown = "\n".join(diff) if isinstance(old, str) and isinstance(new, str) else ""
    return FieldChange(".".join(map(str, path)), label, "text", text, old, new, lines_added=added, lines_removed=removed, diff=shown)


def _rule_words(data: dict) -> str:
    """A record's recurrence as its page says it ("chaque samedi, jusqu'au 31 décembre 2027")."""
    rule, start = data.get("recurrence"), parse_moment(str(data.get("start", "")))
    if not isinstance(rule, str) or start is None:
        return str(rule)
    try:
        return describe_recurrence(rule, start)
    except ValueError:
        return rule


def _exception_words(item: Any) -> str:
    """One exception of a series, in words: "pas de séance le dimanche 27 décembre 2026 (Alerte)"."""
    if not isinstance(item, dict):
        return str(item)
    day = parse_moment(str(item.get("date", "")))
    when = format_day(day) if day is not None else str(item.get("date"))
    status = item.get("status") or "excluded"
    if status == "cancelled":
        text = _("séance du {day} annulée").format(day=when)
    elif status == "moved":
        moved = parse_moment(str(item.get("start", "")))
        text = _("séance du {day} déplacée au {new}").format(day=when, new=format_when(Occurrence(moved, moved)) if moved is not None else item.get("start"))
    else:
        text = _("pas de séance le {day}").format(day=when)
    return f"{text} ({item['note']})" if item.get("note") else text


def _series_changes(kind: str, old: dict, new: dict, fields_: _Fields) -> list[FieldChange]:
    """A series' rule and exceptions, said as the event's page says them."""
    changes = []
    if old.get("recurrence") != new.get("recurrence"):
        label = fields_.label(kind, ("recurrence",))
        before, after = (_rule_words(old) if old.get("recurrence") else None), (_rule_words(new) if new.get("recurrence") else None)
        text = _("{value} (ajouté)").format(value=after) if before is None else _("retiré (était : {value})").format(value=before) if after is None else f"{before} → {after}"
        changes.append(FieldChange("recurrence", label, "changed" if before and after else "added" if after else "removed", text, old.get("recurrence"), new.get("recurrence")))
    old_items = [i for i in old.get("exceptions") or [] if isinstance(i, dict)]
    new_items = [i for i in new.get("exceptions") or [] if isinstance(i, dict)]
    added = [_exception_words(i) for i in new_items if i not in old_items]
    removed = [_exception_words(i) for i in old_items if i not in new_items]
    if added or removed:
        text = ", ".join([f"+ {t}" for t in added] + [f"− {t}" for t in removed])
        changes.append(FieldChange("exceptions", fields_.label(kind, ("exceptions",)), "items", text, old.get("exceptions"), new.get("exceptions"), added, removed))
    return changes


def _link_words(item: Any, fields_: _Fields) -> str:
    """One link of an actor, in words: "membre de federation-x depuis le 1er septembre 2015 (note)"."""
    if not isinstance(item, dict):
        return str(item)
    kind_words = fields_.value(ACTOR, ("links", 0, "type"), item.get("type")).lower()
    text = f"{kind_words} {item.get('actor')}"
    for key, words in (("since", _("depuis le {day}")), ("until", _("jusqu'au {day}"))):
        day = parse_moment(str(item.get(key, ""))) if item.get(key) else None
        if day is not None:
            text += " " + words.format(day=format_day(day, weekday=False))
    return f"{text} ({item['note']})" if item.get("note") else text


def _links_change(kind: str, old: dict, new: dict, fields_: _Fields) -> list[FieldChange]:
    old_items = [i for i in old.get("links") or [] if isinstance(i, dict)]
    new_items = [i for i in new.get("links") or [] if isinstance(i, dict)]
    added = [_link_words(i, fields_) for i in new_items if i not in old_items]
    removed = [_link_words(i, fields_) for i in old_items if i not in new_items]
    if not added and not removed:
        return []
    text = ", ".join([f"+ {t}" for t in added] + [f"− {t}" for t in removed])
    return [FieldChange("links", fields_.label(kind, ("links",)), "items", text, old.get("links"), new.get("links"), added, removed)]


def field_changes(kind: str, old: dict, new: dict, fields_: _Fields, *, skip: Iterable[tuple] = ()) -> list[FieldChange]:
    """What differs between two versions of a record, field by field, in the new version's order."""
    before, after = _flatten(old), _flatten(new)
    paths = list(after) + [path for path in before if path not in after]
    skipped = set(skip)
    changes = []
    if kind == EVENT:
        series = {path for path in paths if path[0] in ("recurrence", "exceptions")}
        changes += [c for c in _series_changes(kind, old, new, fields_) if (c.field,) not in skipped]
        skipped |= series
    else:
        changes += [c for c in _links_change(kind, old, new, fields_) if (c.field,) not in skipped]
        skipped |= {path for path in paths if path[0] == "links"}
    for path in paths:
        if path in skipped:
            continue
        a, b = before.get(path, MISSING), after.get(path, MISSING)
        if _same(a, b):
            continue
        label = fields_.label(kind, path)
        dotted = ".".join(map(str, path))
        a_value = None if a is MISSING else a
        b_value = None if b is MISSING else b
        if (isinstance(a, list) or a is MISSING) and (isinstance(b, list) or b is MISSING) and fields_.is_set(kind, path):
            old_items, new_items = (a if isinstance(a, list) else []), (b if isinstance(b, list) else [])
            added = [item for item in new_items if item not in old_items]
            removed = [item for item in old_items if item not in new_items]
            if added or removed:
                added_labels = [fields_.value(kind, path + (0,), item) for item in added]
                removed_labels = [fields_.value(kind, path + (0,), item) for item in removed]
                text = ", ".join([f"+ {label}" for label in added_labels] + [f"− {label}" for label in removed_labels])
                changes.append(FieldChange(dotted, label, "items", text, a_value, b_value, added_labels, removed_labels))
            else:
                changes.append(FieldChange(dotted, label, "order", _("ordre modifié"), a_value, b_value))
            continue
        texts = [value for value in (a, b) if isinstance(value, str)]
        if texts and all(isinstance(v, str) or v is MISSING for v in (a, b)) and (
            fields_.is_markdown(kind, path) or any("\n" in value.strip() or len(value) > LONG_TEXT for value in texts)
        ):
            changes.append(_text_change(path, label, a_value, b_value))
            continue
        if a is MISSING:
            changes.append(FieldChange(dotted, label, "added", _("{value} (ajouté)").format(value=fields_.value(kind, path, b)), None, b_value))
        elif b is MISSING:
            changes.append(FieldChange(dotted, label, "removed", _("retiré (était : {value})").format(value=fields_.value(kind, path, a)), a_value, None))
        else:
            changes.append(FieldChange(dotted, label, "changed", f"{fields_.value(kind, path, a)} → {fields_.value(kind, path, b)}", a_value, b_value))
    return changes


def _migrations_behind(kind: str, old: dict, new: dict, communes: Communes) -> list[str]:
    """The migrations of communs that turn the old record into exactly the new one (a change
    made by ``communs upgrade``), or none when the change is a person's."""
    migrated, applied = migrate(kind, old, communes)
    return [m.name for m in applied] if applied and _same(migrated, new) else []


def _key_fields(record: Record | None, fields_: _Fields) -> list[tuple[str, str]]:
    if record is None:
        return []
    flat = _flatten(record.data)
    found = []
    for path in KEY_FIELDS[record.kind]:
        value = record.data.get(path[0]) if len(path) == 1 else flat.get(path)
        if value is None or isinstance(value, dict):
            continue
        found.append((fields_.label(record.kind, path), fields_.value(record.kind, path, value, KEY_WIDTH)))
    return found


# --- The review -----------------------------------------------------------------------------------


def _record_url(site_url: str, kind: str, record_id: str) -> str | None:
    if not RECORD_ID.fullmatch(record_id):
        return None
    return urls.absolute(site_url, urls.record(kind, record_id)) if site_url else urls.record(kind, record_id)


def _changes(git_: _Git, entries: list[_Entry]) -> tuple[list[tuple[str, _Place | None, _Place | None, _Entry]], list[tuple[str, str]]]:
    """Record changes (change, old place, new place, entry), with moves Git did not pair, and other files."""
    others: list[tuple[str, str]] = []
    pending: list[tuple[str, _Place | None, _Place | None, _Entry]] = []
    for entry in entries:
        old, new = _place(git_, entry.old_path), _place(git_, entry.new_path)
        if entry.status == "R" and (old is None or new is None or old.kind != new.kind):
            # Not a record on one side, or an actor become an event: a removal and an addition.
            pending.append((REMOVED, old, None, _Entry("D", entry.old_path, None, entry.old_blob, None)))
            pending.append((ADDED, None, new, _Entry("A", None, entry.new_path, None, entry.new_blob)))
        elif entry.status == "A":
            pending.append((ADDED, None, new, entry))
        elif entry.status == "D":
            pending.append((REMOVED, old, None, entry))
        elif entry.status == "R":
            pending.append((RENAMED if old.stem != new.stem else MOVED if old.folder != new.folder else MODIFIED, old, new, entry))
        else:
            pending.append((MODIFIED, old, new, entry))
    found = []
    for change, old, new, entry in pending:
        if (change in (ADDED, MODIFIED) and new is None) or (change == REMOVED and old is None):
            others.append((change, entry.new_path or entry.old_path or ""))
        else:
            found.append((change, old, new, entry))
    # A removal and an addition of the same kind and id are a move Git's similarity missed.
    removals: dict[tuple[str, str], int] = {}
    for index, (change, old, _new, _entry) in enumerate(found):
        if change == REMOVED:
            removals.setdefault((old.kind, old.stem), index)
    removal_of: dict[int, int] = {}  # addition index -> removal index
    paired: set[int] = set()
    for index, (change, _old, new, _entry) in enumerate(found):
        if change == ADDED:
            match = removals.get((new.kind, new.stem))
            if match is not None and match not in paired:
                removal_of[index] = match
                paired.add(match)
    result = []
    for index, (change, old, new, entry) in enumerate(found):
        if index in paired:
            continue
        if index in removal_of:
            gone = found[removal_of[index]]
            result.append((MOVED, gone[1], new, _Entry("R", gone[3].old_path, entry.new_path, gone[3].old_blob, entry.new_blob)))
        else:
            result.append((change, old, new, entry))
    return result, others


def _validate_head(git_: _Git, head: Revision, paths: list[str], jobs: int | None) -> tuple[list[Problem], int]:
    """Validate ``paths`` (repository-relative) as they stand in HEAD, against HEAD's whole directory."""
    if not paths:
        return [], 0
    in_place = False
    repo = git_.repo
    if repo.working_tree_dir is not None:
        try:
            current = repo.head.commit.hexsha
        except ValueError:
            current = None
        if current == head.sha:
            status = git_.run("status", "--porcelain", "-z", "--untracked-files=all", "--", *(git_.path(folder) for folder in FOLDERS.values()))
            in_place = not status.strip(b"\0")
    with tempfile.TemporaryDirectory(prefix="communs-review-") as scratch:
        if in_place:
            content_dir = Path(git_.cwd) / git_.prefix if git_.prefix else Path(git_.cwd)
        else:
            content_dir = _export(git_, head.sha, Path(scratch))
        shown = display_path(content_dir)
        targets = []
        for path in paths:
            relative = path[len(git_.prefix) + 1 :] if git_.prefix else path
            target = content_dir / relative
            if target.exists() and classify(target, content_dir) is not None:
                targets.append(target)
        if not targets:
            return [], 0
        try:
            report = validate(content_dir, files=targets, jobs=jobs, keep_records=False)
        except UsageError as error:
            raise ReviewError(str(error)) from error
        problems = [_relocate(found, shown, git_.prefix) for found in report.problems]
        return problems, report.checked


def _export(git_: _Git, sha: str, scratch: Path) -> Path:
    """HEAD's record folders as files, for the validator to read.

    Checked out from a private index into a scratch work tree (the repository's own index and
    work tree are not touched), by parallel workers: writing thousands of small files is what
    costs, and ``git archive`` piped to tar writes them one by one. A ``TMPDIR`` on a memory
    file system makes it faster still (15,000 records: 0.4 s on tmpfs, 1 to 6 s on a VM disk).
    """
    tree = scratch / "tree"
    tree.mkdir()
    env = dict(os.environ, GIT_INDEX_FILE=str(scratch / "index"))
    env.pop("GIT_WORK_TREE", None)
    base = ["git", f"--git-dir={git_.repo.git_dir}"]
    for folder in (git_.path(name) for name in FOLDERS.values()):
        if git_.run("ls-tree", sha, "--", folder).strip():
            subprocess.run([*base, "read-tree", "-i", f"--prefix={folder}/", f"{sha}:{folder}"], env=env, cwd=tree, check=True, capture_output=True)
    if (scratch / "index").exists():
        workers = str(min(16, 2 * (os.cpu_count() or 1)))
        subprocess.run(
            [*base, f"--work-tree={tree}", "-c", f"checkout.workers={workers}", "-c", "core.autocrlf=false", "checkout-index", "--all", "--force"],
            env=env, cwd=tree, check=True, capture_output=True,
        )
    content_dir = tree / git_.prefix if git_.prefix else tree
    content_dir.mkdir(parents=True, exist_ok=True)
    return content_dir


def _relocate(found: Problem, shown: str, prefix: str) -> Problem:
    """A problem found in the validated folder, told with repository-relative paths."""
    target = f"{prefix}/" if prefix else ""
    source = f"{shown}/"
    if source == target:
        return found
    file = found.file
    if file is not None and file.startswith(source):
        file = target + file[len(source) :]
    return dataclasses.replace(found, file=file, message=found.message.replace(source, target))


def _broken_references(git_: _Git, head: Revision, removed_ids: set[str], site_url: str, fields_: _Fields) -> list[BrokenReference]:
    """Events of HEAD whose organisers or venue name an actor the change removed, and calls
    that it posted."""
    if not removed_ids:
        return []
    patterns: list[str] = []
    for identifier in sorted(removed_ids):
        patterns += ["-e", identifier]
    output = git_.run("grep", "-l", "-z", "-F", *patterns, head.sha, "--", git_.path(FOLDERS[EVENT]), git_.path(FOLDERS[CALL]), ok=(0, 1))
    names = [os.fsdecode(item) for item in output.split(b"\0") if item]
    paths = [name.split(":", 1)[1] for name in names]
    blobs = git_.read_blobs(f"{head.sha}:{path}" for path in paths)
    found = []
    for path in sorted(paths):
        place = _place(git_, path)
        record = _parse(blobs.get(f"{head.sha}:{path}"), path, place) if place is not None else None
        if record is None or place.kind not in (EVENT, CALL):
            continue
        named: dict[str, list[str]] = defaultdict(list)  # actor id -> fields naming it
        if place.kind == CALL and record.data.get("actor") in removed_ids:
            named[record.data["actor"]].append("actor")
        organizers = record.data.get("organizers")
        if isinstance(organizers, list):
            for value in organizers:
                if isinstance(value, str) and value in removed_ids and "organizers" not in named[value]:
                    named[value].append("organizers")
        venue = record.data.get("venue")
        if isinstance(venue, str) and venue in removed_ids:
            named[venue].append("venue")
        for actor_id, field_names in sorted(named.items()):
            found.append(
                BrokenReference(
                    event_id=record.id, event_name=_name(record, record.id), path=path, commune=place.folder, actor_id=actor_id,
                    fields=tuple(field_names), labels=tuple(fields_.label(place.kind, (name,)) for name in field_names),
                    url=_record_url(site_url, place.kind, record.id),
                )
            )
    return found


_NAME_LINE = re.compile(r"^name:[ \t]*(.*?)[ \t]*$", re.MULTILINE)


def _quick_name(raw: bytes) -> str | None:
    """An actor's name read from its top-level ``name:`` line without parsing the YAML; None
    when the line is not a plain, single- or double-quoted scalar the regex can trust."""
    text = raw.decode("utf-8", "replace")
    found = _NAME_LINE.search(text)
    if found is None:
        return None
    following = text[found.end() + 1 :].split("\n", 1)[0]
    if following[:1] in (" ", "\t") and following.strip():
        return None  # a plain scalar continued on the next line
    value = found.group(1)
    if len(value) >= 2 and value[0] == value[-1] == '"' and "\\" not in value and '"' not in value[1:-1]:
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        inner = value[1:-1]
        return inner.replace("''", "'") if "'" not in inner.replace("''", "") else None
    if not value or value[0] in "|>&*!{[\"'%@`#" or " #" in value:
        return None
    return value


def _name_keys(name: str) -> set[tuple[str, str]]:
    """What makes two names "the same name" for the look-up: folded text, key words in any order, glued."""
    from communs.contrib.lookup import name_words
    from communs.records.text import fold

    words = name_words(name)
    return {("folded", fold(name)), ("words", " ".join(sorted(words))), ("glued", "".join(words))}


def _duplicates(git_: _Git, base: Revision, added: list[Record], gone: set[str], communes: Communes) -> dict[str, list[Any]]:
    """Base actors that are probably an added actor: a whoosh look-up over the part of the base
    where ``Lookup.duplicates`` can find one (nearby communes for similar names; the rest of
    the département only for the same name, pre-filtered on the raw ``name:`` line)."""
    from communs.contrib.lookup import Lookup, neighbour_radius_km
    from communs.records.communes import departement_of_code
    from communs.records.directory import Directory

    added = [record for record in added if record.name.strip()]
    if not added:
        return {}
    wanted = {record.folder for record in added}
    circles = [
        (place.lat, place.lon, neighbour_radius_km(place))
        for place in (communes.get(code) for code in wanted)
        if place is not None and place.lat is not None and place.lon is not None
    ]
    same_names: dict[str, set[tuple[str, str]]] = defaultdict(set)  # département -> name keys
    for record in added:
        same_names[departement_of_code(record.folder)] |= _name_keys(record.name)
    where: dict[str, str | None] = {}

    def area(folder: str) -> str | None:
        """'near' (any name may be alike), 'departement' (only the same name counts) or None."""
        if folder not in where:
            place = communes.get(folder)
            if folder in wanted or (
                place is not None and place.lat is not None and place.lon is not None
                and any(distance_km(place.lat, place.lon, lat, lon) <= radius for lat, lon, radius in circles)
            ):
                where[folder] = "near"
            else:
                where[folder] = "departement" if departement_of_code(folder) in same_names else None
        return where[folder]

    candidates = []
    for blob, path in git_.list_tree(base.sha, FOLDERS[ACTOR]):
        place = _place(git_, path)
        if place is not None and place.kind == ACTOR and path not in gone and area(place.folder) is not None:
            candidates.append((blob, path, place))
    blobs = git_.read_blobs(blob for blob, _path, _place_ in candidates)
    records = []
    for blob, path, place in candidates:
        raw = blobs.get(blob)
        if raw is None:
            continue
        name = _quick_name(raw)
        if name is None:
            parsed = _parse(raw, path, place)
            if parsed is None or not parsed.name.strip():
                continue
            name = parsed.name
        if area(place.folder) == "departement" and not (_name_keys(name) & same_names[departement_of_code(place.folder)]):
            continue
        # Only the name and the place matter to duplicates: the index skips the texts.
        records.append(Record(kind=ACTOR, file=path, folder=place.folder, stem=place.stem, data={"id": place.stem, "name": name, "commune": place.folder}))
    if not records:
        return {}
    found: dict[str, list[Any]] = {}
    with Lookup.build(Directory.from_records(records, communes=communes)) as lookup:
        for record in added:
            matches = lookup.duplicates(record.name, record.folder, kind=ACTOR, limit=MAX_DUPLICATES, exclude=record.id)
            if matches:
                found[record.id] = matches
    return found


def review(
    base: str,
    head: str = "HEAD",
    *,
    content_dir: Path = Path("content"),
    site_url: str = "",
    jobs: int | None = None,
) -> Review:
    """What the change from revision ``base`` to revision ``head`` does to the directory.

    ``content_dir`` names the content folder inside a Git working copy (its repository is found
    from it). Raises ``ReviewError`` (French message) for usage problems.
    """
    git_ = _Git(content_dir)
    base_rev, head_rev = git_.resolve(base), git_.resolve(head)
    communes = default_communes()
    fields_ = _Fields(default_schemas(), communes)
    site_url = site_url.rstrip("/")
    items, others = _changes(git_, _diff(git_, base_rev.sha, head_rev.sha))
    blobs = git_.read_blobs(blob for _c, _o, _n, entry in items for blob in (entry.old_blob, entry.new_blob) if blob)

    records: list[RecordChange] = []
    added_actors: list[Record] = []
    for change, old_place, new_place, entry in items:
        old = _parse(blobs.get(entry.old_blob or ""), entry.old_path or "", old_place) if old_place else None
        new = _parse(blobs.get(entry.new_blob or ""), entry.new_path or "", new_place) if new_place else None
        if change == REMOVED:
            place = old_place
            item = RecordChange(REMOVED, place.kind, place.stem, _name(old, place.stem), place.folder, entry.old_path or "", readable=old is not None)
            item.key_fields = _key_fields(old, fields_)
        else:
            place = new_place
            item = RecordChange(change, place.kind, place.stem, _name(new, place.stem), place.folder, entry.new_path or "", readable=new is not None)
            if change == ADDED:
                item.key_fields = _key_fields(new, fields_)
                raw = blobs.get(entry.new_blob or "") or b""
                item.content = raw.decode("utf-8", "replace")
                if new is not None and place.kind == ACTOR:
                    added_actors.append(new)
            else:
                item.old_path = entry.old_path
                if change in (MOVED, RENAMED):
                    item.old_id, item.old_commune = old_place.stem, old_place.folder
                item.readable = old is not None and new is not None
                if item.readable:
                    skip = [("commune",)] if item.moved else []
                    if item.renamed:
                        skip.append(("id",))
                    item.fields = field_changes(place.kind, dict(old.data), dict(new.data), fields_, skip=skip)
                    item.migrations = _migrations_behind(place.kind, dict(old.data), dict(new.data), communes)
        item.url = _record_url(site_url, item.kind, item.id)
        records.append(item)
    order = {change: rank for rank, change in enumerate(CHANGES)}
    records.sort(key=lambda r: (order[r.change], r.kind, r.commune, r.id))

    # Actors the change takes away: removed, or renamed, and under no other file in HEAD.
    taken = {r.id for r in records if r.kind == ACTOR and r.change == REMOVED} | {r.old_id for r in records if r.kind == ACTOR and r.renamed and r.old_id}
    if taken:
        still = {Path(path).name[: -len(SUFFIX)] for _blob, path in git_.list_tree(head_rev.sha, FOLDERS[ACTOR]) if path.endswith(SUFFIX)}
        taken -= still
    broken = _broken_references(git_, head_rev, taken, site_url, fields_)

    to_check = [r.path for r in records if r.change != REMOVED]
    to_check += [path for change, path in others if change != REMOVED]
    to_check += [b.path for b in broken]
    problems, checked = _validate_head(git_, head_rev, list(dict.fromkeys(to_check)), jobs)
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for found in problems:
        by_file[found.file or ""].append(found)
    for record in records:
        if record.change != REMOVED:
            record.problems = by_file.get(record.path, [])

    gone = {r.path for r in records if r.change == REMOVED} | {r.old_path for r in records if r.old_path and r.change in (MOVED, RENAMED)}
    duplicates = _duplicates(git_, base_rev, added_actors, gone, communes)
    return Review(base_rev, head_rev, records, problems, checked, duplicates, broken, sorted(others, key=lambda o: o[1]), communes, site_url)


# --- Markdown -------------------------------------------------------------------------------------

_ZWJ = "\u200d"
_MARKDOWN_PUNCTUATION = re.compile(r"([\\*_\[\]~$])")
_MENTION = re.compile(r"@(?=\w)")
_ISSUE = re.compile(r"#(?=\d)")
_GH_ISSUE = re.compile(r"(?i)\b(gh)-(?=\d)")


def md(text: Any) -> str:
    """Inline text from a contributor, made inert: no HTML, no Markdown, no mention or issue link."""
    value = " ".join(str(text).split())
    # Links first (the entities below hold '#' and digits of their own).
    value = _MENTION.sub("@" + _ZWJ, value)
    value = _ISSUE.sub("#" + _ZWJ, value)
    value = _GH_ISSUE.sub(lambda m: m.group(1) + "-" + _ZWJ, value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "&#96;").replace("|", "&#124;")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)


def code(text: Any) -> str:
    """A code span holding any text (no HTML, Markdown or mention is read inside code)."""
    value = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _fenced(text: str, language: str = "") -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *text.split("\n"), fence]


def _details(summary: str, text: str, language: str) -> list[str]:
    """A collapsible block; the summary is escaped, the body is a fenced code block."""
    return ["", f"<details><summary>{md(summary)}</summary>", "", *_fenced(text, language), "", "</details>"]


def _link(label: str, url: str | None) -> str:
    if not url:
        return md(label)
    safe = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    return f"[{md(label)}]({safe})"


def _problem_line(found: Problem) -> str:
    mark = "❌" if found.is_error else "⚠️"
    where = found.file or "?"
    if found.line:
        where += f":{found.line}" + (f":{found.column}" if found.column else "")
    pointer = f" {code(found.pointer[1:])}" if found.pointer else ""
    label = _("erreur") if found.is_error else _("avertissement")
    return f"- {mark} {code(where)} {label} [{found.code}]{pointer} — {md(found.message)}"


def _status(record: RecordChange) -> str:
    if record.change == REMOVED:
        return ""
    if not record.problems:
        return "✅ " + _("valide")
    parts = []
    if record.errors:
        parts.append(ngettext("{n} erreur", "{n} erreurs", record.errors).format(n=record.errors))
    if record.warnings:
        parts.append(ngettext("{n} avertissement", "{n} avertissements", record.warnings).format(n=record.warnings))
    return ("❌ " if record.errors else "⚠️ ") + ", ".join(parts)


def format_markdown(result: Review) -> str:
    kinds = {kind: kind_word(kind) for kind in FOLDERS}
    changes = {ADDED: _("Ajoutée"), MODIFIED: _("Modifiée"), MOVED: _("Déplacée"), RENAMED: _("Renommée"), REMOVED: _("Supprimée")}
    lines = [
        "## " + _("Annuaire : {summary}").format(summary=summary_line(result.counts)),
        "",
        _("Révisions comparées : {base} → {head}.").format(base=code(result.base.short), head=code(result.head.short)),
    ]
    for record in result.records:
        lines += ["", f"### {md(record.name)} — {md(result.commune_name(record.commune))} ({kinds[record.kind]})", ""]
        head = [f"**{changes[record.change]}**"]
        if record.url:
            head.append(_link(_("voir la fiche"), record.url))
        head.append(code(record.path))
        if _status(record):
            head.append(_status(record))
        lines.append(" · ".join(head))
        bullets = []
        for name in record.migrations:
            migration = next(m for m in MIGRATIONS if m.name == name)
            bullets.append(_("Réécrite par la migration {name} de communs {since} : {summary}").format(
                name=code(name), since=migration.since, summary=md(migration.summary)))
        if record.renamed:
            bullets.append(_("Identifiant : {old} → {new}").format(old=code(record.old_id), new=code(record.id)))
        if record.moved:
            bullets.append(_("Déplacée : {old} → {new}").format(old=md(result.commune_name(record.old_commune)), new=md(result.commune_name(record.commune))))
        for label, value in record.key_fields:
            bullets.append(f"{md(label)} : {md(value)}")
        details: list[str] = []
        for change in record.fields:
            bullets.append(f"{md(change.label)} : {md(change.text)}")
            if change.diff:
                details += _details(_("{field} : différences").format(field=change.label), change.diff, "diff")
        if record.change == MODIFIED and record.readable and not record.fields:
            bullets.append(_("Aucun champ modifié (mise en forme ou commentaires seulement)."))
        if not record.readable:
            bullets.append(_("Fiche illisible : voir la validation.") if record.change != REMOVED else _("L'ancienne version était illisible."))
        if bullets:
            lines += [""] + [f"- {bullet}" for bullet in bullets]
        if record.content:
            content_lines = record.content.rstrip("\n").split("\n")
            if len(content_lines) > MAX_CONTENT_LINES:
                content_lines = content_lines[:MAX_CONTENT_LINES] + ["# …"]
            details += _details(_("Contenu de la fiche"), "\n".join(content_lines), "yaml")
        lines += details
    if result.other_files:
        lines += ["", "### " + _("Autres fichiers"), ""]
        names = {ADDED: _("ajouté"), MODIFIED: _("modifié"), REMOVED: _("supprimé")}
        lines += [f"- {code(path)} ({names.get(change, change)})" for change, path in result.other_files]

    lines += ["", "## " + _("Validation"), ""]
    errors = [p for p in result.problems if p.is_error]
    warnings = [p for p in result.problems if not p.is_error]
    if not errors and not warnings:
        lines.append("✅ " + _("Toutes les fiches modifiées sont valides."))
    elif not errors:
        lines.append("✅ " + ngettext("Toutes les fiches modifiées sont valides, avec {n} avertissement :", "Toutes les fiches modifiées sont valides, avec {n} avertissements :", len(warnings)).format(n=len(warnings)))
    else:
        count = ngettext("{n} erreur", "{n} erreurs", len(errors)).format(n=len(errors))
        if warnings:
            count = _("{errors} et {warnings}").format(errors=count, warnings=ngettext("{n} avertissement", "{n} avertissements", len(warnings)).format(n=len(warnings)))
        lines.append("❌ " + _("{count} dans les fiches modifiées :").format(count=count))
    if result.problems:
        lines.append("")
        lines += [_problem_line(found) for found in errors + warnings]

    if any(r.change == ADDED and r.kind == ACTOR for r in result.records):
        lines += ["", "## " + _("Doublons probables"), ""]
        if not result.duplicates:
            lines.append(_("Aucun doublon probable parmi les acteurs ajoutés."))
        for record in result.records:
            for match in result.duplicates.get(record.id, []) if record.change == ADDED else []:
                url = _record_url(result.site_url, match.kind, match.id)
                lines.append(
                    "- "
                    + _("{new} ({commune}) ressemble à {other} — {other_commune} : {reason}").format(
                        new=md(record.name), commune=md(result.commune_name(record.commune)), other=_link(match.name, url),
                        other_commune=md(match.commune_name or match.commune), reason=md(match.reason),
                    )
                )

    if result.broken or any(r.kind == ACTOR and (r.change == REMOVED or r.renamed) for r in result.records):
        lines += ["", "## " + _("Références cassées"), ""]
        if not result.broken:
            lines.append(_("Aucune : plus aucun événement ni appel ne nomme les acteurs retirés."))
        for broken in result.broken:
            lines.append(
                "- "
                + _("{event} ({path}) nomme encore l'acteur retiré {actor} : {fields}").format(
                    event=_link(broken.event_name, broken.url), path=code(broken.path), actor=code(broken.actor_id), fields=md(", ".join(broken.labels))
                )
            )
    return "\n".join(lines) + "\n"


def format_json(result: Review) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str)


# --- Command line ---------------------------------------------------------------------------------


def default_site_url(content_dir: Path) -> str:
    """COMMUNS_SITEURL (what publishconf.py reads), else pelicanconf.py's literal SITEURL, else ''."""
    if os.environ.get("COMMUNS_SITEURL"):
        return os.environ["COMMUNS_SITEURL"]
    candidates = [Path("pelicanconf.py")]
    try:
        import git

        top = git.Repo(content_dir if content_dir.exists() else Path.cwd(), search_parent_directories=True).working_tree_dir
        if top:
            candidates.append(Path(top) / "pelicanconf.py")
    except Exception:  # noqa: BLE001, S110 - no repository: the review itself will say so
        pass
    for candidate in candidates:
        if candidate.is_file():
            try:
                tree = ast.parse(candidate.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError):
                return ""
            for node in tree.body:
                if (
                    isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "SITEURL" for t in node.targets)
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                ):
                    return node.value.value
            return ""
    return ""


@click.command("review", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("base", metavar="BASE")
@click.argument("head", metavar="[HEAD]", required=False, default="HEAD")
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches (dans un dépôt Git)."))
@click.option("--format", "output_format", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True, help=_("markdown pour une personne (résumé GitHub, commentaire), json pour un programme."))
@click.option("--site-url", default=None, help=_("Adresse publique du site, pour les liens vers les fiches (par défaut : COMMUNS_SITEURL, sinon SITEURL de pelicanconf.py ; liens relatifs si vide)."))
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help=_("Écrire le résumé dans ce fichier (remplacé) plutôt que sur la sortie standard."))
@click.option("--jobs", type=click.IntRange(min=1), default=None, help=_("Nombre de processus pour la vérification (par défaut : un par cœur)."))
def review_command(base: str, head: str, content_dir: Path, output_format: str, site_url: str | None, output: Path | None, jobs: int | None) -> None:
    """Résumer ce qu'un changement fait à l'annuaire, de la révision BASE à la révision HEAD.

    Fiches ajoutées, modifiées, supprimées, déplacées (commune changée) ou renommées, champ par
    champ ; vérification des fiches changées telles qu'elles sont dans HEAD ; doublons probables
    des acteurs ajoutés ; événements qui nomment encore un acteur supprimé. HEAD est par défaut le
    commit courant (HEAD de Git), jamais les modifications non commitées. En intégration continue :
    « communs review origin/main HEAD >> "$GITHUB_STEP_SUMMARY" ».

    Code de sortie : 0 si toutes les fiches changées sont valides (avertissements permis), 1 sinon,
    2 en cas d'usage incorrect (révision inconnue, pas de dépôt Git).
    """
    try:
        result = review(base, head, content_dir=content_dir, site_url=default_site_url(content_dir) if site_url is None else site_url, jobs=jobs)
    except ReviewError as error:
        click.echo(_("Erreur : {message}").format(message=error), err=True)
        sys.exit(EXIT_USAGE)
    text = format_json(result) if output_format == "json" else format_markdown(result)
    if output is not None:
        try:
            output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except OSError as error:
            click.echo(_("Erreur : impossible d'écrire {path} ({error}).").format(path=output, error=error.strerror), err=True)
            sys.exit(EXIT_USAGE)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    sys.exit(EXIT_OK if result.ok else EXIT_INVALID)
