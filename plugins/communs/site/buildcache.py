"""What each built file was made from, so that a rebuild redoes only what a change touches.

As in Lektor: every output records a key of its inputs (the records it shows, the settings, the
build day when it matters), under its path in the output folder; the code, templates and settings
(the ``version``) are the whole cache's. A rebuild skips an output whose key is unchanged and
whose file is still there. The paths are also the list of files the build owns: a file the last
build wrote that this one does not write any more (a deleted record's page, a commune left
empty) is stale, and removed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import orjson

from communs.fingerprints import code_files, code_version, digest, files_digest
from communs.site.outputs import write_if_changed

__all__ = ["BuildCache", "code_files", "code_version", "digest", "files_version", "remove_stale"]


def files_version(folders: Iterable[str | Path]) -> str:
    """A digest of every file under ``folders`` (an instance's own templates)."""
    return files_digest([path for folder in folders for path in sorted(Path(folder).rglob("*")) if path.is_file()])


FORMAT = 2


class BuildCache:
    """Keys of the last build's outputs by path, kept in a JSON file outside the output folder."""

    def __init__(self, path: Path | None, version: str = "") -> None:
        self.path = path
        self.version = version
        self.known: dict[str, str] = {}  # the last build's outputs
        self.entries: dict[str, str] = {}  # this build's
        self._saved_version = None
        if path is not None and path.is_file():
            try:
                document = orjson.loads(path.read_bytes())
                files = document["files"] if document.get("format") == FORMAT else {}
                self._saved_version = document.get("version")
                # Made with other code or settings, nothing is fresh; the files are still the build's.
                self.known = {str(k): str(v) if self._saved_version == version else "" for k, v in files.items()}
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self.known = {}

    @classmethod
    def for_output(cls, cache_dir: Path | None, output: Path, version: str = "") -> "BuildCache":
        if cache_dir is None:
            return cls(None, version)
        name = hashlib.blake2b(str(output.resolve()).encode("utf-8"), digest_size=8).hexdigest()
        return cls(cache_dir / "communs" / f"build-{name}.json", version)

    def fresh(self, key: str, value: str, target: Path | str) -> bool:
        """Whether the output ``key`` (its path in the output folder) is made from ``value`` as
        last time and still there; a fresh output stays the build's."""
        if value and self.known.get(key) == value and os.path.exists(target):
            self.entries[key] = value
            return True
        return False

    def remember(self, key: str, value: str) -> None:
        self.entries[key] = value

    def owns(self, key: str) -> None:
        """An output written at every build (never fresh), listed so that it is not stale."""
        self.entries[key] = ""

    def stale(self) -> list[str]:
        """Files the last build wrote and this one did not (``@``-keys are not files)."""
        return sorted(key for key in self.known.keys() - self.entries.keys() if not key.startswith("@"))

    def pieces_index(self, key: str) -> Path | None:
        """Where the pieces of a big output are indexed (see ``pieces``)."""
        if self.path is None:
            return None
        return self.path.parent / f"{self.path.stem}-pieces" / f"{digest(key)[:20]}.json"

    def save(self) -> None:
        if self.path is None or (self.entries == self.known and self._saved_version == self.version and self.path.is_file()):
            return
        document = {"format": FORMAT, "version": self.version, "files": self.entries}
        write_if_changed(self.path, orjson.dumps(document, option=orjson.OPT_SORT_KEYS), known_different=True)


def remove_stale(output: Path, cache: BuildCache) -> int:
    """Remove the files the last build wrote and this one did not, and the folders left empty."""
    removed = 0
    top = output.resolve()
    for key in cache.stale():
        target = output / key
        # The cache is a file a CI may restore from elsewhere: nothing it names outside the output goes.
        if Path(key).is_absolute() or ".." in Path(key).parts or not target.resolve().is_relative_to(top):
            continue
        if target.is_file() or target.is_symlink():
            target.unlink()
            removed += 1
        index = cache.pieces_index(key)
        if index is not None:
            index.unlink(missing_ok=True)
        folder = target.parent
        while folder != output and folder.is_relative_to(output):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent
    return removed
