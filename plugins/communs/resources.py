"""Where the files shipped beside the code live (schemas, reference data, translations).

communs is a repository (code + reference instance), installed in editable mode; the
resources sit at its root. ``COMMUNS_HOME`` points elsewhere for other layouts.
"""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    home = os.environ.get("COMMUNS_HOME")
    if home:
        return Path(home).resolve()
    return Path(__file__).resolve().parents[2]


def schemas_dir() -> Path:
    return root() / "schemas"


def data_dir() -> Path:
    return root() / "data"


def locale_dir() -> Path:
    return root() / "locale"
