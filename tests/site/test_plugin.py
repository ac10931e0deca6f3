"""The built site, read as files: pages, URLs, exports, feeds, determinism, refusal of bad data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from html import unescape
from pathlib import Path

import geojson
import icalendar
import pytest
from conftest import ACTOR, ROOT, Tree, build_site, replace_line

from communs.records.directory import load_directory


@pytest.fixture(scope="module")
def demo():
    directory, _report = load_directory(ROOT / "content")
    return directory


def test_every_record_and_commune_with_records_has_its_page(demo_site, demo):
    for record_id in demo.actors:
        assert (demo_site / "acteurs" / record_id / "index.html").is_file(), record_id
    for record_id in demo.events:
        assert (demo_site / "evenements" / record_id / "index.html").is_file(), record_id
    commune_pages = {p.name for p in (demo_site / "communes").iterdir() if p.is_dir()}
    expected = {f"{code}-{demo.commune(code).slug}" for code in demo.commune_codes()}
    assert commune_pages == expected
    assert "97411-saint-denis" in commune_pages
    for page in ("index.html", "agenda/index.html", "agenda/archives/index.html", "recherche/index.html", "donnees/index.html",
                 "contribuer/index.html", "themes/index.html", "themes/culture/index.html", "404.html", "a-propos/index.html",
                 "sitemap.xml", "robots.txt", "flux/acteurs.atom", "flux/evenements.atom"):
        assert (demo_site / page).is_file(), page


def test_pages_are_french_and_link_the_stylesheet(demo_site):
    html = (demo_site / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"fr\">")
    assert "/theme/css/communs.css" in html
    assert "Compagnie Ti Kaz" in html and "Suggérer une correction" in html


def page(site: Path, path: str) -> str:
    """A built page's text with HTML entities decoded (apostrophes are escaped as &#39;)."""
    return unescape((site / path / "index.html").read_text(encoding="utf-8"))


def test_event_page_says_dates_in_french_and_cancellation_prominently(demo_site):
    html = page(demo_site, "evenements/2026-12-20-kabar-fet-kaf")
    assert "dimanche 20 décembre 2026, 18\u00a0h – 23\u00a0h" in html  # hours kept on one line
    cancelled = page(demo_site, "evenements/2026-12-05-sortie-canyon-fleurs-jaunes")
    assert 'role="alert"><strong>Événement annulé.</strong>' in cancelled
    market = page(demo_site, "evenements/2026-09-05-marche-forain-du-guillaume")
    assert "chaque samedi, jusqu'au 31 décembre 2027" in market
    assert "Prochaines dates" in market


