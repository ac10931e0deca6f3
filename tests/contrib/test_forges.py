"""Forge back-ends against fake GitHub, GitLab and Gitea servers that check the documented API."""

from __future__ import annotations

import email.utils
import json
import logging
import pickle
import socket
import time
import traceback
from pathlib import Path

import httpx
import pytest
from fakeforge import FakeGitea, FakeGitHub, FakeGitLab
from pytest_httpserver import HTTPServer

from communs.contrib.forges import (
    ForgeError,
    GiteaForge,
    GitHubForge,
    GitLabForge,
    GitRemoteForge,
    PullRequest,
    make_forge,
)

TOKEN = "tok-SECRET-5a9d1c-must-never-leak"
WRONG_TOKEN = "wrong-SECRET-e81f07-must-never-leak"
BRANCH = "contrib/compagnie-ti-kaz-1a2b3c4d"
OTHER = "contrib/kabar-fet-kaf-99aa88bb"
TITLE = "Nouvelle fiche : Compagnie Ti Kaz"
BODY = "Proposée avec le formulaire.\n\n- commune : Saint-Paul"

FORGES = ("github", "gitlab", "gitea")
CLASSES = {
    "github": (FakeGitHub, GitHubForge, ""),
    "gitlab": (FakeGitLab, GitLabForge, "/api/v4"),
    "gitea": (FakeGitea, GiteaForge, "/api/v1"),
}


@pytest.fixture
def pair(httpserver: HTTPServer):
    """Build (fake server, client) pairs; the fakes must have seen no API violation."""
    fakes = []

    def build(name: str, *, prefix: str | None = None, token: str = TOKEN, project: str | None = None, timeout: float = 5.0, **kwargs):
        fake_class, forge_class, default_prefix = CLASSES[name]
        fake = fake_class(httpserver, prefix=default_prefix if prefix is None else prefix, token=TOKEN, branches={"main", BRANCH, OTHER}, **kwargs)
        fakes.append(fake)
        forge = forge_class(api_url=fake.api_url, project=project or fake.project, token=token, timeout=timeout)
        return fake, forge

    yield build
    for fake in fakes:
        fake.wait_idle()
    for fake in fakes:
        assert fake.violations == []
    httpserver.check_assertions()


def open_request(forge, branch: str = BRANCH, base: str = "main") -> PullRequest:
    return forge.open_pull_request(branch=branch, base=base, title=TITLE, body=BODY)


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Opening a request, exactly as each API documents it ------------------------------------------------


def test_github_opens_a_pull_request(pair):
    fake, forge = pair("github")
    opened = open_request(forge)
    assert opened == PullRequest(url="https://github.example/owner/name/pull/1", number=1, created=True)

    listing, creation = fake.requests
    assert (listing.method, listing.raw_path) == ("GET", "/repos/owner/name/pulls")
    assert listing.query == {"state": ["open"], "head": [f"owner:{BRANCH}"], "base": ["main"], "per_page": ["100"]}
    assert (creation.method, creation.raw_path) == ("POST", "/repos/owner/name/pulls")
    assert creation.json() == {"title": TITLE, "head": BRANCH, "base": "main", "body": BODY, "maintainer_can_modify": False}
    for seen in fake.requests:
        assert seen.headers["accept"] == "application/vnd.github+json"
        assert seen.headers["authorization"] == f"Bearer {TOKEN}"
        assert seen.headers["x-github-api-version"] == "2022-11-28"
        assert seen.headers["user-agent"] == "communs"
    assert creation.headers["content-type"] == "application/json"


def test_gitlab_opens_a_merge_request_with_the_url_encoded_project_path(pair):
    fake, forge = pair("gitlab", project="group/sub/name")
    opened = open_request(forge)
    assert opened == PullRequest(url="https://gitlab.example/group/sub/name/-/merge_requests/1", number=1, created=True)

    listing, creation = fake.requests
    assert listing.raw_path == creation.raw_path == "/api/v4/projects/group%2Fsub%2Fname/merge_requests"
    assert listing.method == "GET"
    assert listing.query == {"state": ["opened"], "source_branch": [BRANCH], "target_branch": ["main"], "per_page": ["100"]}
    assert creation.method == "POST"
    assert creation.json() == {"source_branch": BRANCH, "target_branch": "main", "title": TITLE, "description": BODY, "remove_source_branch": True}
    assert fake.pulls[0]["force_remove_source_branch"] is True
    for seen in fake.requests:
        assert seen.headers["private-token"] == TOKEN
        assert "authorization" not in seen.headers


