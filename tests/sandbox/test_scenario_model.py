"""The scenario format: what parses, and errors that point at the line to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kernel.yamlsource import SourceErrors
from warroom_sandbox.model import Message, User
from warroom_sandbox.scenario.find import (
    choosable,
    clickable,
    find_user,
    modal_values,
    readable,
    visible_text,
)
from warroom_sandbox.scenario.model import load_scenario, parse_scenario
from warroom_sandbox.seed import seed_channels, seed_users

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "checkout-outage.yaml"


def test_the_shipped_example_parses() -> None:
    scenario = load_scenario(EXAMPLE)
    assert scenario.name == "Checkout outage"
    assert scenario.steps[0].user == "olivia"
    assert scenario.steps[0].action == "say"
    assert scenario.steps[0].line > 1
    assert {step.action for step in scenario.steps} >= {
        "command",
        "click",
        "submit",
        "react",
        "wait_for",
        "wait_for_channel",
        "wait_for_reaction",
    }


def test_a_bare_list_is_a_scenario() -> None:
    scenario = parse_scenario("- command: /incident help\n- pause: 1\n", "s.yaml")
    assert [s.action for s in scenario.steps] == ["command", "pause"]
    assert [s.line for s in scenario.steps] == [1, 2]


def test_errors_name_the_file_line_and_field() -> None:
    text = "name: x\nsteps:\n  - say: hi\n  - command: incident declare\n  - click: A\n    say: B\n"
    with pytest.raises(SourceErrors) as caught:
        parse_scenario(text, "game.yaml")
    message = str(caught.value)
    assert "game.yaml:4: steps[1].command" in message
    assert "starts with /" in message
    assert "game.yaml:5: steps[2]" in message
    assert "exactly one of" in message


def test_unknown_keys_and_bad_yaml_are_reported() -> None:
    with pytest.raises(SourceErrors, match=r"s.yaml:1: steps\[0\].shout"):
        parse_scenario("- shout: hi\n", "s.yaml")
    with pytest.raises(SourceErrors, match="invalid YAML"):
        parse_scenario("steps: [\n", "s.yaml")
    with pytest.raises(SourceErrors, match="at least 1"):
        parse_scenario("steps: []\n", "s.yaml")


def test_describe() -> None:
    scenario = parse_scenario(
        "- click: Resolve\n"
        "- fail: {method: chat.update, error: ratelimited}\n"
        "- close_modal: true\n",
        "s.yaml",
    )
    assert [s.describe() for s in scenario.steps] == [
        "click Resolve",
        "fail {'method': 'chat.update', 'times': 1, 'error': 'ratelimited'}",
        "close modal",
    ]


# --- finding things ---------------------------------------------------------------------------


def _button(text: str, action_id: str, confirm: bool = False) -> dict[str, object]:
    button: dict[str, object] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
    }
    if confirm:
        button["confirm"] = {"title": {"type": "plain_text", "text": f"{text} the incident?"}}
    return button


BLOCKS = [
    {
        "type": "actions",
        "block_id": "a",
        "elements": [
            _button("Mitigate", "incident_mitigate", confirm=True),
            {
                "type": "overflow",
                "action_id": "more",
                "options": [
                    {"text": {"type": "plain_text", "text": "Page :pager: SRE"}, "value": "page"}
                ],
            },
            {
                "type": "static_select",
                "action_id": "sev",
                "placeholder": {"type": "plain_text", "text": "Severity"},
                "options": [
                    {"text": {"type": "plain_text", "text": "SEV1 (critical)"}, "value": "SEV1"}
                ],
            },
        ],
    }
]


def test_buttons_are_found_by_label_or_action_id() -> None:
    assert clickable(BLOCKS, "mitigate") == ("a", "incident_mitigate", None)
    assert clickable(BLOCKS, "incident_mitigate") == ("a", "incident_mitigate", None)
    assert clickable(BLOCKS, "page 📟 sre") == ("a", "more", "page")
    assert clickable(BLOCKS, "Resolve") is None


def test_options_are_found_by_text_or_value() -> None:
    assert choosable(BLOCKS, "SEV1 (critical)", None) == ("a", "sev", "SEV1")
    assert choosable(BLOCKS, "SEV1", "Severity") == ("a", "sev", "SEV1")
    assert choosable(BLOCKS, "SEV1", "other") is None


def test_confirm_dialogs_are_not_visible_text() -> None:
    assert "Mitigate the incident?" not in visible_text(BLOCKS)
    assert "Mitigate" in visible_text(BLOCKS)


def test_people_by_handle_first_name_or_id() -> None:
    users: list[User] = seed_users(0)
    assert find_user(users, "@liam") is not None
    assert find_user(users, "Olivia") is not None
    assert find_user(users, "U0MGR") is not None
    assert find_user(users, "nobody") is None


def test_readable_text() -> None:
    users = {u.id: u for u in seed_users(0)}
    channels = {c.id: c for c in seed_channels()}
    message = Message(
        channel="C0GENERAL",
        ts="1.000001",
        text="<@U0LEAD> see <#C0GENERAL> &amp; <https://x.example|docs>",
        user="U0BOT",
    )
    assert readable(message.text, users, channels) == "@Liam see #general & docs"


def test_modal_fields_by_label_block_id_or_action_id() -> None:
    view = {
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "severity",
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [
                        {"text": {"type": "plain_text", "text": "SEV1 (critical)"}, "value": "SEV1"}
                    ],
                },
            },
        ]
    }
    assert modal_values(view, {"title": "Checkout down", "Severity": "SEV1 (critical)"}) == {
        "title": {"value": "Checkout down"},
        "severity": {"value": "SEV1"},
    }
    with pytest.raises(LookupError, match="no field 'Owner'"):
        modal_values(view, {"Owner": "x"})
    with pytest.raises(LookupError, match="no option 'SEV9'"):
        modal_values(view, {"severity": "SEV9"})
