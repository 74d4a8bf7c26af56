"""An alert storm into one replica: 10,000 alerts over 60 s, none lost, grouped as configured.

One ``warroom serve`` process (``tests.replicas.harness.Replica``, with the production timer
settings) runs on the test database (SQLite, or PostgreSQL with ``WARROOM_TEST_DATABASE_URL``)
with the fake Slack of this process. 10 services x 10 alert names x 100 instances fire; grouped
as Alertmanager groups them per alert name and service (100 groups), they are sent straight to
``/webhooks/alertmanager`` in Alertmanager's payload shape (``tests.alerts.storm``: batches,
single alerts, byte-identical re-sends and whole-group re-sends) at a steady rate over 60 s.
The grouping window (30 min) merges the storm of each service into one incident: 10 incidents,
10 channels, each holding exactly the 1,000 alerts of its service, each alert once; every
request answered 200, no payload or timer failed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.alerts.rows import AlertGroupRow, AlertPayloadRow, AlertRow
from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import IncidentRow, TimelineEventRow
from bot.kernel.timers.rows import Timer
from tests.alerts.conftest import WEBHOOK_TOKEN
from tests.alerts.storm import Answer, Sender, Storm, plan, write_config
from tests.e2e.conftest import eventually
from tests.replicas.harness import TIMER_ENV, Replica, replica_env
from warroom_sandbox.server import FakeSlackServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SERVICES, ALERTNAMES, INSTANCES = 10, 10, 100
DURATION_SECONDS = 60.0
PROCESSING_TIMEOUT_SECONDS = 150.0
UNUSED_PAGERDUTY = "http://127.0.0.1:9"  # nobody here is paged by PagerDuty


@pytest.fixture
def replica(
    engine: Engine, database_url: str, slack: FakeSlackServer, tmp_path: Path
) -> Iterator[Replica]:
    """``warroom serve`` on the emptied test database, with its default timer settings."""
    config = write_config(tmp_path / "config", SERVICES)
    env = replica_env(database_url, slack.api_url, UNUSED_PAGERDUTY, config)
    for name in TIMER_ENV:
        env.pop(name)
    env.update({"ALERTS_ALERTMANAGER_TOKEN": WEBHOOK_TOKEN, "ALERTS_GROUPING_WINDOW_MINUTES": "30"})
    server = Replica("storm", env, tmp_path, tmp_path / "serve.log")
    server.start()
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def settled(engine: Engine) -> bool:
    """Every stored payload processed (or failed) and no timer due or running."""
    with engine.connect() as connection:
        pending = connection.scalar(
            select(func.count())
            .select_from(AlertPayloadRow)
            .where(AlertPayloadRow.status == "pending")
        )
        due = connection.scalar(
            select(func.count())
            .select_from(Timer)
            .where(Timer.status == "pending", Timer.due_at <= datetime.now(UTC))
        )
    return pending == 0 and due == 0


def describe(answers: list[Answer]) -> str:
    bad = [a for a in answers if a.status != 200]
    statuses = Counter(str(a.status) for a in answers)
    slowest = max(a.seconds for a in answers)
    refusals = [(a.status, round(a.seconds, 1), a.text) for a in bad[:3]]
    return f"answers {dict(statuses)}, slowest {slowest:.1f} s; first refusals: {refusals}"


def test_ten_thousand_alerts_over_a_minute_are_all_recorded_once_in_ten_incidents(
    replica: Replica, engine: Engine, slack: FakeSlackServer
) -> None:
    storm = plan(SERVICES, ALERTNAMES, INSTANCES)
    assert storm.alerts == SERVICES * ALERTNAMES * INSTANCES
    sender = Sender(f"{replica.url}/webhooks/alertmanager", WEBHOOK_TOKEN, DURATION_SECONDS)

    answers = sender.send(storm.notifications)

    assert len(answers) == len(storm.notifications)
    assert all(a.status == 200 for a in answers), f"{describe(answers)}\n{replica.tail()}"
    try:
        eventually(lambda: settled(engine), PROCESSING_TIMEOUT_SECONDS, "the storm processed")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{replica.tail()}") from None
    check_recorded_once_per_service(engine, storm)
    check_one_channel_per_service(engine, slack)
    with engine.connect() as connection:
        failed_payloads = connection.scalars(
            select(AlertPayloadRow.error).where(AlertPayloadRow.status == "failed")
        ).all()
        failed_timers = connection.execute(
            select(Timer.key, Timer.last_error).where(Timer.status == "failed")
        ).all()
    assert failed_payloads == []
    assert failed_timers == []


def check_recorded_once_per_service(engine: Engine, storm: Storm) -> None:
    """Each service's incident holds each of its alerts exactly once, in the alerts table and
    on the timeline; nothing else holds them."""
    with engine.connect() as connection:
        opened = connection.execute(select(IncidentRow.service, IncidentRow.id)).all()
        alerts = connection.execute(select(AlertRow.incident_id, AlertRow.fingerprint)).all()
        fired = connection.execute(
            select(TimelineEventRow.incident_id, TimelineEventRow.data).where(
                TimelineEventRow.kind == EventKind.ALERT_FIRING.value
            )
        ).all()
        groups = connection.execute(
            select(AlertGroupRow.incident_id, AlertGroupRow.group_key)
        ).all()
    incidents = {str(service): number for service, number in opened}
    assert len(opened) == len(storm.expected), "one incident per service"
    assert incidents.keys() == storm.expected.keys(), "one incident per service"
    by_incident: dict[int | None, Counter[str]] = defaultdict(Counter)
    on_timeline: dict[int, Counter[str]] = defaultdict(Counter)
    for incident, fingerprint in alerts:
        by_incident[incident][fingerprint] += 1
    for incident, data in fired:
        on_timeline[incident][str(data["fingerprint"])] += 1
    for service, fingerprints in storm.expected.items():
        number = incidents[service]
        for name, found in (("alerts table", by_incident), ("timeline", on_timeline)):
            counts = found[number]
            where = f"{service} (incident #{number}), {name}"
            missing, foreign = fingerprints - counts.keys(), counts.keys() - fingerprints
            doubled = [f for f, n in counts.items() if n > 1]
            assert not missing, f"{where}: {len(missing)} of its alerts missing"
            assert not foreign, f"{where}: {len(foreign)} alerts of other services"
            assert not doubled, f"{where}: {len(doubled)} alerts recorded twice"
    assert len(alerts) == storm.alerts
    assert len(fired) == storm.alerts
    assert len({key for _, key in groups}) == storm.groups
    assert {incident for incident, _ in groups} == set(incidents.values())


def check_one_channel_per_service(engine: Engine, slack: FakeSlackServer) -> None:
    """Every incident got its channel with the pinned card; there is no other incident channel."""
    with engine.connect() as connection:
        channels = connection.scalars(select(IncidentRow.channel_id)).all()
    assert None not in channels
    in_slack = [c.id for c in slack.state.conversations() if c.name.startswith("inc-")]
    assert len(in_slack) == len(channels)
    assert set(in_slack) == set(channels)
    assert all(slack.state.pins(channel) for channel in in_slack), "every card is pinned"
