"""The site in parts: one per département, and the « commun » part, built on separate machines
and joined by ``communs assemble`` into the site a one-machine build writes, byte for byte.

The key is the département of a page's commune (``PageSpec.commune``), as for the parts of the
search index: a département holds a few thousand records at national scale (so its part fits
any CI runner), its pages and search bundle are the same unit, and a record's part follows from
its folder alone, so listing the parts reads no file. A commune would make tens of thousands of
tiny jobs; a region, parts ten times larger.

A département's part reads its own records and those its pages show: the actors they name
(organisers, venues, links), the events and actors elsewhere that name its actors, the actors
elsewhere active in its communes (``area``) and the links to those. These are found by the words
of each record file, without parsing it, so the part's memory is bounded by what it shows, not by
the directory. Every page of no commune (home, communes, themes, agenda, changes…), the
whole-directory exports, feeds, sitemap, static files and the themes search bundle read the whole
directory: they are the commun part's, which validates the whole directory as a one-machine build
does. A page kind that declares no commune falls in the commun part: always correct, never split.

Each part's output has a manifest (``MANIFEST``) naming its key and a digest of what it was built
from; the commun part also names the parts the site needs. ``assemble`` checks them before
writing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from communs.i18n import _
from communs.records.communes import departement_of_code
from communs.records.content import ACTOR, KINDS, RecordFile, scan
from communs.records.crosscheck import Index, cross_problems, entry_of_file
from communs.records.validation import Checker, Report, check_files
from communs.site.history import History
from communs.site.render import PageSpec

COMMON = "commun"
MANIFEST = "communs-part.json"
# The words of a record file that may be a record id or a commune code (ids: lowercase ASCII
# letters, digits and "-"; codes: five characters, 2A and 2B included): every other byte is a
# separator (bytes.translate, then split: three times faster than a regular expression).
_WORD_BYTES = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")
_SEPARATORS = bytes(byte if byte in _WORD_BYTES else 0x20 for byte in range(256))


def _words(source: RecordFile) -> list[bytes]:
    return source.path.read_bytes().translate(_SEPARATORS).split()


def key_of(code: str) -> str:
    """The part of a commune's pages: its département."""
    return departement_of_code(code)


def keys(files: Iterable[RecordFile]) -> list[str]:
    """The parts of a directory: each département with records, then the commun part."""
    return [*sorted({key_of(source.folder) for source in files}), COMMON]


def sizes(files: Iterable[RecordFile]) -> dict[str, int]:
    """Records per part; the commun part reads them all."""
    found: dict[str, int] = {}
    total = 0
    for source in files:
        found[key_of(source.folder)] = found.get(key_of(source.folder), 0) + 1
        total += 1
    return {**found, COMMON: total}


def shard(weights: dict[str, int], number: int, total: int) -> list[str]:
    """The parts of shard ``number`` (1 to ``total``), the heaviest first given to the lightest
    shard, so that CI jobs that each build several parts take about as long."""
    loads = [(0, index) for index in range(total)]
    chosen: dict[int, list[str]] = {index: [] for index in range(total)}
    for key in sorted(weights, key=lambda k: (-weights[k], k)):
        load, index = min(loads)
        loads[loads.index((load, index))] = (load + weights[key], index)
        chosen[index].append(key)
    return sorted(chosen[number - 1])


@dataclass(frozen=True)
class Scope:
    """What one build writes: the whole site (``key`` None), the commun part, or a département's."""

    key: str | None = None

    @property
    def whole(self) -> bool:
        """Whether the pages and files of the whole directory are built here."""
        return self.key is None or self.key == COMMON

    def has_page(self, spec: PageSpec) -> bool:
        if self.key is None:
            return True
        if spec.commune is None:
            return self.key == COMMON
        return key_of(spec.commune) == self.key

    def has_commune(self, code: str) -> bool:
        """Whether a commune's own files (exports, feed) are built here."""
        return self.key is None or (self.key != COMMON and key_of(code) == self.key)

    def has_search_part(self, search_key: str, main: str) -> bool:
        if self.key is None:
            return True
        return search_key == main if self.key == COMMON else search_key == self.key


# Reading a département's part -------------------------------------------------------------------


