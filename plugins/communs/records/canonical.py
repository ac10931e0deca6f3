"""Canonical YAML for the records the contribution service writes, and minimal edits of existing files.

A record submitted through the form is a plain dict; a maintainer reviews the file it becomes in a
pull request. Three promises:

* ``dump_record`` writes a NEW record in the style of the demo data, byte for byte: the
  ``yaml-language-server`` comment, top-level keys in the schema's ``x-order`` (unknown keys after,
  sorted), nested keys in the order of the schema's ``properties``, block sequences indented by two
  spaces under their key, no line wrapping, UTF-8 text kept as is.
* ``update_record`` EDITS an existing file: every line of a field whose value did not change is kept
  byte for byte (comments, quoting, flow or block style, indentation); only the lines of changed
  fields are rewritten, in the canonical style; new fields are inserted after the field that
  precedes them in the schema order; removed fields lose their own lines and nothing else.
* Whatever the text, the file reads back to the record (``communs.records.yamlreader.read_yaml``, which
  the validator uses, and PyYAML's ``safe_load``, which other tools use): every output is parsed
  again before it is returned.

Quoting rule (it reproduces every demo file):

* Keywords are plain: values whose schema is a closed vocabulary or an identifier/slug (``id``,
  ``kind``, ``type``, ``status``, ``attendance``, ``themes``, ``disciplines``, ``tags``,
  ``organizers``, ``venue`` given as an actor id, ``source.dataset``).
* Headline texts are plain: ``name``, ``title``, ``summary`` (top level and ``venue.name``).
* Every other string is double-quoted, whatever it holds: INSEE and postal codes, dates, RRULEs,
  URLs, e-mails, phones, official identifiers, address lines, opening hours, the ``details`` of
  price and accessibility, ``area`` items, unknown fields.
* A keyword or headline is double-quoted after all when YAML could misread it or cannot write it
  plain: empty, leading or trailing white space, a first character that is a YAML indicator
  (``- ? : , [ ] { } # & * ! | > ' " % @ ` ``), ``": "`` or ``" #"`` inside, a final ``:``, a
  tab, a line break or a character that must be escaped, or a value that either parser would type
  (``yes``, ``null``, ``0123``, ``1e3``, ``2026-12-20``, ``12:30``...). Plain candidates are checked
  by parsing them with both parsers.
* Markdown fields (``contentMediaType: text/markdown``: ``description``) are literal block scalars
  (``description: |``) indented by two spaces under their key, empty lines left empty; their
  trailing line breaks are normalised to exactly one (``normalise_record``), so ``|`` is always
  the right chomping. A Markdown text that a literal block cannot hold exactly (a tab, which the
  validator refuses anywhere in a file; a carriage return; other control or line-separator
  characters; a first line starting with a space) is double-quoted with escapes instead.
* Double-quoted strings escape only ``"``, ``\\``, control characters, tabs, line breaks and the
  characters YAML reads as line breaks or a byte-order mark; accents, emoji and all other
  printable characters are written as they are.
* Numbers, booleans and null are plain (``true``, ``-20.9268``, ``null``); floats always carry a
  dot (``1.0e-05``), because YAML 1.1 readers take ``1e-05`` for a string.

Why edits are not re-emitted through ruamel.yaml's round-trip mode: ruamel stores a comment line
as the tail of the value *above* it, so deleting or replacing that value also deletes the comment
that introduced the next field, and inserting a field after it moves the comment above the new
field; it writes a new ``None`` as an empty value and ``1e-05`` without a dot; and any file whose
indentation is not uniform comes back re-indented. The editor instead takes positions from the
parser (libyaml, as the validator does) and replaces only the lines of the fields that changed;
the rest of the text is never serialised again, so it cannot drift.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from communs.records import content
from communs.records.schemas import default_schemas
from communs.records.yamlreader import read_yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

log = logging.getLogger(__name__)

SCHEMA_COMMENT = "# yaml-language-server: $schema=../../../schemas/{kind}.schema.json"
KINDS = tuple(content.FOLDERS)
HEADLINE_KEYS = frozenset({"name", "title", "summary"})
MARKDOWN = "text/markdown"
CONTENT_DIR = "content"

_COMMUNE = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{3}")
_RECORD_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_ID_LENGTH = 80

# Characters YAML writes as they are (its "printable" set), minus the byte-order mark.
_PRINTABLE = re.compile("[\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_NAMED_ESCAPES = {
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_INDICATORS = frozenset(",[]{}")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_EOL_COMMENT = re.compile(r"[ \t]+#.*")
# Besides "\n", YAML takes these for line breaks; positions in such texts would not match lines.
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


class _Unsupported(Exception):
    """The original file has a shape the line editor does not handle (it then rewrites the file)."""


# Public API --------------------------------------------------------------------------------------


def record_path(kind: str, commune: str, record_id: str) -> str:
    """The file of a record, relative to the repository: ``content/actors/97411/compagnie-ti-kaz.yml``.

    Only plain codes and ids are accepted (``ValueError`` otherwise): the values come from a web
    form and become a path in a Git commit.
    """
    if not isinstance(commune, str) or not _COMMUNE.fullmatch(commune):
        raise ValueError(f"not a commune code: {commune!r}")
    if not isinstance(record_id, str) or not _RECORD_ID.fullmatch(record_id) or len(record_id) > _MAX_ID_LENGTH:
        raise ValueError(f"not a record id: {record_id!r}")
    return content.record_path(Path(CONTENT_DIR), kind, commune, record_id).as_posix()


def normalise_record(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A plain copy of ``record`` as the canonical file holds it.

    The only change of value: a non-empty Markdown text ends with exactly one line break (Markdown
    gives trailing line breaks no meaning, and a literal block ``|`` keeps exactly one).
    """
    _check_kind(kind)
    if not isinstance(record, Mapping):
        raise TypeError(f"a record is a mapping, not {type(record).__name__}")
    return _normalise(kind, record, ())


