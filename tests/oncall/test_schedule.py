"""Schedule resolution: rotations, layers, restrictions, overrides, DST, leap days, gaps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.oncall.domain.restrictions import parse_daily_window, parse_weekly_window
from bot.oncall.domain.schedule import (
    Handoff,
    LayerOnCall,
    Override,
    Shift,
    final_shifts,
    handoffs_between,
    layer_shifts,
    next_handoff,
    on_call_at,
)
from tests.oncall.helpers import layer, local, schedule, utc


def spans(shifts: tuple[Shift, ...]) -> list[tuple[str, str, str | None]]:
    return [(s.start.isoformat(), s.end.isoformat(), s.user) for s in shifts]


# --- rotations --------------------------------------------------------------------------


def test_shift_k_belongs_to_user_k_mod_n() -> None:
    s = schedule("UTC", layer("a b c", utc(2024, 1, 1, 9)))
    assert [on_call_at(s, utc(2024, 1, d, 12)).user for d in range(1, 8)] == list("abcabca")
    assert on_call_at(s, utc(2024, 1, 2, 8, 59)).user == "a"
    assert on_call_at(s, utc(2024, 1, 2, 9)).user == "b"


def test_one_user_rotation_is_one_endless_shift() -> None:
    s = schedule("Europe/Berlin", layer("solo", utc(2024, 1, 1), "weekly"))
    assert spans(final_shifts(s, utc(2024, 1, 1), utc(2024, 6, 1))) == [
        ("2024-01-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00", "solo")
    ]
    now = on_call_at(s, utc(2024, 3, 1))
    assert now.user == "solo"
    assert now.handoff is None
    assert now.shift_ends_at is None


def test_custom_lengths() -> None:
    three_days = schedule("UTC", layer("a b", utc(2024, 1, 1, 9), "3d"))
    assert next_handoff(three_days, utc(2024, 1, 1, 9)) == Handoff(utc(2024, 1, 4, 9), "a", "b")
    twelve_hours = schedule("UTC", layer("day night", utc(2024, 1, 1, 8), "12h"))
    assert spans(final_shifts(twelve_hours, utc(2024, 1, 1, 8), utc(2024, 1, 2, 8))) == [
        ("2024-01-01T08:00:00+00:00", "2024-01-01T20:00:00+00:00", "day"),
        ("2024-01-01T20:00:00+00:00", "2024-01-02T08:00:00+00:00", "night"),
    ]
    fortnight = schedule("UTC", layer("a b", utc(2024, 1, 1), "2w"))
    assert on_call_at(fortnight, utc(2024, 1, 14, 23)).user == "a"
    assert on_call_at(fortnight, utc(2024, 1, 15)).user == "b"


def test_the_rotation_extends_back_from_a_virtual_start_in_the_past() -> None:
    s = schedule("UTC", layer("a b c", utc(2020, 1, 1), begins=utc(2024, 1, 1)))
    # 2024-01-01 is day 1461 after 2020-01-01: 1461 mod 3 = 0.
    assert on_call_at(s, utc(2024, 1, 1, 12)).user == "a"
    assert on_call_at(s, utc(2023, 12, 31, 12)).user is None


def test_layer_start_and_end_bound_the_layer() -> None:
    s = schedule("UTC", layer("a", utc(2024, 1, 1), begins=utc(2024, 1, 2), ends=utc(2024, 1, 3)))
    assert spans(final_shifts(s, utc(2024, 1, 1), utc(2024, 1, 4))) == [
        ("2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00", None),
        ("2024-01-02T00:00:00+00:00", "2024-01-03T00:00:00+00:00", "a"),
        ("2024-01-03T00:00:00+00:00", "2024-01-04T00:00:00+00:00", None),
    ]


def test_leap_day_is_an_ordinary_day_of_the_rotation() -> None:
    s = schedule("UTC", layer("a b", utc(2024, 2, 27, 9)))
    assert [
        on_call_at(s, utc(2024, m, d, 12)).user for m, d in [(2, 27), (2, 28), (2, 29), (3, 1)]
    ] == list("abab")
    weekly = schedule("UTC", layer("a b", utc(2024, 2, 29, 9), "weekly"))
    assert next_handoff(weekly, utc(2024, 2, 29, 9)) == Handoff(utc(2024, 3, 7, 9), "a", "b")
    # A yearly-ish check: a rotation anchored on Feb 29 keeps counting days through 2025.
    assert on_call_at(s, utc(2025, 2, 28, 12)).user == ["a", "b"][(366 + 1) % 2]


# --- daylight saving ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "before", "after"),
    [
        # Europe/Berlin: spring forward 2024-03-31, fall back 2024-10-27.
        ("Europe/Berlin", (2024, 3, 30), utc(2024, 3, 30, 8), utc(2024, 3, 31, 7)),
        ("Europe/Berlin", (2024, 10, 26), utc(2024, 10, 26, 7), utc(2024, 10, 27, 8)),
        # America/New_York: spring forward 2024-03-10, fall back 2024-11-03.
        ("America/New_York", (2024, 3, 9), utc(2024, 3, 9, 14), utc(2024, 3, 10, 13)),
        ("America/New_York", (2024, 11, 2), utc(2024, 11, 2, 13), utc(2024, 11, 3, 14)),
    ],
)
def test_daily_handoff_stays_at_nine_local_across_dst(
    zone: str, day: tuple[int, int, int], before: object, after: object
) -> None:
    s = schedule(zone, layer("a b", local(zone, 2024, 1, 1, 9)))
    shifts = final_shifts(s, local(zone, *day, 9), local(zone, *day, 9) + timedelta(days=2))
    assert [shift.start for shift in shifts[:2]] == [before, after]
    assert all(shift.start.astimezone(s.zone).hour == 9 for shift in shifts)
    # The shift across the change is 23 h in spring and 25 h in autumn.
    assert shifts[0].end - shifts[0].start in {timedelta(hours=23), timedelta(hours=25)}


def test_twelve_hour_turns_keep_their_local_times_across_dst() -> None:
    s = schedule("Europe/Berlin", layer("day night", local("Europe/Berlin", 2024, 3, 1, 9), "12h"))
    shifts = final_shifts(s, utc(2024, 3, 30), utc(2024, 4, 2))
    assert {(x.start.astimezone(s.zone).hour, x.user) for x in shifts[1:]} == {
        (9, "day"),
        (21, "night"),
    }


def test_hourly_turn_in_the_spring_gap_is_empty() -> None:
    # Local 00:00, 01:00, [02:00 does not exist], 03:00 ... on 2024-03-31 in Berlin.
    s = schedule("Europe/Berlin", layer("a b c", local("Europe/Berlin", 2024, 3, 31, 0), "hourly"))
    assert spans(final_shifts(s, utc(2024, 3, 30, 23), utc(2024, 3, 31, 3))) == [
        ("2024-03-30T23:00:00+00:00", "2024-03-31T00:00:00+00:00", "a"),
        ("2024-03-31T00:00:00+00:00", "2024-03-31T01:00:00+00:00", "b"),
        # c's 02:00 turn has no time at all; the rotation does not shift: 03:00 is a's.
        ("2024-03-31T01:00:00+00:00", "2024-03-31T02:00:00+00:00", "a"),
        ("2024-03-31T02:00:00+00:00", "2024-03-31T03:00:00+00:00", "b"),
    ]


def test_hourly_turn_over_the_autumn_repeat_lasts_two_hours() -> None:
    # New York, 2024-11-03: 01:00-02:00 happens twice; the 01:00 turn covers both.
    s = schedule(
        "America/New_York", layer("a b c", local("America/New_York", 2024, 11, 3, 0), "hourly")
    )
    assert spans(final_shifts(s, utc(2024, 11, 3, 4), utc(2024, 11, 3, 8))) == [
        ("2024-11-03T04:00:00+00:00", "2024-11-03T05:00:00+00:00", "a"),
        ("2024-11-03T05:00:00+00:00", "2024-11-03T07:00:00+00:00", "b"),
        ("2024-11-03T07:00:00+00:00", "2024-11-03T08:00:00+00:00", "c"),
    ]


def test_handoff_at_a_nonexistent_local_time_happens_when_clocks_jump() -> None:
    s = schedule("America/New_York", layer("a b", local("America/New_York", 2024, 3, 1, 2, 30)))
    assert next_handoff(s, utc(2024, 3, 9, 12)) == Handoff(utc(2024, 3, 10, 7), "a", "b")
    assert next_handoff(s, utc(2024, 3, 10, 12)) == Handoff(utc(2024, 3, 11, 6, 30), "b", "a")


def test_a_skipped_calendar_day_shortens_the_shifts_around_it() -> None:
    # Samoa skipped 2011-12-30 (UTC-10 -> UTC+14). Noon handoffs: "Dec 30 12:00" does not exist
    # and means the jump (Dec 31 00:00 local), so b and c get 12 hours each; nobody is skipped.
    s = schedule("Pacific/Apia", layer("a b c", local("Pacific/Apia", 2011, 12, 28, 12)))
    shifts = final_shifts(s, utc(2011, 12, 29, 22), utc(2011, 12, 31, 22))
    assert [(x.user, x.end - x.start) for x in shifts] == [
        ("b", timedelta(hours=12)),
        ("c", timedelta(hours=12)),
        ("a", timedelta(hours=24)),
    ]


# --- layers, restrictions, overrides ----------------------------------------------------------


def test_the_later_layer_wins_where_it_has_someone() -> None:
    base = layer("a b", utc(2024, 1, 1), "weekly", name="base")
    office = layer(
        "x", utc(2024, 1, 1), name="office", restrictions=(parse_daily_window("09:00-17:00"),)
    )
    s = schedule("UTC", base, office)
    assert spans(final_shifts(s, utc(2024, 1, 2), utc(2024, 1, 3))) == [
        ("2024-01-02T00:00:00+00:00", "2024-01-02T09:00:00+00:00", "a"),
        ("2024-01-02T09:00:00+00:00", "2024-01-02T17:00:00+00:00", "x"),
        ("2024-01-02T17:00:00+00:00", "2024-01-03T00:00:00+00:00", "a"),
    ]
    at_noon = on_call_at(s, utc(2024, 1, 2, 12))
    assert at_noon.user == "x"
    assert at_noon.layers == (LayerOnCall("base", "a"), LayerOnCall("office", "x"))
    assert at_noon.shift_ends_at == utc(2024, 1, 2, 17)


def test_restrictions_clip_without_shifting_the_rotation() -> None:
    window = (parse_daily_window("09:00-17:00"),)
    plain = schedule("Europe/Berlin", layer("a b c", utc(2024, 1, 1)))
    clipped = schedule("Europe/Berlin", layer("a b c", utc(2024, 1, 1), restrictions=window))
    for day in range(1, 20):
        noon = local("Europe/Berlin", 2024, 1, day, 12)
        assert on_call_at(clipped, noon).user == on_call_at(plain, noon).user
        assert on_call_at(clipped, local("Europe/Berlin", 2024, 1, day, 8)).user is None


def test_a_window_across_midnight_and_a_weekend_window() -> None:
    nights = schedule(
        "UTC", layer("n", utc(2024, 1, 1), restrictions=(parse_daily_window("22:00-06:00"),))
    )
    assert on_call_at(nights, utc(2024, 1, 3, 23)).user == "n"
    assert on_call_at(nights, utc(2024, 1, 4, 5, 59)).user == "n"
    assert on_call_at(nights, utc(2024, 1, 4, 6)).user is None
    weekend = schedule(
        "UTC",
        layer("w", utc(2024, 1, 1), restrictions=(parse_weekly_window("fri 18:00 - mon 09:00"),)),
    )
    # 2024-01-05 is a Friday.
    assert spans(final_shifts(weekend, utc(2024, 1, 5), utc(2024, 1, 9))) == [
        ("2024-01-05T00:00:00+00:00", "2024-01-05T18:00:00+00:00", None),
        ("2024-01-05T18:00:00+00:00", "2024-01-08T09:00:00+00:00", "w"),
        ("2024-01-08T09:00:00+00:00", "2024-01-09T00:00:00+00:00", None),
    ]


def test_restriction_windows_follow_the_local_clock_across_dst() -> None:
    office = (parse_daily_window("09:00-17:00"),)
    s = schedule("America/New_York", layer("x", utc(2024, 1, 1), restrictions=office))
    starts = [x.start for x in final_shifts(s, utc(2024, 3, 9), utc(2024, 3, 12)) if x.user]
    assert starts == [utc(2024, 3, 9, 14), utc(2024, 3, 10, 13), utc(2024, 3, 11, 13)]


def test_a_gap_says_nobody_explicitly() -> None:
    s = schedule(
        "UTC", layer("x", utc(2024, 1, 1), restrictions=(parse_daily_window("09:00-17:00"),))
    )
    at_night = on_call_at(s, utc(2024, 1, 2, 3))
    assert at_night.user is None
    assert at_night.nobody
    assert at_night.handoff == Handoff(utc(2024, 1, 2, 9), None, "x")
    assert final_shifts(s, utc(2024, 1, 2), utc(2024, 1, 2, 9)) == (
        Shift(utc(2024, 1, 2), utc(2024, 1, 2, 9), None),
    )


def test_overrides_beat_every_layer() -> None:
    s = schedule("UTC", layer("a b", utc(2024, 1, 1)), layer("x", utc(2024, 1, 1), name="top"))
    cover = Override("o", utc(2024, 1, 2, 10), utc(2024, 1, 2, 14))
    now = on_call_at(s, utc(2024, 1, 2, 12), [cover])
    assert now.user == "o"
    assert now.override == cover
    assert now.layers[1] == LayerOnCall("top", "x")
    assert now.handoff == Handoff(utc(2024, 1, 2, 14), "o", "x")
    assert spans(final_shifts(s, utc(2024, 1, 2), utc(2024, 1, 3), [cover])) == [
        ("2024-01-02T00:00:00+00:00", "2024-01-02T10:00:00+00:00", "x"),
        ("2024-01-02T10:00:00+00:00", "2024-01-02T14:00:00+00:00", "o"),
        ("2024-01-02T14:00:00+00:00", "2024-01-03T00:00:00+00:00", "x"),
    ]


def test_an_override_fills_a_gap_and_the_later_override_wins() -> None:
    s = schedule(
        "UTC", layer("x", utc(2024, 1, 1), restrictions=(parse_daily_window("09:00-17:00"),))
    )
    first = Override("p", utc(2024, 1, 2, 0), utc(2024, 1, 2, 6))
    second = Override("q", utc(2024, 1, 2, 4), utc(2024, 1, 2, 8))
    assert spans(final_shifts(s, utc(2024, 1, 2), utc(2024, 1, 2, 10), [first, second])) == [
        ("2024-01-02T00:00:00+00:00", "2024-01-02T04:00:00+00:00", "p"),
        ("2024-01-02T04:00:00+00:00", "2024-01-02T08:00:00+00:00", "q"),
        ("2024-01-02T08:00:00+00:00", "2024-01-02T09:00:00+00:00", None),
        ("2024-01-02T09:00:00+00:00", "2024-01-02T10:00:00+00:00", "x"),
    ]


def test_same_user_across_a_layer_boundary_is_one_shift() -> None:
    s = schedule(
        "UTC",
        layer("a", utc(2024, 1, 1)),
        layer("a", utc(2024, 1, 1), name="top", restrictions=(parse_daily_window("09:00-17:00"),)),
    )
    assert len(final_shifts(s, utc(2024, 1, 1), utc(2024, 2, 1))) == 1


def test_layer_shifts_and_handoffs_between() -> None:
    office = layer(
        "x y", utc(2024, 1, 1), name="office", restrictions=(parse_daily_window("09:00-17:00"),)
    )
    s = schedule("UTC", layer("a", utc(2024, 1, 1)), office)
    assert spans(layer_shifts(s, office, utc(2024, 1, 1, 12), utc(2024, 1, 2, 12))) == [
        ("2024-01-01T12:00:00+00:00", "2024-01-01T17:00:00+00:00", "x"),
        ("2024-01-01T17:00:00+00:00", "2024-01-02T09:00:00+00:00", None),
        ("2024-01-02T09:00:00+00:00", "2024-01-02T12:00:00+00:00", "y"),
    ]
    assert handoffs_between(s, utc(2024, 1, 1, 12), utc(2024, 1, 2, 12)) == (
        Handoff(utc(2024, 1, 1, 17), "x", "a"),
        Handoff(utc(2024, 1, 2, 9), "a", "y"),
    )


def test_next_handoff_is_strictly_after_and_bounded_by_the_horizon() -> None:
    s = schedule("UTC", layer("a b", utc(2024, 1, 1), "2w"))
    assert next_handoff(s, utc(2024, 1, 15)) == Handoff(utc(2024, 1, 29), "b", "a")
    assert next_handoff(s, utc(2024, 1, 16), horizon=timedelta(days=7)) is None


def test_empty_and_reversed_spans() -> None:
    s = schedule("UTC", layer("a", utc(2024, 1, 1)))
    assert final_shifts(s, utc(2024, 1, 2), utc(2024, 1, 2)) == ()
    with pytest.raises(ValueError, match="before start"):
        final_shifts(s, utc(2024, 1, 2), utc(2024, 1, 1))


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValueError, match="no users"):
        layer("", utc(2024, 1, 1))
    with pytest.raises(ValueError, match="positive"):
        layer("a", utc(2024, 1, 1), timedelta(0))
    with pytest.raises(ValueError, match="unknown time zone"):
        schedule("Europe/Berlinn", layer("a", utc(2024, 1, 1)))
    with pytest.raises(ValueError, match="end after it starts"):
        Override("a", utc(2024, 1, 2), utc(2024, 1, 1))
