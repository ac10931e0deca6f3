"""``/donnees/datapackage.json``: the CSV files described as a Frictionless Tabular Data Package.

A re-user's tool (frictionless, Validata, CSVW converters, pandas via ``frictionless``) reads from
it how to parse each CSV (``;``, UTF-8, CRLF), which type each column holds and what a cell may
say, so that nothing has to be guessed: INSEE and postal codes are strings (their leading zeros
count), coordinates numbers, phones E.164 strings, dates dates.

Nothing here is a second list of fields: the columns are ``exports.csv_columns`` (the very
header the CSV writer writes), and each column's type, format, constraints and French title and
description come from the JSON Schemas (``communs.records.schemas``), field by field:

==============================================  ==============================================
JSON Schema (resolved)                          Table Schema field
==============================================  ==============================================
``type: string``                                ``string``; ``format`` email and uri kept
``format: date``                                ``date``
``format: date-or-date-time``                   ``string`` with the schema's pattern (a cell is
                                                a date or a date-time: no single Table Schema
                                                type holds both)
``format: phone``                               ``string`` with the E.164 pattern the CSV writes
vocabulary (``oneOf`` of ``const``), ``enum``   ``enum`` constraint
``pattern``                                     ``pattern`` (Table Schema anchors it itself)
``number`` / ``integer``, ``minimum``...        ``number`` / ``integer``, same bounds
``boolean``                                     ``boolean`` (``true`` / ``false``)
array of values (themes, tags, area...)         ``string`` whose ``pattern`` allows the items'
                                                values joined by ``|``, at most ``maxItems``
array of objects (an event's exceptions)        ``array`` (the cell is a JSON array)
top-level ``required``                          ``required`` (``unique`` too for ``id``)
==============================================  ==============================================

Lists are strings with a pattern rather than Table Schema 2's ``list`` type: Table Schema 1 is
what data.gouv.fr's tools (Validata, schema.data.gouv.fr) read, and the national schemas write
``|``-separated values the same way; the pattern keeps the vocabulary checkable. Lengths are not
published: a text cell may carry the apostrophe that guards spreadsheets against formulas (see
``exports``), one character more than the record's value.

The package also lists ``lieux-mediation-numerique.csv`` with the national schema it follows
(``lamednum.SCHEMA_URL``). No hash or size is published: the package depends on the schemas and
the settings only, so ``communs export --format datapackage`` gives the site's bytes without the
CSVs at hand.
"""

from __future__ import annotations

import json
import re
from typing import Any

from communs.i18n import _
from communs.records.content import ACTOR, CALL, EVENT
from communs.records.schemas import SchemaSet
from communs.records.text import slugify
from communs.settings import SiteSettings
from communs.site import exports, lamednum, urls
from communs.site.jsontext import html_safe

FILE = exports.DATAPACKAGE_JSON
PROFILE = "tabular-data-package"
RESOURCE_PROFILE = "tabular-data-resource"
RESOURCES = {ACTOR: ("acteurs", exports.ACTORS_CSV), EVENT: ("evenements", exports.EVENTS_CSV), CALL: ("appels", exports.CALLS_CSV)}
COG_URL = "https://www.insee.fr/fr/information/2560452"


# Fields --------------------------------------------------------------------------------------


def _bare(pattern: str) -> str:
    """A JSON Schema pattern (searched anywhere unless anchored) as a Table Schema one (always
    matched against the whole cell)."""
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[1:-1]
    return f".*(?:{pattern}).*"


def _values(schema: dict) -> list[str] | None:
    """The allowed values of a vocabulary (``oneOf`` of ``const``) or an ``enum``."""
    branches = schema.get("oneOf") or schema.get("anyOf") or []
    if branches and all(isinstance(b, dict) and "const" in b for b in branches):
        return [str(b["const"]) for b in branches]
    if "enum" in schema:
        return [str(v) for v in schema["enum"]]
    return None


def _literal(value: str) -> str:
    """A value as a regular expression that matches it alone (only the metacharacters escaped:
    ``\\-`` and the like are not valid in every regex dialect that reads Table Schema)."""
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", value)


def _item_pattern(item: dict) -> str | None:
    values = _values(item)
    if values is not None:
        return "|".join(_literal(v) for v in values)
    if "pattern" in item:
        return _bare(item["pattern"])
    return None


def _list_pattern(item: str, max_items: int | None) -> str:
    """``item`` values joined by ``|``: one, then up to ``max_items - 1`` more."""
    more = "*" if max_items is None else f"{{0,{max_items - 1}}}"
    separator = _literal(exports.CSV_LIST_SEPARATOR)
    return f"(?:{item})(?:{separator}(?:{item})){more}"


