"""What a whole build is made from, so that a rebuild with nothing changed stops at once.

Before anything is read or validated, ``communs build`` compares a stamp of the inputs of the
last successful build with the same inputs now: the code, templates, schemas and reference data
of the package, the settings (their file and the values it sets), the build day, the Git commit,
the front-end files copied in, and every file of the content folder (records, pictures, free
pages) by its path, size, modification time and inode. When they are equal and the output is
there, nothing is built. Any difference, and the build runs as usual (its caches then make it
redo only what changed).

Times are trusted as Git trusts them: a file whose modification time is within a second of the
last build's start may have been changed again within the same clock tick after it was read (a
"racily clean" file); a stamp never matches while such a file is in the folder.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import time
from pathlib import Path
from typing import Any

from communs.fingerprints import code_version, digest

RACY_NS = 1_000_000_000
FORMAT = 1
# Files a built site always has: their absence means the output is not the last build's.
LANDMARKS = ("index.html", "sitemap.xml")


def _plain(value: Any) -> Any:
    """Settings values as plain data (objects by their type: their code is in the settings file)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(str(item) for item in value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in sorted(value.items(), key=lambda pair: str(pair[0]))}
    return type(value).__name__


def _tree(folder: Path) -> tuple[list[tuple[str, int, int, int]], int]:
    """Every file under ``folder`` with its size, modification time and inode; the latest time."""
    found: list[tuple[str, int, int, int]] = []
    pending = [(str(folder), "")]
    while pending:
        top, prefix = pending.pop()
        try:
            entries = sorted(os.scandir(top), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, f"{prefix}{entry.name}/"))
                continue
            try:
                status = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            found.append((prefix + entry.name, status.st_size, status.st_mtime_ns, status.st_ino))
    found.sort()
    return found, max((item[2] for item in found), default=0)


def _commit(content_dir: Path) -> str:
    try:
        done = subprocess.run(["git", "-C", str(content_dir), "rev-parse", "-q", "--verify", "HEAD"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


class Stamp:
    """The inputs of a build of ``content_dir`` into ``output``, taken now (``extra``: anything
    else the build is asked that changes what it writes)."""

    def __init__(self, content_dir: Path, output: Path, settings_file: Path, cache: Path | None = None, extra: tuple = ()) -> None:
        from communs.settings import build_date

        self.started = time.time_ns()
        self.output = output
        values = {name: _plain(value) for name, value in runpy.run_path(str(settings_file)).items() if name.isupper()}
        # Where Pelican keeps its cache (CACHE_PATH, "cache" by default), unless --cache says.
        cache_dir = cache.resolve() if cache is not None else Path(str(values.get("CACHE_PATH") or "cache")).resolve()
        self.path = cache_dir / "communs" / f"stamp-{digest(output.resolve())[:16]}.json"
        files, self.latest = _tree(content_dir)
        theme = values.get("THEME")
        overrides = values.get("THEME_TEMPLATES_OVERRIDES") or []
        from communs.site import vendor

        try:
            front = [(str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in vendor.vendor_sources().values()]
        except (OSError, vendor.VendorError):
            front = []
        self.value = digest(
            FORMAT, content_dir.resolve(), output.resolve(), cache_dir, extra, settings_file.read_bytes(), json.dumps(values, sort_keys=True),
            build_date(str(values.get("TIMEZONE") or "Indian/Reunion")), code_version(), _commit(content_dir), front,
            [_tree(Path(folder))[0] for folder in (theme, *overrides) if isinstance(folder, str)], files,
        )

    def _saved(self) -> dict[str, Any] | None:
        if not self.path.is_file():
            return None
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return saved if isinstance(saved, dict) else None

    def matches(self) -> dict[str, Any] | None:
        """What the last build saved, when it was made from these same inputs and its output is
        there; None otherwise."""
        saved = self._saved()
        if saved is None or saved.get("stamp") != self.value or not all((self.output / name).exists() for name in LANDMARKS):
            return None
        started = saved.get("started")
        if not isinstance(started, int) or self.latest >= started - RACY_NS:
            return None  # a file changed too close to the last build's start to be trusted
        return saved

    def forget(self) -> None:
        """Before a build: an interrupted build must never leave the last stamp standing."""
        self.path.unlink(missing_ok=True)

    def save(self, report: str) -> None:
        """After a successful build, with what it said of the records (printed again when nothing changed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"format": FORMAT, "stamp": self.value, "started": self.started, "report": report}, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self.path)
