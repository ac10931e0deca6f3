"""The visitor's agenda on the demo: every future event reachable by month and from its commune,
each series once on the pages that list events (with its rhythm in words and its next date)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

from conftest import DEMO_EPOCH, ROOT

from communs.records.dates import next_occurrence
from communs.records.directory import load_directory

TODAY = datetime.fromtimestamp(int(DEMO_EPOCH), tz=timezone.utc).date()  # the demo's build date (La Réunion: same day)
EVENT_LINK = re.compile(r'href="/evenements/([a-z0-9-]+)/"')
MONTH_LINK = re.compile(r'href="(/agenda/(?:[0-9]{4}-[0-9]{2}/)?)"')


def page(site, path: str) -> str:
    return html.unescape((site / path.strip("/") / "index.html").read_text(encoding="utf-8"))


def future_events() -> dict[str, str]:
    directory, _report = load_directory(ROOT / "content")
    return {e.id: e.folder for e in directory.events.values() if next_occurrence(e.data, TODAY) is not None}


def test_every_future_event_is_reachable_from_the_agenda_month_by_month(demo_site):
    seen_pages, reached = set(), set()
    queue = ["/agenda/"]
    while queue:
        path = queue.pop()
        if path in seen_pages:
            continue
        seen_pages.add(path)
        text = page(demo_site, path)
        reached |= set(EVENT_LINK.findall(text))
        queue += MONTH_LINK.findall(text)
    future = future_events()
    assert len(seen_pages) > 6  # months beyond the old six-month horizon
    assert set(future) - reached == set()


def test_every_future_event_is_on_its_communes_page(demo_site):
    directory, _report = load_directory(ROOT / "content")
    for event_id, code in future_events().items():
        commune = directory.commune(code)
        text = page(demo_site, f"/communes/{commune.code}-{commune.slug}/")
        assert f'href="/evenements/{event_id}/"' in text, (event_id, commune.name)


def test_a_weekly_series_appears_once_with_its_rhythm_and_next_date(demo_site):
    market = "2026-09-05-marche-forain-du-guillaume"
    saint_paul = page(demo_site, "/communes/97415-saint-paul/").split('id="titre-agenda"', 1)[1].split("</section>\n</section>", 1)[0]
    assert saint_paul.count(f'href="/evenements/{market}/"') == 1
    line = saint_paul.split(f'href="/evenements/{market}/"', 1)[0].rsplit('<li class="event', 1)[1]
    assert 'datetime="2026-11-28T06:30:00+04:00"' in line  # its next Saturday, not its first one
    assert "Chaque samedi, jusqu'au 31 décembre 2027" in saint_paul
    organiser = page(demo_site, "/acteurs/producteurs-du-guillaume/")
    assert organiser.count(f'href="/evenements/{market}/"') == 1
    assert "chaque samedi, jusqu'au 31 décembre 2027 ; prochaine fois :" in organiser and "samedi 5 septembre 2026" not in organiser
    # The month view is the one place that lists each Saturday.
    january = page(demo_site, "/agenda/2027-01/")
    assert january.count(f'href="/evenements/{market}/"') == 5  # 2, 9, 16, 23, 30 January
    assert january.count("séance annulée") == 1  # the 2nd, listed as cancelled
    may = page(demo_site, "/agenda/2027-05/")
    assert may.count(f'href="/evenements/{market}/"') == 4 and 'datetime="2027-05-01' not in may  # no market on 1 May


def test_month_pages_are_light(demo_site):
    for path in demo_site.joinpath("agenda").glob("20??-??/index.html"):
        assert path.stat().st_size < 200_000, path


def test_subscribing_to_a_communes_or_a_themes_agenda(demo_site, tmp_path):
    """Per-theme calendars exist; a site with a public address offers webcal:// and an address to copy."""
    import icalendar

    from communs.settings import SiteSettings
    from communs.site import exports

    culture = icalendar.Calendar.from_ical((demo_site / "donnees" / "themes" / "culture.ics").read_bytes())
    assert "culture" in str(culture["X-WR-CALNAME"]).lower() and len(culture.walk("VEVENT")) > 3
    theme_page = page(demo_site, "/themes/culture/")
    assert 'value="/donnees/themes/culture.ics"' in theme_page  # no public address in the demo: no webcal link
    directory, _report = load_directory(ROOT / "content")
    public = SiteSettings(site_url="https://annuaire.example.org", calendar_domain="agenda.example.org")
    moved = SiteSettings(site_url="https://nouvelle-adresse.example.net", calendar_domain="agenda.example.org")
    first, second = (icalendar.Calendar.from_ical(exports.events_ics(directory, s, "97415")) for s in (public, moved))
    uids = [sorted(str(e["UID"]) for e in c.walk("VEVENT")) for c in (first, second)]
    assert uids[0] == uids[1] and all(u.endswith("@agenda.example.org") for u in uids[0])  # the site moved, the entries did not
    from communs.site import urls

    assert urls.webcal("https://annuaire.example.org", "/donnees/communes/97415.ics") == "webcal://annuaire.example.org/donnees/communes/97415.ics"
    assert urls.webcal("", "/donnees/evenements.ics") == ""


def test_a_published_site_offers_webcal_links(tmp_path, monkeypatch):
    from conftest import ACTOR, EVENT, Tree, build_site

    tree = Tree(tmp_path)
    tree.actor(ACTOR)
    tree.event(EVENT)
    monkeypatch.setenv("COMMUNS_SITEURL", "https://annuaire.example.org")
    output = tmp_path / "site"
    result = build_site(tree.content, output, "--settings", str(ROOT / "publishconf.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    commune = page(output, "/communes/97411-saint-denis/")
    assert 'href="webcal://annuaire.example.org/donnees/communes/97411.ics"' in commune
    assert 'value="https://annuaire.example.org/donnees/communes/97411.ics"' in commune


def test_calendar_entries_carry_their_history_so_apps_update_them(demo_site):
    """SEQUENCE and LAST-MODIFIED come from the record's Git history."""
    import icalendar

    from communs.site.history import read_history

    history = read_history(ROOT / "content", None)
    market = "2026-09-05-marche-forain-du-guillaume"
    changed = history.of_record("event", "97415", market)
    calendar = icalendar.Calendar.from_ical((demo_site / "donnees" / "evenements.ics").read_bytes())
    entry = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(market) and "RECURRENCE-ID" not in e)
    assert entry.decoded("SEQUENCE") == changed.changes - 1 and changed.changes >= 2
    assert entry.decoded("LAST-MODIFIED") == changed.changed.astimezone(entry.decoded("LAST-MODIFIED").tzinfo)


def test_times_stay_on_one_line_on_a_phone(demo_site):
    saint_paul = page(demo_site, "/communes/97415-saint-paul/")
    assert "6\u00a0h\u00a030 – 12\u00a0h" in saint_paul and "6 h 30" not in saint_paul
    agenda = page(demo_site, "/agenda/2027-01/")
    assert "<p>" in agenda and "séance.É" not in agenda  # blocks no longer glued together
