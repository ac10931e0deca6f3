"""``communs init``: a new directory repository for a territory, depending on this package.

Other territories do not fork communs: an instance holds its records, its settings (one file,
``pelicanconf.py``), its CI files and its maintainers, and depends on a pinned communs package
that carries the code, schemas, reference data and theme. The files it starts with are rendered
from the templates of the package's ``instance/`` folder.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import click
import jinja2

from communs import __version__
from communs.i18n import _
from communs.records.canonical import dump_record
from communs.records.communes import Commune, Communes, default_communes
from communs.records.content import ACTOR, EVENT, record_path
from communs.records.territory import Territory, TerritoryError, parse_perimeter, perimeter_for
from communs.resources import package_dir, schemas_dir

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXIT_USAGE = 2
FORGES = ("github", "gitlab", "gitea", "forgejo", "aucune")
FORGE_LABELS = {"github": "GitHub", "gitlab": "GitLab", "gitea": "Gitea", "forgejo": "Forgejo"}
DEFAULT_HOSTS = {"github": "https://github.com", "gitlab": "https://gitlab.com", "forgejo": "https://codeberg.org"}
PROJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)+$")
HANDLE = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
# The time zone of a territory, from its first département (everything else is in Paris's).
TIMEZONES = {
    "971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne", "974": "Indian/Reunion",
    "975": "America/Miquelon", "976": "Indian/Mayotte", "977": "America/St_Barthelemy", "978": "America/Marigot",
    "986": "Pacific/Wallis", "987": "Pacific/Tahiti", "988": "Pacific/Noumea",
}
# The examples the issue forms show in their empty fields (the reference instance has its own).
FORM_EXAMPLES = {
    "actor": "Jardin partagé des Tilleuls", "actor_id": "jardin-partage-des-tilleuls", "event": "Fête du jardin",
    "event_id": "2027-06-21-fete-du-jardin", "start": "21 juin 2027 à 18 h", "end": "21 juin 2027 à 23 h",
}
EXAMPLE_MARK = "# EXEMPLE : cette fiche montre la forme d'une fiche. Remplacez-la ou supprimez-la.\n"


def templates_dir() -> Path:
    return package_dir() / "instance"


class InitError(ValueError):
    """What was asked cannot make an instance; the message says what to change."""


@dataclass(frozen=True)
class Forge:
    kind: str  # one of FORGES
    project: str = ""  # owner/name on the forge
    host: str = ""  # https://github.com, https://codeberg.org...

    @property
    def web(self) -> str:
        return f"{self.host}/{self.project}" if self.project else ""

    def urls(self) -> dict[str, str]:
        """The forge's web editor and history, for "suggest a correction" and the static form."""
        web = self.web
        if self.kind == "github":
            return {"forge_new_url": f"{web}/new/main/{{folder}}?filename={{filename}}&value={{value}}",
                    "forge_edit_url": f"{web}/edit/main/{{path}}", "forge_history_url": f"{web}/commits/main/{{path}}"}
        if self.kind == "gitlab":
            return {"forge_new_url": f"{web}/-/new/main/{{folder}}?file_name={{filename}}&content={{value}}",
                    "forge_edit_url": f"{web}/-/edit/main/{{path}}", "forge_history_url": f"{web}/-/commits/main/{{path}}"}
        if self.kind in ("gitea", "forgejo"):
            return {"forge_new_url": f"{web}/_new/branch/main/{{folder}}",
                    "forge_edit_url": f"{web}/_edit/branch/main/{{path}}", "forge_history_url": f"{web}/commits/branch/main/{{path}}"}
        return {"forge_new_url": "", "forge_edit_url": "", "forge_history_url": ""}

    def pages_url(self) -> str:
        """Where the forge's static pages would serve the site, when it has such a service."""
        owner, _slash, name = self.project.partition("/")
        if self.kind == "github" and self.host == DEFAULT_HOSTS["github"]:
            return f"https://{owner.lower()}.github.io/{name}"
        if self.kind == "gitlab" and self.host == DEFAULT_HOSTS["gitlab"]:
            return f"https://{owner.lower()}.gitlab.io/{name.split('/')[-1]}"
        return ""


@dataclass(frozen=True)
class Plan:
    """Everything ``communs init`` writes, checked before anything is written."""

    target: Path
    perimeter: str
    territory: Territory
    site_name: str
    public_url: str
    forge: Forge
    maintainers: tuple[str, ...]
    examples: bool = True
    requirement: str = f"communs=={__version__}"
    today: date = field(default_factory=date.today)


