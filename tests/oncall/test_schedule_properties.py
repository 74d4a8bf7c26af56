"""Properties of schedule resolution, over random layers, zones, turns and instants."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.oncall.domain.restrictions import Restriction, parse_daily_window, parse_weekly_window
from bot.oncall.domain.schedule import (
    Layer,
    Override,
    Schedule,
    Shift,
    final_shifts,
    next_handoff,
    on_call_at,
)
from tests.oncall.helpers import utc

# Zones with DST both ways, a half-hour offset, a 30-minute DST shift, and none at all.
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
TURNS = [
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(weeks=1),
]
WINDOWS: list[Restriction] = [
    parse_daily_window("09:00-17:00"),
    parse_daily_window("22:00-02:30"),
    parse_weekly_window("fri 18:00 - mon 09:00"),
    parse_weekly_window("sun 01:30 - sun 03:30"),
]
EPOCH = utc(2023, 1, 1)
instants = st.integers(0, 3 * 366 * 24 * 60).map(lambda m: EPOCH + timedelta(minutes=m))
users = st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4).map(tuple)


@st.composite
def layers(draw: st.DrawFn, restricted: bool) -> Layer:
    return Layer(
        name="layer",
        users=draw(users),
        rotation_virtual_start=draw(instants),
        turn=draw(st.sampled_from(TURNS)),
        restrictions=tuple(draw(st.lists(st.sampled_from(WINDOWS), max_size=2)))
        if restricted
        else (),
    )


@st.composite
def schedules(draw: st.DrawFn, restricted: bool = True) -> Schedule:
    drawn = draw(st.lists(layers(restricted), min_size=1, max_size=3))
    return Schedule("s", draw(st.sampled_from(ZONES)), tuple(drawn))


def started(schedule: Schedule) -> datetime:
    return max(layer.effective_start for layer in schedule.layers)


@settings(max_examples=150, deadline=None)
@given(schedules(restricted=False), st.integers(0, 400 * 24 * 60), st.integers(1, 10 * 24 * 60))
def test_without_restrictions_someone_is_always_on_call(
    schedule: Schedule, offset: int, length: int
) -> None:
    at = started(schedule) + timedelta(minutes=offset)
    now = on_call_at(schedule, at, horizon=timedelta(days=2))
    assert now.user is not None
    assert now.user == now.layers[-1].user
    shifts = final_shifts(schedule, at, at + timedelta(minutes=length))
    assert all(shift.user is not None for shift in shifts)


@settings(max_examples=150, deadline=None)
@given(schedules(), instants, st.integers(1, 10 * 24 * 60))
def test_shifts_tile_the_interval_without_overlap(
    schedule: Schedule, start: datetime, length: int
) -> None:
    end = start + timedelta(minutes=length)
    shifts = final_shifts(schedule, start, end)
    assert shifts[0].start == start
    assert shifts[-1].end == end
    for shift in shifts:
        assert shift.start < shift.end
    for before, after in pairwise(shifts):
        assert before.end == after.start
        assert before.user != after.user


@settings(max_examples=150, deadline=None)
@given(schedules(), instants, st.integers(1, 5 * 24 * 60), st.integers(0, 5 * 24 * 60), users)
def test_an_override_always_wins_over_its_interval(
    schedule: Schedule, start: datetime, length: int, margin: int, who: tuple[str, ...]
) -> None:
    override = Override("override-" + who[0], start, start + timedelta(minutes=length))
    around = timedelta(minutes=margin)
    shifts = final_shifts(schedule, start - around, override.end + around, [override])
    inside = [s for s in shifts if s.start < override.end and s.end > override.start]
    assert [s.user for s in inside] == [override.user]
    assert inside[0].start <= override.start
    assert inside[0].end >= override.end
    assert (
        on_call_at(schedule, override.end - timedelta(minutes=1), [override]).user == override.user
    )


@settings(max_examples=100, deadline=None)
@given(schedules(), instants)
def test_on_call_and_shifts_agree(schedule: Schedule, at: datetime) -> None:
    horizon = timedelta(days=3)
    now = on_call_at(schedule, at, horizon=horizon)
    shifts = final_shifts(schedule, at, at + horizon)
    assert now.user == shifts[0].user
    expected = None if len(shifts) == 1 else (shifts[1].start, shifts[0].user, shifts[1].user)
    handoff = next_handoff(schedule, at, horizon=horizon)
    assert (
        None if handoff is None else (handoff.at, handoff.outgoing, handoff.incoming)
    ) == expected
    # The final user is the last layer that has someone.
    assert now.user == next((x.user for x in reversed(now.layers) if x.user is not None), None)


@settings(max_examples=100, deadline=None)
@given(schedules(), instants, st.integers(2, 6 * 24 * 60), st.data())
def test_splitting_an_interval_changes_nothing(
    schedule: Schedule, start: datetime, length: int, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(1, length - 1))
    middle, end = start + timedelta(minutes=cut), start + timedelta(minutes=length)
    halves = final_shifts(schedule, start, middle) + final_shifts(schedule, middle, end)
    assert runs(halves) == runs(final_shifts(schedule, start, end))


def runs(shifts: tuple[Shift, ...]) -> list[tuple[datetime, str | None]]:
    """Where each run of one user starts (shifts split at a window edge join up again)."""
    starts: list[tuple[datetime, str | None]] = []
    for shift in shifts:
        if not starts or starts[-1][1] != shift.user:
            starts.append((shift.start, shift.user))
    return starts
