"""``sources.yml``: the feeds a directory follows, read and checked like a record.

The file sits at the root of the repository, beside ``content/``; its JSON Schema is
``schemas/sources.schema.json`` (editors complete it; ``communs validate`` checks it with the same
French messages as records, with line and column). Beyond the schema: names are unique, a ``csv``
source has a mapping, a ``path`` or ``mapping`` names a file that exists inside the repository,
communes are current communes of the official list.

A source is due on a day by its ``every``: ``daily`` every day, ``weekly`` on Mondays (the
default), ``monthly`` on the first of the month; the scheduled workflow runs every day and pulls
the sources due that day (``--all`` pulls every source).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.records.content import RecordFile, display_path
from communs.records.problems import Problem, problem

FILE_NAME = "sources.yml"
KIND = "sources"
ICAL_LIKE = {"mobilizon": "ical"}  # formats read by another format's importer
DEFAULT_MAX_SIZE_MB = 20


@dataclass(frozen=True)
class Source:
    name: str
    format: str
    url: str | None = None
    path: Path | None = None  # a file of the repository (absolute once loaded)
    path_text: str = ""  # that file as sources.yml names it (relative to it)
    title: str = ""
    mapping: Path | None = None
    communes: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    licence: str | None = None
    credit: str | None = None
    every: str = "weekly"
    max_size_mb: int = DEFAULT_MAX_SIZE_MB
    line: int = 0

    @property
    def importer_format(self) -> str:
        return ICAL_LIKE.get(self.format, self.format)

    @property
    def location(self) -> str:
        return self.url or self.path_text

    def due(self, day: date) -> bool:
        if self.every == "daily":
            return True
        if self.every == "monthly":
            return day.day == 1
        return day.isoweekday() == 1


@dataclass
class SourceList:
    file: Path
    sources: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(found.is_error for found in self.problems)

    def named(self, name: str) -> Source | None:
        return next((source for source in self.sources if source.name == name), None)


def sources_file(content_dir: Path) -> Path:
    """Where a directory's list of sources lives: beside its content folder."""
    return content_dir.resolve().parent / FILE_NAME


def load_sources(file: Path) -> SourceList:
    """The sources of ``file`` with every problem found (an absent file: no source, no problem)."""
    from communs.records.record import parse_record
    from communs.records.schemas import default_schemas

    listing = SourceList(file)
    if not file.is_file():
        return listing
    display = display_path(file)
    record, problems = parse_record(file.read_bytes(), RecordFile(file, KIND, "", display))
    listing.problems.extend(problems)
    if record is None:
        return listing
    schema_problems = default_schemas().problems(record)
    listing.problems.extend(schema_problems)
    if any(found.is_error for found in schema_problems):
        return listing
    root = file.resolve().parent
    seen: dict[str, int] = {}
    for index, item in enumerate(record.data.get("sources") or []):
        pointer = f"/sources/{index}"
        line = record.position(pointer)[0] or 0

        def refuse(code: str, message: str, where: str = "") -> None:
            listing.problems.append(record.problem(code, message, pointer + where))

        name = item["name"]
        if name in seen:
            refuse("duplicate-source", _("Deux sources s'appellent « {name} » (l'autre ligne {line}) : chaque source a un nom unique.").format(name=name, line=seen[name]), "/name")
            continue
        seen[name] = line
        if ("url" in item) == ("path" in item):
            refuse("source-location", _("La source « {name} » a soit une adresse (url), soit un fichier du dépôt (path) : un des deux, pas les deux.").format(name=name))
            continue
        path = _inside(root, item.get("path"))
        if item.get("path") and (path is None or not path.is_file()):
            refuse("source-file-missing", _("Le fichier {path} de la source « {name} » n'existe pas dans le dépôt.").format(path=item["path"], name=name), "/path")
            continue
        mapping = _inside(root, item.get("mapping"))
        if item.get("mapping") and (mapping is None or not mapping.is_file()):
            refuse("source-file-missing", _("Le fichier de correspondance {path} de la source « {name} » n'existe pas dans le dépôt.").format(path=item["mapping"], name=name), "/mapping")
            continue
        if item["format"] == "csv" and mapping is None:
            refuse("source-mapping-missing", _("La source « {name} » est un tableau CSV : indiquez son fichier de correspondance (mapping: …toml).").format(name=name), "/format")
            continue
        unknown = _unknown_communes(item.get("communes") or [])
        if unknown:
            refuse("unknown-commune", _("La source « {name} » filtre sur des codes qui ne sont pas des communes actuelles : {codes}.").format(name=name, codes=", ".join(unknown)), "/communes")
            continue
        listing.sources.append(Source(
            name=name, format=item["format"], url=item.get("url"), path=path, path_text=item.get("path", ""), title=item.get("title", ""), mapping=mapping,
            communes=tuple(item.get("communes") or ()), departements=tuple(item.get("departements") or ()), themes=tuple(item.get("themes") or ()),
            licence=item.get("licence"), credit=item.get("credit"), every=item.get("every", "weekly"),
            max_size_mb=item.get("max_size", DEFAULT_MAX_SIZE_MB), line=line,
        ))
    return listing


def _inside(root: Path, relative: Any) -> Path | None:
    """A path of the repository from its text (the schema's pattern already refused ``..``)."""
    if not isinstance(relative, str) or not relative:
        return None
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) else None


def _unknown_communes(codes: list[str]) -> list[str]:
    from communs.records.communes import default_communes

    reference = default_communes()
    return [code for code in codes if (reference.get(code) is None or not reference.get(code).is_current)]


def not_found(name: str, listing: SourceList) -> Problem:
    names = ", ".join(source.name for source in listing.sources) or _("aucune")
    return problem("unknown-source", _("Aucune source ne s'appelle « {name} » dans {file} (sources : {names}).").format(name=name, file=display_path(listing.file), names=names), file=display_path(listing.file))
