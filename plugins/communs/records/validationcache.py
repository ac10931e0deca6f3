"""What the checks of each record file found, kept between runs: a rebuild checks again only the
files that changed.

A file's verdict (its problems, its entry for the checks across records, the record's data) is
found again by the file's place and the digest of its bytes; a record with a picture also by the
picture's state (``pictures.picture_state``), and pictures' own verdicts by their digest, so that
an unchanged picture is not decoded again. The whole cache is dropped when the code, the schemas,
the reference data or the territory change (``Checker.version``). The checks across records
(unique ids, references, duplicates, links) run on the whole directory, from the entries; their
problems are kept with the digest of every entry, and found again when no entry changed (an edit
of a summary changes no entry).

A file is known by its size, modification time and inode as Git knows it: when they are those
the verdict was saved with, and the file was not modified within a second of being read then
(``RACY_NS``: it may have changed again within the same clock tick), its bytes are not read again
to be digested. Any other file is read and digested.

The verdicts are kept in one JSON file per commune folder and kind of record, so that an edit
rewrites one small file. JSON, because a CI cache may be restored from elsewhere and reading it
must never run anything (as unpickling would).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import orjson

from communs.fingerprints import digest
from communs.records.content import RecordFile
from communs.records.crosscheck import Entry
from communs.records.pictures import content_root, picture_file, picture_state
from communs.records.problems import Problem
from communs.records.record import Record

FORMAT = 3  # of the files themselves
RACY_NS = 1_000_000_000
HEAD = "version.json"
PICTURES = "pictures.json"
CROSS = "across.json"
# What an entry says beyond its file's place (kind, file, commune come from there): every other field.
_PLACE = ("kind", "file", "commune")
_ENTRY_FIELDS = tuple(field.name for field in fields(Entry) if field.name not in _PLACE)


def _tuples(value: Any) -> Any:
    """JSON's lists back as the tuples an entry holds (it holds no list)."""
    if type(value) is not list:
        return value
    return tuple([_tuples(item) if type(item) is list else item for item in value])


def _entry(source: RecordFile, value: dict[str, Any]) -> Entry:
    if set(value) != set(_ENTRY_FIELDS):
        raise KeyError("an entry of another version")
    return Entry(kind=source.kind, file=source.display, commune=source.folder, **{name: _tuples(value[name]) for name in _ENTRY_FIELDS})


def _round_trips(data: Any) -> bool:
    """Whether a record's data comes back from JSON as it is (YAML keys are texts and values plain
    types; anything else is checked again each time rather than changed)."""
    try:
        return orjson.loads(orjson.dumps(data)) == data
    except (TypeError, ValueError):
        return False


# In a long-lived process (``communs serve``, see ``keep_in_memory``), the files it read or wrote,
# by path: their state (size, time, inode) and what they hold; it reads again only the files that
# changed since. A one-shot build keeps nothing: at national size, the verdicts kept after the
# validation were hundreds of megabytes of the build's peak.
_read: dict[Path, tuple[tuple[int, int, int], Any]] = {}
_keep = False


def keep_in_memory(keep: bool = True) -> None:
    """Whether this process keeps the verdict files it reads and writes in memory (see ``_read``)."""
    global _keep
    _keep = keep
    if not keep:
        _read.clear()


