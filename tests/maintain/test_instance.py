"""`communs init`: a directory repository for a territory, ready to validate, build and review."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import git
import pytest
import yaml
from ci_lint import actionlint, check_jsonschema, check_policies
from click.testing import CliRunner

from communs.maintain.instance import InitError, issue_forms, make_plan, write_instance
from communs.maintain.maintainers import codeowners_from_file
from communs.records.territory import TerritoryError, perimeter_for, territory_of
from communs.records.validation import Checker, validate
from communs.settings import SiteSettings

CLERMONT = ["--territory", "246300701", "--forge", "github", "--project", "clermont-metropole/annuaire",
            "--maintainer", "@clermont-metropole/annuaire"]


def init(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "communs.cli", "init", *arguments], capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def clermont(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("instance") / "annuaire"
    result = init(str(target), *CLERMONT)
    assert result.returncode == 0, result.stderr
    assert "Annuaire « Annuaire de Clermont Auvergne Métropole » créé" in result.stdout
    return target


def _settings(target: Path) -> SiteSettings:
    from pelican.settings import read_settings

    return SiteSettings.from_pelican(read_settings(str(target / "pelicanconf.py")))


def test_the_files_of_an_instance_and_its_first_commit(clermont):
    repo = git.Repo(clermont)
    assert repo.active_branch.name == "main" and not repo.is_dirty(untracked_files=True)
    (commit,) = list(repo.iter_commits())
    assert commit.message == "« Annuaire de Clermont Auvergne Métropole » : annuaire créé par communs init (Clermont Auvergne Métropole)"
    tracked = set(repo.git.ls_files().splitlines())
    assert {
        "pelicanconf.py", "publishconf.py", "requirements.txt", "README.md", "maintainers.yml", ".github/CODEOWNERS", ".gitignore",
        ".github/workflows/validate.yml", ".github/workflows/deploy.yml", ".github/workflows/sources.yml", "sources.yml", ".github/ISSUE_TEMPLATE/config.yml",
        ".github/ISSUE_TEMPLATE/3-proposer-un-acteur.yml", "content/pages/a-propos.md", "schemas/actor.schema.json",
        "content/actors/63113/exemple-association.yml", f"content/events/63113/{date.today().year + 1}-06-21-exemple-fete.yml",
    } <= tracked
    assert (clermont / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == "communs==0.1.0"


def test_settings_live_in_one_place(clermont):
    site = _settings(clermont)
    assert site.site_name == "Annuaire de Clermont Auvergne Métropole" and site.territory == "Clermont Auvergne Métropole"
    assert site.perimeter == "epci:246300701" and site.timezone == "Europe/Paris"
    assert site.forge_edit_url == "https://github.com/clermont-metropole/annuaire/edit/main/{path}"
    assert site.calendar_domain == "clermont-metropole.github.io"
    publish = (clermont / "publishconf.py").read_text(encoding="utf-8")
    assert 'SITEURL = os.environ.get("COMMUNS_SITEURL") or PUBLIC_URL' in publish
    assert 'PUBLIC_URL = "https://clermont-metropole.github.io/annuaire"' in (clermont / "pelicanconf.py").read_text(encoding="utf-8")
    # Nothing left to fill in by hand anywhere, and nothing of the reference instance (but in
    # the examples of the schemas, which are the package's own).
    for path in clermont.rglob("*"):
        if path.is_file() and ".git" not in path.parts and "schemas" not in path.parts:
            text = path.read_text(encoding="utf-8")
            for leftover in (r"\bOWNER\b", "communs-reunion", "La Réunion", "97411", "Ti Kaz", r"\[\[", r"\]\]", r"\[%"):
                assert not re.search(leftover, text), (path, leftover)


def test_the_example_records_are_valid_and_marked(clermont):
    territory = territory_of(_settings(clermont))
    report = validate(clermont / "content", checker=Checker(territory=territory), jobs=1)
    assert report.ok and report.problems == [] and report.checked == 2
    assert all(record.name.startswith("EXEMPLE — ") for record in report.records)
    for path in (clermont / "content").rglob("*.yml"):
        assert path.read_text(encoding="utf-8").splitlines()[1] == "# EXEMPLE : cette fiche montre la forme d'une fiche. Remplacez-la ou supprimez-la."


def test_codeowners_follow_the_maintainers(clermont):
    assert (clermont / ".github" / "CODEOWNERS").read_text(encoding="utf-8") == codeowners_from_file(clermont / "maintainers.yml")
    assert "* @clermont-metropole/annuaire" in (clermont / ".github" / "CODEOWNERS").read_text(encoding="utf-8")


def test_the_workflows_pass_our_own_lint(clermont):
    workflows = sorted((clermont / ".github" / "workflows").glob("*.yml"))
    assert [p.name for p in workflows] == ["deploy.yml", "sources.yml", "validate.yml"]
    result = actionlint(*(p.relative_to(clermont) for p in workflows), cwd=clermont)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        checked = check_jsonschema(schema, *workflows)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    for path in workflows:
        check_policies(path)
    forms = sorted(p for p in (clermont / ".github" / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")
    assert len(forms) == 4 and check_jsonschema("vendor.github-issue-forms", *forms).returncode == 0
    assert check_jsonschema("vendor.github-issue-config", clermont / ".github" / "ISSUE_TEMPLATE" / "config.yml").returncode == 0
    assert "placeholder: Clermont-Ferrand" in (clermont / ".github" / "ISSUE_TEMPLATE" / "3-proposer-un-acteur.yml").read_text(encoding="utf-8")


def test_the_readme_is_french_and_speaks_of_the_territory(clermont):
    readme = (clermont / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Annuaire de Clermont Auvergne Métropole\n")
    assert "L'annuaire ouvert des acteurs locaux de **Clermont Auvergne Métropole** (21 communes)" in readme
    assert "Clermont-Ferrand a le code INSEE `63113`" in readme
    assert "Mettre à jour communs" in readme and "communs upgrade" in readme


@pytest.mark.parametrize(("forge", "extra", "files", "absent"), [
    ("gitlab", ["--project", "clermont/annuaire"], {".gitlab-ci.yml", ".gitlab/CODEOWNERS"}, {".github"}),
    ("forgejo", ["--project", "clermont/annuaire"], {".forgejo/workflows/validate.yml", ".forgejo/ISSUE_TEMPLATE/3-proposer-un-acteur.yml"}, {".github/workflows"}),
    ("gitea", ["--project", "clermont/annuaire", "--forge-url", "https://forge.clermont.example"], {".gitea/workflows/validate.yml"}, {".github/workflows"}),
    ("aucune", [], {".github/CODEOWNERS", "maintainers.yml"}, {".github/workflows", ".gitlab-ci.yml"}),
])
def test_each_forge_gets_its_files(tmp_path, forge, extra, files, absent):
    target = tmp_path / "annuaire"
    result = init(str(target), "--territory", "63113,63014", "--forge", forge, *extra, "--maintainer", "@clermont/annuaire", "--vide")
    assert result.returncode == 0, result.stderr
    written = {p.relative_to(target).as_posix() for p in target.rglob("*") if ".git" not in p.relative_to(target).parts[:1]}
    assert files <= written and not (absent & written)
    assert not list((target / "content").rglob("*.yml"))  # --vide: no example record
    if forge == "gitlab":
        assert check_jsonschema("vendor.gitlab-ci", target / ".gitlab-ci.yml").returncode == 0
        assert "/-/edit/main/{path}" in (target / "pelicanconf.py").read_text(encoding="utf-8")
    if forge in ("forgejo", "gitea"):
        workflow = next(target.glob(f".{forge}/workflows/validate.yml"))
        assert actionlint(workflow.relative_to(target), cwd=target).returncode == 0
    if forge == "gitea":
        assert "https://forge.clermont.example/clermont/annuaire/_edit/branch/main/{path}" in (target / "pelicanconf.py").read_text(encoding="utf-8")
    assert validate(target / "content", jobs=1).ok


@pytest.mark.parametrize(("arguments", "message"), [
    (["--territory", "Clermont"], "« Clermont » peut désigner plusieurs territoires : Clermont (communes:60157)"),
    (["--territory", "Zzzz"], "Aucune intercommunalité, aucun département ni aucune commune ne s'appelle « Zzzz »."),
    (["--territory", "123456789"], "Aucune intercommunalité n'a le SIREN 123456789."),
    (["--territory", "63", "--forge", "github"], "Indiquez le projet sur la forge (--project propriétaire/nom)."),
    (["--territory", "63", "--forge", "github", "--project", "annuaire"], "Projet « annuaire » illisible : écrivez propriétaire/nom"),
    (["--territory", "63", "--forge", "gitea", "--project", "a/b"], "Indiquez l'adresse de votre forge Gitea (--forge-url https://…)."),
    (["--territory", "63", "--url", "http://annuaire.example"], "L'adresse publique du site doit commencer par https:// (http://annuaire.example)."),
    (["--territory", "63", "--maintainer", "clermont"], "Identifiant « clermont » illisible : écrivez @nom ou @organisation/equipe."),
    (["--territory", "63", "--maintainer", " "], "Indiquez au moins une personne ou une équipe qui maintient l'annuaire"),
    ([], "Erreur : indiquez le territoire (--territory)."),
])
def test_refusals_say_what_to_change_and_write_nothing(tmp_path, arguments, message):
    if "--maintainer" not in arguments and arguments:
        arguments = [*arguments, "--maintainer", "@clermont/annuaire"]
    target = tmp_path / "annuaire"
    result = init(str(target), *arguments)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert not target.exists()


def test_a_folder_that_is_not_empty_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("à garder", encoding="utf-8")
    result = init(str(tmp_path), *CLERMONT)
    assert result.returncode == 2
    assert f"Erreur : Le dossier {tmp_path} existe et n'est pas vide : choisissez un dossier neuf ou vide." in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_empty_folder_is_fine(tmp_path):
    plan = make_plan(tmp_path, "63113", maintainers=("@x",))
    assert plan.perimeter == "communes:63113" and plan.public_url == "" and plan.forge.kind == "aucune"
    written = write_instance(plan)
    assert "pelicanconf.py" in written and (tmp_path / ".git").is_dir()


def test_the_territory_may_be_given_many_ways():
    assert perimeter_for("Clermont Auvergne Métropole") == perimeter_for("clermont auvergne metropole") == "epci:246300701"
    assert perimeter_for("Puy-de-Dôme") == "departements:63" and perimeter_for("63, 03") == "departements:63,03"
    assert perimeter_for("Riom") == "communes:63300"  # a commune's exact name wins over a longer intercommunality's
    assert perimeter_for("Riom Limagne") == "epci:200070753"
    assert perimeter_for("63113,63014") == "communes:63113,63014" and perimeter_for("epci:246300701") == "epci:246300701"
    with pytest.raises(TerritoryError):
        perimeter_for("")
    with pytest.raises(InitError):
        make_plan(Path("/nonexistent/annuaire"), "63", forge="sourcehut", maintainers=("@x",))


def test_questions_are_asked_at_a_terminal(tmp_path, monkeypatch):
    from communs.maintain import instance

    monkeypatch.setattr(instance, "_interactive", lambda: True)
    runner = CliRunner()
    target = tmp_path / "annuaire"
    answers = "246300701\ngithub\nclermont/annuaire\n@clermont/annuaire\n"
    result = runner.invoke(instance.init_command, [str(target)], input=answers)
    assert result.exit_code == 0, result.output
    assert "Territoire (intercommunalité, département ou communes)" in result.output
    assert re.search(r'"perimeter": "epci:246300701"', (target / "pelicanconf.py").read_text(encoding="utf-8"))
    assert yaml.safe_load((target / "maintainers.yml").read_text(encoding="utf-8"))["default"] == ["@clermont/annuaire"]


def test_the_reference_instance_has_the_same_issue_forms():
    """Ours are the instances' forms with La Réunion's examples: a change to one is a change to both."""
    ours = Path(__file__).resolve().parents[2] / ".github" / "ISSUE_TEMPLATE"
    reunion = {"actor": "Compagnie Ti Kaz", "actor_id": "compagnie-ti-kaz", "event": "Kabar de la Fèt Kaf", "event_id": "2026-12-20-kabar-fet-kaf",
               "start": "20 décembre 2026 à 18 h", "end": "20 décembre 2026 à 23 h"}
    forms = issue_forms("Saint-Denis", reunion)
    assert len(forms) == 4
    for name, text in forms.items():
        assert text == (ours / name).read_text(encoding="utf-8"), name


def test_an_instance_follows_no_source_yet_and_its_list_validates(clermont):
    from communs.importers.sources import load_sources

    listing = load_sources(clermont / "sources.yml")
    assert listing.ok and listing.sources == []
    assert "Agenda de la mairie de Clermont-Ferrand" in (clermont / "sources.yml").read_text(encoding="utf-8")
