"""Front-end libraries published with the site.

Leaflet and its plugins come from npm (pinned in ``package.json`` and ``package-lock.json``,
installed with ``npm ci``); nothing of theirs is committed, and no page loads them from a
third-party CDN. The build copies the files listed here under ``theme/vendor/`` in the output:
from the package's ``vendor/`` folder in an installed wheel (``make wheel`` fills it from npm, so an
instance needs no npm), from ``node_modules`` in a source checkout.

``python -m communs.site.vendor DEST`` writes them into DEST, laid out as they are published.
"""

from __future__ import annotations

from pathlib import Path

from communs import resources
from communs.i18n import _
from communs.site.outputs import write_if_changed

# Where the vendor files go, under the output folder (Pelican's THEME_STATIC_DIR is "theme").
VENDOR_DIR = "theme/vendor"

_LEAFLET_IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")

# (path under node_modules, path under the output's theme/vendor/). Leaflet finds its marker
# icons relative to leaflet.css (images/ beside it), so that layout is kept. Source maps are
# left out: they name ../src/ files npm does not ship. Licence texts travel with the code.
VENDOR_FILES: tuple[tuple[str, str], ...] = (
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    *((f"leaflet/dist/images/{name}", f"leaflet/images/{name}") for name in _LEAFLET_IMAGES),
    ("leaflet/LICENSE", "leaflet/LICENSE"),
    ("leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster/leaflet.markercluster.js"),
    ("leaflet.markercluster/dist/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.css"),
    ("leaflet.markercluster/dist/MarkerCluster.Default.css", "leaflet.markercluster/MarkerCluster.Default.css"),
    ("leaflet.markercluster/MIT-LICENCE.txt", "leaflet.markercluster/LICENSE"),
)

PUBLISHED = frozenset(target for _source, target in VENDOR_FILES)


class VendorError(FileNotFoundError):
    """The npm packages the site needs are not installed."""


def default_node_modules() -> Path:
    checkout = resources.checkout_dir()
    return (checkout if checkout is not None else Path.cwd()) / "node_modules"


def vendor_sources(node_modules: Path | None = None) -> dict[str, Path]:
    """Where each published file comes from (target -> file): ``node_modules`` when given, else
    the package's own copy when complete (an installed wheel), else the checkout's node_modules."""
    if node_modules is None:
        packaged = {target: resources.vendor_dir() / target for target in sorted(PUBLISHED)}
        if all(path.is_file() for path in packaged.values()):
            return packaged
        node_modules = default_node_modules()
    node_modules = Path(node_modules)
    missing = [source for source, _target in VENDOR_FILES if not (node_modules / source).is_file()]
    if missing:
        raise VendorError(
            f"{node_modules}: npm packages missing ({', '.join(missing)}); run `npm ci` at the project root"
            " / " + _("paquets npm manquants ; lancez `npm ci` à la racine du projet")
        )
    return {target: node_modules / source for source, target in VENDOR_FILES}


def write_vendor(base: Path, node_modules: Path | None = None, *, every: bool = False) -> list[Path]:
    """Write the vendor files under ``base`` as they are published; returns the files written
    (``every``: every vendor file, written or already in place).

    A file whose bytes are already in place is left alone (its mtime too), so a second call
    rewrites nothing and returns an empty list.
    """
    written: list[Path] = []
    for target, source in vendor_sources(node_modules).items():
        path = Path(base) / target
        if write_if_changed(path, source.read_bytes()) or every:
            written.append(path)
    return written


def copy_vendor(output: Path, node_modules: Path | None = None, *, every: bool = False) -> list[Path]:
    """Copy the vendor files into ``output/theme/vendor/``; returns the files written (see ``write_vendor``)."""
    return write_vendor(Path(output) / VENDOR_DIR, node_modules, every=every)


def vendor_url(site_url: str, name: str) -> str:
    """The URL of a published vendor file, e.g. ``vendor_url("", "leaflet/leaflet.js")`` ->
    ``/theme/vendor/leaflet/leaflet.js``; ``name`` must be one of VENDOR_FILES' targets."""
    if name not in PUBLISHED:
        raise ValueError(f"{name!r} is not a published vendor file; known: {', '.join(sorted(PUBLISHED))}")
    return f"{site_url.rstrip('/')}/{VENDOR_DIR}/{name}"


if __name__ == "__main__":
    import sys

    # `make wheel`: the package's own copy, from the checkout's node_modules.
    for written_path in write_vendor(Path(sys.argv[1]), default_node_modules()):
        print(written_path)