def test_gitlab_accepts_a_numeric_project_id(pair):
    fake, forge = pair("gitlab", project="42")
    assert open_request(forge).created
    assert {seen.raw_path for seen in fake.requests} == {"/api/v4/projects/42/merge_requests"}


def test_gitea_opens_a_pull_request(pair):
    fake, forge = pair("gitea")
    opened = open_request(forge)
    assert opened == PullRequest(url="https://codeberg.example/owner/name/pulls/1", number=1, created=True)

    listing, creation = fake.requests
    assert (listing.method, listing.raw_path) == ("GET", "/api/v1/repos/owner/name/pulls")
    assert listing.query == {"state": ["open"], "page": ["1"], "limit": ["50"]}
    assert (creation.method, creation.raw_path) == ("POST", "/api/v1/repos/owner/name/pulls")
    assert creation.json() == {"head": BRANCH, "base": "main", "title": TITLE, "body": BODY}
    for seen in fake.requests:
        assert seen.headers["authorization"] == f"token {TOKEN}"
        assert seen.headers["user-agent"] == "communs"


@pytest.mark.parametrize(
    ("name", "prefix", "describe"),
    [
        ("github", "/api/v3", "GitHub owner/name (localhost)"),
        ("gitlab", "/gitlab/api/v4", "GitLab group/sub/name (localhost)"),
        ("gitea", "/forge/api/v1", "Gitea owner/name (localhost)"),
    ],
)
def test_self_hosted_forges_under_a_path_prefix(pair, name, prefix, describe):
    fake, forge = pair(name, prefix=prefix)
    assert open_request(forge).created
    assert all(seen.raw_path.startswith(prefix + "/") for seen in fake.requests)
    assert forge.describe() == describe


def test_describe_names_the_public_forges_without_host():
    assert GitHubForge(project="owner/name", token=TOKEN).describe() == "GitHub owner/name"
    assert GitLabForge(project="group/name", token=TOKEN).describe() == "GitLab group/name"
    assert GiteaForge(project="owner/name", token=TOKEN).describe() == "Gitea owner/name"


# Idempotency -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORGES)
def test_a_second_call_finds_the_open_request(pair, name):
    fake, forge = pair(name)
    first = open_request(forge)
    second = open_request(forge)
    assert first.created and not second.created
    assert (second.url, second.number) == (first.url, first.number)
    assert len(fake.posts()) == 1
    assert len(fake.pulls) == 1


@pytest.mark.parametrize("name", FORGES)
def test_an_existing_open_request_is_returned_without_posting(pair, name):
    fake, forge = pair(name)
    fake.add_pull(OTHER, "main")
    fake.add_pull(BRANCH, "main")
    found = open_request(forge)
    assert (found.number, found.created) == (2, False)
    assert fake.posts() == []


@pytest.mark.parametrize("name", FORGES)
def test_closed_requests_and_other_targets_are_not_reused(pair, name):
    fake, forge = pair(name)
    fake.add_pull(BRANCH, "main", state="closed")
    fake.add_pull(BRANCH, OTHER)
    opened = open_request(forge)
    assert (opened.number, opened.created) == (3, True)


def test_github_ignores_a_fork_branch_of_the_same_name(pair):
    fake, forge = pair("github")
    fake.add_pull(BRANCH, "main", owner="someone")
    assert open_request(forge).created


def test_gitlab_ignores_a_fork_merge_request_of_the_same_branch_name(pair):
    fake, forge = pair("gitlab")
    fake.add_pull(BRANCH, "main", fork=True)
    opened = open_request(forge)
    assert (opened.number, opened.created) == (2, True)


def test_gitea_ignores_a_fork_pull_request_of_the_same_branch_name(pair):
    fake, forge = pair("gitea")
    fake.add_pull(BRANCH, "main", fork=True)
    opened = open_request(forge)
    assert (opened.number, opened.created) == (2, True)


@pytest.mark.parametrize("name", FORGES)
def test_a_request_opened_meanwhile_is_found_after_the_conflict(pair, name):
    """Listing saw nothing, then the POST says "already exists" (GitHub 422, GitLab/Gitea 409)."""
    fake, forge = pair(name)
    fake.add_pull(BRANCH, "main")
    fake.answer_next("GET", 200, [])
    found = open_request(forge)
    assert (found.number, found.created) == (1, False)
    assert [seen.method for seen in fake.requests] == ["GET", "POST", "GET"]
    assert len(fake.pulls) == 1


