"""``communs upgrade``: bring an instance's files up to the installed communs.

The code, schemas, reference data and theme come with the package (bumped in requirements.txt);
what lives in the instance and may need rewriting is its records (the migrations of
``records.migrations``) and the copy of the schemas that editors read (``schemas/``). Nothing is
committed: the maintainer reads ``git diff`` and commits, and ``communs review`` names the
migration behind each rewritten record in the pull request.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click

from communs import __version__
from communs.i18n import _, ngettext
from communs.records.canonical import update_record
from communs.records.communes import Communes, default_communes
from communs.records.content import display_path, record_path, scan
from communs.records.migrations import MIGRATIONS, Migration, migrate
from communs.records.record import read_record
from communs.resources import schemas_dir

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXIT_OK, EXIT_CHANGES, EXIT_USAGE = 0, 1, 2


@dataclass
class Upgrade:
    rewritten: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))  # migration -> (old, new) paths
    schemas: list[str] = field(default_factory=list)  # schema files refreshed
    unreadable: list[str] = field(default_factory=list)  # records the migrations could not read

    @property
    def changed(self) -> bool:
        return bool(self.rewritten or self.schemas)


def upgrade(content_dir: Path, *, schemas: Path | None = None, write: bool = True, communes: Communes | None = None,
            migrations: tuple[Migration, ...] = MIGRATIONS) -> Upgrade:
    """Apply the migrations to every record of ``content_dir`` and refresh the ``schemas`` copy
    (when given and a real folder); with ``write=False``, only say what would change."""
    communes = communes or default_communes()
    result = Upgrade()
    files, _strays = scan(content_dir)
    for source in files:
        record, _problems = read_record(source)
        if record is None:
            result.unreadable.append(source.display)
            continue
        data, applied = migrate(record.kind, dict(record.data), communes, migrations)
        if not applied:
            continue
        target = source.path
        commune = data.get("commune")
        if isinstance(commune, str) and commune != source.folder:
            target = record_path(content_dir, record.kind, commune, source.stem)
        for migration in applied:
            result.rewritten[migration.name].append((source.display, display_path(target)))
        if write:
            text = update_record(source.path.read_text(encoding="utf-8"), data, record.kind)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            if target != source.path:
                source.path.unlink()
                if not any(source.path.parent.iterdir()):
                    source.path.parent.rmdir()
    if schemas is not None and schemas.is_dir() and not schemas.is_symlink():
        for shipped in sorted(schemas_dir().glob("*.json")):
            copy = schemas / shipped.name
            if not copy.is_file() or copy.read_bytes() != shipped.read_bytes():
                result.schemas.append(display_path(copy))
                if write:
                    copy.write_bytes(shipped.read_bytes())
    return result


def format_upgrade(result: Upgrade, migrations: tuple[Migration, ...] = MIGRATIONS, *, written: bool = True) -> str:
    by_name = {m.name: m for m in migrations}
    lines = []
    for name, moves in result.rewritten.items():
        migration = by_name[name]
        lines.append(ngettext("Migration « {name} » (communs {since}) : {count} fiche.", "Migration « {name} » (communs {since}) : {count} fiches.", len(moves)).format(
            name=name, since=migration.since, count=len(moves)))
        lines.append("  " + migration.summary)
        lines += [f"  {old} → {new}" if old != new else f"  {old}" for old, new in moves]
    if result.schemas:
        lines.append(_("Schémas mis à jour pour les éditeurs : {files}.").format(files=", ".join(result.schemas)))
    for path in result.unreadable:
        lines.append(_("{path} : fiche illisible, laissée telle quelle (communs validate dit pourquoi).").format(path=path))
    if not result.changed:
        lines.append(_("Rien à mettre à jour pour communs {version}.").format(version=__version__))
    elif written:
        lines.append(_("Relisez les changements (git diff), vérifiez-les (communs validate), puis commitez-les."))
    else:
        lines.append(_("Lancez « communs upgrade » pour appliquer ces changements."))
    return "\n".join(lines)


@click.command("upgrade", context_settings=CONTEXT)
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches."))
@click.option("--schemas", "schemas", type=click.Path(path_type=Path), default=Path("schemas"), show_default=True, help=_("Copie des schémas que lisent les éditeurs (mise à jour si elle existe)."))
@click.option("--check", is_flag=True, help=_("Ne rien écrire : dire ce qui changerait (code 1 s'il y a quelque chose à faire)."))
def upgrade_command(content_dir: Path, schemas: Path, check: bool) -> None:
    """Mettre l'annuaire à jour pour la version installée de communs.

    Après avoir changé la version de communs dans requirements.txt et l'avoir installée :
    applique aux fiches les migrations qu'elle demande (fiches réécrites ou déplacées) et met à
    jour la copie des schémas. Rien n'est commité : relisez, puis commitez. Code de sortie : 0,
    ou 1 avec --check s'il reste quelque chose à faire, 2 en cas d'usage incorrect.
    """
    if not content_dir.is_dir():
        click.echo(_("Erreur : le dossier des fiches {path} n'existe pas.").format(path=content_dir), err=True)
        sys.exit(EXIT_USAGE)
    result = upgrade(content_dir, schemas=schemas, write=not check)
    click.echo(format_upgrade(result, written=not check))
    sys.exit(EXIT_CHANGES if check and result.changed else EXIT_OK)
