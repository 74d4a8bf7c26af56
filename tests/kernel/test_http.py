"""The kernel's outbound HTTP sender over real loopback HTTP: server-asked waits, client
ownership, redaction of the caller's label. Notifier and action behaviour is tested through
them (tests/notify, tests/actions); this covers what only the kernel decides."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.kernel.http import GaveUp, HttpSender, OutboundRequest, RetryPolicy
from bot.kernel.timers.backoff import Backoff
from warroom_sandbox.server import BackgroundServer

NOW = 1_700_000_000.0
log = logging.getLogger("tests.kernel.http")


class Answers:
    """Answers queued responses in order, then 200."""

    def __init__(self) -> None:
        self.queue: list[Response] = []

    async def answer(self, request: Request) -> Response:
        return self.queue.pop(0) if self.queue else Response("ok")


@pytest.fixture
def answers() -> Iterator[tuple[Answers, str]]:
    app = Answers()
    routes = [Route("/{path:path}", app.answer, methods=["GET"])]
    with BackgroundServer(Starlette(routes=routes)) as server:
        yield app, server.url


def sender(waits: list[float], *, rate_limit_reset: bool = True) -> HttpSender:
    return HttpSender(
        log,
        policy=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05),
        rate_limit_reset=rate_limit_reset,
        sleep=waits.append,
        draw=lambda: 0.5,
        wall_clock=lambda: NOW,
    )


def get(url: str) -> OutboundRequest:
    return OutboundRequest("GET", url, {})


def limited() -> Response:
    reset = str(int((NOW + 2.5) * 1000))
    return Response("slow down", status_code=429, headers={"X-Ratelimit-Reset": reset})


def test_x_ratelimit_reset_is_waited_for_when_honoured(answers: tuple[Answers, str]) -> None:
    app, url = answers
    app.queue.append(limited())
    waits: list[float] = []
    with sender(waits) as http:
        reply = http.send(lambda: get(url), label="flags", secrets=())
    assert (reply.status, reply.attempts, waits) == (200, 2, [2.5])


def test_x_ratelimit_reset_is_ignored_when_not_honoured(answers: tuple[Answers, str]) -> None:
    app, url = answers
    app.queue.append(limited())
    waits: list[float] = []
    with sender(waits, rate_limit_reset=False) as http:
        reply = http.send(lambda: get(url), label="page", secrets=())
    assert (reply.status, waits) == (200, [0.005])  # draw 0.5 of the first 0.01 s backoff


def test_the_last_retryable_answer_comes_with_giving_up(answers: tuple[Answers, str]) -> None:
    app, url = answers
    app.queue.extend(Response("down", status_code=503) for _ in range(3))
    with sender([]) as http, pytest.raises(GaveUp) as caught:
        http.send(lambda: get(url), label="flags", secrets=())
    failure = caught.value
    assert (failure.reason, failure.attempts, failure.budget) == ("HTTP 503", 3, None)
    assert failure.reply is not None
    assert failure.reply.text == "down"


def test_secrets_in_the_label_are_redacted_in_logs(
    answers: tuple[Answers, str], caplog: pytest.LogCaptureFixture
) -> None:
    app, url = answers
    app.queue.append(Response("down", status_code=502))
    caplog.set_level(logging.INFO, logger=log.name)
    secret = "s3cr3t-token"
    with sender([]) as http:
        http.send(lambda: get(f"{url}/{secret}"), label=f"GET {url}/{secret}", secrets=(secret,))
    assert "retrying" in caplog.text
    assert secret not in caplog.text


def test_the_sender_closes_only_the_client_it_created() -> None:
    owned = HttpSender(log)
    owned.close()
    assert owned.client.is_closed
    with httpx.Client() as lent:
        HttpSender(log, client=lent).close()
        assert not lent.is_closed


def test_timer_and_http_retries_wait_by_the_same_formula() -> None:
    timers = Backoff(base_seconds=2.0, cap_seconds=300.0)
    http = RetryPolicy(base_delay=2.0, max_delay=300.0)
    for attempt in range(1, 12):
        assert http.backoff(attempt, 1.0) == timers.ceiling(attempt)
        draw = random.Random(attempt).random()
        expected = timers.delay(attempt, random.Random(attempt)).total_seconds()
        assert http.backoff(attempt, draw) == pytest.approx(expected, abs=1e-6)  # timedelta: µs
