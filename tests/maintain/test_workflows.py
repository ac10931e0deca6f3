"""CI files: linted offline (actionlint, JSON schemas), safe by construction, and their scripts run
here against a throw-away repository exactly as they run on GitHub and GitLab."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest
import yaml
from ci_lint import PINNED, actionlint, check_jsonschema, check_policies

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
GITLAB = ROOT / ".gitlab-ci.yml"
ISSUE_FORMS = sorted(p for p in (ROOT / ".github" / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")
COMMUNS = Path(sys.executable).with_name("communs")


# --- linters -------------------------------------------------------------------------------------


def test_there_are_the_three_workflows():
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "scheduled.yml", "sources.yml", "validate.yml"]


def test_actionlint_accepts_every_workflow():
    result = actionlint(*(p.relative_to(ROOT) for p in WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    """Proof that the check above can fail: the same workflow with an injectable title and a typo."""
    broken = tmp_path / ".github" / "workflows" / "validate.yml"
    broken.parent.mkdir(parents=True)
    text = (ROOT / ".github" / "workflows" / "validate.yml").read_text(encoding="utf-8")
    text = text.replace('run: bash scripts/ci/install.sh', 'run: echo "${{ github.event.pull_request.title }}"')
    text = text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    needs: nowhere")
    broken.write_text(text, encoding="utf-8")
    result = actionlint(".github/workflows/validate.yml", cwd=tmp_path)
    assert result.returncode == 1
    messages = [problem["message"] for problem in json.loads(result.stdout)]
    assert any("potentially untrusted" in message for message in messages), messages
    assert any("nowhere" in message for message in messages), messages


@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_workflows_follow_the_github_schema(schema):
    result = check_jsonschema(schema, *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlab_ci_follows_the_gitlab_schema():
    result = check_jsonschema("vendor.gitlab-ci", GITLAB)
    assert result.returncode == 0, result.stdout + result.stderr


def test_issue_forms_follow_the_github_schemas():
    result = check_jsonschema("vendor.github-issue-forms", *ISSUE_FORMS)
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("vendor.github-issue-config", ROOT / ".github" / "ISSUE_TEMPLATE" / "config.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_checks_reject_broken_copies(tmp_path):
    workflow = tmp_path / "deploy.yml"
    workflow.write_text((ROOT / ".github/workflows/deploy.yml").read_text(encoding="utf-8").replace("runs-on:", "runs_on:", 1), encoding="utf-8")
    assert check_jsonschema("vendor.github-workflows", workflow).returncode == 1
    no_timeout = tmp_path / "validate.yml"
    no_timeout.write_text(re.sub(r"\n\s+timeout-minutes: \d+", "", (ROOT / ".github/workflows/validate.yml").read_text(encoding="utf-8")), encoding="utf-8")
    assert check_jsonschema("custom.github-workflows-require-timeout", no_timeout).returncode == 1
    gitlab = tmp_path / ".gitlab-ci.yml"
    gitlab.write_text(GITLAB.read_text(encoding="utf-8").replace("    when: always\n", "    when: parfois\n", 1), encoding="utf-8")
    assert check_jsonschema("vendor.gitlab-ci", gitlab).returncode == 1


# --- policies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_policies(path):
    check_policies(path)


def test_the_same_action_is_pinned_to_the_same_commit_everywhere():
    seen: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = PINNED.match(line)
            if match:
                seen.setdefault(match.group(1), set()).add(line.split("@", 1)[1].strip())
    assert seen and all(len(pins) == 1 for pins in seen.values()), seen


def test_workflows_and_gitlab_call_the_shared_scripts():
    validate = (ROOT / ".github/workflows/validate.yml").read_text(encoding="utf-8")
    gitlab = GITLAB.read_text(encoding="utf-8")
    for text in (validate, gitlab):
        assert "scripts/ci/validate-pull-request.sh" in text and "scripts/ci/install.sh" in text
    for script in ("scripts/ci/audit.sh", "scripts/ci/sources-pull.sh"):
        assert script in gitlab
        assert any(script in p.read_text(encoding="utf-8") for p in WORKFLOWS)
    # The site in parts: a GitHub job per part, a GitLab job per shard of parts (build-parts.sh
    # runs build-site.sh for each), then both assemble them.
    assert "scripts/ci/build-site.sh --format github --part" in (ROOT / ".github/workflows/deploy.yml").read_text(encoding="utf-8")
    assert 'scripts/ci/build-parts.sh "${CI_NODE_INDEX}/${CI_NODE_TOTAL}" parties' in gitlab
    assert '/build-site.sh" --part' in (ROOT / "scripts/ci/build-parts.sh").read_text(encoding="utf-8")
    on = yaml.safe_load(validate)[True]  # YAML 1.1 reads the key `on` as true
    assert list(on) == ["pull_request"]


# --- the scripts against a test repository --------------------------------------------------------

BAD_ACTOR = """\
# yaml-language-server: $schema=../../../schemas/actor.schema.json
id: nouvel-acteur
name: Nouvel acteur du Brûlé
kind: asso
summary: Un acteur ajouté par une demande de modification.
themes: [culture, cuisine]
commune: "97411"
"""

COMMUNES = ("97411", "97412", "97415")


def _commit_all(repo: git.Repo, message: str) -> None:
    repo.git.add("--all")
    repo.index.commit(message)


@pytest.fixture
def pr_repo(tmp_path):
    """A repository like this one: main with valid demo records, origin/main, and a contribution
    branch adding a bad record and breaking an existing event; main moves on after the branch."""
    root = tmp_path / "depot"
    content = root / "content"
    for kind in ("actors", "events"):
        for code in COMMUNES:
            shutil.copytree(ROOT / "content" / kind / code, content / kind / code)
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(ROOT / name, root / name)
    for name in ("theme", "plugins"):
        (root / name).symlink_to(ROOT / name)
    (root / ".gitignore").write_text("/theme\n/plugins\ncache/\n", encoding="utf-8")
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.invalid")
    _commit_all(repo, "Demo records")

    repo.git.checkout("-b", "contribution")
    (content / "actors/97411/nouvel-acteur.yml").write_text(BAD_ACTOR, encoding="utf-8")
    event = content / "events/97411/2026-12-20-kabar-fet-kaf.yml"
    text = event.read_text(encoding="utf-8")
    assert 'end: "2026-12-20T23:00:00+04:00"' in text
    event.write_text(text.replace('end: "2026-12-20T23:00:00+04:00"', 'end: "2026-12-19T23:00:00+04:00"'), encoding="utf-8")
    _commit_all(repo, "A contribution with mistakes")

    # Main moves on: its change must not count as part of the contribution.
    repo.git.checkout("main")
    other = next(iter(sorted((content / "actors/97415").glob("*.yml"))))
    other.write_text(other.read_text(encoding="utf-8").replace("\nname: ", "\nname: Nouveau nom — ", 1), encoding="utf-8")
    _commit_all(repo, "Meanwhile on main")
    repo.git.update_ref("refs/remotes/origin/main", "main")
    repo.git.checkout("contribution")
    return root


def run_script(script: str, *arguments: str, cwd: Path, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "CI_"))}
    env.update(COMMUNS=str(COMMUNS), PYTHON=sys.executable, SOURCE_DATE_EPOCH="1795420800", **environment)
    return subprocess.run(["bash", str(ROOT / "scripts" / "ci" / script), *arguments], cwd=cwd, check=False, capture_output=True, text=True, env=env, timeout=600)


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


ANNOTATION = re.compile(r"^::(error|warning) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.*)$")


def test_pull_request_annotations_on_the_changed_lines(pr_repo, tmp_path):
    summary = tmp_path / "summary.md"
    result = run_script("validate-pull-request.sh", "--format", "github", "origin/main", cwd=pr_repo, GITHUB_STEP_SUMMARY=str(summary))
    assert result.returncode == 1, result.stdout + result.stderr
    annotations = [ANNOTATION.match(line).groups() for line in result.stdout.splitlines() if line.startswith(("::error", "::warning"))]
    actor = pr_repo / "content/actors/97411/nouvel-acteur.yml"
    event = pr_repo / "content/events/97411/2026-12-20-kabar-fet-kaf.yml"
    errors = {(file, int(line), int(column), title) for kind, file, line, column, title, _message in annotations if kind == "error"}
    assert errors == {
        ("content/actors/97411/nouvel-acteur.yml", line_of(actor, "kind:"), 7, "not-in-list kind"),
        ("content/actors/97411/nouvel-acteur.yml", line_of(actor, "themes:"), 19, "not-in-list themes/1"),
        ("content/events/97411/2026-12-20-kabar-fet-kaf.yml", line_of(event, "end:"), 6, "end-before-start end"),
    }, result.stdout
    messages = {title: message for _kind, _file, _line, _column, title, message in annotations}
    assert "Vouliez-vous écrire « association » ?" in messages["not-in-list kind"]
    assert "« cuisine »" in messages["not-in-list themes/1"]
    # Only the two changed files were checked, not main's later change.
    assert "2 fiches vérifiées : 3 erreurs." in result.stdout
    assert "Construction du site non tentée" in result.stdout
    # The review summary went to the job summary.
    review = summary.read_text(encoding="utf-8")
    assert "Nouvel acteur du Brûlé" in review and "kabar" in review.lower()


def test_merge_request_code_quality_report(pr_repo):
    result = run_script("validate-pull-request.sh", "--format", "gitlab", "origin/main", cwd=pr_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((pr_repo / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    actor = pr_repo / "content/actors/97411/nouvel-acteur.yml"
    found = {(item["location"]["path"], item["location"]["lines"]["begin"], item["check_name"], item["severity"]) for item in report}
    assert ("content/actors/97411/nouvel-acteur.yml", line_of(actor, "kind:"), "not-in-list", "major") in found
    assert len(report) == 3 and len({item["fingerprint"] for item in report}) == 3
    assert f"content/actors/97411/nouvel-acteur.yml:{line_of(actor, 'kind:')}:7: erreur [not-in-list] kind" in result.stdout
    assert (pr_repo / "revue.md").read_text(encoding="utf-8").strip()


def test_a_good_pull_request_builds_the_site(pr_repo, tmp_path):
    repo = git.Repo(pr_repo)
    (pr_repo / "content/actors/97411/nouvel-acteur.yml").write_text(BAD_ACTOR.replace("kind: asso", "kind: association").replace(", cuisine", ""), encoding="utf-8")
    repo.git.checkout("main", "--", "content/events/97411/2026-12-20-kabar-fet-kaf.yml")
    _commit_all(repo, "Fixed")
    summary = tmp_path / "summary.md"
    output = tmp_path / "site"
    result = run_script("validate-pull-request.sh", "--format", "github", "origin/main", cwd=pr_repo, GITHUB_STEP_SUMMARY=str(summary), COMMUNS_BUILD_OUTPUT=str(output))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::error" not in result.stdout
    assert "1 fiche vérifiée : aucun problème." in result.stdout
    assert "Site construit" in result.stdout
    assert (output / "acteurs" / "nouvel-acteur" / "index.html").is_file()

    # The deploy job's script: everything validated, built with publishconf.py at the public address.
    published = tmp_path / "public"
    deploy = run_script("build-site.sh", "--format", "github", str(published), cwd=pr_repo, COMMUNS_SITEURL="https://exemple.org/annuaire")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert "https://exemple.org/annuaire/acteurs/nouvel-acteur/" in (published / "sitemap.xml").read_text(encoding="utf-8")

    # The weekly job's script (links left out: this machine has no network).
    report = tmp_path / "rapport.md"
    audit = run_script("audit.sh", str(report), "--no-links", "--today", "2027-01-01", cwd=pr_repo, GITHUB_STEP_SUMMARY=str(summary))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "## Événements terminés, à archiver" in report.read_text(encoding="utf-8")
    assert report.read_text(encoding="utf-8") in summary.read_text(encoding="utf-8")


def test_a_large_directory_checks_only_the_parts_a_pull_request_touches(pr_repo, tmp_path):
    """COMMUNS_PR_BUILD=parts (auto past COMMUNS_PR_PARTS_FROM records): the département of the
    changed records is built, not the whole site; a change of settings builds the whole site."""
    repo = git.Repo(pr_repo)
    (pr_repo / "content/actors/97411/nouvel-acteur.yml").write_text(BAD_ACTOR.replace("kind: asso", "kind: association").replace(", cuisine", ""), encoding="utf-8")
    repo.git.checkout("main", "--", "content/events/97411/2026-12-20-kabar-fet-kaf.yml")
    _commit_all(repo, "Fixed")
    output = tmp_path / "site"
    result = run_script("validate-pull-request.sh", "--format", "text", "origin/main", cwd=pr_repo, COMMUNS_PR_PARTS_FROM="10",
                        COMMUNS_SUMMARY=str(tmp_path / "summary.md"), COMMUNS_BUILD_OUTPUT=str(output))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Parties du site construites (celles que la modification touche) : 974" in result.stdout
    assert sorted(path.name for path in output.iterdir()) == ["974"]
    assert (output / "974" / "acteurs" / "nouvel-acteur" / "index.html").is_file()
    assert not (output / "974" / "index.html").exists()  # the home page is the commun part's

    (pr_repo / "publishconf.py").write_text((pr_repo / "publishconf.py").read_text(encoding="utf-8") + "\n# réglage changé\n", encoding="utf-8")
    _commit_all(repo, "Settings")
    whole = tmp_path / "whole"
    result = run_script("validate-pull-request.sh", "--format", "text", "origin/main", cwd=pr_repo, COMMUNS_PR_BUILD="parts",
                        COMMUNS_SUMMARY=str(tmp_path / "summary.md"), COMMUNS_BUILD_OUTPUT=str(whole))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (whole / "index.html").is_file() and (whole / "acteurs" / "nouvel-acteur" / "index.html").is_file()

    wrong = run_script("validate-pull-request.sh", "--format", "text", "origin/main", cwd=pr_repo, COMMUNS_PR_BUILD="tout")
    assert wrong.returncode == 2 and "COMMUNS_PR_BUILD vaut site, parts ou auto, et non « tout »." in wrong.stderr


def test_the_deploy_jobs_build_the_parts_in_shards_and_assemble_the_site(pr_repo, tmp_path):
    """GitLab's parallel jobs (build-parts.sh N/TOTAL), then the assembly: the site of build-site.sh."""
    git.Repo(pr_repo).git.checkout("main")
    address = {"COMMUNS_SITEURL": "https://exemple.org/annuaire"}
    parties = tmp_path / "parties"
    for shard in ("1/3", "2/3", "3/3"):  # two parts (974, commun): one shard has none
        built = run_script("build-parts.sh", shard, str(parties), cwd=pr_repo, **address)
        assert built.returncode == 0, built.stdout + built.stderr
    assert sorted(path.name for path in parties.iterdir()) == ["974", "commun"]
    assembled = subprocess.run([str(COMMUNS), "assemble", *map(str, sorted(parties.iterdir())), str(tmp_path / "public")], capture_output=True, text=True, cwd=pr_repo)
    assert assembled.returncode == 0, assembled.stderr
    whole = run_script("build-site.sh", "--format", "github", str(tmp_path / "whole"), cwd=pr_repo, **address)
    assert whole.returncode == 0, whole.stdout + whole.stderr

    def site(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file() and "pagefind" not in p.parts}

    assert site(tmp_path / "public") == site(tmp_path / "whole")
    assert "https://exemple.org/annuaire/acteurs/" in (tmp_path / "public" / "sitemap.xml").read_text(encoding="utf-8")
    assert run_script("build-site.sh", "--part", cwd=pr_repo).returncode == 2
    assert run_script("build-parts.sh", "1/2", cwd=pr_repo).returncode == 2


