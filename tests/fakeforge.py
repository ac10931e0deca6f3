"""Fake forges on pytest-httpserver that hold clients to the documented REST APIs.

Each fake answers only the routes the back-ends need, checks every request (method, path,
headers and their format, query parameters, JSON fields and their types) and answers as the
real forge documents it, errors included: a request the real forge would refuse is refused with
its status and error shape, and noted in ``violations`` so a test fails even if the client
happened to cope. State (branches, open requests) is kept so idempotency can be observed.

References: GitHub REST "Create a pull request" / "List pull requests" (API version
2022-11-28); GitLab "Merge requests API" (POST/GET /projects/:id/merge_requests); Gitea/Forgejo
swagger (repoCreatePullRequest, repoListPullRequests).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass
class Seen:
    """A request as the fake received it."""

    method: str
    path: str  # decoded
    raw_path: str  # as sent on the wire, percent-encoding kept
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Canned:
    method: str
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status=status, headers=headers or {})
    if isinstance(body, str):
        return Response(body, status=status, headers=headers or {}, content_type="text/plain; charset=utf-8")
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json; charset=utf-8")


class FakeForge:
    """Routing, recording, canned answers; subclasses implement one forge's API."""

    def __init__(self, server: HTTPServer, *, prefix: str, project: str, token: str, branches: set[str] | None = None) -> None:
        self.server = server
        self.prefix = prefix.rstrip("/")
        self.project = project
        self.token = token
        self.branches = set(branches or {"main"})
        self.pulls: list[dict[str, Any]] = []
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self._canned: list[Canned] = []
        self._delayed = threading.Condition()
        self._delays_pending = 0
        server.expect_request(re.compile("^" + re.escape(self.prefix) + "/.*")).respond_with_handler(self._handle)

    @property
    def api_url(self) -> str:
        return self.server.url_for(self.prefix or "/").rstrip("/")

    def answer_next(self, method: str, status: int, body: Any = None, headers: dict[str, str] | None = None, *, delay: float = 0.0) -> None:
        """The next request with this method gets this answer instead of the API's."""
        self._canned.append(Canned(method, status, body, dict(headers or {}), delay))
        if delay:
            with self._delayed:
                self._delays_pending += 1

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every delayed answer was given: the server is single-threaded, and a
        request still sleeping would hold up the next test's requests."""
        with self._delayed:
            self._delayed.wait_for(lambda: self._delays_pending == 0, timeout)

    def posts(self) -> list[Seen]:
        return [seen for seen in self.requests if seen.method == "POST"]

    def violation(self, text: str, response: Response) -> Response:
        self.violations.append(text)
        return response

    def _handle(self, request: Request) -> Response:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
        seen = Seen(
            method=request.method,
            path=request.path,
            raw_path=raw.split("?", 1)[0],
            query={key: request.args.getlist(key) for key in request.args},
            headers={key.lower(): value for key, value in request.headers.items()},
            body=request.get_data(),
        )
        self.requests.append(seen)
        refused = self.check(seen)
        if refused is not None:
            return refused
        for canned in self._canned:
            if canned.method == seen.method:
                self._canned.remove(canned)
                if canned.delay:
                    time.sleep(canned.delay)
                    with self._delayed:
                        self._delays_pending -= 1
                        self._delayed.notify_all()
                return _reply(canned.status, canned.body, canned.headers)
        return self.route(seen)

    def check(self, seen: Seen) -> Response | None:
        """The forge's refusal of the request's headers (authentication first), or None."""
        raise NotImplementedError

    def route(self, seen: Seen) -> Response:
        raise NotImplementedError

    # Shared checks ------------------------------------------------------------------------------

    def _single_query(self, seen: Seen, allowed: set[str]) -> dict[str, str] | str:
        unknown = set(seen.query) - allowed
        if unknown:
            return f"unknown query parameters {sorted(unknown)}"
        repeated = [key for key, values in seen.query.items() if len(values) != 1]
        if repeated:
            return f"repeated query parameters {repeated}"
        return {key: values[0] for key, values in seen.query.items()}

    def _json_object(self, seen: Seen) -> dict[str, Any] | str:
        if not seen.headers.get("content-type", "").startswith("application/json"):
            return "body not sent as application/json"
        try:
            data = json.loads(seen.body)
        except ValueError:
            return "body is not JSON"
        if not isinstance(data, dict):
            return "body is not a JSON object"
        return data

    @staticmethod
    def _fields(data: dict[str, Any], required: dict[str, type], optional: dict[str, type]) -> str | None:
        """A complaint about the fields, or None: unknown, missing or of the wrong JSON type."""
        for key in data:
            if key not in required and key not in optional:
                return f"unknown field {key!r}"
        for key in required:
            if key not in data:
                return f"missing field {key!r}"
        for key, value in data.items():
            kind = required.get(key) or optional[key]
            if kind is int and isinstance(value, bool):
                return f"field {key!r} is not {kind.__name__}"
            if not isinstance(value, kind):
                return f"field {key!r} is not {kind.__name__}"
        return None


