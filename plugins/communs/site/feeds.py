"""Atom feeds (new actors, upcoming events, open calls), the sitemap and robots.txt."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timezone
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from feedgenerator import Atom1Feed

from communs.records import dates
from communs.records.directory import Directory, open_calls
from communs.settings import SiteSettings
from communs.site import urls
from communs.site.buildcache import BuildCache, digest
from communs.site.history import ADDED, CHANGED, MOVED, REMOVED, Change, History
from communs.site.outputs import write_if_changed

FEED_SIZE = 50
FEEDS = "flux"


def _moment(day) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


class Feed(Atom1Feed):
    """An Atom feed dated, when it has no dated entry (a commune without changes yet), by the
    build day rather than by the clock, as feedgenerator does: same input, same bytes."""

    def __init__(self, site: SiteSettings, **options) -> None:
        super().__init__(**options)
        self.empty_date = _moment(site.build_date)

    def latest_post_date(self) -> datetime:
        dated = any(item.get("updateddate") or item.get("pubdate") for item in self.items)
        return super().latest_post_date() if dated else self.empty_date


def _absolute(site: SiteSettings, path: str) -> str:
    return urls.absolute(site.site_url or "http://localhost", path)


def actors_feed(directory: Directory, site: SiteSettings, history: History | None) -> bytes:
    """The latest actors: by creation date when Git history is known, else all of them by name."""
    feed = Feed(
        site,
        title=f"{site.site_name} — nouveaux acteurs",
        link=_absolute(site, "/"),
        description=f"Les derniers acteurs ajoutés à l'annuaire ({site.territory}).",
        language="fr",
        feed_url=_absolute(site, f"/{FEEDS}/acteurs.atom"),
    )
    actors = list(directory.actors.values())
    created = {}
    for record in actors:
        known = history.files.get(f"actors/{record.folder}/{record.stem}.yml") if history else None
        created[record.id] = known.created if known else _moment(site.build_date)
    actors.sort(key=lambda r: (created[r.id], r.id), reverse=True)
    for record in actors[:FEED_SIZE]:
        feed.add_item(
            title=record.name,
            link=_absolute(site, urls.actor(record.id)),
            description=record.data["summary"],
            unique_id=_absolute(site, urls.actor(record.id)),
            updateddate=created[record.id],
            pubdate=created[record.id],
            categories=[directory.label("themes", t) for t in record.data["themes"]],
        )
    return feed.writeString("utf-8").encode("utf-8")


def events_feed(directory: Directory, site: SiteSettings) -> bytes:
    feed = Feed(
        site,
        title=f"{site.site_name} — prochains événements",
        link=_absolute(site, f"/{urls.AGENDA}/"),
        description=f"Les prochains événements de l'annuaire ({site.territory}).",
        language="fr",
        feed_url=_absolute(site, f"/{FEEDS}/evenements.atom"),
    )
    upcoming = []
    for record in directory.events.values():
        following = dates.next_occurrence(record.data, site.build_date)
        if following is not None:
            upcoming.append((following.first_day, record.id, record, following))
    upcoming.sort(key=lambda item: (item[0], item[1]))
    for _day, _id, record, occurrence in upcoming[:FEED_SIZE]:
        feed.add_item(
            title=f"{record.data['title']} — {dates.format_when(occurrence)}",
            link=_absolute(site, urls.event(record.id)),
            description=record.data["summary"],
            unique_id=_absolute(site, urls.event(record.id)),
            updateddate=_moment(site.build_date),
            categories=[directory.label("themes", t) for t in record.data["themes"]],
        )
    return feed.writeString("utf-8").encode("utf-8")


def calls_feed(directory: Directory, site: SiteSettings, history: History | None) -> bytes:
    """The open calls, newest first (by the day they were posted when Git history is known, else
    by their start); a call leaves the feed when it closes or ends."""
    feed = Feed(
        site,
        title=f"{site.site_name} — appels à participation",
        link=_absolute(site, urls.calls()),
        description=f"Ce que les acteurs cherchent ou proposent ({site.territory}) : bénévoles, matériel, salles, compétences, partenaires.",
        language="fr",
        feed_url=_absolute(site, f"/{FEEDS}/appels.atom"),
    )
    calls = open_calls(directory.calls.values(), site.build_date)
    posted = {}
    for record in calls:
        known = history.of_record(record.kind, record.folder, record.stem) if history else None
        since = record.data.get("since")
        posted[record.id] = known.created if known else _moment(date.fromisoformat(since) if since else site.build_date)
    calls.sort(key=lambda r: (posted[r.id], r.id), reverse=True)
    for record in calls[:FEED_SIZE]:
        actor = directory.actors.get(record.data["actor"])
        until = dates.format_day(date.fromisoformat(record.data["until"]), weekday=False)
        feed.add_item(
            title=f"{record.data['title']} — {directory.label('call_type', record.data['type'])}",
            link=_absolute(site, urls.call(record.id)),
            description=f"{record.data['summary']} ({actor.name if actor else record.data['actor']}, jusqu'au {until})",
            unique_id=_absolute(site, urls.call(record.id)),
            updateddate=posted[record.id],
            pubdate=posted[record.id],
            categories=[directory.label("themes", t) for t in record.data["themes"]],
        )
    return feed.writeString("utf-8").encode("utf-8")


ACTIONS = {ADDED: "Ajout", CHANGED: "Modification", MOVED: "Déplacement", REMOVED: "Suppression"}


def changes_feed(directory: Directory, site: SiteSettings, changes: list[Change], title: str, feed_path: str) -> bytes:
    """The latest changes to the directory (or to one commune), newest first."""
    feed = Feed(site, title=title, link=_absolute(site, f"/{urls.CHANGES}/"), description=title, language="fr", feed_url=_absolute(site, feed_path))
    for change in changes[:FEED_SIZE]:
        link = urls.record(change.kind, change.record_id) if change.record_id in directory.records_of(change.kind) else f"/{urls.CHANGES}/"
        commune = directory.communes.get(change.commune)
        feed.add_item(
            title=f"{ACTIONS[change.action]} : {change.name}" + (f" ({commune.name})" if commune else ""),
            link=_absolute(site, link),
            description=f"{ACTIONS[change.action]} de la fiche « {change.name} »" + (f" à {commune.name}" if commune else "") + ".",
            unique_id=f"{_absolute(site, link)}#{change.commit[:12]}-{change.action}",
            updateddate=change.moment,
            pubdate=change.moment,
        )
    return feed.writeString("utf-8").encode("utf-8")


def record_changes(directory: Directory, history: History | None) -> dict[str, datetime]:
    """The page URL of each record whose file's history is known -> its last change."""
    if history is None:
        return {}
    found = {}
    for record in (*directory.actors.values(), *directory.events.values(), *directory.calls.values()):
        known = history.of_record(record.kind, record.folder, record.stem)
        if known is not None:
            found[urls.record(record.kind, record.id)] = known.changed
    return found


