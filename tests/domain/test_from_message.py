"""What the declare form is pre-filled with from a Slack message."""

from bot.incidents.domain.from_message import MAX_DESCRIPTION, is_ts, prefill, readable
from bot.incidents.domain.incident import MAX_TITLE


def test_the_title_is_the_first_line_that_says_something() -> None:
    filled = prefill("\n   \n  Checkout   is down  \nsince 09:10")
    assert filled.title == "Checkout is down"
    assert filled.description == "Checkout   is down  \nsince 09:10"


def test_slack_markup_reads_as_people_see_it() -> None:
    text = (
        "a &lt;b&gt; &amp; <https://x.example/d|the dashboard> <https://y.example> "
        "<#C1|ops> <!here> <@U1>"
    )
    assert readable(text) == "a <b> & the dashboard https://y.example #ops @here <@U1>"


def test_long_texts_are_cut_to_slacks_limits() -> None:
    filled = prefill("t" * (MAX_TITLE + 5) + "\n" + "d" * MAX_DESCRIPTION)
    assert len(filled.title) == MAX_TITLE
    assert filled.title.endswith("…")
    assert len(filled.description) == MAX_DESCRIPTION
    assert filled.description.endswith("…")


def test_an_empty_message_prefills_nothing() -> None:
    assert prefill("") == prefill("   \n ")
    assert prefill("").title == ""
    assert prefill("").description == ""


def test_only_slack_timestamps_are_timestamps() -> None:
    assert is_ts("1700000090.000300")
    assert not is_ts(None)
    assert not is_ts("1700000090")
    assert not is_ts("p1700000090000300")
