"""Maps: self-hosted, deterministic, small, and safe with hostile record fields."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import time
from pathlib import Path

import pytest

from communs.settings import SiteSettings
from communs.site import vendor
from communs.site.maps import MapParts, map_parts
from communs.site.vendor import VENDOR_DIR, VENDOR_FILES, VendorError, copy_vendor, vendor_url

SITE = SiteSettings(site_url="https://communs.example.org")
DATA_URL = "/communes/97411-saint-denis/carte.geojson"
LABEL = "Carte des acteurs et événements de Saint-Denis"
FORBIDDEN = ("cdn", "jsdelivr", "cloudflare", "unpkg", "jquery", "bootstrap", "font-awesome")
HOSTILE = "<img src=x onerror=alert(1)>"


def commune_map(site: SiteSettings = SITE, **options) -> MapParts:
    arguments = dict(element_id="carte-commune", site=site, data_url=DATA_URL, center=(-20.8789, 55.4481), label=LABEL)
    arguments.update(options)
    return map_parts(**arguments)


def record_features(name: str = "Compagnie Ti Kaz", url: str = "/acteurs/compagnie-ti-kaz/") -> dict:
    return {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [55.4481, -20.8789]},
        "properties": {"name": name, "url": url, "subtitle": "association", "type": "actor"},
    }]}


def record_map(**options) -> MapParts:
    arguments = dict(element_id="carte-fiche", site=SITE, features=record_features(), center=(-20.8789, 55.4481),
                     zoom=16, cluster=False, height="260px", label="Carte : Compagnie Ti Kaz")
    arguments.update(options)
    return map_parts(**arguments)


def urls_in(text: str) -> list[str]:
    # JSON in the script escapes '<', '>' and '&' as \u003c ... ; undo that before looking.
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda match: chr(int(match.group(1), 16)), text)
    return re.findall(r"""(?:https?:)?//[^\s"'<>)\\]+""", text)


def test_same_inputs_same_bytes():
    assert commune_map() == commune_map()
    assert record_map() == record_map()
    for parts in (commune_map(), record_map()):
        # folium's own ids are 32 random hex digits: none may survive.
        assert not re.search(r"[0-9a-f]{32}", parts.head + parts.html + parts.script)


def test_varying_inputs_change_only_the_config():
    first, second = commune_map(), commune_map(element_id="autre", data_url="/autre.geojson", center=(1.0, 2.0), zoom=12)
    assert first.script != second.script
    function = first.script[: first.script.rindex("})(") + 2]
    assert second.script.startswith(function)  # the cached code is shared, only the JSON differs
    assert first.script.startswith("<script>") and first.script.endswith(");</script>")
    config = json.loads(second.script[len(function) + 1: -len(");</script>")])
    assert config == {"id": "autre", "height": "420px", "center": [1.0, 2.0], "zoom": 12, "url": "/autre.geojson"}
    assert 'id="autre"' in second.html and "#autre{" in second.head


@pytest.mark.parametrize("make", [commune_map, record_map])
def test_nothing_external_but_the_tile_server(make):
    parts = make()
    everything = parts.head + parts.html + parts.script
    for word in FORBIDDEN:
        assert word not in everything.lower(), word
    allowed = [SiteSettings.tiles_url.split("{", 1)[0], *urls_in(SiteSettings.tiles_attribution), SITE.site_url + "/"]
    for url in urls_in(parts.head + parts.script):
        assert any(url.startswith(prefix) for prefix in allowed), url


def test_vendor_tags_point_at_published_files():
    parts = commune_map()
    published = {target for _source, target in VENDOR_FILES}
    links = re.findall(r'(?:href|src)="([^"]+)"', parts.head)
    assert len(links) == 5
    prefix = f"{SITE.site_url}/{VENDOR_DIR}/"
    for link in links:
        assert link.startswith(prefix) and link[len(prefix):] in published, link
    assert '<script defer src="https://communs.example.org/theme/vendor/leaflet/leaflet.js"></script>' in parts.head
    # Without clustering, markercluster is not loaded.
    assert "markercluster" not in record_map().head.lower() and "markerClusterGroup" not in record_map().script


def test_vendor_url():
    assert vendor_url("", "leaflet/leaflet.js") == "/theme/vendor/leaflet/leaflet.js"
    assert vendor_url("https://x.org/", "leaflet/leaflet.css") == "https://x.org/theme/vendor/leaflet/leaflet.css"
    with pytest.raises(ValueError):
        vendor_url("", "leaflet/unknown.js")


def test_vendor_files_include_images_and_cluster_css():
    targets = {target for _source, target in VENDOR_FILES}
    for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png", "layers.png", "layers-2x.png"):
        assert f"leaflet/images/{name}" in targets
    assert {"leaflet.markercluster/MarkerCluster.css", "leaflet.markercluster/MarkerCluster.Default.css"} <= targets


def installed_node_modules() -> Path:
    node_modules = vendor.default_node_modules()
    if not all((node_modules / source).is_file() for source, _target in VENDOR_FILES):
        pytest.skip("npm packages not installed (npm ci)")
    return node_modules


