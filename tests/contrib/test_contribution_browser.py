"""The whole path in Chromium: the form of the built site, the map and the commune suggestions,
the submission, the link to the pull request, and the branch with a valid record."""

from __future__ import annotations

import re
from datetime import date

import git
import pytest
import yaml
from browser_helpers import Visit, open_section
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
    # A person types the name (not a code), sees the territory's commune first, and picks it.
    page.type("#champ-commune", "saint den", delay=30)
    page.wait_for_function("document.querySelectorAll('#communes-suggestions option').length > 0")
    suggestions = page.eval_on_selector_all("#communes-suggestions option", "options => options.map(o => o.value)")
    assert suggestions[0] == "Saint-Denis (974)", suggestions
    assert page.get_attribute("#champ-commune", "inputmode") is None  # a full keyboard on phones
    page.fill("#champ-commune", suggestions[0])
    page.dispatch_event("#champ-commune", "change")
    page.wait_for_function("document.querySelector('.commune-name').textContent.includes('Saint-Denis')")
    assert not page.is_visible("#champ-address-street")  # optional parts are folded
    open_section(page, "Adresse")
    page.fill("#champ-address-street", "3 rue Jean Chatel")
    page.fill("#champ-address-postal-code", "97400")
    open_section(page, "Position sur la carte")
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
    page.wait_for_selector(".done, .error-summary", timeout=30000)
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
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


