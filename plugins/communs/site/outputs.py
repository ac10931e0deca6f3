"""Writing built files: only when their bytes change, and never half a file.

Unchanged files keep their mtime, so a rebuild touches nothing it need not and a deploy uploads
only what changed.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path


def write_if_changed(path: Path, data: bytes, *, known_different: bool = False) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly it (``known_different``: the
    caller has compared them); True when written."""
    try:
        if not known_different and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    return _write_beside(path, [data], compare=False)


def write_chunks_if_changed(path: Path, chunks: Iterable[bytes]) -> bool:
    """``write_if_changed`` for a file made in chunks and never held whole: written beside the
    target while it is compared with the file already there, renamed over it only when the bytes
    differ (the old file then keeps its mtime); True when written."""
    return _write_beside(path, chunks, compare=True)


def _beside(path: Path) -> tuple[int, str]:
    """A new file beside ``path`` (readable by all, as built files are), opened for writing, and
    its name; the folder is made when missing. Named after this process and thread (a national
    build writes hundreds of thousands of files: no folder made or random name drawn for each),
    or by ``tempfile`` should a crashed run have left that name behind."""
    temporary = f"{path.parent}/.{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    for attempt in range(2):
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
            os.fchmod(handle, 0o644)  # whatever the umask
            return handle, temporary
        except FileNotFoundError:
            if attempt:
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            break
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.chmod(temporary, 0o644)
    return handle, temporary


def _write_beside(path: Path, chunks: Iterable[bytes], *, compare: bool) -> bool:
    """Write ``chunks`` beside ``path``, then rename over it: a reader never sees half a file.
    With ``compare``, the chunks are compared with the file there as they are written, and the
    new file is dropped when the bytes are the same; True when renamed."""
    handle, temporary = _beside(path)
    try:
        old = None
        if compare:
            try:
                old = open(path, "rb")  # noqa: SIM115 (closed below, after the last chunk)
            except FileNotFoundError:
                pass
        same = old is not None
        try:
            with os.fdopen(handle, "wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
                    if same:
                        same = old.read(len(chunk)) == chunk  # type: ignore[union-attr]
            same = same and old.read(1) == b""  # type: ignore[union-attr]
        finally:
            if old is not None:
                old.close()
        if same:
            os.unlink(temporary)
            return False
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
