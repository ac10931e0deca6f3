"""A weekly series with exceptions, through every output: its page, the iCalendar feed (read by
an expander we did not write), the JSON-LD."""

from __future__ import annotations

import json
import re
from datetime import date

import icalendar
import recurring_ical_events
from conftest import ACTOR, EVENT, Tree, build_site

SERIES = (
    "recurrence: FREQ=WEEKLY;BYDAY=SU;COUNT=6\n"
    "exceptions:\n"
    "  - {date: '2026-12-27', note: Alerte cyclonique}\n"
    "  - {date: '2027-01-03', status: cancelled, note: Jour de l'An}\n"
    "  - {date: '2027-01-10', status: moved, start: '2027-01-09T18:00:00+04:00', end: '2027-01-09T23:00:00+04:00'}\n"
)


def test_a_series_with_exceptions_in_every_output(tmp_path):
    tree = Tree(tmp_path)
    tree.actor(ACTOR)
    tree.event(EVENT + SERIES)
    output = tmp_path / "site"
    result = build_site(tree.content, output)
    assert result.returncode == 0, result.stdout + result.stderr

    page = (output / "evenements" / "2026-12-20-kabar-fet-kaf" / "index.html").read_text(encoding="utf-8")
    dates_block = page.split("Prochaines dates", 1)[1].split("</ul>", 1)[0]
    assert "2026-12-27" not in dates_block  # excluded: not a date of the series at all
    assert re.search(r'<li class="is-cancelled"><del><time datetime="2027-01-03T18:00:00\+04:00">.*</del> <strong class="status-cancelled">annulé</strong> — Jour de l(&#39;|\')An', dates_block)
    assert '<time datetime="2027-01-09T18:00:00+04:00">' in dates_block and "(déplacé)" in dates_block
    assert "2027-01-10" not in dates_block

    calendar = icalendar.Calendar.from_ical((output / "evenements" / "2026-12-20-kabar-fet-kaf" / "2026-12-20-kabar-fet-kaf.ics").read_bytes())
    expanded = recurring_ical_events.of(calendar).between(date(2026, 12, 1), date(2027, 3, 1))
    happening = sorted((str(e.get("dtstart").dt.date()), str(e.get("status"))) for e in expanded)
    assert happening == [("2026-12-20", "CONFIRMED"), ("2027-01-03", "CANCELLED"), ("2027-01-09", "CONFIRMED"),
                         ("2027-01-17", "CONFIRMED"), ("2027-01-24", "CONFIRMED")]
    vevents = [c for c in calendar.walk("VEVENT")]
    assert len({str(v.get("uid")) for v in vevents}) == 1 and len(vevents) == 3  # the series and its two changed days

    graph = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    schedule = graph["eventSchedule"] if "eventSchedule" in graph else next(node["eventSchedule"] for node in graph.get("@graph", []) if "eventSchedule" in node)
    assert schedule["exceptDate"] == ["2026-12-27", "2027-01-03", "2027-01-10"]
