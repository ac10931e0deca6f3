"""Benchmark of ``communs build`` on synthetic directories: the figures of issue #13 in one run.

For each corpus (``--corpus M``: 10,000 actors + 5,000 events in 500 communes; ``L``: 100,000 +
50,000 in 3,120; ``S``: 1,000 + 500 in 50; or ``--actors/--events/--communes``), committed to a
throw-away Git repository and built with SOURCE_DATE_EPOCH fixed (deterministic output):

1. a cold build (``communs build`` from an empty output and cache: validation, Git history,
   Pelican, the plugin's pages, maps, exports and feeds, the Pagefind index in parts);
2. a rebuild with no change; 3. a rebuild after editing one actor's summary (what a volunteer's
   correction costs);
4. with ``--verify``, a cold build of the edited corpus, compared byte for byte with the edited
   rebuild (Pagefind's unstable index files aside, see tests/site/test_plugin.py);
5. ``communs serve`` on a free port (unless ``--skip-serve``): seconds to the first answer 200 of
   ``/`` over the last build's output, then, once its first build is done, seconds from an edit of
   one actor's summary until that actor's page served shows the new text (with the CPU seconds
   the serving process spent meanwhile); then the same first answer from an empty output folder
   (the caches outside it kept: validation verdicts, Git history).

Each build runs as a child process measured from outside: wall time, CPU time (user + system of
the whole process tree: on a shared machine it moves less than wall time), peak memory of the
whole process tree (the sum of its processes' proportional set sizes, PSS, sampled every 50 ms
from /proc; shared pages of forked workers counted once), and peak of the largest single process.
Inside, the build reports each step (``communs.cli._build(steps=...)``): seconds per stage and
counters (pages rendered, records validated or read from the cache, search parts indexed...),
printed as counts. With two corpora or more, the ratio of each stage between the largest and the
smallest shows how stages grow with the corpus.

A baseline: plain Pelican (default theme "notmyidea", no plugins) on as many Markdown articles as
there are records, with text of comparable size; Pelican defaults are kept (pagination off,
default Atom/RSS feeds, direct templates index/tags/categories/authors/archives); only
RELATIVE_URLS=True and TIMEZONE are set. ``--baseline-articles N`` builds only N articles and
extrapolates linearly (labelled so).

    python scripts/bench_build.py [--corpus S|M|L ...] [--actors N --events N --communes N]
                                  [--keep DIR] [--skip-baseline] [--baseline-articles N] [--verify] [--skip-serve]
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
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
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
# The build cache lives beside the output (CACHE_PATH), so that a cold build starts without one.
NATIONAL_CONF = (
    "import sys\n"
    f"sys.path.insert(0, {str(ROOT)!r})\n"
    "from pelicanconf import *  # noqa: F403\n"
    "COMMUNS = {{**COMMUNS, 'perimeter': ''}}  # noqa: F405\n"
    "CACHE_PATH = {cache!r}\n"
)
CORPORA = {"S": (1_000, 500, 50), "M": (10_000, 5_000, 500), "L": (100_000, 50_000, 3_120)}
GZIP_LEVEL = 6  # what web servers commonly use on the fly
# Pagefind names its filter and metadata indexes after a hash of contents it orders arbitrarily
# (Pagefind/pagefind#638): left out of the byte comparison, as in tests/site/test_plugin.py.
PAGEFIND_UNSTABLE = re.compile(r"^pagefind/(parts/[^/]+/)?(filter/.*\.pf_filter|pagefind\..*\.pf_meta|pagefind-entry\.json)$")

# Runs a command (its output to the log file argv[1]) and prints one JSON line: wall seconds, CPU
# seconds of the process tree, peak PSS of the whole tree and peak RSS of its largest process
# (KiB), exit status. The tree is sampled from /proc (Linux; elsewhere only the largest process is
# known) every 50 ms, or less often when a sample costs more than a tenth of that: reading the
# PSS of a process walks its page tables, and a sampler reading a national build's gigabytes
# every 50 ms took a third of a core from the build it measured.
MEASURE = r"""
import json, os, resource, subprocess, sys, threading, time

