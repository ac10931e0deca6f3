"""The weekly look over the whole directory: dead links, events that are over, calls past their
end date, forgotten records.

``communs audit`` writes one French Markdown report that can be pasted as an issue. It only
reports: a site that refuses robots (403), asks us to slow down (429), does not answer in time
or shows a bad certificate may well work in a browser, so those links are "to check by hand";
only a missing page (404, 410) or a domain name that does not exist is "broken". The exit status
is 0 whatever it finds (2 for a usage error), so a scheduled job never fails because the web
moved.

Links are checked with HEAD, then GET when HEAD is refused or fails (many servers answer HEAD
badly), by a small thread pool that handles one host at a time per thread: requests to a host
never overlap and are spaced by ``delay`` seconds, and after a 429 the host is left alone.
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from communs import __version__
from communs.i18n import _, ngettext
from communs.records.content import ACTOR, CALL, EVENT, FOLDERS
from communs.records.record import Record

EXIT_OK, EXIT_USAGE = 0, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

USER_AGENT = f"communs/{__version__} (verification des liens d'un annuaire ouvert communs)"
WORKERS = 8
DEFAULT_DELAY = 1.0
STALE_YEARS = 2
MAX_ITEMS = 100  # per section: a GitHub issue body holds at most 65,536 characters

OK, BROKEN, MANUAL, SKIPPED = "ok", "broken", "manual", "skipped"

_WHOLE_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
# In running text, an address may hold balanced parentheses (Wikipédia's "Saint-Paul_(La_Réunion)")
# but never the one that closes a Markdown link around it.
_URL_IN_TEXT = re.compile(r"https?://(?:[^\s<>()\[\]\"'`]|\([^\s<>()\[\]\"'`]*\))+", re.IGNORECASE)
_TRAILING = ".,;:!?*_»"
# getaddrinfo errors that mean "this name does not exist" (not "the resolver is unreachable").
_NO_SUCH_NAME = {getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)}


# --- links found in records ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Use:
    """Where a record gives a link."""

    file: str
    line: int
    pointer: str
    record_id: str


@dataclass(slots=True)
class Link:
    url: str
    uses: list[Use] = field(default_factory=list)

    @property
    def host(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def _strings(value: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{pointer}/{index}")


def _line_of(lines: list[str], start: int, url: str) -> int:
    """The line holding ``url`` at or after the value's first line (long texts span many)."""
    for number in range(max(start, 1), len(lines) + 1):
        if url in lines[number - 1]:
            return number
    return start


