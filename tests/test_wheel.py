"""The package as an instance gets it: the wheel, installed in a fresh virtual environment away
from this checkout, starts a directory for Clermont Auvergne Métropole that validates, builds
and refuses records from elsewhere.

Offline by design: the wheel is built with the test environment's setuptools, and installed
without its dependencies, which the fresh environment finds through a .pth file naming the test
environment's site-packages (a .pth line adds a folder, not the .pth files inside it, so the
checkout's editable install stays out). `pip check` then proves the wheel's declared
dependencies are met, and the fresh environment is shown to import communs and every resource it
ships from its own site-packages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from ci_lint import actionlint, check_jsonschema, check_policies

ROOT = Path(__file__).resolve().parents[1]
CLERMONT_COMMUNES = 21

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A virtual environment with the built wheel installed; returns its bin/ folder."""
    scratch = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_wheel.py"), "--out", str(scratch / "dist")],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (scratch / "dist").glob("communs-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("communs/schemas/actor.schema.json", "communs/data/communes.csv", "communs/data/epci.csv", "communs/theme/templates/home.html",
                    "communs/vendor/leaflet/leaflet.js", "communs/vendor/leaflet.markercluster/leaflet.markercluster.js",
                    "communs/instance/pelicanconf.py", "communs/instance/github/workflows/validate.yml"):
        assert shipped in names, shipped
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        capture_output=True, text=True, check=True, env=_outside()).stdout.strip())
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                               capture_output=True, text=True, check=False, env=_outside())
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # Only now the dependencies: pip would take the checkout's editable install for the wheel.
    dependencies = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (site_packages / "zz-test-dependencies.pth").write_text("\n".join(dependencies) + "\n", encoding="utf-8")
    return venv / "bin"


def _outside() -> dict[str, str]:
    """The environment without what would lead Python back to the checkout (PYTHONPATH)."""
    return {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "COMMUNS_", "VIRTUAL_ENV"))}


def run(bin_dir: Path, *arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    """A command of the fresh environment, as an instance's maintainer runs it: no PYTHONPATH,
    away from the checkout."""
    environment = _outside()
    environment["PATH"] = f"{bin_dir}{os.pathsep}{environment.get('PATH', '')}"
    return subprocess.run([str(bin_dir / arguments[0]), *arguments[1:]], cwd=cwd, env=environment, capture_output=True, text=True,
                          check=False, stdin=subprocess.DEVNULL)


def test_the_fresh_environment_uses_the_wheel_and_nothing_of_the_checkout(fresh, tmp_path):
    probe = run(fresh, "python", "-c", (
        "import json, sys, communs; from communs import resources; from communs.site import vendor; "
        "print(json.dumps({'module': communs.__file__, 'checkout': str(resources.checkout_dir()), 'paths': sys.path, "
        "'vendor': sorted({str(p.parent.parent) for p in vendor.vendor_sources().values()})}))"
    ), cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["module"].startswith(str(fresh.parent)) and found["checkout"] == "None"
    assert str(ROOT / "plugins") not in found["paths"]
    assert all(path.startswith(str(fresh.parent)) for path in found["vendor"]), found["vendor"]
    check = run(fresh, "python", "-m", "pip", "--version", cwd=tmp_path)
    if check.returncode == 0:  # pip is reachable through the test environment's site-packages
        dependencies = run(fresh, "python", "-m", "pip", "check", cwd=tmp_path)
        assert dependencies.returncode == 0, dependencies.stdout + dependencies.stderr


def test_init_validate_build_and_refuse_for_clermont(fresh, tmp_path):
    started = run(fresh, "communs", "init", "annuaire", "--territory", "246300701", "--forge", "github",
                  "--project", "clermont-metropole/annuaire", "--maintainer", "@clermont-metropole/annuaire", cwd=tmp_path)
    assert started.returncode == 0, started.stdout + started.stderr
    instance = tmp_path / "annuaire"

    validated = run(fresh, "communs", "validate", cwd=instance)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "2 fiches vérifiées : aucun problème." in validated.stdout

    built = run(fresh, "communs", "build", cwd=instance)
    assert built.returncode == 0, built.stdout + built.stderr
    home = (instance / "output" / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<ul class="communes">(.*?)</ul>', home, re.S)
    assert listed and len(re.findall(r"<li>", listed[0])) == CLERMONT_COMMUNES
    for name in ("Clermont-Ferrand", "Chamalières", "Cournon-d&#39;Auvergne", "Aubière", "Pont-du-Château", "Saint-Genès-Champanelle"):
        assert name in listed[0], name
    config = json.loads(re.search(r'\{"id":"carte-communes".*?\}', home).group(0))
    lat, lon = config["center"]
    assert 45.71 < lat < 45.86 and 3.0 < lon < 3.25, config  # between the communes' extremes
    features = json.loads((instance / "output" / "communes" / "carte.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) == CLERMONT_COMMUNES
    assert (instance / "output" / "theme" / "vendor" / "leaflet" / "leaflet.js").is_file()
    assert (instance / "output" / "acteurs" / "exemple-association" / "index.html").is_file()

    # A record of Riom, in the next intercommunality, is refused in French.
    riom = instance / "content" / "actors" / "63300" / "atelier-de-riom.yml"
    riom.parent.mkdir(parents=True)
    riom.write_text(
        "id: atelier-de-riom\nname: Atelier de Riom\nkind: association\nsummary: Ateliers de réparation de vélos.\n"
        'themes: [transports]\ncommune: "63300"\n', encoding="utf-8")
    refused = run(fresh, "communs", "validate", cwd=instance)
    assert refused.returncode == 1
    assert ("Riom (63300) est hors du territoire de cet annuaire (Clermont Auvergne Métropole) (elle fait partie de "
            "CA Riom Limagne et Volcans) : une fiche doit porter sur une commune du territoire.") in refused.stdout
    not_built = run(fresh, "communs", "build", "--output", "output-2", cwd=instance)
    assert not_built.returncode == 1 and not (instance / "output-2").exists()


def test_the_instances_workflows_pass_our_lint(fresh, tmp_path):
    started = run(fresh, "communs", "init", "annuaire", "--territory", "Clermont Auvergne Métropole", "--forge", "github",
                  "--project", "clermont-metropole/annuaire", "--maintainer", "@clermont-metropole/annuaire", "--vide", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    instance = tmp_path / "annuaire"
    workflows = sorted((instance / ".github" / "workflows").glob("*.yml"))
    linted = actionlint(*(p.relative_to(instance) for p in workflows), cwd=instance)
    assert linted.returncode == 0 and json.loads(linted.stdout) == [], linted.stdout + linted.stderr
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        assert check_jsonschema(schema, *workflows).returncode == 0
    for path in workflows:
        check_policies(path)
    checked = run(fresh, "communs", "maintainers", "--check", cwd=instance)
    assert checked.returncode == 0, checked.stdout + checked.stderr
