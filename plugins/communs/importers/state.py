"""What the last import of a dataset wrote, so that a re-import can tell human edits from its own.

``<content>/.imports/<dataset>.json`` (outside ``actors/`` and ``events/``, so the validator and
the site ignore it; commit it with the records)::

    {"dataset":"festivals-global-festivals-pl","format":"festivals","records":{
    "FEST_97411_12/97411/leu-tempo":{"fields":{"commune":"5b0e…","name":"9f2c…",…},"file":"c41d…","path":"actors/97411/leu-tempo.yml"},
    …
    }}

For each source id: the file the record was written to, a short hash (BLAKE2b, 32 bits: enough to tell a change) of
each field the importer wrote, as it wrote it, and of the file's bytes as the import left them
(a file nobody touched whose source row did not change is not even read again). Fields are the top-level fields, except that
mappings (``address``, ``contact``, ``source``, ``venue``...) count one field per key
(``contact.email``), so a human who adds a phone number does not freeze the imported web site;
``geo`` and lists are single fields. No values are stored (the records hold them), no dates
(two imports of the same file give the same bytes), one record per line (readable diffs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_FOLDER = ".imports"
ATOMIC = frozenset({"geo"})  # mappings compared as one field
MISSING = None  # the hash of an absent field


def field_hash(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()


def flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a record as the state counts them (``id`` excluded: it is the identity)."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "id":
            continue
        if isinstance(value, Mapping) and key not in ATOMIC:
            for sub, item in value.items():
                flat[f"{key}.{sub}"] = item
        else:
            flat[key] = value
    return flat


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=4).hexdigest()


def fingerprint(record: Mapping[str, Any]) -> dict[str, str]:
    return {key: field_hash(value) for key, value in sorted(flatten(record).items())}


def unflatten(flat: Mapping[str, Any], order: list[str]) -> dict[str, Any]:
    """A record from its fields (``order``: the top-level keys as they were, for stable output)."""
    record: dict[str, Any] = {}
    for key, value in flat.items():
        head, dot, sub = key.partition(".")
        if dot:
            container = record.setdefault(head, {})
            if isinstance(container, dict):
                container[sub] = value
        else:
            record[key] = value
    ranked = {key: index for index, key in enumerate(order)}
    return dict(sorted(record.items(), key=lambda item: ranked.get(item[0], len(ranked))))


@dataclass
class Entry:
    path: str  # relative to the content folder, with "/"
    fields: dict[str, str]
    file: str = ""  # hash of the file's bytes as the import left it (unchanged file: no need to read it)


@dataclass
class State:
    dataset: str
    format: str
    records: dict[str, Entry] = field(default_factory=dict)
    original: bytes = b""  # the file as read, to leave it untouched when nothing changed

    @staticmethod
    def path_for(content_dir: Path, dataset: str) -> Path:
        return content_dir / STATE_FOLDER / f"{dataset}.json"

    @classmethod
    def load(cls, content_dir: Path, dataset: str, format_name: str) -> State:
        path = cls.path_for(content_dir, dataset)
        if not path.is_file():
            return cls(dataset, format_name)
        raw = path.read_bytes()
        try:
            document = json.loads(raw.decode("utf-8"))
            records = {
                str(source_id): Entry(str(entry["path"]), {str(k): str(v) for k, v in entry["fields"].items()}, str(entry.get("file", "")))
                for source_id, entry in document.get("records", {}).items()
            }
        except (ValueError, KeyError, TypeError, AttributeError):
            # An unreadable state only costs the knowledge of past imports: every field that
            # differs is then treated as a human edit (kept, reported as a conflict).
            return cls(dataset, format_name, original=raw)
        return cls(dataset, document.get("format") or format_name, records, raw)

    def dumps(self) -> bytes:
        head = json.dumps({"dataset": self.dataset, "format": self.format}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))[:-1]
        lines = [
            json.dumps(source_id, ensure_ascii=False) + ":" + json.dumps({"fields": entry.fields, "file": entry.file, "path": entry.path}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            for source_id, entry in sorted(self.records.items())
        ]
        body = ",\n".join(lines)
        text = f'{head},"records":{{\n{body}\n}}}}\n' if lines else f'{head},"records":{{}}}}\n'
        return text.encode("utf-8")

    def save(self, content_dir: Path) -> bool:
        """Write the state if it changed; whether it was written."""
        data = self.dumps()
        if data == self.original:
            return False
        path = self.path_for(content_dir, self.dataset)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".json.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)
        self.original = data
        return True


@dataclass
class Merge:
    record: dict[str, Any]  # the record to write
    changed: list[str]  # fields taken from the source
    conflicts: list[str]  # fields changed both by people and in the source: kept as people left them


def merge(current: Mapping[str, Any], imported: Mapping[str, Any], baseline: Mapping[str, str] | None) -> Merge:
    """Three-way merge of one record, field by field (see ``communs.importers`` for the rules).

    ``baseline``: the hashes of what the last import wrote (None: no knowledge of it, so every
    field present on both sides that differs is a conflict, and fields only the source has are
    added).
    """
    base = dict(baseline or {})
    # A top-level mapping on one side and a plain value on the other: compare it whole.
    whole = {
        key for key in set(current) | set(imported)
        if isinstance(current.get(key), Mapping) != isinstance(imported.get(key), Mapping)
        and key in current and key in imported
    }

    def split(record: Mapping[str, Any]) -> dict[str, Any]:
        flat = flatten({k: v for k, v in record.items() if k not in whole})
        flat.update({k: record[k] for k in whole if k in record})
        return flat

    ours, theirs = split(current), split(imported)
    result = dict(ours)
    changed: list[str] = []
    conflicts: list[str] = []
    for key in sorted(set(ours) | set(theirs) | set(base)):
        if key == "id":
            continue
        new_hash = field_hash(theirs[key]) if key in theirs else MISSING
        current_hash = field_hash(ours[key]) if key in ours else MISSING
        last = base.get(key, MISSING)
        if new_hash == last:
            continue  # the source did not change this field: whatever people did stays
        if current_hash == new_hash:
            continue  # already as the source says
        if current_hash == last:
            if key in theirs:
                result[key] = theirs[key]
            else:
                result.pop(key, None)
            changed.append(key)
        else:
            conflicts.append(key)
    order = list(current) + [key for key in imported if key not in current]
    record = unflatten(result, order)
    record = {key: value for key, value in record.items() if value not in ({}, None)}
    if "id" in current:
        record = {"id": current["id"], **{k: v for k, v in record.items() if k != "id"}}
    return Merge(record, changed, conflicts)
