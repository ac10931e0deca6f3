"""What a visitor does in Chromium: search, filter, read maps, and meet nothing that runs uninvited.

Debian's Chromium, driven by Playwright; tiles are answered locally with an empty image (the
only third-party resource of the site is the tile server, unreachable here).
"""

from __future__ import annotations

import json
import re

import pytest
from browser_helpers import Visit
from conftest import ACTOR, EVENT, Server, Tree
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from communs.records.content import RecordFile
from communs.records.directory import Directory
from communs.records.record import parse_record
from communs.records.text import fold
from communs.settings import SiteSettings


@pytest.fixture
def visit(browser, demo_server):
    opened = Visit(browser, demo_server.url)
    yield opened
    opened.close()


PAGE_TYPES = [
    "/", "/communes/", "/communes/97411-saint-denis/", "/acteurs/compagnie-ti-kaz/",
    "/evenements/2026-12-20-kabar-fet-kaf/", "/evenements/2026-12-05-sortie-canyon-fleurs-jaunes/",
    "/agenda/", "/agenda/archives/", "/themes/", "/themes/culture/", "/recherche/", "/donnees/",
    "/contribuer/", "/contribuer/evenement/", "/modifications/", "/a-propos/", "/404.html",
    "/integrer/communes/97415-saint-paul/agenda/", "/integrer/communes/97415-saint-paul/carte/",
    "/communes/97415-saint-paul/programme/2026-12/",
    "/communes/97407-le-port/reseau/", "/themes/culture/reseau/", "/themes/culture/filiere/",
    "/acteurs/bisiklet-solider/", "/evenements/2027-04-10-bourse-aux-velos/",  # with their pictures
]


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_console_error_on_any_page_type(visit, path):
    page = visit.open(path)
    assert page.locator("h1").count() == 1
    assert visit.errors == []


def _result_count(page: Page) -> int:
    page.wait_for_function("/[0-9]+ résultats? pour/.test(document.querySelector('.pagefind-ui__message')?.textContent || '')")
    return int(re.search(r"([0-9]+) résultats? pour", page.locator(".pagefind-ui__message").inner_text()).group(1))


def test_search_theatre_then_filter_by_commune(visit):
    page = visit.open("/recherche/?q=théâtre")
    page.wait_for_selector(".pagefind-ui__result")
    with_accents = _result_count(page)
    assert with_accents >= 3
    # Without the accent, in capitals: the same results.
    page.fill(".pagefind-ui__search-input", "THEATRE")
    page.wait_for_timeout(800)
    assert _result_count(page) == with_accents
    # Filtered by Saint-Denis: fewer results, among them the theatre company of Saint-Denis.
    page.locator("summary.pagefind-ui__filter-name", has_text="Commune").click()
    page.check("input[name='Commune'][value='Saint-Denis']")
    page.wait_for_timeout(800)
    assert _result_count(page) < with_accents
    assert "Compagnie Ti Kaz" in page.locator(".pagefind-ui__result-title").all_inner_texts()
    for link in page.locator(".pagefind-ui__result-link").all():
        target = link.get_attribute("href")
        assert target.startswith("/acteurs/") or target.startswith("/evenements/")
    assert visit.errors == []


def test_home_search_form_leads_to_results(visit):
    page = visit.open("/")
    page.fill("#q", "marché")
    page.click("form[role=search] button")
    # Results come in as each part of the index answers: wait for the one expected, not the first.
    page.wait_for_selector(".pagefind-ui__result-title:has-text('Marché')")
    assert any("Marché" in title for title in page.locator(".pagefind-ui__result-title").all_inner_texts())


def _markers_shown(page: Page) -> int:
    """Records on the map: single markers plus the number written on each cluster."""
    page.wait_for_selector(".leaflet-marker-icon")
    page.wait_for_timeout(500)
    singles = page.locator(".leaflet-marker-icon:not(.marker-cluster)").count()
    clustered = sum(int(text) for text in page.locator(".marker-cluster").all_inner_texts())
    return singles + clustered


def test_commune_map_shows_every_actor_and_upcoming_event(visit, demo, demo_site):
    page = visit.open("/communes/97415-saint-paul/")
    data = json.loads((demo_site / "communes" / "97415-saint-paul" / "carte.geojson").read_text(encoding="utf-8"))
    actors = [f for f in data["features"] if f["properties"]["type"] == "actor"]
    assert len(actors) == len(demo.actors_in("97415"))
    assert _markers_shown(page) == len(data["features"])
    assert visit.errors == []


def test_map_popup_links_to_the_record(visit):
    page = visit.open("/communes/97411-saint-denis/")
    page.wait_for_selector(".leaflet-marker-icon")
    single = page.locator(".leaflet-marker-icon:not(.marker-cluster)")
    for _attempt in range(6):  # a cluster click zooms in, or spreads its markers at full zoom
        if single.count():
            break
        page.locator(".marker-cluster").first.click()
        page.wait_for_timeout(800)
    single.first.click()
    link = page.locator(".leaflet-popup a").first
    link.wait_for()
    assert re.match(r"^/(acteurs|evenements)/[a-z0-9-]+/$", link.get_attribute("href"))


