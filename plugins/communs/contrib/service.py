"""``communs contrib``: the contribution service (Starlette on uvicorn).

Starlette rather than FastAPI: the records are validated by our JSON Schema validator, not by
pydantic models, so FastAPI's main feature would duplicate the schema; Starlette gives routing,
form parsing and CORS with a small footprint.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from communs.contrib.forges import make_forge
from communs.contrib.guard import FormTokens, RateLimiter
from communs.contrib.shared import SharedState
from communs.contrib.submissions import Desk, Rejected, Store, Submission
from communs.contrib.workspace import Workspace, WorkspaceError
from communs.i18n import _
from communs.records.content import ACTOR, CALL, EVENT, RECORD_ID
from communs.records.forms import (
    HONEYPOT,
    Mistake,
    form_for,
    mistakes,
    record_from_fields,
    values_from_record,
    written_recurrence,
)
from communs.records.pictures import MAX_BYTES as MAX_PICTURE_BYTES
from communs.records.territory import Territory
from communs.records.validation import Checker
from communs.settings import SiteSettings

log = logging.getLogger("communs.contrib")
KIND_NAMES = {"acteur": ACTOR, "actor": ACTOR, "evenement": EVENT, "event": EVENT, "appel": CALL, "call": CALL}
PICTURE_FIELD = "picture"  # the file part of a posted form or of the API's multipart submission
SUBMISSION_FIELD = "submission"  # the API's multipart submission: its JSON, beside the picture
# What a multipart body may add to max_body_bytes: the picture, and its part's boundary and headers.
PICTURE_ALLOWANCE = MAX_PICTURE_BYTES + 16 * 1024


class ConfigError(ValueError):
    """The service's configuration is unknown or incomplete (message in English and French)."""


@dataclass(frozen=True)
class ServiceConfig:
    repository: str = ""
    base: str = "main"
    forge: str = "git"
    project: str = ""
    api_url: str = ""
    token_variable: str = "COMMUNS_FORGE_TOKEN"
    site_url: str = ""
    allowed_origins: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8001
    data_dir: str = ".communs-service"
    secret_variable: str = "COMMUNS_SERVICE_SECRET"
    noreply_email: str = "contributions@noreply.communs.invalid"
    timezone: str = "Indian/Reunion"
    trust_proxy: bool = False
    min_fill_seconds: float = 3.0
    token_max_age: int = 7200
    submissions_per_hour: int = 10
    refusals_per_hour: int = 60
    max_body_bytes: int = 65536
    delivery_wait: float = 3.0  # seconds a submission's answer waits for its pull request

    @classmethod
    def load(cls, path: Path | None, overrides: dict[str, Any]) -> "ServiceConfig":
        """The TOML file's sections flattened (unknown keys refused), then the command's flags."""
        values: dict[str, Any] = {}
        if path is not None:
            try:
                document = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as error:
                raise ConfigError(f"cannot read {path}: {error} / fichier de configuration illisible") from None
            for section in document.values():
                if not isinstance(section, dict):
                    raise ConfigError("the configuration is made of [sections] / la configuration est faite de [sections]")
                values.update(section)
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)} / réglage(s) inconnu(s)")
        if "allowed_origins" in values:
            values["allowed_origins"] = tuple(values["allowed_origins"])
        config = cls(**values)
        if not config.repository:
            raise ConfigError("repository (path or URL) is required / le dépôt (chemin ou URL) est obligatoire")
        return config

    def origins(self) -> tuple[str, ...]:
        found = list(self.allowed_origins)
        if self.site_url:
            parts = self.site_url.split("/")
            origin = "/".join(parts[:3])
            found.append(origin)
            # A site on this machine answers as localhost and as 127.0.0.1 alike (`make serve`
            # prints the one, people type the other): the form must work from both.
            for one, other in (("//127.0.0.1", "//localhost"), ("//localhost", "//127.0.0.1")):
                if f"{one}:" in origin or origin.endswith(one):
                    found.append(origin.replace(one, other, 1))
        return tuple(dict.fromkeys(found))


