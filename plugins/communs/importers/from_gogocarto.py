"""``gogocarto``: the elements of a GoGoCarto map (its ``/api/elements.json``, or communs' own
``/donnees/gogocarto.json``): an array, or an object whose ``data`` holds it.

Fields read (GoGoCarto's element format, as ``communs.site.exports`` writes it): ``id``, ``name``,
``geo.latitude`` / ``geo.longitude``, ``address`` (``streetAddress``, ``addressLocality``,
``postalCode``; a plain string is taken for the street), ``categories`` (names; or
``categoriesFull``) mapped onto our themes, disciplines then tags, ``category_type`` or ``type``
(the kind, as a code or label), ``category_discipline`` or ``disciplines``, ``description``
(summary), ``descriptionMore`` (Markdown description), ``email``, ``telephone``, ``website``,
``tags``, ``opening_hours`` (OpenStreetMap syntax) or ``openHours`` (GoGoCarto's days),
``status`` (older communs exports), ``codeInsee``, ``url``. A mapping file's ``[columns]`` may
name other keys (dotted paths, e.g. ``address.postalCode``).

GoGoCarto itself carries no INSEE code (communs writes ``codeInsee``): the commune comes from the
locality and the postal code. It
joins street and complement in ``streetAddress``: the street is taken whole. As with GeoJSON, a
point at the commune's centre means "no position" and communs-like ids are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.build import Context, Dataset, build_actor
from communs.importers.from_geojson import GeojsonReader
from communs.importers.jsonfile import load_items, pick
from communs.importers.mapping import Mapping
from communs.importers.model import Item, Reason, Skip
from communs.records.text import slugify
from communs.records.values import URL_PATTERN, one_line

DEFAULT_KEYS: dict[str, list[str]] = {
    "id": ["id"],
    "name": ["name", "title"],
    "kind": ["category_type", "type"],
    "summary": ["description"],
    "description": ["descriptionMore"],
    "themes": ["categories"],
    "disciplines": ["category_discipline", "disciplines"],
    "tags": ["tags"],
    "insee": ["address.codeInsee", "codeInsee", "insee"],
    "city": ["address.addressLocality"],
    "postal_code": ["address.postalCode"],
    "street": ["address.streetAddress"],
    "lat": ["geo.latitude", "geo.lat"],
    "lon": ["geo.longitude", "geo.lng", "geo.lon"],
    "website": ["website"],
    "email": ["email"],
    "phone": ["telephone"],
    "opening_hours": ["opening_hours"],
    "status": ["status"],
    "url": ["url"],
}
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def opening_hours_of(value: Any) -> str | None:
    """OpenStreetMap opening hours from GoGoCarto's ``openHours`` ({"Mo": "09:00-12:00, 14:00-18:00"})."""
    if not isinstance(value, dict):
        return None
    parts = []
    for day in DAYS:
        hours = value.get(day)
        if isinstance(hours, str) and hours.strip():
            parts.append(f"{day} {','.join(piece.strip() for piece in hours.split(',') if piece.strip())}")
    return "; ".join(parts) or None


def category_names(element: dict[str, Any]) -> list[str]:
    names = element.get("categories")
    if isinstance(names, list) and names:
        return [str(name) for name in names if isinstance(name, (str, int))]
    full = element.get("categoriesFull")
    if isinstance(full, list):
        return [str(item["name"]) for item in full if isinstance(item, dict) and item.get("name")]
    return []


class GogocartoReader:
    format_name = "gogocarto"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        self.path = path
        self.mapping = mapping
        self.document, self.elements = load_items(path, ("data", "elements"), _("éléments GoGoCarto"))
        self.keys = dict(DEFAULT_KEYS)
        self.explicit = set(mapping.columns)
        self.keys.update(mapping.columns)

    def dataset(self) -> Dataset:
        document = self.document if isinstance(self.document, dict) else {}
        licence = document.get("licence") if isinstance(document.get("licence"), str) else None
        origin = document.get("source") if isinstance(document.get("source"), str) else None
        url = origin if origin and URL_PATTERN.match(origin) else None
        return Dataset(name=slugify(self.path.stem, max_length=40), url=url, licence=licence, credit=origin if origin and not url else None)

    def items(self, ctx: Context) -> Iterator[Item | Skip]:
        themes = ctx.vocabulary("themes")
        disciplines = ctx.vocabulary("disciplines")
        for line, element in self.elements:
            if not isinstance(element, dict):
                yield Skip(line, Reason("not-an-element", _("ce n'est pas un élément GoGoCarto (un objet JSON).")))
                continue
            raw = {field_name: pick(element, paths, join=field_name in self.explicit) for field_name, paths in self.keys.items()}
            if isinstance(element.get("address"), str) and "street" not in self.explicit:
                raw["street"] = element["address"]
            if "themes" not in self.explicit:
                categories = category_names(element)
                raw["themes"] = [name for name in categories if themes.resolve(name) is not None]
                rest = [name for name in categories if themes.resolve(name) is None]
                raw["disciplines"] = list(raw.get("disciplines") or []) + [name for name in rest if disciplines.resolve(name) is not None]
                raw["tags"] = list(raw.get("tags") or []) + [name for name in rest if disciplines.resolve(name) is None]
            if isinstance(raw.get("kind"), list):  # category_type: a list of one label
                raw["kind"] = next((str(k) for k in raw["kind"] if isinstance(k, (str, int))), None)
            if not raw.get("opening_hours"):
                raw["opening_hours"] = opening_hours_of(element.get("openHours"))
            if not isinstance(raw.get("status"), str):
                raw["status"] = None
            identifier = one_line(raw.get("id"))
            yield build_actor(ctx, GeojsonReader.finish(raw, identifier), line)
