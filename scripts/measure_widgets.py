"""What a widget (/integrer/…) costs the site that frames it: every file a phone-sized Chromium
fetches to show it (map tiles excluded), with bytes as stored and gzipped.

    python scripts/measure_widgets.py [--root PATH ...] [--page /integrer/… ...]
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path
from urllib.parse import urlsplit

from measure_form import ROOT, measure_each, phone_page

PAGES = ["/integrer/communes/97415-saint-paul/agenda/", "/integrer/communes/97415-saint-paul/carte/?acteur=tam-tam"]


def weights(site: Path, paths: list[str]) -> dict[str, tuple[int, int, int]]:
    found = {}
    fetched: list[str] = []
    with phone_page(site) as (page, base):
        page.on("request", lambda request: fetched.append(request.url))
        for path in paths:
            fetched.clear()
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            files = []
            for url in dict.fromkeys(fetched):
                if not url.startswith(base):
                    continue
                local = urlsplit(url).path
                target = site / local.lstrip("/")
                files.append(target / "index.html" if target.is_dir() else target)
            raw = sum(f.stat().st_size for f in files)
            packed = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)
            found[path] = (len(files), raw, packed)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, action="append", help="checkout to measure (default: this one); repeat to compare")
    parser.add_argument("--page", action="append", help="a widget's address on the site (default: Saint-Paul's agenda and map)")
    options = parser.parse_args()
    paths = options.page or PAGES
    for root, values in measure_each(options.root or [ROOT], lambda site: weights(site, paths)):
        for path in paths:
            files, raw, packed = values[path]
            print(f"{root}: {path} — {files} files, {raw / 1024:.1f} KiB ({packed / 1024:.1f} KiB gzipped), tiles excluded")


if __name__ == "__main__":
    main()
