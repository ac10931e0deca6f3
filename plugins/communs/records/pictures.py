"""A record's picture (``image``): a file of ``content/media/``, named after the record, that is a
real image of a reasonable size.

The file is read with Pillow, which decodes the header and checks the data (``verify``) without
decoding the pixels; a file whose content is not the format its name says, a picture too small to
show, too heavy to send to phones (over 5 MB) or too large to decode safely (over 40 megapixels:
a "decompression bomb") is refused with a French message. The site publishes resized copies
without their metadata (``communs.site.pictures``); the original stays in the repository.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from communs.fingerprints import bytes_digest
from communs.i18n import _
from communs.records.problems import Problem
from communs.records.record import Record

MEDIA = "media"
MAX_BYTES = 5_000_000
MAX_PIXELS = 40_000_000
MIN_WIDTH, MIN_HEIGHT = 320, 200
FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "YCbCr"})  # 8 bits a channel


def limits() -> dict[str, int | str]:
    """What a form tells before a picture is sent, and its script checks (the service checks again)."""
    accept = ",".join(sorted({f"image/{name.lower()}" for name in FORMATS.values()}))
    return {"max_bytes": MAX_BYTES, "max_pixels": MAX_PIXELS, "min_width": MIN_WIDTH, "min_height": MIN_HEIGHT, "accept": accept}


def content_root(record_path: Path) -> Path:
    """The content folder of a record file (``<content>/<actors|events>/<commune>/<id>.yml``)."""
    return record_path.parents[2]


def picture_file(record: Record) -> str | None:
    """The picture file a record names (``media/<id>.jpg``), relative to the content folder."""
    image = record.data.get("image")
    return image["file"] if isinstance(image, dict) and isinstance(image.get("file"), str) else None


def picture_state(path: Path) -> str:
    """What a picture's verdict depends on: the digest of its bytes, or why none are read (absent,
    a link, too heavy: those verdicts need no decoding)."""
    if not path.is_file() or path.is_symlink() or path.parent.is_symlink():  # a link could lead anywhere
        return "missing"
    size = path.stat().st_size
    return f"size:{size}" if size > MAX_BYTES else bytes_digest(path.read_bytes())


def picture_problems(record: Record, record_path: Path, brought: Mapping[str, bytes] | None = None,
                     verdicts: MutableMapping[str, str | None] | None = None) -> list[Problem]:
    """The problems of a record's picture; ``brought`` holds files that a contribution brings with
    the record (by their name in it, ``media/<id>.jpg``), checked instead of the tree's.
    ``verdicts`` (picture state and format -> message or None) spares decoding a picture already
    judged: the validation cache keeps them by digest."""
    file = picture_file(record)
    if file is None:
        return []
    pointer = "/image/file"
    name, _dot, extension = file.rpartition("/")[2].rpartition(".")
    if name != record.id or extension not in FORMATS:
        return [record.problem("picture-name", _("L'image se nomme d'après la fiche : media/{id}.jpg (ou .png, .webp), pas {file}.").format(id=record.id, file=file), pointer)]
    if brought and file in brought:
        message = check_picture(brought[file], FORMATS[extension])
        return [record.problem("picture-invalid", message, pointer)] if message else []
    path = content_root(record_path) / file
    state = picture_state(path)
    if state == "missing":
        return [record.problem("picture-missing", _("Le fichier {file} n'existe pas dans le dossier des fiches : versez l'image avec la fiche.").format(file=file), pointer)]
    if verdicts is None:
        message = check_picture(path, FORMATS[extension])
    else:
        key = f"{state}:{FORMATS[extension]}"
        if key not in verdicts:
            verdicts[key] = check_picture(path, FORMATS[extension])
        message = verdicts[key]
    return [record.problem("picture-invalid", message, pointer)] if message else []


def check_picture(source: Path | bytes, expected: str | None) -> str | None:
    """Why the file at ``source`` (or these bytes) is not a usable picture of format ``expected``
    (None: it is); with ``expected`` None, any of the allowed formats will do (an upload, whose
    name says nothing)."""
    from PIL import Image, UnidentifiedImageError

    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size > MAX_BYTES:
        return _("L'image pèse {size} Mo : au plus {limit} Mo. Réduisez-la (2 000 pixels de large suffisent).").format(size=f"{size / 1_000_000:.1f}".replace(".", ","), limit=MAX_BYTES // 1_000_000)
    try:
        with Image.open(_readable(source)) as picture:
            found, (width, height) = picture.format, picture.size
            if width * height > MAX_PIXELS:
                return _("L'image fait {width} × {height} pixels : trop grande pour être lue sans risque (au plus {limit} millions de pixels).").format(width=width, height=height, limit=MAX_PIXELS // 1_000_000)
            picture.verify()
            mode = picture.mode
        with Image.open(_readable(source)) as picture:
            picture.load()  # verify() does not decode JPEG data: a truncated file fails only here
    except UnidentifiedImageError:  # before OSError, of which it is a kind
        return _("Ce fichier n'est pas une image lisible (un document, une page web ou un format inconnu ?) : enregistrez-la en JPEG, PNG ou WebP.")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return _("Ce fichier n'est pas une image lisible (incomplet ou abîmé : l'envoi s'est peut-être interrompu) : enregistrez-la de nouveau en JPEG, PNG ou WebP.")
    if mode not in MODES:
        return _("L'image est en mode {mode} (16 bits ou autre) : enregistrez-la en couleurs 8 bits (RVB), en JPEG, PNG ou WebP.").format(mode=mode)
    if expected is None and found not in FORMATS.values():
        return _("Le fichier est une image {found} : enregistrez-la en JPEG, PNG ou WebP.").format(found=found)
    if expected is not None and found != expected:
        return _("Le fichier est une image {found}, pas {expected} comme son nom le dit : renommez-le ou convertissez-le.").format(found=found, expected=expected)
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _("L'image fait {width} × {height} pixels : au moins {min_width} × {min_height} pour rester nette.").format(width=width, height=height, min_width=MIN_WIDTH, min_height=MIN_HEIGHT)
    return None


def _readable(source: Path | bytes) -> Path | io.BytesIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source
