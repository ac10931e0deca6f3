"""The site in parts: `communs build --part` for each part, then `communs assemble`, gives the site a
one-machine build writes, byte for byte outside Pagefind's own files; assembling refuses what
would make a wrong site, in French, and writes nothing then."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest
from conftest import ACTOR, DEMO_EPOCH, EVENT, replace_line

from communs.records.content import scan
from communs.site import parts

ROOT = Path(__file__).resolve().parents[2]
# The demo's communes whose records name only each other (links, organisers, venues).
DEMO_COMMUNES = ("97401", "97404", "97407", "97409", "97411", "97412")
SETTINGS = (
    "import sys\n"
    f"sys.path.insert(0, {str(ROOT)!r})\n"
    "from pelicanconf import *  # noqa: F403\n"
    "SITEURL = 'https://annuaire.example.org'\n"
    "COMMUNS = {**COMMUNS, 'perimeter': ''}  # noqa: F405\n"
)


def actor(record_id: str, name: str, code: str, postal: str, lat: float, lon: float, extra: str = "") -> str:
    text = ACTOR
    for old, new in (("id: compagnie-ti-kaz", f"id: {record_id}"), ("name: Compagnie Ti Kaz", f"name: {name}"),
                     ('commune: "97411"', f'commune: "{code}"'), ('postal_code: "97400"', f'postal_code: "{postal}"'),
                     ("geo: {lat: -20.8789, lon: 55.4481}", f"geo: {{lat: {lat}, lon: {lon}}}"),
                     ("  website: https://ti-kaz.example.org", f"  website: https://{record_id}.example.org"),
                     ("  email: contact@ti-kaz.example.org", f"  email: contact@{record_id}.example.org"),
                     ('  siret: "12345678000014"', '  rna: "W751000001"')):
        text = replace_line(text, old, new)
    return text + extra


def event(record_id: str, title: str, code: str, organizer: str, venue: str, day: str) -> str:
    text = EVENT.replace("venue:\n  name: Jardin de l'État\n  address: {postal_code: \"97400\"}\n  geo: {lat: -20.8823, lon: 55.4504}\n", f"venue: {venue}\n")
    for old, new in (("id: 2026-12-20-kabar-fet-kaf", f"id: {record_id}"), ("title: Kabar de la Fèt Kaf", f"title: {title}"),
                     ("organizers: [compagnie-ti-kaz]", f"organizers: [{organizer}]"), ('commune: "97411"', f'commune: "{code}"'),
                     ('start: "2026-12-20T18:00:00+04:00"', f'start: "{day}T18:00:00+01:00"'), ('end: "2026-12-20T23:00:00+04:00"', f'end: "{day}T23:00:00+01:00"')):
        text = replace_line(text, old, new)
    return text


# Records of three more départements, each naming records of another one.
PARIS = actor("atelier-velo-paris", "Atelier vélo de Paris", "75056", "75011", 48.857, 2.38,
              "area: [\"97407\"]\nlinks:\n  - type: partner-of\n    actor: bisiklet-solider\n")
MARSEILLE = actor("collectif-calanques", "Collectif des calanques", "13055", "13008", 43.21, 5.38,
                  "links:\n  - type: member-of\n    actor: reseau-zero-dechet-974\n")
TRAVELLER = actor("compagnie-voyageuse", "Compagnie voyageuse", "13055", "13001", 43.30, 5.37)
TRAVELLER_IN_LYON = actor("compagnie-voyageuse", "Compagnie voyageuse", "69123", "69001", 45.767, 4.834)
LYON = actor("salle-des-canuts", "Salle des canuts", "69123", "69004", 45.775, 4.83)
EVENTS = {
    ("75056", "2027-01-16-bourse-aux-velos-de-paris"): event("2027-01-16-bourse-aux-velos-de-paris", "Bourse aux vélos de Paris", "75056", "bisiklet-solider", "atelier-velo-paris", "2027-01-16"),
    ("97411", "2026-12-05-rencontre-des-calanques"): event("2026-12-05-rencontre-des-calanques", "Rencontre des calanques", "97411", "collectif-calanques", "salle-des-canuts", "2026-12-05"),
    ("69123", "2026-12-12-soiree-velo-a-lyon"): event("2026-12-12-soiree-velo-a-lyon", "Soirée vélo à Lyon", "69123", "atelier-velo-paris", "salle-des-canuts", "2026-12-12"),
}


# A call in Lyon of an actor of La Réunion: its page is Lyon's, the actor's page (which lists it) La Réunion's.
CALL_IN_LYON = """\
id: velos-a-reparer-a-lyon
title: Des vélos à réparer à Lyon
type: volunteers-wanted
summary: L'atelier cherche des bénévoles pour réparer les vélos d'une collecte lyonnaise.
themes: [transports]
actor: bisiklet-solider
commune: "69123"
since: "2026-11-01"
until: "2027-03-31"
"""


def environment() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), SOURCE_DATE_EPOCH=DEMO_EPOCH, PYTHONHASHSEED="0")


def communs(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "communs.cli", *arguments], capture_output=True, text=True, cwd=cwd, env=environment())


def commit(repo: git.Repo, message: str, day: str) -> None:
    repo.git.add("--all")
    moment = f"{day}T12:00:00+04:00"
    repo.git.commit("-m", message, "--quiet", env={"GIT_AUTHOR_DATE": moment, "GIT_COMMITTER_DATE": moment})


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    """Part of the demo and records in Paris, Marseille and Lyon that name each other across
    départements, with a history: a record added, then moved from Marseille to Lyon."""
    root = tmp_path_factory.mktemp("national")
    content = root / "content"
    for kind in ("actors", "events", "calls"):
        for code in DEMO_COMMUNES:
            if (ROOT / "content" / kind / code).is_dir():
                shutil.copytree(ROOT / "content" / kind / code, content / kind / code)
    actors = {path.stem for path in (content / "actors").rglob("*.yml")}
    for path in (content / "calls").rglob("*.yml"):
        if path.read_text(encoding="utf-8").split("\nactor: ", 1)[1].split("\n", 1)[0] not in actors:
            path.unlink()  # a call of an actor left out
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    named = {line.split('"')[1].split("/")[-1] for path in content.rglob("*.yml") for line in path.read_text(encoding="utf-8").splitlines() if line.strip().startswith("file:")}
    (content / "media").mkdir()
    for name in named:
        shutil.copy(ROOT / "content" / "media" / name, content / "media" / name)
    (root / "national.py").write_text(SETTINGS, encoding="utf-8")
    for code, record_id, text in (("75056", "atelier-velo-paris", PARIS), ("13055", "collectif-calanques", MARSEILLE),
                                  ("13055", "compagnie-voyageuse", TRAVELLER), ("69123", "salle-des-canuts", LYON)):
        (content / "actors" / code).mkdir(parents=True, exist_ok=True)
        (content / "actors" / code / f"{record_id}.yml").write_text(text, encoding="utf-8")
    for (code, record_id), text in EVENTS.items():
        (content / "events" / code).mkdir(parents=True, exist_ok=True)
        (content / "events" / code / f"{record_id}.yml").write_text(text, encoding="utf-8")
    (content / "calls" / "69123").mkdir(parents=True)
    (content / "calls" / "69123" / "velos-a-reparer-a-lyon.yml").write_text(CALL_IN_LYON, encoding="utf-8")
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "test")
        config.set_value("user", "email", "test@example.org")
        config.set_value("commit", "gpgsign", "false")
    commit(repo, "Annuaire", "2026-10-01")
    (content / "actors" / "13055" / "compagnie-voyageuse.yml").unlink()
    (content / "actors" / "69123" / "compagnie-voyageuse.yml").write_text(TRAVELLER_IN_LYON, encoding="utf-8")
    commit(repo, "La compagnie voyageuse s'installe à Lyon", "2026-11-02")
    return root


def build(root: Path, output: Path, *extra: str) -> subprocess.CompletedProcess:
    result = communs("build", "--content", "content", "--settings", "national.py", "--output", str(output), "--cache", str(output) + "-cache", *extra, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def built(national, tmp_path_factory) -> dict:
    """The one-machine build, each part built alone, and the parts assembled."""
    work = tmp_path_factory.mktemp("builds")
    build(national, work / "one")
    listed = communs("build", "--content", "content", "--parts", "--format", "json", cwd=national)
    keys = json.loads(listed.stdout)
    for key in keys:
        build(national, work / "parts" / key, "--part", key)
    assembled = communs("assemble", *(str(work / "parts" / key) for key in keys), str(work / "site"), cwd=national)
    assert assembled.returncode == 0, assembled.stdout + assembled.stderr
    return {"work": work, "keys": keys, "one": files(work / "one"), "site": files(work / "site"), "output": assembled.stdout}


def test_the_parts_are_the_departements_and_the_commun_part(national, built):
    assert built["keys"] == ["13", "69", "75", "974", "commun"]
    listed = communs("build", "--content", "content", "--parts", cwd=national)
    assert listed.stdout.split() == built["keys"]
    assert "5 parties" in built["output"]


def test_the_assembled_site_equals_the_one_machine_build_outside_pagefind(built):
    one, site = built["one"], built["site"]
    outside = sorted(path for path in one if not path.startswith("pagefind/"))
    assert outside == sorted(path for path in site if not path.startswith("pagefind/"))
    different = [path for path in outside if one[path] != site[path]]
    assert different == []
    # A sample of what crosses départements is there, the same: Paris's event of an actor of
    # La Réunion, the move to Lyon in Lyon's feed, the sitemap and the search page of every part.
    assert "/evenements/2027-01-16-bourse-aux-velos-de-paris/" in site["acteurs/bisiklet-solider/index.html"].decode()
    assert "Atelier vélo de Paris" in site["communes/97407-le-port/reseau/index.html"].decode()
    assert "Des vélos à réparer à Lyon" in site["acteurs/bisiklet-solider/index.html"].decode()
    assert "appels/velos-a-reparer-a-lyon/index.html" in site
    lyon_feed = next(path for path in site if path.startswith("communes/69123-") and path.endswith("modifications.atom"))
    assert "Déplacement : Compagnie voyageuse" in site[lyon_feed].decode()
    assert b"https://annuaire.example.org/acteurs/salle-des-canuts/" in site["sitemap.xml"]
    assert "communs-part.json" not in site


def test_the_search_index_has_the_same_parts_and_pages(built):
    """Pagefind's own files are not byte-stable upstream, but each page's fragment (named after
    its content) is: the same pages are indexed, in the same bundles."""
    def bundles(tree: dict[str, bytes]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for path in tree:
            if path.startswith("pagefind/") and path.endswith(".pf_fragment"):
                found.setdefault(path.rsplit("/fragment/", 1)[0], set()).add(path)
        return found

    one, site = bundles(built["one"]), bundles(built["site"])
    assert sorted(one) == ["pagefind", "pagefind/parts/13", "pagefind/parts/69", "pagefind/parts/75", "pagefind/parts/974"]
    assert one == site
    for bundle in one:
        assert f"{bundle}/pagefind-entry.json" in built["site"]
    search = built["site"]["recherche/index.html"].decode()
    bundles_url = " ".join(f"https://annuaire.example.org/pagefind/parts/{key}/" for key in ("13", "69", "75", "974"))
    assert f'data-merge="{bundles_url}"' in search


def test_a_departement_part_reads_only_what_its_pages_show(national):
    """Lyon's part reads its records, those they name and those that name them or the actors they
    name; not the rest of La Réunion."""
    files_, _strays = scan(national / "content")
    chosen, own = parts.part_files(files_, "69")
    assert sorted(source.stem for source in own) == ["2026-12-12-soiree-velo-a-lyon", "compagnie-voyageuse", "salle-des-canuts", "velos-a-reparer-a-lyon"]
    assert sorted(source.stem for source in chosen if source not in own) == [
        "2026-12-05-rencontre-des-calanques",  # an event at Lyon's venue
        "2027-01-16-bourse-aux-velos-de-paris", "2027-04-10-bourse-aux-velos",  # the events of the call's actor…
        "atelier-velo-paris",  # … the organiser of Lyon's event
        "bisiklet-solider",  # the call's actor
        "collectif-calanques",  # the organiser of the event at Lyon's venue
        "mecaniciens-benevoles-atelier-velo",  # … its other call, which the call's page lists
        "reseau-zero-dechet-974", "ressourcerie-la-rekup",  # … and the actors it is linked to
    ]
    assert len(files_) > 4 * len(chosen)


def test_parts_in_shards_balance_the_records(national):
    listed = [communs("build", "--content", "content", "--parts", "--shard", f"{number}/2", cwd=national).stdout.split() for number in (1, 2)]
    assert sorted(listed[0] + listed[1]) == ["13", "69", "75", "974", "commun"]
    assert listed[0] == ["commun"]  # it reads every record: alone in its shard
    bad = communs("build", "--content", "content", "--parts", "--shard", "3/2", cwd=national)
    assert bad.returncode == 2 and "--shard attend « N/TOTAL »" in bad.stderr


def test_the_parts_a_change_touches(national, tmp_path):
    """What a pull request check builds: the départements of the records changed (both ends of a
    move), and the commun part when something else than records changed."""

    def touched(root: Path, revision: str) -> list[str]:
        result = communs("build", "--content", "content", "--parts", "--changed-since", revision, cwd=root)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert touched(national, "HEAD~1") == ["13", "69"]  # the move from Marseille to Lyon
    assert touched(national, "HEAD") == []
    copy = tmp_path / "copy"
    shutil.copytree(national, copy, symlinks=True)
    path = next((copy / "content" / "actors" / "97411").glob("*.yml"))
    path.write_text(path.read_text(encoding="utf-8").replace("\nname: ", "\nname: Nouveau nom — ", 1), encoding="utf-8")
    assert touched(copy, "HEAD") == ["974"]  # the working tree counts, as for communs validate
    assert json.loads(communs("build", "--content", "content", "--parts", "--format", "json", "--changed-since", "HEAD", cwd=copy).stdout) == ["974"]
    (copy / "national.py").write_text(SETTINGS + "# réglage changé\n", encoding="utf-8")
    assert touched(copy, "HEAD") == ["974", "commun"]

    unknown = communs("build", "--content", "content", "--parts", "--changed-since", "nope", cwd=national)
    assert unknown.returncode == 2 and "La révision Git « nope » est inconnue." in unknown.stderr
    alone = communs("build", "--content", "content", "--changed-since", "HEAD", cwd=national)
    assert alone.returncode == 2 and "--changed-since ne s'emploie qu'avec --parts." in alone.stderr


def test_an_unknown_part_is_refused(national, tmp_path):
    result = communs("build", "--content", "content", "--settings", "national.py", "--output", str(tmp_path / "out"), "--part", "33", cwd=national)
    assert result.returncode == 2
    assert "La partie « 33 » n'existe pas dans cet annuaire. Ses parties : 13, 69, 75, 974, commun." in result.stderr
    assert not (tmp_path / "out").exists()


# --- refusals of the assembly ----------------------------------------------------------------


def refused(built, tmp_path, folders: list[Path], output: Path | None = None) -> str:
    target = output or tmp_path / "site"
    before = files(target) if target.exists() else None
    result = communs("assemble", *map(str, folders), str(target), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (files(target) if target.exists() else None) == before  # nothing written
    return result.stderr


def copy_parts(built, tmp_path) -> dict[str, Path]:
    copies = {}
    for key in built["keys"]:
        copies[key] = tmp_path / "parts" / key
        shutil.copytree(built["work"] / "parts" / key, copies[key])
    return copies


def test_assembly_refuses_a_missing_part(built, tmp_path):
    copies = copy_parts(built, tmp_path)
    message = refused(built, tmp_path, [path for key, path in copies.items() if key != "69"])
    assert "Il manque des parties du site : 69." in message
    message = refused(built, tmp_path, [path for key, path in copies.items() if key != "commun"])
    assert "Il manque la partie « commun »" in message


def test_assembly_refuses_a_part_given_twice_and_a_folder_that_is_no_part(built, tmp_path):
    copies = copy_parts(built, tmp_path)
    twice = tmp_path / "again-75"
    shutil.copytree(copies["75"], twice)
    assert "La partie « 75 » est donnée deux fois" in refused(built, tmp_path, [*copies.values(), twice])
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "index.html").write_text("<p>autre chose</p>", encoding="utf-8")
    assert "n'est pas une partie du site construite par « communs build --part »" in refused(built, tmp_path, [*copies.values(), stray])


def test_assembly_refuses_a_file_two_parts_write_differently(built, tmp_path):
    copies = copy_parts(built, tmp_path)
    clash = copies["75"] / "index.html"  # the home page is the commun part's
    clash.write_text("<p>une autre page d'accueil</p>", encoding="utf-8")
    message = refused(built, tmp_path, list(copies.values()))
    assert "Le fichier index.html diffère entre les parties « 75 » et « commun » : le site n'est pas assemblé." in message
    # The same bytes in two parts are one file.
    shutil.copy(copies["commun"] / "index.html", clash)
    result = communs("assemble", *map(str, copies.values()), str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").read_bytes() == built["site"]["index.html"]


def test_assembly_refuses_parts_of_different_builds(built, tmp_path):
    copies = copy_parts(built, tmp_path)
    manifest = copies["974"] / parts.MANIFEST
    document = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**document, "inputs": "0" * 32}), encoding="utf-8")
    assert "Les parties ne viennent pas de la même construction" in refused(built, tmp_path, list(copies.values()))


def test_assembly_refuses_an_output_that_is_not_empty(built, tmp_path):
    copies = copy_parts(built, tmp_path)
    output = tmp_path / "site"
    output.mkdir()
    (output / "garder.txt").write_text("à garder", encoding="utf-8")
    message = refused(built, tmp_path, list(copies.values()), output)
    assert "n'est pas vide : donnez un dossier neuf." in message
    assert (output / "garder.txt").read_text(encoding="utf-8") == "à garder"


def test_a_failed_part_leaves_no_manifest(national, tmp_path):
    """A part whose records are invalid is not built, so it can never be assembled."""
    broken = tmp_path / "broken"
    shutil.copytree(national, broken, symlinks=True)
    path = broken / "content" / "actors" / "69123" / "salle-des-canuts.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: association", "kind: asso"), encoding="utf-8")
    result = communs("build", "--content", "content", "--settings", "national.py", "--output", str(tmp_path / "out"), "--part", "69", cwd=broken)
    assert result.returncode == 1
    assert "salle-des-canuts.yml" in result.stdout and "Le site n'est pas construit" in result.stderr
    assert not (tmp_path / "out" / parts.MANIFEST).exists()


def test_an_empty_feed_is_dated_by_the_build_not_the_clock():
    """Two parts built seconds apart write the same empty feed (Atom's <updated> had the clock's time)."""
    from datetime import date

    from communs.settings import SiteSettings
    from communs.site.feeds import Feed

    feed = Feed(SiteSettings(build_date=date(2026, 11, 23)), title="Appels", link="https://annuaire.example.org/", description="Appels")
    assert "<updated>2026-11-23T00:00:00+00:00</updated>" in feed.writeString("utf-8")
