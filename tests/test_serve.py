"""`communs serve`: the site on localhost, rebuilt when a record changes."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from conftest import DEMO_EPOCH, ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def test_serve_builds_serves_and_rebuilds_on_change(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    port = _free_port()
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), SOURCE_DATE_EPOCH=DEMO_EPOCH)
    server = subprocess.Popen(
        [sys.executable, "-m", "communs.cli", "serve", "--content", str(content), "--output", str(tmp_path / "output"),
         "--settings", str(ROOT / "pelicanconf.py"), "--port", str(port)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        page = f"http://127.0.0.1:{port}/acteurs/compagnie-ti-kaz/"
        assert _wait_for(lambda: "Compagnie Ti Kaz" in _get(page), 120), "the site was never served"
        # Its pages are rendered on demand until the first build is complete (test below): waited for.
        assert _wait_for(lambda: _answer(f"http://127.0.0.1:{port}/donnees/acteurs.json")[0] == 200, 400), "the first build never ended"
        # A missing page gets the site's own 404 page, in French, with a 404 status.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nulle-part/", timeout=5)
            raise AssertionError("a missing page was served")
        except urllib.error.HTTPError as error:
            assert error.code == 404 and "Page introuvable" in error.read().decode("utf-8")
        record = content / "actors" / "97411" / "compagnie-ti-kaz.yml"
        record.write_text(record.read_text(encoding="utf-8").replace("name: Compagnie Ti Kaz", "name: Compagnie Ti Kaz Lontan"), encoding="utf-8")
        assert _wait_for(lambda: "Compagnie Ti Kaz Lontan" in _get(page), 120), "the change was never rebuilt"
        # A broken record is reported and the last good site stays served.
        record.write_text(record.read_text(encoding="utf-8").replace("kind: association", "kind: asso"), encoding="utf-8")
        time.sleep(8)
        assert "Compagnie Ti Kaz Lontan" in _get(page)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Site servi sur http://127.0.0.1" in output
    assert "[not-in-list]" in output
    assert "Traceback" not in output


def _answer(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_serve_renders_pages_while_the_first_build_runs(tmp_path):
    """The server starts before the build: over an empty output, a page asked for is rendered on
    the spot from the validated records, with the bytes the build then writes; files that are not
    pages (exports, search index) answer a page saying the site is being built (503, reloading
    itself) until the build is complete."""
    port = _free_port()
    output = tmp_path / "output"
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), SOURCE_DATE_EPOCH=DEMO_EPOCH)
    server = subprocess.Popen(
        [sys.executable, "-m", "communs.cli", "serve", "--content", str(ROOT / "content"), "--output", str(output),
         "--settings", str(ROOT / "pelicanconf.py"), "--port", str(port)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    answers: list[tuple[int, bytes, dict]] = []
    try:
        assert _wait_for(lambda: answers.append(_answer(f"{base}/")) or True, 60), "the server never answered"
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', answers[0][1].decode("utf-8")).group(1)
        style = _answer(f"{base}{stylesheet}")  # asked before the data file below, which proves the build was not done
        data = _answer(f"{base}/donnees/acteurs.json")
        actor = _answer(f"{base}/acteurs/compagnie-ti-kaz/")
        nowhere = _answer(f"{base}/nulle-part/")
        status, home, headers = answers[0]
        assert status == 200 and "communs" in home.decode("utf-8") and headers["Cache-Control"] == "no-store"
        assert actor[0] == 200 and "Compagnie Ti Kaz" in actor[1].decode("utf-8")
        assert style[0] == 200 and style[1]  # the theme's files are copied before any page is rendered
        for waiting in (data, nowhere):  # not a page, or no page there: after the build
            assert waiting[0] == 503 and "Le site se construit" in waiting[1].decode("utf-8") and 'http-equiv="refresh"' in waiting[1].decode("utf-8")
        # a whole build of the demo on a loaded machine
        assert _wait_for(lambda: _answer(f"{base}/donnees/acteurs.json")[0] == 200, 400), "the site was never served"
        assert home == (output / "index.html").read_bytes()
        assert actor[1] == (output / "acteurs" / "compagnie-ti-kaz" / "index.html").read_bytes()
        assert _answer(f"{base}/")[1] == home
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert "Traceback" not in log


def test_serve_on_a_port_already_taken_says_so_and_builds_nothing(tmp_path):
    """Another copy still running on the port: a message in French naming the port and what to
    do, the usage exit status, and no site written (not « Erreur interne »)."""
    output = tmp_path / "output"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), SOURCE_DATE_EPOCH=DEMO_EPOCH)
        done = subprocess.run(
            [sys.executable, "-m", "communs.cli", "serve", "--content", str(ROOT / "content"), "--output", str(output),
             "--settings", str(ROOT / "pelicanconf.py"), "--port", str(port)],
            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert f"Impossible d'écouter sur 127.0.0.1:{port}" in done.stderr and "choisissez un autre port" in done.stderr
    assert "Erreur interne" not in done.stderr and "Traceback" not in done.stderr
    assert not any(output.rglob("*.html"))
