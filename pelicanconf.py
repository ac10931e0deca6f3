"""Pelican settings for local development (``make html``); publishconf.py extends them."""

from __future__ import annotations

AUTHOR = "communs"
SITENAME = "communs — La Réunion"
SITEURL = ""

PATH = "content"
TIMEZONE = "Indian/Reunion"
DEFAULT_LANG = "fr"
LOCALE = ("fr_FR.UTF-8", "fr_FR", "C.UTF-8")

# Records (content/actors, content/events) are YAML read by the communs plugin, not articles.
ARTICLE_PATHS: list[str] = []
PAGE_PATHS = ["pages"]
STATIC_PATHS: list[str] = []

PLUGIN_PATHS = ["plugins"]
PLUGINS: list[str] = []

FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

DEFAULT_PAGINATION = False
RELATIVE_URLS = True
