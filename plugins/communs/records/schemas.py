"""The JSON Schemas: the single source of truth for what a record may say.

Validation runs in two steps: jsonschema-rs (compiled, microseconds per record) decides whether a
record is valid; only invalid records go through the reference Python implementation, whose
structured errors (keyword, path, sub-schema) are turned into French messages. Labels, help texts,
allowed values and messages all come from the schema files (``title``, ``description``,
``x-messages``).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urldefrag, urljoin

import jsonschema_rs

from communs.i18n import _
from communs.records.content import ACTOR, CALL, EVENT
from communs.records.problems import Problem
from communs.records.record import Record
from communs.records.yamlreader import pointer_token
from communs.resources import schemas_dir

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

_DANGEROUS_SCHEME = re.compile(r"^\s*(?:javascript|vbscript|data|file)\s*:", re.IGNORECASE)
SCHEMA_FILES = {ACTOR: "actor.schema.json", EVENT: "event.schema.json", CALL: "call.schema.json", "sources": "sources.schema.json"}  # sources: the list of feeds (importers.sources)

_TYPE_NAMES = {
    "string": "un texte",
    "number": "un nombre",
    "integer": "un nombre entier",
    "array": "une liste",
    "object": "un bloc de champs",
    "boolean": "true ou false",
    "null": "vide",
}
_TYPE_HINTS = {
    "array": "écrivez une liste : [valeur1, valeur2], ou une valeur par ligne précédée de « - »",
    "object": "écrivez les champs du bloc sur les lignes suivantes, indentés de deux espaces",
    "boolean": "écrivez true (oui) ou false (non)",
    "string": "mettez la valeur entre guillemets",
}


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def json_pointer(path: Iterator[Any]) -> str:
    return "".join(f"/{pointer_token(str(part))}" for part in path)


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of a closed vocabulary, with what the form and the site show for it."""

    value: str
    title: str
    description: str


