"""``communs export``: the site's open-data files from the command line, for part of the directory.

The command reads and validates the records as ``communs build`` does (an invalid record stops
it, with the validator's messages on stderr and nothing on stdout), keeps those that match the
filters, and hands them to the very functions that write ``/donnees/`` (``communs.site.exports``), so
that, for the same records and the same ``SiteSettings``, its bytes are the site's bytes.

Filters
    ``--commune`` (INSEE codes), ``--departement`` (codes such as 974 or 2A) and ``--theme``
    (values of the closed vocabulary). Values of one option are alternatives (any of them);
    different options must all hold. A record belongs to the commune of its folder, as on the
    site's commune pages; it matches a theme when the theme is one of its ``themes``.

The filtered directory
    Only the records of the exported kind are filtered; the records of the other kind stay in
    the directory as context, never in the output (an event's venue and organizers are actors:
    an agenda of one commune still names the hall of the next commune where an event is held).

One commune
    With exactly one ``--commune``, GeoJSON and iCalendar take the form of that commune's files
    (``/donnees/communes/<code>.geojson`` and ``.ics``: actors in name order, the calendar named
    after the commune); otherwise they take the form of the whole-directory files. GeoJSON of
    events (``--kind event``) is always ``/donnees/evenements.geojson``'s form.

Dates
    The records' Git history is read from the content folder as the build reads it, so that
    ``date_maj``, SEQUENCE and dateModified are the site's; outside a Git checkout there are none.

Lieux de médiation numérique
    ``--format lamednum``: the actors that pass the filters and are places of digital inclusion
    (``communs.site.lamednum``), in the national schema; none of them is "no record matches".

Data package
    ``--format datapackage``: ``/donnees/datapackage.json`` (``communs.site.datapackage``), which
    describes the site's CSV files from the schemas; it depends on no record, so the filters
    only decide whether anything matched, and ``--kind`` is refused.

JSON-LD
    One document, ``{"@context": "https://schema.org", "@graph": [...]}``: a schema:Dataset node
    (licence, creator, build date), then the actors and the events as their pages describe them
    (``communs.site.jsonld.graph``). Sorted keys, one node per line, like the JSON exports.

Settings
    Site name, address, licence and time zone come from ``--settings`` (default: ``pelicanconf.py``
    in the current folder when there is one, else the built-in defaults); ``--site-url`` overrides
    the address; the build date is ``SOURCE_DATE_EPOCH`` when set, as for the site.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import click

from communs.i18n import _, ngettext
from communs.records.communes import Communes, default_communes
from communs.records.content import ACTOR, CALL, COMMUNE_CODE, EVENT
from communs.records.directory import Directory
from communs.records.record import Record
from communs.records.schemas import default_schemas
from communs.records.text import fold
from communs.settings import SettingsError, SiteSettings, build_date
from communs.site.history import History
from communs.site.jsontext import html_safe
from communs.site.outputs import write_if_changed

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
DEFAULT_SETTINGS = Path("pelicanconf.py")
SUGGESTIONS = 3


# The kinds of record each format holds; the first one is the default, except for BOTH_KINDS.
FORMATS: dict[str, tuple[str, ...]] = {
    "json": (ACTOR, EVENT, CALL),
    "csv": (ACTOR, EVENT, CALL),
    "geojson": (ACTOR, EVENT),
    "ics": (EVENT,),
    "gogocarto": (ACTOR,),
    "lamednum": (ACTOR,),
    "jsonld": (ACTOR, EVENT),
    "datapackage": (ACTOR, EVENT),
}
# Formats that hold (or describe) both kinds unless --kind says otherwise; datapackage takes no --kind.
BOTH_KINDS = ("jsonld", "datapackage")


class ExportUsageError(ValueError):
    """The command was asked something it cannot do (unknown commune, theme, format and kind)."""


# Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which records to export; an empty set does not filter."""

    communes: frozenset[str] = frozenset()
    departements: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()

    def matches(self, record: Record, communes: Communes) -> bool:
        if self.communes and record.folder not in self.communes:
            return False
        if self.departements:
            place = communes.get(record.folder)
            if place is None or place.departement not in self.departements:
                return False
        if self.themes and not self.themes.intersection(record.data.get("themes") or ()):
            return False
        return True


def _values(given: Iterable[str]) -> list[str]:
    """Option values, repeated or comma-separated ("--commune 97411,97415"), stripped."""
    return [part.strip() for value in given for part in value.split(",") if part.strip()]


