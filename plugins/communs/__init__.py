"""communs: an open, Git-backed directory of local actors and their events.

One folder per subsystem, imports running one way (tests/test_layers.py holds the rule):
``cli`` -> ``maintain`` / ``importers`` -> ``contrib`` -> ``site`` -> ``records`` ->
``settings`` / ``i18n`` / ``resources``.
"""

__version__ = "0.1.0"


def register() -> None:
    """Pelican's entry point (PLUGINS = ["communs"]); the site code loads only for a build."""
    from communs.site.plugin import register as register_site

    register_site()
