"""Who reviews what: ``maintainers.yml`` turned into the forge's CODEOWNERS file.

``maintainers.yml`` names one default owner (or several) for the whole repository and, for each
maintainer, the communes (INSEE codes) and départements they look after. ``communs maintainers``
writes ``.github/CODEOWNERS`` from it; ``--check`` says whether the committed file is in sync
(a test and CI run it).

CODEOWNERS follows gitignore patterns and the last matching line wins. So the file lists, in
this order: ``*`` for the default owners, then one glob per département and kind
(``/content/actors/974*/``: every commune folder whose code starts with the département's code;
INSEE codes always do), then one line per commune folder that has its own maintainers. A commune
line names the commune's maintainers *and* its département's, since a later line replaces an
earlier one instead of adding to it. Globs keep the file small: expanding a département into its
communes would need up to 900 lines per département, and GitHub ignores CODEOWNERS files over
3 MB. GitHub's CODEOWNERS does not support ``!`` or ``[ ]`` but does support ``*`` inside a path
segment, which is all these patterns use.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from communs.i18n import _
from communs.records.communes import Communes, default_communes, departement_of_code
from communs.records.content import FOLDERS
from communs.records.yamlreader import read_yaml

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

DEFAULT_FILE = Path("maintainers.yml")
DEFAULT_OUTPUT = Path(".github/CODEOWNERS")
CONTENT_PREFIX = "/content"

# A GitHub (or GitLab) user: letters, digits and single hyphens, at most 39 characters, not
# starting or ending with a hyphen; or a team, @organisation/team-slug.
_USER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
HANDLE = re.compile(rf"^@{_USER}(?:/[A-Za-z0-9][A-Za-z0-9_.-]{{0,99}})?$")
DEPARTEMENT = re.compile(r"^(?:[0-9]{2}|2[AB]|9[78][0-9])$")
TOP_KEYS = {"default", "maintainers"}
MAINTAINER_KEYS = {"handle", "name", "communes", "departements"}


class MaintainersError(Exception):
    """maintainers.yml cannot be used; ``problems`` lists every reason, with its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Maintainer:
    handle: str
    name: str = ""
    communes: list[str] = field(default_factory=list)
    departements: list[str] = field(default_factory=list)


@dataclass
class Maintainers:
    default: list[str]
    maintainers: list[Maintainer]


def _handles(value, pointer: str, where, problems: list[str]) -> list[str]:
    single = not isinstance(value, list)
    items = [value] if single and value is not None else value
    if not isinstance(items, list) or not items:
        problems.append(where(pointer, _("indiquez au moins un identifiant, par exemple « @organisation/equipe » ou « @nom »")))
        return []
    found = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or not HANDLE.fullmatch(item):
            problems.append(where(pointer if single else f"{pointer}/{index}", _(
                "« {value} » n'est pas un identifiant : écrivez « @nom » (personne) ou « @organisation/equipe » (équipe)"
            ).format(value=item)))
        elif item not in found:
            found.append(item)
    return found


def _codes(value, pointer: str, where, problems: list[str], *, check) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(where(pointer, _("une liste est attendue, par exemple [\"97411\", \"97415\"]")))
        return []
    found = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            problems.append(where(f"{pointer}/{index}", _("« {value} » : mettez le code entre guillemets (\"{value}\"), sinon un zéro initial se perd").format(value=item)))
            continue
        message = check(item)
        if message:
            problems.append(where(f"{pointer}/{index}", message))
        elif item not in found:
            found.append(item)
    return found


def _commune_check(communes: Communes):
    def check(code: str) -> str | None:
        commune = communes.get(code)
        if commune is None:
            message = _("la commune « {code} » n'existe pas dans le Code officiel géographique (le code INSEE n'est pas le code postal)").format(code=code)
            near = communes.nearest(code, limit=3)
            if near:
                message += _(" ; vouliez-vous dire {choices} ?").format(choices=", ".join(f"\"{c.code}\" ({c.name})" for c in near))
            return message
        if not commune.is_current:
            parent = communes.get(commune.parent) if commune.parent else None
            hint = _(" ; ses fiches sont rangées sous {code} ({name})").format(code=parent.code, name=parent.name) if parent else ""
            return _("« {code} » ({name}) n'est plus une commune{hint}").format(code=code, name=commune.name, hint=hint)
        return None

    return check