def _did_you_mean(suggestions: list[str]) -> str:
    return " " + _("Vouliez-vous dire : {suggestions} ?").format(suggestions=", ".join(suggestions)) if suggestions else ""


def check_commune(value: str, communes: Communes) -> str:
    """A current commune's INSEE code, or ExportUsageError with the likeliest meant ones."""
    code = value.strip().upper()
    found = communes.get(code) if COMMUNE_CODE.fullmatch(code) else None
    if found is not None and found.is_current:
        return code
    if found is not None:  # an old or delegated commune: records live in the current one
        parent = communes.get(found.parent) if found.parent else None
        suggestions = [f"{parent.code} ({parent.name})"] if parent is not None else []
        raise ExportUsageError(
            _("« {code} » ({name}) n'est plus une commune : les fiches sont rangées sous le code de la commune actuelle.").format(code=code, name=found.name)
            + _did_you_mean(suggestions)
        )
    if any(c.isdigit() for c in code):
        near = communes.nearest(code, SUGGESTIONS)
    else:  # a name typed instead of a code
        near = communes.search(value, limit=SUGGESTIONS)
    raise ExportUsageError(
        _("« {code} » n'est pas un code INSEE de commune connu (5 caractères, par exemple 97411).").format(code=value.strip())
        + _did_you_mean([f"{c.code} ({c.name})" for c in near])
    )


def check_departement(value: str, communes: Communes) -> str:
    """A département's code ('974', '2A'), or ExportUsageError with suggestions and the codes."""
    code = value.strip().upper()
    if communes.departement(code) is not None:
        return code
    known = communes.departements()
    suggestions: list[str] = []
    place = communes.get(code) if COMMUNE_CODE.fullmatch(code) else None
    if place is not None:  # a commune's code given for its département
        suggestions.append(place.departement)
    names = {fold(d.name): d.code for d in known}
    for name in difflib.get_close_matches(fold(value), list(names), n=SUGGESTIONS, cutoff=0.6):
        suggestions.append(names[name])
    shown = [f"{c} ({communes.departement(c).name})" for c in dict.fromkeys(suggestions)]  # type: ignore[union-attr]
    listed = "" if shown else " " + _("Codes possibles : {codes}.").format(codes=", ".join(d.code for d in known))
    raise ExportUsageError(_("« {code} » n'est pas un code de département connu.").format(code=value.strip()) + _did_you_mean(shown) + listed)


def check_theme(value: str, allowed: dict[str, str]) -> str:
    """A value of the theme vocabulary (``allowed``: value -> label), or ExportUsageError."""
    theme = value.strip()
    if theme in allowed:
        return theme
    folded = fold(theme)
    by_fold = {fold(v): v for v in allowed} | {fold(label): v for v, label in allowed.items()}
    if folded in by_fold:  # "Culture", "énergie": a label or an accented spelling
        close = [by_fold[folded]]
    else:
        close = list(dict.fromkeys(by_fold[m] for m in difflib.get_close_matches(folded, list(by_fold), n=SUGGESTIONS, cutoff=0.6)))
    hint = " " + _("Vouliez-vous écrire « {close} » ?").format(close=close[0]) if close else ""
    raise ExportUsageError(
        _("« {theme} » n'est pas une thématique.").format(theme=theme)
        + hint
        + " " + _("Valeurs possibles : {values}.").format(values=", ".join(allowed))
    )


def export_kind(output_format: str, kind: str | None) -> tuple[str, ...]:
    """The kinds of record an export holds: ``--kind``, else the format's default."""
    kinds = FORMATS[output_format]
    if kind is None:
        return kinds if output_format in BOTH_KINDS else kinds[:1]
    if output_format == "datapackage":
        raise ExportUsageError(_("Le format datapackage décrit les deux fichiers CSV, acteurs et événements : --kind n'y a pas de sens."))
    if kind not in kinds:
        holds = _("des acteurs") if kinds == (ACTOR,) else _("des événements")
        raise ExportUsageError(
            _("Le format {format} ne contient que {holds} : --kind {kind} n'y a pas de sens.").format(format=output_format, holds=holds, kind=kind)
        )
    return (kind,)


# Rendering -----------------------------------------------------------------------------------