def tree_kib(root):
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    data = stat.read()
            except OSError:
                continue
            children.setdefault(int(data[data.rfind(b")") + 2:].split()[1]), []).append(int(name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith(b"Pss:"))
        except (OSError, StopIteration):
            pass
    return total

start = time.perf_counter()
with open(sys.argv[1], "wb") as log:
    process = subprocess.Popen(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT)
    peak = [0]
    def sample():
        while process.poll() is None:
            began = time.perf_counter()
            try:
                peak[0] = max(peak[0], tree_kib(process.pid))
            except OSError:
                pass
            time.sleep(max(0.05, 10 * (time.perf_counter() - began)))
    sampler = threading.Thread(target=sample, daemon=True)
    if os.path.isdir("/proc"):
        sampler.start()
    status = process.wait()
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "tree_kib": peak[0], "largest_kib": usage.ru_maxrss, "status": status}))
"""

# One build in-process, through the command line's own function, asking for its steps; prints
# them as one JSON object on its last line, then leaves the process as `communs build` does
# (at once, without freeing every object one by one).
STAGES = r"""
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from communs import cli
steps = {"start-up (imports)": time.perf_counter() - started}
status = cli._build(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), None, quiet=True, steps=steps)
print(json.dumps({"status": status, "total": time.perf_counter() - started, "steps": steps}))
cli._ONE_SHOT = True
cli._leave(status)
"""
# Steps that run beside others (another process): shown, but left out of the sum.
PARALLEL = {"search index (beside the exports)"}


def child_environment() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), SOURCE_DATE_EPOCH=str(SOURCE_DATE_EPOCH), PYTHONHASHSEED="0")


def measure(command: list[str], cwd: Path, log: Path) -> dict:
    """Wall and CPU seconds, peak MiB (tree, largest process) of ``command``; fails loudly on error."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(log), *command], cwd=cwd, env=child_environment(), capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["status"] != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise SystemExit(f"command failed (exit {figures['status']}): {' '.join(command)}\n{tail}")
    return {"seconds": figures["seconds"], "cpu": figures["cpu"], "tree_mib": figures["tree_kib"] / 1024, "largest_mib": figures["largest_kib"] / 1024}


def staged_build(content: Path, output: Path, settings: Path, log: Path) -> dict:
    """One ``communs build`` measured from outside, with its steps reported from inside."""
    figures = measure([sys.executable, "-c", STAGES, str(content), str(output), str(settings)], ROOT, log)
    lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.startswith("{")]
    reported = json.loads(lines[-1])
    steps = reported["steps"]
    timers = {k: v for k, v in steps.items() if isinstance(v, float)}
    counts = {k: v for k, v in steps.items() if isinstance(v, int) and not isinstance(v, bool)}
    measured = sum(v for k, v in timers.items() if k not in PARALLEL)
    timers["Pelican itself and the rest"] = max(0.0, reported["total"] - measured)
    return {**figures, "stages": timers, "counts": counts}


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


def baseline(work: Path, records: int, communes: int, articles: int | None) -> dict:
    """Plain Pelican on as many Markdown articles as records (or ``articles``, extrapolated)."""
    articles = articles or records
    base = work / "baseline"
    shutil.rmtree(base, ignore_errors=True)
    start = time.perf_counter()
    generate_articles(base, articles, communes)
    markdown = sum(p.stat().st_size for p in (base / "content").glob("*.md"))
    print(f"baseline corpus: {articles} Markdown articles ({markdown / 1e6:.1f} MB) written in {time.perf_counter() - start:.1f} s", flush=True)
    pelican = [sys.executable, "-m", "pelican", str(base / "content"), "-s", str(base / "pelicanconf.py"), "-o", str(base / "output"), "-q"]
    figures = measure(pelican, base, base / "pelican.log")
    scale = records / articles
    result = {
        "articles": articles, "extrapolated": articles != records, "seconds_measured": figures["seconds"],
        "seconds": figures["seconds"] * scale, "cpu": figures["cpu"] * scale, "tree_mib": figures["tree_mib"], "largest_mib": figures["largest_mib"],
        "pages": round(count_pages(base / "output") * scale), "bytes": round(folder_bytes(base / "output") * scale),
    }
    shutil.rmtree(base, ignore_errors=True)
    return result


