"""``communs validate``: every problem of a content tree, or of part of it against the whole.

Per-file work (reading, schema, record rules) runs in worker processes for large trees; the
checks across records run once, on the index of the whole directory.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from collections import ChainMap
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from communs.collector import paused
from communs.fingerprints import bytes_digest, code_version, digest
from communs.i18n import _, current_language
from communs.records.communes import Communes, default_communes
from communs.records.content import ACTOR, CALL, EVENT, FOLDERS, RecordFile, classify, display_path, scan
from communs.records.crosscheck import (
    Entry,
    Index,
    call_contact,
    cross_problems,
    entry_of,
    entry_of_file,
    reference_problems,
)
from communs.records.problems import Problem, problem
from communs.records.record import Record, parse_record, read_bytes, read_record
from communs.records.rules import RecordRules
from communs.records.schemas import SchemaSet, default_schemas
from communs.records.territory import Territory
from communs.records.validationcache import ValidationCache

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 1500
Progress = Callable[[int, int], None]


class UsageError(Exception):
    """The command was asked something impossible (missing path, unknown revision)."""


@dataclass
class Report:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)  # the checked records that could be read
    reused: int = 0  # of the checked files, those whose verdict came from the validation cache

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class FileResult:
    problems: list[Problem]
    entry: Entry | None
    record: Record | None  # kept only when asked for: records are heavy to send between processes
    verdicts: dict[str, str | None] = field(default_factory=dict)  # pictures judged on the way (see pictures.picture_problems)


class Checker:
    """The checks of single records, with their reference data loaded once."""

    def __init__(self, communes: Communes | None = None, schemas: SchemaSet | None = None, territory: Territory | None = None) -> None:
        self.schemas = schemas or default_schemas()
        self.rules = RecordRules(communes or default_communes(), self.schemas, territory)
        self.shipped = communes is None and schemas is None  # the package's own reference data
        self.picture_verdicts: dict[str, str | None] = {}  # pictures already judged, by state and format

    @cached_property
    def version(self) -> str | None:
        """What every file's verdict depends on besides the file: the code, the schemas, the
        reference data, the territory and the language of the messages; None for reference data
        given by the caller (not cached)."""
        if not self.shipped:
            return None
        territory = self.rules.territory
        return digest(code_version(theme=False), territory.perimeter if territory else "", territory.neighbours if territory else "", current_language())

    def check(self, source: RecordFile, keep_record: bool = True, raw: bytes | None = None, pictures: Mapping[str, bytes] | None = None) -> FileResult:
        """The checks of one record, read from its file or given as ``raw`` bytes (with the
        ``pictures`` it brings, not in the tree yet)."""
        try:
            record, problems = read_record(source) if raw is None else parse_record(raw, source)
            if record is None:
                return FileResult(problems, None, None)
            problems = problems + self.schemas.problems(record) + self.rules.problems(record)
            judged: dict[str, str | None] = {}
            if "image" in record.data:
                from communs.records.pictures import picture_problems

                problems += picture_problems(record, source.path, pictures, ChainMap(judged, self.picture_verdicts))
            return FileResult(problems, entry_of(record), record.without_marks() if keep_record else None, judged)
        except Exception as error:  # noqa: BLE001 - one broken check must not stop the run
            return FileResult(
                [
                    problem(
                        "internal-error",
                        _("Erreur interne du validateur sur ce fichier ({error}) : signalez-la aux mainteneurs avec ce fichier.").format(
                            error=type(error).__name__
                        ),
                        file=source.display,
                        line=1,
                        column=1,
                    )
                ],
                None,
                None,
            )


_worker_checker: Checker | None = None
_worker_keeps_records = True


def _check_in_worker(item: tuple[RecordFile, bytes | None]) -> FileResult:
    assert _worker_checker is not None
    source, raw = item
    return _worker_checker.check(source, _worker_keeps_records, raw)


@paused()  # verdicts and records: many objects, no cycle (see communs.collector)
def check_files(
    sources: Sequence[RecordFile],
    checker: Checker,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    keep_records: bool = True,
    cache: ValidationCache | None = None,
) -> list[FileResult]:
    """The checks of each file, in order; with a ``cache``, only of the files it has no verdict for."""
    if cache is None:
        return _check_all([(source, None) for source in sources], checker, jobs=jobs, progress=progress, keep_records=keep_records)
    checker.picture_verdicts = cache.pictures  # inherited by the forked workers
    results: list[FileResult | None] = [None] * len(sources)
    todo: list[tuple[int, RecordFile, bytes | None, str, tuple[int, int, int] | None, int]] = []
    seen = time.time_ns()  # before any file is looked at
    for index, source in enumerate(sources):
        try:
            status = os.lstat(source.path)
            state: tuple[int, int, int] | None = (status.st_size, status.st_mtime_ns, status.st_ino)
        except OSError:
            state = None
        raw: bytes | None = None
        raw_digest = cache.known_digest(source, state) if state is not None else None
        found = cache.get(source, raw_digest) if raw_digest is not None else None
        if found is None:  # not known by its state, or its verdict cannot be used (damaged, picture changed)
            read = _read_digest(source, checker, keep_records)
            if isinstance(read, FileResult):
                results[index] = read
                continue
            raw, raw_digest = read
            found = cache.get(source, raw_digest)
        if found is None:
            todo.append((index, source, raw, raw_digest, state, seen))
        else:
            if raw is not None and state is not None:
                cache.note_state(source, raw_digest, state, seen)
            problems, entry, record = found
            results[index] = FileResult(problems, entry, record if keep_records else None)
    reused = len(sources) - len(todo)
    shifted = (lambda done, total: progress(reused + done, reused + total)) if progress and todo else None
    checked = _check_all([(source, raw) for _index, source, raw, _digest, _state, _seen in todo], checker, jobs=jobs, progress=shifted, keep_records=True)
    for (index, source, _raw, raw_digest, state, seen), result in zip(todo, checked):
        cache.put(source, raw_digest, result.problems, result.entry, result.record, state, seen)
        cache.add_pictures(result.verdicts)
        results[index] = result if keep_records else FileResult(result.problems, result.entry, None, result.verdicts)
    if progress and not todo and sources:
        progress(len(sources), len(sources))
    return [result for result in results if result is not None]


def _read_digest(source: RecordFile, checker: Checker, keep_records: bool) -> tuple[bytes, str] | FileResult:
    """A record file's bytes and their digest; or, for a file that cannot be read, its result."""
    try:
        raw, problems = read_bytes(source)
    except OSError:
        raw, problems = None, []
    if raw is None:
        return checker.check(source, keep_records) if not problems else FileResult(problems, None, None)
    return raw, bytes_digest(raw)


