"""A picture sent with a record through the form: checked by the validator's own rules, written
again without its metadata, and committed beside the record.

The upload is untrusted bytes. ``check_picture`` (``communs.records.pictures``) reads its header
first, so a file that is not a JPEG, PNG or WebP image, is too heavy, too small or has too many
pixels to decode safely is refused before any pixel is decoded. An accepted picture is decoded
once and encoded again in its own format from its pixels alone (``communs.site.pictures.plain``):
upright, in sRGB, with nothing of the original's EXIF (GPS position, camera, date), XMP, comment
or profile, and at most ``MAX_SIDE`` pixels on its longer side (the site publishes 1,280 at
most; the repository need not keep a 50-megapixel original). Its name comes from the record's
id alone (``media/<id>.<jpg|png|webp>``), never from the uploaded file's name.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from communs.i18n import _
from communs.records.pictures import FORMATS, MEDIA, check_picture
from communs.site.pictures import plain

MAX_SIDE = 2560
JPEG_QUALITY = 90
WEBP_QUALITY = 90
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
TEXT_FIELDS = ("alt", "licence", "credit")  # what the person writes; ``file`` is the service's
FILE_POINTER = "/image/file"


@dataclass(frozen=True)
class Cleaned:
    data: bytes
    extension: str
    width: int
    height: int


class PictureRefused(ValueError):
    """The upload is not a usable picture; the message says why, in French."""


def cleaned(upload: bytes) -> Cleaned:
    """The upload checked, then written again from its pixels alone (raises PictureRefused)."""
    from PIL import Image

    message = check_picture(upload, None)
    if message:
        raise PictureRefused(message)
    with Image.open(io.BytesIO(upload)) as opened:
        found = opened.format
        if opened.mode in ("1", "P"):  # reduced in colour: a palette would be reduced pixel by pixel
            picture = plain(opened)
            picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        else:  # reduced first (a JPEG decoded at a smaller scale where it can): the rest works on less
            opened.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            picture = plain(opened)
    options: dict[str, Any] = {
        "JPEG": {"quality": JPEG_QUALITY, "optimize": True},
        "PNG": {"optimize": True},
        "WEBP": {"quality": WEBP_QUALITY, "method": 4},
    }[found]
    output = io.BytesIO()
    picture.save(output, found, **options)
    return Cleaned(output.getvalue(), EXTENSIONS[found], picture.width, picture.height)


@dataclass
class PicturePlan:
    """What a submission does with its record's picture."""

    image: dict | None = None  # the record's ``image`` block (None: the record has no picture)
    changes: dict[str, bytes | None] = field(default_factory=dict)  # repository path -> bytes, or None to delete
    brought: dict[str, bytes] = field(default_factory=dict)  # for the validator: ``media/<id>.<ext>`` -> bytes
    problems: list[dict] = field(default_factory=list)  # what to fix, as validator problems
    note: str = ""  # for the pull request

    @property
    def refused_upload(self) -> bool:
        return any(p["pointer"] == FILE_POINTER for p in self.problems)


def plan(record_id: str, given: Any, original: Any, upload: Cleaned | PictureRefused | None, remove: bool) -> PicturePlan:
    """The picture of a created or corrected record. ``given`` is the ``image`` block the person
    wrote (alt, licence, credit; any ``file`` in it is ignored), ``original`` the record's picture
    before a correction, ``upload`` the file sent with it (``cleaned``, or why it was refused). A
    new upload replaces the picture; ``remove`` takes it away; otherwise a correction keeps it
    (with the words the person changed)."""
    words = {key: given[key] for key in TEXT_FIELDS if isinstance(given, Mapping) and isinstance(given.get(key), str) and given[key].strip()}
    before = original if _named_after(original, record_id) else None
    if isinstance(upload, PictureRefused):
        # The words are still checked (all mistakes at once); the file's own problem is this one.
        return PicturePlan(image={"file": (before or {}).get("file") or f"{MEDIA}/{record_id}.jpg", **words},
                           problems=[_problem("picture-invalid", str(upload))])
    if upload is not None:
        file = f"{MEDIA}/{record_id}.{upload.extension}"
        changes: dict[str, bytes | None] = {f"content/{file}": upload.data}
        if before and before["file"] != file:
            changes[f"content/{before['file']}"] = None
        note = _("Image : {file}, {width} × {height} pixels, réenregistrée sans ses métadonnées (EXIF, position GPS).").format(file=file, width=upload.width, height=upload.height)
        return PicturePlan(image={"file": file, **words}, changes=changes, brought={file: upload.data}, note=note)
    if before and remove:
        return PicturePlan(changes={f"content/{before['file']}": None}, note=_("Image retirée : {file}.").format(file=before["file"]))
    if before:
        return PicturePlan(image={**before, **words})
    if words and not remove:
        return PicturePlan(problems=[_problem("picture-without-file", _(
            "Vous avez décrit une image sans joindre son fichier : choisissez le fichier de l'image (JPEG, PNG ou WebP), ou videz ses champs."))])
    return PicturePlan()


def removed_with(original: Any, record_id: str) -> dict[str, None]:
    """A record's deletion takes its picture with it."""
    return {f"content/{original['file']}": None} if _named_after(original, record_id) else {}


def _named_after(image: Any, record_id: str) -> bool:
    """Whether a record's ``image`` names its file as the rule says (``media/<id>.<ext>``): the
    only files a submission replaces or deletes, whatever the record's file says."""
    if not isinstance(image, Mapping) or not isinstance(image.get("file"), str):
        return False
    folder, _slash, name = image["file"].partition("/")
    stem, _dot, extension = name.rpartition(".")
    return folder == MEDIA and stem == record_id and extension in FORMATS


def _problem(code: str, message: str) -> dict:
    return {"file": None, "line": None, "column": None, "record_id": None, "pointer": FILE_POINTER, "code": code, "severity": "error", "message": message}
