"""The contribution service over HTTP, against real Git repositories (local bare remotes)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import git
import pytest
import yaml
from conftest import ROOT
from service_helpers import demo_remote
from starlette.testclient import TestClient

from communs.contrib.service import ServiceConfig, create_app
from communs.records.validation import validate

ACTOR = {
    "name": "Atelier Zot Koulèr",
    "kind": "association",
    "summary": "Atelier de peinture et de fresques pour les jeunes du quartier.",
    "description": "Des **ateliers** chaque mercredi.\n",
    "themes": ["culture", "education"],
    "commune": "97411",
    "address": {"street": "3 rue Jean Chatel", "postal_code": "97400"},
    "geo": {"lat": -20.8801, "lon": 55.4502},
    "contact": {"email": "bonjour@zot-kouler.example.org"},
}


@pytest.fixture
def remote(tmp_path) -> Path:
    """A bare repository holding the demo content on main, like a forge would."""
    return demo_remote(tmp_path, ROOT / "content")


def make_client(remote: Path, tmp_path: Path, **overrides) -> TestClient:
    settings = {"repository": str(remote), "data_dir": str(tmp_path / "service"), "min_fill_seconds": 0, "site_url": "http://site.test", **overrides}
    app = create_app(ServiceConfig.load(None, settings))
    return TestClient(app)


@pytest.fixture
def client(remote, tmp_path):
    with make_client(remote, tmp_path) as test_client:
        yield test_client


def token(client: TestClient) -> str:
    answer = client.get("/api/form-token")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    return answer.json()["token"]


def submit(client: TestClient, record: dict, **extra) -> object:
    payload = {"kind": "actor", "action": "create", "record": record, "message": "", "contributor": {}, "token": token(client), **extra}
    return client.post("/api/submissions", json=payload)


def branches(remote: Path) -> dict[str, str]:
    repository = git.Repo(remote)
    return {ref.name: ref.commit.hexsha for ref in repository.branches}


def changed_files(remote: Path, branch: str) -> list[str]:
    return git.Repo(remote).git.diff("--name-only", "main", branch).splitlines()


def test_new_actor_becomes_a_branch_with_one_canonical_file(client, remote, tmp_path):
    main_before = branches(remote)["main"]
    answer = submit(client, ACTOR)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "opened" and body["receipt"] and body["branch"].startswith("contrib/atelier-zot-kouler-")
    assert branches(remote)["main"] == main_before  # main untouched
    assert changed_files(remote, body["branch"]) == ["content/actors/97411/atelier-zot-kouler.yml"]
    repository = git.Repo(remote)
    commit = repository.commit(body["branch"])
    assert (commit.author.name, commit.author.email) == ("Contribution anonyme", "contributions@noreply.communs.invalid")
    text = repository.git.show(f"{body['branch']}:content/actors/97411/atelier-zot-kouler.yml")
    assert text.startswith("# yaml-language-server: $schema=../../../schemas/actor.schema.json\nid: atelier-zot-kouler\nname: Atelier Zot Koulèr\n")
    assert yaml.safe_load(text) == {"id": "atelier-zot-kouler", **ACTOR}
    # The branch passes the same validation as CI.
    checkout = tmp_path / "checkout"
    git.Repo.clone_from(remote, checkout, branch=body["branch"])
    assert validate(checkout / "content").ok
    status = client.get(f"/api/submissions/{body['receipt']}").json()
    assert status["status"] == "opened" and status["branch"] == body["branch"]


def test_credited_contributor_is_the_author_with_a_noreply_address(client, remote):
    answer = submit(client, ACTOR, contributor={"name": "Marie Payet", "email": "marie@example.org", "credit": True}, message="Bonjour")
    branch = answer.json()["branch"]
    commit = git.Repo(remote).commit(branch)
    assert commit.author.name == "Marie Payet" and commit.author.email == "contributions@noreply.communs.invalid"
    request = json.loads(next((Path(client.app.state.service.config.data_dir) / "requests").glob("*.json")).read_text())
    assert "marie@example.org" in request["body"] and "Bonjour" in request["body"]


def test_anonymous_contributor_email_never_reaches_the_request(client, remote):
    answer = submit(client, ACTOR, contributor={"name": "Marie Payet", "email": "marie@example.org", "credit": False})
    assert answer.status_code == 202
    request = next((Path(client.app.state.service.config.data_dir) / "requests").glob("*.json")).read_text()
    assert "marie@example.org" not in request and "Marie Payet" not in request


def test_invalid_record_is_refused_with_the_validator_messages_and_nothing_written(client, remote):
    before = branches(remote)
    bad = {**ACTOR, "kind": "asso", "commune": "97499"}
    answer = submit(client, bad)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert {e["code"] for e in errors} >= {"not-in-list", "unknown-commune"}
    for error in errors:
        assert set(error) == {"field", "anchor", "label", "message", "summary", "code", "pointer", "choices"}  # no file, no path
    assert "Vouliez-vous écrire « association » ?" in " ".join(e["message"] for e in errors)
    kind = next(e for e in errors if e["field"] == "kind")
    assert kind["label"] == "Type d'acteur" and kind["anchor"] == "champ-kind" and "« kind »" not in kind["message"]
    assert [e["field"] for e in errors] == sorted({e["field"] for e in errors}, key=[e["field"] for e in errors].index)  # one per field
    assert branches(remote) == before
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))


def test_the_same_submission_twice_opens_one_request(client, remote):
    first = submit(client, ACTOR).json()
    second = submit(client, ACTOR).json()
    assert first["receipt"] == second["receipt"] and first["branch"] == second["branch"]
    assert len([b for b in branches(remote) if b.startswith("contrib/")]) == 1


def test_exact_duplicate_of_an_existing_actor_is_refused(client):
    answer = submit(client, {**ACTOR, "name": "Compagnie Ti Kaz"})
    assert answer.status_code == 422
    assert [e["code"] for e in answer.json()["errors"]] == ["duplicate-record"]
    # For a person: the page of the existing record, never a file path.
    message = answer.json()["errors"][0]["message"]
    assert "http://site.test/acteurs/compagnie-ti-kaz/" in message and ".yml" not in answer.text and "content/" not in answer.text


def test_correction_changes_only_what_changed_and_keeps_the_comment(client, remote):
    repository = git.Repo(remote)
    path = "content/actors/97411/compagnie-ti-kaz.yml"
    record = yaml.safe_load(repository.git.show(f"main:{path}"))
    record["contact"]["phone"] = "+262 262 00 11 99"
    answer = submit(client, record, action="update")
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    diff = repository.git.diff("main", branch, "--unified=0", "--", path).splitlines()
    changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ['-  phone: "+262 262 00 11 01"', '+  phone: "+262 262 00 11 99"']
    assert repository.git.show(f"{branch}:{path}").startswith("# yaml-language-server:")


def test_a_correction_through_the_form_keeps_what_the_form_does_not_show(client, remote):
    """The form has no field for an actor's links (nor an import's source): a correction sent
    without them keeps them as they are."""
    repository = git.Repo(remote)
    path = "content/actors/97411/kaz-numerik-bois-de-nefles.yml"
    record = yaml.safe_load(repository.git.show(f"main:{path}"))
    assert record["links"][0]["actor"] == "mediatheque-des-hauts-du-brule"
    sent = {k: v for k, v in record.items() if k != "links"}
    sent["summary"] = record["summary"].rstrip(".") + ", ouvert à tous."
    answer = submit(client, sent, action="update")
    assert answer.status_code == 202, answer.text
    after = yaml.safe_load(repository.git.show(f"{answer.json()['branch']}:{path}"))
    assert after["links"] == record["links"] and after["summary"] == sent["summary"]


def test_a_series_made_a_single_event_through_the_form_loses_its_exceptions(client, remote):
    """What the form does not show is kept, except a series' exceptions: they go with its rule."""
    market = yaml.safe_load(git.Repo(remote).git.show("main:content/events/97415/2026-09-05-marche-forain-du-guillaume.yml"))
    single = {k: v for k, v in market.items() if k not in ("recurrence", "exceptions")}
    answer = submit(client, single, kind="event", action="update")
    assert answer.status_code == 202, answer.text
    after = yaml.safe_load(git.Repo(remote).git.show(f"{answer.json()['branch']}:content/events/97415/2026-09-05-marche-forain-du-guillaume.yml"))
    assert "recurrence" not in after and "exceptions" not in after


