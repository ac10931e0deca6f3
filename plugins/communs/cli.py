"""The ``communs`` command line. Exit codes: 0 fine, 1 invalid records, 2 usage or internal error."""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import click

from communs import __version__, resources
from communs.i18n import _, ngettext
from communs.records.reporting import FORMATS, format_github, format_json, format_text

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
# Set by run(): this process ends with its command (not so under a test's CliRunner).
_ONE_SHOT = False
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail_usage(message: str) -> None:
    click.echo(_("Erreur : {message}").format(message=message), err=True)
    sys.exit(EXIT_USAGE)


def _checker(settings_file: Path | None, settings: dict | None = None):
    """The validator, with the territory the settings name (the instance's perimeter);
    ``settings``: the file's Pelican settings, when they are already read."""
    from communs.records.territory import TerritoryError, territory_of
    from communs.records.validation import Checker

    if settings is None and (settings_file is None or not settings_file.is_file()):
        return Checker()
    try:
        return Checker(territory=territory_of(_site_settings(settings_file, settings)))
    except TerritoryError as error:
        _fail_usage(_("{path} : {error}").format(path=settings_file, error=error))


def _site_settings(settings_file: Path | None, settings: dict | None = None):
    """What communs reads from a Pelican settings file (checked: an unknown key is an error)."""
    from pelican.settings import read_settings

    from communs.settings import SettingsError, SiteSettings

    try:
        return SiteSettings.from_pelican(settings if settings is not None else read_settings(str(settings_file)))
    except SettingsError as error:
        _fail_usage(str(error))


def _progress_bar(label: str):
    """A progress callback drawing on the terminal only (CI logs stay clean)."""
    if not sys.stderr.isatty():
        return None, None
    bar = click.progressbar(length=1, label=label, file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - bar.pos)

    return bar, update


