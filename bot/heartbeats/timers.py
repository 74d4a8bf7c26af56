"""The durable timers of heartbeat monitors, with deterministic keys (one per monitor, or per
monitor and incident), so a retry or a second replica cannot double them."""

from __future__ import annotations

SILENCE = "heartbeats.silence"  # fires when a monitor has not beaten in time: declare
BEATS_AGAIN = "heartbeats.beats_again"  # a silent monitor beat: note it on the incident


def silence_key(name: str) -> str:
    return f"heartbeat:{name}:silence"


def beats_again_key(name: str, incident: int) -> str:
    return f"heartbeat:{name}:beats-again:{incident}"
