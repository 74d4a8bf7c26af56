"""On-call load: hours split by each person's wall clock (DST days included), pages, night pages,
acknowledgement times and the fairness of a schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.insights.domain.oncall_load import (
    Hours,
    Paged,
    Shift,
    fairness_of,
    load,
    part_of,
    schedule_shifts,
    split,
)
from bot.oncall.domain.schedule import Layer, Override, Schedule

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Havana",  # falls back across midnight
    "Africa/Cairo",  # springs forward at midnight on a Friday
    "Australia/Lord_Howe",  # half-hour DST
    "Asia/Kathmandu",  # +05:45
    "America/St_Johns",  # -03:30 / -02:30
]
YEAR = datetime(2026, 1, 1, tzinfo=UTC)


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def test_a_weekday_in_utc_splits_into_its_parts() -> None:
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    assert split(monday, monday + timedelta(days=1), ZoneInfo("UTC")) == Hours(9, 5, 10, 0)
    week = split(monday, monday + timedelta(days=7), ZoneInfo("UTC"))
    assert week == Hours(45, 25, 50, 48)


def test_the_spring_forward_sunday_has_23_hours_all_weekend() -> None:
    zone = "Europe/Berlin"
    hours = split(local(zone, 2026, 3, 29), local(zone, 2026, 3, 30), ZoneInfo(zone))
    assert hours == Hours(0, 0, 0, 23)


def test_the_autumn_sunday_has_25_hours_and_monday_night_starts_on_time() -> None:
    zone = "America/New_York"
    hours = split(local(zone, 2026, 11, 1), local(zone, 2026, 11, 2, 9), ZoneInfo(zone))
    assert hours == Hours(0, 0, 9, 25)


def test_a_weekday_spring_forward_at_midnight_loses_a_night_hour() -> None:
    # Cairo: Friday 24 April 2026 begins at 01:00; Thursday 18:00 to Friday 18:00 is 23 hours.
    zone = "Africa/Cairo"
    hours = split(local(zone, 2026, 4, 23, 18), local(zone, 2026, 4, 24, 18), ZoneInfo(zone))
    assert hours == Hours(business=9, evening=5, night=9, weekend=0)


def test_a_repeated_midnight_counts_its_hour_twice_on_the_weekend() -> None:
    # Havana: Sunday 1 November 2026, 01:00 back to 00:00.
    zone = "America/Havana"
    start = local(zone, 2026, 10, 31, 22)  # Saturday evening
    hours = split(start, start + timedelta(hours=6), ZoneInfo(zone))
    assert hours == Hours(0, 0, 0, 6)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.integers(min_value=0, max_value=365 * 24 * 60),
    st.integers(min_value=0, max_value=4 * 24 * 60),
)
def test_split_hours_sum_to_the_shift_and_match_minute_by_minute(
    zone_name: str, start_minute: int, minutes: int
) -> None:
    zone = ZoneInfo(zone_name)
    start = YEAR + timedelta(minutes=start_minute)
    end = start + timedelta(minutes=minutes)
    hours = split(start, end, zone)
    assert hours.total == pytest.approx(minutes / 60)
    counted = {"business": 0, "evening": 0, "night": 0, "weekend": 0}
    for minute in range(minutes):
        counted[part_of((start + timedelta(minutes=minute)).astimezone(zone)).value] += 1
    assert hours.business == pytest.approx(counted["business"] / 60)
    assert hours.evening == pytest.approx(counted["evening"] / 60)
    assert hours.night == pytest.approx(counted["night"] / 60)
    assert hours.weekend == pytest.approx(counted["weekend"] / 60)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ana", "ben", "cy"]),
            st.sampled_from(ZONES),
            st.integers(min_value=0, max_value=300 * 24),
            st.integers(min_value=1, max_value=24 * 9),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_every_person_s_parts_add_up_to_their_clipped_shifts(
    shifts: list[tuple[str, str, int, int]],
) -> None:
    since, until = YEAR + timedelta(days=30), YEAR + timedelta(days=200)
    zones = {person: zone for person, zone, _, _ in shifts}  # one zone per person
    made = [
        Shift("s", person, YEAR + timedelta(hours=h), YEAR + timedelta(hours=h + n), zones[person])
        for person, _, h, n in shifts
    ]
    result = load(made, [], since, until)
    for person in result.people:
        expected = sum(
            (min(s.end, until) - max(s.start, since)).total_seconds() / 3600
            for s in made
            if s.person == person.person and s.end > since and s.start < until
        )
        assert person.hours.total == pytest.approx(expected)
        assert person.zone == zones[person.person]


def test_pages_night_pages_and_acknowledgement_times_per_person() -> None:
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    shifts = [
        Shift("primary", "ana", since, until, "Europe/Berlin"),
        Shift("primary", "ben", since, since + timedelta(days=10), "America/New_York"),
    ]
    night_in_berlin = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)  # 00:30 in Berlin
    pages = [
        Paged("ana", night_in_berlin, night_in_berlin + timedelta(minutes=2), "ana"),
        Paged("ana", datetime(2026, 3, 4, 10, tzinfo=UTC), None),
        Paged(
            "ana",
            datetime(2026, 3, 5, 10, tzinfo=UTC),
            datetime(2026, 3, 5, 10, 4, tzinfo=UTC),
            "ana",
        ),
        Paged(
            "ana",
            datetime(2026, 3, 6, 10, tzinfo=UTC),
            datetime(2026, 3, 6, 10, 1, tzinfo=UTC),
            "ben",
        ),
        # 23:30 UTC is 18:30 in New York: an evening page, not a night one, for ben.
        Paged("ben", night_in_berlin, night_in_berlin + timedelta(minutes=1), "ben"),
        Paged("ana", datetime(2026, 4, 2, tzinfo=UTC), None),  # out of range
    ]
    result = load(shifts, pages, since, until)
    ana, ben = result.people
    assert (ana.person, ana.pages, ana.night_pages) == ("ana", 4, 1)
    assert ana.acknowledged is not None
    assert (ana.acknowledged.count, ana.acknowledged.median) == (2, 180.0)
    assert ana.acknowledged.p90 == pytest.approx(120 + 0.9 * 120)
    assert (ben.pages, ben.night_pages) == (1, 0)
    assert ana.hours.total == 31 * 24  # real hours: DST moves the wall clock, not the time
    (primary,) = result.fairness
    assert (primary.people, primary.most_hours, primary.fewest_hours) == (2, 744, 240)
    assert primary.ratio == pytest.approx(3.1)


def test_fairness_of_an_even_and_an_uneven_rotation() -> None:
    even = fairness_of("even", [168, 168, 168])
    assert (even.ratio, even.variation) == (1.0, 0.0)
    uneven = fairness_of("uneven", [100, 300])
    assert uneven.ratio == 3.0
    assert uneven.variation == pytest.approx(0.5)
    assert fairness_of("idle", [0, 10]).ratio is None


def test_someone_in_the_rotation_with_no_shift_in_the_range_counts_with_no_hours() -> None:
    since = datetime(2026, 3, 2, tzinfo=UTC)
    until = since + timedelta(days=7)
    shifts = [Shift("primary", "ana", since, until, "UTC")]
    members = {"primary": ("ana", "ben"), "idle": ("cy",)}
    (primary,) = load(shifts, [], since, until, members=members).fairness  # idle: no shift
    assert (primary.people, primary.most_hours, primary.fewest_hours) == (2, 168, 0)
    assert primary.ratio is None
    assert primary.variation == pytest.approx(1.0)
    assert [p.person for p in load(shifts, [], since, until, members=members).people] == ["ana"]


def test_a_schedule_expands_into_shifts_with_overrides_and_each_person_s_zone() -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    schedule = Schedule(
        "primary",
        "Europe/Berlin",
        (Layer("weekly", ("ana", "ben"), start, timedelta(days=7)),),
    )
    override = Override("cy", start + timedelta(days=1), start + timedelta(days=2))
    shifts = schedule_shifts(
        schedule, start, start + timedelta(days=14), [override], {"ben": "America/New_York"}
    )
    assert [(s.person, s.zone) for s in shifts] == [
        ("ana", "Europe/Berlin"),
        ("cy", "Europe/Berlin"),
        ("ana", "Europe/Berlin"),
        ("ben", "America/New_York"),
    ]
    assert sum((s.end - s.start for s in shifts), timedelta()) == timedelta(days=14)
