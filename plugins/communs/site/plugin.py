"""The Pelican plugin: the directory's pages, maps, exports, feeds and search index.

Pelican stays in charge of its own content (free pages in content/pages) and of the theme's
static files; this generator adds everything that comes from the records. It reads the
directory once (validating it: invalid records stop the build with the validator's messages).
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from communs.collector import frozen
from communs.records.directory import Directory, InvalidDirectory, load_directory
from communs.records.record import Record
from communs.records.territory import Territory
from communs.settings import SiteSettings
from communs.site import urls
from communs.site.buildcache import BuildCache, code_version, digest, files_version, remove_stale
from communs.site.history import read_history
from communs.site.outputs import write_if_changed
from communs.site.render import render_all

# Set by `communs build` so that the plugin reuses the directory it has just validated.
PRELOADED: dict[str, Any] = {}
# The last whole build of this process that went to its end: its ``build`` (pages.SiteBuild: the
# directory, settings, history and pictures it was made from) and ``output`` (see show_records).
LAST: dict[str, Any] = {}
Progress = Callable[[str, int, int], None]


def _log(message: str) -> None:
    print(message, file=sys.stderr)


class DirectoryGenerator:
    """A Pelican generator (duck-typed: Pelican calls generate_context and generate_output)."""

    def __init__(self, context: dict, settings: dict, path: str, theme: str, output_path: str, *args: Any, **kwargs: Any) -> None:
        self.context = context
        self.settings = settings
        self.content_dir = Path(path)
        self.output = Path(output_path)
        self.site = SiteSettings.from_pelican(settings)
        self.directory: Directory | None = None
        self.history = None

    def generate_context(self) -> None:
        preloaded = PRELOADED.get("directory")
        if preloaded is not None and PRELOADED.get("content") == self.content_dir.resolve():
            self.directory = preloaded
        else:
            try:
                from communs.records.territory import territory_of
                from communs.records.validation import Checker

                self.directory, _report = load_directory(self.content_dir, checker=Checker(territory=territory_of(self.site)))
            except InvalidDirectory as error:
                from communs.records.reporting import format_text

                raise RuntimeError("communs: invalid records, the site is not built\n" + format_text(error.report.problems, error.report.checked)) from None
        cache = self.settings.get("CACHE_PATH")
        started = time.perf_counter()
        self.history = read_history(self.content_dir, Path(cache) if cache else None)
        PRELOADED.get("steps", {})["git history"] = time.perf_counter() - started

    def generate_output(self, writer: Any = None) -> None:
        assert self.directory is not None
        progress: Progress | None = PRELOADED.get("progress")
        cache = self.settings.get("CACHE_PATH")
        steps = build_site(
            self.directory, self.site, self.output, history=self.history, progress=progress,
            jobs=PRELOADED.get("jobs"), cache_dir=Path(cache) if cache else None, content_dir=self.content_dir,
            part=PRELOADED.get("part"),
        )
        # Pelican's own pages (content/pages) are pages of the site too.
        steps["pages in the site"] += len(self.context.get("pages", ())) + len(self.context.get("hidden_pages", ()))
        PRELOADED.get("steps", {}).update(steps)


@frozen()  # the directory and its history, left alone by the collector (see communs.collector)
def build_site(
    directory: Directory,
    site: SiteSettings,
    output: Path,
    *,
    history=None,
    progress: Progress | None = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    content_dir: Path | None = None,
    part: str | None = None,
) -> dict[str, float | int]:
    """Write every page and file that comes from the records; returns what each step cost
    (seconds as floats, counts as ints).

    Every output has a key of what it is made from (``SiteBuild.inputs`` for pages, the exports'
    and feeds' own): one whose key has not changed since the last build is not made again, a big
    export is remade piece by piece, a search part is indexed again only when one of its pages
    changed, and the files the last build wrote that this one does not are removed.
    Pagefind indexes while the exports are written. With ``part`` (see ``communs.site.parts``),
    only that part's pages and files are written, with its manifest; ``directory`` then holds
    what that part reads.
    """
    from communs.site import exports, feeds, headers, maps, parts, pictures, searchindex, vendor
    from communs.site.pages import SiteBuild

    scope = parts.Scope(part)
    maps.keep_rendered_in(cache_dir / "communs" / "maps" if cache_dir is not None else None)
    if part is not None:
        (output / parts.MANIFEST).unlink(missing_ok=True)
    steps: dict[str, float | int] = {}
    started = time.perf_counter()
    version = digest(code_version(), files_version(site.template_overrides), replace(site, build_date=date.min))
    cache = BuildCache.for_output(cache_dir, output, version)
    build = SiteBuild(directory, site, history)
    build.today_everywhere = reads_today(site.template_overrides)
    if content_dir is not None:
        build.pictures = pictures.publish(directory, content_dir, output)
    steps["pictures"] = time.perf_counter() - started

    started = time.perf_counter()
    every = build.specs()
    specs = [spec for spec in every if scope.has_page(spec)]
    todo, keys, page_keys = [], {}, {}
    top = str(output)
    for spec in specs:
        path = urls.output_path(spec.url)
        key = page_keys[spec.url] = build.inputs(spec)
        if not cache.fresh(path, key, f"{top}/{path}"):
            todo.append(spec)
            keys[path] = key
    steps["page keys"] = time.perf_counter() - started
    started = time.perf_counter()
    renderer = build.renderer(output)
    # Page workers are forked, and a worker copies every page of memory whose objects it reads
    # (CPython counts references in the objects): a page of the whole directory (home, agenda,
    # themes...) would make a worker copy every record. Those pages are rendered here, then the
    # pages of each commune in workers, commune after commune: the records a commune's pages read
    # were read one after another (content order) and lie side by side in memory, so that each
    # worker copies mostly the records of its own communes. A collection in a worker would write
    # into every object inherited: the collector is frozen meanwhile.
    whole = [spec for spec in todo if spec.commune is None]
    local = sorted((spec for spec in todo if spec.commune is not None), key=lambda spec: spec.commune)
    render_all(renderer, whole, jobs=1, progress=(lambda done, _total: progress("pages", done, len(todo))) if progress else None)
    with frozen():
        render_all(renderer, local, jobs=jobs, progress=(lambda done, _total: progress("pages", len(whole) + done, len(todo))) if progress else None)
    for path, key in keys.items():
        cache.remember(path, key)
    steps["pages"] = time.perf_counter() - started
    steps["pages rendered"] = len(todo)
    steps["pages rendered in the build's own process (of no commune)"] = len(whole)
    steps["pages in the site"] = sum(1 for spec in specs if urls.output_path(spec.url).endswith(".html"))

    indexing, search_keys = None, {}
    if site.search:
        stale = {}
        chosen = {key: pages for key, pages in build.search_parts.items() if scope.has_search_part(key, searchindex.MAIN)}
        for key, pages in chosen.items():
            search_keys[key] = digest([page_keys[spec.url] for spec in pages])
            if not cache.fresh(f"@search:{key}", search_keys[key], searchindex.bundle_dir(output, key) / "pagefind-entry.json"):
                stale[key] = [spec.url for spec in pages]
        searchindex.remove_parts(output, keep=set(chosen))
        steps["search parts indexed"] = len(stale)
        if stale:
            # Pagefind runs (a process per part, one at a time) while Python writes the exports,
            # from a forked process that also makes the trees of links it reads (hundreds of
            # thousands of files at national size: in a thread, that work held the interpreter
            # lock the exports need). The collector is frozen while it forks, as for page workers.
            with frozen():
                indexing = Beside(_timed, searchindex.index_parts, output, stale)

    started = time.perf_counter()
    communes = [code for code in directory.commune_codes() if scope.has_commune(code)]
    written = exports.write_exports(directory, output, site, history, build.pictures, cache=cache, whole=scope.whole, communes=communes)
    if scope.whole:
        overview = digest([(code, len(directory.actors_in(code)), len(directory.events_in(code))) for code in directory.commune_codes()],
                          sorted(build.territory.codes) if build.territory is not None else None)
        path = f"{urls.COMMUNES}/carte.geojson"
        if not cache.fresh(path, overview, output / path):
            written += [output / path] if write_if_changed(output / path, overview_geojson(directory, site, build.territory)) else []
            cache.remember(path, overview)
    steps["exports"] = time.perf_counter() - started
    steps["export files rewritten"] = len(written)

    started = time.perf_counter()
    # The commun part's sitemap lists every page of the site, the départements' included.
    page_urls = [spec.url for spec in every if build.in_sitemap(spec)] if scope.whole else None
    feeds.write_feeds(directory, site, output, history, page_urls, cache=cache, communes=communes)
    if scope.whole:
        write_if_changed(output / headers.FILE, headers.headers_file())
        cache.owns(headers.FILE)
        for path in vendor.copy_vendor(output, every=True):
            cache.owns(path.relative_to(output).as_posix())
        for path in copy_theme_static(output):
            cache.owns(path.relative_to(output).as_posix())
    steps["feeds and static files"] = time.perf_counter() - started

    started = time.perf_counter()
    if indexing is not None:
        steps["search index (beside the exports)"] = indexing.result()  # raises what Pagefind's failure raised
    for key, value in search_keys.items():
        cache.remember(f"@search:{key}", value)
    steps["waiting for the search index"] = time.perf_counter() - started
    started = time.perf_counter()
    steps["stale files removed"] = remove_stale(output, cache)
    if part is not None:
        # Written last: a part whose build failed has no manifest, and is never assembled.
        expected = sorted({parts.key_of(code) for code in directory.commune_codes()}) if part == parts.COMMON else None
        inputs = digest(version, site.build_date, parts.content_digest(content_dir) if content_dir is not None else "")
        parts.write_manifest(output, part, inputs, expected)
    cache.save()
    steps["cache"] = time.perf_counter() - started
    if part is None:
        LAST.update(build=build, output=output)
    return steps


def show_records(records: list[Record]) -> list[str]:
    """The pages of edited ``records`` rendered at once, each record in the place of the one of the
    same id in the last build's directory (``LAST``); their URLs.

    For ``communs serve``: a volunteer sees their edit before the rebuild that follows has
    remade what else shows it. That rebuild renders these pages again from the same inputs (their
    keys changed), so the site ends as a build would make it. The caller makes sure the records
    are valid and that the checks across records see them as before (``crosscheck.entry_of``).
    """
    from communs.site.pages import SiteBuild

    last = LAST.get("build")
    if last is None or not records:
        return []
    replaced = {(record.kind, record.id): record for record in records}
    d = last.directory
    every = [replaced.pop((r.kind, r.id), r) for records_of in (d.actors, d.events, d.calls) for r in records_of.values()]
    if replaced:
        return []  # not an edit of a record the last build had
    directory = Directory.from_records(every, d.communes, d.schemas)
    build = SiteBuild(directory, last.site, last.history)
    build.pictures, build.today_everywhere = last.pictures, last.today_everywhere
    renderer = build.renderer(LAST["output"])
    specs = [build.record_spec(record) for record in records]
    for spec in specs:
        renderer.write(spec)
    return [spec.url for spec in specs]


class Beside:
    """``function(*args)`` run beside the build: in a forked process where there is fork (else a
    thread), which ends as soon as it is done. A pool's worker would wait for more work until
    the pool is shut: kept while the exports run, it held the original of every page of memory
    they then wrote into (their records' reference counts), 0.8 GB more at national size."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        if "fork" not in multiprocessing.get_all_start_methods():
            self._thread: Executor | None = ThreadPoolExecutor(max_workers=1)
            self._future = self._thread.submit(function, *args)
            return
        self._thread = None
        context = multiprocessing.get_context("fork")
        self._answer, sending = context.Pipe(duplex=False)
        self._process = context.Process(target=_run_and_send, args=(sending, function, args))
        self._process.start()
        sending.close()

    def result(self) -> Any:
        """What the function returned, once it is done; raises what it raised."""
        if self._thread is not None:
            try:
                return self._future.result()
            finally:
                self._thread.shutdown()
        try:
            done, value = self._answer.recv()
        except EOFError:
            done, value = False, RuntimeError(f"the process beside the build ended without an answer (exit code {self._process.exitcode})")
        finally:
            self._answer.close()
            self._process.join()
        if not done:
            raise value
        return value


def _run_and_send(sending: Any, function: Callable[..., Any], args: tuple) -> None:
    try:
        answer = (True, function(*args))
    except BaseException as error:  # noqa: BLE001 - handed to the build, which raises it
        answer = (False, error)
    try:
        try:
            sending.send(answer)
        except (OSError, ValueError):
            pass  # the build is gone
        except Exception:  # noqa: BLE001 - an error that cannot be sent: its text is
            sending.send((False, RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))
    finally:
        sending.close()


def _timed(function: Callable[..., Any], *args: Any) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def reads_today(folders: tuple[str, ...]) -> bool:
    """Whether an instance's own templates read the build day (``today``): their pages then
    depend on it, whatever they show."""
    return any("today" in path.read_text(encoding="utf-8", errors="replace") for folder in folders for path in Path(folder).rglob("*") if path.is_file())


def copy_theme_static(output: Path) -> list[Path]:
    """The theme's CSS and JavaScript, under /theme/ (only files whose bytes changed); returns
    every file of it in the output."""
    from communs.site.render import theme_dir

    static = theme_dir() / "static"
    copied = []
    for path in sorted(static.rglob("*")):
        if path.is_file():
            target = output / "theme" / path.relative_to(static)
            write_if_changed(target, path.read_bytes())
            copied.append(target)
    return copied


def overview_geojson(directory: Directory, site: SiteSettings, territory: Territory | None = None) -> bytes:
    """The home page map: one point per commune with records, with its count, and one per commune
    of the territory that has none yet (leading to the contribution form)."""
    features = []
    codes = sorted(set(directory.commune_codes()) | (territory.codes if territory is not None else set()))
    for code in codes:
        commune = directory.commune(code)
        if commune.lat is None or commune.lon is None:
            continue
        count = len(directory.actors_in(code)) + len(directory.events_in(code))
        url = f"{site.site_url}{urls.commune(commune)}" if count else f"{site.site_url}/{urls.CONTRIBUTE}/"
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(commune.lon, 6), round(commune.lat, 6)]},
            "properties": {"name": commune.name, "url": url, "type": "commune", "count": count, "subtitle": ""},
        })
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _get_generators(pelican: Any) -> type:
    return DirectoryGenerator


def _install_gettext(generator: Any) -> None:
    """Pelican's own templates (free pages) use the same gettext callables as ours."""
    from communs.site.pages import template_globals
    from communs.site.render import install_gettext

    env = getattr(generator, "env", None)
    if env is not None:
        install_gettext(env)
        env.globals.update(template_globals(SiteSettings.from_pelican(generator.settings)))


def register() -> None:
    from pelican import signals

    signals.get_generators.connect(_get_generators)
    signals.generator_init.connect(_install_gettext)
