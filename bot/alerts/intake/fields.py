"""Reading payload fields, each failure naming the field's path (``alerts[2].labels.alertname``).

Whatever is accepted here can be stored and shown: strings hold no NUL character (PostgreSQL's
text refuses it) and no unpaired surrogate (it cannot be encoded, for the database or Slack), an
alert name fits its column, and every instant converts to UTC within ``EARLIEST``..``LATEST``.
A payload that passes can therefore always be applied later; one that cannot is refused now.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from bot.alerts.intake.errors import invalid

# Go's zero time: Alertmanager and Grafana send it as the ``endsAt`` of a firing alert.
_ZERO_YEAR = 1
MAX_KEY_LENGTH = 64  # fingerprints longer than this are hashed down (they key timeline rows)
MAX_GROUP_KEY_LENGTH = 1000
MAX_NAME_LENGTH = 255  # alerts.name
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)  # a year short of datetime's end, for arithmetic
_SHOWN = 60  # characters of a bad value quoted back


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
    return storable(value, path).strip()


def optional_text(value: Any, path: str) -> str | None:
    if value is None or value == "":
        return None
    return text(value, path)


def name(value: Any, path: str) -> str:
    """An alert's name: a non-empty string that fits its column."""
    found = text(value, path)
    if len(found) > MAX_NAME_LENGTH:
        raise invalid(
            f"{path}: {len(found)} characters long; an alert name has at most {MAX_NAME_LENGTH}"
        )
    return found


def string_map(value: Any, path: str) -> dict[str, str]:
    """A JSON object of strings (labels, annotations); absent is empty."""
    if value is None:
        return {}
    mapping = obj(value, path)
    for key, item in mapping.items():
        where = f"{path}.{show(key, quoted=False)}"
        storable(key, f"{where} (the key)")
        if not isinstance(item, str):
            raise invalid(f"{where}: expected a string, got {_kind(item)}")
        storable(item, where)
    return dict(mapping)


def storable(value: str, path: str) -> str:
    """``value`` when it can be stored and sent on: no NUL, no unpaired surrogate."""
    if "\x00" in value:
        raise invalid(f"{path}: contains a NUL character (\\u0000); remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = value[error.start].encode("unicode_escape").decode("ascii")
        raise invalid(f"{path}: holds an unpaired surrogate ({bad}); send valid Unicode") from None
    return value


def instant(value: Any, path: str) -> datetime:
    """An RFC 3339 instant with its offset (``Z`` or ``+01:00``); nanoseconds are cut to µs."""
    return _in_range(_parse_instant(value, path), value, path)


def optional_instant(value: Any, path: str) -> datetime | None:
    """Absent, empty or Go's zero time mean "not set" (a firing alert's ``endsAt``)."""
    if value is None or value == "":
        return None
    parsed = _parse_instant(value, path)
    return None if parsed.year == _ZERO_YEAR else _in_range(parsed, value, path)


def bounded(key: str, limit: int = MAX_KEY_LENGTH) -> str:
    """``key`` itself when short enough, else a stable digest of it."""
    if len(key) <= limit:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def group(key: str) -> str:
    """A group key, hashed down when it is longer than the column."""
    return bounded(key, MAX_GROUP_KEY_LENGTH)


def show(value: Any, *, quoted: bool = True) -> str:
    """A bad value as a message quotes it: ``repr`` (escaping what cannot be printed), cut."""
    shown = repr(value) if quoted or not isinstance(value, str) else value
    if not quoted and not shown.isprintable():
        shown = repr(value)
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 1] + "…"


def _parse_instant(value: Any, path: str) -> datetime:
    raw = text(value, path)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid(
            f"{path}: {show(raw)} is not an RFC 3339 time; write e.g. 2026-11-20T14:02:11Z"
        ) from None
    if parsed.tzinfo is None:
        raise invalid(f"{path}: {show(raw)} has no UTC offset; add Z or +hh:mm")
    return parsed


def _in_range(parsed: datetime, value: Any, path: str) -> datetime:
    try:
        in_utc = parsed.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc < LATEST:
        raise invalid(
            f"{path}: {show(value)} is out of range; a time from {EARLIEST:%Y-%m-%d} to "
            f"{LATEST:%Y-%m-%d} (UTC) is expected"
        )
    return parsed


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )
