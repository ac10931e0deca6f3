"""communs: an open, Git-backed directory of local actors and their events."""

__version__ = "0.1.0"


def register() -> None:
    """Pelican's entry point (PLUGINS = ["communs"]); the site code loads only for a build."""
    from communs.site import register as register_site

    register_site()