def _check_all(items: Sequence[tuple[RecordFile, bytes | None]], checker: Checker, *, jobs: int | None, progress: Progress | None, keep_records: bool) -> list[FileResult]:
    """The checks of files (read from disk, or given as bytes), in worker processes when there are many."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    total = len(items)
    results: list[FileResult] = []
    if jobs <= 1 or total < PARALLEL_THRESHOLD or "fork" not in multiprocessing.get_all_start_methods():
        for index, (source, raw) in enumerate(items, start=1):
            results.append(checker.check(source, keep_records, raw))
            if progress and (index % 200 == 0 or index == total):
                progress(index, total)
        return results
    global _worker_checker, _worker_keeps_records
    _worker_checker = checker  # inherited by the forked workers: nothing is loaded twice
    _worker_keeps_records = keep_records
    context = multiprocessing.get_context("fork")
    chunk = max(50, total // (jobs * 8))
    # A worker collects its own garbage (parsing makes cycles), even when the build paused the
    # collector while it gathers the records (communs.collector.paused): forked, it would inherit
    # the pause and grow by a gigabyte over a national directory.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=gc.enable) as pool:
        for index, result in enumerate(pool.map(_check_in_worker, items, chunksize=chunk), start=1):
            results.append(result)
            if progress and (index % 200 == 0 or index == total):
                progress(index, total)
    return results


def check_against(raw: bytes, source: RecordFile, base: list[Entry], checker: Checker, *, replaces: tuple[str, ...] = (), pictures: Mapping[str, bytes] | None = None) -> FileResult:
    """A record that is not on disk yet (a contribution), checked against a directory's entries as
    if it stood at ``source``; ``replaces`` are files it takes the place of (itself, or the file it
    moves from); ``pictures``, the pictures it brings (``media/<id>.jpg`` -> bytes)."""
    result = checker.check(source, keep_record=True, raw=raw, pictures=pictures)
    if result.entry is None:
        return result
    gone = {source.display, *replaces}
    index = Index([entry for entry in base if entry.file not in gone] + [result.entry])
    result.problems.extend(cross_problems([result.entry], index))
    return result


def changed_paths(content_dir: Path, revision: str) -> tuple[list[Path], list[Path]]:
    """Record paths added or modified since ``revision`` (working tree included), and those deleted."""
    import git

    try:
        repo = git.Repo(content_dir, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
        raise UsageError(_("{path} n'est pas dans un dépôt Git : --changed-since a besoin de l'historique.").format(path=display_path(content_dir))) from error
    try:
        repo.commit(revision)
    except (git.BadName, ValueError, git.GitCommandError) as error:
        raise UsageError(_("La révision Git « {revision} » est inconnue.").format(revision=revision)) from error
    top = Path(repo.working_tree_dir)
    scope = [os.path.relpath(content_dir / folder, top) for folder in FOLDERS.values()]
    output = repo.git.diff("--name-status", "--no-renames", "-z", revision, "--", *scope)
    changed, deleted = [], []
    parts = [part for part in output.split("\0") if part]
    for status, name in zip(parts[0::2], parts[1::2]):
        (deleted if status.startswith("D") else changed).append(top / name)
    untracked = repo.git.ls_files("--others", "--exclude-standard", "-z", "--", *scope)
    changed += [top / name for name in untracked.split("\0") if name]
    return sorted(set(changed)), sorted(set(deleted))


@paused()  # the cache's verdicts, then the index across records
def validate(
    content_dir: Path,
    files: Sequence[Path] | None = None,
    *,
    changed_since: str | None = None,
    checker: Checker | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    keep_records: bool = True,
    cache_dir: Path | None = None,
) -> Report:
    """Check the whole tree, or only ``files`` / what changed since a Git revision, against the whole.

    With a ``cache_dir``, a file checked before with the same bytes (and the same code, schemas
    and territory) is not checked again (see ``validationcache``); the checks across records
    always run on the whole directory."""
    if not content_dir.is_dir():
        raise UsageError(_("Le dossier des fiches {path} n'existe pas.").format(path=display_path(content_dir)))
    checker = checker or Checker()
    cache = ValidationCache.for_content(cache_dir, content_dir, checker.version) if cache_dir is not None and checker.version else None
    all_files, strays = scan(content_dir)
    partial = files is not None or changed_since is not None
    deleted: list[Path] = []
    problems: list[Problem] = []
    if not partial:
        targets = all_files
        problems += strays
    else:
        wanted: list[Path] = []
        if files is not None:
            for path in files:
                if not path.exists():
                    raise UsageError(_("Le fichier {path} n'existe pas.").format(path=path))
                wanted.append(path)
        if changed_since is not None:
            changed, deleted = changed_paths(content_dir, changed_since)
            wanted += changed
        targets = []
        for path in sorted(set(wanted)):
            found = classify(path, content_dir)
            if isinstance(found, RecordFile):
                targets.append(found)
            elif found is not None:
                problems.append(found)
            elif files is not None and path in files:
                raise UsageError(
                    _("{path} n'est pas une fiche : les fiches sont dans {actors}/ et {events}/.").format(
                        path=path, actors=display_path(content_dir / FOLDERS[ACTOR]), events=display_path(content_dir / FOLDERS[EVENT])
                    )
                )
    results = check_files(targets, checker, jobs=jobs, progress=progress, keep_records=keep_records, cache=cache)
    checked = [result.entry for result in results if result.entry is not None]
    for result in results:
        problems += result.problems

    entries: list[Entry] = [entry_of_file(source) for source in all_files] + checked
    context = _context_entries(checked, all_files) if partial else []
    if partial or cache is None:
        record_index = Index(entries + context)
        problems += cross_problems(checked, record_index)
    else:
        # The whole directory: the same entries as last time (an edit that leaves names,
        # references and contacts alone) give the same problems across records.
        key = cache.cross_key([source.display for source in all_files], checked)
        found = cache.cross_problems(key)
        if found is None:
            found = cross_problems(checked, Index(entries))
            cache.keep_cross_problems(key, found)
        problems += found
    # A checked actor's contacts may no longer be those its unchanged calls give.
    changed_actors = {entry.id for entry in checked if entry.kind == ACTOR}
    for entry in context:
        if entry.kind == CALL and any(target in changed_actors for _pointer, target, _mark in entry.references):
            problems += call_contact(entry, record_index)
    if deleted:
        problems += reference_problems(_events_naming_deleted_actors(deleted, all_files, {e.file for e in checked}), record_index)
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.column or 0, p.code))
    records = [result.record for result in results if result.record is not None]
    if cache is not None:
        cache.save()
    return Report(checked=len(targets), problems=problems, records=records, reused=cache.hits if cache is not None else 0)


def _context_entries(checked: list[Entry], all_files: Iterable[RecordFile]) -> list[Entry]:
    """Read the neighbours of the checked records (same kind, same commune) for duplicate checks;
    every record when a checked name mixes scripts, since it may imitate any name (rare)."""
    places = {(entry.kind, entry.commune) for entry in checked}
    everywhere = any(entry.foreign for entry in checked)
    known = {entry.file for entry in checked}
    # Actors that may link to a checked actor (a pair written both ways is refused): those whose
    # file holds its id, found by a byte search as for the events of a deleted actor.
    # Calls name their actor, whose contacts theirs must match: a checked call reads its actor, a
    # checked actor the calls that name it.
    linked = [entry.id.encode() for entry in checked if entry.kind == ACTOR]
    callers = {target for entry in checked if entry.kind == CALL for _pointer, target, _mark in entry.references}
    entries = []
    for source in all_files:
        near = everywhere or (source.kind, source.folder) in places or (source.kind == ACTOR and source.stem in callers)
        if not near and linked and source.kind in (ACTOR, CALL) and source.display not in known:
            raw = source.path.read_bytes()
            near = any(needle in raw for needle in linked)
        if near and source.display not in known:
            record, _problems = read_record(source)
            if record is not None:
                entries.append(entry_of(record))
    return entries


def _events_naming_deleted_actors(deleted: list[Path], all_files: Iterable[RecordFile], known: set[str]) -> list[Entry]:
    """Records that still name a deleted actor (events as organiser or venue, actors in their
    links): they must be checked too."""
    removed_ids = {path.name[: -len(".yml")] for path in deleted if path.suffix == ".yml" and f"/{FOLDERS[ACTOR]}/" in path.as_posix()}
    if not removed_ids:
        return []
    needles = [identifier.encode() for identifier in removed_ids]
    found = []
    for source in all_files:
        if source.display in known:  # events naming it as organiser or venue, actors linking to it
            continue
        raw = source.path.read_bytes()
        if any(needle in raw for needle in needles):
            record, _problems = read_record(source)
            if record is not None:
                found.append(entry_of(record))
    return found
