"""The command line as scripts and CI use it: formats, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import ACTOR, replace_line

from communs.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real program in a child process, as a shell would start it."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"))
    return subprocess.run([sys.executable, "-m", "communs.cli", *args], capture_output=True, text=True, cwd=cwd, env=environment)


def test_valid_tree_exits_0_with_a_summary(tree):
    tree.actor()
    result = CliRunner().invoke(main, ["validate", "--content", str(tree.content)])
    assert result.exit_code == 0, result.output
    assert "1 fiche vérifiée : aucun problème." in result.output


def test_invalid_tree_exits_1_with_file_line_code_and_message(tree):
    path = tree.actor(replace_line(ACTOR, "kind: association", "kind: asso"))
    result = run("validate", "--content", str(tree.content))
    assert result.returncode == 1
    line = next(l for l in result.stdout.splitlines() if "[not-in-list]" in l)
    assert f"{path}:4:7: erreur [not-in-list] kind — « kind » : « asso »" in line
    assert "Vouliez-vous écrire « association » ?" in line
    assert "1 fiche vérifiée : 1 erreur." in result.stdout
    assert "Traceback" not in result.stderr


def test_warnings_alone_exit_0(tree):
    tree.actor(replace_line(ACTOR, "website: https://", "website: http://"))
    result = CliRunner().invoke(main, ["validate", "--content", str(tree.content)])
    assert result.exit_code == 0
    assert "1 avertissement" in result.output


def test_github_format_prints_workflow_annotations(tree):
    tree.actor(replace_line(ACTOR, "kind: association", "kind: asso"))
    result = run("validate", "--content", "content", "--format", "github", cwd=tree.root)
    assert result.returncode == 1
    annotation = result.stdout.splitlines()[0]
    assert annotation.startswith("::error file=content/actors/97411/compagnie-ti-kaz.yml,line=4,col=7,title=not-in-list kind::")
    assert "« asso »" in annotation


def test_github_annotations_escape_newlines_and_separators():
    from communs.records.problems import problem
    from communs.records.reporting import format_github

    text = format_github([problem("yaml-syntax", "a\nb % c", file="a,b:c.yml", line=1, column=2)], 1)
    assert text.splitlines()[0] == "::error file=a%2Cb%3Ac.yml,line=1,col=2,title=yaml-syntax::a%0Ab %25 c"


def test_json_format_has_checked_errors_and_warnings(tree):
    tree.actor(replace_line(replace_line(ACTOR, "kind: association", "kind: asso"), "website: https://", "website: http://"))
    result = run("validate", "--content", str(tree.content), "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["checked"] == 1
    assert [e["code"] for e in document["errors"]] == ["not-in-list"]
    assert [w["code"] for w in document["warnings"]] == ["url-not-https"]
    error = document["errors"][0]
    assert set(error) == {"file", "line", "column", "record_id", "pointer", "code", "severity", "message"}
    assert (error["line"], error["column"], error["record_id"], error["pointer"]) == (4, 7, "compagnie-ti-kaz", "/kind")


def test_usage_errors_exit_2_in_french_without_traceback(tree):
    missing = run("validate", "--content", str(tree.root / "absent"))
    assert missing.returncode == 2
    assert "Erreur : Le dossier des fiches" in missing.stderr and "Traceback" not in missing.stderr
    unknown_option = run("validate", "--nope")
    assert unknown_option.returncode == 2
    bad_format = run("validate", "--format", "xml")
    assert bad_format.returncode == 2
    absent_file = run("validate", "--content", str(tree.content), str(tree.content / "actors" / "x.yml"))
    assert absent_file.returncode == 2 and "n'existe pas" in absent_file.stderr


def test_help_texts_are_in_french():
    result = CliRunner().invoke(main, ["validate", "--help"])
    assert result.exit_code == 0
    assert "Vérifier les fiches" in result.output and "--changed-since" in result.output


def test_stats_summarise_the_directory(tree):
    tree.actor()
    result = CliRunner().invoke(main, ["validate", "--content", str(tree.content), "--stats"])
    assert "Annuaire : 1 acteur et 0 événement dans 1 commune." in result.output
    assert "97411 Saint-Denis" in result.output and "Culture" in result.output


# --- Files that are not regular files ------------------------------------------------------------


def run_briefly(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``run`` with a time limit: reading a FIFO would wait forever, and so would the test."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"))
    return subprocess.run([sys.executable, "-m", "communs.cli", *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=60)


def test_a_fifo_named_on_the_command_line_is_reported_never_opened(tree):
    fifo = tree.content / "actors" / "97411" / "tube.yml"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    result = run_briefly("validate", "--content", "content", "--format", "json", "content/actors/97411/tube.yml", cwd=tree.root)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["checked"] == 0 and [e["code"] for e in document["errors"]] == ["special-file"]
    error = document["errors"][0]
    assert error["file"] == "content/actors/97411/tube.yml"
    assert error["message"].startswith("content/actors/97411/tube.yml est un tube nommé (FIFO), pas un fichier ordinaire : il n'est pas lu.")


def test_a_fifo_in_the_tree_is_reported_and_the_records_beside_it_are_checked(tree):
    tree.actor()
    os.mkfifo(tree.content / "actors" / "97411" / "tube.yml")
    (tree.content / "events" / "97411").mkdir(parents=True)
    os.mkfifo(tree.content / "events" / "97411" / "notes.txt")  # whatever its name
    result = run_briefly("validate", "--content", "content", cwd=tree.root)
    assert result.returncode == 1, result.stderr
    for fifo in ("content/actors/97411/tube.yml", "content/events/97411/notes.txt"):
        assert f"{fifo}:1:1: erreur [special-file] — {fifo} est un tube nommé (FIFO), pas un fichier ordinaire" in result.stdout
    assert "1 fiche vérifiée : 2 erreurs." in result.stdout


def test_build_as_a_program_ends_with_its_status_once_everything_is_written(tmp_path):
    """`communs build` leaves the process at once when done (``cli._leave``): what it printed
    through a pipe is all there, its files and caches are written, its status is the build's, and
    no process it started is left behind (one holding the pipe would keep its caller waiting:
    a time limit makes that a failure here, not a hang)."""
    import shutil

    content, output, cache = tmp_path / "content", tmp_path / "output", tmp_path / "cache"
    shutil.copytree(ROOT / "content", content)
    arguments = ("build", "--content", str(content), "--output", str(output), "--settings", str(ROOT / "pelicanconf.py"), "--cache", str(cache), "--jobs", "1")

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"))
        return subprocess.run([sys.executable, "-m", "communs.cli", *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=300)

    built = run(*arguments, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert built.stdout.rstrip().splitlines()[-1].startswith("Site construit dans"), built.stdout
    assert json.loads((output / "donnees" / "acteurs.json").read_text(encoding="utf-8"))["count"] > 0
    assert (output / "acteurs" / "compagnie-ti-kaz" / "index.html").is_file()
    again = run(*arguments, cwd=tmp_path)  # the stamp and caches were saved before leaving
    assert again.returncode == 0 and "rien n'a changé" in again.stdout, again.stdout
    record = content / "actors" / "97411" / "compagnie-ti-kaz.yml"
    record.write_text(record.read_text(encoding="utf-8").replace("\nname:", "\nnom:", 1), encoding="utf-8")
    refused = run(*arguments, cwd=tmp_path)
    assert refused.returncode == 1
    assert "compagnie-ti-kaz.yml" in refused.stdout and "Le site n'est pas construit" in refused.stderr
    left = [pid for pid in os.listdir("/proc") if pid.isdigit() and str(output).encode() in _command_line(pid)]
    assert not left, "processes of the build outlived it"


def _command_line(pid: str) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return b""
