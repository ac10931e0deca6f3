"""Opening the pull (merge) request for a branch the contribution service has already pushed.

One small back-end per forge (GitHub, GitLab, Gitea/Forgejo) speaking its documented REST API,
plus a plain Git remote that has no API and records the request for a maintainer instead.

Every back-end is idempotent: it first looks for an open request from the same branch and
returns it, so a retry after a lost answer never opens a second one. Failures are
``ForgeError``s that say whether a retry can help; their messages are in French and safe to show
(never the token, never the forge's own answer, never a path of this server).
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from communs.i18n import _

log = logging.getLogger(__name__)

USER_AGENT = "communs"
GITHUB_API_VERSION = "2022-11-28"

# kind -> whether trying again later can help
KINDS: dict[str, bool] = {
    "auth": False,
    "rate-limit": True,
    "not-found": False,
    "invalid": False,
    "unavailable": True,
    "network": True,
}

# GitHub documents no retry-after for some secondary rate limits: "wait at least one minute".
_DEFAULT_RATE_LIMIT_WAIT = 60.0

# Same-repository branches only: no "owner:" prefix, no "..", no component starting with "."
# or ending with ".lock" (git-check-ref-format), no characters that need quoting anywhere.
_BRANCH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(?:/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,7}")
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class PullRequest:
    url: str | None
    number: int | None
    created: bool  # False when an open request for the branch already existed


class ForgeError(Exception):
    """The forge did not open the request; ``retryable`` says whether waiting can help."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown forge error kind: {kind}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.retryable = KINDS[kind] if retryable is None else retryable

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"ForgeError(kind={self.kind!r}, status={self.status!r}, retryable={self.retryable!r}, "
            f"retry_after={self.retry_after!r}, message={self.message!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        keywords = {"status": self.status, "retry_after": self.retry_after, "retryable": self.retryable}
        return (_rebuild_error, (self.kind, self.message, keywords))


def _rebuild_error(kind: str, message: str, keywords: dict[str, Any]) -> ForgeError:
    return ForgeError(kind, message, **keywords)


class Forge(Protocol):
    kind: str

    def open_pull_request(self, *, branch: str, base: str, title: str, body: str) -> PullRequest: ...

    def describe(self) -> str: ...


# Arguments ------------------------------------------------------------------------------------


def _check_branch(branch: str, what: str) -> None:
    parts = branch.split("/") if isinstance(branch, str) else []
    if (
        not isinstance(branch, str)
        or not _BRANCH.fullmatch(branch)
        or ".." in branch
        or any(part.endswith((".lock", ".")) for part in parts)
    ):
        raise ForgeError(
            "invalid",
            _("Nom de {what} refusé : lettres, chiffres, « . », « _ », « - » et « / » seulement.").format(
                what=what
            ),
        )


def _check_request(branch: str, base: str, title: str, body: str) -> None:
    _check_branch(branch, _("branche"))
    _check_branch(base, _("branche cible"))
    if branch == base:
        raise ForgeError("invalid", _("La branche et la branche cible sont identiques."))
    if not isinstance(title, str) or not title.strip():
        raise ForgeError("invalid", _("La demande de fusion n'a pas de titre."))
    if not isinstance(body, str):
        raise ForgeError("invalid", _("La description de la demande de fusion n'est pas un texte."))