def test_unknown_base_is_a_usage_error(pr_repo):
    result = run_script("validate-pull-request.sh", "--format", "github", "origin/nope", cwd=pr_repo)
    assert result.returncode == 2
    assert "::error::La branche de base « origin/nope » est introuvable" in result.stdout
    assert run_script("validate-pull-request.sh", cwd=pr_repo).returncode == 2
    assert run_script("validate-pull-request.sh", "--format", "xml", "origin/main", cwd=pr_repo).returncode == 2


def test_stale_codeowners_fails_the_pull_request(pr_repo):
    (pr_repo / "maintainers.yml").write_text('default: "@org/core"\nmaintainers:\n  - handle: "@alice"\n    communes: ["97411"]\n', encoding="utf-8")
    (pr_repo / ".github").mkdir()
    (pr_repo / ".github/CODEOWNERS").write_text("* @org/core\n", encoding="utf-8")
    repo = git.Repo(pr_repo)
    repo.git.checkout("origin/main", "--", "content")
    repo.git.rm("-q", "--cached", "-r", "--ignore-unmatch", "content/actors/97411/nouvel-acteur.yml")
    (pr_repo / "content/actors/97411/nouvel-acteur.yml").unlink(missing_ok=True)
    _commit_all(repo, "Maintainers without CODEOWNERS")
    result = run_script("validate-pull-request.sh", "--format", "github", "origin/main", cwd=pr_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "::error::.github/CODEOWNERS ne correspond plus à maintainers.yml" in result.stdout


# --- pre-commit ----------------------------------------------------------------------------------


def test_pre_commit_hook_definitions():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    local = config["repos"][0]
    assert local["repo"] == "local"
    for hook in (local["hooks"][0], manifest[0]):
        assert hook["id"] == "communs-validate"
        assert hook["pass_filenames"] is True and hook["require_serial"] is True
        assert os.access(ROOT / hook["entry"], os.X_OK)
        pattern = re.compile(hook["files"])
        assert pattern.search("content/actors/97411/compagnie-ti-kaz.yml")
        assert pattern.search("content/events/97411/2026-12-20-kabar-fet-kaf.yml")
        assert not pattern.search("content/pages/a-propos.md") and not pattern.search("schemas/actor.schema.json")


def test_pre_commit_hook_refuses_a_bad_record(pr_repo):
    env = dict(os.environ, COMMUNS=str(COMMUNS))
    hook = [str(ROOT / "scripts" / "pre-commit-validate.sh")]
    bad = subprocess.run([*hook, "content/actors/97411/nouvel-acteur.yml"], cwd=pr_repo, check=False, capture_output=True, text=True, env=env)
    assert bad.returncode == 1
    assert "content/actors/97411/nouvel-acteur.yml:4:7: erreur [not-in-list] kind" in bad.stdout
    good = subprocess.run([*hook, "content/actors/97411/compagnie-ti-kaz.yml"], cwd=pr_repo, check=False, capture_output=True, text=True, env=env)
    assert good.returncode == 0, good.stdout + good.stderr


# --- issue forms ---------------------------------------------------------------------------------


def _options(form: dict, field: str) -> list[str]:
    return next(item for item in form["body"] if item.get("id") == field)["attributes"]["options"]


def test_issue_forms_labels_and_choices_follow_the_schemas():
    from communs.records.schemas import default_schemas
    from communs.resources import schemas_dir

    forms = {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in ISSUE_FORMS}
    labels = sorted(label for form in forms.values() for label in form["labels"])
    assert labels == ["demande de suppression", "erreur dans une fiche", "proposer un acteur", "proposer un événement"]
    schemas = default_schemas()
    themes = [choice.title for choice in schemas.choices("theme")]
    kinds = [choice.title for choice in schemas.choices("kind")]
    vocabularies = json.loads((schemas_dir() / "vocabularies.schema.json").read_text(encoding="utf-8"))
    types = [item["title"] for item in vocabularies["$defs"]["eventType"]["oneOf"]]
    assert _options(forms["3-proposer-un-acteur.yml"], "kind") == kinds
    assert _options(forms["3-proposer-un-acteur.yml"], "themes") == themes
    assert _options(forms["4-proposer-un-evenement.yml"], "type") == types
    assert _options(forms["4-proposer-un-evenement.yml"], "themes") == themes
