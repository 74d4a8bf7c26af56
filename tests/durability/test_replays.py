"""A request Slack sends again is executed once (issue 11).

Each request is sent once by the driver and then posted twice more byte for byte (same body,
timestamp and signature, well within the 5-minute window), as a replayed or duplicated
delivery arrives; an event is also re-sent as Slack retries it: a new timestamp and signature,
``X-Slack-Retry-Num``, the same ``event_id``. Every copy is answered 200, and the effect (and
what the person is told) happens once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import IncidentRow
from bot.incidents.slack import blocks
from tests.durability.support import Recorder, events_of_kind, posts_to, wait_quiet
from tests.e2e.conftest import (  # noqa: F401  (fixtures, shared with the e2e tests)
    GENERAL,
    ONCALL,
    SECRET,
    Bot,
    bot,
    config_dir,
    eventually,
    extra_settings,
    fake_slack_server,
    slack,
)
from tests.e2e.test_interactions import open_view
from warroom_sandbox.payloads import reaction_event
from warroom_sandbox.signing import SlackDriver

COPIES = 2  # sent again after the first, byte for byte


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.close()


@pytest.fixture
def driver(bot: Bot, recorder: Recorder) -> SlackDriver:  # noqa: F811
    """Sends through ``recorder``, so its last request can be replayed."""
    return SlackDriver(f"{bot.url}/slack/events", SECRET, bot.slack, client=recorder.client)


def test_a_replayed_slash_command_declares_once(
    bot: Bot,  # noqa: F811
    driver: SlackDriver,
    recorder: Recorder,
    engine: Engine,
) -> None:
    first = driver.slash_command(text="declare Replayed checkout outage sev2", user_id=ONCALL)
    response_url = driver.last_response_url
    copies = recorder.replay(COPIES)
    assert [r.status_code for r in [first, *copies]] == [200] * (1 + COPIES)
    bot.incident_channel("inc-1-replayed-checkout-outage")
    wait_quiet(engine)
    assert titles(engine) == ["Replayed checkout outage"]
    assert incident_channels(bot) == ["inc-1-replayed-checkout-outage"]
    told = posts_to(bot.slack.state.responses(user_id=ONCALL), response_url)
    assert len([p for p in told if "declared incident #" in p.text]) == 1, [p.text for p in told]


def test_a_replayed_button_click_changes_the_incident_once(
    bot: Bot,  # noqa: F811
    driver: SlackDriver,
    recorder: Recorder,
    engine: Engine,
) -> None:
    channel = bot.declare("Replayed checkout outage sev2")
    card = bot.card(channel.id)
    wait_quiet(engine)
    first = driver.block_action(ONCALL, channel.id, card.ts, blocks.ACTION_MITIGATE)
    response_url = driver.last_response_url
    copies = recorder.replay(COPIES)
    assert [r.status_code for r in [first, *copies]] == [200] * (1 + COPIES)
    bot.posted(channel.id, "changed status investigating -> mitigated")
    wait_quiet(engine)
    moved = [m for m in bot.slack.state.messages(channel.id) if "-> mitigated" in m.all_text]
    assert len(moved) == 1
    assert events_of_kind(engine, EventKind.STATUS_CHANGED) == 1
    # A second execution would have been refused ("already mitigated") through the response_url.
    told = posts_to(bot.slack.state.responses(user_id=ONCALL), response_url)
    assert [p.text for p in told] == []


def test_a_replayed_modal_submission_declares_once(
    bot: Bot,  # noqa: F811
    driver: SlackDriver,
    recorder: Recorder,
    engine: Engine,
) -> None:
    bot.driver.slash_command(text="", user_id=ONCALL, channel_id=GENERAL)
    view = open_view(bot, ONCALL, blocks.DECLARE_CALLBACK)
    typed = {"title": {"value": "Replayed payments outage"}, "severity": {"value": "SEV1"}}
    first = driver.view_submission(ONCALL, view, typed)
    copies = recorder.replay(COPIES)
    assert [r.status_code for r in [first, *copies]] == [200] * (1 + COPIES)
    bot.incident_channel("inc-1-replayed-payments-outage")
    wait_quiet(engine)
    assert titles(engine) == ["Replayed payments outage"]
    assert incident_channels(bot) == ["inc-1-replayed-payments-outage"]


def test_a_replayed_and_retried_event_is_applied_once(
    bot: Bot,  # noqa: F811
    driver: SlackDriver,
    recorder: Recorder,
    engine: Engine,
) -> None:
    channel = bot.declare("Replayed checkout outage sev2")
    wait_quiet(engine)
    said = bot.slack.state.post_as_user(ONCALL, channel.id, "Rolled back to 4.2.1")
    pinned = bot.slack.state.react(channel.id, said.ts, ONCALL, "pushpin")
    event = {**reaction_event(ONCALL, pinned, "pushpin"), "event_ts": said.ts}
    first = driver.event(event, event_id="Ev0REPLAY01")
    copies = recorder.replay(COPIES)
    retries = [driver.event(event, event_id="Ev0REPLAY01", retry_num=n) for n in (1, 2)]
    assert [r.status_code for r in [first, *copies, *retries]] == [200] * (3 + COPIES)
    eventually(
        lambda: bot.slack.state.message(channel.id, said.ts).reaction("white_check_mark"),
        what="the bot's confirmation reaction",
    )
    wait_quiet(engine)
    assert events_of_kind(engine, EventKind.MESSAGE_ADDED) == 1
    # Each execution asks Slack for the message's permalink: once means executed once.
    asked = [
        c
        for c in bot.slack.state.calls("chat.getPermalink")
        if c.params.get("message_ts") == said.ts
    ]
    assert len(asked) == 1, f"the event was executed {len(asked)} times"


def titles(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(IncidentRow.title)).scalars())


def incident_channels(bot: Bot) -> list[str]:  # noqa: F811
    return sorted(c.name for c in bot.slack.state.conversations() if c.name.startswith("inc-"))