class SchemaSet:
    """The schema files of a directory, compiled once."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or schemas_dir()
        self.documents: dict[str, dict] = {}
        self.by_file: dict[str, dict] = {}
        for path in sorted(directory.glob("*.schema.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            self.documents[document["$id"]] = document
            self.by_file[path.name] = document
        self.roots = {kind: self.by_file[name] for kind, name in SCHEMA_FILES.items()}
        documents = self.documents

        def retrieve(uri: str) -> dict:
            return documents[uri]

        self._typed_fields: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._fast = {kind: jsonschema_rs.validator_for(root, retriever=retrieve) for kind, root in self.roots.items()}

    @cached_property
    def _python(self) -> dict:
        """The reference validators, built on the first invalid record (they are slow to import)."""
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource

        registry = Registry().with_resources((uri, Resource.from_contents(document)) for uri, document in self.documents.items())
        return {kind: Draft202012Validator(root, registry=registry) for kind, root in self.roots.items()}

    # Reading the schemas -------------------------------------------------------------------

    def resolve(self, schema: dict, base: str) -> tuple[dict, str]:
        """Follow ``$ref`` chains (``file.json#/$defs/x``, ``#/$defs/x``) from the document at
        ``base``; the referring schema's own keywords (title...) win over the target's."""
        merged = dict(schema)
        while "$ref" in merged:
            uri, fragment = urldefrag(urljoin(base, merged.pop("$ref")))
            target: Any = self.documents[uri]
            for token in fragment.lstrip("/").split("/") if fragment else []:
                target = target[token.replace("~1", "/").replace("~0", "~")]
            base = uri
            combined = dict(target)
            combined.update(merged)
            merged = combined
        return merged, base

    def field_schema(self, kind: str, path: list[str | int]) -> dict:
        """The merged schema of the field at ``path`` in a record of ``kind`` (titles included)."""
        root = self.roots[kind]
        schema, base = self.resolve(root, root["$id"])
        for part in path:
            if isinstance(part, int) or (isinstance(part, str) and part.isdigit() and "items" in schema):
                candidate = schema.get("items")
            else:
                candidate = schema.get("properties", {}).get(part)
                if candidate is None:
                    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
                        branch, branch_base = self.resolve(branch, base)
                        if part in branch.get("properties", {}):
                            schema, base = branch, branch_base
                            candidate = branch["properties"][part]
                            break
            if candidate is None:
                return {}
            schema, base = self.resolve(candidate, base)
        return schema

    def field_title(self, kind: str, path: list[str | int]) -> str:
        """How a message names a field: « themes », or the 2nd item of « tags »."""
        names = [part for part in path if isinstance(part, str)]
        if not names:
            return _("La fiche")
        if path and isinstance(path[-1], int):
            return _("L'élément n° {number} de « {name} »").format(number=path[-1] + 1, name=names[-1])
        return f"« {names[-1]} »"

    def properties(self, kind: str, path: list[str | int] | None = None) -> list[str]:
        return list(self.field_schema(kind, path or []).get("properties", {}))

    def typed_fields(self, kind: str) -> list[tuple[tuple[str, ...], str]]:
        """Fields whose schema names a ``format`` or ``contentMediaType``, as paths with ``*``.

        The record rules use it to find every URL, e-mail, phone, date, Markdown text... without
        a second list of fields in Python.
        """
        if kind not in self._typed_fields:
            found: list[tuple[tuple[str, ...], str]] = []
            root = self.roots[kind]

            def walk(schema: dict, base: Any, path: tuple[str, ...], depth: int) -> None:
                schema, base = self.resolve(schema, base)
                marker = schema.get("format") or schema.get("contentMediaType")
                if marker and (path, marker) not in found:
                    found.append((path, marker))
                if depth > 8:
                    return
                for name, sub in schema.get("properties", {}).items():
                    walk(sub, base, path + (name,), depth + 1)
                if isinstance(schema.get("items"), dict):
                    walk(schema["items"], base, path + ("*",), depth + 1)
                for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
                    walk(branch, base, path, depth + 1)

            walk(root, root["$id"], (), 0)
            self._typed_fields[kind] = found
        return self._typed_fields[kind]

    def choices(self, definition: str) -> list[Choice]:
        """The values of a closed vocabulary (``theme``, ``kind``, ``eventType``...)."""
        vocabulary = self.by_file["vocabularies.schema.json"]["$defs"][definition]
        return [Choice(branch["const"], branch["title"], branch["description"]) for branch in vocabulary["oneOf"]]

    # Validating ----------------------------------------------------------------------------

    def is_valid(self, kind: str, data: Any) -> bool:
        return self._fast[kind].is_valid(data)

    def problems(self, record: Record) -> list[Problem]:
        if self.is_valid(record.kind, record.data):
            return []
        found: dict[tuple[str, str], Problem] = {}
        for error in self._python[record.kind].iter_errors(dict(record.data)):
            for item in self._translate(record, error):
                found.setdefault((item.code, item.pointer), item)
        if not found:
            # The two implementations disagree: never let a record through silently.
            found[("schema", "")] = record.problem(
                "schema", _("La fiche n'est pas conforme au schéma ; signalez ce cas aux mainteneurs.")
            )
        return sorted(found.values(), key=lambda p: (p.line or 0, p.column or 0, p.code))

    def _translate(self, record: Record, error: "ValidationError") -> list[Problem]:
        path = list(error.absolute_path)
        pointer = json_pointer(path)
        keyword = error.validator
        schema = error.schema if isinstance(error.schema, dict) else {}
        custom = schema.get("x-messages", {}).get(keyword)
        instance = error.instance
        field = self.field_title(record.kind, path)

        if keyword == "required":
            problems = []
            for name in error.validator_value:
                if isinstance(instance, dict) and name not in instance:
                    title = self.field_schema(record.kind, path + [name]).get("title", name)
                    message = custom or _("Le champ obligatoire « {name} » ({title}) manque{where}.").format(
                        name=name, title=title, where="" if not path else _(" dans {field}").format(field=field)
                    )
                    problems.append(record.problem("missing-field", message, f"{pointer}/{pointer_token(name)}"))
            return problems

        if keyword in ("additionalProperties", "unevaluatedProperties"):
            known = list(schema.get("properties", {}))
            problems = []
            for name in instance:
                if name in known:
                    continue
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = (
                    _(" Vouliez-vous écrire « {close} » ?").format(close=close[0])
                    if close
                    else _(" Champs possibles : {names}.").format(names=", ".join(known))
                )
                message = _("Le champ « {name} » n'existe pas{where}.").format(
                    name=name, where="" if not path else _(" dans {field}").format(field=field)
                ) + hint
                problems.append(record.problem("unknown-field", message, f"{pointer}/{pointer_token(str(name))}", key=True))
            return problems

        if keyword == "type":
            expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            message = custom or _("{field} doit être {expected}, pas {actual}.").format(
                field=field,
                expected=_(" ou ").join(_(_TYPE_NAMES[t]) for t in expected),
                actual=_(_TYPE_NAMES[_type_of(instance)]),
            )
            if not custom and expected[0] in _TYPE_HINTS:
                message += " " + _("Pour corriger : {hint}.").format(hint=_(_TYPE_HINTS[expected[0]]))
            return [record.problem("wrong-type", message, pointer)]

        if keyword in ("oneOf", "anyOf") and all("const" in branch for branch in error.validator_value):
            values = [branch["const"] for branch in error.validator_value]
            close = [v for v in values if str(instance) and v.startswith(str(instance).lower())][:1] or difflib.get_close_matches(
                str(instance).lower(), values, n=1, cutoff=0.6
            )
            message = _("{field} : « {value} » n'est pas une valeur autorisée.").format(field=field, value=instance)
            if custom:
                message = _("{field} : « {value} » — {custom}").format(field=field, value=instance, custom=custom)
            if close:
                message += " " + _("Vouliez-vous écrire « {close} » ?").format(close=close[0])
            message += " " + _("Valeurs possibles : {values}.").format(values=", ".join(values))
            return [record.problem("not-in-list", message, pointer)]

        if keyword in ("oneOf", "anyOf"):
            # Keep the errors of the branch that matches the value's type (e.g. a venue block).
            relevant = [e for e in error.context if e.validator != "type"] or list(error.context)
            problems = []
            for sub in relevant:
                problems.extend(self._translate(record, sub))
            return problems

        if keyword == "pattern" and schema.get("format") == "uri" and _DANGEROUS_SCHEME.match(str(instance)):
            return [
                record.problem(
                    "url-scheme",
                    _("{field} : les liens « {scheme} » sont refusés, ils peuvent exécuter du code chez le lecteur. Écrivez une adresse qui commence par https://.").format(
                        field=field, scheme=str(instance).split(":", 1)[0].strip().lower() + ":"
                    ),
                    pointer,
                )
            ]

        if keyword == "pattern":
            message = custom or _("« {value} » n'a pas la forme attendue pour {field}.").format(value=instance, field=field)
            return [record.problem("bad-format", _("{field} : {message}").format(field=field, message=message), pointer)]

        if keyword in ("minLength", "maxLength"):
            length = len(instance)
            if keyword == "minLength":
                message = _("{field} est trop court : {length} caractère(s), il en faut au moins {limit}.")
                code = "too-short"
            else:
                message = _("{field} est trop long : {length} caractères pour {limit} au plus ; retirez-en {excess}.")
                code = "too-long"
            return [
                record.problem(
                    code,
                    custom or message.format(field=field, length=length, limit=error.validator_value, excess=length - error.validator_value),
                    pointer,
                )
            ]

        if keyword in ("minItems", "maxItems"):
            code = "too-few-items" if keyword == "minItems" else "too-many-items"
            message = custom or (
                _("{field} doit contenir au moins {limit} élément(s).")
                if keyword == "minItems"
                else _("{field} contient {count} éléments pour {limit} au plus.")
            ).format(field=field, limit=error.validator_value, count=len(instance))
            return [record.problem(code, message, pointer)]

        if keyword == "uniqueItems":
            seen, repeated = set(), None
            for index, item in enumerate(instance):
                key = json.dumps(item, sort_keys=True, default=str)
                if key in seen:
                    repeated = index
                    break
                seen.add(key)
            where = f"{pointer}/{repeated}" if repeated is not None else pointer
            value = instance[repeated] if repeated is not None else ""
            return [record.problem("duplicate-item", _("{field} : « {value} » est répété ; gardez-le une seule fois.").format(field=field, value=value), where)]

        if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            bound = _("au moins") if "inimum" in keyword else _("au plus")
            return [
                record.problem(
                    "out-of-range",
                    custom or _("{field} vaut {value} ; la valeur doit être {bound} {limit}.").format(field=field, value=instance, bound=bound, limit=error.validator_value),
                    pointer,
                )
            ]

        if keyword == "minProperties":
            return [record.problem("empty-block", custom or _("{field} est vide : remplissez-le ou supprimez la ligne.").format(field=field), pointer)]

        if keyword in ("const", "enum"):
            return [record.problem("not-in-list", custom or _("{field} : « {value} » n'est pas une valeur autorisée.").format(field=field, value=instance), pointer)]

        return [record.problem("schema", custom or _("{field} n'est pas conforme au schéma ({detail}).").format(field=field, detail=error.message), pointer)]


@cache
def default_schemas() -> SchemaSet:
    return SchemaSet()
