"""The database is unavailable while Slack requests arrive: the person is told at once, in the
answer Slack shows them, and nothing is half-done (issue 11).

The whole app runs in this process (as ``tests.e2e.conftest``'s ``bot``), over real HTTP, on the
suite's database: on SQLite another connection holds the write lock (``BEGIN IMMEDIATE`` on the
same file) for as long as the requests take; on PostgreSQL the app reaches the server through
a loopback proxy that is switched to refusing connections. Each kind runs in the suite's run on
that database (``WARROOM_TEST_DATABASE_URL`` for PostgreSQL, as in CI).

What the person sees, for each kind of request, within Slack's 3 s:

* slash command: the ack's body is an ephemeral "could not record" message;
* button: the ack is a 200 and a "could not record" message comes through its response_url;
* modal submission: ``response_action: errors`` on one of the modal's blocks, so what they typed
  stays in the open modal;
* event: a 503, so Slack sends it again; alert webhook: a 503, so Alertmanager sends it again.

After the outage the refused requests have had no effect, and the same action done again (or
Slack's retry of the event) works exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from bot.alerts.rows import AlertPayloadRow
from bot.composition import build
from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import IncidentRow, TimelineEventRow
from bot.incidents.slack import blocks
from bot.kernel.storage.db import make_session_factory
from tests.alerts.alertmanager import notification, webhook_alert
from tests.alerts.e2e.conftest import ALERTMANAGER_TOKEN, write_config
from tests.durability.support import (
    COULD_NOT_RECORD,
    SqliteWriteLock,
    events_of_kind,
    is_ephemeral,
    poll,
    posts_to,
    quick_client,
    slack_deadline,
    wait_quiet,
)
from tests.e2e.conftest import (  # noqa: F401  (fixtures, shared with the e2e tests)
    GENERAL,
    ONCALL,
    SECRET,
    Bot,
    Clock,
    e2e_settings,
    fake_slack_server,
    slack,
)
from tests.e2e.test_interactions import open_view
from tests.tcp_proxy import TcpProxy
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.payloads import reaction_event
from warroom_sandbox.server import BackgroundServer
from warroom_sandbox.signing import SlackDriver

WEBHOOK_TIMEOUT_SECONDS = 30.0  # SQLite's busy wait (15 s) comes before the 503


@dataclass(frozen=True)
class Outage:
    """The app's database URL, and a context in which the app cannot write to it."""

    app_url: str
    down: Callable[[], AbstractContextManager[object]]


@pytest.fixture
def outage(database_url: str, engine: Engine) -> Iterator[Outage]:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        path = url.database
        yield Outage(database_url, lambda: SqliteWriteLock(path))
        return
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    try:
        through = url.set(host="127.0.0.1", port=proxy.port)
        yield Outage(through.render_as_string(hide_password=False), proxy.down)
    finally:
        proxy.stop()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The alert tests' config: people, a schedule, and routes for the webhook."""
    folder = tmp_path / "config"
    folder.mkdir()
    return write_config(folder)


@pytest.fixture
def bot(slack: FakeSlackServer, outage: Outage, config_dir: Path) -> Iterator[Bot]:  # noqa: F811
    """``tests.e2e.conftest``'s ``bot``, on the outage's database URL."""
    clock = Clock()
    settings = e2e_settings(
        slack, outage.app_url, config_dir, alerts_alertmanager_token=ALERTMANAGER_TOKEN
    )
    warroom = build(settings, clock=clock, migrate=False)
    with (
        BackgroundServer(warroom.asgi) as server,
        SlackDriver(f"{server.url}/slack/events", SECRET, slack) as driver,
    ):
        yield Bot(warroom, slack, driver, server.url, clock)
    warroom.engine.dispose()


@pytest.fixture
def quick(bot: Bot) -> Iterator[SlackDriver]:
    """A driver that waits for an answer no longer than Slack does."""
    client = quick_client()
    yield SlackDriver(f"{bot.url}/slack/events", SECRET, bot.slack, client=client)
    client.close()


