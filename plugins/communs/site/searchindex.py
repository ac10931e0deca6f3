"""The site's search index, in parts: one Pagefind bundle per département, one for the themes.

Pagefind holds a whole index in memory while it writes it (14 GB for 150,000 pages), and reindexes
everything when anything changed. Split by the département of each page's commune, a part's
memory is bounded by the part, and an edit reindexes only its own part (and the small themes
part). In the browser the search page loads the themes bundle (``/pagefind/``) and merges the others
with Pagefind's ``mergeIndex`` (its documented multisite search).

Each part is indexed from a folder of hard links to its pages (Pagefind indexes a folder), into a
fresh bundle that then replaces the old one: no fragment of an old index is left behind.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from communs.records.communes import departement_of_code
from communs.site import urls
from communs.site.render import PageSpec

MAIN = "themes"  # the part served at /pagefind/, which the search page loads first
PARTS_FOLDER = "parts"  # the other parts: /pagefind/parts/<département>/


SEARCHABLE = ("commune", "actor", "event", "call")  # builders of the pages indexed, besides the themes


def part_of(spec: PageSpec) -> str | None:
    """Which part indexes a page: its commune's département (the page's part of the build too,
    see ``communs.site.parts``), the themes part for theme pages and for a searchable page of no
    commune, none for pages without searchable content."""
    if spec.builder == "theme":
        return MAIN
    if spec.builder in SEARCHABLE:
        return departement_of_code(spec.commune) if spec.commune else MAIN
    return None


def bundle_path(key: str) -> str:
    """Where a part's bundle is served, from the site's root."""
    return "/pagefind/" if key == MAIN else f"/pagefind/{PARTS_FOLDER}/{key}/"


def bundle_dir(output: Path, key: str) -> Path:
    return output / bundle_path(key).strip("/")


def index_parts(output: Path, parts: dict[str, list[str]]) -> None:
    """Index each part (its page addresses) into its bundle, one after the other (bounded memory)."""
    for key, pages in sorted(parts.items(), key=lambda item: item[0] != MAIN):
        index_part(output, key, pages)


def index_part(output: Path, key: str, pages: list[str]) -> None:
    if not pages:
        raise ValueError("a search part has pages")
    with tempfile.TemporaryDirectory(prefix=".communs-search-", dir=output.parent) as scratch:
        site, bundle = Path(scratch) / "site", Path(scratch) / "bundle"
        for url in pages:
            source = output / urls.output_path(url)
            target = site / urls.output_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)  # another filesystem, or no hard links
        completed = subprocess.run(
            [*pagefind_command(), "--site", str(site), "--output-path", str(bundle), "--quiet"],
            capture_output=True, text=True,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"communs: Pagefind failed to index the search part {key}: {completed.stderr.strip()[-500:]}")
        _replace(bundle, bundle_dir(output, key), keep={PARTS_FOLDER} if key == MAIN else set())


@functools.cache
def pagefind_command() -> list[str]:
    """Pagefind's binary from its PyPI package, run directly: ``python -m pagefind`` would start a
    Python interpreter per part (0.2 s each; a national site has a hundred parts)."""
    from pagefind.service import get_executable

    executable = get_executable()
    return [str(executable)] if executable is not None else [sys.executable, "-m", "pagefind"]


def remove_parts(output: Path, keep: set[str]) -> list[str]:
    """Remove the bundles of parts that no longer exist (a département without records)."""
    folder = output / "pagefind" / PARTS_FOLDER
    removed = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.name not in keep:
                shutil.rmtree(path)
                removed.append(path.name)
    return removed


def _replace(new: Path, target: Path, keep: set[str]) -> None:
    """Put the new bundle's files in place of the old ones (``keep``: sub-folders left alone)."""
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if old.name in keep:
            continue
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    for item in new.iterdir():
        os.replace(item, target / item.name)