def test_gitea_pages_through_open_requests_even_with_a_smaller_server_cap(pair):
    fake, forge = pair("gitea", max_limit=5)
    for index in range(12):
        fake.add_pull(f"contrib/other-{index}", "main")
    fake.add_pull(BRANCH, "main")
    found = open_request(forge)
    assert (found.number, found.created) == (13, False)
    assert [seen.query["page"] for seen in fake.requests] == [["1"], ["2"], ["3"]]


def test_gitea_stops_listing_once_every_open_request_was_seen(pair):
    fake, forge = pair("gitea", max_limit=5)
    for index in range(7):
        fake.add_pull(f"contrib/other-{index}", "main")
    assert open_request(forge).created
    assert [seen.method for seen in fake.requests] == ["GET", "GET", "POST"]


# Refusals that the lookup cannot resolve ------------------------------------------------------------


def test_github_branch_not_pushed_is_invalid(pair):
    fake, forge = pair("github")
    with pytest.raises(ForgeError) as caught:
        open_request(forge, branch="contrib/never-pushed")
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("invalid", 422, False)


def test_gitlab_conflict_without_open_request_is_invalid(pair):
    """GitLab answers 409 for a missing source branch too; the lookup finds nothing."""
    fake, forge = pair("gitlab")
    with pytest.raises(ForgeError) as caught:
        open_request(forge, branch="contrib/never-pushed")
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("invalid", 409, False)
    assert [seen.method for seen in fake.requests] == ["GET", "POST", "GET"]


def test_gitea_branch_not_pushed_is_not_found(pair):
    fake, forge = pair("gitea")
    with pytest.raises(ForgeError) as caught:
        open_request(forge, branch="contrib/never-pushed")
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("not-found", 404, False)


# Error answers ---------------------------------------------------------------------------------------

ERROR_BODIES = {
    "github": lambda status: {"message": "Server Error", "documentation_url": "https://docs.github.com/rest", "status": str(status)},
    "gitlab": lambda status: {"message": f"{status} error"},
    "gitea": lambda status: {"message": "error", "url": "https://codeberg.example/api/swagger"},
}


@pytest.mark.parametrize("name", FORGES)
def test_wrong_token_is_an_auth_error(pair, name):
    fake, forge = pair(name, token=WRONG_TOKEN)
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    error = caught.value
    assert (error.kind, error.status, error.retryable) == ("auth", 401, False)
    assert "jeton" in error.message
    assert fake.posts() == []


@pytest.mark.parametrize("name", FORGES)
def test_forbidden_without_rate_limit_headers_is_an_auth_error(pair, name):
    fake, forge = pair(name)
    fake.answer_next("POST", 403, {"message": "Resource not accessible by personal access token"})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("auth", 403, False)


@pytest.mark.parametrize("name", FORGES)
def test_unknown_project_is_not_found(pair, name):
    fake, forge = pair(name, project="nobody/nothing")
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("not-found", 404, False)


def test_github_primary_rate_limit_waits_until_the_reset(pair):
    fake, forge = pair("github")
    reset = int(time.time()) + 120
    headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": str(reset), "x-ratelimit-resource": "core"}
    fake.answer_next("GET", 403, {"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}, headers)
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    error = caught.value
    assert (error.kind, error.status, error.retryable) == ("rate-limit", 403, True)
    assert 100 < error.retry_after <= 120


def test_github_secondary_rate_limit_follows_retry_after(pair):
    fake, forge = pair("github")
    fake.answer_next("POST", 403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}, {"retry-after": "30"})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.retry_after, caught.value.retryable) == ("rate-limit", 30.0, True)


def test_github_secondary_rate_limit_without_headers_waits_a_minute(pair):
    fake, forge = pair("github")
    fake.answer_next("POST", 403, {"message": "You have exceeded a secondary rate limit."})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.retry_after) == ("rate-limit", 60.0)


def test_github_rate_limit_as_429(pair):
    fake, forge = pair("github")
    fake.answer_next("GET", 429, {"message": "API rate limit exceeded"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 30)})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.status) == ("rate-limit", 429)
    assert 10 < caught.value.retry_after <= 30


