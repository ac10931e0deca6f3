"""The catalogue of problem codes is complete, documented and used."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from communs.records.problems import CODES, Problem

ROOT = Path(__file__).resolve().parents[2]


def test_documentation_of_codes_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "document_codes.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_code_is_raised_somewhere_and_tested():
    sources = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "plugins" / "communs").rglob("*.py") if path.name != "problems.py")
    tests = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*.py"))
    for code in CODES:
        if code in ("schema",):
            continue  # the fallback for keywords our schemas do not use
        assert re.search(rf'"{re.escape(code)}"', sources), f"{code} is never raised"
        assert code in tests.replace("test_problems.py", ""), f"{code} has no test"


def test_unknown_codes_are_refused():
    with pytest.raises(ValueError):
        Problem(code="made-up", message="x")
