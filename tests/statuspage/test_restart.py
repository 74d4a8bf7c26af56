"""Publishing to Atlassian Statuspage survives a SIGKILL of `warroom serve`, exactly once.

A real `warroom serve` process (``tests/replicas/harness.py``'s ``Replica``) publishes two
customer-facing updates chosen "and on Statuspage too" through the update modal, over signed
Slack requests against the fake Slack. Each time it is killed with SIGKILL in one of the two
windows between the update being recorded and warroom learning that Statuspage has it, then
started again on the same database:

1. before Statuspage applied anything (its fake holds the request unanswered, unapplied): the
   update must still arrive, after the restart;
2. after Statuspage applied the create or update but before its answer came back (the answer is
   held): the restarted process must find the incident by its ``(#n)`` and must not add the
   update again.

In the end the Statuspage fake holds one incident whose updates are the two texts, once each.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from bot.kernel.timers.rows import Timer
from tests.replicas.harness import (
    SIGNING_SECRET,
    FakeSlack,
    HeldAnswers,
    Replica,
    replica_env,
    wait_for,
    write_config,
)
from warroom_sandbox.providers.statuspage import FakeStatuspage, StatuspageIncident
from warroom_sandbox.seed import ONCALL
from warroom_sandbox.signing import SlackDriver

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

KEY, PAGE, COMPONENT = "sp-restart-key", "page1", "cmp-checkout"
FIRST = "Card payments fail for some customers."
SECOND = "A fix is rolling out."
UNREACHABLE = "http://127.0.0.1:9"  # PagerDuty: nothing here pages


class HeldWrites:
    """Which Statuspage requests to answer late: its creates and updates, while ``on``."""

    def __init__(self) -> None:
        self.on = False

    def __call__(self, path: str, body: bytes) -> str | None:
        if self.on and path.startswith(f"/v1/pages/{PAGE}/incidents") and body:
            return path
        return None


def test_a_kill9_between_recording_and_statuspage_publishes_exactly_once(
    own_database_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config", 60, datetime.now(UTC) + timedelta(days=1))
    statuspage = FakeStatuspage(pages={PAGE: {COMPONENT}}, api_keys={KEY})
    writes = HeldWrites()
    held = HeldAnswers(statuspage.app, 60, writes)
    statuspage.app = held  # type: ignore[assignment]  # served by accept_connections()
    with FakeSlack(0) as slack, statuspage:
        env = replica_env(own_database_url, slack.api_url("serve"), UNREACHABLE, config)
        env.update(
            {
                "STATUSPAGE_API_URL": f"{statuspage.url}/v1",
                "STATUSPAGE_PAGE_ID": PAGE,
                "STATUSPAGE_API_KEY": KEY,
                "STATUSPAGE_COMPONENTS": f"checkout-api={COMPONENT}",
            }
        )
        serve = Replica("serve", env, tmp_path, tmp_path / "serve.log")
        driver = SlackDriver(f"{serve.url}/slack/events", SIGNING_SECRET, slack.emulator)
        try:
            serve.start()
            serve.wait_ready()
            channel = declare(driver, slack)

            # 1. Recorded, then killed while Statuspage holds the call unapplied.
            statuspage.timeout(1, seconds=120)
            publish(driver, slack, channel, FIRST)
            wait_for(lambda: hung(statuspage), 60, "warroom's call to Statuspage")
            assert statuspage.incidents() == []
            restart(serve)
            wait_for(lambda: updates(statuspage) == [FIRST], 60, "the first update, after it")

            # 2. Statuspage applied it; killed before its answer came back.
            writes.on = True
            publish(driver, slack, channel, SECOND)
            wait_for(lambda: held.in_flight[""] > 0, 60, "Statuspage's held answer")
            assert updates(statuspage) == [FIRST, SECOND]  # applied...
            writes.on = False
            restart(serve)  # ...but warroom never heard so
            wait_for(lambda: quiet(own_database_url), 90, "every timer to finish")
            wait_for(lambda: held.lost, 30, "the killed call's answer to be dropped")
        except BaseException:
            print(f"\n----- {serve.log} (last lines) -----\n{serve.tail()}")
            raise
        finally:
            driver.close()
            serve.stop()

    [incident] = statuspage.incidents()
    assert incident.name == "Incident affecting checkout-api (#1)"
    assert incident.updates == [FIRST, SECOND]
    assert incident.components == {COMPONENT: "partial_outage"}
    creates = [r for r in statuspage.requests() if r.method == "POST" and r.status == 201]
    assert len(creates) == 1


def declare(driver: SlackDriver, slack: FakeSlack) -> str:
    answer = driver.slash_command(text="declare Checkout down sev2", user_id=ONCALL)
    assert answer.status_code == 200
    state = slack.emulator.state

    def ready() -> str | None:
        channel = state.find_channel("inc-1-checkout-down")
        return channel.id if channel and state.pins(channel.id) and channel.topic else None

    return str(wait_for(ready, 60, "the incident channel with its card"))


def publish(driver: SlackDriver, slack: FakeSlack, channel: str, text: str) -> None:
    """The update modal from the card: a customer-facing text, checkout-api, "and on
    Statuspage too"; then *Publish* on the preview."""
    state = slack.emulator.state
    card = state.pins(channel)[0]
    driver.block_action(ONCALL, channel, card.ts, "incident_open_update", value="1")
    form = wait_for(lambda: view(slack, "post_update"), 30, "the update modal")
    answer = driver.view_submission(
        ONCALL,
        form,
        {
            "text": {"value": f"internal: {text}"},
            "public": {"value": text},
            "components": {"value": "checkout-api"},
            "publish": {"value": "publish_statuspage"},
        },
    )
    assert answer.json()["response_action"] == "push", answer.json()
    preview = wait_for(lambda: view(slack, "post_update_preview"), 30, "the preview")
    assert driver.view_submission(ONCALL, preview, {}).status_code == 200


def view(slack: FakeSlack, callback_id: str) -> dict[str, Any] | None:
    views = slack.emulator.state.open_views(ONCALL)
    return next((v for v in views if v.get("callback_id") == callback_id), None)


def hung(statuspage: FakeStatuspage) -> bool:
    return any(r.fault == "timeout" for r in statuspage.requests())


def updates(statuspage: FakeStatuspage) -> list[str]:
    incidents: list[StatuspageIncident] = statuspage.incidents()
    return incidents[0].updates if incidents else []


def restart(serve: Replica) -> None:
    serve.kill()
    serve.start()
    serve.wait_ready()


def quiet(database_url: str) -> bool:
    """No Statuspage timer is pending or in flight, and none failed."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Timer.key, Timer.status).where(Timer.key.like("statuspage:%"))
            ).all()
    finally:
        engine.dispose()
    assert not [key for key, status in rows if status == "failed"], rows
    return bool(rows) and all(status == "done" for _, status in rows)
