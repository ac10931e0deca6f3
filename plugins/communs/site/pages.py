"""Every page of the site and the data each one declares it needs.

``SiteBuild.specs()`` lists the pages; each ``PageSpec`` names a builder method here that
gathers exactly that page's data from the directory. Templates only format what they are given.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup

from communs.i18n import _
from communs.records import dates
from communs.records.communes import Commune
from communs.records.content import ACTOR, CALL, EVENT, FOLDERS
from communs.records.directory import Directory, call_is_open, open_calls
from communs.records.pictures import limits as picture_limits
from communs.records.record import Record
from communs.records.territory import Territory, territory_of
from communs.records.text import fold, loose_spellings, spelling_variants
from communs.settings import SiteSettings
from communs.site import catalogue, jsonld, maps, network, schemafiles, searchindex, urls
from communs.site.buildcache import digest
from communs.site.history import Change, FileHistory, History
from communs.site.render import PageSpec, Renderer, environment

AGENDA_YEARS = 3  # how far ahead month pages go for a series without end
HOME_EVENTS = 8
HOME_LATEST = 8
CHANGES_PER_PAGE = 50
COMMUNE_CHANGES = 10
# A theme page shows its actors' cards up to this many; beyond, it lists its communes with their
# counts, each a link to the theme's section of the commune page (a national theme page held
# 100,000 cards: 40 MB of HTML).
THEME_CARDS = 300
THEME_EVENTS = 40  # the next events on a theme page; the month pages and the feed hold the rest
PROGRAMME_MONTHS = 3  # printable programmes: this month and the next two, for communes with events then
EMBED_EVENTS = 30  # the next events a widget lists (each series once); its link leads to the rest
HOME_CALLS = 6  # the open calls the home page shows, soonest end first


@dataclass(frozen=True, slots=True)
class Dated:
    """One occurrence of an event, as agendas list them."""

    record: Record
    occurrence: dates.Occurrence


class SiteBuild:
    def __init__(self, directory: Directory, site: SiteSettings, history: History | None = None) -> None:
        self.directory = directory
        self.site = site
        self.today = site.build_date
        self.history = history
        self.pictures: dict[str, Any] = {}  # record id -> site.pictures.Picture, once published
        self._next: dict[str, dates.Occurrence | None] = {}  # see next_of

    # The list of pages ---------------------------------------------------------------------

    def specs(self) -> list[PageSpec]:
        if self._specs is None:
            self._specs = self._all_specs()
        return self._specs

    _specs: list[PageSpec] | None = None

    def _all_specs(self) -> list[PageSpec]:
        d = self.directory
        specs = [
            PageSpec("/", "home.html", "home"),
            PageSpec(f"/{urls.COMMUNES}/", "communes.html", "communes_index"),
            PageSpec(f"/{urls.THEMES}/", "themes.html", "themes_index"),
            PageSpec(f"/{urls.AGENDA}/", "agenda.html", "agenda"),
            PageSpec(f"/{urls.AGENDA}/archives/", "archive.html", "archive"),
            PageSpec(f"/{urls.SEARCH}/", "search.html", "search"),
            PageSpec(f"/{urls.DATA}/", "data.html", "data"),
            PageSpec(f"/{urls.CONTRIBUTE}/", "contribute.html", "contribute", ("actor",)),
            PageSpec(f"/{urls.CONTRIBUTE}/evenement/", "contribute.html", "contribute", ("event",)),
            PageSpec(f"/{urls.CONTRIBUTE}/appel/", "contribute.html", "contribute", ("call",)),
            PageSpec(urls.calls(), "calls.html", "calls_index"),
            PageSpec("/404.html", "404.html", "plain"),
        ]
        specs += [PageSpec(urls.agenda_month(*month), "agenda.html", "agenda_month", month) for month in self.agenda_months[1:]]
        specs += [PageSpec(urls.commune(d.commune(code)), "commune.html", "commune", (code,), code) for code in d.commune_codes()]
        pages = max(1, -(-len(self.history.changes) // CHANGES_PER_PAGE)) if self.history else 1
        specs += [PageSpec(urls.changes_page(number), "changes.html", "changes", (number,)) for number in range(1, pages + 1)]
        specs += [PageSpec(urls.theme(value), "theme.html", "theme", (value,)) for value in d.labels["themes"]]
        specs += [self.record_spec(r) for records in (d.actors, d.events, d.calls) for r in records.values()]
        specs += [
            PageSpec(urls.commune_programme(d.commune(code), year, month), "programme.html", "programme", (code, year, month), code)
            for code, year, month in sorted(self.programmes)
        ]
        specs += self.embed_specs()
        specs += self.network_specs()
        return specs

    @staticmethod
    def record_spec(record: Record) -> PageSpec:
        """The page of one record."""
        url = {ACTOR: urls.actor, EVENT: urls.event, CALL: urls.call}[record.kind](record.id)
        return PageSpec(url, f"{record.kind}.html", record.kind, (record.id,), record.folder)

    def network_specs(self) -> list[PageSpec]:
        """A network page per commune and per theme that has links, and the culture sector view."""
        d = self.directory
        specs: list[PageSpec] = [PageSpec(urls.sector(), "sector.html", "sector")] if d.actors_with_theme(urls.SECTOR_THEME) else []
        if not d.links:
            return specs
        specs += [
            PageSpec(urls.commune_network(d.commune(key)), "network.html", "network", (scope, key), key)
            for scope, key in sorted(self.network_links) if scope == "commune" and d.communes.get(key)
        ]
        specs += [
            PageSpec(urls.theme_network(key), "network.html", "network", (scope, key))
            for scope, key in sorted(self.network_links) if scope == "theme" and key in d.labels["themes"]
        ]
        return specs

    @cached_property
    def network_links(self) -> dict[tuple[str, str], list]:
        """("commune" | "theme", code) -> its links; only communes and themes that have some."""
        return network.scopes(self.directory)

    def network_url(self, scope: str, key: str) -> str:
        if (scope, key) not in self.network_links:
            return ""
        return urls.commune_network(self.directory.commune(key)) if scope == "commune" else urls.theme_network(key)

    def embed_specs(self) -> list[PageSpec]:
        """The widgets other sites frame: per commune an agenda and a map, per theme an agenda,
        per actor that organises or hosts events an agenda."""
        d = self.directory
        specs = []
        for code in d.commune_codes():
            place = d.commune(code)
            specs.append(PageSpec(urls.embed_commune_agenda(place), "embed_agenda.html", "embed_agenda", ("commune", code), code))
            specs.append(PageSpec(urls.embed_commune_map(place), "embed_map.html", "embed_map", (code,), code))
        specs += [PageSpec(urls.embed_theme_agenda(value), "embed_agenda.html", "embed_agenda", ("theme", value)) for value in d.labels["themes"]]
        specs += [
            PageSpec(urls.embed_actor_agenda(r.id), "embed_agenda.html", "embed_agenda", ("actor", r.id), r.folder)
            for r in d.actors.values() if d.events_of(r.id)
        ]
        return specs

    # What each page is made from --------------------------------------------------------

    def inputs(self, spec: PageSpec) -> str:
        """What a page is made from besides the code, templates and settings (the build cache's
        version): the records it shows, the day when it shows what is to come, the history it
        tells. A rebuild renders a page again only when this changed (``buildcache``); it names
        what the page's builder and template read, and no more, so that an edit renders the few
        pages that show what changed."""
        return digest(spec.url, getattr(self, f"_inputs_{spec.builder}")(*spec.args), self.today if self.today_everywhere else "")

    today_everywhere = False  # set when an instance's templates read ``today`` themselves

    @staticmethod
    def _digests(records: list[Record]) -> list[str]:
        return [record.digest for record in records]

    @cached_property
    def upcoming(self) -> dict[str, bool]:
        """Whether each event is still to come (or going on) today."""
        return {record.id: self.next_of(record) is not None for record in self.directory.events.values()}

    def next_of(self, event: Record) -> dates.Occurrence | None:
        """An event's next occurrence (``dates.next_occurrence`` today), worked out once per build:
        its commune's, its themes', its organisers' pages and agendas all ask (a series is
        unrolled each time)."""
        try:
            return self._next[event.id]
        except KeyError:
            found = self._next[event.id] = dates.next_occurrence(event.data, self.today)
            return found

    def _coming(self, events: list[Record]) -> list:
        """What a list of events shows of what is to come: each one's digest, and the day for those
        whose next date moves with it (a series still running)."""
        return [(e.digest, self.upcoming[e.id], self.today if self.upcoming[e.id] and e.data.get("recurrence") else None) for e in events]

    @cached_property
    def records_version(self) -> str:
        d = self.directory
        return digest([(record.id, record.digest) for record in (*d.actors.values(), *d.events.values(), *d.calls.values())])

    @cached_property
    def history_version(self) -> str:
        return self.history.commit or digest(self.history.files, self.history.changes) if self.history is not None else "none"

    def _change(self, change: Change) -> tuple:
        return (repr(change), bool(self.change_link(change)))

    def _links(self, links: list) -> list:
        return [(link.source.digest, link.target.digest, link.type, link.since, link.until, link.note, link.ended(self.today)) for link in links]

    def _dated(self, items: list[Dated]) -> list:
        return [(item.record.digest, repr(item.occurrence)) for item in items]

    def _calls(self, calls: list[Record]) -> list:
        """What a list of calls shows: each call, its actor's name (on its card), whether it is
        still open today."""
        actors = self.directory.actors
        return [(c.digest, getattr(actors.get(c.data.get("actor")), "digest", ""), call_is_open(c, self.today)) for c in calls]

    def _inputs_home(self) -> object:
        return (self.records_version, self.today, self.history_version)

    def _inputs_communes_index(self) -> object:
        return self.commune_counts

    def _inputs_themes_index(self) -> object:
        d = self.directory
        return [(value, len(d.actors_with_theme(value)), len(d.events_with_theme(value))) for value in d.labels["themes"]]

    def _inputs_agenda(self) -> object:
        return self._inputs_agenda_month(self.today.year, self.today.month)

    def _inputs_agenda_month(self, year: int, month: int) -> object:
        current = (year, month) == (self.today.year, self.today.month)
        return (year, month, self._dated(self.agenda_by_month.get((year, month), [])), self.agenda_months, self.directory.commune_themes,
                self.today if current else None)

    def _inputs_archive(self) -> object:
        return [(r.id, r.digest) for r in self.directory.events.values() if not self.upcoming[r.id]]

    def _inputs_search(self) -> object:
        return sorted(self.search_parts)

    def _inputs_data(self) -> object:
        first = self.history.changes[0].moment.isoformat() if self.history is not None and self.history.changes else self.today
        return (self.directory.commune_codes(), first)

    def _inputs_contribute(self, kind: str) -> object:
        return kind

    def _inputs_plain(self) -> object:
        return ""

    def _inputs_commune(self, code: str) -> object:
        d = self.directory
        changes = [self._change(change) for change in self.history.changes_in(code)[:COMMUNE_CHANGES]] if self.history is not None else None
        return (code, self._digests(d.actors_in(code)), self._digests(d.events_in(code)), self.today, changes, self.programme_links(code),
                self.network_url("commune", code), self._calls(d.calls_in(code)))

    def _inputs_changes(self, number: int) -> object:
        if self.history is None:
            return "none"
        chunk = self.history.changes[(number - 1) * CHANGES_PER_PAGE: number * CHANGES_PER_PAGE]
        return (number, -(-len(self.history.changes) // CHANGES_PER_PAGE), [self._change(change) for change in chunk])

    def _inputs_theme(self, value: str) -> object:
        d = self.directory
        actors = d.actors_with_theme(value)
        # Beyond THEME_CARDS actors, the page shows their count per commune, not their cards.
        shown = self._digests(actors) if len(actors) <= THEME_CARDS else sorted(Counter(actor.folder for actor in actors).items())
        return (value, len(actors), shown, self._digests(d.events_with_theme(value)), self.today, self.network_url("theme", value),
                self._calls(d.calls_with_theme(value)))

    def _inputs_actor(self, record_id: str) -> object:
        d = self.directory
        record = d.actors[record_id]
        linked = [a.digest for a in d.linked(record.id)] + [link.ended(self.today) for link in (*d.links_from(record.id), *d.links_to(record.id))]
        return (record.digest, self._coming(d.events_of(record.id)), linked, self._picture_key(record), self.record_history(record),
                self.network_url("commune", record.folder), self._calls(d.calls_of(record.id)))

    def _inputs_event(self, record_id: str) -> object:
        d = self.directory
        record = d.events[record_id]
        venue = d.venue_of(record)
        return (record.digest, self._digests(d.organizers_of(record)), venue.digest if venue else "", self.today, self._picture_key(record),
                self.record_history(record))

    def _inputs_call(self, record_id: str) -> object:
        d = self.directory
        record = d.calls[record_id]
        until, since = record.data["until"], record.data.get("since") or ""
        today = self.today.isoformat()
        # Whether it is open, past its end or not begun yet: what the day changes on its page.
        return (record.digest, self.record_history(record), until < today, since > today, self._calls(d.calls_of(record.data["actor"])),
                d.actors[record.data["actor"]].digest)

    def _inputs_calls_index(self) -> object:
        return self._calls(self.open_calls(self.directory.calls.values()))

    def _inputs_embed_agenda(self, scope: str, key: str) -> object:
        d = self.directory
        if scope == "commune":
            return (scope, key, self._digests(d.events_in(key)), self.today)
        if scope == "theme":
            return (scope, key, self._digests(d.events_with_theme(key)), self.today)
        return (scope, key, d.actors[key].digest, self._digests(d.events_of(key)), self.today)

    def _inputs_embed_map(self, code: str) -> object:
        return code

    def _inputs_programme(self, code: str, year: int, month: int) -> object:
        d = self.directory
        items = self.programmes[(code, year, month)]
        around = [(self._digests(d.organizers_of(item.record)), getattr(d.venue_of(item.record), "digest", "")) for item in items]
        return (code, year, month, self._dated(items), around, self.programme_links(code))

    def _inputs_network(self, scope: str, key: str) -> object:
        return (scope, key, self._links(self.network_links[(scope, key)]))

    def _inputs_sector(self) -> object:
        d = self.directory
        return (self._digests(d.actors_with_theme(urls.SECTOR_THEME)), self._links(d.links), self.network_url("theme", urls.SECTOR_THEME))

    def in_sitemap(self, spec: PageSpec) -> bool:
        """Pages search engines are asked to index: not the widgets (other sites' frames) nor the
        pages of closed calls (both noindex)."""
        if spec.url.startswith(f"/{urls.EMBED}/"):
            return False
        return not (spec.builder == "call" and not call_is_open(self.directory.calls[spec.args[0]], self.today))

    def _picture_key(self, record: Record) -> str:
        picture = self.pictures.get(record.id)
        return picture.digest if picture is not None else ""

    def renderer(self, output: Path) -> Renderer:
        """What renders this build's pages into ``output``: the theme's templates with the site's
        helpers (compiled once per process), and this build's page builders."""
        site = self.site
        env = environment(template_filters(self.directory, site), template_globals(site), site.template_overrides, keep=True)
        return Renderer(env, self.builders(), output)

    def builders(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (
            "home", "communes_index", "contribute", "changes", "themes_index", "agenda", "agenda_month", "archive", "plain", "search", "data",
            "commune", "theme", "actor", "event", "call", "calls_index", "embed_agenda", "embed_map", "programme", "network", "sector",
        )}

    # Shared pieces -------------------------------------------------------------------------

    def record_history(self, record: Record) -> FileHistory | None:
        return self.history.of_record(record.kind, record.folder, record.stem) if self.history is not None else None

    def next_events(self, events: list[Record]) -> list[Dated]:
        """Each event once, at its next occurrence, soonest first."""
        found = []
        for record in events:
            following = self.next_of(record)
            if following is not None:
                found.append(Dated(record, following))
        found.sort(key=lambda item: (item.occurrence.first_day, dates.iso(item.occurrence.start), item.record.id))
        return found

    @cached_property
    def agenda_by_month(self) -> dict[tuple[int, int], list[Dated]]:
        """Every occurrence from today on, by month, soonest first: the month view of the agenda,
        the one place where a series shows each of its dates. One pass over the events for all
        month pages; a series without end runs AGENDA_YEARS ahead. This month also holds what
        started earlier and is still on."""
        horizon = self.today.replace(year=self.today.year + AGENDA_YEARS)
        current = (self.today.year, self.today.month)
        months: dict[tuple[int, int], list[Dated]] = {current: []}
        for record in self.directory.events.values():
            for occurrence in dates.occurrences(record.data, start=self.today, end=horizon, limit=5000):
                day = max(occurrence.first_day, self.today)
                months.setdefault((day.year, day.month), []).append(Dated(record, occurrence))
        for items in months.values():
            items.sort(key=lambda item: (item.occurrence.first_day, dates.iso(item.occurrence.start), item.record.id))
        return dict(sorted(months.items()))

    @property
    def programme_months(self) -> list[tuple[int, int]]:
        """This month and the next ones, PROGRAMME_MONTHS in all: calendar months, so that a
        commune's programmes depend on its own events only (a part of the build sees no other)."""
        first = self.today.year * 12 + self.today.month - 1
        return [(number // 12, number % 12 + 1) for number in range(first, first + PROGRAMME_MONTHS)]

    @cached_property
    def programmes(self) -> dict[tuple[str, int, int], list[Dated]]:
        """A commune's occurrences per month, for the PROGRAMME_MONTHS months of its printable
        programmes; only months where the commune has something."""
        found: dict[tuple[str, int, int], list[Dated]] = defaultdict(list)
        for year, month in self.programme_months:
            for item in self.agenda_by_month.get((year, month), []):
                found[(item.record.folder, year, month)].append(item)
        return dict(found)

    def programme_links(self, code: str) -> list[tuple[str, str]]:
        """(month in words, url) of a commune's printable programmes."""
        place = self.directory.commune(code)
        return [
            (dates.format_month(date(year, month, 1)), urls.commune_programme(place, year, month))
            for year, month in self.programme_months if (code, year, month) in self.programmes
        ]

    def programme(self, code: str, year: int, month: int) -> dict:
        """One month of a commune's events, every date of a series, laid out for an A4 page."""
        d = self.directory
        place = d.commune(code)
        items = self.programmes[(code, year, month)]
        page = f"{self.site.site_url}{urls.commune(place)}"
        # A series is written once, with its rhythm and its dates of the month (a weekly market
        # would otherwise fill the sheet); the other events day by day.
        regular: dict[str, list[Dated]] = {}
        for item in items:
            if item.record.data.get("recurrence"):
                regular.setdefault(item.record.id, []).append(item)
        return {
            "commune": place,
            "month": dates.format_month(date(year, month, 1)),
            "agenda": self.by_day([item for item in items if item.record.id not in regular]),
            "regular": list(regular.values()),
            "venues": {item.record.id: d.venue_of(item.record) for item in items},
            "organizers": {item.record.id: d.organizers_of(item.record) for item in items},
            "commune_url": page,
            # A code to scan, for readers of the paper who want the page: only for a public address.
            "qr": qr_code(page, _("Code QR de la page de {name}").format(name=place.name)) if page.startswith(("https://", "http://")) else "",
            "months": self.programme_links(code),
        }

    @property
    def agenda_months(self) -> list[tuple[int, int]]:
        """The months from this one to the last with an occurrence; each is a page of the agenda,
        this month's is /agenda/ itself."""
        return list(self.agenda_by_month)

    def month_links(self, current: tuple[int, int]) -> list[tuple[str, str, bool]]:
        """(label, url, is the page's own month) for the agenda's month navigation."""
        links = []
        for index, (year, month) in enumerate(self.agenda_months):
            url = f"{self.site.site_url}/{urls.AGENDA}/" if index == 0 else f"{self.site.site_url}{urls.agenda_month(year, month)}"
            links.append((dates.format_month(date(year, month, 1)), url, (year, month) == current))
        return links

    def by_day(self, items: list[Dated]) -> list[tuple[date, list[Dated]]]:
        days: dict[date, list[Dated]] = defaultdict(list)
        for item in items:
            days[max(item.occurrence.first_day, self.today)].append(item)
        return sorted(days.items())

    def correction_url(self, record: Record) -> str:
        if self.site.contribution_service_url:
            return f"{self.site.contribution_service_url.rstrip('/')}/{urls.CONTRIBUTE}/{record.kind}/{record.id}"
        if self.site.forge_edit_url:
            return self.site.forge_edit_url.format(path=self.record_path(record))
        return ""

    def history_url(self, record: Record) -> str:
        return self.site.forge_history_url.format(path=self.record_path(record)) if self.site.forge_history_url else ""

    @staticmethod
    def record_path(record: Record) -> str:
        return f"content/{FOLDERS[record.kind]}/{record.folder}/{record.stem}.yml"

    def commune_map(self, place: Commune, **options: Any) -> maps.MapParts:
        """A commune's map of actors and upcoming events (its page, its widget)."""
        return maps.map_parts(
            element_id="carte",
            site=self.site,
            data_url=f"{self.site.site_url}{urls.commune_map_data(place)}",
            center=(place.lat, place.lon) if place.lat is not None else None,
            label=_("Carte des acteurs et événements de {name}").format(name=place.name),
            **options,
        )

    def small_map(self, record: Record, element_id: str) -> maps.MapParts | None:
        position = self.directory.position(record)
        if position is None:
            return None
        lat, lon = position
        # No point of its own: the commune's centre, drawn apart and not shown at street level.
        approximate = self.directory.position_is_approximate(record)
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {"name": record.name, "type": record.kind, "url": "", "subtitle": "", "approximate": approximate},
        }
        return maps.map_parts(
            element_id=element_id,
            site=self.site,
            features={"type": "FeatureCollection", "features": [feature]},
            center=(lat, lon),
            zoom=self.site.map_zoom if approximate else 15,
            cluster=False,
            height="260px",
            label=_("Carte : {name}").format(name=record.name),
            fallback=_("L'adresse et la commune sont indiquées sur cette page."),
        )

    @cached_property
    def territory(self) -> Territory | None:
        return territory_of(self.site, self.directory.communes)

    def overview_view(self) -> tuple[tuple[float, float] | None, int]:
        """Where the overview map opens: on the territory's extent when the settings name one
        (even before any record), else on the communes that have records."""
        extent = self.territory.extent(self.directory.communes) if self.territory is not None else None
        if extent is None:
            points = [(c.lat, c.lon) for c in map(self.directory.commune, self.directory.commune_codes()) if c.lat is not None]
            if not points:
                return None, self.site.map_zoom
            lats, lons = zip(*points)
            return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2), self.site.map_zoom
        return maps.view_of(extent)

    def search_commune(self) -> str:
        """The commune the search field's example names: the territory's largest, else the
        largest that has records."""
        d = self.directory
        places = self.territory.communes(d.communes) if self.territory is not None else [d.commune(code) for code in d.commune_codes()]
        if not places:
            return ""
        return min(places, key=lambda c: (-(c.population or 0), c.code)).name.lower()

    def territory_communes(self) -> list[tuple[Commune, int, int]]:
        """The territory's communes with their counts of actors and events, records or not."""
        if self.territory is None:
            return []
        d = self.directory
        return [(c, len(d.actors_in(c.code)), len(d.events_in(c.code))) for c in self.territory.communes(d.communes)]

    @cached_property
    def commune_counts(self) -> list[tuple[str, int, int]]:
        d = self.directory
        return [(code, len(d.actors_in(code)), len(d.events_in(code))) for code in d.commune_codes()]

    # Builders ------------------------------------------------------------------------------

    def plain(self) -> dict:
        return {}

    # Search ----------------------------------------------------------------------------------

    @cached_property
    def search_parts(self) -> dict[str, list[PageSpec]]:
        """The pages each part of the search index holds (see searchindex)."""
        parts: dict[str, list[PageSpec]] = {}
        for spec in self.specs():
            key = searchindex.part_of(spec)
            if key is not None:
                parts.setdefault(key, []).append(spec)
        return parts

    def search(self) -> dict:
        return {"search_bundles": [searchindex.bundle_path(key) for key in sorted(self.search_parts) if key != searchindex.MAIN]}

    def change_link(self, change: Change) -> str:
        """The record page of a change, when the record still exists."""
        return urls.record(change.kind, change.record_id) if change.record_id in self.directory.records_of(change.kind) else ""

    def changes(self, number: int) -> dict:
        """The directory's latest changes, 50 per page."""
        if self.history is None:
            return {"available": False, "items": [], "number": 1, "pages": 1}
        total = max(1, -(-len(self.history.changes) // CHANGES_PER_PAGE))
        chunk = self.history.changes[(number - 1) * CHANGES_PER_PAGE: number * CHANGES_PER_PAGE]
        return {
            "available": True,
            "items": [(change, self.change_link(change), self.directory.communes.get(change.commune)) for change in chunk],
            "number": number,
            "pages": total,
            "previous": urls.changes_page(number - 1) if number > 1 else "",
            "next": urls.changes_page(number + 1) if number < total else "",
        }

    def contribute(self, kind: str) -> dict:
        """The contribution page: the form posts to the service, or prepares the file for the forge."""
        from communs.records.forms import HONEYPOT, form_for

        return {
            "form": form_for(kind), "kind": kind, "action": "create", "values": {}, "errors": {}, "mistakes": [], "repairs": [],
            "token": "", "honeypot": HONEYPOT, "record_id": "", "notice": "", "current_picture": None, "picture_sent": False,
            "service_url": self.site.contribution_service_url.rstrip("/"), "forge_new_url": self.site.forge_new_url,
            "switch_url": f"{self.site.site_url}/{urls.CONTRIBUTE}/" + ("evenement/" if kind == "actor" else ""),
            "kinds": form_kinds(kind, lambda slug: f"{self.site.site_url}/{urls.CONTRIBUTE}/" + ("" if slug == "acteur" else f"{slug}/")),
        }

    def home(self) -> dict:
        d = self.directory
        latest: list[tuple[Record, Any]] = []
        if self.history is not None:
            dated = [(r, self.record_history(r)) for r in d.actors.values()]
            latest = sorted(((r, h) for r, h in dated if h), key=lambda item: (item[1].created, item[0].id), reverse=True)[:HOME_LATEST]
        center, zoom = self.overview_view()
        overview = maps.map_parts(
            element_id="carte-communes",
            site=self.site,
            data_url=f"{self.site.site_url}/{urls.COMMUNES}/carte.geojson",
            center=center,
            zoom=zoom,
            cluster=True,  # neighbouring communes' markers overlap on a phone: a tap would open the wrong one
            label=_("Carte des communes de l'annuaire"),
            fallback=_("La liste des communes est sur la page « Communes »."),
        )
        return {
            "actor_count": len(d.actors),
            "event_count": len(d.events),
            "commune_count": len(d.commune_codes()),
            "territory_communes": self.territory_communes(),
            "search_commune": self.search_commune(),
            "upcoming": self.next_events(list(d.events.values()))[:HOME_EVENTS],
            "calls": self.open_calls(d.calls.values())[:HOME_CALLS],
            "call_count": len(self.open_calls(d.calls.values())),
            "latest": latest,
            "themes": [(choice, len(d.actors_with_theme(value))) for value, choice in d.labels["themes"].items()],
            "map": overview,
        }

    def communes_index(self) -> dict:
        d = self.directory
        groups: dict[str, list] = defaultdict(list)
        for code, actors, events in self.commune_counts:
            commune = d.commune(code)
            groups[commune.departement].append((commune, actors, events))
        # People look for a name: communes in alphabetical order, accents and case aside (« Étang » with the E's).
        departements = [(d.communes.departement(code), sorted(items, key=lambda item: (fold(item[0].name), item[0].name))) for code, items in sorted(groups.items())]
        return {"departements": departements}

    def commune(self, code: str) -> dict:
        d = self.directory
        commune = d.commune(code)
        actors = d.actors_in(code)
        themes = [
            (choice, [a for a in actors if value in a.data["themes"]])
            for value, choice in d.labels["themes"].items()
        ]
        return {
            "commune": commune,
            "departement": d.communes.departement(commune.departement),
            "actors": actors,
            "themes": [(choice, members) for choice, members in themes if members],
            "agenda": self.by_day(self.next_events(d.events_in(code))),
            "event_count": len(d.events_in(code)),
            "map": self.commune_map(commune),
            "geojson_url": urls.commune_geojson(commune),
            "ics_url": urls.commune_ics(commune),
            "changes": [(c, self.change_link(c)) for c in self.history.changes_in(code)[:COMMUNE_CHANGES]] if self.history else None,
            "changes_feed": urls.commune_changes_feed(commune),
            "embeds": self.embeds("commune", code),
            "programmes": self.programme_links(code),
            "network_url": self.network_url("commune", code),
            "calls": self.open_calls(d.calls_in(code)),
        }

    # Calls to take part ---------------------------------------------------------------------

    def open_calls(self, records) -> list[Record]:
        """Calls people can still answer today, soonest end first."""
        return sorted(open_calls(records, self.today), key=lambda r: (r.data["until"], r.id))

    def calls_index(self) -> dict:
        """Every open call: what actors need, then what they offer; each list soonest end first."""
        d = self.directory
        found = self.open_calls(d.calls.values())
        return {
            "needs": [r for r in found if d.call_direction(r) == "need"],
            "offers": [r for r in found if d.call_direction(r) == "offer"],
            "count": len(found),
            "communes": sorted({d.commune(r.folder) for r in found}, key=lambda c: (fold(c.name), c.code)),
        }

    def call(self, record_id: str) -> dict:
        d = self.directory
        record = d.calls[record_id]
        actor = d.actors[record.data["actor"]]
        status = record.data.get("status", "open")
        since = record.data.get("since")
        return {
            "record": record,
            "commune": d.commune(record.folder),
            "actor": actor,
            "actor_commune": d.commune(actor.folder),
            "status": status,
            "is_open": call_is_open(record, self.today),
            "expired": status == "open" and record.data["until"] < self.today.isoformat(),
            "not_yet": bool(since) and since > self.today.isoformat(),
            # How to answer: the call's own contact, or its actor's.
            "contact": record.data.get("contact") or actor.data.get("contact") or {},
            "contact_is_actors": not record.data.get("contact"),
            "correction_url": self.correction_url(record),
            "history_url": self.history_url(record),
            "history": self.record_history(record),
            "others": [r for r in self.open_calls(d.calls_of(actor.id)) if r.id != record_id],
        }

    # Widgets ---------------------------------------------------------------------------------

    def embed_agenda(self, scope: str, key: str) -> dict:
        """The next events of a commune, a theme or an actor, for another site's <iframe>."""
        d = self.directory
        if scope == "commune":
            place = d.commune(key)
            events, title, full = d.events_in(key), _("Agenda de {name}").format(name=place.name), urls.commune(place)
        elif scope == "theme":
            choice = d.labels["themes"][key]
            events, title, full = d.events_with_theme(key), _("Agenda : {theme}").format(theme=choice.title), urls.theme(key)
        else:
            record = d.actors[key]
            events, title, full = d.events_of(key), _("Agenda de {name}").format(name=record.data["name"]), urls.actor(key)
        following = self.next_events(events)
        return {
            "title": title,
            "full_url": full,
            "agenda": self.by_day(following[:EMBED_EVENTS]),
            "more": max(0, len(following) - EMBED_EVENTS),
            "show_commune": scope != "commune",
        }

    def embed_map(self, code: str) -> dict:
        place = self.directory.commune(code)
        return {
            "title": _("Carte de {name}").format(name=place.name),
            "full_url": urls.commune(place),
            "map": self.commune_map(
                place, fallback=_("Les fiches sont sur le site de l’annuaire (lien ci-dessous)."), height="100vh", focus="acteur",
            ),
        }

    def embeds(self, scope: str, key: str) -> list[dict]:
        """The widgets a commune or actor page offers to copy (see the snippet in macros.html)."""
        d = self.directory
        if scope == "commune":
            place = d.commune(key)
            found = [("agenda", _("L’agenda de la commune"), urls.embed_commune_agenda(place)), ("carte", _("La carte de la commune"), urls.embed_commune_map(place))]
        else:
            record = d.actors[key]
            place = d.commune(record.folder)
            found = [("agenda", _("Nos événements"), urls.embed_actor_agenda(key))] if d.events_of(key) else []
            found.append(("carte", _("Notre fiche sur la carte de la commune"), f"{urls.embed_commune_map(place)}?acteur={key}"))
        return [{"kind": kind, "label": label, "url": f"{self.site.site_url}{url}"} for kind, label, url in found]

    def themes_index(self) -> dict:
        d = self.directory
        return {"themes": [(choice, len(d.actors_with_theme(v)), len(d.events_with_theme(v))) for v, choice in d.labels["themes"].items()]}

    def theme(self, value: str) -> dict:
        d = self.directory
        actors = d.actors_with_theme(value)
        by_commune: dict[str, list[Record]] = defaultdict(list)
        for actor in actors:
            by_commune[actor.folder].append(actor)
        upcoming = self.next_events(d.events_with_theme(value))
        communes = [(d.commune(code), members) for code, members in sorted(by_commune.items())]
        return {
            "choice": d.labels["themes"][value],
            "communes": communes if len(actors) <= THEME_CARDS else [],
            "commune_counts": [] if len(actors) <= THEME_CARDS else sorted(
                ((commune, len(members)) for commune, members in communes), key=lambda item: (fold(item[0].name), item[0].code)),
            "actor_count": len(actors),
            "agenda": self.by_day(upcoming[:THEME_EVENTS]),
            "more_events": max(0, len(upcoming) - THEME_EVENTS),
            "agenda_url": f"{self.site.site_url}/{urls.AGENDA}/",
            "ics_url": urls.theme_ics(value),
            "network_url": self.network_url("theme", value),
            "sector_url": urls.sector() if value == urls.SECTOR_THEME and actors else "",
            "calls": self.open_calls(d.calls_with_theme(value)),
        }

    def agenda(self) -> dict:
        return self.agenda_month(self.today.year, self.today.month)

    def agenda_month(self, year: int, month: int) -> dict:
        """One month of occurrences (this one from today on), with every month as a link."""
        d = self.directory
        first = date(year, month, 1)
        items = self.agenda_by_month.get((year, month), [])
        codes = sorted({item.record.folder for item in items})
        return {
            "agenda": self.by_day(items),
            "communes": [d.commune(code) for code in codes],
            "themes": list(d.labels["themes"].values()),
            "month": dates.format_month(first),
            # The calendars the page's filters can lead to: commune, theme, commune × theme.
            "feeds": [f"{code}:{theme}" for code, theme in d.commune_themes],
            "months": self.month_links((year, month)),
            "is_current": (year, month) == (self.today.year, self.today.month),
        }

    def archive(self) -> dict:
        d = self.directory
        past = [r for r in d.events.values() if not self.upcoming[r.id]]
        past.sort(key=lambda r: (r.data["start"], r.id), reverse=True)
        return {"events": past}

    def data(self) -> dict:
        d = self.directory
        return {
            "communes": sorted((d.commune(code) for code in d.commune_codes()), key=lambda c: (fold(c.name), c.name)),
            "jsonld": Markup(jsonld.script_tag(jsonld.data_page(self.site, self.history))),
            "catalogue_url": catalogue.catalogue_url(self.site),
            "schemas": [
                (document.get("title", name), name, schemafiles.schema_url(self.site, name))
                for name, document in sorted(d.schemas.by_file.items())
            ],
        }

    def actor(self, record_id: str) -> dict:
        d = self.directory
        record = d.actors[record_id]
        events = d.events_of(record_id)
        upcoming = [(item.record, item.occurrence) for item in self.next_events(events)]
        coming = {event.id for event, _next in upcoming}
        return {
            "record": record,
            "commune": d.commune(record.folder),
            "area": [d.commune(code) for code in record.data.get("area", []) if d.communes.get(code)],
            "upcoming": upcoming,
            "past": [e for e in events if e.id not in coming],
            "jsonld": Markup(jsonld.script_tag(jsonld.actor(d, self.site, record, self.record_history(record), self.pictures.get(record_id)))),
            "map": self.small_map(record, "carte-fiche"),
            "correction_url": self.correction_url(record),
            "history_url": self.history_url(record),
            "history": self.record_history(record),
            "embeds": self.embeds("actor", record_id),
            "picture": self.pictures.get(record_id),
            "network": self.actor_network(record_id),
            "network_url": self.network_url("commune", record.folder),
            "calls": self.open_calls(d.calls_of(record_id)),
            "closed_calls": [r for r in d.calls_of(record_id) if not call_is_open(r, self.today)],
        }

    def actor_network(self, record_id: str) -> list[tuple[str, list[dict]]]:
        """An actor's links both ways, grouped by what they say from its side: « Membre de », « Membres »…"""
        d = self.directory
        groups: list[tuple[str, list[dict]]] = []
        for link_type, (words, inverse) in d.link_words.items():
            out = [self._link_item(link, link.target) for link in d.links_from(record_id) if link.type == link_type]
            back = [self._link_item(link, link.source) for link in d.links_to(record_id) if link.type == link_type]
            if out:
                groups.append((words, sorted(out, key=lambda item: item["actor"].name.casefold())))
            if back:
                groups.append((inverse, sorted(back, key=lambda item: item["actor"].name.casefold())))
        return groups

    def _link_item(self, link, other: Record) -> dict:
        period = ""
        since = date.fromisoformat(link.since) if link.since else None
        until = date.fromisoformat(link.until) if link.until else None
        if since and until:
            period = _("du {since} au {until}").format(since=dates.format_day(since, weekday=False), until=dates.format_day(until, weekday=False))
        elif since:
            period = _("depuis le {since}").format(since=dates.format_day(since, weekday=False))
        elif until:
            period = _("jusqu'au {until}").format(until=dates.format_day(until, weekday=False))
        return {"actor": other, "commune": self.directory.commune(other.folder), "period": period, "note": link.note or "", "ended": link.ended(self.today)}

    def network(self, scope: str, value: str) -> dict:
        d = self.directory
        if scope == "commune":
            place = d.commune(value)
            title = _("Le réseau des acteurs de {commune}").format(commune=place.name)
            back = (place.name, urls.commune(place))

            def belongs(actor: Record) -> bool:
                return actor.folder == value or value in (actor.data.get("area") or ())
        else:
            place = None
            title = _("Le réseau : {theme}").format(theme=d.label("themes", value))
            back = (d.label("themes", value), urls.theme(value))

            def belongs(actor: Record) -> bool:
                return value in (actor.data.get("themes") or ())
        found = network.network_of(d, self.network_links[(scope, value)])
        return {
            "title": title,
            "scope": scope,
            "commune": place,
            "back": back,
            "network": found,
            "items": [(words, [self._pair(link) for link in links]) for words, links in found.groups],
            "drawing": network.drawing(d, found, title, self.site.site_url),
            "legend": network.legend(d, found),
            "outside": {r.id for r in found.actors if not belongs(r)},
        }

    def _pair(self, link) -> dict:
        item = self._link_item(link, link.target)
        return {**item, "source": link.source, "source_commune": self.directory.commune(link.source.folder)}

    def sector(self) -> dict:
        """The culture sector: for each discipline, its actors by kind, each with its links."""
        d = self.directory
        actors = d.actors_with_theme(urls.SECTOR_THEME)
        disciplines = []
        for value in d.labels["disciplines"]:
            chosen = [r for r in actors if value in (r.data.get("disciplines") or ())]
            if not chosen:
                continue
            by_kind = []
            for kind in d.labels["kind"]:
                of_kind = sorted((r for r in chosen if r.data.get("kind") == kind), key=lambda r: r.name.casefold())
                if of_kind:
                    by_kind.append((kind, [(r, self.actor_network(r.id)) for r in of_kind]))
            disciplines.append((value, len(chosen), by_kind))
        without = sorted((r for r in actors if not r.data.get("disciplines")), key=lambda r: r.name.casefold())
        links = self.network_links.get(("theme", urls.SECTOR_THEME), [])
        return {"disciplines": disciplines, "without": without, "count": len(actors), "links": len(links), "network_url": self.network_url("theme", urls.SECTOR_THEME)}

    def event(self, record_id: str) -> dict:
        d = self.directory
        record = d.events[record_id]
        data = record.data
        following = dates.occurrences(data, start=self.today, limit=12)
        first = dates.occurrences(data, limit=1)
        shown = self.next_of(record) or (first[0] if first else None)
        return {
            "record": record,
            "commune": d.commune(record.folder),
            "venue": d.venue_of(record),
            "organizers": d.organizers_of(record),
            "occurrence": shown,
            "following": following if "recurrence" in data else [],
            "recurrence": dates.describe_recurrence(data["recurrence"], first[0].start) if "recurrence" in data and first else "",
            "is_past": not dates.is_upcoming(data, self.today),
            "jsonld": Markup(jsonld.script_tag(jsonld.event(d, self.site, record, self.record_history(record), self.pictures.get(record.id)))),
            "map": self.small_map(record, "carte-fiche") if data.get("attendance") != "online" else None,
            "picture": self.pictures.get(record.id),
            "ics_url": urls.event_ics(record.id),
            "correction_url": self.correction_url(record),
            "history_url": self.history_url(record),
            "history": self.record_history(record),
        }


def form_kinds(current: str, address) -> list[tuple[str, str, bool]]:
    """The three forms (an actor, an event, a call to take part) as links: (label, address, is
    it this one); ``address`` makes a form's address from its French name."""
    return [
        (label, address(slug), kind == current)
        for kind, label, slug in ((ACTOR, _("Un acteur"), "acteur"), (EVENT, _("Un événement"), "evenement"), (CALL, _("Un appel à participation"), "appel"))
    ]


_HOURS = re.compile(r"(\d+) h(?: (\d{2}))?")


def _hours_together(text: str) -> str:
    """« 16 h 30 » kept on one line on a phone: no-break spaces inside a time, in pages only."""
    return _HOURS.sub(lambda m: m.group(1) + "\u00a0h" + ("\u00a0" + m.group(2) if m.group(2) else ""), text)


def _series_words(record: Record) -> str:
    """A series' rhythm in words ("chaque samedi, jusqu'au 31 décembre 2027"); "" for one date."""
    rule = record.data.get("recurrence")
    first = dates.occurrences({k: v for k, v in record.data.items() if k != "exceptions"}, limit=1)
    if not isinstance(rule, str) or not first:
        return ""
    try:
        return dates.describe_recurrence(rule, first[0].start)
    except ValueError:
        return ""


def template_filters(directory: Directory, site: SiteSettings) -> dict[str, Any]:
    from communs.site.richtext import render_markdown

    def link(path: str) -> str:
        return f"{site.site_url}{path}"

    def record_url(record: Record) -> str:
        return link(urls.record(record.kind, record.id))

    return {
        "link": link,
        "record_url": record_url,
        "commune_url": lambda commune: link(urls.commune(commune)),
        "theme_url": lambda value: link(urls.theme(value)),
        "label": lambda value, vocabulary: directory.label(vocabulary, value),
        "markdown": lambda text: Markup(render_markdown(text)),
        "when": lambda occurrence: _hours_together(dates.format_when(occurrence)),
        "hours": lambda occurrence: _hours_together(_hours(occurrence)),
        "day": dates.format_day,
        "iso_day": lambda text: dates.format_day(date.fromisoformat(text[:10])),
        "start_day": lambda record: dates.format_day(date.fromisoformat(record.data["start"][:10])),
        "series": _series_words,
        "variants": spelling_variants,
        "loose": lambda text: " ".join(loose_spellings(text)),
        "iso": dates.iso,
        "commune_name": lambda code: directory.commune(code).name,
        "actor_name": lambda actor_id: directory.actors[actor_id].name if actor_id in directory.actors else actor_id,
    }


def _hours(occurrence: dates.Occurrence) -> str:
    """The hours of an occurrence within one day ("18 h – 20 h 30"), for a list already grouped
    by day; its full wording otherwise."""
    start, end = occurrence.start, occurrence.end
    if isinstance(start, datetime) and isinstance(end, datetime) and occurrence.first_day == occurrence.last_day:
        return dates.format_time(start) if end == start else f"{dates.format_time(start)} – {dates.format_time(end)}"
    return dates.format_when(occurrence)


def qr_code(url: str, title: str) -> Markup:
    """An inline SVG QR code of an address (segno: pure Python, no image file to serve)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False, svgclass="qr", title=title, nl=False)
    return Markup(out.getvalue().decode("utf-8"))


def template_globals(site: SiteSettings, *, assets_url: str | None = None) -> dict[str, Any]:
    """What every template may read. ``assets_url`` is where the theme's files (CSS, scripts,
    vendor libraries) are served: the site's, unless the pages are served from elsewhere (the
    contribution service serves its own, so its pages keep the site's look whatever the two
    origins are, under a Content-Security-Policy of 'self')."""
    assets = f"{site.site_url}/theme" if assets_url is None else assets_url
    return {"site": site, "urls": urls, "today": site.build_date, "EVENT": EVENT, "ACTOR": ACTOR, "assets_url": assets, "picture_limits": picture_limits()}
