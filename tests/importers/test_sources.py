"""Followed sources: sources.yml and its refusals, the OpenAgenda and communs importers, ``communs
sources pull`` against local HTTP servers (conditional requests, a feed that changes, limits), the
marks of vanished records, and ``--propose``: one pull request per source through a fake forge,
nothing opened again when nothing changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from communs.cli import main
from communs.importers.pull import pull_source
from communs.importers.run import run_import
from communs.importers.sources import load_sources
from communs.records.directory import load_directory
from communs.settings import SiteSettings
from communs.site import exports
from fakeforge import FakeGitHub
from import_helpers import records, snapshot

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "import"
OPENAGENDA = FIXTURES / "openagenda-ouest.json"
SITE = SiteSettings(site_url="https://communs.example.org", site_name="communs — La Réunion", build_date=date(2026, 10, 1))
TOKEN = "ghp_sources_test_token_0123456789"
TODAY = date(2026, 12, 3)


def write_sources(root: Path, text: str) -> Path:
    file = root / "sources.yml"
    file.write_text(text, encoding="utf-8")
    return file


def ical(*events: tuple[str, str, str]) -> bytes:
    """A feed of one-hour events at the Port's media library: (uid, summary, YYYYMMDD)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Mediatheque//FR", "X-WR-TIMEZONE:Indian/Reunion"]
    for uid, summary, day in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261201T080000Z", f"SUMMARY:{summary}", f"DTSTART;TZID=Indian/Reunion:{day}T140000",
                  f"DTEND;TZID=Indian/Reunion:{day}T150000", "CATEGORIES:Atelier,Culture",
                  "LOCATION:Médiathèque Benoîte Boulard\\, 2 rue de la Croix\\, 97420 Le Port", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


class Feed:
    """A feed on the local HTTP server that honours ETag / If-None-Match like a real one, and
    records what it was asked."""

    def __init__(self, server: HTTPServer, path: str, body: bytes, content_type: str = "text/calendar; charset=utf-8") -> None:
        self.body = body
        self.content_type = content_type
        self.version = 1
        self.asked: list[dict[str, str]] = []
        self.url = server.url_for(path)
        server.expect_request(path).respond_with_handler(self.handle)

    def change(self, body: bytes) -> None:
        self.body, self.version = body, self.version + 1

    def handle(self, request: Request) -> Response:
        self.asked.append({key.lower(): value for key, value in request.headers.items()})
        etag = f'"v{self.version}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(self.body, status=200, headers={"ETag": etag, "Content-Type": self.content_type})


@pytest.fixture
def server():
    """A local HTTP server on 127.0.0.1 (source addresses are checked like records' links, which
    want a dotted host)."""
    http = HTTPServer(host="127.0.0.1", port=0)
    http.start()
    yield http
    http.clear()
    if http.is_running():
        http.stop()


# sources.yml -------------------------------------------------------------------------------------


def test_the_reference_instance_follows_a_demo_source_that_validates():
    listing = load_sources(ROOT / "sources.yml")
    assert listing.ok, [p.message for p in listing.problems]
    [source] = listing.sources
    assert source.format == "ical" and source.path == (ROOT / "sources/demo/agenda-mediatheque.ics").resolve()


