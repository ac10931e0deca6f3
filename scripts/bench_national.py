"""The festivals of France, imported and built into a national site.

Imports the Ministry of Culture's "Liste des festivals en France" (7,282 rows, see
../shared/data/real/SOURCE.md) into an empty directory, validates it, builds the whole site
(pages, maps, exports, Pagefind), checks in Chromium that the search finds a festival by name,
then does the same for La Réunion only. Prints times, peak memory and output sizes.

    python scripts/bench_national.py [--file PATH] [--keep DIR] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "plugins"), str(ROOT / "tests")]

from bench_validate import measure  # noqa: E402

FESTIVALS = ROOT.parent / "shared" / "data" / "real" / "festivals-global-festivals-_-pl.csv"
EPOCH = "1786752000"  # 2026-08-15


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(label: str, command: list[str], cwd: Path) -> float:
    seconds, peak, status = measure(command, cwd, 1)
    print(f"{label:<44} {seconds:7.1f} s  peak {peak:6.0f} MiB  exit {status}")
    if status not in (0,):
        print(f"  (exit status {status})")
    return seconds


def search(output: Path, query: str) -> list[str]:
    """Result titles for a query typed in the site's search page, in Chromium."""
    from conftest import Server
    from playwright.sync_api import sync_playwright

    server = Server(output)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            page.goto(f"{server.url}/recherche/?q={query}")
            page.wait_for_selector(".pagefind-ui__result", timeout=30000)
            titles = page.locator(".pagefind-ui__result-title").all_inner_texts()
            browser.close()
            return titles
    finally:
        server.close()


def scenario(name: str, work: Path, source: Path, extra: list[str], browser: bool) -> dict:
    content, output = work / name / "content", work / name / "output"
    python = [sys.executable, "-m", "communs.cli"]
    figures = {
        "import_s": run(f"{name}: import", python + ["import", "festivals", str(source), "--content", str(content), "--format", "json", *extra], ROOT),
        "validate_s": run(f"{name}: validate", python + ["validate", "--content", str(content)], ROOT),
        "build_s": run(f"{name}: build (cold, with search index)", python + ["build", "--content", str(content), "--output", str(output), "--cache", str(work / name / "cache")], ROOT),
    }
    figures["records"] = sum(1 for _ in content.rglob("*.yml"))
    figures["communes_with_page"] = sum(1 for p in (output / "communes").iterdir() if p.is_dir())
    figures["communes_with_records"] = len({p.parent.name for p in content.rglob("*.yml")})
    figures["pages"] = sum(1 for _ in output.rglob("*.html"))
    figures["output_mb"] = round(size(output) / 1e6, 1)
    figures["pagefind_mb"] = round(size(output / "pagefind") / 1e6, 1)
    print(f"{name}: {figures['records']} records, {figures['communes_with_records']} communes, {figures['communes_with_page']} commune pages, "
          f"{figures['pages']} pages, {figures['output_mb']} MB ({figures['pagefind_mb']} MB search index)")
    if browser:
        for query in ("Festival d'Avignon", "festival avignon", "jazz marciac"):
            titles = search(output, query)
            print(f"  search « {query} »: {titles[:3]}")
            figures.setdefault("search", {})[query] = titles[:5]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=FESTIVALS)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--no-browser", action="store_true")
    arguments = parser.parse_args()
    if not arguments.file.is_file():
        print(f"missing {arguments.file}: see ../shared/data/real/SOURCE.md", file=sys.stderr)
        return 2
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    os.environ["PYTHONPATH"] = str(ROOT / "plugins")
    work = arguments.keep or Path(tempfile.mkdtemp(prefix="communs-national-"))
    try:
        started = time.perf_counter()
        national = scenario("france", work, arguments.file, [], not arguments.no_browser)
        reunion = scenario("974", work, arguments.file, ["--departement", "974"], False)
        reunion["import_and_build_s"] = round(reunion["import_s"] + reunion["build_s"], 1)
        print(f"974 only: import + build {reunion['import_and_build_s']} s")
        print(json.dumps({"france": national, "974": reunion, "total_s": round(time.perf_counter() - started, 1)}, ensure_ascii=False))
    finally:
        if arguments.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
