"""The site's maps: Leaflet through folium, self-hosted, fed by a GeoJSON file.

``map_parts`` returns three strings for a page template: the vendor tags for ``<head>``, the
map container (an accessible region holding a French sentence for readers without JavaScript)
and the inline ``<script>`` element (anywhere after the container, e.g. the end of ``<body>``). The records themselves travel as GeoJSON: a file beside the page
(``data_url``, commune and overview maps) or a small inline collection (``features``, the one
point of a record page). The script builds popups with DOM calls only: record fields are
untrusted, and none of them is ever parsed as HTML.

folium's elements are given fixed ids (its own are random) and live inside one function per
map, so two maps on a page do not collide and the same inputs give the same bytes. Rendering a
folium figure takes milliseconds, so the rendered code is cached per configuration (site URL,
tiles, clustering, language); what varies per page (element id, data, centre, zoom, height)
is passed to that code as one JSON object, never spliced into it. folium itself (``mapscript``)
is imported only to render a configuration's code, which a build keeps in its cache folder
(``keep_rendered_in``): importing it takes longer than a rebuild after an edit should.

Feature properties the script reads: ``name``, ``url`` (http(s) or site-relative, else the
name is not a link), ``subtitle``, ``type`` ("actor" or "event"), ``cancelled`` (true/false),
``approximate`` (true: the point is the commune's centre; a marker of its own and a note in
the popup) and ``count`` (overview map of communes: shown as "N fiches").
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from communs.fingerprints import digest
from communs.i18n import _, ngettext
from communs.settings import SiteSettings
from communs.site.jsontext import html_safe

# CSS classes the theme may style.
CONTAINER_CLASS = "communs-map"
FALLBACK_CLASS = "communs-map-fallback"
POPUP_CLASS = "communs-map-popup"
# Markers carry "communs-map-actor" or "communs-map-event", and "communs-map-approximate" when
# the point is the commune's centre; cancelled events are faded.

# Zoom the map never exceeds when it fits itself to its data (one point: street level).
FIT_MAX_ZOOM = 16

LEAFLET_CSS = ("leaflet/leaflet.css",)
LEAFLET_JS = ("leaflet/leaflet.js",)
CLUSTER_CSS = ("leaflet.markercluster/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.Default.css")
CLUSTER_JS = ("leaflet.markercluster/leaflet.markercluster.js",)

_ELEMENT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}\Z")
_HEIGHT = re.compile(r"(?:\d{1,4}(?:\.\d{1,3})?)(?:px|em|rem|vh|%)\Z")
_UNSAFE_URL_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True)
class MapParts:
    head: str    # <link>/<script defer> tags for the vendor files, and the map's reserved height
    html: str    # the map container, with its fallback text
    script: str  # the inline JavaScript, in its <script> element (for the end of <body>)


def _script_json(value: object) -> str:
    """JSON that is safe inside an inline <script>: no '<', '>', '&' or line separators."""
    return html_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=False))


# Where the rendered code of each configuration is kept between builds (``keep_rendered_in``).
_kept: Path | None = None


def keep_rendered_in(folder: Path | None) -> None:
    """Keep the code folium renders for a configuration in ``folder`` (a build cache), so that a
    later build (or a forked worker) reads it instead of importing folium; None: in memory only."""
    global _kept
    _kept = folder


@lru_cache(maxsize=1)
def _code_key() -> str:
    """What the rendered code depends on besides its configuration: this code and folium's."""
    from importlib.metadata import version

    here = Path(__file__).parent
    return digest(version("folium"), version("branca"), (here / "maps.py").read_bytes(), (here / "mapscript.py").read_bytes())


@lru_cache(maxsize=64)
def _rendered(site_url: str, tiles_url: str, tiles_attribution: str, cluster: bool,
              messages: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """The vendor tags and the map function for one configuration (folium renders here only,
    once per configuration and version when a folder keeps them)."""
    kept = _kept / f"{digest(_code_key(), site_url, tiles_url, tiles_attribution, cluster, messages)}.json" if _kept is not None else None
    if kept is not None:
        try:
            head, script = json.loads(kept.read_text(encoding="utf-8"))
            if isinstance(head, str) and isinstance(script, str):
                return head, script
        except (OSError, ValueError, TypeError):
            pass
    from communs.site import mapscript

    head, script = mapscript.render(site_url, tiles_url, tiles_attribution, cluster, messages)
    if kept is not None:
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            temporary = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps([head, script], ensure_ascii=False), encoding="utf-8")
            temporary.replace(kept)
        except OSError:
            pass  # a cache that cannot be written is only slower
    return head, script


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if (not url or _UNSAFE_URL_CHARACTERS.search(url) or parts.scheme not in ("", "http", "https")
            or (parts.scheme and not parts.netloc) or (not parts.scheme and parts.netloc)):
        raise ValueError(f"data_url must be an http(s) or site-relative URL, not {url!r}")
    return url