def test_gitlab_rate_limit_429_with_retry_after(pair):
    fake, forge = pair("gitlab")
    reset = int(time.time()) + 60
    headers = {
        "RateLimit-Limit": "600", "RateLimit-Observed": "601", "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(reset), "RateLimit-ResetTime": email.utils.formatdate(reset, usegmt=True), "Retry-After": "60",
    }
    fake.answer_next("GET", 429, "Retry later\n", headers)
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.status, caught.value.retry_after, caught.value.retryable) == ("rate-limit", 429, 60.0, True)


def test_gitlab_rate_limit_without_retry_after_uses_the_reset(pair):
    fake, forge = pair("gitlab")
    fake.answer_next("POST", 429, {"message": {"error": "This endpoint has been requested too many times. Try again later."}}, {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(time.time()) + 45)})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert caught.value.kind == "rate-limit"
    assert 25 < caught.value.retry_after <= 45


def test_retry_after_as_an_http_date(pair):
    fake, forge = pair("gitea")
    fake.answer_next("GET", 429, None, {"Retry-After": email.utils.formatdate(time.time() + 90, usegmt=True)})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert caught.value.kind == "rate-limit"
    assert 70 < caught.value.retry_after <= 90


@pytest.mark.parametrize("name", FORGES)
@pytest.mark.parametrize("status", [400, 422])
def test_validation_refusals_are_invalid(pair, name, status):
    fake, forge = pair(name)
    bodies = {
        "github": {"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": "No commits between main and contrib"}]},
        "gitlab": {"error": "title is missing"} if status == 400 else {"message": ["Source project is not a fork of the target project"]},
        "gitea": {"message": "There are no changes between the head and the base", "url": "https://codeberg.example/api/swagger"},
    }
    fake.answer_next("POST", status, bodies[name])
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("invalid", status, False)
    assert len(fake.posts()) == 1


@pytest.mark.parametrize("name", FORGES)
@pytest.mark.parametrize(("method", "status"), [("GET", 500), ("POST", 502), ("POST", 503), ("GET", 504)])
def test_server_errors_are_unavailable_and_retryable(pair, name, method, status):
    fake, forge = pair(name)
    fake.answer_next(method, status, ERROR_BODIES[name](status))
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("unavailable", status, True)


def test_service_unavailable_passes_on_retry_after(pair):
    fake, forge = pair("gitlab")
    fake.answer_next("GET", 503, "maintenance", {"Retry-After": "120"})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.retry_after) == ("unavailable", 120.0)


@pytest.mark.parametrize("name", FORGES)
def test_unexpected_answers_are_unavailable(pair, name):
    fake, forge = pair(name)
    fake.answer_next("GET", 200, "<html>proxy login</html>")
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.retryable) == ("unavailable", True)


def test_created_answer_without_number_is_unavailable_then_found_on_retry(pair):
    fake, forge = pair("github")
    fake.answer_next("POST", 201, {"html_url": "https://github.example/owner/name/pull/1"})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert caught.value.kind == "unavailable"


def test_redirects_are_not_followed(pair):
    """Following one could send a token header to another host; a moved project is configuration."""
    fake, forge = pair("gitlab")
    fake.answer_next("GET", 301, None, {"Location": "https://elsewhere.example/api/v4/projects/1/merge_requests"})
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("not-found", 301, False)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("name", FORGES)
def test_timeout_is_a_retryable_network_error(pair, name):
    fake, forge = pair(name, timeout=0.3)
    fake.answer_next("GET", 200, [], delay=1.0)
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    error = caught.value
    assert (error.kind, error.status, error.retryable) == ("network", None, True)
    assert "délai" in error.message


@pytest.mark.parametrize("name", FORGES)
def test_connection_refused_is_a_retryable_network_error(name):
    forge_class = CLASSES[name][1]
    forge = forge_class(api_url=f"http://127.0.0.1:{refused_port()}/api", project="owner/name", token=TOKEN, timeout=2.0)
    with pytest.raises(ForgeError) as caught:
        open_request(forge)
    assert (caught.value.kind, caught.value.status, caught.value.retryable) == ("network", None, True)


# The token never leaks ------------------------------------------------------------------------------