def dump_record(kind: str, record: Mapping[str, Any]) -> str:
    """The canonical YAML text of a new record (see the module's documentation for the style)."""
    data = normalise_record(kind, record)
    writer = _Writer(kind)
    lines = [SCHEMA_COMMENT.format(kind=kind)]
    lines.extend(writer.mapping_body(data, (), 0) if data else ["{}"])
    text = "\n".join(lines) + "\n"
    _verify(text, data)
    return text


def update_record(original_text: str, changes: Mapping[str, Any], kind: str) -> str:
    """``original_text`` edited so that it holds ``changes`` (the complete new record).

    The lines of unchanged fields are kept byte for byte, comments included (a comment line
    belongs to the field below it, an end-of-line comment to its line). A file the editor cannot
    follow (duplicate keys, anchors, a top-level flow mapping, exotic line breaks) is rewritten
    in the canonical form instead, with a warning in the log; so is, as a safety net, any edit that
    would not read back to ``changes``.
    """
    new = normalise_record(kind, changes)
    parsed = read_yaml(original_text)
    if not parsed.ok or not isinstance(parsed.value, dict):
        raise ValueError("the original text is not a readable record")
    old = parsed.value
    if _same(old, new):
        return original_text
    if parsed.problems:
        return _rewrite(kind, new, "the original file has YAML problems")

    text, crlf = original_text, False
    if "\r\n" in text:
        text, crlf = text.replace("\r\n", "\n"), True
    if any(mark in text for mark in _OTHER_BREAKS):
        return _rewrite(kind, new, "the original file has unusual line breaks")
    try:
        root = yaml.compose(text, Loader=_Loader)
        if not isinstance(root, yaml.MappingNode) or root.flow_style or not root.value:
            raise _Unsupported("the record is not a block mapping")
        editor = _Editor(kind, text, root)
        editor.mapping(root, old, new, ())
        result = editor.result()
    except (_Unsupported, yaml.YAMLError) as error:
        return _rewrite(kind, new, str(error))
    if crlf:
        result = result.replace("\n", "\r\n")
    check = read_yaml(result)
    if not check.ok or check.problems or not _same(check.value, new):
        return _rewrite(kind, new, "the edited file did not read back to the record")
    return result


