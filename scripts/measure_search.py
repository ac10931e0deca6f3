"""What the site's search puts first for what visitors type, on a phone (390 px): the first three
result titles of each query, for this checkout and others (an older commit in a git worktree).

    python scripts/measure_search.py [--root PATH ...] [--query "st paul" ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from measure_form import ROOT, measure_each, phone_page

QUERIES = ["theatre", "teatre", "st paul", "marche saint paul", "maloya"]


def first_results(site: Path, queries: list[str]) -> dict[str, list[str]]:
    found = {}
    with phone_page(site) as (page, base):
        page.goto(base + "/recherche/")
        for query in queries:
            page.fill(".pagefind-ui__search-input", query)
            page.wait_for_function(
                "q => (document.querySelector('.pagefind-ui__message')?.textContent || '').includes(q)", arg=query)
            page.wait_for_timeout(500)
            found[query] = page.locator(".pagefind-ui__result-title").all_inner_texts()[:3]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, action="append", help="checkout to measure (default: this one); repeat to compare")
    parser.add_argument("--query", action="append", help="what a visitor types (default: the agenda issue's five queries)")
    options = parser.parse_args()
    queries = options.query or QUERIES
    for root, found in measure_each(options.root or [ROOT], lambda site: first_results(site, queries)):
        for query, titles in found.items():
            print(f"{root}: « {query} » → {' | '.join(titles) or '(nothing)'}")


if __name__ == "__main__":
    main()
