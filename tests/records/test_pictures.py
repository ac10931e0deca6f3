"""Pictures of records: each refusal with its message; the published copies are resized, upright,
without any metadata (EXIF, GPS), in WebP and JPEG; an unchanged picture is not encoded again; the
demo's pages show theirs with srcset, alt, credit and licence."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

from conftest import ACTOR, ROOT, only
from PIL import Image
from picture_helpers import IMAGE, save

from communs.records.directory import load_directory
from communs.site import pictures


def with_image(tree, text: str = IMAGE):
    return tree.actor(ACTOR + text)


def test_a_picture_beside_its_record_is_valid(tree):
    save(tree.content / "media" / "compagnie-ti-kaz.jpg")
    with_image(tree)
    report = tree.validate()
    assert report.ok, [(p.code, p.message) for p in report.problems]


def test_a_missing_picture_is_refused(tree):
    with_image(tree)
    found = only(tree.validate(), "picture-missing")
    assert found.message == "Le fichier media/compagnie-ti-kaz.jpg n'existe pas dans le dossier des fiches : versez l'image avec la fiche." and found.pointer == "/image/file"


def test_a_picture_named_after_another_record_is_refused(tree):
    save(tree.content / "media" / "autre.jpg")
    with_image(tree, IMAGE.replace("media/compagnie-ti-kaz.jpg", "media/autre.jpg"))
    assert "pas media/autre.jpg" in only(tree.validate(), "picture-name").message


def test_a_path_out_of_the_media_folder_is_refused_by_the_schema(tree):
    with_image(tree, IMAGE.replace("media/compagnie-ti-kaz.jpg", "../../secret.jpg"))
    assert "media/<identifiant de la fiche>.jpg" in only(tree.validate(), "bad-format").message


def test_a_file_that_is_not_an_image_is_refused(tree):
    (tree.content / "media").mkdir(parents=True)
    (tree.content / "media" / "compagnie-ti-kaz.jpg").write_text("<html>pas une image</html>")
    with_image(tree)
    assert "n'est pas une image lisible (un document, une page web ou un format inconnu ?)" in only(tree.validate(), "picture-invalid").message


def test_a_png_named_jpg_is_refused(tree):
    save(tree.content / "media" / "compagnie-ti-kaz.jpg", fmt="PNG")
    with_image(tree)
    assert only(tree.validate(), "picture-invalid").message == "Le fichier est une image PNG, pas JPEG comme son nom le dit : renommez-le ou convertissez-le."


def test_a_tiny_picture_is_refused(tree):
    save(tree.content / "media" / "compagnie-ti-kaz.jpg", size=(120, 80))
    with_image(tree)
    assert only(tree.validate(), "picture-invalid").message == "L'image fait 120 × 80 pixels : au moins 320 × 200 pour rester nette."


def test_a_picture_too_heavy_or_too_large_to_decode_is_refused(tree):
    noise = Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3))
    path = tree.content / "media" / "compagnie-ti-kaz.png"
    path.parent.mkdir(parents=True)
    noise.save(path, "PNG")
    assert path.stat().st_size > 5_000_000
    with_image(tree, IMAGE.replace(".jpg", ".png"))
    assert "au plus 5 Mo" in only(tree.validate(), "picture-invalid").message
    save(path, size=(8000, 6000), fmt="PNG")  # small file, 48 million pixels: a decompression bomb
    assert "trop grande pour être lue sans risque" in only(tree.validate(), "picture-invalid").message


def test_an_unknown_licence_or_a_missing_description_is_refused(tree):
    save(tree.content / "media" / "compagnie-ti-kaz.jpg")
    with_image(tree, IMAGE.replace("licence: cc-by", "licence: libre").replace("  alt: La salle de la compagnie pendant un atelier\n", ""))
    codes = {p.code: p.message for p in tree.validate().problems}
    assert "missing-field" in codes and "« alt »" in codes["missing-field"]
    assert "not-in-list" in codes and "cc0, cc-by, cc-by-sa, licence-ouverte, accord-acteur" in codes["not-in-list"]


def test_published_copies_are_upright_resized_and_without_metadata(tree, tmp_path):
    original = Image.new("RGB", (1600, 1000), (200, 120, 40))
    exif = original.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "Appareil de test"
    exif.get_ifd(0x8825)[2] = (20.0, 52.0, 0.0)  # GPS latitude
    path = tree.content / "media" / "compagnie-ti-kaz.jpg"
    path.parent.mkdir(parents=True)
    original.save(path, "JPEG", exif=exif)
    assert b"Appareil de test" in path.read_bytes()
    with_image(tree)
    directory, report = load_directory(tree.content, jobs=1)
    assert report.ok
    output = tmp_path / "output"
    published = pictures.publish(directory, tree.content, output)["compagnie-ti-kaz"]
    assert [w for _url, w in published.jpeg] == [320, 640, 1000] and (published.width, published.height) == (1000, 1600)  # upright: portrait
    for url, width in published.jpeg + published.webp:
        data = (output / url.lstrip("/")).read_bytes()
        assert b"Appareil de test" not in data and b"Exif" not in data
        with Image.open(io.BytesIO(data)) as copy:
            assert copy.width == width and not copy.getexif() and copy.height > copy.width
    # Built again: nothing encoded again; the picture changed: new names, the old ones removed.
    times = {p.name: p.stat().st_mtime_ns for p in (output / "media").iterdir()}
    again = pictures.publish(directory, tree.content, output)["compagnie-ti-kaz"]
    assert again == published and {p.name: p.stat().st_mtime_ns for p in (output / "media").iterdir()} == times
    save(path, colour=(10, 10, 200))
    directory, _report = load_directory(tree.content, jobs=1)
    changed = pictures.publish(directory, tree.content, output)["compagnie-ti-kaz"]
    assert changed.digest != published.digest
    assert sorted(p.name for p in (output / "media").iterdir()) == sorted(url.rsplit("/", 1)[1] for url, _w in changed.jpeg + changed.webp)


def test_the_demo_shows_its_pictures(demo_site):
    with_pictures = [p for p in (ROOT / "content").glob("*/*/*.yml") if "\nimage:\n" in p.read_text(encoding="utf-8")]
    assert len(with_pictures) >= 10
    html = (demo_site / "acteurs" / "bisiklet-solider" / "index.html").read_text(encoding="utf-8")
    figure = re.search(r'<figure class="record-picture">.*?</figure>', html, re.S).group(0)
    assert re.search(r'<source type="image/webp" srcset="/media/bisiklet-solider-[0-9a-f]{10}-320\.webp 320w, [^"]+ 640w, [^"]+ 1280w"', figure)
    assert 'loading="lazy"' in figure and 'alt="Dessin abstrait : deux roues de vélo stylisées' in figure and 'width="1280" height="720"' in figure
    assert 'CC0 1.0 (domaine public)</a>' in figure and "communs (image de démonstration)" in figure
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["image"]["@type"] == "ImageObject" and data["image"]["license"].startswith("https://creativecommons.org/publicdomain/zero/")
    assert '<meta property="og:title" content="Bisiklèt Solidèr' in html and "og:image" not in html  # no public address in the demo: no preview image
    for url in re.findall(r'(/media/[^" ,]+)', figure):
        assert (demo_site / url.lstrip("/")).is_file()


def test_a_truncated_or_16_bit_picture_is_refused_before_it_can_break_the_build(tree):
    path = save(tree.content / "media" / "compagnie-ti-kaz.jpg")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # verify() alone lets a cut JPEG through
    with_image(tree)
    assert "n'est pas une image lisible (incomplet ou abîmé" in only(tree.validate(), "picture-invalid").message
    png = tree.content / "media" / "compagnie-ti-kaz.png"
    Image.new("I;16", (800, 600), 30000).save(png, "PNG")
    tree.actor(ACTOR + IMAGE.replace(".jpg", ".png"))
    assert "mode I;16" in only(tree.validate(), "picture-invalid").message