def test_copy_vendor_copies_then_does_nothing(tmp_path: Path):
    node_modules = installed_node_modules()
    written = copy_vendor(tmp_path, node_modules)
    assert len(written) == len(VENDOR_FILES)
    for source, target in VENDOR_FILES:
        path = tmp_path / VENDOR_DIR / target
        assert path.read_bytes() == (node_modules / source).read_bytes()
    # Every URL the page asks for is a file the build wrote.
    for link in re.findall(r'(?:href|src)="([^"]+)"', commune_map(site=SiteSettings()).head):
        assert (tmp_path / link.lstrip("/")).is_file(), link
    times = {path: path.stat().st_mtime_ns for path in written}
    time.sleep(0.01)
    assert copy_vendor(tmp_path, node_modules) == []
    assert {path: path.stat().st_mtime_ns for path in written} == times
    # A changed file is rewritten, and only it.
    changed = tmp_path / VENDOR_DIR / "leaflet/leaflet.css"
    changed.write_text("/* stale */")
    assert copy_vendor(tmp_path, node_modules) == [changed]


def test_copy_vendor_without_node_modules(tmp_path: Path):
    with pytest.raises(VendorError) as error:
        copy_vendor(tmp_path / "out", tmp_path / "node_modules")
    message = str(error.value)
    assert "run `npm ci`" in message and "lancez `npm ci`" in message
    assert not (tmp_path / "out").exists()


def test_tiles_come_from_settings():
    site = dataclasses.replace(SITE, tiles_url="https://tuiles.example.net/{z}/{x}/{y}.png",
                               tiles_attribution="Tuiles : Exemple SARL")
    script = commune_map(site=site).script
    assert '"https://tuiles.example.net/{z}/{x}/{y}.png"' in script
    assert '"attribution": "Tuiles : Exemple SARL"' in script
    assert "openstreetmap" not in script.lower()
    default = commune_map().script
    assert json.dumps(SiteSettings.tiles_url) in default


def test_hostile_fields_are_data_not_html():
    features = record_features(name=HOSTILE, url="javascript:alert(1)")
    features["features"][0]["properties"]["subtitle"] = "</script><script>alert(2)</script>"
    parts = record_map(features=features)
    code = parts.script.removeprefix("<script>").removesuffix("</script>")
    assert "<img" not in code and "</script" not in code.lower() and "<script" not in code.lower()
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in parts.script
    assert "innerHTML" not in parts.script and "insertAdjacentHTML" not in parts.script
    assert "textContent" in parts.script
    # The label is escaped in the container.
    html = record_map(label=HOSTILE, fallback=HOSTILE).html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_container_is_accessible_and_says_something_without_javascript():
    parts = commune_map()
    assert parts.html.startswith('<div id="carte-commune" class="communs-map" role="region" aria-label="')
    assert f'aria-label="{LABEL}"' in parts.html
    assert "JavaScript" in parts.html and "liste" in parts.html
    assert "@media (scripting:enabled){#carte-commune{height:420px}}" in parts.head
    # What the script says when the data cannot be loaded.
    assert "La carte n\\u2019a pas pu \\u00eatre charg\\u00e9e." in parts.script


@pytest.mark.parametrize("options", [
    {"element_id": "1carte"}, {"element_id": 'x" onload="y'}, {"data_url": "javascript:alert(1)"},
    {"data_url": "//evil.example/x.geojson"}, {"data_url": "/a b"}, {"data_url": None},
    {"features": {"type": "FeatureCollection", "features": []}}, {"height": "1px;background:red"},
    {"center": (91.0, 0.0)}, {"center": (float("nan"), 0.0)}, {"zoom": 30}, {"zoom": True}, {"label": " "},
])
def test_bad_arguments_are_refused(options):
    with pytest.raises(ValueError):
        commune_map(**options)


def test_relative_and_absolute_data_urls_are_accepted():
    for url in ("carte.geojson", "/communes/x/carte.geojson", "https://communs.example.org/x.geojson"):
        assert json.dumps(url) in commune_map(data_url=url).script


def test_small_per_page():
    for name, parts in (("commune", commune_map()), ("record", record_map())):
        size = len(gzip.compress((parts.head + parts.html + parts.script).encode("utf-8"), 9))
        print(f"{name} map: head+html+script {len(parts.head + parts.html + parts.script)} bytes, {size} bytes gzipped")
        assert size < 3 * 1024


def test_map_parts_is_fast_once_warm():
    commune_map()
    start = time.perf_counter()
    for index in range(200):
        commune_map(element_id=f"carte{index}", center=(-21.0 + index / 1000, 55.5))
    per_call = (time.perf_counter() - start) / 200
    print(f"map_parts: {per_call * 1e6:.0f} µs per call (warm)")
    assert per_call < 0.002


def test_map_code_kept_between_builds_is_folium_code(tmp_path):
    """A build keeps each configuration's code in its cache: the next one reads it (without
    importing folium) and gets the same bytes; a damaged file is rendered again."""
    import os
    import subprocess
    import sys

    from communs.site import maps

    maps._rendered.cache_clear()
    maps.keep_rendered_in(tmp_path)
    try:
        first = commune_map()
        kept = sorted(tmp_path.glob("*.json"))
        assert len(kept) == 1
        maps._rendered.cache_clear()
        assert commune_map() == first
        kept[0].write_text("[1, 2", encoding="utf-8")
        maps._rendered.cache_clear()
        assert commune_map() == first
    finally:
        maps.keep_rendered_in(None)
        maps._rendered.cache_clear()
    script = (
        "import sys\nfrom pathlib import Path\nfrom communs.settings import SiteSettings\nfrom communs.site import maps\n"
        f"maps.keep_rendered_in(Path({str(tmp_path)!r}))\n"
        f"maps.map_parts(element_id='carte-commune', site=SiteSettings(site_url={SITE.site_url!r}), data_url={DATA_URL!r}, center=(-20.8789, 55.4481), label={LABEL!r})\n"
        "print('folium' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(Path(maps.__file__).parents[2])})
    assert done.stdout.strip() == "False"
