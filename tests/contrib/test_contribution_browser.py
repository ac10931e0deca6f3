"""The whole path in Chromium: the form of the built site, the map and the commune suggestions,
the submission, the link to the pull request, and the branch with a valid record."""

from __future__ import annotations

import re
from datetime import date

import git
import pytest
from browser_helpers import Visit
from conftest import ROOT, Server
from fakeforge import FakeGitHub
from service_helpers import RunningService, demo_remote
from test_service_forges import TOKEN, RemoteBranches

from communs.records.directory import load_directory
from communs.records.validation import validate
from communs.settings import SiteSettings
from communs.site.plugin import build_site


@pytest.fixture
def running(tmp_path, httpserver, monkeypatch):
    remote = demo_remote(tmp_path, ROOT / "content")
    fake = FakeGitHub(httpserver, project="owner/name", token=TOKEN)
    fake.branches = RemoteBranches(remote)
    monkeypatch.setenv("COMMUNS_FORGE_TOKEN", TOKEN)
    site_output = tmp_path / "site"
    site = Server(site_output)
    with RunningService(repository=str(remote), forge="github", project="owner/name", api_url=fake.api_url,
                        data_dir=str(tmp_path / "service"), min_fill_seconds=1, site_url=site.url) as service:
        directory, _report = load_directory(ROOT / "content")
        settings = SiteSettings(site_url="", contribution_service_url=service.url, build_date=date(2026, 11, 23), search=False)
        build_site(directory, settings, site_output)
        yield site, service, remote, fake
    site.close()


def test_contribute_from_the_built_site(browser, running, tmp_path):
    site, service, remote, fake = running
    visit = Visit(browser, site.url)
    page = visit.open("/contribuer/")
    page.click("#champ-name")  # the token is asked for when filling starts
    page.wait_for_function("document.querySelector('input[name=token]').value.length > 0")
    page.fill("#champ-name", "Atelier Zot Koulèr")
    page.select_option("#champ-kind", "association")
    page.fill("#champ-summary", "Atelier de peinture et de fresques pour les jeunes du quartier.")
    page.check("input[name=themes][value=culture]")
    page.check("input[name=themes][value=education]")
    page.fill("#champ-commune", "saint den")
    page.wait_for_function("document.querySelectorAll('#communes-suggestions option').length > 0")
    assert "97411" in page.eval_on_selector_all("#communes-suggestions option", "options => options.map(o => o.value)")
    page.fill("#champ-commune", "97411")
    page.dispatch_event("#champ-commune", "change")
    page.wait_for_function("document.querySelector('.commune-name').textContent.includes('Saint-Denis')")
    page.fill("#champ-address-street", "3 rue Jean Chatel")
    page.fill("#champ-address-postal-code", "97400")
    picker = page.locator(".map-picker")
    picker.wait_for()
    page.wait_for_timeout(300)
    picker.click(position={"x": 150, "y": 120})
    assert page.input_value("#champ-geo-lat") and page.input_value("#champ-geo-lon")
    # Put the point where the address is (the click only shows the map works).
    page.fill("#champ-geo-lat", "-20.8801")
    page.fill("#champ-geo-lon", "55.4502")
    page.wait_for_timeout(1100)  # the minimum fill time
    page.click("button[type=submit]")
    page.wait_for_selector(".done, .alert.from-js", timeout=30000)
    assert not page.locator(".alert.from-js").count(), page.locator(".alert.from-js").inner_text() + " | " + " ".join(page.locator(".field-error").all_inner_texts())
    link = page.locator(".done a.pull-request")
    assert link.get_attribute("href").startswith("https://github.example/owner/name/pull/")
    assert "Numéro de reçu" in page.locator(".done").inner_text()
    assert visit.errors == [] or all("tile.openstreetmap" in e or "Failed to load resource" in e for e in visit.errors)
    visit.close()

    branches = [b.name for b in git.Repo(remote).branches if b.name.startswith("contrib/")]
    assert len(branches) == 1
    checkout = tmp_path / "checkout"
    git.Repo.clone_from(remote, checkout, branch=branches[0])
    assert (checkout / "content" / "actors" / "97411" / "atelier-zot-kouler.yml").is_file()
    report = validate(checkout / "content")
    assert report.ok, [(p.file, p.message) for p in report.errors]
    assert fake.violations == [] and len(fake.posts()) == 1


def test_errors_come_back_next_to_the_fields(browser, running):
    site, service, remote, fake = running
    visit = Visit(browser, site.url)
    page = visit.open("/contribuer/")
    page.click("#champ-name")  # the token is asked for when filling starts
    page.wait_for_function("document.querySelector('input[name=token]').value.length > 0")
    page.fill("#champ-name", "Atelier sans thème")
    page.select_option("#champ-kind", "association")
    page.fill("#champ-summary", "court")
    page.fill("#champ-commune", "97499")
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    page.locator(".alert.from-js").wait_for()
    errors = page.locator(".field-error.from-js").all_inner_texts()
    assert any("trop court" in e for e in errors)
    assert any("97499" in e for e in errors)
    assert page.locator("#champ-commune").get_attribute("aria-invalid") == "true"
    assert page.input_value("#champ-name") == "Atelier sans thème"  # nothing typed is lost
    assert [b for b in git.Repo(remote).branches if b.name.startswith("contrib/")] == []
    visit.close()


def test_without_a_service_the_form_prepares_the_file_in_the_forge_editor(browser, tmp_path):
    import urllib.parse

    import yaml

    output = tmp_path / "site"
    directory, _report = load_directory(ROOT / "content")
    forge = "https://forge.example/OWNER/communs/new/main/{folder}?filename={filename}&value={value}"
    build_site(directory, SiteSettings(forge_new_url=forge, build_date=date(2026, 11, 23), search=False), output)
    site = Server(output)
    visit = Visit(browser, site.url)
    opened: list[str] = []
    visit.page.route(re.compile(r"^https://forge\.example/.*"), lambda route: (opened.append(route.request.url), route.fulfill(status=200, body="ok")))
    page = visit.open("/contribuer/")
    page.fill("#champ-name", "Atelier Zot Koulèr")
    page.select_option("#champ-kind", "association")
    page.fill("#champ-summary", "Atelier de peinture et de fresques pour les jeunes du quartier.")
    page.check("input[name=themes][value=culture]")
    page.fill("#champ-commune", "97411")
    page.click("button[type=submit]")
    page.wait_for_timeout(1000)
    site.close()
    assert opened, "the forge's editor was not opened"
    url = urllib.parse.urlsplit(opened[0])
    query = urllib.parse.parse_qs(url.query)
    assert url.path == "/OWNER/communs/new/main/content%2Factors%2F97411" or urllib.parse.unquote(url.path) == "/OWNER/communs/new/main/content/actors/97411"
    assert query["filename"] == ["atelier-zot-kouler.yml"]
    record = yaml.safe_load(query["value"][0])
    assert record["id"] == "atelier-zot-kouler" and record["themes"] == ["culture"] and record["commune"] == "97411"
    # The file it prepares is one the validator accepts.
    from conftest import Tree

    tree = Tree(tmp_path / "check")
    tree.write("actor", "97411", "atelier-zot-kouler.yml", query["value"][0], hint=False)
    assert validate(tree.content).ok
