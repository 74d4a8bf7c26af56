"""Wiring: each timer kind has exactly one handler."""

from __future__ import annotations

import pytest

from bot.composition import merge_handlers
from bot.kernel.timers.outcomes import Done, Outcome
from bot.kernel.timers.store import ClaimedTimer


def _done(_: ClaimedTimer) -> Outcome:
    return Done()


def test_handlers_of_every_family_are_merged() -> None:
    merged = merge_handlers({"a.one": _done}, {"b.one": _done, "b.two": _done})
    assert sorted(merged) == ["a.one", "b.one", "b.two"]


def test_two_families_claiming_one_kind_are_refused() -> None:
    with pytest.raises(ValueError, match=r"'card\.refresh'"):
        merge_handlers({"card.refresh": _done}, {"card.refresh": _done})