def _check_center(center: tuple[float, float]) -> list[float]:
    try:
        lat, lon = (float(value) for value in center)
    except (TypeError, ValueError):
        raise ValueError(f"center must be (latitude, longitude), not {center!r}") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"center out of range: {center!r}")
    return [lat, lon]


# The width a map is drawn for when choosing its first zoom (a laptop's content column).
VIEW_WIDTH_PX = 700


def view_of(extent: tuple[float, float, float, float]) -> tuple[tuple[float, float], int]:
    """The centre and the zoom that show a box (min_lat, min_lon, max_lat, max_lon) whole on a
    map VIEW_WIDTH_PX wide: at zoom z a 256-pixel tile spans 360 / 2**z degrees of longitude."""
    min_lat, min_lon, max_lat, max_lon = extent
    centre = (round((min_lat + max_lat) / 2, 6), round((min_lon + max_lon) / 2, 6))
    # A degree of latitude is drawn taller than one of longitude away from the equator (Mercator).
    span = max(max_lon - min_lon, (max_lat - min_lat) / max(0.2, math.cos(math.radians(centre[0]))), 0.01)
    zoom = math.floor(math.log2(360 * VIEW_WIDTH_PX / 256 / span))
    return centre, max(3, min(13, zoom))


def map_parts(*, element_id: str, site: SiteSettings, data_url: str | None = None, features: dict | None = None,
              center: tuple[float, float] | None = None, zoom: int | None = None, cluster: bool = True,
              height: str = "420px", label: str, fallback: str | None = None, focus: str | None = None) -> MapParts:
    """The head tags, container and script of one map.

    Exactly one of ``data_url`` (the GeoJSON beside the page) and ``features`` (a small GeoJSON
    dict, inlined) is given. ``center``/``zoom`` is the view while the data loads (default zoom:
    ``site.map_zoom``; without a centre, the whole world); once loaded, the map fits its points.
    ``label`` names the map region for assistive technologies; ``fallback`` says where the
    records are when the map cannot show (default: the list below). ``focus`` names a query
    parameter (``acteur``) whose value, a record id, opens the map on that record's marker.
    """
    if not _ELEMENT_ID.match(element_id):
        raise ValueError(f"element_id must be a letter then letters, digits, '-' or '_': {element_id!r}")
    if (data_url is None) == (features is None):
        raise ValueError("give exactly one of data_url and features")
    if not isinstance(label, str) or not label.strip():
        raise ValueError("label (the map's accessible name) is required")
    if not _HEIGHT.match(height):
        raise ValueError(f"height must be a CSS length such as '420px', not {height!r}")
    if zoom is not None and (isinstance(zoom, bool) or not isinstance(zoom, int) or not 0 <= zoom <= 22):
        raise ValueError(f"zoom must be an integer from 0 to 22, not {zoom!r}")

    messages = (
        ("failed", _("La carte n’a pas pu être chargée.") + " " + (fallback or _("La liste ci-dessous présente toutes les fiches."))),
        ("one", ngettext("{n} fiche", "{n} fiches", 1)),
        ("many", ngettext("{n} fiche", "{n} fiches", 2)),
        ("cancelled", _("Annulé")),
        ("approximate", _("Position approximative : centre de la commune, pas l’adresse.")),
        ("zoomIn", _("Zoom avant")),
        ("zoomOut", _("Zoom arrière")),
        ("close", _("Fermer")),
        ("tiles", _("Le fond de carte ne s’affiche pas (serveur de cartes injoignable) : les points restent placés au bon endroit.")),
    )
    head, function = _rendered(site.site_url, site.tiles_url, site.tiles_attribution, bool(cluster), messages)

    cfg: dict[str, object] = {
        "id": element_id,
        "height": height,
        "center": _check_center(center) if center is not None else [0.0, 0.0],
        "zoom": zoom if zoom is not None else (site.map_zoom if center is not None else 1),
    }
    if focus is not None:
        if not _ELEMENT_ID.match(focus):
            raise ValueError(f"focus must name a query parameter, not {focus!r}")
        cfg["focus"] = focus
    if data_url is not None:
        cfg["url"] = _check_url(data_url)
    else:
        if not isinstance(features, dict):
            raise ValueError("features must be a GeoJSON dict")
        cfg["features"] = features
    try:
        config = _script_json(cfg)
    except (TypeError, ValueError) as error:
        raise ValueError(f"features must be plain, finite JSON: {error}") from None

    # The height is reserved only where scripts run, so that a page read without JavaScript
    # shows a sentence, not an empty box, and one read with it does not jump when the map comes.
    head = f"{head}\n<style>@media (scripting:enabled){{#{element_id}{{height:{height}}}}}</style>"
    note = _("La carte interactive nécessite JavaScript.") + " " + (fallback or _("La liste ci-dessous présente toutes les fiches."))
    container = (
        f'<div id="{element_id}" class="{CONTAINER_CLASS}" role="region" aria-label="{html.escape(label)}">'
        f'<p class="{FALLBACK_CLASS}">{html.escape(note)}</p></div>'
    )
    return MapParts(head=head, html=container, script=f"<script>{function}({config});</script>")
