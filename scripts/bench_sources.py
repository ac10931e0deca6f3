"""How long ``communs sources pull`` takes: one iCal source of N events (default 1,000) and M
sources (default 20) of N/M events each, served by a local HTTP server (real sockets, ETag
answered), pulled into an empty content folder; then the same pulls again with nothing changed
(conditional requests: 304). Prints seconds per case and the ratio of the second pull to the
first.

    python scripts/bench_sources.py [--events 1000] [--sources 20]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from communs.importers.pull import pull_source  # noqa: E402
from communs.importers.sources import load_sources  # noqa: E402

TOWNS = [("97407", "97420", "Le Port"), ("97415", "97460", "Saint-Paul"), ("97411", "97400", "Saint-Denis"), ("97416", "97410", "Saint-Pierre"), ("97408", "97419", "La Possession")]
WORDS = ["atelier", "concert", "lecture", "balade", "marché", "conte", "exposition", "projection", "danse", "jardin", "slam", "poterie"]


def feed(count: int, offset: int) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//communs//FR", "X-WR-TIMEZONE:Indian/Reunion"]
    first = date(2027, 1, 1)
    for index in range(offset, offset + count):
        insee, postal, town = TOWNS[index % len(TOWNS)]
        day = first + timedelta(days=index % 300)
        title = f"{WORDS[index % len(WORDS)].capitalize()} {WORDS[(index // len(WORDS)) % len(WORDS)]} n° {index}"
        lines += ["BEGIN:VEVENT", f"UID:bench-{index}@bench.example.re", "DTSTAMP:20261201T000000Z", f"SUMMARY:{title}",
                  f"DTSTART;TZID=Indian/Reunion:{day:%Y%m%d}T140000", f"DTEND;TZID=Indian/Reunion:{day:%Y%m%d}T160000",
                  "CATEGORIES:Atelier,Culture", f"LOCATION:Salle {index}\\, 1 rue de la Gare\\, {postal} {town}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        return

    def end_headers(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_file():
            self.send_header("ETag", f'"{path.stat().st_mtime_ns}"')
        super().end_headers()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_file() and self.headers.get("If-None-Match") == f'"{path.stat().st_mtime_ns}"':
            self.send_response(304)
            self.end_headers()
            return None
        return super().send_head()


def pull_all(sources_file: Path, content: Path) -> tuple[float, list[str]]:
    listing = load_sources(sources_file)
    assert listing.ok, [p.message for p in listing.problems]
    started = time.perf_counter()
    lines = [pull_source(source, content, today=date(2026, 12, 1), jobs=1).line() for source in listing.sources]
    return time.perf_counter() - started, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        served = root / "served"
        served.mkdir()
        (served / "one.ics").write_bytes(feed(options.events, 0))
        per_source = options.events // options.sources
        for number in range(options.sources):
            (served / f"s{number}.ics").write_bytes(feed(per_source, 100_000 + number * per_source))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(served)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        cases = {
            f"1 source, {options.events} events": [("one", "one.ics")],
            f"{options.sources} sources, {per_source} events each": [(f"s{n}", f"s{n}.ics") for n in range(options.sources)],
        }
        print(f"{'case':<34} {'first pull':>11} {'second (304)':>13} {'ratio':>7}")
        for label, entries in cases.items():
            case = root / label.replace(" ", "-").replace(",", "")
            case.mkdir()
            text = "sources:\n" + "".join(f"  - name: {name}\n    url: {base}/{file}\n    format: ical\n    themes: [culture]\n" for name, file in entries)
            (case / "sources.yml").write_text(text, encoding="utf-8")
            first, lines = pull_all(case / "sources.yml", case / "content")
            second, again = pull_all(case / "sources.yml", case / "content")
            assert all("échec" not in line for line in lines), lines
            assert all("inchangée" in line for line in again), again
            created = len(list((case / "content").rglob("*.yml")))
            print(f"{label:<34} {first:>9.2f} s {second:>11.3f} s {second / first:>7.3f}   ({created} records written)")
        httpd.shutdown()


if __name__ == "__main__":
    main()
