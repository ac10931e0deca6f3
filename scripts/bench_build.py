"""Benchmark of ``communs build`` on a synthetic directory (10,000 actors, 5,000 events, 500 communes).

What it measures, each as a child process (wall time, peak memory):

1. a cold full build (``python -m communs.cli build``: validation, Pelican, the plugin's pages,
   maps, exports and feeds, then the Pagefind index) of a synthetic directory committed to a
   throw-away Git repository, with SOURCE_DATE_EPOCH fixed so that the build is deterministic;
   pages (``*.html``), output size, and the gzip weight of the commune page with the most actors
   (its HTML with the inline map script, its ``carte.geojson`` and the site's own CSS/JS it
   links, vendor libraries and map tiles excluded);
2. a second build on the unchanged output (no-change rebuild) and how many files it touched, then
   a rebuild after editing one actor's summary (what a volunteer's correction costs);
3. a baseline: plain Pelican (default theme "notmyidea", no plugins) on as many Markdown articles
   as there are records, with text of comparable size (title, date, category, tags, summary,
   body). Pelican defaults are kept (pagination off, default Atom/RSS feeds, direct templates
   index/tags/categories/authors/archives); only RELATIVE_URLS=True and TIMEZONE are set.
   ``--baseline-articles N`` builds only N articles and extrapolates linearly (labelled so).

Peak memory is ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper process: the largest single
process among the build and its children (page workers, git, Pagefind), not their sum.

With ``--stages auto`` (default; ``always``/``never``) and a full build over 60 s, one more cold
build runs in-process with timers around each stage (validation, Git history, pages, exports,
feeds, Pagefind, the rest = Pelican itself and start-up) to show where the time goes.

    python scripts/bench_build.py [--actors 10000] [--events 5000] [--communes 500] [--runs 1]
                                  [--keep DIR] [--skip-baseline] [--baseline-articles N]
                                  [--stages auto|always|never]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from synthetic import WORDS, description, generate, sentence  # noqa: E402

# The build's "today" (2026-08-15 00:00 UTC): the synthetic events (2026-09-01 + up to 400
# days) are all upcoming, and two builds of the same inputs give the same bytes.
SOURCE_DATE_EPOCH = int(datetime(2026, 8, 15, tzinfo=timezone.utc).timestamp())
GIT_DATE = "2026-08-01T12:00:00+04:00"
# The reference settings, without their perimeter (La Réunion): the synthetic corpus spans France.
NATIONAL_CONF = (
    "import sys\n"
    f"sys.path.insert(0, {str(ROOT)!r})\n"
    "from pelicanconf import *  # noqa: F403\n"
    "COMMUNS = {**COMMUNS, 'perimeter': ''}  # noqa: F405\n"
)
GZIP_LEVEL = 6  # what web servers commonly use on the fly

# Runs a command, then prints its wall time, the peak RSS (KiB) of the largest descendant it
# waited for, and its exit status. The command's output goes to a log file (argv[1]).
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "with open(sys.argv[1], 'wb') as log:\n"
    "    done = subprocess.run(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)\n"
)

# One cold build in-process, with timers around each stage; prints a JSON object.
STAGES = r"""
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from communs import cli
from communs.site import plugin as site
timings = {"start-up (imports)": time.perf_counter() - started}
counts = {}

def timed(name, function):
    def wrapper(*args, **kwargs):
        begin = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - begin
    return wrapper

cli.validate = timed("validation", cli.validate)
from communs.site import searchindex
site.read_history = timed("git history", site.read_history)
searchindex.index_parts = timed("Pagefind (a thread beside exports)", searchindex.index_parts)
original_build_site = site.build_site
def build_site(*args, **kwargs):
    steps = original_build_site(*args, **kwargs)
    for name, value in steps.items():
        # build_site reports counters (pages rendered, search parts rebuilt) beside its timers
        (counts if isinstance(value, int) else timings)[name] = value
    return steps
site.build_site = build_site
status = cli._build(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), None, quiet=True)
total = time.perf_counter() - started
# the Pagefind thread runs beside the exports: only the main thread's wait for it ("search_wait")
# adds to the wall time, so the thread's own time is shown but left out of the sum
PARALLEL = "Pagefind (a thread beside exports)"
measured = sum(seconds for name, seconds in timings.items() if name != PARALLEL)
timings["Pelican itself and the rest"] = total - measured
print(json.dumps({"status": status, "total": total, "stages": timings, "counts": counts}))
"""


def child_environment() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), SOURCE_DATE_EPOCH=str(SOURCE_DATE_EPOCH), PYTHONHASHSEED="0")


def measure(command: list[str], cwd: Path, log: Path) -> tuple[float, float]:
    """Seconds and peak MiB (largest single process) of ``command``; fails loudly on error."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(log), *command], cwd=cwd, env=child_environment(), capture_output=True, text=True, check=True)
    seconds, peak_kib, status = done.stdout.split()
    if int(status) != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise SystemExit(f"command failed (exit {status}): {' '.join(command)}\n{tail}")
    return float(seconds), int(peak_kib) / 1024


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """mtime and content digest of every file under ``folder``."""
    return {
        path.relative_to(folder).as_posix(): (path.stat().st_mtime_ns, hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest())
        for path in folder.rglob("*") if path.is_file()
    }


