"""``communs sources pull``: fetch each followed source, import what changed, mark what vanished.

For one source:

1. **Fetch** (``fetch``): HTTP GET with the validators of the last pull (``If-None-Match``,
   ``If-Modified-Since``), redirects followed (5 at most), a time limit for the whole transfer and a
   size limit read as the body streams in (a feed that lies about its length is cut, not
   trusted). A source given as a file of the repository is read from disk. A communs directory's
   two exports (actors and events) are fetched together.
2. **Unchanged?** A 304 answer, or bodies identical (SHA-256) to the last pull's, stop here:
   nothing is written.
3. **Import** with the importers and their per-dataset state (``communs.importers.state``): the
   dataset is the source's name; fields people edited are reported as conflicts, never
   overwritten; the source's default themes, licence and credit apply.
4. **Vanished records** (in the last pull, not in this one) are marked, never deleted: their
   ``source.missing_since`` gets the day (an event already over is left alone: feeds drop past
   events). A record that comes back loses its mark at the next pull.
5. **Remember** the validators and digests in ``<content>/.imports/<name>.fetch.json``, committed
   with the records (so the next pull in CI, on a fresh clone, asks the server "changed since?").

Every outcome is one ``PullResult`` whose ``line()`` says it in French: unchanged, N new, N changed,
N gone, or failed and why (HTTP status, time-out, too large, unreadable file).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from communs import __version__
from communs.i18n import _, ngettext
from communs.importers.model import ImportUsageError
from communs.importers.sources import Source
from communs.importers.state import STATE_FOLDER, State, fingerprint, file_hash

MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10.0
TOTAL_TIMEOUT = 120.0
USER_AGENT = f"communs/{__version__} (+https://communs.example.org; sources pull)"
FILE_NAMES = {"ical": "flux.ics", "openagenda": "openagenda.json", "gogocarto": "gogocarto.json", "csv": "tableau.csv", "geojson": "lieux.geojson", "osm": "overpass.json"}
COMMUNS_FILES = ("acteurs.json", "evenements.json")


class FetchError(Exception):
    """A source that could not be fetched (French message)."""


@dataclass
class Fetched:
    url: str
    status: int  # 200, or 304 (not modified)
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class PullResult:
    source: Source
    status: str  # unchanged, imported, failed
    created: int = 0
    updated: int = 0
    gone: list[str] = field(default_factory=list)  # records newly marked as missing from the source
    back: int = 0  # records that came back
    conflicts: int = 0
    skipped: int = 0
    reason: str = ""
    seconds: float = 0.0
    written: list[str] = field(default_factory=list)
    report: Any = None  # the importer's ImportResult

    @property
    def changed(self) -> bool:
        return self.status == "imported" and bool(self.written)

    def line(self) -> str:
        name = self.source.name
        if self.status == "failed":
            return _("{name} : échec — {reason}").format(name=name, reason=self.reason)
        if self.status == "unchanged" or not self.changed:
            return _("{name} : inchangée").format(name=name) + (f" ({self.reason})" if self.reason else "")
        parts = [
            ngettext("{n} nouvelle fiche", "{n} nouvelles fiches", self.created).format(n=self.created),
            ngettext("{n} modifiée", "{n} modifiées", self.updated).format(n=self.updated),
            ngettext("{n} disparue de la source", "{n} disparues de la source", len(self.gone)).format(n=len(self.gone)),
        ]
        if self.back:
            parts.append(ngettext("{n} revenue", "{n} revenues", self.back).format(n=self.back))
        if self.conflicts:
            parts.append(ngettext("{n} conflit (modifiée à la main, gardée)", "{n} conflits (modifiées à la main, gardées)", self.conflicts).format(n=self.conflicts))
        if self.skipped:
            parts.append(ngettext("{n} ligne ignorée", "{n} lignes ignorées", self.skipped).format(n=self.skipped))
        return _("{name} : {parts}").format(name=name, parts=", ".join(parts))


# Fetching -------------------------------------------------------------------------------------


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None, max_bytes: int, timeout: float = TOTAL_TIMEOUT) -> Fetched:
    """GET ``url`` (conditional when validators are given), within the size and time limits."""
    import httpx

    # No compression: the size limit then holds for what arrives (a small gzip can expand to
    # gigabytes before a decoded chunk is measured).
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + timeout
    limits = httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
    try:
        with httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=limits, headers=headers, trust_env=False) as client:
            with client.stream("GET", url) as response:
                if response.status_code == 304:
                    return Fetched(url, 304, etag=etag, last_modified=last_modified)
                if response.status_code != 200:
                    raise FetchError(_("le serveur a répondu {status} pour {url}.").format(status=response.status_code, url=url))
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(_("le flux annonce {size} Mo, au-delà de la limite de {limit} Mo (max_size).").format(size=_mb(int(declared)), limit=_mb(max_bytes)))
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():  # as the network gives it: the deadline is checked at each read
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(_("le flux dépasse la limite de {limit} Mo (max_size) : téléchargement arrêté.").format(limit=_mb(max_bytes)))
                    if time.monotonic() > deadline:
                        raise FetchError(_("le téléchargement a dépassé {seconds} s : arrêté.").format(seconds=int(timeout)))
                    chunks.append(chunk)
                return Fetched(url, 200, b"".join(chunks), response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except httpx.TooManyRedirects as error:
        raise FetchError(_("plus de {n} redirections depuis {url}.").format(n=MAX_REDIRECTS, url=url)) from error
    except httpx.TimeoutException as error:
        raise FetchError(_("pas de réponse à temps de {host}.").format(host=urlsplit(url).hostname)) from error
    except httpx.HTTPError as error:
        raise FetchError(_("connexion impossible à {host} ({error}).").format(host=urlsplit(url).hostname, error=type(error).__name__)) from error


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",")


def _urls(source: Source) -> list[tuple[str, str]]:
    """(url, file name) of what to fetch for a source."""
    assert source.url is not None
    if source.format != "communs":
        return [(source.url, FILE_NAMES.get(source.importer_format, "flux"))]
    name = source.url.rstrip("/").rsplit("/", 1)[-1]
    if name not in COMMUNS_FILES:
        return [(urljoin(source.url.rstrip("/") + "/", file), file) for file in COMMUNS_FILES]
    return [(urljoin(source.url, file), file) for file in COMMUNS_FILES]


# Remembered between pulls ----------------------------------------------------------------------


def fetch_state_path(content_dir: Path, name: str) -> Path:
    return content_dir / STATE_FOLDER / f"{name}.fetch.json"


def _load_fetch_state(path: Path) -> dict[str, dict[str, str]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(url): {str(k): str(v) for k, v in entry.items() if isinstance(v, str)} for url, entry in document.items() if isinstance(entry, dict)} if isinstance(document, dict) else {}


def _save_fetch_state(path: Path, state: dict[str, dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    temporary.replace(path)


# One source -------------------------------------------------------------------------------------


def pull_source(source: Source, content_dir: Path, *, today: date | None = None, jobs: int | None = 1, timeout: float = TOTAL_TIMEOUT) -> PullResult:
    """Fetch and import one source into ``content_dir`` (see the module's docstring)."""
    started = time.perf_counter()
    today = today or date.today()
    result = PullResult(source, "failed")
    state_path = fetch_state_path(content_dir, source.name)
    remembered = _load_fetch_state(state_path)
    max_bytes = source.max_size_mb * 1_000_000
    try:
        with tempfile.TemporaryDirectory(prefix="communs-source-") as scratch:
            folder = Path(scratch)
            files: list[Path] = []
            fresh: dict[str, dict[str, str]] = {}
            unchanged = True
            if source.path is not None:
                try:
                    body = source.path.read_bytes()
                except OSError as error:
                    raise FetchError(_("fichier {path} illisible ({error}).").format(path=source.location, error=error.strerror or error)) from error
                if len(body) > max_bytes:
                    raise FetchError(_("le fichier dépasse la limite de {limit} Mo (max_size).").format(limit=_mb(max_bytes)))
                key = source.location
                digest = hashlib.sha256(body).hexdigest()
                fresh[key] = {"sha256": digest}
                unchanged = remembered.get(key, {}).get("sha256") == digest
                target = folder / source.path.name
                target.write_bytes(body)
                files.append(target)
                if source.format == "communs":
                    # A directory's two exports are imported together (or its other half would
                    # look gone): the sibling file beside the given one comes along.
                    for sibling in COMMUNS_FILES:
                        other = source.path.with_name(sibling)
                        if other != source.path and other.is_file() and source.path.name in COMMUNS_FILES:
                            (folder / sibling).write_bytes(other.read_bytes())
            else:
                answers = []
                for url, file_name in _urls(source):
                    known = remembered.get(url, {})
                    answers.append((url, file_name, known, fetch(url, etag=known.get("etag"), last_modified=known.get("last_modified"), max_bytes=max_bytes, timeout=timeout)))
                if any(got.status == 200 for *_rest, got in answers):
                    # Several files make one import: when one changed, those that did not are read
                    # again (without validators), or what they hold would look gone.
                    answers = [(url, name, known, fetch(url, max_bytes=max_bytes, timeout=timeout) if got.status == 304 else got) for url, name, known, got in answers]
                for url, file_name, known, got in answers:
                    if got.status == 304:
                        fresh[url] = known
                        continue
                    entry = {"sha256": got.digest}
                    if got.etag:
                        entry["etag"] = got.etag
                    if got.last_modified:
                        entry["last_modified"] = got.last_modified
                    fresh[url] = entry
                    if known.get("sha256") != got.digest:
                        unchanged = False
                    target = folder / file_name
                    target.write_bytes(got.body)
                    files.append(target)
            if unchanged and remembered:
                result.status = "unchanged"
                result.reason = _("flux identique au dernier relevé")
                return result
            if not files:
                # Every URL answered 304 but nothing was remembered of their content: fetch again
                # without validators next time; nothing to import now.
                result.status = "unchanged"
                return result
            result = _import(source, files[0], content_dir, today, jobs)
            if result.status != "failed":
                _save_fetch_state(state_path, fresh)
                shown = state_path.relative_to(content_dir).as_posix()
                if result.written:
                    result.written.append(shown)
    except FetchError as error:
        result.status, result.reason = "failed", str(error)
    except ImportUsageError as error:
        result.status, result.reason = "failed", str(error)
    finally:
        result.seconds = time.perf_counter() - started
    return result


def _import(source: Source, file: Path, content_dir: Path, today: date, jobs: int | None) -> PullResult:
    from communs.importers.run import run_import

    marked_before = _marked(content_dir, source.name)
    report = run_import(
        source.importer_format, file, content_dir,
        communes=source.communes, departements=source.departements, mapping=source.mapping, dataset=source.name,
        jobs=jobs, max_size_mb=None, defaults={"themes": list(source.themes)},
        described={"url": source.url, "licence": source.licence, "credit": source.credit},
    )
    result = PullResult(source, "imported", report=report)
    result.created = len(report.of("created"))
    result.updated = len(report.of("updated"))
    result.conflicts = len(report.conflicts)
    result.skipped = len(report.skipped)
    if report.rolled_back or not report.valid:
        result.status = "failed"
        problems = [found for found in (report.validation.problems if report.validation else []) if found.is_error]
        result.reason = _("les fiches importées ne sont pas valides, rien n'est écrit : {first}").format(first=problems[0].message if problems else "?")
        return result
    result.written = list(report.written)
    if not report.dry_run:
        gone, marked = _mark_missing(content_dir, source.name, report.absent, today)
        # Back in the source: marked before this pull, not absent from it (the import itself took
        # the mark away, as a field it had written).
        result.gone, result.back = gone, len(marked_before - set(report.absent))
        result.written += [path for path in marked if path not in result.written]
    return result


def _mark_missing(content_dir: Path, dataset: str, absent: list[str], today: date) -> tuple[list[str], list[str]]:
    """Mark the records absent from this pull (``source.missing_since``); only those are read. The
    state learns the mark as the import's own writing, so the next import removes it when the
    record comes back. Returns (newly marked, written files)."""
    from communs.records.canonical import update_record
    from communs.records.yamlreader import read_yaml

    absent_paths = set(absent)
    state = State.load(content_dir, dataset, "")
    gone: list[str] = []
    for entry in sorted(state.records.values(), key=lambda e: e.path):
        path = content_dir / entry.path
        if entry.path not in absent_paths or "source.missing_since" in entry.fields or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        parsed = read_yaml(text)
        record = parsed.value if parsed.ok and isinstance(parsed.value, dict) else None
        block = record.get("source") if record is not None and isinstance(record.get("source"), dict) else None
        kind = "event" if entry.path.startswith("events/") else "actor"
        if block is None or block.get("dataset") != dataset or (kind == "event" and _over(record, today)):
            continue
        new = {**record, "source": {**block, "missing_since": today.isoformat()}}
        updated = update_record(text, new, kind)
        path.write_text(updated, encoding="utf-8", newline="\n")
        entry.fields = {**entry.fields, "source.missing_since": fingerprint(new)["source.missing_since"]}
        entry.file = file_hash(updated.encode("utf-8"))
        gone.append(entry.path)
    if not gone:
        return [], []
    state.save(content_dir)
    return gone, [*gone, State.path_for(content_dir, dataset).relative_to(content_dir).as_posix()]


def _marked(content_dir: Path, dataset: str) -> set[str]:
    """The records of a dataset marked as missing from their source (paths in the content folder)."""
    state = State.load(content_dir, dataset, "")
    return {entry.path for entry in state.records.values() if "source.missing_since" in entry.fields and (content_dir / entry.path).is_file()}


def _over(record: dict[str, Any], today: date) -> bool:
    """Whether an event has no occurrence left from ``today`` on (unreadable dates: not over)."""
    from communs.records.dates import is_upcoming

    try:
        return not is_upcoming(record, today)
    except (ValueError, TypeError, KeyError):
        return False