class LazyGroup(click.Group):
    """Commands defined in other modules are imported when they are called: ``communs build``
    need not load the importers, the review or the contribution service (a rebuild with nothing
    changed is over in well under a second)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, Callable[[], click.Command]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.lazy:
            self.add_command(self.lazy[name](), name)
        return super().get_command(ctx, name)


def _command(module: str, name: str) -> Callable[[], click.Command]:
    return lambda: getattr(importlib.import_module(module), name)


@click.group(cls=LazyGroup, context_settings=CONTEXT)
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
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), default=None, help=_("Réglages de l'annuaire, pour son territoire (par défaut : pelicanconf.py à côté du dossier des fiches, s'il existe)."))
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path, file_okay=False), default=None, help=_("Dossier où garder le verdict de chaque fiche : une fiche inchangée depuis la vérification précédente n'est pas revérifiée (les contrôles entre fiches portent toujours sur tout l'annuaire)."))
def validate_command(files: tuple[Path, ...], content_dir: Path, output_format: str, revision: str | None, jobs: int | None, stats: bool, settings_file: Path | None,
                     cache_dir: Path | None) -> None:
    """Vérifier les fiches : syntaxe, schéma, communes, dates, liens, doublons.

    Sans FICHIER, vérifie tout le dossier des fiches. Avec des FICHIERS ou --changed-since, ne
    vérifie qu'eux, mais par rapport à tout l'annuaire (identifiants, références, doublons).
    Code de sortie : 0 sans erreur (avertissements permis), 1 si une fiche est invalide, 2 en
    cas d'usage incorrect.
    """
    from communs.records.validation import UsageError, validate

    if settings_file is not None and not settings_file.is_file():
        _fail_usage(_("Le fichier de réglages {path} n'existe pas.").format(path=settings_file))
    checker = _checker(settings_file or content_dir.resolve().parent / "pelicanconf.py")
    bar, progress = _progress_bar(_("Vérification")) if output_format == "text" else (None, None)
    try:
        with bar if bar is not None else nullcontext():
            report = validate(content_dir, list(files) if files else None, changed_since=revision, jobs=jobs, progress=progress, keep_records=stats, checker=checker, cache_dir=cache_dir)
    except UsageError as error:
        _fail_usage(str(error))
        return
    _check_sources(content_dir, report)
    if output_format == "json":
        click.echo(format_json(report.problems, report.checked))
    elif output_format == "github":
        click.echo(format_github(report.problems, report.checked))
    else:
        click.echo(format_text(report.problems, report.checked, color=sys.stdout.isatty()))
        if stats:
            click.echo(_directory_stats(report))
    _leave(EXIT_OK if report.ok else EXIT_INVALID)


def _check_sources(content_dir: Path, report) -> None:
    """The list of followed sources (sources.yml beside the content folder), checked with the records."""
    from communs.importers.sources import load_sources, sources_file

    file = sources_file(content_dir)
    if file.is_file():
        report.problems.extend(load_sources(file).problems)  # not a record: the count of records stays


def _directory_stats(report) -> str:
    from communs.records.communes import default_communes
    from communs.records.schemas import default_schemas

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


def _build(content_dir: Path, output: Path, settings_file: Path, jobs: int | None, *, quiet: bool = False, cache: Path | None = None,
           steps: dict | None = None, part: str | None = None) -> int:
    """Validate, then build with Pelican (which indexes the search); an exit status.

    Nothing is done when nothing the last build was made from changed (``site.stamp``).
    ``steps`` receives what each step of the build cost: seconds as floats, counts (pages
    rendered, records checked...) as ints; scripts/bench_build.py prints them. With ``part``,
    one part of the site (see communs.site.parts): a département's is built without Pelican,
    from the records its pages show."""
    steps = {} if steps is None else steps
    begun = time.perf_counter()
    if not settings_file.is_file():
        _fail_usage(_("Le fichier de réglages {path} n'existe pas.").format(path=settings_file))
    # A part is built into an output of its own, often on a fresh runner: no stamp for parts.
    stamp = _stamp(content_dir, output, settings_file, cache) if part is None else None
    if stamp is not None:
        saved = stamp.matches()
        if saved is not None:
            if not quiet:
                click.echo(saved.get("report", ""))
            click.echo(_("Site à jour dans {output} : rien n'a changé depuis la construction précédente.").format(output=output))
            steps["up to date"] = time.perf_counter() - begun
            return EXIT_OK
        stamp.forget()
    import logging

    from communs.collector import frozen
    from communs.records.directory import Directory
    from communs.records.reporting import format_text
    from communs.records.validation import UsageError, validate
    from communs.site import parts
    from communs.site import plugin as site_plugin

    logging.getLogger("pelican").setLevel(logging.WARNING)
    settings = _pelican_settings(content_dir, output, settings_file, cache)
    cache_dir = Path(settings["CACHE_PATH"]) if settings.get("CACHE_PATH") else None
    checker = _checker(settings_file, settings)
    steps["settings"] = time.perf_counter() - begun
    if part is not None and part != parts.COMMON:
        return _build_departement(content_dir, output, settings, jobs, part, checker, cache_dir, steps)
    begun = time.perf_counter()
    bar, progress = _progress_bar(_("Vérification"))
    try:
        with bar if bar is not None else nullcontext():
            report = validate(content_dir, jobs=jobs, progress=progress, keep_records=True, checker=checker, cache_dir=cache_dir)
    except UsageError as error:
        _fail_usage(str(error))
    steps["validation"] = time.perf_counter() - begun
    steps["records"] = report.checked
    steps["records checked again (not in the validation cache)"] = report.checked - report.reused
    if not report.ok:
        click.echo(format_text(report.problems, report.checked, color=sys.stdout.isatty()))
        click.echo(_("Le site n'est pas construit : corrigez d'abord ces erreurs."), err=True)
        return EXIT_INVALID
    if not quiet:
        click.echo(format_text(report.problems, report.checked, color=sys.stdout.isatty()))
    from pelican import Pelican

    site_plugin.PRELOADED.update(
        content=content_dir.resolve(), directory=Directory.from_records(report.records), jobs=jobs,
        progress=(lambda step, done, total: None), steps=steps, part=part,
    )
    started = time.perf_counter()
    try:
        # The records are left alone by the collector from now on, through Pelican's own set-up
        # to the end of build_site (which freezes them too when called by itself).
        with frozen():
            Pelican(settings).run()
    finally:
        site_plugin.PRELOADED.clear()
    if stamp is not None:
        stamp.save(format_text(report.problems, report.checked))
    site_plugin.LAST["checker"] = checker
    _built(output, started, part, steps)
    return EXIT_OK


def _show_at_once(paths: set[Path], content_dir: Path) -> list[str]:
    """``communs serve``: when the changed ``paths`` are only edits of records the last build had,
    each valid and seen by the checks across records as before (same id, name, commune,
    references, contacts...) and with the same picture, their pages rendered at once (before the
    rebuild that follows); their URLs, or nothing when the rebuild alone must decide."""
    from communs.records.content import ACTOR, CALL, EVENT, RecordFile, classify
    from communs.records.crosscheck import entry_of
    from communs.site import plugin as site_plugin

    build, checker = site_plugin.LAST.get("build"), site_plugin.LAST.get("checker")
    if build is None or checker is None or not paths:
        return []
    known = {ACTOR: build.directory.actors, EVENT: build.directory.events, CALL: build.directory.calls}
    records = []
    for path in sorted(paths):
        source = classify(path, content_dir) if path.is_file() else None
        if not isinstance(source, RecordFile):
            return []
        old = known[source.kind].get(source.stem)
        if old is None or old.folder != source.folder:
            return []
        result = checker.check(source)
        new = result.record
        if new is None or any(problem.is_error for problem in result.problems) or new.id != old.id:
            return []
        if entry_of(new) != entry_of(old) or new.data.get("image") != old.data.get("image"):
            return []
        records.append(new)
    return site_plugin.show_records(records)


def _preview(content_dir: Path, output: Path, settings_file: Path):
    """``communs serve`` over an empty output: the pages of the records, rendered when asked while
    the first build runs (``site.preview.Pages``); None when the records are not valid (the build
    says why) or the settings cannot be read."""
    from communs.records.directory import Directory
    from communs.records.validation import UsageError, validate
    from communs.settings import SettingsError, SiteSettings
    from communs.site import preview
    from communs.site.history import read_history

    if not settings_file.is_file() or not content_dir.is_dir():
        return None
    settings = _pelican_settings(content_dir, output, settings_file, None)
    cache_dir = Path(settings["CACHE_PATH"]) if settings.get("CACHE_PATH") else None
    try:
        site = SiteSettings.from_pelican(settings)
        report = validate(content_dir, keep_records=True, checker=_checker(settings_file, settings), cache_dir=cache_dir)
    except (SettingsError, UsageError):
        return None
    if not report.ok:
        return None
    content = content_dir.resolve()  # as the build reads it (Pelican's PATH)
    return preview.Pages(Directory.from_records(report.records), site, read_history(content, cache_dir), content, output)


def _pelican_settings(content_dir: Path, output: Path, settings_file: Path, cache: Path | None) -> dict:
    from pelican.settings import read_settings

    override = {"PATH": str(content_dir.resolve()), "OUTPUT_PATH": str(output.resolve())}
    if cache is not None:
        override["CACHE_PATH"] = str(cache.resolve())
    return read_settings(str(settings_file), override=override)


def _built(output: Path, started: float, part: str | None, steps: dict) -> None:
    pages, seconds = steps.get("pages in the site", 0), time.perf_counter() - started
    if part is None:
        click.echo(_("Site construit dans {output} : {pages} pages en {seconds:.1f} s.").format(output=output, pages=pages, seconds=seconds))
    else:
        click.echo(_("Partie « {part} » construite dans {output} : {pages} pages en {seconds:.1f} s.").format(part=part, output=output, pages=pages, seconds=seconds))


def _build_departement(content_dir: Path, output: Path, settings: dict, jobs: int | None, part: str, checker, cache_dir: Path | None, steps: dict) -> int:
    """A département's part: its records and those its pages show, checked, then its pages,
    exports and search bundle (Pelican's own pages are the commun part's)."""
    from communs.records.content import scan
    from communs.records.directory import Directory
    from communs.records.reporting import format_text
    from communs.settings import SiteSettings
    from communs.site import parts
    from communs.site.history import read_history
    from communs.site.plugin import build_site

    if not content_dir.is_dir():
        _fail_usage(_("Le dossier des fiches {path} n'existe pas.").format(path=content_dir))
    known = parts.keys(scan(content_dir)[0])
    if part not in known:
        _fail_usage(_("La partie « {part} » n'existe pas dans cet annuaire. Ses parties : {parts}.").format(part=part, parts=", ".join(known)))
    begun = time.perf_counter()
    history = read_history(content_dir, cache_dir)
    steps["history"] = time.perf_counter() - begun
    begun = time.perf_counter()
    report = parts.read_part(content_dir, part, checker, jobs=jobs, history=history)
    steps["validation"] = time.perf_counter() - begun
    steps["records"] = report.checked
    if not report.ok:
        click.echo(format_text(report.problems, report.checked, color=sys.stdout.isatty()))
        click.echo(_("Le site n'est pas construit : corrigez d'abord ces erreurs."), err=True)
        return EXIT_INVALID
    started = time.perf_counter()
    steps.update(build_site(
        Directory.from_records(report.records), SiteSettings.from_pelican(settings), output.resolve(),
        history=history, jobs=jobs, cache_dir=cache_dir, content_dir=content_dir.resolve(), part=part,
    ))
    _built(output, started, part, steps)
    return EXIT_OK


def _list_parts(content_dir: Path, shard: str | None, output_format: str, revision: str | None = None) -> None:
    import json

    from communs.records.content import scan
    from communs.records.validation import UsageError
    from communs.site import parts

    if not content_dir.is_dir():
        _fail_usage(_("Le dossier des fiches {path} n'existe pas.").format(path=content_dir))
    files, _strays = scan(content_dir)
    chosen = parts.keys(files)
    if revision is not None:
        try:
            touched = parts.changed_parts(content_dir, revision)
        except UsageError as error:
            _fail_usage(str(error))
        # A département whose last record left is touched, but has no part any more.
        chosen = [key for key in touched if key in chosen]
    if shard is not None:
        number, _slash, total = shard.partition("/")
        if not (number.isdigit() and total.isdigit() and 1 <= int(number) <= int(total)):
            _fail_usage(_("--shard attend « N/TOTAL », par exemple 2/4 (N de 1 à TOTAL), et non « {value} ».").format(value=shard))
        weights = parts.sizes(files)
        chosen = parts.shard({key: weights[key] for key in chosen}, int(number), int(total))
    click.echo(json.dumps(chosen) if output_format == "json" else "\n".join(chosen))


def _stamp(content_dir: Path, output: Path, settings_file: Path, cache: Path | None):
    """The stamp of this build's inputs (``site.stamp``), None when it cannot be taken (the build
    then says why, in its own words)."""
    from communs.site.stamp import Stamp

    try:
        return Stamp(content_dir, output, settings_file, cache)
    except Exception:  # noqa: BLE001 - a settings file that fails is reported by the build itself
        return None


@main.command("build", context_settings=CONTEXT)
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches."))
@click.option("--output", type=click.Path(path_type=Path), default=Path("output"), show_default=True, help=_("Dossier du site construit."))
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), default=Path("pelicanconf.py"), show_default=True, help=_("Réglages Pelican (publishconf.py pour la publication)."))
@click.option("--jobs", type=click.IntRange(min=1), default=None, help=_("Nombre de processus (par défaut : un par cœur)."))
@click.option("--cache", type=click.Path(path_type=Path), default=None, help=_("Dossier du cache de construction (par défaut : CACHE_PATH des réglages)."))
@click.option("--part", metavar="PARTIE", default=None, help=_("Ne construire qu'une partie du site : un département (974, 2A…) ou « commun » ; « communs assemble » les réunit."))
@click.option("--parts", "list_parts", is_flag=True, help=_("Lister les parties du site, sans rien construire (une par ligne, ou en JSON avec --format json)."))
@click.option("--shard", metavar="N/TOTAL", default=None, help=_("Avec --parts : seulement les parties du lot N sur TOTAL, lots équilibrés par nombre de fiches."))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help=_("Avec --parts : text (une partie par ligne) ou json (pour une matrice de CI)."))
@click.option("--changed-since", "revision", metavar="REV", default=None, help=_("Avec --parts : seulement les parties que touchent les changements depuis cette révision Git (« commun » si autre chose que des fiches a changé)."))
def build_command(content_dir: Path, output: Path, settings_file: Path, jobs: int | None, cache: Path | None, part: str | None, list_parts: bool, shard: str | None,
                  output_format: str, revision: str | None) -> None:
    """Construire le site : vérifier les fiches, produire les pages, cartes, exports et l'index de recherche.

    Refuse de construire si une fiche est invalide (code de sortie 1, mêmes messages que
    « communs validate »). Un grand annuaire se construit aussi en parties, sur plusieurs
    machines : « --parts » les liste, « --part PARTIE » en construit une, « communs assemble »
    les réunit en un site identique à celui d'une seule construction.
    """
    if list_parts:
        if part is not None:
            _fail_usage(_("--parts liste les parties, --part en construit une : choisissez l'une des deux."))
        _list_parts(content_dir, shard, output_format, revision)
        return
    if shard is not None:
        _fail_usage(_("--shard ne s'emploie qu'avec --parts."))
    if revision is not None:
        _fail_usage(_("--changed-since ne s'emploie qu'avec --parts."))
    _leave(_build(content_dir, output, settings_file, jobs, cache=cache, part=part))


@main.command("assemble", context_settings=CONTEXT)
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PARTIES... SORTIE")
def assemble_command(folders: tuple[Path, ...]) -> None:
    """Réunir les parties construites par « communs build --part » en un seul site, dans SORTIE.

    Vérifie d'abord qu'aucune partie ne manque ni n'est en double, qu'elles viennent de la même
    construction et que deux parties n'écrivent jamais un même fichier différemment ; sinon
    n'écrit rien (code de sortie 1). SORTIE doit être absent ou vide.
    """
    from communs.site.parts import AssemblyError, assemble

    if len(folders) < 2:
        _fail_usage(_("Donnez les dossiers des parties puis le dossier de sortie."))
    *sources, output = folders
    started = time.perf_counter()
    try:
        count = assemble(list(sources), output)
    except AssemblyError as error:
        click.echo(_("Erreur : {message}").format(message=error), err=True)
        sys.exit(EXIT_INVALID)
    click.echo(_("Site assemblé dans {output} : {parts} parties, {files} fichiers en {seconds:.1f} s.").format(
        output=output, parts=len(sources), files=count, seconds=time.perf_counter() - started))


@main.command("serve", context_settings=CONTEXT)
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches."))
@click.option("--output", type=click.Path(path_type=Path), default=Path("output"), show_default=True, help=_("Dossier du site construit."))
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), default=Path("pelicanconf.py"), show_default=True, help=_("Réglages Pelican."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Adresse d'écoute."))
@click.option("--port", type=click.IntRange(min=1, max=65535), default=8000, show_default=True, help=_("Port d'écoute."))
def serve_command(content_dir: Path, output: Path, settings_file: Path, host: str, port: int) -> None:
    """Construire le site, le servir en local et le reconstruire quand une fiche change."""
    import functools
    import http.server
    import io
    import queue
    import threading

    from watchfiles import watch

    from communs.records import validationcache
    from communs.site import headers as site_headers

    validationcache.keep_in_memory()  # each rebuild reads again only the verdict files that changed

    # Served at once: the last build's site if there is one; else, until the first build is
    # complete, each page rendered when asked (site.preview: records valid and read), and for
    # other files or invalid records a page that says the site is being built and reloads itself
    # (the first build of a large directory takes a while; half a site would answer 404 for pages
    # not yet written).
    output.mkdir(parents=True, exist_ok=True)
    ready = threading.Event()
    if (output / "index.html").is_file():
        ready.set()
    prepared = threading.Event()  # the pages rendered when asked are ready (or will not be)
    preview: dict = {}
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(output))
    building = _("Le site se construit… Cette page se rechargera toute seule dans quelques secondes.")
    waiting_page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>communs</title></head><body><p>{building}</p></body></html>'
    ).encode("utf-8")

    class QuietHandler(handler.func):  # type: ignore[name-defined,misc]
        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the standard library's name
            return

        def end_headers(self) -> None:
            # The headers the site asks a static host for (_headers), as that host would send them.
            for name, value in site_headers.headers_for(self.path.split("?", 1)[0]).items():
                self.send_header(name, value)
            super().end_headers()

        def send_head(self):  # noqa: ANN202 - the standard library's signature
            if not ready.is_set() and prepared.wait(timeout=120) and not ready.is_set():
                pages = preview.get("pages")
                try:
                    body = pages.page(self.path) if pages is not None else None
                except Exception as error:  # noqa: BLE001 - the build that runs will say what is wrong
                    click.echo(_("Page non rendue à la demande ({error}) : elle attend la construction.").format(error=type(error).__name__), err=True)
                    body = None
                if body is not None:
                    return self._html(200, body, {"Cache-Control": "no-store"})
                if pages is not None and pages.copied(self.path):
                    return super().send_head()  # the theme's files and pictures, copied first
            if not ready.is_set():
                return self._html(503, waiting_page, {"Retry-After": "2"})
            return super().send_head()

        def _html(self, status: int, body: bytes, headers: dict[str, str]) -> io.BytesIO:
            """An HTML answer made here (not a file of the output), for send_head to send."""
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return io.BytesIO(body)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """The site's own 404 page (in French), as a static host would serve it."""
            page = output / "404.html"
            if code != 404 or not page.is_file():
                return super().send_error(code, message, explain)
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - the standard library's signature
            if isinstance(sys.exc_info()[1], ConnectionError):
                return  # a browser that went elsewhere before the end of an answer: nothing is wrong
            super().handle_error(request, client_address)

    try:
        server = Server((host, port), functools.partial(QuietHandler, directory=str(output)))
    except OSError as error:  # the port taken (another copy still running), or the address unknown
        _fail_usage(_("Impossible d'écouter sur {host}:{port} ({reason}) : ce port est peut-être déjà pris par un autre « communs serve » ; "
                      "arrêtez-le ou choisissez un autre port (--port, ou PORT=… avec make serve).").format(host=host, port=port, reason=error.strerror or error))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo(_("Site servi sur http://{host}:{port}/ — Ctrl+C pour arrêter.").format(host=host, port=port))
    # Changes are watched from now on: an edit made while the first build runs is not missed.
    watched = [p for p in (content_dir, settings_file, resources.theme_dir()) if p.exists()]
    changes: queue.Queue = queue.Queue()
    stop = threading.Event()

    def watch_changes() -> None:
        for batch in watch(*watched, stop_event=stop):
            changes.put(batch)

    threading.Thread(target=watch_changes, daemon=True).start()
    try:
        if not ready.is_set():
            try:
                preview["pages"] = _preview(content_dir, output, settings_file)
            except Exception as error:  # noqa: BLE001 - the build that follows says what is wrong
                click.echo(_("Pages à la demande indisponibles ({error}) : le site s'affichera une fois construit.").format(error=type(error).__name__), err=True)
        prepared.set()
        status = _build(content_dir, output, settings_file, None)
        if status != EXIT_OK and not (output / "index.html").is_file():
            sys.exit(status)
        ready.set()
        preview.clear()  # its records: the build's are served from now on
        while True:
            try:
                batch = set(changes.get(timeout=1.0))
            except queue.Empty:
                continue
            while not changes.empty():
                batch |= changes.get_nowait()  # several changes at once: one rebuild
            # An edit of a record shows at once on its page; the rebuild remakes the rest.
            try:
                shown = _show_at_once({Path(name) for _change, name in batch}, content_dir)
            except Exception as error:  # noqa: BLE001 - the rebuild below says what is wrong
                shown = []
                click.echo(_("Affichage immédiat impossible ({error}) : reconstruction…").format(error=type(error).__name__), err=True)
            if shown:
                click.echo(_("Fiche modifiée affichée ({pages}) : reconstruction du reste du site…").format(pages=", ".join(shown)))
            else:
                click.echo(_("Changement détecté : reconstruction…"))
            _build(content_dir, output, settings_file, None, quiet=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()


@main.command("contrib", context_settings=CONTEXT)
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), default=None, help=_("Fichier de configuration TOML (les options ci-dessous l'emportent)."))
@click.option("--repo", "repository", default=None, help=_("Dépôt de l'annuaire : chemin local (dépôt nu) ou URL."))
@click.option("--forge", type=click.Choice(["git", "github", "gitlab", "gitea", "forgejo"]), default=None, help=_("Où ouvrir les demandes de modification (git : simple branche poussée)."))
@click.option("--project", default=None, metavar="OWNER/NAME", help=_("Projet sur la forge."))
@click.option("--api-url", default=None, help=_("Adresse de l'API de la forge (GitHub Enterprise, GitLab ou Gitea/Forgejo auto-hébergés)."))
@click.option("--base", default=None, help=_("Branche de base (défaut : main)."))
@click.option("--host", default=None, help=_("Adresse d'écoute (défaut : 127.0.0.1)."))
@click.option("--port", type=click.IntRange(min=1, max=65535), default=None, help=_("Port d'écoute (défaut : 8001)."))
@click.option("--site-url", default=None, help=_("Adresse publique du site (liens et CORS)."))
@click.option("--data-dir", default=None, help=_("Dossier des données du service (miroir Git, file d'attente)."))
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), default=Path("pelicanconf.py"), show_default=True, help=_("Réglages de l'annuaire, pour son territoire (ignoré s'il n'existe pas)."))
def contrib_command(config_file: Path | None, settings_file: Path, **options) -> None:
    """Lancer le service de contribution : le formulaire et l'API qui ouvrent les demandes de modification.

    Le jeton de la forge est lu dans la variable d'environnement COMMUNS_FORGE_TOKEN (ou celle que
    nomme la configuration), jamais dans un fichier ni une option.
    """
    import uvicorn

    from communs.contrib.service import ConfigError, ServiceConfig, create_app

    try:
        config = ServiceConfig.load(config_file, options)
        app = create_app(config, territory=_checker(settings_file).rules.territory)
    except (ConfigError, ValueError) as error:
        _fail_usage(str(error))
        return
    click.echo(_("Service de contribution sur http://{host}:{port}/contribuer/ (dépôt : {forge}).").format(host=config.host, port=config.port, forge=app.state.service.forge.describe()))
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", access_log=False)


