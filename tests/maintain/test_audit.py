"""communs audit: links checked against a local HTTP server, ended events, records left alone."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import git
import httpx
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from communs.cli import main
from communs.maintain.audit import (
    BROKEN,
    MANUAL,
    OK,
    SKIPPED,
    USER_AGENT,
    Link,
    check_links,
    classify_error,
    collect_links,
)
from communs.records.validation import validate

ROOT = Path(__file__).resolve().parents[2]
DEMO_URL = re.compile(r"https://([a-z0-9-]+)\.example\.org(/[^\s\")>\]]*)?")
SLOW_SECONDS = 2.0


class Site:
    """What the local server answers, by path; everything else is 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str, float, float]] = []  # method, path, user agent, start, end
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        started = time.monotonic()
        response = self.answer(request)
        with self.lock:
            self.requests.append((request.method, request.path, request.headers.get("User-Agent", ""), started, time.monotonic()))
        return response

    def answer(self, request: Request) -> Response:
        path = request.path
        if path == "/ti-kaz":
            return Response("", status=301, headers={"Location": "/ti-kaz/accueil"})
        if path == "/ti-kaz/ateliers":
            return Response("parti", status=410)
        if path == "/piaille/@tikaz":
            return Response("introuvable", status=404)
        if path == "/facebook/compagnietikaz":
            return Response("pas de robots", status=403)
        if path.startswith("/busy"):
            return Response("doucement", status=429, headers={"Retry-After": "3600"})
        if path == "/kaz-numerik/agenda" and request.method == "HEAD":
            return Response("", status=405)
        if path == "/video/c/kaznumerik":
            return Response("panne", status=500)
        if path == "/mediatheque-hauts/catalogue":
            time.sleep(SLOW_SECONDS)
        if path.startswith("/polite"):
            time.sleep(0.05)
        return Response("bonjour", status=200)


@pytest.fixture
def site():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    handler = Site()
    server.expect_request(re.compile("^/")).respond_with_handler(handler)
    handler.base = f"http://127.0.0.1:{server.port}"
    handler.port = server.port
    yield handler
    server.clear()
    if server.is_running():
        server.stop()


def demo_copy(root: Path, site: Site, communes=("97411",)) -> Path:
    """The demo records of some communes, their addresses pointed at the local server."""
    content = root / "content"
    for kind in ("actors", "events", "calls"):
        for code in communes:
            if (ROOT / "content" / kind / code).is_dir():
                shutil.copytree(ROOT / "content" / kind / code, content / kind / code)
    for path in content.rglob("*.yml"):
        if "\nsource:\n" in path.read_text(encoding="utf-8"):
            path.unlink()  # imported public records carry real addresses: not for an offline test

    def local(match: re.Match) -> str:
        name, path = match.group(1), match.group(2) or ""
        if name == "conseil-brule" and path == "":
            return f"https://127.0.0.1:{site.port}/conseil-brule"  # TLS spoken to a plain HTTP server
        if name == "piaille" and path == "/@kaznumerik":
            return f"http://localhost:{site.port}/busy/kaznumerik"  # another host, that asks us to slow down
        return f"{site.base}/{name}{path}"

    for path in content.rglob("*.yml"):
        path.write_text(DEMO_URL.sub(local, path.read_text(encoding="utf-8")), encoding="utf-8")
    return content


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def section(report: str, title: str) -> str:
    start = report.index(f"## {title}")
    end = report.find("\n## ", start + 1)
    return report[start:] if end < 0 else report[start:end]


def run_audit_cli(root: Path, *arguments: str):
    runner = CliRunner()
    previous = Path.cwd()
    os.chdir(root)
    try:
        return runner.invoke(main, ["audit", *arguments], catch_exceptions=False)
    finally:
        os.chdir(previous)


