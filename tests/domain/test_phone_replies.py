"""What a text back to a page means, and the codes pages carry."""

from __future__ import annotations

import pytest

from bot.paging.domain.replies import ParsedReply, parse_reply, reply_code


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("ACK 4821", ParsedReply(True, "4821")),
        ("ack #4821.", ParsedReply(True, "4821")),
        ("4821", ParsedReply(True, "4821")),
        ("1", ParsedReply(True)),
        (" Yes ", ParsedReply(True)),
        ("acknowledge", ParsedReply(True)),
        ("ACK 4821 4822", ParsedReply(False)),
        ("on my way 4821", ParsedReply(False)),
        ("STOP", ParsedReply(False)),
        ("", ParsedReply(False)),
        ("12", ParsedReply(False)),
    ],
)
def test_replies(text: str, parsed: ParsedReply) -> None:
    assert parse_reply(text) == parsed


def test_codes_are_four_digits_stable_and_keyed() -> None:
    code = reply_code("token", 12, "U0ONCALL")
    assert len(code) == 4
    assert code.isdigit()
    assert code == reply_code("token", 12, "U0ONCALL")
    others = {reply_code("token", page, "U0ONCALL") for page in range(1, 200)}
    assert len(others) > 150  # spread out, not one value
    assert {reply_code("other", page, "U0ONCALL") for page in range(1, 20)} != {
        reply_code("token", page, "U0ONCALL") for page in range(1, 20)
    }
