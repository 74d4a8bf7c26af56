"""The web app over real HTTP: Sign in with Slack through the fake OpenID provider, the session
cookie, CSRF, and the incident list and page (docs/insights.md)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine, insert

from bot.composition import build
from bot.incidents.rows import IncidentRow
from tests.e2e.conftest import ONCALL, SECRET, Bot, Clock, e2e_settings, eventually
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.model import User
from warroom_sandbox.openid import CLIENT_ID, CLIENT_SECRET
from warroom_sandbox.server import BackgroundServer
from warroom_sandbox.signing import SlackDriver


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def web_settings() -> dict[str, Any]:
    """More settings for the web app under test (a test may override this fixture)."""
    return {}


@pytest.fixture
def web(
    slack: FakeSlackServer,
    engine: Engine,
    database_url: str,
    web_settings: dict[str, Any],
    config_dir: Path,
) -> Iterator[Bot]:
    """The bot with Sign in with Slack on the fake; PUBLIC_URL is its own loopback address; the
    config folder is the ``config_dir`` fixture's (tests/e2e/config unless a module overrides)."""
    port = _free_port()
    settings = e2e_settings(
        slack,
        database_url,
        config_dir,
        **{
            "public_url": f"http://127.0.0.1:{port}",
            "slack_client_id": CLIENT_ID,
            "slack_client_secret": CLIENT_SECRET,
            "slack_openid_url": slack.base_url,
            **web_settings,
        },
    )
    clock = Clock()
    warroom = build(settings, clock=clock, migrate=False)
    with (
        BackgroundServer(warroom.asgi, port=port) as server,
        SlackDriver(f"{server.url}/slack/events", SECRET, slack) as driver,
    ):
        yield Bot(warroom, slack, driver, server.url, clock)
    warroom.engine.dispose()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False, timeout=20) as client:
        yield client


def start(http: httpx.Client, web: Bot, wanted: str = "/incidents") -> str:
    """Leave for Slack: the authorize URL the app sends the browser to."""
    left = http.get(f"{web.url}/auth/slack/signin", params={"next": wanted})
    assert left.status_code == 302
    return left.headers["location"]


def choose(http: httpx.Client, authorize: str, user: str = ONCALL) -> str:
    """On the fake's consent page, pick who signs in: the callback URL Slack sends back."""
    assert http.get(authorize).status_code == 200
    chosen = http.post(authorize, data={"user": user})
    assert chosen.status_code == 302, chosen.text
    return chosen.headers["location"]


def sign_in(http: httpx.Client, web: Bot, user: str = ONCALL) -> httpx.Response:
    back = http.get(choose(http, start(http, web), user))
    assert back.status_code == 303, back.text
    return back


def test_sign_in_round_trip_checks_state_and_nonce_and_sets_a_safe_cookie(
    web: Bot, http: httpx.Client
) -> None:
    authorize = start(http, web, "/incidents?severity=SEV1")
    query = parse_qs(urlsplit(authorize).query)
    assert query["scope"] == ["openid profile email"]
    assert query["redirect_uri"] == [f"{web.url}/auth/slack/callback"]
    assert query["state"]
    assert query["nonce"]

    back = http.get(choose(http, authorize))
    assert back.headers["location"] == "/incidents?severity=SEV1"
    cookie = next(c for c in back.headers.get_list("set-cookie") if "warroom_session=" in c)
    flags = cookie.lower()
    for flag in ("httponly", "samesite=lax", "max-age=43200"):
        assert flag in flags
    assert "secure" not in flags  # PUBLIC_URL is http here

    page = http.get(f"{web.url}/incidents")
    assert page.status_code == 200
    assert "Olivia Oncall" in page.text
    assert "Sign out" in page.text


def test_replayed_forged_and_incomplete_callbacks_get_a_clear_400(
    web: Bot, http: httpx.Client
) -> None:
    callback = choose(http, start(http, web))
    forged = callback.replace("state=", "state=forged")
    refused = http.get(forged)
    assert refused.status_code == 400
    assert "state does not match" in refused.text

    # The refusal ended the sign-in: the genuine callback, sent afterwards, is refused too.
    assert http.get(callback).status_code == 400

    # A fresh sign-in works once; the same callback replayed is refused.
    callback = choose(http, start(http, web))
    assert http.get(callback).status_code == 303
    http.cookies.clear()
    replayed = http.get(callback)
    assert replayed.status_code == 400
    assert "did not start here" in replayed.text

    for hostile in ("", "?code=x", "?state=x", "?error=access_denied", "?code=%00&state=%ff"):
        answer = http.get(f"{web.url}/auth/slack/callback{hostile}")
        assert answer.status_code == 400, hostile
        assert "Sign in with Slack again" in answer.text