def test_a_refused_declare_says_so_in_its_ack_and_declaring_again_declares_once(
    bot: Bot, outage: Outage, quick: SlackDriver, engine: Engine
) -> None:
    with outage.down(), slack_deadline("/incident declare"):
        refused = quick.slash_command(text="declare Checkout outage drill sev2", user_id=ONCALL)
    assert refused.status_code == 200
    assert_could_not_record(ack_json(refused))
    wait_quiet(engine)
    assert incident_titles(engine) == []
    assert incident_channels(bot) == []

    bot.declare("Checkout outage drill sev2")
    wait_quiet(engine)
    assert incident_titles(engine) == ["Checkout outage drill"]
    assert [name.split("-", 2)[2] for name in incident_channels(bot)] == ["checkout-outage-drill"]


def test_a_refused_note_says_so_in_its_ack_and_noting_again_notes_once(
    bot: Bot, outage: Outage, quick: SlackDriver, engine: Engine
) -> None:
    channel = bot.declare("Checkout outage drill sev2")
    wait_quiet(engine)
    with outage.down(), slack_deadline("/incident note"):
        refused = quick.slash_command(
            text="note Failover to the standby started", user_id=ONCALL, channel_id=channel.id
        )
    assert refused.status_code == 200
    assert_could_not_record(ack_json(refused))
    wait_quiet(engine)
    assert notes(engine) == []

    bot.command(channel, "note Failover to the standby started")
    bot.posted(channel.id, "noted: Failover to the standby started")
    wait_quiet(engine)
    assert notes(engine) == ["Failover to the standby started"]
    said = [m for m in bot.slack.state.messages(channel.id) if "noted: Failover" in m.all_text]
    assert len(said) == 1


def test_a_refused_button_click_says_so_through_its_response_url_and_clicking_again_works_once(
    bot: Bot, outage: Outage, quick: SlackDriver, engine: Engine
) -> None:
    channel = bot.declare("Checkout outage drill sev2")
    card = bot.card(channel.id)
    wait_quiet(engine)
    with outage.down():
        with slack_deadline("the Mitigate button"):
            refused = quick.block_action(ONCALL, channel.id, card.ts, blocks.ACTION_MITIGATE)
        assert refused.status_code == 200
        response_url = quick.last_response_url
        told = poll(
            lambda: [
                p
                for p in posts_to(bot.slack.state.responses(user_id=ONCALL), response_url)
                if COULD_NOT_RECORD in p.text
            ],
            10,
            "a 'could not record' answer through the click's response_url",
        )
    assert all(is_ephemeral(p.body) for p in told), [p.body for p in told]
    wait_quiet(engine)
    assert statuses(engine) == ["investigating"]

    bot.driver.block_action(ONCALL, channel.id, card.ts, blocks.ACTION_MITIGATE)
    bot.posted(channel.id, "changed status investigating -> mitigated")
    wait_quiet(engine)
    assert statuses(engine) == ["mitigated"]
    moved = [m for m in bot.slack.state.messages(channel.id) if "-> mitigated" in m.all_text]
    assert len(moved) == 1


def test_a_refused_modal_submission_keeps_the_modal_open_with_the_reason_and_submitting_again_declares_once(  # noqa: E501
    bot: Bot, outage: Outage, quick: SlackDriver, engine: Engine
) -> None:
    bot.driver.slash_command(text="", user_id=ONCALL, channel_id=GENERAL)
    view = open_view(bot, ONCALL, blocks.DECLARE_CALLBACK)
    typed = {"title": {"value": "Payments failing in EU"}, "severity": {"value": "SEV1"}}
    with outage.down(), slack_deadline("the declare modal's submission"):
        refused = quick.view_submission(ONCALL, view, typed)
    assert refused.status_code == 200
    answer = ack_json(refused)
    assert answer.get("response_action") == "errors", refused.text
    errors = answer.get("errors")
    assert isinstance(errors, dict), refused.text
    block_ids = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
    assert set(errors) <= block_ids, f"errors on blocks the modal does not have: {errors}"
    assert any(COULD_NOT_RECORD in str(message) for message in errors.values()), errors
    assert [v["id"] for v in bot.slack.state.open_views(ONCALL)] == [view["id"]]
    wait_quiet(engine)
    assert incident_titles(engine) == []

    accepted = bot.driver.view_submission(ONCALL, view, typed)
    assert accepted.status_code == 200
    bot.said_to(ONCALL, "Payments failing in EU")
    wait_quiet(engine)
    assert incident_titles(engine) == ["Payments failing in EU"]
    assert len(incident_channels(bot)) == 1