def make_plan(target: Path, territory: str, *, site_name: str | None = None, public_url: str | None = None, forge: str = "aucune",
              project: str = "", forge_url: str = "", maintainers: tuple[str, ...] = (), examples: bool = True,
              requirement: str | None = None, communes: Communes | None = None) -> Plan:
    """Check every choice (InitError with a French message) and settle the defaults."""
    communes = communes or default_communes()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError(_("Le dossier {path} existe et n'est pas vide : choisissez un dossier neuf ou vide.").format(path=target))
    try:
        perimeter = perimeter_for(territory, communes)
        chosen = parse_perimeter(perimeter, communes)
    except TerritoryError as error:
        raise InitError(str(error)) from None
    assert chosen is not None
    if forge not in FORGES:
        raise InitError(_("Forge inconnue « {forge} » : choisissez parmi {forges}.").format(forge=forge, forges=", ".join(FORGES)))
    host = ""
    if forge != "aucune":
        if not project:
            raise InitError(_("Indiquez le projet sur la forge (--project propriétaire/nom)."))
        if not PROJECT.match(project):
            raise InitError(_("Projet « {project} » illisible : écrivez propriétaire/nom, par exemple mairie/annuaire.").format(project=project))
        host = (forge_url or DEFAULT_HOSTS.get(forge, "")).rstrip("/")
        if not host:
            raise InitError(_("Indiquez l'adresse de votre forge Gitea (--forge-url https://…)."))
        if urlsplit(host).scheme != "https" or not urlsplit(host).netloc:
            raise InitError(_("L'adresse de la forge doit commencer par https:// ({url}).").format(url=host))
    chosen_forge = Forge(forge, project if forge != "aucune" else "", host)
    url = (public_url if public_url is not None else chosen_forge.pages_url()).rstrip("/")
    if url and (urlsplit(url).scheme != "https" or not urlsplit(url).netloc):
        raise InitError(_("L'adresse publique du site doit commencer par https:// ({url}).").format(url=url))
    handles = tuple(dict.fromkeys(handle.strip() for handle in maintainers if handle.strip()))
    if not handles:
        raise InitError(_("Indiquez au moins une personne ou une équipe qui maintient l'annuaire (--maintainer @identifiant)."))
    for handle in handles:
        if not HANDLE.match(handle):
            raise InitError(_("Identifiant « {handle} » illisible : écrivez @nom ou @organisation/equipe.").format(handle=handle))
    name = (site_name or "").strip() or _("Annuaire de {territory}").format(territory=chosen.name)
    return Plan(target, perimeter, chosen, name, url, chosen_forge, handles, examples, requirement or f"communs=={__version__}")


def _environment() -> jinja2.Environment:
    """Templates whose own syntax does not clash with GitHub's ${{ }} or Jinja's {% %}."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())), undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        variable_start_string="[[", variable_end_string="]]", block_start_string="[%", block_end_string="%]",
        comment_start_string="[#", comment_end_string="#]", trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["py"] = lambda value: repr(value) if not isinstance(value, str) else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return env


def main_commune(territory: Territory, communes: Communes) -> Commune:
    """The territory's most populous commune: its examples and placeholders."""
    return min(territory.communes(communes), key=lambda c: (-(c.population or 0), c.code))


