"""``communs sources pull --propose``: each source's changes as one pull request, never on ``main``.

In a Git working copy whose content folder is clean, for each source that brought changes:

1. the changed files (records, import state, fetch state) are committed on top of the base
   commit with a private index (``GIT_INDEX_FILE``): the working copy's index and branch are not
   touched; the commit's author is the directory's robot with a no-reply address;
2. the content folder is put back as the base has it, so the next source starts from the base
   too (one request per source, each readable on its own);
3. the commit is pushed to ``sources/<name>`` on the remote — unless the remote branch already
   holds the same tree on the same base (a second pull with no news pushes nothing);
4. a pull request from that branch to the base branch is opened through the forge back-end
   (``communs.contrib.forges``: GitHub, GitLab, Gitea/Forgejo), with ``communs review``'s summary as
   its description; an open request for the branch is found and kept rather than duplicated.

The forge token is read from the environment by the caller and never written anywhere.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from communs.i18n import _
from communs.importers.pull import PullResult

BRANCH_PREFIX = "sources/"
ROBOT_NAME = "communs (sources)"
ROBOT_EMAIL = "sources@users.noreply.communs.invalid"
GIT_TIMEOUT = 120


class ProposeError(Exception):
    """Git or the forge refused (French message; no secret in it)."""


@dataclass
class Proposal:
    branch: str
    commit: str
    pushed: bool  # False: the remote branch already held the same change
    url: str | None = None
    created: bool = False  # a new pull request (False: the open one was kept, or no forge)


class Workspace:
    """The Git working copy a pull runs in: its base commit and its content folder."""

    def __init__(self, root: Path, content_dir: Path, remote: str, base_branch: str, *, http_header: str | None = None) -> None:
        self.root = root
        # The forge token, as an HTTP header for the commands that talk to the remote: given to
        # git through its environment (GIT_CONFIG_*), never on a command line, in a URL or a file.
        self._remote_env = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader", "GIT_CONFIG_VALUE_0": http_header} if http_header else {}
        self.content = content_dir.resolve().relative_to(root.resolve()).as_posix()
        self.remote = remote
        self.base_branch = base_branch
        self.base = self.git("rev-parse", "HEAD").strip()

    def git(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
        try:
            done = subprocess.run(["git", *args], cwd=self.root, env=environment, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as error:
            raise ProposeError(_("git {command} n'a pas répondu en {seconds} s.").format(command=args[0], seconds=GIT_TIMEOUT)) from error
        if check and done.returncode != 0:
            raise ProposeError(_("git {command} a échoué : {error}").format(command=args[0], error=done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode))
        return done.stdout

    def dirty(self) -> list[str]:
        """Changed or untracked files of the content folder and of sources.yml."""
        out = self.git("status", "--porcelain", "--untracked-files=all", "--", self.content, "sources.yml")
        return [line[3:] for line in out.splitlines() if line.strip()]

    def commit(self, message: str) -> str | None:
        """The content folder as it stands, committed on the base (None when identical to it)."""
        with tempfile.TemporaryDirectory(prefix="communs-index-") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.git("read-tree", self.base, env=env)
            self.git("add", "--all", "--", self.content, env=env)
            tree = self.git("write-tree", env=env).strip()
        if tree == self.git("rev-parse", f"{self.base}^{{tree}}").strip():
            return None
        robot = {"GIT_AUTHOR_NAME": ROBOT_NAME, "GIT_AUTHOR_EMAIL": ROBOT_EMAIL, "GIT_COMMITTER_NAME": ROBOT_NAME, "GIT_COMMITTER_EMAIL": ROBOT_EMAIL}
        return self.git("commit-tree", tree, "-p", self.base, "-m", message, env=robot).strip()

    def reset_content(self) -> None:
        """The content folder back as the base has it (records written by a pull removed)."""
        self.git("checkout", self.base, "--", self.content)
        self.git("clean", "-fdq", "--", self.content)

    def keep_locally(self, commit: str, branch: str) -> None:
        """The branch in the working copy too (``communs review main sources/<name>`` reads it),
        unless it is the branch checked out there."""
        current = self.git("symbolic-ref", "--quiet", "HEAD", check=False).strip()
        if current != f"refs/heads/{branch}":
            self.git("update-ref", f"refs/heads/{branch}", commit)

    def push(self, commit: str, branch: str) -> bool:
        """Push ``commit`` to ``branch`` unless the remote branch holds the same tree on the same base."""
        remote_line = self.git("ls-remote", "--heads", self.remote, f"refs/heads/{branch}", env=self._remote_env).strip()
        remote_sha = ""
        if remote_line:
            remote_sha = remote_line.split()[0]
            self.git("fetch", "--quiet", "--no-tags", self.remote, f"refs/heads/{branch}", env=self._remote_env)
            same_tree = self.git("rev-parse", f"{remote_sha}^{{tree}}").strip() == self.git("rev-parse", f"{commit}^{{tree}}").strip()
            same_base = self.git("rev-parse", f"{remote_sha}^").strip() == self.base
            if same_tree and same_base:
                return False
            # A person added commits to the branch (a fix in the forge's editor): never erased.
            authors = set(self.git("log", "--format=%ae", f"{self.base}..{remote_sha}").split())
            if authors - {ROBOT_EMAIL}:
                raise ProposeError(_("la branche {branch} a des commits d'une personne : fusionnez ou fermez sa demande de fusion, puis relancez le relevé.").format(branch=branch))
        # Replaced only if it is still what was just read (another run may have pushed meanwhile).
        self.git("push", "--quiet", f"--force-with-lease=refs/heads/{branch}:{remote_sha}", self.remote, f"{commit}:refs/heads/{branch}", env=self._remote_env)
        return True


def token_header(forge_kind: str, token: str) -> str:
    """The HTTP header that lets git push with a forge token (the user name each forge expects)."""
    import base64

    user = {"github": "x-access-token", "gitlab": "oauth2"}.get(forge_kind, "communs")
    return "Authorization: Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def title_of(result: PullResult) -> str:
    return _("Source {title} : {summary}").format(title=result.source.title or result.source.name, summary=result.line().split(" : ", 1)[-1])


def commit_message(result: PullResult) -> str:
    return (
        f"Source {result.source.name}: {result.created} new, {result.updated} changed, {len(result.gone)} missing from the source\n\n"
        f"Pulled by communs sources pull from {result.source.location}."
    )


def body_of(result: PullResult, review_text: str) -> str:
    source = result.source
    head = [
        _("Relevé automatique de la source **{name}** ({format}) : {line}.").format(name=source.name, format=source.format, line=result.line().split(" : ", 1)[-1]),
        "",
        _("Adresse : {location}").format(location=source.location),
    ]
    if result.gone:
        head += ["", _("Les fiches que la source ne donne plus sont marquées « absente de la source » (source.missing_since), pas supprimées : à vous de voir si elles doivent partir.")]
    if result.conflicts:
        head += ["", _("Des champs modifiés à la main et changés dans la source ont été gardés tels que modifiés à la main (conflits) : voir le détail ci-dessous.")]
    head += ["", _("Rien n'est fusionné sans votre relecture. Une demande fermée sans fusion revient au relevé suivant tant que la source donne ces changements.")]
    return "\n".join(head) + "\n\n" + review_text


def propose(workspace: Workspace, result: PullResult, *, forge, describe: Callable[[str, str], str]) -> Proposal | None:
    """Commit, push and open the pull request of one source's pull (None: nothing to propose).
    The content folder is put back as the base has it in every case."""
    try:
        commit = workspace.commit(commit_message(result))
    finally:
        workspace.reset_content()
    if commit is None:
        return None
    branch = BRANCH_PREFIX + result.source.name
    workspace.keep_locally(commit, branch)
    pushed = workspace.push(commit, branch)
    proposal = Proposal(branch, commit, pushed)
    if forge is None:
        return proposal
    from communs.contrib.forges import ForgeError

    try:
        request = forge.open_pull_request(branch=branch, base=workspace.base_branch, title=title_of(result), body=body_of(result, describe(workspace.base, commit)))
    except ForgeError as error:
        raise ProposeError(_("la forge a refusé la demande de fusion : {error}").format(error=error)) from error
    proposal.url, proposal.created = request.url, request.created
    return proposal
