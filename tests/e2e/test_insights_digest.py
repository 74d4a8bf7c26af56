"""The monthly insights digest (config/insights.yaml) end to end: an incident declared and resolved
through signed Slack requests, the clock moved to the first of the next month, and the digest
posted once in #sre on the fake Slack, even with a second replica on the same database and a
post whose answer Slack loses."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.composition import build
from bot.insights.digest import KEY
from bot.kernel.timers import store
from tests.e2e.conftest import CONFIG_DIR, MANAGER, Bot, e2e_settings, eventually
from tests.e2e.test_idempotent_writes import failed_posts, settled
from warroom_sandbox.model import Channel, Message
from warroom_sandbox.seed import BOT_USER_ID
from warroom_sandbox.server import BackgroundServer

INSIGHTS = 'digest: {channel: "#sre", day: 1, time: "09:00"}\n'
DECLARED = datetime(2030, 3, 10, 10, tzinfo=UTC)
POSTED = datetime(2030, 4, 1, 9, tzinfo=UTC)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "insights.yaml").write_text(INSIGHTS)
    return folder


def at(bot: Bot, instant: datetime) -> None:
    bot.clock.offset = instant - datetime.now(UTC)


def digests(bot: Bot, channel: Channel) -> list[Message]:
    return [m for m in bot.slack.state.messages(channel.id) if "Insights for" in m.all_text]


def march_incident(bot: Bot) -> Channel:
    """A SEV2 on checkout-api declared on 10 March 2030, resolved ten minutes later; a digest
    timer planned at the real start (months before) fired late and was skipped on the way."""
    sre = bot.slack.state.create_channel("sre", MANAGER, members=[BOT_USER_ID])
    at(bot, DECLARED)
    channel = bot.declare("Checkout latency high sev2 service:checkout-api")
    bot.clock.advance(timedelta(minutes=10))
    bot.command(channel, "resolve")
    bot.posted(channel.id, "resolved")
    eventually(lambda: settled(bot), what="every timer due so far to run")
    with bot.app.sessions() as session:
        timer = store.get(session, KEY)
    assert timer is not None
    assert timer.due_at == POSTED
    assert timer.payload == {"month": "2030-03"}
    return sre


def test_the_digest_is_posted_once_on_the_first_with_last_month_s_figures(
    bot: Bot, database_url: str, config_dir: Path
) -> None:
    sre = march_incident(bot)
    assert digests(bot, sre) == []  # a digest months late is skipped, not posted

    # A second replica on the same database runs its own timer runner through the due time.
    other = build(e2e_settings(bot.slack, database_url, config_dir), clock=bot.clock, migrate=False)
    try:
        with BackgroundServer(other.asgi):
            at(bot, POSTED + timedelta(seconds=1))
            posted = eventually(lambda: digests(bot, sre), what="the digest in #sre")
            eventually(lambda: settled(bot), what="the digest timer to finish")
            assert len(digests(bot, sre)) == 1
    finally:
        other.engine.dispose()

    text = posted[0].all_text
    assert text.startswith("*Insights for 2030-03* (private incidents left out)")
    rows = [line.strip("`").split() for line in text.splitlines()]
    # MTTx by severity: one SEV2, never acknowledged, mitigated and resolved after ten minutes.
    assert ["SEV2", "1", "10.0", "10.0", "10.0", "10.0"] in rows
    assert ["2030-03", "0", "1", "0", "0", "1"] in rows  # incidents by severity
    longest = next(r for r in rows if r[:1] == ["1"])
    assert longest[1:4] == ["Checkout", "latency", "high"]
    assert longest[-1] == "10.0"
    assert "*Hours on call per person*" in text
    assert "/insights?since=2030-03-01&until=2030-03-31" in text
    with bot.app.sessions() as session:
        timer = store.get(session, KEY)
    assert timer is not None
    assert (timer.due_at, timer.payload) == (
        datetime(2030, 5, 1, 9, tzinfo=UTC),
        {"month": "2030-04"},
    )


def test_a_post_whose_answer_is_lost_is_not_posted_again(bot: Bot) -> None:
    sre = march_incident(bot)
    bot.slack.fail("chat.postMessage", status=500, applied=True, match={"channel": sre.id})
    at(bot, POSTED + timedelta(seconds=1))
    eventually(lambda: digests(bot, sre), what="the digest in #sre")
    eventually(lambda: settled(bot), what="the digest timer to finish")
    assert len(digests(bot, sre)) == 1
    assert failed_posts(bot) == 1  # the post landed and its answer was a 500
