"""Keeping abuse out of the contribution service: signed form tokens (minimum fill time,
expiry, a nonce spent by the submission it served), per-client rate limits. The honeypot field is part of every form (forms.HONEYPOT)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from communs.contrib.shared import SharedState
from communs.i18n import _


@dataclass(frozen=True)
class TokenCheck:
    ok: bool
    reason: str = ""  # French, for the contributor
    nonce: str = ""


class FormTokens:
    """Tokens that prove a form was fetched from us, long enough ago for a person to fill it."""

    def __init__(self, secret: bytes, *, min_fill_seconds: float, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="communs-form")
        self.min_fill_seconds = min_fill_seconds
        self.max_age_seconds = max_age_seconds

    def issue(self) -> tuple[str, str]:
        nonce = secrets.token_urlsafe(16)
        return self._serializer.dumps({"n": nonce}), nonce

    def check(self, token: object) -> TokenCheck:
        if not isinstance(token, str) or not token:
            return TokenCheck(False, _("Le jeton du formulaire manque : rechargez la page du formulaire et renvoyez-le."))
        try:
            payload, issued = self._serializer.loads(token, max_age=self.max_age_seconds, return_timestamp=True)
        except SignatureExpired:
            return TokenCheck(False, _("Le formulaire a expiré : rechargez la page, vos réponses seront à ressaisir."))
        except BadSignature:
            return TokenCheck(False, _("Le jeton du formulaire n'est pas valide : rechargez la page du formulaire."))
        age = time.time() - issued.timestamp()
        if age < self.min_fill_seconds:
            return TokenCheck(False, _("Le formulaire a été envoyé trop vite : patientez quelques secondes et renvoyez-le."))
        nonce = payload.get("n", "") if isinstance(payload, dict) else ""
        return TokenCheck(True, nonce=nonce)


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per client (sliding window), counted in the
    data folder's shared state, so that every copy of the service sees the same counts."""

    def __init__(self, state: SharedState, scope: str, limit: int, window: float) -> None:
        self.state = state
        self.scope = scope
        self.limit = limit
        self.window = window

    def check(self, client: str) -> tuple[bool, float]:
        """Whether the client may go on, and if not, in how many seconds it may (nothing counted)."""
        count, oldest = self.state.hits(self.scope, client, self.window)
        if count >= self.limit:
            return False, max(1.0, self.window - (time.time() - oldest))
        return True, 0.0

    def record(self, client: str) -> None:
        """Count one event of the client."""
        self.state.hit(self.scope, client, self.window)
