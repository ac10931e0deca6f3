"""One file imported into a content tree: the format's reader, then the engine (rules in ``communs.importers``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from communs.importers.model import ImportUsageError

FORMATS = ("csv", "geojson", "gogocarto", "osm", "ical", "festivals", "openagenda", "communs")
# Tables are read row by row, whatever their size; JSON and iCalendar files are parsed whole, in
# memory (about 12 times the file's size for GeoJSON, 22 times for iCalendar): above this size
# (in MB, ``--max-size``) they are refused rather than exhausting the machine.
STREAMED = frozenset({"csv", "festivals"})
DEFAULT_MAX_SIZE_MB = 50


def check_size(format_name: str, path: Path, max_size_mb: int | None) -> None:
    """Refuse a file of a format read whole when it is larger than ``max_size_mb`` (None: no limit)."""
    if format_name in STREAMED or max_size_mb is None:
        return
    size = path.stat().st_size
    if size > max_size_mb * 1_000_000:
        from communs.i18n import _

        raise ImportUsageError(_(
            "{path} pèse {size} Mo : au-delà de la limite de {limit} Mo pour le format {format}, qui se lit en entier en mémoire. "
            "Découpez le fichier, ou relevez la limite avec --max-size si la machine a assez de mémoire (compter environ 25 fois la taille du fichier)."
        ).format(path=path, size=f"{size / 1_000_000:.1f}".replace(".", ","), limit=max_size_mb, format=format_name))


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
    elif format_name == "openagenda":
        from communs.importers.from_openagenda import OpenagendaReader as reader
    elif format_name == "communs":
        from communs.importers.from_communs import CommunsReader as reader
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
    max_size_mb: int | None = DEFAULT_MAX_SIZE_MB,
    defaults: dict | None = None,
    described: dict | None = None,
):
    """Import ``file`` into ``content_dir``; an ``engine.ImportResult`` (``ImportUsageError`` for
    usage problems, malformed files and files of a format read whole beyond ``max_size_mb``).

    ``defaults``: values given to every record when the file says nothing (``[values]`` of a
    mapping file, which wins); ``described``: the dataset's ``url``, ``licence`` and ``credit``
    (a followed source's, from ``sources.yml``; they win over what the file says)."""
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
    check_size(format_name, file, max_size_mb)
    loaded = load_mapping(mapping)
    for key, value in (defaults or {}).items():
        if value:
            loaded.values.setdefault(key, value)
    reader = reader_for(format_name, file, loaded)
    chosen: Dataset = reader.dataset()
    overrides = {key: value for key, value in loaded.dataset.items() if key != "name"}
    name = dataset or loaded.dataset.get("name") or chosen.name
    if not (RECORD_ID.match(name or "") and 2 <= len(name) <= 40):
        raise ImportUsageError(_("Nom de jeu de données « {name} » invalide : lettres minuscules sans accents, chiffres et tirets, 2 à 40 caractères (--dataset).").format(name=name))
    overrides.update({key: value for key, value in (described or {}).items() if value})
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
