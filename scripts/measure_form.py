"""How long the contribution form is for a volunteer on a phone: tab stops before the send button
and the page's height at 390 px, for a minimal valid actor, typed with the keyboard.

Builds the demo site of a checkout (this one, or another given with --root: an older commit in a
git worktree, to compare), serves it, and in Chromium (390×844) presses Tab from the top of
/contribuer/, typing the five required answers on the way, until the send button has the focus.

    python scripts/measure_form.py [--root PATH] [--root PATH ...]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# What a person types into each required field on the way (keyed by the field's name).
ANSWERS = {
    "name": "Atelier Zot Koulèr",
    "summary": "Atelier de peinture et de fresques pour les jeunes du quartier.",
    "commune": "97411",
}


def build(root: Path, output: Path) -> None:
    environment = dict(os.environ, PYTHONPATH=str(root / "plugins"), SOURCE_DATE_EPOCH="1795420800",
                       COMMUNS_CONTRIB_URL="http://127.0.0.1:9")  # a form is shown; nothing is sent
    subprocess.run([sys.executable, "-m", "communs.cli", "build", "--content", "content", "--output", str(output),
                    "--cache", str(output.parent / "cache")], cwd=root, env=environment, check=True, capture_output=True)


def measure_each(roots: list[Path], measure_one) -> list[tuple[Path, object]]:
    """Build each checkout's demo in a temporary folder and measure it: [(root, figures)]."""
    found = []
    for root in roots:
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "site"
            build(root.resolve(), output)
            found.append((root, measure_one(output)))
    return found


@contextmanager
def phone_page(site: Path):
    """A built site served on localhost, and a Chromium page at phone size (390×844) to visit it;
    yields (page, base address)."""
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")
            page.route("**/*tile.openstreetmap.org/**", lambda route: route.abort())
            yield page, f"http://127.0.0.1:{server.server_address[1]}"
            browser.close()
    finally:
        server.shutdown()


def measure(site: Path) -> dict[str, int]:
    with phone_page(site) as (page, base):
        page.goto(f"{base}/contribuer/")
        stops = 0
        while stops < 500:
            page.keyboard.press("Tab")
            stops += 1
            focused = page.evaluate("""() => { const e = document.activeElement;
                return {tag: e.tagName, type: e.type || '', name: e.name || '', value: e.value || '', text: e.textContent || ''}; }""")
            if focused["tag"] == "BUTTON" and focused["type"] == "submit":
                break
            if focused["name"] in ANSWERS and not focused["value"]:
                page.keyboard.type(ANSWERS[focused["name"]])
            elif focused["name"] == "kind" and focused["tag"] == "SELECT":
                page.select_option("select[name=kind]", "association")
            elif focused["name"] == "themes" and focused["value"] == "culture":
                page.keyboard.press("Space")
        height = page.evaluate("document.documentElement.scrollHeight")
    return {"tab_stops": stops, "height_px": height}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, action="append", help="checkout to measure (default: this one); repeat to compare")
    options = parser.parse_args()
    figures = measure_each(options.root or [ROOT], measure)
    for root, found in figures:
        print(f"{root}: {found['tab_stops']} tab stops before « Envoyer », page {found['height_px']} px high at 390 px")
    if len(figures) > 1:
        first = figures[0][1]
        for root, found in figures[1:]:
            print(f"{root} / {figures[0][0]}: tab stops ×{found['tab_stops'] / first['tab_stops']:.2f}, height ×{found['height_px'] / first['height_px']:.2f}")


if __name__ == "__main__":
    main()