def test_report_sorts_links_by_verdict(tmp_path, site):
    demo_copy(tmp_path, site)
    result = run_audit_cli(tmp_path, "--timeout", "0.5", "--delay", "0", "--today", "2026-11-23", "--output", "rapport.md")
    assert result.exit_code == 0, result.output
    report = (tmp_path / "rapport.md").read_text(encoding="utf-8")
    actor = tmp_path / "content/actors/97411/compagnie-ti-kaz.yml"

    broken = section(report, "Liens cassés")
    assert f"<{site.base}/piaille/@tikaz> — page introuvable (404)" in broken
    assert f"<{site.base}/ti-kaz/ateliers> — page supprimée (410)" in broken
    # One line per record that gives the address, with the exact line and field.
    description_line = line_of(actor, "/ti-kaz/ateliers")
    assert f"`content/actors/97411/compagnie-ti-kaz.yml`, ligne {description_line} (`description`)" in broken
    assert f"`content/actors/97411/compagnie-ti-kaz.yml`, ligne {line_of(actor, '/piaille/@tikaz')} (`social/mastodon`)" in broken
    event = tmp_path / "content/events/97411/2026-12-02-atelier-ecriture-creole-enfants.yml"
    assert f"`content/events/97411/2026-12-02-atelier-ecriture-creole-enfants.yml`, ligne {line_of(event, '/ti-kaz/ateliers')} (`description`)" in broken
    assert f"`content/events/97411/2026-12-02-atelier-ecriture-creole-enfants.yml`, ligne {line_of(event, 'registration:')} (`registration`)" in broken
    assert broken.count("  - `content/") == 4  # the 410 address given three times, the 404 once
    assert "- [ ] <" in broken  # issue-ready task list

    manual = section(report, "Liens à vérifier à la main")
    assert f"<{site.base}/facebook/compagnietikaz> — accès refusé aux robots (403)" in manual
    assert f"<http://localhost:{site.port}/busy/kaznumerik> — le serveur demande de ralentir (429)" in manual
    assert f"<{site.base}/mediatheque-hauts/catalogue> — pas de réponse dans le délai" in manual
    assert f"<https://127.0.0.1:{site.port}/conseil-brule> — connexion sécurisée refusée (certificat ou TLS)" in manual
    assert f"<{site.base}/video/c/kaznumerik> — erreur HTTP 500" in manual
    for never_broken in ("facebook", "busy", "mediatheque-hauts/catalogue", "conseil-brule>", "video"):
        assert never_broken not in broken

    redirected = section(report, "Liens redirigés")
    assert f"<{site.base}/ti-kaz> → <{site.base}/ti-kaz/accueil>" in redirected
    # HEAD refused (405), GET fine: not reported anywhere.
    assert "/kaz-numerik/agenda" not in report

    summary = report.split("## ")[0]
    assert "| Liens cassés | 2 |" in summary
    assert "| Liens à vérifier à la main | 5 |" in summary
    assert "| Liens redirigés | 1 |" in summary

    methods = {(method, path) for method, path, *_ in site.requests}
    assert ("HEAD", "/kaz-numerik/agenda") in methods and ("GET", "/kaz-numerik/agenda") in methods
    assert ("GET", "/mediatheque-hauts/catalogue") not in methods  # a timeout is not tried twice
    assert all(agent == USER_AGENT and "communs" in agent for _m, _p, agent, *_ in site.requests)


def test_events_over_and_no_history_outside_git(tmp_path, site):
    demo_copy(tmp_path, site)
    result = run_audit_cli(tmp_path, "--no-links", "--today", "2026-12-15")
    assert result.exit_code == 0, result.output
    report = result.output
    assert "Liens non vérifiés" in report and "Liens cassés" not in report.split("## Liens")[1]
    ended = section(report, "Événements terminés, à archiver (2)")
    assert "`content/events/97411/2026-11-14-reunion-publique-bus-des-hauts.yml` — Réunion publique : quels bus pour les hauts de Saint-Denis ? — terminé le 14 novembre 2026" in ended
    assert "2026-12-02-atelier-ecriture-creole-enfants.yml" in ended
    assert "kabar-fet-kaf" not in ended and "portes-ouvertes" not in ended
    assert ended.index("2026-11-14") < ended.index("2026-12-02")  # oldest first
    assert "L'historique Git n'est pas disponible" in section(report, "Fiches sans modification")


def _commit(repo: git.Repo, message: str, when: datetime) -> None:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S%z")
    repo.index.commit(message, author_date=stamp, commit_date=stamp)