@main.command("search", context_settings=CONTEXT)
@click.argument("query", nargs=-1, required=True, metavar="REQUÊTE...")
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches."))
@click.option("--commune", "commune", metavar="CODE", help=_("Ne chercher que dans cette commune (code INSEE, par exemple 97411)."))
@click.option("--kind", type=click.Choice(["actor", "event"]), default=None, help=_("Ne chercher que des acteurs (actor) ou que des événements (event)."))
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20, show_default=True, help=_("Nombre maximal de résultats."))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help=_("text pour une personne, json pour un programme."))
def search_command(query: tuple[str, ...], content_dir: Path, commune: str | None, kind: str | None, limit: int, output_format: str) -> None:
    """Chercher des acteurs et des événements par nom, commune, description, thématique ou mot-clé.

    La recherche ignore les accents et les majuscules et tolère quelques fautes de frappe ;
    chaque mot doit se trouver quelque part dans la fiche (« theatre saint-paul »). Toutes les
    fiches lisibles sont consultées, même si certaines sont invalides. Code de sortie : 0 avec
    des résultats, 1 sans résultat, 2 en cas d'usage incorrect.
    """
    import json
    from dataclasses import asdict

    from communs.contrib.lookup import Lookup
    from communs.records.validation import UsageError, validate
    from communs.records.communes import default_communes
    from communs.records.content import COMMUNE_CODE
    from communs.records.directory import Directory

    if commune is not None:
        commune = commune.strip().upper()
        if not COMMUNE_CODE.match(commune) or commune not in default_communes():
            _fail_usage(_("« {code} » n'est pas un code INSEE de commune connu (5 caractères, par exemple 97411).").format(code=commune))
    bar, progress = _progress_bar(_("Lecture des fiches")) if output_format == "text" else (None, None)
    try:
        if bar is not None:
            with bar:
                report = validate(content_dir, progress=progress, keep_records=True)
        else:
            report = validate(content_dir, keep_records=True)
    except UsageError as error:
        _fail_usage(str(error))
        return
    with Lookup.build(Directory.from_records(report.records)) as lookup:
        matches = lookup.search(" ".join(query), limit=limit, commune=commune, kind=kind)
    if output_format == "json":
        click.echo(json.dumps([asdict(match) for match in matches], ensure_ascii=False, indent=2))
    elif not matches:
        click.echo(_("Aucun résultat."))
    else:
        kinds = {"actor": _("acteur"), "event": _("événement")}
        for match in matches:
            reason = f" ({match.reason})" if match.reason else ""
            click.echo(f"{match.name} — {match.commune_name or match.commune} — {kinds.get(match.kind, match.kind)} — {match.url}{reason}")
    sys.exit(EXIT_OK if matches else EXIT_INVALID)


