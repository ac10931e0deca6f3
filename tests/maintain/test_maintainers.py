"""communs maintainers: CODEOWNERS generated from maintainers.yml, checked, kept in sync."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from communs.cli import main
from communs.maintain.maintainers import (
    MaintainersError,
    codeowners_from_file,
    parse_maintainers,
    render_codeowners,
)

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
# Test
default: ["@org/core"]
maintainers:
  - handle: "@org/reunion"
    departements: ["974"]
  - handle: "@alice"
    name: Alice
    communes: ["97411", "97415"]
  - handle: "@bob-b"
    communes: ["97411"]
  - handle: "@org/corse-sud"
    departements: ["2A"]
"""


def invoke(folder: Path, *arguments: str):
    previous = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, ["maintainers", *arguments], catch_exceptions=False)
    finally:
        os.chdir(previous)


def test_committed_codeowners_follows_maintainers_yml():
    """The repository's own CODEOWNERS is what `communs maintainers` writes from maintainers.yml."""
    expected = codeowners_from_file(ROOT / "maintainers.yml")
    assert (ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8") == expected, (
        "CODEOWNERS n'est pas à jour : lancez « communs maintainers »"
    )
    result = invoke(ROOT, "--check")
    assert result.exit_code == 0, result.output


def test_rules_per_departement_then_per_commune():
    text = render_codeowners(parse_maintainers(CONFIG))
    rules = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert rules == [
        "* @org/core",
        "/content/actors/2A*/ @org/corse-sud",
        "/content/events/2A*/ @org/corse-sud",
        "/content/calls/2A*/ @org/corse-sud",
        "/content/actors/974*/ @org/reunion",
        "/content/events/974*/ @org/reunion",
        "/content/calls/974*/ @org/reunion",
        # A commune line repeats its département's maintainers: the last matching line wins.
        "/content/actors/97411/ @alice @bob-b @org/reunion",
        "/content/events/97411/ @alice @bob-b @org/reunion",
        "/content/calls/97411/ @alice @bob-b @org/reunion",
        "/content/actors/97415/ @alice @org/reunion",
        "/content/events/97415/ @alice @org/reunion",
        "/content/calls/97415/ @alice @org/reunion",
    ]
    assert "# 97411 Saint-Denis" in text and "# 974 La Réunion" in text
    assert render_codeowners(parse_maintainers(CONFIG)) == text  # same bytes every time