def _error_paths(build):
    """Every way a request can fail, with the fakes echoing the token where a forge might."""
    counter = iter(range(1000))

    def pair(name, **kwargs):
        # One server for all: each fake gets its own path prefix.
        return build(name, prefix=f"/case{next(counter)}{CLASSES[name][2]}", **kwargs)

    yield "wrong token", *pair("github", token=WRONG_TOKEN)
    for name in FORGES:
        fake, forge = pair(name)
        fake.answer_next("GET", 403, {"message": f"rate limit for {TOKEN}"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"})
        yield f"{name} rate limit", fake, forge
        fake, forge = pair(name)
        fake.answer_next("POST", 403, {"message": f"token {TOKEN} lacks scope"})
        yield f"{name} forbidden", fake, forge
        fake, forge = pair(name, project="nobody/nothing")
        yield f"{name} not found", fake, forge
        fake, forge = pair(name)
        fake.answer_next("POST", 422, {"message": f"Validation Failed for {TOKEN}", "errors": [{"message": TOKEN}]})
        yield f"{name} invalid", fake, forge
        fake, forge = pair(name)
        fake.answer_next("POST", 500, f"Traceback: /srv/forge/app.py token={TOKEN}")
        yield f"{name} server error", fake, forge
        fake, forge = pair(name)
        fake.answer_next("GET", 200, f"<html>{TOKEN}</html>")
        yield f"{name} unexpected", fake, forge
        fake, forge = pair(name, timeout=0.2)
        fake.answer_next("GET", 200, [], delay=0.6)
        yield f"{name} timeout", fake, forge
        forge = CLASSES[name][1](api_url=f"http://127.0.0.1:{refused_port()}", project="owner/name", token=TOKEN, timeout=2.0)
        yield f"{name} refused", None, forge
    fake, forge = pair("gitlab", token=WRONG_TOKEN)
    yield "gitlab wrong token", fake, forge


def test_the_token_appears_in_no_error_log_or_repr(pair, caplog):
    caplog.set_level(logging.DEBUG)
    seen_kinds = set()
    for label, _fake, forge in _error_paths(pair):
        with pytest.raises(ForgeError) as caught:
            open_request(forge)
        error = caught.value
        seen_kinds.add(error.kind)
        texts = [
            str(error), repr(error), error.message, "".join(traceback.format_exception(error)),
            repr(forge), forge.describe(), repr(pickle.loads(pickle.dumps(error))),
        ]
        for text in texts:
            assert TOKEN not in text, label
            assert WRONG_TOKEN not in text, label
            assert "/srv/forge" not in text, label
    with pytest.raises(ForgeError) as caught:
        GitHubForge(project="owner/name", token=TOKEN).open_pull_request(branch="../etc", base="main", title=TITLE, body=BODY)
    assert TOKEN not in repr(caught.value)
    assert seen_kinds == {"auth", "rate-limit", "not-found", "invalid", "unavailable", "network"}
    logged = caplog.text + "".join(str(record.args) + record.getMessage() for record in caplog.records)
    assert caplog.records, "the failures were logged"
    assert TOKEN not in logged
    assert WRONG_TOKEN not in logged


def test_configuration_errors_do_not_echo_the_token():
    for call in (
        lambda: make_forge("github", api_url="ftp://example.org", project="owner/name", token=TOKEN, records_dir=Path(".")),
        lambda: make_forge("gitlab", api_url=None, project="", token=TOKEN, records_dir=Path(".")),
        lambda: make_forge("gitea", api_url=None, project="not a project", token=TOKEN, records_dir=Path(".")),
    ):
        with pytest.raises(ValueError) as caught:
            call()
        assert TOKEN not in str(caught.value)


# Arguments ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "branch",
    ["", "../main", "contrib/../x", "contrib/a..b", "-x", ".hidden", "contrib/x.lock", "owner:branch", "a b", "a\nb", "contrib/", "/x", "é"],
)
def test_bad_branch_names_are_refused_before_any_request(pair, branch):
    fake, forge = pair("github")
    with pytest.raises(ForgeError) as caught:
        open_request(forge, branch=branch)
    assert (caught.value.kind, caught.value.retryable) == ("invalid", False)
    assert fake.requests == []


def test_empty_title_and_same_base_are_refused(pair):
    fake, forge = pair("gitea")
    with pytest.raises(ForgeError):
        forge.open_pull_request(branch=BRANCH, base="main", title="  ", body="")
    with pytest.raises(ForgeError):
        open_request(forge, branch="main", base="main")
    assert fake.requests == []


def test_forge_error_defaults_and_pickling():
    error = ForgeError("rate-limit", "Trop de requêtes.", status=429, retry_after=12.5)
    assert error.retryable and str(error) == "Trop de requêtes."
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.message, copy.status, copy.retry_after, copy.retryable) == ("rate-limit", "Trop de requêtes.", 429, 12.5, True)
    assert not ForgeError("auth", "Non.").retryable
    with pytest.raises(ValueError):
        ForgeError("other", "?")