def test_a_contributor_cannot_say_where_a_record_comes_from(client, remote):
    """« source » is the importers' to write: sent with a contribution, it is not kept."""
    record = {**ACTOR, "name": "Atelier de réparation du Chaudron", "source": {"dataset": "festivals-global-festivals-pl", "id": "FEST_974"}}
    answer = submit(client, record)
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    path = next(p for p in changed_files(remote, branch) if p.endswith(".yml"))
    assert "source" not in yaml.safe_load(git.Repo(remote).git.show(f"{branch}:{path}"))


def test_correction_of_nothing_is_refused(client, remote):
    record = yaml.safe_load(git.Repo(remote).git.show("main:content/actors/97411/compagnie-ti-kaz.yml"))
    answer = submit(client, record, action="update")
    assert answer.status_code == 422 and "ne change rien" in answer.json()["message"]


def test_deletion_request_removes_the_file_and_says_why(client, remote):
    answer = submit(client, {"id": "compagnie-ti-kaz"}, action="delete", message="L'association a été dissoute en 2026.")
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    assert git.Repo(remote).git.diff("--name-status", "main", branch) == "D\tcontent/actors/97411/compagnie-ti-kaz.yml"
    assert any("nomme cet acteur" in w["message"] for w in answer.json()["warnings"])  # its events will need fixing
    # The reason is where a reviewer reads it, even on a plain Git remote: in the commit, in French.
    message = git.Repo(remote).commit(branch).message
    assert message.startswith("Suppression : Compagnie Ti Kaz") or message.startswith("Suppression : compagnie-ti-kaz")
    assert "L'association a été dissoute en 2026." in message
    refused = submit(client, {"id": "compagnie-ti-kaz"}, action="delete", message="")
    assert refused.status_code == 422


