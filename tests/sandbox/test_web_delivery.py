"""Delivering to the bot: Slack's words for failures, late answers, and event retries."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.sandbox.waiting import eventually
from warroom_sandbox import BackgroundServer, FakeSlackServer, SlackDriver
from warroom_sandbox.web.delivery import BotLink, classify

SECRET = "delivery-test-secret"


class Receiver:
    """A stand-in for the bot's /slack/events that fails the first ``failures`` requests."""

    def __init__(self) -> None:
        self.failures = 0
        self.received: list[tuple[dict[str, str], dict[str, object]]] = []
        self.app = Starlette(
            routes=[
                Route("/slack/events", self.events, methods=["POST"]),
                Route("/healthz", self.health),
            ]
        )

    async def events(self, request: Request) -> Response:
        body = json.loads(await request.body())
        if self.failures > 0:
            self.failures -= 1
            return PlainTextResponse("boom", status_code=500)
        self.received.append((dict(request.headers), body))
        return Response(status_code=200)

    async def health(self, _: Request) -> Response:
        return PlainTextResponse(
            "ok" if self.failures == 0 else "down", 200 if not self.failures else 503
        )


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, BackgroundServer]]:
    receiver = Receiver()
    with BackgroundServer(receiver.app) as server:
        yield receiver, server


@pytest.fixture
def links() -> Iterator[list[BotLink]]:
    """Links made by a test, stopped (with their driver's connections) after it."""
    made: list[BotLink] = []
    yield made
    for link in made:
        link.stop()
        link.driver.close()


def _link(
    made: list[BotLink],
    slack: FakeSlackServer,
    server: BackgroundServer,
    schedule: tuple[float, ...],
) -> BotLink:
    driver = SlackDriver(f"{server.url}/slack/events", SECRET, slack)
    link = BotLink(driver, health_url=f"{server.url}/healthz", retry_schedule=schedule)
    made.append(link)
    return link


def test_slacks_words_for_failures() -> None:
    def refuse() -> httpx.Response:
        raise httpx.ConnectError("refused")

    outcome = classify("slash_command", refuse)
    assert (outcome.error, outcome.detail) == ("dispatch_failed", "connection refused")
    request = httpx.Request("POST", "http://bot/slack/events")
    assert classify("event", lambda: httpx.Response(404, request=request)).error == (
        "http_client_error"
    )
    assert classify("event", lambda: httpx.Response(503, request=request)).error == (
        "http_service_error"
    )
    assert classify("event", lambda: httpx.Response(200, request=request)).ok


def test_an_answer_after_three_seconds_is_late() -> None:
    ticks = itertools.count(0.0, 3.5)
    request = httpx.Request("POST", "http://bot/slack/events")
    outcome = classify(
        "block_actions", lambda: httpx.Response(200, request=request), lambda: next(ticks)
    )
    assert outcome.ok
    assert outcome.late


def test_a_failed_event_is_retried_with_slacks_headers(
    slack: FakeSlackServer, receiver: tuple[Receiver, BackgroundServer], links: list[BotLink]
) -> None:
    bot, server = receiver
    bot.failures = 2
    link = _link(links, slack, server, (0.05, 0.05, 0.05))
    link.start()
    first = link.send_event({"type": "reaction_added", "reaction": "pushpin"})
    assert first.error == "http_service_error"
    assert link.health.snapshot()[0] is False
    eventually(lambda: bot.received, "the retried event")
    headers, body = bot.received[0]
    assert headers["x-slack-retry-num"] == "2"
    assert headers["x-slack-retry-reason"] == "http_error"
    assert body["event"] == {
        "type": "reaction_added",
        "reaction": "pushpin",
        "event_ts": body["event"]["event_ts"],  # type: ignore[index]
    }
    assert link.health.snapshot()[0] is True
    assert link.pending_events() == []


def test_an_event_is_dropped_after_three_retries(
    slack: FakeSlackServer, receiver: tuple[Receiver, BackgroundServer], links: list[BotLink]
) -> None:
    bot, server = receiver
    bot.failures = 10
    link = _link(links, slack, server, (0.0, 0.0, 0.0))
    link.send_event({"type": "reaction_added"})
    for _ in range(5):
        link.retry_due()
    assert bot.failures == 10 - 4  # the first delivery and Slack's three retries
    assert link.pending_events() == []


def test_the_health_probe_notices_a_bot_that_came_back(
    slack: FakeSlackServer, receiver: tuple[Receiver, BackgroundServer], links: list[BotLink]
) -> None:
    bot, server = receiver
    link = _link(links, slack, server, (60.0,))
    bot.failures = 1
    link.probe(min_interval=0)
    assert link.health.snapshot()[0] is False
    bot.failures = 0
    link.probe(min_interval=0)
    assert link.health.snapshot()[0] is True
