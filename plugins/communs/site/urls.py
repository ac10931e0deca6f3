"""The site's stable French URLs, and where each page is written in the output.

Every renderer asks here; no template or export builds a URL by hand. Paths end with ``/`` and
are served from ``<path>index.html``.
"""

from __future__ import annotations

from communs.records.communes import Commune

ACTORS = "acteurs"
EVENTS = "evenements"
CALLS = "appels"  # calls to take part: needs and offers of actors
COMMUNES = "communes"
THEMES = "themes"
AGENDA = "agenda"
SEARCH = "recherche"
DATA = "donnees"
CONTRIBUTE = "contribuer"
CHANGES = "modifications"
EMBED = "integrer"  # widgets other sites show in an <iframe>
SCHEMAS = "schemas"


def agenda_month(year: int, month: int) -> str:
    """One month of the agenda: every occurrence of that month (/agenda/2027-01/)."""
    return f"/{AGENDA}/{year:04d}-{month:02d}/"


def actor(record_id: str) -> str:
    return f"/{ACTORS}/{record_id}/"


def event(record_id: str) -> str:
    return f"/{EVENTS}/{record_id}/"


def call(record_id: str) -> str:
    """A call's page: it stays once the call is closed (marked so), links to it must not break."""
    return f"/{CALLS}/{record_id}/"


def calls() -> str:
    """The open calls of the whole directory, soonest end first."""
    return f"/{CALLS}/"


def record(kind: str, record_id: str) -> str:
    return {"actor": actor, "event": event, "call": call}[kind](record_id)


def commune(place: Commune) -> str:
    return f"/{COMMUNES}/{place.code}-{place.slug}/"


def commune_programme(place: Commune, year: int, month: int) -> str:
    """A commune's programme of one month, to print (A4) as a town-hall bulletin or a poster."""
    return f"{commune(place)}programme/{year:04d}-{month:02d}/"


def commune_map_data(place: Commune) -> str:
    """The GeoJSON the commune page's map loads (actors and upcoming events)."""
    return f"{commune(place)}carte.geojson"


def theme(value: str) -> str:
    return f"/{THEMES}/{value}/"


NETWORK = "reseau"
SECTOR_THEME = "culture"  # the theme whose actors the sector view (« filière ») shows


def commune_network(place: Commune) -> str:
    """Who works with whom among a commune's actors (lists, and a drawing of the links)."""
    return f"{commune(place)}{NETWORK}/"


def theme_network(value: str) -> str:
    return f"{theme(value)}{NETWORK}/"


def sector() -> str:
    """The culture sector as one whole: actors by discipline and kind, with their links."""
    return f"{theme(SECTOR_THEME)}filiere/"


def event_ics(record_id: str) -> str:
    return f"{event(record_id)}{record_id}.ics"


def data_file(name: str) -> str:
    return f"/{DATA}/{name}"


def schema_file(name: str) -> str:
    """A JSON Schema of the records, as the site publishes it (/schemas/actor.schema.json)."""
    return f"/{SCHEMAS}/{name}"


def commune_geojson(place: Commune) -> str:
    return data_file(f"communes/{place.code}.geojson")


def commune_ics(place: Commune) -> str:
    return data_file(f"communes/{place.code}.ics")


def theme_ics(value: str) -> str:
    """The agenda of one theme, to subscribe to."""
    return data_file(f"themes/{value}.ics")


def commune_theme_ics(code: str, value: str) -> str:
    """The agenda of one theme in one commune (made where the commune has events of that theme)."""
    return data_file(f"communes/{code}/{value}.ics")


def embed_commune_agenda(place: Commune) -> str:
    """A commune's next events, as a widget for another site's <iframe>."""
    return f"/{EMBED}/{COMMUNES}/{place.code}-{place.slug}/agenda/"


def embed_commune_map(place: Commune) -> str:
    """A commune's map as a widget (``?acteur=<id>`` opens on one actor)."""
    return f"/{EMBED}/{COMMUNES}/{place.code}-{place.slug}/carte/"


def embed_theme_agenda(value: str) -> str:
    return f"/{EMBED}/{THEMES}/{value}/agenda/"


def embed_actor_agenda(record_id: str) -> str:
    """The events an actor organises or hosts, as a widget (made for actors that have events)."""
    return f"/{EMBED}/{ACTORS}/{record_id}/agenda/"


def webcal(site_url: str, path: str) -> str:
    """The webcal:// address of a calendar (calendar apps subscribe to it in one tap), or "" when
    the site has no public address yet."""
    return "webcal://" + site_url.split("://", 1)[1].rstrip("/") + path if site_url.startswith(("https://", "http://")) else ""


def changes_page(number: int) -> str:
    return f"/{CHANGES}/" if number <= 1 else f"/{CHANGES}/{number}/"


def commune_changes_feed(place: Commune) -> str:
    return f"{commune(place)}modifications.atom"


def page(name: str) -> str:
    return f"/{name}/"


def output_path(url: str) -> str:
    """Where a URL's file lies in the output folder: '/acteurs/x/' -> 'acteurs/x/index.html'."""
    path = url.lstrip("/")
    return f"{path}index.html" if path.endswith("/") or not path else path


def absolute(site_url: str, url: str) -> str:
    """The URL as re-users and feeds need it: with the site's address when one is configured."""
    return f"{site_url.rstrip('/')}{url}"
