"""The contribution service against what an attacker or a bad day sends: a form token replayed, a
forge that never answers, a client that picks its own X-Forwarded-For, a missing or short signing
key, leftovers of a kill."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import git
import pytest
from conftest import ROOT
from service_helpers import NEW_ACTOR, demo_remote
from starlette.testclient import TestClient

from communs.contrib import shared
from communs.contrib.service import ConfigError, ServiceConfig, _secret, create_app
from communs.contrib.shared import SharedState

ACTOR = NEW_ACTOR


@pytest.fixture
def remote(tmp_path) -> Path:
    return demo_remote(tmp_path, ROOT / "content")


def make_client(remote: Path, tmp_path: Path, **overrides) -> TestClient:
    settings = {"repository": str(remote), "data_dir": str(tmp_path / "service"), "min_fill_seconds": 0, "site_url": "http://site.test", **overrides}
    return TestClient(create_app(ServiceConfig.load(None, settings)))


def contrib_branches(remote: Path) -> list[str]:
    return sorted(b.name for b in git.Repo(remote).branches if b.name.startswith("contrib/"))


def post(client: TestClient, record: dict, token: str, **headers) -> object:
    payload = {"kind": "actor", "action": "create", "record": record, "token": token}
    return client.post("/api/submissions", json=payload, headers=headers)


# One token, one accepted submission ------------------------------------------------------------

def test_a_form_token_serves_one_accepted_submission(remote, tmp_path):
    with make_client(remote, tmp_path) as client:
        token = client.get("/api/form-token").json()["token"]
        first = post(client, ACTOR, token)
        assert first.status_code == 202
        # The same submission again (a double click, a lost answer): the same receipt.
        again = post(client, ACTOR, token)
        assert again.status_code == 202 and again.json()["receipt"] == first.json()["receipt"]
        # Another record with the spent token: refused, nothing written.
        other = post(client, {**ACTOR, "name": "Atelier de trop"}, token)
        assert other.status_code == 403
        assert "déjà servi" in other.json()["message"]
        assert contrib_branches(remote) == [first.json()["branch"]]
        stored = list((tmp_path / "service" / "submissions").glob("*.json"))
        assert len(stored) == 1


def test_a_refused_submission_gives_its_token_back(remote, tmp_path):
    with make_client(remote, tmp_path) as client:
        token = client.get("/api/form-token").json()["token"]
        refused = post(client, {**ACTOR, "kind": "asso"}, token)
        assert refused.status_code == 422
        corrected = post(client, ACTOR, token)  # the person corrects the form and sends it again
        assert corrected.status_code == 202, corrected.text


# The network belongs to the worker ------------------------------------------------------------

class SilentForge:
    """A forge API that accepts connections and never answers, until released."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.connections = 0
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.held = []
        while not self.released.is_set():
            try:
                self.server.settimeout(0.2)
                connection, _address = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self.held.append(connection)  # answer nothing
        for connection in self.held:
            connection.close()

    def waiting_clients(self) -> int:
        """Connections whose client is still waiting for an answer (not given up and closed)."""
        waiting = 0
        for connection in list(self.held):
            connection.setblocking(False)
            try:
                while connection.recv(65536):
                    pass  # the request's bytes
            except BlockingIOError:
                waiting += 1  # nothing more to read, and not closed
            except OSError:
                pass
        return waiting

    def close(self) -> None:
        self.released.set()
        self.server.close()


def test_a_forge_that_never_answers_holds_no_request(remote, tmp_path, monkeypatch):
    forge = SilentForge()
    monkeypatch.setenv("COMMUNS_FORGE_TOKEN", "secret-token-for-tests")
    try:
        with make_client(remote, tmp_path, forge="github", project="owner/name", api_url=forge.url, delivery_wait=0.5) as client:
            token = client.get("/api/form-token").json()["token"]
            answer = post(client, ACTOR, token)
            # The answer came while the forge still held its connection: the request never waited on it.
            assert not forge.released.is_set()
            assert answer.status_code == 202 and answer.json()["status"] == "queued"
            assert answer.json()["receipt"]
            # The forge is called by the worker, which is still waiting for it: the answer did not
            # wait for the forge to time out (a request that called it would have given up first).
            deadline = time.monotonic() + 30
            while forge.connections == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert forge.connections == 1 and forge.waiting_clients() == 1
            duplicates = client.get("/api/duplicates", params={"name": "Compagnie Ti Kaz", "commune": "97411"})
            assert duplicates.status_code == 200 and duplicates.json()["duplicates"]
            assert not forge.released.is_set()
    finally:
        forge.close()