def test_agenda_filters_by_commune_and_theme(visit, demo):
    page = visit.open("/agenda/2027-01/")  # a month with events in several communes
    all_events = page.locator("li.event:visible").count()
    page.select_option("#filtre-commune", "97415")
    shown = page.locator("li.event:visible")
    assert 0 < shown.count() < all_events
    assert set(shown.evaluate_all("items => items.map(i => i.dataset.commune)")) == {"97415"}
    assert "affiché" in page.locator(".filter-status").inner_text()
    # The calendar to subscribe to follows the filters.
    assert page.input_value("#abonnement-adresse").endswith("/donnees/communes/97415.ics")
    page.select_option("#filtre-theme", "alimentation")
    assert page.input_value("#abonnement-adresse").endswith("/donnees/communes/97415/alimentation.ics")
    page.select_option("#filtre-theme", "numerique")
    assert page.locator("li.event:visible").count() == 0
    assert "Aucun événement" in page.locator(".filter-status").inner_text()
    assert not page.is_visible("#abonnement")  # no calendar of that theme in that commune
    assert "commune=97415" in page.url and "theme=numerique" in page.url


def test_page_is_complete_without_javascript(browser, demo_server, demo):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_server.url + "/communes/97415-saint-paul/")
    listed = set(page.locator("#titre-acteurs ~ section .card-title a").all_inner_texts())
    assert listed == {record.name for record in demo.actors_in("97415")}
    assert "carte" in page.locator(".communs-map").inner_text().lower()
    context.close()


def test_usable_at_360_pixels(browser, demo_server, tmp_path):
    opened = Visit(browser, demo_server.url, width=360)
    for path in ("/", "/acteurs/compagnie-ti-kaz/", "/evenements/2026-09-05-marche-forain-du-guillaume/", "/agenda/"):
        page = opened.open(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, overflow)
        page.screenshot(path=str(tmp_path / f"{path.strip('/').replace('/', '-') or 'home'}.png"), full_page=True)
    assert opened.errors == []
    opened.close()


# --- Hostile records ------------------------------------------------------------------------

PAYLOAD_DESCRIPTION = (
    "Début <script>window.__pwned = 'script'</script>\n\n"
    "<img src=x onerror=\"window.__pwned = 'onerror'\">\n\n"
    "[cliquez](javascript:window.__pwned='link') et <a href=\"javascript:window.__pwned='a'\">là</a>\n"
)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A site built from records the validator would refuse, to test the renderer's own defences."""
    root = tmp_path_factory.mktemp("hostile")
    tree = Tree(root)
    records = []
    texts = {
        "actor": ACTOR.replace("name: Compagnie Ti Kaz", "name: 'Compagnie <img src=x onerror=window.__pwned=1>'")
        .replace("summary: Théâtre jeune public et ateliers d'écriture en créole.", "summary: '</script><script>window.__pwned=2</script>'")
        .replace("  La compagnie crée des spectacles pour les enfants.\n", "".join("  " + line + "\n" if line else "\n" for line in PAYLOAD_DESCRIPTION.split("\n"))),
        "event": EVENT.replace("title: Kabar de la Fèt Kaf", "title: '<svg onload=window.__pwned=3>'"),
    }
    for kind, text in texts.items():
        path = tree.actor(text) if kind == "actor" else tree.event(text)
        source = RecordFile(path=path, kind=kind, folder="97411", display=str(path))
        record, _problems = parse_record(path.read_bytes(), source)
        records.append(record)
    from communs.site.plugin import build_site

    output = root / "output"
    build_site(Directory.from_records(records), SiteSettings(), output)
    server = Server(output)
    yield server
    server.close()


@pytest.mark.parametrize("path", ["/acteurs/compagnie-ti-kaz/", "/evenements/2026-12-20-kabar-fet-kaf/", "/communes/97411-saint-denis/", "/agenda/"])
def test_hostile_texts_render_inert(browser, hostile_site, path):
    opened = Visit(browser, hostile_site.url)
    page = opened.open(path)
    for link in page.locator(".record-text a, .communs-map-popup a").all():
        link.click(no_wait_after=True) if link.is_visible() else None
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert opened.dialogs == []
    # No element came out of a record's text: the only images are the map's own tiles and markers.
    injected = page.evaluate("[...document.querySelectorAll('main img, main svg, main script, main iframe')].filter(e => !e.closest('.communs-map')).length")
    assert injected == 0
    hrefs = page.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href') || '')")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]
    opened.close()