def _source(record: Record) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """The record file's lines and the position of each value in it."""
    from communs.records.yamlreader import read_yaml

    try:
        text = Path(record.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return [], {}
    return text.splitlines(), read_yaml(text, record.file).value_marks


def _start(marks: dict[str, tuple[int, int]], pointer: str) -> int:
    while pointer and pointer not in marks:
        pointer = pointer.rsplit("/", 1)[0]
    return marks.get(pointer, (1, 1))[0]


def collect_links(records: Iterable[Record]) -> list[Link]:
    """Every http(s) address the records give, once each, with the places that give it."""
    links: dict[str, Link] = {}
    for record in records:
        source: tuple[list[str], dict[str, tuple[int, int]]] | None = None
        for pointer, text in _strings(record.data):
            if _WHOLE_URL.match(text.strip()):
                found = [text.strip()]
            else:
                found = [match.rstrip(_TRAILING) for match in _URL_IN_TEXT.findall(text)]
            for url in found:
                if source is None:
                    source = _source(record)  # validation hands records over without positions
                lines, marks = source
                use = Use(record.file, _line_of(lines, _start(marks, pointer), url), pointer, record.id)
                links.setdefault(url, Link(url)).uses.append(use)
    return sorted(links.values(), key=lambda link: link.url)


# --- checking them -------------------------------------------------------------------------------


@dataclass(slots=True)
class LinkResult:
    url: str
    verdict: str  # ok | broken | manual | skipped
    reason: str  # in French, for the report
    status: int | None = None
    final_url: str | None = None  # after a permanent redirect to another address


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def classify_error(url: str, error: Exception) -> LinkResult:
    """A verdict for a request that got no HTTP answer."""
    import httpx

    if isinstance(error, httpx.TimeoutException):
        return LinkResult(url, MANUAL, _("pas de réponse dans le délai"))
    if isinstance(error, httpx.TooManyRedirects):
        return LinkResult(url, MANUAL, _("trop de redirections"))
    if isinstance(error, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return LinkResult(url, BROKEN, _("adresse mal formée"))
    for cause in _chain(error):
        if isinstance(cause, socket.gaierror):
            if cause.errno in _NO_SUCH_NAME:
                return LinkResult(url, BROKEN, _("nom de domaine introuvable"))
            return LinkResult(url, MANUAL, _("nom de domaine momentanément impossible à résoudre"))
        if isinstance(cause, ssl.SSLError):
            return LinkResult(url, MANUAL, _("connexion sécurisée refusée (certificat ou TLS)"))
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text or "TLS" in text:
        return LinkResult(url, MANUAL, _("connexion sécurisée refusée (certificat ou TLS)"))
    if "Name or service not known" in text or "nodename nor servname" in text:
        return LinkResult(url, BROKEN, _("nom de domaine introuvable"))
    if isinstance(error, httpx.ConnectError):
        return LinkResult(url, MANUAL, _("connexion impossible"))
    return LinkResult(url, MANUAL, _("erreur réseau ({error})").format(error=type(error).__name__))


def _status_reason(status: int) -> str:
    reasons = {
        401: _("accès réservé (401)"),
        403: _("accès refusé aux robots (403)"),
        404: _("page introuvable (404)"),
        410: _("page supprimée (410)"),
        429: _("le serveur demande de ralentir (429)"),
    }
    return reasons.get(status) or _("erreur HTTP {status}").format(status=status)


def classify_status(url: str, status: int, final_url: str | None = None) -> LinkResult:
    if status < 400:
        return LinkResult(url, OK, "", status, final_url)
    reason = _status_reason(status)
    verdict = BROKEN if status in (404, 410) else MANUAL
    return LinkResult(url, verdict, reason, status)


class _Throttle:
    """Spaces the requests made to one host: the delay runs from the end of the previous answer,
    so a slow host is never sent the next request sooner."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.last = 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        pause = self.last + self.delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        try:
            yield
        finally:
            self.last = time.monotonic()


def _permanent_target(response) -> str | None:
    history = list(response.history)
    if history and all(step.status_code in (301, 308) for step in history):
        target = str(response.url)
        if target.rstrip("/") != str(history[0].url).rstrip("/"):
            return target
    return None


def check_url(client, url: str, throttle: _Throttle | None = None) -> LinkResult:
    """HEAD, then GET when HEAD is refused or breaks; never raises."""
    import httpx

    throttle = throttle or _Throttle(0)
    try:
        with throttle.turn():
            response = client.head(url)
        if response.status_code < 400:
            return classify_status(url, response.status_code, _permanent_target(response))
        if response.status_code == 429:
            return classify_status(url, 429)
    except httpx.TimeoutException as error:
        return classify_error(url, error)
    except Exception as error:  # noqa: BLE001 - whatever breaks, GET gets a chance, then it is reported
        first = classify_error(url, error)
        if first.verdict == BROKEN:
            return first
    try:
        with throttle.turn(), client.stream("GET", url) as response:
            return classify_status(url, response.status_code, _permanent_target(response))
    except Exception as error:  # noqa: BLE001
        return classify_error(url, error)


def check_links(
    links: list[Link],
    *,
    timeout: float = 10.0,
    delay: float = DEFAULT_DELAY,
    workers: int = WORKERS,
    transport=None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, LinkResult]:
    """Check every link; one thread per host at a time, ``delay`` seconds between its requests."""
    import httpx

    by_host: dict[str, list[str]] = {}
    for link in links:
        by_host.setdefault(link.host, []).append(link.url)
    results: dict[str, LinkResult] = {}
    lock = threading.Lock()
    client = httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Language": "fr"},
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=10,
        transport=transport,
    )

    def visit(urls: list[str]) -> None:
        throttle = _Throttle(delay)
        slow_down = False
        for url in urls:
            if slow_down:
                result = LinkResult(url, SKIPPED, _("non vérifié : le serveur a demandé de ralentir (429)"))
            else:
                result = check_url(client, url, throttle)
                slow_down = result.status == 429
            with lock:
                results[url] = result
            if progress is not None:
                progress(1)

    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(by_host) or 1))) as pool:
            list(pool.map(visit, by_host.values()))
    finally:
        client.close()
    return results


# --- events over, records left alone -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EndedEvent:
    record: Record
    last_day: date


def ended_events(records: Iterable[Record], today: date) -> list[EndedEvent]:
    """Events with no occurrence today or later, oldest end first."""
    from communs.records.dates import occurrences

    found = []
    for record in records:
        if record.kind != EVENT:
            continue
        try:
            if occurrences(record.data, start=today, limit=1):
                continue
            past = occurrences(record.data, end=today, limit=100_000)
        except (ValueError, TypeError, OverflowError):
            continue  # unreadable dates: `communs validate` says so
        if past:
            found.append(EndedEvent(record, past[-1].last_day))
    return sorted(found, key=lambda item: (item.last_day, item.record.file))


def expired_calls(records: Iterable[Record], today: date) -> list[Record]:
    """Calls still marked open whose end date is past, soonest end first: the site has already
    taken them off its lists; their files can be deleted or marked « pourvu » / « retiré »."""
    found = [r for r in records if r.kind == CALL and r.data.get("status", "open") == "open" and isinstance(r.data.get("until"), str) and r.data["until"] < today.isoformat()]
    return sorted(found, key=lambda r: (r.data["until"], r.file))


@dataclass(frozen=True, slots=True)
class StaleRecord:
    record: Record
    changed: date


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def stale_records(records: Iterable[Record], history, today: date, years: int = STALE_YEARS) -> list[StaleRecord]:
    """Actors and events whose file no commit has touched for ``years`` years, oldest first."""
    limit = _years_before(today, years)
    found = []
    for record in records:
        if record.kind == CALL:
            continue  # a call ends within a year: « expired_calls » tells those left behind
        entry = history.get(f"{FOLDERS[record.kind]}/{record.folder}/{record.stem}.yml")
        if entry is None:
            continue  # not committed yet: new
        changed = entry.changed.date() if isinstance(entry.changed, datetime) else entry.changed
        if changed < limit:
            found.append(StaleRecord(record, changed))
    return sorted(found, key=lambda item: (item.changed, item.record.file))


def _shallow(content_dir: Path) -> bool:
    try:
        answer = subprocess.run(
            ["git", "rev-parse", "--is-shallow-repository"], cwd=content_dir, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return False
    return answer == "true"


# --- the report ----------------------------------------------------------------------------------


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _plain(text: str) -> str:
    """A record's name as inert Markdown text (no links, mentions, HTML or emphasis)."""
    text = " ".join(text.split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("@", "@\u200b")


def _day(day: date) -> str:
    from communs.records.dates import format_day

    return format_day(day, weekday=False)


def _capped(items: list, lines: Callable[[Any], list[str]]) -> list[str]:
    out: list[str] = []
    for item in items[:MAX_ITEMS]:
        out += lines(item)
    if len(items) > MAX_ITEMS:
        rest = len(items) - MAX_ITEMS
        out.append(ngettext(
            "- … et {n} autre : lancez « communs audit » pour la liste complète.",
            "- … et {n} autres : lancez « communs audit » pour la liste complète.", rest,
        ).format(n=rest))
    return out


@dataclass
class Audit:
    today: date
    content: str
    counts: Counter
    invalid: int
    links: list[Link] | None  # None: links not checked
    results: dict[str, LinkResult]
    ended: list[EndedEvent]
    stale: list[StaleRecord] | None  # None: no Git history
    shallow: bool = False
    expired: list[Record] = field(default_factory=list)  # calls past their end date

    def links_with(self, verdict: str) -> list[tuple[Link, LinkResult]]:
        if self.links is None:
            return []
        return [(link, self.results[link.url]) for link in self.links if link.url in self.results and self.results[link.url].verdict == verdict]


def _link_lines(pair: tuple[Link, LinkResult]) -> list[str]:
    link, result = pair
    lines = [f"- [ ] <{link.url}> — {result.reason}"]
    for use in link.uses:
        lines.append("  - " + _("{file}, ligne {line} ({field})").format(file=_code(use.file), line=use.line, field=_code(use.pointer[1:] or "/")))
    return lines


def _redirect_lines(pair: tuple[Link, LinkResult]) -> list[str]:
    link, result = pair
    lines = [f"- [ ] <{link.url}> → <{result.final_url}>"]
    for use in link.uses:
        lines.append("  - " + _("{file}, ligne {line} ({field})").format(file=_code(use.file), line=use.line, field=_code(use.pointer[1:] or "/")))
    return lines


def render_report(audit: Audit) -> str:
    broken = audit.links_with(BROKEN)
    manual = audit.links_with(MANUAL) + audit.links_with(SKIPPED)
    redirected = [(link, result) for link, result in audit.links_with(OK) if result.final_url]
    head = _("# Vérification de l'annuaire du {day}").format(day=_day(audit.today))
    read = _("{actors}, {events} et {calls} lus dans {content}.").format(
        actors=ngettext("{n} acteur", "{n} acteurs", audit.counts[ACTOR]).format(n=audit.counts[ACTOR]),
        events=ngettext("{n} événement", "{n} événements", audit.counts[EVENT]).format(n=audit.counts[EVENT]),
        calls=ngettext("{n} appel à participation", "{n} appels à participation", audit.counts[CALL]).format(n=audit.counts[CALL]),
        content=_code(audit.content),
    )
    out = [head, "", _("Rapport produit par « communs audit » : il signale, il ne corrige rien. Cochez les cases au fur et à mesure des corrections."), "", read]
    if audit.invalid:
        out += ["", ngettext(
            "⚠️ {n} problème de validation : lancez « communs validate » (les fiches illisibles ne sont pas examinées ici).",
            "⚠️ {n} problèmes de validation : lancez « communs validate » (les fiches illisibles ne sont pas examinées ici).",
            audit.invalid,
        ).format(n=audit.invalid)]
    dash = "—"
    stale_count = dash if audit.stale is None else str(len(audit.stale))
    links_count = (lambda n: dash if audit.links is None else str(n))
    out += [
        "",
        "| " + _("Point vérifié") + " | " + _("Nombre") + " |",
        "|---|---:|",
        "| " + _("Liens cassés") + f" | {links_count(len(broken))} |",
        "| " + _("Liens à vérifier à la main") + f" | {links_count(len(manual))} |",
        "| " + _("Liens redirigés") + f" | {links_count(len(redirected))} |",
        "| " + _("Événements terminés") + f" | {len(audit.ended)} |",
        "| " + _("Appels dont la date de fin est passée") + f" | {len(audit.expired)} |",
        "| " + _("Fiches sans modification depuis deux ans") + f" | {stale_count} |",
    ]

    if audit.links is None:
        out += ["", _("## Liens"), "", _("Liens non vérifiés (option --no-links).")]
    else:
        out += ["", _("## Liens cassés ({n})").format(n=len(broken)), ""]
        out.append(ngettext("{n} adresse différente vérifiée.", "{n} adresses différentes vérifiées.", len(audit.links)).format(n=len(audit.links)))
        if broken:
            out += ["", _("Ces pages n'existent plus (404, 410) ou leur nom de domaine n'existe pas : trouvez la nouvelle adresse ou supprimez le lien."), ""]
            out += _capped(broken, _link_lines)
        else:
            out += ["", _("Aucun lien cassé.")]

        out += ["", _("## Liens à vérifier à la main ({n})").format(n=len(manual)), ""]
        if manual:
            out += [_("Le site a refusé de répondre à un robot (403), demandé de ralentir (429), n'a pas répondu à temps ou présente un certificat refusé : ouvrez le lien dans un navigateur avant de le corriger."), ""]
            out += _capped(manual, _link_lines)
        else:
            out.append(_("Rien à vérifier."))

        out += ["", _("## Liens redirigés ({n})").format(n=len(redirected)), ""]
        if redirected:
            out += [_("Ces adresses redirigent définitivement (301, 308) vers une autre : remplacez-les par la nouvelle."), ""]
            out += _capped(redirected, _redirect_lines)
        else:
            out.append(_("Aucune redirection définitive."))

    out += ["", _("## Événements terminés, à archiver ({n})").format(n=len(audit.ended)), ""]
    if audit.ended:
        out += [_("Leur dernière date est passée. Un événement qui revient (chaque année, par exemple) peut recevoir ses nouvelles dates ; les autres peuvent être archivés ou supprimés."), ""]
        out += _capped(audit.ended, lambda item: [
            "- [ ] " + _("{file} — {title} — terminé le {day}").format(file=_code(item.record.file), title=_plain(item.record.name or item.record.id), day=_day(item.last_day))
        ])
    else:
        out.append(_("Aucun événement terminé."))

    out += ["", _("## Appels dont la date de fin est passée ({n})").format(n=len(audit.expired)), ""]
    if audit.expired:
        out += [_("Le site ne les montre plus dans ses listes (leur page reste, marquée close). Supprimez le fichier, ou écrivez « status: fulfilled » (pourvu) ou « status: withdrawn » (retiré) ; un appel qui court encore reçoit une nouvelle date de fin."), ""]
        out += _capped(audit.expired, lambda record: [
            "- [ ] " + _("{file} — {title} — fini le {day}").format(file=_code(record.file), title=_plain(record.name or record.id), day=_day(date.fromisoformat(record.data["until"])))
        ])
    else:
        out.append(_("Aucun appel ouvert n'a dépassé sa date de fin."))

    out += ["", _("## Fiches sans modification depuis deux ans ({n})").format(n=stale_count), ""]
    if audit.stale is None:
        out.append(_("L'historique Git n'est pas disponible (dossier hors d'un dépôt Git) : impossible de dater les fiches."))
    else:
        if audit.shallow:
            out += [_("⚠️ L'historique Git est incomplet (clone superficiel) : les dates peuvent être trop récentes. En intégration continue, récupérez tout l'historique (fetch-depth: 0)."), ""]
        if audit.stale:
            out += [_("Aucun commit ne les a touchées depuis le {day} ou avant : vérifiez auprès des acteurs que les informations sont toujours exactes.").format(day=_day(_years_before(audit.today, STALE_YEARS))), ""]
            out += _capped(audit.stale, lambda item: [
                "- [ ] " + _("{file} — {name} — modifiée le {day}").format(file=_code(item.record.file), name=_plain(item.record.name or item.record.id), day=_day(item.changed))
            ])
        else:
            out.append(_("Toutes les fiches ont été modifiées depuis moins de deux ans."))
    return "\n".join(out) + "\n"


def run_audit(
    content_dir: Path,
    *,
    today: date,
    links: bool = True,
    timeout: float = 10.0,
    delay: float = DEFAULT_DELAY,
    transport=None,
    progress_factory=None,
) -> Audit:
    """Read the records and gather everything the report says (UsageError for a missing folder)."""
    from communs.records.validation import validate
    from communs.site.history import content_history

    report = validate(content_dir, keep_records=True)
    records = report.records
    counts = Counter(record.kind for record in records)
    found_links = collect_links(records) if links else None
    results: dict[str, LinkResult] = {}
    if found_links:
        if progress_factory is not None:
            with progress_factory(len(found_links)) as advance:
                results = check_links(found_links, timeout=timeout, delay=delay, transport=transport, progress=advance)
        else:
            results = check_links(found_links, timeout=timeout, delay=delay, transport=transport)
    history = content_history(content_dir)
    return Audit(
        today=today,
        content=content_dir.as_posix(),
        counts=counts,
        invalid=len(report.errors),
        links=found_links,
        results=results,
        ended=ended_events(records, today),
        expired=expired_calls(records, today),
        stale=None if history is None else stale_records(records, history, today),
        shallow=history is not None and _shallow(content_dir),
    )


class _Bar:
    """A progress bar on the terminal only (CI logs stay clean)."""

    def __init__(self, total: int) -> None:
        self.bar = click.progressbar(length=total, label=_("Vérification des liens"), file=sys.stderr) if sys.stderr.isatty() else None
        self.lock = threading.Lock()

    def __enter__(self) -> Callable[[int], None]:
        if self.bar is not None:
            self.bar.__enter__()

        def advance(step: int) -> None:
            if self.bar is not None:
                with self.lock:
                    self.bar.update(step)

        return advance

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@click.command("audit", context_settings=CONTEXT)
@click.option("--content", "content_dir", type=click.Path(path_type=Path), default=Path("content"), show_default=True, help=_("Dossier des fiches."))
@click.option("--links/--no-links", default=True, show_default=True, help=_("Vérifier (ou non) les liens des fiches."))
@click.option("--timeout", type=click.FloatRange(min=0.1, max=120), default=10.0, show_default=True, help=_("Délai d'attente d'une réponse, en secondes."))
@click.option("--delay", type=click.FloatRange(min=0, max=60), default=DEFAULT_DELAY, show_default=True, help=_("Pause entre deux requêtes vers un même site, en secondes."))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help=_("Fichier Markdown du rapport (par défaut : la sortie standard)."))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help=_("Date du jour (AAAA-MM-JJ), pour les événements terminés et l'ancienneté des fiches."))
def audit_command(content_dir: Path, links: bool, timeout: float, delay: float, output: Path | None, today: datetime | None) -> None:
    """Rapport de vérification de l'annuaire, prêt à copier dans un ticket.

    Liens cassés ou à vérifier à la main, événements terminés, fiches que personne n'a modifiées
    depuis deux ans (d'après l'historique Git). Le rapport signale sans jamais échouer : code
    de sortie 0 quoi qu'il trouve, 2 en cas d'usage incorrect.
    """
    from communs.records.validation import UsageError

    day = today.date() if today is not None else date.today()
    try:
        audit = run_audit(content_dir, today=day, links=links, timeout=timeout, delay=delay, progress_factory=_Bar)
    except UsageError as error:
        click.echo(_("Erreur : {message}").format(message=error), err=True)
        sys.exit(EXIT_USAGE)
    text = render_report(audit)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        click.echo(_("Erreur : impossible d'écrire {path} ({error}).").format(path=output, error=error.strerror), err=True)
        sys.exit(EXIT_USAGE)
    click.echo(_("Rapport écrit dans {path}.").format(path=output), err=True)
