"""The contribution service's Git side: a private mirror of the repository, the base branch's
content as files to validate against, and commits made without any working copy.

A submission's commit is built with Git plumbing and a private index file (``GIT_INDEX_FILE``):
read the base tree, add the one file, write the tree, commit, push ``<sha>:refs/heads/<branch>``.
Nothing is checked out, so concurrent submissions cannot corrupt a working copy, and the base
branch is never touched.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import git

BASE_REF = "refs/communs/base"
REMOTE_TIMEOUT = 120  # seconds a fetch, push or ls-remote may take
STALE_EXPORT = 600.0  # seconds after which an unused export of an old base commit is removed


class WorkspaceError(Exception):
    """Git could not do what was asked; the message is safe to log (no token, no URL)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Author:
    name: str
    email: str


class Workspace:
    def __init__(self, data_dir: Path, remote: str, base: str, *, fetch_interval: float = 5.0, http_header: str | None = None) -> None:
        self.data_dir = data_dir
        self.remote = remote
        self.base = base
        self.fetch_interval = fetch_interval
        # An HTTP header for fetch and push (forge token): given to git through its environment,
        # never on a command line that could be logged.
        self._auth_env = (
            {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader", "GIT_CONFIG_VALUE_0": http_header}
            if http_header
            else {}
        )
        self.mirror_dir = data_dir / "mirror.git"
        self._lock = threading.Lock()
        # Concurrent pushes to one remote contend for its ref locks and fail; they are short, so
        # they take turns.
        self._push_lock = threading.Lock()
        self._fetched_at = 0.0
        self._base_sha: str | None = None
        self.repo = self._open()

    def _open(self) -> git.Repo:
        self.mirror_dir.parent.mkdir(parents=True, exist_ok=True)
        # Copies of the service started together on one data folder would create the mirror at
        # once (and fail on its config file's lock): the first creates it, the others open it.
        # Always under the lock: a mirror whose HEAD is written may still lack the rest.
        import fcntl

        descriptor = os.open(self.data_dir / "mirror.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if (self.mirror_dir / "HEAD").exists() and (self.mirror_dir / "config").exists():
                repo = git.Repo(self.mirror_dir)
                if repo.git.config("--get", "gc.auto", with_exceptions=False) == "0":
                    return repo
            repo = git.Repo.init(self.mirror_dir, bare=True)
            repo.git.config("gc.auto", "0")
            return repo
        finally:
            os.close(descriptor)

    def _git(self, *args: str, env: dict | None = None, remote: bool = False) -> str:
        options: dict = {}
        if remote:
            # A remote that accepts the connection and never answers must not hold the worker
            # forever: git gives up on a stalled transfer, and the command is killed after a while.
            env = dict(env or os.environ, GIT_HTTP_LOW_SPEED_LIMIT="1000", GIT_HTTP_LOW_SPEED_TIME="30", **self._auth_env)
            options["kill_after_timeout"] = REMOTE_TIMEOUT
        if env:
            options["env"] = env
        try:
            return self.repo.git.execute(["git", *args], **options)
        except git.GitCommandError as error:
            # The command line may hold the remote's URL: never repeat it.
            raise WorkspaceError(f"git {args[0]} failed (status {error.status})", retryable=True) from None

    # The base branch ---------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> str:
        """Fetch the base branch (at most every ``fetch_interval`` seconds); its commit sha."""
        with self._lock:
            if force or self._base_sha is None or time.monotonic() - self._fetched_at >= self.fetch_interval:
                self._git("fetch", "--quiet", "--no-tags", self.remote, f"+refs/heads/{self.base}:{BASE_REF}", remote=True)
                self._base_sha = self.repo.git.rev_parse(BASE_REF)
                self._fetched_at = time.monotonic()
            return self._base_sha

    def current(self) -> str:
        """The base branch's commit as last fetched; fetched now only if it never was."""
        with self._lock:
            known = self._base_sha
        return known if known is not None else self.refresh()

    def content_dir(self, sha: str) -> Path:
        """The base commit's ``content/`` as files (exported once per commit, kept read-only).

        Several copies of the service may export the same commit at once: each extracts to a
        folder of its own and renames it into place; the first rename wins, the others remove
        theirs. Exports of other commits are removed once no copy has used them for a while."""
        with self._lock:
            target = self.data_dir / "base" / sha
            if not target.is_dir():
                staging = Path(tempfile.mkdtemp(prefix=".export-", dir=self.data_dir))
                try:
                    archive = self.repo.git.execute(["git", "archive", "--format=tar", sha, "content"], stdout_as_string=False, strip_newline_in_stdout=False)
                    with tarfile.open(fileobj=io.BytesIO(archive)) as bundle:
                        bundle.extractall(staging, filter="data")
                    (staging / "content").mkdir(exist_ok=True)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.rename(staging, target)
                    except OSError:
                        if not target.is_dir():
                            raise
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
            os.utime(target)  # in use: not stale
            self._prune(keep=sha)
            return target / "content"

    def _prune(self, keep: str) -> None:
        """Remove exports of other commits unused for STALE_EXPORT seconds, and the staging
        folders of exports that a kill interrupted."""
        now = time.time()
        stale = [p for p in (self.data_dir / "base").glob("*") if p.name != keep]
        stale += list(self.data_dir.glob(".export-*"))
        for path in stale:
            try:
                if now - path.stat().st_mtime > STALE_EXPORT:
                    shutil.rmtree(path, ignore_errors=True)
            except FileNotFoundError:
                continue

    def file_at(self, sha: str, path: str) -> bytes | None:
        try:
            return self.repo.git.execute(["git", "show", f"{sha}:{path}"], stdout_as_string=False, strip_newline_in_stdout=False)
        except git.GitCommandError:
            return None

    # Making and pushing a commit ---------------------------------------------------------------

    def commit_changes(self, base_sha: str, changes: dict[str, bytes | None], message: str, author: Author) -> str:
        """A commit on top of ``base_sha`` that writes each file (or, with None, deletes it)."""
        with tempfile.TemporaryDirectory(prefix="index-", dir=self.data_dir) as scratch:
            env = dict(os.environ, GIT_INDEX_FILE=str(Path(scratch) / "index"))
            env.update(
                GIT_AUTHOR_NAME=author.name, GIT_AUTHOR_EMAIL=author.email,
                GIT_COMMITTER_NAME=author.name, GIT_COMMITTER_EMAIL=author.email,
            )
            self._git("read-tree", base_sha, env=env)
            lines = []
            for path, content in sorted(changes.items()):
                if content is None:
                    lines.append(f"0 {'0' * 40}\t{path}")  # mode 0: remove the entry
                    continue
                blob_file = Path(scratch) / "blob"
                blob_file.write_bytes(content)
                blob = self._git("hash-object", "-w", "--", str(blob_file), env=env)
                lines.append(f"100644 {blob}\t{path}")
            index_info = Path(scratch) / "index-info"
            index_info.write_text("\n".join(lines) + "\n", encoding="utf-8")
            with open(index_info, "rb") as stream:
                try:
                    self.repo.git.execute(["git", "update-index", "--index-info"], env=env, istream=stream)
                except git.GitCommandError as error:
                    raise WorkspaceError(f"git update-index failed (status {error.status})", retryable=False) from None
            tree = self._git("write-tree", env=env)
            message_file = Path(scratch) / "message"
            message_file.write_text(message, encoding="utf-8")
            return self._git("commit-tree", tree, "-p", base_sha, "-F", str(message_file), env=env)

    def push(self, sha: str, branch: str) -> None:
        """Push a commit as a new branch of the remote (never the base branch)."""
        if branch == self.base or not branch.startswith("contrib/"):
            raise ValueError("submissions only push contrib/ branches")
        with self._push_lock:
            self._git("push", "--quiet", self.remote, f"{sha}:refs/heads/{branch}", remote=True)

    def remote_branch(self, branch: str) -> str | None:
        """The sha of a branch on the remote, or None (to know whether a push already happened)."""
        output = self._git("ls-remote", "--heads", self.remote, f"refs/heads/{branch}", remote=True)
        return output.split()[0] if output.strip() else None
