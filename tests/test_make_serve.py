"""`make serve` as a newcomer runs it, on ports of their choosing: the site's form reaches the
service it started, without JavaScript too, and the contribution becomes a branch of the demo's
bare repository."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.request

import git
from browser_helpers import Visit, open_section
from conftest import ROOT
from test_serve import _free_port, _wait_for


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def test_make_serve_on_other_ports_sends_a_no_javascript_contribution_to_its_service(tmp_path, browser):
    site_port, service_port = _free_port(), _free_port()
    demo = tmp_path / "demo"
    # The set-up targets are done already (make test made them): -o keeps make from redoing them.
    command = ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "-o", "node_modules/.package-lock.json", "serve",
               f"PORT={site_port}", f"CONTRIB_PORT={service_port}", f"DEMO={demo}", f"OUTPUT={tmp_path / 'output'}"]
    server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    site, service = f"http://127.0.0.1:{site_port}", f"http://127.0.0.1:{service_port}"
    try:
        assert _wait_for(lambda: "form" in _get(f"{site}/contribuer/"), 180), "the site was never served"
        assert _wait_for(lambda: _get(f"{service}/healthz"), 60), "the service never answered"
        page_html = _get(f"{site}/contribuer/")
        assert f'action="{service}/contribuer/"' in page_html
        assert f'href="{service}/contribuer/actor/compagnie-ti-kaz"' in _get(f"{site}/acteurs/compagnie-ti-kaz/")

        context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="fr-FR")
        page = context.new_page()
        page.goto(f"{site}/contribuer/")
        page.fill("#champ-name", "Atelier Zot Koulèr")
        page.select_option("#champ-kind", "association")
        page.fill("#champ-summary", "Atelier de peinture et de fresques pour les jeunes du quartier.")
        page.check("input[name=themes][value=culture]")
        page.fill("#champ-commune", "97411")
        open_section(page, "Adresse")  # folded, and unfolded without JavaScript too
        page.fill("#champ-address-street", "3 rue Jean Chatel")
        page.fill("#champ-address-postal-code", "97400")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.url.startswith(service), page.url
        assert "Numéro de reçu" in page.inner_text("main"), page.inner_text("main")[:1500]
        # The service's page wears the site's look: its stylesheet loaded, the honeypot out of sight.
        assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") != "inline"
        context.close()

        visit = Visit(browser, service, width=390)
        form = visit.open("/contribuer/actor/compagnie-ti-kaz")
        box = form.locator("label[for=site_web_2]").bounding_box()
        assert box is None or box["x"] + box["width"] <= 0, box  # moved off-screen by the stylesheet
        assert visit.errors == [] or all("tile.openstreetmap" in e for e in visit.errors), visit.errors
        visit.close()

        # A correction from an actor's page, with JavaScript: the link leads to this service.
        visit = Visit(browser, site, width=390)
        page = visit.open("/acteurs/compagnie-ti-kaz/")
        page.click("text=Suggérer une correction")
        page.wait_for_load_state("networkidle")
        assert page.url == f"{service}/contribuer/actor/compagnie-ti-kaz"
        page.fill("#champ-contact-phone", "0262 12 34 99")
        page.wait_for_timeout(3100)  # the service's minimum fill time
        page.click("button[type=submit]")
        page.wait_for_selector(".done, .error-summary", timeout=30000)
        assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
        visit.close()

        depot = git.Repo(demo / "depot.git")
        created = [b for b in depot.branches if b.name.startswith("contrib/atelier-zot-kouler-")]
        assert len(created) == 1
        assert "content/actors/97411/atelier-zot-kouler.yml" in depot.git.diff("--name-only", "main", created[0].name).splitlines()
        corrected = [b for b in depot.branches if b.name.startswith("contrib/compagnie-ti-kaz-")]
        assert len(corrected) == 1 and "+262 262 12 34 99" in depot.git.diff("main", corrected[0].name)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
    assert "Traceback" not in output, output[-3000:]
