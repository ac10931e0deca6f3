"""How tall the visitor's pages are on a phone (390 px wide): a commune's page, the agenda, an
organiser's page, for this checkout and others (an older commit in a git worktree, to compare).

    python scripts/measure_pages.py [--root PATH ...] [--page /communes/97415-saint-paul/ ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from measure_form import ROOT, measure_each, phone_page

PAGES = ["/communes/97415-saint-paul/", "/agenda/", "/acteurs/producteurs-du-guillaume/"]


def heights(site: Path, paths: list[str]) -> dict[str, int]:
    found = {}
    with phone_page(site) as (page, base):
        for path in paths:
            page.goto(base + path)
            found[path] = page.evaluate("document.documentElement.scrollHeight")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, action="append", help="checkout to measure (default: this one); repeat to compare")
    parser.add_argument("--page", action="append", help="a page's address on the site (default: a few typical ones)")
    options = parser.parse_args()
    paths = options.page or PAGES
    found = measure_each(options.root or [ROOT], lambda site: heights(site, paths))
    for path in paths:
        figures = ", ".join(f"{root}: {values[path]} px" for root, values in found)
        ratio = f" (×{found[-1][1][path] / found[0][1][path]:.2f})" if len(found) > 1 else ""
        print(f"{path} at 390 px — {figures}{ratio}")


if __name__ == "__main__":
    main()
