"""Use cases against the real database: state, timeline and the timers that carry side effects."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from bot.config import Config
from bot.incidents import timers as incident_timers
from bot.incidents.domain import commands as cmd
from bot.incidents.domain.incident import InvalidChange
from bot.incidents.domain.lifecycle import Status, TransitionRefused
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import IncidentRow
from bot.incidents.service import IncidentService, NewChannel, NotAnIncidentChannel
from bot.incidents.slack.provisioning import PENDING_RETRY, PROVISION_PATIENCE, IncidentEffects
from bot.kernel.storage.db import make_session_factory
from bot.kernel.timers.outcomes import Done, Reschedule
from bot.kernel.timers.rows import Timer
from bot.kernel.timers.store import ClaimedTimer
from bot.paging.service import PagingService

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


MINUTES = {Severity.SEV1: 15, Severity.SEV2: 30, Severity.SEV3: 60, Severity.SEV4: 60}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(engine: Engine, clock: Clock) -> IncidentService:
    sessions = make_session_factory(engine)
    paging = PagingService(sessions, clock, Config, lambda: None)
    return IncidentService(sessions, clock, MINUTES.__getitem__, lambda: None, paging)


def timers(engine: Engine) -> dict[str, Timer]:
    with make_session_factory(engine)() as session:
        return {t.key: t for t in session.scalars(select(Timer).where(Timer.status == "pending"))}


def ready(service: IncidentService, number: int, channel: str = "C1") -> None:
    service.provisioned(number, channel=NewChannel(channel, f"inc-{number}", START))


def test_declare_writes_the_incident_and_schedules_its_provisioning(
    service: IncidentService, engine: Engine, clock: Clock
) -> None:
    number = service.declare(title="Checkout latency high", severity=Severity.SEV2, declarer="U1")
    with make_session_factory(engine)() as session:
        row = session.get(IncidentRow, number)
        assert row is not None
        assert row.channel_name == f"inc-{number}-checkout-latency-high"
        assert row.provision_state == "pending"
    due = timers(engine)[incident_timers.provision_key(number)]
    assert due.kind == incident_timers.PROVISION
    assert due.due_at == clock.now


def test_an_emoji_title_is_declared_in_a_numbered_channel(
    service: IncidentService, engine: Engine
) -> None:
    number = service.declare(title="🔥🔥", severity=Severity.SEV2, declarer="U1")
    with make_session_factory(engine)() as session:
        row = session.get(IncidentRow, number)
        assert row is not None
        assert (row.title, row.channel_name) == ("🔥🔥", f"inc-{number}")


def test_a_blank_title_writes_nothing(service: IncidentService, engine: Engine) -> None:
    with pytest.raises(InvalidChange, match="a title is required"):
        service.declare(title="  \t ", severity=Severity.SEV2, declarer="U1")
    with make_session_factory(engine)() as session:
        assert session.scalars(select(IncidentRow)).first() is None
    assert timers(engine) == {}


def test_commands_need_a_ready_incident_channel(service: IncidentService) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV1, declarer="U1")
    with pytest.raises(NotAnIncidentChannel, match="works in an incident channel"):
        service.execute(cmd.AddNote("hello"), channel_id="C-general", user="U1")
    ready(service, number)
    service.execute(cmd.AddNote("the channel is ready: commands work"), channel_id="C1", user="U1")


def test_provisioned_starts_the_update_reminder_by_severity(
    service: IncidentService, engine: Engine, clock: Clock
) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV1, declarer="U1")
    ready(service, number)
    reminder = timers(engine)[incident_timers.reminder_key(number)]
    assert reminder.due_at == clock.now + timedelta(minutes=15)


def test_an_update_resets_the_reminder_and_is_announced(
    service: IncidentService, engine: Engine, clock: Clock
) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV2, declarer="U1")
    ready(service, number)
    clock.now += timedelta(minutes=20)
    service.execute(cmd.PostUpdate("failing over"), channel_id="C1", user="U1")
    pending = timers(engine)
    assert pending[incident_timers.reminder_key(number)].due_at == clock.now + timedelta(minutes=30)
    assert pending[incident_timers.card_key(number)].due_at == clock.now
    announced = [t for k, t in pending.items() if ":announce:" in k]
    assert len(announced) == 1
    view = service.view("C1")
    assert view.incident.last_update_at == clock.now
    assert [e.kind for e in view.timeline][-1] is EventKind.UPDATE_POSTED


def test_severity_change_replans_the_reminder(
    service: IncidentService, engine: Engine, clock: Clock
) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV3, declarer="U1")
    ready(service, number)
    clock.now += timedelta(minutes=5)
    service.execute(cmd.ChangeSeverity(Severity.SEV1), channel_id="C1", user="U1")
    declared_at = clock.now - timedelta(minutes=5)
    due = timers(engine)[incident_timers.reminder_key(number)].due_at
    assert due == declared_at + timedelta(minutes=15)


def test_resolve_cancels_the_reminder_and_reopen_restarts_it(
    service: IncidentService, engine: Engine
) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV2, declarer="U1")
    ready(service, number)
    service.execute(cmd.Transition(Status.RESOLVED, "fixed"), channel_id="C1", user="U1")
    assert incident_timers.reminder_key(number) not in timers(engine)
    with pytest.raises(TransitionRefused, match="already resolved"):
        service.execute(cmd.Transition(Status.RESOLVED, ""), channel_id="C1", user="U1")
    service.execute(cmd.Transition(Status.INVESTIGATING, "back"), channel_id="C1", user="U1")
    assert incident_timers.reminder_key(number) in timers(engine)


def test_refused_change_writes_nothing(service: IncidentService, engine: Engine) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV2, declarer="U1")
    ready(service, number)
    before = service.view("C1").timeline
    with pytest.raises(InvalidChange):
        service.execute(cmd.ChangeSeverity(Severity.SEV2), channel_id="C1", user="U1")
    assert service.view("C1").timeline == before


def test_lead_and_role_changes_invite_the_person(service: IncidentService, engine: Engine) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV2, declarer="U1")
    ready(service, number)
    service.execute(cmd.ChangeLead("U2"), channel_id="C1", user="U1")
    service.execute(cmd.AssignRole("comms", "U3"), channel_id="C1", user="U2")
    pending = timers(engine)
    assert incident_timers.invite_key(number, "U2") in pending
    assert incident_timers.invite_key(number, "U3") in pending
    view = service.view("C1")
    assert view.incident.lead == "U2"
    assert view.incident.roles == {"comms": "U3"}


def test_a_message_is_added_once_at_its_own_time(service: IncidentService) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV2, declarer="U1")
    ready(service, number)
    kwargs = {
        "channel_id": "C1", "ts": "1763888400.000100", "text": "p99 back to normal",
        "author": "U2", "permalink": "https://x/p1", "actor": "U3",
    }  # fmt: skip
    assert service.add_message(**kwargs) is True
    assert service.add_message(**kwargs) is False
    added = [e for e in service.view("C1").timeline if e.kind is EventKind.MESSAGE_ADDED]
    assert len(added) == 1
    assert added[0].at == datetime(2025, 11, 23, 9, 0, 0, 100, tzinfo=UTC)
    assert added[0].data["permalink"] == "https://x/p1"


def test_abandon_removes_an_incident_that_never_got_a_channel(
    service: IncidentService, engine: Engine
) -> None:
    number = service.declare(title="DB down", severity=Severity.SEV2, declarer="U1")
    service.abandon(number)
    assert service.view_by_number(number) is None
    assert timers(engine) == {}


def test_many_responders_updating_one_incident_at_once_all_land(
    service: IncidentService, clock: Clock
) -> None:
    """Ten people posting updates to one incident at once, each changing its row: every update
    lands, none fails on a concurrent change (PostgreSQL lost some before, after 5 retries)."""
    number = service.declare(title="Checkout down", severity=Severity.SEV1, declarer="U1")
    ready(service, number)
    lock = threading.Lock()

    def post(i: int) -> None:
        with lock:
            clock.now += timedelta(seconds=1)  # each update moves last_update_at: a row change
        service.execute(cmd.PostUpdate(f"update {i}"), channel_id="C1", user=f"U{i % 10}")

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(post, range(200)))
    posted = [e for e in service.view("C1").timeline if e.kind is EventKind.UPDATE_POSTED]
    assert len(posted) == 200


def test_one_message_added_by_several_people_at_once_is_on_the_timeline_once(
    service: IncidentService,
) -> None:
    number = service.declare(title="Checkout down", severity=Severity.SEV1, declarer="U1")
    ready(service, number)

    def add(user: str) -> bool:
        return service.add_message(
            channel_id="C1", ts="1700000000.000100", text="rolled back", author="U2",
            permalink=None, actor=user,
        )  # fmt: skip

    for _ in range(5):
        with ThreadPoolExecutor(max_workers=8) as pool:
            added = list(pool.map(add, [f"U{i}" for i in range(8)]))
        assert added.count(True) <= 1
    messages = [e for e in service.view("C1").timeline if e.kind is EventKind.MESSAGE_ADDED]
    assert len(messages) == 1


@pytest.mark.parametrize(
    "kind", [incident_timers.CARD, incident_timers.ANNOUNCE, incident_timers.INVITE]
)
def test_channel_work_before_the_channel_is_ready_waits_for_it(
    service: IncidentService, engine: Engine, clock: Clock, kind: str
) -> None:
    """Provisioning records the channel and the card it posted only with "ready": a change
    before then (an alert, a page, Slack refusing a guest) refreshes the card, is announced and
    invites its people once they are recorded, not never; until provisioning has given up."""
    number = service.declare(title="Checkout latency high", severity=Severity.SEV2, declarer="U1")
    service.bot_note(number, "Slack would not add <@U2>", dedup_key="refused")
    service.invite(number, "U2", "role")
    payload = next(t.payload for t in timers(engine).values() if t.kind == kind)
    slack = WebClient(base_url="http://127.0.0.1:9/")  # never called: there is no channel yet
    effects = IncidentEffects(service, slack, "UBOT", clock)
    timer = ClaimedTimer(1, f"incident:{number}:x", kind, payload, clock.now, 1, "me#1")
    handler = effects.handlers()[kind]

    assert handler(timer) == Reschedule(clock.now + PENDING_RETRY)
    clock.now += PROVISION_PATIENCE  # provisioning gave up long ago: no channel will come
    assert isinstance(handler(timer), Done)
