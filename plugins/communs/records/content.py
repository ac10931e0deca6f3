"""The layout of a content tree: where each kind of record lives and what else may not.

content/actors/<insee>/<id>.yml, content/events/<insee>/<id>.yml and content/calls/<insee>/<id>.yml; Pelican's own folders
(pages, images...) sit beside them and are not ours to police.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from communs.i18n import _
from communs.records.problems import Problem, problem

ACTOR = "actor"
EVENT = "event"
CALL = "call"  # a call to take part: a need or an offer of an actor, always with an end date
FOLDERS = {ACTOR: "actors", EVENT: "events", CALL: "calls"}
KINDS = {folder: kind for kind, folder in FOLDERS.items()}
NAME_FIELDS = {ACTOR: "name", EVENT: "title", CALL: "title"}  # the field that names a record


def kind_word(kind: str) -> str:
    """A record kind as a French message says it: « acteur », « événement », « appel »."""
    return {ACTOR: _("acteur"), EVENT: _("événement"), CALL: _("appel")}[kind]
SUFFIX = ".yml"
MAX_FILE_SIZE = 64 * 1024
IGNORED_NAMES = {".gitkeep"}

COMMUNE_CODE = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{3}$")
RECORD_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class RecordFile:
    """A file that stands where a record should: its kind and folder come from its place."""

    path: Path
    kind: str
    folder: str  # the commune folder it sits in
    display: str  # the path shown to people and CI (relative to the working directory)

    @property
    def stem(self) -> str:
        return self.path.name[: -len(SUFFIX)]


def display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def record_path(content_dir: Path, kind: str, commune: str, record_id: str) -> Path:
    """Where a record belongs; refuses anything that is not a plain code and id (no path tricks)."""
    if kind not in FOLDERS:
        raise ValueError(f"unknown record kind: {kind!r}")
    if not COMMUNE_CODE.fullmatch(commune) or not RECORD_ID.fullmatch(record_id) or len(record_id) > 80:
        raise ValueError("commune code or record id has an unsafe form")
    return content_dir / FOLDERS[kind] / commune / f"{record_id}{SUFFIX}"


def _stray(path: Path, message: str) -> Problem:
    return problem("stray-file", message, file=display_path(path), line=1, column=1)


# What a file that is not a regular one is, for messages: « ... est {kind} ».
_SPECIAL_KINDS = {
    stat.S_IFIFO: "un tube nommé (FIFO)",
    stat.S_IFSOCK: "une socket",
    stat.S_IFCHR: "un périphérique",
    stat.S_IFBLK: "un périphérique",
}


def special_file(path: Path) -> Problem | None:
    """The problem with ``path`` if it is a FIFO, a socket, a device or another special file,
    found without opening it: opening a FIFO waits for a writer forever. Regular files, folders
    and symbolic links are not special (folders and links have problems of their own)."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return None  # gone: nothing to read, nothing to report
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode):
        return None
    return special_file_problem(path, mode)


def special_file_problem(path: Path, mode: int) -> Problem:
    kind = _(_SPECIAL_KINDS.get(stat.S_IFMT(mode), "un fichier spécial"))
    return problem(
        "special-file",
        _("{path} est {kind}, pas un fichier ordinaire : il n'est pas lu. Une fiche est un fichier .yml ordinaire ; supprimez celui-ci ou remplacez-le par la fiche elle-même.").format(
            path=display_path(path), kind=kind
        ),
        file=display_path(path),
        line=1,
        column=1,
    )


def classify(path: Path, content_dir: Path) -> RecordFile | Problem | None:
    """What a path under content_dir is: a record file, a stray file, or not ours (None)."""
    try:
        # The folder is resolved, not the file: a symbolic link must not lead elsewhere.
        relative = (path.parent.resolve() / path.name).relative_to(content_dir.resolve())
    except ValueError:
        return _stray(path, _("Ce fichier est hors du dossier des fiches ({content}).").format(content=display_path(content_dir)))
    parts = relative.parts
    if not parts or parts[0] not in KINDS:
        return None
    kind = KINDS[parts[0]]
    folder_hint = _("Les fiches se rangent dans {folder}/<code INSEE de la commune>/<identifiant>.yml.").format(
        folder=f"{display_path(content_dir)}/{parts[0]}"
    )
    if path.name in IGNORED_NAMES:
        return None
    if path.is_symlink():
        return _stray(path, _("Les liens symboliques ne sont pas acceptés parmi les fiches : remplacez-le par le fichier lui-même."))
    special = special_file(path)
    if special is not None:
        return special
    if len(parts) != 3:
        return _stray(path, _("Ce fichier n'est pas à sa place. {hint}").format(hint=folder_hint))
    folder, name = parts[1], parts[2]
    if not COMMUNE_CODE.fullmatch(folder):
        return _stray(
            path,
            _("Le dossier « {folder} » n'est pas un code INSEE de commune (5 caractères, par exemple 97411). {hint}").format(
                folder=folder, hint=folder_hint
            ),
        )
    if name.endswith(".yaml"):
        return _stray(path, _("Les fiches ont l'extension .yml : renommez ce fichier en {name}.").format(name=name[:-5] + SUFFIX))
    if not name.endswith(SUFFIX):
        return _stray(path, _("Seules des fiches .yml ont leur place ici : déplacez ou supprimez ce fichier. {hint}").format(hint=folder_hint))
    # Shown exactly as scan() shows it, so a file named on the command line is the same file.
    return RecordFile(path=path, kind=kind, folder=folder, display=f"{display_path(content_dir)}/{relative.as_posix()}")


def _misplaced(entry: os.DirEntry, content_dir: Path, folder_message: str) -> list[Problem]:
    """The problem with something that is not a record file where records live, if any."""
    if entry.is_dir(follow_symlinks=False):
        return [_stray(Path(entry.path), folder_message)]
    found = classify(Path(entry.path), content_dir)
    return [found] if isinstance(found, Problem) else []


def scan(content_dir: Path) -> tuple[list[RecordFile], list[Problem]]:
    """Every record file of the tree, sorted, and every stray file or folder among them."""
    files: list[RecordFile] = []
    strays: list[Problem] = []
    shown = display_path(content_dir)
    for kind, folder_name in FOLDERS.items():
        top = content_dir / folder_name
        if top.is_symlink():  # it could lead anywhere, outside the tree included
            strays.append(_stray(top, _("Les liens symboliques ne sont pas acceptés parmi les fiches : remplacez ce lien par le dossier lui-même.")))
            continue
        if not top.is_dir():
            continue
        misplaced = _("Ce dossier n'a pas sa place ici : les fiches se rangent dans {folder}/<code INSEE>/<identifiant>.yml.").format(folder=f"{shown}/{folder_name}")
        for entry in os.scandir(top):
            if entry.is_dir(follow_symlinks=False) and COMMUNE_CODE.fullmatch(entry.name):
                folder_path = Path(entry.path)
                for item in os.scandir(entry.path):
                    if item.is_file(follow_symlinks=False) and item.name.endswith(SUFFIX):
                        files.append(RecordFile(path=folder_path / item.name, kind=kind, folder=entry.name, display=f"{shown}/{folder_name}/{entry.name}/{item.name}"))
                    else:
                        strays += _misplaced(item, content_dir, misplaced)
            else:
                strays += _misplaced(entry, content_dir, misplaced)
    files.sort(key=lambda f: (f.kind, f.folder, f.path.name))
    strays.sort(key=lambda p: p.file or "")
    return files, strays
