"""What the contribution service does with a submission: check it like CI would, write the
canonical file on a new branch, push it and open the pull request, or queue it until it can.

Every accepted submission is a JSON file in the service's data folder (written atomically)
before it is acknowledged; a restart resumes the queue, and the same submission sent twice is
recognised by its digest and opens one pull request.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from communs.contrib import pictures
from communs.contrib.forges import Forge, ForgeError
from communs.contrib.lookup import Lookup
from communs.contrib.shared import SharedState
from communs.contrib.workspace import Author, Workspace, WorkspaceError
from communs.i18n import _
from communs.records.canonical import dump_record, update_record
from communs.records.communes import departement_of_code
from communs.records.content import ACTOR, CALL, COMMUNE_CODE, EVENT, FOLDERS, NAME_FIELDS, RECORD_ID, RecordFile, kind_word, scan
from communs.records.crosscheck import Entry, entry_of, entry_of_file
from communs.records.directory import Directory
from communs.records.forms import written_recurrence
from communs.records.problems import Problem
from communs.records.repairs import Repaired, actor_names, repair
from communs.records.text import slugify
from communs.records.validation import Checker, check_against, validate
from communs.site import urls

KINDS = {"actor": ACTOR, "event": EVENT, "call": CALL}
ACTIONS = ("create", "update", "delete")
MAX_MESSAGE = 2000
MAX_NAME = 100
BACKOFF_FIRST, BACKOFF_MAX = 2.0, 600.0
NEEDS_ATTENTION_DELAY = 3600.0
RECEIPT = re.compile(r"^[A-Z0-9]{12}$")
# Problems that come from where the service put the file, not from what the contributor typed.
_PLACEMENT_CODES = {"commune-mismatch", "id-mismatch", "event-id-date"}


class Rejected(Exception):
    """A submission refused; ``errors`` have the fields of ``communs validate --format json``."""

    def __init__(self, status: int, message: str, errors: list[dict] | None = None, retry_after: float | None = None, repaired: Repaired | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []
        self.retry_after = retry_after
        self.repaired = repaired  # what was put into shape before the record was refused


@dataclass
class Submission:
    receipt: str
    created: str
    kind: str
    action: str
    record_id: str
    path: str  # the file written (or deleted)
    branch: str
    commit: str
    base: str
    digest: str
    title: str
    body: str
    status: str = "queued"  # queued -> pushed -> opened
    pull_request: str | None = None
    attempts: int = 0
    next_attempt: float = 0.0
    last_error: str = ""
    warnings: list[dict] = field(default_factory=list)
    repairs: list[dict] = field(default_factory=list)  # what was put into shape: field, label, before, after

    def public(self) -> dict:
        """What the contributor may see (no server path, no internal error)."""
        return {
            "receipt": self.receipt,
            "branch": self.branch,
            "pull_request": self.pull_request,
            "status": "opened" if self.status == "opened" else "queued",
            "record": {"kind": self.kind, "id": self.record_id, "action": self.action},
            "warnings": self.warnings,
            "repairs": self.repairs,
        }


class Store:
    """One JSON file per submission; writes are atomic (temporary file, then rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.clean_leftovers()

    def clean_leftovers(self, older_than: float = 60.0) -> list[str]:
        """Remove the temporary files of writes that a kill interrupted (``.RECEIPT.json.PID.TID.tmp``).
        Only old ones: another copy of the service may be writing one right now."""
        removed = []
        for path in self.folder.glob(".*.tmp"):
            try:
                if time.time() - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed.append(path.name)
            except FileNotFoundError:
                continue
        return removed

    def _path(self, receipt: str) -> Path:
        if not RECEIPT.match(receipt):
            raise ValueError("bad receipt")
        return self.folder / f"{receipt}.json"

    def save(self, submission: Submission) -> None:
        path = self._path(submission.receipt)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps(asdict(submission), ensure_ascii=False, sort_keys=True), encoding="utf-8")
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    def get(self, receipt: str) -> Submission | None:
        try:
            return Submission(**json.loads(self._path(receipt).read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            return None

    def all(self) -> list[Submission]:
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(Submission(**json.loads(path.read_text(encoding="utf-8"))))
            except (ValueError, TypeError):
                continue
        return found

    def by_digest(self, digest: str) -> Submission | None:
        return next((s for s in self.all() if s.digest == digest), None)


@dataclass
class Base:
    """The base branch at one commit, read for validation, ids and duplicates."""

    sha: str
    content: Path
    directory: Directory
    entries: list[Entry]
    paths: dict[str, str]  # record id -> path relative to the repository ("content/actors/...")
    lookup: Any = None
    preferred: frozenset[str] = frozenset()  # the territory's communes and départements (suggested first)
    actors: dict = field(default_factory=dict)  # folded actor names -> ids (repairs.actor_names)


@dataclass
class Contributor:
    name: str = ""
    email: str = ""
    credit: bool = False


class Desk:
    """Receives submissions and sees them through to a pull request."""

    def __init__(self, workspace: Workspace, forge: Forge, store: Store, *, noreply_email: str, site_url: str = "", checker: Checker | None = None, state: SharedState | None = None) -> None:
        self.workspace = workspace
        # Writing and delivering happen once across every copy of the service on the data folder.
        self.state = state or SharedState(store.folder.parent)
        self.forge = forge
        self.store = store
        self.noreply_email = noreply_email
        self.site_url = site_url
        self.checker = checker or Checker()
        self._base: Base | None = None
        self._base_lock = threading.Lock()

    # The base branch ---------------------------------------------------------------------------

    def base(self) -> Base:
        """The base branch as last fetched (the delivery worker fetches it; a request only fetches
        when the service has never seen the remote)."""
        sha = self.workspace.current()
        with self._base_lock:
            if self._base is not None and self._base.sha == sha:
                return self._base
            content = self.workspace.content_dir(sha)
            report = validate(content, jobs=1, keep_records=True)
            directory = Directory.from_records(report.records, self.checker.rules.communes, self.checker.schemas)
            files, _strays = scan(content)
            # Every file as the repository names it ("content/actors/..."): what a submission
            # replaces, and what messages may show (never the service's own folders).
            repository_path = {f.display: f"content/{FOLDERS[f.kind]}/{f.folder}/{f.path.name}" for f in files}
            entries = [
                replace(entry, file=repository_path.get(entry.file, entry.file))
                for entry in [entry_of_file(f) for f in files] + [entry_of(r) for r in report.records]
            ]
            paths = {f.stem: repository_path[f.display] for f in files}
            territory = self.checker.rules.territory
            preferred = frozenset(departement_of_code(code) for code in directory.commune_codes()) | (territory.preferred() if territory else frozenset())
            actors = actor_names({actor_id: str(record.data.get("name", "")) for actor_id, record in directory.actors.items()})
            self._base = Base(sha, content, directory, entries, paths, Lookup.build(directory), preferred, actors)
            return self._base

    # Receiving ---------------------------------------------------------------------------------

    def submit(self, payload: Any, *, replay: bool = False, picture: bytes | None = None) -> Submission:
        """Check a submission and record it; raises Rejected with what to fix. With ``replay`` (its
        form token already served), only the very same submission is answered, with its receipt.
        ``picture`` is a file sent with the record (the form's upload), or None."""
        kind, action, record, message, contributor = self._read_payload(payload)
        record = _tidy(record)
        remove = payload.get("remove_picture") is True
        upload: pictures.Cleaned | pictures.PictureRefused | None = None
        if picture:
            if not self._has_pictures(kind):
                raise Rejected(422, _("Ce type de fiche n'a pas d'image : retirez le fichier joint."))
            if action == "delete":
                raise Rejected(422, _("Une demande de suppression ne porte pas d'image : retirez le fichier joint."))
            try:
                upload = pictures.cleaned(picture)  # decoded and encoded here, not while holding the lock
            except pictures.PictureRefused as refusal:
                upload = refusal
        base = self.base()
        with self.state.lock("submit"):
            return self._submit(base, kind, action, record, message, contributor, replay, upload, remove)

    def _has_pictures(self, kind: str) -> bool:
        """Whether records of ``kind`` may have a picture (their schema has an ``image``)."""
        return "image" in self.checker.schemas.roots[kind].get("properties", {})

    def _read_payload(self, payload: Any) -> tuple[str, str, dict, str, Contributor]:
        if not isinstance(payload, dict):
            raise Rejected(400, _("La demande doit être un objet JSON."))
        kind = payload.get("kind")
        action = payload.get("action", "create")
        if not isinstance(kind, str) or kind not in KINDS:
            raise Rejected(400, _("« kind » vaut « actor » (acteur), « event » (événement) ou « call » (appel à participation)."))
        if not isinstance(action, str) or action not in ACTIONS:
            raise Rejected(400, _("« action » vaut « create », « update » ou « delete »."))
        record = payload.get("record")
        if not isinstance(record, dict):
            raise Rejected(400, _("« record » doit être un objet : les champs de la fiche."))
        if _has_lone_surrogate(payload):
            # JSON can carry "\ud800", which no file can hold: refused before anything is written.
            raise Rejected(400, _("La demande contient un caractère invalide (une moitié de caractère Unicode) : retapez le texte."))
        message = payload.get("message") or ""
        if not isinstance(message, str) or len(message) > MAX_MESSAGE:
            raise Rejected(400, _("Le message dépasse {limit} caractères ou n'est pas un texte.").format(limit=MAX_MESSAGE))
        raw = payload.get("contributor") or {}
        if not isinstance(raw, dict):
            raise Rejected(400, _("« contributor » doit être un objet (name, email, credit)."))
        name, email, credit = raw.get("name") or "", raw.get("email") or "", bool(raw.get("credit", False))
        if not isinstance(name, str) or len(name) > MAX_NAME or not isinstance(email, str) or len(email) > 254:
            raise Rejected(400, _("Le nom ou le courriel de la personne qui contribue est trop long ou mal formé."))
        if not all(c.isprintable() for c in name + email) or "<" in name or ">" in name:
            # They may go into a commit's author line: no control character, no angle bracket.
            raise Rejected(400, _("Le nom ou le courriel de la personne qui contribue contient un caractère non autorisé (retour à la ligne, caractère de contrôle, < ou >)."))
        if email and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", email):
            raise Rejected(422, _("Le courriel de contact n'est pas valide."), [_field_error("contributor.email", _("Le courriel de contact n'est pas valide."))])
        return KINDS[kind], action, record, message, Contributor(name.strip(), email.strip(), credit)

    def _new_id(self, kind: str, record: dict, base: Base) -> str:
        name = record.get(NAME_FIELDS[kind])
        stem = slugify(name if isinstance(name, str) else "", 60) or "fiche"
        start = record.get("start")
        if kind == EVENT and isinstance(start, str) and re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", start):
            stem = f"{start[:10]}-{stem}"
        candidate, number = stem, 2
        while candidate in base.paths or len(candidate) < 3:
            candidate = f"{stem}-{number}"
            number += 1
        return candidate[:80].rstrip("-")

    def _submit(self, base: Base, kind: str, action: str, record: dict, message: str, contributor: Contributor, replay: bool = False,
                upload: pictures.Cleaned | pictures.PictureRefused | None = None, remove: bool = False) -> Submission:
        folder = FOLDERS[kind]
        original_path: str | None = None
        original_text: str | None = None
        if action == "create":
            record_id = self._new_id(kind, record, base)
        else:
            record_id = record.get("id")
            if not isinstance(record_id, str) or not RECORD_ID.fullmatch(record_id) or record_id not in base.paths:
                raise Rejected(404, _("Aucune fiche n'a cet identifiant : la correction ou la suppression porte sur une fiche existante."))
            original_path = base.paths[record_id]
            if not original_path.startswith(f"content/{folder}/"):
                raise Rejected(404, _("Cet identifiant n'est pas celui d'un {what}.").format(what=kind_word(kind)))
            original_text = (self.workspace.file_at(base.sha, original_path) or b"").decode("utf-8", "replace")
        repaired = None
        form_problems: list[dict] = []
        original_record = base.directory.records_of(kind).get(record_id) if action != "create" else None
        original_image = original_record.data.get("image") if original_record is not None else None
        picture = pictures.PicturePlan()
        if action != "delete":
            if kind == EVENT and action == "update" and isinstance(record.get("recurrence"), dict) and "exceptions" not in record:
                # The picker shows the days without the event; cancelled or moved ones stay as they were.
                original_record = base.directory.events.get(record_id)
                if original_record is not None and original_record.data.get("exceptions"):
                    record = {**record, "exceptions": original_record.data["exceptions"]}
            record = written_recurrence(record) if kind == EVENT else record
            # Where a record comes from is the importers' to say: a contributor's « source » is
            # ignored (it could make a later import take the record for its own), the original kept.
            record = {key: value for key, value in record.items() if key != "source"}
            if action == "update":
                record = _with_hidden_fields(kind, record, original_record)
            if self._has_pictures(kind):
                picture = pictures.plan(record_id, record.get("image"), original_image, upload, remove)
                record = {key: value for key, value in record.items() if key != "image"} | ({"image": picture.image} if picture.image else {})
            repaired = repair(kind, record, self.checker.rules.communes, preferred=base.preferred, actors=base.actors)
            record = repaired.record
            typed = record.get("commune")
            if isinstance(typed, str) and typed.strip() and not COMMUNE_CODE.fullmatch(typed):
                form_problems = [_form_problems(typed, repaired.commune_choices)]
            if repaired.unknown_organizers:
                names = ", ".join(f"« {name} »" for name in repaired.unknown_organizers)
                form_problems.append({"code": "unknown-organizer", "severity": "error", "pointer": "/organizers", "message": _(
                    "{names} : pas encore dans l'annuaire. Proposez d'abord sa fiche (« Proposer un acteur »), ou retirez ce nom."
                ).format(names=names)})
        commune = record.get("commune") if action != "delete" else original_path.split("/")[2]
        placed = isinstance(commune, str) and bool(COMMUNE_CODE.fullmatch(commune))
        path = f"content/{folder}/{commune if placed else '00000'}/{record_id}.yml"

        if action == "delete":
            if not message.strip():
                raise Rejected(422, _("Dites pourquoi supprimer cette fiche (message)."), [_field_error("message", _("Dites pourquoi supprimer cette fiche."))])
            content: bytes | None = None
            path = original_path
            picture.changes = pictures.removed_with(original_image, record_id)
            warnings = self._broken_references(base, record_id) if kind == ACTOR else []
        else:
            record = {"id": record_id, **{k: v for k, v in record.items() if k != "id"}}
            text = update_record(original_text, record, kind) if original_text else dump_record(kind, record)
            content = text.encode("utf-8")
            if original_text is not None and content == original_text.encode("utf-8") and not picture.changes:
                raise Rejected(422, _("La correction ne change rien à la fiche."))
            source = RecordFile(path=base.content.parent / path, kind=kind, folder=commune if placed else "00000", display=path)
            result = check_against(content, source, base.entries, self.checker, replaces=(original_path,) if original_path else (), pictures=picture.brought)
            problems = [p for p in result.problems if (placed or p.code not in _PLACEMENT_CODES)
                        and not (picture.refused_upload and p.pointer == pictures.FILE_POINTER)]  # the upload's own refusal says it
            errors = form_problems + picture.problems + [self._for_people(_problem_dict(p), record, commune, base) for p in problems if p.is_error]
            if errors:
                raise Rejected(422, _("La fiche n'est pas encore publiable : corrigez les points signalés."), errors, repaired=repaired)
            warnings = [_problem_dict(p) for p in problems if not p.is_error]
            if kind == ACTOR and isinstance(record.get("name"), str) and base.lookup is not None:
                for match in base.lookup.duplicates(record["name"], commune, kind=ACTOR):
                    if match.id != record_id:
                        warnings.append({"code": "likely-duplicate", "severity": "warning", "message": _("Fiche peut-être en double : {name} ({commune}), {reason}.").format(name=match.name, commune=match.commune_name, reason=match.reason), "pointer": "/name", "record_id": match.id})

        digest = hashlib.sha256(f"{kind}\0{action}\0{path}\0".encode() + (content or b"<delete>")
                                + b"".join(f"\0{name}\0".encode() + (data or b"<delete>") for name, data in sorted(picture.changes.items()))).hexdigest()
        known = self.store.by_digest(digest)
        if known is not None:
            return known
        if replay:
            raise Rejected(403, _("Ce formulaire a déjà servi à un envoi : rechargez la page pour proposer une autre fiche ou une autre correction."))
        changes: dict[str, bytes | None] = {path: content, **picture.changes}
        if original_path and original_path != path:
            changes[original_path] = None  # the record moves to another commune
        author = Author(contributor.name if contributor.credit and contributor.name else _("Contribution anonyme"), self.noreply_email)
        repairs = [asdict(r) for r in repaired.repairs] if repaired else []
        title, body = self._describe(kind, action, record if action != "delete" else {"id": record_id}, record_id, base, message, contributor, warnings, repairs, picture.note)
        # The commit says it all in French, as the pull request does: a reviewer who only reads
        # the branch (a plain Git remote has no pull request page) finds the message and the reason.
        commit = self.workspace.commit_changes(base.sha, changes, _commit_text(f"{title}\n\n{body}"), author)
        submission = Submission(
            receipt=_receipt(), created=datetime.now(timezone.utc).isoformat(timespec="seconds"), kind=kind, action=action,
            record_id=record_id, path=path, branch=f"contrib/{record_id[:60]}-{digest[:8]}", commit=commit, base=base.sha,
            digest=digest, title=title, body=body, warnings=warnings, repairs=repairs,
        )
        self.store.save(submission)
        return submission

    def _for_people(self, problem: dict, record: dict, commune: Any, base: Base) -> dict:
        """A validator message that names a file says, for a person, which page to look at."""
        if problem.get("code") != "duplicate-record" or base.lookup is None:
            return problem
        name = record.get("name") or record.get("title")
        twins = base.lookup.duplicates(str(name), str(commune), kind=ACTOR) if isinstance(name, str) else []
        if not twins:
            return problem
        page = f"{self.site_url.rstrip('/')}{twins[0].url}"
        message = _("« {name} » a déjà sa fiche dans cette commune ({page}) : corrigez-la ou complétez-la depuis sa page, plutôt que d'en créer une seconde.").format(name=twins[0].name, page=page)
        return {**problem, "message": message, "file": ""}

    def _broken_references(self, base: Base, actor_id: str) -> list[dict]:
        events = base.directory.events_of(actor_id)
        return [
            {"code": "unknown-reference", "severity": "warning", "record_id": e.id, "pointer": "", "message": _("L'événement {id} nomme cet acteur : il faudra le corriger.").format(id=e.id)}
            for e in events
        ]

    def _describe(self, kind, action, record, record_id, base, message, contributor, warnings, repairs=(), picture_note="") -> tuple[str, str]:
        name = record.get("name") or record.get("title") or record_id
        commune = base.directory.communes.get(str(record.get("commune", "")))
        where = f" ({commune.name})" if commune else ""
        verb = {"create": _("Ajout"), "update": _("Correction"), "delete": _("Suppression")}[action]
        title = _one_line(f"{verb} : {name}{where}")[:200]
        lines = [
            _("Proposition reçue par le formulaire de contribution."),
            "",
            f"- {_('Fiche')} : `{record_id}` ({kind_word(kind)})",
            f"- {_('Action')} : {verb}",
        ]
        if self.site_url and action != "create":
            lines.append(f"- {_('Page actuelle')} : {self.site_url.rstrip('/')}{urls.record(kind, record_id)}")
        if record.get("summary"):
            lines.append(f"- {_('Résumé')} : {record['summary']}")
        if picture_note:
            lines.append(f"- {picture_note}")
        lines += ["", _("Vérification : la fiche passe la validation (mêmes règles que l'intégration continue).") if action != "delete" else _("Suppression demandée.")]
        if repairs:
            lines += ["", _("Mis en forme par le formulaire :")] + [f"- {r['label']} : « {r['before']} » → « {r['after']} »" for r in repairs]
        if warnings:
            lines += ["", _("Points à vérifier :")] + [f"- {w['message']}" for w in warnings]
        if message.strip():
            lines += ["", _("Message de la personne qui contribue :"), "", "> " + message.strip().replace("\n", "\n> ")]
        if contributor.credit and contributor.name:
            contact = f" <{contributor.email}>" if contributor.email else ""
            lines += ["", _("Proposé par {name}{contact}, qui accepte d'être cité·e.").format(name=contributor.name, contact=contact)]
        return title, "\n".join(lines) + "\n"

    # Delivering --------------------------------------------------------------------------------

    def deliver(self, submission: Submission) -> Submission:
        """Push the branch and open the pull request; on failure, schedule a retry (never drop).

        The request that received a submission and the queue's worker may both try to deliver it:
        one at a time, each starting from the stored state, so a pull request is opened once.
        """
        with self.state.lock("deliver"):
            submission = self.store.get(submission.receipt) or submission
            return self._deliver(submission)

    def _deliver(self, submission: Submission) -> Submission:
        try:
            if submission.status == "queued":
                if self.workspace.remote_branch(submission.branch) != submission.commit:
                    self.workspace.push(submission.commit, submission.branch)
                submission.status = "pushed"
                self.store.save(submission)
            if submission.status == "pushed":
                opened = self.forge.open_pull_request(branch=submission.branch, base=self.workspace.base, title=submission.title, body=submission.body)
                submission.pull_request = opened.url or f"{submission.branch}"
                submission.status = "opened"
                submission.last_error = ""
                self.store.save(submission)
        except (ForgeError, WorkspaceError) as error:
            submission.attempts += 1
            delay = min(BACKOFF_MAX, BACKOFF_FIRST * (2 ** (submission.attempts - 1)))
            if not getattr(error, "retryable", True):
                # A retry cannot fix it (token refused, project unknown): keep the submission and
                # try again rarely, until a maintainer fixes the configuration.
                delay = NEEDS_ATTENTION_DELAY
            retry_after = getattr(error, "retry_after", None)
            if isinstance(retry_after, (int, float)) and retry_after > delay:
                delay = float(retry_after)
            submission.next_attempt = time.time() + delay
            submission.last_error = str(error)[:300]
            self.store.save(submission)
        return submission

    def pending(self) -> list[Submission]:
        now = time.time()
        return [s for s in self.store.all() if s.status != "opened" and s.next_attempt <= now]


def _tidy(value: Any) -> Any:
    """Browsers send CRLF and pasted text brings tabs, which YAML refuses: normalise them."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    if isinstance(value, list):
        return [_tidy(item) for item in value]
    if isinstance(value, dict):
        return {key: _tidy(item) for key, item in value.items()}
    return value


def _receipt() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _has_lone_surrogate(value: Any, depth: int = 0) -> bool:
    if depth > 50:
        return False  # the schema refuses what is nested that deep
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k, depth + 1) or _has_lone_surrogate(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v, depth + 1) for v in value)
    return False


def _commit_text(text: str) -> str:
    """A commit message from contributors' words: no control character but line ends."""
    kept = "".join(c for c in text if c in "\n\t" or (c.isprintable() and c not in "\u2028\u2029"))
    return kept.rstrip() + "\n"


def _one_line(text: str) -> str:
    """A pull request's title: one line of printable characters (no U+2028, NEL, tab...)."""
    return " ".join("".join(c if c.isprintable() and c not in "\u2028\u2029" else " " for c in text).split())


def _form_problems(typed: str, choices: tuple[tuple[str, str], ...]) -> dict:
    """A commune typed by name that is not clear: the person chooses, nothing is guessed."""
    if choices:
        message = _("Plusieurs communes peuvent correspondre à « {typed} » : choisissez la vôtre.").format(typed=typed)
    else:
        message = _("Aucune commune ne correspond à « {typed} » : vérifiez le nom, ou tapez le code postal.").format(typed=typed)
    return {"code": "unclear-commune", "severity": "error", "pointer": "/commune", "message": message,
            "choices": [{"code": code, "name": name} for code, name in choices]}


def _problem_dict(found: Problem) -> dict:
    return found.as_dict()


def _field_error(name: str, message: str) -> dict:
    return {"file": None, "line": None, "column": None, "record_id": None, "pointer": "/" + name.replace(".", "/"), "code": "bad-format", "severity": "error", "message": message}


def _with_hidden_fields(kind: str, record: dict, original) -> dict:
    """A correction keeps what the form does not show (``"x-form": false``: an actor's links,
    an imported record's source): the form cannot send them, so it must not drop them."""
    if original is None:
        return record
    from communs.records.schemas import default_schemas

    properties = default_schemas().roots[kind].get("properties", {})
    # A series' exceptions are the recurrence picker's (handled with the rule, above): not kept here.
    hidden = [name for name, schema in properties.items() if schema.get("x-form") is False and name not in ("id", "exceptions")]
    kept = {name: original.data[name] for name in hidden if name in original.data and name not in record}
    return {**record, **kept} if kept else record