MIN_SECRET = 32  # characters of the signing key: a short or empty one would let tokens be forged


def _secret(config: ServiceConfig, data_dir: Path) -> bytes:
    """The signing key: from the environment, else generated once and kept (mode 600).

    Several copies starting together on one data folder must end up with the same, full key:
    each writes a whole key to a file of its own and links it to ``secret``; the first link wins,
    the others read it. A key that is empty or short is refused, never used."""
    from_env = os.environ.get(config.secret_variable)
    if from_env is not None and from_env != "":
        if len(from_env.strip()) < MIN_SECRET:
            raise ConfigError(f"{config.secret_variable} must hold at least {MIN_SECRET} characters / la clé de signature est trop courte")
        return from_env.strip().encode("utf-8")
    path = data_dir / "secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        candidate = data_dir / f".secret.{os.getpid()}.{threading.get_ident()}.tmp"
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another copy of the service made it first: use theirs
        finally:
            candidate.unlink(missing_ok=True)
    key = path.read_bytes().strip()
    if len(key) < MIN_SECRET:
        raise ConfigError(f"{path.name} in the data folder is empty or too short: delete it to make a new one / la clé de signature est vide ou trop courte")
    return key


def _http_header(config: ServiceConfig, token: str | None) -> str | None:
    """How git authenticates to the forge over HTTPS (never on a command line)."""
    import base64

    if not token or not config.repository.startswith("https://"):
        return None
    user = {"github": "x-access-token", "gitlab": "oauth2", "gitea": "communs"}.get(config.forge, "communs")
    return "Authorization: Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


class Service:
    """The application's state: desk, tokens, limits, templates."""

    def __init__(self, config: ServiceConfig, territory: Territory | None = None) -> None:
        self.config = config
        data_dir = Path(config.data_dir).resolve()
        token = os.environ.get(config.token_variable) or None
        remote = config.repository if "://" in config.repository or config.repository.startswith("git@") else str(Path(config.repository).resolve())
        self.workspace = Workspace(data_dir, remote, config.base, http_header=_http_header(config, token))
        forge_kind = "gitea" if config.forge == "forgejo" else config.forge
        project = config.project or (config.repository if forge_kind == "git" else "")
        self.forge = make_forge(forge_kind, api_url=config.api_url or None, project=project or None, token=token, records_dir=data_dir / "requests")
        self.state = SharedState(data_dir)
        self.desk = Desk(
            self.workspace, self.forge, Store(data_dir / "submissions"), noreply_email=config.noreply_email, site_url=config.site_url,
            state=self.state, checker=Checker(territory=territory),
        )
        self.tokens = FormTokens(_secret(config, data_dir), min_fill_seconds=config.min_fill_seconds, max_age_seconds=config.token_max_age)
        # Accepted submissions cost the maintainers a review: they are what the limit counts.
        # Refused ones cost nothing but CPU; a looser limit keeps a script from hammering us
        # without locking out a library or a workshop that shares one address.
        self.limiter = RateLimiter(self.state, "submissions", config.submissions_per_hour, 3600.0)
        self.refusals = RateLimiter(self.state, "refusals", config.refusals_per_hour, 3600.0)
        self.site = SiteSettings(site_url=config.site_url.rstrip("/"), timezone=config.timezone, contribution_service_url="")
        self._env = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._delivered = threading.Condition()
        self._worker: threading.Thread | None = None

    # The delivery worker -------------------------------------------------------------------------

    def start(self) -> None:
        self._worker = threading.Thread(target=self._deliver_forever, name="communs-delivery", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join(timeout=10)

    def _deliver_forever(self) -> None:
        """The only place that talks to the remote and the forge: fetch the base branch now and
        then, push branches, open pull requests. Requests never wait on the network."""
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.workspace.refresh()
            except WorkspaceError as error:
                log.warning("communs contrib: fetching the base branch failed (%s)", error)
            for submission in self.desk.pending():
                if self._stop.is_set():
                    break
                self.desk.deliver(submission)
                with self._delivered:
                    self._delivered.notify_all()
            self._wake.wait(0.5)

    def hand_over(self, submission: Submission, wait: float) -> Submission:
        """Give a new submission to the delivery worker; wait at most ``wait`` seconds for its pull
        request (a forge that is slow or down leaves it queued, and the answer comes anyway)."""
        if submission.status == "opened" or self._worker is None:
            return submission
        self._wake.set()
        deadline = time.monotonic() + wait
        with self._delivered:
            while True:
                current = self.desk.store.get(submission.receipt) or submission
                remaining = deadline - time.monotonic()
                if current.status == "opened" or current.attempts > submission.attempts or remaining <= 0:
                    return current
                self._delivered.wait(min(remaining, 0.2))

    # Pages ---------------------------------------------------------------------------------------

    def env(self):
        if self._env is None:
            from communs.site.pages import template_filters, template_globals
            from communs.site.render import environment

            directory = self.desk.base().directory
            self._env = environment(template_filters(directory, self.site), template_globals(self.site, assets_url="/theme"))
        return self._env

    def form_page(self, kind: str, *, action: str = "create", values: dict | None = None, found: list[Mistake] | None = None, record_id: str = "", status: int = 200, notice: str = "", repairs: tuple = (), picture_sent: bool = False) -> HTMLResponse:
        form = form_for(kind)
        token, _nonce = self.tokens.issue()
        found = found or []
        html = self.env().get_template("contribution.html").render(
            page_url="/contribuer/", form=form, kind=kind, action=action, values=values or {},
            errors={m.field: [m.message] for m in found if m.field}, mistakes=found, repairs=repairs,
            token=token, honeypot=HONEYPOT, record_id=record_id, service_url="", notice=notice,
            forge_new_url="", kinds=_form_kinds(kind),
            current_picture=self.current_picture(kind, record_id) if record_id else None, picture_sent=picture_sent,
        )
        return HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)

    def current_picture(self, kind: str, record_id: str) -> Any:
        """The picture a record has on the base branch (its ``image`` block), or None."""
        record = self.desk.base().directory.records_of(kind).get(record_id)
        return record.data.get("image") if record is not None else None

    def client(self, request: Request) -> str:
        """The address limits count. Behind a trusted proxy, the last ``X-Forwarded-For`` entry:
        the one the proxy added; those before it are whatever the client chose to send."""
        if self.config.trust_proxy:
            forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
            if forwarded:
                return forwarded[-1][:64]
        return request.client.host if request.client else "unknown"