def count_pages(folder: Path) -> int:
    return sum(1 for _path in folder.rglob("*.html"))


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


def commit(work: Path) -> None:
    """The synthetic records in one commit at a fixed date (the build reads the Git history)."""
    environment = dict(os.environ, GIT_AUTHOR_DATE=GIT_DATE, GIT_COMMITTER_DATE=GIT_DATE)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "--quiet"], cwd=work, check=True, env=environment)
    subprocess.run([*git, "add", "content"], cwd=work, check=True, env=environment)
    subprocess.run([*git, "commit", "--quiet", "--allow-empty", "-m", "synthetic directory"], cwd=work, check=True, env=environment)


def commune_weight(content: Path, output: Path) -> dict:
    """Gzip weight of the commune page with the most actors, its map data and the site's own assets."""
    actors = Counter({folder.name: sum(1 for _f in folder.glob("*.yml")) for folder in (content / "actors").iterdir() if folder.is_dir()})
    code, count = sorted(actors.items(), key=lambda item: (-item[1], item[0]))[0]
    page_dir = next((output / "communes").glob(f"{code}-*/"))
    html = (page_dir / "index.html").read_bytes()
    geojson = (page_dir / "carte.geojson").read_bytes()
    inline = b"".join(re.findall(rb"<script>(.*?)</script>", html, flags=re.S))
    assets = {}
    for reference in sorted(set(re.findall(rb'(?:src|href)="(/[^"]+\.(?:js|css))"', html))):
        url = reference.decode()
        if url.startswith(("/theme/vendor/", "/pagefind/")):
            continue  # vendor libraries (cached across pages) and the search UI, loaded on demand
        path = output / url.lstrip("/")
        if path.is_file():
            assets[url] = gzipped(path.read_bytes())
    weight = {
        "commune": code, "actors": count, "page": page_dir.relative_to(output).as_posix() + "/",
        "html_bytes": len(html), "html_gz": gzipped(html), "inline_script_bytes": len(inline),
        "geojson_bytes": len(geojson), "geojson_gz": gzipped(geojson), "assets_gz": assets,
    }
    weight["total_gz"] = weight["html_gz"] + weight["geojson_gz"] + sum(assets.values())
    return weight


BASELINE_CONF = """\
# Plain Pelican, as a new user gets it: default theme (notmyidea), no plugins, default feeds,
# pagination off (Pelican's default), default direct templates.
AUTHOR = "bench"
SITENAME = "Plain Pelican baseline"
SITEURL = ""
PATH = "content"
TIMEZONE = "Indian/Reunion"
DEFAULT_LANG = "fr"
RELATIVE_URLS = True
"""


def generate_articles(target: Path, articles: int, communes: int, seed: int = 2026) -> None:
    """Markdown articles with the synthetic records' text sizes: one per record, category = commune."""
    rng = random.Random(seed)
    places = [f"Commune {number:03d}" for number in range(communes)]
    first_day = datetime(2025, 9, 1, 10, 0)
    folder = target / "content"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(articles):
        title = f"{rng.choice(['Association', 'Collectif', 'Atelier', 'Fête', 'Concert', 'Marché'])} {sentence(rng, 2, 4)[:-1]} {number}"
        day = first_day + timedelta(days=rng.randint(0, 400), hours=rng.randint(0, 9))
        tags = ", ".join(sorted({w for w in rng.sample(WORDS, 3)}))
        text = (
            f"Title: {title}\n"
            f"Date: {day:%Y-%m-%d %H:%M}\n"
            f"Category: {places[number % communes]}\n"
            f"Tags: {tags}\n"
            f"Slug: article-{number}\n"
            f"Summary: {sentence(rng, 6, 25)}\n"
            "\n"
            f"{description(rng)}"
        )
        (folder / f"article-{number:05d}.md").write_text(text, encoding="utf-8")
    (target / "pelicanconf.py").write_text(BASELINE_CONF, encoding="utf-8")