def _state(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns, status.st_ino


def _load(path: Path) -> Any:
    """A JSON file's value, from memory when the file is as this process last saw it."""
    state = _state(path)
    known = _read.get(path)
    if known is not None and known[0] == state:
        return known[1]
    value = orjson.loads(path.read_bytes())
    if _keep:
        _read[path] = (state, value)
    return value


def _write(path: Path, value: Any) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(orjson.dumps(value))
    temporary.replace(path)
    if not _keep:
        return
    try:
        _read[path] = (_state(path), value)
    except OSError:
        _read.pop(path, None)


class ValidationCache:
    """Verdicts of record files by (place, digest), and of pictures by digest, in a folder of JSON files."""

    def __init__(self, folder: Path | None, version: str) -> None:
        self.folder = folder
        self.version = version
        self.shards: dict[str, dict[str, dict[str, Any]]] = {}  # "actor-97411" -> display -> verdict
        self.pictures: dict[str, str | None] = {}
        self.across: tuple[str, list[Problem]] | None = None  # the checks across records: entries' digest, problems
        self.across_changed = False
        self.used: dict[str, set[str]] = {}
        self.dirty: set[str] = set()
        self.pictures_changed = False
        self.hits = 0  # files whose verdict was found
        self.fits = False  # the folder's files are this version's
        if folder is None or not folder.is_dir():
            return
        try:
            head = orjson.loads((folder / HEAD).read_bytes())
            self.fits = head.get("format") == FORMAT and head.get("version") == version
        except (OSError, ValueError, AttributeError):
            self.fits = False
        if not self.fits:
            return
        for path in folder.glob("*.json"):
            if path.name in (HEAD, PICTURES, CROSS):
                continue
            try:
                shard = _load(path)
            except (OSError, ValueError):
                continue
            if isinstance(shard, dict):
                self.shards[path.stem] = dict(shard)  # a copy: this run's verdicts go into it
        try:
            pictures = _load(folder / PICTURES)
            self.pictures = dict(pictures) if isinstance(pictures, dict) else {}
        except (OSError, ValueError, TypeError):
            self.pictures = {}

    @staticmethod
    def cross_key(files: list[str], entries: list[Entry]) -> str:
        """What the checks across records read: every record file, and the entry of each one read
        (a thousand at a time: a national directory's entries are a hundred megabytes of JSON)."""
        hasher = hashlib.blake2b(digest_size=16)
        for values in (files, entries):
            for start in range(0, len(values), 1000):
                hasher.update(orjson.dumps(values[start:start + 1000]))
            hasher.update(b"\0")
        return hasher.hexdigest()

    def cross_problems(self, key: str) -> list[Problem] | None:
        """The problems across records found last time, when they were found for these entries."""
        if self.across is None and self.folder is not None and self.fits:
            try:
                saved = _load(self.folder / CROSS)
                self.across = (saved["key"], [Problem(**found) for found in saved["problems"]])
            except (OSError, ValueError, TypeError, KeyError):
                self.across = ("", [])
        if self.across is None or self.across[0] != key:
            return None
        return list(self.across[1])

    def keep_cross_problems(self, key: str, problems: list[Problem]) -> None:
        self.across = (key, list(problems))
        self.across_changed = True

    @classmethod
    def for_content(cls, cache_dir: Path, content_dir: Path, version: str) -> "ValidationCache":
        scope = digest(content_dir.resolve())[:16]
        return cls(cache_dir / "communs" / f"validation-{scope}", version)

    @staticmethod
    def shard_of(source: RecordFile) -> str:
        return f"{source.kind}-{source.folder}"

    def known_digest(self, source: RecordFile, state: tuple[int, int, int]) -> str | None:
        """The digest of a file's bytes saved with its verdict, when the file's ``state`` (size,
        modification time, inode) is the one saved and was not racily clean then; None otherwise
        (the file is then read and digested)."""
        found = self.shards.get(self.shard_of(source), {}).get(source.display)
        if not isinstance(found, dict):
            return None
        saved, seen = found.get("state"), found.get("seen")
        if not isinstance(saved, list) or not isinstance(seen, int) or tuple(saved) != state or state[1] >= seen - RACY_NS:
            return None
        value = found.get("digest")
        return value if isinstance(value, str) else None

    def note_state(self, source: RecordFile, raw_digest: str, state: tuple[int, int, int], seen: int) -> None:
        """A file read again with the bytes its verdict was saved for (touched, copied, checked
        out again): its new state is saved, so that the next run need not read it."""
        shard = self.shard_of(source)
        found = self.shards.get(shard, {}).get(source.display)
        if isinstance(found, dict) and found.get("digest") == raw_digest and (found.get("state") != list(state) or found.get("seen") != seen):
            self.shards[shard][source.display] = {**found, "state": list(state), "seen": seen}
            self.dirty.add(shard)

    def get(self, source: RecordFile, raw_digest: str) -> tuple[list[Problem], Entry | None, Record | None] | None:
        """The verdict of a file with these bytes at this place, if its picture (if any) is unchanged."""
        shard = self.shard_of(source)
        found = self.shards.get(shard, {}).get(source.display)
        if not isinstance(found, dict) or found.get("digest") != raw_digest:
            return None
        try:
            picture = found.get("picture")
            if picture is not None and picture_state(content_root(source.path) / picture[0]) != picture[1]:
                return None
            problems = [Problem(**problem) for problem in found["problems"]]
            entry = _entry(source, found["entry"]) if found.get("entry") is not None else None
            data = found.get("data")
            record = Record(kind=source.kind, file=source.display, folder=source.folder, stem=source.stem, data=data, digest=raw_digest) if isinstance(data, dict) else None
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return None  # written by another version of this module, or damaged: check again
        self.used.setdefault(shard, set()).add(source.display)
        self.hits += 1
        return problems, entry, record

    def put(self, source: RecordFile, raw_digest: str, problems: list[Problem], entry: Entry | None, record: Record | None,
            state: tuple[int, int, int] | None = None, seen: int | None = None) -> None:
        """A file's verdict; ``state`` is the file's (size, time, inode) taken at ``seen`` (ns),
        before its bytes were read."""
        if any(problem.code == "internal-error" for problem in problems) or (record is not None and not _round_trips(record.data)):
            return  # a check that broke may not break next time; data JSON would change is read again
        value: dict[str, Any] = {"digest": raw_digest, "problems": [problem.as_dict() for problem in problems], "entry": None}
        if state is not None and seen is not None:
            value["state"], value["seen"] = list(state), seen
        if entry is not None:
            known = asdict(entry)
            value["entry"] = {name: known[name] for name in _ENTRY_FIELDS}
        if record is not None:
            value["data"] = record.data
            file = picture_file(record)
            if file is not None:
                value["picture"] = [file, picture_state(content_root(source.path) / file)]
        shard = self.shard_of(source)
        self.shards.setdefault(shard, {})[source.display] = value
        self.used.setdefault(shard, set()).add(source.display)
        self.dirty.add(shard)

    def add_pictures(self, verdicts: dict[str, str | None]) -> None:
        """Pictures judged during this run (state and format -> message, None when fine)."""
        if verdicts:
            self.pictures.update(verdicts)
            self.pictures_changed = True

    def save(self) -> None:
        """Write the folders whose verdicts changed; a deleted or changed file's old verdict goes."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.fits:
            for path in self.folder.glob("*.json"):
                path.unlink()
            _write(self.folder / HEAD, {"format": FORMAT, "version": self.version})
            self.fits = True
        for shard, verdicts in self.shards.items():
            used = self.used.get(shard, set())
            path = self.folder / f"{shard}.json"
            if not used:
                path.unlink(missing_ok=True)
            elif shard in self.dirty or len(used) != len(verdicts):
                _write(path, {display: verdicts[display] for display in sorted(used)})
        states = {value["picture"][1] for shard, verdicts in self.shards.items() for display, value in verdicts.items()
                  if display in self.used.get(shard, ()) and value.get("picture")}
        pictures = {key: verdict for key, verdict in sorted(self.pictures.items()) if key.rpartition(":")[0] in states}
        if self.pictures_changed or len(pictures) != len(self.pictures):
            _write(self.folder / PICTURES, pictures)
        if self.across_changed and self.across is not None:
            _write(self.folder / CROSS, {"key": self.across[0], "problems": [problem.as_dict() for problem in self.across[1]]})
            self.across_changed = False
