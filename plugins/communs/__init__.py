"""communs: an open, Git-backed directory of local actors and their events."""

__version__ = "0.1.0"
