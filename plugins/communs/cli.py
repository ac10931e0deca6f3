"""The ``communs`` command line. Exit codes: 0 fine, 1 invalid records, 2 usage or internal error."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from communs import __version__
from communs.i18n import _, ngettext
from communs.reporting import FORMATS, format_github, format_json, format_text
from communs.validation import UsageError, validate

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail_usage(message: str) -> None:
    click.echo(_("Erreur : {message}").format(message=message), err=True)
    sys.exit(EXIT_USAGE)


def _progress_bar(label: str):
    """A progress callback drawing on the terminal only (CI logs stay clean)."""
    if not sys.stderr.isatty():
        return None, None
    bar = click.progressbar(length=1, label=label, file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - bar.pos)

    return bar, update


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="communs")
def main() -> None:
    """communs : annuaire ouvert des acteurs locaux et de leurs événements, versionné dans Git."""


@main.command("validate", context_settings=CONTEXT)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches."))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help=_("text pour une personne, github pour les annotations de GitHub Actions, json pour un programme."))
@click.option("--changed-since", "revision", metavar="REV", help=_("Ne vérifier que les fiches ajoutées ou modifiées depuis cette révision Git (par rapport à tout l'annuaire)."))
@click.option("--jobs", type=click.IntRange(min=1), default=None, help=_("Nombre de processus (par défaut : un par cœur)."))
@click.option("--stats", is_flag=True, help=_("Afficher aussi un résumé de l'annuaire (fiches par commune et par thématique)."))
def validate_command(files: tuple[Path, ...], content_dir: Path, output_format: str, revision: str | None, jobs: int | None, stats: bool) -> None:
    """Vérifier les fiches : syntaxe, schéma, communes, dates, liens, doublons.

    Sans FICHIER, vérifie tout le dossier des fiches. Avec des FICHIERS ou --changed-since, ne
    vérifie qu'eux, mais par rapport à tout l'annuaire (identifiants, références, doublons).
    Code de sortie : 0 sans erreur (avertissements permis), 1 si une fiche est invalide, 2 en
    cas d'usage incorrect.
    """
    bar, progress = _progress_bar(_("Vérification")) if output_format == "text" else (None, None)
    try:
        if bar is not None:
            with bar:
                report = validate(content_dir, list(files) if files else None, changed_since=revision, jobs=jobs, progress=progress, keep_records=stats)
        else:
            report = validate(content_dir, list(files) if files else None, changed_since=revision, jobs=jobs, keep_records=stats)
    except UsageError as error:
        _fail_usage(str(error))
        return
    if output_format == "json":
        click.echo(format_json(report.problems, report.checked))
    elif output_format == "github":
        click.echo(format_github(report.problems, report.checked))
    else:
        click.echo(format_text(report.problems, report.checked, color=sys.stdout.isatty()))
        if stats:
            click.echo(_directory_stats(report))
    sys.exit(EXIT_OK if report.ok else EXIT_INVALID)


def _directory_stats(report) -> str:
    from communs.communes import default_communes
    from communs.schemas import default_schemas

    communes = default_communes()
    titles = {choice.value: choice.title for choice in default_schemas().choices("theme")}
    by_commune: Counter = Counter()
    by_theme: Counter = Counter()
    kinds: Counter = Counter()
    for record in report.records:
        kinds[record.kind] += 1
        commune = communes.get(record.folder)
        by_commune[f"{record.folder} {commune.name if commune else '?'}"] += 1
        for theme in record.data.get("themes") or []:
            if isinstance(theme, str):
                by_theme[titles.get(theme, theme)] += 1
    head = _("Annuaire : {actors} et {events} dans {communes}.").format(
        actors=ngettext("{n} acteur", "{n} acteurs", kinds["actor"]).format(n=kinds["actor"]),
        events=ngettext("{n} événement", "{n} événements", kinds["event"]).format(n=kinds["event"]),
        communes=ngettext("{n} commune", "{n} communes", len(by_commune)).format(n=len(by_commune)),
    )
    lines = ["", head, "", _("Par commune :")]
    lines += [f"  {count:5d}  {name}" for name, count in sorted(by_commune.items())]
    lines += ["", _("Par thématique :")]
    lines += [f"  {count:5d}  {name}" for name, count in by_theme.most_common()]
    return "\n".join(lines)


def run() -> None:
    """Entry point that never shows a traceback: unexpected failures exit with status 2."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # noqa: BLE001
        click.echo(_("Erreur interne de communs ({error}) : signalez-la aux mainteneurs.").format(error=type(error).__name__), err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    run()