@pytest.mark.parametrize(("text", "code", "words"), [
    ("sources:\n  - name: A B\n    path: a.ics\n    format: ical\n", "bad-format", "lettres minuscules"),
    ("sources:\n  - name: agenda\n    path: a.ics\n    format: icall\n", "not-in-list", "Vouliez-vous écrire « ical »"),
    ("sources:\n  - name: agenda\n    path: ../secret.ics\n    format: ical\n", "bad-format", "sans « .. »"),
    ("sources:\n  - name: agenda\n    path: /etc/passwd\n    format: ical\n", "bad-format", "chemin relatif"),
    ("sources:\n  - name: agenda\n    url: javascript:alert(1)\n    format: ical\n", "url-scheme", "javascript:"),
    ("sources:\n  - name: agenda\n    format: ical\n", "source-location", "soit une adresse (url), soit un fichier"),
    ("sources:\n  - name: agenda\n    path: a.ics\n    url: https://example.org/a.ics\n    format: ical\n", "source-location", "pas les deux"),
    ("sources:\n  - name: agenda\n    path: absent.ics\n    format: ical\n", "source-file-missing", "n'existe pas dans le dépôt"),
    ("sources:\n  - name: tableau\n    path: a.ics\n    format: csv\n", "source-mapping-missing", "fichier de correspondance"),
    ("sources:\n  - name: agenda\n    path: a.ics\n    format: ical\n  - name: agenda\n    path: a.ics\n    format: ical\n", "duplicate-source", "l'autre ligne 2"),
    ("sources:\n  - name: agenda\n    path: a.ics\n    format: ical\n    communes: ['97499']\n", "unknown-commune", "97499"),
    ("sources:\n  - name: agenda\n    path: a.ics\n    format: ical\n    frequence: daily\n", "unknown-field", "n'existe pas"),
])
def test_each_mistake_in_sources_yml_is_refused_with_its_line_and_a_french_message(tmp_path, text, code, words):
    (tmp_path / "a.ics").write_bytes(ical())
    listing = load_sources(write_sources(tmp_path, text))
    assert not listing.ok
    found = [p for p in listing.problems if p.code == code]
    assert found, [(p.code, p.message) for p in listing.problems]
    assert words in found[0].message and found[0].line >= 2
    assert not [s for s in listing.sources if s.name in ("agenda", "tableau")] or code == "duplicate-source"


def test_communs_validate_checks_sources_yml_beside_the_content(tmp_path):
    (tmp_path / "content").mkdir()
    write_sources(tmp_path, "sources:\n  - name: agenda\n    path: absent.ics\n    format: ical\n")
    result = CliRunner().invoke(main, ["validate", "--content", str(tmp_path / "content")])
    assert result.exit_code == 1 and "source-file-missing" in result.output and "sources.yml:3:11" in result.output


# The OpenAgenda importer ---------------------------------------------------------------------------


def test_an_openagenda_export_becomes_events_with_what_openagenda_says(tmp_path):
    content = tmp_path / "content"
    result = run_import("openagenda", OPENAGENDA, content, jobs=1)
    assert result.validation.ok
    assert {s.code: s.reason for s in result.skipped} == {"not-published": "événement non publié sur OpenAgenda (state 1).", "no-date": "aucun horaire lisible (timings)."}
    found = records(content)
    slam = found["2027-01-06-atelier-slam-a-la-mediatheque"][1]
    # Four Wednesdays out of five: one weekly series, the missing week an exception.
    assert slam["recurrence"] == "FREQ=WEEKLY;UNTIL=20270203" and slam["exceptions"] == [{"date": "2027-01-20"}]
    assert slam["start"] == "2027-01-06T14:00:00+04:00" and slam["end"] == "2027-01-06T16:00:00+04:00"
    assert slam["price"] == {"free": True, "details": "Gratuit sur inscription"}
    assert slam["accessibility"] == {"wheelchair": True, "details": "Accessible aux personnes en situation de handicap auditif (selon la source)."}
    assert slam["age"] == {"min": 12, "max": 17}
    assert slam["registration"] == "https://mediatheques.example.re/inscriptions/slam" and slam["contact"] == {"phone": "+262 262 42 00 00"}
    assert slam["source"]["url"] == "https://openagenda.com/mediatheques-ouest-974/events/atelier-slam-a-la-mediatheque"
    assert "<p>" not in slam["description"] and slam["commune"] == "97407"
    concert = found["2027-01-16-concert-maloya-sous-les-filaos"][1]
    assert concert["status"] == "cancelled" and concert["price"]["min"] == 5 and concert["price"]["max"] == 10
    assert concert["themes"] == ["culture"]  # from its disciplines: no theme among its keywords
    online = found["2027-02-10-conference-en-ligne-les-recifs-coralliens-de-la-reunion"][1]
    assert online["status"] == "moved-online" and online["attendance"] == "online" and online["online_url"] == "https://visio.example.re/recifs"
    # Irregular timings: one event each, each with its own source id.
    ceramics = sorted(record_id for record_id in found if "ceramique" in record_id)
    assert ceramics == ["2027-03-05-portes-ouvertes-de-l-atelier-de-ceramique", "2027-03-06-portes-ouvertes-de-l-atelier-de-ceramique", "2027-03-20-portes-ouvertes-de-l-atelier-de-ceramique"]
    assert {found[i][1]["source"]["id"] for i in ceramics} == {"51002400/2027-03-05", "51002400/2027-03-06", "51002400/2027-03-20"}


