"""What a person typed in the form, put into the shape the schema asks for, when there is no doubt.

"lekol-maloya.re" is a web address without its https://, "jeune public" a keyword with a space,
"0262 12 34 56" a phone number in the local way of writing it, "Saint-Pierre" a commune named
instead of coded. Refusing them teaches a volunteer nothing; repairing them, and saying so, does.
A value that cannot be repaired is left as it was, for the validator to explain.

The form's fields say which values are web addresses, e-mails, phones or keywords (the schema is
the source); the parsing is ``values``', the communes ``communes``'.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from communs.i18n import _
from communs.records.communes import Communes
from communs.records.content import CALL
from communs.records.forms import EMAIL, LIST, TEL, URL, Field, form_for
from communs.records.text import fold
from communs.records.values import (
    URL_PATTERN,
    clean_email,
    clean_phone,
    clean_url,
    normalise_postal_code,
    tag_slug,
)

_SLUG_LISTS = ("tags",)


@dataclass(frozen=True)
class Repair:
    field: str  # dotted name of the form's field ("contact.website")
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Repaired:
    record: dict[str, Any]
    repairs: tuple[Repair, ...]
    commune_choices: tuple[tuple[str, str], ...] = ()  # (code, "Saint-Pierre (974)") when the commune is not clear
    unknown_organizers: tuple[str, ...] = ()  # names that are no actor of the directory


def _get(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = record
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _set(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = record
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _fixed(item: Field, value: Any, commune: str) -> Any:
    """The repaired value of one field, or ``value`` itself when it needs nothing or cannot be helped."""
    if item.widget == URL and isinstance(value, str) and value.strip() and not URL_PATTERN.match(value.strip()):
        return clean_url(value) or value
    if item.widget == EMAIL and isinstance(value, str) and value != value.strip():
        return clean_email(value) or value
    if item.widget == TEL and isinstance(value, str) and value.strip():
        return clean_phone(value, commune) or value
    if item.widget == LIST and item.name in _SLUG_LISTS and isinstance(value, list):
        slugs = [tag_slug(v) or v if isinstance(v, str) else v for v in value]
        return list(dict.fromkeys(slugs))
    if item.path[-1] == "postal_code" and isinstance(value, str):
        return normalise_postal_code(value) or value
    return value


def repaired_value(kind: str, field_name: str, typed: str, commune: str = "") -> str:
    """What one field of the form becomes once repaired, as the form shows it (a list as text)."""
    item = next((f for f in form_for(kind).walk() if f.name == field_name), None)
    if item is None:
        return typed
    value: Any = [part.strip() for part in typed.split(",") if part.strip()] if item.widget == LIST else typed
    return _shown(_fixed(item, value, commune))


def _shown(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _actor_id(typed: str, actors: Mapping[str, tuple[str, ...]]) -> str | None:
    """The id of the directory's actor a person named ("Compagnie Ti Kaz", or its id), if only one has that name."""
    if typed in actors.get("", ()):
        return typed
    found = actors.get(fold(typed), ())
    return found[0] if len(found) == 1 else None


def actor_names(actors: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """The look-up ``repair`` uses to read actors by name: folded name -> ids ("" -> every id)."""
    index: dict[str, list[str]] = {"": list(actors)}
    for actor_id, name in actors.items():
        index.setdefault(fold(name), []).append(actor_id)
    return {key: tuple(ids) for key, ids in index.items()}


def repair(kind: str, record: dict[str, Any], communes: Communes, *, preferred: Collection[str] = (), actors: Mapping[str, tuple[str, ...]] | None = None) -> Repaired:
    """A copy of ``record`` with what can be repaired repaired, and the list of what changed.
    ``actors`` (from :func:`actor_names`) lets organisers and a venue be named rather than
    identified; a venue that is no actor of the directory becomes a place of that name."""
    fixed = {k: (dict(v) if isinstance(v, dict) else v) for k, v in record.items()}
    repairs: list[Repair] = []
    unknown: list[str] = []
    if actors is not None:
        organizers = fixed.get("organizers")
        if isinstance(organizers, list):
            fixed["organizers"] = list(dict.fromkeys(_actor_id(o, actors) or o if isinstance(o, str) else o for o in organizers))
            unknown = [o for o in fixed["organizers"] if isinstance(o, str) and o not in actors.get("", ())]
        poster = fixed.get("actor")  # the actor that posts a call, named in the form
        if kind == CALL and isinstance(poster, str) and poster.strip():
            fixed["actor"] = _actor_id(poster, actors) or poster.strip()
        venue = fixed.get("venue")
        if isinstance(venue, str) and venue.strip():
            found = _actor_id(venue, actors)
            fixed["venue"] = found if found is not None else {"name": venue.strip()}
            if found is None:
                label = form_for(kind).field_for("/venue").label
                repairs.append(Repair("venue", label, venue, _("{name} (un lieu qui n'est pas encore dans l'annuaire)").format(name=venue.strip())))
    choices: tuple[tuple[str, str], ...] = ()
    typed_commune = fixed.get("commune")
    if isinstance(typed_commune, str) and typed_commune.strip():
        found = communes.resolve(typed_commune, preferred=preferred)
        if found is not None and found.code != typed_commune:
            fixed["commune"] = found.code
            repairs.append(Repair("commune", form_for(kind).field_for("/commune").label, typed_commune, f"{found.name} ({found.code})"))
        elif found is None:
            choices = tuple((c.code, f"{c.name} ({c.departement})") for c in communes.find(typed_commune, preferred=preferred, limit=8))
    commune = fixed.get("commune") if isinstance(fixed.get("commune"), str) else ""
    for item in form_for(kind).walk():
        value = _get(fixed, item.path)
        if value is None:
            continue
        after = _fixed(item, value, commune)
        if after != value:
            _set(fixed, item.path, after)
            repairs.append(Repair(item.name, item.label, _shown(value), _shown(after)))
    return Repaired(fixed, tuple(repairs), choices, tuple(unknown))
