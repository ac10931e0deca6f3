"""Writing built files: only when their bytes change, and never half a file.

Unchanged files keep their mtime, so a rebuild touches nothing it need not and a deploy uploads
only what changed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_if_changed(path: Path, data: bytes, *, known_different: bool = False) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly it (``known_different``: the
    caller has compared them); True when written."""
    try:
        if not known_different and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target, then rename: a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True
