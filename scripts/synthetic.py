"""A synthetic directory at scale: thousands of valid records spread over real communes.

Used by the benchmarks (and later by build benchmarks): deterministic for a given seed, with
realistic field sizes (descriptions of a few hundred to 1,500 characters, contacts, addresses).
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from communs.records.communes import default_communes  # noqa: E402
from communs.records.schemas import default_schemas  # noqa: E402
from communs.records.text import slugify  # noqa: E402

WORDS = (
    "association quartier jardin partagé atelier musique maloya séga théâtre enfants familles "
    "solidarité marché producteurs locaux réparation vélo compost lecture médiathèque randonnée "
    "sentier patrimoine case créole cuisine tisane plantes bénévoles rencontre concert danse "
    "numérique formation jeunes anciens santé prévention sport lagon ravine montagne école "
    "habitants projet collectif accueil public gratuit inscription soirée week-end saison"
).split()
EVENT_TYPES = ["concert", "spectacle", "exposition", "marche", "atelier", "conference", "reunion", "projection", "fete", "sport", "benevolat"]
KINDS = ["association", "entreprise", "collectivite", "etablissement-public", "collectif", "artiste", "tiers-lieu", "festival", "autre"]


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def description(rng: random.Random) -> str:
    paragraphs = [" ".join(sentence(rng, 8, 20) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(1, 3))]
    items = [f"- {sentence(rng, 3, 8)}" for _ in range(rng.randint(0, 4))]
    return "\n\n".join(paragraphs + (["\n".join(items)] if items else [])) + "\n"


def block(text: str, indent: str = "  ") -> str:
    return "|\n" + "".join(f"{indent}{line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))


def generate(target: Path, actors: int = 10_000, events: int = 5_000, communes: int = 500, seed: int = 2026) -> dict:
    """Write the synthetic tree under ``target`` (content/actors, content/events); returns counts."""
    rng = random.Random(seed)
    reference = default_communes()
    themes = [choice.value for choice in default_schemas().choices("theme")]
    candidates = [c for c in reference.current() if c.lat is not None and c.postal_codes and c.nn_km]
    chosen = sorted(rng.sample(candidates, communes), key=lambda c: c.code)
    actor_ids: dict[str, list[str]] = {}
    for number in range(actors):
        commune = chosen[number % communes]
        name = f"{rng.choice(['Association', 'Collectif', 'Atelier', 'Compagnie', 'Jardin', 'Maison'])} {sentence(rng, 2, 4)[:-1]} {number}"
        record_id = slugify(name)[:70]
        actor_ids.setdefault(commune.code, []).append(record_id)
        lat = commune.lat + rng.uniform(-0.3, 0.3) * min(commune.nn_km, 5) / 111
        lon = commune.lon + rng.uniform(-0.3, 0.3) * min(commune.nn_km, 5) / 111
        text = (
            "# yaml-language-server: $schema=../../../schemas/actor.schema.json\n"
            f"id: {record_id}\n"
            f"name: {name}\n"
            f"kind: {rng.choice(KINDS)}\n"
            f"summary: {sentence(rng, 6, 25)}\n"
            f"description: {block(description(rng))}"
            f"themes: [{', '.join(rng.sample(themes, rng.randint(1, 3)))}]\n"
            f"tags: [{', '.join(slugify(w) for w in rng.sample(WORDS, 3))}]\n"
            f'commune: "{commune.code}"\n'
            f"address:\n  street: {rng.randint(1, 200)} rue {rng.choice(WORDS)}\n  postal_code: \"{commune.postal_codes[0]}\"\n"
            f"geo: {{lat: {lat:.5f}, lon: {lon:.5f}}}\n"
            f"contact:\n  website: https://{record_id[:40].strip('-')}.example.org\n  email: contact@{record_id[:40].strip('-')}.example.org\n"
            f"  phone: +33 1 00 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}\n"
            "status: active\n"
        )
        path = target / "content" / "actors" / commune.code / f"{record_id}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    first_day = date(2026, 9, 1)
    for number in range(events):
        commune = chosen[number % communes]
        day = first_day + timedelta(days=rng.randint(0, 400))
        title = f"{rng.choice(['Fête', 'Atelier', 'Concert', 'Marché', 'Rencontre', 'Balade'])} {sentence(rng, 2, 4)[:-1]} {number}"
        record_id = f"{day.isoformat()}-{slugify(title)}"[:80].rstrip("-")
        hour = rng.randint(8, 20)
        organizers = rng.sample(actor_ids[commune.code], 1)
        text = (
            "# yaml-language-server: $schema=../../../schemas/event.schema.json\n"
            f"id: {record_id}\n"
            f"title: {title}\n"
            f"type: {rng.choice(EVENT_TYPES)}\n"
            f"summary: {sentence(rng, 6, 25)}\n"
            f"description: {block(description(rng))}"
            f"themes: [{', '.join(rng.sample(themes, rng.randint(1, 2)))}]\n"
            f"organizers: [{organizers[0]}]\n"
            f'commune: "{commune.code}"\n'
            f"venue: {organizers[0]}\n"
            f'start: "{day.isoformat()}T{hour:02d}:00:00+02:00"\n'
            f'end: "{day.isoformat()}T{hour + 2:02d}:30:00+02:00"\n'
            + (f"recurrence: FREQ=WEEKLY;BYDAY=SA;COUNT={rng.randint(2, 20)}\n" if number % 10 == 0 else "")
            + f"price: {{min: {rng.randint(0, 5)}, max: {rng.randint(5, 20)}}}\n"
        )
        path = target / "content" / "events" / commune.code / f"{record_id}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {"actors": actors, "events": events, "communes": communes}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write a synthetic content tree.")
    parser.add_argument("target", type=Path)
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--communes", type=int, default=500)
    arguments = parser.parse_args()
    print(generate(arguments.target, arguments.actors, arguments.events, arguments.communes))