def test_three_mistakes_fixed_from_the_error_summary_at_phone_size(browser, running):
    site, service, remote, fake = running
    visit = Visit(browser, site.url, width=390)
    page = visit.open("/contribuer/")
    page.click("#champ-name")  # the token is asked for when filling starts
    page.wait_for_function("document.querySelector('input[name=token]').value.length > 0")
    page.fill("#champ-name", "Atelier sans thème")
    page.select_option("#champ-kind", "association")
    page.fill("#champ-summary", "court")
    page.fill("#champ-commune", "97499")
    open_section(page, "Contact")
    page.fill("#champ-contact-email", "pas-un-courriel")
    page.fill("#champ-contact-website", "zot-kouler.example.org")
    page.dispatch_event("#champ-contact-website", "change")
    page.wait_for_selector(".repair-note")  # shown before anything is sent
    assert page.input_value("#champ-contact-website") == "https://zot-kouler.example.org"
    assert "« zot-kouler.example.org » → « https://zot-kouler.example.org »" in page.inner_text(".repair-note")
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")  # focus moves to it
    links = summary.locator("a")
    assert links.count() == 4  # themes, summary, commune, e-mail: one line each
    texts = links.all_inner_texts()
    assert "« summary »" not in " ".join(texts) and any("Résumé" in t for t in texts)
    assert page.locator("#champ-commune").get_attribute("aria-invalid") == "true"
    assert "champ-commune-erreur" in page.locator("#champ-commune").get_attribute("aria-describedby")
    assert page.input_value("#champ-name") == "Atelier sans thème"  # nothing typed is lost
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing widens the phone page
    # Fix each from its link in the summary, as a person would.
    fixes = {"champ-themes": lambda: page.check("input[name=themes][value=culture]"),
             "champ-summary": lambda: page.fill("#champ-summary", "Un atelier de peinture pour les jeunes du quartier."),
             "champ-commune": lambda: page.fill("#champ-commune", "97411"),
             "champ-contact-email": lambda: page.fill("#champ-contact-email", "bonjour@zot-kouler.example.org")}
    for anchor in [link.split("#", 1)[1] for link in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")]:
        summary.locator(f"a[href='#{anchor}']").click()
        assert page.evaluate(f"document.activeElement.id === '{anchor}' || !!document.activeElement.closest('#{anchor}')"), anchor
        fixes[anchor]()
    assert [b for b in git.Repo(remote).branches if b.name.startswith("contrib/")] == []
    page.click("button[type=submit]")
    page.wait_for_selector(".done", timeout=30000)
    assert page.locator(".error-summary").count() == 0 and page.locator(".field-error").count() == 0
    assert len([b for b in git.Repo(remote).branches if b.name.startswith("contrib/")]) == 1
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
    assert page.locator("input[type=file]").count() == 0  # a picture cannot travel through the forge's editor
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


def test_a_weekly_market_through_the_french_recurrence_picker(browser, running):
    site, service, remote, fake = running
    visit = Visit(browser, site.url, width=390)
    page = visit.open("/contribuer/evenement/")
    page.click("#champ-title")
    page.wait_for_function("document.querySelector('input[name=token]').value.length > 0")
    page.fill("#champ-title", "Marché paysan du samedi")
    page.select_option("#champ-type", "marche")
    page.fill("#champ-summary", "Fruits, légumes et produits du terroir chaque samedi matin.")
    page.check("input[name=themes][value=alimentation]")
    page.fill("#champ-commune", "Saint-Paul (974)")
    page.fill("#champ-start-date", "2027-01-09")
    page.fill("#champ-start-heure", "07:00")
    open_section(page, "Récurrence")
    assert not page.is_visible(".recurrence-weekly")  # only the questions that apply
    page.select_option("#champ-recurrence-freq", "WEEKLY")
    assert page.is_visible(".recurrence-weekly") and not page.is_visible(".recurrence-monthly")
    page.check("#champ-recurrence-jour-6")  # samedi
    page.fill("#champ-recurrence-until", "2027-12-31")
    page.fill("#champ-recurrence-sauf-1", "2027-05-01")  # sauf le 1er mai
    page.dispatch_event("#champ-recurrence-sauf-1", "change")
    page.wait_for_function("document.querySelector('.recurrence-reading').textContent.includes('sauf')")
    assert page.inner_text(".recurrence-reading") == "L'événement aura lieu chaque samedi, jusqu'au 31 décembre 2027, sauf le samedi 1er mai 2027."
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    page.wait_for_selector(".done, .error-summary", timeout=30000)
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    visit.close()
    branch = next(b.name for b in git.Repo(remote).branches if b.name.startswith("contrib/"))
    text = git.Repo(remote).git.show(f"{branch}:content/events/97415/2027-01-09-marche-paysan-du-samedi.yml")
    assert yaml.safe_load(text)["recurrence"] == "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231"
    assert yaml.safe_load(text)["exceptions"] == [{"date": "2027-05-01"}]


def test_correct_a_phone_from_an_actor_page_then_request_a_deletion_without_javascript(browser, running):
    site, service, remote, fake = running
    visit = Visit(browser, site.url, width=390)
    page = visit.open("/acteurs/compagnie-ti-kaz/")
    page.click("text=Suggérer une correction")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{service.url}/contribuer/actor/compagnie-ti-kaz"
    assert page.is_visible("#champ-contact-phone")  # a section holding values is open
    page.fill("#champ-contact-phone", "0262 12 34 99")
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    page.wait_for_selector(".done, .error-summary", timeout=30000)
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    assert "« 0262 12 34 99 » → « +262 262 12 34 99 »" in page.inner_text(".done")
    visit.close()
    repository = git.Repo(remote)
    branch = next(b.name for b in repository.branches if b.name.startswith("contrib/compagnie-ti-kaz-"))
    changed = [line for line in repository.git.diff("main", branch).splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) == 2 and changed[1].endswith("+262 262 12 34 99\"") or changed[1].endswith("+262 262 12 34 99"), changed

    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="fr-FR")
    plain = context.new_page()
    plain.goto(f"{service.url}/contribuer/actor/cyclone-bd")
    plain.check("input[name=action][value=delete]")
    plain.fill("#champ-message", "L'association s'est arrêtée l'an dernier.")
    plain.wait_for_timeout(1100)  # the service's minimum fill time
    plain.click("button[type=submit]")
    plain.wait_for_load_state()
    assert "Numéro de reçu" in plain.inner_text("main"), plain.inner_text("main")[:1500]
    context.close()
    deleted = next(b.name for b in repository.branches if b.name.startswith("contrib/cyclone-bd-"))
    assert repository.git.diff("--name-status", "main", deleted) == "D\tcontent/actors/97411/cyclone-bd.yml"
    assert "L'association s'est arrêtée l'an dernier." in repository.commit(deleted).message