# The communs importer: another directory's exports -----------------------------------------------


def test_a_directory_imports_another_directorys_exports_without_loss(tmp_path, demo):
    exported = tmp_path / "export"
    exported.mkdir()
    (exported / "acteurs.json").write_bytes(exports.actors_json(demo, SITE))
    (exported / "evenements.json").write_bytes(exports.events_json(demo, SITE))
    content = tmp_path / "content"
    result = run_import("communs", exported / "evenements.json", content, jobs=1)
    assert result.validation.ok and not result.skipped
    assert len(result.of("created")) == len(demo.actors) + len(demo.events)
    pictured = {record_id for record_id, record in (*demo.actors.items(), *demo.events.items()) if "image" in record.data}
    assert {o.id for o in result.outcomes if any("image de l'autre annuaire" in n.message for n in o.notes)} == pictured
    copy, _report = load_directory(content, jobs=1)
    again = {"acteurs": json.loads(exports.actors_json(copy, SITE)), "evenements": json.loads(exports.events_json(copy, SITE))}
    first = {"acteurs": json.loads((exported / "acteurs.json").read_bytes()), "evenements": json.loads((exported / "evenements.json").read_bytes())}
    for name in ("acteurs", "evenements"):
        before = {item["id"]: item for item in first[name]["data"]}
        after = {item["id"]: item for item in again[name]["data"]}
        assert sorted(before) == sorted(after)
        for record_id, item in before.items():
            kept = {k: v for k, v in item.items() if k not in ("source", "image")}
            assert {k: v for k, v in after[record_id].items() if k != "source"} == kept, record_id
            source = after[record_id]["source"]
            assert source["dataset"] == "communs-la-reunion" and source["id"] == record_id
            assert source["url"] == f"https://communs.example.org{'/acteurs/' if name == 'acteurs' else '/evenements/'}{record_id}/"
            assert source["licence"] == "ODbL 1.0"
            earlier = (item.get("source") or {}).get("credit")
            assert source["credit"] == (f"communs — La Réunion, d'après {earlier}" if earlier else "communs — La Réunion")


def test_a_file_that_is_not_a_communs_export_is_refused_and_nothing_is_written(tmp_path):
    other = tmp_path / "acteurs.json"
    other.write_text('[{"id": "x"}]', encoding="utf-8")
    content = tmp_path / "content"
    result = CliRunner().invoke(main, ["import", "communs", str(other), "--content", str(content)])
    assert result.exit_code == 2 and "n'est pas un export JSON d'un annuaire communs" in result.output
    assert not content.exists()


# Pulling -----------------------------------------------------------------------------------------


def pull(sources_file: Path, content: Path, name: str, **options):
    listing = load_sources(sources_file)
    assert listing.ok, [p.message for p in listing.problems]
    return pull_source(listing.named(name), content, today=options.pop("today", TODAY), **options)


