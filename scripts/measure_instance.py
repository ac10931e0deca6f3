#!/usr/bin/env python3
"""How long a territory waits from `communs init` to a built site.

Runs, in a scratch folder, what the README tells a town hall to run: `communs init` for a
territory (Clermont Auvergne Métropole by default), `communs validate`, `communs build`; prints
each step's wall-clock time and the total, the median of several runs.

    python scripts/measure_instance.py [--communs PATH] [--territory 246300701] [--runs 3]

--communs is the command to time (default: the one beside this Python, e.g. .venv/bin/communs;
give a fresh environment's to time an installed wheel).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = ("init", "validate", "build")


def measure(communs: str, territory: str) -> dict[str, float]:
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="communs-instance-") as scratch:
        instance = Path(scratch) / "annuaire"
        commands = {
            "init": ([communs, "init", str(instance), "--territory", territory, "--forge", "github", "--project", "ville/annuaire",
                      "--maintainer", "@ville/annuaire"], Path(scratch)),
            "validate": ([communs, "validate"], instance),
            "build": ([communs, "build"], instance),
        }
        for step in STEPS:
            command, cwd = commands[step]
            started = time.perf_counter()
            result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
            timings[step] = time.perf_counter() - started
            if result.returncode != 0:
                sys.exit(f"{step} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        pages = sum(1 for _page in (instance / "output").rglob("*.html"))
        timings["pages"] = pages
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communs", default=str(Path(sys.executable).with_name("communs")))
    parser.add_argument("--territory", default="246300701")
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    runs = [measure(arguments.communs, arguments.territory) for _run in range(arguments.runs)]
    for step in STEPS:
        print(f"{step:>8}: {statistics.median(r[step] for r in runs):5.2f} s")
    totals = [sum(r[step] for step in STEPS) for r in runs]
    print(f"{'total':>8}: {statistics.median(totals):5.2f} s (median of {len(runs)}; min {min(totals):.2f} s, max {max(totals):.2f} s; "
          f"{int(runs[0]['pages'])} pages)")


if __name__ == "__main__":
    main()
