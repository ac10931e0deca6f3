"""Files made of one piece per record, remade piece by piece.

A whole-directory export (acteurs.json, evenements.ics...) is a head, one piece per record in a
fixed order with a separator between them, and a tail. ``Pieced.whole()`` makes it all; after an
edit, ``write_pieced`` makes again only the pieces whose key changed and copies the others from
the file the last build wrote, found through an index kept in the build cache (each piece's key,
place and length, and the digest of the whole file). A file that is not the one indexed (changed
by hand, written by another build) is made whole again. Both ways give the same bytes, and
neither holds the whole file in memory.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from communs.site.outputs import write_chunks_if_changed, write_if_changed

Piece = tuple[bytes, Any]  # the piece's bytes and what the head or tail needs to know of it (JSON)
INDEX_FORMAT = 1
CHUNK = 1 << 20  # bytes read or copied at a time


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
        index = orjson.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return index if isinstance(index, dict) and index.get("format") == INDEX_FORMAT else None


def _file_digest(stream: BinaryIO) -> str:
    """``bytes_digest`` of a file's bytes, read a chunk at a time."""
    hasher = hashlib.blake2b(digest_size=16)
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        hasher.update(chunk)
    return hasher.hexdigest()


def _copy(source: BinaryIO, target: BinaryIO, start: int, end: int) -> None:
    """The bytes ``start:end`` of ``source`` appended to ``target``, a chunk at a time."""
    source.seek(start)
    while start < end:
        chunk = source.read(min(CHUNK, end - start))
        if not chunk:
            raise OSError("the file changed while it was read")
        target.write(chunk)
        start += len(chunk)


def write_pieced(target: Path, pieced: Pieced, index_path: Path | None, version: str = "") -> bool:
    """Write ``pieced`` at ``target`` reusing the pieces of the last build whose key is unchanged
    (and made with the same ``version`` of the code and settings); True when the bytes changed.

    Pieces that follow each other in the old file as in the new one are copied as one span. The
    file is never held whole in memory (the national exports weigh hundreds of megabytes): the
    pieces go to a scratch file beside the target, then the head (known once every piece is
    made), that body and the tail go to the target, compared with the old bytes as they go."""
    known: dict[str, list] = {}
    index = _index(index_path) if index_path is not None else None
    target.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        old: BinaryIO | None = None
        old_size = 0
        if index is not None and index.get("version") == version and target.is_file() and target.stat().st_size == index.get("size"):
            old = stack.enter_context(open(target, "rb"))
            if _file_digest(old) == index.get("digest"):
                known, old_size = index["pieces"], index["size"]
        body = stack.enter_context(tempfile.TemporaryFile(dir=target.parent))
        separator = pieced.separator
        metas: list[Any] = []
        entries: dict[str, list] = {}
        span: list[int] | None = None  # [start, end] in the old file of the pieces being copied
        place = 0  # from the end of the head
        for number, (name, key, make) in enumerate(pieced.items):
            found = known.get(name)
            if found is not None and found[0] == key and found[1] + found[2] <= old_size:
                start, length, meta = found[1], found[2], found[3]
                # Pieces next to each other in the old file (whose bytes are the indexed ones) have a
                # separator between them: they are copied as one span.
                if span is not None and number and span[1] + len(separator) == start:
                    span[1] = start + length
                else:
                    if span is not None:
                        _copy(old, body, *span)  # type: ignore[arg-type]
                    if number:
                        body.write(separator)
                    span = [start, start + length]
            else:
                if span is not None:
                    _copy(old, body, *span)  # type: ignore[arg-type]
                    span = None
                if number:
                    body.write(separator)
                chunk, meta = make()
                length = len(chunk)
                body.write(chunk)
            if number:
                place += len(separator)
            metas.append(meta)
            entries[name] = [key, place, length, meta]
            place += length
        if span is not None:
            _copy(old, body, *span)  # type: ignore[arg-type]
        head = pieced.head(metas)
        tail = pieced.tail(metas)
        body.seek(0)
        hasher = hashlib.blake2b(digest_size=16)

        def chunks() -> Iterator[bytes]:
            for chunk in (head, *iter(lambda: body.read(CHUNK), b""), tail):
                hasher.update(chunk)
                yield chunk

        changed = write_chunks_if_changed(target, chunks())
    if index_path is not None:
        for entry in entries.values():
            entry[1] += len(head)
        document = {"format": INDEX_FORMAT, "version": version, "size": len(head) + place + len(tail), "digest": hasher.hexdigest(), "pieces": entries}
        write_if_changed(index_path, orjson.dumps(document), known_different=True)
    return changed