def test_a_feed_that_changes_between_two_pulls(tmp_path, server: HTTPServer):
    feed = Feed(server, "/agenda.ics", ical(("a@m", "Atelier conte", "20270106"), ("b@m", "Atelier slam", "20270113"), ("c@m", "Atelier BD", "20260901")))
    sources_file = write_sources(tmp_path, f"sources:\n  - name: mediatheque\n    url: {feed.url}\n    format: ical\n    licence: Licence Ouverte 2.0\n    credit: Ville du Port\n")
    content = tmp_path / "content"
    first = pull(sources_file, content, "mediatheque")
    assert first.status == "imported" and first.created == 3 and first.line() == "mediatheque : 3 nouvelles fiches, 0 modifiée, 0 disparue de la source"
    assert feed.asked[0]["user-agent"].startswith("communs/") and "if-none-match" not in feed.asked[0]
    assert feed.asked[0]["accept-encoding"] == "identity"  # the size limit is the transfer's
    conte = records(content)["2027-01-06-atelier-conte"][1]
    assert conte["source"] == {"dataset": "mediatheque", "id": "a@m", "url": feed.url, "licence": "Licence Ouverte 2.0", "credit": "Ville du Port"}

    # Nothing new: the server says 304, nothing is written.
    before = snapshot(content)
    second = pull(sources_file, content, "mediatheque")
    assert second.status == "unchanged" and second.line() == "mediatheque : inchangée (flux identique au dernier relevé)"
    assert feed.asked[1]["if-none-match"] == '"v1"' and snapshot(content) == before

    # A person edits a record; the feed renames one event, drops a coming one and a past one.
    edited = content / "events/97407/2027-01-13-atelier-slam.yml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("title: Atelier slam", "title: Atelier slam (complet)"), encoding="utf-8")
    feed.change(ical(("a@m", "Atelier conte créole", "20270106"), ("b@m", "Atelier slam du mercredi", "20270113")))
    third = pull(sources_file, content, "mediatheque")
    assert (third.created, third.updated, third.conflicts) == (0, 1, 1)
    assert third.gone == []  # the past event (c@m) vanished as feeds drop past events: not marked
    found = records(content)
    assert found["2027-01-06-atelier-conte"][1]["title"] == "Atelier conte créole"
    assert found["2027-01-13-atelier-slam"][1]["title"] == "Atelier slam (complet)"  # the person's edit stays
    assert "missing_since" not in found["2026-09-01-atelier-bd"][1]["source"]

    # A coming event vanishes: marked, not deleted; it comes back: unmarked.
    feed.change(ical(("b@m", "Atelier slam du mercredi", "20270113")))
    fourth = pull(sources_file, content, "mediatheque")
    assert fourth.gone == ["events/97407/2027-01-06-atelier-conte.yml"] and "1 disparue de la source" in fourth.line()
    assert records(content)["2027-01-06-atelier-conte"][1]["source"]["missing_since"] == "2026-12-03"
    feed.change(ical(("a@m", "Atelier conte créole", "20270106"), ("b@m", "Atelier slam du mercredi", "20270113")))
    fifth = pull(sources_file, content, "mediatheque", today=date(2026, 12, 10))
    assert fifth.status == "imported" and "missing_since" not in records(content)["2027-01-06-atelier-conte"][1]["source"]
    assert fifth.back == 1 and "1 revenue" in fifth.line()
    # A row the source still gives but that cannot be imported this time is not "gone".
    feed.change(ical(("a@m", "Atelier conte créole", "20270106"), ("b@m", "Atelier slam du mercredi", "20270113")).replace(
        b"LOCATION:M\xc3\xa9diath\xc3\xa8que Beno\xc3\xaete Boulard\\, 2 rue de la Croix\\, 97420 Le Port", b"LOCATION:Quelque part", 1))
    sixth = pull(sources_file, content, "mediatheque", today=date(2026, 12, 10))
    assert sixth.skipped == 1 and sixth.gone == [], sixth.line()
    assert load_directory(content, jobs=1)[1].ok