@pytest.mark.parametrize(
    ("payload_change", "status", "words"),
    [
        ({"token": ""}, 403, "jeton"),
        ({"token": "forged.token.value"}, 403, "pas valide"),
        ({"site_web_2": "http://spam.example"}, 400, "champ caché"),
        ({"kind": "place"}, 400, "actor"),
        ({"action": "rename"}, 400, "create"),
        ({"record": "not an object"}, 400, "objet"),
        ({"message": "x" * 2001}, 400, "2000"),
        ({"contributor": {"name": "x" * 101}}, 400, "trop long"),
        ({"record": {**ACTOR, "commune": "../../etc"}}, 422, ""),
        ({"record": {"id": "../../etc/passwd"}, "action": "update"}, 404, "Aucune fiche"),
        ({"record": {**ACTOR, "description": "<script>alert(1)</script>\n"}}, 422, "HTML"),
        ({"record": {**ACTOR, "name": ["liste"]}}, 422, ""),
        ({"record": {**ACTOR, "summary": "x" * 251}}, 422, "251"),
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_written(client, remote, payload_change, status, words):
    before = branches(remote)
    payload = {"kind": "actor", "action": "create", "record": ACTOR, "message": "", "contributor": {}, "token": token(client), **payload_change}
    answer = client.post("/api/submissions", json=payload)
    assert answer.status_code == status, answer.text
    document = answer.json()
    text = document["message"] + " ".join(e["message"] for e in document.get("errors", []))
    assert words in text
    assert branches(remote) == before
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))
    assert str(client.app.state.service.config.data_dir) not in answer.text and "Traceback" not in answer.text