# GitHub -------------------------------------------------------------------------------------------

GITHUB_DOCS = "https://docs.github.com/rest/pulls/pulls"


class FakeGitHub(FakeForge):
    """GitHub REST API 2022-11-28; GitHub Enterprise Server when ``prefix`` is "/api/v3"."""

    LIST_PARAMS = {"state", "head", "base", "sort", "direction", "per_page", "page"}
    CREATE_REQUIRED = {"head": str, "base": str, "title": str}
    CREATE_OPTIONAL = {"head_repo": str, "body": str, "maintainer_can_modify": bool, "draft": bool, "issue": int}

    def __init__(self, server: HTTPServer, *, prefix: str = "", project: str = "owner/name", token: str, web: str = "https://github.example", **kwargs: Any) -> None:
        super().__init__(server, prefix=prefix, project=project, token=token, **kwargs)
        self.web = web
        self.repo_id = 1296269

    def error(self, status: int, message: str, **extra: Any) -> Response:
        return _reply(status, {"message": message, **extra, "documentation_url": GITHUB_DOCS, "status": str(status)})

    def check(self, seen: Seen) -> Response | None:
        if "user-agent" not in seen.headers:
            return self.violation("no User-Agent", self.error(403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"))
        authorization = seen.headers.get("authorization")
        if authorization is None:
            return self.violation("no Authorization", self.error(401, "Requires authentication"))
        if not authorization.startswith("Bearer "):
            return self.violation("Authorization is not 'Bearer <token>'", self.error(401, "Bad credentials"))
        if seen.headers.get("x-github-api-version") != "2022-11-28":
            return self.violation("X-GitHub-Api-Version is not 2022-11-28", self.error(400, "API version is not supported."))
        if seen.headers.get("accept") != "application/vnd.github+json":
            self.violations.append("Accept is not application/vnd.github+json")
        if authorization != f"Bearer {self.token}":
            return self.error(401, "Bad credentials")
        return None

    def route(self, seen: Seen) -> Response:
        match = re.fullmatch(re.escape(self.prefix) + r"/repos/([^/]+)/([^/]+)/pulls", seen.raw_path)
        if not match:
            return self.violation(f"unknown route {seen.method} {seen.raw_path}", self.error(404, "Not Found"))
        if f"{match[1]}/{match[2]}".lower() != self.project.lower():
            return self.error(404, "Not Found")
        if seen.method == "GET":
            return self.list(seen)
        if seen.method == "POST":
            return self.create(seen)
        return self.violation(f"method {seen.method}", self.error(404, "Not Found"))

    def list(self, seen: Seen) -> Response:
        query = self._single_query(seen, self.LIST_PARAMS)
        if isinstance(query, str):
            return self.violation(query, self.error(422, "Validation Failed"))
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            return self.violation(f"state={state}", self.error(422, "Validation Failed"))
        per_page = query.get("per_page", "30")
        if not per_page.isdigit() or not 1 <= int(per_page) <= 100:
            return self.violation(f"per_page={per_page}", self.error(422, "Validation Failed"))
        pulls = [pull for pull in self.pulls if state in ("all", pull["state"])]
        head = query.get("head")
        if head is not None:
            # "user:ref-name"; without the owner GitHub ignores the filter, as done here.
            if ":" in head:
                pulls = [pull for pull in pulls if pull["head"]["label"].lower() == head.lower()]
            else:
                self.violations.append(f"head={head} lacks the 'owner:' prefix")
        if "base" in query:
            pulls = [pull for pull in pulls if pull["base"]["ref"] == query["base"]]
        return _reply(200, pulls[: int(per_page)])

    def create(self, seen: Seen) -> Response:
        data = self._json_object(seen)
        if isinstance(data, str):
            return self.violation(data, self.error(400, "Problems parsing JSON"))
        complaint = self._fields(data, self.CREATE_REQUIRED, self.CREATE_OPTIONAL)
        if complaint:
            return self.violation(complaint, self.error(422, f"Invalid request.\n\n{complaint}."))
        owner = self.project.split("/")[0]
        if ":" in data["head"]:
            self.violations.append("head has an 'owner:' prefix for a same-repository request")
        missing = [name for name in ("head", "base") if data[name] not in self.branches]
        if missing:
            errors = [{"resource": "PullRequest", "field": name, "code": "invalid"} for name in missing]
            return self.error(422, "Validation Failed", errors=errors)
        for pull in self.pulls:
            same_repo = pull["head"]["repo"]["full_name"] == self.project
            if same_repo and pull["state"] == "open" and pull["head"]["ref"] == data["head"] and pull["base"]["ref"] == data["base"]:
                message = f"A pull request already exists for {owner}:{data['head']}."
                return self.error(422, "Validation Failed", errors=[{"resource": "PullRequest", "code": "custom", "message": message}])
        pull = self.add_pull(data["head"], data["base"], title=data["title"], body=data.get("body"), maintainer_can_modify=data.get("maintainer_can_modify", False))
        return _reply(201, pull, {"Location": pull["url"]})

    def add_pull(self, head: str, base: str, *, title: str = "Fiche", body: str | None = None, state: str = "open", owner: str | None = None, maintainer_can_modify: bool = False) -> dict[str, Any]:
        """A pull request object as GitHub documents it (the fields clients use, and a few more)."""
        number = len(self.pulls) + 1
        repo_owner, name = self.project.split("/")
        head_owner = owner or repo_owner
        api = self.api_url + f"/repos/{self.project}"
        repo = {"id": self.repo_id, "name": name, "full_name": self.project, "owner": {"login": repo_owner}}
        head_repo = repo if head_owner == repo_owner else {"id": self.repo_id + number, "name": name, "full_name": f"{head_owner}/{name}", "owner": {"login": head_owner}}
        pull = {
            "url": f"{api}/pulls/{number}",
            "id": 1000 + number,
            "node_id": f"PR_{number}",
            "html_url": f"{self.web}/{self.project}/pull/{number}",
            "number": number,
            "state": state,
            "locked": False,
            "title": title,
            "user": {"login": "communs-bot", "id": 1},
            "body": body,
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "draft": False,
            "head": {"label": f"{head_owner}:{head}", "ref": head, "sha": "a" * 40, "user": {"login": head_owner}, "repo": head_repo},
            "base": {"label": f"{repo_owner}:{base}", "ref": base, "sha": "b" * 40, "user": {"login": repo_owner}, "repo": repo},
            "maintainer_can_modify": maintainer_can_modify,
            "merged": False,
        }
        self.pulls.append(pull)
        return pull


# GitLab -------------------------------------------------------------------------------------------


class FakeGitLab(FakeForge):
    """GitLab REST API v4 (``prefix`` "/api/v4", or "/gitlab/api/v4" for a relative URL install)."""

    LIST_PARAMS = {
        "state", "source_branch", "target_branch", "order_by", "sort", "milestone", "view", "labels",
        "author_id", "author_username", "assignee_id", "search", "in", "wip", "scope", "per_page", "page",
        "created_after", "created_before", "updated_after", "updated_before", "iids[]", "with_labels_details",
    }
    CREATE_REQUIRED = {"source_branch": str, "target_branch": str, "title": str}
    CREATE_OPTIONAL = {
        "assignee_id": int, "assignee_ids": list, "reviewer_ids": list, "description": str, "target_project_id": int,
        "labels": str, "milestone_id": int, "remove_source_branch": bool, "allow_collaboration": bool,
        "allow_maintainer_to_push": bool, "squash": bool, "approvals_before_merge": int,
    }

    def __init__(self, server: HTTPServer, *, prefix: str = "/api/v4", project: str = "group/sub/name", token: str, web: str = "https://gitlab.example", **kwargs: Any) -> None:
        super().__init__(server, prefix=prefix, project=project, token=token, **kwargs)
        self.web = web
        self.project_id = 42

    def check(self, seen: Seen) -> Response | None:
        token = seen.headers.get("private-token")
        if token is None:
            return self.violation("no PRIVATE-TOKEN header", _reply(401, {"message": "401 Unauthorized"}))
        if token != self.token:
            return _reply(401, {"message": "401 Unauthorized"})
        if "user-agent" not in seen.headers:
            self.violations.append("no User-Agent")
        return None

    def route(self, seen: Seen) -> Response:
        match = re.fullmatch(re.escape(self.prefix) + r"/projects/([^/]+)/merge_requests", seen.raw_path)
        if not match:
            if re.fullmatch(re.escape(self.prefix) + r"/projects/.+/merge_requests", seen.raw_path):
                # An unencoded namespace path does not reach the project route.
                return self.violation(f"project path not URL-encoded: {seen.raw_path}", _reply(404, {"error": "404 Not Found"}))
            return self.violation(f"unknown route {seen.method} {seen.raw_path}", _reply(404, {"error": "404 Not Found"}))
        project = match[1]
        if project != quote(self.project, safe="") and project != str(self.project_id):
            if unquote(project) == self.project:
                self.violations.append(f"project id encoded as {project!r}, not {quote(self.project, safe='')!r}")
            return _reply(404, {"message": "404 Project Not Found"})
        if seen.method == "GET":
            return self.list(seen)
        if seen.method == "POST":
            return self.create(seen)
        return self.violation(f"method {seen.method}", _reply(405, {"message": "405 Method Not Allowed"}))

    def list(self, seen: Seen) -> Response:
        query = self._single_query(seen, self.LIST_PARAMS)
        if isinstance(query, str):
            return self.violation(query, _reply(400, {"error": query}))
        state = query.get("state", "all")
        if state not in ("opened", "closed", "locked", "merged", "all"):
            return self.violation(f"state={state}", _reply(400, {"error": "state does not have a valid value"}))
        per_page = query.get("per_page", "20")
        if not per_page.isdigit() or not 1 <= int(per_page) <= 100:
            return self.violation(f"per_page={per_page}", _reply(400, {"error": "per_page does not have a valid value"}))
        requests = [mr for mr in self.pulls if state in ("all", mr["state"])]
        for name in ("source_branch", "target_branch"):
            if name in query:
                requests = [mr for mr in requests if mr[name] == query[name]]
        return _reply(200, requests[: int(per_page)], {"X-Total": str(len(requests)), "X-Page": "1"})

    def create(self, seen: Seen) -> Response:
        data = self._json_object(seen)
        if isinstance(data, str):
            return self.violation(data, _reply(400, {"error": "The provided content-type is not supported."}))
        for name in self.CREATE_REQUIRED:
            if name not in data:
                return self.violation(f"missing field {name!r}", _reply(400, {"error": f"{name} is missing"}))
        complaint = self._fields(data, self.CREATE_REQUIRED, self.CREATE_OPTIONAL)
        if complaint:
            name = re.search(r"'([^']+)'", complaint)[1]
            return self.violation(complaint, _reply(400, {"error": f"{name} does not have a valid value"}))
        source, target = data["source_branch"], data["target_branch"]
        # GitLab answers branch problems with 409 Conflict (errors[:validate_branches]).
        for name, branch in (("Source", source), ("Target", target)):
            if branch not in self.branches:
                return _reply(409, {"message": [f'{name} branch "{branch}" does not exist']})
        for mr in self.pulls:
            # One open request per source branch of this project; a fork's branches are its own.
            same_project = mr["source_project_id"] == self.project_id
            if same_project and mr["state"] == "opened" and mr["source_branch"] == source and mr["target_branch"] == target:
                return _reply(409, {"message": [f"Another open merge request already exists for this source branch: !{mr['iid']}"]})
        mr = self.add_pull(source, target, title=data["title"], description=data.get("description"), remove_source_branch=data.get("remove_source_branch"))
        return _reply(201, mr)

    def add_pull(self, source: str, target: str, *, title: str = "Fiche", description: str | None = None, state: str = "opened", fork: bool = False, remove_source_branch: bool | None = None) -> dict[str, Any]:
        """A merge request object as GitLab documents it."""
        iid = len(self.pulls) + 1
        mr = {
            "id": 5000 + iid,
            "iid": iid,
            "project_id": self.project_id,
            "title": title,
            "description": description,
            "state": state,
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-01-01T00:00:00.000Z",
            "target_branch": target,
            "source_branch": source,
            "author": {"id": 1, "username": "communs-bot", "name": "communs", "state": "active"},
            "source_project_id": self.project_id + (1 if fork else 0),
            "target_project_id": self.project_id,
            "labels": [],
            "draft": False,
            "work_in_progress": False,
            "merge_status": "checking",
            "sha": "a" * 40,
            "should_remove_source_branch": None,
            "force_remove_source_branch": remove_source_branch,
            "web_url": f"{self.web}/{self.project}/-/merge_requests/{iid}",
            "references": {"short": f"!{iid}", "relative": f"!{iid}", "full": f"{self.project}!{iid}"},
        }
        self.pulls.append(mr)
        return mr


# Gitea / Forgejo ----------------------------------------------------------------------------------


class FakeGitea(FakeForge):
    """Gitea/Forgejo API v1 (``prefix`` "/api/v1"); pages of at most ``max_limit`` items."""

    LIST_PARAMS = {"state", "sort", "milestone", "labels", "poster", "page", "limit"}
    CREATE_REQUIRED = {"head": str, "base": str, "title": str}
    CREATE_OPTIONAL = {
        "body": str, "assignee": str, "assignees": list, "labels": list, "milestone": int, "due_date": str,
        "reviewers": list, "team_reviewers": list,
    }

    def __init__(self, server: HTTPServer, *, prefix: str = "/api/v1", project: str = "owner/name", token: str, web: str = "https://codeberg.example", max_limit: int = 50, **kwargs: Any) -> None:
        super().__init__(server, prefix=prefix, project=project, token=token, **kwargs)
        self.web = web
        self.max_limit = max_limit
        self.repo_id = 7

    def error(self, status: int, message: str) -> Response:
        return _reply(status, {"message": message, "url": self.web + "/api/swagger"})

    def check(self, seen: Seen) -> Response | None:
        authorization = seen.headers.get("authorization")
        if authorization is None:
            return self.violation("no Authorization", self.error(401, "token is required"))
        if not authorization.startswith("token "):
            return self.violation("Authorization is not 'token <token>'", self.error(401, "invalid username, password or token"))
        if authorization != f"token {self.token}":
            return self.error(401, "invalid username, password or token")
        if "user-agent" not in seen.headers:
            self.violations.append("no User-Agent")
        return None

    def route(self, seen: Seen) -> Response:
        match = re.fullmatch(re.escape(self.prefix) + r"/repos/([^/]+)/([^/]+)/pulls", seen.raw_path)
        if not match:
            return self.violation(f"unknown route {seen.method} {seen.raw_path}", self.error(404, "The target couldn't be found."))
        if f"{match[1]}/{match[2]}".lower() != self.project.lower():
            return self.error(404, "The target couldn't be found.")
        if seen.method == "GET":
            return self.list(seen)
        if seen.method == "POST":
            return self.create(seen)
        return self.violation(f"method {seen.method}", self.error(405, "Method Not Allowed"))

    def list(self, seen: Seen) -> Response:
        query = self._single_query(seen, self.LIST_PARAMS)
        if isinstance(query, str):
            return self.violation(query, self.error(422, query))
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            return self.violation(f"state={state}", self.error(422, "invalid state"))
        page, limit = query.get("page", "1"), query.get("limit", str(self.max_limit))
        if not page.isdigit() or not limit.isdigit() or int(page) < 1 or int(limit) < 1:
            return self.violation(f"page={page} limit={limit}", self.error(422, "invalid page or limit"))
        size = min(int(limit), self.max_limit)
        pulls = [pull for pull in self.pulls if state in ("all", pull["state"])]
        start = (int(page) - 1) * size
        return _reply(200, pulls[start : start + size], {"X-Total-Count": str(len(pulls))})

    def create(self, seen: Seen) -> Response:
        data = self._json_object(seen)
        if isinstance(data, str):
            return self.violation(data, self.error(422, data))
        complaint = self._fields(data, self.CREATE_REQUIRED, self.CREATE_OPTIONAL)
        if complaint:
            return self.violation(complaint, self.error(422, complaint))
        if ":" in data["head"]:
            self.violations.append("head has an 'owner:' prefix for a same-repository request")
        if data["head"] not in self.branches or data["base"] not in self.branches:
            return self.error(404, "The target couldn't be found.")
        for pull in self.pulls:
            same_repo = pull["head"]["repo_id"] == self.repo_id
            if same_repo and pull["state"] == "open" and pull["head"]["ref"] == data["head"] and pull["base"]["ref"] == data["base"]:
                message = (
                    f"pull request already exists for these targets [id: {pull['id']}, issue_id: {pull['id']}, "
                    f"head_repo_id: {self.repo_id}, base_repo_id: {self.repo_id}, head_branch: {data['head']}, base_branch: {data['base']}]"
                )
                return self.error(409, message)
        return _reply(201, self.add_pull(data["head"], data["base"], title=data["title"], body=data.get("body", "")))

    def add_pull(self, head: str, base: str, *, title: str = "Fiche", body: str = "", state: str = "open", fork: bool = False) -> dict[str, Any]:
        """A PullRequest object as the Gitea swagger defines it (PRBranchInfo for head and base)."""
        number = len(self.pulls) + 1
        repo = {"id": self.repo_id, "name": self.project.split("/")[1], "full_name": self.project}
        head_repo_id = self.repo_id + 100 if fork else self.repo_id
        pull = {
            "id": 300 + number,
            "url": f"{self.web}/{self.project}/pulls/{number}",
            "number": number,
            "user": {"id": 1, "login": "communs-bot"},
            "title": title,
            "body": body,
            "labels": [],
            "state": state,
            "html_url": f"{self.web}/{self.project}/pulls/{number}",
            "diff_url": f"{self.web}/{self.project}/pulls/{number}.diff",
            "patch_url": f"{self.web}/{self.project}/pulls/{number}.patch",
            "mergeable": True,
            "merged": False,
            "head": {"label": head, "ref": head, "sha": "a" * 40, "repo_id": head_repo_id, "repo": {**repo, "id": head_repo_id}},
            "base": {"label": base, "ref": base, "sha": "b" * 40, "repo_id": self.repo_id, "repo": repo},
            "created_at": "2026-01-01T00:00:00Z",
        }
        self.pulls.append(pull)
        return pull