def _typed(schema: dict, schemas: SchemaSet, kind: str, path: list[str]) -> dict[str, Any]:
    """Type, format and constraints of the column of a field with (resolved) ``schema``."""
    json_type = schema.get("type")
    marker = schema.get("format")
    constraints: dict[str, Any] = {}
    field: dict[str, Any] = {"type": "string"}
    if json_type in ("number", "integer"):
        field["type"] = json_type
        for bound in ("minimum", "maximum"):
            if bound in schema:
                constraints[bound] = schema[bound]
    elif json_type == "boolean":
        field["type"] = "boolean"
    elif json_type == "array":
        item = schemas.field_schema(kind, path + ["0"])
        if item.get("type") == "object":
            field["type"] = "array"
        else:
            pattern = _item_pattern(item)
            if pattern is not None:
                constraints["pattern"] = _list_pattern(pattern, schema.get("maxItems"))
    elif marker == "date":
        field["type"] = "date"
    elif marker == "date-time":
        field["type"] = "datetime"
    elif marker == "phone":
        constraints["pattern"] = exports.E164.pattern
    else:
        if marker in ("email", "uri"):
            field["format"] = marker
        values = _values(schema)
        if values is not None:
            constraints["enum"] = values
        elif "pattern" in schema:
            constraints["pattern"] = _bare(schema["pattern"])
    if constraints:
        field["constraints"] = constraints
    return field


def _titles(schemas: SchemaSet, kind: str, path: list[str]) -> tuple[str, str]:
    """A column's French title (its parents' titles first: « Adresse : Code postal ») and the
    description of its field."""
    titles = [str(schemas.field_schema(kind, path[: depth + 1]).get("title", path[depth])) for depth in range(len(path))]
    leaf = schemas.field_schema(kind, path)
    return " : ".join(titles), str(leaf.get("description", ""))


def _extra_fields(site: SiteSettings) -> dict[str, dict[str, Any]]:
    """The columns the exports add to a record's fields (``exports.csv_columns``)."""
    page: dict[str, Any] = {
        "type": "string",
        "title": _("Page de la fiche"),
        "description": _("L'adresse de la page de la fiche sur le site."),
        "constraints": {"required": True},
    }
    if site.site_url:
        page["format"] = "uri"
    return {
        "commune_name": {
            "type": "string",
            "title": _("Nom de la commune"),
            "description": _("Le nom de la commune, d'après le Code officiel géographique de l'INSEE."),
            "constraints": {"required": True},
        },
        "url": page,
        exports.MODIFIED: {
            "type": "date",
            "title": _("Date de mise à jour"),
            "description": _("Le jour de la dernière modification de la fiche, d'après l'historique Git de l'annuaire (heure de {territory}).").format(
                territory=site.territory
            ),
        },
    }


def table_schema(schemas: SchemaSet, kind: str, site: SiteSettings) -> dict[str, Any]:
    """The Table Schema of the CSV of ``kind``: one field per column of ``exports.csv_columns``."""
    root = schemas.field_schema(kind, [])
    required = set(root.get("required", []))
    extra = _extra_fields(site)
    fields = []
    for column in exports.csv_columns_of(schemas, kind):
        if column in extra:
            fields.append({"name": column, **extra[column]})
            continue
        path = column.split(".")
        schema = schemas.field_schema(kind, path)
        branches = [b for b in schema.get("oneOf", []) if isinstance(b, dict)]
        if any("properties" in b for b in branches):  # an id or an object (an event's venue): the column holds the id
            schema, _base = schemas.resolve(next(b for b in branches if "properties" not in b), root["$id"])
        title, description = _titles(schemas, kind, path)
        field: dict[str, Any] = {"name": column, "title": title, "description": description, **_typed(schema, schemas, kind, path)}
        if schema.get("type") == "array" and field["type"] == "string":
            field["description"] = (description + " " + _("Plusieurs valeurs sont séparées par « {separator} ».").format(separator=exports.CSV_LIST_SEPARATOR)).strip()
        if len(path) == 1 and path[0] in required:
            field.setdefault("constraints", {})["required"] = True
        if path == ["id"]:
            field.setdefault("constraints", {})["unique"] = True
        fields.append(field)
    described: dict[str, Any] = {"fields": fields, "missingValues": [""], "primaryKey": ["id"]}
    if kind == EVENT and any(f["name"] == "venue" for f in fields):
        described["foreignKeys"] = [{"fields": ["venue"], "reference": {"resource": RESOURCES[ACTOR][0], "fields": ["id"]}}]
    if kind == CALL:
        described["foreignKeys"] = [{"fields": ["actor"], "reference": {"resource": RESOURCES[ACTOR][0], "fields": ["id"]}}]
    return described


# The package ---------------------------------------------------------------------------------


def dialect() -> dict[str, Any]:
    """How the CSV files are written (``exports._records_csv``), in CSV Dialect terms."""
    return {
        "delimiter": exports.CSV_DELIMITER,
        "lineTerminator": "\r\n",
        "quoteChar": '"',
        "doubleQuote": True,
        "header": True,
    }