def part_files(files: list[RecordFile], key: str, named: Iterable[str] = ()) -> tuple[list[RecordFile], list[RecordFile]]:
    """(every file the part reads, the part's own files): its records and those its pages show.

    Found by words, never parsed: a file is read when it names one of the part's actors (or an
    actor its records name) or communes, or when one of the files read so names its id. A word
    that is a record id by chance reads one record more, never one less. ``named``: ids read too
    (the records its communes' changes name, which may have moved elsewhere since).
    """
    own = [source for source in files if key_of(source.folder) == key]
    if not own:
        return [], []
    by_id = {source.stem.encode(): source for source in files}
    codes = {source.folder.encode() for source in own}
    chosen = {source.display: source for source in own}
    for record_id in named:
        source = by_id.get(record_id.encode())
        if source is not None:
            chosen.setdefault(source.display, source)
    words = {display: set(_words(source)) for display, source in chosen.items()}
    # The actors of the part and those its records name: the records that name them are shown
    # too (an actor's events and calls, the other calls of a call's actor).
    actors = {source.stem.encode() for source in own if source.kind == ACTOR}
    actors |= {word for found in words.values() for word in found if word in by_id and by_id[word].kind == ACTOR}
    active_here: set[bytes] = set()  # actors elsewhere whose words name one of the part's communes
    for source in files:
        if source.display in chosen:
            continue
        found = _words(source)
        names_actor = not actors.isdisjoint(found)
        active = source.kind == ACTOR and not codes.isdisjoint(found)
        if names_actor or active:
            chosen[source.display] = source
            words[source.display] = set(found)
        if active:
            active_here.add(source.stem.encode())
    if active_here:
        # A commune's network holds the links of the actors active there: those written to them too.
        for source in files:
            if source.kind == ACTOR and source.display not in chosen:
                found = _words(source)
                if not active_here.isdisjoint(found):
                    chosen[source.display] = source
                    words[source.display] = set(found)
    # The records these name: organisers, venues, linked actors (their names and places are shown).
    for display in list(chosen):
        for word in words[display]:
            named = by_id.get(word)
            if named is not None and named.display not in chosen:
                chosen[named.display] = named
    ordered = sorted(chosen.values(), key=lambda f: (f.kind, f.folder, f.path.name))
    return ordered, own


def read_part(content_dir: Path, key: str, checker: Checker, *, jobs: int | None = None, history: History | None = None) -> Report:
    """The records a département's part reads, checked: each file on its own, and the part's own
    records against the whole directory's index (ids, references, links, duplicates in their
    communes). The commun part checks the whole directory."""
    files, _strays = scan(content_dir)
    changed = {change.record_id for change in history.changes if key_of(change.commune) == key} if history is not None else set()
    chosen, own = part_files(files, key, changed)
    results = check_files(chosen, checker, jobs=jobs, keep_records=True)
    problems = [found for result in results for found in result.problems]
    read = {result.entry.file: result.entry for result in results if result.entry is not None}
    index = Index([read.get(source.display) or entry_of_file(source) for source in files])
    problems += cross_problems([read[source.display] for source in own if source.display in read], index)
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.column or 0, p.code))
    return Report(checked=len(own), problems=problems, records=[result.record for result in results if result.record is not None])


def changed_parts(content_dir: Path, revision: str) -> list[str]:
    """The parts a change since ``revision`` touches (working tree included): the départements of
    the records it adds, modifies, deletes or moves (both ends of a move), and the commun part
    when it changes any other file Git tracks (settings, free pages, pictures, templates, code:
    what every page may show). A change that touches nothing gives no part."""
    from communs.records.validation import changed_paths

    changed, deleted = changed_paths(content_dir, revision)
    touched = set()
    for path in (*changed, *deleted):
        if path.suffix == ".yml" and path.parent.parent.name in KINDS:
            touched.add(key_of(path.parent.name))
        else:
            touched.add(COMMON)
    import git

    repo = git.Repo(content_dir, search_parent_directories=True)
    top = Path(repo.working_tree_dir)
    # Any other tracked file (a CI job's own reports, revue.md…, are untracked: never the change's).
    elsewhere = [f":(exclude){os.path.relpath(content_dir / folder, top)}" for folder in KINDS]
    if repo.git.diff("--name-only", revision, "--", ".", *elsewhere):  # git runs at the top of the working tree
        touched.add(COMMON)
    return [key for key in sorted(touched - {COMMON})] + ([COMMON] if COMMON in touched else [])


def content_digest(content_dir: Path) -> str:
    """A digest of every record file (paths and bytes), so that parts built from different
    records are never joined."""
    hasher = hashlib.blake2b(digest_size=16)
    files, _strays = scan(content_dir)
    for source in files:
        hasher.update(f"{source.kind}/{source.folder}/{source.path.name}\0".encode("utf-8"))
        hasher.update(source.path.read_bytes())
    return hasher.hexdigest()