def compare(edited: Path, cold: Path) -> list[str]:
    """Files that differ (or exist on one side only) between two outputs, Pagefind's unstable ones aside."""
    first = {k: v[1] for k, v in snapshot(edited).items() if not PAGEFIND_UNSTABLE.match(k)}
    second = {k: v[1] for k, v in snapshot(cold).items() if not PAGEFIND_UNSTABLE.match(k)}
    return sorted(name for name in first.keys() | second.keys() if first.get(name) != second.get(name))


SERVE_TIMEOUT = 1800.0  # seconds: a cold start of L takes long


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, b""


def process_cpu(pid: int) -> float:
    """CPU seconds of a process and of its children it has waited for (Linux; else 0)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def until(condition, what: str, process: subprocess.Popen, log: Path, step: float = 0.02) -> float:
    """Seconds until ``condition()`` holds; fails loudly when the server dies or takes too long."""
    started = time.perf_counter()
    while not condition():
        if process.poll() is not None or time.perf_counter() - started > SERVE_TIMEOUT:
            tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
            raise SystemExit(f"communs serve: no {what} (exit {process.poll()})\n{tail}")
        time.sleep(step)
    return time.perf_counter() - started


def serve(content: Path, output: Path, settings: Path, log: Path, edited: Path | None) -> dict:
    """``communs serve``: seconds to the first 200 of ``/``; with ``edited``, once its first build
    is done, seconds from an edit of that actor's summary until its page shows the new text."""
    port = free_port()
    command = [sys.executable, "-m", "communs.cli", "serve", "--content", str(content), "--output", str(output), "--settings", str(settings), "--port", str(port)]
    site = f"http://127.0.0.1:{port}"
    figures: dict = {}
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=dict(child_environment(), PYTHONUNBUFFERED="1"), stdout=sink, stderr=subprocess.STDOUT)
    try:
        figures["first_page"] = until(lambda: fetch(site + "/")[0] == 200, "first page", process, log)
        if edited is not None:
            done = ("Site construit", "Site à jour")
            until(lambda: any(word in log.read_text(encoding="utf-8", errors="replace") for word in done), "first build", process, log, 0.1)
            time.sleep(1.5)  # past the racy-file second of that build (site.stamp)
            text = edited.read_text(encoding="utf-8")
            marker = f"Résumé modifié pour mesurer le service {time.time_ns()}."
            page = f"{site}/acteurs/{edited.stem}/"
            cpu = process_cpu(process.pid)
            edited.write_text(re.sub(r"^summary: .*$", f"summary: {marker}", text, count=1, flags=re.M), encoding="utf-8")
            try:
                figures["edit_visible"] = until(lambda: marker.encode() in fetch(page)[1], "edited page", process, log, 0.01)
                figures["edit_cpu"] = process_cpu(process.pid) - cpu
            finally:
                edited.write_text(text, encoding="utf-8")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return figures


def write_corpus(work: Path, actors: int, events: int, communes: int) -> None:
    """The synthetic records under ``work/content``, with one free page, committed."""
    generate(work, actors, events, communes)
    pages_dir = work / "content" / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    # Pelican skips a missing PAGE_PATHS folder silently; one free page keeps its reader in the build.
    shutil.copy2(ROOT / "content" / "pages" / "a-propos.md", pages_dir / "a-propos.md")
    commit(work)