_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


def create_app(config: ServiceConfig, *, start_worker: bool = True, territory: Territory | None = None) -> Starlette:
    """The service; ``territory`` (the directory's, from its settings) refuses records outside it
    and puts its communes first among the suggestions."""
    service = Service(config, territory)

    def _sender(request: Request, *, referer: bool = False) -> str:
        """Where a browser says a post comes from: "" (it does not say), "own" (this service's
        pages), "site" (the directory's site or another allowed origin), or "elsewhere"."""
        origin = request.headers.get("origin") or (request.headers.get("referer", "") if referer else "")
        if not origin:
            return ""
        if any(origin == o or origin.startswith(o + "/") for o in config.origins()):
            return "site"
        own = f"{request.url.scheme}://{request.url.netloc}"
        return "own" if origin == own or origin.startswith(own + "/") else "elsewhere"

    async def read_submission(request: Request) -> tuple[Any, bytes | None]:
        """The API's submission and its picture: JSON alone, or multipart/form-data with the JSON in
        ``submission`` and the file in ``picture``. A page elsewhere may post text/plain or a form
        without a preflight (no-cors): a browser's Origin must be the site's, as for the HTML form."""
        media = _media_type(request)
        if media not in ("application/json", "multipart/form-data"):
            raise Rejected(415, _("La demande doit être envoyée en JSON (Content-Type: application/json), ou en multipart/form-data avec une image."))
        if _sender(request) not in ("", "own", "site"):
            raise Rejected(403, _("Envoi refusé : la demande ne vient pas du site de l'annuaire."))
        if media == "application/json":
            return _json_payload(await _limited_body(request, config.max_body_bytes)), None
        values, picture = await read_form(request)
        return _json_payload((values.get(SUBMISSION_FIELD) or [""])[0].encode("utf-8")), picture

    async def read_form(request: Request) -> tuple[dict[str, list[str]], bytes | None]:
        """A posted form's text fields and its picture (None without one). The body is bounded
        before it is read: max_body_bytes, and the largest picture allowed when it is multipart."""
        multipart = _media_type(request) == "multipart/form-data"
        await _limited_body(request, config.max_body_bytes + (PICTURE_ALLOWANCE if multipart else 0), picture=multipart)
        try:
            async with request.form(max_files=1 if multipart else 0, max_fields=400) as posted:
                values = {key: [v for v in posted.getlist(key) if isinstance(v, str)] for key in posted.keys()}
                files = [v for v in posted.getlist(PICTURE_FIELD) if not isinstance(v, str)]
                picture = await files[0].read() if files else b""
        except (HTTPException, MultiPartException):
            raise Rejected(400, _("Le formulaire reçu est mal formé ou porte plus d'un fichier : rechargez la page et renvoyez-le.")) from None
        return values, picture or None

    def check_guards(request: Request, payload: dict, *, from_site_without_token: bool = False) -> str:
        """Limits, honeypot and form token; the token's nonce, "" when the form had no token."""
        client = service.client(request)
        allowed, wait = service.limiter.check(client)
        if not allowed:
            raise Rejected(429, _("Trop d'envois depuis cette adresse : réessayez dans {minutes} minutes.").format(minutes=max(1, round(wait / 60))), retry_after=wait)
        allowed, wait = service.refusals.check(client)
        if not allowed:
            raise Rejected(429, _("Trop d'envois refusés depuis cette adresse : réessayez dans {minutes} minutes.").format(minutes=max(1, round(wait / 60))), retry_after=wait)
        if payload.get(HONEYPOT):
            raise Rejected(400, _("Envoi refusé : un champ caché a été rempli (robot ?). Si vous êtes une personne, rechargez le formulaire."))
        if from_site_without_token and not payload.get("token"):
            return ""  # a browser without JavaScript, on the site's own form (its origin was checked)
        verdict = service.tokens.check(payload.get("token"))
        if not verdict.ok:
            raise Rejected(403, verdict.reason)
        return verdict.nonce

    def guarded_submit(payload: dict, nonce: str, picture: bytes | None = None) -> Submission:
        """A token serves one accepted submission. Sent again, it only gets the receipt of the
        same submission (a double click, a lost answer); a refused submission gives it back, so
        the person can correct the form and send it again."""
        spent_here = bool(nonce) and service.state.spend(nonce, config.token_max_age)
        try:
            submission = service.desk.submit(payload, replay=bool(nonce) and not spent_here, picture=picture)
        except Rejected:
            if spent_here:
                service.state.give_back(nonce)
            raise
        return service.hand_over(submission, config.delivery_wait)

    async def counted_async(request: Request, submit_payload) -> Submission:
        """Run a submission; count it against the client's limits, accepted or refused."""
        client = service.client(request)
        try:
            submission = await submit_payload()
        except Rejected as error:
            if error.status != 429:
                service.refusals.record(client)
            raise
        service.limiter.record(client)
        return submission

    def rejected(error: Rejected, kind: str = ACTOR) -> JSONResponse:
        """The refusal, each problem worded for the person who fills the form (its field's label,
        the id of the field to link to); ``code`` and ``pointer`` stay for programs."""
        headers = {"Retry-After": str(int(error.retry_after) + 1)} if error.retry_after else {}
        errors = [{**asdict(m), "summary": m.summary} for m in mistakes(form_for(kind), error.errors)]
        repairs = [asdict(r) for r in error.repaired.repairs] if error.repaired else []
        return JSONResponse({"message": error.message, "errors": errors, "repairs": repairs}, status_code=error.status, headers=headers)

    def accepted(submission: Submission) -> JSONResponse:
        return JSONResponse(submission.public(), status_code=202)

    # API -------------------------------------------------------------------------------------------

    async def api_submit(request: Request) -> Response:
        started = time.perf_counter()
        response = await _api_submit(request)
        # How long the service took, for clients and benchmarks (RFC: Server-Timing).
        response.headers["Server-Timing"] = f"total;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    async def _api_submit(request: Request) -> Response:
        try:
            async def checked_and_submitted() -> Submission:
                payload, picture = await read_submission(request)
                if not isinstance(payload, dict):
                    raise Rejected(400, _("La demande doit être un objet JSON."))
                request.state.kind = payload.get("kind") if isinstance(payload.get("kind"), str) else ""
                nonce = check_guards(request, payload)
                return await run_in_threadpool(guarded_submit, payload, nonce, picture)

            return accepted(await counted_async(request, checked_and_submitted))
        except Rejected as error:
            return rejected(error, KIND_NAMES.get(str(getattr(request.state, "kind", "")), ACTOR))

    async def api_token(request: Request) -> Response:
        token, _nonce = service.tokens.issue()
        return JSONResponse({"token": token, "min_fill_seconds": config.min_fill_seconds}, headers={"Cache-Control": "no-store"})

    async def api_status(request: Request) -> Response:
        receipt = request.path_params["receipt"]
        found = service.desk.store.get(receipt) if len(receipt) == 12 and receipt.isalnum() else None
        if found is None:
            return JSONResponse({"message": _("Aucun envoi n'a ce numéro de reçu.")}, status_code=404)
        return JSONResponse(found.public())

    async def api_duplicates(request: Request) -> Response:
        name = request.query_params.get("name", "")[:200]
        commune = request.query_params.get("commune", "")[:5]
        kind = KIND_NAMES.get(request.query_params.get("kind", "actor"), ACTOR)
        if not name.strip() or kind == CALL:  # calls are short-lived and not looked up (validation still compares titles)
            return JSONResponse({"duplicates": []})
        base = await run_in_threadpool(service.desk.base)
        matches = base.lookup.duplicates(name, commune, kind=kind) if base.lookup else []
        site = config.site_url.rstrip("/")
        return JSONResponse({"duplicates": [
            {"id": m.id, "name": m.name, "commune": m.commune, "commune_name": m.commune_name, "url": f"{site}{m.url}", "reason": m.reason}
            for m in matches
        ]})

    async def api_communes(request: Request) -> Response:
        query = request.query_params.get("q", "")[:80]
        base = await run_in_threadpool(service.desk.base)
        found = service.desk.checker.rules.communes.find(query, preferred=base.preferred, limit=10)
        return JSONResponse({"communes": [
            {"code": c.code, "name": c.name, "departement": c.departement, "postal_codes": list(c.postal_codes), "lat": c.lat, "lon": c.lon}
            for c in found
        ]})

    async def api_repair(request: Request) -> Response:
        """One field's value as it will be written (an address given its https://, a phone in its
        international form...), so the form can show a repair before anything is sent."""
        from communs.records.repairs import repaired_value

        kind = KIND_NAMES.get(request.query_params.get("kind", "actor"), ACTOR)
        field_name = request.query_params.get("field", "")[:80]
        value = request.query_params.get("value", "")[:2000]
        commune = request.query_params.get("commune", "")[:5]
        return JSONResponse({"value": repaired_value(kind, field_name, value, commune)})

    async def api_actors(request: Request) -> Response:
        """Actors of the directory by name, for the organisers' and the venue's suggestions."""
        query = request.query_params.get("q", "")[:100]
        if len(query.strip()) < 2:
            return JSONResponse({"actors": []})
        base = await run_in_threadpool(service.desk.base)
        found = base.lookup.search(query, limit=8, kind=ACTOR, complete=True) if base.lookup else []  # the name is being typed
        return JSONResponse({"actors": [{"id": m.id, "name": m.name, "commune_name": m.commune_name} for m in found]})

    async def api_recurrence(request: Request) -> Response:
        """The rule a recurrence picker's choices write, and how the site will say it."""
        from datetime import datetime

        from communs.records.dates import describe_recurrence, format_day
        from communs.records.rules import parse_moment

        params = request.query_params
        picked = {key: params.get(key, "")[:40] for key in ("freq", "interval", "monthly", "until", "count", "rule")}
        picked["byday"] = [day[:2] for day in params.getlist("byday")[:7]]
        picked["except"] = [day[:10] for day in params.getlist("except")[:50]]
        start = params.get("start", "")[:10]
        rule = written_recurrence({"start": start, "recurrence": picked}).get("recurrence", "")
        first = parse_moment(start)
        try:
            text = describe_recurrence(rule, first) if rule and first is not None else ""
        except ValueError:
            text = ""
        skipped = [parse_moment(day) for day in picked["except"]]
        skipped = sorted(day for day in skipped if day is not None and not isinstance(day, datetime))
        if text and skipped:
            text = _("{rule}, sauf le {days}").format(rule=text, days=", ".join(format_day(day) for day in skipped))
        return JSONResponse({"rule": rule, "text": text})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    # The server-rendered form ----------------------------------------------------------------------

    async def form_get(request: Request) -> Response:
        kind = KIND_NAMES.get(request.query_params.get("type", "acteur"), ACTOR)
        return service.form_page(kind)

    async def correction_get(request: Request) -> Response:
        kind = KIND_NAMES.get(request.path_params["kind"])
        record_id = request.path_params["record_id"]
        if kind is None or not RECORD_ID.fullmatch(record_id):
            return HTMLResponse(_("Fiche introuvable."), status_code=404)
        base = await run_in_threadpool(service.desk.base)
        record = base.directory.records_of(kind).get(record_id)
        if record is None:
            return HTMLResponse(_("Fiche introuvable."), status_code=404)
        values = values_from_record(form_for(kind), dict(record.data))
        notice = ""
        if kind == CALL and request.query_params.get("clore") == "1":
            # « Clore cet appel » on its page: the form opens with the call marked as fulfilled.
            values["status"] = ["fulfilled"]
            notice = _("Pour clore l'appel avant sa date de fin, gardez « Pourvu » (vous avez trouvé) ou choisissez « Retiré » dans « Statut », puis envoyez : l'appel quittera les listes du site une fois la demande relue.")
        return service.form_page(kind, action="update", values=values, record_id=record_id, notice=notice)

    async def form_post(request: Request) -> Response:
        sender = _sender(request, referer=True)
        if sender == "elsewhere":
            return HTMLResponse(_("Envoi refusé : le formulaire ne vient pas de ce site."), status_code=403)
        # The static site's form has no token without JavaScript; the browser says where it comes
        # from (Origin, or Referer), which is what a token would prove against cross-site posts.
        from_site = sender == "site"
        try:
            values, picture = await read_form(request)
        except Rejected as error:
            return HTMLResponse(error.message, status_code=error.status)
        if (values.get("commune_choice") or [""])[0]:
            values["commune"] = values.pop("commune_choice")  # the commune chosen among those a name may mean
        kind = KIND_NAMES.get((values.get("form_kind") or ["actor"])[0], ACTOR)
        action = (values.get("action") or ["create"])[0]
        form = form_for(kind)
        record = record_from_fields(form, values, config.timezone)
        record_id = (values.get("record_id") or [""])[0]
        if action in ("update", "delete") and record_id:
            record["id"] = record_id
        payload = {
            "kind": kind, "action": action, "record": record,
            "message": (values.get("message") or [""])[0],
            "contributor": {"name": (values.get("contributor_name") or [""])[0], "email": (values.get("contributor_email") or [""])[0], "credit": bool(values.get("contributor_credit"))},
            "token": (values.get("token") or [""])[0], HONEYPOT: (values.get(HONEYPOT) or [""])[0],
            "remove_picture": bool(values.get("remove_picture")),
        }
        try:
            async def checked_and_submitted() -> Submission:
                nonce = check_guards(request, payload, from_site_without_token=from_site)
                return await run_in_threadpool(guarded_submit, payload, nonce, picture)

            submission = await counted_async(request, checked_and_submitted)
        except Rejected as error:
            found = mistakes(form, error.errors) or [Mistake("", "", "", error.message)]
            repairs: tuple = ()
            if error.repaired is not None:
                repairs = error.repaired.repairs
                values = {**values, **{r.field: values_from_record(form, error.repaired.record).get(r.field, [r.after]) for r in repairs}}
            return service.form_page(kind, action=action, values=values, found=found, record_id=record_id, status=error.status if error.status != 400 else 422, repairs=repairs, picture_sent=picture is not None)
        html = service.env().get_template("contribution_done.html").render(page_url="/contribuer/", submission=submission.public())
        return HTMLResponse(html, status_code=202, headers=_SECURITY_HEADERS)

    async def home(request: Request) -> Response:
        return RedirectResponse("/contribuer/", status_code=303)

    # Static files: the theme and the vendor libraries ----------------------------------------------

    async def static(request: Request) -> Response:
        from communs.site.render import theme_dir
        from communs.site.vendor import vendor_sources

        name = request.path_params["path"]
        if name.startswith("vendor/"):
            source = vendor_sources().get(name[len("vendor/"):])
            return FileResponse(source) if source is not None else Response(status_code=404)
        base = (theme_dir() / "static").resolve()
        candidate = (base / name).resolve()
        if not candidate.is_relative_to(base) or not candidate.is_file():
            return Response(status_code=404)
        return FileResponse(candidate)

    routes = [
        Route("/", home),
        Route("/healthz", healthz),
        Route("/contribuer/", form_get, methods=["GET"]),
        Route("/contribuer/", form_post, methods=["POST"]),
        Route("/contribuer/{kind}/{record_id}", correction_get, methods=["GET"]),
        Route("/api/form-token", api_token, methods=["GET"]),
        Route("/api/submissions", api_submit, methods=["POST"]),
        Route("/api/submissions/{receipt}", api_status, methods=["GET"]),
        Route("/api/duplicates", api_duplicates, methods=["GET"]),
        Route("/api/communes", api_communes, methods=["GET"]),
        Route("/api/recurrence", api_recurrence, methods=["GET"]),
        Route("/api/actors", api_actors, methods=["GET"]),
        Route("/api/repair", api_repair, methods=["GET"]),
        Route("/theme/{path:path}", static, methods=["GET"]),
    ]
    middleware = [Middleware(CORSMiddleware, allow_origins=list(config.origins()), allow_methods=["GET", "POST"], allow_headers=["Content-Type"], max_age=600)]

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        if start_worker:
            service.start()
        try:
            yield
        finally:
            service.stop()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.service = service
    return app


