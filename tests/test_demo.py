"""The demo directory of La Réunion: valid, and rich enough to show every feature."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from communs.records.rules import parse_moment
from communs.records.schemas import default_schemas
from communs.records.validation import validate

CONTENT = Path(__file__).resolve().parents[1] / "content"
BUILD_DAY = date(2026, 11, 23)  # the demo's reference day for "past" and "upcoming"


@pytest.fixture(scope="module")
def demo():
    return validate(CONTENT)


def test_demo_passes_validation(demo):
    assert demo.ok, [(p.file, p.code, p.message) for p in demo.errors]
    # The fictional records are clean; the imported festivals keep their source's http:// sites.
    fictional = {r.file for r in demo.records if "source" not in r.data}
    assert [p for p in demo.warnings if p.file in fictional] == []
    assert {p.code for p in demo.warnings} <= {"url-not-https"}


def test_demo_holds_the_41_real_festivals_of_la_reunion(demo):
    festivals = [r for r in demo.records if r.data.get("source", {}).get("dataset") == "festivals-global-festivals-pl"]
    assert len(festivals) == 41
    assert all(r.data["kind"] == "festival" and r.data["source"]["credit"] == "Ministère de la Culture" for r in festivals)


def test_demo_covers_communes_themes_and_kinds(demo):
    actors = [r for r in demo.records if r.kind == "actor"]
    assert len(actors) >= 40
    assert len({r.folder for r in actors}) >= 12
    assert all(r.folder.startswith("974") for r in demo.records)
    themes = Counter(theme for r in actors for theme in r.data["themes"])
    assert set(themes) == {choice.value for choice in default_schemas().choices("theme")}
    assert {r.data["kind"] for r in actors} == {choice.value for choice in default_schemas().choices("kind")}


def _day(value: str) -> date:
    moment = parse_moment(value)
    return moment.date() if isinstance(moment, datetime) else moment


def test_demo_events_cover_the_special_cases(demo):
    events = [r.data for r in demo.records if r.kind == "event"]
    assert len(events) >= 30
    days = [_day(e["start"]) for e in events]
    assert all(2026 <= d.year <= 2027 for d in days)
    assert any(d < BUILD_DAY for d in days) and any(d > BUILD_DAY for d in days)
    assert any(e.get("type") == "marche" and "FREQ=WEEKLY" in e.get("recurrence", "") for e in events)
    assert any(e.get("status") == "cancelled" for e in events)
    assert any(e.get("attendance") == "online" and e.get("online_url") for e in events)
    assert any("end" in e and (_day(e["end"]) - _day(e["start"])).days >= 2 for e in events)


def test_every_demo_file_carries_the_editor_schema_hint():
    for path in sorted(CONTENT.glob("*/*/*.yml")):
        kind = {"actors": "actor", "events": "event", "calls": "call"}[path.parts[-3]]
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../../schemas/{kind}.schema.json", path
        assert (path.parent / "../../../schemas" / f"{kind}.schema.json").resolve().is_file()


def test_demo_holds_no_real_contact_data(demo):
    """Fictional records use example domains; only imported public data (credited) is real."""
    for record in demo.records:
        if "source" in record.data:
            continue
        contact = record.data.get("contact", {})
        if "email" in contact:
            assert contact["email"].endswith((".example.org", ".example")), record.file
        if "website" in contact:
            assert ".example.org" in contact["website"], record.file
