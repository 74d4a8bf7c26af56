"""Reading payload fields, each failure naming the field's path (``alerts[2].labels.alertname``)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from bot.alerts.errors import invalid

# Go's zero time: Alertmanager and Grafana send it as the ``endsAt`` of a firing alert.
_ZERO_YEAR = 1
MAX_KEY_LENGTH = 64  # fingerprints longer than this are hashed down (they key timeline rows)
MAX_GROUP_KEY_LENGTH = 1000


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{path}: expected a JSON object, got {_kind(value)}")
    return value


def items(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(f"{path}: expected a list, got {_kind(value)}")
    if not value:
        raise invalid(f"{path}: the list is empty; send at least one alert")
    return value


def text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"{path}: expected a non-empty string, got {_kind(value)}")
    return value.strip()


def optional_text(value: Any, path: str) -> str | None:
    if value is None or value == "":
        return None
    return text(value, path)


def string_map(value: Any, path: str) -> dict[str, str]:
    """A JSON object of strings (labels, annotations); absent is empty."""
    if value is None:
        return {}
    mapping = obj(value, path)
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise invalid(f"{path}.{key}: expected a string, got {_kind(item)}")
    return dict(mapping)


def instant(value: Any, path: str) -> datetime:
    """An RFC 3339 instant with its offset (``Z`` or ``+01:00``); nanoseconds are cut to µs."""
    raw = text(value, path)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid(
            f"{path}: {raw!r} is not an RFC 3339 time; write e.g. 2026-11-20T14:02:11Z"
        ) from None
    if parsed.tzinfo is None:
        raise invalid(f"{path}: {raw!r} has no UTC offset; add Z or +hh:mm")
    return parsed


def optional_instant(value: Any, path: str) -> datetime | None:
    """Absent, empty or Go's zero time mean "not set" (a firing alert's ``endsAt``)."""
    if value is None or value == "":
        return None
    parsed = instant(value, path)
    return None if parsed.year == _ZERO_YEAR else parsed


def bounded(key: str, limit: int = MAX_KEY_LENGTH) -> str:
    """``key`` itself when short enough, else a stable digest of it."""
    if len(key) <= limit:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def group(key: str) -> str:
    """A group key, hashed down when it is longer than the column."""
    return bounded(key, MAX_GROUP_KEY_LENGTH)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )
