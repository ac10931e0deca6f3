"""Pelican settings for local development (``make html``); publishconf.py extends them."""

from __future__ import annotations

import os

from communs.resources import theme_dir

AUTHOR = "communs"
SITENAME = "communs — La Réunion"
SITEURL = ""

PATH = "content"
THEME = str(theme_dir())  # the theme ships inside the communs package
TIMEZONE = "Indian/Reunion"
DEFAULT_LANG = "fr"

# The records (content/actors, content/events) are YAML read by the communs plugin; Pelican
# itself only renders the free pages of content/pages.
ARTICLE_PATHS: list[str] = []
PAGE_PATHS = ["pages"]
STATIC_PATHS: list[str] = []
DIRECT_TEMPLATES: list[str] = []
THEME_STATIC_PATHS: list[str] = []  # the communs plugin copies the theme's static files itself
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
ARCHIVES_SAVE_AS = AUTHORS_SAVE_AS = CATEGORIES_SAVE_AS = TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = CATEGORY_SAVE_AS = TAG_SAVE_AS = ""
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
DEFAULT_PAGINATION = False
# Templates escape everything they show unless told otherwise.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True}

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["communs"]

# What communs reads (checked at start-up: an unknown key is an error).
COMMUNS = {
    "territory": "La Réunion",
    # The communes the directory covers: a record elsewhere is refused (see README).
    "perimeter": "departements:974",
    # Map tiles: the only third-party resource of the site.
    "tiles_url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "tiles_attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs d’OpenStreetMap</a>',
    # The contribution service (`communs contrib`), from one place: the environment. `make serve`
    # sets it to the service it starts (CONTRIB_PORT); a deployment sets its public address. When
    # it is empty, the form prepares the file in the forge's web editor (forge_new_url) instead.
    "contribution_service_url": os.environ.get("COMMUNS_CONTRIB_URL", ""),
    # e.g. "https://github.com/OWNER/communs/new/main/{folder}?filename={filename}&value={value}"
    "forge_new_url": "",
    # e.g. "https://github.com/OWNER/communs/edit/main/{path}" and ".../commits/main/{path}"
    "forge_edit_url": "",
    "forge_history_url": "",
}