def sitemap(site: SiteSettings, page_urls: list[str], modified: dict[str, datetime] | None = None) -> bytes:
    """The sitemap; a record's page has its last change in Git as <lastmod> (W3C Datetime)."""
    modified = modified or {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url in sorted(page_urls):
        if url.endswith("/"):
            last = f"<lastmod>{modified[url].isoformat()}</lastmod>" if url in modified else ""
            lines.append(f"<url><loc>{escape(_absolute(site, url))}</loc>{last}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


SITEMAP_URLS = 50_000  # the sitemap protocol's limit per file


def sitemap_names(page_urls: list[str]) -> list[str]:
    """The files ``sitemaps`` writes for these pages."""
    count = sum(1 for url in page_urls if url.endswith("/"))
    return ["sitemap.xml"] if count <= SITEMAP_URLS else ["sitemap.xml", *(f"sitemap-{n}.xml" for n in range(1, -(-count // SITEMAP_URLS) + 1))]


def sitemaps(site: SiteSettings, page_urls: list[str], modified: dict[str, datetime] | None = None) -> dict[str, bytes]:
    """The sitemap files by name: ``sitemap.xml`` alone, or, past SITEMAP_URLS pages, an index
    (``sitemap.xml``) of ``sitemap-1.xml``, ``sitemap-2.xml``… (a national site has 150,000 pages)."""
    pages = sorted(url for url in page_urls if url.endswith("/"))
    if len(pages) <= SITEMAP_URLS:
        return {"sitemap.xml": sitemap(site, pages, modified)}
    files = {}
    for number, start in enumerate(range(0, len(pages), SITEMAP_URLS), start=1):
        files[f"sitemap-{number}.xml"] = sitemap(site, pages[start:start + SITEMAP_URLS], modified)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"<sitemap><loc>{escape(_absolute(site, '/' + name))}</loc></sitemap>" for name in files]
    lines.append("</sitemapindex>")
    return {"sitemap.xml": ("\n".join(lines) + "\n").encode("utf-8"), **files}


def robots(site: SiteSettings) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {_absolute(site, '/sitemap.xml')}\n".encode("utf-8")


def write_feeds(directory: Directory, site: SiteSettings, output: Path, history, page_urls: list[str] | None, *,
                cache: BuildCache | None = None, communes: Iterable[str] | None = None) -> None:
    """The feeds, the sitemap and robots.txt; with the build's ``cache``, a file made from the same
    inputs as last time is not made again. With ``page_urls`` None (a département's part of the
    site), only the changes feeds of ``communes`` (every commune by default)."""

    def write(path: str, key: str, make: Callable[[], bytes]) -> None:
        if cache is not None and cache.fresh(path, key, output / path):
            return
        write_if_changed(output / path, make())
        if cache is not None:
            cache.remember(path, key)

    def exists(change: Change) -> bool:
        return change.record_id in directory.records_of(change.kind)

    def changes_key(changes: list[Change]) -> str:
        return digest([(repr(change), exists(change)) for change in changes[:FEED_SIZE]])

    if history is not None:
        for code in directory.commune_codes() if communes is None else sorted(communes):
            commune = directory.commune(code)
            path = urls.commune_changes_feed(commune)
            write(path.lstrip("/"), changes_key(history.changes_in(code)),
                  partial(changes_feed, directory, site, history.changes_in(code), f"{site.site_name} — modifications à {commune.name}", path))
    if page_urls is None:
        return
    actors = [(record.id, record.digest) for record in directory.actors.values()]
    written_history = (history.commit or digest(history.files)) if history is not None else site.build_date
    write(f"{FEEDS}/acteurs.atom", digest(actors, written_history), lambda: actors_feed(directory, site, history))
    write(f"{FEEDS}/evenements.atom", digest([(r.id, r.digest) for r in directory.events.values()], site.build_date), lambda: events_feed(directory, site))
    calls = [(r.id, r.digest, getattr(directory.actors.get(r.data.get("actor")), "digest", "")) for r in directory.calls.values()]
    write(f"{FEEDS}/appels.atom", digest(calls, written_history, site.build_date), lambda: calls_feed(directory, site, history))
    if history is not None:
        write(f"{FEEDS}/modifications.atom", changes_key(history.changes),
              lambda: changes_feed(directory, site, history.changes, f"{site.site_name} — dernières modifications", f"/{FEEDS}/modifications.atom"))
    modified = record_changes(directory, history)
    urls_key = digest(sorted(page_urls), sorted((url, moment.isoformat()) for url, moment in modified.items()))
    if cache is None or not all(cache.fresh(name, urls_key, output / name) for name in sitemap_names(page_urls)):
        written = sitemaps(site, page_urls, modified)
        for name, data in written.items():
            write_if_changed(output / name, data)
            if cache is not None:
                cache.remember(name, urls_key)
        for old in output.glob("sitemap-*.xml"):
            if old.name not in written:
                old.unlink()
    write("robots.txt", "robots", lambda: robots(site))