def test_success_is_logged_in_french(pair, caplog):
    caplog.set_level(logging.INFO, logger="communs.contrib.forges")
    fake, forge = pair("github")
    open_request(forge)
    open_request(forge)
    messages = [record.getMessage() for record in caplog.records if record.name == "communs.contrib.forges"]
    assert messages[0].startswith("Demande de fusion ouverte sur GitHub owner/name")
    assert messages[1].startswith("Demande de fusion déjà ouverte")


# Plain Git remote ------------------------------------------------------------------------------------


def test_git_remote_records_one_request_per_branch(tmp_path):
    forge = GitRemoteForge(tmp_path / "requests", remote_label="origin")
    first = open_request(forge)
    second = open_request(forge, branch=OTHER)
    assert first == PullRequest(url=None, number=None, created=True)
    assert second.created
    files = sorted(path.name for path in (tmp_path / "requests").iterdir())
    assert files == ["contrib+compagnie-ti-kaz-1a2b3c4d.json", "contrib+kabar-fet-kaf-99aa88bb.json"]
    record = json.loads((tmp_path / "requests" / files[0]).read_text(encoding="utf-8"))
    assert {key: record[key] for key in ("branch", "base", "title", "body", "remote")} == {
        "branch": BRANCH, "base": "main", "title": TITLE, "body": BODY, "remote": "origin",
    }
    assert record["requested_at"].endswith("Z")
    assert forge.describe() == "Git origin"


def test_git_remote_is_idempotent_by_branch(tmp_path):
    forge = GitRemoteForge(tmp_path, remote_label="origin")
    open_request(forge)
    path = forge.record_path(BRANCH)
    before = path.read_bytes()
    again = forge.open_pull_request(branch=BRANCH, base="main", title="Autre titre", body="")
    assert again == PullRequest(url=None, number=None, created=False)
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == [path.name]


def test_git_remote_refuses_unsafe_branch_names(tmp_path):
    forge = GitRemoteForge(tmp_path / "requests", remote_label="origin")
    for branch in ("../../etc/passwd", "contrib/../../x", "a+b", "contrib/x y"):
        with pytest.raises(ForgeError):
            open_request(forge, branch=branch)
    assert not (tmp_path / "requests").exists()


def test_git_remote_hides_credentials_of_the_remote(tmp_path):
    forge = GitRemoteForge(tmp_path, remote_label=f"https://bot:{TOKEN}@git.example.org/annuaire.git")
    open_request(forge)
    assert forge.describe() == "Git https://git.example.org/annuaire.git"
    assert TOKEN not in forge.record_path(BRANCH).read_text(encoding="utf-8")
    assert TOKEN not in repr(forge)


def test_git_remote_unwritable_directory_is_retryable_without_path(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ForgeError) as caught:
        open_request(GitRemoteForge(blocker / "requests", remote_label="origin"))
    assert (caught.value.kind, caught.value.retryable) == ("unavailable", True)
    assert str(tmp_path) not in str(caught.value)
    assert caught.value.__cause__ is None


# Configuration -----------------------------------------------------------------------------------------


def test_make_forge_builds_each_kind(tmp_path):
    assert isinstance(make_forge("git", api_url=None, project=None, token=None, records_dir=tmp_path), GitRemoteForge)
    github = make_forge("github", api_url=None, project="owner/name", token=TOKEN, records_dir=tmp_path)
    assert isinstance(github, GitHubForge) and github.api_url == "https://api.github.com"
    gitlab = make_forge("gitlab", api_url="https://git.example.org/api/v4/", project="group/sub/name", token=TOKEN, records_dir=tmp_path)
    assert isinstance(gitlab, GitLabForge) and gitlab.api_url == "https://git.example.org/api/v4"
    gitea = make_forge("gitea", api_url=None, project="owner/name", token=TOKEN, records_dir=tmp_path)
    assert isinstance(gitea, GiteaForge) and gitea.api_url == "https://codeberg.org/api/v1"
    assert gitea.kind == "gitea" and github.kind == "github" and gitlab.kind == "gitlab"