def test_a_call_launched_with_the_keyboard_then_closed_from_its_page(browser, running):
    """At phone size: the actor is typed by name and picked from the suggestions, the end date
    typed; then « Clore cet appel » on a call's page opens the form marked « pourvu »."""
    site, service, remote, fake = running
    visit = Visit(browser, site.url, width=390)
    page = visit.open("/contribuer/appel/")
    page.click("#champ-title")
    page.wait_for_function("document.querySelector('input[name=token]').value.length > 0")
    page.keyboard.type("Bénévoles pour le vide-grenier")
    page.select_option("#champ-type", "volunteers-wanted")
    page.fill("#champ-summary", "Le conseil citoyen cherche des bénévoles pour installer les stands du vide-grenier du quartier.")
    page.check("input[name=themes][value=vivre-ensemble]")
    page.type("#champ-actor", "Conseil cit", delay=30)
    page.wait_for_function("document.querySelectorAll('#appel-acteurs-suggestions option').length > 0")
    suggestions = page.eval_on_selector_all("#appel-acteurs-suggestions option", "options => options.map(o => o.value)")
    assert "Conseil citoyen du Brûlé" in suggestions, suggestions
    page.fill("#champ-actor", "Conseil citoyen du Brûlé")
    page.fill("#champ-commune", "Saint-Denis (974)")
    page.fill("#champ-until", "2027-03-31")
    page.wait_for_timeout(1100)
    page.keyboard.press("Tab")
    page.click("button[type=submit]")
    page.wait_for_selector(".done, .error-summary", timeout=30000)
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    repository = git.Repo(remote)
    branch = next(b.name for b in repository.branches if b.name.startswith("contrib/benevoles-pour-le-vide-grenier-"))
    record = yaml.safe_load(repository.git.show(f"{branch}:content/calls/97411/benevoles-pour-le-vide-grenier.yml"))
    assert (record["actor"], record["until"], record["type"]) == ("conseil-citoyen-du-brule", "2027-03-31", "volunteers-wanted")

    page = visit.open("/appels/salle-de-repetition-le-mardi-soir/")
    page.click("text=Clore cet appel (pourvu ou retiré)")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{service.url}/contribuer/call/salle-de-repetition-le-mardi-soir?clore=1"
    assert page.input_value("#champ-status") == "fulfilled"
    assert "Pour clore l'appel avant sa date de fin" in page.inner_text("main")
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    page.wait_for_selector(".done, .error-summary", timeout=30000)
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    visit.close()
    closed = next(b.name for b in repository.branches if b.name.startswith("contrib/salle-de-repetition-le-mardi-soir-"))
    assert "+status: fulfilled" in repository.git.diff("main", closed)


