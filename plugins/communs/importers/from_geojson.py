"""``geojson``: a FeatureCollection of places (RFC 7946), one actor per feature.

Properties are read under the names of communs' own export (``/donnees/acteurs.geojson``: ``id``,
``name``, ``kind``, ``themes``, ``summary``, ``commune``) and common French alternatives (``nom``,
``code_insee``, ``ville``, ``code_postal``, ``adresse``, ``site_web``, ``courriel``...); a mapping
file's ``[columns]`` names them explicitly (dotted paths reach nested properties). The position is
the Point geometry (first point of a MultiPoint, mean of the vertices of other geometries).

Round trip: communs' exports put an actor without coordinates at its commune's centre, so a point
that *is* the commune's centre is read as "no position"; an id that looks like a communs id
(lowercase words joined by hyphens) is kept, so an exported directory imports to the same ids.
Licence and source of the file (foreign members ``licence`` and ``source``) fill the records'
``source`` block unless the mapping sets them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.build import Context, Dataset, build_actor
from communs.importers.jsonfile import load_items, pick
from communs.importers.mapping import Mapping
from communs.importers.model import Item, Reason, Skip
from communs.records.text import slugify
from communs.records.values import URL_PATTERN, normalise_insee, one_line

DEFAULT_PROPERTIES: dict[str, list[str]] = {
    "id": ["id", "identifiant", "uid"],
    "name": ["name", "nom", "title", "titre", "libelle"],
    "kind": ["kind", "kind_label", "type_acteur", "statut"],
    "summary": ["summary", "resume", "description_courte"],
    "description": ["description"],
    "themes": ["themes", "thematiques", "thematique", "categories"],
    "disciplines": ["disciplines"],
    "tags": ["tags", "mots_cles"],
    "insee": ["commune", "insee", "code_insee", "codeinsee", "com_insee", "citycode", "code_commune"],
    "city": ["commune_name", "nom_commune", "ville", "city", "libelle_commune"],
    "postal_code": ["postal_code", "code_postal", "cp", "postcode"],
    "street": ["street", "adresse", "address", "voie"],
    "complement": ["complement"],
    "website": ["website", "site", "site_web", "site_internet"],
    "email": ["email", "courriel", "mail"],
    "phone": ["phone", "telephone", "tel"],
    "opening_hours": ["opening_hours", "horaires"],
    "status": ["status"],
    "url": ["url"],
}


def _position(geometry: Any) -> tuple[float, float] | None:
    """(lat, lon) of a geometry: the point, or the mean of its positions."""
    if not isinstance(geometry, dict):
        return None
    coordinates = geometry.get("coordinates")
    kind = geometry.get("type")
    if kind == "Point":
        points = [coordinates]
    elif kind == "MultiPoint":
        points = (coordinates or [])[:1]
    else:
        points = []

        def is_position(value: Any) -> bool:
            return isinstance(value, list) and len(value) >= 2 and all(isinstance(v, (int, float)) for v in value[:2])

        def walk(value: Any) -> None:
            if not isinstance(value, list) or not value:
                return
            if all(is_position(item) for item in value):
                ring = value[:-1] if len(value) > 2 and value[0] == value[-1] else value  # a closed ring
                points.extend(ring)
            else:
                for item in value:
                    walk(item)

        walk(coordinates)
    points = [p for p in points if isinstance(p, list) and len(p) >= 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p[:2])]
    if not points:
        return None
    lon = sum(float(p[0]) for p in points) / len(points)
    lat = sum(float(p[1]) for p in points) / len(points)
    return lat, lon


class GeojsonReader:
    format_name = "geojson"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        self.path = path
        self.mapping = mapping
        self.document, self.features = load_items(path, ("features",), _("entités GeoJSON"))
        self.properties = dict(DEFAULT_PROPERTIES)
        self.explicit = set(mapping.columns)
        self.properties.update(mapping.columns)

    def dataset(self) -> Dataset:
        document = self.document if isinstance(self.document, dict) else {}
        licence = document.get("licence") if isinstance(document.get("licence"), str) else None
        origin = document.get("source") if isinstance(document.get("source"), str) else None
        url = origin if origin and URL_PATTERN.match(origin) else None
        credit = origin if origin and not url else None
        return Dataset(name=slugify(self.path.stem, max_length=40), url=url, licence=licence, credit=credit)

    def items(self, ctx: Context) -> Iterator[Item | Skip]:
        for line, feature in self.features:
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                yield Skip(line, Reason("not-a-feature", _("ce n'est pas une entité GeoJSON (« type »: « Feature »).")))
                continue
            properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
            raw = self.raw(properties)
            position = _position(feature.get("geometry"))
            if position is not None and not ({"lat", "lon", "latlon"} & self.explicit):
                raw["lat"], raw["lon"] = position
            identifier = feature.get("id") if feature.get("id") not in (None, "") else raw.get("id")
            yield build_actor(ctx, self.finish(raw, identifier), line)

    def raw(self, properties: dict[str, Any]) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for field_name, paths in self.properties.items():
            raw[field_name] = pick(properties, paths, join=field_name in self.explicit)
        # "commune" holds a code in communs' export; elsewhere it may hold a name.
        if raw.get("insee") not in (None, "") and normalise_insee(raw["insee"]).code is None and not raw.get("city"):
            raw["city"], raw["insee"] = raw["insee"], None
        return raw

    @staticmethod
    def finish(raw: dict[str, Any], identifier: Any) -> dict[str, Any]:
        text = one_line(identifier)
        raw["source_id"] = text or " | ".join(one_line(raw.get(key)) for key in ("name", "insee", "city") if one_line(raw.get(key)))
        raw["id_hint"] = text or None
        raw["source_url"] = raw.pop("url", None)
        raw.pop("id", None)
        raw["centre_means_none"] = True
        return raw
