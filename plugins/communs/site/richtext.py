"""Contributors' Markdown turned into safe HTML.

Two locks: markdown-it-py renders with raw HTML disabled (a ``<script>`` stays text), then nh3
(the Rust ammonia sanitiser) keeps only a short list of tags, attributes and URL schemes. The
validator already refuses raw HTML and dangerous links; this holds even if it did not.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


@cache
def _parser() -> MarkdownIt:
    # Headings inside a record start at h2 (the page's h1 is the record's name).
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _demote_headings(html: str) -> str:
    for level in (5, 4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{min(level + 1, 4)}>").replace(f"</h{level}>", f"</h{min(level + 1, 4)}>")
    return html


def render_markdown(text: str) -> str:
    """Safe HTML for a record's Markdown description."""
    html = _demote_headings(_parser().render(text or ""))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener ugc",
        strip_comments=True,
    )
