"""The settings communs reads from pelicanconf.py, typed and checked at start-up.

All of them live in one ``COMMUNS`` dict; a misspelt key is an error, not a silent default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs d’OpenStreetMap</a>'


class SettingsError(ValueError):
    """A setting is unknown or has the wrong form."""


@dataclass(frozen=True)
class SiteSettings:
    site_url: str = ""
    site_name: str = "communs"
    territory: str = "La Réunion"
    timezone: str = "Indian/Reunion"
    tiles_url: str = OSM_TILES
    tiles_attribution: str = OSM_ATTRIBUTION
    # Where "suggest a correction" leads when no contribution service is configured:
    # e.g. "https://github.com/owner/communs/edit/main/{path}" ({path} = the record file).
    forge_edit_url: str = ""
    # e.g. "https://github.com/owner/communs/new/main/{folder}?filename={filename}&value={value}"
    forge_new_url: str = ""
    # e.g. "https://github.com/owner/communs/commits/main/{path}"
    forge_history_url: str = ""
    contribution_service_url: str = ""
    # The domain that names every calendar entry (UID = <event id>@<domain>): keep it when the
    # site moves, so subscribers' calendars update their entries instead of duplicating them.
    # Empty: the site's host.
    calendar_domain: str = ""
    data_licence: str = "ODbL 1.0"
    data_licence_url: str = "https://opendatacommons.org/licenses/odbl/1-0/"
    # The address the DCAT-AP catalogue (/donnees/catalogue.jsonld) gives as its contact point;
    # data portals such as data.gouv.fr keep a contact point only with an e-mail address.
    data_contact_email: str = ""
    build_date: date = field(default_factory=date.today)
    map_zoom: int = 10
    search: bool = True  # index the built site with Pagefind
    # The communes the directory covers (records elsewhere are refused): "epci:SIREN",
    # "departements:63,03" or "communes:63113,63014"; empty: every commune, nothing checked.
    perimeter: str = ""
    neighbours: bool = False  # records of communes outside the perimeter are only warned about
    # Folders whose templates replace the theme's of the same name (Pelican's
    # THEME_TEMPLATES_OVERRIDES): an instance's own pages and layout, without a copy of the theme.
    template_overrides: tuple[str, ...] = ()

    @classmethod
    def from_pelican(cls, settings: dict[str, Any]) -> "SiteSettings":
        options = dict(settings.get("COMMUNS") or {})
        known = {f.name for f in fields(cls)} - {"site_url", "site_name", "timezone", "build_date", "template_overrides"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise SettingsError(f"unknown COMMUNS setting(s) in pelicanconf.py: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for name, value in options.items():
            expected = {"map_zoom": int, "search": bool, "neighbours": bool}.get(name, str)
            if not isinstance(value, expected):
                raise SettingsError(f"COMMUNS[{name!r}] must be a {expected.__name__}")
        zone = settings.get("TIMEZONE") or cls.timezone
        return cls(
            site_url=(settings.get("SITEURL") or "").rstrip("/"),
            site_name=settings.get("SITENAME") or cls.site_name,
            timezone=zone,
            build_date=build_date(zone),
            template_overrides=tuple(str(path) for path in settings.get("THEME_TEMPLATES_OVERRIDES") or ()),
            **options,
        )


def build_date(zone: str) -> date:
    """The day the site is built for ("upcoming" is relative to it): SOURCE_DATE_EPOCH when set,
    so that two builds of the same inputs give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch else datetime.now(tz=timezone.utc)
    return moment.astimezone(ZoneInfo(zone)).date()
