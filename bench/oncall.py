"""Who is on call: ``bot.oncall.domain.on_call_at`` over 1,000 realistic schedules.

``on_call_at`` is what ``/oncall`` and every page to a schedule compute: the final on-call, each
layer's, the override in force, and the next handoff within 90 days. This builds ``--schedules``
schedules from a fixed seed, in nine IANA zones, drawn from five shapes that teams really use:

* ``weekly``: one weekly rotation of 3-8 people (one in ten has a single person, so the search
  for the next handoff runs the whole 90-day horizon);
* ``office-hours``: a 24/7 weekly layer and a daily layer restricted to weekday office hours
  (five weekly windows, ``mon 09:00 - mon 17:00`` ...);
* ``follow-the-sun``: three layers, one per region, each restricted to an 8-hour daily window;
* ``weekend``: a weekly layer and a weekend layer (``fri 18:00 - mon 09:00``) on top;
* ``split-shift``: 12-hour turns of 2-4 people and a night layer (``22:00-06:00``).

Rotations are anchored years back (2019-2024) on a local 09:00, and every schedule has 0-12
non-overlapping overrides within two weeks before and a month after the run. Each round looks
every schedule up at one instant (``--rounds`` instants, hours apart, starting now) and times
each call. Pure computation in this process: no database, no network.

    python -m bench.oncall
    python -m bench.oncall --schedules 200 --rounds 10
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from bot.oncall.domain.restrictions import DailyWindow, Restriction, WeeklyWindow
from bot.oncall.domain.schedule import Layer, Override, Schedule, on_call_at
from bot.oncall.domain.wallclock import to_instant

ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
SHAPES = ("weekly", "office-hours", "follow-the-sun", "weekend", "split-shift")
MAX_SCHEDULES = 100_000
MAX_ROUNDS = 100


@dataclass(frozen=True)
class Case:
    shape: str
    schedule: Schedule
    overrides: tuple[Override, ...]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


class Generator:
    """Schedules and overrides from a seeded RNG: the same ``--seed`` gives the same set."""

    def __init__(self, seed: int, now: datetime) -> None:
        self._rng = random.Random(seed)
        self._now = now
        self._people = [f"U{n:07d}" for n in range(5_000)]

    def cases(self, count: int) -> list[Case]:
        return [self.case(i) for i in range(count)]

    def case(self, index: int) -> Case:
        shape = SHAPES[index % len(SHAPES)]
        zone = self._rng.choice(ZONES)
        build = {
            "weekly": self._weekly,
            "office-hours": self._office_hours,
            "follow-the-sun": self._follow_the_sun,
            "weekend": self._weekend,
            "split-shift": self._split_shift,
        }[shape]
        schedule = Schedule(f"{shape}-{index}", zone, tuple(build(ZoneInfo(zone))))
        return Case(shape, schedule, self._overrides())

    # -- shapes -------------------------------------------------------------------------------

    def _weekly(self, zone: ZoneInfo) -> list[Layer]:
        size = 1 if self._rng.random() < 0.1 else self._rng.randint(3, 8)
        return [self._layer("primary", zone, size, timedelta(weeks=1))]

    def _office_hours(self, zone: ZoneInfo) -> list[Layer]:
        days = tuple(WeeklyWindow(day, clock(9), timedelta(hours=8)) for day in range(5))
        return [
            self._layer("around-the-clock", zone, self._rng.randint(4, 8), timedelta(weeks=1)),
            self._layer("office", zone, self._rng.randint(2, 5), timedelta(days=1), days),
        ]

    def _follow_the_sun(self, zone: ZoneInfo) -> list[Layer]:
        return [
            self._layer(
                f"region-{start}",
                zone,
                self._rng.randint(2, 4),
                timedelta(weeks=1),
                (DailyWindow(clock(start), timedelta(hours=8)),),
            )
            for start in (0, 8, 16)
        ]

    def _weekend(self, zone: ZoneInfo) -> list[Layer]:
        weekend = (WeeklyWindow(4, clock(18), timedelta(days=2, hours=15)),)
        return [
            self._layer("weekdays", zone, self._rng.randint(3, 6), timedelta(weeks=1)),
            self._layer("weekend", zone, self._rng.randint(2, 4), timedelta(weeks=1), weekend),
        ]

    def _split_shift(self, zone: ZoneInfo) -> list[Layer]:
        night = (DailyWindow(clock(22), timedelta(hours=8)),)
        return [
            self._layer("12h", zone, self._rng.randint(2, 4), timedelta(hours=12)),
            self._layer("nights", zone, self._rng.randint(2, 3), timedelta(days=1), night),
        ]

    # -- parts --------------------------------------------------------------------------------

    def _layer(
        self,
        name: str,
        zone: ZoneInfo,
        size: int,
        turn: timedelta,
        restrictions: tuple[Restriction, ...] = (),
    ) -> Layer:
        # A local 09:00 on some day of 2019-2024, made an instant in the zone by to_instant.
        wall = datetime(2019, 1, 7, 9, 0)  # noqa: DTZ001
        anchor = wall + timedelta(days=self._rng.randrange(6 * 365))
        return Layer(
            name=name,
            users=tuple(self._rng.sample(self._people, size)),
            rotation_virtual_start=to_instant(anchor, zone),
            turn=turn,
            restrictions=restrictions,
        )

    def _overrides(self) -> tuple[Override, ...]:
        overrides = []
        at = self._now - timedelta(days=14)
        for _ in range(self._rng.randint(0, 12)):
            at += timedelta(hours=self._rng.randint(1, 96))
            length = timedelta(hours=self._rng.randint(2, 72))
            overrides.append(Override(self._rng.choice(self._people), at, at + length))
            at += length
        return tuple(overrides)


def run(schedules: int, rounds: int, seed: int) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    built = time.perf_counter()
    cases = Generator(seed, now).cases(schedules)
    built = time.perf_counter() - built
    per_call_ms: list[float] = []
    by_shape: dict[str, list[float]] = defaultdict(list)
    round_ms: list[float] = []
    nobody = 0
    for round_index in range(rounds):
        at = now + timedelta(hours=7 * round_index, minutes=13 * round_index)
        started = time.perf_counter()
        for case in cases:
            before = time.perf_counter()
            found = on_call_at(case.schedule, at, case.overrides)
            took = (time.perf_counter() - before) * 1000
            per_call_ms.append(took)
            by_shape[case.shape].append(took)
            nobody += found.user is None
        round_ms.append((time.perf_counter() - started) * 1000)
    layers = sum(len(c.schedule.layers) for c in cases)
    overrides = sum(len(c.overrides) for c in cases)
    print(
        f"on_call_at: {schedules} schedules ({layers} layers, {overrides} overrides, "
        f"{len(ZONES)} zones; built in {built:.2f} s), {rounds} rounds of one lookup each"
    )
    print()
    print(f"{'per lookup ms':<16} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'n':>7}")
    rows = [("all", per_call_ms)] + [(shape, by_shape[shape]) for shape in SHAPES]
    for label, values in rows:
        print(
            f"{label:<16} {percentile(values, 50):8.3f} {percentile(values, 90):8.3f} "
            f"{percentile(values, 99):8.3f} {max(values, default=math.nan):8.3f} "
            f"{len(values):7d}"
        )
    print()
    print(
        f"all {schedules} schedules, per round: median {percentile(round_ms, 50):.0f} ms, "
        f"best {min(round_ms):.0f} ms, worst {max(round_ms):.0f} ms"
    )
    print(f"lookups with nobody on call: {nobody} of {len(per_call_ms)}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.oncall", description="Who-is-on-call lookups over many schedules."
    )
    parser.add_argument("--schedules", type=int, default=1_000, help="schedules (1000)")
    parser.add_argument("--rounds", type=int, default=5, help="instants looked up (5)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the schedules (1)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 < args.schedules <= MAX_SCHEDULES or not 0 < args.rounds <= MAX_ROUNDS:
        print(f"--schedules must be 1..{MAX_SCHEDULES}, --rounds 1..{MAX_ROUNDS}", file=sys.stderr)
        return 2
    return run(args.schedules, args.rounds, args.seed)


if __name__ == "__main__":
    sys.exit(main())
