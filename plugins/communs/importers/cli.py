"""``communs import``: the command line of the importers (see ``communs.importers``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from communs.i18n import _
from communs.importers.run import DEFAULT_MAX_SIZE_MB, FORMATS

EXIT_USAGE = 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _usage(message: str) -> None:
    click.echo(_("Erreur : {message}").format(message=message), err=True)
    sys.exit(EXIT_USAGE)


def _codes(communes: tuple[str, ...], departements: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The filters' codes, checked against the COG (a typo must not silently import nothing)."""
    from communs.records.communes import default_communes
    from communs.records.values import normalise_insee

    reference = default_communes()
    checked_communes = []
    for value in communes:
        code = normalise_insee(value).code
        commune = reference.get(code) if code else None
        if commune is None or not commune.is_current:
            _usage(_("« {code} » n'est pas le code INSEE d'une commune actuelle (5 caractères, par exemple 97411).").format(code=value))
        checked_communes.append(code)
    checked_departements = []
    for value in departements:
        code = value.strip().upper()
        code = "0" + code if code.isdigit() and len(code) == 1 else code
        if reference.departement(code) is None:
            _usage(_("« {code} » n'est pas un code de département (par exemple 974, 2A, 01).").format(code=value))
        checked_departements.append(code)
    return tuple(checked_communes), tuple(checked_departements)


@click.command("import", context_settings=CONTEXT)
@click.argument("format_name", metavar="FORMAT", type=click.Choice(FORMATS))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--commune", "communes", multiple=True, metavar="CODE", help=_("N'importer que les lignes de cette commune (code INSEE ; option répétable)."))
@click.option("--departement", "departements", multiple=True, metavar="CODE", help=_("N'importer que les lignes de ce département (974, 2A… ; option répétable)."))
@click.option("--mapping", type=click.Path(path_type=Path, dir_okay=False), default=None, help=_("Fichier de correspondance TOML : colonnes, valeurs par défaut, correspondances de vocabulaire (obligatoire pour csv)."))
@click.option("--dataset", default=None, help=_("Nom court du jeu de données (source.dataset) ; par défaut celui du format ou le nom du fichier."))
@click.option("--parent-commune", "parent_communes", is_flag=True, help=_("Ranger les lignes d'une commune déléguée, associée ou d'un arrondissement sous sa commune actuelle (sinon elles sont ignorées)."))
@click.option("--dry-run", is_flag=True, help=_("Tout faire sauf écrire : afficher ce qui serait créé, mis à jour ou ignoré."))
@click.option("--content", "content_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("content"), show_default=True, help=_("Dossier des fiches (créé s'il n'existe pas)."))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help=_("text pour une personne, json pour un programme."))
@click.option("--jobs", type=click.IntRange(min=1), default=None, help=_("Processus pour la vérification finale (par défaut : un par cœur)."))
@click.option("--max-size", "max_size_mb", type=click.IntRange(min=1), default=DEFAULT_MAX_SIZE_MB, show_default=True, metavar="MO",
              help=_("Taille maximale en Mo d'un fichier geojson, gogocarto, osm ou ical, lu en entier en mémoire (environ 25 fois sa taille) ; les tableaux csv et festivals se lisent ligne à ligne, sans limite."))
def import_command(format_name: str, file: Path, communes: tuple[str, ...], departements: tuple[str, ...], mapping: Path | None, dataset: str | None,
                   parent_communes: bool, dry_run: bool, content_dir: Path, output_format: str, jobs: int | None, max_size_mb: int) -> None:
    """Importer des fiches depuis un fichier de données ouvertes.

    FORMAT : csv (avec --mapping), geojson, gogocarto (éléments JSON de GoGoCarto), osm (JSON
    d'Overpass), ical (événements d'un flux .ics) ou festivals (liste des festivals du ministère
    de la Culture). Chaque ligne devient une fiche YAML dans le dossier de sa commune ; une
    nouvelle importation du même fichier met à jour les fiches sans écraser ce qui a été modifié
    à la main (signalé comme conflit), les doublons probables sont signalés et non créés, chaque
    ligne ignorée est listée avec sa raison, puis les fiches écrites sont vérifiées.

    Un import qui échoue n'écrit rien : ni fiche, ni état de l'import. Un fichier mal formé
    (guillemet jamais fermé, JSON trop imbriqué, encodage illisible) est refusé avec sa ligne.

    Code de sortie : 0 si l'import a réussi, 1 si des fiches écrites sont invalides (rien n'est
    alors gardé) ou si rien n'a pu être importé, 2 en cas d'usage incorrect ou de fichier illisible.
    """
    from communs.importers.model import ImportUsageError
    from communs.importers.report import format_json, format_text
    from communs.importers.run import run_import

    if not file.is_file():
        _usage(_("Le fichier {path} n'existe pas.").format(path=file))
    communes, departements = _codes(communes, departements)
    bar = None
    progress = None
    if output_format == "text" and sys.stderr.isatty():
        bar = click.progressbar(length=1, label=_("Import"), file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

    try:
        if bar is not None:
            with bar:
                result = run_import(format_name, file, content_dir, communes=communes, departements=departements, mapping=mapping,
                                    dataset=dataset, parent_communes=parent_communes, dry_run=dry_run, jobs=jobs, progress=progress, max_size_mb=max_size_mb)
        else:
            result = run_import(format_name, file, content_dir, communes=communes, departements=departements, mapping=mapping,
                                dataset=dataset, parent_communes=parent_communes, dry_run=dry_run, jobs=jobs, max_size_mb=max_size_mb)
    except ImportUsageError as error:
        _usage(str(error))
        return
    click.echo(format_json(result) if output_format == "json" else format_text(result))
    sys.exit(result.exit_status)
