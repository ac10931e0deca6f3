"""Checks beyond the schema: each failing record asserts its code, its line and its message."""

from __future__ import annotations

import pytest
from conftest import ACTOR, EVENT, line_of, only, replace_line


def test_id_must_be_the_file_name(tree):
    path = tree.write("actor", "97411", "ti-kaz.yml", ACTOR)
    found = only(tree.validate(), "id-mismatch")
    assert found.line == line_of(path, "id: compagnie-ti-kaz")
    assert "renommez le fichier en compagnie-ti-kaz.yml, ou écrivez id: ti-kaz" in found.message


def test_event_id_starts_with_its_start_date(tree):
    tree.actor()
    text = EVENT.replace("2026-12-20-kabar-fet-kaf", "2026-12-21-kabar-fet-kaf")
    tree.event(text, name="2026-12-21-kabar-fet-kaf.yml")
    found = only(tree.validate(), "event-id-date")
    assert found.pointer == "/id" and "2026-12-20" in found.message


def test_rescheduled_event_keeps_its_original_id(tree):
    tree.actor()
    text = replace_line(EVENT, 'start: "2026-12-20T18:00:00+04:00"', 'start: "2027-01-10T18:00:00+04:00"')
    text = replace_line(text, 'end: "2026-12-20T23:00:00+04:00"', 'end: "2027-01-10T23:00:00+04:00"')
    tree.event(text + 'status: rescheduled\nprevious_start: "2026-12-20T18:00:00+04:00"\n')
    assert tree.validate().problems == []


def test_folder_must_be_the_commune(tree):
    path = tree.actor(commune="97415")
    report = tree.validate()
    found = only(report, "commune-mismatch")
    assert found.line == line_of(path, "commune:")
    assert "dossier 97415" in found.message and "« 97411 » (Saint-Denis)" in found.message


def test_unknown_commune_suggests_nearby_codes(tree):
    path = tree.actor(replace_line(ACTOR, 'commune: "97411"', 'commune: "97499"'), commune="97499")
    found = only(tree.validate(), "unknown-commune")
    assert found.line == line_of(path, "commune:")
    assert "« 97499 » ne correspond à aucune commune" in found.message
    assert "Codes proches" in found.message and "(974)" in found.message


def test_postal_code_instead_of_insee_code_is_recognised(tree):
    tree.actor(replace_line(ACTOR, 'commune: "97411"', 'commune: "97400"'), commune="97400")
    found = only(tree.validate(), "unknown-commune")
    assert "97400 est un code postal, pas un code INSEE" in found.message and '"97411"' in found.message


def test_delegated_commune_or_arrondissement_points_to_the_current_commune(tree):
    text = replace_line(ACTOR, 'commune: "97411"', 'commune: "75104"')
    text = text.replace('  postal_code: "97400"\n', "").replace("geo: {lat: -20.8789, lon: 55.4481}\n", "")
    tree.actor(text, commune="75104")
    found = only(tree.validate(), "commune-not-current")
    assert '"75056"' in found.message and "Paris" in found.message


def test_area_communes_must_exist(tree):
    path = tree.actor(ACTOR + 'area: ["97415", "97444"]\n')
    found = only(tree.validate(), "unknown-commune")
    assert found.pointer == "/area/1" and found.line == line_of(path, "area:")


def test_postal_code_of_another_commune(tree):
    path = tree.actor(replace_line(ACTOR, 'postal_code: "97400"', 'postal_code: "97460"'))
    found = only(tree.validate(), "postal-code-mismatch")
    assert found.line == line_of(path, "postal_code")
    assert "97460 est celui de Saint-Paul, pas de Saint-Denis" in found.message and "97400" in found.message


def test_unknown_postal_code_is_a_warning(tree):
    tree.actor(replace_line(ACTOR, 'postal_code: "97400"', 'postal_code: "97405"'))
    report = tree.validate()
    assert only(report, "postal-code-unknown").severity == "warning"
    assert report.ok


def test_coordinates_in_the_atlantic_are_outside_la_reunion(tree):
    path = tree.actor(replace_line(ACTOR, "geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: 46.0, lon: -30.0}"))
    found = only(tree.validate(), "geo-outside-territory")
    assert found.line == line_of(path, "geo:") and found.pointer == "/geo"
    assert "hors du département 974 (La Réunion)" in found.message


def test_swapped_coordinates_are_detected(tree):
    tree.actor(replace_line(ACTOR, "geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: 55.4481, lon: -20.8789}"))
    found = only(tree.validate(), "geo-outside-territory")
    assert "inversées" in found.message