def test_huge_body_is_refused_before_it_is_read(client, remote):
    answer = client.post("/api/submissions", content=b"{" + b" " * (10 * 1024 * 1024) + b"}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "trop volumineuse" in answer.json()["message"]


def test_expired_and_too_fast_tokens(remote, tmp_path):
    # Each limit far from the other, so that a slow machine cannot make one pass for the other.
    with make_client(remote, tmp_path, min_fill_seconds=60, token_max_age=600) as client:
        answer = client.post("/api/submissions", json={"kind": "actor", "record": ACTOR, "token": token(client)})
        assert answer.status_code == 403 and "trop vite" in answer.json()["message"]
    with make_client(remote, tmp_path, min_fill_seconds=0, token_max_age=1) as client:
        fresh = token(client)
        time.sleep(2.2)
        answer = client.post("/api/submissions", json={"kind": "actor", "record": ACTOR, "token": fresh})
        assert answer.status_code == 403 and "expiré" in answer.json()["message"]


def test_rate_limit_per_client(remote, tmp_path):
    with make_client(remote, tmp_path, submissions_per_hour=2) as client:
        for number in range(2):
            assert submit(client, {**ACTOR, "name": f"Atelier numéro {number}"}).status_code == 202
        answer = submit(client, {**ACTOR, "name": "Atelier de trop"})
        assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0
        assert "Trop d'envois" in answer.json()["message"]


def test_unreachable_remote_queues_and_a_restart_delivers(remote, tmp_path):
    hidden = tmp_path / "remote-away.git"
    with make_client(remote, tmp_path) as client:
        client.app.state.service.desk.base()  # the mirror knows main
        remote.rename(hidden)
        answer = submit(client, ACTOR)
        assert answer.status_code == 202 and answer.json()["status"] == "queued" and answer.json()["pull_request"] is None
        receipt = answer.json()["receipt"]
    hidden.rename(remote)
    with make_client(remote, tmp_path) as client:  # a new process on the same data folder
        service = client.app.state.service
        for submission in service.desk.store.all():
            submission.next_attempt = 0
            service.desk.store.save(submission)
        for submission in service.desk.pending():
            service.desk.deliver(submission)
        assert client.get(f"/api/submissions/{receipt}").json()["status"] == "opened"
    assert any(name.startswith("contrib/atelier-zot-kouler") for name in branches(remote))


def test_cors_only_for_the_site(client):
    allowed = client.options("/api/submissions", headers={"Origin": "http://site.test", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert allowed.headers.get("access-control-allow-origin") == "http://site.test"
    other = client.options("/api/submissions", headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers


def test_a_site_on_this_machine_is_allowed_by_both_loopback_names(remote, tmp_path):
    """`make serve` prints http://127.0.0.1:PORT; a person types http://localhost:PORT: the form's
    requests must pass from both, and from no other port or host."""
    with make_client(remote, tmp_path, site_url="http://127.0.0.1:18080") as client:
        def allowed(origin: str) -> str | None:
            answer = client.options("/api/form-token", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
            return answer.headers.get("access-control-allow-origin")

        assert allowed("http://127.0.0.1:18080") == "http://127.0.0.1:18080"
        assert allowed("http://localhost:18080") == "http://localhost:18080"
        assert allowed("http://localhost:18081") is None and allowed("http://localhost.evil.test:18080") is None


def test_form_page_comes_from_the_schema(client):
    page = client.get("/contribuer/")
    assert page.status_code == 200
    html = page.text
    for label in ("Nom", "Type d&#39;acteur", "Thématiques", "Commune", "Position sur la carte"):
        assert label in html, label
    assert 'name="token" value="' in html and 'name="site_web_2"' in html
    assert "Vivre-ensemble" in html and 'maxlength="250"' in html
    event = client.get("/contribuer/?type=evenement").text
    assert "Début" in event and 'name="start.date"' in event


def test_correction_form_is_prefilled(client):
    html = client.get("/contribuer/actor/compagnie-ti-kaz").text
    assert 'value="Compagnie Ti Kaz"' in html and 'name="record_id" value="compagnie-ti-kaz"' in html
    assert "Corriger la fiche « Compagnie Ti Kaz »" in html  # its name, not its id
    assert client.get("/contribuer/actor/../../etc").status_code == 404
    assert client.get("/contribuer/actor/inconnue").status_code == 404


def test_html_form_errors_keep_what_was_typed(client, remote):
    page = client.get("/contribuer/").text
    form_token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    before = branches(remote)
    answer = client.post("/contribuer/", data={"form_kind": "actor", "action": "create", "token": form_token, "name": "Mon atelier <b>", "summary": "court", "commune": "97411"}, headers={"Origin": "http://testserver"})
    assert answer.status_code == 422
    assert 'value="Mon atelier &lt;b&gt;"' in answer.text  # kept, escaped
    assert 'aria-invalid="true"' in answer.text and "field-error" in answer.text
    assert branches(remote) == before


def test_html_form_from_another_site_is_refused(client):
    answer = client.post("/contribuer/", data={"form_kind": "actor"}, headers={"Origin": "http://evil.test"})
    assert answer.status_code == 403


def test_html_form_success_says_what_happens_next(client, remote):
    page = client.get("/contribuer/").text
    form_token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    data = {"form_kind": "actor", "action": "create", "token": form_token, "name": ACTOR["name"], "kind": "association", "summary": ACTOR["summary"],
            "themes": ["culture", "education"], "commune": "97411", "address.street": "3 rue Jean Chatel", "address.postal_code": "97400"}
    answer = client.post("/contribuer/", data=data, headers={"Origin": "http://testserver"})
    assert answer.status_code == 202, answer.text[:2000]
    assert "Numéro de reçu" in answer.text and "Et maintenant" in answer.text


def test_helpers_for_the_form(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    communes = client.get("/api/communes?q=saint denis").json()["communes"]
    assert communes[0]["code"] == "97411"
    duplicates = client.get("/api/duplicates?name=compagnie ti kas&commune=97411").json()["duplicates"]
    assert duplicates and duplicates[0]["id"] == "compagnie-ti-kaz"
    assert client.get("/api/submissions/NOPE").status_code == 404


def test_new_event_gets_a_dated_id_and_passes_validation(client, remote, tmp_path):
    event = {
        "title": "Veillée contes au jardin",
        "type": "spectacle",
        "summary": "Une veillée de contes créoles pour petits et grands, au jardin.",
        "themes": ["culture"],
        "organizers": ["compagnie-ti-kaz"],
        "commune": "97411",
        "venue": "compagnie-ti-kaz",
        "start": "2027-02-13T18:30:00+04:00",
        "end": "2027-02-13T21:00:00+04:00",
        "price": {"free": True},
    }
    answer = client.post("/api/submissions", json={"kind": "event", "action": "create", "record": event, "token": token(client)})
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    assert changed_files(remote, branch) == ["content/events/97411/2027-02-13-veillee-contes-au-jardin.yml"]
    checkout = tmp_path / "checkout-event"
    git.Repo.clone_from(remote, checkout, branch=branch)
    assert validate(checkout / "content").ok
    unknown = client.post("/api/submissions", json={"kind": "event", "action": "create", "record": {**event, "organizers": ["personne"]}, "token": token(client)})
    assert unknown.status_code == 422 and [e["code"] for e in unknown.json()["errors"]] == ["unknown-organizer"]


def test_example_configuration_loads_and_typos_are_refused(tmp_path):
    from communs.contrib.service import ConfigError

    config = ServiceConfig.load(ROOT / "contrib.example.toml", {})
    assert config.forge == "github" and config.submissions_per_hour == 10
    typo = tmp_path / "contrib.toml"
    typo.write_text('[repository]\nrepository = "x"\n[forge]\nforje = "github"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="forje"):
        ServiceConfig.load(typo, {})


def test_correction_works_with_a_data_folder_relative_to_the_working_directory(remote, tmp_path, monkeypatch):
    """`make serve` keeps the service's data in .communs-demo/service, under the working directory."""
    monkeypatch.chdir(tmp_path)
    with make_client(remote, tmp_path, data_dir="service-here") as client:
        record = yaml.safe_load(git.Repo(remote).git.show("main:content/actors/97411/compagnie-ti-kaz.yml"))
        record["contact"]["phone"] = "+262 262 00 11 98"
        answer = submit(client, record, action="update")
        assert answer.status_code == 202, answer.text
        bad = submit(client, {**record, "kind": "asso"}, action="update")
        assert bad.status_code == 422
        assert "service-here" not in bad.text and "content/" not in bad.text


def test_a_submission_delivered_by_the_request_is_not_delivered_again_by_the_worker(remote, tmp_path):
    """The worker may hold a copy read before the request delivered it: the pull request is opened once."""
    from dataclasses import replace

    with make_client(remote, tmp_path) as client:
        desk = client.app.state.service.desk
        opened = []
        forge_open = desk.forge.open_pull_request

        def counting_open(**request):
            opened.append(request["branch"])
            return forge_open(**request)

        desk.forge.open_pull_request = counting_open
        answer = submit(client, ACTOR)
        assert answer.status_code == 202 and answer.json()["status"] == "opened"
        stale = replace(desk.store.get(answer.json()["receipt"]), status="queued", pull_request="")
        again = desk.deliver(stale)
        assert again.status == "opened" and again.pull_request
        assert opened == [answer.json()["branch"]]


HTML_ACTOR = {"form_kind": "actor", "action": "create", "name": ACTOR["name"], "kind": "association", "summary": ACTOR["summary"],
              "themes": ["culture", "education"], "commune": "97411", "address.street": "3 rue Jean Chatel", "address.postal_code": "97400"}


def test_the_static_sites_form_without_javascript_succeeds_on_the_first_send(client, remote):
    """No JavaScript, no token: the browser's Origin says the form is the site's own."""
    before = branches(remote)
    answer = client.post("/contribuer/", data={**HTML_ACTOR, "token": ""}, headers={"Origin": "http://site.test"})
    assert answer.status_code == 202, answer.text[:2000]
    assert "Numéro de reçu" in answer.text
    new = set(branches(remote)) - set(before)
    assert len(new) == 1 and changed_files(remote, new.pop()) == ["content/actors/97411/atelier-zot-kouler.yml"]


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://evil.test"}, {"Referer": "http://evil.test/contribuer/"}, {"Origin": "http://site.test.evil.test"}])
def test_a_send_without_token_from_anywhere_else_is_refused_and_nothing_is_written(client, remote, headers):
    before = branches(remote)
    answer = client.post("/contribuer/", data={**HTML_ACTOR, "token": ""}, headers=headers)
    assert answer.status_code == 403
    assert "ne vient pas de ce site" in answer.text or "jeton du formulaire manque" in answer.text
    assert branches(remote) == before
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))


def test_refused_sends_do_not_use_up_the_limit_of_accepted_ones(remote, tmp_path):
    """A volunteer who makes ten mistakes can still send the eleventh, right version."""
    with make_client(remote, tmp_path, submissions_per_hour=2) as client:
        for _attempt in range(10):
            assert submit(client, {**ACTOR, "kind": "asso"}).status_code == 422
        assert submit(client, ACTOR).status_code == 202
        assert submit(client, {**ACTOR, "name": "Atelier numéro deux"}).status_code == 202
        third = submit(client, {**ACTOR, "name": "Atelier de trop"})
        assert third.status_code == 429 and "Trop d'envois depuis" in third.json()["message"]


def test_refused_sends_have_a_limit_of_their_own(remote, tmp_path):
    with make_client(remote, tmp_path, refusals_per_hour=3) as client:
        for _attempt in range(3):
            assert submit(client, {**ACTOR, "kind": "asso"}).status_code == 422
        answer = submit(client, ACTOR)
        assert answer.status_code == 429 and "Trop d'envois refusés" in answer.json()["message"]
        assert int(answer.headers["retry-after"]) > 0
        assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))


def test_the_services_pages_use_its_own_copy_of_the_sites_look(client):
    """The site's stylesheet on another origin would be blocked by the service's CSP ('self')."""
    for path in ("/contribuer/", "/contribuer/actor/compagnie-ti-kaz"):
        page = client.get(path)
        assert 'href="/theme/css/communs.css"' in page.text
        assert "style-src 'self'" in page.headers["content-security-policy"]
    css = client.get("/theme/css/communs.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and ".hp" in css.text
    assert client.get("/theme/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/theme/../pyproject.toml").status_code == 404


def test_html_errors_come_as_a_summary_linking_to_each_field_one_message_each(client, remote):
    """Three mistakes: one summary at the top, a link to each field, labels not keys, unique ids."""
    from html.parser import HTMLParser

    before = branches(remote)
    data = {**HTML_ACTOR, "token": "", "summary": "court", "kind": "", "contact.email": "pas-un-courriel"}
    answer = client.post("/contribuer/", data=data, headers={"Origin": "http://site.test"})
    assert answer.status_code == 422

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.links, self.in_summary, self.depth, self.described = [], [], False, 0, {}

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if "id" in attrs:
                self.ids.append(attrs["id"])
            if attrs.get("class") == "error-summary":
                self.in_summary = True
            if self.in_summary and tag == "a":
                self.links.append(attrs["href"])
            if "aria-describedby" in attrs:
                self.described[attrs.get("id")] = attrs["aria-describedby"].split()

        def handle_endtag(self, tag):
            if tag == "div" and self.in_summary:
                self.in_summary = False

    page = Page()
    page.feed(answer.text)
    assert len(page.ids) == len(set(page.ids)), "duplicate HTML ids"
    assert page.links == ["#champ-kind", "#champ-summary", "#champ-contact-email"]
    assert all(link[1:] in page.ids for link in page.links)
    for field in ("champ-kind", "champ-summary", "champ-contact-email"):
        assert field + "-erreur" in page.described[field]
    summary = answer.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "3 points à corriger" in summary and "« Résumé »" in summary and "Courriel" in summary
    assert "« summary »" not in answer.text and "« email »" not in answer.text
    assert answer.text.count('class="field-error"') == 3
    assert branches(remote) == before


@pytest.mark.parametrize(("typed", "code"), [("Saint-Pierre", "97416"), ("saint pierre", "97416"), ("97460", "97415"), ("St Paul", "97415"), ("Saint-Pierre (974)", "97416"), ("97411", "97411")])
def test_a_commune_is_typed_as_people_know_it(client, remote, typed, code):
    """A name or a postal code; the territory's commune wins over its namesakes elsewhere."""
    answer = client.post("/contribuer/", data={**HTML_ACTOR, "token": "", "commune": typed, "address.postal_code": ""}, headers={"Origin": "http://site.test"})
    assert answer.status_code == 202, answer.text[:3000]
    branch = next(b for b in branches(remote) if b.startswith("contrib/"))
    assert changed_files(remote, branch) == [f"content/actors/{code}/atelier-zot-kouler.yml"]
    if typed != code:
        assert "Ce que le formulaire a mis en forme" in answer.text and f"« {typed} »" in answer.text


def test_the_api_suggests_communes_by_name_or_postal_code_the_territorys_first(client):
    assert [c["code"] for c in client.get("/api/communes?q=Saint-Pierre").json()["communes"]][0] == "97416"
    assert [c["code"] for c in client.get("/api/communes?q=97460").json()["communes"]] == ["97415"]
    assert client.get("/api/communes?q=").json()["communes"] == []


def test_an_unclear_commune_is_chosen_from_a_list_not_refused_twice(client, remote):
    """« Saint-Pierre » in a directory with no commune of its own département: the person chooses."""
    service = client.app.state.service
    service.desk.base()
    service.desk._base = replace(service.desk._base, preferred=frozenset())
    answer = client.post("/contribuer/", data={**HTML_ACTOR, "token": "", "commune": "Saint-Pierre", "address.postal_code": ""}, headers={"Origin": "http://site.test"})
    assert answer.status_code == 422
    assert answer.text.count('class="field-error"') == 1 and "choisissez la vôtre" in answer.text
    assert 'name="commune_choice" id="champ-commune-choix-1" value="97416"' in answer.text
    assert "Ajaccio" not in answer.text  # no misleading second message
    assert not [b for b in branches(remote) if b.startswith("contrib/")]
    chosen = client.post("/contribuer/", data={**HTML_ACTOR, "token": "", "commune": "Saint-Pierre", "commune_choice": "97416", "address.postal_code": ""}, headers={"Origin": "http://site.test"})
    assert chosen.status_code == 202


def test_what_can_be_repaired_is_repaired_and_shown_to_the_person_and_the_reviewer(client, remote):
    data = {**HTML_ACTOR, "token": "", "tags": "jeune public, maloya", "contact.website": "lekol-maloya.re", "contact.phone": "0262 12 34 56"}
    answer = client.post("/contribuer/", data=data, headers={"Origin": "http://site.test"})
    assert answer.status_code == 202, answer.text[:3000]
    for shown in ("« lekol-maloya.re » → « https://lekol-maloya.re »", "« jeune public, maloya » → « jeune-public, maloya »", "« 0262 12 34 56 » → « +262 262 12 34 56 »"):
        assert shown in answer.text
    branch = next(b for b in branches(remote) if b.startswith("contrib/"))
    record = yaml.safe_load(git.Repo(remote).git.show(f"{branch}:content/actors/97411/atelier-zot-kouler.yml"))
    assert record["tags"] == ["jeune-public", "maloya"] and record["contact"]["website"] == "https://lekol-maloya.re"
    assert record["contact"]["phone"] == "+262 262 12 34 56"
    message = git.Repo(remote).commit(branch).message
    assert message.startswith("Ajout : Atelier Zot Koulèr (Saint-Denis)") and "Mis en forme par le formulaire" in message


HTML_MARKET = {"form_kind": "event", "action": "create", "token": "", "title": "Marché paysan du samedi", "type": "marche",
               "summary": "Fruits, légumes et produits du terroir chaque samedi matin.", "themes": ["alimentation"],
               "commune": "Saint-Paul", "start.date": "2027-01-09", "start.time": "07:00"}


def test_a_weekly_market_through_the_recurrence_picker_without_javascript(client, remote):
    data = {**HTML_MARKET, "recurrence.freq": "WEEKLY", "recurrence.interval": "1", "recurrence.byday": ["SA"], "recurrence.until": "2027-12-31"}
    answer = client.post("/contribuer/", data=data, headers={"Origin": "http://site.test"})
    assert answer.status_code == 202, answer.text[:3000]
    branch = next(b for b in branches(remote) if b.startswith("contrib/"))
    record = yaml.safe_load(git.Repo(remote).git.show(f"{branch}:content/events/97415/2027-01-09-marche-paysan-du-samedi.yml"))
    assert record["recurrence"] == "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231"


def test_the_second_saturday_of_each_month_is_read_from_the_start_date(client, remote):
    answer = submit(client, {"title": "Repair café", "type": "atelier", "summary": "On répare ensemble, chaque deuxième samedi du mois.",
                             "themes": ["dechets"], "commune": "97411", "start": "2027-01-09T09:00:00+04:00",
                             "recurrence": {"freq": "MONTHLY", "monthly": "weekday", "count": "6"}}, kind="event")
    assert answer.status_code == 202, answer.text
    record = yaml.safe_load(git.Repo(remote).git.show(f"{answer.json()['branch']}:content/events/97411/2027-01-09-repair-cafe.yml"))
    assert record["recurrence"] == "FREQ=MONTHLY;BYDAY=2SA;COUNT=6"


def test_correcting_a_series_keeps_its_rule_as_written_and_the_picker_shows_it(client, remote):
    page = client.get("/contribuer/event/2026-09-05-marche-forain-du-guillaume").text
    assert '<option value="WEEKLY" selected>' in page and 'value="SA" data-widget="recurrence-part" checked' in page
    assert 'name="recurrence.until" type="date" data-widget="recurrence-part" value="2027-12-31"' in page
    record = yaml.safe_load(git.Repo(remote).git.show("main:content/events/97415/2026-09-05-marche-forain-du-guillaume.yml"))
    picked = {"freq": "WEEKLY", "byday": ["SA"], "until": "2027-12-31", "rule": record["recurrence"]}
    answer = submit(client, {**record, "summary": record["summary"].rstrip(".") + ", sous les badamiers.", "recurrence": picked}, kind="event", action="update")
    assert answer.status_code == 202, answer.text
    diff = git.Repo(remote).git.diff("main", answer.json()["branch"])
    assert "recurrence" not in diff and "badamiers" in diff


def test_the_picker_reads_its_rule_back_in_french(client):
    answer = client.get("/api/recurrence?start=2027-01-09&freq=MONTHLY&monthly=weekday&until=2027-06-30").json()
    assert answer == {"rule": "FREQ=MONTHLY;BYDAY=2SA;UNTIL=20270630", "text": "le deuxième samedi de chaque mois, jusqu'au 30 juin 2027"}
    assert client.get("/api/recurrence?start=pas-une-date&freq=WEEKLY").json()["text"] == ""


def test_organisers_and_venue_are_named_not_identified(client, remote):
    data = {**HTML_MARKET, "organizers": "Compagnie Ti Kaz", "venue.ref": "Place du marché forain", "commune": "97411"}
    answer = client.post("/contribuer/", data=data, headers={"Origin": "http://site.test"})
    assert answer.status_code == 202, answer.text[:3000]
    branch = next(b for b in branches(remote) if b.startswith("contrib/"))
    record = yaml.safe_load(git.Repo(remote).git.show(f"{branch}:content/events/97411/2027-01-09-marche-paysan-du-samedi.yml"))
    assert record["organizers"] == ["compagnie-ti-kaz"]
    assert record["venue"] == {"name": "Place du marché forain"}  # not in the directory: a place by its name
    assert "pas encore dans l&#39;annuaire" in answer.text or "pas encore dans l'annuaire" in answer.text
    suggestions = client.get("/api/actors?q=ti kaz").json()["actors"]
    assert suggestions[0] == {"id": "compagnie-ti-kaz", "name": "Compagnie Ti Kaz", "commune_name": "Saint-Denis"}
    assert client.get("/api/actors?q=a").json() == {"actors": []}


def test_an_organiser_who_is_not_in_the_directory_is_explained(client, remote):
    data = {**HTML_MARKET, "organizers": "Association Inconnue Ici", "commune": "97411"}
    answer = client.post("/contribuer/", data=data, headers={"Origin": "http://site.test"})
    assert answer.status_code == 422
    assert "#champ-organizers" in answer.text and "« Association Inconnue Ici » : pas encore dans l&#39;annuaire" in answer.text
    assert answer.text.count('class="field-error"') == 1
    assert not [b for b in branches(remote) if b.startswith("contrib/")]


def test_a_field_is_shown_repaired_before_sending(client):
    def repaired(field, value, kind="actor", commune=""):
        return client.get("/api/repair", params={"kind": kind, "field": field, "value": value, "commune": commune}).json()["value"]

    assert repaired("contact.website", "lekol-maloya.re") == "https://lekol-maloya.re"
    assert repaired("contact.phone", "0262 12 34 56", commune="97411") == "+262 262 12 34 56"
    assert repaired("tags", "jeune public, maloya") == "jeune-public, maloya"
    assert repaired("contact.website", "pas un site") == "pas un site"  # left for the validator to explain
    assert repaired("nope", "x") == "x"


def test_a_day_without_the_market_through_the_picker_and_a_correction_keeps_a_cancelled_day(client, remote):
    data = {**HTML_MARKET, "recurrence.freq": "WEEKLY", "recurrence.byday": ["SA"], "recurrence.except": ["2027-05-01", ""]}
    answer = client.post("/contribuer/", data=data, headers={"Origin": "http://site.test"})
    assert answer.status_code == 202, answer.text[:3000]
    branch = next(b for b in branches(remote) if b.startswith("contrib/"))
    record = yaml.safe_load(git.Repo(remote).git.show(f"{branch}:content/events/97415/2027-01-09-marche-paysan-du-samedi.yml"))
    assert record["exceptions"] == [{"date": "2027-05-01"}]
    # The demo market has a cancelled Saturday and a day without it; the form shows the latter.
    page = client.get("/contribuer/event/2026-09-05-marche-forain-du-guillaume").text
    assert 'name="recurrence.except" type="date" data-widget="recurrence-part" value="2027-05-01"' in page
    market = yaml.safe_load(git.Repo(remote).git.show("main:content/events/97415/2026-09-05-marche-forain-du-guillaume.yml"))
    picked = {"freq": "WEEKLY", "byday": ["SA"], "until": "2027-12-31", "rule": market["recurrence"], "except": ["2027-05-01", "2027-07-03"]}
    edited = {k: v for k, v in market.items() if k != "exceptions"}
    answer = submit(client, {**edited, "recurrence": picked}, kind="event", action="update")
    assert answer.status_code == 202, answer.text
    after = yaml.safe_load(git.Repo(remote).git.show(f"{answer.json()['branch']}:content/events/97415/2026-09-05-marche-forain-du-guillaume.yml"))
    assert after["exceptions"] == [{"date": "2027-01-02", "status": "cancelled", "note": "Lendemain du jour de l'An"},
                                   {"date": "2027-05-01", "note": "Fête du Travail"}, {"date": "2027-07-03"}]


@pytest.mark.parametrize(
    ("headers", "status", "words"),
    [
        ({"Content-Type": "text/plain"}, 415, "en JSON"),  # a no-cors post from another page
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "en JSON"),
        ({"Content-Type": "application/json", "Origin": "http://evil.test"}, 403, "ne vient pas du site"),
    ],
)
def test_the_api_reads_only_json_from_the_site(client, remote, headers, status, words):
    payload = {"kind": "actor", "action": "create", "record": ACTOR, "message": "", "contributor": {}, "token": token(client)}
    answer = client.post("/api/submissions", content=json.dumps(payload).encode(), headers=headers)
    assert answer.status_code == status and words in answer.json()["message"]
    assert not [b for b in branches(remote) if b.startswith("contrib/")]
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))
    allowed = client.post("/api/submissions", content=json.dumps({**payload, "token": token(client)}).encode(),
                          headers={"Content-Type": "application/json; charset=utf-8", "Origin": "http://site.test"})
    assert allowed.status_code == 202, allowed.text


@pytest.mark.parametrize("name", ["Alice\rCommitter: evil", "Alice\nBob", "<>", "Alice\x1b[31m", "Bob\u2028"])
def test_a_contributor_identity_with_control_characters_is_refused_before_anything_is_written(client, remote, name):
    answer = submit(client, ACTOR, contributor={"name": name, "credit": True})
    assert answer.status_code == 400 and "caractère non autorisé" in answer.json()["message"]
    assert not [b for b in branches(remote) if b.startswith("contrib/")]
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))


