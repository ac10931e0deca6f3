"""Benchmark of ``communs import csv`` on a synthetic associations register (10,000 and 50,000 rows).

The register has the shape of a département's: every row in one of La Réunion's 24 communes, a
mapping file, a long column the mapping ignores (rows of about 4 KB: 50,000 rows make a 200 MB
file), and one row in fifty a near-duplicate of an earlier one (a typo, words swapped). Each size is
imported into an empty folder by the real command in a child process; the script prints its rows
per second, peak memory (largest process) and the duplicates it found, and the ratio against a
baseline measured in this same process: reading every row with the csv module and nothing else.

    python scripts/bench_import.py [--rows 10000 50000] [--dry-run] [--code DIR] [--keep DIR]

``--code DIR`` measures another checkout's ``plugins`` folder (e.g. a worktree of main), to
compare before and after.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from synthetic import WORDS  # noqa: E402

COMMUNES = ["97401", "97402", "97403", "97404", "97405", "97406", "97407", "97408", "97409", "97410", "97411", "97412",
            "97413", "97414", "97415", "97416", "97417", "97418", "97419", "97420", "97421", "97422", "97423", "97424"]
PREFIXES = ["Association", "Collectif", "Club", "Amicale", "Compagnie", "Les Amis du", "Comité", ""]
DOMAINS = ["Culture et loisirs", "Sports", "Jardins partagés", "Solidarité"]
MAPPING = """[columns]
id = "N° RNA"
name = "Nom de l'association"
summary = "Objet"
themes = "Domaine"
insee = "Code INSEE"
[values]
kind = "association"
[maps.themes]
"Culture et loisirs" = "culture"
"Sports" = "sport"
"Jardins partagés" = ["environnement", "alimentation"]
"Solidarité" = "vivre-ensemble"
"""
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
    "sys.stderr.buffer.write(done.stdout)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
)


def _typo(rng: random.Random, name: str) -> str:
    words = name.split()
    spot = max(range(len(words)), key=lambda index: len(words[index]))
    word = words[spot]
    at = rng.randrange(1, len(word) - 1)
    words[spot] = word[:at] + word[at + 1:]  # one letter dropped from the longest word
    if len(words) > 2 and rng.random() < 0.5:
        words[-1], words[-2] = words[-2], words[-1]
    return " ".join(words)


def write_register(path: Path, rows: int, seed: int = 974) -> int:
    """The register's CSV (UTF-8, ";"); returns how many rows are planted near-duplicates."""
    rng = random.Random(seed)
    filler = " ".join(rng.choices(WORDS, k=600))[:3800]
    planted = 0
    names: list[tuple[str, str]] = []
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(["N° RNA", "Nom de l'association", "Objet", "Domaine", "Code INSEE", "Notes"])
        for number in range(rows):
            if names and number % 50 == 49:
                name, commune = rng.choice(names[-2000:])
                name = _typo(rng, name)
                planted += 1
            else:
                words = " ".join(word.capitalize() for word in rng.sample(WORDS, rng.randint(2, 4)))
                name = f"{rng.choice(PREFIXES)} {words}".strip()
                commune = rng.choice(COMMUNES)
                names.append((name, commune))
            summary = " ".join(rng.choices(WORDS, k=rng.randint(8, 20))).capitalize() + "."
            writer.writerow([f"W9R{number:07d}", name, summary, rng.choice(DOMAINS), commune, filler])
    return planted


def baseline(path: Path) -> float:
    """Seconds to read every row with the csv module."""
    start = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as stream:
        for _row in csv.reader(stream, delimiter=";"):
            pass
    return time.perf_counter() - start


def measure(command: list[str], cwd: Path, code: Path) -> tuple[float, float, int, dict]:
    """Seconds, peak MiB (largest process), exit status and JSON report of ``command``."""
    environment = dict(os.environ, PYTHONPATH=str(code))
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, env=environment, capture_output=True, text=True, check=True)
    seconds, peak_kib, status = done.stdout.split()
    try:
        report = json.loads(done.stderr)
    except ValueError:
        report = {}
    return float(seconds), int(peak_kib) / 1024, int(status), report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--dry-run", action="store_true", help="import without writing nor validating the records")
    parser.add_argument("--code", type=Path, default=ROOT / "plugins", help="the plugins folder to measure (default: this checkout's)")
    parser.add_argument("--keep", type=Path, help="write the registers and imported records here and keep them")
    arguments = parser.parse_args()

    work = arguments.keep or Path(tempfile.mkdtemp(prefix="communs-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "mapping.toml").write_text(MAPPING, encoding="utf-8")
    summary = {}
    try:
        print(f"code: {arguments.code}{'  (--dry-run)' if arguments.dry_run else ''}")
        for rows in arguments.rows:
            source = work / f"registre-{rows}.csv"
            planted = write_register(source, rows)
            floor = baseline(source)
            content = work / f"content-{rows}"
            shutil.rmtree(content, ignore_errors=True)
            command = [sys.executable, "-m", "communs.cli", "import", "csv", str(source), "--mapping", str(work / "mapping.toml"),
                       "--content", str(content), "--format", "json", "--jobs", "2"] + (["--dry-run"] if arguments.dry_run else [])
            seconds, peak, status, report = measure(command, work, arguments.code)
            counts = report.get("counts", {})
            print(f"{rows:>7,} rows ({source.stat().st_size / 1e6:5.0f} MB): {seconds:7.1f} s  {rows / seconds:7.0f} rows/s  peak {peak:6.0f} MiB  "
                  f"exit {status}  created {counts.get('created', '?')}  duplicates {counts.get('duplicates', '?')} (planted {planted})  "
                  f"x{seconds / floor:.0f} baseline (csv module: {floor:.2f} s)")
            summary[rows] = {"seconds": round(seconds, 2), "rows_per_second": round(rows / seconds), "peak_mib": round(peak), "exit": status,
                             "created": counts.get("created"), "duplicates": counts.get("duplicates"), "baseline": round(floor, 3)}
        print(json.dumps(summary))
    finally:
        if arguments.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