def run_corpus(label: str, actors: int, events: int, communes: int, work: Path, arguments: argparse.Namespace) -> dict:
    start = time.perf_counter()
    write_corpus(work, actors, events, communes)
    # A record written within a second of a build's start is "racily clean" (site.stamp): the
    # stamp of that build is never trusted, and the no-change rebuild would run in full.
    time.sleep(1.1)
    content = work / "content"
    corpus = sum(p.stat().st_size for p in content.rglob("*.yml"))
    records = actors + events
    print(f"corpus {label}: {actors} actors, {events} events, {communes} communes ({corpus / 1e6:.1f} MB of YAML) written and committed "
          f"in {time.perf_counter() - start:.1f} s; {os.cpu_count()} CPUs; SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}", flush=True)

    output = work / "output"
    settings = work / "national.py"
    settings.write_text(NATIONAL_CONF.format(cache=str(work / "cache")), encoding="utf-8")
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(work / "cache", ignore_errors=True)
    result: dict = {"label": label, "records": records, "actors": actors, "events": events, "communes": communes}
    result["cold"] = staged_build(content, output, settings, work / "cold.log")
    print(f"  cold build {result['cold']['seconds']:.1f} s", flush=True)
    result["pages"], result["output_bytes"] = count_pages(output), folder_bytes(output)
    result["pagefind_bytes"] = folder_bytes(output / "pagefind") if (output / "pagefind").is_dir() else 0
    result["commune_page"] = commune_weight(content, output)

    before = snapshot(output)
    result["no_change"] = staged_build(content, output, settings, work / "no-change.log")
    print(f"  no-change rebuild {result['no_change']['seconds']:.1f} s", flush=True)
    after = snapshot(output)
    touched = sorted(name for name in after if name in before and before[name][0] != after[name][0])
    result["no_change_files"] = {
        "total": len(before), "rewritten": len(touched), "different": sum(1 for name in touched if before[name][1] != after[name][1]),
        "added": len(set(after) - set(before)), "removed": len(set(before) - set(after)),
        "rewritten_by_folder": dict(Counter(name.split("/", 1)[0] if "/" in name else name for name in touched)),
    }

    # One volunteer's edit: an actor's summary changed in the working tree, then a rebuild.
    edited = sorted((content / "actors").rglob("*.yml"))[0]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(re.sub(r"^summary: .*$", "summary: Résumé modifié pour mesurer une reconstruction.", text, count=1, flags=re.M), encoding="utf-8")
    before = snapshot(output)
    result["edit"] = staged_build(content, output, settings, work / "edit.log")
    print(f"  rebuild after one edit {result['edit']['seconds']:.1f} s", flush=True)
    after = snapshot(output)
    result["edit_files"] = {
        "rewritten": sum(1 for name in after if name in before and before[name][0] != after[name][0]),
        "different": sum(1 for name in after if name in before and before[name][1] != after[name][1]),
        "added": len(set(after) - set(before)), "removed": len(set(before) - set(after)),
    }
    if arguments.verify:
        cold = work / "output-cold"
        shutil.rmtree(cold, ignore_errors=True)
        cold_settings = work / "national-cold.py"
        cold_settings.write_text(NATIONAL_CONF.format(cache=str(work / "cache-cold")), encoding="utf-8")
        shutil.rmtree(work / "cache-cold", ignore_errors=True)
        measure([sys.executable, "-m", "communs.cli", "build", "--content", str(content), "--output", str(cold), "--settings", str(cold_settings)], ROOT, work / "verify.log")
        result["edit_differs_from_cold"] = compare(output, cold)
        shutil.rmtree(cold, ignore_errors=True)
    edited.write_text(text, encoding="utf-8")
    if not arguments.skip_serve:
        # Over the last build's output (its first build puts the edit above back), then from an empty one.
        result["serve"] = serve(content, output, settings, work / "serve.log", edited)
        empty = work / "output-serve"
        shutil.rmtree(empty, ignore_errors=True)
        result["serve"]["first_page_empty_output"] = serve(content, empty, settings, work / "serve-empty.log", None)["first_page"]
        shutil.rmtree(empty, ignore_errors=True)
        print(f"  communs serve: first page {result['serve']['first_page']:.1f} s (last build's output), "
              f"{result['serve']['first_page_empty_output']:.1f} s (empty output); an edit visible in {result['serve']['edit_visible']:.2f} s", flush=True)
    if not arguments.skip_baseline:
        result["baseline"] = baseline(work, records, communes, arguments.baseline_articles)
    return result