@pytest.mark.parametrize(("field", "value", "status"), [("name", "Concert\x0bde maloya", 422), ("name", "Atelier\ud800", 400), ("summary", "Une phrase\u2028cachée sur deux lignes.", 422)])
def test_invisible_characters_are_refused_before_anything_is_written(client, remote, field, value, status):
    answer = client.post("/api/submissions", content=json.dumps({"kind": "actor", "action": "create", "record": {**ACTOR, field: value},
                                                                  "token": token(client)}).encode(), headers={"Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    assert "caractère" in answer.text
    assert not [b for b in branches(remote) if b.startswith("contrib/")]
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))
    assert not list((Path(client.app.state.service.config.data_dir)).rglob("*.tmp"))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (lambda t: {"kind": ["actor"], "record": ACTOR, "token": t}, "« kind »"),
        (lambda t: {"kind": "actor", "record": {**ACTOR, "geo": {"lat": float("nan"), "lon": 55.45}}, "token": t}, "NaN"),
        (lambda t: {"kind": "actor", "record": {**ACTOR, "tags": eval("[" * 60 + "]" * 60)}, "token": t}, "trop profondément"),
        (lambda t: None, "trop profondément"),  # "[" * 2000 + "]" * 2000
    ],
)
def test_malformed_json_gets_a_french_400_not_a_500(client, remote, body, words):
    made = body(token(client))
    content = ("[" * 2000 + "]" * 2000).encode() if made is None else json.dumps(made).encode()
    answer = client.post("/api/submissions", content=content, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and words in answer.json()["message"]
    assert not [b for b in branches(remote) if b.startswith("contrib/")]
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))


def test_a_name_imitating_an_existing_one_with_cyrillic_letters_is_refused_and_nothing_written(client, remote):
    before = branches(remote)
    answer = submit(client, {**ACTOR, "name": "\u0421\u043empagnie Ti K\u0430z"})  # Cyrillic С, о, а
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert [e["code"] for e in errors] == ["confusable-name"]
    assert "se lit exactement comme « Compagnie Ti Kaz »" in errors[0]["message"] and "Tapez le nom en lettres latines" in errors[0]["message"]
    assert branches(remote) == before
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))
