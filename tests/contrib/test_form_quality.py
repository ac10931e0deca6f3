"""The contribution form in every state a volunteer meets (empty, with errors, sent; with and
without JavaScript; on a phone and a desktop): no axe-core violation of WCAG 2.2 AA, and the
service's pages are valid HTML for the Nu checker."""

from __future__ import annotations

import json
import subprocess

import pytest
from browser_helpers import Visit, open_section
from conftest import ROOT
from service_helpers import RunningService, demo_remote

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"phone": 390, "desktop": 1366}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("form-quality")
    remote = demo_remote(root, ROOT / "content")
    with RunningService(repository=str(remote), data_dir=str(root / "service"), min_fill_seconds=0, site_url="http://site.test",
                        submissions_per_hour=1000) as running:
        yield running


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("options => axe.run(document, options)", {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in results["violations"]]


def fill_with_mistakes(page) -> None:
    page.fill("#champ-name", "Atelier Zot Koulèr")
    page.fill("#champ-summary", "court")
    page.fill("#champ-commune", "Nulle-Part-Sur-Mer")
    open_section(page, "Contact")
    page.fill("#champ-contact-website", "pas un site")


def fill_well(page, name: str) -> None:
    page.fill("#champ-name", name)
    page.select_option("#champ-kind", "association")
    page.fill("#champ-summary", "Atelier de peinture et de fresques pour les jeunes du quartier.")
    page.check("input[name=themes][value=culture]")
    page.fill("#champ-commune", "Saint-Denis (974)")


def states(page, base: str, scripts: bool, name: str):
    """Each state of the form, in the order a person meets them."""
    page.goto(base + "/contribuer/")
    yield "vide"
    page.goto(base + "/contribuer/?type=evenement")
    yield "événement vide"
    page.goto(base + "/contribuer/actor/compagnie-ti-kaz")
    yield "correction"
    page.goto(base + "/contribuer/")
    fill_with_mistakes(page)
    page.click("button[type=submit]")
    page.wait_for_selector(".error-summary")
    yield "erreurs"
    page.goto(base + "/contribuer/")
    fill_well(page, name)
    page.click("button[type=submit]")
    page.wait_for_selector(".done, h1:has-text('Merci')")
    assert page.locator(".error-summary").count() == 0
    yield "envoyé"


@pytest.mark.parametrize("scripts", [True, False], ids=["avec-javascript", "sans-javascript"])
@pytest.mark.parametrize("size", SIZES)
def test_every_state_of_the_form_passes_axe(browser, service, size, scripts):
    visit = Visit(browser, service.url, width=SIZES[size])
    if not scripts:
        # The form's own script only: axe still runs, the form posts as a plain HTML form.
        visit.page.route("**/theme/js/contribuer.js", lambda route: route.fulfill(status=200, content_type="text/javascript", body=""))
    found = {}
    for state in states(visit.page, service.url, scripts, f"Atelier {size} {'js' if scripts else 'html'}"):
        found[state] = violations(visit.page)
        assert visit.page.evaluate("document.documentElement.scrollWidth") <= max(SIZES[size], 1366), state
    visit.close()
    assert {state: problems for state, problems in found.items() if problems} == {}


def test_the_services_pages_are_valid_html(service, tmp_path):
    import httpx

    pages = {
        "formulaire.html": httpx.get(service.url + "/contribuer/").text,
        "evenement.html": httpx.get(service.url + "/contribuer/?type=evenement").text,
        "correction.html": httpx.get(service.url + "/contribuer/actor/compagnie-ti-kaz").text,
    }
    data = {"form_kind": "actor", "action": "create", "token": "", "name": "Atelier Nu", "summary": "court", "commune": "Nulle-Part"}
    pages["erreurs.html"] = httpx.post(service.url + "/contribuer/", data=data, headers={"Origin": "http://site.test"}).text
    good = {**data, "summary": "Atelier de peinture et de fresques pour les jeunes du quartier.", "kind": "association", "themes": "culture",
            "commune": "97411", "contact.website": "atelier-nu.example.org"}
    pages["envoye.html"] = httpx.post(service.url + "/contribuer/", data=good, headers={"Origin": "http://site.test"}).text
    assert "Numéro de reçu" in pages["envoye.html"] and "error-summary" in pages["erreurs.html"]
    files = []
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
        files.append(str(tmp_path / name))
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--errors-only", *files], capture_output=True, text=True)
    messages = json.loads(result.stderr or "{}").get("messages", [])
    assert [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}" for m in messages] == []