# Values --------------------------------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown record kind: {kind!r}")


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))


def _normalise(kind: str, value: Any, path: tuple) -> Any:
    if isinstance(value, Mapping):
        copy = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"field names are strings, not {key!r}")
            copy[key] = _normalise(kind, item, path + (key,))
        return copy
    if _is_sequence(value):
        return [_normalise(kind, item, path + (index,)) for index, item in enumerate(value)]
    if isinstance(value, str):
        value = str.__str__(value)  # the text of a str subclass (an enum...), as plain str
        if value and _is_markdown(kind, _schema_path(path)):
            return value.rstrip("\n") + "\n"
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a number in a record is finite, not {value!r}")
        return float(value)
    raise TypeError(f"cannot write a {type(value).__name__} in a record")


def _shape(value: Any) -> Any:
    """A hashable, type-exact picture of a value (``1``, ``1.0`` and ``True`` differ)."""
    if isinstance(value, dict):
        return ("map", tuple(sorted((key, _shape(item)) for key, item in value.items())))
    if isinstance(value, list):
        return ("seq", tuple(_shape(item) for item in value))
    return (type(value).__name__, value)


def _same(first: Any, second: Any) -> bool:
    return _shape(first) == _shape(second)


def _rewrite(kind: str, record: dict[str, Any], reason: str) -> str:
    log.warning("canonical rewrite of a %s record (%s)", kind, reason)
    return dump_record(kind, record)


def _verify(text: str, data: dict[str, Any]) -> None:
    parsed = read_yaml(text)
    if not parsed.ok or parsed.problems or not _same(parsed.value, data):
        raise RuntimeError("canonical YAML does not read back to the record (communs reader)")
    if not _same(yaml.load(text, Loader=_Loader), data):
        raise RuntimeError("canonical YAML does not read back to the record (PyYAML)")


# What the schema says about a field --------------------------------------------------------------


def _schema_path(path: tuple) -> tuple:
    return tuple(0 if isinstance(part, int) else part for part in path)


@lru_cache(maxsize=None)
def _field(kind: str, spath: tuple) -> dict:
    return default_schemas().field_schema(kind, list(spath))


def _branches(kind: str, schema: dict) -> list[dict]:
    schemas = default_schemas()
    base = schemas.roots[kind]["$id"]
    found = []
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        resolved, _ = schemas.resolve(branch, base)
        found.append(resolved)
    return found


@lru_cache(maxsize=None)
def _keyword_patterns() -> frozenset[str]:
    definitions = default_schemas().by_file["defs.schema.json"]["$defs"]
    return frozenset(definitions[name]["pattern"] for name in ("id", "eventId", "slug"))


def _is_keyword_schema(kind: str, schema: dict) -> bool:
    if "const" in schema or "enum" in schema or schema.get("pattern") in _keyword_patterns():
        return True
    branches = _branches(kind, schema)
    if branches and all("const" in branch for branch in branches):
        return True
    return any(branch.get("type") == "string" and _is_keyword_schema(kind, branch) for branch in branches)


@lru_cache(maxsize=None)
def _prefers_plain(kind: str, spath: tuple) -> bool:
    if not spath:
        return False
    schema = _field(kind, spath)
    if not schema:
        return False
    if spath[-1] in HEADLINE_KEYS and schema.get("type") == "string":
        return True
    return _is_keyword_schema(kind, schema)


