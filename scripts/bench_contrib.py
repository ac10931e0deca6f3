"""Latency of the contribution service: submissions one by one, then 50 at once.

Runs the real service (uvicorn) against a local bare repository holding the demo content and
prints the service-side time of each submission (its Server-Timing header) as p50/p95, with the
client-side round trip beside it.

    python scripts/bench_contrib.py [--one-by-one 20] [--concurrent 50]
"""

from __future__ import annotations

import argparse
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


def send(url: str, token: str, number: int) -> tuple[float, float, str]:
    payload = {"kind": "actor", "action": "create", "record": record(number), "token": token}
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=120) as client:
        answer = client.post("/api/submissions", json=payload)
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
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="communs-contrib-bench-") as folder:
        root = Path(folder)
        remote = demo_remote(root, ROOT / "content")
        total = arguments.one_by_one + arguments.concurrent
        with RunningService(repository=str(remote), data_dir=str(root / "service"), min_fill_seconds=0, submissions_per_hour=10_000) as service:
            with httpx.Client(base_url=service.url, timeout=60) as client:
                client.get("/api/duplicates", params={"name": "warm up", "commune": "97411"})
                tokens = [client.get("/api/form-token").json()["token"] for _ in range(total)]
            serial = [send(service.url, tokens[n], n) for n in range(arguments.one_by_one)]
            with ThreadPoolExecutor(max_workers=arguments.concurrent) as pool:
                parallel = list(pool.map(lambda n: send(service.url, tokens[n], n), range(arguments.one_by_one, total)))
        figures = {"one_by_one": report("one by one", serial), "concurrent": report(f"{arguments.concurrent} at once", parallel)}
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
