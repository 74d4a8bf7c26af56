"""Escalation maths: the plan, the decision for a page in flight, snapshots, target resolution."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.oncall.domain.restrictions import parse_daily_window
from bot.oncall.domain.schedule import Override
from bot.paging.domain.escalation import (
    EscalationLevel,
    EscalationPolicy,
    EscalationStep,
    Target,
    Urgency,
    escalation_plan,
    round_key,
)
from bot.paging.domain.paging import (
    FiredStep,
    Notify,
    PagingState,
    Stop,
    StopReason,
    Wait,
    decide,
    escalate_now,
    resolve_targets,
)
from tests.oncall.helpers import layer, schedule, utc

START = utc(2024, 5, 1, 12)
PRIMARY = Target.schedule("primary")
LEAD = Target.user("U0LEAD")
MANAGER = Target.user("U0MGR")

POLICY = EscalationPolicy(
    "critical",
    (
        EscalationLevel((PRIMARY,), delay_minutes=10),
        EscalationLevel((LEAD,), delay_minutes=15),
        EscalationLevel((MANAGER, LEAD), delay_minutes=30),
    ),
    repeat=1,
)


def minutes(n: int) -> datetime:
    return START + timedelta(minutes=n)


def test_each_level_waits_its_own_delay_from_when_it_was_reached() -> None:
    plan = escalation_plan(POLICY, START)
    assert [(s.loop, s.level, s.fire_at) for s in plan] == [
        (0, 0, minutes(0)),
        (0, 1, minutes(10)),
        (0, 2, minutes(25)),
        (1, 0, minutes(55)),
        (1, 1, minutes(65)),
        (1, 2, minutes(80)),
    ]
    assert plan[2].targets == (MANAGER, LEAD)


def test_repeat_zero_runs_the_policy_once() -> None:
    once = EscalationPolicy("once", POLICY.levels, repeat=0)
    assert [(s.loop, s.level) for s in escalation_plan(once, START)] == [(0, 0), (0, 1), (0, 2)]


def test_low_urgency_notifies_the_first_level_and_never_escalates() -> None:
    plan = escalation_plan(POLICY, START, Urgency.LOW)
    assert plan == (EscalationStep(0, 0, START, (PRIMARY,)),)
    state = PagingState(42, POLICY, START, Urgency.LOW)
    first = decide(state, START)
    assert isinstance(first, Notify)
    fired = PagingState(42, POLICY, START, Urgency.LOW, fired=(FiredStep(0, 0, START),))
    assert decide(fired, minutes(600)) == Stop(StopReason.EXHAUSTED)


def test_idempotency_keys() -> None:
    assert round_key(42, 2, 0) == "incident:42:escalation:2:loop:0"
    assert escalation_plan(POLICY, START)[4].key(42) == "incident:42:escalation:1:loop:1"


def test_decide_walks_the_plan() -> None:
    state = PagingState(42, POLICY, START)
    assert decide(state, START) == Notify(
        EscalationStep(0, 0, START, (PRIMARY,)), "incident:42:escalation:0:loop:0"
    )
    state = PagingState(42, POLICY, START, fired=(FiredStep(0, 0, START),))
    assert decide(state, minutes(9)) == Wait(
        minutes(10), EscalationStep(0, 1, minutes(10), (LEAD,))
    )
    assert decide(state, minutes(10)) == Notify(
        EscalationStep(0, 1, minutes(10), (LEAD,)), "incident:42:escalation:1:loop:0"
    )


def test_a_late_step_pushes_the_next_one_back() -> None:
    # The level-1 notification went out 7 minutes late; level 2 still gets its full 15 minutes.
    state = PagingState(
        7, POLICY, START, fired=(FiredStep(0, 0, START), FiredStep(0, 1, minutes(17)))
    )
    decision = decide(state, minutes(20))
    assert isinstance(decision, Wait)
    assert decision.until == minutes(32)


def test_escalate_now_notifies_the_next_level_at_once() -> None:
    state = PagingState(42, POLICY, START, fired=(FiredStep(0, 0, START),))
    pressed = escalate_now(state, minutes(2))  # level 1 was still 8 minutes away
    assert isinstance(pressed, Notify)
    assert (pressed.step.level, pressed.step.loop, pressed.step.targets) == (1, 0, (LEAD,))
    assert pressed.step.fire_at == minutes(2)
    assert pressed.key == "incident:42:escalation:1:loop:0"


def test_escalate_now_on_a_low_urgency_page_notifies_the_next_level_then_waits_for_a_person() -> (
    None
):
    state = PagingState(42, POLICY, START, Urgency.LOW, fired=(FiredStep(0, 0, START),))
    pressed = escalate_now(state, minutes(5))
    assert isinstance(pressed, Notify)
    assert pressed.step.targets == (LEAD,)
    escalated = PagingState(
        42, POLICY, START, Urgency.LOW, fired=(FiredStep(0, 0, START), FiredStep(0, 1, minutes(5)))
    )
    assert decide(escalated, minutes(600)) == Stop(StopReason.EXHAUSTED)  # no escalation by itself


def test_escalate_now_repeats_the_policy_then_says_nothing_further_exists() -> None:
    plan = escalation_plan(POLICY, START)
    first_pass = tuple(FiredStep(s.loop, s.level, s.fire_at) for s in plan[:3])
    pressed = escalate_now(PagingState(42, POLICY, START, fired=first_pass), minutes(60))
    assert isinstance(pressed, Notify)
    assert (pressed.step.loop, pressed.step.level) == (1, 0)
    every_step = tuple(FiredStep(s.loop, s.level, s.fire_at) for s in plan)
    exhausted = PagingState(42, POLICY, START, fired=every_step)
    assert escalate_now(exhausted, minutes(999)) == Stop(StopReason.EXHAUSTED)


def test_acknowledgement_stops_everything() -> None:
    state = PagingState(
        42, POLICY, START, acknowledged_at=minutes(3), fired=(FiredStep(0, 0, START),)
    )
    assert decide(state, minutes(10)) == Stop(StopReason.ACKNOWLEDGED)


def test_exhausted_after_the_last_step() -> None:
    plan = escalation_plan(POLICY, START)
    state = PagingState(
        42, POLICY, START, fired=tuple(FiredStep(s.loop, s.level, s.fire_at) for s in plan)
    )
    assert decide(state, minutes(1000)) == Stop(StopReason.EXHAUSTED)


def test_fired_steps_out_of_order_are_a_bug() -> None:
    state = PagingState(42, POLICY, START, fired=(FiredStep(0, 1, START),))
    with pytest.raises(ValueError, match="do not follow"):
        decide(state, START)


def test_snapshot_round_trips_through_json() -> None:
    data = json.loads(json.dumps(POLICY.to_dict()))
    assert data == {
        "snapshot_version": 1,
        "name": "critical",
        "repeat": 1,
        "levels": [
            {"delay_minutes": 10, "targets": [{"schedule": "primary"}]},
            {"delay_minutes": 15, "targets": [{"user": "U0LEAD"}]},
            {"delay_minutes": 30, "targets": [{"user": "U0MGR"}, {"user": "U0LEAD"}]},
        ],
    }
    assert EscalationPolicy.from_dict(data) == POLICY


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x", "levels": []},
        {"name": "x", "levels": [{"delay_minutes": 5, "targets": [{"team": "t"}]}]},
        {"name": "x", "levels": [{"delay_minutes": "5", "targets": [{"user": "U1"}]}]},
        {"name": "x", "levels": [{"delay_minutes": -1, "targets": [{"user": "U1"}]}]},
        {"name": "x", "levels": [{"targets": [{"user": "U1"}]}]},
        {"snapshot_version": 2, "name": "x", "levels": []},
    ],
)
def test_bad_snapshots_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  (each case has its own message)
        EscalationPolicy.from_dict(data)


def test_schedule_targets_resolve_to_whoever_is_on_call_when_the_level_fires() -> None:
    day = layer(
        "U0ONCALL U0LEAD", utc(2024, 5, 1, 9), restrictions=(parse_daily_window("09:00-17:00"),)
    )
    schedules = {"primary": schedule("UTC", day)}
    targets = (PRIMARY, LEAD, Target.schedule("gone"))
    at_noon = resolve_targets(targets, utc(2024, 5, 1, 12), schedules)
    assert at_noon.users == ("U0ONCALL", "U0LEAD")
    assert at_noon.on_call == (("primary", "U0ONCALL"),)
    assert at_noon.unknown_schedules == ("gone",)
    next_noon = resolve_targets(targets, utc(2024, 5, 2, 12), schedules)
    assert next_noon.users == ("U0LEAD",)  # once, though reached twice
    at_night = resolve_targets(targets, utc(2024, 5, 1, 23), schedules)
    assert at_night.users == ("U0LEAD",)
    assert at_night.nobody_on_call == ("primary",)
    covered = resolve_targets(
        targets,
        utc(2024, 5, 1, 23),
        schedules,
        {"primary": [Override("U0MGR", utc(2024, 5, 1, 22), utc(2024, 5, 2, 2))]},
    )
    assert covered.users == ("U0MGR", "U0LEAD")


# --- properties ----------------------------------------------------------------------------

levels = st.lists(
    st.builds(
        EscalationLevel,
        targets=st.just((LEAD,)),
        delay_minutes=st.integers(0, 60),
    ),
    min_size=1,
    max_size=4,
).map(tuple)
policies = st.builds(EscalationPolicy, name=st.just("p"), levels=levels, repeat=st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(
    policies,
    st.sampled_from(Urgency),
    st.lists(st.integers(0, 20), min_size=40, max_size=40),
    st.one_of(st.none(), st.integers(0, 400)),
)
def test_a_page_notifies_every_step_once_in_order_until_acknowledged(
    policy: EscalationPolicy, urgency: Urgency, lateness: list[int], ack_after: int | None
) -> None:
    """Simulate the shell: wake (possibly late) when told, notify, record, ask again."""
    state = PagingState(1, policy, START, urgency)
    acked_at = None if ack_after is None else minutes(ack_after)
    now, keys = START, []
    for late in lateness:
        if acked_at is not None and now >= acked_at:
            state = PagingState(1, policy, START, urgency, acked_at, state.fired)
        decision = decide(state, now)
        if isinstance(decision, Stop):
            break
        if isinstance(decision, Wait):
            assert decision.until > now
            now = decision.until + timedelta(minutes=late)
            continue
        assert decision.step.fire_at <= now
        keys.append(decision.key)
        state = PagingState(
            1,
            policy,
            START,
            urgency,
            None,
            (*state.fired, FiredStep(decision.step.loop, decision.step.level, now)),
        )
    plan = escalation_plan(policy, START, urgency)
    assert len(keys) == len(set(keys))
    assert keys == [step.key(1) for step in plan[: len(keys)]]
    if acked_at is None:
        assert len(keys) == len(plan)
    else:
        assert all(f.fired_at <= acked_at for f in state.fired)
