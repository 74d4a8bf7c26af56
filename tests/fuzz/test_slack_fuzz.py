"""Hostile requests to ``/slack/events``, over real HTTP on loopback (issue 11).

The whole app runs as the end-to-end tests run it (``tests.e2e.conftest``'s ``bot``) with two
incidents declared, so ids in the requests can hit real channels, cards and incidents.
Hypothesis drives the generators of ``warroom_sandbox.fuzz.slack`` (through ``st.randoms()``, so
failures shrink): signed slash commands with hostile text and fields; interaction payloads for
every action id, view callback id and shortcut the app registers (read off the Bolt app's
listeners) with keys missing, values of the wrong type, huge numbers in button values,
private_metadata that is not JSON, non-ASCII everywhere; event callbacks; unsigned junk (401);
malformed ``X-Slack-Request-Timestamp`` values (a float, a huge number, non-ASCII digits: 401);
bodies over the limit (413).

Every answer is below 500 and comes within Slack's 3 s; and when a test's examples are done and
the app has finished their work, no ERROR with a traceback was logged (each is reported with
the requests sent just before it).

``WARROOM_FUZZ_EXAMPLES`` sets the examples per kind (default 60, the huge bodies a sixth of
that: the file runs in well under a minute); raise it for a longer hunt.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.incidents.slack import blocks, timeline_capture
from tests.durability.support import SLACK_DEADLINE_SECONDS, wait_quiet
from tests.e2e.conftest import (  # noqa: F401  (fixtures, shared with the e2e tests)
    ONCALL,
    SECRET,
    Bot,
    bot,
    config_dir,
    extra_settings,
    fake_slack_server,
    slack,
)
from warroom_sandbox.fuzz import FuzzRequest, Target, registry_of
from warroom_sandbox.fuzz import slack as fuzz
from warroom_sandbox.fuzz.wire import Answer, send

pytestmark = pytest.mark.timeout(600)

EXAMPLES = int(os.environ.get("WARROOM_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HUGE = settings(FUZZ, max_examples=max(1, EXAMPLES // 6))
TIMEOUT_SECONDS = 30.0  # the socket's; an answer later than Slack's 3 s fails anyway


@dataclass
class Sent:
    """Every request sent in a test, for pinning a logged traceback on what came before it."""

    log: list[tuple[float, float, str]] = field(default_factory=list)

    def around(self, instant: float, before: float = 3.0) -> list[str]:
        """The (up to 3) requests in flight or just answered at ``instant``, the latest last."""
        return [d for start, end, d in self.log if start - 0.05 <= instant <= end + before][-3:]


@pytest.fixture
def target(bot: Bot) -> Target:  # noqa: F811
    """Two incidents with their channels and cards, and a person's message in the first."""
    first = bot.declare("Checkout latency high sev2")
    second = bot.declare("Payments failing sev1")
    said = bot.slack.state.post_as_user(ONCALL, first.id, "Rolled back to 4.2.1")
    return Target(
        signing_secret=SECRET,
        slack=bot.slack,
        registry=registry_of(bot.app.bolt),
        clock=lambda: bot.clock().timestamp(),
        channels=[first.id, second.id],
        messages=[
            (first.id, bot.card(first.id).ts),
            (second.id, bot.card(second.id).ts),
            (first.id, said.ts),
        ],
        numbers=[1, 2, 3],
        steps=["check-dashboards", "s1"],
    )


def test_the_fuzzer_aims_at_every_listener_the_app_registers(target: Target) -> None:
    registry = target.registry
    assert "/incident" in registry.commands
    assert {blocks.ACTION_MITIGATE, blocks.ACTION_RESOLVE} <= set(registry.actions)
    assert {blocks.DECLARE_CALLBACK, blocks.UPDATE_CALLBACK} <= set(registry.views)
    assert timeline_capture.SHORTCUT_CALLBACK in registry.shortcuts
    assert "reaction_added" in registry.events


@pytest.mark.parametrize(
    "kind",
    ["slack.command", "slack.interaction", "slack.event", "slack.unsigned", "slack.timestamp"],
)
def test_any_slack_request_is_answered_below_500_within_3_s(
    bot: Bot,  # noqa: F811
    target: Target,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    fuzz_one_kind(bot, target, caplog, fuzz.GENERATORS[kind], FUZZ)


def test_a_body_over_the_limit_is_refused_with_413(
    bot: Bot,  # noqa: F811
    target: Target,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fuzz_one_kind(bot, target, caplog, fuzz.huge, HUGE)


def fuzz_one_kind(
    bot: Bot,  # noqa: F811
    target: Target,
    caplog: pytest.LogCaptureFixture,
    generate: Callable[[random.Random, Target], FuzzRequest],
    how: settings,
) -> None:
    host, port = bot.url.removeprefix("http://").rsplit(":", 1)
    sent = Sent()
    caplog.set_level(logging.WARNING)

    @how
    @given(rnd=st.randoms(use_true_random=False))
    def one(rnd: random.Random) -> None:
        request = generate(rnd, target)
        started = time.time()
        answer = send(host, int(port), request, TIMEOUT_SECONDS)
        sent.log.append((started, time.time(), request.describe()))
        check(request, answer)

    one()
    wait_quiet(bot.app.engine)
    time.sleep(0.5)  # the last listeners' work after their ack
    assert_no_tracebacks(caplog, sent)


def check(request: FuzzRequest, answer: Answer) -> None:
    said = f"{answer.status} {answer.body[:300]!r} to {request.describe()}"
    assert answer.status != 0, f"no answer to {request.describe()}"
    assert answer.status < 500, said
    if request.expect is not None:
        assert answer.status == request.expect, said
    assert answer.seconds < SLACK_DEADLINE_SECONDS, f"{answer.seconds:.1f} s: {said}"


def assert_no_tracebacks(caplog: pytest.LogCaptureFixture, sent: Sent) -> None:
    bad = [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and (r.exc_info or r.name.startswith("uvicorn"))
    ]
    report = []
    for record in bad:
        error = record.exc_info[1] if record.exc_info else None
        where = f"{type(error).__name__}: {error}" if error else record.getMessage()
        report.append(f"{record.name}: {record.getMessage()[:200]} ({where[:300]})")
        report += [f"    sent before it: {d}" for d in sent.around(record.created)]
    assert not bad, f"{len(bad)} tracebacks logged:\n" + "\n".join(report)