# A submission is {record: {venue: {address: {...}}}} at most: a few levels, never dozens.
MAX_DEPTH = 12


def _form_kinds(kind: str) -> list[tuple[str, str, bool]]:
    from communs.site.pages import form_kinds

    return form_kinds(kind, lambda slug: f"?type={slug}")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (iteratively: no recursion on hostile input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _json_payload(body: bytes) -> Any:
    try:
        payload = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        raise Rejected(400, _("La demande est imbriquée trop profondément.")) from None
    except ValueError:
        raise Rejected(400, _("Le corps de la demande n'est pas du JSON valide (NaN et Infinity n'en sont pas).")) from None
    if _depth(payload) > MAX_DEPTH:
        raise Rejected(400, _("La demande est imbriquée trop profondément."))
    return payload


async def _limited_body(request: Request, limit: int, *, picture: bool = False) -> bytes:
    """The request body, refused past ``limit`` bytes without reading the rest (``picture``: the
    body may carry one, and the message speaks of it)."""
    if picture:
        too_big = _("L'envoi est trop volumineux : l'image doit peser {size} Mo au plus. Choisissez-en une plus légère, ou réduisez-la.").format(size=MAX_PICTURE_BYTES // 1_000_000)
    else:
        too_big = _("La demande est trop volumineuse ({limit} Kio au plus).").format(limit=limit // 1024)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Rejected(413, too_big)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejected(413, too_big)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # noqa: SLF001 - let request.form() read what was already received
    return body
