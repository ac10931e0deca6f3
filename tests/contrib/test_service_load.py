"""50 contributions at once: each gets its own branch with exactly its record, none is lost, the
service's Git mirror stays sound, and those sent while the remote was down are pushed later."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import git
import httpx
import yaml
from conftest import ROOT
from service_helpers import RunningService, demo_remote

COUNT, DOWN_FOR = 50, 20


def record(number: int) -> dict:
    return {
        "name": f"Collectif du quartier numéro {number}",
        "kind": "collectif",
        "summary": f"Un collectif d'habitants, le numéro {number} de cet essai de charge.",
        "themes": ["vivre-ensemble"],
        "commune": "97411",
    }


def test_fifty_concurrent_submissions_with_the_remote_down_for_the_first_twenty(tmp_path):
    remote = demo_remote(tmp_path, ROOT / "content")
    away = tmp_path / "remote-away.git"
    with RunningService(repository=str(remote), data_dir=str(tmp_path / "service"), min_fill_seconds=0, submissions_per_hour=1000) as service:
        with httpx.Client(base_url=service.url, timeout=60) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            client.get("/api/duplicates", params={"name": "x", "commune": "97411"})  # the mirror fetches main
            tokens = [client.get("/api/form-token").json()["token"] for _ in range(COUNT)]

            def send(number: int) -> dict:
                payload = {"kind": "actor", "action": "create", "record": record(number), "token": tokens[number]}
                with httpx.Client(base_url=service.url, timeout=120) as own:
                    answer = own.post("/api/submissions", json=payload)
                assert answer.status_code == 202, answer.text
                return answer.json()

            remote.rename(away)  # the remote cannot be reached...
            with ThreadPoolExecutor(max_workers=DOWN_FOR) as pool:
                first = list(pool.map(send, range(DOWN_FOR)))
            assert all(item["status"] == "queued" for item in first)
            away.rename(remote)  # ...and is back
            with ThreadPoolExecutor(max_workers=COUNT - DOWN_FOR) as pool:
                rest = list(pool.map(send, range(DOWN_FOR, COUNT)))
            receipts = [item["receipt"] for item in first + rest]
            assert len(set(receipts)) == COUNT

            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                states = [client.get(f"/api/submissions/{receipt}").json()["status"] for receipt in receipts]
                if all(state == "opened" for state in states):
                    break
                time.sleep(1)
            assert states.count("opened") == COUNT

    repository = git.Repo(remote)
    contrib = [branch for branch in repository.branches if branch.name.startswith("contrib/")]
    assert len(contrib) == COUNT
    seen = set()
    for branch in contrib:
        changed = repository.git.diff("--name-only", "main", branch.name).splitlines()
        assert len(changed) == 1 and changed[0].startswith("content/actors/97411/collectif-du-quartier-numero-")
        data = yaml.safe_load(repository.git.show(f"{branch.name}:{changed[0]}"))
        seen.add(data["name"])
        assert changed[0].endswith(f"/{data['id']}.yml")
    assert seen == {record(n)["name"] for n in range(COUNT)}
    repository.git.fsck("--strict")
    git.Repo(tmp_path / "service" / "mirror.git").git.fsck()
    assert [b.name for b in repository.branches if not b.name.startswith("contrib/")] == ["main"]