@lru_cache(maxsize=None)
def _is_markdown(kind: str, spath: tuple) -> bool:
    return bool(spath) and _field(kind, spath).get("contentMediaType") == MARKDOWN


@lru_cache(maxsize=None)
def _key_order(kind: str, spath: tuple) -> tuple[str, ...]:
    schema = _field(kind, spath)
    names = list(default_schemas().roots[kind].get("x-order", [])) if not spath else []
    names.extend(name for name in schema.get("properties", {}) if name not in names)
    for branch in _branches(kind, schema):
        names.extend(name for name in branch.get("properties", {}) if name not in names)
    return tuple(names)


def _ordered_keys(kind: str, path: tuple, mapping: Mapping[str, Any]) -> list[str]:
    order = _key_order(kind, _schema_path(path))
    known = [key for key in order if key in mapping]
    return known + sorted(key for key in mapping if key not in order)


# Scalars ---------------------------------------------------------------------------------------------


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        escape = _NAMED_ESCAPES.get(char)
        if escape is not None:
            out.append(escape)
        elif _PRINTABLE.match(char):
            out.append(char)
        else:
            code = ord(char)
            if 0xD800 <= code <= 0xDFFF:
                raise ValueError("a text holds a lone surrogate, which UTF-8 cannot encode")
            out.append(f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}")
    out.append('"')
    return "".join(out)


def _reads_as(document: str, expected: Any) -> bool:
    """Both parsers read ``document`` as ``expected``, without complaint."""
    parsed = read_yaml(document)
    if not parsed.ok or parsed.problems or not _same(parsed.value, expected):
        return False
    try:
        return _same(yaml.load(document, Loader=_Loader), expected)
    except yaml.YAMLError:
        return False


def _plain_candidate(text: str) -> bool:
    return (
        bool(text)
        and not text[0].isspace()
        and not text[-1].isspace()
        and text[0] not in _INDICATORS
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and all(_PRINTABLE.match(char) for char in text)
    )


@lru_cache(maxsize=4096)
def _plain_ok(text: str, flow: bool = False) -> bool:
    if not _plain_candidate(text):
        return False
    if flow:
        return not any(char in _FLOW_INDICATORS for char in text) and _reads_as(f"k: [{text}]\n", {"k": [text]})
    return _reads_as(f"k: {text}\n", {"k": text})


@lru_cache(maxsize=1024)
def _key_text(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key) and _reads_as(f"{key}: 0\n", {key: 0}):
        return key
    return _double_quoted(key)


def _literal_lines(text: str, indent: int) -> list[str] | None:
    """The lines of ``text`` as the body of a literal block ``|``, or None if it cannot be one."""
    if not text.endswith("\n") or text.endswith("\n\n") or "\t" in text:
        return None
    if not all(char == "\n" or _PRINTABLE.match(char) for char in text):
        return None
    body = text[:-1].split("\n")
    first = next((line for line in body if line), "")
    if not first.strip() or first[0] == " ":
        return None
    lines = [" " * indent + line if line else "" for line in body]
    if not _reads_as("k: |\n" + "\n".join(lines) + "\n", {"k": text}):
        return None
    return lines


def _float_text(value: float) -> str:
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        text = f"{mantissa}e{exponent}"
    return text


# Writing ---------------------------------------------------------------------------------------------