def _departement_check(communes: Communes):
    def check(code: str) -> str | None:
        if not DEPARTEMENT.fullmatch(code) or communes.departement(code) is None:
            return _("le département « {code} » n'existe pas (exemples : \"974\", \"2A\", \"01\")").format(code=code)
        return None

    return check


def parse_maintainers(text: str, file: str = "maintainers.yml", communes: Communes | None = None) -> Maintainers:
    """Read and check maintainers.yml; raises MaintainersError with every problem found."""
    communes = communes or default_communes()
    parsed = read_yaml(text, file)
    problems: list[str] = []
    if not parsed.ok or any(p.is_error for p in parsed.problems):
        raise MaintainersError([f"{p.file}:{p.line}: {p.message}" for p in parsed.problems] or [f"{file}: YAML"])
    data = parsed.value

    def where(pointer: str, message: str) -> str:
        probe = pointer
        while probe and probe not in parsed.value_marks:
            probe = probe.rsplit("/", 1)[0]
        line = parsed.value_marks.get(probe, (1, 1))[0]
        return f"{file}:{line}: {message}"

    if not isinstance(data, dict):
        raise MaintainersError([where("", _("le fichier doit contenir les clés « default » et « maintainers »"))])
    for key in data:
        if key not in TOP_KEYS:
            problems.append(where(f"/{key}", _("clé inconnue « {key} » (clés permises : {keys})").format(key=key, keys=", ".join(sorted(TOP_KEYS)))))
    default = _handles(data.get("default"), "/default", where, problems)
    people = data.get("maintainers") or []
    if not isinstance(people, list):
        problems.append(where("/maintainers", _("« maintainers » doit être une liste")))
        people = []
    maintainers: list[Maintainer] = []
    for index, entry in enumerate(people):
        pointer = f"/maintainers/{index}"
        if not isinstance(entry, dict):
            problems.append(where(pointer, _("chaque élément de « maintainers » a les champs handle, communes et/ou departements")))
            continue
        for key in entry:
            if key not in MAINTAINER_KEYS:
                problems.append(where(f"{pointer}/{key}", _("champ inconnu « {key} » (champs permis : {keys})").format(key=key, keys=", ".join(sorted(MAINTAINER_KEYS)))))
        handles = _handles(entry.get("handle"), f"{pointer}/handle", where, problems)
        if len(handles) > 1:
            problems.append(where(f"{pointer}/handle", _("un seul identifiant par élément : répétez l'élément pour une autre personne")))
        codes = _codes(entry.get("communes"), f"{pointer}/communes", where, problems, check=_commune_check(communes))
        departements = _codes(entry.get("departements"), f"{pointer}/departements", where, problems, check=_departement_check(communes))
        if not codes and not departements and "communes" not in entry and "departements" not in entry:
            problems.append(where(pointer, _("indiquez les communes (codes INSEE) ou les départements relus")))
        name = entry.get("name") if isinstance(entry.get("name"), str) else ""
        if handles:
            maintainers.append(Maintainer(handles[0], name, codes, departements))
    if problems:
        raise MaintainersError(problems)
    return Maintainers(default, maintainers)


def _merge(*groups: list[str]) -> list[str]:
    merged: list[str] = []
    for group in groups:
        merged += [handle for handle in group if handle not in merged]
    return merged


