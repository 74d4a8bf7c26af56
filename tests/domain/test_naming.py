import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.incidents.domain.naming import MAX_CHANNEL_NAME, channel_name

SLACK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def test_channel_name_is_number_and_slug() -> None:
    assert channel_name(1, "Checkout latency high") == "inc-1-checkout-latency-high"


def test_accents_and_punctuation_fold_to_slack_rules() -> None:
    assert channel_name(12, "Café API: 500s (EU) !!") == "inc-12-cafe-api-500s-eu"


def test_collisions_get_a_suffix() -> None:
    assert channel_name(3, "DB down", attempt=1) == "inc-3-db-down-2"


@pytest.mark.parametrize("title", ["🔥🔥🔥", "支払いが失敗", "!!! ???"])
def test_a_title_with_nothing_latin_names_the_channel_by_number(title: str) -> None:
    assert channel_name(7, title) == "inc-7"
    assert channel_name(7, title, attempt=1) == "inc-7-2"


def test_letters_without_an_accent_form_are_spelled_out() -> None:
    assert channel_name(5, "Größe Øl Straße") == "inc-5-grosse-ol-strasse"
    assert channel_name(5, "Café latency") == "inc-5-cafe-latency"


def test_a_2000_character_title_fits_in_80() -> None:
    name = channel_name(123456, "word " * 400, attempt=9)
    assert len(name) <= MAX_CHANNEL_NAME
    assert name.endswith("-10")
    assert not name.endswith("--10")


@given(
    st.integers(min_value=1, max_value=10**9),
    st.text(min_size=1, max_size=2000),
    st.integers(min_value=0, max_value=99),
)
def test_every_name_obeys_slack_rules(number: int, title: str, attempt: int) -> None:
    name = channel_name(number, title, attempt)
    assert len(name) <= MAX_CHANNEL_NAME
    assert SLACK_NAME.match(name)
    assert "--" not in name
