"""One file imported into a content tree: the format's reader, then the engine (rules in ``communs.importers``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from communs.importers.model import ImportUsageError

FORMATS = ("csv", "geojson", "gogocarto", "osm", "ical", "festivals")


def reader_for(format_name: str, path: Path, mapping):
    """The reader of a format, with its file parsed (usage errors raised now)."""
    if format_name == "csv":
        from communs.importers.from_csv import CsvReader as reader
    elif format_name == "geojson":
        from communs.importers.from_geojson import GeojsonReader as reader
    elif format_name == "gogocarto":
        from communs.importers.from_gogocarto import GogocartoReader as reader
    elif format_name == "osm":
        from communs.importers.from_osm import OsmReader as reader
    elif format_name == "ical":
        from communs.importers.from_ical import IcalReader as reader
    elif format_name == "festivals":
        from communs.importers.from_festivals import FestivalsReader as reader
    else:
        from communs.i18n import _

        raise ImportUsageError(_("Format inconnu « {format} » : {formats}.").format(format=format_name, formats=", ".join(FORMATS)))
    return reader(path, mapping)


def run_import(
    format_name: str,
    file: Path,
    content_dir: Path,
    *,
    communes: tuple[str, ...] = (),
    departements: tuple[str, ...] = (),
    mapping: Path | None = None,
    dataset: str | None = None,
    parent_communes: bool = False,
    dry_run: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Import ``file`` into ``content_dir``; an ``engine.ImportResult`` (``ImportUsageError`` for
    usage problems)."""
    from dataclasses import replace

    from communs.i18n import _
    from communs.importers.build import Dataset
    from communs.importers.engine import Filters, Importer
    from communs.importers.mapping import load_mapping
    from communs.records.content import RECORD_ID

    if not file.is_file():
        raise ImportUsageError(_("Le fichier {path} n'existe pas.").format(path=file))
    if mapping is not None and not mapping.is_file():
        raise ImportUsageError(_("Le fichier de correspondance {path} n'existe pas.").format(path=mapping))
    if content_dir.exists() and not content_dir.is_dir():
        raise ImportUsageError(_("{path} n'est pas un dossier.").format(path=content_dir))
    loaded = load_mapping(mapping)
    reader = reader_for(format_name, file, loaded)
    chosen: Dataset = reader.dataset()
    overrides = {key: value for key, value in loaded.dataset.items() if key != "name"}
    name = dataset or loaded.dataset.get("name") or chosen.name
    if not (RECORD_ID.match(name or "") and 2 <= len(name) <= 40):
        raise ImportUsageError(_("Nom de jeu de données « {name} » invalide : lettres minuscules sans accents, chiffres et tirets, 2 à 40 caractères (--dataset).").format(name=name))
    chosen = replace(chosen, name=name, **overrides)
    importer = Importer(
        content_dir=content_dir,
        format_name=format_name,
        file=file,
        dataset=chosen,
        mapping=loaded,
        filters=Filters(communes, departements),
        parent_communes=parent_communes,
        dry_run=dry_run,
        jobs=jobs,
        progress=progress,
    )
    return importer.run(reader.items(importer.context))