def render_codeowners(config: Maintainers, communes: Communes | None = None) -> str:
    """The CODEOWNERS text; the same configuration always gives the same bytes."""
    communes = communes or default_communes()
    by_departement: dict[str, list[str]] = {}
    by_commune: dict[str, list[str]] = {}
    for person in config.maintainers:
        for code in person.departements:
            by_departement.setdefault(code, [])
            by_departement[code] = _merge(by_departement[code], [person.handle])
        for code in person.communes:
            by_commune.setdefault(code, [])
            by_commune[code] = _merge(by_commune[code], [person.handle])
    kinds = list(FOLDERS.values())
    lines = [
        _("# Fichier produit par « communs maintainers » à partir de maintainers.yml : ne le modifiez pas"),
        _("# à la main. Modifiez maintainers.yml puis lancez « communs maintainers »."),
        "#",
        _("# Pour chaque fichier, GitHub retient la dernière ligne qui lui correspond : d'abord les"),
        _("# responsables par défaut, puis les départements (« 974* » : toutes les communes dont le code"),
        _("# commence par 974), puis les communes, qui reprennent aussi les responsables de leur département."),
        "",
        _("# Par défaut : tout le dépôt (code, schémas, réglages, ce fichier, communes sans responsable)."),
        "* " + " ".join(config.default),
    ]
    if by_departement:
        lines += ["", _("# Par département.")]
        for code in sorted(by_departement):
            departement = communes.departement(code)
            lines.append(f"# {code} {departement.name if departement else ''}".rstrip())
            lines += [f"{CONTENT_PREFIX}/{kind}/{code}*/ " + " ".join(by_departement[code]) for kind in kinds]
    if by_commune:
        lines += ["", _("# Par commune.")]
        for code in sorted(by_commune):
            commune = communes.get(code)
            owners = _merge(by_commune[code], by_departement.get(departement_of_code(code), []))
            lines.append(f"# {code} {commune.name if commune else ''}".rstrip())
            lines += [f"{CONTENT_PREFIX}/{kind}/{code}/ " + " ".join(owners) for kind in kinds]
    return "\n".join(lines) + "\n"


def codeowners_from_file(path: Path, communes: Communes | None = None) -> str:
    """Read maintainers.yml at ``path`` and render CODEOWNERS (MaintainersError when invalid)."""
    text = path.read_text(encoding="utf-8")
    return render_codeowners(parse_maintainers(text, path.as_posix(), communes), communes)


@click.command("maintainers", context_settings=CONTEXT)
@click.option("--file", "source", type=click.Path(path_type=Path), default=DEFAULT_FILE, show_default=True, help=_("Liste des personnes qui maintiennent l'annuaire."))
@click.option("--output", type=click.Path(path_type=Path), default=DEFAULT_OUTPUT, show_default=True, help=_("Fichier CODEOWNERS à écrire (.gitlab/CODEOWNERS sur GitLab)."))
@click.option("--check", is_flag=True, help=_("Ne rien écrire : vérifier que le fichier CODEOWNERS est à jour (code 1 sinon, avec les différences)."))
def maintainers_command(source: Path, output: Path, check: bool) -> None:
    """Écrire le fichier CODEOWNERS à partir de maintainers.yml.

    Chaque personne (ou équipe) de maintainers.yml devient responsable des dossiers de ses
    communes et de ses départements : la forge lui demande de relire les modifications qui les
    touchent. Code de sortie : 0 à jour ou écrit, 1 maintainers.yml invalide ou CODEOWNERS pas à
    jour (--check), 2 usage incorrect.
    """
    if not source.is_file():
        click.echo(_("Erreur : le fichier {path} n'existe pas.").format(path=source), err=True)
        sys.exit(EXIT_USAGE)
    try:
        wanted = codeowners_from_file(source)
    except MaintainersError as error:
        for line in error.problems:
            click.echo(line, err=True)
        click.echo(_("{path} est invalide : CODEOWNERS n'est pas écrit.").format(path=source), err=True)
        sys.exit(EXIT_INVALID)
    current = output.read_text(encoding="utf-8") if output.is_file() else None
    if check:
        if current == wanted:
            click.echo(_("{output} est à jour.").format(output=output))
            sys.exit(EXIT_OK)
        diff = difflib.unified_diff(
            (current or "").splitlines(keepends=True), wanted.splitlines(keepends=True),
            fromfile=f"{output} (actuel)", tofile=f"{output} (attendu)",
        )
        click.echo("".join(diff), nl=False)
        click.echo(_("{output} n'est pas à jour : lancez « communs maintainers » et commitez le résultat.").format(output=output), err=True)
        sys.exit(EXIT_INVALID)
    if current == wanted:
        click.echo(_("{output} est déjà à jour.").format(output=output))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(wanted, encoding="utf-8")
    click.echo(_("{output} écrit.").format(output=output))