def test_a_refused_event_is_answered_503_and_slacks_retry_applies_it_once(
    bot: Bot, outage: Outage, quick: SlackDriver, engine: Engine
) -> None:
    channel = bot.declare("Checkout outage drill sev2")
    wait_quiet(engine)
    said = bot.slack.state.post_as_user(ONCALL, channel.id, "Error rate is back to normal")
    pinned = bot.slack.state.react(channel.id, said.ts, ONCALL, "pushpin")
    event = reaction_event(ONCALL, pinned, "pushpin")
    with outage.down(), slack_deadline("the reaction_added event"):
        refused = quick.event(event, event_id="Ev0OUTAGE01")
    assert refused.status_code == 503, refused.text
    wait_quiet(engine)
    assert events_of_kind(engine, EventKind.MESSAGE_ADDED) == 0
    assert bot.slack.state.message(channel.id, said.ts).reaction("white_check_mark") is None

    retried = bot.driver.event(event, event_id="Ev0OUTAGE01", retry_num=1)
    assert retried.status_code == 200
    poll(
        lambda: bot.slack.state.message(channel.id, said.ts).reaction("white_check_mark"),
        20,
        "the bot's confirmation reaction",
    )
    wait_quiet(engine)
    assert events_of_kind(engine, EventKind.MESSAGE_ADDED) == 1


@pytest.mark.slow
def test_a_refused_alert_webhook_is_answered_503_and_the_resend_is_stored_once(
    bot: Bot, outage: Outage, engine: Engine
) -> None:
    group = {"alertname": "CheckoutErrors", "service": "checkout"}
    alert = webhook_alert({**group, "severity": "critical"}, starts_at=bot.clock())
    body = notification([alert], group)
    headers = {"Authorization": f"Bearer {ALERTMANAGER_TOKEN}"}
    hook = f"{bot.url}/webhooks/alertmanager"
    with outage.down():
        refused = httpx.post(hook, json=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS)
    assert refused.status_code == 503, refused.text
    assert payloads(engine) == 0

    resent = httpx.post(hook, json=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS)
    assert resent.status_code == 200, resent.text
    again = httpx.post(hook, json=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS)
    assert again.status_code == 200, again.text
    assert payloads(engine) == 1


# --- what the person was told, and what the database holds ----------------------------------------


def ack_json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def assert_could_not_record(answer: dict[str, Any]) -> None:
    text = str(answer.get("text") or "")
    assert COULD_NOT_RECORD in text, f"the ack did not tell the person: {answer or '(empty)'}"
    assert is_ephemeral(answer), f"the answer is not ephemeral: {answer}"


def incident_titles(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(IncidentRow.title)).scalars())


def statuses(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(IncidentRow.status)).scalars())


def incident_channels(bot: Bot) -> list[str]:
    return sorted(c.name for c in bot.slack.state.conversations() if c.name.startswith("inc-"))


def notes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        data = connection.execute(
            select(TimelineEventRow.data).where(TimelineEventRow.kind == EventKind.NOTE_ADDED)
        ).scalars()
        return [str(d.get("text")) for d in data]


def payloads(engine: Engine) -> int:
    """What is committed now: a read session, which does not queue behind the app's writers
    (a store answered 503 may still be waiting for the lock)."""
    with make_session_factory(engine)() as session:
        return int(session.execute(select(func.count()).select_from(AlertPayloadRow)).scalar_one())
