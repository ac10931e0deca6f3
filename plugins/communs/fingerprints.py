"""Digests of what outputs are made from: the keys of every cache of communs.

The validation cache and the build cache both ask "is this made from the same inputs as last
time?": the same bytes of a record, the same code, schemas, reference data and templates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import orjson

from communs.resources import data_dir, package_dir, schemas_dir, theme_dir


# Dataclasses and dates by their ``str`` (their ``repr``, which the build's own classes write out).
_AS_JSON = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def digest(*parts: object) -> str:
    """A short digest of values, told apart by position: plain data (texts, numbers, lists, tuples,
    dicts) as JSON, anything else by its ``str``. Page keys digest tens of thousands of lists of
    record digests per build: JSON by orjson is several times faster than ``str`` of a list."""
    try:
        data = orjson.dumps(parts, default=str, option=_AS_JSON)
    except TypeError:  # keys that are not texts, integers beyond 64 bits, lone surrogates
        data = "\0".join(map(str, parts)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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