def _api_url(api_url: str) -> str:
    """The API root without trailing slash; refuses anything but a plain http(s) URL."""
    parts = urlsplit(api_url.strip()) if isinstance(api_url, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.query
        or parts.fragment
    ):
        raise ValueError(
            _("Adresse d'API de la forge invalide : une adresse http(s) sans identifiants, par exemple {example}.").format(
                example="https://gitlab.example.org/api/v4"
            )
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _owner_name(project: str, forge: str) -> tuple[str, str]:
    parts = project.strip().split("/") if isinstance(project, str) else []
    if len(parts) != 2 or not all(_SEGMENT.fullmatch(part) and part not in (".", "..") for part in parts):
        raise ValueError(
            _("Projet {forge} invalide : « propriétaire/dépôt » attendu, par exemple {example}.").format(
                forge=forge, example="association/annuaire"
            )
        )
    return parts[0], parts[1]


def _gitlab_project(project: str) -> str:
    project = project.strip() if isinstance(project, str) else ""
    if project.isdigit() and project.isascii():
        return project
    parts = project.split("/")
    if len(parts) < 2 or not all(_SEGMENT.fullmatch(part) and part not in (".", "..") for part in parts):
        raise ValueError(
            _("Projet GitLab invalide : chemin complet « groupe/sous-groupe/projet » ou identifiant numérique attendu.")
        )
    return project


# Answers --------------------------------------------------------------------------------------


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _seconds_until(value: str) -> float | None:
    """A Retry-After value (seconds or an HTTP date) as seconds from now."""
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _rate_limit_wait(headers: Mapping[str, str]) -> tuple[bool, float | None]:
    """(whether the headers say "rate limited", seconds to wait if they tell)."""
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        return True, _seconds_until(retry_after)
    # GitHub: x-ratelimit-*; GitLab: RateLimit-*. The reset is in UTC epoch seconds.
    for prefix in ("x-ratelimit-", "ratelimit-"):
        if (headers.get(prefix + "remaining") or "").strip() == "0":
            try:
                reset = float(headers.get(prefix + "reset") or "")
            except ValueError:
                return True, None
            return True, max(0.0, reset - time.time()) if math.isfinite(reset) else None
    return False, None


class _ApiForge:
    """What the three REST back-ends share: the HTTP client and the mapping of failures."""

    kind = ""
    label = ""
    default_api_url = ""

    def __init__(self, api_url: str | None, project: str, token: str, timeout: float) -> None:
        if not isinstance(token, str) or not token.strip():
            raise ValueError(_("Jeton d'accès à {forge} manquant.").format(forge=self.label))
        self.api_url = _api_url(api_url or self.default_api_url)
        self.project = project.strip()
        self.timeout = timeout
        self.__token = token.strip()

    # Identity, without the token.
    def describe(self) -> str:
        host = urlsplit(self.api_url).hostname or ""
        default_host = urlsplit(self.default_api_url).hostname
        return f"{self.label} {self.project}" + ("" if host == default_host else f" ({host})")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"

    def _auth_headers(self, token: str) -> dict[str, str]:
        raise NotImplementedError

    def _client(self) -> httpx.Client:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        headers.update(self._auth_headers(self.__token))
        return httpx.Client(headers=headers, timeout=httpx.Timeout(self.timeout), follow_redirects=False)

    def _send(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return client.request(method, self.api_url + path, **kwargs)
        except httpx.TimeoutException:
            raise ForgeError(
                "network", _("{forge} ne répond pas dans le délai imparti : nouvel essai plus tard.").format(forge=self.label)
            ) from None
        except httpx.RequestError:
            raise ForgeError(
                "network", _("Impossible de joindre {forge} : nouvel essai plus tard.").format(forge=self.label)
            ) from None

    def _failure(self, response: httpx.Response) -> ForgeError:
        """The ForgeError for an answer that is not a success (the answer's text is never kept)."""
        status = response.status_code
        forge = self.label
        limited, wait = _rate_limit_wait(response.headers)
        if status == 429 or (status == 403 and (limited or self._says_rate_limited(response))):
            if wait is None and status == 403:
                wait = _DEFAULT_RATE_LIMIT_WAIT
            return ForgeError(
                "rate-limit",
                _("{forge} limite le nombre de requêtes (HTTP {status}) : nouvel essai plus tard.").format(
                    forge=forge, status=status
                ),
                status=status,
                retry_after=wait,
            )
        if status == 401:
            message = _("{forge} refuse le jeton d'accès (HTTP 401) : vérifiez qu'il est valide et n'a pas expiré.")
            return ForgeError("auth", message.format(forge=forge), status=status)
        if status == 403:
            message = _("{forge} refuse l'accès (HTTP 403) : le jeton n'a pas les droits nécessaires sur ce dépôt.")
            return ForgeError("auth", message.format(forge=forge), status=status)
        if status == 404:
            message = _(
                "{forge} ne trouve pas le dépôt ou la branche (HTTP 404) : vérifiez le projet configuré, "
                "les droits du jeton et que la branche a bien été poussée."
            )
            return ForgeError("not-found", message.format(forge=forge), status=status)
        if 300 <= status < 400 or status == 410:
            message = _("{forge} indique que le dépôt a été déplacé ou supprimé (HTTP {status}) : mettez à jour le projet configuré.")
            return ForgeError("not-found", message.format(forge=forge, status=status), status=status)
        if status >= 500 or status == 408:
            message = _("{forge} est momentanément indisponible (HTTP {status}) : nouvel essai plus tard.")
            return ForgeError("unavailable", message.format(forge=forge, status=status), status=status, retry_after=wait)
        message = _("{forge} refuse la demande de fusion (HTTP {status}) : vérifiez la branche, la branche cible et le titre.")
        return ForgeError("invalid", message.format(forge=forge, status=status), status=status)

    def _says_rate_limited(self, response: httpx.Response) -> bool:
        return False

    def _unexpected(self) -> ForgeError:
        return ForgeError(
            "unavailable", _("{forge} a renvoyé une réponse inattendue : nouvel essai plus tard.").format(forge=self.label)
        )

    def _expect_json(self, response: httpx.Response, kind: type) -> Any:
        if response.status_code != 200 and response.status_code != 201:
            raise self._failure(response)
        data = _json(response)
        if not isinstance(data, kind):
            raise self._unexpected()
        return data

    # The operation ----------------------------------------------------------------------------

    def open_pull_request(self, *, branch: str, base: str, title: str, body: str) -> PullRequest:
        _check_request(branch, base, title, body)
        try:
            with self._client() as client:
                request = self._find(client, branch, base) or self._create(client, branch, base, title, body)
        except ForgeError as error:
            message = _("Demande de fusion non ouverte sur {forge} pour la branche {branch} ({kind}, HTTP {status}) : {message}")
            log.warning(
                message.format(
                    forge=self.describe(), branch=branch, kind=error.kind, status=error.status or "-", message=error.message
                )
            )
            raise
        if request.created:
            message = _("Demande de fusion ouverte sur {forge} pour la branche {branch} : {url}")
        else:
            message = _("Demande de fusion déjà ouverte sur {forge} pour la branche {branch} : {url}")
        log.info(message.format(forge=self.describe(), branch=branch, url=request.url))
        return request

    def _create(self, client: httpx.Client, branch: str, base: str, title: str, body: str) -> PullRequest:
        response = self._send(client, "POST", self._create_path(), json=self._create_body(branch, base, title, body))
        if response.status_code in (200, 201):
            return self._pull_request(self._expect_json(response, dict), created=True)
        if not self._already_exists(response):
            raise self._failure(response)
        # Opened meanwhile (by a previous attempt whose answer was lost), or another conflict.
        found = self._find(client, branch, base)
        if found is None:
            message = _(
                "{forge} refuse la demande de fusion (HTTP {status}) sans qu'une demande ouverte pour cette "
                "branche soit trouvée : vérifiez que la branche existe et diffère de la branche cible."
            )
            status = response.status_code
            raise ForgeError("invalid", message.format(forge=self.label, status=status), status=status)
        return found

    def _find(self, client: httpx.Client, branch: str, base: str) -> PullRequest | None:
        raise NotImplementedError

    def _create_path(self) -> str:
        raise NotImplementedError

    def _create_body(self, branch: str, base: str, title: str, body: str) -> dict[str, Any]:
        raise NotImplementedError

    def _already_exists(self, response: httpx.Response) -> bool:
        raise NotImplementedError

    def _pull_request(self, data: dict[str, Any], *, created: bool) -> PullRequest:
        raise NotImplementedError

    def _made(self, url: Any, number: Any, created: bool) -> PullRequest:
        if not isinstance(number, int) or isinstance(number, bool) or not isinstance(url, str):
            raise self._unexpected()
        return PullRequest(url=url, number=number, created=created)


class GitHubForge(_ApiForge):
    """GitHub and GitHub Enterprise Server (``api_url`` like ``https://host/api/v3``)."""

    kind = "github"
    label = "GitHub"
    default_api_url = "https://api.github.com"

    def __init__(self, api_url: str | None = None, project: str = "", token: str = "", timeout: float = 10.0) -> None:
        self.owner, self.name = _owner_name(project, self.label)
        super().__init__(api_url, project, token, timeout)
        self._repo_path = f"/repos/{quote(self.owner, safe='')}/{quote(self.name, safe='')}"

    def _auth_headers(self, token: str) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": GITHUB_API_VERSION,
        }

    def _says_rate_limited(self, response: httpx.Response) -> bool:
        # Secondary rate limits may come as a bare 403 whose message says so.
        data = _json(response)
        message = data.get("message") if isinstance(data, dict) else None
        return isinstance(message, str) and "rate limit" in message.lower()

    def _find(self, client: httpx.Client, branch: str, base: str) -> PullRequest | None:
        # head must be "owner:branch"; GitHub ignores a head filter without the owner and would
        # list every open request, hence the check of each answer below too.
        params = {"state": "open", "head": f"{self.owner}:{branch}", "base": base, "per_page": "100"}
        pulls = self._expect_json(self._send(client, "GET", self._repo_path + "/pulls", params=params), list)
        label = f"{self.owner}:{branch}".lower()
        for pull in pulls:
            if not isinstance(pull, dict):
                raise self._unexpected()
            head, target = pull.get("head") or {}, pull.get("base") or {}
            if (
                pull.get("state") == "open"
                and head.get("ref") == branch
                and str(head.get("label", "")).lower() == label
                and target.get("ref") == base
            ):
                return self._pull_request(pull, created=False)
        return None

    def _create_path(self) -> str:
        return self._repo_path + "/pulls"

    def _create_body(self, branch: str, base: str, title: str, body: str) -> dict[str, Any]:
        return {"title": title, "head": branch, "base": base, "body": body, "maintainer_can_modify": False}

    def _already_exists(self, response: httpx.Response) -> bool:
        if response.status_code != 422:
            return False
        data = _json(response)
        errors = data.get("errors") if isinstance(data, dict) else None
        return isinstance(errors, list) and any(
            isinstance(error, dict) and str(error.get("message", "")).startswith("A pull request already exists")
            for error in errors
        )

    def _pull_request(self, data: dict[str, Any], *, created: bool) -> PullRequest:
        return self._made(data.get("html_url"), data.get("number"), created)


class GitLabForge(_ApiForge):
    """GitLab.com or a self-managed GitLab (``api_url`` like ``https://host/gitlab/api/v4``)."""

    kind = "gitlab"
    label = "GitLab"
    default_api_url = "https://gitlab.com/api/v4"

    def __init__(self, api_url: str | None = None, project: str = "", token: str = "", timeout: float = 10.0) -> None:
        project = _gitlab_project(project)
        super().__init__(api_url, project, token, timeout)
        # A project path is one URL-encoded segment: group/sub/name -> group%2Fsub%2Fname.
        self._project_path = "/projects/" + quote(project, safe="")

    def _auth_headers(self, token: str) -> dict[str, str]:
        return {"PRIVATE-TOKEN": token}

    def _find(self, client: httpx.Client, branch: str, base: str) -> PullRequest | None:
        params = {"state": "opened", "source_branch": branch, "target_branch": base, "per_page": "100"}
        requests = self._expect_json(self._send(client, "GET", self._project_path + "/merge_requests", params=params), list)
        for request in requests:
            if not isinstance(request, dict):
                raise self._unexpected()
            # Same-project requests only: a fork's request from a branch of the same name is not ours.
            if (
                request.get("state") == "opened"
                and request.get("source_branch") == branch
                and request.get("target_branch") == base
                and request.get("source_project_id") == request.get("target_project_id")
            ):
                return self._pull_request(request, created=False)
        return None

    def _create_path(self) -> str:
        return self._project_path + "/merge_requests"

    def _create_body(self, branch: str, base: str, title: str, body: str) -> dict[str, Any]:
        return {
            "source_branch": branch,
            "target_branch": base,
            "title": title,
            "description": body,
            "remove_source_branch": True,
        }

    def _already_exists(self, response: httpx.Response) -> bool:
        # 409 also answers "source branch does not exist": the lookup that follows tells.
        return response.status_code == 409

    def _pull_request(self, data: dict[str, Any], *, created: bool) -> PullRequest:
        return self._made(data.get("web_url"), data.get("iid"), created)


class GiteaForge(_ApiForge):
    """Gitea and Forgejo (Codeberg by default; ``api_url`` like ``https://host/api/v1``)."""

    kind = "gitea"
    label = "Gitea"
    default_api_url = "https://codeberg.org/api/v1"
    page_size = 50
    max_pages = 40

    def __init__(self, api_url: str | None = None, project: str = "", token: str = "", timeout: float = 10.0) -> None:
        self.owner, self.name = _owner_name(project, self.label)
        super().__init__(api_url, project, token, timeout)
        self._repo_path = f"/repos/{quote(self.owner, safe='')}/{quote(self.name, safe='')}"

    def _auth_headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"token {token}"}

    def _find(self, client: httpx.Client, branch: str, base: str) -> PullRequest | None:
        # The list has no head filter on every version (GET /pulls/{base}/{head} is recent and
        # also returns closed ones), so page through the open requests. A server may cap the
        # page size below ours: stop on an empty page or once X-Total-Count is reached.
        seen = 0
        for page in range(1, self.max_pages + 1):
            params = {"state": "open", "page": str(page), "limit": str(self.page_size)}
            response = self._send(client, "GET", self._repo_path + "/pulls", params=params)
            pulls = self._expect_json(response, list)
            for pull in pulls:
                if not isinstance(pull, dict):
                    raise self._unexpected()
                head, target = pull.get("head") or {}, pull.get("base") or {}
                if (
                    pull.get("state") == "open"
                    and head.get("ref") == branch
                    and target.get("ref") == base
                    and head.get("repo_id") == target.get("repo_id")
                ):
                    return self._pull_request(pull, created=False)
            seen += len(pulls)
            total = response.headers.get("x-total-count", "")
            if not pulls or (total.isdigit() and seen >= int(total)):
                return None
        return None

    def _create_path(self) -> str:
        return self._repo_path + "/pulls"

    def _create_body(self, branch: str, base: str, title: str, body: str) -> dict[str, Any]:
        return {"head": branch, "base": base, "title": title, "body": body}

    def _already_exists(self, response: httpx.Response) -> bool:
        return response.status_code == 409

    def _pull_request(self, data: dict[str, Any], *, created: bool) -> PullRequest:
        return self._made(data.get("html_url"), data.get("number"), created)


