"""The web app's signed cookies: the session (who signed in, their zone and CSRF token) and the
short-lived sign-in cookie (state, nonce and where to go back to).

Both are signed and timestamped with itsdangerous, so a forged, tampered or expired cookie reads as
no cookie. Flags: HttpOnly, SameSite=Lax, Secure when PUBLIC_URL is https.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadData, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "warroom_session"
SIGNIN_COOKIE = "warroom_signin"
SIGNIN_SECONDS = 600  # from leaving for Slack to coming back
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Session:
    user_id: str
    team_id: str
    name: str
    zone: str | None
    csrf: str

    def csrf_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    next: str


class Cookies:
    def __init__(self, secret: bytes, lifetime: timedelta, secure: bool) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="warroom-web-session")
        self._signin = URLSafeTimedSerializer(secret, salt="warroom-web-signin")
        self._lifetime = int(lifetime.total_seconds())
        self._secure = secure

    # --- the session ---------------------------------------------------------------------------

    def session(self, request: Request) -> Session | None:
        data = _load(self._session, request.cookies.get(SESSION_COOKIE), self._lifetime)
        if not isinstance(data, dict):
            return None
        try:
            return Session(
                user_id=str(data["u"]),
                team_id=str(data["t"]),
                name=str(data["n"]),
                zone=str(data["z"]) if data.get("z") else None,
                csrf=str(data["c"]),
            )
        except KeyError:
            return None

    def start_session(
        self, response: Response, user_id: str, team_id: str, name: str, zone: str | None
    ) -> None:
        value = {"u": user_id, "t": team_id, "n": name, "z": zone, "c": secrets.token_urlsafe(24)}
        self._set(response, SESSION_COOKIE, self._session.dumps(value), self._lifetime)

    def end_session(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, httponly=True, secure=self._secure, samesite="lax")

    # --- the sign-in in flight -----------------------------------------------------------------

    def pending(self, request: Request) -> PendingSignIn | None:
        data = _load(self._signin, request.cookies.get(SIGNIN_COOKIE), SIGNIN_SECONDS)
        if not isinstance(data, dict):
            return None
        try:
            return PendingSignIn(str(data["s"]), str(data["n"]), str(data["x"]))
        except KeyError:
            return None

    def start_signin(self, response: Response, pending: PendingSignIn) -> None:
        value = {"s": pending.state, "n": pending.nonce, "x": pending.next}
        self._set(response, SIGNIN_COOKIE, self._signin.dumps(value), SIGNIN_SECONDS)

    def end_signin(self, response: Response) -> None:
        response.delete_cookie(SIGNIN_COOKIE, httponly=True, secure=self._secure, samesite="lax")

    def _set(self, response: Response, name: str, value: str, seconds: int) -> None:
        response.set_cookie(
            name, value, max_age=seconds, httponly=True, secure=self._secure, samesite="lax"
        )


def _load(serializer: URLSafeTimedSerializer, value: str | None, max_age: int) -> object:
    if not value:
        return None
    try:
        return serializer.loads(value, max_age=max_age)
    except BadData:  # forged, tampered, expired or garbage: no cookie
        return None