class _Writer:
    """Renders values as lines, canonical by default, with another file's indentation if asked."""

    def __init__(self, kind: str, map_indent: int = 2, seq_offset: int = 2, block_indent: int = 2) -> None:
        self.kind = kind
        self.map_indent = map_indent
        self.seq_offset = seq_offset
        self.block_indent = block_indent

    def string(self, value: str, path: tuple, flow: bool = False) -> str:
        spath = _schema_path(path)
        if _prefers_plain(self.kind, spath) and _plain_ok(value, flow):
            return value
        return _double_quoted(value)

    def inline(self, value: Any, path: tuple, flow: bool = False) -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(int(value))
        if isinstance(value, float):
            return _float_text(value)
        if isinstance(value, str):
            return self.string(value, path, flow)
        if isinstance(value, Mapping):
            items = (
                f"{_key_text(key)}: {self.inline(value[key], path + (key,), True)}"
                for key in _ordered_keys(self.kind, path, value)
            )
            return "{" + ", ".join(items) + "}"
        if _is_sequence(value):
            return "[" + ", ".join(self.inline(item, path + (index,), True) for index, item in enumerate(value)) + "]"
        raise TypeError(f"cannot write a {type(value).__name__} in a record")

    def block(self, value: Any, path: tuple, indent: int) -> list[str] | None:
        """A Markdown text as a literal block: its lines, the first being ``|``."""
        if isinstance(value, str) and _is_markdown(self.kind, _schema_path(path)):
            lines = _literal_lines(value, indent)
            if lines is not None:
                return ["|"] + lines
        return None

    def entry(self, key: str, value: Any, path: tuple, column: int, flow: bool = False) -> list[str]:
        """``key: value`` at ``column``; ``path`` is the value's path. ``flow`` keeps a flow collection."""
        head = " " * column + _key_text(key) + ":"
        if flow and (isinstance(value, Mapping) or _is_sequence(value)):
            return [f"{head} {self.inline(value, path)}"]
        if isinstance(value, Mapping) and value:
            return [head] + self.mapping_body(value, path, column + self.map_indent)
        if _is_sequence(value) and value:
            return [head] + self.sequence_body(value, path, column + self.seq_offset)
        block = self.block(value, path, column + self.block_indent)
        if block is not None:
            return [f"{head} {block[0]}"] + block[1:]
        return [f"{head} {self.inline(value, path)}"]

    def item(self, value: Any, path: tuple, dash: int) -> list[str]:
        """One sequence item whose ``-`` stands at column ``dash``."""
        prefix = " " * dash + "- "
        if (isinstance(value, Mapping) or _is_sequence(value)) and value:
            if isinstance(value, Mapping):
                lines = self.mapping_body(value, path, dash + 2)
            else:
                lines = self.sequence_body(value, path, dash + 2)
            return [prefix + lines[0][dash + 2 :]] + lines[1:]
        block = self.block(value, path, dash + 2)
        if block is not None:
            return [prefix + block[0]] + block[1:]
        return [prefix + self.inline(value, path)]

    def mapping_body(self, mapping: Mapping[str, Any], path: tuple, column: int) -> list[str]:
        lines: list[str] = []
        for key in _ordered_keys(self.kind, path, mapping):
            lines.extend(self.entry(key, mapping[key], path + (key,), column))
        return lines

    def sequence_body(self, sequence: Sequence[Any], path: tuple, dash: int) -> list[str]:
        lines: list[str] = []
        for index, item in enumerate(sequence):
            lines.extend(self.item(item, path + (index,), dash))
        return lines


# Editing -------------------------------------------------------------------------------------------


