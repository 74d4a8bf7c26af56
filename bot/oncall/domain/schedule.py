"""Schedules with PagerDuty's semantics: who is on call at an instant, and the shifts over a span.

A ``Schedule`` is an ordered tuple of ``Layer`` values in one IANA time zone. Each layer rotates its
users (``rotation``), optionally clipped by restriction windows (``restrictions``) and limited to
``[start, end)``. Where several layers have someone, the **later** layer in the tuple wins
(PagerDuty's bottom layer); an ``Override`` beats every layer (among overlapping overrides the later
one in the sequence wins, so callers pass them oldest first); where nobody is left, the result says
so with ``user=None`` rather than leaving a hole.

Users are opaque references (a Slack id such as ``U123ABC`` or an email); the config loader makes
them canonical so one person is always spelled the same way. Overrides are arguments, not part of
the schedule, because they live in the database and change at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.oncall.domain.instants import require_utc
from bot.oncall.domain.restrictions import Restriction, windows_between
from bot.oncall.domain.rotation import Rotation

DEFAULT_HORIZON = timedelta(days=90)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Layer:
    """One rotation. ``turn`` is a wall-clock length (``rotation.parse_turn_length``).

    The layer has people on call from ``start`` (default: ``rotation_virtual_start``) until ``end``
    (default: open-ended); PagerDuty lets the virtual start lie before ``start`` so a rotation can
    be anchored on an old handoff.
    """

    name: str
    users: tuple[str, ...]
    rotation_virtual_start: datetime
    turn: timedelta
    restrictions: tuple[Restriction, ...] = ()
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if not self.users:
            raise ValueError(f"layer {self.name!r} has no users")
        if self.turn <= timedelta(0):
            raise ValueError(f"layer {self.name!r}: turn length must be positive")
        _set(
            self,
            "rotation_virtual_start",
            require_utc(self.rotation_virtual_start, "rotation_virtual_start"),
        )
        if self.start is not None:
            _set(self, "start", require_utc(self.start, "start"))
        if self.end is not None:
            _set(self, "end", require_utc(self.end, "end"))
        if self.end is not None and self.end <= self.effective_start:
            raise ValueError(f"layer {self.name!r} ends before it starts")

    @property
    def effective_start(self) -> datetime:
        return self.start if self.start is not None else self.rotation_virtual_start


@dataclass(frozen=True)
class Schedule:
    """Ordered layers in an IANA time zone (``ValueError`` for an unknown zone or no layers)."""

    name: str
    time_zone: str
    layers: tuple[Layer, ...]

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError(f"schedule {self.name!r} has no layers")
        try:
            self.zone  # noqa: B018  (fails early on an unknown zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"schedule {self.name!r}: unknown time zone {self.time_zone!r}"
            ) from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class Override:
    """``user`` is on call over ``[start, end)`` whatever the layers say."""

    user: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _set(self, "start", require_utc(self.start, "override start"))
        _set(self, "end", require_utc(self.end, "override end"))
        if self.end <= self.start:
            raise ValueError("an override must end after it starts")


@dataclass(frozen=True)
class Shift:
    """``user`` on call over ``[start, end)``; ``user=None`` is a gap: nobody would be paged."""

    start: datetime
    end: datetime
    user: str | None

    @property
    def nobody(self) -> bool:
        return self.user is None


@dataclass(frozen=True)
class Handoff:
    """At ``at`` the final on-call changes from ``outgoing`` to ``incoming`` (None = nobody)."""

    at: datetime
    outgoing: str | None
    incoming: str | None


@dataclass(frozen=True)
class LayerOnCall:
    layer: str
    user: str | None


@dataclass(frozen=True)
class OnCall:
    """Who is on call at ``at``: the final ``user`` (None = nobody), each layer's, and what's next.

    ``override`` is the override in force, if any. ``handoff`` is the next change of the final
    user within the horizon asked for (None = no change in sight, e.g. a one-person rotation).
    """

    schedule: str
    at: datetime
    user: str | None
    layers: tuple[LayerOnCall, ...]
    override: Override | None
    handoff: Handoff | None

    @property
    def nobody(self) -> bool:
        return self.user is None

    @property
    def shift_ends_at(self) -> datetime | None:
        return self.handoff.at if self.handoff is not None else None


def layer_shifts(
    schedule: Schedule, layer: Layer, start: datetime, end: datetime
) -> tuple[Shift, ...]:
    """``layer``'s own shifts tiling ``[start, end)``: gaps as ``user=None``, runs merged."""
    start, end = _span(start, end)
    return _tile(_layer_spans(layer, schedule.zone, start, end), start, end)


def final_shifts(
    schedule: Schedule, start: datetime, end: datetime, overrides: Sequence[Override] = ()
) -> tuple[Shift, ...]:
    """The final on-call tiling ``[start, end)`` exactly: no overlap, no hole, gaps as ``None``.

    Consecutive pieces with the same user are merged, so each boundary between two shifts is a
    real handoff (used for "next on call", handoff reminders and the iCal feed).
    """
    start, end = _span(start, end)
    if start == end:
        return ()
    zone = schedule.zone
    per_layer = [_layer_spans(layer, zone, start, end) for layer in schedule.layers]
    forced = [
        (max(o.start, start), min(o.end, end), o.user)
        for o in overrides
        if o.end > start and o.start < end
    ]
    cuts = {start, end}
    for spans in [*per_layer, forced]:
        for span_start, span_end, _ in spans:
            cuts.update((span_start, span_end))
    cursors = [0] * len(per_layer)
    pieces: list[tuple[datetime, datetime, str | None]] = []
    for left, right in pairwise(sorted(cuts)):
        for index, spans in enumerate(per_layer):
            while cursors[index] < len(spans) and spans[cursors[index]][1] <= left:
                cursors[index] += 1
        pieces.append((left, right, _winner(left, forced, per_layer, cursors)))
    return _merge(pieces)


