"""The code of a map, rendered by folium: imported only when a configuration's code is not known
yet (see ``maps._rendered``), since importing folium takes a second or more."""

from __future__ import annotations

import html

import folium
from folium.plugins import MarkerCluster
from folium.template import Template

from communs.site.maps import CLUSTER_CSS, CLUSTER_JS, CONTAINER_CLASS, FALLBACK_CLASS, FIT_MAX_ZOOM, LEAFLET_CSS, LEAFLET_JS, POPUP_CLASS
from communs.site.vendor import vendor_url


class _Map(folium.Map):
    """folium's Map, reduced to its script: the page, not folium, owns <head> and the container.

    It draws into ``box`` (the container element) at ``cfg.center`` / ``cfg.zoom`` (see _PAGE),
    with the zoom buttons' and the popups' close button's labels in the site's language.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        map = L.map(box, {
            center: cfg.center,
            zoom: cfg.zoom,
            crs: L.CRS.{{ this.crs }},
            ...{{ this.options|tojavascript }}
        });
        L.control.zoom({zoomInTitle: msg.zoomIn, zoomOutTitle: msg.zoomOut}).addTo(map);
        map.on("popupopen", function (event) {
            var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
            if (close) close.setAttribute("aria-label", msg.close);
        });
        {% endmacro %}
        """
    )

    def get_name(self) -> str:
        return "map"


