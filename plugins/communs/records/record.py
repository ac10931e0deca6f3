"""Records: one YAML file each, read with the position of every field.

A ``Record`` is a value: what the file says (``data``), where it says it, and where the file
stands (kind and commune folder). Nothing mutates a record after reading (plain dicts keep it
cheap to pickle between worker processes). Reading never raises: what cannot be read becomes
problems.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from communs.fingerprints import bytes_digest
from communs.i18n import _
from communs.records.content import MAX_FILE_SIZE, NAME_FIELDS, RecordFile, special_file_problem
from communs.records.problems import Problem, problem
from communs.records.yamlreader import read_yaml

_BOM = b"\xef\xbb\xbf"
_MAX_TAB_REPORTS = 5


@dataclass(frozen=True, slots=True)
class Record:
    kind: str
    file: str
    folder: str
    stem: str
    data: Mapping[str, Any]
    value_marks: Mapping[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    key_marks: Mapping[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    digest: str = ""  # of the file's bytes: what incremental builds compare
    # Its id (the ``id`` field, else the file's stem): read hundreds of thousands of times by a
    # build, so worked out once.
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        value = self.data.get("id")
        object.__setattr__(self, "id", value if isinstance(value, str) else self.stem)

    def without_marks(self) -> "Record":
        """The same record without positions, which only problem reports need (lighter to send)."""
        return replace(self, value_marks={}, key_marks={})

    @property
    def name(self) -> str:
        value = self.data.get(NAME_FIELDS[self.kind])
        return value if isinstance(value, str) else ""

    @property
    def commune(self) -> str | None:
        value = self.data.get("commune")
        return value if isinstance(value, str) else None

    def position(self, pointer: str, *, key: bool = False) -> tuple[int, int]:
        """Where the field at ``pointer`` is written, or its nearest written ancestor."""
        marks = self.key_marks if key else self.value_marks
        while True:
            if pointer in marks:
                return marks[pointer]
            if key and pointer in self.value_marks:
                return self.value_marks[pointer]
            if not pointer:
                return (1, 1)
            pointer = pointer.rsplit("/", 1)[0]

    def problem(self, code: str, message: str, pointer: str = "", *, key: bool = False) -> Problem:
        line, column = self.position(pointer, key=key)
        return problem(code, message, file=self.file, line=line, column=column, record_id=self.id, pointer=pointer)


def _decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    problems: list[Problem] = []
    if raw.startswith(_BOM):
        raw = raw[len(_BOM):]
        problems.append(
            problem("utf8-bom", _("Le fichier commence par une marque d'ordre d'octets (BOM) : enregistrez-le en « UTF-8 » sans BOM."), file=file, line=1, column=1)
        )
    try:
        return raw.decode("utf-8"), problems
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        problems.append(
            problem(
                "encoding",
                _("Le fichier n'est pas en UTF-8 (octet 0x{byte:02x} illisible) : enregistrez-le en UTF-8 depuis votre éditeur, sans changer le texte.").format(
                    byte=raw[error.start]
                ),
                file=file,
                line=line,
                column=column,
            )
        )
        return None, problems


def _tabs(text: str, file: str) -> list[Problem]:
    problems = []
    if "\t" not in text:
        return problems
    for number, line in enumerate(text.split("\n"), start=1):
        column = line.find("\t")
        if column >= 0:
            problems.append(
                problem(
                    "tab",
                    _("Tabulation à la colonne {column} : YAML n'accepte que des espaces. Remplacez chaque tabulation par des espaces.").format(column=column + 1),
                    file=file,
                    line=number,
                    column=column + 1,
                )
            )
            if len(problems) >= _MAX_TAB_REPORTS:
                break
    return problems


def parse_record(raw: bytes, source: RecordFile) -> tuple[Record | None, list[Problem]]:
    """Turn a record file's bytes into a Record, or say why it cannot be read."""
    file = source.display
    if len(raw) > MAX_FILE_SIZE:
        return None, [_too_large(len(raw), file)]
    text, problems = _decode(raw, file)
    if text is None:
        return None, problems
    tabs = _tabs(text, file)
    if tabs:
        return None, problems + tabs
    parsed = read_yaml(text, file)
    problems.extend(parsed.problems)
    if not parsed.ok:
        return None, problems
    if not isinstance(parsed.value, dict):
        found = {type(None): _("rien"), list: _("une liste")}.get(type(parsed.value), _("une valeur isolée"))
        problems.append(
            problem(
                "not-a-mapping",
                _("Une fiche est une suite de champs « nom: valeur » (id: ..., name: ...) ; ce fichier contient {found}.").format(found=found),
                file=file,
                line=1,
                column=1,
            )
        )
        return None, problems
    record = Record(
        kind=source.kind,
        file=file,
        folder=source.folder,
        stem=source.stem,
        data=parsed.value,
        value_marks=parsed.value_marks,
        key_marks=parsed.key_marks,
        digest=bytes_digest(raw),
    )
    return record, [p if p.record_id else _with_id(p, record.id) for p in problems]


def _with_id(found: Problem, record_id: str) -> Problem:
    return replace(found, record_id=record_id)


def _too_large(size: int, file: str) -> Problem:
    return problem(
        "file-too-large",
        _("Le fichier pèse {size} Kio ; une fiche ne dépasse pas {limit} Kio. Raccourcissez la description.").format(
            size=size // 1024, limit=MAX_FILE_SIZE // 1024
        ),
        file=file,
        line=1,
        column=1,
    )


def read_bytes(source: RecordFile) -> tuple[bytes | None, list[Problem]]:
    """A record file's bytes, or why they are not read: an oversized file is refused before it is read.

    Only a regular file is read. The folder scan already leaves FIFOs and the like aside; this
    holds even if one takes a file's place meanwhile: the file is opened without waiting for a
    writer (O_NONBLOCK) and without following a link, and checked before any byte is read."""
    descriptor = os.open(source.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(descriptor, "rb") as opened:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            return None, [special_file_problem(source.path, status.st_mode)]
        if status.st_size > MAX_FILE_SIZE:
            return None, [_too_large(status.st_size, source.display)]
        raw = opened.read(MAX_FILE_SIZE + 1)
    if len(raw) > MAX_FILE_SIZE:  # it grew since
        return None, [_too_large(len(raw), source.display)]
    return raw, []


def read_record(source: RecordFile) -> tuple[Record | None, list[Problem]]:
    """Read a record file from disk (see ``read_bytes``)."""
    raw, problems = read_bytes(source)
    return parse_record(raw, source) if raw is not None else (None, problems)