def test_search_forgives_how_people_type_places_and_finds_communes(visit):
    """« st paul » finds Saint-Paul (its page first), and a web address no longer makes a match."""
    page = visit.open("/recherche/?q=st paul")
    page.wait_for_selector(".pagefind-ui__result")
    assert _result_count(page) >= 5
    first = page.locator(".pagefind-ui__result-link").first.get_attribute("href")
    assert first == "/communes/97415-saint-paul/", first
    page.fill(".pagefind-ui__search-input", "culture")
    page.wait_for_timeout(800)
    links = page.locator(".pagefind-ui__result-link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "/themes/culture/" in links[:3], links[:5]



def test_what_people_type_finds_what_they_mean_in_the_first_three(visit):
    """The visitor's queries of the agenda issue, each with the record a person expects first."""
    expected = {
        "theatre": "Komidi",  # a theatre festival, by its discipline
        "teatre": "Komidi",  # the same, typed fast (no typo tolerance in Pagefind: loose spellings)
        "st paul": "Saint-Paul",
        "marche saint paul": "Marché forain du Guillaume",
        "maloya": "Festival Lantouraz Maloya",
    }
    page = visit.open("/recherche/")
    found = {}
    for query, title in expected.items():
        page.fill(".pagefind-ui__search-input", query)
        page.wait_for_function(f"(document.querySelector('.pagefind-ui__message')?.textContent || '').includes({query!r})")
        # Results arrive one by one (a busy machine takes longer): wait for the expected one among
        # the first three, or give up after a while and report what came.
        try:
            page.wait_for_function(
                f"[...document.querySelectorAll('.pagefind-ui__result-title')].slice(0, 3).some(t => t.textContent.includes({title!r}))",
                timeout=10_000,
            )
        except PlaywrightTimeout:
            pass
        found[query] = page.locator(".pagefind-ui__result-title").all_inner_texts()[:3]
    assert {query: title in found[query] for query, title in expected.items()} == dict.fromkeys(expected, True), found



def test_the_home_page_puts_events_before_the_map_and_says_when_tiles_fail(browser, demo_server):
    """Keyboard users meet the events before 24 markers; a map without tiles says why."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())  # the tile server unreachable
    page.goto(demo_server.url + "/")
    order = page.evaluate("[...document.querySelectorAll('h2')].map(h => h.id)")
    assert order.index("titre-agenda") < order.index("titre-carte")
    note = page.locator(".communs-map-tiles").first
    note.wait_for()
    assert "Le fond de carte ne s’affiche pas" in note.inner_text()
    # Overlapping communes grouped, not stacked: the clusters come once the map's data is read,
    # which may be after the note on tiles (it raced with it on a fresh clone).
    page.locator(".marker-cluster").first.wait_for(timeout=15000)
    assert page.locator(".marker-cluster").count() > 0
    context.close()



def test_on_a_phone_search_results_come_before_the_filters(browser, demo_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.goto(demo_server.url + "/recherche/?q=maloya")
    page.wait_for_selector(".pagefind-ui__result")
    page.wait_for_function("document.querySelectorAll('summary.pagefind-ui__filter-name').length >= 4")  # filters load after results
    first_result = page.locator(".pagefind-ui__result").first.bounding_box()
    filters = page.locator(".pagefind-ui__filter-panel").bounding_box()
    assert first_result["y"] < filters["y"] and first_result["y"] < 844  # on the first screen
    names = page.locator("summary.pagefind-ui__filter-name").all_inner_texts()
    assert {"Commune", "Thème", "Type d’acteur", "Type d’événement"} <= {n.strip() for n in names}, names
    context.close()


def test_filter_values_are_in_french_alphabetical_order(visit):
    """Pagefind sorts values by their bytes (« Économie » after « Tourisme »); ours are in French order."""
    page = visit.open("/recherche/?q=la")
    page.wait_for_function("document.querySelectorAll('summary.pagefind-ui__filter-name').length >= 4")
    groups = [name.strip() for name in page.locator("summary.pagefind-ui__filter-name").all_inner_texts()]
    assert groups == ["Commune", "Thème", "Type d’acteur", "Type d’appel", "Type d’événement"], groups
    page.locator("summary.pagefind-ui__filter-name", has_text="Thème").click()
    themes = page.locator("input[name='Thème']").evaluate_all("inputs => inputs.map(i => i.value)")
    accented = [theme for theme in themes if theme[0] in "ÉÈÂÎ"]
    assert accented and themes[-1] not in accented, themes
    assert themes == sorted(themes, key=lambda value: fold(value).casefold()), themes
    assert visit.errors == []


def test_search_excerpts_do_not_glue_a_place_to_its_other_spellings(visit):
    """The other spellings indexed for search (« St Paul ») are set apart in an excerpt, and the
    loose spellings (« teatre ») are out of the way at the end of the page."""
    page = visit.open("/recherche/?q=culture")
    page.wait_for_selector(".pagefind-ui__result-excerpt")
    excerpts = " ".join(page.locator(".pagefind-ui__result-excerpt").all_inner_texts())
    assert re.search(r"Commune : [A-ZÉ][\w-]+ \(", excerpts), excerpts
    assert not re.search(r"[a-z](Saint|Sainte|St|Entre|Les|La|Le) [A-Z]", excerpts), excerpts
