"""Latency of the contribution service: submissions one by one, then 50 at once, then one by one
with a phone photo (12 megapixels, EXIF with a GPS position) that the service checks, reduces and
writes again without metadata.

Runs the real service (uvicorn) against a local bare repository holding the demo content and
prints the service-side time of each submission (its Server-Timing header) as p50/p95, with the
client-side round trip beside it.

    python scripts/bench_contrib.py [--one-by-one 20] [--concurrent 50] [--pictures 10]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "tests")]

from service_helpers import RunningService, demo_remote  # noqa: E402


def record(number: int) -> dict:
    return {
        "name": f"Association de mesure numéro {number}",
        "kind": "association",
        "summary": f"Une association créée pour mesurer le service, numéro {number}.",
        "themes": ["vivre-ensemble"],
        "commune": "97411",
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def phone_photo() -> bytes:
    """A 4032 × 3024 JPEG as a phone writes it: smooth gradients with some grain, GPS in its EXIF."""
    from PIL import ExifTags, Image, ImageChops

    size = (4032, 3024)
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    blue = ImageChops.add(red.rotate(90).resize(size), Image.effect_noise(size, 24), scale=1.6)
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "S", (20.0, 52.0, 48.0)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (55.0, 27.0, 12.0)
    exif[ExifTags.Base.Orientation] = 6
    output = io.BytesIO()
    Image.merge("RGB", (red, green, blue)).save(output, "JPEG", quality=88, exif=exif)
    return output.getvalue()


def send(url: str, token: str, number: int, picture: bytes | None = None) -> tuple[float, float, str]:
    payload = {"kind": "actor", "action": "create", "record": record(number), "token": token}
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=120) as client:
        if picture is None:
            answer = client.post("/api/submissions", json=payload)
        else:
            payload["record"]["image"] = {"alt": "Une photo de mesure : des dégradés de couleurs", "licence": "cc0", "credit": "communs"}
            answer = client.post("/api/submissions", data={"submission": json.dumps(payload)}, files={"picture": ("photo.jpg", picture, "image/jpeg")})
    elapsed = (time.perf_counter() - started) * 1000
    server = float(answer.headers["server-timing"].split("dur=")[1])
    return server, elapsed, answer.json().get("status", str(answer.status_code))


def report(label: str, results: list[tuple[float, float, str]]) -> dict:
    server = [r[0] for r in results]
    client = [r[1] for r in results]
    statuses = sorted({r[2] for r in results})
    print(f"{label:<22} n={len(results):3d}  service p50 {statistics.median(server):7.1f} ms  p95 {percentile(server, 0.95):7.1f} ms"
          f"   round trip p50 {statistics.median(client):7.1f} ms  p95 {percentile(client, 0.95):7.1f} ms   status {statuses}")
    return {"n": len(results), "p50_ms": round(statistics.median(server), 1), "p95_ms": round(percentile(server, 0.95), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one-by-one", type=int, default=20)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--pictures", type=int, default=10)
    arguments = parser.parse_args()
    photo = phone_photo()
    with tempfile.TemporaryDirectory(prefix="communs-contrib-bench-") as folder:
        root = Path(folder)
        remote = demo_remote(root, ROOT / "content")
        total = arguments.one_by_one + arguments.concurrent + arguments.pictures
        with RunningService(repository=str(remote), data_dir=str(root / "service"), min_fill_seconds=0, submissions_per_hour=10_000) as service:
            with httpx.Client(base_url=service.url, timeout=60) as client:
                client.get("/api/duplicates", params={"name": "warm up", "commune": "97411"})
                tokens = [client.get("/api/form-token").json()["token"] for _ in range(total)]
            serial = [send(service.url, tokens[n], n) for n in range(arguments.one_by_one)]
            with ThreadPoolExecutor(max_workers=arguments.concurrent) as pool:
                parallel = list(pool.map(lambda n: send(service.url, tokens[n], n), range(arguments.one_by_one, arguments.one_by_one + arguments.concurrent)))
            pictured = [send(service.url, tokens[n], n, photo) for n in range(arguments.one_by_one + arguments.concurrent, total)]
        figures = {"one_by_one": report("one by one", serial), "concurrent": report(f"{arguments.concurrent} at once", parallel)}
        if pictured:
            figures["with_picture"] = report(f"with a {len(photo) / 1e6:.1f} MB photo", pictured)
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
