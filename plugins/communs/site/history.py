"""Where each record comes from: one ``git log`` pass over the content, at build time.

Per record file: when it was created, last changed and how many commits touched it; for the
directory: the list of changes (added, changed, moved, removed), newest first, with the record's
name at the time. The result is kept in the build cache with the commit it was read at: a rebuild
of the same commit reads no history at all, and a rebuild after new commits reads only those
(``git log <known>..HEAD``) and adds them to what it knew, when the known commit is an ancestor
of the new one (else, after a rewritten history, everything is read again). A build outside a Git
checkout (an exported tarball) works: history is then None and pages say it is unavailable.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

import git
import orjson
import yaml

from communs.collector import paused
from communs.records.content import FOLDERS, KINDS
from communs.site.outputs import write_if_changed

ADDED, CHANGED, MOVED, REMOVED = "added", "changed", "moved", "removed"


# Their repr is written out: page and feed keys hold tens of thousands of them (the generated
# one goes through a guard against recursion, several times slower).
@dataclass(frozen=True, slots=True, repr=False)
class FileHistory:
    created: datetime
    changed: datetime
    changes: int

    def __repr__(self) -> str:
        return f"FileHistory({self.created!r}, {self.changed!r}, {self.changes!r})"


@dataclass(frozen=True, slots=True, repr=False)
class Change:
    moment: datetime
    action: str  # added | changed | moved | removed
    kind: str  # actor | event
    record_id: str
    commune: str  # the folder it is in after the change (before it, for a removal)
    name: str  # the record's name or title at the time
    commit: str

    def __repr__(self) -> str:
        return f"Change({self.moment!r}, {self.action!r}, {self.kind!r}, {self.record_id!r}, {self.commune!r}, {self.name!r}, {self.commit!r})"


@dataclass
class History:
    files: dict[str, FileHistory]  # "actors/97411/x.yml" -> its history
    changes: list[Change]  # newest first
    commit: str = ""  # the commit it was read at (what outputs made from it depend on)

    @cached_property
    def _by_commune(self) -> dict[str, list[Change]]:
        by_commune: dict[str, list[Change]] = {}
        for change in self.changes:
            by_commune.setdefault(change.commune, []).append(change)
        return by_commune

    def changes_in(self, commune: str) -> list[Change]:
        """The changes of one commune's records, newest first (indexed once: a feed per commune
        used to scan every change of the directory)."""
        return self._by_commune.get(commune, [])

    def of_record(self, kind: str, folder: str, stem: str) -> FileHistory | None:
        """The history of one record's file."""
        return self.files.get(f"{FOLDERS[kind]}/{folder}/{stem}.yml")


_NAME_LINE = re.compile(rb"^(name|title):[ \t]*(.*)$", re.MULTILINE)