def files_of(plan: Plan, communes: Communes | None = None) -> dict[str, str]:
    """The instance's files (path -> text)."""
    communes = communes or default_communes()
    commune = main_commune(plan.territory, communes)
    forge = plan.forge
    workflows_dir = {"gitea": ".gitea/workflows", "forgejo": ".forgejo/workflows"}.get(forge.kind, ".github/workflows")
    host = urlsplit(plan.public_url).hostname or ""
    values = {
        "version": __version__, "site_name": plan.site_name, "public_url": plan.public_url, "territory_name": plan.territory.name,
        "perimeter": plan.perimeter, "timezone": TIMEZONES.get(sorted(plan.territory.departements())[0], "Europe/Paris"),
        "calendar_domain": host, "requirement": plan.requirement, "maintainers": plan.maintainers, "forge": forge.kind,
        "forge_label": FORGE_LABELS.get(forge.kind, ""), "workflows_dir": workflows_dir, "commune": commune.name,
        "commune_code": commune.code, "commune_slug": commune.slug, "commune_count": len(plan.territory.codes),
        "examples": plan.examples, **forge.urls(),
    }
    env = _environment()
    rendered = {name: env.get_template(name).render(values) for name in (
        "pelicanconf.py", "publishconf.py", "requirements.txt", "README.md", "maintainers.yml", "content/pages/a-propos.md",
    )}
    files = {name: text for name, text in rendered.items()}
    files[".gitignore"] = env.get_template("gitignore").render(values)
    files["sources.yml"] = env.get_template("sources.yml").render(values)
    if forge.kind == "github":
        for name in ("validate.yml", "deploy.yml", "sources.yml"):
            files[f".github/workflows/{name}"] = env.get_template(f"github/workflows/{name}").render(values)
    elif forge.kind in ("gitea", "forgejo"):
        files[f"{workflows_dir}/validate.yml"] = env.get_template("github/workflows/validate.yml").render(values)
    elif forge.kind == "gitlab":
        files[".gitlab-ci.yml"] = env.get_template("gitlab-ci.yml").render(values)
    if forge.kind in ("github", "gitea", "forgejo"):
        forms = ".github/ISSUE_TEMPLATE" if forge.kind == "github" else f".{forge.kind}/ISSUE_TEMPLATE"
        for name, text in issue_forms(commune.name).items():
            files[f"{forms}/{name}"] = text
        if plan.public_url:
            files[f"{forms}/config.yml"] = env.get_template("github/ISSUE_TEMPLATE/config.yml").render(values)
    from communs.maintain.maintainers import parse_maintainers, render_codeowners

    codeowners = ".gitlab/CODEOWNERS" if forge.kind == "gitlab" else ".github/CODEOWNERS"
    files[codeowners] = render_codeowners(parse_maintainers(files["maintainers.yml"], "maintainers.yml", communes), communes)
    for path in sorted(schemas_dir().glob("*.json")):
        files[f"schemas/{path.name}"] = path.read_text(encoding="utf-8")
    if plan.examples:
        files.update(example_records(commune, plan.today))
    else:
        files["content/actors/.gitkeep"] = files["content/events/.gitkeep"] = ""
    return files


def issue_forms(commune: str, examples: dict[str, str] | None = None) -> dict[str, str]:
    """The issue forms (GitHub's syntax, which Gitea and Forgejo read too), with a commune and
    examples of the territory in their empty fields."""
    env = _environment()
    folder = templates_dir() / "github" / "ISSUE_TEMPLATE"
    values = {"commune": commune, "example": examples or FORM_EXAMPLES}
    return {path.name: env.get_template(f"github/ISSUE_TEMPLATE/{path.name}").render(values)
            for path in sorted(folder.glob("*.yml")) if path.name != "config.yml"}


def example_records(commune: Commune, today: date) -> dict[str, str]:
    """One record of each type in the main commune, clearly marked as examples."""
    place = {"postal_code": commune.postal_codes[0]} if commune.postal_codes else {}
    geo = {"lat": commune.lat, "lon": commune.lon} if commune.lat is not None and commune.lon is not None else None
    actor = {
        "id": "exemple-association",
        "name": _("EXEMPLE — Association à remplacer"),
        "kind": "association",
        "summary": _("Fiche d'exemple : elle montre la forme d'une fiche d'acteur. Remplacez-la par un vrai acteur, ou supprimez-la."),
        "themes": ["vivre-ensemble"],
        "commune": commune.code,
        "address": place,
        **({"geo": geo} if geo else {}),
        "tags": ["exemple"],
    }
    start = date(today.year + 1, 6, 21)
    event_id = f"{start.isoformat()}-exemple-fete"
    event = {
        "id": event_id,
        "title": _("EXEMPLE — Fête de quartier à remplacer"),
        "type": "fete",
        "summary": _("Fiche d'exemple : elle montre la forme d'une fiche d'événement. Remplacez-la par un vrai événement, ou supprimez-la."),
        "themes": ["vivre-ensemble"],
        "organizers": ["exemple-association"],
        "commune": commune.code,
        "venue": {"name": _("Place de la mairie"), "address": place, **({"geo": geo} if geo else {})},
        "start": start.isoformat(),
        "price": {"free": True},
        "tags": ["exemple"],
    }
    return {
        record_path(Path("content"), ACTOR, commune.code, actor["id"]).as_posix(): _marked(dump_record(ACTOR, actor)),
        record_path(Path("content"), EVENT, commune.code, event_id).as_posix(): _marked(dump_record(EVENT, event)),
    }


def _marked(text: str) -> str:
    """The example mark right under the schema line, where a person opening the file reads it."""
    first, _newline, rest = text.partition("\n")
    return f"{first}\n{EXAMPLE_MARK}{rest}"