# Limits ----------------------------------------------------------------------------------------

def test_behind_a_proxy_the_address_it_added_is_counted(remote, tmp_path):
    """The left-most X-Forwarded-For entry is the client's to choose; the proxy appends the real one."""
    with make_client(remote, tmp_path, trust_proxy=True, submissions_per_hour=2) as client:
        answers = []
        for number in range(3):
            token = client.get("/api/form-token").json()["token"]
            forged = f"203.0.113.{number}, 198.51.100.7"  # a new made-up address each time, the same real one
            answers.append(post(client, {**ACTOR, "name": f"Atelier numéro {number}"}, token, **{"X-Forwarded-For": forged}))
        assert [a.status_code for a in answers] == [202, 202, 429]
        assert "Trop d'envois" in answers[2].json()["message"]
        assert len(contrib_branches(remote)) == 2


def test_forgotten_clients_are_evicted(tmp_path, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(shared.time, "time", lambda: now[0])
    state = SharedState(tmp_path)
    for number in range(3000):
        state.hit("submissions", f"198.51.{number // 256}.{number % 256}", 3600.0)
        now[0] += 2.0  # one new client every two seconds, for almost two hours
    # Only the last hour's clients are remembered, not every client ever seen.
    assert state.clients("submissions") == 1800
    assert state.hits("submissions", "198.51.0.0", 3600.0) == (0, 0.0)


# The signing key --------------------------------------------------------------------------------

def test_copies_starting_together_share_one_full_key(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMUNS_SERVICE_SECRET", raising=False)
    config = ServiceConfig.load(None, {"repository": "x"})
    keys, errors = [], []
    barrier = threading.Barrier(16)

    def start() -> None:
        barrier.wait()
        try:
            keys.append(_secret(config, tmp_path / "service"))
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(repr(error))

    threads = [threading.Thread(target=start) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
    assert [p.name for p in (tmp_path / "service").iterdir()] == ["secret"]  # no temporary file left
    assert oct((tmp_path / "service" / "secret").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("content", ["", "\n", "short"])
def test_an_empty_or_short_key_is_refused(tmp_path, monkeypatch, content):
    monkeypatch.delenv("COMMUNS_SERVICE_SECRET", raising=False)
    (tmp_path / "secret").write_text(content)
    with pytest.raises(ConfigError, match="empty or too short"):
        _secret(ServiceConfig.load(None, {"repository": "x"}), tmp_path)
    assert (tmp_path / "secret").read_text() == content  # left for the operator to see


def test_a_short_key_in_the_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNS_SERVICE_SECRET", "abc")
    with pytest.raises(ConfigError, match="at least 32"):
        _secret(ServiceConfig.load(None, {"repository": "x"}), tmp_path)
    assert not (tmp_path / "secret").exists()


# What a kill leaves behind ----------------------------------------------------------------------

def test_temporary_files_of_a_killed_copy_are_removed_at_start_up(remote, tmp_path):
    submissions = tmp_path / "service" / "submissions"
    submissions.mkdir(parents=True)
    old = submissions / ".ABCDEFGHJKLM.json.4242.1234.tmp"
    old.write_text("{")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    export = tmp_path / "service" / ".export-abc123"
    export.mkdir()
    (export / "half-written.yml").write_text("id: x\n")
    os.utime(export, (hour_ago, hour_ago))
    fresh = submissions / ".NPQRSTUVWXYZ.json.4243.1.tmp"  # another copy writing right now
    fresh.write_text("{")
    with make_client(remote, tmp_path) as client:
        client.app.state.service.desk.base()
        assert client.get("/healthz").status_code == 200
    assert not old.exists() and not export.exists()
    assert fresh.exists()


# Pull request titles ----------------------------------------------------------------------------

def test_a_pull_request_title_is_one_line(remote, tmp_path):
    with make_client(remote, tmp_path) as client:
        token = client.get("/api/form-token").json()["token"]
        answer = post(client, {**ACTOR, "name": "Atelier\nZot Koulèr"}, token)
        if answer.status_code == 202:
            (request,) = (tmp_path / "service" / "requests").glob("*.json")
            title = json.loads(request.read_text())["title"]
            assert title == "Ajout : Atelier Zot Koulèr (Saint-Denis)"
        else:
            assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "name"
        for character in ("\u2028", "\u0085", "\x0b", "\x0c"):
            answer = post(client, {**ACTOR, "name": f"Atelier{character}Zot"}, client.get("/api/form-token").json()["token"])
            assert answer.status_code == 422, character
            assert "caractère invisible interdit" in answer.json()["errors"][0]["message"]
