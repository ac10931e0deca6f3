"""`communs serve`: the site on localhost, rebuilt when a record changes."""

from __future__ import annotations

import os
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


def test_serve_answers_at_once_while_the_first_build_runs(tmp_path):
    """The server starts before the build: a visitor meets a page saying the site is being built
    (503, reloading itself), then the site."""
    port = _free_port()
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), SOURCE_DATE_EPOCH=DEMO_EPOCH)
    server = subprocess.Popen(
        [sys.executable, "-m", "communs.cli", "serve", "--content", str(ROOT / "content"), "--output", str(tmp_path / "output"),
         "--settings", str(ROOT / "pelicanconf.py"), "--port", str(port)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    answers: list[tuple[int, str]] = []

    def first_answer() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                answers.append((response.status, response.read().decode("utf-8")))
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.read().decode("utf-8")))
        return True

    try:
        assert _wait_for(first_answer, 60), "the server never answered"
        status, body = answers[0]
        assert status == 503 and "Le site se construit" in body and 'http-equiv="refresh"' in body
        assert _wait_for(lambda: "communs" in _get(f"http://127.0.0.1:{port}/"), 400), "the site was never served"  # a whole build of the demo on a loaded machine
    finally:
        server.terminate()
        server.communicate(timeout=30)