@pytest.mark.parametrize(
    ("kind", "api_url", "project", "token", "words"),
    [
        ("bitbucket", None, "owner/name", TOKEN, "Forge inconnue"),
        ("github", None, None, TOKEN, "Projet GitHub manquant"),
        ("gitlab", None, "  ", TOKEN, "Projet GitLab manquant"),
        ("gitea", None, "owner/name", None, "Jeton d'accès à Gitea manquant"),
        ("github", None, "owner/name", "   ", "Jeton d'accès à GitHub manquant"),
        ("github", None, "owner", TOKEN, "propriétaire/dépôt"),
        ("github", None, "owner/name/extra", TOKEN, "propriétaire/dépôt"),
        ("gitea", None, "../name", TOKEN, "propriétaire/dépôt"),
        ("gitlab", None, "name", TOKEN, "groupe/sous-groupe/projet"),
        ("gitlab", None, "group/../name", TOKEN, "groupe/sous-groupe/projet"),
        ("gitlab", "https://user:pass@gitlab.example.org/api/v4", "group/name", TOKEN, "sans identifiants"),
        ("gitea", "file:///etc", "owner/name", TOKEN, "Adresse d'API"),
    ],
)
def test_make_forge_explains_configuration_errors_in_french(tmp_path, kind, api_url, project, token, words):
    with pytest.raises(ValueError) as caught:
        make_forge(kind, api_url=api_url, project=project, token=token, records_dir=tmp_path)
    assert words in str(caught.value)


# The fakes themselves hold clients to the documented API ---------------------------------------------


def test_fake_github_refuses_what_github_refuses(httpserver: HTTPServer):
    fake = FakeGitHub(httpserver, token=TOKEN)
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "test"}
    url = fake.api_url + "/repos/owner/name/pulls"
    missing = httpx.post(url, headers=headers, json={"head": "main", "base": "main"})
    assert missing.status_code == 422 and set(missing.json()) == {"message", "documentation_url", "status"}
    unknown = httpx.post(url, headers=headers, json={"title": "t", "head": "a", "base": "main", "labels": ["x"]})
    assert unknown.status_code == 422
    wrong_type = httpx.post(url, headers=headers, json={"title": "t", "head": "a", "base": "main", "maintainer_can_modify": "no"})
    assert wrong_type.status_code == 422
    old_version = httpx.get(url, headers={**headers, "X-GitHub-Api-Version": "2020-01-01"})
    assert old_version.status_code == 400
    token_scheme = httpx.get(url, headers={**headers, "Authorization": TOKEN})
    assert token_scheme.status_code == 401 and token_scheme.json()["message"] == "Bad credentials"
    assert len(fake.violations) == 5
    fake.violations.clear()


def test_fake_gitlab_refuses_an_unencoded_project_path(httpserver: HTTPServer):
    fake = FakeGitLab(httpserver, token=TOKEN)
    response = httpx.get(fake.api_url + "/projects/group/sub/name/merge_requests", headers={"PRIVATE-TOKEN": TOKEN, "User-Agent": "test"})
    assert response.status_code == 404 and response.json() == {"error": "404 Not Found"}
    missing = httpx.post(fake.api_url + "/projects/group%2Fsub%2Fname/merge_requests", headers={"PRIVATE-TOKEN": TOKEN, "User-Agent": "test"}, json={"source_branch": "a", "target_branch": "main"})
    assert missing.status_code == 400 and missing.json() == {"error": "title is missing"}
    bearer = httpx.get(fake.api_url + "/projects/group%2Fsub%2Fname/merge_requests", headers={"Authorization": f"Bearer {TOKEN}", "User-Agent": "test"})
    assert bearer.status_code == 401 and bearer.json() == {"message": "401 Unauthorized"}
    assert len(fake.violations) == 3
    fake.violations.clear()


def test_fake_gitea_refuses_other_auth_schemes_and_fields(httpserver: HTTPServer):
    fake = FakeGitea(httpserver, token=TOKEN)
    url = fake.api_url + "/repos/owner/name/pulls"
    bearer = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}", "User-Agent": "test"})
    assert bearer.status_code == 401 and set(bearer.json()) == {"message", "url"}
    unknown = httpx.post(url, headers={"Authorization": f"token {TOKEN}", "User-Agent": "test"}, json={"head": "a", "base": "main", "title": "t", "draft": True})
    assert unknown.status_code == 422 and set(unknown.json()) == {"message", "url"}
    assert len(fake.violations) == 2
    fake.violations.clear()
