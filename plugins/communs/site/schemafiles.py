"""The JSON Schemas of the records, published on the site under ``/schemas/``.

The files of ``schemas/`` name themselves with a placeholder host (``"$id":
"https://communs.example.org/schemas/actor.schema.json"``) and refer to each other by relative
references (``"$ref": "defs.schema.json#/$defs/id"``). Each instance serves its own copy: at
publication, every schema's ``$id`` becomes the URL the site serves it at (site-relative when no
site address is configured, which a reader resolves against the address it fetched the file
from), and a reference written with another schema's placeholder ``$id`` is pointed at that
schema's published URL. Relative references are left as written: resolved against the new
``$id``, they reach the published sibling. A validator given only the published files (or
fetching them by URL) therefore resolves every reference on this site.

The documents are the ones the records were validated with (``Directory.schemas``), written with
their keys in the source order, two-space indented: the same schemas give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag

from communs.records.schemas import SchemaSet
from communs.settings import SiteSettings
from communs.site import urls

_URI_KEYWORDS = ("$id", "$ref")


def schema_url(site: SiteSettings, name: str) -> str:
    """Where the site serves a schema file: absolute with the site's address, else site-relative."""
    path = urls.schema_file(name)
    return urls.absolute(site.site_url, path) if site.site_url else path


def published(schemas: SchemaSet, site: SiteSettings) -> dict[str, dict]:
    """Each schema file name with its document as served (see the module's docstring)."""
    moved = {document["$id"]: schema_url(site, name) for name, document in schemas.by_file.items() if "$id" in document}
    found = {}
    for name, document in schemas.by_file.items():
        rewritten = _rewrite(document, moved)
        rewritten["$id"] = schema_url(site, name)
        found[name] = rewritten
    return found


def _rewrite(value: Any, moved: dict[str, str]) -> Any:
    """A copy of a schema with every ``$id``/``$ref`` that names a placeholder URI moved."""
    if isinstance(value, dict):
        copy = {}
        for key, item in value.items():
            if key in _URI_KEYWORDS and isinstance(item, str):
                uri, fragment = urldefrag(item)
                if uri in moved:
                    item = moved[uri] + (f"#{fragment}" if fragment else "")
            copy[key] = _rewrite(item, moved)
        return copy
    if isinstance(value, list):
        return [_rewrite(item, moved) for item in value]
    return value


def schema_files(schemas: SchemaSet, site: SiteSettings) -> Iterator[tuple[str, bytes]]:
    """Every published schema as (site URL, bytes), in file name order."""
    for name, document in sorted(published(schemas, site).items()):
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        yield urls.schema_file(name), text.encode("utf-8")
