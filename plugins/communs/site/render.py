"""Rendering pages: one Jinja environment for the theme, pages rendered in parallel.

A page is a ``PageSpec``: its URL, its template and the name of the function that gathers its
data (see ``pages.py``). Specs are tiny, so worker processes (forked after the directory is
loaded) receive only them and write their files themselves; a file is rewritten only when its
bytes change, so a deploy uploads only what changed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from communs import resources
from communs.i18n import _, ngettext
from communs.site import urls
from communs.site.outputs import write_if_changed

PARALLEL_THRESHOLD = 400


@dataclass(frozen=True, slots=True)
class PageSpec:
    url: str
    template: str
    builder: str  # name of a context builder in pages.BUILDERS
    args: tuple = ()
    # The commune the page is about (its INSEE code), or None for a page of the whole directory:
    # it decides the page's part of the build (``communs.site.parts``) and of the search index.
    commune: str | None = None


def theme_dir() -> Path:
    return resources.theme_dir()


def install_gettext(env: jinja2.Environment) -> None:
    """``_`` and plural forms in templates, with the French plural rule when no catalogue applies."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled by this process, in memory, by name and source (Jinja compares a
    checksum of the source: a template whose file changed is compiled anew)."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


# Kept by the builds of a long-lived process (``communs serve``). Only the compiled code is kept,
# not the environment: its templates' imported macros hold the filters and globals of the build
# that first imported them (the directory of that build).
_compiled = _CompiledTemplates()


def environment(filters: dict[str, Callable], globals_: dict[str, Any], overrides: tuple[str, ...] = (), *, keep: bool = False) -> jinja2.Environment:
    """The theme's templates, autoescaped, with gettext and the site's helpers.

    A template of an ``overrides`` folder replaces the theme's of the same name, and may extend
    it as ``!theme/<name>`` (Pelican's convention for THEME_TEMPLATES_OVERRIDES). With ``keep``,
    the templates this process compiled for an earlier build are not compiled again.
    """
    theme = str(theme_dir() / "templates")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader([*overrides, theme]),
            jinja2.PrefixLoader({"!theme": jinja2.FileSystemLoader(theme)}),
        ]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_compiled if keep else None,
    )
    install_gettext(env)
    env.filters.update(filters)
    env.globals.update(globals_)
    return env


class Renderer:
    """Renders page specs into an output folder."""

    def __init__(self, env: jinja2.Environment, builders: dict[str, Callable[..., dict]], output: Path) -> None:
        self.env = env
        self.builders = builders
        self.output = output

    def render(self, spec: PageSpec) -> str:
        context = self.builders[spec.builder](*spec.args)
        return self.env.get_template(spec.template).render(page_url=spec.url, **context)

    def write(self, spec: PageSpec) -> bool:
        html = self.render(spec)
        return write_if_changed(self.output / urls.output_path(spec.url), html.encode("utf-8"))


_worker: Renderer | None = None


def _write_in_worker(spec: PageSpec) -> bool:
    assert _worker is not None
    return _worker.write(spec)


def render_all(renderer: Renderer, specs: Sequence[PageSpec], *, jobs: int | None = None, progress: Callable[[int, int], None] | None = None) -> int:
    """Render every page (in worker processes when there are many); returns how many files changed."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    total = len(specs)
    changed = 0
    if jobs <= 1 or total < PARALLEL_THRESHOLD or "fork" not in multiprocessing.get_all_start_methods():
        for index, spec in enumerate(specs, start=1):
            changed += renderer.write(spec)
            if progress and (index % 500 == 0 or index == total):
                progress(index, total)
        return changed
    global _worker
    _worker = renderer
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for index, written in enumerate(pool.map(_write_in_worker, specs, chunksize=max(20, total // (jobs * 16))), start=1):
            changed += written
            if progress and (index % 500 == 0 or index == total):
                progress(index, total)
    return changed