def select(records: Iterable[Record], kinds: Sequence[str], filters: Filters, communes: Communes) -> list[Record]:
    """The records of ``kinds`` that pass the filters, in identifier order."""
    return sorted((r for r in records if r.kind in kinds and filters.matches(r, communes)), key=lambda r: (r.kind, r.id))


def jsonld_document(directory: Directory, site: SiteSettings, records: list[Record], history: History | None = None) -> bytes:
    """The JSON-LD graph of ``records`` as deterministic bytes: sorted keys, one node per line,
    ``<``, ``>`` and ``&`` escaped (as in the JSON exports and the pages' script blocks)."""
    from communs.site import jsonld

    document = jsonld.graph(directory, site, records, history)

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)

    nodes = ",\n".join(dump(node) for node in document["@graph"])
    text = f'{{"@context":{dump(document["@context"])},"@graph":[\n{nodes}\n]}}'
    text = html_safe(text)
    return (text + "\n").encode("utf-8")


def _site_file(directory: Directory, site: SiteSettings, output_format: str, kind: str, commune: str | None, history: History | None) -> bytes:
    """What the site writes under /donnees/ for a directory (for one commune's files: ``commune``)."""
    from communs.site import exports  # icalendar and dateutil: only when a file is made

    if output_format == "json":
        return {ACTOR: exports.actors_json, EVENT: exports.events_json, CALL: exports.calls_json}[kind](directory, site, history)
    if output_format == "csv":
        return {ACTOR: exports.actors_csv, EVENT: exports.events_csv, CALL: exports.calls_csv}[kind](directory, site, history)
    if output_format == "geojson":
        return exports.actors_geojson(directory, site, commune, history) if kind == ACTOR else exports.events_geojson(directory, site, history)
    if output_format == "ics":
        return exports.events_ics(directory, site, commune, history=history)
    if output_format == "lamednum":
        from communs.site import lamednum

        return lamednum.lieux_csv(directory, site, history)
    return exports.gogocarto_json(directory, site)


def render(records: list[Record], output_format: str, kinds: Sequence[str], site: SiteSettings, filters: Filters = Filters(),
           history: History | None = None) -> tuple[bytes, int]:
    """The export of the records that match, and how many matched (no bytes when none did).

    ``records`` is the whole (valid) directory: the records of other kinds than ``kinds`` are
    the context the chosen ones are read in. ``history`` (the records' Git history, as the
    build reads it) dates them: date_maj, SEQUENCE, dateModified.
    """
    communes = default_communes()
    schemas = default_schemas()
    chosen = select(records, kinds, filters, communes)
    if not chosen:
        return b"", 0
    if output_format == "jsonld":
        return jsonld_document(Directory.from_records(list(records), communes, schemas), site, chosen, history), len(chosen)
    if output_format == "datapackage":
        from communs.site import datapackage

        return datapackage.datapackage_json(schemas, site), len(chosen)
    context = [r for r in records if r.kind not in kinds]
    directory = Directory.from_records(chosen + context, communes, schemas)
    if output_format == "lamednum":
        from communs.site import lamednum

        chosen = lamednum.places(directory)  # the actors that are places of digital inclusion
        if not chosen:
            return b"", 0
    commune = next(iter(filters.communes)) if len(filters.communes) == 1 else None
    return _site_file(directory, site, output_format, kinds[0], commune, history), len(chosen)


# Settings ------------------------------------------------------------------------------------


def site_settings(settings_file: Path | None, site_url: str | None) -> SiteSettings:
    """The site's settings as the build would read them, with ``--site-url`` on top."""
    path = settings_file
    if path is None and DEFAULT_SETTINGS.is_file():
        path = DEFAULT_SETTINGS
    if path is None:
        site = SiteSettings(build_date=build_date(SiteSettings.timezone))
    else:
        if not path.is_file():
            raise ExportUsageError(_("Le fichier de réglages {path} n'existe pas.").format(path=path))
        import logging

        from pelican.settings import read_settings

        logging.getLogger("pelican").setLevel(logging.WARNING)
        try:
            site = SiteSettings.from_pelican(read_settings(str(path)))
        except SettingsError as error:
            raise ExportUsageError(str(error)) from None
    if site_url is not None:
        site_url = site_url.strip().rstrip("/")
        if not site_url.startswith(("https://", "http://")):
            raise ExportUsageError(_("L'adresse du site doit commencer par https:// ou http:// : « {url} ».").format(url=site_url))
        site = replace(site, site_url=site_url)
    return site


# The command ---------------------------------------------------------------------------------