def test_a_feed_beyond_its_size_limit_or_answering_an_error_fails_and_writes_nothing(tmp_path, server: HTTPServer):
    big = Feed(server, "/gros.ics", ical(*[(f"{n}@m", f"Atelier {n}", "20270106") for n in range(9000)]))
    server.expect_request("/absent.ics").respond_with_data("introuvable", status=404)
    sources_file = write_sources(tmp_path, f"sources:\n  - name: gros\n    url: {big.url}\n    format: ical\n    max_size: 1\n"
                                           f"  - name: absent\n    url: {server.url_for('/absent.ics')}\n    format: ical\n")
    content = tmp_path / "content"
    too_big = pull(sources_file, content, "gros")
    assert too_big.status == "failed" and "au-delà de la limite de 1,0 Mo" in too_big.reason or "dépasse la limite de 1,0 Mo" in too_big.reason
    missing = pull(sources_file, content, "absent")
    assert missing.line() == f"absent : échec — le serveur a répondu 404 pour {server.url_for('/absent.ics')}."
    assert not content.exists() or snapshot(content) == {}


def test_an_openagenda_source_and_a_second_communs_site_built_by_the_test(tmp_path, server: HTTPServer, demo_server):
    Feed(server, "/agendas/31455827/events.json", OPENAGENDA.read_bytes(), "application/json")
    sources_file = write_sources(tmp_path, (
        "sources:\n"
        f"  - name: mediatheques-ouest\n    url: {server.url_for('/agendas/31455827/events.json')}\n    format: openagenda\n    communes: ['97407']\n"
        f"  - name: voisins\n    url: {demo_server.url}/donnees/acteurs.json\n    format: communs\n    departements: ['974']\n"
    ))
    content = tmp_path / "content"
    agenda = pull(sources_file, content, "mediatheques-ouest")
    assert agenda.status == "imported" and agenda.created == 2  # the Port's two events; Saint-Paul's filtered out
    neighbours = pull(sources_file, content, "voisins")
    assert neighbours.status == "imported", neighbours.reason
    demo_ids = {path.stem for folder in ("actors", "events") for path in (ROOT / "content" / folder).glob("*/*.yml")}  # calls are not followed
    imported = {record_id for record_id, (_path, data) in records(content).items() if data["source"]["dataset"] == "voisins"}
    assert imported == demo_ids
    stage = records(content)["2026-12-20-kabar-fet-kaf"][1] if "2026-12-20-kabar-fet-kaf" in demo_ids else None
    if stage is not None:
        assert stage["source"]["url"] == f"{demo_server.url}/evenements/2026-12-20-kabar-fet-kaf/"
    assert pull(sources_file, content, "voisins").status == "unchanged"


# Proposing: one pull request per source ------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    environment = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=cwd, env=environment, check=True, capture_output=True, text=True).stdout


def directory_with_remote(work: Path, remote: Path, sources_text: str) -> str:
    """A directory repository at ``work`` (an empty content folder, ``sources_text`` as its
    sources.yml), committed and pushed to the bare ``remote``; its base commit."""
    git(remote.parent, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(work.parent, "init", "--quiet", "--initial-branch=main", str(work))
    (work / "content").mkdir()
    (work / "content" / ".gitkeep").write_text("")
    write_sources(work, sources_text)
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "Directory")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "--quiet", "origin", "main")
    return git(work, "rev-parse", "HEAD").strip()


