"""Links between actors on the built demo site: both actors' pages, the network pages of a
commune and a theme (lists without JavaScript, a drawing), the culture sector view, the edges
file and the JSON-LD; in Chromium, the network page at phone size by keyboard."""

from __future__ import annotations

import csv
import io
import json
import re

from browser_helpers import Visit
from conftest import ROOT

from communs.records.directory import load_directory


def page(site, path: str) -> str:
    return (site / path.strip("/") / "index.html").read_text(encoding="utf-8")


def jsonld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_a_link_shows_on_both_actors_pages(demo_site):
    member = page(demo_site, "/acteurs/troupe-rangoli-danse/")
    assert re.search(r"<dt>Membre de</dt>\s*<dd>.*Fédération des arts vivants de La Réunion</a> <span class=\"muted\">\(Association, Saint-Denis\)</span> — depuis le 1er janvier 2018", member, re.S)
    federation = page(demo_site, "/acteurs/federation-des-arts-vivants-974/")
    members = re.search(r"<dt>Membres</dt>\s*<dd>(.*?)</dd>", federation, re.S).group(1)
    assert [name for name in re.findall(r">([^<]+)</a>", members)] == ["Compagnie Lamer Mové", "Lamoukatè", "Troupe Rangoli Danse"]
    host = page(demo_site, "/acteurs/la-kour-piton/")
    assert "<dt>Accueille</dt>" in host and "Festival Piton Kabar" in host and "Festival Zistoir la Nuit" in host
    ended = page(demo_site, "/acteurs/laves-et-memoire/")
    assert "du 1er janvier 2022 au 31 décembre 2024" in ended and "(terminé)" in ended


def test_the_network_page_of_a_commune_lists_every_link_and_draws_them(demo_site):
    directory, _report = load_directory(ROOT / "content", jobs=1)
    html = page(demo_site, "/communes/97407-le-port/reseau/")
    # The Port's actors: those whose folder it is, and those active there too (the federation).
    port = {r.id for r in directory.actors.values() if r.folder == "97407" or "97407" in (r.data.get("area") or ())}
    expected = [link for link in directory.links if link.source.id in port or link.target.id in port]
    listed = re.findall(r'<ul class="network-pairs">(.*?)</ul>', html, re.S)
    assert sum(item.count("<li>") for item in listed) == len(expected) >= 6
    drawn = re.search(r'<svg class="network-drawing".*?</svg>', html, re.S).group(0)
    assert drawn.count("<line ") == len(expected)
    assert "Réseau Zéro Déchet Réunion" in html and "Kolektif Zéro Gaspi Les Avirons</a> <span class=\"muted\">(Les Avirons)</span>" in html
    assert "/communes/97407-le-port/reseau/" in page(demo_site, "/communes/97407-le-port/")
    # A commune without links has no network page, and its page does not point to one.
    assert not (demo_site / "communes/97424-cilaos/reseau").exists() and "/reseau/" not in page(demo_site, "/communes/97424-cilaos/")


def test_the_sector_view_groups_culture_by_discipline_and_kind(demo_site):
    html = page(demo_site, "/themes/culture/filiere/")
    dance = re.search(r'<section aria-labelledby="d-danse".*?</section>', html, re.S).group(0)
    assert "<h3>Association</h3>" in dance and "Troupe Rangoli Danse" in dance and "<dt>Membre de</dt>" in dance
    assert "/themes/culture/filiere/" in page(demo_site, "/themes/culture/")


def test_the_edges_file_and_the_json_ld_say_the_links(demo_site):
    directory, _report = load_directory(ROOT / "content", jobs=1)
    rows = list(csv.DictReader(io.StringIO((demo_site / "donnees" / "liens.csv").read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(directory.links)
    rangoli = [r for r in rows if r["source"] == "troupe-rangoli-danse"]
    assert [(r["type"], r["target"], r["type_label"], r["since"]) for r in rangoli] == [("member-of", "federation-des-arts-vivants-974", "Membre de", "2018-01-01")]
    member = jsonld(page(demo_site, "/acteurs/troupe-rangoli-danse/"))
    assert member["memberOf"] == [{"@type": "Organization", "@id": "/acteurs/federation-des-arts-vivants-974/", "name": "Fédération des arts vivants de La Réunion"}]
    assert jsonld(page(demo_site, "/acteurs/amis-du-vacoa/"))["funder"][0]["name"] == "Fonds de dotation Zarlor"
    assert "funder" not in jsonld(page(demo_site, "/acteurs/laves-et-memoire/"))  # ended in 2024: said on the page only
    federation = jsonld(page(demo_site, "/acteurs/federation-des-arts-vivants-974/"))
    assert sorted(m["name"] for m in federation["member"]) == ["Compagnie Lamer Mové", "Lamoukatè", "Troupe Rangoli Danse"]
    network = jsonld(page(demo_site, "/acteurs/reseau-zero-dechet-974/"))
    assert len(network["subOrganization"]) == 4


def test_the_network_page_on_a_phone_by_keyboard(browser, demo_server):
    visit = Visit(browser, demo_server.url, width=390)
    opened = visit.open("/communes/97407-le-port/reseau/")
    assert opened.locator("h1").inner_text() == "Le réseau des acteurs de Le Port"
    width = opened.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    # The lists come first; tabbing reaches their links, then the drawing's.
    opened.locator(".network-pairs a").first.focus()
    assert opened.evaluate("document.activeElement.textContent") == opened.locator(".network-pairs a").first.inner_text()
    assert opened.locator(".network-drawing a").count() == opened.locator(".network-drawing circle").count() >= 8
    opened.locator(".network-drawing a").first.focus()
    opened.keyboard.press("Enter")
    opened.wait_for_url(re.compile(r"/acteurs/[a-z0-9-]+/$"))
    assert opened.locator("#titre-reseau").count() == 1
    assert visit.errors == []
    visit.close()
