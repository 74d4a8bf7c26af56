"""The /oncall grammar: what each text becomes, and what a mistake is told."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.oncall.domain.command import (
    USAGE_AT,
    USAGE_COVER,
    USAGE_OVERRIDE,
    USAGE_OVERRIDES,
    USAGE_SHOW,
    CancelOverride,
    ListOverrides,
    MakeCover,
    MakeOverride,
    OnCallCommandError,
    OnCallHelp,
    ShowMyShifts,
    ShowOnCall,
    ShowOnCallAt,
    parse_oncall,
)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", ShowOnCall(None)),
        ("   ", ShowOnCall(None)),
        ("payments-primary", ShowOnCall("payments-primary")),
        ("checkout_api", ShowOnCall("checkout_api")),
        ("help", OnCallHelp()),
        ("HELP", OnCallHelp()),
        ("me", ShowMyShifts()),
        ("override list", ListOverrides(None)),
        ("override list primary", ListOverrides("primary")),
        ("override cancel 12", CancelOverride(12)),
        ("override cancel #12", CancelOverride(12)),
        ("ME", ShowMyShifts()),
        ("at friday 22:00", ShowOnCallAt("friday 22:00", None)),
        ("at 2026-11-24 09:00 checkout-api", ShowOnCallAt("2026-11-24 09:00", "checkout-api")),
        ("at 2026-11-20T03:00+01:00 primary", ShowOnCallAt("2026-11-20T03:00+01:00", "primary")),
        (
            "override <@U0MGR|maya> now +4h",
            MakeOverride("U0MGR", "now", "+4h", None),
        ),
        (
            "override <@U0MGR> tomorrow 09:00 tomorrow 18:00 primary",
            MakeOverride("U0MGR", "tomorrow 09:00", "tomorrow 18:00", "primary"),
        ),
        (
            "override <@U0MGR|maya> mon 09:00 to fri 18:00 primary",
            MakeOverride("U0MGR", "mon 09:00", "fri 18:00", "primary"),
        ),
        (
            "override U0BOB42 2026-11-24 09:00 until 2026-11-24T18:00+01:00",
            MakeOverride("U0BOB42", "2026-11-24 09:00", "2026-11-24T18:00+01:00", None),
        ),
        (  # a bare date then a time: one date-time, unless that leaves no end
            "override <@U0MGR> 2026-11-24 18:00",
            MakeOverride("U0MGR", "2026-11-24", "18:00", None),
        ),
        (
            "override <@U0MGR> 2026-11-24 09:00 2026-11-24 18:00",
            MakeOverride("U0MGR", "2026-11-24 09:00", "2026-11-24 18:00", None),
        ),
        (
            "override bob@example.com 18:00 +12h primary",
            MakeOverride("bob@example.com", "18:00", "+12h", "primary"),
        ),
        ("cover now +4h", MakeCover("now", "+4h", ())),
        (
            "cover tomorrow 18:00 to tomorrow 22:00 primary school run",
            MakeCover("tomorrow 18:00", "tomorrow 22:00", ("primary", "school", "run")),
        ),
    ],
)
def test_commands(text: str, command: object) -> None:
    assert parse_oncall(text) == command


@pytest.mark.parametrize(
    ("text", "fragment", "usage"),
    [
        ("two words", "is not a schedule or service name", USAGE_SHOW),
        ("<#C123>", "is not a schedule or service name", USAGE_SHOW),
        ("at", "at what time? found nothing", USAGE_AT),
        ("at soon", "at what time? found 'soon'", USAGE_AT),
        ("at now two words", "only a schedule or service name may follow", USAGE_AT),
        ("override cancel", "cancel which override? give its number", USAGE_OVERRIDES),
        ("override cancel maya", "cancel which override? give its number", USAGE_OVERRIDES),
        ("override list a b", "list takes at most a schedule name", USAGE_OVERRIDES),
        ("override", "say who takes over", USAGE_OVERRIDE),
        ("override @maya now +4h", "pick them from Slack's @-autocomplete", USAGE_OVERRIDE),
        ("override <@U0MGR|maya>", "from when? found nothing", USAGE_OVERRIDE),
        ("override <@U0MGR|maya> soon +4h", "from when? found 'soon'", USAGE_OVERRIDE),
        ("override <@U0MGR|maya> now", "until when? found nothing", USAGE_OVERRIDE),
        ("override <@U0MGR|maya> now 4h", "until when? found '4h'", USAGE_OVERRIDE),
        ("override <@U0MGR|maya> now +4h a b", "only a schedule name may follow", USAGE_OVERRIDE),
        ("cover", "say from when and until when you need cover", USAGE_COVER),
        ("cover soon +4h", "from when? found 'soon'", USAGE_COVER),
        ("cover now dentist", "until when? found 'dentist'", USAGE_COVER),
    ],
)
def test_mistakes_say_what_was_wrong_and_the_usage(text: str, fragment: str, usage: str) -> None:
    with pytest.raises(OnCallCommandError) as error:
        parse_oncall(text)
    assert fragment in error.value.message
    assert error.value.usage == usage


PHRASES = st.sampled_from(
    ["now", "+4h", "+1d2h", "18:00", "today 18:00", "tomorrow 09:00", "mon 09:00",
     "friday 17:30", "2026-11-24", "2026-11-24 09:00", "2026-11-24T09:00+01:00"]
)  # fmt: skip


@given(PHRASES, PHRASES, st.sampled_from([None, "primary", "checkout-api"]), st.booleans())
def test_any_two_times_split_back_into_the_same_phrases(
    start: str, end: str, schedule: str | None, separated: bool
) -> None:
    text = f"override <@U0MGR|maya> {start} {'to ' if separated else ''}{end} {schedule or ''}"
    assert parse_oncall(text) == MakeOverride("U0MGR", start, end, schedule)
