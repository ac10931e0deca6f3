"""``osm``: OpenStreetMap data as the Overpass API returns it (``[out:json]``): ``elements`` with
``type`` (node, way, relation), ``id``, ``tags``, and a position (a node's ``lat``/``lon``; for
ways and relations ``center`` with ``out center``, else ``bounds``, ``geometry`` or their nodes).

One actor per element that has a ``name`` (elements without tags, such as the nodes of a way,
are not rows; tagged elements without a name are skipped). Tags read: ``name``,
``addr:housenumber`` + ``addr:street``, ``addr:postcode``, ``addr:city``, ``ref:INSEE``,
``website`` / ``contact:website`` / ``url``, ``email`` / ``contact:email``, ``phone`` /
``contact:phone`` / ``contact:mobile``, ``opening_hours``, ``description``, ``wikidata``,
``ref:FR:SIRET``, ``ref:FR:RNA``, ``contact:facebook``, ``contact:instagram``,
``contact:mastodon``. Kind, themes and disciplines come from the tags through rules
(``amenity=library`` -> établissement public, culture and education...), built in below and
extended or overridden by the mapping's ``[maps.tags]``; an element that matches no rule needs
``[values] themes``.

Source: dataset ``openstreetmap`` (the ids are OpenStreetMap's, global), id ``node/123``, the
object's page on openstreetmap.org, licence ODbL 1.0; ``identifiers.osm`` is set too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from communs.i18n import _
from communs.importers.build import Context, Dataset, build_actor
from communs.importers.cleaning import iter_unique
from communs.importers.jsonfile import load_items
from communs.importers.mapping import Mapping
from communs.importers.model import Item, Reason, Skip

DATASET = Dataset(
    name="openstreetmap",
    licence="ODbL 1.0",
    credit="© les contributeurs d'OpenStreetMap",
)
# "key=value" or "key" -> kind, themes, disciplines. The more specific rule gives the kind.
RULES: dict[str, dict[str, Any]] = {
    "amenity=townhall": {"kind": "collectivite", "themes": ["participation-citoyenne"]},
    "amenity=library": {"kind": "etablissement-public", "themes": ["culture", "education"], "disciplines": ["litterature"]},
    "amenity=theatre": {"themes": ["culture"], "disciplines": ["theatre"]},
    "amenity=cinema": {"kind": "entreprise", "themes": ["culture"], "disciplines": ["cinema"]},
    "amenity=arts_centre": {"themes": ["culture"], "disciplines": ["pluridisciplinaire"]},
    "amenity=music_school": {"themes": ["culture", "education"], "disciplines": ["musique"]},
    "amenity=community_centre": {"themes": ["vivre-ensemble"]},
    "amenity=social_centre": {"themes": ["vivre-ensemble"]},
    "amenity=social_facility": {"themes": ["vivre-ensemble", "sante"]},
    "amenity=marketplace": {"themes": ["alimentation"]},
    "amenity=recycling": {"themes": ["dechets"]},
    "amenity=coworking_space": {"kind": "tiers-lieu", "themes": ["numerique", "economie-partage"]},
    "office=coworking": {"kind": "tiers-lieu", "themes": ["numerique", "economie-partage"]},
    "leisure=hackerspace": {"kind": "tiers-lieu", "themes": ["numerique"]},
    "amenity=school": {"kind": "etablissement-public", "themes": ["education"]},
    "amenity=college": {"kind": "etablissement-public", "themes": ["education"]},
    "amenity=kindergarten": {"themes": ["education"]},
    "amenity=clinic": {"themes": ["sante"]},
    "amenity=doctors": {"themes": ["sante"]},
    "amenity=bicycle_rental": {"themes": ["transports"]},
    "amenity=bicycle_repair_station": {"themes": ["transports"]},
    "shop=bicycle": {"kind": "entreprise", "themes": ["transports"]},
    "shop=farm": {"kind": "entreprise", "themes": ["agriculture", "alimentation"]},
    "shop=second_hand": {"themes": ["economie-partage", "dechets"]},
    "shop=charity": {"themes": ["economie-partage", "vivre-ensemble"]},
    "repair_cafe=yes": {"themes": ["dechets", "economie-partage"]},
    "tourism=museum": {"themes": ["culture"], "disciplines": ["patrimoine"]},
    "historic": {"themes": ["culture"], "disciplines": ["patrimoine"]},
    "leisure=sports_centre": {"themes": ["sport"]},
    "leisure=stadium": {"themes": ["sport"]},
    "leisure=pitch": {"themes": ["sport"]},
    "leisure=fitness_centre": {"themes": ["sport", "sante"]},
    "leisure=garden": {"themes": ["environnement"]},
    "garden:type=community": {"kind": "collectif", "themes": ["environnement", "alimentation"]},
    "landuse=allotments": {"themes": ["agriculture", "alimentation"]},
    "club=sport": {"kind": "association", "themes": ["sport"]},
    "club": {"kind": "association"},
    "office=association": {"kind": "association"},
    "office=ngo": {"kind": "association"},
    "office=government": {"kind": "etablissement-public"},
    "craft": {"kind": "entreprise"},
    "shop": {"kind": "entreprise"},
}
TAGS = {
    "name": ["name", "name:fr", "official_name"],
    "insee": ["ref:INSEE", "addr:citycode"],
    "city": ["addr:city", "addr:municipality"],
    "postal_code": ["addr:postcode", "postal_code"],
    "complement": ["addr:place"],
    "website": ["website", "contact:website", "url"],
    "email": ["email", "contact:email"],
    "phone": ["phone", "contact:phone", "contact:mobile", "mobile"],
    "opening_hours": ["opening_hours"],
    "description": ["description:fr", "description"],
    "wikidata": ["wikidata"],
    "siret": ["ref:FR:SIRET"],
    "rna": ["ref:FR:RNA"],
    "facebook": ["contact:facebook", "facebook"],
    "instagram": ["contact:instagram", "instagram"],
    "mastodon": ["contact:mastodon", "mastodon"],
}


def _first(tags: dict[str, str], keys: list[str]) -> str | None:
    for key in keys:
        value = tags.get(key)
        if isinstance(value, str) and value.strip():
            return value.split(";")[0].strip() if key not in ("opening_hours", "description", "description:fr") else value
    return None


class OsmReader:
    format_name = "osm"

    def __init__(self, path: Path, mapping: Mapping) -> None:
        self.path = path
        self.mapping = mapping
        self.document, self.elements = load_items(path, ("elements",), _("éléments OpenStreetMap"))
        self.rules = {**RULES, **mapping.tag_rules}
        self.nodes: dict[int, tuple[float, float]] = {}
        for _line, element in self.elements:
            if isinstance(element, dict) and element.get("type") == "node" and isinstance(element.get("lat"), (int, float)) and isinstance(element.get("lon"), (int, float)):
                self.nodes[element.get("id")] = (float(element["lat"]), float(element["lon"]))

    def dataset(self) -> Dataset:
        return DATASET

    def position(self, element: dict[str, Any]) -> tuple[float, float] | None:
        if isinstance(element.get("lat"), (int, float)) and isinstance(element.get("lon"), (int, float)):
            return float(element["lat"]), float(element["lon"])
        centre = element.get("center")
        if isinstance(centre, dict) and isinstance(centre.get("lat"), (int, float)) and isinstance(centre.get("lon"), (int, float)):
            return float(centre["lat"]), float(centre["lon"])
        bounds = element.get("bounds")
        if isinstance(bounds, dict) and all(isinstance(bounds.get(k), (int, float)) for k in ("minlat", "minlon", "maxlat", "maxlon")):
            return (bounds["minlat"] + bounds["maxlat"]) / 2, (bounds["minlon"] + bounds["maxlon"]) / 2
        points = []
        geometry = element.get("geometry")
        if isinstance(geometry, list):
            points = [(p["lat"], p["lon"]) for p in geometry if isinstance(p, dict) and isinstance(p.get("lat"), (int, float)) and isinstance(p.get("lon"), (int, float))]
        if not points and isinstance(element.get("nodes"), list):
            points = [self.nodes[n] for n in element["nodes"] if n in self.nodes]
        if not points:
            return None
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)

    def classify(self, tags: dict[str, str]) -> tuple[str | None, list[str], list[str]]:
        kind_specific: str | None = None
        kind_generic: str | None = None
        themes: list[str] = []
        disciplines: list[str] = []
        for key, value in tags.items():
            for rule_key, specific in ((f"{key}={value}", True), (key, False)):
                rule = self.rules.get(rule_key)
                if rule is None:
                    continue
                if rule.get("kind"):
                    if specific:
                        kind_specific = kind_specific or rule["kind"]
                    else:
                        kind_generic = kind_generic or rule["kind"]
                themes += rule.get("themes", [])
                disciplines += rule.get("disciplines", [])
        return kind_specific or kind_generic, list(iter_unique(themes)), list(iter_unique(disciplines))

    def items(self, ctx: Context) -> Iterator[Item | Skip]:
        for line, element in self.elements:
            if not isinstance(element, dict) or element.get("type") not in ("node", "way", "relation"):
                yield Skip(line, Reason("not-an-element", _("ce n'est pas un élément OpenStreetMap (node, way ou relation).")))
                continue
            tags = element.get("tags")
            if not isinstance(tags, dict) or not tags:
                continue  # the nodes of a way, members of a relation: not places of their own
            tags = {str(k): str(v) for k, v in tags.items()}
            reference = f"{element['type']}/{element.get('id')}"
            raw: dict[str, Any] = {key: _first(tags, keys) for key, keys in TAGS.items()}
            if not raw.get("name"):
                yield Skip(line, Reason("no-name", _("{reference} n'a pas de nom (name).").format(reference=reference)))
                continue
            street = " ".join(part for part in (tags.get("addr:housenumber", ""), tags.get("addr:street", "")) if part.strip())
            raw["street"] = street or None
            position = self.position(element)
            if position is not None:
                raw["lat"], raw["lon"] = position
            kind, themes, disciplines = self.classify(tags)
            raw["kind"] = kind
            raw["themes"] = themes
            raw["disciplines"] = disciplines
            raw["osm"] = reference
            raw["source_id"] = reference
            raw["source_url"] = f"https://www.openstreetmap.org/{reference}"
            raw["expect_point"] = True
            yield build_actor(ctx, raw, line)