def _is_block_scalar(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")


def _block_mapping(node: yaml.Node) -> bool:
    """A non-empty mapping written one key per line (the editor can work inside it)."""
    return isinstance(node, yaml.MappingNode) and not node.flow_style and bool(node.value)


def _block_sequence(node: yaml.Node) -> bool:
    return isinstance(node, yaml.SequenceNode) and not node.flow_style and bool(node.value)


class _Editor:
    """Line edits of an existing file, located with the parser's node marks.

    A field's own lines run from its key to the end of its value; the comment and blank lines
    between two fields belong to neither, so they stay where they are whatever happens around them.
    """

    def __init__(self, kind: str, text: str, root: yaml.MappingNode) -> None:
        self.kind = kind
        self.lines = text.split("\n")
        self.edits: list[tuple[int, int, list[str], int]] = []
        self.writer = _Writer(kind, *self._detect_indentation(root))

    # Reading positions -------------------------------------------------------------------------

    def _detect_indentation(self, root: yaml.MappingNode) -> tuple[int, int, int]:
        found: dict[str, int] = {}

        def walk(node: yaml.Node) -> None:
            if not isinstance(node, yaml.MappingNode) or node.flow_style:
                return
            for key, value in node.value:
                col = key.start_mark.column
                if _block_mapping(value):
                    found.setdefault("map", value.value[0][0].start_mark.column - col)
                    walk(value)
                elif _block_sequence(value):
                    found.setdefault("seq", self._dash(value.value[0])[1] - col)
                    for item in value.value:
                        walk(item)
                elif _is_block_scalar(value):
                    for number in range(value.start_mark.line + 1, self._last_line(value) + 1):
                        line = self.lines[number]
                        if line.strip():
                            found.setdefault("block", len(line) - len(line.lstrip(" ")) - col)
                            break

        walk(root)
        sizes = [found.get("map", 2), found.get("seq", 2), found.get("block", found.get("map", 2))]
        if sizes[0] < 1 or sizes[1] < 0 or sizes[2] < 1:
            raise _Unsupported("unexpected indentation")
        return sizes[0], sizes[1], sizes[2]

    def _last_line(self, node: yaml.Node) -> int:
        """The last line (0-based) that holds part of ``node``."""
        if isinstance(node, yaml.ScalarNode):
            end = node.end_mark.line
            if _is_block_scalar(node):
                if node.end_mark.column == 0:
                    end -= 1
                while end > node.start_mark.line and not self.lines[end].strip():
                    end -= 1
            elif end > node.start_mark.line and node.end_mark.column == 0:
                end -= 1
            return end
        if node.flow_style or not node.value:
            return node.end_mark.line
        last = node.value[-1]
        return self._last_line(last[1] if isinstance(node, yaml.MappingNode) else last)

    def _entry_span(self, key: yaml.Node, value: yaml.Node) -> tuple[int, int]:
        return key.start_mark.line, self._last_line(value) + 1

    def _dash(self, item: yaml.Node) -> tuple[int, int]:
        """Line and column of the ``-`` that introduces a sequence item."""
        number, segment = item.start_mark.line, self.lines[item.start_mark.line][: item.start_mark.column]
        while True:
            match = re.search(r"-[ ]*$", segment)
            if match and not segment[: match.start()].strip(" -"):
                return number, match.start()
            if segment.strip() or number == 0:
                raise _Unsupported("sequence item without a dash")
            number -= 1
            segment = self.lines[number]

    def _item_span(self, item: yaml.Node) -> tuple[int, int]:
        return self._dash(item)[0], self._last_line(item) + 1

    def _eol_comment(self, value: yaml.Node, span: tuple[int, int]) -> str:
        """The end-of-line comment after a one-line value, to carry over to its new line."""
        if span[1] - span[0] != 1 or _is_block_scalar(value) or value.end_mark.line != span[0]:
            return ""
        rest = self.lines[span[0]][value.end_mark.column :]
        return rest if _EOL_COMMENT.fullmatch(rest) else ""

    # Recording edits ---------------------------------------------------------------------------

    def _edit(self, start: int, end: int, lines: list[str]) -> None:
        self.edits.append((start, end, lines, len(self.edits)))

    def result(self) -> str:
        out: list[str] = []
        cursor = 0
        # Insertions before replacements at the same line; otherwise in the order they were made.
        for start, end, lines, _ in sorted(self.edits, key=lambda edit: (edit[0], edit[1] != edit[0], edit[3])):
            if start < cursor:
                raise _Unsupported("overlapping edits")
            out.extend(self.lines[cursor:start])
            out.extend(lines)
            cursor = end
        out.extend(self.lines[cursor:])
        return "\n".join(out)

    # Applying a change -------------------------------------------------------------------------

    def mapping(self, node: yaml.MappingNode, old: dict, new: dict, path: tuple) -> None:
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise _Unsupported("a key that is not a scalar")
            entries[key.value] = (key, value)
        if set(entries) != set(old):
            raise _Unsupported("keys differ between the parsers")
        column = node.value[0][0].start_mark.column

        for name, (key, value) in entries.items():
            if name not in new:
                start, end = self._entry_span(key, value)
                self._edit(start, end, [])
            elif not _same(old[name], new[name]):
                self._change(name, key, value, old[name], new[name], path + (name,), column)

        order = _ordered_keys(self.kind, path, new)
        first_line = min(key.start_mark.line for key, _ in entries.values())
        if self.lines[first_line][:column].strip():
            raise _Unsupported("a mapping that starts on the line of its sequence dash")
        for index, name in enumerate(order):
            if name in entries:
                continue
            before = next((other for other in reversed(order[:index]) if other in entries), None)
            position = self._entry_span(*entries[before])[1] if before is not None else first_line
            self._edit(position, position, self.writer.entry(name, new[name], path + (name,), column))

    def _change(
        self, name: str, key: yaml.Node, value: yaml.Node, old: Any, new: Any, path: tuple, column: int
    ) -> None:
        if _block_mapping(value) and isinstance(old, dict) and isinstance(new, dict) and new:
            self.mapping(value, old, new, path)
            return
        if _block_sequence(value) and isinstance(old, list) and isinstance(new, list) and new:
            self.sequence(value, old, new, path)
            return
        span = self._entry_span(key, value)
        flow = isinstance(value, (yaml.MappingNode, yaml.SequenceNode)) and bool(value.flow_style)
        lines = self.writer.entry(name, new, path, column, flow=flow)
        if len(lines) == 1:
            lines[0] += self._eol_comment(value, span)
        self._edit(*span, lines)

    def _on_dash_line(self, node: yaml.MappingNode) -> bool:
        """Whether a mapping's first key is on the line of its sequence dash ("- type: ...")."""
        first = min((key.start_mark for key, _value in node.value), key=lambda mark: (mark.line, mark.column))
        return bool(self.lines[first.line][: first.column].strip())

    def sequence(self, node: yaml.SequenceNode, old: list, new: list, path: tuple) -> None:
        items = node.value
        if len(items) != len(old):
            raise _Unsupported("items differ between the parsers")
        dash = self._dash(items[0])[1]
        matcher = difflib.SequenceMatcher(a=[_shape(v) for v in old], b=[_shape(v) for v in new], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            pairs = min(i2 - i1, j2 - j1)
            for offset in range(pairs):
                i, j = i1 + offset, j1 + offset
                item = items[i]
                # A mapping item is edited key by key when its keys stand below its dash; written
                # canonically its first key is on the dash's line, and the item is written again
                # whole (its own lines only: the rest of the file keeps its bytes).
                if _block_mapping(item) and isinstance(old[i], dict) and isinstance(new[j], dict) and new[j] and not self._on_dash_line(item):
                    self.mapping(item, old[i], new[j], path + (j,))
                    continue
                span = self._item_span(item)
                flow = isinstance(item, (yaml.MappingNode, yaml.SequenceNode)) and bool(item.flow_style)
                if flow:
                    lines = [" " * dash + "- " + self.writer.inline(new[j], path + (j,))]
                else:
                    lines = self.writer.item(new[j], path + (j,), dash)
                if len(lines) == 1:
                    lines[0] += self._eol_comment(item, span)
                self._edit(*span, lines)
            for i in range(i1 + pairs, i2):
                self._edit(*self._item_span(items[i]), [])
            if j1 + pairs < j2:
                after = i1 + pairs - 1
                position = self._item_span(items[after])[1] if after >= 0 else self._dash(items[0])[0]
                lines = []
                for j in range(j1 + pairs, j2):
                    lines.extend(self.writer.item(new[j], path + (j,), dash))
                self._edit(position, position, lines)
