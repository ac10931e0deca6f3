"""A record's picture for tests: the image block an actor's file names, and a real image file."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

IMAGE = "image:\n  file: media/compagnie-ti-kaz.jpg\n  alt: La salle de la compagnie pendant un atelier\n  licence: cc-by\n  credit: Compagnie Ti Kaz\n"


def save(path: Path, size=(1200, 800), colour=(11, 93, 82), fmt="JPEG", **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, fmt, **options)
    return path
