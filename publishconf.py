"""Pelican settings for publication (``make publish``): the site's public address."""

from __future__ import annotations

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("COMMUNS_SITEURL", "")
# The contribution service's public address comes from COMMUNS_CONTRIB_URL (see pelicanconf.py).
DELETE_OUTPUT_DIRECTORY = True
