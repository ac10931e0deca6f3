"""A real contribution service on a free localhost port (uvicorn in a thread), for tests and benchmarks."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import git
import uvicorn

from communs.contrib.service import ServiceConfig, create_app

# A new actor that passes validation on the demo content: what most service tests send.
NEW_ACTOR = {
    "name": "Atelier Zot Koulèr",
    "kind": "association",
    "summary": "Atelier de peinture et de fresques pour les jeunes du quartier.",
    "themes": ["culture"],
    "commune": "97411",
}


def demo_remote(root: Path, content: Path) -> Path:
    """A bare repository holding ``content`` on main, as a forge would."""
    work = root / "work"
    shutil.copytree(content, work / "content")
    repository = git.Repo.init(work, initial_branch="main")
    with repository.config_writer() as config:
        config.set_value("user", "name", "Maintainer")
        config.set_value("user", "email", "maintainer@example.org")
    repository.git.add(A=True)
    repository.index.commit("Demo directory")
    bare = root / "remote.git"
    git.Repo.clone_from(work, bare, bare=True)
    return bare


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningService:
    def __init__(self, **settings) -> None:
        self.port = free_port()
        config = ServiceConfig.load(None, {"host": "127.0.0.1", "port": self.port, **settings})
        self.app = create_app(config)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "RunningService":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
