"""On-call use cases on the real database: who is on call, overrides, handoff and digest timers.

The config is the e2e one in Python: ``primary`` rotates Olivia, Liam, Bob (email only) daily at
09:00 Berlin with Maya on weekends; ``legacy`` ended in 2024; ``checkout-api`` pages ``primary``.
On Tuesday 2030-01-08 Olivia is on call until Wednesday 09:00 Berlin (08:00 UTC).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config, Service, User
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.kernel.storage.db import make_session_factory
from bot.kernel.timers import store
from bot.kernel.timers.rows import Timer
from bot.oncall import timers as oncall_timers
from bot.oncall.domain.restrictions import WeeklyWindow, parse_weekly_window
from bot.oncall.domain.schedule import Override, Schedule
from bot.oncall.reminders import Digest, HandoffBrief, OnCallReminders
from bot.oncall.rows import OverrideRow
from bot.oncall.service import OnCallError, OnCallService, OverrideRefused
from bot.paging.domain.escalation import EscalationLevel, EscalationPolicy, Target
from tests.oncall.helpers import layer, local, utc

OLIVIA, LIAM, MAYA, BOB, BOB_ID = "U0ONCALL", "U0LEAD", "U0MGR", "bob@example.com", "U0BOB"
TUESDAY_NOON = utc(2030, 1, 8, 12)
WEDNESDAY_9 = local("Europe/Berlin", 2030, 1, 9, 9)
THURSDAY_9 = local("Europe/Berlin", 2030, 1, 10, 9)
LEAD = timedelta(minutes=30)


def weekend() -> WeeklyWindow:
    window = parse_weekly_window("sat 09:00 - mon 09:00")
    assert isinstance(window, WeeklyWindow)
    return window


def make_config(planned: tuple[Override, ...] = ()) -> Config:
    start = local("Europe/Berlin", 2024, 1, 1, 9)
    primary = Schedule(
        "primary",
        "Europe/Berlin",
        (
            layer(f"{OLIVIA} {LIAM} {BOB}", start, "daily", name="daily"),
            layer(
                MAYA,
                local("Europe/Berlin", 2024, 1, 6, 9),
                "weekly",
                name="weekend",
                restrictions=(weekend(),),
            ),
        ),
    )
    legacy = Schedule(
        "legacy",
        "UTC",
        (layer(LIAM, utc(2024, 1, 1), "weekly", name="old", ends=utc(2024, 6, 1)),),
    )
    return Config(
        users=(
            User("Olivia Oncall", OLIVIA, "olivia@example.com", "Europe/Berlin"),
            User("Liam Lead", LIAM, "liam@example.com", "America/New_York"),
            User("Maya Manager", MAYA, "maya@example.com", "Europe/London"),
            User("Bob Builder", None, BOB, "America/Los_Angeles"),
        ),
        schedules=(primary, legacy),
        escalation_policies=(
            EscalationPolicy(
                "primary-policy",
                (
                    EscalationLevel((Target.schedule("primary"),), 10),
                    EscalationLevel((Target.user(MAYA),), 10),
                ),
            ),
        ),
        services=(Service("checkout-api", "primary-policy", team_channel="#payments"),),
        overrides={"primary": planned} if planned else {},
    )


class Directory:
    """The Slack workspace as the service sees it: ids, emails and time zones."""

    def __init__(self) -> None:
        self.people = {OLIVIA, LIAM, MAYA, BOB_ID, "U0OTHER"}
        self.emails = {BOB: BOB_ID}
        self.lookups = 0

    def exists(self, slack_id: str) -> bool:
        return slack_id in self.people

    def slack_id(self, ref: str) -> str | None:
        if "@" in ref:
            self.lookups += 1
            return self.emails.get(ref)
        return ref

    def zone(self, slack_id: str | None, fallback: str | None = None) -> ZoneInfo:
        return ZoneInfo(fallback or "UTC")


class Clock:
    def __init__(self) -> None:
        self.now = TUESDAY_NOON

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def config() -> list[Config]:
    return [make_config()]


@pytest.fixture
def oncall(sessions: sessionmaker[Session], clock: Clock, config: list[Config]) -> OnCallService:
    return OnCallService(
        sessions, clock, lambda: config[0], Directory(), lambda: None, LEAD, lambda s: f"feed/{s}"
    )


@pytest.fixture
def reminders(
    oncall: OnCallService, sessions: sessionmaker[Session], clock: Clock
) -> OnCallReminders:
    return OnCallReminders(oncall, sessions, clock, lambda: None)


# -- who is on call --------------------------------------------------------------------------


def test_now_and_next_final_and_per_layer(oncall: OnCallService) -> None:
    (status,) = oncall.status(oncall.targets("primary"))
    assert (status.now.user, status.now.end) == (OLIVIA, WEDNESDAY_9)
    assert status.next is not None
    assert (status.next.user, status.next.start, status.next.end) == (LIAM, WEDNESDAY_9, THURSDAY_9)
    daily, weekend_layer = status.layers
    assert (daily.now.user, daily.now.end) == (OLIVIA, WEDNESDAY_9)
    assert daily.next is not None
    assert daily.next.user == LIAM
    assert weekend_layer.now.user is None
    assert weekend_layer.next is not None
    assert (weekend_layer.next.user, weekend_layer.next.start) == (
        MAYA,
        local("Europe/Berlin", 2030, 1, 12, 9),
    )
    assert status.services == ("checkout-api",)
    assert status.override is None
    assert not status.gap_now


def test_a_service_means_the_schedules_its_policy_pages(oncall: OnCallService) -> None:
    assert [s.name for s in oncall.targets("checkout-api")] == ["primary"]
    assert [s.name for s in oncall.targets(None)] == ["primary", "legacy"]
    assert oncall.team_channels("primary") == ("#payments",)
    assert oncall.team_channels("legacy") == ()


def test_unknown_names_get_the_closest_and_the_list(oncall: OnCallService) -> None:
    with pytest.raises(OnCallError, match=r"Did you mean 'primary'.*Known: primary, legacy"):
        oncall.targets("primray")


def test_a_gap_is_nobody_with_no_end_in_sight(oncall: OnCallService) -> None:
    (status,) = oncall.status(oncall.targets("legacy"))
    assert status.gap_now
    assert status.now.end is None
    assert status.next is None


# -- overrides -------------------------------------------------------------------------------


def test_an_override_is_stored_announced_and_wins(
    oncall: OnCallService, sessions: sessionmaker[Session], clock: Clock
) -> None:
    end = TUESDAY_NOON + timedelta(hours=4)
    record = oncall.create_override(
        schedule="primary", user=MAYA, start=TUESDAY_NOON, end=end, created_by=OLIVIA
    )
    assert record.override == Override(MAYA, TUESDAY_NOON, end)
    (status,) = oncall.status(oncall.targets("primary"))
    assert (status.now.user, status.now.end) == (MAYA, end)
    assert status.override == record
    assert status.next is not None
    assert (status.next.user, status.next.end) == (OLIVIA, WEDNESDAY_9)
    with sessions() as session:
        announce = store.get(session, oncall_timers.announce_key("primary", record.id or 0))
        handoff = store.get(session, oncall_timers.handoff_key("primary"))
    assert announce is not None
    assert announce.kind == oncall_timers.ANNOUNCE
    assert announce.payload == {"schedule": "primary", "override": record.id}
    # The next handoff is now Maya -> Olivia at 16:00 UTC: its reminder 30 minutes before.
    assert handoff is not None
    assert handoff.due_at == end - LEAD
    assert handoff.payload["boundary"] == end.isoformat()


def test_a_start_in_the_past_starts_now(oncall: OnCallService) -> None:
    record = oncall.create_override(
        schedule="primary",
        user=MAYA,
        start=TUESDAY_NOON - timedelta(hours=2),
        end=TUESDAY_NOON + timedelta(hours=1),
        created_by=OLIVIA,
    )
    assert record.override.start == TUESDAY_NOON


@pytest.mark.parametrize(
    ("start", "end", "kind"),
    [
        (TUESDAY_NOON + timedelta(hours=2), TUESDAY_NOON + timedelta(hours=1), "ends_before_start"),
        (TUESDAY_NOON, TUESDAY_NOON, "ends_before_start"),
        (TUESDAY_NOON - timedelta(hours=2), TUESDAY_NOON - timedelta(hours=1), "in_the_past"),
    ],
)
def test_bad_times_are_refused(
    oncall: OnCallService,
    sessions: sessionmaker[Session],
    start: datetime,
    end: datetime,
    kind: str,
) -> None:
    with pytest.raises(OverrideRefused) as refused:
        oncall.create_override(schedule="primary", user=MAYA, start=start, end=end, created_by=LIAM)
    assert refused.value.kind == kind
    with sessions() as session:
        assert session.scalars(select(OverrideRow)).all() == []


def test_an_overlap_names_the_override_in_the_way(oncall: OnCallService) -> None:
    first = oncall.create_override(
        schedule="primary",
        user=MAYA,
        start=TUESDAY_NOON,
        end=TUESDAY_NOON + timedelta(hours=4),
        created_by=OLIVIA,
    )
    with pytest.raises(OverrideRefused) as refused:
        oncall.create_override(
            schedule="primary",
            user=LIAM,
            start=TUESDAY_NOON + timedelta(hours=3),
            end=TUESDAY_NOON + timedelta(hours=6),
            created_by=LIAM,
        )
    assert refused.value.kind == "overlap"
    assert refused.value.conflict == first
    # Back to back is fine.
    oncall.create_override(
        schedule="primary",
        user=LIAM,
        start=TUESDAY_NOON + timedelta(hours=4),
        end=TUESDAY_NOON + timedelta(hours=6),
        created_by=LIAM,
    )


def test_planned_overrides_count_for_overlaps(oncall: OnCallService, config: list[Config]) -> None:
    planned = Override(LIAM, utc(2030, 1, 8, 14), utc(2030, 1, 8, 18))
    config[0] = make_config((planned,))
    with pytest.raises(OverrideRefused) as refused:
        oncall.create_override(
            schedule="primary",
            user=MAYA,
            start=TUESDAY_NOON,
            end=utc(2030, 1, 8, 15),
            created_by=OLIVIA,
        )
    assert refused.value.conflict is not None
    assert refused.value.conflict.id is None
    assert refused.value.conflict.override == planned


def test_people_are_config_users_or_any_slack_member(oncall: OnCallService) -> None:
    assert oncall.resolve_user(MAYA) == MAYA
    assert oncall.resolve_user("MAYA@example.com") == MAYA
    assert oncall.resolve_user(BOB_ID) == BOB  # email-only user, found by their email
    assert oncall.resolve_user("U0OTHER") == "U0OTHER"
    with pytest.raises(OnCallError, match="not a person in this Slack workspace"):
        oncall.resolve_user("U0NOBODY")
    with pytest.raises(OnCallError, match=r"not in users\.yaml"):
        oncall.resolve_user("stranger@example.com")


def test_an_email_only_user_overrides_under_their_config_reference(oncall: OnCallService) -> None:
    record = oncall.create_override(
        schedule="checkout-api",
        user=BOB_ID,
        start=TUESDAY_NOON,
        end=TUESDAY_NOON + timedelta(hours=1),
        created_by=OLIVIA,
    )
    assert (record.schedule, record.override.user) == ("primary", BOB)


def test_the_schedule_may_be_left_out_only_when_there_is_one(
    oncall: OnCallService, config: list[Config]
) -> None:
    with pytest.raises(OnCallError, match="which schedule\\? name one at the end: primary, legacy"):
        oncall.override_schedule(None)
    only = make_config()
    config[0] = Config(
        users=only.users,
        schedules=only.schedules[:1],
        escalation_policies=only.escalation_policies,
        services=only.services,
    )
    assert oncall.override_schedule(None).name == "primary"


# -- handoff reminders and the digest --------------------------------------------------------


def add_incident(
    sessions: sessionmaker[Session],
    title: str,
    declared_at: datetime,
    service: str | None = "checkout-api",
    status: str = "investigating",
) -> int:
    with sessions.begin() as session:
        row = IncidentRow(
            title=title,
            severity="SEV2",
            status=status,
            service=service,
            declarer_id=OLIVIA,
            lead_id=OLIVIA,
            channel_name=f"inc-{title.lower().replace(' ', '-')}",
            declared_at=declared_at,
            roles={},
        )
        session.add(row)
        session.flush()
        return row.id


def test_seeding_plans_every_schedule_and_team_channel_once(
    reminders: OnCallReminders, sessions: sessionmaker[Session]
) -> None:
    reminders.seed()
    reminders.seed()
    with sessions() as session:
        rows = {t.key: t for t in session.scalars(select(Timer))}
    assert set(rows) == {
        "schedule:primary:handoff",
        "schedule:legacy:handoff",
        "channel:#payments:oncall-digest",
    }
    primary = rows["schedule:primary:handoff"]
    assert (primary.kind, primary.due_at) == (oncall_timers.HANDOFF, WEDNESDAY_9 - LEAD)
    assert primary.payload == {"schedule": "primary", "boundary": WEDNESDAY_9.isoformat()}
    legacy = rows["schedule:legacy:handoff"]
    assert legacy.payload == {"schedule": "legacy", "boundary": None}  # re-checked daily
    digest = rows["channel:#payments:oncall-digest"]
    assert digest.due_at == local("Europe/Berlin", 2030, 1, 14, 9)


def test_a_handoff_firing_reports_the_shift_and_moves_to_the_next_boundary(
    reminders: OnCallReminders, sessions: sessionmaker[Session], clock: Clock
) -> None:
    during = add_incident(sessions, "Checkout slow", TUESDAY_NOON)
    add_incident(sessions, "Old outage", utc(2030, 1, 2), status="resolved")
    add_incident(sessions, "Other team", TUESDAY_NOON, service="search")
    unassigned = add_incident(sessions, "No service", utc(2030, 1, 5))
    with sessions.begin() as session:
        session.add(
            ActionItemRow(
                incident_id=during,
                text="Add an alert",
                owner_id=LIAM,
                created_by=OLIVIA,
                created_at=TUESDAY_NOON,
            )
        )
    clock.now = WEDNESDAY_9 - LEAD
    payload = {"schedule": "primary", "boundary": WEDNESDAY_9.isoformat()}
    firing = reminders.handoff(payload)
    brief = firing.report
    assert isinstance(brief, HandoffBrief)
    plan = brief.plan
    assert (plan.outgoing, plan.incoming) == (OLIVIA, LIAM)
    assert plan.outgoing_since == local("Europe/Berlin", 2030, 1, 8, 9)
    assert plan.incoming_until == THURSDAY_9
    assert [i.number for i in brief.open_incidents] == [during, unassigned]
    assert [i.title for i in brief.during_shift] == ["Checkout slow"]
    assert [(a.incident, a.text, a.owner) for a in brief.open_actions] == [
        (during, "Add an alert", LIAM)
    ]
    assert firing.next_due == THURSDAY_9 - LEAD
    assert firing.next_payload["boundary"] == THURSDAY_9.isoformat()


def test_a_boundary_that_passed_or_moved_sends_nothing(
    reminders: OnCallReminders, oncall: OnCallService, clock: Clock
) -> None:
    clock.now = WEDNESDAY_9 + timedelta(hours=2)  # the bot was down over the handoff
    late = reminders.handoff({"schedule": "primary", "boundary": WEDNESDAY_9.isoformat()})
    assert late.report is None
    assert late.next_due == THURSDAY_9 - LEAD
    clock.now = TUESDAY_NOON
    oncall.create_override(
        schedule="primary",
        user=OLIVIA,
        start=TUESDAY_NOON,
        end=THURSDAY_9,
        created_by=OLIVIA,
    )
    clock.now = WEDNESDAY_9 - LEAD
    moved = reminders.handoff({"schedule": "primary", "boundary": WEDNESDAY_9.isoformat()})
    assert moved.report is None  # Olivia keeps the pager through Wednesday 09:00
    assert moved.next_due == THURSDAY_9 - LEAD


def test_a_schedule_gone_from_the_config_ends_its_timer(reminders: OnCallReminders) -> None:
    firing = reminders.handoff({"schedule": "gone", "boundary": WEDNESDAY_9.isoformat()})
    assert (firing.report, firing.next_due) == (None, None)


def test_once_sends_each_key_once(reminders: OnCallReminders) -> None:
    sent: list[str] = []
    assert reminders.once("k1", lambda: sent.append("a"))
    assert not reminders.once("k1", lambda: sent.append("b"))
    with pytest.raises(RuntimeError):
        reminders.once("k2", _fail)
    assert reminders.once("k2", lambda: sent.append("c"))  # a failed send is not recorded
    assert sent == ["a", "c"]


def _fail() -> None:
    raise RuntimeError("Slack is down")


def test_the_digest_covers_the_week_of_the_channels_services(
    reminders: OnCallReminders, sessions: sessionmaker[Session], clock: Clock
) -> None:
    add_incident(sessions, "Checkout slow", TUESDAY_NOON, status="resolved")
    add_incident(sessions, "Last week", utc(2030, 1, 2))
    add_incident(sessions, "No service", TUESDAY_NOON, service=None)
    monday = local("Europe/Berlin", 2030, 1, 14, 9)
    clock.now = monday
    firing = reminders.digest({"channel": "#payments", "week_end": monday.isoformat()})
    digest = firing.report
    assert isinstance(digest, Digest)
    assert digest.start == local("Europe/Berlin", 2030, 1, 7, 9)
    ((schedule, shifts),) = [(w.schedule.name, w.shifts) for w in digest.schedules]
    assert schedule == "primary"
    assert [s.user for s in shifts] == [BOB, OLIVIA, LIAM, BOB, OLIVIA, MAYA]
    assert [i.title for i in digest.declared] == ["Checkout slow"]
    assert [i.title for i in digest.open_incidents] == ["Last week"]
    assert firing.next_due == local("Europe/Berlin", 2030, 1, 21, 9)
    clock.now = monday + timedelta(days=2)
    assert reminders.digest({"channel": "#payments", "week_end": monday.isoformat()}).report is None


def test_concurrent_overlapping_overrides_one_wins(
    oncall: OnCallService, sessions: sessionmaker[Session]
) -> None:
    """Two people (or replicas) at once: the per-schedule lock lets exactly one through."""
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(user: str) -> None:
        barrier.wait()
        try:
            oncall.create_override(
                schedule="primary",
                user=user,
                start=TUESDAY_NOON,
                end=TUESDAY_NOON + timedelta(hours=2),
                created_by=user,
            )
            outcomes.append("made")
        except OverrideRefused as refused:
            outcomes.append(refused.kind)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in (OLIVIA, LIAM, MAYA, BOB_ID)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made", "overlap", "overlap", "overlap"]
    with sessions() as session:
        assert len(session.scalars(select(OverrideRow)).all()) == 1
