"""Parsing at the edge: Slack's real request shapes become typed requests; anything else is a
``MalformedRequest`` that names what is wrong."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from bot.kernel.slack import payloads as p

FIXTURES = Path(__file__).parent / "fixtures"  # copies of ../shared/fixtures/slack
FORM = "application/x-www-form-urlencoded"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _interaction(payload: dict[str, object]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_a_slash_command_in_slacks_form() -> None:
    parsed = p.parse_request(FORM, _fixture("slash-command.form").strip())
    assert isinstance(parsed, p.SlashCommand)
    assert (parsed.command, parsed.text) == ("/incident", "declare Checkout latency high sev2")
    assert parsed.user_id == "U2147483697"
    assert parsed.channel_id == "C2147483705"


def test_a_command_whose_text_says_payload_is_still_a_command() -> None:
    body = urlencode(
        {
            "command": "/incident",
            "text": "declare Checkout payload errors sev2",
            "user_id": "U1",
            "channel_id": "C1",
            "trigger_id": "1.2.3",
            "response_url": "https://hooks.slack.com/commands/T1/2/3",
        }
    ).encode()
    parsed = p.parse_request(FORM, body)
    assert isinstance(parsed, p.SlashCommand)
    assert parsed.text == "declare Checkout payload errors sev2"


def test_a_button_click() -> None:
    raw = json.loads(_fixture("block-actions.json"))
    parsed = p.parse_request(FORM, _interaction(raw))
    assert isinstance(parsed, p.BlockActions)
    assert parsed.action.action_id == "incident_acknowledge"
    assert parsed.action.chosen == "1"
    assert parsed.channel_id == "C0INC1"
    assert parsed.user.id == "U2147483697"


def test_a_modal_submission_with_its_values() -> None:
    raw = json.loads(_fixture("view-submission.json"))
    parsed = p.parse_request(FORM, _interaction(raw))
    assert isinstance(parsed, p.ViewSubmission)
    assert parsed.view.values() == {
        "title": "Checkout latency high",
        "severity": "sev2",
        "service": "checkout",
        "description": "p99 above 2s since 14:02 UTC",
    }
    assert parsed.view.first_block() == "title"


def test_a_message_shortcut_and_an_event() -> None:
    shortcut = p.parse_request(FORM, _interaction(json.loads(_fixture("message-shortcut.json"))))
    assert isinstance(shortcut, p.MessageShortcut)
    assert shortcut.message.text.startswith("Rolled back deploy 1234")
    event = p.parse_request("application/json", _fixture("event-reaction-added.json"))
    assert isinstance(event, p.EventCallback)
    assert isinstance(event.event, p.ReactionAdded)
    assert (event.event_id, event.event.reaction) == ("Ev08MFMKH6", "pushpin")


ODD_VALUES = [None, True, 0, -1, 2**70, 1.5, "", "x", "é" * 300, [], [{}], {}, {"id": "U1"}]


def _damaged(value: object, rng: random.Random) -> object:
    """``value`` with some of its fields, at any depth, removed or given an odd value."""
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items() if rng.random() > 0.1}
        return {
            k: rng.choice(ODD_VALUES) if rng.random() < 0.1 else _damaged(v, rng)
            for k, v in kept.items()
        }
    if isinstance(value, list):
        return [_damaged(v, rng) for v in value]
    return value


INTERACTION = (FORM, p._INTERACTIONS, "the payload field")
EVENT = ("application/json", p._EVENTS, "the body")


@given(
    st.sampled_from(
        [
            ("block-actions.json", INTERACTION),
            ("view-submission.json", INTERACTION),
            ("message-shortcut.json", INTERACTION),
            ("event-reaction-added.json", EVENT),
        ]
    ),
    st.randoms(use_true_random=False),
)
def test_a_request_read_straight_into_its_model_reads_as_the_decoded_json_does(
    fixture: tuple[str, tuple[str, dict[str, type[BaseModel]], str]], rng: random.Random
) -> None:
    """JSON is read straight into the model its type names (in Rust); the request, or the error
    named, is the one of decoding the JSON first and then validating the object."""
    name, (content_type, models, what) = fixture
    text = json.dumps(_damaged(json.loads(_fixture(name)), rng))
    body = urlencode({"payload": text}).encode() if content_type == FORM else text.encode()
    assert _outcome(lambda: p.parse_request(content_type, body)) == _outcome(
        lambda: p._validate(models, p._json_object(text, what))
    )


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except p.MalformedRequest as error:
        return str(error)


@pytest.mark.parametrize(
    ("content_type", "body", "said"),
    [
        (FORM, b"text=hello", "expected a slash command"),
        (FORM, urlencode({"payload": "{not json"}).encode(), "not valid JSON"),
        (FORM, urlencode({"payload": "[1, 2]"}).encode(), "not a JSON object"),
        (FORM, _interaction({"type": "block_actions", "user": {"id": "U1"}}), "trigger_id"),
        (FORM, _interaction({"type": "dialog_submission"}), "unknown request type"),
        ("application/json", b'{"type": "event_callback"}', "event_id"),
        ("application/json", b"\xff\xfe", "not UTF-8"),
        ("application/json", b"[" * 100_000, "not valid JSON"),
        (FORM, urlencode({"command": "/incident", "user_id": "U1"}).encode(), "channel_id"),
        (FORM, b"command=%2Fincident" + b"&x=1" * 200, "more than 200 form fields"),
    ],
)
def test_what_is_not_a_slack_request_is_named(content_type: str, body: bytes, said: str) -> None:
    with pytest.raises(p.MalformedRequest, match=said):
        p.parse_request(content_type, body)


@pytest.mark.parametrize(
    "value", ["", "0", "-1", "1e3", "99999999999999999999", "١٢", "2147483648"]
)
def test_a_damaged_row_id_is_refused(value: str) -> None:
    with pytest.raises(p.BadMetadata):
        p.row_id(value)


def test_row_ids_in_range_are_read() -> None:
    assert p.row_id("2147483647") == 2**31 - 1