def test_propose_opens_one_pull_request_per_source_and_nothing_when_nothing_changed(tmp_path, server: HTTPServer):
    forge = FakeGitHub(server, prefix="/api", token=TOKEN, branches={"main", "sources/mediatheque", "sources/openagenda"})
    feed = Feed(server, "/agenda.ics", ical(("a@m", "Atelier conte", "20270106")))
    Feed(server, "/oa.json", OPENAGENDA.read_bytes(), "application/json")
    remote = tmp_path / "remote.git"
    work = tmp_path / "work"
    base = directory_with_remote(work, remote, f"sources:\n  - name: mediatheque\n    url: {feed.url}\n    format: ical\n    every: daily\n"
                                               f"  - name: openagenda\n    url: {server.url_for('/oa.json')}\n    format: openagenda\n    every: monthly\n")

    def run_pull(*extra: str):
        environment = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), "COMMUNS_FORGE_TOKEN": TOKEN}
        return subprocess.run([sys.executable, "-m", "communs.cli", "sources", "pull", "--date", "2026-12-01", "--propose", "--forge", "github", "--project", "owner/name",
                               "--api-url", forge.api_url, *extra], cwd=work, env=environment, capture_output=True, text=True)

    done = run_pull()
    assert done.returncode == 0, done.stdout + done.stderr
    assert TOKEN not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("mediatheque : 1 nouvelle fiche, 0 modifiée, 0 disparue de la source — demande de fusion ouverte : ")
    assert lines[1].startswith("openagenda : 6 nouvelles fiches")  # the 1st of the month: the monthly source is due too
    assert not forge.violations
    pulls = {pull["head"]["ref"]: pull for pull in forge.pulls}
    assert sorted(pulls) == ["sources/mediatheque", "sources/openagenda"]
    mediatheque = pulls["sources/mediatheque"]
    assert mediatheque["base"]["ref"] == "main" and mediatheque["title"] == "Source mediatheque : 1 nouvelle fiche, 0 modifiée, 0 disparue de la source"
    assert "Relevé automatique de la source **mediatheque** (ical)" in mediatheque["body"] and "## Annuaire : 1 fiche ajoutée" in mediatheque["body"]
    assert "Atelier conte" in mediatheque["body"]
    # Each branch holds only its source's records, on the base; main and the working copy are untouched.
    for branch, folder in (("sources/mediatheque", "mediatheque"), ("sources/openagenda", "openagenda")):
        assert git(remote, "rev-parse", f"{branch}^").strip() == base
        changed = git(remote, "diff", "--name-only", "main", branch).split()
        assert f"content/.imports/{folder}.json" in changed and all(not path.startswith("content/.imports/") or folder in path for path in changed)
    assert git(remote, "rev-parse", "main").strip() == base and git(work, "rev-parse", "HEAD").strip() == base
    assert git(work, "status", "--porcelain") == ""
    author = git(remote, "log", "-1", "--format=%an <%ae>", "sources/mediatheque").strip()
    assert author == "communs (sources) <sources@users.noreply.communs.invalid>"

    # Again, with no news: nothing pushed, no request posted.
    posts = len(forge.posts())
    tips = git(remote, "for-each-ref", "--format=%(objectname)", "refs/heads/sources")
    again = run_pull()
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(forge.posts()) == posts and git(remote, "for-each-ref", "--format=%(objectname)", "refs/heads/sources") == tips
    assert "demande de fusion déjà ouverte, rien de neuf" in again.stdout

    # The feed changes: the same request is updated (the branch moves), no second request.
    feed.change(ical(("a@m", "Atelier conte créole", "20270106")))
    third = run_pull("mediatheque")
    assert third.returncode == 0 and "demande de fusion déjà ouverte, mise à jour" in third.stdout
    assert len([p for p in forge.pulls if p["head"]["ref"] == "sources/mediatheque"]) == 1
    # The pull starts from main again, where the first request is not merged: the branch holds the
    # source as it is now, not two versions of the event.
    events = git(remote, "ls-tree", "-r", "--name-only", "sources/mediatheque", "content/events").split()
    assert events == ["content/events/97407/2027-01-06-atelier-conte-creole.yml"]


def test_propose_refuses_a_content_folder_with_uncommitted_changes(tmp_path):
    work = tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(work))
    (work / "content").mkdir()
    (work / "agenda.ics").write_bytes(ical(("a@m", "Atelier conte", "20270106")))
    write_sources(work, "sources:\n  - name: mediatheque\n    path: agenda.ics\n    format: ical\n")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "Directory")
    (work / "content" / "brouillon.txt").write_text("à moi")
    result = CliRunner().invoke(main, ["sources", "pull", "--all", "--propose", "--content", str(work / "content")])
    assert result.exit_code == 2 and "modifications non commitées (content/brouillon.txt)" in result.output
    assert (work / "content" / "brouillon.txt").read_text() == "à moi" and not list((work / "content").rglob("*.yml"))


