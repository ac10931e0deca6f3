"""A commune's printable programme (/communes/<commune>/programme/AAAA-MM/): one month on an A4
sheet for a town-hall bulletin or a poster, series written once with their dates."""

from __future__ import annotations

import re
from datetime import date

from browser_helpers import Visit
from conftest import ROOT, build_site

from communs.records import dates

DEMO_DAY = date(2026, 11, 23)  # conftest.DEMO_EPOCH
SAINT_PAUL = "/communes/97415-saint-paul/"
MARKET = "2026-09-05-marche-forain-du-guillaume"


def page(site, path: str) -> str:
    return (site / path.strip("/") / "index.html").read_text(encoding="utf-8")


def months_with_events(demo, code: str) -> list[str]:
    """The first three months of the agenda (this one and the next two) where the commune has an occurrence."""
    firsts = [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    found = []
    for first in firsts:
        last = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        start = max(first, DEMO_DAY)
        if any(dates.occurrences(e.data, start=start, end=last, limit=1) for e in demo.events_in(code)):
            found.append(f"{first.year:04d}-{first.month:02d}")
    return found


def test_each_commune_links_its_programmes_of_the_coming_months(demo_site, demo):
    for code in demo.commune_codes():
        place = demo.commune(code)
        expected = months_with_events(demo, code)
        commune_page = page(demo_site, f"/communes/{code}-{place.slug}/")
        linked = re.findall(rf'href="/communes/{code}-{place.slug}/programme/([0-9]{{4}}-[0-9]{{2}})/"', commune_page)
        assert linked == expected, place.name
        built = sorted(p.parent.name for p in (demo_site / "communes" / f"{code}-{place.slug}" / "programme").glob("*/index.html"))
        assert built == expected, place.name


def test_a_weekly_market_is_written_once_with_its_dates_of_the_month(demo_site, demo):
    text = page(demo_site, f"{SAINT_PAUL}programme/2026-12/")
    assert text.count(f'href="/evenements/{MARKET}/"') == 1
    saturdays = [o.first_day.day for o in dates.occurrences(demo.events[MARKET].data, start=date(2026, 12, 1), end=date(2027, 1, 1))]
    assert saturdays == [5, 12, 19, 26]
    assert "En décembre 2026 : 5, 12, 19 et 26." in re.sub(r"\s+", " ", text)
    assert "Rendez-vous réguliers" in text
    # Where and by whom, for readers of the paper.
    assert "Place du marché du Guillaume" in text and "Association des producteurs des Hauts de Saint-Paul" in text


def test_a_public_site_prints_a_qr_code_of_the_commune_page(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNS_SITEURL", "https://annuaire.example.org")
    output = tmp_path / "output"
    result = build_site(ROOT / "content", output, "--settings", str(ROOT / "publishconf.py"))
    assert result.returncode == 0, result.stderr
    text = page(output, f"{SAINT_PAUL}programme/2026-12/")
    assert re.search(r'<figure class="programme-qr"><svg [^>]*class="qr"><title>Code QR de la page de Saint-Paul</title>', text)
    assert "https://annuaire.example.org/communes/97415-saint-paul/" in re.search(r"<figcaption>.*?</figcaption>", text, re.S).group(0)


def test_without_a_public_address_there_is_no_qr_code(demo_site):
    assert "<svg" not in page(demo_site, f"{SAINT_PAUL}programme/2026-12/")


def test_printed_the_page_is_the_programme_alone(browser, demo_server):
    visit = Visit(browser, demo_server.url)
    sheet = visit.open(f"{SAINT_PAUL}programme/2026-12/")
    assert sheet.get_by_role("button", name="Imprimer").is_visible()
    sheet.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".no-print", "nav"):
        assert all(not element.is_visible() for element in sheet.locator(hidden).all()), hidden
    assert sheet.locator("h1").inner_text().startswith("Saint-Paul")
    pdf = sheet.pdf(prefer_css_page_size=True)
    sizes = set(re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf))
    assert sizes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in sizes)  # A4 in points
    assert visit.errors == []
    visit.close()