def test_a_photo_sent_from_a_phone_reaches_the_branch_without_its_gps_position(browser, running, tmp_path):
    import io
    import os

    from PIL import Image
    from test_form_quality import fill_well, violations
    from test_service_pictures import OWNER, assert_without_metadata, photo

    site, service, remote, fake = running
    visit = Visit(browser, site.url, width=390, height=844)
    page = visit.open("/contribuer/")
    page.click("#champ-name")
    page.wait_for_function("document.querySelector('input[name=token]').value.length > 0")
    fill_well(page, "Atelier Zot Koulèr")
    open_section(page, "Image")
    field = page.get_by_label("Fichier de l'image")
    assert field.get_attribute("accept") == "image/jpeg,image/png,image/webp"
    # Too heavy: said at once, in French, and nothing is kept to send.
    field.set_input_files({"name": "IMG_2040.jpg", "mimeType": "image/jpeg", "buffer": os.urandom(6_000_000)})
    check = page.locator("#champ-image-fichier-verification")
    assert check.inner_text() == "Cette image pèse 6,0 Mo : au plus 5 Mo. Choisissez-en une plus légère, ou réduisez-la (2 000 pixels de large suffisent)."
    assert field.get_attribute("aria-invalid") == "true" and page.evaluate("document.getElementById('champ-image-fichier').files.length") == 0
    # A phone photo, lying on its side, with its GPS position and its owner's name inside.
    field.set_input_files({"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo(orientation=6)})
    page.locator(".picture-preview img").wait_for()
    assert check.inner_text().startswith("Image choisie : IMG_2041.jpg") and field.get_attribute("aria-invalid") is None
    assert page.locator(".picture-preview img").get_attribute("alt") == "Aperçu de l'image choisie"
    # The words, from the keyboard: the description, then the licence with the arrow keys.
    page.fill("#champ-image-alt", "Une fresque colorée peinte par les jeunes du quartier sur un mur")
    page.focus("#champ-image-alt")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "image.licence"
    page.keyboard.press("ArrowDown")  # from the first (CC0) to the next, which it checks
    assert page.locator("input[name='image.licence']:checked").get_attribute("value") == "cc-by"
    assert "citant son auteur" in page.inner_text("#champ-image-licence")  # each licence said in plain words
    assert "accord" in page.inner_text("#champ-image-aide")  # no one shown without their agreement
    page.get_by_label("Crédit").fill("Atelier Zot Koulèr")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert violations(page) == []
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    page.wait_for_selector(".done, .error-summary", timeout=30000)
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    visit.close()

    repository = git.Repo(remote)
    branch = next(b.name for b in repository.branches if b.name.startswith("contrib/"))
    record = yaml.safe_load(repository.git.show(f"{branch}:content/actors/97411/atelier-zot-kouler.yml"))
    assert record["image"] == {"file": "media/atelier-zot-kouler.jpg", "alt": "Une fresque colorée peinte par les jeunes du quartier sur un mur",
                               "licence": "cc-by", "credit": "Atelier Zot Koulèr"}
    data = repository.git.show(f"{branch}:content/media/atelier-zot-kouler.jpg", stdout_as_string=False)
    picture = assert_without_metadata(data)
    assert picture.size == (400, 600) and OWNER.encode() not in data  # upright, and nobody's name
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825) == {}  # no GPS block


def test_a_picture_replaced_without_javascript(browser, running):
    from test_service_pictures import assert_without_metadata, photo

    site, service, remote, fake = running
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{service.url}/contribuer/actor/compagnie-lamer-move")
    assert "Cette fiche a déjà une image" in page.inner_text("#champ-image")
    page.set_input_files("#champ-image-fichier", {"name": "affiche.png", "mimeType": "image/png", "buffer": photo(fmt="PNG")})
    page.fill("#champ-image-alt", "L'affiche du spectacle Dokèr : un conteneur bleu et deux acrobates dessinés")
    page.wait_for_timeout(1100)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "Numéro de reçu" in page.inner_text("main"), page.inner_text("main")[:1500]
    context.close()
    repository = git.Repo(remote)
    branch = next(b.name for b in repository.branches if b.name.startswith("contrib/compagnie-lamer-move-"))
    assert sorted(repository.git.diff("--name-status", "main", branch).splitlines()) == [
        "A\tcontent/media/compagnie-lamer-move.png", "D\tcontent/media/compagnie-lamer-move.jpg", "M\tcontent/actors/97407/compagnie-lamer-move.yml"]
    assert assert_without_metadata(repository.git.show(f"{branch}:content/media/compagnie-lamer-move.png", stdout_as_string=False)).format == "PNG"
