"""Widgets (/integrer/…): an agenda or a map of a commune, a theme or an actor, that another site
shows in an <iframe>; the code to copy on commune and actor pages; the headers asked of the host."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from browser_helpers import Visit
from conftest import ROOT, Server

from communs.records import dates
from communs.site import headers, urls

DEMO_DAY = date(2026, 11, 23)  # conftest.DEMO_EPOCH
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SAINT_PAUL = "/integrer/communes/97415-saint-paul/agenda/"


def read(site: Path, path: str) -> str:
    return (site / path.strip("/") / "index.html").read_text(encoding="utf-8")


def event_links(page: str) -> list[str]:
    return re.findall(r'href="(/evenements/[^"]+/)"', page)


def test_every_commune_theme_and_actor_with_events_has_its_widgets(demo_site, demo):
    for code in demo.commune_codes():
        place = demo.commune(code)
        assert (demo_site / urls.embed_commune_agenda(place).strip("/") / "index.html").is_file()
        assert (demo_site / urls.embed_commune_map(place).strip("/") / "index.html").is_file()
    for value in demo.labels["themes"]:
        assert (demo_site / urls.embed_theme_agenda(value).strip("/") / "index.html").is_file()
    with_events = {record_id for record_id in demo.actors if demo.events_of(record_id)}
    assert with_events and len(with_events) < len(demo.actors)
    built = {path.parent.parent.name for path in (demo_site / "integrer" / "acteurs").glob("*/agenda/index.html")}
    assert built == with_events


def test_the_commune_widget_lists_each_coming_event_once_soonest_first(demo_site, demo):
    page = read(demo_site, SAINT_PAUL)
    coming = []
    for event in demo.events_in("97415"):
        following = dates.next_occurrence(event.data, DEMO_DAY)
        if following is not None:
            coming.append((following.first_day, dates.iso(following.start), event.id))
    expected = [urls.event(record_id) for _day, _start, record_id in sorted(coming)]
    assert expected, "the demo has coming events in Saint-Paul"
    assert event_links(page) == expected  # a weekly market appears once, at its next date
    assert "Agenda de Saint-Paul" in page


def test_an_actor_widget_lists_the_events_it_organises_or_hosts(demo_site, demo):
    record_id = next(r for r in sorted(demo.actors) if any(dates.next_occurrence(e.data, DEMO_DAY) for e in demo.events_of(r)))
    page = read(demo_site, urls.embed_actor_agenda(record_id))
    coming = {urls.event(e.id) for e in demo.events_of(record_id) if dates.next_occurrence(e.data, DEMO_DAY)}
    assert set(event_links(page)) == coming
    assert html.escape(demo.actors[record_id].data["name"], quote=False) in page


def test_widgets_are_bare_pages_that_open_links_outside_the_frame(demo_site):
    page = read(demo_site, SAINT_PAUL)
    assert '<base target="_blank">' in page
    assert '<meta name="robots" content="noindex">' in page
    assert "site-header" not in page and "data-pagefind-body" not in page
    assert 'rel="canonical" href="/communes/97415-saint-paul/"' in page
    sitemap = (demo_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "/integrer/" not in sitemap and "/communes/97415-saint-paul/" in sitemap


def test_commune_and_actor_pages_give_the_code_to_copy(demo_site, demo):
    page = read(demo_site, "/communes/97415-saint-paul/")
    code = re.search(r'<textarea id="integrer-code"[^>]*>([^<]*)</textarea>', page).group(1)
    assert html.unescape(code) == (
        f'<iframe src="{SAINT_PAUL}" title="L’agenda de la commune" width="100%" height="500" style="border:0" loading="lazy"></iframe>'
    )
    without_events = next(r for r in sorted(demo.actors) if not demo.events_of(r))
    actor = read(demo_site, urls.actor(without_events))
    # No agenda to offer: the map of its commune, opened on its marker.
    assert "/agenda/" not in re.search(r'<details class="subscribe embed".*?</details>', actor, re.S).group(0)
    assert f"carte/?acteur={without_events}" in actor


def test_the_host_headers_let_any_site_frame_widgets_only(demo_site):
    written = (demo_site / headers.FILE).read_text(encoding="utf-8")
    assert "/integrer/*\n  Content-Security-Policy: frame-ancestors *\n" in written
    assert headers.headers_for(SAINT_PAUL)["Content-Security-Policy"] == "frame-ancestors *"
    assert "Content-Security-Policy" not in headers.headers_for("/communes/97415-saint-paul/")
    assert headers.headers_for("/")["X-Content-Type-Options"] == "nosniff"


# In a browser, on another site ----------------------------------------------------------------

@pytest.fixture()
def host_site(tmp_path, demo_server):
    """A town hall's page on another origin that frames the Saint-Paul agenda widget."""
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Mairie</title></head><body>'
        "<h1>Mairie de Saint-Paul</h1>"
        f'<iframe id="agenda" src="{demo_server.url}{SAINT_PAUL}?couleur=8a2be2&amp;nombre=1" title="Agenda" width="100%" height="500" style="border:0"></iframe>'
        f'<iframe id="hostile" src="{demo_server.url}{SAINT_PAUL}?couleur=red;background:url(x)&amp;nombre=abc&amp;titre=non" title="Agenda 2" width="100%" height="300"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    server = Server(tmp_path)
    assert server.url.rsplit(":", 1)[1] != demo_server.url.rsplit(":", 1)[1]  # another origin
    yield server
    server.close()