def test_a_used_code_is_refused_by_slack(web: Bot, http: httpx.Client) -> None:
    authorize = start(http, web)
    callback = choose(http, authorize)
    assert http.get(callback).status_code == 303
    # The same browser starts again and Slack's old code comes back with the new state.
    state = parse_qs(urlsplit(start(http, web)).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    again = http.get(f"{web.url}/auth/slack/callback", params={"code": code, "state": state})
    assert again.status_code == 400
    assert "already used or has expired" in again.text


def test_a_forged_id_token_is_refused(web: Bot, http: httpx.Client) -> None:
    web.slack.openid.forge_id_tokens()
    refused = http.get(choose(http, start(http, web)))
    assert refused.status_code == 400
    assert "id_token does not check out" in refused.text
    assert "warroom_session=" not in " ".join(refused.headers.get_list("set-cookie"))


def test_someone_from_another_workspace_is_refused(web: Bot, http: httpx.Client) -> None:
    web.slack.openid.add_outsider(
        User(id="U0OUTSIDE", name="eve", real_name="Eve Outsider"), team_id="T0OTHER"
    )
    refused = http.get(choose(http, start(http, web), "U0OUTSIDE"))
    assert refused.status_code == 400
    assert "Only members of this Slack workspace" in refused.text
    assert http.get(f"{web.url}/incidents").status_code == 303


def test_pages_need_a_session_and_a_tampered_cookie_is_none(web: Bot, http: httpx.Client) -> None:
    for path in ("/incidents", "/incidents/1"):
        answer = http.get(f"{web.url}{path}")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/auth/slack/signin?next=")
    sign_in(http, web)
    good = http.cookies["warroom_session"]
    http.cookies.set("warroom_session", good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    assert http.get(f"{web.url}/incidents").status_code == 303


def test_sign_out_needs_the_csrf_token(web: Bot, http: httpx.Client) -> None:
    sign_in(http, web)
    page = http.get(f"{web.url}/incidents")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    refused = http.post(f"{web.url}/auth/signout", data={})
    assert refused.status_code == 403
    assert "CSRF token" in refused.text
    assert http.get(f"{web.url}/incidents").status_code == 200  # still signed in
    out = http.post(f"{web.url}/auth/signout", data={"csrf": token})
    assert out.status_code == 200
    assert http.get(f"{web.url}/incidents").status_code == 303


@pytest.mark.parametrize("web_settings", [{"public_url": "https://warroom.example.com"}])
def test_cookies_are_secure_when_public_url_is_https(web: Bot, http: httpx.Client) -> None:
    left = http.get(f"{web.url}/auth/slack/signin")
    cookie = left.headers["set-cookie"].lower()
    assert "warroom_signin=" in cookie
    assert "; secure" in cookie
    query = parse_qs(urlsplit(left.headers["location"]).query)
    assert query["redirect_uri"] == ["https://warroom.example.com/auth/slack/callback"]


@pytest.mark.parametrize("web_settings", [{"web_session_hours": 1 / 3600}])
def test_an_expired_session_signs_in_again(web: Bot, http: httpx.Client) -> None:
    sign_in(http, web)
    session = {"Cookie": f"warroom_session={http.cookies['warroom_session']}"}
    http.cookies.clear()
    assert httpx.get(f"{web.url}/incidents", headers=session).status_code == 200
    time.sleep(2.2)  # the session lasts one second; the cookie's timestamp counts whole seconds
    # A browser would have dropped it by now; the server refuses it anyway.
    assert httpx.get(f"{web.url}/incidents", headers=session).status_code == 303


# --- the list and the page ----------------------------------------------------------------------

BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _seed(engine: Engine, count: int) -> None:
    """``count`` incidents, one a day from BASE: severities, statuses and services rotate."""
    rows: list[dict[str, Any]] = [
        {
            "title": f"{'Checkout' if n % 2 else 'Search'} trouble {n}",
            "description": "",
            "severity": f"SEV{n % 4 + 1}",
            "status": "resolved" if n % 3 else "investigating",
            "service": ("checkout", "search", "payments")[n % 3],
            "declarer_id": ONCALL,
            "lead_id": ONCALL,
            "provision_state": "done",
            "channel_name": f"inc-{n}",
            "declared_at": BASE + timedelta(days=n),
            "roles": {},
            "version": 1,
        }
        for n in range(1, count + 1)
    ]
    with engine.begin() as connection:
        connection.execute(insert(IncidentRow), rows)


def _numbers(html: str) -> list[int]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = body.split("<tr>")[1:]
    return [int(row.split('<td><a href="/incidents/')[1].split('"')[0]) for row in rows]


def test_list_filters_sorts_and_pages(web: Bot, http: httpx.Client, engine: Engine) -> None:
    _seed(engine, 120)
    sign_in(http, web)

    def listed(**params: str) -> list[int]:
        answer = http.get(f"{web.url}/incidents", params=params)
        assert answer.status_code == 200, answer.text
        return _numbers(answer.text)

    assert listed() == list(range(120, 70, -1))  # newest first, 50 a page
    assert listed(page="3") == list(range(20, 0, -1))
    assert listed(sort="number", dir="asc", page="2") == list(range(51, 101))
    assert listed(severity="SEV1") == [n for n in range(120, 0, -1) if n % 4 == 0][:50]
    # Investigating is every third incident, and those are all checkout's.
    assert listed(status="investigating", service="payments") == []
    assert listed(status="investigating", service="checkout") == list(range(120, 0, -3))
    searched = [n for n in range(120, 0, -1) if n % 2 == 0 and str(n).startswith("1")]
    assert listed(q="SEARCH trouble 1") == searched  # case-insensitive, titles only
    titles = {n: f"{'Checkout' if n % 2 else 'Search'} trouble {n}" for n in range(1, 121)}
    by_title = sorted(titles, key=lambda n: (titles[n], n))
    assert listed(q="trouble", sort="title", dir="asc", page="2") == by_title[50:100]
    assert listed(since="2026-03-05", until="2026-03-07") == [6, 5, 4]
    page = http.get(f"{web.url}/incidents", params={"severity": "SEV9", "since": "yesterday"})
    assert page.status_code == 200
    assert "Unknown severity" in page.text
    assert "must be a date" in page.text
    assert "Incidents 1 to 30 of 30" in http.get(f"{web.url}/incidents?severity=SEV2").text


def test_incident_page_shows_clocks_timeline_and_links(web: Bot, http: httpx.Client) -> None:
    channel = web.declare("Checkout latency high sev2")
    web.command(channel, "mitigate Traffic shifted")
    web.posted(channel.id, "changed status investigating -> mitigated")
    sign_in(http, web)
    number = int(channel.name.split("-")[1])

    def mitigated() -> httpx.Response | None:
        page = http.get(f"{web.url}/incidents/{number}")
        return page if "mitigated" in page.text.split('id="timeline"')[1] else None

    page = eventually(mitigated, what="the status change on the page")
    timeline = page.text.split('id="timeline"')[1].split("</table>")[0]
    assert "declared the incident (SEV2): Checkout latency high" in timeline
    assert "changed status investigating -&gt; mitigated: Traffic shifted" in timeline
    assert f"Channel #{channel.id} created" in timeline
    assert "@Olivia Oncall declared the incident" in timeline  # names, not Slack ids
    assert "<dt>Lead</dt><dd>Olivia Oncall</dd>" in page.text
    assert "None yet: <code>/incident postmortem</code>" in page.text
    assert "Europe/Berlin" in page.text  # Olivia's zone, beside UTC
    assert f"app_redirect?channel={channel.id}" in page.text

    web.command(channel, "postmortem")

    def drafted() -> str | None:
        text = http.get(f"{web.url}/incidents/{number}").text
        return text if "Review page</a> (draft)" in text else None

    link = eventually(drafted, what="the post-mortem link").split(
        '<dt>Post-mortem</dt><dd><a href="'
    )[1]
    review = http.get(link.split('"')[0].replace("&amp;", "&"))
    assert review.status_code == 200
    assert "Checkout latency high" in review.text

    for missing in ("999999", "abc", "1" * 30):
        assert http.get(f"{web.url}/incidents/{missing}").status_code == 404


def test_hostile_queries_and_next_addresses_get_no_5xx(web: Bot, http: httpx.Client) -> None:
    for elsewhere in ("//evil.example.com/x", "https://evil.example.com", "/\\evil.example.com"):
        left = http.get(f"{web.url}/auth/slack/signin", params={"next": elsewhere})
        assert left.status_code == 302
        back = http.get(choose(http, left.headers["location"]))
        assert back.headers["location"] == "/incidents", elsewhere
    hostile = [
        {"page": "999999999"},
        {"page": "-1"},
        {"since": "2026-13-01", "until": "0000-00-00"},
        {"since": "2026-05-01", "until": "2026-04-01"},
        {"q": "%_\\'\"<script>" * 40},
        {"sort": "id; DROP TABLE incidents", "dir": "sideways"},
        {"status": "\x00", "service": "x" * 5000},
        {"service": "checkout\x00"},  # PostgreSQL refuses a NUL in text: named, not a 500
        {"q": "disk\x00full"},
        {"q": 'NEAR("a" b, 2) OR title:x* AND ^c - "'},  # FTS5 query syntax: plain text
        {"q": '"""'},
    ]
    for params in hostile:
        answer = http.get(f"{web.url}/incidents", params=params)
        assert answer.status_code == 200, params
        assert "<script>" not in answer.text
    named = http.get(f"{web.url}/incidents", params={"service": "a\x00b"}).text
    assert "The service has control characters: showing every service." in named


@pytest.mark.parametrize("web_settings", [{"slack_client_id": None}])
def test_without_the_client_id_the_pages_say_what_to_set(web: Bot, http: httpx.Client) -> None:
    for path in ("/incidents", "/auth/slack/signin", "/auth/slack/callback?code=x&state=y"):
        answer = http.get(f"{web.url}{path}")
        assert answer.status_code == 503, path
        assert "SLACK_CLIENT_ID" in answer.text or "not set up" in answer.text