def test_forgotten_minus_sign_is_detected(tree):
    tree.actor(replace_line(ACTOR, "geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: 20.8789, lon: 55.4481}"))
    found = only(tree.validate(), "geo-outside-territory")
    assert "Vérifiez le signe" in found.message and "négative" in found.message


def test_point_on_the_other_side_of_the_island_is_a_warning(tree):
    # Saint-Philippe's coast, with the commune set to Saint-Denis.
    tree.actor(replace_line(ACTOR, "geo: {lat: -20.8789, lon: 55.4481}", "geo: {lat: -21.36, lon: 55.77}"))
    report = tree.validate()
    found = only(report, "geo-far-from-commune")
    assert found.severity == "warning" and "km du centre de Saint-Denis" in found.message


def test_event_venue_coordinates_are_checked_too(tree):
    tree.actor()
    tree.event(replace_line(EVENT, "geo: {lat: -20.8823, lon: 55.4504}", "geo: {lat: 48.85, lon: 2.35}"))
    found = only(tree.validate(), "geo-outside-territory")
    assert found.pointer == "/venue/geo"


@pytest.mark.parametrize(
    ("start", "end", "code", "words"),
    [
        ('"2026-02-30"', '"2026-03-01"', "invalid-date", "n'existe pas"),
        ('"2026-12-20T25:00:00+04:00"', '"2026-12-20T23:00:00+04:00"', "invalid-date", "n'existe pas"),
        ('"2026-12-20"', '"2026-12-20T23:00:00+04:00"', "date-kind-mismatch", "de la même façon"),
        ('"2026-12-20T18:00:00+04:00"', '"2026-12-20T17:00:00+04:00"', "end-before-start", "avant le début"),
        ('"2026-12-20"', '"2027-02-20"', "duration-too-long", "62 jours"),
    ],
)
def test_event_dates(tree, start, end, code, words):
    tree.actor()
    text = replace_line(EVENT, 'start: "2026-12-20T18:00:00+04:00"', f"start: {start}")
    text = replace_line(text, 'end: "2026-12-20T23:00:00+04:00"', f"end: {end}")
    path = tree.event(text)
    found = only(tree.validate(), code)
    assert words in found.message
    assert found.line == line_of(path, "start:" if code == "invalid-date" and "02-30" in start or "25:00" in start else "end:")


def test_long_event_is_fine_when_it_recurs(tree):
    tree.actor()
    text = replace_line(EVENT, 'start: "2026-12-20T18:00:00+04:00"', 'start: "2026-12-20"')
    text = replace_line(text, 'end: "2026-12-20T23:00:00+04:00"', 'end: "2026-12-20"')
    tree.event(text + "recurrence: FREQ=WEEKLY;BYDAY=SU;UNTIL=20271231\n")
    assert tree.validate().problems == []


