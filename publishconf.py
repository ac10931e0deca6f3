"""Pelican settings for publication (``make publish``): the site's public address."""

from __future__ import annotations

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("COMMUNS_SITEURL", "")
COMMUNS = {**COMMUNS, "contribution_service_url": os.environ.get("COMMUNS_CONTRIB_URL", "")}  # noqa: F405
DELETE_OUTPUT_DIRECTORY = True
