"""``communs sources``: the command line of followed sources (``list``, ``pull``).

The pull request's description comes from ``communs review``, which lives in a subsystem beside
this one: the command line that registers this group hands it in (``make_sources_group``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click

from communs.i18n import _, ngettext
from communs.importers.cli import CONTEXT, EXIT_USAGE

Describe = Callable[[Path, str, str], str]  # (content folder, base, head) -> Markdown


def _usage(message: str) -> None:
    click.echo(_("Erreur : {message}").format(message=message), err=True)
    sys.exit(EXIT_USAGE)


def _listing(content_dir: Path, sources_path: Path | None):
    from communs.importers.sources import load_sources, sources_file
    from communs.records.reporting import format_text

    file = sources_path or sources_file(content_dir)
    if not file.is_file():
        _usage(_("Le fichier {path} n'existe pas : il liste les sources suivies (voir « Suivre d'autres agendas » dans le README).").format(path=file))
    listing = load_sources(file)
    if not listing.ok:
        click.echo(format_text(listing.problems, 1, color=False), err=True)
        sys.exit(1)
    return listing


def make_sources_group(describe: Describe) -> click.Group:
    @click.group("sources", context_settings=CONTEXT)
    def sources_group() -> None:
        """Les sources suivies (sources.yml) : agendas iCal, OpenAgenda, Mobilizon, GoGoCarto,
        autres annuaires communs, tableaux CSV."""

    @sources_group.command("list", context_settings=CONTEXT)
    @click.option("--content", "content_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("content"), show_default=True, help=_("Dossier des fiches (sources.yml est à côté)."))
    @click.option("--sources", "sources_path", type=click.Path(path_type=Path, dir_okay=False), default=None, help=_("Autre fichier de sources que sources.yml."))
    @click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_("Le jour à considérer pour « à relever » (AAAA-MM-JJ ; par défaut aujourd'hui)."))
    @click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help=_("text pour une personne, json pour un programme (la matrice d'un workflow)."))
    def list_command(content_dir: Path, sources_path: Path | None, day, output_format: str) -> None:
        """Lister les sources et dire lesquelles sont à relever aujourd'hui. Code de sortie 1 si
        sources.yml a une erreur."""
        listing = _listing(content_dir, sources_path)
        today = day.date() if day else date.today()
        if output_format == "json":
            click.echo(json.dumps([{"name": s.name, "format": s.format, "location": s.location, "every": s.every, "due": s.due(today)} for s in listing.sources], ensure_ascii=False))
            return
        every = {"daily": _("chaque jour"), "weekly": _("le lundi"), "monthly": _("le 1er du mois")}
        for source in listing.sources:
            due = _("à relever") if source.due(today) else _("pas aujourd'hui")
            click.echo(f"{source.name} — {source.format} — {source.location} — {every[source.every]} ({due})")
        click.echo(ngettext("{n} source.", "{n} sources.", len(listing.sources)).format(n=len(listing.sources)))

    @sources_group.command("pull", context_settings=CONTEXT)
    @click.argument("names", nargs=-1)
    @click.option("--all", "every_source", is_flag=True, help=_("Relever toutes les sources, pas seulement celles du jour."))
    @click.option("--content", "content_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("content"), show_default=True, help=_("Dossier des fiches (sources.yml est à côté)."))
    @click.option("--sources", "sources_path", type=click.Path(path_type=Path, dir_okay=False), default=None, help=_("Autre fichier de sources que sources.yml."))
    @click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help=_("Le jour du relevé (AAAA-MM-JJ ; par défaut aujourd'hui) : sources à relever, date des fiches disparues."))
    @click.option("--propose", is_flag=True, help=_("Une demande de fusion par source qui a changé (branche sources/<nom>), le dossier des fiches remis comme avant."))
    @click.option("--remote", default="origin", show_default=True, help=_("Dépôt distant où pousser les branches (avec --propose)."))
    @click.option("--base", "base_branch", default="main", show_default=True, help=_("Branche visée par les demandes de fusion (avec --propose)."))
    @click.option("--forge", "forge_kind", type=click.Choice(["none", "github", "gitlab", "gitea", "forgejo"]), default="none", show_default=True, help=_("Forge où ouvrir les demandes de fusion (none : pousser la branche seulement)."))
    @click.option("--project", default=None, help=_("Le projet sur la forge (propriétaire/dépôt, ou groupe/sous-groupe/projet)."))
    @click.option("--api-url", default=None, help=_("Adresse de l'API de la forge (GitHub Enterprise, GitLab ou Gitea auto-hébergés)."))
    @click.option("--token-variable", default="COMMUNS_FORGE_TOKEN", show_default=True, help=_("Variable d'environnement qui contient le jeton de la forge (jamais affiché)."))
    @click.option("--timeout", type=click.FloatRange(min=1), default=120.0, show_default=True, help=_("Durée maximale d'un téléchargement, en secondes."))
    @click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help=_("text pour une personne, json pour un programme."))
    def pull_command(names: tuple[str, ...], every_source: bool, content_dir: Path, sources_path: Path | None, day, propose: bool, remote: str, base_branch: str,
                     forge_kind: str, project: str | None, api_url: str | None, token_variable: str, timeout: float, output_format: str) -> None:
        """Relever les sources : télécharger, importer ce qui a changé, marquer ce qui a disparu.

        Sans NOM, relève les sources du jour (--all : toutes). Chaque source dit une ligne :
        inchangée, N nouvelles fiches, N modifiées, N disparues, ou l'échec et sa raison. Les
        champs modifiés à la main ne sont jamais écrasés (signalés comme conflits) ; une fiche
        que la source ne donne plus est marquée (source.missing_since), jamais supprimée.

        Avec --propose (dans un dépôt Git dont le dossier des fiches est propre), chaque source
        qui a changé devient une branche sources/<nom> et une demande de fusion décrite par
        « communs review » ; rien n'est poussé sur la branche principale.

        Code de sortie : 0 si chaque source a été relevée, 1 si l'une a échoué, 2 en cas d'usage
        incorrect.
        """
        from communs.importers.pull import pull_source
        from communs.importers.sources import not_found

        listing = _listing(content_dir, sources_path)
        today = day.date() if day else date.today()
        chosen = []
        for name in names:
            source = listing.named(name)
            if source is None:
                _usage(not_found(name, listing).message)
            chosen.append(source)
        if not names:
            chosen = [source for source in listing.sources if every_source or source.due(today)]
        workspace = forge = None
        if propose:
            workspace, forge = _prepare(content_dir, remote, base_branch, forge_kind, project, api_url, token_variable)
        outcomes = []
        failed = False
        for source in chosen:
            result = pull_source(source, content_dir, today=today, timeout=timeout)
            entry = {"source": source.name, "status": result.status, "created": result.created, "updated": result.updated,
                     "gone": result.gone, "back": result.back, "conflicts": result.conflicts, "skipped": result.skipped,
                     "reason": result.reason, "seconds": round(result.seconds, 3), "written": result.written}
            line = result.line()
            failed = failed or result.status == "failed"
            if workspace is not None:
                line, entry["proposal"] = _proposed(workspace, forge, result, line, content_dir, describe)
                failed = failed or entry["proposal"] == "failed"
            outcomes.append(entry)
            if output_format == "text":
                click.echo(line)
        if output_format == "json":
            click.echo(json.dumps(outcomes, ensure_ascii=False, indent=1))
        elif not chosen:
            click.echo(_("Aucune source à relever aujourd'hui (--all pour les relever toutes)."))
        sys.exit(1 if failed else 0)

    return sources_group


def _prepare(content_dir: Path, remote: str, base_branch: str, forge_kind: str, project: str | None, api_url: str | None, token_variable: str):
    from communs.importers.propose import ProposeError, Workspace, token_header

    try:
        import git

        repo = git.Repo(content_dir.resolve(), search_parent_directories=True)
        root = Path(repo.working_tree_dir or ".")
        token = os.environ.get(token_variable) if forge_kind != "none" else None
        # Over HTTPS, git pushes with the forge token (a header in its environment only).
        address = repo.git.remote("get-url", remote) if remote in [r.name for r in repo.remotes] else remote
        header = token_header(forge_kind, token) if token and address.startswith("https://") else None
        workspace = Workspace(root, content_dir, remote, base_branch, http_header=header)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, ProposeError, ValueError) as error:
        _usage(_("--propose demande un dépôt Git qui contient {path} ({error}).").format(path=content_dir, error=error))
    dirty = workspace.dirty()
    if dirty:
        _usage(_("Le dossier des fiches a des modifications non commitées ({files}) : commitez-les ou mettez-les de côté avant --propose.").format(files=", ".join(dirty[:5])))
    forge = None
    if forge_kind != "none":
        from communs.contrib.forges import make_forge

        try:
            forge = make_forge("gitea" if forge_kind == "forgejo" else forge_kind, api_url=api_url, project=project, token=os.environ.get(token_variable), records_dir=root / ".git" / "communs-requests")
        except ValueError as error:
            _usage(str(error))
    return workspace, forge


def _proposed(workspace, forge, result, line: str, content_dir: Path, describe: Describe) -> tuple[str, str]:
    from communs.importers.propose import ProposeError, propose

    if not result.changed:
        workspace.reset_content()
        return line, "none"
    try:
        proposal = propose(workspace, result, forge=forge, describe=lambda base, head: describe(content_dir, base, head))
    except ProposeError as error:
        return line + " — " + _("demande de fusion impossible : {error}").format(error=error), "failed"
    if proposal is None:
        return line, "none"
    if proposal.url:
        said = _("demande de fusion ouverte : {url}") if proposal.created else _("demande de fusion déjà ouverte, mise à jour : {url}") if proposal.pushed else _("demande de fusion déjà ouverte, rien de neuf : {url}")
        return line + " — " + said.format(url=proposal.url), "opened" if proposal.created else "kept"
    said = _("branche {branch} poussée") if proposal.pushed else _("branche {branch} déjà à jour")
    return line + " — " + said.format(branch=proposal.branch), "pushed" if proposal.pushed else "kept"
