"""JSON files whose items are reported by line: the array of items, each with the line it starts on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.cleaning import decode
from communs.importers.model import ImportUsageError

_SPACE = re.compile(r"[ \t\n\r]*")


class _Lines:
    """Line numbers of offsets, counted incrementally (offsets only grow)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _skip(text: str, index: int) -> int:
    return _SPACE.match(text, index).end()  # type: ignore[union-attr]


def _elements(text: str, index: int, decoder: json.JSONDecoder, lines: _Lines) -> list[tuple[int, Any]]:
    found: list[tuple[int, Any]] = []
    index = _skip(text, index + 1)
    if text[index] == "]":
        return found
    while True:
        line = lines.at(index)
        value, index = decoder.raw_decode(text, index)
        found.append((line, value))
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
            continue
        return found


def load_items(path: Path, keys: tuple[str, ...], what: str) -> tuple[Any, list[tuple[int, Any]]]:
    """The document, and the items of its first array among ``keys`` (or the document itself when
    it is an array), each with the line it starts on. Unreadable JSON is a usage error."""
    try:
        text = decode(path.read_bytes()).text
        document = json.loads(text)
    except OSError as error:
        raise ImportUsageError(_("Le fichier {path} est illisible ({error}).").format(path=path, error=error.strerror or error)) from error
    except ValueError as error:
        raise ImportUsageError(_("{path} n'est pas un fichier JSON valide ({error}).").format(path=path, error=error)) from error
    decoder = json.JSONDecoder()
    lines = _Lines(text)
    index = _skip(text, 0)
    if text[index] == "[":
        return document, _elements(text, index, decoder, lines)
    if text[index] != "{" or not isinstance(document, dict):
        raise ImportUsageError(_("{path} ne contient pas de {what}.").format(path=path, what=what))
    wanted = next((key for key in keys if isinstance(document.get(key), list)), None)
    if wanted is None:
        if document.get("type") == "Feature" and "features" in keys:
            return document, [(1, document)]
        raise ImportUsageError(_("{path} ne contient pas de {what} (liste « {keys} » attendue).").format(path=path, what=what, keys=" » ou « ".join(keys)))
    index = _skip(text, index + 1)
    while text[index] != "}":
        key, index = decoder.raw_decode(text, index)
        index = _skip(text, index)
        index = _skip(text, index + 1)  # the colon
        if key == wanted and text[index] == "[":
            return document, _elements(text, index, decoder, lines)
        _value, index = decoder.raw_decode(text, index)
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
    return document, []  # pragma: no cover - json.loads found the key


def get_path(value: Any, path: str) -> Any:
    """``value["a"]["b"]`` for "a.b" (None when absent); a key holding a dot wins."""
    if isinstance(value, dict) and path in value:
        return value[path]
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def pick(value: Any, candidates: list[str], *, join: bool = False) -> Any:
    """The first non-empty of several paths, or (``join``) all of them joined by a space."""
    if join and len(candidates) > 1:
        parts = [get_path(value, path) for path in candidates]
        return " ".join(str(part).strip() for part in parts if part not in (None, "", []))
    for path in candidates:
        found = get_path(value, path)
        if found not in (None, "", []):
            return found
    return None
