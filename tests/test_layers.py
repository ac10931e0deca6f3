"""The package's layout is its architecture: every module imports, and imports run one way.

cli -> maintain / importers -> contrib -> site -> records -> settings / i18n / fingerprints /
collector -> resources. A module may import its own subsystem and the ones below it, never one above or beside
it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import communs

# Rank of each subsystem: a module may import a module of lower rank, or of its own subsystem.
LAYERS = {
    "communs.resources": 0,
    "communs.fingerprints": 1,
    "communs.settings": 1,
    "communs.i18n": 1,
    "communs.collector": 1,
    "communs.records": 2,
    "communs.site": 3,
    "communs.contrib": 4,
    "communs.maintain": 5,
    "communs.importers": 5,
    "communs.cli": 6,
}
# The package itself holds ``__version__`` (anyone may read it) and Pelican's entry point (which
# loads the site plugin when Pelican calls it).
PACKAGE = "communs"
SUBSYSTEMS = ("records", "site", "contrib", "maintain", "importers")

MODULES = sorted(info.name for info in pkgutil.walk_packages(communs.__path__, "communs."))


def subsystem(module: str) -> str:
    for name in sorted(LAYERS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    raise AssertionError(f"{module} belongs to no subsystem: add it to a folder (or to LAYERS)")


def imported(source: str) -> list[tuple[int, str]]:
    """Every communs module a module's source imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"line {node.lineno}: relative import; name the module in full")
        elif isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            # from communs import x: x is a subsystem, or __version__ (the package itself)
            found += [(node.lineno, PACKAGE if alias.name == "__version__" else f"{PACKAGE}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == PACKAGE or name.startswith(PACKAGE + ".")]


def wrong_way(module: str, source: str) -> list[str]:
    """The imports of ``module`` that reach a subsystem above or beside its own."""
    own = subsystem(module)
    wrong = []
    for line, target in imported(source):
        if target == PACKAGE:
            continue  # __version__
        other = subsystem(target)
        if other != own and LAYERS[other] >= LAYERS[own]:
            wrong.append(f"{module}:{line} imports {target} ({other} is not below {own})")
    return wrong


def source_of(module: str) -> str:
    return Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8")


def test_the_subsystems_are_folders_with_a_docstring_and_nothing_else():
    root = Path(communs.__file__).parent
    for name in SUBSYSTEMS:
        init = root / name / "__init__.py"
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init} says what the subsystem is for"
        assert len(tree.body) == 1, f"{init} holds only its docstring"
        assert "Public face" in ast.get_docstring(tree)
    loose = sorted(p.stem for p in root.glob("*.py") if p.stem != "__init__")
    assert loose == ["cli", "collector", "fingerprints", "i18n", "resources", "settings"]


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module):
    importlib.import_module(module)


@pytest.mark.parametrize("module", [m for m in MODULES if m != PACKAGE])
def test_imports_run_one_way(module):
    wrong = wrong_way(module, source_of(module))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("module", "source", "allowed"),
    [
        ("communs.records.rules", "from communs.site import urls\n", False),
        ("communs.records.rules", "def f():\n    from communs.contrib.lookup import Lookup\n", False),
        ("communs.site.pages", "import communs.cli\n", False),
        ("communs.maintain.review", "from communs.importers.run import run_import\n", False),
        ("communs.i18n", "from communs.records import dates\n", False),
        ("communs.site.pages", "from communs.records import dates\nfrom communs.site.urls import record\n", True),
        ("communs.maintain.audit", "from communs import __version__\n", True),
        ("communs.cli", "from communs.contrib.service import create_app\n", True),
    ],
)
def test_the_rule_itself(module, source, allowed):
    """The check sees an import that runs back up, even one hidden in a function."""
    assert (wrong_way(module, source) == []) is allowed
