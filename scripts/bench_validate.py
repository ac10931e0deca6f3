"""Benchmark of ``communs validate`` on a synthetic directory (10,000 actors, 5,000 events, 500 communes).

Prints, for each scenario, the median wall time and peak memory over several runs of the real
command, and the ratio against a baseline measured in this same process: loading every file with
PyYAML's C loader and nothing else (the floor any YAML-based validator stands on).

    python scripts/bench_validate.py [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from synthetic import generate  # noqa: E402

MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
)


def measure(command: list[str], cwd: Path, runs: int) -> tuple[float, float, int]:
    """Median seconds, peak MiB (largest process), exit status of ``command``."""
    times, peaks, status = [], [], 0
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"))
    for _ in range(runs):
        output = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, env=environment, capture_output=True, text=True, check=True)
        seconds, peak_kib, status_text = output.stdout.split()
        times.append(float(seconds))
        peaks.append(int(peak_kib) / 1024)
        status = int(status_text)
    return statistics.median(times), max(peaks), status


def baseline(content: Path) -> float:
    start = time.perf_counter()
    for path in sorted(content.rglob("*.yml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--communes", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="write the synthetic tree here and keep it")
    arguments = parser.parse_args()

    work = arguments.keep or Path(tempfile.mkdtemp(prefix="communs-bench-"))
    try:
        start = time.perf_counter()
        counts = generate(work, arguments.actors, arguments.events, arguments.communes)
        repository = git.Repo.init(work)
        with repository.config_writer() as config:
            config.set_value("user", "name", "bench")
            config.set_value("user", "email", "bench@example.org")
        repository.git.add("content")
        repository.index.commit("synthetic directory")
        print(f"corpus: {counts['actors']} actors, {counts['events']} events, {counts['communes']} communes "
              f"({sum(p.stat().st_size for p in (work / 'content').rglob('*.yml')) / 1e6:.1f} MB) written in {time.perf_counter() - start:.1f} s")

        floor = statistics.median(baseline(work / "content") for _ in range(arguments.runs))
        print(f"baseline (PyYAML C loader, every file, one process): {floor:.2f} s")

        command = [sys.executable, "-m", "communs.cli", "validate", "--content", "content"]
        results = {}
        for label, extra in (("full, all cores", []), ("full, --jobs 1", ["--jobs", "1"])):
            seconds, peak, status = measure(command + extra, work, arguments.runs)
            results[label] = seconds
            print(f"{label:<32} {seconds:6.2f} s  peak {peak:6.0f} MiB  exit {status}  x{seconds / floor:.2f} baseline")

        changed = sorted((work / "content" / "actors").rglob("*.yml"))[1234]
        changed.write_text(changed.read_text(encoding="utf-8").replace("status: active", "status: inactive"), encoding="utf-8")
        seconds, peak, status = measure(command + ["--changed-since", "HEAD"], work, arguments.runs)
        print(f"{'--changed-since, 1 file changed':<32} {seconds:6.2f} s  peak {peak:6.0f} MiB  exit {status}  x{seconds / floor:.2f} baseline")
        results["changed-since"] = seconds
        print(json.dumps({"baseline": round(floor, 3), **{k: round(v, 3) for k, v in results.items()}}))
    finally:
        if arguments.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
