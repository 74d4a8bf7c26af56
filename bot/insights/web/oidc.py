"""Sign in with Slack's OpenID Connect, the client side: the authorize URL, the code exchange and
the id_token's checks (signature by the provider's JWKS, issuer, audience, expiry, nonce).

Slack's endpoints hang off ``SLACK_OPENID_URL`` (``https://slack.com``; the sandbox's fake in
tests and ``warroom dev``). Every failure is a :class:`SignInFailed` whose text says what went
wrong for the person signing in; none is a crash.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt

from bot.kernel.http import GaveUp, HttpSender, OutboundRequest, RetryPolicy, Timeouts, Unsendable

log = logging.getLogger(__name__)
SCOPES = "openid profile email"
TEAM_CLAIM = "https://slack.com/team_id"
LEEWAY_SECONDS = 60


class SignInFailed(Exception):
    """Why a sign-in cannot finish, worded for the person signing in."""


@dataclass(frozen=True)
class Identity:
    user_id: str
    team_id: str
    name: str
    email: str
    zone: str | None


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uri: str


class SlackOpenId:
    def __init__(self, base_url: str, client: Client) -> None:
        self._base = base_url.rstrip("/")
        self._client = client
        self._sender = HttpSender(
            log,
            policy=RetryPolicy(max_attempts=1, total_budget=10.0),
            timeouts=Timeouts(connect=3.0, read=10.0),
        )
        self._keys: jwt.PyJWKSet | None = None
        self._keys_lock = threading.Lock()

    def authorize_url(self, state: str, nonce: str) -> str:
        query = {
            "response_type": "code",
            "scope": SCOPES,
            "client_id": self._client.client_id,
            "state": state,
            "nonce": nonce,
            "redirect_uri": self._client.redirect_uri,
        }
        return f"{self._base}/openid/connect/authorize?{urlencode(query)}"

    def sign_in(self, code: str, nonce: str) -> Identity:
        """The person behind ``code``, once Slack and the id_token vouch for them."""
        body = self._call(
            "openid.connect.token",
            {
                "client_id": self._client.client_id,
                "client_secret": self._client.client_secret,
                "code": code,
                "redirect_uri": self._client.redirect_uri,
                "grant_type": "authorization_code",
            },
        )
        token = body.get("id_token")
        if not isinstance(token, str):
            raise SignInFailed("Slack answered without an id_token.")
        claims = self._verified(token)
        if claims.get("nonce") != nonce:
            raise SignInFailed("The sign-in's nonce does not match: start again.")
        return _identity(claims)

    def _call(self, method: str, form: dict[str, str]) -> dict[str, Any]:
        url = f"{self._base}/api/{method}"
        secret = self._client.client_secret

        def build() -> OutboundRequest:
            return OutboundRequest(
                "POST",
                url,
                {"Content-Type": "application/x-www-form-urlencoded"},
                urlencode(form).encode(),
            )

        try:
            reply = self._sender.send(
                build, label=f"slack {method}", secrets=(secret, form["code"])
            )
            body = reply.json()
        except (GaveUp, Unsendable, ValueError) as error:
            log.warning("slack %s failed: %s", method, error)
            raise SignInFailed("Slack could not be reached to finish signing in.") from None
        if not isinstance(body, dict) or body.get("ok") is not True:
            code = body.get("error") if isinstance(body, dict) else None
            raise SignInFailed(_SLACK_ERRORS.get(str(code), f"Slack refused the sign-in ({code})."))
        return body

    def _verified(self, token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._key(str(kid))
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._client.client_id,
                issuer=self._base,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SignInFailed(f"Slack's id_token does not check out ({error}).") from None
        return claims

    def _key(self, kid: str) -> jwt.PyJWK:
        """The key ``kid`` from the provider's JWKS, fetched again once when it is unknown
        (Slack rotates its keys)."""
        with self._keys_lock:
            for fresh in (False, True):
                if fresh or self._keys is None:
                    self._keys = self._fetch_keys()
                try:
                    return self._keys[kid]
                except KeyError:
                    continue
        raise SignInFailed("Slack's id_token is signed with a key Slack does not publish.")

    def _fetch_keys(self) -> jwt.PyJWKSet:
        url = f"{self._base}/openid/connect/keys"
        try:
            reply = self._sender.send(
                lambda: OutboundRequest("GET", url, {}), label="slack openid keys", secrets=()
            )
            return jwt.PyJWKSet.from_dict(reply.json())
        except (GaveUp, Unsendable, ValueError, jwt.PyJWTError) as error:
            log.warning("slack openid keys failed: %s", error)
            raise SignInFailed("Slack's signing keys could not be read.") from None

    def close(self) -> None:
        self._sender.close()


_SLACK_ERRORS = {
    "invalid_code": "This sign-in link was already used or has expired: sign in again.",
    "bad_redirect_uri": "The sign-in came back to another address than it left from.",
    "invalid_client_id": "SLACK_CLIENT_ID is not this Slack app's client id.",
    "bad_client_secret": "SLACK_CLIENT_SECRET is not this Slack app's client secret.",
}


def _identity(claims: dict[str, Any]) -> Identity:
    team = claims.get(TEAM_CLAIM)
    if not isinstance(team, str):
        raise SignInFailed("Slack's id_token names no workspace.")
    zone = claims.get("zoneinfo")
    return Identity(
        user_id=str(claims["sub"]),
        team_id=team,
        name=str(claims.get("name") or claims["sub"]),
        email=str(claims.get("email") or ""),
        zone=zone if isinstance(zone, str) else None,
    )
