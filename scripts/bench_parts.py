"""Peak memory of the build, whole process tree, for one machine and for the parts of the site.

On a synthetic directory (``synthetic.generate``, committed to a throw-away Git repository, with
SOURCE_DATE_EPOCH fixed as in bench_build), each measured command runs as a child process while
a sampler reads ``/proc`` every 0.2 s for it and all its descendants (page workers, git,
Pagefind): the peak of the sum of their PSS (proportional set size: a page shared by forked
workers counts once, split among them), the peak of the sum of their RSS (shared pages counted
in each process), and the largest single process's RSS. Linux only (``/proc``).

What it measures, each cold (fresh output and cache):

1. ``communs build --part <the largest département>`` (by its own records), with how many
   records that part reads (its own and those its pages show);
2. ``communs build --part commun`` (every page of no commune, the whole-directory exports, feeds,
   sitemap; it validates the whole directory);
3. unless ``--no-one-machine``, ``communs build`` of the whole site on one machine;
4. with ``--all-parts``, every part one after the other, then ``communs assemble`` (wall time
   of the assembly, and of the parts summed as one runner would take them).

The default corpus is L (100,000 actors, 50,000 events, 3,120 communes); ``--keep DIR`` keeps the
corpus and outputs there and reuses a corpus of the same size already there.

    python scripts/bench_parts.py [--actors 100000] [--events 50000] [--communes 3120]
                                  [--keep DIR] [--no-one-machine] [--all-parts] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "plugins"))

from bench_build import NATIONAL_CONF, child_environment, write_corpus  # noqa: E402

TARGET_MIB = 3 * 1024
SAMPLE_SECONDS = 0.2


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        found.setdefault(int(fields[1]), []).append(int(entry.name))
    return found


def _tree(pid: int) -> list[int]:
    children, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB, (0, 0) once it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except (OSError, ValueError):
        return 0, 0
    return pss, rss


def measure(command: list[str], log: Path, cwd: Path) -> dict:
    """Run ``command``; wall seconds and peak memory (MiB) of its process tree."""
    peaks = {"tree_pss": 0, "tree_rss": 0, "largest_rss": 0}
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=child_environment(), stdout=output, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                began = time.perf_counter()
                memories = [_memory_kib(pid) for pid in _tree(process.pid)]
                peaks["tree_pss"] = max(peaks["tree_pss"], sum(pss for pss, _rss in memories))
                peaks["tree_rss"] = max(peaks["tree_rss"], sum(rss for _pss, rss in memories))
                peaks["largest_rss"] = max(peaks["largest_rss"], max((rss for _pss, rss in memories), default=0))
                # Reading PSS walks a process's page tables: at most a tenth of a core for the sampler.
                done.wait(max(SAMPLE_SECONDS, 10 * (time.perf_counter() - began)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status = process.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"command failed (exit {status}): {' '.join(command)}\n{log.read_text(encoding='utf-8', errors='replace')[-3000:]}")
    return {"seconds": round(seconds, 1), **{name: round(kib / 1024) for name, kib in peaks.items()}}


def corpus(work: Path, actors: int, events: int, communes: int) -> Path:
    """The synthetic directory under ``work`` (reused when one of the same size is there)."""
    marker = work / "corpus.json"
    wanted = {"actors": actors, "events": events, "communes": communes}
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted and (work / ".git").is_dir():
        return work / "content"
    shutil.rmtree(work / "content", ignore_errors=True)
    shutil.rmtree(work / ".git", ignore_errors=True)
    started = time.perf_counter()
    write_corpus(work, actors, events, communes)
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    print(f"corpus written and committed in {time.perf_counter() - started:.0f} s")
    return work / "content"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--communes", type=int, default=3_120)
    parser.add_argument("--keep", type=Path, help="write the corpus and outputs here and keep them (a corpus of the same size is reused)")
    parser.add_argument("--no-one-machine", action="store_true", help="do not build the whole site on one machine")
    parser.add_argument("--all-parts", action="store_true", help="build every part, then assemble them")
    parser.add_argument("--jobs", type=int, help="communs build --jobs (default: one per core)")
    arguments = parser.parse_args()

    from communs.records.content import scan
    from communs.site import parts

    work = arguments.keep.resolve() if arguments.keep else Path(tempfile.mkdtemp(prefix="communs-bench-parts-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        content = corpus(work, arguments.actors, arguments.events, arguments.communes)
        settings = work / "national.py"
        settings.write_text(NATIONAL_CONF.format(cache=str(work / "cache")), encoding="utf-8")  # each build names its own --cache
        files, _strays = scan(content)
        own = Counter(parts.key_of(source.folder) for source in files)
        keys = parts.keys(files)
        largest = max((key for key in keys if key != parts.COMMON), key=lambda key: (own[key], key))
        started = time.perf_counter()
        reads, _own = parts.part_files(files, largest)
        finding = time.perf_counter() - started
        print(f"{len(files)} records in {len(keys) - 1} départements; largest part {largest}: {own[largest]} records of its own, "
              f"{len(reads)} read with those its pages show (found in {finding:.1f} s); {os.cpu_count()} CPUs")

        def build(output: str, *extra: str) -> list[str]:
            for folder in (work / output, work / f"{output}-cache"):
                shutil.rmtree(folder, ignore_errors=True)
            command = [sys.executable, "-m", "communs.cli", "build", "--content", str(content), "--settings", str(settings),
                       "--output", str(work / output), "--cache", str(work / f"{output}-cache"), *extra]
            return command + (["--jobs", str(arguments.jobs)] if arguments.jobs else [])

        results: dict[str, dict] = {}
        results[f"part {largest} (largest département)"] = measure(build(f"part-{largest}", "--part", largest), work / f"part-{largest}.log", ROOT)
        results["part commun"] = measure(build("part-commun", "--part", parts.COMMON), work / "part-commun.log", ROOT)
        if not arguments.no_one_machine:
            results["one machine (whole site)"] = measure(build("one"), work / "one.log", ROOT)
        if arguments.all_parts:
            total = {"seconds": 0.0, "tree_pss": 0, "tree_rss": 0, "largest_rss": 0}
            for key in keys:
                figures = measure(build(f"parts/{key}", "--part", key), work / "part.log", ROOT)
                total = {"seconds": total["seconds"] + figures["seconds"], **{k: max(total[k], figures[k]) for k in ("tree_pss", "tree_rss", "largest_rss")}}
            results[f"all {len(keys)} parts, one after the other"] = {**total, "seconds": round(total["seconds"], 1)}
            shutil.rmtree(work / "site", ignore_errors=True)
            results["assemble"] = measure([sys.executable, "-m", "communs.cli", "assemble", *(str(work / "parts" / key) for key in keys), str(work / "site")],
                                          work / "assemble.log", ROOT)

        print()
        print(f"{'build (cold)':<42} {'seconds':>8} {'tree PSS MiB':>13} {'tree RSS MiB':>13} {'largest process MiB':>20} {'< 3 GB':>7}")
        for name, figures in results.items():
            print(f"{name:<42} {figures['seconds']:8.1f} {figures['tree_pss']:13d} {figures['tree_rss']:13d} {figures['largest_rss']:20d} "
                  f"{'yes' if figures['tree_pss'] < TARGET_MIB else 'NO':>7}")
        print()
        print("tree PSS = peak of the summed proportional set sizes of the build and all its descendants (shared pages counted once); "
              "tree RSS = peak of their summed resident sizes (shared pages counted in each); sampled every 0.2 s")
        print(json.dumps({"records": len(files), "largest_part": largest, "largest_part_own": own[largest], "largest_part_reads": len(reads),
                          "cpus": os.cpu_count(), "builds": results}, ensure_ascii=False))
    finally:
        if arguments.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
