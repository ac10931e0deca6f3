"""Digests of what outputs are made from: the keys of every cache of communs.

The validation cache and the build cache both ask "is this made from the same inputs as last
time?": the same bytes of a record, the same code, schemas, reference data and templates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from communs.resources import data_dir, package_dir, schemas_dir, theme_dir


def digest(*parts: object) -> str:
    """A short digest of values (by their ``str``), told apart by position."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(str(part).encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def bytes_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def files_digest(files: Iterable[Path]) -> str:
    """A digest of files' names and bytes."""
    hasher = hashlib.blake2b(digest_size=16)
    for path in files:
        if path.is_file():
            hasher.update(path.as_posix().encode("utf-8"))
            hasher.update(path.read_bytes())
    return hasher.hexdigest()


def code_files(*, theme: bool = True) -> list[Path]:
    """What outputs are made with besides the records: every module of the package (its
    sub-packages included: records/, site/...), the schemas, the reference data (communes) and,
    for what is built, the theme's templates and static files."""
    places: list[Path] = [
        *(sorted(theme_dir().rglob("*")) if theme else []),
        *sorted(schemas_dir().rglob("*.json")),
        *sorted(data_dir().rglob("*")),
        *sorted(package_dir().rglob("*.py")),
    ]
    return [path for path in places if path.is_file()]


def code_version(*, theme: bool = True) -> str:
    """A digest of code_files(): any change invalidates what was made with them."""
    return files_digest(code_files(theme=theme))
