"""The mapping file (TOML) and the closed vocabularies that imported values are mapped onto.

Why TOML: Python reads it without a dependency (``tomllib``), it has comments, and it cannot hold
the surprises of YAML (types guessed from the look of a value) in a file that people write by
hand. ``--mapping`` is required by ``csv`` and optional for the other formats, where it sets the
dataset, defaults and value maps. Every section is optional; unknown sections or keys are errors.

.. code-block:: toml

    record = "actor"                      # csv: only actors (events come from iCalendar feeds)

    [dataset]                             # written in each record's source block
    name = "associations-saint-paul"      # source.dataset (a slug); default: the file's name
    url = "https://www.data.gouv.fr/…"    # source.url when a row has no address of its own
    licence = "Licence Ouverte 2.0"
    credit = "Ville de Saint-Paul"

    [file]                                # csv only; guessed when absent
    encoding = "cp1252"                   # default: UTF-8 (BOM or not), else Windows-1252
    delimiter = ";"                       # default: the one of ; , tab | that fits the header

    [columns]                             # column of the file (or property, for GeoJSON) per field
    id = "Identifiant"                    # the row's stable id in its dataset (source.id)
    name = "Nom"
    kind = "Statut"
    summary = "Présentation courte"
    description = "Présentation"
    themes = "Thématiques"                # lists: items split on , ; | /
    disciplines = "Disciplines"
    tags = "Mots-clés"
    insee = "Code INSEE"                  # or, when there is no code:
    city = "Commune"                      #   the commune's name,
    postal_code = "CP"                    #   narrowed by the postal code
    departement = "Département"           #   and the département (code or name)
    street = ["N°", "Voie"]               # several columns: their values joined by a space
    complement = "Complément"
    lat = "Latitude"                      # decimal point or comma
    lon = "Longitude"
    latlon = "Coordonnées"                # or both in one column: "lat,lon"
    website = "Site"
    email = "Courriel"
    phone = "Téléphone"
    opening_hours = "Horaires"
    status = "État"
    siret = "SIRET"
    rna = "RNA"
    url = "Fiche"                         # the row's own page (source.url)

    [values]                              # constants, used when a row leaves the field empty
    kind = "association"
    themes = ["vivre-ensemble"]

    [maps.kind]                           # values of the file -> our vocabularies
    "Association loi 1901" = "association"
    [maps.themes]
    "Culture et patrimoine" = ["culture"]
    "Sports et loisirs" = "sport"
    [maps.disciplines]
    "Arts plastiques" = "arts-visuels"
    [maps.tags]                           # osm: "key=value" or "key" -> kind, themes, disciplines
    "amenity=theatre" = { kind = "etablissement-public", themes = ["culture"], disciplines = ["theatre"] }

Values are compared folded (case, accents and punctuation ignored). Without a map, a value is
recognised by our code ("tiers-lieu") or label ("Tiers-lieu"), or a few common synonyms.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.model import ImportUsageError
from communs.records.content import RECORD_ID
from communs.records.schemas import default_schemas
from communs.records.text import fold

COLUMN_FIELDS = (
    "id", "name", "kind", "summary", "description", "themes", "disciplines", "tags", "insee", "city",
    "commune", "postal_code", "departement", "street", "complement", "lat", "lon", "latlon", "website",
    "email", "phone", "opening_hours", "status", "siret", "rna", "wikidata", "facebook", "instagram",
    "mastodon", "url",
)
VALUE_FIELDS = ("kind", "themes", "disciplines", "tags", "status", "insee", "city", "postal_code", "departement", "type")
MAP_FIELDS = ("kind", "themes", "disciplines", "type", "status", "tags")
SECTIONS = ("record", "dataset", "file", "columns", "values", "maps")
DATASET_KEYS = ("name", "url", "licence", "credit")
FILE_KEYS = ("encoding", "delimiter")
# Field of a record -> its closed vocabulary in vocabularies.schema.json.
VOCABULARIES = {"kind": "kind", "themes": "theme", "disciplines": "discipline", "type": "eventType", "status": "actorStatus", "event_status": "eventStatus"}

# A few words people use for our values, folded (labels and codes are recognised anyway).
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "kind": {
        "association": ("asso", "association loi 1901", "loi 1901", "association declaree"),
        "entreprise": ("societe", "sarl", "sas", "sasu", "eurl", "sa", "scop", "scic", "commerce", "auto entrepreneur", "micro entreprise"),
        "collectivite": ("mairie", "commune", "collectivite territoriale", "departement", "region", "intercommunalite", "epci"),
        "etablissement-public": ("etablissement", "service public", "ecole", "college", "lycee", "mediatheque", "bibliotheque", "musee"),
        "collectif": ("collectif", "groupe informel", "conseil citoyen"),
        "artiste": ("compagnie", "artiste", "groupe", "auteur"),
        "tiers-lieu": ("tiers lieu", "tiers lieux", "fablab", "coworking", "espace de coworking", "friche"),
    },
    "themes": {
        "environnement": ("ecologie", "biodiversite", "nature", "climat"),
        "transports": ("transport", "mobilite", "mobilites", "velo"),
        "habitat": ("logement", "urbanisme"),
        "participation-citoyenne": ("citoyennete", "democratie", "democratie participative", "participation"),
        "vivre-ensemble": ("solidarite", "social", "lien social", "action sociale", "entraide", "quartier"),
        "education": ("jeunesse", "education populaire", "formation", "enfance"),
        "dechets": ("recyclage", "reemploi", "zero dechet", "reparation"),
        "sport": ("sports", "activites sportives"),
        "numerique": ("informatique", "internet", "mediation numerique"),
        "economie-partage": ("ess", "economie sociale et solidaire", "economie solidaire", "partage"),
        "alimentation": ("agriculture alimentation", "circuits courts", "nourriture"),
        "culture": ("arts", "art", "patrimoine", "loisirs culturels"),
        "sante": ("sante et social", "bien etre"),
    },
    "disciplines": {
        "theatre": ("humour", "cafe theatre", "theatre d humour"),
        "marionnette": ("marionnettes", "theatre d objet", "theatre d objets", "marionnettes et theatre d objet", "marionnettes et theatre d objets"),
        "conte": ("contes", "arts du conte"),
        "cirque": ("arts du cirque",),
        "arts-visuels": ("arts plastiques", "peinture", "sculpture", "street art", "dessin", "art contemporain", "arts plastiques et visuels"),
        "photographie": ("photo",),
        "cinema": ("audiovisuel", "cinema et audiovisuel", "film", "films", "court metrage", "documentaire", "animation"),
        "litterature": ("livre", "litterature", "livre et litterature", "poesie", "bande dessinee", "lecture"),
        "musique": ("musiques", "musiques actuelles", "musique classique", "jazz"),
        "musiques-traditionnelles": ("musique traditionnelle", "musiques du monde", "maloya", "sega"),
        "metiers-d-art": ("artisanat d art", "metiers d art"),
        "arts-numeriques": ("numerique", "multimedia"),
    },
    "type": {
        "spectacle": ("theatre", "danse", "cirque", "piece de theatre"),
        "exposition": ("expo", "vernissage"),
        "atelier": ("stage", "workshop", "formation", "initiation"),
        "conference": ("debat", "rencontre", "table ronde", "causerie"),
        "reunion": ("assemblee generale", "ag", "permanence"),
        "projection": ("cinema", "film", "cine debat"),
        "fete": ("bal", "kermesse", "fete de quartier", "kabar"),
        "sport": ("tournoi", "course", "match", "randonnee"),
        "benevolat": ("chantier participatif", "nettoyage"),
        "marche": ("marche", "marche forain", "brocante", "vide grenier", "bourse"),
    },
    "status": {"active": ("actif", "active", "en activite", "ouvert"), "inactive": ("en sommeil", "inactif"), "defunct": ("dissous", "dissoute", "ferme", "fermee", "disparu")},
}


class Vocabulary:
    """One closed vocabulary: folded code, label and synonym -> our values."""

    def __init__(self, field_name: str, extra: dict[str, list[str]] | None = None) -> None:
        self.field = field_name
        choices = default_schemas().choices(VOCABULARIES[field_name])
        self.values = [choice.value for choice in choices]
        self.labels = {choice.value: choice.title for choice in choices}
        index: dict[str, list[str]] = {}
        for choice in choices:
            index.setdefault(fold(choice.value), [choice.value])
            index.setdefault(fold(choice.title), [choice.value])
        for value, words in SYNONYMS.get(field_name, {}).items():
            for word in words:
                index.setdefault(fold(word), [value])
        for word, values in (extra or {}).items():
            index[fold(word)] = list(values)
        self.index = index

    def resolve(self, value: object) -> list[str] | None:
        """Our values for one value of the file ([] for a value mapped to nothing), or None."""
        if value is None:
            return None
        found = self.index.get(fold(str(value)))
        return list(found) if found is not None else None


@dataclass
class Mapping:
    """A mapping file, checked (see the module's documentation for its keys)."""

    path: Path | None = None
    record: str = "actor"
    dataset: dict[str, str] = field(default_factory=dict)
    file: dict[str, str] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    maps: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    tag_rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def vocabulary(self, field_name: str) -> Vocabulary:
        return Vocabulary(field_name, self.maps.get(field_name))


def _fail(path: Path | None, message: str) -> ImportUsageError:
    where = _("Fichier de correspondance {path} : ").format(path=path) if path else ""
    return ImportUsageError(where + message)


def _unknown(path: Path | None, key: str, known: tuple[str, ...], where: str) -> ImportUsageError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = " " + _("Vouliez-vous écrire « {key} » ?").format(key=close[0]) if close else ""
    return _fail(path, _("clé « {key} » inconnue dans {where}.").format(key=key, where=where) + hint + " " + _("Clés possibles : {known}.").format(known=", ".join(known)))


def _strings(path: Path | None, value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise _fail(path, _("{where} attend un texte ou une liste de textes.").format(where=where))


def _check_values(path: Path | None, field_name: str, values: list[str], where: str) -> None:
    if field_name not in VOCABULARIES:
        return
    allowed = Vocabulary(field_name).values
    for value in values:
        if value not in allowed:
            close = difflib.get_close_matches(value, allowed, n=1)
            hint = " " + _("Vouliez-vous écrire « {value} » ?").format(value=close[0]) if close else ""
            raise _fail(path, _("« {value} » ({where}) n'est pas dans la liste : {allowed}.").format(value=value, where=where, allowed=", ".join(allowed)) + hint)


def load_mapping(path: Path | None) -> Mapping:
    """Read and check a mapping file (``None``: the empty mapping)."""
    if path is None:
        return Mapping()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise _fail(path, _("illisible ({error}).").format(error=error.strerror or error)) from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise _fail(path, _("ce n'est pas du TOML valide ({error}).").format(error=error)) from error
    return parse_mapping(document, path)


def parse_mapping(document: dict[str, Any], path: Path | None = None) -> Mapping:
    mapping = Mapping(path=path)
    for key in document:
        if key not in SECTIONS:
            raise _unknown(path, key, SECTIONS, _("le fichier"))
    record = document.get("record", "actor")
    if record not in ("actor", "event"):
        raise _fail(path, _("record vaut « actor » ou « event ».")) 
    mapping.record = record
    for section, known in (("dataset", DATASET_KEYS), ("file", FILE_KEYS)):
        table = document.get(section, {})
        if not isinstance(table, dict):
            raise _fail(path, _("[{section}] doit être une table.").format(section=section))
        for key, value in table.items():
            if key not in known:
                raise _unknown(path, key, known, f"[{section}]")
            if not isinstance(value, str) or not value.strip():
                raise _fail(path, _("[{section}] {key} attend un texte non vide.").format(section=section, key=key))
        getattr(mapping, section).update({key: value.strip() for key, value in table.items()})
    name = mapping.dataset.get("name")
    if name is not None and not (RECORD_ID.match(name) and 2 <= len(name) <= 40):
        raise _fail(path, _("[dataset] name « {name} » : lettres minuscules sans accents, chiffres et tirets, 2 à 40 caractères.").format(name=name))
    delimiter = mapping.file.get("delimiter")
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t", "tabulation": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1:
            raise _fail(path, _("[file] delimiter est un seul caractère (; , | ou \\t)."))
        mapping.file["delimiter"] = delimiter
    encoding = mapping.file.get("encoding")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError as error:
            raise _fail(path, _("[file] encoding « {encoding} » inconnu (utf-8, cp1252, latin-1…).").format(encoding=encoding)) from error

    columns = document.get("columns", {})
    if not isinstance(columns, dict):
        raise _fail(path, _("[columns] doit être une table."))
    for key, value in columns.items():
        if key not in COLUMN_FIELDS:
            raise _unknown(path, key, COLUMN_FIELDS, "[columns]")
        mapping.columns["city" if key == "commune" else key] = _strings(path, value, f"[columns] {key}")

    values = document.get("values", {})
    if not isinstance(values, dict):
        raise _fail(path, _("[values] doit être une table."))
    for key, value in values.items():
        if key not in VALUE_FIELDS:
            raise _unknown(path, key, VALUE_FIELDS, "[values]")
        if key in ("themes", "disciplines", "tags"):
            items = _strings(path, value, f"[values] {key}")
            _check_values(path, key, items, f"[values] {key}")
            mapping.values[key] = items
        else:
            if not isinstance(value, str):
                raise _fail(path, _("[values] {key} attend un texte.").format(key=key))
            _check_values(path, key, [value], f"[values] {key}")
            mapping.values[key] = value

    maps = document.get("maps", {})
    if not isinstance(maps, dict):
        raise _fail(path, _("[maps] doit être une table."))
    for field_name, table in maps.items():
        if field_name not in MAP_FIELDS:
            raise _unknown(path, field_name, MAP_FIELDS, "[maps]")
        if not isinstance(table, dict):
            raise _fail(path, _("[maps.{field}] doit être une table.").format(field=field_name))
        if field_name == "tags":
            for tag, rule in table.items():
                if not isinstance(rule, dict):
                    raise _fail(path, _("[maps.tags] « {tag} » attend une table {{ kind = …, themes = […] }}.").format(tag=tag))
                checked: dict[str, Any] = {}
                for key, value in rule.items():
                    if key not in ("kind", "themes", "disciplines", "type"):
                        raise _unknown(path, key, ("kind", "themes", "disciplines", "type"), f"[maps.tags] « {tag} »")
                    items = _strings(path, value, f"[maps.tags] « {tag} » {key}")
                    _check_values(path, key, items, f"[maps.tags] « {tag} »")
                    checked[key] = items if key in ("themes", "disciplines") else items[0]
                mapping.tag_rules[tag] = checked
            continue
        entries: dict[str, list[str]] = {}
        for word, value in table.items():
            items = _strings(path, value, f"[maps.{field_name}] « {word} »")
            _check_values(path, field_name, items, f"[maps.{field_name}] « {word} »")
            entries[word] = items
        mapping.maps[field_name] = entries
    return mapping
