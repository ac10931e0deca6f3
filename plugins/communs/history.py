"""When each record was created and last changed, from one ``git log`` pass over the content.

A build outside a Git checkout (an exported tarball) still works: history is then unavailable and
pages say so.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FileHistory:
    created: datetime
    changed: datetime
    changes: int


def content_history(content_dir: Path) -> dict[str, FileHistory] | None:
    """History per record path (relative to the repository root, POSIX), or None without Git."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=content_dir, capture_output=True, text=True, check=True
        ).stdout.strip()
        log = subprocess.run(
            ["git", "log", "--format=%x00%aI", "--name-only", "--no-renames", "--", "."],
            cwd=content_dir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    prefix = content_dir.resolve().relative_to(Path(top).resolve()).as_posix()
    found: dict[str, list[datetime]] = {}
    for block in log.split("\0")[1:]:
        lines = block.strip("\n").split("\n")
        moment = datetime.fromisoformat(lines[0])
        for name in lines[1:]:
            if name.endswith(".yml"):
                found.setdefault(name, []).append(moment)
    history = {}
    for name, moments in found.items():
        relative = name[len(prefix) + 1 :] if prefix not in ("", ".") and name.startswith(prefix + "/") else name
        history[relative] = FileHistory(created=min(moments), changed=max(moments), changes=len(moments))
    return history
