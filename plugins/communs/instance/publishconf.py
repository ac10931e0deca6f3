"""Les réglages de publication : ceux de pelicanconf.py, à l'adresse publique du site."""

from __future__ import annotations

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403
from pelicanconf import PUBLIC_URL  # noqa: E402

SITEURL = os.environ.get("COMMUNS_SITEURL") or PUBLIC_URL
DELETE_OUTPUT_DIRECTORY = True
