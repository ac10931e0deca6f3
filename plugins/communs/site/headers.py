"""The HTTP headers the built site asks its host for, written as ``_headers`` (the format read by
Netlify, Cloudflare Pages and others) and sent as such by ``communs serve``.

Framing: the site is public and read-only (no account, no action a hidden frame could trigger),
so no page forbids being framed; the widgets (``/integrer/…``) say explicitly that any site may
frame them (``frame-ancestors *``). The contribution service, which has a form, refuses every
frame (``frame-ancestors 'none'``, in ``contrib.service``). A host that ignores ``_headers``
(GitHub Pages, GitLab Pages) sends none of these, which changes nothing for the widgets; a
``<meta>`` element cannot carry ``frame-ancestors``.
"""

from __future__ import annotations

from communs.site import urls

FILE = "_headers"

RULES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("/*", (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"))),
    (f"/{urls.EMBED}/*", (("Content-Security-Policy", "frame-ancestors *"),)),
)


def _matches(pattern: str, path: str) -> bool:
    return path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern


def headers_for(path: str) -> dict[str, str]:
    """The headers of one served path (a URL path, without its query)."""
    found: dict[str, str] = {}
    for pattern, pairs in RULES:
        if _matches(pattern, path):
            found.update(pairs)
    return found


def headers_file() -> bytes:
    lines = ["# En-têtes HTTP demandés à l’hébergeur (Netlify, Cloudflare Pages…) ; voir communs.site.headers."]
    for pattern, pairs in RULES:
        lines.append(pattern)
        lines += [f"  {name}: {value}" for name, value in pairs]
    return ("\n".join(lines) + "\n").encode("utf-8")
