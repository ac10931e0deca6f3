"""Calls to take part through the contribution service: create one (the actor named, not
identified), close one early from its page, and the refusals (a private address, no end date)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import git
import pytest
import yaml
from conftest import ROOT
from service_helpers import demo_remote
from test_service import branches, changed_files, make_client, token

CALL = {
    "title": "Bénévoles pour la fête du quartier",
    "type": "volunteers-wanted",
    "summary": "Le conseil citoyen cherche des bénévoles pour tenir les stands de la fête du quartier.",
    "themes": ["vivre-ensemble", "participation-citoyenne"],
    "actor": "Conseil citoyen du Brûlé",  # as a person types it; the service finds the id
    "commune": "97411",
    "until": "2027-04-30",
}


@pytest.fixture
def remote(tmp_path) -> Path:
    return demo_remote(tmp_path, ROOT / "content")


@pytest.fixture
def client(remote, tmp_path):
    with make_client(remote, tmp_path) as test_client:
        yield test_client


def send(client, record: dict, action: str = "create"):
    payload = {"kind": "call", "action": action, "record": record, "message": "", "contributor": {}, "token": token(client)}
    return client.post("/api/submissions", json=payload)


def test_a_new_call_becomes_a_branch_with_its_actor_identified(client, remote):
    answer = send(client, CALL)
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    path = "content/calls/97411/benevoles-pour-la-fete-du-quartier.yml"
    assert changed_files(remote, branch) == [path]
    text = git.Repo(remote).git.show(f"{branch}:{path}")
    assert text.startswith("# yaml-language-server: $schema=../../../schemas/call.schema.json\nid: benevoles-pour-la-fete-du-quartier\n")
    assert yaml.safe_load(text)["actor"] == "conseil-citoyen-du-brule"
    request = next((Path(client.app.state.service.config.data_dir) / "requests").glob("*.json")).read_text()
    assert "(appel)" in request


def test_a_call_answered_through_a_private_address_is_refused_and_nothing_pushed(client, remote):
    before = branches(remote)
    answer = send(client, {**CALL, "contact": {"email": "jean.dupont@gmail.com"}})
    assert answer.status_code == 422
    [error] = [e for e in answer.json()["errors"] if e["code"] == "call-contact"]
    assert error["field"] == "contact.email" and "jamais par celui d'un particulier" in error["message"]
    assert branches(remote) == before


def test_a_call_without_an_end_date_is_refused_in_the_form_words(client, remote):
    before = branches(remote)
    record = {key: value for key, value in CALL.items() if key != "until"}
    answer = send(client, record)
    assert answer.status_code == 422
    [error] = [e for e in answer.json()["errors"] if e["field"] == "until"]
    assert error["label"] == "Jusqu'au"
    assert branches(remote) == before


def test_closing_a_call_from_its_page_marks_it_fulfilled(client, remote):
    page = client.get("/contribuer/call/graphiste-pour-la-fete-du-vacoa?clore=1")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Pour clore l'appel avant sa date de fin" in text
    assert re.search(r'<option value="fulfilled"[^>]* selected', text), re.findall(r"<option value=\"fulfilled\"[^>]*>", text)
    record = yaml.safe_load((ROOT / "content/calls/97417/graphiste-pour-la-fete-du-vacoa.yml").read_text(encoding="utf-8"))
    answer = send(client, {**record, "status": "withdrawn"}, action="update")
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    path = "content/calls/97417/graphiste-pour-la-fete-du-vacoa.yml"
    assert changed_files(remote, branch) == [path]
    diff = git.Repo(remote).git.diff("main", branch)
    assert "+status: withdrawn" in diff and diff.count("\n+") == 2  # the header and that line


def test_a_call_id_used_as_an_event_correction_is_refused(client, remote):
    before = branches(remote)
    payload = {"kind": "event", "action": "update", "record": {"id": "graphiste-pour-la-fete-du-vacoa"}, "message": "", "contributor": {}, "token": token(client)}
    answer = client.post("/api/submissions", json=payload)
    assert answer.status_code == 404 and "Cet identifiant n'est pas celui d'un événement." in answer.text
    assert branches(remote) == before


def test_the_form_offers_the_three_kinds(client):
    page = client.get("/contribuer/?type=appel")
    assert page.status_code == 200
    assert 'list="appel-acteurs-suggestions"' in page.text
    assert '<strong aria-current="page">Un appel à participation</strong>' in page.text
    assert 'href="?type=acteur"' in page.text and 'href="?type=evenement"' in page.text


def test_the_duplicate_lookup_answers_for_a_call_without_failing(client):
    answer = client.get("/api/duplicates", params={"kind": "call", "name": "Bénévoles pour la fête", "commune": "97411"})
    assert answer.status_code == 200 and answer.json() == {"duplicates": []}
