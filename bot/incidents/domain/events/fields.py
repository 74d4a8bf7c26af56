"""Typed reads of one stored JSON object (a timeline event's ``data``).

Each read names the key and the type it must hold; a required key that is missing, or any value
of the wrong type, raises ``Malformed`` so the caller can fall back instead of rendering half a
value. Optional reads treat a missing key and ``null`` alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)


class Malformed(ValueError):
    """Stored data without the shape its kind promises."""


_MISSING = object()


class Fields:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __contains__(self, key: str) -> bool:
        return self._data.get(key) is not None

    def _get(self, key: str) -> object:
        value = self._data.get(key, _MISSING)
        if value is _MISSING or value is None:
            raise Malformed(f"{key!r} is missing")
        return value

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise Malformed(f"{key!r} is not text: {value!r}")
        return value

    def number(self, key: str) -> int:
        value = self._get(key)
        # bool is an int to Python, never to the producers
        if not isinstance(value, int) or isinstance(value, bool):
            raise Malformed(f"{key!r} is not a whole number: {value!r}")
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise Malformed(f"{key!r} is not true or false: {value!r}")
        return value

    def choice(self, key: str, enum: type[E]) -> E:
        text = self.text(key)
        try:
            return enum(text)
        except ValueError:
            raise Malformed(f"{key!r} is not one of {[e.value for e in enum]}: {text!r}") from None

    def instant(self, key: str) -> datetime:
        text = self.text(key)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise Malformed(f"{key!r} is not an ISO 8601 instant: {text!r}") from None
        if parsed.tzinfo is None:
            raise Malformed(f"{key!r} has no UTC offset: {text!r}")
        return parsed

    def texts(self, key: str) -> tuple[str, ...]:
        items = self._list(key)
        texts = tuple(item for item in items if isinstance(item, str))
        if len(texts) != len(items):
            raise Malformed(f"{key!r} is not a list of text: {items!r}")
        return texts

    def numbers(self, key: str) -> tuple[int, ...]:
        items = self._list(key)
        numbers = tuple(i for i in items if isinstance(i, int) and not isinstance(i, bool))
        if len(numbers) != len(items):
            raise Malformed(f"{key!r} is not a list of whole numbers: {items!r}")
        return numbers

    def labels(self, key: str) -> dict[str, str]:
        """An object of names to values; both read as text, as alert labels are."""
        value = self._get(key)
        if not isinstance(value, dict):
            raise Malformed(f"{key!r} is not an object: {value!r}")
        return {str(k): str(v) for k, v in value.items()}

    def nested(self, key: str) -> Fields:
        value = self._get(key)
        if not isinstance(value, dict):
            raise Malformed(f"{key!r} is not an object: {value!r}")
        return Fields(value)

    def _list(self, key: str) -> list[object]:
        value = self._get(key)
        if not isinstance(value, list):
            raise Malformed(f"{key!r} is not a list: {value!r}")
        return value

    # Optional reads: None (or the default) when the key is missing or null.

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if key in self else None

    def text_or(self, key: str, default: str) -> str:
        return self.text(key) if key in self else default

    def number_or(self, key: str, default: int) -> int:
        return self.number(key) if key in self else default

    def optional_number(self, key: str) -> int | None:
        return self.number(key) if key in self else None

    def optional_flag(self, key: str) -> bool | None:
        return self.flag(key) if key in self else None

    def optional_instant(self, key: str) -> datetime | None:
        return self.instant(key) if key in self else None
