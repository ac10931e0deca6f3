"""`communs review`: real Git histories built here (add, edit, move, delete, rename), summarised."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from communs.cli import main
from communs.maintain import review as review_module
from communs.maintain.review import ReviewError, code, field_changes, format_markdown, md, review
from communs.records.communes import default_communes

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "content"
TI_KAZ = "actors/97411/compagnie-ti-kaz.yml"
CONSEIL = "actors/97411/conseil-citoyen-du-brule.yml"
KAZ_NUMERIK = "actors/97411/kaz-numerik-bois-de-nefles.yml"
MEDIATHEQUE = "actors/97411/mediatheque-des-hauts-du-brule.yml"
PORTES_OUVERTES = "events/97411/2027-09-18-portes-ouvertes-kaz-numerik.yml"
RECORDS = (TI_KAZ, CONSEIL, KAZ_NUMERIK, MEDIATHEQUE, PORTES_OUVERTES)

NEW_ACTOR = """\
# yaml-language-server: $schema=../../../schemas/actor.schema.json
id: {id}
name: {name}
kind: {kind}
summary: Un acteur ajouté par la revue.
themes: [culture]
commune: "{commune}"
"""


class History:
    """A Git repository holding a few demo records, changed and committed step by step."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        for relative in RECORDS:
            target = self.content / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(DEMO / relative, target)
        self.repo = git.Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as config:
            config.set_value("user", "name", "Maintainer")
            config.set_value("user", "email", "maintainer@example.org")

    def read(self, relative: str) -> str:
        return (self.content / relative).read_text(encoding="utf-8")

    def write(self, relative: str, text: str) -> None:
        path = self.content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def replace(self, relative: str, old: str, new: str) -> None:
        text = self.read(relative)
        assert old in text, old
        self.write(relative, text.replace(old, new, 1))

    def move(self, source: str, target: str) -> None:
        (self.content / target).parent.mkdir(parents=True, exist_ok=True)
        self.repo.git.mv(f"content/{source}", f"content/{target}")

    def delete(self, relative: str) -> None:
        (self.content / relative).unlink()

    def add_actor(self, record_id: str, name: str, *, kind: str = "association", commune: str = "97411") -> str:
        relative = f"actors/{commune}/{record_id}.yml"
        self.write(relative, NEW_ACTOR.format(id=record_id, name=name, kind=kind, commune=commune))
        return relative

    def commit(self, message: str) -> str:
        self.repo.git.add(A=True)
        self.repo.git.commit("-q", "-m", message)
        return self.repo.head.commit.hexsha


@pytest.fixture(autouse=True)
def _no_site_url_from_environment(monkeypatch):
    monkeypatch.delenv("COMMUNS_SITEURL", raising=False)


@pytest.fixture
def history(tmp_path, monkeypatch) -> History:
    """The demo records at the base commit (the website in http://), the working directory at the repository."""
    made = History(tmp_path / "annuaire")
    made.replace(TI_KAZ, 'website: "https://ti-kaz.example.org"', 'website: "http://ti-kaz.example.org"')
    made.commit("Demo records")
    monkeypatch.chdir(made.root)
    return made


def edit_ti_kaz(history: History) -> None:
    """Website http -> https, a theme added, one description line changed and two added."""
    history.replace(TI_KAZ, 'website: "http://ti-kaz.example.org"', 'website: "https://ti-kaz.example.org"')
    history.replace(TI_KAZ, "  - education\n", "  - education\n  - environnement\n")
    history.replace(
        TI_KAZ,
        "  L'adhésion annuelle est de 15 € par famille.",
        "  L'adhésion annuelle est de 20 € par famille.\n  Des tarifs réduits existent.\n  Demandez-les à l'accueil.",
    )


def move_conseil(history: History) -> str:
    """To Saint-Paul: folder, commune and position."""
    target = "actors/97415/conseil-citoyen-du-brule.yml"
    history.move(CONSEIL, target)
    history.replace(target, 'commune: "97411"', 'commune: "97415"')
    centre = default_communes().get("97415")
    history.replace(target, "  lat: -20.9259\n  lon: 55.4562\n", f"  lat: {centre.lat:.4f}\n  lon: {centre.lon:.4f}\n")
    return target


