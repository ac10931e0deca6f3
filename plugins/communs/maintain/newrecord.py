"""``communs new``: start a record file in the right place, in the canonical form.

For people who write YAML by hand: the command picks the folder and the id from the commune and
the name, writes what it was given, then says what the validator still wants.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from communs.i18n import _
from communs.records.canonical import dump_record
from communs.records.communes import default_communes
from communs.records.content import ACTOR, CALL, EVENT, NAME_FIELDS, record_path
from communs.records.reporting import format_text
from communs.records.text import slugify
from communs.records.validation import validate


@click.command("new", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("kind", type=click.Choice(["acteur", "evenement", "appel", "actor", "event", "call"]))
@click.option("--commune", required=True, help=_("Code INSEE de la commune (5 caractères), ou son nom."))
@click.option("--name", "name", required=True, help=_("Nom de l'acteur, ou titre de l'événement ou de l'appel."))
@click.option("--start", default=None, help=_("Pour un événement : début, AAAA-MM-JJ ou AAAA-MM-JJTHH:MM:SS+04:00."))
@click.option("--until", default=None, help=_("Pour un appel à participation : sa date de fin, AAAA-MM-JJ."))
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches."))
def new_command(kind: str, commune: str, name: str, start: str | None, until: str | None, content_dir: Path) -> None:
    """Créer une fiche au bon endroit, à compléter dans votre éditeur.

    Exemple : communs new acteur --commune 97411 --name "Compagnie Ti Kaz"
    """
    kind = {"acteur": ACTOR, "actor": ACTOR, "evenement": EVENT, "event": EVENT, "appel": CALL, "call": CALL}[kind]
    communes = default_communes()
    place = communes.get(commune.strip().upper())
    if place is None or not place.is_current:
        matches = communes.by_name(commune)
        if len(matches) != 1:
            hint = ", ".join(f"{c.code} {c.name} ({c.departement})" for c in (matches or communes.search(commune, limit=5))[:5])
            click.echo(_("Erreur : commune « {commune} » introuvable ou ambiguë.").format(commune=commune) + (" " + _("Candidates : {hint}.").format(hint=hint) if hint else ""), err=True)
            sys.exit(2)
        place = matches[0]
    if kind == EVENT and not start:
        click.echo(_("Erreur : un événement a besoin de sa date de début (--start)."), err=True)
        sys.exit(2)
    if kind == CALL and not until:
        click.echo(_("Erreur : un appel à participation a besoin de sa date de fin (--until)."), err=True)
        sys.exit(2)
    record_id = slugify(name, 60)
    if kind == EVENT:
        record_id = f"{start[:10]}-{record_id}"
    try:
        path = record_path(content_dir, kind, place.code, record_id)
    except ValueError:
        click.echo(_("Erreur : impossible de tirer un identifiant de « {name} » : utilisez des lettres.").format(name=name), err=True)
        sys.exit(2)
    if path.exists():
        click.echo(_("Erreur : {path} existe déjà.").format(path=path), err=True)
        sys.exit(2)
    record = {"id": record_id, NAME_FIELDS[kind]: name, "commune": place.code}
    if kind == EVENT:
        record["start"] = start
    if kind == CALL:
        record["until"] = until
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_record(kind, record), encoding="utf-8")
    click.echo(_("Fiche créée : {path}").format(path=path))
    report = validate(content_dir, [path], jobs=1)
    if report.problems:
        click.echo(_("À compléter (ce que la vérification demande encore) :"))
        click.echo(format_text(report.problems, report.checked))
