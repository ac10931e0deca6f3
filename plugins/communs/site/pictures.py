"""Pictures of records, published: resized, without metadata, in WebP and JPEG, at build time.

For each record with an ``image``, the original (``content/media/<id>.<ext>``, checked by
``communs.records.pictures``) is turned upright (EXIF orientation), flattened on white when it has
transparency, and written at a few widths (``WIDTHS``, never enlarged) as WebP and JPEG under
``/media/<id>-<digest>-<width>.<webp|jpg>``, where ``digest`` is a hash of the original's bytes,
the widths and the encoder settings. Nothing of the original's metadata is copied: no EXIF, no GPS
position, no camera, no author field. A file already published under its digest is not encoded
again (an unchanged image costs one hash); published files that no record names any more are
removed.

Pages get a ``Picture``: its sources for ``<picture>``/``srcset``, its size (to reserve the space),
its description, licence and credit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from communs.records.directory import Directory

WIDTHS = (320, 640, 1280)
JPEG_QUALITY = 82
WEBP_QUALITY = 80
FOLDER = "media"
ORIENTATION = 0x0112  # the EXIF tag
ENCODING = f"w{'-'.join(map(str, WIDTHS))}-j{JPEG_QUALITY}-w{WEBP_QUALITY}"


@dataclass(frozen=True)
class Picture:
    record_id: str
    alt: str
    credit: str
    licence: str  # the licence's words
    licence_url: str | None
    width: int  # of the largest copy
    height: int
    jpeg: tuple[tuple[str, int], ...]  # (site URL, width), smallest first
    webp: tuple[tuple[str, int], ...]
    digest: str

    @property
    def src(self) -> str:
        return self.jpeg[-1][0]

    def srcset(self, site_url: str, kind: str) -> str:
        return ", ".join(f"{site_url}{url} {width}w" for url, width in (self.jpeg if kind == "jpeg" else self.webp))


def licences(directory: Directory) -> dict[str, tuple[str, str | None]]:
    branches = directory.schemas.by_file["defs.schema.json"]["$defs"]["picture"]["properties"]["licence"]["oneOf"]
    return {branch["const"]: (branch["title"], branch.get("x-url")) for branch in branches}


def _widths(width: int) -> list[int]:
    """The widths to publish of a picture ``width`` pixels wide (never enlarged)."""
    chosen = [w for w in WIDTHS if w < width]
    top = min(width, WIDTHS[-1])
    return chosen if top in chosen else [*chosen, top]


def publish(directory: Directory, content_dir: Path, output: Path) -> dict[str, Picture]:
    """Publish the picture of every record that has one; record id -> Picture."""
    from PIL import Image

    folder = output / FOLDER
    named = licences(directory)
    found: dict[str, Picture] = {}
    wanted: set[str] = set()
    for record in (*directory.actors.values(), *directory.events.values()):
        image = record.data.get("image")
        if not isinstance(image, dict):
            continue
        source = content_dir / image["file"]
        data = source.read_bytes()
        digest = hashlib.blake2b(data + ENCODING.encode(), digest_size=5).hexdigest()
        with Image.open(source) as opened:
            # The size, upright, from the header (orientations 5 to 8 turn it a quarter): an
            # unchanged picture is not decoded at all.
            width, height = opened.size
            if opened.getexif().get(ORIENTATION) in (5, 6, 7, 8):
                width, height = height, width
            widths = _widths(width)
            names = {(w, ext): f"{record.id}-{digest}-{w}.{ext}" for w in widths for ext in ("jpg", "webp")}
            wanted.update(names.values())
            if not all((folder / name).is_file() for name in names.values()):
                folder.mkdir(parents=True, exist_ok=True)
                flat = _flattened(plain(opened))
                for w in widths:
                    copy = flat if w == width else flat.resize((w, max(1, round(height * w / width))), Image.Resampling.LANCZOS)
                    # Written beside, then renamed: a build stopped halfway leaves no half file
                    # that the next one would take for done.
                    for extension, options in (("jpg", {"format": "JPEG", "quality": JPEG_QUALITY, "optimize": True, "progressive": True}),
                                               ("webp", {"format": "WEBP", "quality": WEBP_QUALITY, "method": 4})):
                        target = folder / names[(w, extension)]
                        partial = target.with_name(target.name + ".part")
                        copy.save(partial, **options)
                        partial.replace(target)
        largest = widths[-1]
        words, address = named.get(image["licence"], (image["licence"], None))
        found[record.id] = Picture(
            record_id=record.id, alt=image["alt"], credit=image["credit"], licence=words, licence_url=address,
            width=largest, height=max(1, round(height * largest / width)),
            jpeg=tuple((f"/{FOLDER}/{names[(w, 'jpg')]}", w) for w in widths),
            webp=tuple((f"/{FOLDER}/{names[(w, 'webp')]}", w) for w in widths),
            digest=digest,
        )
    if folder.is_dir():
        for stale in folder.iterdir():
            if stale.is_file() and stale.name not in wanted:
                stale.unlink()
    return found


def plain(picture):
    """The picture's pixels, upright (EXIF orientation applied), in sRGB (a photo in Display P3 or
    Adobe RGB converted with its ICC profile, not just stripped of it), transparency kept; a new
    image: no metadata follows (no EXIF, GPS position, XMP, comment, profile)."""
    from PIL import Image, ImageOps

    picture = ImageOps.exif_transpose(picture)
    alpha = picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)
    mode = "RGBA" if alpha else "L" if picture.mode in ("1", "L") else "RGB"
    profile = picture.info.get("icc_profile")
    if profile and mode != "L":
        import io

        from PIL import ImageCms

        try:
            picture = ImageCms.profileToProfile(picture.convert(mode), ImageCms.ImageCmsProfile(io.BytesIO(profile)), ImageCms.createProfile("sRGB"), outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels as they are
    return Image.frombytes(mode, picture.size, picture.convert(mode).tobytes())


def _flattened(picture):
    """A ``plain`` picture in RGB, transparency on white (JPEG has no alpha)."""
    from PIL import Image

    if picture.mode == "RGBA":
        flat = Image.new("RGB", picture.size, (255, 255, 255))
        flat.paste(picture, mask=picture.getchannel("A"))
        return flat
    return picture.convert("RGB")
