"""Two real copies of the contribution service (two `communs contrib` processes) on one data
folder, as behind a load balancer: one signing key, tokens spent once across both, one rate
limit, one receipt for a record sent to both at once, nothing half-written left behind."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import git
import httpx
import pytest
from conftest import ROOT
from service_helpers import NEW_ACTOR, demo_remote, free_port

ACTOR = NEW_ACTOR


class Copies:
    def __init__(self, tmp_path: Path, **settings) -> None:
        self.remote = demo_remote(tmp_path, ROOT / "content")
        self.data = tmp_path / "service"
        config = tmp_path / "contrib.toml"
        lines = [f'repository = "{self.remote}"', 'forge = "git"', f'data_dir = "{self.data}"', 'site_url = "http://site.test"', "min_fill_seconds = 0"]
        lines += [f"{key} = {value}" for key, value in settings.items()]
        config.write_text("[service]\n" + "\n".join(lines) + "\n", encoding="utf-8")
        self.urls, self.processes = [], []
        for number in range(2):
            port = free_port()
            log = open(tmp_path / f"copy-{number}.log", "wb")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "communs.cli", "contrib", "--config", str(config), "--port", str(port)],
                stdout=log, stderr=subprocess.STDOUT,
            ))
            self.urls.append(f"http://127.0.0.1:{port}")
        self.logs = [tmp_path / f"copy-{number}.log" for number in range(2)]
        deadline = time.monotonic() + 60
        for url in self.urls:
            while True:
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("a copy of the service did not start:\n" + "\n".join(p.read_text(errors="replace") for p in self.logs))
                time.sleep(0.1)

    def token(self, copy: int) -> str:
        return httpx.get(self.urls[copy] + "/api/form-token").json()["token"]

    def submit(self, copy: int, record: dict, token: str) -> httpx.Response:
        payload = {"kind": "actor", "action": "create", "record": record, "token": token}
        return httpx.post(self.urls[copy] + "/api/submissions", json=payload, timeout=60)

    def branches(self) -> list[str]:
        return sorted(b.name for b in git.Repo(self.remote).branches if b.name.startswith("contrib/"))

    def stop(self) -> str:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)
        return "\n".join(p.read_text(errors="replace") for p in self.logs)


@pytest.fixture
def copies(tmp_path):
    running = Copies(tmp_path, submissions_per_hour=3)
    yield running
    running.stop()


def test_two_copies_share_the_key_the_spent_tokens_and_the_limit(copies):
    # A token made by one copy is good on the other: they signed it with one key.
    token = copies.token(0)
    first = copies.submit(1, ACTOR, token)
    assert first.status_code == 202, first.text
    # Spent on copy 1, it serves nothing else on copy 0.
    replayed = copies.submit(0, {**ACTOR, "name": "Atelier de trop"}, token)
    assert replayed.status_code == 403 and "déjà servi" in replayed.json()["message"]
    # The limit (3 an hour) counts the submissions made on both copies.
    assert copies.submit(0, {**ACTOR, "name": "Atelier numéro deux"}, copies.token(0)).status_code == 202
    assert copies.submit(1, {**ACTOR, "name": "Atelier numéro trois"}, copies.token(1)).status_code == 202
    over = copies.submit(0, {**ACTOR, "name": "Atelier numéro quatre"}, copies.token(0))
    assert over.status_code == 429 and "Trop d'envois" in over.json()["message"]
    assert len(copies.branches()) == 3
    logs = copies.stop()
    assert "Traceback" not in logs


def test_a_record_sent_to_both_copies_at_once_gets_one_receipt(tmp_path):
    copies = Copies(tmp_path, submissions_per_hour=100)
    try:
        receipts = []
        for number in range(6):
            record = {**ACTOR, "name": f"Atelier en double numéro {number}"}
            tokens = [copies.token(0), copies.token(1)]
            answers: list[httpx.Response] = [None, None]
            barrier = threading.Barrier(2)

            def send(copy: int) -> None:
                barrier.wait()
                answers[copy] = copies.submit(copy, record, tokens[copy])

            threads = [threading.Thread(target=send, args=(copy,)) for copy in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
            assert answers[0].json()["receipt"] == answers[1].json()["receipt"]
            receipts.append(answers[0].json()["receipt"])
        assert len(set(receipts)) == 6 and len(copies.branches()) == 6
        assert len(list((copies.data / "submissions").glob("*.json"))) == 6
        # One export of the base commit, no half-made one, no temporary file.
        assert len(list((copies.data / "base").iterdir())) == 1
        assert not list(copies.data.glob(".export-*")) and not list(copies.data.rglob("*.tmp"))
    finally:
        logs = copies.stop()
    assert "Traceback" not in logs and " 500 " not in logs
