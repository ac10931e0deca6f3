"""What the checks of each record file found, kept between runs: a rebuild checks again only the
files that changed.

A file's verdict (its problems, its entry for the checks across records, the record itself) is
found again by the file's place and the digest of its bytes; a record with a picture also by the
picture's state (``pictures.picture_state``), and pictures' own verdicts by their digest, so that
an unchanged picture is not decoded again. The whole cache is dropped when the code, the schemas,
the reference data or the territory change (``Checker.version``). The checks across records
(unique ids, references, duplicates, links) are not cached: they run on the whole directory
every time, from the entries.

The cache is a JSON file: a CI cache may be restored from elsewhere, and reading it must never
run anything (as unpickling would).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from communs.fingerprints import digest
from communs.records.crosscheck import Entry
from communs.records.pictures import content_root, picture_file, picture_state
from communs.records.problems import Problem
from communs.records.record import Record

FORMAT = 1  # of the file itself


def _entry(value: dict[str, Any]) -> Entry:
    return Entry(**{
        **value,
        "references": tuple((pointer, target, tuple(mark)) for pointer, target, mark in value["references"]),
        "links": tuple((pointer, kind, target, tuple(mark)) for pointer, kind, target, mark in value["links"]),
        "id_mark": tuple(value["id_mark"]),
        "name_mark": tuple(value["name_mark"]),
    })


def _round_trips(data: Any) -> bool:
    """Whether a record's data comes back from JSON as it is (YAML keys are texts and values plain
    types; anything else is checked again each time rather than changed)."""
    try:
        return json.loads(json.dumps(data, ensure_ascii=False)) == data
    except (TypeError, ValueError):
        return False


class ValidationCache:
    """Verdicts of record files by (place, digest), and of pictures by digest, in one JSON file."""

    def __init__(self, path: Path | None, version: str) -> None:
        self.path = path
        self.version = version
        self.files: dict[str, dict[str, Any]] = {}
        self.pictures: dict[str, str | None] = {}
        self.used: set[str] = set()
        self.hits = 0  # files whose verdict was found
        self.changed = False
        if path is not None and path.is_file():
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                if document.get("format") == FORMAT and document.get("version") == version:
                    self.files = dict(document["files"])
                    self.pictures = dict(document["pictures"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self.files, self.pictures = {}, {}

    @classmethod
    def for_content(cls, cache_dir: Path, content_dir: Path, version: str) -> "ValidationCache":
        scope = digest(content_dir.resolve())[:16]
        return cls(cache_dir / "communs" / f"validation-{scope}.json", version)

    @staticmethod
    def key(display: str, raw_digest: str) -> str:
        return f"{display}\0{raw_digest}"

    def get(self, display: str, raw_digest: str, record_path: Path) -> tuple[list[Problem], Entry | None, Record | None] | None:
        """The verdict of a file with these bytes at this place, if its picture (if any) is unchanged."""
        key = self.key(display, raw_digest)
        found = self.files.get(key)
        if found is None:
            return None
        try:
            picture = found.get("picture")
            if picture is not None and picture_state(content_root(record_path) / picture[0]) != picture[1]:
                return None
            problems = [Problem(**problem) for problem in found["problems"]]
            entry = _entry(found["entry"]) if found.get("entry") is not None else None
            record = Record(**found["record"]) if found.get("record") is not None else None
        except (TypeError, ValueError, KeyError, IndexError):
            return None  # a cache from another version of this module, or damaged: check again
        self.used.add(key)
        self.hits += 1
        return problems, entry, record

    def put(self, display: str, raw_digest: str, record_path: Path, problems: list[Problem], entry: Entry | None, record: Record | None) -> None:
        if any(problem.code == "internal-error" for problem in problems) or (record is not None and not _round_trips(record.data)):
            return  # a check that broke may not break next time; data JSON would change is read again
        value: dict[str, Any] = {"problems": [problem.as_dict() for problem in problems], "entry": asdict(entry) if entry is not None else None}
        if record is not None:
            value["record"] = {"kind": record.kind, "file": record.file, "folder": record.folder, "stem": record.stem, "data": record.data, "digest": record.digest}
            file = picture_file(record)
            if file is not None:
                value["picture"] = [file, picture_state(content_root(record_path) / file)]
        key = self.key(display, raw_digest)
        self.files[key] = value
        self.used.add(key)
        self.changed = True

    def add_pictures(self, verdicts: dict[str, str | None]) -> None:
        """Pictures judged during this run (state and format -> message, None when fine)."""
        if verdicts:
            self.pictures.update(verdicts)
            self.changed = True

    def save(self) -> None:
        """Keep the verdicts of this run's files only (a deleted or changed file's old verdict goes)."""
        if self.path is None:
            return
        if not self.changed and len(self.used) == len(self.files) and self.path.is_file():
            return
        files = {key: self.files[key] for key in sorted(self.used) if key in self.files}
        states = {value["picture"][1] for value in files.values() if value.get("picture")}
        pictures = {key: verdict for key, verdict in sorted(self.pictures.items()) if key.rpartition(":")[0] in states}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"format": FORMAT, "version": self.version, "files": files, "pictures": pictures},
                                        ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        temporary.replace(self.path)