# Plain Git remote -----------------------------------------------------------------------------


def _safe_label(remote: str) -> str:
    """A remote for logs and records: a URL loses any user:password@ part."""
    parts = urlsplit(remote)
    if parts.scheme and parts.hostname and (parts.username or parts.password):
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return remote


class GitRemoteForge:
    """No API: the request is a JSON file a maintainer reviews alongside the pushed branch."""

    kind = "git"

    def __init__(self, records_dir: Path, remote_label: str) -> None:
        self.records_dir = Path(records_dir)
        self.remote_label = _safe_label(remote_label)

    def describe(self) -> str:
        return f"Git {self.remote_label}"

    def __repr__(self) -> str:
        return f"<GitRemoteForge {self.remote_label}>"

    def record_path(self, branch: str) -> Path:
        """One file per branch; "+" cannot occur in a branch, so the name maps back to it."""
        _check_branch(branch, _("branche"))
        return self.records_dir / (branch.replace("/", "+") + ".json")

    def open_pull_request(self, *, branch: str, base: str, title: str, body: str) -> PullRequest:
        _check_request(branch, base, title, body)
        path = self.record_path(branch)
        record = {
            "branch": branch,
            "base": base,
            "title": title,
            "body": body,
            "remote": self.remote_label,
            "requested_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        try:
            created = self._write_once(path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        except OSError:
            error = ForgeError(
                "unavailable",
                _("La demande de fusion n'a pas pu être enregistrée sur le serveur : nouvel essai plus tard."),
            )
            log.warning(
                _("Demande de fusion non enregistrée pour la branche {branch} : {message}").format(
                    branch=branch, message=error.message
                )
            )
            raise error from None
        if created:
            log.info(
                _("Demande de fusion enregistrée pour la branche {branch} ({remote}).").format(
                    branch=branch, remote=self.remote_label
                )
            )
        return PullRequest(url=None, number=None, created=created)

    def _write_once(self, path: Path, text: str) -> bool:
        """Write ``path`` unless it exists; never a half-written file, even on a crash."""
        if path.exists():
            return False
        self.records_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.records_dir, prefix=".request-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            try:
                # A hard link creates the name only if it is absent: two concurrent calls for
                # one branch cannot both think they created the record.
                os.link(temporary, path)
            except FileExistsError:
                return False
            _fsync_dir(self.records_dir)
            return True
        finally:
            os.unlink(temporary)


def _fsync_dir(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# Configuration --------------------------------------------------------------------------------

FORGE_KINDS = ("git", "github", "gitlab", "gitea")


def make_forge(
    kind: str,
    *,
    api_url: str | None,
    project: str | None,
    token: str | None,
    records_dir: Path,
    timeout: float = 10.0,
) -> Forge:
    """The back-end named in the service's configuration; ``ValueError`` (French) if incomplete.

    For ``git``, ``project`` (or else ``api_url``) only labels the remote in the records.
    """
    if kind == "git":
        return GitRemoteForge(records_dir, remote_label=project or api_url or "origin")
    classes: dict[str, type[_ApiForge]] = {"github": GitHubForge, "gitlab": GitLabForge, "gitea": GiteaForge}
    if kind not in classes:
        raise ValueError(
            _("Forge inconnue : « {kind} ». Valeurs possibles : {kinds}.").format(kind=kind, kinds=", ".join(FORGE_KINDS))
        )
    forge_class = classes[kind]
    if not project or not project.strip():
        raise ValueError(
            _("Projet {forge} manquant : indiquez le dépôt où ouvrir les demandes de fusion.").format(forge=forge_class.label)
        )
    if not token or not token.strip():
        raise ValueError(
            _("Jeton d'accès à {forge} manquant : il faut un jeton qui peut ouvrir des demandes de fusion.").format(
                forge=forge_class.label
            )
        )
    return forge_class(api_url=api_url, project=project, token=token, timeout=timeout)
