"""Translations: messages are written in French (the source language) and marked with ``_``.

English, or any other language, follows as a gettext catalogue in ``locale/<lang>/LC_MESSAGES``;
``COMMUNS_LANG`` selects it (default: French, no catalogue needed).
"""

from __future__ import annotations

import gettext
import os
from functools import cache

from communs.resources import locale_dir

DOMAIN = "communs"


def current_language() -> str:
    """The language messages are given in: ``COMMUNS_LANG``, French by default."""
    return os.environ.get("COMMUNS_LANG", "fr")


@cache
def translation(language: str | None = None) -> gettext.NullTranslations:
    language = language or current_language()
    return gettext.translation(DOMAIN, locale_dir(), languages=[language], fallback=True)


def _(message: str) -> str:
    return translation().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    current = translation()
    if type(current) is gettext.NullTranslations:
        # No catalogue: the French source strings follow French plural rules (0 and 1 singular).
        return plural if count > 1 else singular
    return current.ngettext(singular, plural, count)
