"""A picture sent with a record, through the API (multipart) and the HTML form, against real Git
repositories: committed with the record under its own name, without any metadata, upright; kept,
replaced or removed by a correction; every refusal in French, with nothing written or pushed."""

from __future__ import annotations

import io
import json
import os
import socket
from pathlib import Path

import git
import pytest
import yaml
from conftest import ROOT
from PIL import ExifTags, Image
from service_helpers import NEW_ACTOR, RunningService, demo_remote
from test_service import branches, changed_files, client, remote, token  # noqa: F401 - client and remote are fixtures

from communs.records.validation import validate

WORDS = {"alt": "Une fresque colorée peinte par les jeunes du quartier sur un mur", "licence": "cc-by", "credit": "Atelier Zot Koulèr"}
RED, BLUE = (220, 30, 30), (30, 30, 220)
OWNER = "Marie Payet"  # in the photo's EXIF, XMP and comment: never in the repository


def photo(size=(600, 400), *, fmt="JPEG", orientation: int | None = None, mode="RGB") -> bytes:
    """A picture as a phone makes it: left half red, right half blue, with the owner's name, the
    camera and the GPS position in its EXIF, an XMP packet and a comment."""
    image = Image.new(mode, size, RED if mode == "RGB" else (*RED, 255))
    image.paste(BLUE if mode == "RGB" else (*BLUE, 128), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Fotofon"
    exif[ExifTags.Base.Artist] = OWNER
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (20.0, 52.0, 48.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (55.0, 27.0, 12.0)
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    output = io.BytesIO()
    extra = {"comment": OWNER.encode(), "xmp": f"<x:xmpmeta><dc:creator>{OWNER}</dc:creator></x:xmpmeta>".encode()} if fmt == "JPEG" else {}
    image.save(output, fmt, exif=exif, **extra)
    return output.getvalue()


def send(client, record: dict, picture: bytes | None, *, action="create", kind="actor", filename="photo.jpg", **extra):
    """As the form's script sends: the submission as JSON beside the file in one multipart request,
    or JSON alone without a file."""
    payload = {"kind": kind, "action": action, "record": record, "token": token(client), **extra}
    if picture is None:
        return client.post("/api/submissions", json=payload)
    return client.post("/api/submissions", data={"submission": json.dumps(payload)}, files={"picture": (filename, picture, "image/jpeg")})


def read_back(remote: Path, branch: str, path: str) -> bytes:
    return git.Repo(remote).git.show(f"{branch}:{path}", stdout_as_string=False)


def assert_without_metadata(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    assert len(picture.getexif()) == 0 and not ({"exif", "xmp", "comment", "icc_profile"} & set(picture.info)), picture.info.keys()
    assert OWNER.encode() not in data and b"Fotofon" not in data and b"Exif" not in data
    return picture


def nothing_written(client, remote: Path, before: dict) -> None:
    assert branches(remote) == before
    assert not list((Path(client.app.state.service.config.data_dir) / "submissions").glob("*.json"))


# Accepted ----------------------------------------------------------------------------------------

def test_a_phone_photo_is_committed_with_its_record_upright_and_without_metadata(client, remote, tmp_path):
    # The uploaded name and a file named in the record are ignored: the record's id names it.
    record = {**NEW_ACTOR, "image": {**WORDS, "file": "media/compagnie-ti-kaz.jpg"}}
    answer = send(client, record, photo(orientation=6), filename="../../IMG_2041.JPG")
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    assert sorted(changed_files(remote, branch)) == ["content/actors/97411/atelier-zot-kouler.yml", "content/media/atelier-zot-kouler.jpg"]
    assert len(list(git.Repo(remote).iter_commits(f"main..{branch}"))) == 1  # one commit: the record and its picture
    text = read_back(remote, branch, "content/actors/97411/atelier-zot-kouler.yml").decode()
    assert yaml.safe_load(text)["image"] == {"file": "media/atelier-zot-kouler.jpg", **WORDS}
    picture = assert_without_metadata(read_back(remote, branch, "content/media/atelier-zot-kouler.jpg"))
    # Orientation 6 applied: the 600 × 400 photo stands 400 × 600, its left (red) half on top.
    assert picture.format == "JPEG" and picture.size == (400, 600)
    top, bottom = picture.convert("RGB").getpixel((200, 100)), picture.convert("RGB").getpixel((200, 500))
    assert top[0] > 180 and top[2] < 80 and bottom[2] > 180 and bottom[0] < 80, (top, bottom)
    # The reviewer reads what happened to the picture; the branch passes CI's validation.
    assert "sans ses métadonnées" in git.Repo(remote).commit(branch).message
    checkout = tmp_path / "checkout"
    git.Repo.clone_from(remote, checkout, branch=branch)
    report = validate(checkout / "content")
    assert report.ok, [(p.file, p.message) for p in report.errors]


def test_the_same_picture_sent_twice_opens_one_request(client, remote):
    record = {**NEW_ACTOR, "image": WORDS}
    first, second = send(client, record, photo()), send(client, record, photo())
    assert first.json()["receipt"] == second.json()["receipt"]
    assert len([b for b in branches(remote) if b.startswith("contrib/")]) == 1


def test_a_large_photo_is_reduced_and_a_transparent_logo_stays_a_png(client, remote):
    big = Image.new("RGB", (4000, 3000), RED)
    output = io.BytesIO()
    big.save(output, "JPEG", quality=70)
    answer = send(client, {**NEW_ACTOR, "image": WORDS}, output.getvalue())
    assert answer.status_code == 202, answer.text
    assert Image.open(io.BytesIO(read_back(remote, answer.json()["branch"], "content/media/atelier-zot-kouler.jpg"))).size == (2560, 1920)
    logo = send(client, {**NEW_ACTOR, "name": "Logo Zot Koulèr", "image": WORDS}, photo(fmt="PNG", mode="RGBA"), filename="logo.png")
    assert logo.status_code == 202, logo.text
    assert "content/media/logo-zot-kouler.png" in changed_files(remote, logo.json()["branch"])
    kept = assert_without_metadata(read_back(remote, logo.json()["branch"], "content/media/logo-zot-kouler.png"))
    assert kept.format == "PNG" and kept.mode == "RGBA" and kept.getpixel((500, 10))[3] == 128


def test_the_html_form_without_javascript_sends_a_picture(client, remote):
    fields = {"form_kind": "actor", "action": "create", "token": token(client), "name": NEW_ACTOR["name"], "kind": "association",
              "summary": NEW_ACTOR["summary"], "themes": "culture", "commune": "97411",
              "image.alt": WORDS["alt"], "image.licence": WORDS["licence"], "image.credit": WORDS["credit"]}
    answer = client.post("/contribuer/", data=fields, files={"picture": ("photo.jpg", photo(), "image/jpeg")})
    assert answer.status_code == 202 and "Numéro de reçu" in answer.text, answer.text[:2000]
    branch = next(b for b in branches(remote) if b.startswith("contrib/"))
    assert yaml.safe_load(read_back(remote, branch, "content/actors/97411/atelier-zot-kouler.yml"))["image"] == {"file": "media/atelier-zot-kouler.jpg", **WORDS}
    assert_without_metadata(read_back(remote, branch, "content/media/atelier-zot-kouler.jpg"))


def test_a_refused_html_form_asks_for_the_file_again_and_keeps_its_words(client, remote):
    before = branches(remote)
    fields = {"form_kind": "actor", "action": "create", "token": token(client), "name": NEW_ACTOR["name"], "kind": "association",
              "summary": "court", "themes": "culture", "commune": "97411", "image.alt": WORDS["alt"], "image.licence": "cc-by"}
    answer = client.post("/contribuer/", data=fields, files={"picture": ("photo.jpg", photo(), "image/jpeg")})
    assert answer.status_code == 422
    assert "Choisissez de nouveau le fichier de l'image : le navigateur ne le garde pas après un envoi refusé." in answer.text
    assert WORDS["alt"] in answer.text and 'value="cc-by" data-widget="select" checked' in answer.text
    nothing_written(client, remote, before)


def test_the_correction_page_says_which_picture_the_record_has(client):
    page = client.get("/contribuer/actor/compagnie-lamer-move").text
    assert "Cette fiche a déjà une image : « Dessin abstrait : des vagues bleues" in page and 'name="remove_picture"' in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page and 'enctype="multipart/form-data"' in page
    assert 'name="remove_picture"' not in client.get("/contribuer/actor/compagnie-ti-kaz").text  # no picture to remove


# Corrections ---------------------------------------------------------------------------------------

LAMER = "content/actors/97407/compagnie-lamer-move.yml"


def lamer() -> dict:
    record = yaml.safe_load((ROOT / LAMER).read_text(encoding="utf-8"))
    return {key: value for key, value in record.items() if key != "image"}  # as the form sends it: words only


def test_a_correction_that_does_not_touch_the_picture_keeps_it(client, remote):
    answer = send(client, {**lamer(), "summary": "Cirque et danse de rue : acrobatie, moringue et musiques du port."}, None, action="update")
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    assert changed_files(remote, branch) == [LAMER]
    assert yaml.safe_load(read_back(remote, branch, LAMER))["image"] == yaml.safe_load((ROOT / LAMER).read_text())["image"]


def test_a_correction_changes_the_words_of_the_picture_without_sending_it_again(client, remote):
    answer = send(client, {**lamer(), "image": {"alt": "Des vagues bleues, un soleil couchant et les initiales LM"}}, None, action="update")
    branch = answer.json()["branch"]
    assert changed_files(remote, branch) == [LAMER]
    image = yaml.safe_load(read_back(remote, branch, LAMER))["image"]
    assert image["alt"] == "Des vagues bleues, un soleil couchant et les initiales LM" and image["file"] == "media/compagnie-lamer-move.jpg" and image["licence"] == "cc0"


def test_a_correction_replaces_the_picture_with_one_of_another_format(client, remote):
    answer = send(client, {**lamer(), "image": WORDS}, photo(fmt="PNG"), action="update", filename="nouveau.png")
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    diff = git.Repo(remote).git.diff("--name-status", "main", branch).splitlines()
    assert sorted(diff) == sorted([f"M\t{LAMER}", "A\tcontent/media/compagnie-lamer-move.png", "D\tcontent/media/compagnie-lamer-move.jpg"])
    assert yaml.safe_load(read_back(remote, branch, LAMER))["image"] == {"file": "media/compagnie-lamer-move.png", **WORDS}


def test_a_correction_removes_the_picture_and_a_deletion_takes_it_along(client, remote):
    answer = send(client, lamer(), None, action="update", remove_picture=True)
    assert answer.status_code == 202, answer.text
    branch = answer.json()["branch"]
    assert sorted(git.Repo(remote).git.diff("--name-status", "main", branch).splitlines()) == ["D\tcontent/media/compagnie-lamer-move.jpg", f"M\t{LAMER}"]
    assert "image" not in yaml.safe_load(read_back(remote, branch, LAMER))
    deleted = send(client, {"id": "la-kour-piton"}, None, action="delete", message="Le lieu a fermé ses portes.")
    assert deleted.status_code == 202, deleted.text
    assert sorted(git.Repo(remote).git.diff("--name-status", "main", deleted.json()["branch"]).splitlines()) == [
        "D\tcontent/actors/97413/la-kour-piton.yml", "D\tcontent/media/la-kour-piton.jpg"]


# Refused, in French, with nothing written --------------------------------------------------------

def noise_png(size: tuple[int, int]) -> bytes:
    output = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(output, "PNG")
    return output.getvalue()


def solid(size: tuple[int, int], fmt: str = "PNG", mode: str = "RGB") -> bytes:
    output = io.BytesIO()
    Image.new(mode, size).save(output, fmt)
    return output.getvalue()


REFUSED_FILES = {
    "pdf": (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
            "Ce fichier n'est pas une image lisible (un document, une page web ou un format inconnu ?) : enregistrez-la en JPEG, PNG ou WebP."),
    "html": (b"<!doctype html><html><body><script>alert(1)</script></body></html>",
             "Ce fichier n'est pas une image lisible (un document, une page web ou un format inconnu ?) : enregistrez-la en JPEG, PNG ou WebP."),
    "gif": (solid((640, 480), "GIF"), "Le fichier est une image GIF : enregistrez-la en JPEG, PNG ou WebP."),
    "trop-lourde": (noise_png((1300, 1295)), "L'image pèse 5,1 Mo : au plus 5 Mo. Réduisez-la (2 000 pixels de large suffisent)."),
    "trop-petite": (solid((200, 150)), "L'image fait 200 × 150 pixels : au moins 320 × 200 pour rester nette."),
    "trop-de-pixels": (solid((8000, 6000), mode="1"), "L'image fait 8000 × 6000 pixels : trop grande pour être lue sans risque (au plus 40 millions de pixels)."),
}


@pytest.mark.parametrize("name", REFUSED_FILES)
def test_a_file_that_is_not_a_usable_picture_is_refused(client, remote, name):
    data, message = REFUSED_FILES[name]
    before = branches(remote)
    answer = send(client, {**NEW_ACTOR, "image": WORDS}, data, filename="photo.jpg")
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert [(e["field"], e["message"], e["anchor"]) for e in errors] == [("image", message, "champ-image-fichier")]
    nothing_written(client, remote, before)


@pytest.mark.parametrize(("missing", "message"), [
    ("alt", "Le champ obligatoire « Description de l'image » manque dans « image »."),
    ("licence", "Le champ obligatoire « Licence de l'image » manque dans « image »."),
])
def test_a_picture_without_its_description_or_licence_is_refused(client, remote, missing, message):
    before = branches(remote)
    words = {key: value for key, value in WORDS.items() if key != missing}
    answer = send(client, {**NEW_ACTOR, "image": words}, photo())
    assert answer.status_code == 422
    assert [(e["field"], e["message"]) for e in answer.json()["errors"]] == [(f"image.{missing}", message)]
    nothing_written(client, remote, before)


def test_a_licence_out_of_the_list_is_refused(client, remote):
    before = branches(remote)
    answer = send(client, {**NEW_ACTOR, "image": {**WORDS, "licence": "tous droits réservés"}}, photo())
    assert [(e["field"], e["message"]) for e in answer.json()["errors"]] == [("image.licence", "« Licence de l'image » : « tous droits réservés » — Cette licence n'est pas dans la liste. Valeurs possibles : cc0, cc-by, cc-by-sa, licence-ouverte, accord-acteur.")]
    nothing_written(client, remote, before)


def test_words_of_a_picture_without_its_file_are_refused(client, remote):
    before = branches(remote)
    answer = send(client, {**NEW_ACTOR, "image": WORDS}, None)
    assert [(e["field"], e["message"]) for e in answer.json()["errors"]] == [("image", "Vous avez décrit une image sans joindre son fichier : choisissez le fichier de l'image (JPEG, PNG ou WebP), ou videz ses champs.")]
    nothing_written(client, remote, before)


def test_a_deletion_carries_no_picture(client, remote):
    before = branches(remote)
    answer = send(client, {"id": "compagnie-ti-kaz"}, photo(), action="delete", message="Fermée.")
    assert answer.status_code == 422 and answer.json()["message"] == "Une demande de suppression ne porte pas d'image : retirez le fichier joint."
    nothing_written(client, remote, before)


def test_a_call_to_take_part_takes_no_picture(client, remote):
    before = branches(remote)
    call = yaml.safe_load((ROOT / "content/calls/97407/mecaniciens-benevoles-atelier-velo.yml").read_text(encoding="utf-8"))
    record = {**{key: value for key, value in call.items() if key != "id"}, "title": "Bénévoles pour l'atelier vélo du dimanche"}
    answer = send(client, record, photo(), kind="call")
    assert answer.status_code == 422 and answer.json()["message"] == "Ce type de fiche n'a pas d'image : retirez le fichier joint."
    nothing_written(client, remote, before)
    assert send(client, record, None, kind="call").status_code == 202  # the same call without the file is taken


def test_two_files_in_one_submission_are_refused(client, remote):
    before = branches(remote)
    payload = {"kind": "actor", "action": "create", "record": {**NEW_ACTOR, "image": WORDS}, "token": token(client)}
    answer = client.post("/api/submissions", data={"submission": json.dumps(payload)},
                         files=[("picture", ("a.jpg", photo(), "image/jpeg")), ("picture", ("b.jpg", photo(), "image/jpeg"))])
    assert answer.status_code == 400 and "porte plus d'un fichier" in answer.json()["message"]
    nothing_written(client, remote, before)


def test_an_oversized_body_is_refused_from_its_declared_length(client, remote):
    before = branches(remote)
    payload = {"kind": "actor", "action": "create", "record": {**NEW_ACTOR, "image": WORDS}, "token": token(client)}
    answer = client.post("/api/submissions", data={"submission": json.dumps(payload)}, files={"picture": ("photo.jpg", os.urandom(6_000_000), "image/jpeg")})
    assert answer.status_code == 413
    assert answer.json()["message"] == "L'envoi est trop volumineux : l'image doit peser 5 Mo au plus. Choisissez-en une plus légère, ou réduisez-la."
    nothing_written(client, remote, before)


def test_an_oversized_body_is_refused_before_it_is_all_sent(tmp_path):
    """A real server, and a client that announces 50 MB (or sends chunks without saying how many):
    the refusal comes while most of the body is still unsent."""
    remote = demo_remote(tmp_path, ROOT / "content")
    with RunningService(repository=str(remote), data_dir=str(tmp_path / "service"), min_fill_seconds=0) as service:
        for media, chunked in (("multipart/form-data; boundary=x", False), ("application/json", False), ("multipart/form-data; boundary=x", True)):
            with socket.create_connection(("127.0.0.1", service.port), timeout=20) as connection:
                framing = "Transfer-Encoding: chunked" if chunked else "Content-Length: 50000000"
                connection.sendall(f"POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {media}\r\n{framing}\r\n\r\n".encode())
                if chunked:  # 5.2 MB, just past what a submission with a picture may weigh
                    chunk = b"x" * 65536
                    connection.sendall((f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") * 80)
                answer = b""
                while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < int(answer.lower().split(b"content-length: ")[1].split(b"\r\n")[0]):
                    answer += connection.recv(65536)
            head, body = answer.decode("utf-8").split("\r\n\r\n", 1)
            assert head.startswith("HTTP/1.1 413"), head
            assert json.loads(body)["message"].startswith("L'envoi est trop volumineux" if media.startswith("multipart") else "La demande est trop volumineuse")
    assert [b.name for b in git.Repo(remote).branches] == ["main"]