# Commands defined in their own modules, imported when called (see LazyGroup), one line each:
main.lazy.update({
    "new": _command("communs.maintain.newrecord", "new_command"),
    "import": _command("communs.importers.cli", "import_command"),
    "audit": _command("communs.maintain.audit", "audit_command"),
    "review": _command("communs.maintain.review", "review_command"),
    "maintainers": _command("communs.maintain.maintainers", "maintainers_command"),
    "init": _command("communs.maintain.instance", "init_command"),
    "upgrade": _command("communs.maintain.upgrade", "upgrade_command"),
    "export": _command("communs.site.exporting", "export_command"),
    "sources": lambda: _sources_group(),
})


def _review_markdown(content_dir: Path, base: str, head: str) -> str:
    """``communs review``'s Markdown for a pull request of ``communs sources pull --propose``."""
    from communs.maintain.review import default_site_url, format_markdown, review

    return format_markdown(review(base, head, content_dir=content_dir, site_url=default_site_url(content_dir), jobs=1))


def _sources_group() -> click.Command:
    from communs.importers.sources_cli import make_sources_group

    return make_sources_group(_review_markdown)


def _leave(status: int) -> None:
    """Exit with ``status`` once a build or a check is done. When the process ends with the
    command, at once: freeing the objects of a big directory one by one took most of a second
    after the last file was written (every file is closed and renamed by then, the worker pools
    are shut, what was printed is flushed here)."""
    if not _ONE_SHOT:
        sys.exit(status)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def run() -> None:
    """Entry point that never shows a traceback: unexpected failures exit with status 2."""
    global _ONE_SHOT
    _ONE_SHOT = True
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # noqa: BLE001
        if os.environ.get("COMMUNS_DEBUG"):
            raise
        click.echo(_("Erreur interne de communs ({error}) : signalez-la aux mainteneurs.").format(error=type(error).__name__), err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    run()