def test_records_untouched_for_two_years_from_git_history(tmp_path, site):
    content = demo_copy(tmp_path, site)
    repo = git.Repo.init(tmp_path)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.invalid")
    repo.index.add([str(p.relative_to(tmp_path)) for p in sorted(content.rglob("*.yml"))])
    _commit(repo, "Demo records", datetime(2024, 3, 1, 12, tzinfo=UTC))
    recent = content / "actors/97411/kaz-numerik-bois-de-nefles.yml"
    recent.write_text(recent.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    repo.index.add([str(recent.relative_to(tmp_path))])
    _commit(repo, "Touch one record", datetime(2026, 6, 1, 12, tzinfo=UTC))
    # Not committed yet: new, so not "old".
    (content / "actors/97411/nouvelle-fiche.yml").write_text((content / "actors/97411/compagnie-ti-kaz.yml").read_text(encoding="utf-8").replace("id: compagnie-ti-kaz", "id: nouvelle-fiche"), encoding="utf-8")

    result = run_audit_cli(tmp_path, "--no-links", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    stale = section(result.output, "Fiches sans modification depuis deux ans (8)")
    assert "`content/actors/97411/compagnie-ti-kaz.yml` — Compagnie Ti Kaz — modifiée le 1er mars 2024" in stale
    assert "kaz-numerik-bois-de-nefles" not in stale
    assert "nouvelle-fiche" not in stale
    assert "| Fiches sans modification depuis deux ans | 8 |" in result.output

    # A year later the touched record is not two years old yet; ten months after that it is.
    assert "kaz-numerik-bois-de-nefles" not in run_audit_cli(tmp_path, "--no-links", "--today", "2028-05-31").output
    assert "kaz-numerik-bois-de-nefles" in run_audit_cli(tmp_path, "--no-links", "--today", "2028-06-02").output


def test_usage_errors_exit_2_and_findings_exit_0(tmp_path, site):
    assert run_audit_cli(tmp_path, "--no-links").exit_code == 2  # no content folder
    demo_copy(tmp_path, site)
    assert run_audit_cli(tmp_path, "--no-links", "--today", "23/11/2026").exit_code == 2
    assert run_audit_cli(tmp_path, "--timeout", "0").exit_code == 2
    # Broken links, ended events: still a success.
    assert run_audit_cli(tmp_path, "--timeout", "0.5", "--delay", "0", "--today", "2027-12-31", "--output", "r.md").exit_code == 0


def test_one_request_at_a_time_per_host_spaced_by_the_delay(site):
    links = [Link(f"{site.base}/polite/{n}") for n in range(4)] + [Link(f"http://localhost:{site.port}/polite/other")]
    results = check_links(links, timeout=5, delay=0.3, workers=4)
    assert all(result.verdict == OK for result in results.values())
    mine = sorted((start, end) for _m, path, _a, start, end in site.requests if path.startswith("/polite/") and path != "/polite/other")
    assert len(mine) == 4
    for (start, end), (next_start, _next_end) in itertools.pairwise(mine):
        assert next_start >= end  # never two at once
        assert next_start - start >= 0.29  # spaced by the delay


def test_after_429_the_host_is_left_alone(site):
    links = [Link(f"{site.base}/busy/{n}") for n in range(3)]
    results = check_links(links, timeout=5, delay=0)
    verdicts = [results[link.url].verdict for link in links]
    assert verdicts == [MANUAL, SKIPPED, SKIPPED]
    assert sum(1 for _m, path, *_ in site.requests if path.startswith("/busy/")) == 1


def _dns_failure(errno: int):
    def handler(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(errno, "Name or service not known")
        except socket.gaierror as error:
            raise httpx.ConnectError(str(error), request=request) from error

    return httpx.MockTransport(handler)


def test_unknown_domain_is_broken_but_a_resolver_hiccup_is_not():
    link = Link("https://plus-de-domaine.example.org/")
    assert check_links([link], transport=_dns_failure(socket.EAI_NONAME), delay=0)[link.url].verdict == BROKEN
    assert check_links([link], transport=_dns_failure(socket.EAI_AGAIN), delay=0)[link.url].verdict == MANUAL
    timeout = classify_error(link.url, httpx.ReadTimeout("lent"))
    assert timeout.verdict == MANUAL and "délai" in timeout.reason


def test_links_are_collected_once_with_every_place(tmp_path, site):
    content = demo_copy(tmp_path, site)
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        report = validate(Path("content"), jobs=1)
    finally:
        os.chdir(previous)
    links = {link.url: link for link in collect_links(report.records)}
    ateliers = links[f"{site.base}/ti-kaz/ateliers"]
    assert len(ateliers.uses) == 3
    assert {use.pointer for use in ateliers.uses} >= {"/description"}
    # A Markdown link's closing parenthesis or a sentence's full stop is not part of the address.
    assert not any(url.endswith((")", ".", ",")) for url in links)
    # E-mail addresses are not links to check.
    assert not any("@ti-kaz" in url for url in links)
    assert content.is_dir()


def test_report_escapes_record_names(tmp_path, site):
    content = demo_copy(tmp_path, site)
    event = content / "events/97411/2026-11-14-reunion-publique-bus-des-hauts.yml"
    text = event.read_text(encoding="utf-8")
    event.write_text(text.replace('title: "Réunion publique : quels bus pour les hauts de Saint-Denis ?"', 'title: "Voir [ici](https://pub.example.org) @tout-le-monde <b>gras</b>"'), encoding="utf-8")
    result = run_audit_cli(tmp_path, "--no-links", "--today", "2026-12-15")
    line = next(line for line in result.output.splitlines() if "reunion-publique-bus-des-hauts" in line)
    assert "[ici](" not in line and "<b>" not in line and "@tout" not in line
    assert r"\[ici\]" in line


def test_today_defaults_to_the_current_date(tmp_path, site):
    demo_copy(tmp_path, site)
    result = run_audit_cli(tmp_path, "--no-links")
    from communs.records.dates import format_day

    assert format_day(date.today(), weekday=False) in result.output.splitlines()[0]


def test_addresses_in_running_text(tmp_path):
    from communs.records.record import Record

    text = (
        "id: x\n"
        "description: |\n"
        "  Voir [la page](https://fr.wikipedia.org/wiki/Saint-Paul_(La_R%C3%A9union)).\n"
        "  Programme sur https://a.example.org/programme. Contact : ecrire@a.example.org\n"
        "contact:\n"
        "  website: \"https://a.example.org/\"\n"
    )
    path = tmp_path / "x.yml"
    path.write_text(text, encoding="utf-8")
    record = Record("actor", str(path), "97411", "x", {
        "id": "x",
        "description": text.split("|\n", 1)[1].split("contact:")[0].replace("  ", ""),
        "contact": {"website": "https://a.example.org/"},
    })
    found = {link.url: [(use.line, use.pointer) for use in link.uses] for link in collect_links([record])}
    assert found == {
        "https://fr.wikipedia.org/wiki/Saint-Paul_(La_R%C3%A9union)": [(3, "/description")],
        "https://a.example.org/programme": [(4, "/description")],
        "https://a.example.org/": [(6, "/contact/website")],
    }


def test_calls_past_their_end_date_are_flagged(tmp_path, site):
    demo_copy(tmp_path, site, communes=("97404", "97408", "97416"))
    report = run_audit_cli(tmp_path, "--no-links", "--today", "2026-12-25").output
    assert "| Appels dont la date de fin est passée | 2 |" in report
    expired = section(report, "Appels dont la date de fin est passée (2)")
    lines = [line for line in expired.splitlines() if line.startswith("- [ ]")]
    assert lines == [
        "- [ ] `content/calls/97408/chantier-de-debroussaillage-du-sentier.yml` — Chantier de débroussaillage du sentier — fini le 15 novembre 2026",
        "- [ ] `content/calls/97416/benevoles-collecte-de-noel.yml` — Bénévoles pour la collecte de Noël — fini le 24 décembre 2026",
    ]
    # A call closed early (« pourvu ») is not flagged: it says so itself.
    assert "reparateurs-d-electromenager" not in report
    assert "appels à participation lus dans" in report
