"""`communs upgrade`: the migrations a new communs brings, applied to an instance's records, and
`communs review` naming them in the pull request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import git
import pytest

from communs.maintain.instance import make_plan, write_instance
from communs.maintain.review import format_markdown, review
from communs.records.communes import default_communes
from communs.records.migrations import MIGRATIONS, merged_communes, migrate
from communs.records.validation import validate
from communs.resources import schemas_dir

# Aulhat-Saint-Privat (63018) merged into Aulhat-Flat (63160): its code is a delegated commune's now.
MERGED = """\
# yaml-language-server: $schema=../../../schemas/actor.schema.json
id: amis-du-vieux-aulhat
name: Les Amis du vieux Aulhat
kind: association
summary: Sauvegarde du patrimoine du bourg et visites commentées.
themes: [culture]
# The village's old commune, as written before the merger.
commune: "63018"
area: ["63018", "63160", "63178"]
"""


def upgrade(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "communs.cli", "upgrade", *arguments], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture
def instance(tmp_path) -> Path:
    target = tmp_path / "annuaire"
    write_instance(make_plan(target, "63", maintainers=("@puy-de-dome/annuaire",), examples=False))
    record = target / "content" / "actors" / "63018" / "amis-du-vieux-aulhat.yml"
    record.parent.mkdir(parents=True)
    record.write_text(MERGED, encoding="utf-8")
    repo = git.Repo(target)
    repo.index.add(["content/actors/63018/amis-du-vieux-aulhat.yml"])
    repo.index.commit("Une fiche écrite avant la fusion")
    return target


def test_the_migration_moves_records_of_merged_communes():
    data = {"id": "x", "commune": "63018", "area": ["63018", "63160", "63178"]}
    assert merged_communes("actor", data, default_communes()) == {"id": "x", "commune": "63160", "area": ["63178"]}
    assert merged_communes("actor", {"id": "x", "commune": "63160"}, default_communes()) is None  # idempotent
    assert merged_communes("event", {"id": "x", "commune": "75101"}, default_communes()) == {"id": "x", "commune": "75056"}
    again, applied = migrate("actor", {"id": "x", "commune": "63160", "area": ["63178"]}, default_communes())
    assert applied == [] and again == {"id": "x", "commune": "63160", "area": ["63178"]}
    assert [m.name for m in MIGRATIONS] == ["communes-fusionnees"]


def test_upgrade_rewrites_moves_and_explains(instance):
    before = validate(instance / "content", jobs=1)
    assert "commune-not-current" in [p.code for p in before.problems]
    checked = upgrade("--check", cwd=instance)
    assert checked.returncode == 1
    assert "Migration « communes-fusionnees » (communs 0.1.0) : 1 fiche." in checked.stdout
    assert "content/actors/63018/amis-du-vieux-aulhat.yml → content/actors/63160/amis-du-vieux-aulhat.yml" in checked.stdout
    assert "Lancez « communs upgrade » pour appliquer ces changements." in checked.stdout
    assert (instance / "content/actors/63018/amis-du-vieux-aulhat.yml").is_file()  # --check writes nothing

    done = upgrade(cwd=instance)
    assert done.returncode == 0, done.stderr
    assert "Relisez les changements (git diff), vérifiez-les (communs validate), puis commitez-les." in done.stdout
    assert not (instance / "content/actors/63018").exists()
    moved = (instance / "content/actors/63160/amis-du-vieux-aulhat.yml").read_text(encoding="utf-8")
    # Only the changed lines differ: the comment and the other fields are kept as written.
    assert moved == MERGED.replace('commune: "63018"', 'commune: "63160"').replace('area: ["63018", "63160", "63178"]', 'area: ["63178"]')
    assert validate(instance / "content", jobs=1).ok
    again = upgrade("--check", cwd=instance)
    assert again.returncode == 0 and "Rien à mettre à jour pour communs 0.1.0." in again.stdout


def test_upgrade_refreshes_the_schemas_for_editors(instance):
    stale = instance / "schemas" / "actor.schema.json"
    stale.write_text("{}", encoding="utf-8")
    result = upgrade(cwd=instance)
    assert "Schémas mis à jour pour les éditeurs : schemas/actor.schema.json." in result.stdout
    assert stale.read_bytes() == (schemas_dir() / "actor.schema.json").read_bytes()


def test_review_names_the_migration_behind_a_change(instance):
    repo = git.Repo(instance)
    upgrade(cwd=instance)
    repo.git.add("-A")
    repo.index.commit("communs upgrade")
    result = review("HEAD~1", "HEAD", content_dir=instance / "content")
    (change,) = result.records
    assert change.migrations == ["communes-fusionnees"] and change.moved
    text = format_markdown(result)
    assert "Réécrite par la migration `communes-fusionnees` de communs 0.1.0 : Fiches d'une commune fusionnée" in text
    # The same move made by hand, with another change, is a person's: no migration is named.
    path = instance / "content/actors/63160/amis-du-vieux-aulhat.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("Sauvegarde du patrimoine", "Sauvegarde et mise en valeur du patrimoine"), encoding="utf-8")
    repo.git.add("-A")
    repo.index.commit("Résumé précisé")
    (change,) = review("HEAD~2", "HEAD", content_dir=instance / "content").records
    assert change.migrations == []


def test_a_missing_content_folder_is_a_usage_error(tmp_path):
    result = upgrade("--content", "absent", cwd=tmp_path)
    assert result.returncode == 2 and "le dossier des fiches absent n'existe pas" in result.stderr