def _fail_usage(message: str) -> NoReturn:
    click.echo(_("Erreur : {message}").format(message=message), err=True)
    sys.exit(EXIT_USAGE)


@click.command("export", context_settings=CONTEXT)
@click.option("--format", "output_format", type=click.Choice(list(FORMATS)), required=True, help=_("json, csv, geojson, ics (iCalendar), gogocarto, lamednum (lieux de médiation numérique, schéma national), jsonld (graphe schema.org) ou datapackage (description Frictionless des fichiers CSV)."))
@click.option("--kind", type=click.Choice([ACTOR, EVENT, CALL]), default=None, help=_("Acteurs (actor), événements (event) ou appels à participation (call, en json et csv). Par défaut : acteurs pour json, csv, geojson, gogocarto et lamednum, événements pour ics, les deux pour jsonld ; datapackage décrit toujours les deux."))
@click.option("--commune", "communes", multiple=True, metavar="CODE", help=_("Ne garder que les fiches de cette commune (code INSEE, par exemple 97411). Répétable."))
@click.option("--departement", "departements", multiple=True, metavar="CODE", help=_("Ne garder que les fiches de ce département (par exemple 974 ou 2A). Répétable."))
@click.option("--theme", "themes", multiple=True, metavar="THÈME", help=_("Ne garder que les fiches de cette thématique (par exemple culture). Répétable."))
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches."))
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True), default=Path("-"), show_default=True, metavar="FICHIER", help=_("Fichier à écrire (remplacé d'un coup), ou - pour la sortie standard."))
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), default=None, help=_("Réglages Pelican du site (par défaut : pelicanconf.py s'il est dans le dossier courant)."))
@click.option("--site-url", default=None, metavar="URL", help=_("Adresse publique du site, pour des liens absolus (par défaut : SITEURL des réglages)."))
def export_command(output_format: str, kind: str | None, communes: tuple[str, ...], departements: tuple[str, ...], themes: tuple[str, ...],
                   content_dir: Path, output: Path, settings_file: Path | None, site_url: str | None) -> None:
    """Exporter l'annuaire, ou une partie, dans les formats de /donnees/ ou en JSON-LD schema.org.

    Les fiches sont d'abord vérifiées : si l'une est invalide, rien n'est exporté (mêmes
    messages que « communs validate », code de sortie 1). Les valeurs d'un même filtre
    s'ajoutent (l'une ou l'autre), des filtres différents se combinent (l'un et l'autre). Pour
    les mêmes fiches et les mêmes réglages, le fichier est identique à celui que publie le site ;
    avec une seule --commune, geojson et ics donnent les fichiers de la commune
    (/donnees/communes/CODE.geojson et .ics). Code de sortie : 0 si le fichier est produit, 1 si
    une fiche est invalide ou si aucune fiche ne correspond aux filtres, 2 en cas d'usage
    incorrect.
    """
    from communs.records.reporting import format_text
    from communs.records.validation import UsageError, validate

    reference = default_communes()
    try:
        kinds = export_kind(output_format, kind)
        allowed = {choice.value: choice.title for choice in default_schemas().choices("theme")}
        filters = Filters(
            communes=frozenset(check_commune(value, reference) for value in _values(communes)),
            departements=frozenset(check_departement(value, reference) for value in _values(departements)),
            themes=frozenset(check_theme(value, allowed) for value in _values(themes)),
        )
        site = site_settings(settings_file, site_url)
        report = validate(content_dir, keep_records=True)
    except (ExportUsageError, UsageError) as error:
        _fail_usage(str(error))
    if not report.ok:
        click.echo(format_text(report.problems, report.checked), err=True)
        click.echo(_("Rien n'est exporté : corrigez d'abord ces erreurs."), err=True)
        sys.exit(EXIT_INVALID)
    from communs.site.history import read_history

    data, count = render(report.records, output_format, kinds, site, filters, read_history(content_dir))
    if not count:
        click.echo(_("Aucune fiche ne correspond aux filtres."), err=True)
        sys.exit(EXIT_INVALID)
    if str(output) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        try:
            write_if_changed(output, data)
        except OSError as error:
            _fail_usage(_("Impossible d'écrire {path} : {error}").format(path=output, error=error.strerror or error))
        click.echo(ngettext("{n} fiche exportée dans {path}.", "{n} fiches exportées dans {path}.", count).format(n=count, path=output), err=True)
    sys.exit(EXIT_OK)
