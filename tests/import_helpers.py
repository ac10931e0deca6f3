"""What import tests read back from a content folder they imported into."""

from __future__ import annotations

from pathlib import Path

import yaml


def records(content: Path) -> dict[str, tuple[str, dict]]:
    """id -> (path relative to content, data) of every record."""
    found = {}
    for path in sorted(content.glob("*/*/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[data["id"]] = (path.relative_to(content).as_posix(), data)
    return found


def snapshot(content: Path) -> dict[str, bytes]:
    """Every file under ``content`` with its bytes (to prove that nothing was written)."""
    return {path.relative_to(content).as_posix(): path.read_bytes() for path in sorted(content.rglob("*")) if path.is_file()}
