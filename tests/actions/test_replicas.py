"""The replicas expression of kubernetes.scale: absolute, relative, factor (rounded up)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.playbooks.actions.replicas import parse_replicas

counts = st.integers(min_value=0, max_value=999_999)
current = st.integers(min_value=0, max_value=10_000)


@given(counts, current)
def test_an_absolute_count_ignores_the_current_one(count: int, now: int) -> None:
    assert parse_replicas(str(count)).apply(now) == count


@given(st.integers(min_value=-999_999, max_value=999_999), current)
def test_a_change_adds_to_the_current_count(change: int, now: int) -> None:
    written = f"{change:+d}"
    assert parse_replicas(written).apply(now) == now + change


@given(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99"), places=4),
    current,
    st.sampled_from(["x", "X", "*"]),
)
def test_a_factor_multiplies_and_rounds_up(factor: Decimal, now: int, sign: str) -> None:
    result = parse_replicas(f"{sign}{factor}").apply(now)
    exact = Fraction(factor) * now
    assert result == math.ceil(exact)
    assert result >= exact > result - 1


def _outcome(text: str) -> str:
    try:
        return f"count {parse_replicas(text).apply(5)}"
    except ValueError as error:
        return str(error)


@given(st.text(max_size=12))
def test_any_text_gives_a_count_or_says_what_is_accepted(text: str) -> None:
    outcome = _outcome(text)  # nothing but ValueError escapes

    accepted = re.fullmatch(r"count -?[0-9]+", outcome) is not None
    assert accepted or "replica count" in outcome or "must be above 0" in outcome


@pytest.mark.parametrize(
    ("written", "now", "expected"),
    [("x1.1", 10, 11), ("x1.5", 3, 5), ("x2", 0, 0), (" +2 ", 1, 3), ("x0.5", 3, 2)],
)
def test_examples(written: str, now: int, expected: int) -> None:
    assert parse_replicas(written).apply(now) == expected


@pytest.mark.parametrize("written", ["x0", "x0.0", "1.5", "++1", "x", "six", "1e3", "1234567"])
def test_rejected(written: str) -> None:
    with pytest.raises(ValueError, match=r"replica count|factor"):
        parse_replicas(written)
