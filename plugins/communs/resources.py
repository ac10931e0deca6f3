"""Where the files shipped with the code live: schemas, reference data, theme, translations and
the front-end vendor files.

They all sit inside the package, so that an installed wheel carries them (an instance depends on
communs as a Pelican site depends on Pelican). This module is the one place that knows the layout.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def package_dir() -> Path:
    return PACKAGE


def schemas_dir() -> Path:
    return PACKAGE / "schemas"


def data_dir() -> Path:
    return PACKAGE / "data"


def theme_dir() -> Path:
    return PACKAGE / "theme"


def locale_dir() -> Path:
    return PACKAGE / "locale"


def vendor_dir() -> Path:
    """The front-end libraries as the wheel carries them (copied from npm when it is built)."""
    return PACKAGE / "vendor"


def checkout_dir() -> Path | None:
    """The source checkout this package runs from (an editable install), or None when installed:
    there, and only there, npm's node_modules/ can stand in for vendor_dir()."""
    top = PACKAGE.parents[1]
    return top if (top / "pyproject.toml").is_file() and (top / "plugins" / "communs").is_dir() else None