def print_report(results: list[dict]) -> None:
    print()
    print(f"{'scenario':<46} {'seconds':>8} {'CPU s':>7} {'tree MiB':>9} {'max MiB':>8} {'pages':>7} {'output MB':>9}")
    for result in results:
        label = result["label"]
        for key, words in (("cold", "cold build"), ("no_change", "no-change rebuild"), ("edit", "rebuild after one edit")):
            figures = result[key]
            print(f"{label + ': ' + words:<46} {figures['seconds']:8.2f} {figures['cpu']:7.1f} {figures['tree_mib']:9.0f} {figures['largest_mib']:8.0f}"
                  f" {result['pages']:7d} {result['output_bytes'] / 1e6:9.1f}")
        if "baseline" in result:
            base = result["baseline"]
            extrapolated = f" (EXTRAPOLATED from {base['articles']})" if base["extrapolated"] else ""
            print(f"{label + ': plain Pelican, ' + str(result['records']) + ' articles' + extrapolated:<46} {base['seconds']:8.2f} {base['cpu']:7.1f}"
                  f" {base['tree_mib']:9.0f} {base['largest_mib']:8.0f} {base['pages']:7d} {base['bytes'] / 1e6:9.1f}")
    print()
    print("seconds = wall time; CPU s = user + system of the whole process tree; tree MiB = peak of the summed PSS of every process of the")
    print(f"build (workers, git, Pagefind), max MiB = peak RSS of its largest single process; {os.cpu_count()} CPUs")
    for result in results:
        label = result["label"]
        files = result["no_change_files"]
        print(f"{label}: output {result['output_bytes'] / 1e6:.1f} MB of which search index {result['pagefind_bytes'] / 1e6:.1f} MB; "
              f"no-change rebuild rewrote {files['rewritten']} of {files['total']} files ({files['different']} with other bytes), "
              f"added {files['added']}, removed {files['removed']}"
              + (f" [{', '.join(f'{name}: {n}' for name, n in Counter(files['rewritten_by_folder']).most_common(8))}]" if files["rewritten"] else ""))
        edit = result["edit_files"]
        print(f"{label}: the edit rewrote {edit['rewritten']} files ({edit['different']} with other bytes), added {edit['added']}, removed {edit['removed']}")
        if "edit_differs_from_cold" in result:
            differ = result["edit_differs_from_cold"]
            print(f"{label}: rebuild after the edit vs a cold build of the edited corpus: "
                  + ("same bytes" if not differ else f"{len(differ)} files differ: {', '.join(differ[:8])}"))
        if "baseline" in result:
            ratio = result["baseline"]["seconds"] / result["cold"]["seconds"]
            print(f"{label}: plain Pelican time / communs cold build time: {ratio:.2f}x" + (" (Pelican extrapolated linearly)" if result["baseline"]["extrapolated"] else ""))
        if "serve" in result:
            served = result["serve"]
            print(f"{label}: communs serve: first page served {served['first_page']:.2f} s over the last build's output, "
                  f"{served['first_page_empty_output']:.2f} s from an empty output; an edit visible in {served['edit_visible']:.2f} s "
                  f"({served['edit_cpu']:.1f} CPU s of the serving process)")
        weight = result["commune_page"]
        assets = " + ".join(f"{url} {n / 1024:.1f} KiB" for url, n in weight["assets_gz"].items())
        print(f"{label}: commune page weight (gzip -{GZIP_LEVEL}), {weight['page']} ({weight['actors']} actors): "
              f"HTML {weight['html_gz'] / 1024:.1f} KiB + carte.geojson {weight['geojson_gz'] / 1024:.1f} KiB"
              + (f" + {assets}" if assets else "") + f" = {weight['total_gz'] / 1024:.1f} KiB")
    print()
    scenarios = [(result["label"], key) for result in results for key in ("cold", "no_change", "edit")]
    names: list[str] = []
    for result in results:
        for key in ("cold", "no_change", "edit"):
            names += [name for name in sorted(result[key]["stages"], key=lambda n: -result[key]["stages"][n]) if name not in names]
    header = "".join(f" {label + ' ' + key.replace('_', '-'):>13}" for label, key in scenarios)
    growth = len(results) > 1
    if growth:
        header += f" {results[-1]['label'] + '/' + results[0]['label'] + ' cold':>11}"
    print(f"{'stage (seconds; ' + chr(0x2225) + ' = beside others)':<44}{header}")
    for name in names:
        cells = "".join(f" {result[key]['stages'].get(name, 0.0):13.2f}" for result in results for key in ("cold", "no_change", "edit"))
        if growth:
            small, large = results[0]["cold"]["stages"].get(name, 0.0), results[-1]["cold"]["stages"].get(name, 0.0)
            cells += f" {large / small:10.1f}x" if small > 0.01 else f" {'-':>11}"
        print(f"{(name + (' ' + chr(0x2225) if name in PARALLEL else ''))[:44]:<44}{cells}")
    counters: list[str] = []
    for result in results:
        for key in ("cold", "no_change", "edit"):
            counters += [name for name in sorted(result[key]["counts"]) if name not in counters]
    print(f"{'counter (count)':<44}{header}")
    for name in counters:
        cells = "".join(f" {result[key]['counts'].get(name, 0):13d}" for result in results for key in ("cold", "no_change", "edit"))
        if growth:
            small, large = results[0]["cold"]["counts"].get(name, 0), results[-1]["cold"]["counts"].get(name, 0)
            cells += f" {large / small:10.1f}x" if small else f" {'-':>11}"
        print(f"{name[:44]:<44}{cells}")
    if growth:
        small, large = results[0], results[-1]
        print(f"{large['label']}/{small['label']}: {large['records'] / small['records']:.1f}x the records, cold build {large['cold']['seconds'] / small['cold']['seconds']:.1f}x the time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="S, M or L (repeatable; default M)")
    parser.add_argument("--actors", type=int, help="a corpus of your own: actors (with --events and --communes)")
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--communes", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="write the synthetic trees and outputs here and keep them")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run plain Pelican")
    parser.add_argument("--baseline-articles", type=int, help="build only this many articles with plain Pelican and extrapolate linearly")
    parser.add_argument("--verify", action="store_true", help="compare the edited rebuild with a cold build of the edited corpus")
    parser.add_argument("--skip-serve", action="store_true", help="do not measure communs serve (first page served, an edit visible)")
    arguments = parser.parse_args()

    corpora = [(name, *CORPORA[name]) for name in (arguments.corpus or ([] if arguments.actors else ["M"]))]
    if arguments.actors:
        corpora.append(("custom", arguments.actors, arguments.events, arguments.communes))
    corpora.sort(key=lambda corpus: corpus[1] + corpus[2])
    top = arguments.keep.resolve() if arguments.keep else Path(tempfile.mkdtemp(prefix="communs-bench-build-"))
    top.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for label, actors, events, communes in corpora:
            work = top / label
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            results.append(run_corpus(label, actors, events, communes, work, arguments))
        print_report(results)
        print(json.dumps({"cpus": os.cpu_count(), "corpora": results}, ensure_ascii=False))
    finally:
        if arguments.keep is None:
            shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
