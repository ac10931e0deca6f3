"""Calls to take part on the built demo site (reference day 23 November 2026): the listing of
open calls, each call's page (a closed one kept and marked), their place on commune, theme,
actor and home pages, the exports, the feed and the search index."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

from conftest import ROOT
from test_searchindex import fragment_texts

from communs.records.directory import load_directory, open_calls

DEMO_DAY = date(2026, 11, 23)


def page(site, path: str) -> str:
    return (site / path.strip("/") / "index.html").read_text(encoding="utf-8")


def titles(html: str) -> list[str]:
    return re.findall(r'<li class="card call-card"[^>]*>.*?<a href="[^"]+">([^<]+)</a>', html, re.S)


def demo_calls():
    directory, _report = load_directory(ROOT / "content", jobs=1)
    return directory, open_calls(directory.calls.values(), DEMO_DAY)


def test_the_listing_shows_every_open_call_soonest_end_first(demo_site):
    directory, opened = demo_calls()
    html = page(demo_site, "/appels/")
    needs = re.search(r'id="titre-besoins".*?</section>', html, re.S).group(0)
    offers = re.search(r'id="titre-offres".*?</section>', html, re.S).group(0)
    shown = titles(needs) + titles(offers)
    assert sorted(shown) == sorted(r.data["title"].replace("'", "&#39;") for r in opened) and len(shown) >= 10
    ends = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)">', needs)
    assert ends == sorted(ends)
    assert "Outils de jardin à prêter" in offers and "Outils de jardin à prêter" not in needs
    # Closed calls leave the lists: past their date, and closed early.
    assert "Chantier de débroussaillage du sentier" not in html and "Réparateurs d" not in html


def test_a_closed_call_keeps_its_page_marked_closed_and_out_of_search(demo_site):
    expired = page(demo_site, "/appels/chantier-de-debroussaillage-du-sentier/")
    assert "<strong>Appel clos.</strong> Il courait jusqu'au dimanche 15 novembre 2026." in expired.replace("&#39;", "'")
    assert '<meta name="robots" content="noindex">' in expired and "data-pagefind-body" not in expired
    sitemap = (demo_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "/appels/chantier-de-debroussaillage-du-sentier/" not in sitemap and "/appels/benevoles-accueil-lantouraz-maloya/" in sitemap
    assert "Comment répondre" not in expired
    fulfilled = page(demo_site, "/appels/reparateurs-d-electromenager/")
    assert "<strong>Appel pourvu.</strong>" in fulfilled and "data-pagefind-body" not in fulfilled


def test_an_open_call_page_says_who_where_until_when_and_how_to_answer(demo_site):
    html = page(demo_site, "/appels/benevoles-accueil-lantouraz-maloya/")
    assert "data-pagefind-body" in html and "noindex" not in html
    assert re.search(r'<dt>Qui lance l(&#39;|\')appel</dt>\s*<dd><a href="[^"]*/acteurs/festival-lantouraz-maloya/">', html)
    assert "Front de mer de Saint-Paul" in html and '<time datetime="2027-03-15">lundi 15 mars 2027</time>' in html
    assert 'href="mailto:benevoles@lantouraz.example.org?subject=Appel%20%3A%20B%C3%A9n%C3%A9voles' in html
    # Without a contact of its own, a call is answered through its actor's, and says so.
    other = page(demo_site, "/appels/salle-de-repetition-le-mardi-soir/")
    assert "mailto:contact@ti-kaz.example.org" in other and "Ce sont les contacts de" in other


def test_commune_theme_actor_and_home_pages_show_their_open_calls(demo_site):
    commune = page(demo_site, "/communes/97415-saint-paul/")
    section = re.search(r'id="titre-appels".*?</section>', commune, re.S).group(0)
    assert titles(section) == ["Une motobineuse pour la saison des plantations", "Bénévoles pour l&#39;accueil du festival Lantouraz Maloya"]
    theme = re.search(r'id="titre-appels".*?</section>', page(demo_site, "/themes/numerique/"), re.S).group(0)
    assert set(titles(theme)) == {"Ordinateurs portables à reconditionner", "Aide aux démarches en ligne pour les associations"}
    actor = page(demo_site, "/acteurs/repar-kafe-des-hauts/")
    assert "1 appel clos" in actor and "Pourvu" in actor
    home = page(demo_site, "/")
    assert len(titles(re.search(r'id="titre-appels".*?</section>', home, re.S).group(0))) == 6
    assert 'href="/appels/">Appels</a>' in home  # in the main navigation


def test_exports_hold_every_call_and_the_data_package_describes_them(demo_site):
    directory, _opened = demo_calls()
    exported = json.loads((demo_site / "donnees/appels.json").read_text(encoding="utf-8"))
    assert exported["count"] == len(directory.calls) == 15
    first = next(item for item in exported["data"] if item["id"] == "benevoles-accueil-lantouraz-maloya")
    assert first["url"].endswith("/appels/benevoles-accueil-lantouraz-maloya/") and first["commune_name"] == "Saint-Paul"
    rows = list(csv.DictReader(io.StringIO((demo_site / "donnees/appels.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert len(rows) == 15 and {row["actor"] for row in rows} <= set(directory.actors)
    assert next(r for r in rows if r["id"] == "reparateurs-d-electromenager")["status"] == "fulfilled"
    package = json.loads((demo_site / "donnees/datapackage.json").read_text(encoding="utf-8"))
    calls = next(r for r in package["resources"] if r["name"] == "appels")
    assert calls["path"] == "appels.csv"
    assert calls["schema"]["foreignKeys"] == [{"fields": ["actor"], "reference": {"resource": "acteurs", "fields": ["id"]}}]
    catalogue = (demo_site / "donnees/catalogue.jsonld").read_text(encoding="utf-8")
    assert "/donnees/appels.csv" in catalogue and "/donnees/appels.json" in catalogue


def test_the_feed_lists_open_calls_only(demo_site):
    _directory, opened = demo_calls()
    feed = (demo_site / "flux/appels.atom").read_text(encoding="utf-8")
    links = re.findall(r'<link href="[^"]*/appels/([a-z0-9-]+)/" rel="alternate"/>', feed)
    assert sorted(links) == sorted(r.id for r in opened)


def test_open_calls_are_in_the_search_index_and_closed_ones_are_not(demo_site):
    texts = " ".join(fragment_texts(demo_site).values())
    assert '"url":"/appels/motobineuse-pour-les-plantations/"' in texts.replace(" ", "")
    assert "Type d’appel" in texts and "Matériel recherché" in texts
    assert "/appels/chantier-de-debroussaillage-du-sentier/" not in texts
    assert "/appels/reparateurs-d-electromenager/" not in texts
