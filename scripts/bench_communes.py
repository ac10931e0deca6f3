"""How fast the commune suggestions answer (the contribution form asks at each key press): the
median and slowest time per query of ``Communes.search`` over typical typed names, after one
warm-up query, and the time to load the reference.

    python scripts/bench_communes.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from communs.records.communes import Communes  # noqa: E402

QUERIES = ["sant denis", "saint den", "bordeux", "l'etang", "ploumanach", "x", "aix en provance"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="times each query is asked")
    options = parser.parse_args()
    started = time.perf_counter()
    communes = Communes.load()
    loaded = time.perf_counter() - started
    communes.search("warm up")
    times = []
    for _run in range(options.runs):
        for query in QUERIES:
            begin = time.perf_counter()
            communes.search(query)
            times.append(time.perf_counter() - begin)
    print(f"reference of {len(communes)} communes loaded in {loaded * 1000:.0f} ms")
    print(f"search: median {statistics.median(times) * 1000:.2f} ms, slowest {max(times) * 1000:.2f} ms per query "
          f"({len(QUERIES)} queries × {options.runs} runs; the form asks at each key press)")


if __name__ == "__main__":
    main()
