"""The service with a forge API: the pull request is opened on (a faithful stand-in of) GitHub,
GitLab and Gitea, and a forge that fails keeps the submission queued until it answers."""

from __future__ import annotations

import git
import pytest
from conftest import ROOT
from fakeforge import FakeGitea, FakeGitHub, FakeGitLab
from service_helpers import demo_remote
from starlette.testclient import TestClient
from test_service import ACTOR, token

from communs.contrib.service import ServiceConfig, create_app

TOKEN = "forge-token-Zq81xK2mP"


class RemoteBranches:
    """The fake forge knows the branches the service really pushed to the bare remote."""

    def __init__(self, remote) -> None:
        self.remote = remote

    def __contains__(self, name: str) -> bool:
        return name in {b.name for b in git.Repo(self.remote).branches}

    def add(self, name: str) -> None:
        return None


FORGES = {
    "github": (FakeGitHub, "", "owner/name"),
    "gitlab": (FakeGitLab, "/api/v4", "group/sub/name"),
    "gitea": (FakeGitea, "/api/v1", "owner/name"),
}


@pytest.mark.parametrize("kind", sorted(FORGES))
def test_pull_request_is_opened_on_the_forge(kind, httpserver, tmp_path, monkeypatch, caplog):
    remote = demo_remote(tmp_path, ROOT / "content")
    fake_class, prefix, project = FORGES[kind]
    fake = fake_class(httpserver, prefix=prefix, project=project, token=TOKEN)
    fake.branches = RemoteBranches(remote)
    monkeypatch.setenv("COMMUNS_FORGE_TOKEN", TOKEN)
    config = ServiceConfig.load(None, {"repository": str(remote), "forge": kind, "project": project, "api_url": fake.api_url,
                                       "data_dir": str(tmp_path / "service"), "min_fill_seconds": 0})
    with TestClient(create_app(config, start_worker=False)) as client:
        fake.answer_next("POST", 503, {"message": "Service Unavailable"})
        first = client.post("/api/submissions", json={"kind": "actor", "record": ACTOR, "token": token(client)})
        assert first.status_code == 202 and first.json()["status"] == "queued"
        assert TOKEN not in first.text
        service = client.app.state.service
        receipt = first.json()["receipt"]
        # The request left the forge to the worker (not started here): its first try meets a 503.
        assert service.desk.deliver(service.desk.store.get(receipt)).status == "pushed"
        pending = service.desk.store.get(receipt)
        pending.next_attempt = 0
        service.desk.deliver(pending)
        status = client.get(f"/api/submissions/{first.json()['receipt']}").json()
        assert status["status"] == "opened" and status["pull_request"].startswith("https://")
        assert len(fake.posts()) == 2  # the failed one, then the one that opened it
        assert fake.violations == []
    assert TOKEN not in caplog.text
    for path in (tmp_path / "service").rglob("*"):
        if path.is_file() and path.name != "secret" and "objects" not in path.parts:
            assert TOKEN.encode() not in path.read_bytes(), path
