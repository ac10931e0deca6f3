"""The Whoosh index of the records: likely duplicates for contributions, and `communs search`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ACTOR, replace_line

from communs.cli import main
from communs.contrib.lookup import Lookup, Match, compare_names, name_words, neighbour_radius_km
from communs.records.content import FOLDERS, RecordFile
from communs.records.directory import Directory, load_directory
from communs.records.record import Record, parse_record

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "content"

SAINT_DENIS, SAINTE_MARIE, LE_PORT, SAINT_PAUL, SAINT_PIERRE, PARIS = "97411", "97418", "97407", "97415", "97416", "75056"


def make_record(kind: str, commune: str, record_id: str, fields: dict) -> Record:
    """A record as the validator reads it, from YAML written by hand (JSON values are YAML)."""
    title = "name" if kind == "actor" else "title"
    lines = [f"id: {record_id}", f'commune: "{commune}"']
    for key, value in {title: fields.pop(title), **fields}.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    path = Path("content") / FOLDERS[kind] / commune / f"{record_id}.yml"
    record, problems = parse_record(("\n".join(lines) + "\n").encode("utf-8"), RecordFile(path, kind, commune, path.as_posix()))
    assert record is not None, problems
    return record


def actor(record_id: str, name: str, commune: str, **fields) -> Record:
    return make_record("actor", commune, record_id, {"name": name, "kind": "association", "themes": ["culture"], **fields})


def event(record_id: str, title: str, commune: str, **fields) -> Record:
    start = "2026-12-20T18:00:00+04:00"
    return make_record("event", commune, record_id, {"title": title, "type": "spectacle", "themes": ["culture"], "start": start, **fields})


RECORDS = [
    actor("compagnie-ti-kaz", "Compagnie Ti Kaz", SAINT_DENIS, summary="Théâtre jeune public en créole.", disciplines=["theatre"]),
    actor("theatre-du-grand-marche", "Théâtre du Grand Marché", SAINT_DENIS, summary="Salle de spectacle du centre-ville."),
    actor("theatre-des-alizes", "Théâtre des Alizés", SAINT_PAUL,
          summary="Marionnettes et théâtre d'objets pour les familles.", tags=["marionnettes"]),
    actor("jardin-partage-bellemene", "Jardin partagé de Bellemène", SAINT_PAUL,
          summary="Un jardin créole cultivé par les familles du quartier.", themes=["environnement"]),
    actor("kaz-numerik", "La Kaz Numérik", SAINT_DENIS, summary="Ateliers numériques pour tous."),
    actor("club-de-foot-1", "Club de foot 1", SAINT_PIERRE, summary="Football."),
    event("2026-12-20-festival-ti-kaz", "Festival Ti Kaz", SAINT_DENIS, summary="Trois jours de contes."),
]


@pytest.fixture(scope="module")
def lookup() -> Lookup:
    with Lookup.build(Directory.from_records(list(RECORDS))) as built:
        yield built


@pytest.fixture(scope="module")
def demo() -> Lookup:
    directory, _report = load_directory(DEMO)
    with Lookup.build(directory) as built:
        yield built


def ids(matches: list[Match]) -> list[str]:
    return [match.id for match in matches]


# --- Name rules -----------------------------------------------------------------------------------


def test_name_words_fold_expand_and_drop_articles():
    assert name_words("Cie Ti-Kaz") == ["compagnie", "ti", "kaz"]
    assert name_words("La Kaz Numérik") == ["kaz", "numerik"]
    assert name_words("Asso. des Amis du Vacoa") == ["association", "amis", "vacoa"]
    assert name_words("St-Paul Théâtre") == ["saint", "paul", "theatre"]
    assert name_words("Le La") == ["le", "la"]  # nothing else to keep


@pytest.mark.parametrize(
    ("wanted", "other", "level"),
    [
        ("Compagnie Ti Kaz", "Compagnie Ti Kaz", "same"),
        ("Cie Ti-Kaz", "Compagnie Ti Kaz", "same"),  # abbreviation, hyphen
        ("Ti Kaz Compagnie", "Compagnie Ti Kaz", "same"),  # word order
        ("Compagnie Tikaz", "Compagnie Ti Kaz", "same"),  # spacing
        ("compagnie ti kas", "Compagnie Ti Kaz", "similar"),  # one typo in a 3-letter word
        ("Ti Kaz", "Compagnie Ti Kaz", "similar"),  # a generic word less
        ("Festival Lantoura Maloia", "Festival Lantouraz Maloya", "similar"),  # two typos in a long name
        ("Festival Lontoura Maloia", "Festival Lantouraz Maloya", None),  # three typos
        ("Compagnie Ti Kat Kas", "Compagnie Ti Kaz", None),  # a distinctive word more
        ("Compagnie Ti Zoizo", "Compagnie Ti Kaz", None),
        ("Kaz", "Compagnie Ti Kaz", None),  # "ti" is not generic
        ("Compagnie", "Compagnie Ti Kaz", None),  # nothing distinctive in common
        ("Club de foot 1", "Club de foot 2", None),  # numbers never fuzzy
        ("Ti Bo", "Ti Ba", None),  # no typo allowed in 2-letter words
        ("Kaz Ti", "Kaz Tu", None),
        ("Bato", "Bateau", None),  # two typos over a short name
    ],
)
def test_compare_names(wanted, other, level):
    found = compare_names(name_words(wanted), name_words(other))
    assert (found.level if found else None) == level


def test_neighbour_radius_grows_where_communes_are_sparse(lookup):
    directory = Directory.from_records([])
    assert neighbour_radius_km(directory.commune(PARIS)) == 15
    assert 16 < neighbour_radius_km(directory.commune(SAINT_DENIS)) < 17  # nearest centre 8.1 km away
    assert neighbour_radius_km(directory.commune("97353")) == 40  # Maripasoula, in the Guiana forest
    nearby = lookup.nearby(SAINT_DENIS)
    assert nearby[SAINT_DENIS] == 0
    assert SAINT_PAUL not in nearby and SAINT_PIERRE not in nearby


# --- Duplicates -----------------------------------------------------------------------------------


def test_typo_in_the_same_commune(lookup):
    found = lookup.duplicates("compagnie ti kas", SAINT_DENIS)
    assert ids(found) == ["compagnie-ti-kaz"]
    match = found[0]
    assert match == Match(
        id="compagnie-ti-kaz", kind="actor", name="Compagnie Ti Kaz", commune=SAINT_DENIS, commune_name="Saint-Denis",
        url="/acteurs/compagnie-ti-kaz/", score=match.score, reason="nom proche, même commune",
    )
    assert 0 < match.score < 1


@pytest.mark.parametrize("name", ["Compagnie Ti Kaz", "COMPAGNIE TI KAZ", "Cie Ti-Kaz", "Compagnie TiKaz", "La Compagnie Ti Kaz", "Ti Kaz (compagnie)"])
def test_same_name_written_differently(lookup, name):
    found = lookup.duplicates(name, SAINT_DENIS)
    assert ids(found) == ["compagnie-ti-kaz"]
    assert found[0].reason == "même nom, même commune"


def test_identical_name_scores_highest(lookup):
    assert lookup.duplicates("Compagnie Ti Kaz", SAINT_DENIS)[0].score == 1.0
    assert lookup.duplicates("Cie Ti-Kaz", SAINT_DENIS)[0].score < 1.0


@pytest.mark.parametrize("name", ["Compagnie Ti Zoizo", "Compagnie Lamer Mové", "Kaz", "Compagnie", "Théâtre Ti Kaz", "Association"])
def test_a_different_name_is_no_duplicate(lookup, name):
    assert "compagnie-ti-kaz" not in ids(lookup.duplicates(name, SAINT_DENIS))


def test_neighbouring_commune(lookup):
    found = lookup.duplicates("Compagnie Ti Kas", SAINTE_MARIE)
    assert ids(found) == ["compagnie-ti-kaz"]
    assert found[0].reason == "nom proche, commune voisine (8 km)"
    assert lookup.duplicates("Compagnie Ti Kaz", LE_PORT)[0].reason == "même nom, commune voisine (15 km)"


def test_other_side_of_the_island_needs_the_same_name(lookup):
    assert lookup.duplicates("Compagnie Ti Kas", SAINT_PIERRE) == []
    assert lookup.duplicates("Compagnie Ti Kas", SAINT_PAUL) == []  # 18 km: beyond Saint-Denis's reach
    found = lookup.duplicates("Cie Ti-Kaz", SAINT_PIERRE)
    assert ids(found) == ["compagnie-ti-kaz"]
    assert found[0].reason == "même nom, autre commune (42 km)"


def test_other_departement_is_never_a_duplicate(lookup):
    assert lookup.duplicates("Compagnie Ti Kaz", PARIS) == []


def test_kind_and_exclude(lookup):
    assert ids(lookup.duplicates("Festival Ti Kaz", SAINT_DENIS, kind="event")) == ["2026-12-20-festival-ti-kaz"]
    assert ids(lookup.duplicates("Festival Ti Kaz", SAINT_DENIS)) == []  # no actor of that name
    assert lookup.duplicates("Compagnie Ti Kaz", SAINT_DENIS, exclude="compagnie-ti-kaz") == []
    with pytest.raises(ValueError):
        lookup.duplicates("Compagnie Ti Kaz", SAINT_DENIS, kind="place")


def test_numbers_must_match(lookup):
    assert ids(lookup.duplicates("Club de foot 1", SAINT_PIERRE)) == ["club-de-foot-1"]
    assert lookup.duplicates("Club de foot 2", SAINT_PIERRE) == []


def test_same_names_first_then_closest():
    records = [
        actor("compagnie-ti-kas", "Compagnie Ti Kas", SAINT_DENIS),
        actor("compagnie-ti-kaz", "Compagnie Ti Kaz", SAINTE_MARIE),
        actor("compagnie-ti-kaz-974", "Compagnie Ti Kaz", SAINT_PIERRE),
        actor("cie-ti-kaz", "Cie Ti Kaz", SAINT_DENIS),
    ]
    with Lookup.build(Directory.from_records(records)) as lookup:
        found = lookup.duplicates("Compagnie Ti Kaz", SAINT_DENIS)
        assert [(m.id, m.reason) for m in found] == [
            ("cie-ti-kaz", "même nom, même commune"),
            ("compagnie-ti-kaz", "même nom, commune voisine (8 km)"),
            ("compagnie-ti-kaz-974", "même nom, autre commune (42 km)"),
            ("compagnie-ti-kas", "nom proche, même commune"),
        ]
        assert [m.score for m in found[:3]] == sorted((m.score for m in found[:3]), reverse=True)
        assert len(lookup.duplicates("Compagnie Ti Kaz", SAINT_DENIS, limit=2)) == 2


def test_demo_duplicates(demo):
    assert ids(demo.duplicates("Festival Lantoura Maloia", SAINT_PAUL)) == ["festival-lantouraz-maloya"]
    assert ids(demo.duplicates("compagnie ti kas", SAINT_DENIS)) == ["compagnie-ti-kaz"]
    assert ids(demo.duplicates("Festival Lantouraz Maloya 2027", SAINT_PAUL, kind="event")) == ["2027-05-14-festival-lantouraz-maloya"]
    assert demo.duplicates("Association des randonneurs du Grand Bénare", SAINT_PAUL) == []


@pytest.mark.parametrize("name", ["", "   ", "(", '"', "name:*", "AND OR", "x" * 10_000, "ti " * 5_000, "\x00", "🎭 Ti Kaz"])
@pytest.mark.parametrize("commune", [SAINT_DENIS, "99999", "", "../../etc"])
def test_hostile_duplicate_input_never_raises(lookup, name, commune):
    assert isinstance(lookup.duplicates(name, commune), list)


# --- Search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["théâtre", "theatre", "THEATRE", "Théatre", "théâtres"])
def test_search_ignores_accents_case_and_plural(lookup, query):
    assert {"theatre-des-alizes", "theatre-du-grand-marche"} <= set(ids(lookup.search(query)))


def test_commune_names_are_searchable(lookup):
    assert ids(lookup.search("theatre saint-paul")) == ["theatre-des-alizes"]
    assert ids(lookup.search("Théâtre St Paul")) == ["theatre-des-alizes"]
    assert ids(lookup.search("saint-denis theatre"))[:2] == ["theatre-du-grand-marche", "compagnie-ti-kaz"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theatr", "theatre-des-alizes"),
        ("thaetre alizes", "theatre-des-alizes"),  # transposed letters
        ("marionettes", "theatre-des-alizes"),  # a letter missing
        ("jardin partagé bellemene", "jardin-partage-bellemene"),
        ("jardins partages", "jardin-partage-bellemene"),  # plural
        ("numerique", "kaz-numerik"),
    ],
)
def test_search_tolerates_typos_and_stems(lookup, query, expected):
    assert expected in ids(lookup.search(query))


def test_every_word_must_match(lookup):
    assert lookup.search("theatre xyzzy") == []
    assert lookup.search("de la les") == []  # only small words


def test_search_filters_and_limit(lookup):
    assert ids(lookup.search("ti kaz", kind="event")) == ["2026-12-20-festival-ti-kaz"]
    assert ids(lookup.search("ti kaz", kind="actor")) == ["compagnie-ti-kaz"]
    assert ids(lookup.search("theatre", commune=SAINT_PAUL)) == ["theatre-des-alizes"]
    assert lookup.search("theatre", commune="99999") == []
    assert len(lookup.search("theatre", limit=1)) == 1
    assert lookup.search("theatre", limit=0) == []
    with pytest.raises(ValueError):
        lookup.search("theatre", kind="place")


def test_search_match_says_where_it_was_found(lookup):
    first = lookup.search("alizés")[0]
    assert (first.id, first.kind, first.url) == ("theatre-des-alizes", "actor", "/acteurs/theatre-des-alizes/")
    assert (first.commune, first.commune_name) == (SAINT_PAUL, "Saint-Paul")
    assert first.reason == "trouvé dans : nom"
    assert lookup.search("familles saint-paul")[0].reason.startswith("trouvé dans : commune")
    assert lookup.search("festival")[0].url == "/evenements/2026-12-20-festival-ti-kaz/"


def test_demo_search(demo):
    assert set(ids(demo.search("maloya saint-paul"))) == {"festival-lantouraz-maloya", "2027-05-14-festival-lantouraz-maloya"}
    assert "compagnie-ti-kaz" in ids(demo.search("théâtre créole"))
    assert "festival-lantouraz-maloya" in ids(demo.search("lantouras"))
    assert len(demo) == sum(1 for folder in ("actors", "events") for _ in (DEMO / folder).glob("*/*.yml"))  # calls are not looked up


HOSTILE = [
    "name:*", '"', "(", ")", "AND OR", "NOT", "x" * 10_000, "théâtre " * 2_000, "*", "?", "theatre~2", "name:theatre^9",
    "[a TO z]", "\x00", "{}", "\\", "🎭", "", "   ", "a" * 300 + " theatre",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(lookup, query):
    assert isinstance(lookup.search(query), list)
    assert isinstance(lookup.search(query, commune=query, kind="actor"), list)


# --- Storage --------------------------------------------------------------------------------------


def test_on_disk_index_can_be_reopened(tmp_path):
    directory = Directory.from_records(list(RECORDS))
    Lookup.build(Directory.from_records(RECORDS[:1]), tmp_path / "index").close()
    Lookup.build(directory, tmp_path / "index").close()  # replaces the first
    with Lookup.open(tmp_path / "index") as reopened:
        assert len(reopened) == len(RECORDS)
        assert ids(reopened.search("theatre saint-paul")) == ["theatre-des-alizes"]
        assert ids(reopened.duplicates("Cie Ti Kas", SAINTE_MARIE)) == ["compagnie-ti-kaz"]


def test_threads_share_one_lookup(lookup):
    from concurrent.futures import ThreadPoolExecutor

    def work(number: int) -> tuple[list[str], list[str]]:
        return ids(lookup.search("theatre saint-paul")), ids(lookup.duplicates("compagnie ti kas", SAINT_DENIS))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = set(tuple(map(tuple, found)) for found in pool.map(work, range(200)))
    assert results == {(("theatre-des-alizes",), ("compagnie-ti-kaz",))}


def test_an_empty_directory():
    with Lookup.build(Directory.from_records([])) as empty:
        assert len(empty) == 0
        assert empty.search("theatre") == []
        assert empty.duplicates("Compagnie Ti Kaz", SAINT_DENIS) == []


# --- Command line ---------------------------------------------------------------------------------


def search(*args: str):
    return CliRunner().invoke(main, ["search", *args])


def test_cli_text_output():
    result = search("--content", str(DEMO), "maloya", "saint-paul")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Festival Lantouraz Maloya — Saint-Paul — acteur — /acteurs/festival-lantouraz-maloya/ (trouvé dans : nom, commune" in result.output
    event_line = "Festival Lantouraz Maloya 2027 — Saint-Paul — événement — /evenements/2027-05-14-festival-lantouraz-maloya/ ("
    assert any(line.startswith(event_line) for line in lines)


def test_cli_json_kind_commune_and_limit():
    result = search("--content", str(DEMO), "--format", "json", "--kind", "event", "--commune", SAINT_PAUL, "--limit", "1",
                    "maloya")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [(m["id"], m["kind"], m["commune"]) for m in document] == [("2027-05-14-festival-lantouraz-maloya", "event", SAINT_PAUL)]
    assert set(document[0]) == {"id", "kind", "name", "commune", "commune_name", "url", "score", "reason"}


def test_cli_no_result_exits_1():
    result = search("--content", str(DEMO), "xyzzy")
    assert result.exit_code == 1
    assert result.output.strip() == "Aucun résultat."
    result = search("--content", str(DEMO), "--format", "json", "xyzzy")
    assert (result.exit_code, json.loads(result.output)) == (1, [])


@pytest.mark.parametrize(
    "args",
    [
        ["theatre", "--content", "/nonexistent/content"],
        ["theatre", "--content", str(DEMO), "--commune", "99999"],
        ["theatre", "--content", str(DEMO), "--commune", "saint-paul"],
        ["theatre", "--content", str(DEMO), "--kind", "place"],
        ["theatre", "--content", str(DEMO), "--limit", "0"],
        ["--content", str(DEMO)],
    ],
)
def test_cli_usage_errors_exit_2(args):
    result = search(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_cli_searches_invalid_trees_too(tree):
    tree.actor(replace_line(ACTOR, "kind: association", "kind: asso"))
    result = search("--content", str(tree.content), "ti", "kaz")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Compagnie Ti Kaz — Saint-Denis — acteur — /acteurs/compagnie-ti-kaz/ (")


@pytest.mark.parametrize("query", ["name:*", '"', "(", "AND OR", "x" * 10_000])
def test_cli_hostile_queries(query):
    result = search("--content", str(DEMO), query)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output


def test_a_name_with_cyrillic_lookalikes_is_the_same_name(lookup):
    # "Compagnie Ti Kaz" with a Cyrillic С, о and а: what /api/duplicates shows the contributor.
    found = lookup.duplicates("\u0421\u043empagnie Ti K\u0430z", SAINT_DENIS)
    assert ids(found) == ["compagnie-ti-kaz"] and found[0].score == 1.0
    assert found[0].reason == "même nom, même commune"


def test_suggestions_complete_the_word_being_typed(demo):
    """The organisers', venue's and call's actor fields ask as a person types: « Conseil cit »
    must already find « Conseil citoyen du Brûlé » (a whole-word search found it last, or not)."""
    assert ids(demo.search("Conseil cit", kind="actor", complete=True))[0] == "conseil-citoyen-du-brule"
    assert ids(demo.search("Kaz Num", kind="actor", complete=True)) == ["kaz-numerik-bois-de-nefles"]
    assert "conseil-citoyen-du-brule" not in ids(demo.search("Conseil cit", kind="actor")[:1])  # only the suggestions complete