def row(label: str, seconds: float, peak: float | None, pages: int, size: int) -> str:
    peak_text = f"{peak:9.0f}" if peak is not None else f"{'n/a':>9}"
    return f"{label:<44} {seconds:9.1f} {peak_text} {pages:7d} {pages / seconds:8.0f} {size / 1e6:9.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--communes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=1, help="cold builds to run (median reported)")
    parser.add_argument("--keep", type=Path, help="write the synthetic trees and outputs here and keep them")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run plain Pelican")
    parser.add_argument("--baseline-articles", type=int, help="build only this many articles with plain Pelican and extrapolate linearly")
    parser.add_argument("--stages", choices=("auto", "always", "never"), default="auto", help="in-process stage timings: auto = when the full build exceeds 60 s")
    arguments = parser.parse_args()

    work = arguments.keep.resolve() if arguments.keep else Path(tempfile.mkdtemp(prefix="communs-bench-build-"))
    work.mkdir(parents=True, exist_ok=True)
    records = arguments.actors + arguments.events
    figures: dict = {"cpus": os.cpu_count(), "records": records}
    try:
        start = time.perf_counter()
        generate(work, arguments.actors, arguments.events, arguments.communes)
        pages_dir = work / "content" / "pages"
        pages_dir.mkdir(parents=True, exist_ok=True)
        # Pelican skips a missing PAGE_PATHS folder silently; one free page keeps its reader in the build.
        shutil.copy2(ROOT / "content" / "pages" / "a-propos.md", pages_dir / "a-propos.md")
        commit(work)
        content = work / "content"
        corpus = sum(p.stat().st_size for p in content.rglob("*.yml"))
        print(f"corpus: {arguments.actors} actors, {arguments.events} events, {arguments.communes} communes "
              f"({corpus / 1e6:.1f} MB of YAML) written and committed in {time.perf_counter() - start:.1f} s; "
              f"{os.cpu_count()} CPUs; SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}")

        output = work / "output"
        settings = work / "national.py"
        settings.write_text(NATIONAL_CONF, encoding="utf-8")
        build = [sys.executable, "-m", "communs.cli", "build", "--content", str(content), "--output", str(output), "--settings", str(settings)]
        cold_times, cold_peaks = [], []
        for _run in range(arguments.runs):
            shutil.rmtree(output, ignore_errors=True)
            seconds, peak = measure(build, ROOT, work / "build.log")
            cold_times.append(seconds)
            cold_peaks.append(peak)
        cold, cold_peak = statistics.median(cold_times), max(cold_peaks)
        pages, size = count_pages(output), folder_bytes(output)
        pagefind_size = folder_bytes(output / "pagefind") if (output / "pagefind").is_dir() else 0
        weight = commune_weight(content, output)

        before = snapshot(output)
        rebuild, rebuild_peak = measure(build, ROOT, work / "rebuild.log")
        after = snapshot(output)
        touched = sorted(name for name in after if name in before and before[name][0] != after[name][0])
        different = sorted(name for name in touched if before[name][1] != after[name][1])
        added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
        where = Counter(name.split("/", 1)[0] if "/" in name else name for name in touched)

        # One volunteer's edit: an actor's summary changed in the working tree, then a rebuild.
        edited = sorted((content / "actors").rglob("*.yml"))[0]
        text = edited.read_text(encoding="utf-8")
        edited.write_text(re.sub(r"^summary: .*$", "summary: Résumé modifié pour mesurer une reconstruction.", text, count=1, flags=re.M), encoding="utf-8")
        edit_rebuild, edit_peak = measure(build, ROOT, work / "edit.log")
        edited.write_text(text, encoding="utf-8")

        baseline = None
        if not arguments.skip_baseline:
            articles = arguments.baseline_articles or records
            base = work / "baseline"
            shutil.rmtree(base, ignore_errors=True)
            start = time.perf_counter()
            generate_articles(base, articles, arguments.communes)
            markdown = sum(p.stat().st_size for p in (base / "content").glob("*.md"))
            print(f"baseline corpus: {articles} Markdown articles ({markdown / 1e6:.1f} MB) written in {time.perf_counter() - start:.1f} s")
            pelican = [sys.executable, "-m", "pelican", str(base / "content"), "-s", str(base / "pelicanconf.py"), "-o", str(base / "output"), "-q"]
            seconds, peak = measure(pelican, base, base / "pelican.log")
            scale = records / articles
            baseline = {
                "articles": articles, "extrapolated": articles != records, "seconds_measured": seconds,
                "seconds": seconds * scale, "peak_mib": peak, "pages_measured": count_pages(base / "output"),
                "bytes_measured": folder_bytes(base / "output"),
            }
            baseline["pages"] = round(baseline["pages_measured"] * scale)
            baseline["bytes"] = round(baseline["bytes_measured"] * scale)

        stages = None
        if arguments.stages == "always" or (arguments.stages == "auto" and cold > 60):
            staged_output = work / "output-stages"
            shutil.rmtree(staged_output, ignore_errors=True)
            done = subprocess.run([sys.executable, "-c", STAGES, str(content), str(staged_output), str(settings)], cwd=ROOT, env=child_environment(), capture_output=True, text=True, check=True)
            stages = json.loads(done.stdout.strip().splitlines()[-1])
            shutil.rmtree(staged_output, ignore_errors=True)

        # The report ---------------------------------------------------------------------------
        print()
        print(f"{'scenario':<44} {'seconds':>9} {'peak MiB':>9} {'pages':>7} {'pages/s':>8} {'output MB':>9}")
        print(row(f"communs build, cold ({records} records)", cold, cold_peak, pages, size))
        print(row("communs build, no-change rebuild", rebuild, rebuild_peak, count_pages(output), folder_bytes(output)))
        print(row("communs build, after editing one summary", edit_rebuild, edit_peak, count_pages(output), folder_bytes(output)))
        if baseline:
            label = f"plain Pelican, {records} articles" + (f" (EXTRAPOLATED from {baseline['articles']})" if baseline["extrapolated"] else "")
            print(row(label, baseline["seconds"], baseline["peak_mib"], baseline["pages"], baseline["bytes"]))
        print()
        print(f"peak MiB = the largest single process (build, page worker, git or Pagefind), not their sum; {os.cpu_count()} CPUs; "
              f"cold builds: {arguments.runs} (median)")
        print(f"output: {size / 1e6:.1f} MB of which Pagefind index {pagefind_size / 1e6:.1f} MB")
        print(f"no-change rebuild: {len(touched)} of {len(before)} files rewritten (mtime)"
              + (f" [{', '.join(f'{name}: {n}' for name, n in where.most_common(8))}]" if touched else "")
              + f", {len(different)} of them with different bytes, {len(added)} files added, {len(removed)} removed"
              + (f" [added: {', '.join(added[:4])}{', ...' if len(added) > 4 else ''}]" if added else ""))
        assets = " + ".join(f"{url} {n / 1024:.1f} KiB" for url, n in weight["assets_gz"].items())
        print(f"commune page weight (gzip -{GZIP_LEVEL}), {weight['page']} ({weight['actors']} actors): "
              f"HTML {weight['html_gz'] / 1024:.1f} KiB (raw {weight['html_bytes'] / 1024:.1f}, inline map script {weight['inline_script_bytes'] / 1024:.1f} raw)"
              f" + carte.geojson {weight['geojson_gz'] / 1024:.1f} KiB (raw {weight['geojson_bytes'] / 1024:.1f})"
              + (f" + {assets}" if assets else "") + f" = {weight['total_gz'] / 1024:.1f} KiB, vendor libraries and tiles excluded")
        if baseline:
            ratio = baseline["seconds"] / cold
            print(f"plain Pelican time / communs time: {ratio:.2f}x (target >= 10x: {'met' if ratio >= 10 else 'NOT met'})"
                  + (" — Pelican time extrapolated linearly" if baseline["extrapolated"] else ""))
        print(f"full build under 60 s: {'yes' if cold < 60 else 'NO'} ({cold:.1f} s)")
        if stages:
            print(f"stages (one more cold build, in-process timers, total {stages['total']:.1f} s; the Pagefind thread overlaps the exports):")
            for name, seconds in sorted(stages["stages"].items(), key=lambda item: -item[1]):
                print(f"  {name:<36} {seconds:7.1f} s  {100 * seconds / stages['total']:5.1f} %")
            for name, count in sorted(stages.get("counts", {}).items()):
                print(f"  {name:<36} {count:7d}  (count)")

        figures.update({
            "cold_s": round(cold, 2), "cold_runs_s": [round(s, 2) for s in cold_times], "cold_peak_mib": round(cold_peak),
            "pages": pages, "pages_per_s": round(pages / cold, 1), "output_bytes": size, "pagefind_bytes": pagefind_size,
            "rebuild_s": round(rebuild, 2), "rebuild_peak_mib": round(rebuild_peak),
            "edit_rebuild_s": round(edit_rebuild, 2), "edit_rebuild_peak_mib": round(edit_peak), "rebuild_files_touched": len(touched),
            "rebuild_files_different": len(different), "rebuild_files_added": len(added), "rebuild_files_removed": len(removed),
            "rebuild_files_total": len(before), "rebuild_touched_by_folder": dict(where), "commune_page": weight,
            "under_60s": cold < 60,
        })
        if baseline:
            figures["baseline"] = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in baseline.items()}
            figures["ratio_pelican_over_communs"] = round(baseline["seconds"] / cold, 3)
        if stages:
            figures["stages"] = {k: round(v, 2) for k, v in stages["stages"].items()}
        print(json.dumps(figures, ensure_ascii=False))
    finally:
        if arguments.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
