"""Incremental builds: after each kind of change, a rebuild over the last build's output and
caches gives the same bytes as a cold build of the changed directory, and leaves no stale file.

The builds run as ``communs build`` runs them (validation with its cache, Git history with its
cache, then the plugin's build), in-process, on a small generated directory in a Git repository.
Pagefind's own index files are compared too, except those it names after contents it orders
arbitrarily (``PAGEFIND_UNSTABLE``, see test_plugin).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import git
import pytest
from conftest import ROOT
from picture_helpers import IMAGE, save

from communs.records.directory import Directory
from communs.records.validation import validate
from communs.settings import SiteSettings
from communs.site.history import read_history
from communs.site.plugin import build_site

sys.path.insert(0, str(ROOT / "scripts"))

from synthetic import generate  # noqa: E402

PAGEFIND_UNSTABLE = re.compile(r"^pagefind/(parts/[^/]+/)?(filter/.*\.pf_filter|pagefind\..*\.pf_meta|pagefind-entry\.json)$")
SETTINGS = SiteSettings(build_date=date(2026, 8, 15), territory="France")
LATER = date(2026, 11, 2)  # some synthetic events are over by then, a series has moved on


class Site:
    """A generated directory in a Git repository, built into ``output`` with its caches."""

    def __init__(self, root: Path) -> None:
        self.root = root
        generate(root, actors=14, events=8, communes=3, seed=13)
        self.content = root / "content"
        self.actors = sorted((self.content / "actors").rglob("*.yml"))
        # Links (network pages), a series (its next date moves with the day) and a picture.
        first, second = self.actors[0], self.actors[1]
        self.append(first, f"links:\n  - {{type: partner-of, actor: {second.stem}}}\n")
        self.append(second, IMAGE.replace("compagnie-ti-kaz", second.stem))
        save(self.content / "media" / f"{second.stem}.jpg")
        # A call of the first actor, open on the first day and over on the later one.
        self.call = self.content / "calls" / first.parent.name / "benevoles-pour-la-fete.yml"
        self.call.parent.mkdir(parents=True)
        self.call.write_text(
            f"id: benevoles-pour-la-fete\ntitle: Bénévoles pour la fête\ntype: volunteers-wanted\nsummary: Nous cherchons des bras pour la fête du quartier.\n"
            f"themes: [vivre-ensemble]\nactor: {first.stem}\ncommune: \"{first.parent.name}\"\nuntil: \"2026-10-01\"\n", encoding="utf-8")
        self.repo = git.Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as config:
            config.set_value("user", "name", "Maintainer")
            config.set_value("user", "email", "maintainer@example.org")
        self.commit("Directory", "2026-08-01T12:00:00+04:00")
        self.output = root / "output"
        self.cache = root / "cache"
        self.settings = SETTINGS

    @staticmethod
    def append(path: Path, text: str) -> None:
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    def commit(self, message: str, when: str) -> None:
        self.repo.git.add(A=True)
        self.repo.git.commit("-m", message, env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})

    def build(self, output: Path | None = None, cache: Path | None = None) -> dict:
        """What ``communs build`` does, into ``output`` with ``cache`` (the site's own by default)."""
        output, cache = output or self.output, cache or self.cache
        report = validate(self.content, jobs=1, keep_records=True, cache_dir=cache)
        assert report.ok, [(p.file, p.code, p.message) for p in report.errors]
        history = read_history(self.content, cache)
        return build_site(Directory.from_records(report.records), self.settings, output, history=history, jobs=1, cache_dir=cache, content_dir=self.content)

    def cold(self) -> Path:
        """A cold build of the directory as it is now, beside the site."""
        output = self.root / "cold"
        shutil.rmtree(output, ignore_errors=True)
        shutil.rmtree(self.root / "cold-cache", ignore_errors=True)
        self.build(output, self.root / "cold-cache")
        return output


def files(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file() and not PAGEFIND_UNSTABLE.match(path.relative_to(folder).as_posix())
    }


def assert_same_as_cold(site: Site) -> None:
    rebuilt, cold = files(site.output), files(site.cold())
    assert sorted(rebuilt.keys() - cold.keys()) == []  # nothing stale left
    assert sorted(cold.keys() - rebuilt.keys()) == []  # nothing missing
    assert [name for name in cold if rebuilt[name] != cold[name]] == []
    # no folder left empty by a removed page
    assert [p for p in site.output.rglob("*") if p.is_dir() and not any(p.iterdir())] == []


@pytest.fixture
def site(tmp_path: Path) -> Site:
    built = Site(tmp_path)
    steps = built.build()
    assert steps["pages rendered"] == steps["pages in the site"]
    return built


def test_an_edit_renders_what_shows_the_record_and_equals_a_cold_build(site):
    path = site.actors[2]
    path.write_text(re.sub(r"(?m)^summary: .*$", "summary: Un résumé corrigé par une bénévole.", path.read_text(encoding="utf-8")), encoding="utf-8")
    steps = site.build()
    assert 0 < steps["pages rendered"] < steps["pages in the site"] / 3
    assert steps["search parts indexed"] == 2  # its département's, and the themes' (their pages show its card)
    assert "Un résumé corrigé" in (site.output / "acteurs" / path.stem / "index.html").read_text(encoding="utf-8")
    assert_same_as_cold(site)


def test_a_renamed_venue_and_a_renamed_partner_show_on_the_pages_that_name_them(site):
    venue = re.search(r"(?m)^venue: ([\w-]+)$", next((site.content / "events").rglob("*.yml")).read_text(encoding="utf-8")).group(1)
    for path in (next((site.content / "actors").rglob(f"{venue}.yml")), site.actors[1]):  # a venue, and the partner of actors[0]
        path.write_text(re.sub(r"(?m)^name: .*$", f"name: Renommé {path.stem}", path.read_text(encoding="utf-8")), encoding="utf-8")
    site.build()
    assert f"Renommé {site.actors[1].stem}" in (site.output / "acteurs" / site.actors[0].stem / "index.html").read_text(encoding="utf-8")
    assert f"Renommé {venue}" in (site.output / "donnees" / "evenements.ics").read_text(encoding="utf-8")
    assert_same_as_cold(site)


def test_a_call_and_the_actor_it_names(site):
    site.call.write_text(site.call.read_text(encoding="utf-8").replace("des bras", "des mains"), encoding="utf-8")
    first = site.actors[0]
    first.write_text(re.sub(r"(?m)^name: .*$", "name: Le nouveau nom", first.read_text(encoding="utf-8")), encoding="utf-8")
    site.build()
    assert "Le nouveau nom" in (site.output / "appels" / "index.html").read_text(encoding="utf-8")
    assert_same_as_cold(site)


def test_nothing_changed_nothing_made(site):
    before = {path: path.stat().st_mtime_ns for path in site.output.rglob("*") if path.is_file()}
    steps = site.build()
    assert steps["pages rendered"] == 0 and steps.get("search parts indexed", 0) == 0 and steps["export files rewritten"] == 0
    assert {path: path.stat().st_mtime_ns for path in site.output.rglob("*") if path.is_file()} == before


def test_an_added_actor_and_an_event_in_a_new_commune(site):
    source = site.actors[3]
    text = source.read_text(encoding="utf-8").replace(f"id: {source.stem}", "id: nouvel-atelier-velo").replace("\nname: ", "\nname: Nouvel atelier vélo ", 1)
    (source.parent / "nouvel-atelier-velo.yml").write_text(text, encoding="utf-8")
    folder = site.content / "events" / "97411"
    folder.mkdir(parents=True)
    (folder / "2026-12-20-kabar.yml").write_text(
        "id: 2026-12-20-kabar\ntitle: Kabar\ntype: concert\nsummary: Soirée maloya.\nthemes: [culture]\ncommune: \"97411\"\n"
        "venue: {name: Jardin de l'État, address: {postal_code: \"97400\"}}\nstart: \"2026-12-20T18:00:00+04:00\"\nend: \"2026-12-20T23:00:00+04:00\"\n",
        encoding="utf-8")
    site.build()
    assert (site.output / "evenements" / "2026-12-20-kabar" / "index.html").is_file()
    assert (site.output / "pagefind" / "parts" / "974").is_dir()
    assert_same_as_cold(site)


def test_a_deleted_record_leaves_no_file_behind(site):
    events = sorted((site.content / "events").rglob("*.yml"))
    gone = events[0]
    gone.unlink()
    site.build()
    assert not (site.output / "evenements" / gone.stem).exists()
    assert not (site.output / "evenements" / f"{gone.stem}.ics").exists() and not list(site.output.rglob(f"{gone.stem}*"))
    assert_same_as_cold(site)


def test_a_commune_left_empty_loses_its_pages_and_files(site):
    # Every record of the last commune goes: its pages, files, feed and search part with them.
    code = sorted(path.name for path in (site.content / "actors").iterdir())[-1]
    for kind in ("actors", "events"):
        shutil.rmtree(site.content / kind / code, ignore_errors=True)
    for path in site.content.rglob("*.yml"):  # links to the removed actors go too
        text = path.read_text(encoding="utf-8")
        if "links:" in text and not all((site.content / "actors").rglob(f"{target}.yml") for target in re.findall(r"actor: (\S+)}", text)):
            path.write_text(text[: text.index("links:")], encoding="utf-8")
    site.build()
    assert not list((site.output / "communes").glob(f"{code}-*")) and not (site.output / "donnees" / "communes" / f"{code}.ics").exists()
    assert_same_as_cold(site)


def test_an_actor_moved_to_another_commune(site):
    # A record without events or links, moved to the commune of another one (postal code and
    # position follow).
    named = {path.stem for path in site.actors[:2]} | set(re.findall(r"(?m)^(?:venue|organizers): \[?([\w-]+)", "".join(
        path.read_text(encoding="utf-8") for path in (site.content / "events").rglob("*.yml"))))
    moving = next(path for path in site.actors if path.stem not in named)
    there = next(path for path in site.actors if path.parent != moving.parent)
    target = there.read_text(encoding="utf-8")
    text = moving.read_text(encoding="utf-8")
    for field in ("commune", "  postal_code", "geo"):
        pattern = rf"(?m)^{field}: .*$"
        text = re.sub(pattern, re.search(pattern, target).group(0), text)
    (there.parent / moving.name).write_text(text, encoding="utf-8")
    moving.unlink()
    site.build()
    assert_same_as_cold(site)


def test_a_new_commit_dates_the_records_it_changed(site):
    path = site.actors[4]
    path.write_text(path.read_text(encoding="utf-8").replace("status: active", "status: inactive"), encoding="utf-8")
    site.commit("Inactive", "2026-08-10T09:00:00+04:00")
    site.build()
    assert "2026-08-10" in (site.output / "donnees" / "acteurs.json").read_text(encoding="utf-8")
    assert_same_as_cold(site)


def test_other_settings_remake_what_they_change(site):
    site.settings = replace(SETTINGS, site_name="Annuaire des communs", site_url="https://annuaire.example.org")
    steps = site.build()
    assert steps["pages rendered"] == steps["pages in the site"]
    assert "https://annuaire.example.org/acteurs/" in (site.output / "donnees" / "acteurs.json").read_text(encoding="utf-8")
    assert_same_as_cold(site)


def test_another_day_moves_the_agendas_on(site):
    site.settings = replace(SETTINGS, build_date=LATER)
    steps = site.build()
    assert steps["pages rendered"] < steps["pages in the site"]  # the records' own pages without dates stay
    assert_same_as_cold(site)


def test_a_replaced_picture(site):
    picture = next((site.content / "media").iterdir())
    save(picture, size=(900, 700), colour=(200, 40, 40))
    site.build()
    assert_same_as_cold(site)


def test_an_edit_shown_at_once_is_the_page_a_build_makes(site):
    """``communs serve`` renders an edited record's page before the rebuild: the same bytes as a
    cold build's page, and the rebuild that follows still equals a cold build. Changes the checks
    across records could see otherwise (a new name, a new file) wait for the rebuild."""
    from communs.cli import _show_at_once
    from communs.records.validation import Checker
    from communs.site import plugin

    plugin.LAST["checker"] = Checker()
    path = site.actors[2]
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^summary: .*$", "summary: Un résumé corrigé et vu tout de suite.", text), encoding="utf-8")
    page = f"acteurs/{path.stem}/index.html"
    assert _show_at_once({path}, site.content) == [f"/{page.removesuffix('index.html')}"]
    shown = (site.output / page).read_bytes()
    assert "Un résumé corrigé et vu tout de suite" in shown.decode("utf-8")
    assert shown == (site.cold() / page).read_bytes()

    site.build()
    assert_same_as_cold(site)
    plugin.LAST["checker"] = Checker()
    renamed = site.actors[3]
    renamed.write_text(re.sub(r"(?m)^name: .*$", "name: Un tout autre nom", renamed.read_text(encoding="utf-8")), encoding="utf-8")
    assert _show_at_once({renamed}, site.content) == []  # duplicates are looked for by name: the rebuild decides
    broken = site.actors[4]
    broken.write_text(broken.read_text(encoding="utf-8").replace("kind: ", "kind: pas-un-type-", 1), encoding="utf-8")
    assert _show_at_once({broken}, site.content) == []
    added = path.with_name("une-fiche-nouvelle.yml")
    added.write_text(text.replace(f"id: {path.stem}", "id: une-fiche-nouvelle"), encoding="utf-8")
    assert _show_at_once({added}, site.content) == []
    assert _show_at_once({path, site.content / "notes.txt"}, site.content) == []