def _jsonld(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block, "no JSON-LD"
    return json.loads(block.group(1))


def test_record_pages_carry_schema_org(demo_site):
    actor = _jsonld((demo_site / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8"))
    assert actor["@type"] == "Organization" and actor["name"] == "Compagnie Ti Kaz"
    cancelled = _jsonld((demo_site / "evenements" / "2026-12-05-sortie-canyon-fleurs-jaunes" / "index.html").read_text(encoding="utf-8"))
    assert cancelled["@type"] == "Event" and cancelled["eventStatus"].endswith("EventCancelled")


def test_exports_parse_and_count_the_records(demo_site, demo):
    data = demo_site / "donnees"
    actors = geojson.loads((data / "acteurs.geojson").read_text(encoding="utf-8"))
    assert actors.is_valid and len(actors["features"]) == len(demo.actors)
    lon, lat = actors["features"][0]["geometry"]["coordinates"]
    assert 55 < lon < 56 and -22 < lat < -20  # RFC 7946: longitude first
    calendar = icalendar.Calendar.from_ical((data / "evenements.ics").read_bytes())
    events = [c for c in calendar.walk("VEVENT") if "RECURRENCE-ID" not in c]  # a series' changed days follow it
    assert len(events) == len(demo.events)
    changed = [c for c in calendar.walk("VEVENT") if "RECURRENCE-ID" in c]
    assert [(str(c["UID"]).split("@")[0], str(c["STATUS"])) for c in changed] == [("2026-09-05-marche-forain-du-guillaume", "CANCELLED")]
    statuses = {str(e["UID"]).split("@")[0]: str(e.get("STATUS")) for e in events}
    assert statuses["2026-12-05-sortie-canyon-fleurs-jaunes"] == "CANCELLED"
    market = next(e for e in events if str(e["UID"]).startswith("2026-09-05-marche-forain-du-guillaume"))
    assert market["RRULE"]["FREQ"] == ["WEEKLY"]
    rows = list(csv.DictReader(io.StringIO((data / "acteurs.csv").read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(demo.actors)
    document = json.loads((data / "evenements.json").read_text(encoding="utf-8"))
    assert document["count"] == len(demo.events) and "licence" in document
    for code in demo.commune_codes():
        assert geojson.loads((data / "communes" / f"{code}.geojson").read_text(encoding="utf-8")).is_valid
        icalendar.Calendar.from_ical((data / "communes" / f"{code}.ics").read_bytes())
    gogocarto = json.loads((data / "gogocarto.json").read_text(encoding="utf-8"))
    assert len(gogocarto["data"]) == len([r for r in demo.actors.values() if r.data.get("status", "active") == "active"])


def test_event_ics_download_parses(demo_site):
    path = demo_site / "evenements" / "2026-12-20-kabar-fet-kaf" / "2026-12-20-kabar-fet-kaf.ics"
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert "Kabar" in str(event["SUMMARY"])


def test_feeds_and_sitemap_are_well_formed(demo_site, demo):
    atom = "{http://www.w3.org/2005/Atom}"
    actors = ElementTree.parse(demo_site / "flux" / "acteurs.atom").getroot()
    assert len(actors.findall(f"{atom}entry")) == min(50, len(demo.actors))
    ElementTree.parse(demo_site / "flux" / "evenements.atom")
    sitemap = ElementTree.parse(demo_site / "sitemap.xml").getroot()
    locations = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert any(loc.endswith("/acteurs/compagnie-ti-kaz/") for loc in locations)
    assert "Sitemap:" in (demo_site / "robots.txt").read_text()


def test_no_third_party_script_or_stylesheet(demo_site):
    pattern = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(https?:)?//', re.I)
    for page in demo_site.rglob("*.html"):
        assert not pattern.search(page.read_text(encoding="utf-8")), page
    assert (demo_site / "theme" / "vendor").is_dir()


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


# Pagefind names its filter and metadata indexes after a hash of contents it orders
# arbitrarily (upstream issue Pagefind/pagefind#638); everything else must be identical.
PAGEFIND_UNSTABLE = re.compile(r"^pagefind/(parts/[^/]+/)?(filter/.*\.pf_filter|pagefind\..*\.pf_meta|pagefind-entry\.json)$")


def test_building_twice_gives_identical_bytes(demo_site, tmp_path):
    second = tmp_path / "again"
    result = build_site(ROOT / "content", second)
    assert result.returncode == 0, result.stderr
    first = {k: v for k, v in _digest(demo_site).items() if not PAGEFIND_UNSTABLE.match(k)}
    again = {k: v for k, v in _digest(second).items() if not PAGEFIND_UNSTABLE.match(k)}
    assert first.keys() == again.keys()
    assert [name for name in first if first[name] != again[name]] == []
    assert any(name.startswith("pagefind/fragment/") for name in first)  # fragments are stable


def test_rebuild_rewrites_nothing_when_nothing_changed(tmp_path):
    """Unchanged files keep their mtime (the search index is not redone), except what Pelican
    rewrites itself (its free pages)."""
    output = tmp_path / "output"
    assert build_site(ROOT / "content", output).returncode == 0
    theirs = [output / "a-propos"]
    ours = [p for p in output.rglob("*") if p.is_file() and not any(p.is_relative_to(t) for t in theirs)]
    before = {p: p.stat().st_mtime_ns for p in ours}
    assert len(before) > 200
    assert build_site(ROOT / "content", output).returncode == 0
    assert {p: p.stat().st_mtime_ns for p in ours} == before


def test_changing_one_record_rebuilds_only_what_shows_it(tmp_path):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    output = tmp_path / "output"
    assert build_site(content, output).returncode == 0
    mtimes = {p: p.stat().st_mtime_ns for p in output.rglob("index.html")}
    record = content / "actors" / "97411" / "compagnie-ti-kaz.yml"
    record.write_text(record.read_text(encoding="utf-8").replace("Théâtre jeune public", "Théâtre et marionnettes jeune public"), encoding="utf-8")
    assert build_site(content, output).returncode == 0
    changed = {p.relative_to(output).parent.as_posix() for p, before in mtimes.items() if p.stat().st_mtime_ns != before}
    assert "acteurs/compagnie-ti-kaz" in changed
    untouched = ["acteurs/mediatheque-des-hauts-du-brule", "evenements/2026-09-05-marche-forain-du-guillaume"]
    assert all((output / page / "index.html") in mtimes for page in untouched)
    assert not changed.intersection(untouched)
    assert "marionnettes" in (output / "acteurs" / "compagnie-ti-kaz" / "index.html").read_text(encoding="utf-8")
    assert "marionnettes" in (output / "donnees" / "acteurs.json").read_text(encoding="utf-8")
    assert "marionnettes" in (output / "communes" / "97411-saint-denis" / "index.html").read_text(encoding="utf-8")


def test_invalid_records_stop_the_build_with_the_validator_messages(tmp_path):
    tree = Tree(tmp_path)
    tree.actor(replace_line(ACTOR, "kind: association", "kind: asso"))
    output = tmp_path / "output"
    result = build_site(tree.content, output)
    assert result.returncode == 1
    assert "[not-in-list]" in result.stdout and "Vouliez-vous écrire « association » ?" in result.stdout
    assert "Le site n'est pas construit" in result.stderr
    assert not output.exists()


HOSTILE = {
    "summary": 'Résumé <script>window.__pwned = 1</script> "quotes" & co',
    "description": "Texte <img src=x onerror=\"window.__pwned=2\"> et [lien](javascript:window.__pwned=3) fin.",
}


def hostile_tree(tmp_path: Path) -> Tree:
    tree = Tree(tmp_path)
    text = replace_line(ACTOR, "summary: Théâtre jeune public et ateliers d'écriture en créole.", f"summary: '{HOSTILE['summary']}'")
    text = replace_line(text, "  La compagnie crée des spectacles pour les enfants.", "  " + HOSTILE["description"])
    text = replace_line(text, "name: Compagnie Ti Kaz", "name: 'Compagnie <b onmouseover=alert(1)>Ti Kaz</b>'")
    tree.actor(text)
    tree.event()
    return tree


def test_hostile_texts_are_escaped_in_every_page(tmp_path):
    tree = hostile_tree(tmp_path)
    # The validator refuses raw HTML in Markdown; the build refuses it too...
    assert build_site(tree.content, tmp_path / "refused").returncode == 1
    # ...so check the renderer on its own, as if a record had slipped through.
    from communs.site.richtext import render_markdown

    html = render_markdown(HOSTILE["description"])
    assert "<img" not in html and "javascript:" not in html.replace("[lien](javascript:", "")


def test_imported_records_credit_their_source(demo_site):
    html = page(demo_site, "acteurs/electropicales")
    assert "Source : " in html and "Ministère de la Culture" in html and "Licence Ouverte 2.0" in html
    assert "Ministère de la Culture" not in page(demo_site, "acteurs/compagnie-ti-kaz")


def test_a_cancelled_event_offers_neither_registration_nor_calendar(demo_site):
    cancelled = (demo_site / "evenements" / "2026-12-05-sortie-canyon-fleurs-jaunes" / "index.html").read_text(encoding="utf-8")
    assert "Annulé" in cancelled or "annulé" in cancelled
    assert "S'inscrire ou réserver" not in cancelled and "S&#39;inscrire ou réserver" not in cancelled
    assert "Ajouter à mon agenda" not in cancelled
    scheduled = (demo_site / "evenements" / "2027-01-16-stage-choka" / "index.html").read_text(encoding="utf-8")
    assert "Ajouter à mon agenda" in scheduled and ("S'inscrire ou réserver" in scheduled or "S&#39;inscrire ou réserver" in scheduled)


def test_communes_are_listed_by_name_as_people_look_for_them(demo_site):
    import html as html_module

    from communs.records.text import fold

    for path in ("communes/index.html", "donnees/index.html"):
        text = html_module.unescape((demo_site / path).read_text(encoding="utf-8"))
        names = re.findall(r'<a href="/communes/974[0-9]{2}-[a-z0-9-]+/">([^<]+)</a>', text)
        assert len(names) >= 20 and names == sorted(names, key=fold), (path, names)


def test_no_sentence_is_glued_to_the_next_block(demo_site):
    """A template line ending in a tag (trim_blocks) must not glue « …dérivées.Texte de la licence »."""
    from html.parser import HTMLParser

    class Blocks(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open, self.chunks, self.glued = [], [], []

        def handle_starttag(self, tag, attrs):
            if tag in ("p", "li", "dd", "td", "th", "h1", "h2", "h3"):
                self.open.append(len(self.chunks))

        def handle_endtag(self, tag):
            if tag in ("p", "li", "dd", "td", "th", "h1", "h2", "h3") and self.open:
                text = "".join(self.chunks[self.open.pop():])
                self.glued += [text[max(0, m.start() - 30):m.end() + 20] for m in re.finditer(r"[a-zé0-9)»]\.[A-ZÉÈÀ«]", text)
                               if not re.search(r"https?:|www\.|@", text[max(0, m.start() - 40):m.end() + 40])]

        def handle_data(self, data):
            self.chunks.append(data)

    glued = {}
    for path in sorted(demo_site.rglob("*.html")):
        if "pagefind" not in path.parts:
            blocks = Blocks()
            blocks.feed(path.read_text(encoding="utf-8"))
            for text in blocks.glued:
                glued.setdefault(text, path.relative_to(demo_site).as_posix())
    assert glued == {}


def test_the_build_cache_knows_every_module_template_and_schema():
    """A change in any module (sub-packages included), template or schema invalidates the cached
    outputs: the cache once hashed only the package's top-level modules."""
    from communs.site.buildcache import code_files

    files = {path.relative_to(ROOT).as_posix() for path in code_files()}
    assert {"plugins/communs/site/pages.py", "plugins/communs/records/rules.py", "plugins/communs/cli.py",
            "plugins/communs/theme/templates/actor.html", "plugins/communs/schemas/actor.schema.json"} <= files
