"""The contribution form as the schema describes it: fields, what a person posts, what it becomes."""

from __future__ import annotations

from communs.records.forms import (
    RECURRENCE,
    form_for,
    mistakes,
    record_from_fields,
    values_from_record,
    written_recurrence,
)


def test_required_first_and_nothing_required_inside_an_optional_group():
    form = form_for("actor")
    assert [f.name for f in form.fields if f.required] == ["name", "kind", "summary", "themes", "commune"]
    geo = next(f for f in form.fields if f.name == "geo")
    assert not geo.required and not any(child.required for child in geo.children)


def test_the_recurrence_is_a_picker_and_its_choices_become_the_rule():
    form = form_for("event")
    assert next(f for f in form.walk() if f.name == "recurrence").widget == RECURRENCE
    posted = {"title": ["Marché"], "start.date": ["2027-01-09"], "start.time": ["07:00"], "recurrence.freq": ["WEEKLY"], "recurrence.byday": ["SA"], "recurrence.count": ["4"]}
    record = written_recurrence(record_from_fields(form, posted, "Indian/Reunion"))
    assert record["recurrence"] == "FREQ=WEEKLY;BYDAY=SA;COUNT=4" and record["start"] == "2027-01-09T07:00:00+04:00"
    once = written_recurrence(record_from_fields(form, {**posted, "recurrence.freq": [""]}, "Indian/Reunion"))
    assert "recurrence" not in once
    typed = written_recurrence(record_from_fields(form, {**posted, "recurrence.freq": [""], "recurrence.rule": ["FREQ=MONTHLY;BYMONTHDAY=1,15"]}, "Indian/Reunion"))
    assert typed["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=1,15"


def test_a_rule_shown_in_the_picker_and_sent_back_unchanged_is_kept_as_written():
    form = form_for("event")
    record = {"title": "Marché", "start": "2026-09-05T07:00:00+04:00", "recurrence": "FREQ=WEEKLY;UNTIL=20271231"}
    values = values_from_record(form, record)
    assert values["recurrence.freq"] == ["WEEKLY"] and values["recurrence.byday"] == ["SA"]
    again = written_recurrence(record_from_fields(form, values, "Indian/Reunion"))
    assert again["recurrence"] == "FREQ=WEEKLY;UNTIL=20271231"


def test_one_mistake_per_field_named_by_its_label():
    form = form_for("actor")
    found = mistakes(form, [
        {"pointer": "/summary", "message": "« summary » est trop court.", "code": "too-short"},
        {"pointer": "/summary", "message": "« summary » : autre chose.", "code": "other"},
        {"pointer": "/contact/website", "message": "« website » : écrivez https://", "code": "pattern"},
        {"pointer": "", "message": "La fiche entière.", "code": "x"},
    ])
    assert [(m.field, m.anchor) for m in found] == [("", ""), ("summary", "champ-summary"), ("contact.website", "champ-contact-website")]
    assert found[1].message == "« Résumé » est trop court." and found[1].summary == "« Résumé » est trop court."
    assert found[2].summary == "« Site web » : écrivez https://"  # the label is there already
    plain = mistakes(form, [{"pointer": "/kind", "message": "Choisissez dans la liste.", "code": "enum"}])
    assert plain[0].summary == "Type d'acteur : Choisissez dans la liste."


def test_days_without_the_event_come_from_the_picker_and_other_exceptions_stay():
    form = form_for("event")
    posted = {"start.date": ["2027-01-09"], "start.time": ["07:00"], "recurrence.freq": ["WEEKLY"], "recurrence.except": ["2027-02-06", "", "2027-01-16"]}
    record = written_recurrence(record_from_fields(form, posted, "Indian/Reunion"))
    assert record["exceptions"] == [{"date": "2027-01-16"}, {"date": "2027-02-06"}]
    kept = written_recurrence({**record_from_fields(form, posted, "Indian/Reunion"), "exceptions": [
        {"date": "2027-01-16", "status": "cancelled"}, {"date": "2027-01-23", "status": "moved", "start": "2027-01-24T07:00:00+04:00"}, {"date": "2027-03-06"}]})
    # The picker's days replace the excluded ones; a cancelled or moved day stays unless the picker names it.
    assert kept["exceptions"] == [{"date": "2027-01-16"}, {"date": "2027-01-23", "status": "moved", "start": "2027-01-24T07:00:00+04:00"}, {"date": "2027-02-06"}]
    values = values_from_record(form, {"start": "2027-01-09T07:00:00+04:00", "recurrence": "FREQ=WEEKLY;BYDAY=SA", "exceptions": [{"date": "2027-02-06"}, {"date": "2027-01-16", "status": "cancelled"}]})
    assert values["recurrence.except"] == ["2027-02-06"]
    once = written_recurrence(record_from_fields(form, {**posted, "recurrence.freq": [""]}, "Indian/Reunion"))
    assert "exceptions" not in once  # no series, no exceptions
