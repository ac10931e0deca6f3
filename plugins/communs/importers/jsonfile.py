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


MAX_DEPTH = 64  # nesting of one item (arrays and objects), far beyond any real record


def _depth(value: Any) -> int:
    """How deep arrays and objects nest in a value (iteratively: no recursion limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


class _Parser:
    """One JSON text, parsed value by value so that each item is known with its line and the
    text is held once (``json.loads`` of the whole file then of each item held it twice)."""

    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self.decoder = json.JSONDecoder()
        self.lines = _Lines(text)

    def skip(self, index: int) -> int:
        return _SPACE.match(self.text, index).end()  # type: ignore[union-attr]

    def expect(self, index: int, characters: str) -> str:
        if index >= len(self.text) or self.text[index] not in characters:
            found = self.text[index] if index < len(self.text) else _("la fin du fichier")
            raise ImportUsageError(_("{path} n'est pas un fichier JSON valide (ligne {line} : « {expected} » attendu, « {found} » trouvé).").format(
                path=self.path, line=self.lines.at(min(index, len(self.text))), expected=" » ou « ".join(characters), found=found))
        return self.text[index]

    def value(self, index: int, *, item: bool = False) -> tuple[Any, int]:
        line = self.lines.at(index)
        try:
            value, end = self.decoder.raw_decode(self.text, index)
        except RecursionError as error:
            raise self.too_deep(line) from error
        except ValueError as error:
            raise ImportUsageError(_("{path} n'est pas un fichier JSON valide ({error}).").format(path=self.path, error=error)) from error
        if item and _depth(value) > MAX_DEPTH:
            raise self.too_deep(line)
        return value, end

    def too_deep(self, line: int) -> ImportUsageError:
        return ImportUsageError(_("{path}, ligne {line} : données imbriquées sur plus de {depth} niveaux, refusées.").format(path=self.path, line=line, depth=MAX_DEPTH))

    def elements(self, index: int) -> tuple[list[tuple[int, Any]], int]:
        """The items of the array opening at ``index``, each with its line; the index after it."""
        found: list[tuple[int, Any]] = []
        index = self.skip(index + 1)
        if self.expect(index, "]\"{[-0123456789tfn") == "]":
            return found, index + 1
        while True:
            line = self.lines.at(index)
            value, index = self.value(index, item=True)
            found.append((line, value))
            index = self.skip(index)
            if self.expect(index, ",]") == "]":
                return found, index + 1
            index = self.skip(index + 1)

    def members(self, index: int, arrays: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, list[tuple[int, Any]]]]:
        """The members of the object opening at ``index``: arrays named in ``arrays`` item by item,
        the others whole."""
        document: dict[str, Any] = {}
        lists: dict[str, list[tuple[int, Any]]] = {}
        index = self.skip(index + 1)
        if self.expect(index, '}"') == "}":
            return document, lists
        while True:
            key, index = self.value(index)
            index = self.skip(index)
            self.expect(index, ":")
            index = self.skip(index + 1)
            if key in arrays and self.text.startswith("[", index):
                lists[key], index = self.elements(index)
                document[key] = []  # its items are the list's
            else:
                document[key], index = self.value(index, item=True)
            index = self.skip(index)
            if self.expect(index, ",}") == "}":
                break
            index = self.skip(index + 1)
            self.expect(index, '"')
        if self.skip(index + 1) != len(self.text):
            raise ImportUsageError(_("{path} n'est pas un fichier JSON valide (texte après la fin, ligne {line}).").format(path=self.path, line=self.lines.at(self.skip(index + 1))))
        return document, lists


def load_items(path: Path, keys: tuple[str, ...], what: str) -> tuple[Any, list[tuple[int, Any]]]:
    """The document (without the items), and the items of its first array among ``keys`` (or
    the document itself when it is an array), each with the line it starts on. Unreadable JSON,
    or nested deeper than ``MAX_DEPTH``, is a usage error naming the line."""
    try:
        text = decode(path.read_bytes(), name=str(path)).text
    except OSError as error:
        raise ImportUsageError(_("Le fichier {path} est illisible ({error}).").format(path=path, error=error.strerror or error)) from error
    parser = _Parser(text, path)
    index = parser.skip(0)
    if parser.expect(index, "[{") == "[":
        items, end = parser.elements(index)
        if parser.skip(end) != len(text):
            raise ImportUsageError(_("{path} n'est pas un fichier JSON valide (texte après la fin, ligne {line}).").format(path=path, line=parser.lines.at(parser.skip(end))))
        return [value for _line, value in items], items
    document, lists = parser.members(index, keys)
    wanted = next((key for key in keys if key in lists), None)
    if wanted is None:
        if document.get("type") == "Feature" and "features" in keys:
            return document, [(1, document)]
        raise ImportUsageError(_("{path} ne contient pas de {what} (liste « {keys} » attendue).").format(path=path, what=what, keys=" » ou « ".join(keys)))
    return document, lists[wanted]


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
