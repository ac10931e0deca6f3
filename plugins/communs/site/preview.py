"""Pages rendered when asked, before a build has written them.

``communs serve`` over an empty output folder (a fresh clone, a new territory) answers at once:
while its first build runs, a page of the site asked for is rendered on the spot from the
validated records, with the same inputs the build renders it from (records, settings, history,
pictures), so that it has the bytes the build then writes. Only pages are made so; the other
files (exports, maps' data, the search index) wait for the build.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import unquote

from communs.records.directory import Directory
from communs.settings import SiteSettings
from communs.site import pictures, urls, vendor
from communs.site.history import History
from communs.site.pages import SiteBuild
from communs.site.plugin import copy_theme_static, reads_today

# Where the files copied before any page is rendered lie in the output folder.
COPIED = ("theme/", f"{pictures.FOLDER}/")


class Pages:
    """The pages of ``directory``, each rendered when asked (``page``)."""

    def __init__(self, directory: Directory, site: SiteSettings, history: History | None, content_dir: Path, output: Path) -> None:
        self.build = SiteBuild(directory, site, history)
        self.build.today_everywhere = reads_today(site.template_overrides)
        # What the pages link to and the build would copy first: pictures, the theme's CSS and
        # JavaScript, the front-end libraries (written only when their bytes differ).
        self.build.pictures = pictures.publish(directory, content_dir, output)
        copy_theme_static(output)
        vendor.copy_vendor(output, every=True)
        # Its own environment: the build's page workers are forked meanwhile, and must not
        # inherit a template cache's lock this thread may hold.
        self.renderer = self.build.renderer(output)
        self._lock = threading.Lock()  # one page at a time: the build's lists are worked out once
        self._by_path: dict[str, object] | None = None

    @staticmethod
    def _path(request_path: str) -> str:
        return unquote(request_path.split("?", 1)[0].split("#", 1)[0]).lstrip("/")

    def copied(self, request_path: str) -> bool:
        """Whether ``request_path`` is among the files copied before any page is rendered (the
        theme's, the front-end libraries, the pictures): served as they are meanwhile."""
        path = self._path(request_path)
        return path.startswith(COPIED) and ".." not in path.split("/")

    def page(self, request_path: str) -> bytes | None:
        """The HTML of the page at ``request_path`` (as a browser asks for it: ``/acteurs/x/``),
        or None when no page of the site is there."""
        path = self._path(request_path)
        if path == "" or path.endswith("/"):
            path += "index.html"
        with self._lock:
            if self._by_path is None:
                self._by_path = {urls.output_path(spec.url): spec for spec in self.build.specs()}
            spec = self._by_path.get(path)
            if spec is None or not path.endswith(".html"):
                return None
            return self.renderer.render(spec).encode("utf-8")  # type: ignore[arg-type]