@pytest.mark.parametrize(
    ("rule", "code", "words"),
    [
        ("FREQ=YEARLY", "rrule-unsupported", "YEARLY"),
        ("FREQ=WEEKLY;BYSETPOS=1", "rrule-unsupported", "BYSETPOS"),
        ("BYDAY=SA", "rrule-invalid", "FREQ=DAILY"),
        ("FREQ=WEEKLY;BYDAY=SAT", "rrule-invalid", "« SAT » n'est pas un jour"),
        ("FREQ=WEEKLY;BYDAY=1SA", "rrule-invalid", "FREQ=MONTHLY"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "rrule-invalid", "entre 1 et 31"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20271231", "rrule-invalid", "pas les deux"),
        ("FREQ=WEEKLY;UNTIL=2027-12-31", "rrule-invalid", "AAAAMMJJ"),
        ("FREQ=WEEKLY;UNTIL=20261201", "rrule-invalid", "avant le début"),
        ("FREQ=WEEKLY;INTERVAL=0", "rrule-invalid", "INTERVAL"),
        ("FREQ=WEEKLY;FREQ=DAILY", "rrule-invalid", "deux fois"),
    ],
)
def test_recurrence_subset(tree, rule, code, words):
    tree.actor()
    path = tree.event(EVENT + f"recurrence: {rule}\n")
    report = tree.validate()
    found = [p for p in report.problems if p.code == code]
    assert found, [(p.code, p.message) for p in report.problems]
    assert words in found[0].message
    assert found[0].line == line_of(path, "recurrence:")


def test_http_url_is_a_warning(tree):
    path = tree.actor(replace_line(ACTOR, "website: https://ti-kaz.example.org", "website: http://ti-kaz.example.org"))
    report = tree.validate()
    found = only(report, "url-not-https")
    assert found.severity == "warning" and found.line == line_of(path, "website:")
    assert "https://ti-kaz.example.org" in found.message
    assert report.ok


def test_raw_html_in_markdown_is_refused_on_its_line(tree):
    text = replace_line(ACTOR, "  - tournées dans les écoles", "  - tournées dans les écoles\n\n  <script>alert(1)</script>")
    path = tree.actor(text)
    found = only(tree.validate(), "markdown-html")
    assert found.line == line_of(path, "<script>")
    assert "HTML n'est pas accepté" in found.message and "<script>" in found.message


def test_inline_html_with_event_handler_is_refused(tree):
    tree.actor(replace_line(ACTOR, "  La compagnie crée des spectacles", '  La compagnie <img src=x onerror="alert(1)"> crée des spectacles'))
    assert only(tree.validate(), "markdown-html")


def test_javascript_link_in_markdown_is_refused(tree):
    path = tree.actor(replace_line(ACTOR, "  - ateliers le mercredi", "  - [ateliers](javascript:alert(1)) le mercredi"))
    found = only(tree.validate(), "url-scheme")
    assert found.line == line_of(path, "javascript:")


def test_less_than_sign_in_prose_is_fine(tree):
    tree.actor(replace_line(ACTOR, "  - ateliers le mercredi", "  - ateliers pour les < 12 ans le mercredi"))
    assert tree.validate().problems == []


@pytest.mark.parametrize(
    "email",
    ["contact@ti-kaz.example.org", "a.b+c@x.re", "a..b@x.fr", ".a@x.fr", "a@-x.fr", "contact@localhost", "a@xn--t-bga.fr"],
)
def test_the_importers_cleaner_keeps_what_the_validator_accepts(tree, email):
    """One e-mail check (values.is_email), for the validator and the importers' cleaner (whose
    search of a cell looks for domains of two letters or more: "a@x.f" is no candidate there)."""
    from communs.records.values import clean_email

    tree.actor(replace_line(ACTOR, "email: contact@ti-kaz.example.org", f'email: "{email}"'))
    refused = [p for p in tree.validate().problems if p.pointer == "/contact/email"]
    assert (clean_email(email) == email) == (not refused)


@pytest.mark.parametrize("email", ["contact@", "contact@@ti-kaz.example.org", "contact@ti kaz.org", "contact@localhost"])
def test_malformed_email(tree, email):
    path = tree.actor(replace_line(ACTOR, "email: contact@ti-kaz.example.org", f'email: "{email}"'))
    report = tree.validate()
    found = [p for p in report.problems if p.pointer == "/contact/email"]
    assert found and found[0].code in {"email-invalid", "bad-format"}
    assert found[0].line == line_of(path, "email:")
    assert "contact@exemple.fr" in found[0].message


def test_impossible_phone_number(tree):
    tree.actor(replace_line(ACTOR, "phone: +262 262 00 12 34", "phone: 0262 12 34"))
    found = only(tree.validate(), "phone-invalid")
    assert "nombre de chiffres" in found.message


def test_local_phone_number_is_read_in_its_territory(tree):
    tree.actor(replace_line(ACTOR, "phone: +262 262 00 12 34", "phone: 0692 00 12 34"))
    assert tree.validate().problems == []


def test_siret_checksum(tree):
    tree.actor(replace_line(ACTOR, 'siret: "12345678000014"', 'siret: "12345678000015"'))
    found = only(tree.validate(), "siret-checksum")
    assert "clé de contrôle" in found.message


def test_opening_hours_syntax(tree):
    path = tree.actor(replace_line(ACTOR, "opening_hours: Mo-Fr 09:00-17:00", "opening_hours: Lundi au vendredi 9h-17h"))
    found = only(tree.validate(), "opening-hours-invalid")
    assert found.line == line_of(path, "opening_hours") and "Mo-Fr" in found.message


def test_price_range_and_free_with_amount(tree):
    tree.actor()
    tree.event(replace_line(EVENT, "price: {free: true}", "price: {free: true, min: 12, max: 5}"))
    report = tree.validate()
    assert "inversez" in only(report, "range-inverted").message
    assert "free: true" in only(report, "price-free-with-amount").message


def test_age_range(tree):
    tree.actor()
    tree.event(EVENT + "age: {min: 12, max: 6}\n")
    assert only(tree.validate(), "range-inverted").pointer == "/age/min"


@pytest.mark.parametrize(
    "email",
    ["contact@ti-kaz.example.org", "a.b+c@x.re", "x@exa-mple.fr", "a..b@x.fr", ".a@x.fr", "a@-x.fr", "a@x-.fr", "a@x.f", "é@x.fr", "a@xn--t-bga.fr", "a@théâtre.fr"],
)
def test_email_fast_path_agrees_with_email_validator(email):
    from email_validator import EmailNotValidError, validate_email

    from communs.records.values import EMAIL_PATTERN

    try:
        validate_email(email, check_deliverability=False)
        accepted = True
    except EmailNotValidError:
        accepted = False
    if EMAIL_PATTERN.match(email):
        assert accepted, email


SERIES = "recurrence: FREQ=WEEKLY;BYDAY=SU;COUNT=6\n"  # the example event starts on Sunday 20 December 2026


@pytest.mark.parametrize(
    ("exceptions", "code", "words", "needle"),
    [
        ("exceptions: [{date: '2026-12-22'}]\n", "exception-not-an-occurrence", "pas de séance le mardi 22 décembre 2026", "exceptions:"),
        ("exceptions: [{date: '2026-12-27'}, {date: '2026-12-27', status: cancelled}]\n", "duplicate-exception", "déjà une exception", "exceptions:"),
        ("exceptions: [{date: '2026-12-27', status: moved}]\n", "exception-incoherent", "nouveau début", "exceptions:"),
        ("exceptions: [{date: '2026-12-27', start: '2026-12-28T18:00:00+04:00'}]\n", "exception-incoherent", "status: moved", "exceptions:"),
        ("exceptions: [{date: '2026-12-27', status: moved, start: '2027-03-01T18:00:00+04:00'}]\n", "exception-too-far", "plus de 31 jours", "exceptions:"),
    ],
)
def test_exceptions_of_a_series(tree, exceptions, code, words, needle):
    tree.actor()
    path = tree.event(EVENT + SERIES + exceptions)
    found = only(tree.validate(), code)
    assert words in found.message
    assert found.line == line_of(path, needle)


def test_exceptions_need_a_series(tree):
    tree.actor()
    tree.event(EVENT + "exceptions: [{date: '2026-12-20'}]\n")
    assert "ne s'appliquent qu'à un événement qui se répète" in only(tree.validate(), "exceptions-without-recurrence").message


def test_good_exceptions_pass(tree):
    tree.actor()
    tree.event(EVENT + SERIES + "exceptions:\n  - {date: '2026-12-27', note: Alerte cyclonique}\n  - {date: '2027-01-03', status: cancelled}\n"
               "  - {date: '2027-01-10', status: moved, start: '2027-01-09T18:00:00+04:00'}\n")
    assert tree.validate().ok


@pytest.mark.parametrize(
    ("escaped", "code_point"),
    [("\\v", "U+000B"), ("\\e", "U+001B"), ("\\0", "U+0000"), ("\\a", "U+0007"), ("\\uFFFE", "U+FFFE"), ("\\u2028", "U+2028"), ("\\N", "U+0085"), ("\\f", "U+000C")],
)
def test_control_characters_are_refused_with_a_french_message(tree, escaped, code_point):
    """Whatever validates must build: a vertical tab in a title once broke `communs build`."""
    tree.actor()
    path = tree.event(replace_line(EVENT, "title: Kabar de la Fèt Kaf", f'title: "Kabar{escaped}de la Fèt Kaf"'))
    found = only(tree.validate(), "control-character")
    assert code_point in found.message and "« title »" in found.message and "retirez-le" in found.message
    assert found.line == line_of(path, "title:")


def test_a_newline_in_a_long_text_is_fine(tree):
    tree.actor(ACTOR + "description: |\n  Première ligne.\n\n  Seconde ligne.\n")
    assert not [p for p in tree.validate().problems if p.code == "control-character"]


def test_the_forbidden_characters_are_found_alike_by_the_pattern_and_the_rule():
    """Texts are searched with one pattern; it refuses exactly the code points the rule does."""
    from communs.records.rules import _FORBIDDEN, _forbidden_character

    disagree = [point for point in range(0x110000) if bool(_FORBIDDEN.fullmatch(chr(point))) != _forbidden_character(chr(point))]
    assert disagree == []
    assert _FORBIDDEN.search("Deux lignes\nsans rien d'interdit, é à ç 😀") is None
    assert _FORBIDDEN.search("un\u2028séparateur").group() == "\u2028"