class _RecordLayer(folium.MacroElement):
    """Loads the records' GeoJSON (``cfg.url``, else ``cfg.features``) into ``group``: one
    marker per point, a popup built with DOM calls, then the map fits itself to the data."""

    _template = Template(
        r"""
        {% macro script(this, kwargs) %}
        (function (group) {
            var icons = {};
            function safe(url) {
                return typeof url === "string" && /^(?:https?:\/\/|\/(?![\/\\]))[^\x00-\x20\x7f\\]*$/i.test(url);
            }
            function text(tag, name, value) {
                var node = document.createElement(tag);
                node.className = "{{ this.popup_class }}-" + name;
                node.textContent = String(value);
                return node;
            }
            function popup(p) {
                var node = document.createElement("div"), title = text(safe(p.url) ? "a" : "strong", "name", p.name);
                node.className = "{{ this.popup_class }}";
                if (safe(p.url)) title.href = p.url;
                node.appendChild(title);
                if (p.subtitle) node.appendChild(text("div", "subtitle", p.subtitle));
                if (typeof p.count === "number") node.appendChild(text("div", "count", msg[p.count > 1 ? "many" : "one"].replace("{n}", p.count)));
                if (p.cancelled === true) node.appendChild(text("div", "cancelled", msg.cancelled));
                if (p.approximate === true) node.appendChild(text("div", "approximate", msg.approximate));
                return node;
            }
            function point(feature, latlng) {
                var p = feature.properties || {}, kind = p.type === "event" ? "event" : "actor", key;
                p.name = p.name == null ? "" : String(p.name);
                // A point at the commune's centre is not a street address: a marker of its own.
                key = p.approximate === true ? kind + "-approximate" : kind;
                icons[key] = icons[key] || new L.Icon.Default({className: "{{ this.container_class }}-" + kind + (p.approximate === true ? " {{ this.container_class }}-approximate" : "")});
                return L.marker(latlng, {icon: icons[key], title: p.name, alt: p.name, opacity: p.cancelled === true ? 0.55 : 1})
                    .bindPopup(function () { return popup(p); });
            }
            function add(data) {
                var layer = L.geoJSON(data, {pointToLayer: point}), bounds = layer.getBounds();
                if (group.addLayers) group.addLayers(layer.getLayers()); else group.addLayer(layer);
                if (bounds.isValid()) map.fitBounds(bounds, {padding: [24, 24], maxZoom: {{ this.fit_max_zoom }}, animate: false});
                if (cfg.focus) focus(layer, new URLSearchParams(window.location.search).get(cfg.focus));
            }
            // ?acteur=<id> (a widget showing one structure): open on that record's marker.
            function focus(layer, wanted) {
                if (!wanted || !/^[a-z0-9][a-z0-9-]{0,119}$/.test(wanted)) return;
                layer.eachLayer(function (marker) {
                    var url = (marker.feature && marker.feature.properties || {}).url;
                    if (typeof url !== "string" || url.slice(-(wanted.length + 2)) !== "/" + wanted + "/") return;
                    if (group.zoomToShowLayer) group.zoomToShowLayer(marker, function () { marker.openPopup(); });
                    else { map.setView(marker.getLatLng(), {{ this.fit_max_zoom }}, {animate: false}); marker.openPopup(); }
                });
            }
            // Without tiles (offline, a blocked tile server) the map is a grey box: say why, once.
            map.eachLayer(function (layer) {
                if (!(layer instanceof L.TileLayer)) return;
                layer.once("tileerror", function () {
                    var note = document.createElement("p");
                    note.className = "{{ this.container_class }}-tiles";
                    note.setAttribute("role", "status");
                    note.textContent = msg.tiles;
                    map.getContainer().parentNode.insertBefore(note, map.getContainer().nextSibling);
                });
            });
            if (cfg.url) {
                fetch(cfg.url).then(function (response) {
                    if (!response.ok) throw new Error(response.status);
                    return response.json();
                }).then(add).catch(fail);
            } else {
                add(cfg.features);
            }
        })({{ this.group.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, group: folium.map.Layer) -> None:
        super().__init__()
        self._name = "RecordLayer"
        self._id = "0"
        self.group = group
        self.popup_class = POPUP_CLASS
        self.container_class = CONTAINER_CLASS
        self.fit_max_zoom = FIT_MAX_ZOOM


# One function per map; `body` is folium's script. It waits for the deferred vendor scripts
# (DOMContentLoaded), and falls back to a French sentence when Leaflet, the data or anything
# else fails, rather than leaving an empty grey box.
_PAGE = Template(
    """
    (function (cfg) {
        var msg = {{ messages|tojson }};
        function start() {
            var box = document.getElementById(cfg.id), classes, map = null;
            if (!box) return;
            classes = box.className;
            function fail() {
                if (map) { try { map.remove(); } catch (error) {} map = null; }
                var note = document.createElement("p");
                note.className = "{{ fallback_class }}";
                note.textContent = msg.failed;
                box.className = classes;
                box.removeAttribute("tabindex");
                box.style.height = "auto";
                box.replaceChildren(note);
            }
            if (!window.L{% if cluster %} || !L.markerClusterGroup{% endif %} || !window.fetch) { fail(); return; }
            box.replaceChildren();
            box.style.height = cfg.height;
            try {
                {{ body }}
            } catch (error) {
                fail();
            }
        }
        if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
        else start();
    })
    """
)


def _compact(code: str) -> str:
    """Drop indentation and blank lines (the generated code has no multi-line strings)."""
    return "\n".join(line.strip() for line in code.splitlines() if line.strip())


def render(site_url: str, tiles_url: str, tiles_attribution: str, cluster: bool, messages: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """The vendor tags and the map function for one configuration."""
    css = LEAFLET_CSS + (CLUSTER_CSS if cluster else ())
    js = LEAFLET_JS + (CLUSTER_JS if cluster else ())

    figure_map = _Map(location=None, tiles=None, zoom_control=False, scroll_wheel_zoom=False)
    figure_map.options.pop("zoom", None)  # the zoom is per page: cfg.zoom
    # Instance lists, so that folium's CDN defaults (class attributes) are neither used nor mutated.
    figure_map.default_css = [(f"css{index}", vendor_url(site_url, name)) for index, name in enumerate(css)]
    figure_map.default_js = [(f"js{index}", vendor_url(site_url, name)) for index, name in enumerate(js)]
    tiles = folium.TileLayer(tiles=tiles_url, attr=tiles_attribution, name="tiles", control=False)
    tiles._id = "0"
    tiles.add_to(figure_map)
    if cluster:
        group: folium.map.Layer = MarkerCluster(control=False, show_coverage_on_hover=False)
        group.default_css, group.default_js = [], []
    else:
        group = folium.FeatureGroup(control=False)
    group._id = "0"
    group.add_to(figure_map)
    _RecordLayer(group).add_to(figure_map)

    figure = figure_map.get_root()
    figure.render()
    body = figure.script.render()
    script = _compact(_PAGE.render(messages=dict(messages), body=body, cluster=cluster, fallback_class=FALLBACK_CLASS))

    tags = [f'<link rel="stylesheet" href="{html.escape(url)}">' for _name, url in figure_map.default_css]
    tags += [f'<script defer src="{html.escape(url)}"></script>' for _name, url in figure_map.default_js]
    return "\n".join(tags), script