def test_pull_names_an_unknown_source(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "a.ics").write_bytes(ical())
    write_sources(tmp_path, "sources:\n  - name: mediatheque\n    path: a.ics\n    format: ical\n")
    result = CliRunner().invoke(main, ["sources", "pull", "mediateque", "--content", str(tmp_path / "content")])
    assert result.exit_code == 2 and "Aucune source ne s'appelle « mediateque »" in result.output and "mediatheque" in result.output  # unknown-source


def test_the_ci_script_pushes_with_the_token_in_the_environment_only(tmp_path, server: HTTPServer):
    """scripts/ci/sources-pull.sh as the scheduled workflow runs it (GitHub's variables), against a
    bare repository standing in for the forge's Git server and the fake forge's API."""
    forge = FakeGitHub(server, prefix="/api", token=TOKEN, branches={"main", "sources/mediatheque"})
    feed = Feed(server, "/agenda.ics", ical(("a@m", "Atelier conte", "20270106")))
    hosting = tmp_path / "forge"
    (hosting / "owner").mkdir(parents=True)
    remote = hosting / "owner" / "name.git"
    work = tmp_path / "work"
    directory_with_remote(work, remote, f"sources:\n  - name: mediatheque\n    url: {feed.url}\n    format: ical\n    every: daily\n")
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), "COMMUNS": str(Path(sys.executable).with_name("communs")),
                   "COMMUNS_FORGE_TOKEN": TOKEN, "GITHUB_SERVER_URL": f"file://{hosting}", "GITHUB_REPOSITORY": "owner/name",
                   "GITHUB_API_URL": forge.api_url, "COMMUNS_BASE_BRANCH": "main"}
    done = subprocess.run(["bash", str(ROOT / "scripts/ci/sources-pull.sh"), "github"], cwd=work, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "demande de fusion ouverte" in done.stdout and [p["head"]["ref"] for p in forge.pulls] == ["sources/mediatheque"]
    assert git(remote, "rev-parse", "--verify", "sources/mediatheque").strip()
    assert TOKEN not in done.stdout + done.stderr and TOKEN not in (work / ".git" / "config").read_text()
    assert git(remote, "log", "main", "--format=%s").strip() == "Directory"
    missing = subprocess.run(["bash", str(ROOT / "scripts/ci/sources-pull.sh"), "github"], cwd=work, env={**environment, "COMMUNS_FORGE_TOKEN": ""}, capture_output=True, text=True)
    assert missing.returncode == 2 and "COMMUNS_FORGE_TOKEN est vide" in missing.stderr


def test_git_pushes_with_the_forge_token_as_a_header_given_in_its_environment():
    from communs.importers.propose import token_header

    assert token_header("github", "abc") == "Authorization: Basic eC1hY2Nlc3MtdG9rZW46YWJj"  # x-access-token:abc
    assert token_header("gitlab", "abc") == "Authorization: Basic b2F1dGgyOmFiYw=="  # oauth2:abc


def test_a_directory_whose_events_changed_but_not_its_actors_keeps_its_actors(tmp_path, server: HTTPServer, demo):
    """The two exports of a directory make one import: when one answers 304, it is read anyway,
    or every record it holds would look gone from the source."""
    actors = Feed(server, "/donnees/acteurs.json", exports.actors_json(demo, SITE), "application/json")
    events = Feed(server, "/donnees/evenements.json", exports.events_json(demo, SITE), "application/json")
    sources_file = write_sources(tmp_path, f"sources:\n  - name: voisins\n    url: {actors.url}\n    format: communs\n")
    content = tmp_path / "content"
    assert pull(sources_file, content, "voisins").status == "imported"
    assert pull(sources_file, content, "voisins").status == "unchanged"
    assert [len(actors.asked), len(events.asked)] == [2, 2] and actors.asked[1]["if-none-match"] == '"v1"'  # asked once each, conditionally
    events.change(events.body.replace("Kabar de la Fèt Kaf".encode(), "Kabar de la Fèt Kaf 2026".encode()))
    second = pull(sources_file, content, "voisins")
    assert second.status == "imported" and second.gone == [] and second.updated == 1, second.line()
    assert not [data for _path, data in records(content).values() if "missing_since" in data["source"]]


@pytest.mark.parametrize(("conditions", "price"), [
    ("Gratuit sur inscription", {"free": True}),
    ("Entrée libre", {"free": True}),
    ("Tarif plein 10 €, gratuit pour les moins de 12 ans", {"min": 10}),
    ("Non gratuit : 5 €", {"min": 5}),
    ("De 5 à 10 €", {"min": 5, "max": 10}),
    ("Entrée : 10 € ; 5 € pour les moins de 18 ans", {"min": 5, "max": 10}),
])
def test_openagenda_conditions_become_a_price(conditions, price):
    from communs.importers.from_openagenda import price_of

    assert price_of(conditions) == {**price, "details": conditions}


def test_propose_never_erases_a_persons_commit_on_the_branch(tmp_path, server: HTTPServer):
    forge = FakeGitHub(server, prefix="/api", token=TOKEN, branches={"main", "sources/mediatheque"})
    feed = Feed(server, "/agenda.ics", ical(("a@m", "Atelier conte", "20270106")))
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    directory_with_remote(work, remote, f"sources:\n  - name: mediatheque\n    url: {feed.url}\n    format: ical\n    every: daily\n")
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), "COMMUNS_FORGE_TOKEN": TOKEN}
    command = [sys.executable, "-m", "communs.cli", "sources", "pull", "--propose", "--forge", "github", "--project", "owner/name", "--api-url", forge.api_url]
    assert subprocess.run(command, cwd=work, env=environment, capture_output=True, text=True).returncode == 0
    # A maintainer fixes a title on the branch, in the forge's editor.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--branch", "sources/mediatheque", str(remote), str(clone))
    record = clone / "content/events/97407/2027-01-06-atelier-conte.yml"
    record.write_text(record.read_text(encoding="utf-8").replace("title: Atelier conte", "title: Atelier conte (complet)"), encoding="utf-8")
    git(clone, "commit", "--quiet", "-am", "Complet")
    git(clone, "push", "--quiet", "origin", "sources/mediatheque")
    tip = git(remote, "rev-parse", "sources/mediatheque").strip()
    feed.change(ical(("a@m", "Atelier conte créole", "20270106")))
    again = subprocess.run(command, cwd=work, env=environment, capture_output=True, text=True)
    assert again.returncode == 1 and "la branche sources/mediatheque a des commits d'une personne" in again.stdout
    assert git(remote, "rev-parse", "sources/mediatheque").strip() == tip
    assert git(work, "status", "--porcelain") == ""


def test_a_weekly_openagenda_series_across_summer_time_stays_one_series():
    from communs.importers.from_openagenda import series_of, timings_of

    event = {"timezone": "Europe/Paris", "timings": [
        {"begin": "2027-03-18T20:00:00+01:00", "end": "2027-03-18T22:00:00+01:00"},
        {"begin": "2027-03-25T20:00:00+01:00", "end": "2027-03-25T22:00:00+01:00"},
        {"begin": "2027-04-01T20:00:00+02:00", "end": "2027-04-01T22:00:00+02:00"},  # summer time since 28 March
    ]}
    assert series_of(timings_of(event)) == ("FREQ=WEEKLY;UNTIL=20270401", [])
    # Without a zone, each timing's own offset gives its wall clock: the same rhythm.
    assert series_of(timings_of({k: v for k, v in event.items() if k != "timezone"})) == ("FREQ=WEEKLY;UNTIL=20270401", [])
    # A timing an hour off is not the same rhythm.
    event["timings"][1] = {"begin": "2027-03-25T21:00:00+01:00", "end": "2027-03-25T23:00:00+01:00"}
    assert series_of(timings_of(event)) is None