def write_manifest(output: Path, key: str, inputs: str, parts: list[str] | None = None) -> None:
    document: dict = {"part": key, "inputs": inputs}
    if parts is not None:
        document["parts"] = parts
    output.mkdir(parents=True, exist_ok=True)
    (output / MANIFEST).write_text(json.dumps(document, sort_keys=True, indent=1) + "\n", encoding="utf-8")


# Assembling -----------------------------------------------------------------------------------


class AssemblyError(Exception):
    """The parts cannot make one site; the message says why, in French."""


@dataclass(frozen=True)
class Part:
    folder: Path
    key: str
    inputs: str
    parts: tuple[str, ...] | None


def read_manifest(folder: Path) -> Part:
    if not folder.is_dir():
        raise AssemblyError(_("Le dossier {path} n'existe pas.").format(path=folder))
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        key, inputs, parts = document["part"], document["inputs"], document.get("parts")
        if not isinstance(key, str) or not isinstance(inputs, str) or not (parts is None or isinstance(parts, list)):
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise AssemblyError(
            _("{path} n'est pas une partie du site construite par « communs build --part » (son fichier {manifest} manque ou est illisible).").format(
                path=folder, manifest=MANIFEST
            )
        ) from None
    return Part(folder, key, inputs, tuple(parts) if parts is not None else None)


def _files_of(folder: Path) -> Iterable[str]:
    for top, _dirs, names in os.walk(folder):
        for name in names:
            relative = Path(top, name).relative_to(folder).as_posix()
            if relative != MANIFEST:
                yield relative


def _same_bytes(one: Path, other: Path) -> bool:
    if one.stat().st_size != other.stat().st_size:
        return False
    with one.open("rb") as first, other.open("rb") as second:
        while True:
            block = first.read(1 << 16)
            if block != second.read(1 << 16):
                return False
            if not block:
                return True


def plan(folders: list[Path]) -> dict[str, Part]:
    """Where each file of the site comes from (site path -> its part), after every check:
    manifests, one build, no part missing or twice, no file that two parts write differently."""
    parts = [read_manifest(folder) for folder in folders]
    by_key: dict[str, Part] = {}
    for part in parts:
        if part.key in by_key:
            raise AssemblyError(_("La partie « {key} » est donnée deux fois : {first} et {second}.").format(key=part.key, first=by_key[part.key].folder, second=part.folder))
        by_key[part.key] = part
    common = by_key.get(COMMON)
    if common is None or common.parts is None:
        raise AssemblyError(_("Il manque la partie « {key} » : elle porte les pages de tout l'annuaire et la liste des parties.").format(key=COMMON))
    builds = {part.inputs for part in parts}
    if len(builds) > 1:
        raise AssemblyError(_(
            "Les parties ne viennent pas de la même construction (fiches, réglages, date de construction ou version de communs différents) : "
            "reconstruisez-les toutes à partir du même commit."
        ))
    missing = sorted(set(common.parts) - set(by_key))
    if missing:
        raise AssemblyError(_("Il manque des parties du site : {keys}.").format(keys=", ".join(missing)))
    unexpected = sorted(set(by_key) - set(common.parts) - {COMMON})
    if unexpected:
        raise AssemblyError(_("Ces parties n'appartiennent pas à cet annuaire : {keys}.").format(keys=", ".join(unexpected)))
    sources: dict[str, Part] = {}
    for part in sorted(parts, key=lambda p: p.key):
        for relative in _files_of(part.folder):
            first = sources.get(relative)
            if first is None:
                sources[relative] = part
            elif not _same_bytes(first.folder / relative, part.folder / relative):
                raise AssemblyError(
                    _("Le fichier {file} diffère entre les parties « {first} » et « {second} » : le site n'est pas assemblé.").format(
                        file=relative, first=first.key, second=part.key
                    )
                )
    return sources


def assemble(folders: list[Path], output: Path) -> int:
    """Join the parts' outputs into ``output`` (absent or empty); returns the number of files.
    Nothing is written unless every check passes."""
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise AssemblyError(_("Le dossier de sortie {path} n'est pas vide : donnez un dossier neuf.").format(path=output))
    resolved = output.resolve()
    for folder in folders:
        inside = folder.resolve()
        if resolved == inside or resolved.is_relative_to(inside) or inside.is_relative_to(resolved):
            raise AssemblyError(_("Le dossier de sortie {path} ne peut pas être dans une partie, ni la contenir.").format(path=output))
    sources = plan(folders)
    for relative, part in sorted(sources.items()):
        target = output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(part.folder / relative, target)
        except OSError:
            shutil.copy2(part.folder / relative, target)  # another filesystem, or no hard links
    return len(sources)