def _name(raw: bytes, kind: str, fallback: str) -> str:
    """The record's name or title: its own line read alone when it holds the whole value (the
    canonical form), else the whole file."""
    wanted = b"name" if kind == "actor" else b"title"
    for match in _NAME_LINE.finditer(raw):
        if match[1] == wanted and match[2] and match[2][:1] not in b"|>&*!":
            try:
                value = yaml.load(match[0], Loader=yaml.CSafeLoader).get(wanted.decode())
            except yaml.YAMLError:
                break
            return value if isinstance(value, str) else fallback
    try:
        data = yaml.load(raw, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return fallback
    value = data.get(wanted.decode()) if isinstance(data, dict) else None
    return value if isinstance(value, str) else fallback


def _parse_path(path: str) -> tuple[str, str, str] | None:
    """("actor", "97411", "compagnie-ti-kaz") for "actors/97411/compagnie-ti-kaz.yml"."""
    parts = path.split("/")
    if len(parts) != 3 or parts[0] not in KINDS or not parts[2].endswith(".yml"):
        return None
    return KINDS[parts[0]], parts[1], parts[2][:-4]


@paused()  # tens of thousands of changes and file histories, no cycle (see communs.collector)
def read_history(content_dir: Path, cache_dir: Path | None = None) -> History | None:
    """The history of the records under ``content_dir``, or None outside a Git checkout."""
    try:
        repo = git.Repo(content_dir, search_parent_directories=True)
        head = repo.head.commit.hexsha
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None
    top = Path(repo.working_tree_dir).resolve()
    prefix = content_dir.resolve().relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    # The name must be the same in every process (str hashes are salted per process: the cache
    # was never found again by the next build).
    scope_key = hashlib.sha256(prefix.encode("utf-8")).hexdigest()[:8]
    cache = cache_dir / "communs" / f"history-{scope_key}.json" if cache_dir else None
    known: tuple[str, History] | None = None
    if cache is not None and cache.is_file():
        try:
            known = _load(cache)
        except (OSError, ValueError, KeyError, TypeError):
            known = None
    if known is not None and known[0] == head:
        return known[1]
    if known is not None and _is_ancestor(repo, known[0], head):
        history = _merged(known[1], _read(repo, prefix, f"{known[0]}..{head}"))
    else:
        history = _read(repo, prefix, head)
    history.commit = head
    if cache is not None:
        _save(cache, head, history)
    return history


def _is_ancestor(repo: git.Repo, ancestor: str, commit: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", ancestor, commit)
    except git.GitCommandError:  # not an ancestor, or a commit this clone no longer has
        return False
    return True


def _earliest(moments: list[datetime]) -> datetime:
    """The first moment; of two equal instants written with other offsets, always the same one
    (so that history read in two steps equals history read at once)."""
    return min(moments, key=lambda moment: (moment, moment.isoformat()))


def _latest(moments: list[datetime]) -> datetime:
    return max(moments, key=lambda moment: (moment, moment.isoformat()))


def _read(repo: git.Repo, prefix: str, revisions: str) -> History:
    """The history of the commits ``revisions`` names (a commit and its ancestors, or a range)."""
    scope = [f"{prefix}{folder}" for folder in FOLDERS.values()]
    # --raw: each file's blob before and after (":100644 100644 <old> <new> M\tpath"), so that its
    # name is read by the blob's id; a "commit:path" lookup walks the trees, and a folder of
    # thousands of communes made the history of a national directory 48 times slower for 10
    # times the records.
    log = repo.git.log("--format=\x01%H\x01%aI", "--raw", "--no-abbrev", "--no-renames", revisions, "--", *scope)
    moments: dict[str, list[datetime]] = {}
    raw_changes: list[tuple[datetime, str, str, str, str]] = []  # moment, status, path, commit, blob
    commit = ""
    moment = datetime.min
    for line in log.splitlines():
        if line.startswith("\x01"):
            _empty, commit, when = line.split("\x01")
            moment = datetime.fromisoformat(when)
            continue
        if not line.startswith(":"):
            continue
        head, _tab, path = line.partition("\t")
        if not path.startswith(prefix) or not path.endswith(".yml"):
            continue
        fields = head.split()
        if len(fields) < 5:
            continue
        status = fields[4][:1]
        relative = path[len(prefix):]
        moments.setdefault(relative, []).append(moment)
        raw_changes.append((moment, status, relative, commit, fields[2] if status == "D" else fields[3]))
    files = {path: FileHistory(_earliest(found), _latest(found), len(found)) for path, found in moments.items()}
    return History(files, _changes(repo, raw_changes))


def _change_order(change: Change) -> tuple:
    return (change.moment, change.commit, change.record_id)


def _merged(known: History, new: History) -> History:
    """What was known, with the history of the commits made since (none of them in both)."""
    files = dict(known.files)
    for path, found in new.files.items():
        before = files.get(path)
        files[path] = found if before is None else FileHistory(
            _earliest([before.created, found.created]), _latest([before.changed, found.changed]), before.changes + found.changes)
    # Sorted as one reading sorts them: a commit's changes are all on one side, in their order.
    return History(files, sorted(known.changes + new.changes, key=_change_order, reverse=True))


def _changes(repo: git.Repo, raw: list[tuple[datetime, str, str, str, str]]) -> list[Change]:
    """Changes with names, a move (same id removed and added in one commit) as one change."""
    by_commit: dict[str, list[tuple[datetime, str, str, str, str]]] = {}
    for item in raw:
        by_commit.setdefault(item[3], []).append(item)
    # A record's name, read from its blob (its bytes after the change; before it, for a removal).
    names = _read_names(repo, {blob: _parse_path(path) for _moment, _status, path, _commit, blob in raw})
    found: list[Change] = []
    for commit, items in by_commit.items():
        # A move is one record id removed and added in the same commit (sets: an import commit
        # touches thousands of files).
        ids = {status: set() for status in "ADM"}
        for _moment, status, path, _commit, _parent in items:
            parsed = _parse_path(path)
            if parsed is not None and status in ids:
                ids[status].add(parsed[2])
        for moment, status, path, _commit, blob in items:
            parsed = _parse_path(path)
            if parsed is None:
                continue
            kind, commune, record_id = parsed
            if status == "D" and record_id in ids["A"]:
                continue  # reported with its new place
            if status == "A":
                action = MOVED if record_id in ids["D"] else ADDED
            else:
                action = {"D": REMOVED, "M": CHANGED}.get(status, CHANGED)
            found.append(Change(moment, action, kind, record_id, commune, names.get(blob, record_id), commit))
    found.sort(key=_change_order, reverse=True)
    return found


def _read_names(repo: git.Repo, blobs: dict[str, tuple[str, str, str] | None]) -> dict[str, str]:
    """Record names by blob id (``blobs``: each blob's kind, commune and id, from its path), from
    many blobs through one ``git cat-file --batch`` process."""
    wanted = [blob for blob, parsed in blobs.items() if parsed is not None and blob.strip("0")]
    if not wanted:
        return {}
    names: dict[str, str] = {}
    process = repo.git.cat_file("--batch", as_process=True, istream=subprocess.PIPE)

    def ask() -> None:
        # All requests at once, from another thread: no round trip per blob, and no deadlock
        # while this thread reads the answers.
        try:
            process.stdin.write(b"".join(blob.encode() + b"\n" for blob in wanted))
        finally:
            process.stdin.close()

    writer = threading.Thread(target=ask, daemon=True)
    writer.start()
    try:
        for blob in wanted:
            header = process.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                continue
            body = process.stdout.read(int(header[2]))
            process.stdout.read(1)
            kind, _commune, record_id = blobs[blob]  # type: ignore[misc]
            names[blob] = _name(body, kind, record_id)
    finally:
        writer.join()
        process.wait()
    return names


def _save(path: Path, commit: str, history: History) -> None:
    document = {
        "commit": commit,
        "files": {k: [v.created.isoformat(), v.changed.isoformat(), v.changes] for k, v in history.files.items()},
        "changes": [{**asdict(c), "moment": c.moment.isoformat()} for c in history.changes],
    }
    write_if_changed(path, orjson.dumps(document), known_different=True)


def _load(path: Path) -> tuple[str, History]:
    """The commit a cached history was read at, and that history."""
    document = orjson.loads(path.read_bytes())
    files = {k: FileHistory(datetime.fromisoformat(a), datetime.fromisoformat(b), n) for k, (a, b, n) in document["files"].items()}
    changes = [Change(**{**c, "moment": datetime.fromisoformat(c["moment"])}) for c in document["changes"]]
    return str(document["commit"]), History(files, changes, str(document["commit"]))


def content_history(content_dir: Path) -> dict[str, FileHistory] | None:
    """Per record file (relative to the content folder): created, changed, number of changes."""
    history = read_history(content_dir)
    return None if history is None else history.files
