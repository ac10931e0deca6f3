"""Quality bars on a sample of each page type: valid HTML (Nu Html Checker) and accessibility
(axe-core in Chromium, no serious or critical violation)."""

from __future__ import annotations

import json
import subprocess

import pytest
from browser_helpers import Visit
from conftest import ROOT
from test_browser import PAGE_TYPES

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def test_html_is_valid(demo_site):
    assert VNU.is_file(), "npm ci installs vnu-jar (make test does)"
    files = [demo_site / path.lstrip("/") / ("" if path.endswith(".html") else "index.html") for path in PAGE_TYPES]
    files = [str(f).rstrip("/") for f in files]
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--errors-only", *files], capture_output=True, text=True)
    messages = json.loads(result.stderr or "{}").get("messages", [])
    problems = [f"{m.get('url', '').rsplit('/output/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}" for m in messages]
    assert problems == []


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_serious_accessibility_violation(browser, demo_server, path):
    opened = Visit(browser, demo_server.url)
    page = opened.open(path)
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    opened.close()
    assert serious == []
