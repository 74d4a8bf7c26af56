"""Sign in with Slack, faked: Slack's OpenID Connect endpoints over the fake workspace's people.

- ``GET /openid/connect/authorize``: Slack's consent page. It checks ``client_id``,
  ``response_type=code``, the ``openid`` scope and ``redirect_uri``, then shows a person picker
  (the workspace's people, and anyone added from another team with :meth:`OpenIdProvider.
  add_outsider`); choosing one (``POST``) redirects to ``redirect_uri?code=..&state=..``.
- ``POST /api/openid.connect.token``: trades a code (once, within ten minutes) for an access
  token and an ``id_token`` (an RS256 JWT with Slack's claims and the request's ``nonce``);
  errors as Slack words them: ``invalid_client_id``, ``bad_client_secret``, ``invalid_code``,
  ``bad_redirect_uri``, ``invalid_grant_type``.
- ``GET``/``POST /api/openid.connect.userInfo``: the person behind a bearer access token.
- ``GET /openid/connect/keys``: the JWKS that verifies the id_tokens.

The issuer is wherever the fake is served (``iss`` = its base URL), so the bot's
``SLACK_OPENID_URL`` setting points at it.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jinja2 import Environment, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from warroom_sandbox.ids import Clock
from warroom_sandbox.model import User
from warroom_sandbox.workspace import Workspace

CLIENT_ID = "1000.sandbox"
CLIENT_SECRET = "sandbox-client-secret"
CODE_TTL_SECONDS = 600
TOKEN_TTL_SECONDS = 3600
KEY_ID = "sandbox-key-1"


@dataclass
class _Grant:
    user: User
    team_id: str
    team_name: str
    redirect_uri: str
    nonce: str | None
    issued: float


@dataclass
class _Outsider:
    user: User
    team_id: str
    team_name: str


@dataclass
class OpenIdProvider:
    """The fake's OpenID state: registered client, pending codes, issued tokens, signing key."""

    ws: Workspace
    clock: Clock
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    base_url: str = ""
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _tokens: dict[str, _Grant] = field(default_factory=dict)
    _outsiders: dict[str, _Outsider] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._forger: rsa.RSAPrivateKey | None = None

    def forge_id_tokens(self, forge: bool = True) -> None:
        """Sign the id_tokens handed out from now on with a key the JWKS does not publish (under
        the published key's id), as an attacker in the middle would: the bot must refuse them."""
        with self._lock:
            self._forger = rsa.generate_private_key(65537, 2048) if forge else None

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
            self._tokens.clear()
            self._outsiders.clear()
            self._forger = None

    def add_outsider(self, user: User, team_id: str, team_name: str = "Other Inc") -> None:
        """Someone of another Slack workspace who may sign in here (to be refused by the bot)."""
        with self._lock:
            self._outsiders[user.id] = _Outsider(user, team_id, team_name)

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def sign(self, claims: dict[str, Any]) -> str:
        """An id_token signed with the fake's key (tests forge others with their own keys)."""
        key = self._forger or self._key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})

    # --- the flow -------------------------------------------------------------------------------

    def people(self) -> list[tuple[User, str]]:
        """Who the picker offers: the workspace's people, then the outsiders (with their team)."""
        own = [(u, "") for u in self.ws.all_users() if not u.is_bot and not u.deleted]
        return own + [(o.user, o.team_name) for o in self._outsiders.values()]

    def issue_code(self, user_id: str, redirect_uri: str, nonce: str | None) -> str | None:
        with self._lock:
            outsider = self._outsiders.get(user_id)
            if outsider is not None:
                grant = _Grant(
                    outsider.user, outsider.team_id, outsider.team_name, redirect_uri, nonce, 0
                )
            else:
                user = self.ws.users.get(user_id)
                if user is None or user.is_bot or user.deleted:
                    return None
                grant = _Grant(user, self.ws.team.id, self.ws.team.name, redirect_uri, nonce, 0)
            grant.issued = self.clock()
            code = f"{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
            self._codes[code] = grant
            return code

    def exchange(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("client_id") != self.client_id:
            return _error("invalid_client_id")
        if params.get("client_secret") != self.client_secret:
            return _error("bad_client_secret")
        if params.get("grant_type", "authorization_code") != "authorization_code":
            return _error("invalid_grant_type")
        with self._lock:
            grant = self._codes.pop(params.get("code", ""), None)  # a code works once
            if grant is None or self.clock() - grant.issued > CODE_TTL_SECONDS:
                return _error("invalid_code")
            if params.get("redirect_uri") != grant.redirect_uri:
                return _error("bad_redirect_uri")
            token = f"xoxp-{secrets.token_hex(20)}"
            self._tokens[token] = grant
        return {
            "ok": True,
            "access_token": token,
            "token_type": "Bearer",
            "id_token": self.sign(self._claims(grant)),
        }

    def user_info(self, token: str) -> dict[str, Any]:
        with self._lock:
            grant = self._tokens.get(token)
        if grant is None:
            return _error("invalid_auth")
        claims = self._claims(grant)
        for registered in ("iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash"):
            claims.pop(registered, None)
        return {"ok": True, **claims}

    def _claims(self, grant: _Grant) -> dict[str, Any]:
        now = int(self.clock())
        user = grant.user
        given, _, family = user.real_name.partition(" ")
        claims: dict[str, Any] = {
            "iss": self.base_url or "https://slack.com",
            "sub": user.id,
            "aud": self.client_id,
            "exp": now + TOKEN_TTL_SECONDS,
            "iat": now,
            "auth_time": now,
            "https://slack.com/user_id": user.id,
            "https://slack.com/team_id": grant.team_id,
            "https://slack.com/team_name": grant.team_name,
            "email": user.email or f"{user.name}@example.com",
            "email_verified": True,
            "date_email_verified": 1700000000,
            "name": user.real_name,
            "picture": "https://secure.gravatar.com/avatar/sandbox.png",
            "given_name": given,
            "family_name": family,
            "locale": "en-US",
            # Like Slack, no zoneinfo: the bot reads the person's zone with users.info.
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return claims


def _error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}


_PAGE = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sign in with Slack (sandbox)</title></head><body>
<h1>Sign in to {{ team }} (sandbox)</h1>
{% if error %}<p role="alert">{{ error }}</p>{% else %}
<p>warroom is asking to see who you are (scopes: {{ scope }}). Choose who signs in:</p>
<form method="post">
{% for name, value in hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<fieldset><legend>Person</legend>
{% for user, other in people %}
<button type="submit" name="user" value="{{ user.id }}">{{ user.real_name }}
{% if other %}({{ other }}){% endif %}</button>
{% endfor %}
</fieldset></form>{% endif %}
</body></html>"""
)


def openid_routes(provider: OpenIdProvider) -> list[Route]:
    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(parse_qsl((await request.body()).decode("utf-8", "replace")))
        problem = _authorize_problem(provider, params)
        if problem is not None:
            return _page(provider, params, problem, 400)
        if request.method == "GET":
            return _page(provider, params, None, 200)
        code = provider.issue_code(
            params.get("user", ""), params["redirect_uri"], params.get("nonce")
        )
        if code is None:
            return _page(provider, params, "Choose someone from the list.", 400)
        back = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        separator = "&" if "?" in params["redirect_uri"] else "?"
        return RedirectResponse(f"{params['redirect_uri']}{separator}{urlencode(back)}", 302)

    async def token(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        params.update(parse_qsl((await request.body()).decode("utf-8", "replace")))
        return JSONResponse(provider.exchange(params))

    async def user_info(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(parse_qsl((await request.body()).decode("utf-8", "replace")))
        bearer = request.headers.get("authorization", "")
        given = bearer[7:].strip() if bearer.lower().startswith("bearer ") else ""
        given = given or params.get("token", "")
        if not given:
            return JSONResponse(_error("not_authed"))
        return JSONResponse(provider.user_info(given))

    async def keys(_: Request) -> JSONResponse:
        return JSONResponse(provider.jwks())

    return [
        Route("/openid/connect/authorize", authorize, methods=["GET", "POST"]),
        Route("/openid/connect/keys", keys, methods=["GET"]),
        Route("/api/openid.connect.token", token, methods=["POST"]),
        Route("/api/openid.connect.userInfo", user_info, methods=["GET", "POST"]),
    ]


def _authorize_problem(provider: OpenIdProvider, params: dict[str, str]) -> str | None:
    if params.get("client_id") != provider.client_id:
        return "invalid_client_id: this app is not known to the workspace."
    if params.get("response_type") != "code":
        return "invalid_response_type: response_type must be code."
    if "openid" not in params.get("scope", "").split():
        return "invalid_scope: the openid scope is required."
    if not params.get("redirect_uri", "").startswith(("http://", "https://")):
        return "bad_redirect_uri: redirect_uri must be an http(s) URL."
    return None


def _page(
    provider: OpenIdProvider, params: dict[str, str], error: str | None, status: int
) -> HTMLResponse:
    hidden = [(k, v) for k, v in params.items() if k != "user"]
    html = _PAGE.render(
        team=provider.ws.team.name,
        scope=params.get("scope", ""),
        hidden=hidden,
        people=provider.people(),
        error=error,
    )
    return HTMLResponse(html, status_code=status)
