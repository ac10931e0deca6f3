"""Shared fixtures: a throw-away content tree with valid records to break one field at a time."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from communs.records.problems import Problem
from communs.records.validation import Report, validate

SCHEMA_HINT = "# yaml-language-server: $schema=../../../schemas/{kind}.schema.json\n"

ACTOR = """\
id: compagnie-ti-kaz
name: Compagnie Ti Kaz
kind: association
summary: Théâtre jeune public et ateliers d'écriture en créole.
description: |
  La compagnie crée des spectacles pour les enfants.

  - ateliers le mercredi
  - tournées dans les écoles
themes: [culture, education]
disciplines: [theatre]
commune: "97411"
address:
  street: 12 rue de Paris
  postal_code: "97400"
geo: {lat: -20.8789, lon: 55.4481}
contact:
  website: https://ti-kaz.example.org
  email: contact@ti-kaz.example.org
  phone: +262 262 00 12 34
identifiers:
  siret: "12345678000014"
opening_hours: Mo-Fr 09:00-17:00
"""

EVENT = """\
id: 2026-12-20-kabar-fet-kaf
title: Kabar de la Fèt Kaf
type: concert
summary: Soirée maloya en plein air pour le 20 décembre.
themes: [culture, vivre-ensemble]
organizers: [compagnie-ti-kaz]
commune: "97411"
venue:
  name: Jardin de l'État
  address: {postal_code: "97400"}
  geo: {lat: -20.8823, lon: 55.4504}
start: "2026-12-20T18:00:00+04:00"
end: "2026-12-20T23:00:00+04:00"
price: {free: true}
"""


class Tree:
    """A content directory in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        (self.content / "actors").mkdir(parents=True)
        (self.content / "events").mkdir(parents=True)

    def write(self, kind: str, commune: str, name: str, text: str | bytes, *, hint: bool = True) -> Path:
        folder = self.content / {"actor": "actors", "event": "events", "call": "calls"}[kind] / commune
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            body = (SCHEMA_HINT.format(kind=kind) if hint else "") + textwrap.dedent(text)
            path.write_text(body, encoding="utf-8")
        return path

    def actor(self, text: str = ACTOR, commune: str = "97411", name: str = "compagnie-ti-kaz.yml") -> Path:
        return self.write("actor", commune, name, text)

    def event(self, text: str = EVENT, commune: str = "97411", name: str = "2026-12-20-kabar-fet-kaf.yml") -> Path:
        return self.write("event", commune, name, text)

    def call(self, text: str, commune: str = "97411", name: str = "benevoles-pour-le-kabar.yml") -> Path:
        return self.write("call", commune, name, text)

    def validate(self, *files: Path, **options) -> Report:
        return validate(self.content, list(files) if files else None, jobs=1, **options)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path)


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def codes(report: Report) -> list[str]:
    return [p.code for p in report.problems]


def only(report: Report, code: str) -> Problem:
    """The single problem with ``code``; fails with the whole report otherwise."""
    found = [p for p in report.problems if p.code == code]
    assert len(found) == 1, [(p.code, p.line, p.message) for p in report.problems]
    return found[0]


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


# --- Built sites ----------------------------------------------------------------------------

import functools  # noqa: E402
import http.server  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# The demo's reference day: 23 November 2026, 12:00 in La Réunion.
DEMO_EPOCH = "1795420800"


def build_site(content: Path, output: Path, *extra: str, epoch: str = DEMO_EPOCH) -> subprocess.CompletedProcess:
    """`communs build` in a child process, as a maintainer runs it."""
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), SOURCE_DATE_EPOCH=epoch)
    return subprocess.run(
        [sys.executable, "-m", "communs.cli", "build", "--content", str(content), "--output", str(output), "--settings", str(ROOT / "pelicanconf.py"),
         "--cache", str(output.parent / f"{output.name}-cache"), *extra],
        capture_output=True, text=True, cwd=ROOT, env=environment,
    )


@pytest.fixture(scope="session")
def demo():
    """The demo's records as the build reads them, loaded once (tests only read them). A test
    module may define its own ``demo`` (another view of the demo) in its place."""
    from communs.records.directory import load_directory

    directory, _report = load_directory(ROOT / "content", jobs=1)
    return directory


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("site") / "output"
    result = build_site(ROOT / "content", output)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


class Server:
    """A static file server on a free localhost port."""

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        return


@pytest.fixture(scope="session")
def demo_server(demo_site):
    server = Server(demo_site)
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (see browser_helpers)."""
    from browser_helpers import chromium

    with chromium() as instance:
        yield instance