def _owners_by_git(codeowners: str, paths: list[str], tmp_path: Path) -> dict[str, list[str]]:
    """Which line decides for each path, by git's own gitignore matcher (CODEOWNERS uses the same
    patterns and the same "last match wins" rule). The catch-all `*` is left out, as it would
    match the parent folders first in gitignore terms; no match means the default owners."""
    lines = codeowners.splitlines()
    patterns = ["# default" if line.startswith("* ") else (line if line.startswith("#") or not line else line.split()[0]) for line in lines]
    (tmp_path / ".gitignore").write_text("\n".join(patterns) + "\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    default = next(line for line in lines if line.startswith("* ")).split()[1:]
    found = {}
    for path in paths:
        answer = subprocess.run(["git", "check-ignore", "--no-index", "-v", path], cwd=tmp_path, check=False, capture_output=True, text=True)
        if answer.returncode == 1:
            found[path] = default
        else:
            number = int(answer.stdout.split(":")[1])
            found[path] = lines[number - 1].split()[1:]
    return found


def test_glob_patterns_give_each_folder_its_owners(tmp_path):
    text = render_codeowners(parse_maintainers(CONFIG))
    owners = _owners_by_git(text, [
        "content/actors/97411/compagnie-ti-kaz.yml",
        "content/events/97411/2026-12-20-kabar-fet-kaf.yml",
        "content/events/97422/2026-10-03-trail-des-plaines.yml",
        "content/actors/97415/festival.yml",
        "content/actors/2A004/u-teatrinu.yml",
        "content/actors/2B033/bastia.yml",
        "content/actors/97611/mayotte.yml",
        "content/pages/a-propos.md",
        "maintainers.yml",
        "schemas/actor.schema.json",
    ], tmp_path)
    assert owners == {
        "content/actors/97411/compagnie-ti-kaz.yml": ["@alice", "@bob-b", "@org/reunion"],
        "content/events/97411/2026-12-20-kabar-fet-kaf.yml": ["@alice", "@bob-b", "@org/reunion"],
        "content/events/97422/2026-10-03-trail-des-plaines.yml": ["@org/reunion"],
        "content/actors/97415/festival.yml": ["@alice", "@org/reunion"],
        "content/actors/2A004/u-teatrinu.yml": ["@org/corse-sud"],
        "content/actors/2B033/bastia.yml": ["@org/core"],
        "content/actors/97611/mayotte.yml": ["@org/core"],
        "content/pages/a-propos.md": ["@org/core"],
        "maintainers.yml": ["@org/core"],
        "schemas/actor.schema.json": ["@org/core"],
    }


@pytest.mark.parametrize(("change", "line", "message"), [
    ('communes: ["97400"]', 4, "la commune « 97400 » n'existe pas"),
    ('communes: ["97400"]', 4, '"97411" (Saint-Denis)'),
    ("communes: [97411]", 4, "mettez le code entre guillemets"),
    ('departements: ["99"]', 4, "le département « 99 » n'existe pas"),
    ('departements: ["974"]\n    role: chef', 5, "champ inconnu « role »"),
])
def test_codes_are_checked(change, line, message):
    text = f'default: "@org/core"\nmaintainers:\n  - handle: "@alice"\n    {change}\n'
    with pytest.raises(MaintainersError) as caught:
        parse_maintainers(text)
    assert any(problem.startswith(f"maintainers.yml:{line}: ") and message in problem for problem in caught.value.problems), caught.value.problems


def test_an_empty_list_is_allowed():
    """Someone between two terms keeps their entry with nothing in it."""
    text = 'default: "@org/core"\nmaintainers:\n  - handle: "@alice"\n    departements: []\n'
    assert parse_maintainers(text).maintainers[0].handle == "@alice"
    assert render_codeowners(parse_maintainers(text)).count("/content/") == 0


@pytest.mark.parametrize("handle", ["alice", "@", "@-alice", "@alice-", "@a--b", "@org/", "@" + "a" * 40, "@alice bob", "alice@example.org"])
def test_handles_must_look_like_handles(handle):
    with pytest.raises(MaintainersError) as caught:
        parse_maintainers(f'default: "@org/core"\nmaintainers:\n  - handle: "{handle}"\n    communes: ["97411"]\n')
    assert any("n'est pas un identifiant" in problem and problem.startswith("maintainers.yml:3:") for problem in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("handle", ["@alice", "@Alice-B2", "@org/team_name", "@org/equipe-974", "@" + "a" * 39])
def test_good_handles(handle):
    assert parse_maintainers(f'default: "{handle}"\nmaintainers: []\n').default == [handle]


def test_delegated_commune_points_to_its_commune():
    from communs.records.communes import default_communes

    communes = default_communes()
    old = next(c for c in communes._all if c.parent and not communes.get(c.code).is_current)
    with pytest.raises(MaintainersError) as caught:
        parse_maintainers(f'default: "@org/core"\nmaintainers:\n  - handle: "@alice"\n    communes: ["{old.code}"]\n')
    text = "\n".join(caught.value.problems)
    assert "n'est plus une commune" in text
    assert f"ses fiches sont rangées sous {old.parent}" in text


def test_nothing_to_maintain_and_missing_default():
    with pytest.raises(MaintainersError) as caught:
        parse_maintainers('maintainers:\n  - handle: "@alice"\nsurprise: 1\n')
    text = "\n".join(caught.value.problems)
    assert "indiquez au moins un identifiant" in text  # no default owner
    assert "indiquez les communes" in text
    assert "clé inconnue « surprise »" in text


def test_write_check_and_diff(tmp_path):
    (tmp_path / "maintainers.yml").write_text(CONFIG, encoding="utf-8")
    missing = invoke(tmp_path, "--check")
    assert missing.exit_code == 1
    assert "+/content/actors/97411/ @alice @bob-b @org/reunion" in missing.output

    written = invoke(tmp_path)
    assert written.exit_code == 0, written.output
    codeowners = tmp_path / ".github" / "CODEOWNERS"
    assert codeowners.read_text(encoding="utf-8") == render_codeowners(parse_maintainers(CONFIG))
    assert invoke(tmp_path, "--check").exit_code == 0
    assert "déjà à jour" in invoke(tmp_path).output

    (tmp_path / "maintainers.yml").write_text(CONFIG.replace('communes: ["97411", "97415"]', 'communes: ["97411"]'), encoding="utf-8")
    stale = invoke(tmp_path, "--check")
    assert stale.exit_code == 1
    assert "-/content/actors/97415/ @alice @org/reunion" in stale.output
    assert "n'est pas à jour" in stale.output

    gitlab = invoke(tmp_path, "--output", ".gitlab/CODEOWNERS")
    assert gitlab.exit_code == 0 and (tmp_path / ".gitlab" / "CODEOWNERS").is_file()


def test_invalid_file_writes_nothing_and_missing_file_is_a_usage_error(tmp_path):
    assert invoke(tmp_path).exit_code == 2
    (tmp_path / "maintainers.yml").write_text('default: "@org/core"\nmaintainers:\n  - handle: "@alice"\n    communes: ["97400"]\n', encoding="utf-8")
    result = invoke(tmp_path)
    assert result.exit_code == 1
    assert "maintainers.yml:4:" in result.output
    assert not (tmp_path / ".github" / "CODEOWNERS").exists()
    (tmp_path / "maintainers.yml").write_text("default: [\n", encoding="utf-8")
    assert invoke(tmp_path).exit_code == 1