def on_call_at(
    schedule: Schedule,
    at: datetime,
    overrides: Sequence[Override] = (),
    horizon: timedelta = DEFAULT_HORIZON,
) -> OnCall:
    """Who is on call at ``at``, per layer and in the end, and the next handoff in ``horizon``."""
    at = require_utc(at, "at")
    zone = schedule.zone
    layers = tuple(
        LayerOnCall(layer.name, _first_user(_layer_spans(layer, zone, at, at + _TICK)))
        for layer in schedule.layers
    )
    override = next((o for o in reversed(overrides) if o.start <= at < o.end), None)
    user = final_shifts(schedule, at, at + _TICK, overrides)[0].user
    return OnCall(
        schedule=schedule.name,
        at=at,
        user=user,
        layers=layers,
        override=override,
        handoff=next_handoff(schedule, at, overrides, horizon),
    )


def next_handoff(
    schedule: Schedule,
    after: datetime,
    overrides: Sequence[Override] = (),
    horizon: timedelta = DEFAULT_HORIZON,
) -> Handoff | None:
    """The first change of the final on-call strictly after ``after``, before ``after + horizon``.

    Looks ahead in growing windows so the common case (a handoff within a day or a week) is cheap.
    """
    after = require_utc(after, "after")
    limit = after + horizon
    window = timedelta(days=1)
    cursor = after
    current = final_shifts(schedule, after, after + _TICK, overrides)[0].user
    while cursor < limit:
        window_end = min(cursor + window, limit)
        for shift in final_shifts(schedule, cursor, window_end, overrides):
            if shift.user != current:
                return Handoff(shift.start, current, shift.user)
        cursor, window = window_end, window * 2
    return None


def handoffs_between(
    schedule: Schedule, start: datetime, end: datetime, overrides: Sequence[Override] = ()
) -> tuple[Handoff, ...]:
    """Every change of the final on-call inside ``(start, end)`` (the edges are not handoffs)."""
    shifts = final_shifts(schedule, start, end, overrides)
    return tuple(Handoff(b.start, a.user, b.user) for a, b in pairwise(shifts))


_Span = tuple[datetime, datetime, str]


def _layer_spans(layer: Layer, zone: ZoneInfo, start: datetime, end: datetime) -> list[_Span]:
    """The layer's non-empty on-call spans meeting ``[start, end)``, clipped to it, sorted."""
    low = max(start, layer.effective_start)
    high = min(end, layer.end) if layer.end is not None else end
    if low >= high:
        return []
    rotation = Rotation(layer.rotation_virtual_start, layer.turn, zone)
    k = rotation.index_at(low)
    shift_start = rotation.start_of(k)
    spans: list[_Span] = []
    while shift_start < high:
        shift_end = rotation.start_of(k + 1)
        left, right = max(shift_start, low), min(shift_end, high)
        if left < right:
            spans.append((left, right, layer.users[k % len(layer.users)]))
        k, shift_start = k + 1, shift_end
    if layer.restrictions:
        spans = _clip(spans, windows_between(layer.restrictions, zone, low, high))
    return spans


def _clip(spans: list[_Span], windows: list[tuple[datetime, datetime]]) -> list[_Span]:
    """``spans`` intersected with sorted disjoint ``windows`` (both sorted: a linear merge)."""
    clipped: list[_Span] = []
    index = 0
    for span_start, span_end, user in spans:
        while index < len(windows) and windows[index][1] <= span_start:
            index += 1
        probe = index
        while probe < len(windows) and windows[probe][0] < span_end:
            left, right = max(span_start, windows[probe][0]), min(span_end, windows[probe][1])
            if left < right:
                clipped.append((left, right, user))
            probe += 1
    return clipped


def _winner(
    at: datetime,
    forced: list[_Span],
    per_layer: list[list[_Span]],
    cursors: list[int],
) -> str | None:
    for span_start, span_end, user in reversed(forced):
        if span_start <= at < span_end:
            return user
    for index in reversed(range(len(per_layer))):
        spans, cursor = per_layer[index], cursors[index]
        if cursor < len(spans) and spans[cursor][0] <= at:
            return spans[cursor][2]
    return None


def _tile(spans: Iterable[_Span], start: datetime, end: datetime) -> tuple[Shift, ...]:
    pieces: list[tuple[datetime, datetime, str | None]] = []
    cursor = start
    for span_start, span_end, user in spans:
        if span_start > cursor:
            pieces.append((cursor, span_start, None))
        pieces.append((span_start, span_end, user))
        cursor = span_end
    if cursor < end:
        pieces.append((cursor, end, None))
    return _merge(pieces)


def _merge(pieces: Iterable[tuple[datetime, datetime, str | None]]) -> tuple[Shift, ...]:
    shifts: list[Shift] = []
    for start, end, user in pieces:
        if shifts and shifts[-1].user == user and shifts[-1].end == start:
            shifts[-1] = Shift(shifts[-1].start, end, user)
        else:
            shifts.append(Shift(start, end, user))
    return tuple(shifts)


def _first_user(spans: list[_Span]) -> str | None:
    return spans[0][2] if spans else None


def _span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = require_utc(start, "start"), require_utc(end, "end")
    if end < start:
        raise ValueError("end must not be before start")
    return start, end


def _set(value: object, name: str, new: object) -> None:
    """Normalise a field of a frozen dataclass in ``__post_init__`` (e.g. an instant to UTC)."""
    object.__setattr__(value, name, new)
