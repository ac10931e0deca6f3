"""What each built file was made from, so that a rebuild redoes only what a change touches.

As in Lektor: every output that is expensive to make records a digest of its inputs (the records
it shows, the code and templates that render it, the settings, the build day when it matters).
A rebuild skips an output whose digest is unchanged and whose file is still there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from communs.fingerprints import code_files, code_version, digest, files_digest

__all__ = ["BuildCache", "code_files", "code_version", "digest", "files_version"]


def files_version(folders: Iterable[str | Path]) -> str:
    """A digest of every file under ``folders`` (an instance's own templates)."""
    return files_digest([path for folder in folders for path in sorted(Path(folder).rglob("*")) if path.is_file()])


class BuildCache:
    """Digests of the last build's outputs, kept in a JSON file outside the output folder."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, str] = {}
        if path is not None and path.is_file():
            try:
                self.entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.entries = {}

    @classmethod
    def for_output(cls, cache_dir: Path | None, output: Path) -> "BuildCache":
        if cache_dir is None:
            return cls(None)
        name = hashlib.blake2b(str(output.resolve()).encode("utf-8"), digest_size=8).hexdigest()
        return cls(cache_dir / "communs" / f"build-{name}.json")

    def fresh(self, key: str, value: str, target: Path) -> bool:
        return self.entries.get(key) == value and target.exists()

    def remember(self, key: str, value: str) -> None:
        self.entries[key] = value

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.entries, sort_keys=True, separators=(",", ":")), encoding="utf-8")
        temporary.replace(self.path)