def test_another_site_shows_the_agenda_widget_without_error_and_accessibly(browser, host_site, demo_site):
    visit = Visit(browser, host_site.url, width=390)
    page = visit.open("/")
    frame = page.frame_locator("#agenda")
    frame.locator(".event").first.wait_for()
    expected = len(event_links(read(demo_site, SAINT_PAUL)))
    assert expected > 1
    # nombre=1: one event shown, the rest hidden; couleur: the widget's accent colour.
    assert frame.locator(".event:visible").count() == 1
    inner = next(f for f in page.frames if f.url.endswith("nombre=1"))
    assert inner.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()") == "#8a2be2"
    # Hostile values are ignored: default colour, every event, the title only hidden.
    hostile = next(f for f in page.frames if "titre=non" in f.url)
    hostile.wait_for_selector(".event")
    assert hostile.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()") == "#0b5d52"
    assert hostile.locator(".event:visible").count() == expected
    assert hostile.locator("h1.visually-hidden").count() == 1
    # A link opens the directory in a new tab, not inside the town hall's page.
    assert frame.locator(".event a").first.evaluate("a => a.target || document.querySelector('base').target") == "_blank"
    inner.add_script_tag(path=str(AXE))
    results = inner.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{v['id']}: {v['help']}" for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert visit.errors == []
    visit.close()


def test_the_map_widget_opens_on_the_actor_it_is_given(browser, demo_server, demo):
    record_id = "tam-tam" if "tam-tam" in demo.actors else sorted(demo.actors_in("97415"))[0].id
    visit = Visit(browser, demo_server.url)
    page = visit.open(f"/integrer/communes/97415-saint-paul/carte/?acteur={record_id}")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.inner_text().startswith(demo.actors[record_id].data["name"])
    # An id that is not one, or a hostile one, opens no popup and raises no error.
    for value in ("nobody-here", "%3Cimg%20src%3Dx%3E"):
        page = visit.open(f"/integrer/communes/97415-saint-paul/carte/?acteur={value}")
        page.locator(".leaflet-marker-icon, .marker-cluster").first.wait_for()
        assert page.locator(".leaflet-popup-content").count() == 0
    assert visit.errors == []
    visit.close()


def test_the_code_to_copy_follows_the_choices_made_with_the_keyboard(browser, demo_server):
    visit = Visit(browser, demo_server.url, width=390)
    page = visit.open("/communes/97415-saint-paul/")
    summary = page.locator("#integrer > summary")
    summary.focus()
    page.keyboard.press("Enter")
    page.get_by_label("La carte de la commune").check()
    height = page.get_by_label("Hauteur en pixels")
    height.fill("650")
    height.dispatch_event("input")
    code = page.locator("#integrer-code").input_value()
    assert re.fullmatch(
        rf'<iframe src="{re.escape(demo_server.url)}/integrer/communes/97415-saint-paul/carte/" title="La carte de la commune" '
        r'width="100%" height="650" style="border:0" loading="lazy"></iframe>', code,
    )
    height.fill("99999")  # out of range: the default height, never the typed text
    height.dispatch_event("input")
    assert 'height="500"' in page.locator("#integrer-code").input_value()
    assert visit.errors == []
    visit.close()
