"""The fake Sign in with Slack answers like Slack: its token endpoint's errors, the userInfo shape,
and id_tokens that verify with its published keys."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from warroom_sandbox import FakeSlackServer
from warroom_sandbox.openid import CLIENT_ID, CLIENT_SECRET
from warroom_sandbox.seed import LEAD, TEAM_ID

REDIRECT = "https://warroom.example.com/auth/slack/callback"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        yield server


def authorize(slack: FakeSlackServer, **changes: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "scope": "openid profile email",
        "client_id": CLIENT_ID,
        "state": "s1",
        "nonce": "n1",
        "redirect_uri": REDIRECT,
        **changes,
    }
    return httpx.post(
        f"{slack.base_url}/openid/connect/authorize", params=params, data={"user": LEAD}
    )


def code_of(answer: httpx.Response) -> str:
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["state"] == ["s1"]
    return back["code"][0]


def token(slack: FakeSlackServer, code: str, **changes: str) -> dict[str, object]:
    form = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": code,
        "redirect_uri": REDIRECT,
        **changes,
    }
    answer = httpx.post(f"{slack.base_url}/api/openid.connect.token", data=form)
    assert answer.status_code == 200
    body: dict[str, object] = answer.json()
    return body


def test_a_code_trades_once_for_a_verifiable_id_token_and_user_info(
    slack: FakeSlackServer,
) -> None:
    code = code_of(authorize(slack))
    body = token(slack, code)
    assert body["ok"] is True
    keys = jwt.PyJWKSet.from_dict(httpx.get(f"{slack.base_url}/openid/connect/keys").json())
    claims = jwt.decode(
        str(body["id_token"]),
        keys.keys[0].key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=slack.base_url,
    )
    assert claims["sub"] == LEAD
    assert claims["nonce"] == "n1"
    assert claims["https://slack.com/team_id"] == TEAM_ID
    assert token(slack, code) == {"ok": False, "error": "invalid_code"}

    info = httpx.get(
        f"{slack.base_url}/api/openid.connect.userInfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    ).json()
    assert info["ok"] is True
    assert info["sub"] == LEAD
    assert "nonce" not in info
    bad = httpx.get(f"{slack.base_url}/api/openid.connect.userInfo").json()
    assert bad == {"ok": False, "error": "not_authed"}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"client_id": "other"}, "invalid_client_id"),
        ({"client_secret": "wrong"}, "bad_client_secret"),
        ({"redirect_uri": "https://evil.example.com/cb"}, "bad_redirect_uri"),
        ({"code": "made-up"}, "invalid_code"),
        ({"grant_type": "refresh_token"}, "invalid_grant_type"),
    ],
)
def test_the_token_endpoint_refuses_like_slack(
    slack: FakeSlackServer, changes: dict[str, str], error: str
) -> None:
    code = code_of(authorize(slack))
    sent = {**changes}
    assert token(slack, sent.pop("code", code), **sent) == {"ok": False, "error": error}


def test_the_consent_page_refuses_an_unknown_app(slack: FakeSlackServer) -> None:
    answer = authorize(slack, client_id="someone-else")
    assert answer.status_code == 400
    assert "invalid_client_id" in answer.text
