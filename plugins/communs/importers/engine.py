"""The import itself: match items with the records of earlier imports, detect duplicates, choose
ids, merge, write canonical YAML, remember what was written, validate it.

See ``communs.importers`` for the rules; this module applies them in this order:

1. read every item of the file (readers never stop at a bad row: they yield ``Skip``\\ s);
2. drop the items outside ``--commune`` / ``--departement`` (counted only);
3. find the record each item already has: the file the state names, else the record whose
   ``source`` block carries the same dataset and id (a record moved or renamed by hand, or
   linked by hand to a source row);
4. new items: a likely duplicate of an existing record of the same commune (same or similar
   name, as ``communs.contrib.lookup`` judges; for events, on the same day), or of an earlier item of
   the file, is reported and not created; the others get an id and are checked on their own by
   the validator's single-record checks, optional fields it refuses being dropped (flagged);
5. known items: field-by-field three-way merge with the state (``communs.importers.state``),
   written with ``communs.records.canonical.update_record`` so that people's formatting and comments
   survive; a record whose commune changes moves to its new folder;
6. write (not with ``--dry-run``, nor when nothing can be imported), save the state, validate the
   written files against the whole directory; when they do not validate, put every file back as
   it was (a failed import writes nothing: no records, no state).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.build import Context, Dataset
from communs.importers.duplicates import Blocks, Name
from communs.importers.mapping import Mapping
from communs.importers.model import Item, Note, Reason, Skip
from communs.importers.places import Places
from communs.importers.state import Entry, State, file_hash, fingerprint, merge
from communs.records.canonical import dump_record, normalise_record, update_record
from communs.records.communes import Communes, default_communes, departement_of_code
from communs.records.content import (
    EVENT,
    FOLDERS,
    RECORD_ID,
    SUFFIX,
    RecordFile,
    display_path,
    scan,
)
from communs.records.text import slugify
from communs.records.yamlreader import read_yaml

MAX_ID = 80
# Fields a single-record check may refuse without the record losing its meaning: dropped.
_REQUIRED = frozenset({"id", "name", "title", "kind", "type", "summary", "themes", "commune", "start", "source"})
Progress = Callable[[int, int], None]


@dataclass
class Outcome:
    """What happened to one item."""

    line: int
    status: str  # created, updated, unchanged, duplicate
    name: str
    commune: str
    id: str = ""
    path: str = ""  # as shown to people
    fields: list[str] = field(default_factory=list)  # updated fields
    conflicts: list[str] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)  # duplicates: the records it resembles
    notes: list[Note] = field(default_factory=list)


@dataclass
class Skipped:
    line: int
    code: str
    reason: str
    name: str = ""


@dataclass
class ImportResult:
    format: str
    file: str
    content: str
    dataset: str
    dry_run: bool
    rows: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    filtered: int = 0
    absent: list[str] = field(default_factory=list)  # records of earlier imports not in the file
    validation: Any = None  # communs.records.validation.Report of the written files
    written: list[str] = field(default_factory=list)
    state_file: str = ""
    seconds: float = 0.0
    rolled_back: bool = False  # the written files did not validate: everything was put back

    def of(self, status: str) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def conflicts(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.conflicts]

    @property
    def imported(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status in ("created", "updated", "unchanged"))

    @property
    def valid(self) -> bool:
        return self.validation is None or self.validation.ok

    @property
    def exit_status(self) -> int:
        return 0 if self.valid and self.imported and not self.rolled_back else 1


class _Backup:
    """The files an import is about to change, as they were, to put them back if it fails."""

    def __init__(self, content_dir: Path) -> None:
        self.before: dict[Path, bytes | None] = {}
        self.created_folders: list[Path] = []
        # The content folder itself and the folders the import will create, deepest last.
        folder = content_dir
        while not folder.exists():
            self.created_folders.append(folder)
            folder = folder.parent
        self.content_dir = content_dir

    def keep(self, path: Path) -> None:
        if path in self.before:
            return
        folder = path.parent
        while not folder.exists() and folder not in self.created_folders:
            self.created_folders.append(folder)
            folder = folder.parent
        self.before[path] = path.read_bytes() if path.is_file() else None

    def restore(self) -> None:
        for path, data in self.before.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        for folder in sorted(self.created_folders, key=lambda folder: len(folder.parts), reverse=True):
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty: something else lives there now


class Filters:
    def __init__(self, communes: Iterable[str], departements: Iterable[str]) -> None:
        self.communes = set(communes)
        self.departements = set(departements)

    @property
    def active(self) -> bool:
        return bool(self.communes or self.departements)

    def keeps(self, commune: str) -> bool:
        if not self.active:
            return True
        return commune in self.communes or departement_of_code(commune) in self.departements

    def keeps_hint(self, departements: tuple[str, ...]) -> bool:
        """Whether a skipped row may belong to the filtered area (unknown: yes, list it)."""
        if not self.active or not departements:
            return True
        wanted = self.departements | {departement_of_code(code) for code in self.communes}
        return any(departement in wanted for departement in departements)


def short_hash(text: str, size: int = 3) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).hexdigest()


def _join(base: str, suffix: str) -> str:
    """``base-suffix`` within the id length, cutting ``base`` at a word boundary if needed."""
    if not suffix:
        return base[:MAX_ID].rstrip("-")
    room = MAX_ID - len(suffix) - 1
    if len(base) > room:
        base = base[:room].rsplit("-", 1)[0] if "-" in base[:room] else base[:room]
    return f"{base.strip('-')}-{suffix}" if base.strip("-") else suffix


def _valid_hint(hint: str | None, item: Item) -> bool:
    """A source's own id reused as ours: communs-like ids only (a communs export's ids)."""
    if not hint or not RECORD_ID.match(hint) or not 3 <= len(hint) <= MAX_ID or "-" not in hint:
        return False
    if hint.replace("-", "").isdigit():
        return False
    if item.kind == EVENT:
        return hint.startswith(item.data["start"][:10] + "-")
    return True


class Existing:
    """The records already in the content folder: their ids, and those that carry a source."""

    def __init__(self, content_dir: Path, dataset: str) -> None:
        self.content_dir = content_dir
        self.dataset = dataset
        self.files: list[RecordFile] = scan(content_dir)[0] if content_dir.is_dir() else []
        self.ids: set[str] = {source.stem for source in self.files}
        self._raw: list[tuple[RecordFile, bytes]] | None = None

    def by_source(self, source_id: str) -> RecordFile | None:
        """The record whose ``source`` is this dataset and id (files are searched for the id's
        text first: only those holding it are parsed)."""
        if self._raw is None:
            self._raw = []
            needle = self.dataset.encode("utf-8")
            for source in self.files:
                try:
                    raw = source.path.read_bytes()
                except OSError:
                    continue
                if needle in raw:
                    self._raw.append((source, raw))
        plain = source_id.isprintable() and '"' not in source_id and "\\" not in source_id
        needle = source_id.encode("utf-8")
        for source, raw in self._raw:
            if plain and needle not in raw:
                continue
            data = _read(raw.decode("utf-8", errors="replace"))
            origin = data.get("source") if data else None
            if isinstance(origin, dict) and origin.get("dataset") == self.dataset and origin.get("id") == source_id:
                return source
        return None


def _read(text: str) -> dict[str, Any] | None:
    parsed = read_yaml(text)
    return parsed.value if parsed.ok and isinstance(parsed.value, dict) else None


@dataclass
class _Known:
    item: Item
    source: RecordFile
    text: str
    data: dict[str, Any] | None  # None: the file is as the last import wrote it, not parsed yet

    def record(self) -> dict[str, Any]:
        if self.data is None:
            self.data = _read(self.text) or {}
        return self.data


@dataclass
class _Write:
    path: Path
    text: str
    remove: Path | None = None  # a record that moved to another commune's folder


class Importer:
    def __init__(
        self,
        *,
        content_dir: Path,
        format_name: str,
        file: Path,
        dataset: Dataset,
        mapping: Mapping,
        filters: Filters,
        parent_communes: bool = False,
        dry_run: bool = False,
        communes: Communes | None = None,
        jobs: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        from communs.records.validation import Checker

        self.content_dir = content_dir
        self.format_name = format_name
        self.file = file
        self.dataset = dataset
        self.filters = filters
        self.dry_run = dry_run
        self.jobs = jobs
        self.progress = progress
        self.communes = communes or default_communes()
        self.places = Places(self.communes, parent_communes=parent_communes)
        self.context = Context(self.communes, self.places, mapping, dataset)
        self.checker = Checker(self.communes)
        self.content_display = display_path(content_dir)
        self.result = ImportResult(format_name, str(file), self.content_display, dataset.name, dry_run)

    # Checking one record ------------------------------------------------------------------------

    def _display(self, kind: str, commune: str, record_id: str) -> str:
        return f"{self.content_display}/{FOLDERS[kind]}/{commune}/{record_id}{SUFFIX}"

    def _shown(self, path: Path) -> str:
        """A path under the content folder as the validator shows it (without resolving it again)."""
        try:
            return f"{self.content_display}/{path.relative_to(self.content_dir).as_posix()}"
        except ValueError:
            return display_path(path)

    def precheck(self, item: Item, record_id: str, *, text: bool = True) -> tuple[dict[str, Any], str] | Reason:
        """The item's data as the single-record checks accept it (refused optional fields dropped),
        with its canonical text; or why the record cannot be written.

        The checks run on the data itself (the canonical text is guaranteed to read back to it),
        so positions in the messages are not needed and the text is written once.
        """
        from communs.records.record import Record

        data = dict(item.data)
        for _attempt in range(8):
            record = normalise_record(item.kind, {"id": record_id, **data})
            display = self._display(item.kind, data["commune"], record_id)
            checked = Record(kind=item.kind, file=display, folder=data["commune"], stem=record_id, data=record)
            try:
                problems = self.checker.schemas.problems(checked) + self.checker.rules.problems(checked)
            except Exception as error:  # noqa: BLE001 - one broken check must not stop the import
                return Reason("invalid-record", _("erreur interne du validateur ({error}) : signalez-la aux mainteneurs.").format(error=type(error).__name__))
            errors = [problem for problem in problems if problem.is_error]
            if not errors:
                return data, dump_record(item.kind, record) if text else ""
            fatal = [problem for problem in errors if not problem.pointer or problem.pointer.split("/")[1] in _REQUIRED]
            if fatal:
                problem = fatal[0]
                where = f"{problem.pointer[1:]} : " if problem.pointer else ""
                return Reason("invalid-record", _("refusée par le validateur ({code}) : {where}{message}").format(code=problem.code, where=where, message=problem.message))
            for problem in errors:
                if _drop(data, problem.pointer):
                    item.notes.append(Note("field-invalid", _("{field} refusé par le validateur ({message}) : écarté.").format(field=problem.pointer[1:], message=problem.message)))
        return Reason("invalid-record", _("refusée par le validateur."))

    # The run ------------------------------------------------------------------------------------

    def run(self, entries: Iterable[Item | Skip]) -> ImportResult:
        started = time.perf_counter()
        result = self.result
        state = State.load(self.content_dir, self.dataset.name, self.format_name)
        existing = Existing(self.content_dir, self.dataset.name)
        items: list[Item] = []
        seen_sources: dict[str, int] = {}
        skipped_sources: set[str] = set()  # rows still in the source, though not imported this time
        for entry in entries:
            result.rows += 1
            if isinstance(entry, Skip):
                if entry.source_id:
                    skipped_sources.add(entry.source_id)
                if self.filters.keeps_hint(entry.departement_hint):
                    result.skipped.append(Skipped(entry.line, entry.reason.code, entry.reason.message, entry.name))
                else:
                    result.filtered += 1
                continue
            if not self.filters.keeps(entry.commune):
                result.filtered += 1
                continue
            first = seen_sources.get(entry.source_id)
            if first is not None:
                result.skipped.append(Skipped(entry.line, "duplicate-source-id", _("même identifiant dans la source (« {id} ») que la ligne {line}.").format(id=entry.source_id, line=first), entry.name))
                continue
            seen_sources[entry.source_id] = entry.line
            items.append(entry)

        known: list[_Known] = []
        new: list[Item] = []
        for item in items:
            found = self._find(item, state, existing)
            if isinstance(found, Skipped):
                result.skipped.append(found)
            elif found is None:
                new.append(item)
            else:
                known.append(found)

        writes: list[_Write] = []
        self._done, self._total = 0, len(items)
        for entry in known:
            writes.extend(self._update(entry, state))
            self._tick()
        writes.extend(self._create_all(new, state, existing))

        self._note_absent(state, {**dict.fromkeys(skipped_sources, 0), **seen_sources})
        if not self.dry_run and result.imported:
            self._write(writes, state, existing)
        result.outcomes.sort(key=lambda outcome: outcome.line)
        result.skipped.sort(key=lambda skipped: skipped.line)
        result.seconds = time.perf_counter() - started
        return result

    def _write(self, writes: list[_Write], state: State, existing: Existing) -> None:
        """Write the records and the state, then validate what was written: when the written files
        do not validate (or writing fails), everything is put back as it was."""
        result = self.result
        backup = _Backup(self.content_dir)
        try:
            for write in writes:
                backup.keep(write.path)
                write.path.parent.mkdir(parents=True, exist_ok=True)
                write.path.write_text(write.text, encoding="utf-8", newline="\n")
                if write.remove is not None and write.remove != write.path and write.remove.exists():
                    backup.keep(write.remove)
                    write.remove.unlink()
            state_path = State.path_for(self.content_dir, self.dataset.name)
            backup.keep(state_path)
            if state.save(self.content_dir):
                result.state_file = display_path(state_path)
            result.written = [self._shown(write.path) for write in writes]
            if writes:
                from communs.records.validation import validate

                # Into a folder that held no record, everything there was written now: the whole
                # tree is checked, which is the same and spares resolving each path.
                files = None if not existing.files else [write.path for write in writes]
                result.validation = validate(self.content_dir, files, checker=self.checker, jobs=self.jobs, keep_records=False)
        except BaseException:
            backup.restore()
            raise
        if not result.valid:
            backup.restore()
            result.rolled_back = True
            result.written, result.state_file = [], ""

    def _tick(self) -> None:
        self._done += 1
        if self.progress is not None and (self._done % 200 == 0 or self._done == self._total):
            self.progress(self._done, self._total)

    def _find(self, item: Item, state: State, existing: Existing) -> _Known | Skipped | None:
        """The record an item already has, None if it has none, or why it must not be recreated."""
        entry = state.records.get(item.source_id)
        tried: set[Path] = set()
        if entry is not None:
            parts = Path(entry.path).parts
            kind = next((k for k, folder in FOLDERS.items() if parts and folder == parts[0]), None)
            path = self.content_dir / entry.path
            if kind is not None and len(parts) == 3 and path.is_file():
                known = self._carries_source(item, RecordFile(path=path, kind=kind, folder=parts[1], display=self._shown(path)), entry.file)
                if known is not None:
                    return known
                tried.add(path)
        source = existing.by_source(item.source_id)
        if source is not None and source.path not in tried and source.kind == item.kind:
            known = self._carries_source(item, source)
            if known is not None:
                return known
        if entry is not None:
            return Skipped(item.line, "deleted-by-hand", _("la fiche {path} de l'import précédent a été supprimée ou ne porte plus sa source : elle n'est pas recréée (retirez « {id} » de {state} pour la réimporter).").format(
                path=entry.path, id=item.source_id, state=display_path(State.path_for(self.content_dir, self.dataset.name))), item.name)
        return None

    def _carries_source(self, item: Item, source: RecordFile, written: str = "") -> _Known | None:
        try:
            raw = source.path.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if written and file_hash(raw) == written:
            return _Known(item, source, text, None)  # as the last import left it: read on demand
        data = _read(text)
        origin = data.get("source") if data else None
        if isinstance(origin, dict) and origin.get("dataset") == self.dataset.name and origin.get("id") == item.source_id:
            return _Known(item, source, text, data)  # type: ignore[arg-type]
        return None

    # Updates ------------------------------------------------------------------------------------

    def _update(self, known: _Known, state: State) -> list[_Write]:
        item, source = known.item, known.source
        entry = state.records.get(item.source_id)
        record_id = source.stem
        outcome = Outcome(item.line, "unchanged", item.name, item.commune, record_id, source.display, notes=list(item.notes))
        checked = self.precheck(item, record_id, text=False)
        if isinstance(checked, Reason):
            self.result.skipped.append(Skipped(item.line, checked.code, checked.message, item.name))
            return []
        imported = normalise_record(item.kind, {"id": record_id, **checked[0]})
        fields = fingerprint(imported)
        writes: list[_Write] = []
        target = source.path
        text = known.text
        if known.data is None and entry is not None and fields == entry.fields:
            pass  # neither the file nor the source row changed since the last import
        else:
            current = known.record()
            if isinstance(current.get("id"), str):
                outcome.id = record_id = current["id"]
            merged = merge(current, imported, entry.fields if entry is not None else None)
            outcome.conflicts = merged.conflicts
            commune = merged.record.get("commune", source.folder)
            if commune != source.folder and isinstance(commune, str):
                target = self.content_dir / FOLDERS[item.kind] / commune / f"{record_id}{SUFFIX}"
            if merged.changed:
                text = update_record(known.text, merged.record, item.kind)
                if text != known.text or target != source.path:
                    outcome.status = "updated"
                    outcome.fields = merged.changed
                    outcome.path = self._shown(target)
                    writes.append(_Write(target, text, remove=source.path if target != source.path else None))
        state.records[item.source_id] = Entry(target.relative_to(self.content_dir).as_posix(), fields, file_hash(text.encode("utf-8")))
        self.result.outcomes.append(outcome)
        return writes

    # Creations ----------------------------------------------------------------------------------

    def _create_all(self, items: list[Item], state: State, existing: Existing) -> list[_Write]:
        lookup, starts = self._lookup(items, existing)
        taken = set(existing.ids)
        # Rows created so far, per kind, commune and (events) day: later rows are compared with them.
        accepted: dict[tuple, Blocks[tuple[Item, str]]] = defaultdict(Blocks)
        writes: list[_Write] = []
        for item in items:
            key = (item.kind, item.commune, item.data.get("start", "")[:10] if item.kind == EVENT else "")
            name = Name(item.name)
            matches = self._duplicates(lookup, starts, item)
            if not matches:
                earlier = accepted[key].first_match(name)
                if earlier is not None:
                    other, other_id = earlier
                    matches = [{"id": other_id, "name": other.name, "commune": other.commune, "line": other.line, "reason": _("même nom ou nom proche, même commune, ligne {line} du fichier").format(line=other.line)}]
            if matches:
                self.result.outcomes.append(Outcome(item.line, "duplicate", item.name, item.commune, matches=matches))
                self._tick()
                continue
            record_id = self._new_id(item, taken)
            checked = self.precheck(item, record_id)
            if isinstance(checked, Reason):
                self.result.skipped.append(Skipped(item.line, checked.code, checked.message, item.name))
                self._tick()
                continue
            data, text = checked
            taken.add(record_id)
            path = self.content_dir / FOLDERS[item.kind] / item.commune / f"{record_id}{SUFFIX}"
            accepted[key].add(name, (item, record_id))
            writes.append(_Write(path, text))
            imported = normalise_record(item.kind, {"id": record_id, **data})
            state.records[item.source_id] = Entry(path.relative_to(self.content_dir).as_posix(), fingerprint(imported), file_hash(text.encode("utf-8")))
            self.result.outcomes.append(Outcome(item.line, "created", item.name, item.commune, record_id, self._shown(path), notes=list(item.notes)))
            self._tick()
        if lookup is not None:
            lookup.close()
        return writes

    def _lookup(self, items: list[Item], existing: Existing) -> tuple[Any, dict[str, str]]:
        """A duplicate index of the existing records in the communes where items are new, and the
        start of each event in it (events are duplicates only on the same day)."""
        if not items:
            return None, {}
        from communs.contrib.lookup import Lookup
        from communs.records.directory import Directory
        from communs.records.record import read_record

        places = {(item.kind, item.commune) for item in items}
        records = []
        for source in existing.files:
            if (source.kind, source.folder) in places:
                record, _problems = read_record(source)
                if record is not None and isinstance(record.data.get("id"), str) and record.name:
                    records.append(record.without_marks())
        if not records:
            return None, {}
        starts = {record.id: str(record.data.get("start", "")) for record in records if record.kind == EVENT}
        return Lookup.build(Directory.from_records(records, communes=self.communes)), starts

    def _duplicates(self, lookup: Any, starts: dict[str, str], item: Item) -> list[dict[str, Any]]:
        if lookup is None:
            return []
        found = []
        for match in lookup.duplicates(item.name, item.commune, kind=item.kind, limit=5):
            if match.commune != item.commune:
                continue
            if item.kind == EVENT and starts.get(match.id, "")[:10] != item.data["start"][:10]:
                continue
            found.append({"id": match.id, "name": match.name, "commune": match.commune, "reason": match.reason, "score": match.score})
        return found

    def _new_id(self, item: Item, taken: set[str]) -> str:
        commune = self.communes.get(item.commune)
        place = commune.slug if commune is not None else item.commune
        digest = short_hash(f"{self.dataset.name}/{item.source_id}")
        if item.kind == EVENT:
            day = item.data["start"][:10]
            words = slugify(item.name, max_length=MAX_ID - 11)
            base = item.id_hint if _valid_hint(item.id_hint, item) else (f"{day}-{words}" if words else f"{day}-evenement")
        else:
            words = slugify(item.name, max_length=MAX_ID)
            base = item.id_hint if _valid_hint(item.id_hint, item) else (words or ("festival" if item.data.get("kind") == "festival" else "acteur"))
        candidates = [base, _join(base, place), _join(base, f"{place}-{digest}"), _join(base, digest)]
        for candidate in candidates:
            if len(candidate) >= 3 and candidate not in taken:
                return candidate
        number = 2
        while True:
            candidate = _join(base, f"{digest}-{number}")
            if candidate not in taken:
                return candidate
            number += 1

    def _note_absent(self, state: State, seen: dict[str, int]) -> None:
        for source_id, entry in sorted(state.records.items()):
            if source_id in seen:
                continue
            parts = Path(entry.path).parts
            commune = parts[1] if len(parts) == 3 else ""
            if self.filters.keeps(commune) if commune else not self.filters.active:
                self.result.absent.append(entry.path)


def _drop(data: dict[str, Any], pointer: str) -> bool:
    """Remove the field at a JSON pointer (and containers left empty); whether it was there."""
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    if not parts:
        return False
    top = parts[0]
    if top not in data:
        return False
    if len(parts) == 1 or not isinstance(data[top], (dict, list)):
        del data[top]
        return True
    container = data[top] = _copy(data[top])
    trail = [container]
    for part in parts[1:-1]:
        key: Any = int(part) if isinstance(container, list) and part.isdigit() else part
        try:
            container = container[key]
        except (KeyError, IndexError, TypeError):
            return False
        trail.append(container)
    last: Any = parts[-1]
    if isinstance(container, list) and last.isdigit():
        last = int(last)
    try:
        del container[last]
    except (KeyError, IndexError, TypeError):
        return False
    if not data[top]:
        del data[top]
    return True


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
