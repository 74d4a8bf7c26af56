"""The pure core of heartbeat monitors: what a monitor expects, when it counts as silent, and
what to say. No I/O; ``now`` is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Monitor:
    """A job expected to beat at least every ``interval``; after ``interval + grace`` without a
    beat it is silent, and ``service``'s escalation policy is paged."""

    name: str
    interval: timedelta
    service: str
    grace: timedelta = timedelta(0)

    @property
    def allowed_silence(self) -> timedelta:
        return self.interval + self.grace

    def silent_at(self, last_beat: datetime) -> datetime:
        """When the monitor goes silent if nothing beats after ``last_beat``."""
        return last_beat + self.allowed_silence

    def is_silent(self, last_beat: datetime, now: datetime) -> bool:
        return now >= self.silent_at(last_beat)

    @property
    def silent_title(self) -> str:
        return f"Heartbeat {self.name} is silent (expected every {_minutes(self.interval)} min)"

    def silent_description(self, last_beat: datetime) -> str:
        return (
            f"No beat on POST /webhooks/heartbeat/{self.name} since "
            f"{last_beat:%Y-%m-%d %H:%M:%S} UTC (expected every {_minutes(self.interval)} min, "
            f"{_minutes(self.grace)} min of grace)."
        )

    @property
    def beats_again_note(self) -> str:
        return f"Heartbeat {self.name} beats again"


@dataclass(frozen=True)
class Monitors:
    """Every configured monitor, by name."""

    by_name: dict[str, Monitor]

    def get(self, name: str) -> Monitor | None:
        return self.by_name.get(name)

    @property
    def names(self) -> list[str]:
        return sorted(self.by_name)


NO_MONITORS = Monitors({})


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
