"""Files made of one piece per record, remade piece by piece.

A whole-directory export (acteurs.json, evenements.ics...) is a head, one piece per record in a
fixed order with a separator between them, and a tail. ``Pieced.whole()`` makes it all; after an
edit, ``write_pieced`` makes again only the pieces whose key changed and copies the others from
the file the last build wrote, found through an index kept in the build cache (each piece's key,
place and length, and the digest of the whole file). A file that is not the one indexed (changed
by hand, written by another build) is made whole again. Both ways give the same bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from communs.fingerprints import bytes_digest
from communs.site.outputs import write_if_changed

Piece = tuple[bytes, Any]  # the piece's bytes and what the head or tail needs to know of it (JSON)
INDEX_FORMAT = 1


@dataclass(frozen=True)
class Pieced:
    """A file as pieces: (name, key, make) in order; ``head`` and ``tail`` from the pieces' metas."""

    items: Sequence[tuple[str, str, Callable[[], Piece]]]
    head: Callable[[list[Any]], bytes]
    tail: Callable[[list[Any]], bytes]
    separator: bytes = b""

    def whole(self) -> bytes:
        made = [make() for _name, _key, make in self.items]
        metas = [meta for _data, meta in made]
        return self.head(metas) + self.separator.join(data for data, _meta in made) + self.tail(metas)



def _index(path: Path) -> dict[str, Any] | None:
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return index if isinstance(index, dict) and index.get("format") == INDEX_FORMAT else None


def write_pieced(target: Path, pieced: Pieced, index_path: Path | None, version: str = "") -> bool:
    """Write ``pieced`` at ``target`` reusing the pieces of the last build whose key is unchanged
    (and made with the same ``version`` of the code and settings); True when the bytes changed.

    Pieces that follow each other in the old file as in the new one are copied as one span."""
    known: dict[str, list] = {}
    old = memoryview(b"")
    index = _index(index_path) if index_path is not None else None
    if index is not None and index.get("version") == version and target.is_file():
        data = target.read_bytes()
        if len(data) == index.get("size") and bytes_digest(data) == index.get("digest"):
            known, old = index["pieces"], memoryview(data)
    separator = pieced.separator
    chunks: list[bytes | memoryview] = []
    metas: list[Any] = []
    entries: dict[str, list] = {}
    span: list[int] | None = None  # [start, end] in the old file of the pieces being copied
    place = 0  # from the end of the head
    for number, (name, key, make) in enumerate(pieced.items):
        found = known.get(name)
        if found is not None and found[0] == key and found[1] + found[2] <= len(old):
            start, length, meta = found[1], found[2], found[3]
            if span is not None and number and span[1] + len(separator) == start and old[span[1]:start] == separator:
                span[1] = start + length
            else:
                if span is not None:
                    chunks.append(old[span[0]:span[1]])
                if number:
                    chunks.append(separator)
                span = [start, start + length]
        else:
            if span is not None:
                chunks.append(old[span[0]:span[1]])
                span = None
            if number:
                chunks.append(separator)
            chunk, meta = make()
            length = len(chunk)
            chunks.append(chunk)
        if number:
            place += len(separator)
        metas.append(meta)
        entries[name] = [key, place, length, meta]
        place += length
    if span is not None:
        chunks.append(old[span[0]:span[1]])
    head = pieced.head(metas)
    data = b"".join([head, *chunks, pieced.tail(metas)])
    # The old bytes, when read, tell whether anything changed without reading the file again.
    changed = (data != old) if len(old) else write_if_changed(target, data)
    if len(old) and changed:
        write_if_changed(target, data, known_different=True)
    if index_path is not None:
        for entry in entries.values():
            entry[1] += len(head)
        index_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = index_path.with_name(f".{index_path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"format": INDEX_FORMAT, "version": version, "size": len(data), "digest": bytes_digest(data), "pieces": entries},
                                        separators=(",", ":")), encoding="utf-8")
        temporary.replace(index_path)
    return changed