def links_resource(schemas: SchemaSet) -> dict[str, Any]:
    """The edges file: each link between two actors, both ends keys of the actors' resource."""
    link = schemas.field_schema(ACTOR, ["links", "0"])
    fields = []
    for name in exports.LINK_COLUMNS:
        if name in ("source", "target"):
            fields.append({"name": name, "type": "string", "title": _("Acteur qui écrit le lien") if name == "source" else _("Acteur lié"),
                           "constraints": {"required": True, "pattern": _bare(schemas.field_schema(ACTOR, ["id"]).get("pattern", ".*"))}})
        elif name in ("source_name", "target_name"):
            fields.append({"name": name, "type": "string", "title": _("Nom de l'acteur qui écrit le lien") if name == "source_name" else _("Nom de l'acteur lié")})
        elif name == "type_label":
            fields.append({"name": name, "type": "string", "title": _("Type de lien, en mots")})
        else:
            fields.append({"name": name, **_typed(schemas.field_schema(ACTOR, ["links", "0", name]), schemas, ACTOR, ["links", "0", name]),
                           "title": schemas.field_schema(ACTOR, ["links", "0", name]).get("title", name)})
    fields[2].setdefault("constraints", {})["required"] = True
    actors = RESOURCES[ACTOR][0]
    return {
        "name": "liens",
        "path": exports.LINKS_CSV,
        "profile": RESOURCE_PROFILE,
        "title": _("Liens entre acteurs"),
        "description": link.get("description") or _("Les liens entre acteurs."),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": dialect(),
        "schema": {
            "fields": fields,
            "foreignKeys": [
                {"fields": ["source"], "reference": {"resource": actors, "fields": ["id"]}},
                {"fields": ["target"], "reference": {"resource": actors, "fields": ["id"]}},
            ],
        },
    }


def package(schemas: SchemaSet, site: SiteSettings) -> dict[str, Any]:
    """The data package of /donnees/: its metadata in French and one resource per CSV."""
    titles = {
        ACTOR: (_("Acteurs"), _("Les acteurs de l'annuaire, une ligne par fiche.")),
        EVENT: (_("Événements"), _("Les événements de l'annuaire, une ligne par fiche ; un événement qui se répète a une ligne et sa règle (recurrence).")),
        CALL: (_("Appels à participation"), _("Ce que les acteurs cherchent ou proposent (bénévoles, matériel, salles, compétences, partenaires), une ligne par appel, ouvert ou clos : until (date de fin) et status le disent.")),
    }
    resources: list[dict[str, Any]] = []
    for kind, (name, path) in RESOURCES.items():
        title, description = titles[kind]
        resources.append({
            "name": name,
            "path": path,
            "profile": RESOURCE_PROFILE,
            "title": title,
            "description": description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": dialect(),
            "schema": table_schema(schemas, kind, site),
        })
    resources.append(links_resource(schemas))
    resources.append({
        "name": lamednum.RESOURCE,
        "path": lamednum.FILE,
        "profile": RESOURCE_PROFILE,
        "title": _("Lieux de médiation numérique"),
        "description": _(
            "Les acteurs de la thématique numérique qui accueillent le public à une adresse, au format du schéma national "
            "des lieux de médiation numérique (LaMednum, version {version})."
        ).format(version=lamednum.SCHEMA_VERSION),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": lamednum.DELIMITER, "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True, "header": True},
        "schema": lamednum.SCHEMA_URL,
    })
    return {
        "profile": PROFILE,
        "name": slugify(site.site_name) or "communs",
        "title": _("{site} : acteurs et événements").format(site=site.site_name),
        "description": _(
            "Les acteurs de {territory} (associations, entreprises, collectivités, collectifs, tiers-lieux...) et leurs événements, "
            "tels que les publie {site}. Fichiers CSV en UTF-8 (avec BOM), séparateur point-virgule ; les listes sont séparées par « {separator} »."
        ).format(territory=site.territory, site=site.site_name, separator=exports.CSV_LIST_SEPARATOR),
        "homepage": exports.source(site) if site.site_url else urls.data_file(""),
        "licenses": [{"title": site.data_licence, "path": site.data_licence_url}],
        "sources": [
            {"title": site.site_name, "path": exports.source(site)} if site.site_url else {"title": site.site_name},
            {"title": _("Code officiel géographique (INSEE), noms des communes"), "path": COG_URL},
        ],
        "keywords": [_("annuaire"), _("acteurs locaux"), _("événements"), site.territory],
        "resources": resources,
    }


def datapackage_json(schemas: SchemaSet, site: SiteSettings) -> bytes:
    """/donnees/datapackage.json as deterministic bytes: sorted keys, indented for a human
    reader, ``<``, ``>`` and ``&`` escaped as in the other JSON exports."""
    text = json.dumps(package(schemas, site), ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False)
    return (html_safe(text) + "\n").encode("utf-8")
