"""Front-end libraries published with the site, copied from ``node_modules`` at build time.

Leaflet and its plugins come from npm (pinned in ``package.json`` and ``package-lock.json``,
installed with ``npm ci``); nothing of theirs is committed, and no page loads them from a
third-party CDN. The build copies the files listed here under ``theme/vendor/`` in the output.
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
    return resources.root() / "node_modules"


def copy_vendor(output: Path, node_modules: Path | None = None) -> list[Path]:
    """Copy the vendor files into ``output/theme/vendor/``; returns the files written.

    A file whose bytes are already in place is left alone (its mtime too), so a rebuild
    rewrites nothing and the second call returns an empty list.
    """
    node_modules = Path(node_modules) if node_modules is not None else default_node_modules()
    missing = [source for source, _target in VENDOR_FILES if not (node_modules / source).is_file()]
    if missing:
        raise VendorError(
            f"{node_modules}: npm packages missing ({', '.join(missing)}); run `npm ci` at the project root"
            " / " + _("paquets npm manquants ; lancez `npm ci` à la racine du projet")
        )
    written: list[Path] = []
    base = Path(output) / VENDOR_DIR
    for source, target in VENDOR_FILES:
        data = (node_modules / source).read_bytes()
        path = base / target
        if not write_if_changed(path, data):
            continue
        written.append(path)
    return written


def vendor_url(site_url: str, name: str) -> str:
    """The URL of a published vendor file, e.g. ``vendor_url("", "leaflet/leaflet.js")`` ->
    ``/theme/vendor/leaflet/leaflet.js``; ``name`` must be one of VENDOR_FILES' targets."""
    if name not in PUBLISHED:
        raise ValueError(f"{name!r} is not a published vendor file; known: {', '.join(sorted(PUBLISHED))}")
    return f"{site_url.rstrip('/')}/{VENDOR_DIR}/{name}"