def rename_mediatheque(history: History) -> str:
    target = "actors/97411/mediatheque-du-brule.yml"
    history.move(MEDIATHEQUE, target)
    history.replace(target, "id: mediatheque-des-hauts-du-brule", "id: mediatheque-du-brule")
    return target


def run_cli(*args: str):
    return CliRunner().invoke(main, ["review", *args])


def outside_code(markdown: str) -> str:
    """The Markdown without its fenced code blocks (where raw text is inert)."""
    kept, fence = [], None
    for line in markdown.split("\n"):
        opening = re.match(r"^(`{3,})", line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None:
            kept.append(line)
    return "\n".join(kept)


# --- Each kind of change ------------------------------------------------------------------------


def test_an_edit_is_told_field_by_field_in_french(history):
    edit_ti_kaz(history)
    history.commit("Edit")
    result = run_cli("HEAD~1")
    assert result.exit_code == 0, result.output
    lines = result.output.split("\n")
    assert lines[0] == "## Annuaire : 1 fiche modifiée"
    assert "### Compagnie Ti Kaz — Saint-Denis (acteur)" in lines
    assert "**Modifiée** · [voir la fiche](/acteurs/compagnie-ti-kaz/) · `content/actors/97411/compagnie-ti-kaz.yml` · ✅ valide" in lines
    assert "- Site web : http://ti-kaz.example.org → https://ti-kaz.example.org" in lines
    assert "- Thématiques : + Environnement" in lines
    assert "- Description : texte modifié : +3 lignes, −1 ligne" in lines
    assert "<details><summary>Description : différences</summary>" in lines
    diff = result.output.split("```diff\n", 1)[1].split("\n```", 1)[0].split("\n")
    assert "-L'adhésion annuelle est de 15 € par famille. Les ateliers ont lieu dans" in diff
    assert "+Des tarifs réduits existent." in diff
    assert "✅ Toutes les fiches modifiées sont valides." in lines
    assert "## Doublons probables" not in lines and "## Références cassées" not in lines


def test_a_move_names_both_communes_and_the_fields_that_followed(history):
    move_conseil(history)
    history.commit("Move")
    result = review("HEAD~1")
    assert [(r.change, r.id, r.old_commune, r.commune) for r in result.records] == [("moved", "conseil-citoyen-du-brule", "97411", "97415")]
    assert result.ok
    text = format_markdown(result)
    lines = text.split("\n")
    assert lines[0] == "## Annuaire : 1 fiche déplacée"
    assert "### Conseil citoyen du Brûlé — Saint-Paul (acteur)" in lines
    assert "- Déplacée : Saint-Denis → Saint-Paul" in lines
    assert "- Latitude : -20.9259 → " + f"{default_communes().get('97415').lat:.4f}" in lines
    assert not any(line.startswith("- Commune :") for line in lines)  # told by the move line


def test_a_move_with_a_rewrite_git_does_not_pair_is_still_a_move(history):
    history.delete(MEDIATHEQUE)
    history.write("actors/97415/mediatheque-des-hauts-du-brule.yml", NEW_ACTOR.format(id="mediatheque-des-hauts-du-brule", name="Médiathèque des Hauts", kind="etablissement-public", commune="97415"))
    history.commit("Rewrite elsewhere")
    assert "D\t" in history.repo.git.diff("--name-status", "--find-renames", "HEAD~1", "HEAD")  # Git saw no rename
    result = review("HEAD~1")
    assert [(r.change, r.old_commune, r.commune) for r in result.records] == [("moved", "97411", "97415")]
    summary = format_markdown(result)
    assert "- Déplacée : Saint-Denis → Saint-Paul" in summary
    assert "- Résumé : " in summary and "Un acteur ajouté par la revue." in summary


def test_a_removal_that_breaks_a_reference_exits_1_and_says_which_event(history):
    history.delete(KAZ_NUMERIK)
    history.commit("Remove")
    result = run_cli("HEAD~1", "HEAD")
    assert result.exit_code == 1, result.output
    lines = result.output.split("\n")
    assert lines[0] == "## Annuaire : 1 fiche supprimée"
    assert "### La Kaz Numérik — Saint-Denis (acteur)" in lines
    assert "**Supprimée** · [voir la fiche](/acteurs/kaz-numerik-bois-de-nefles/) · `content/actors/97411/kaz-numerik-bois-de-nefles.yml`" in lines
    assert "- Type d'acteur : Tiers-lieu" in lines
    assert "❌ 2 erreurs dans les fiches modifiées :" in lines
    assert any(
        line.startswith("- ❌ `content/events/97411/2027-09-18-portes-ouvertes-kaz-numerik.yml:32:8` erreur [unknown-reference] `venue` — Aucun acteur n'a l'identifiant « kaz-numerik-bois-de-nefles »")
        for line in lines
    )
    assert "## Références cassées" in lines
    assert (
        "- [Portes ouvertes de La Kaz Numérik](/evenements/2027-09-18-portes-ouvertes-kaz-numerik/) "
        "(`content/events/97411/2027-09-18-portes-ouvertes-kaz-numerik.yml`) nomme encore l'acteur retiré "
        "`kaz-numerik-bois-de-nefles` : Organisateurs, Lieu"
    ) in lines


def test_a_renaming_shows_old_and_new_ids(history):
    target = rename_mediatheque(history)
    history.commit("Rename")
    result = review("HEAD~1")
    [record] = result.records
    assert (record.change, record.old_id, record.id, record.path) == ("renamed", "mediatheque-des-hauts-du-brule", "mediatheque-du-brule", f"content/{target}")
    assert record.fields == []  # the id is told by its own line
    lines = format_markdown(result).split("\n")
    assert lines[0] == "## Annuaire : 1 fiche renommée"
    assert "- Identifiant : `mediatheque-des-hauts-du-brule` → `mediatheque-du-brule`" in lines
    assert "Aucune : plus aucun événement ni appel ne nomme les acteurs retirés." in lines


def test_every_kind_of_change_at_once(history):
    edit_ti_kaz(history)
    move_conseil(history)
    rename_mediatheque(history)
    history.delete(KAZ_NUMERIK)
    history.add_actor("atelier-zot-kouler", "Atelier Zot Kouler")
    history.add_actor("ravine-verte", "Ravine Verte", commune="97415")
    history.add_actor("lantouraz", "Lantouraz", commune="97407")
    history.commit("Everything")
    result = review("HEAD~1", "HEAD")
    assert result.counts == {"added": 3, "modified": 1, "moved": 1, "renamed": 1, "removed": 1}
    assert format_markdown(result).split("\n")[0] == "## Annuaire : 3 fiches ajoutées, 1 modifiée, 1 supprimée, 1 déplacée, 1 renommée"
    assert [r.change for r in result.records] == ["added"] * 3 + ["modified", "moved", "renamed", "removed"]
    assert not result.ok  # the removal breaks the event


# --- Validation, duplicates ---------------------------------------------------------------------


def test_an_invalid_added_record_exits_1_with_its_message(history):
    history.add_actor("atelier-zot-kouler", "Atelier Zot Kouler", kind="asso")
    history.commit("Invalid")
    result = run_cli("HEAD~1")
    assert result.exit_code == 1
    lines = result.output.split("\n")
    assert "**Ajoutée** · [voir la fiche](/acteurs/atelier-zot-kouler/) · `content/actors/97411/atelier-zot-kouler.yml` · ❌ 1 erreur" in lines
    assert "❌ 1 erreur dans les fiches modifiées :" in lines
    [line] = [line for line in lines if "[not-in-list]" in line]
    assert line.startswith("- ❌ `content/actors/97411/atelier-zot-kouler.yml:4:7` erreur [not-in-list] `kind` — « kind » : « asso »")
    assert "Vouliez-vous écrire « association » ?" in line


def test_an_added_actor_like_an_existing_one_is_a_likely_duplicate(history):
    history.add_actor("compagnie-tikaz", "Compagnie Tikaz")
    history.commit("Duplicate")
    result = run_cli("HEAD~1", "--site-url", "https://annuaire.example.org/")
    assert result.exit_code == 0, result.output  # a near-duplicate is a warning
    lines = result.output.split("\n")
    assert "## Doublons probables" in lines
    assert "- Compagnie Tikaz (Saint-Denis) ressemble à [Compagnie Ti Kaz](https://annuaire.example.org/acteurs/compagnie-ti-kaz/) — Saint-Denis : même nom, même commune" in lines
    assert "✅ Toutes les fiches modifiées sont valides, avec 1 avertissement :" in lines
    assert any("[near-duplicate]" in line for line in lines)


def test_no_duplicate_is_said_so(history):
    history.add_actor("atelier-zot-kouler", "Atelier Zot Kouler")
    history.commit("Add")
    lines = format_markdown(review("HEAD~1")).split("\n")
    assert "Aucun doublon probable parmi les acteurs ajoutés." in lines


def test_head_is_validated_as_committed_not_as_in_the_working_tree(history):
    history.add_actor("atelier-zot-kouler", "Atelier Zot Kouler", kind="asso")
    history.commit("Invalid")
    history.replace("actors/97411/atelier-zot-kouler.yml", "kind: asso", "kind: association")
    history.commit("Fixed")
    history.replace("actors/97411/atelier-zot-kouler.yml", "kind: association", "kind: nimporte")  # not committed
    assert not review("HEAD~2", "HEAD~1").ok  # an older revision, exported
    assert review("HEAD~2", "HEAD").ok  # HEAD is the commit, not the working tree
    (history.content / "actors/97411/atelier-zot-kouler.yml").unlink()
    assert review("HEAD~2").ok


def test_a_stray_file_is_listed_and_fails_validation(history):
    history.write("actors/97411/notes.txt", "à faire\n")
    history.commit("Stray")
    result = review("HEAD~1")
    assert result.other_files == [("added", "content/actors/97411/notes.txt")]
    assert [p.code for p in result.problems] == ["stray-file"]
    assert "- `content/actors/97411/notes.txt` (ajouté)" in format_markdown(result)


def test_a_change_of_comments_only_says_so(history):
    history.replace(TI_KAZ, "id: compagnie-ti-kaz\n", "id: compagnie-ti-kaz  # the file name\n")
    history.commit("Comment")
    assert "- Aucun champ modifié (mise en forme ou commentaires seulement)." in format_markdown(review("HEAD~1")).split("\n")


def test_no_change(history):
    result = run_cli("HEAD", "HEAD")
    assert result.exit_code == 0
    assert result.output.startswith("## Annuaire : aucune fiche modifiée\n")
    assert "✅ Toutes les fiches modifiées sont valides." in result.output


# --- Output ---------------------------------------------------------------------------------------


def test_json_has_the_same_content_as_structured_data(history):
    edit_ti_kaz(history)
    move_conseil(history)
    history.delete(KAZ_NUMERIK)
    history.commit("Changes")
    result = run_cli("HEAD~1", "HEAD", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert set(document) == {"base", "head", "summary", "counts", "records", "validation", "duplicates", "broken_references", "other_files"}
    assert document["head"]["sha"] == history.repo.head.commit.hexsha and document["base"]["name"] == "HEAD~1"
    assert document["summary"] == "1 fiche modifiée, 1 supprimée, 1 déplacée"
    by_id = {record["id"]: record for record in document["records"]}
    website = next(f for f in by_id["compagnie-ti-kaz"]["fields"] if f["field"] == "contact.website")
    assert website == {"field": "contact.website", "label": "Site web", "change": "changed", "text": "http://ti-kaz.example.org → https://ti-kaz.example.org", "old": "http://ti-kaz.example.org", "new": "https://ti-kaz.example.org"}
    themes = next(f for f in by_id["compagnie-ti-kaz"]["fields"] if f["field"] == "themes")
    assert (themes["change"], themes["added"], themes["removed"]) == ("items", ["Environnement"], [])
    description = next(f for f in by_id["compagnie-ti-kaz"]["fields"] if f["field"] == "description")
    assert (description["change"], description["lines_added"], description["lines_removed"]) == ("text", 3, 1)
    moved = by_id["conseil-citoyen-du-brule"]
    assert (moved["change"], moved["old_commune"], moved["old_commune_name"], moved["commune"], moved["commune_name"]) == ("moved", "97411", "Saint-Denis", "97415", "Saint-Paul")
    assert moved["old_path"] == "content/actors/97411/conseil-citoyen-du-brule.yml"
    assert by_id["kaz-numerik-bois-de-nefles"]["change"] == "removed"
    assert document["validation"]["ok"] is False
    assert {e["code"] for e in document["validation"]["errors"]} == {"unknown-reference"}
    [broken] = document["broken_references"]
    assert (broken["event_id"], broken["actor_id"], broken["fields"]) == ("2027-09-18-portes-ouvertes-kaz-numerik", "kaz-numerik-bois-de-nefles", ["organizers", "venue"])


def test_hostile_texts_cannot_inject_html_mentions_or_table_cells(history):
    hostile = "<img src=x onerror=alert(1)> @everyone | pipe #12 [x](javascript:alert(1)) `code`"
    relative = history.add_actor("acteur-hostile", json.dumps(hostile))
    history.replace(relative, "themes: [culture]\n", "themes: [culture]\ndescription: |\n  Texte ````\n  <script>alert(1)</script> @everyone\n")
    history.commit("Hostile")
    text = format_markdown(review("HEAD~1"))
    visible = outside_code(text)
    assert "<img" not in visible and "<script" not in visible
    assert "@everyone" not in visible and "@\u200deveryone" in visible
    assert "&#124; pipe" in visible and "| pipe" not in visible
    assert "#\u200d12" in visible and not re.search(r"(?<!&)#12", visible)
    assert "[x](javascript" not in visible and "\\[x\\](javascript" in visible
    assert "`code`" not in visible and "&#96;code&#96;" in visible
    assert "### &lt;img src=x onerror=alert(1)&gt; @\u200deveryone &#124; pipe #\u200d12" in visible
    # The record's file is shown in a fence its own backticks cannot close.
    assert "`````yaml" in text.split("\n")


def test_markdown_helpers():
    assert md("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert md("**gras** _it_ [lien](u) ~x~ $x$") == "\\*\\*gras\\*\\* \\_it\\_ \\[lien\\](u) \\~x\\~ \\$x\\$"
    assert md("voir #12, GH-3 et @org/team") == "voir #\u200d12, GH-\u200d3 et @\u200dorg/team"
    assert md("ligne 1\nligne 2") == "ligne 1 ligne 2"
    assert code("a`b") == "``a`b``"
    assert code("`x") == "`` `x ``"


def test_field_changes_of_lists_texts_and_values():
    from communs.maintain.review import _Fields
    from communs.records.schemas import default_schemas

    fields = _Fields(default_schemas(), default_communes())
    old = {"themes": ["culture", "education"], "area": ["97415"], "summary": "court", "status": "active", "contact": {"email": "a@b.fr"}}
    new = {"themes": ["education", "culture"], "area": ["97415", "97407"], "summary": "x" * 130, "status": "inactive", "kind": "tiers-lieu"}
    found = {change.field: change for change in field_changes("actor", old, new, fields)}
    assert found["themes"].text == "ordre modifié"
    assert found["area"].text == "+ Le Port (97407)"
    assert found["summary"].text == "texte modifié : +1 ligne, −1 ligne"
    assert found["status"].text == "En activité → En sommeil"
    assert found["kind"].text == "Tiers-lieu (ajouté)"
    assert found["contact.email"].text == "retiré (était : a@b.fr)"
    long_value = fields.value("actor", ("name",), "y" * 300)
    assert len(long_value) == 100 and long_value.endswith("…")


def test_output_file_and_site_url_from_pelicanconf(history):
    (history.root / "pelicanconf.py").write_text('SITEURL = "https://annuaire.example.org"\n', encoding="utf-8")
    history.add_actor("atelier-zot-kouler", "Atelier Zot Kouler")
    history.commit("Add")
    result = run_cli("HEAD~1", "--output", "summary.md")
    assert result.exit_code == 0 and result.output == ""
    text = (history.root / "summary.md").read_text(encoding="utf-8")
    assert "[voir la fiche](https://annuaire.example.org/acteurs/atelier-zot-kouler/)" in text


def test_usage_errors_exit_2(history, tmp_path, monkeypatch):
    result = run_cli("nope")
    assert result.exit_code == 2
    assert "La révision Git « nope » est inconnue." in result.output
    assert run_cli("--help").exit_code == 0
    elsewhere = tmp_path / "not-a-repository"
    (elsewhere / "content").mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    result = run_cli("HEAD~1")
    assert result.exit_code == 2
    assert "n'est pas dans un dépôt Git" in result.output
    with pytest.raises(ReviewError):
        review("HEAD~1")


def test_a_bare_repository_can_be_reviewed(history, tmp_path, monkeypatch):
    edit_ti_kaz(history)
    history.commit("Edit")
    bare = tmp_path / "depot.git"
    git.Repo.clone_from(history.root, bare, bare=True)
    monkeypatch.chdir(bare)
    result = review("HEAD~1", "HEAD")
    assert result.ok and [r.id for r in result.records] == ["compagnie-ti-kaz"]
    assert result.checked == 1


# --- One pass over Git --------------------------------------------------------------------------


def test_git_is_called_a_fixed_number_of_times_whatever_the_size_of_the_change(history, monkeypatch):
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(args, *rest, **options):
        calls.append(list(args))
        return real_run(args, *rest, **options)

    monkeypatch.setattr(review_module.subprocess, "run", counting_run)

    def git_calls(changed: int) -> int:
        for number in range(changed):
            history.add_actor(f"acteur-numero-{changed}-{number}", f"Acteur numéro {changed} {number}", commune="97415")
            history.replace(TI_KAZ, "Compagnie Ti Kaz", "Compagnie Ti Kaz !")
        history.commit(f"{changed} changes")
        calls.clear()
        assert len(review("HEAD~1").records) == changed + 1
        return sum(1 for call in calls if call[:1] == ["git"])

    assert git_calls(2) == git_calls(40) <= 10


def test_a_series_rule_and_its_exceptions_are_told_in_words():
    from communs.maintain.review import _Fields, field_changes
    from communs.records.communes import default_communes
    from communs.records.schemas import default_schemas

    fields_ = _Fields(default_schemas(), default_communes())
    old = {"start": "2027-01-09T07:00:00+04:00", "recurrence": "FREQ=WEEKLY;BYDAY=SA", "exceptions": [{"date": "2027-01-16"}]}
    new = {**old, "recurrence": "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271231",
           "exceptions": [{"date": "2027-02-06", "note": "Alerte cyclonique"}, {"date": "2027-03-13", "status": "cancelled"}]}
    told = {c.field: c.text for c in field_changes("event", old, new, fields_)}
    assert told["recurrence"] == "chaque samedi → chaque samedi, jusqu'au 31 décembre 2027"
    assert told["exceptions"] == ("+ pas de séance le samedi 6 février 2027 (Alerte cyclonique), + séance du samedi 13 mars 2027 annulée, "
                                  "− pas de séance le samedi 16 janvier 2027")
    assert set(told) == {"recurrence", "exceptions"}  # no line per sub-field


def test_a_call_is_told_in_words_and_its_actors_removal_breaks_it(history):
    call = "calls/97411/salle-de-repetition-le-mardi-soir.yml"
    history.write(call, (DEMO / call).read_text(encoding="utf-8"))
    history.commit("Call")
    result = run_cli("HEAD~1")
    assert result.exit_code == 0, result.output
    lines = result.output.split("\n")
    assert lines[0] == "## Annuaire : 1 fiche ajoutée"
    assert "### Une salle de répétition le mardi soir — Saint-Denis (appel)" in lines
    assert "- Type d'appel : Salle recherchée" in lines
    assert "- Acteur : compagnie-ti-kaz" in lines and "- Jusqu'au : 2027-01-31" in lines
    history.delete(TI_KAZ)
    history.commit("Remove the company")
    removed = run_cli("HEAD~1")
    assert removed.exit_code == 1
    assert any("(`content/calls/97411/salle-de-repetition-le-mardi-soir.yml`) nomme encore l'acteur retiré `compagnie-ti-kaz` : Acteur" in line for line in removed.output.split("\n")), removed.output
