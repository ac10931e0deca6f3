"""Draw the demo's pictures: abstract images (sky, sea or hills of La Réunion in flat colours, with
the record's initials), made here and placed in the public domain (CC0), so the demo shows
pictures without anyone's photo and without a licence to check. Writes content/media/<id>.jpg and
the ``image`` block of each record (through the canonical editor: the rest of the file is kept).

    python scripts/make_demo_pictures.py [--content content]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from communs.records.canonical import update_record  # noqa: E402
from communs.records.yamlreader import read_yaml  # noqa: E402

# (folder, id, what the picture shows): fictional records only, outside the communes the tests copy.
PICTURES = [
    ("actors/97407", "reseau-zero-dechet-974", "Dessin abstrait : des cercles verts qui se rejoignent au-dessus de la mer, et les initiales RZ"),
    ("actors/97407", "bisiklet-solider", "Dessin abstrait : deux roues de vélo stylisées sur un ciel orangé, et les initiales BS"),
    ("actors/97407", "ressourcerie-la-rekup", "Dessin abstrait : des formes de meubles empilées en couleurs vives, et les initiales LR"),
    ("actors/97407", "compagnie-lamer-move", "Dessin abstrait : des vagues bleues et un soleil couchant, et les initiales LM"),
    ("actors/97409", "troupe-rangoli-danse", "Dessin abstrait : un motif de rangoli en pétales colorés, et les initiales RD"),
    ("actors/97413", "la-kour-piton", "Dessin abstrait : une cheminée de distillerie sur les collines vertes, et les initiales KP"),
    ("actors/97413", "festival-piton-kabar", "Dessin abstrait : des notes de musique sous un ciel étoilé, et les initiales PK"),
    ("actors/97403", "festival-zistoir-la-nuit", "Dessin abstrait : une lune sur des cases créoles la nuit, et les initiales ZN"),
    ("events/97407", "2027-04-10-bourse-aux-velos", "Affiche abstraite : des roues de vélo en rangées sur fond jaune, et les initiales BV"),
    ("events/97403", "2027-03-13-veillee-contes-zistoir", "Affiche abstraite : un feu de veillée sous les étoiles, et les initiales VC"),
    ("events/97409", "2027-04-24-spectacle-rangoli-danse", "Affiche abstraite : des silhouettes de danse en pétales colorés, et les initiales SR"),
    ("events/97413", "2027-01-03-kabar-du-premier-dimanche", "Affiche abstraite : un rouleur et des lumières de kabar, et les initiales KD"),
]
PALETTES = [((11, 93, 82), (227, 241, 238)), ((155, 28, 28), (253, 236, 236)), ((30, 64, 175), (219, 234, 254)), ((146, 64, 14), (254, 243, 199)), ((91, 33, 182), (237, 233, 254))]
WIDTH, HEIGHT = 1600, 900


def draw(record_id: str, initials: str) -> Image.Image:
    seed = hashlib.sha256(record_id.encode()).digest()
    dark, light = PALETTES[seed[0] % len(PALETTES)]
    picture = Image.new("RGB", (WIDTH, HEIGHT), light)
    pen = ImageDraw.Draw(picture)
    for band in range(HEIGHT // 2, HEIGHT, 6):  # a sea or a plain: lines darker downwards
        share = (band - HEIGHT // 2) / (HEIGHT / 2)
        colour = tuple(int(light[i] + (dark[i] - light[i]) * share * 0.8) for i in range(3))
        pen.rectangle([0, band, WIDTH, band + 6], fill=colour)
    for index in range(7):  # circles: suns, wheels, petals
        x = 120 + seed[1 + index] * 5 % (WIDTH - 240)
        y = 80 + seed[8 + index] * 3 % (HEIGHT - 160)
        radius = 40 + seed[15 + index] % 140
        shade = tuple(min(255, c + 30 * (index % 3)) for c in dark)
        pen.ellipse([x - radius, y - radius, x + radius, y + radius], outline=shade, width=10 + index)
    font = ImageFont.load_default(size=220)
    pen.text((WIDTH - 80, HEIGHT - 60), initials, fill=(255, 255, 255), font=font, anchor="rd", stroke_width=6, stroke_fill=dark)
    return picture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=Path(__file__).resolve().parents[1] / "content")
    options = parser.parse_args()
    media = options.content / "media"
    media.mkdir(exist_ok=True)
    for folder, record_id, alt in PICTURES:
        initials = alt.rsplit(" ", 1)[-1]
        draw(record_id, initials).save(media / f"{record_id}.jpg", "JPEG", quality=85, optimize=True)
        path = options.content / folder / f"{record_id}.yml"
        text = path.read_text(encoding="utf-8")
        record = read_yaml(text).value
        record["image"] = {"file": f"media/{record_id}.jpg", "alt": alt, "licence": "cc0", "credit": "communs (image de démonstration)"}
        path.write_text(update_record(text, record, "actor" if folder.startswith("actors") else "event"), encoding="utf-8")
        print(f"{path} ← media/{record_id}.jpg")


if __name__ == "__main__":
    main()