def write_instance(plan: Plan, communes: Communes | None = None) -> list[str]:
    """Write the files and make the first commit; returns the paths written."""
    import git

    files = files_of(plan, communes)
    plan.target.mkdir(parents=True, exist_ok=True)
    try:
        for name, text in files.items():
            path = plan.target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        repo = git.Repo.init(plan.target, initial_branch="main")
        repo.index.add(sorted(files))
        reader = repo.config_reader()
        name = reader.get_value("user", "name", "") or "communs"
        email = reader.get_value("user", "email", "") or "communs@users.noreply.invalid"
        author = git.Actor(str(name), str(email))
        repo.index.commit(_("« {site} » : annuaire créé par communs init ({territory})").format(site=plan.site_name, territory=plan.territory.name),
                          author=author, committer=author)
    except Exception:
        shutil.rmtree(plan.target, ignore_errors=True)
        raise
    return sorted(files)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _ask(value: str | None, question: str, default: str = "") -> str | None:
    """An option's value, or the answer of the person at the terminal when there is one."""
    if value is not None or not _interactive():
        return value
    return click.prompt(question, default=default, show_default=bool(default))


@click.command("init", context_settings=CONTEXT)
@click.argument("target", metavar="DOSSIER", type=click.Path(path_type=Path, file_okay=False))
@click.option("--territory", "--territoire", "territory", default=None, metavar="TERRITOIRE",
              help=_("Intercommunalité (SIREN ou nom), département(s) (63 ou 63,03) ou codes INSEE de communes (63113,63014)."))
@click.option("--name", "--nom", "site_name", default=None, help=_("Nom du site (par défaut : « Annuaire de » et le territoire)."))
@click.option("--url", "--adresse", "public_url", default=None, help=_("Adresse publique du site, https://… (par défaut : celle des pages de la forge)."))
@click.option("--forge", type=click.Choice(FORGES), default=None, help=_("Où vit le dépôt : github, gitlab, gitea, forgejo ou aucune."))
@click.option("--project", "--projet", "project", default=None, metavar="PROPRIÉTAIRE/NOM", help=_("Projet sur la forge."))
@click.option("--forge-url", default="", help=_("Adresse d'une forge auto-hébergée (Gitea, Forgejo, GitLab)."))
@click.option("--maintainer", "--mainteneur", "maintainers", multiple=True, metavar="@IDENTIFIANT",
              help=_("Personne ou équipe qui relit les contributions (répétable)."))
@click.option("--vide", "--empty", "empty", is_flag=True, help=_("Sans les deux fiches d'exemple."))
@click.option("--requirement", "--paquet", "requirement", default=None,
              help=_("Ce que requirements.txt installe (par défaut : communs=={version}).").format(version=__version__))
def init_command(target: Path, territory: str | None, site_name: str | None, public_url: str | None, forge: str | None, project: str | None,
                 forge_url: str, maintainers: tuple[str, ...], empty: bool, requirement: str | None) -> None:
    """Créer l'annuaire d'un territoire dans DOSSIER : réglages, fiches, intégration continue.

    Écrit pelicanconf.py (tous les réglages), les workflows et formulaires de la forge,
    maintainers.yml et CODEOWNERS, un README, content/ avec une fiche d'exemple de chaque type
    (aucune avec --vide), puis fait le premier commit. Sans option et dans un terminal, les
    réponses sont demandées. Exemple :

    \b
        communs init annuaire --territory 246300701 --forge github --project ville/annuaire --maintainer @ville/annuaire
    """
    territory = _ask(territory, _("Territoire (intercommunalité, département ou communes)"))
    if not territory:
        click.echo(_("Erreur : indiquez le territoire (--territory)."), err=True)
        sys.exit(EXIT_USAGE)
    forge = _ask(forge, _("Forge (github, gitlab, gitea, forgejo ou aucune)"), "aucune") or "aucune"
    if forge != "aucune":
        project = _ask(project, _("Projet sur la forge (propriétaire/nom)"))
    if not maintainers and _interactive():
        maintainers = tuple(click.prompt(_("Personnes ou équipes qui maintiennent l'annuaire (@identifiant, séparés par des espaces)")).split())
    try:
        plan = make_plan(target, territory, site_name=site_name, public_url=public_url, forge=forge, project=project or "",
                         forge_url=forge_url, maintainers=maintainers, examples=not empty, requirement=requirement)
    except InitError as error:
        click.echo(_("Erreur : {error}").format(error=error), err=True)
        sys.exit(EXIT_USAGE)
    written = write_instance(plan)
    click.echo(_("Annuaire « {site} » créé dans {path} : {territory}, {count} communes, {files} fichiers, premier commit fait.").format(
        site=plan.site_name, path=target, territory=plan.territory.name, count=len(plan.territory.codes), files=len(written)))
    click.echo(_("Ensuite : cd {path} && communs validate && communs serve").format(path=target))
