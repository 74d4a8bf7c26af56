"""Block Kit rendered for the page: every block the bot uses, the hooks the script needs."""

from __future__ import annotations

import json
from typing import Any

from tests.sandbox.web_helpers import directory
from warroom_sandbox.seed import LEAD
from warroom_sandbox.web.blockkit import blocks_html


def render(blocks: list[dict[str, Any]], errors: dict[str, str] | None = None) -> str:
    return str(blocks_html(blocks, directory(), errors=errors))


def _text(text: str, kind: str = "plain_text") -> dict[str, Any]:
    return {"type": kind, "text": text}


def test_section_with_fields_and_a_button_accessory() -> None:
    html = render(
        [
            {
                "type": "section",
                "block_id": "s1",
                "text": _text("*Severity* SEV2", "mrkdwn"),
                "fields": [_text("*Lead*\n<@U0LEAD>", "mrkdwn"), _text("Status")],
                "accessory": {
                    "type": "button",
                    "action_id": "open",
                    "text": _text("Open"),
                    "value": "42",
                    "url": "https://example.com",
                },
            }
        ]
    )
    assert '<div class="bk bk-section" data-block-id="s1">' in html
    assert "<b>Severity</b> SEV2" in html
    assert '<div class="bk-fields">' in html
    assert "@Liam" in html
    assert 'data-action-id="open"' in html
    assert 'data-value="42"' in html
    assert 'data-url="https://example.com"' in html
    assert "bk-act" in html


def test_header_divider_context() -> None:
    html = render(
        [
            {"type": "header", "block_id": "h", "text": _text(":rotating_light: Incident #1")},
            {"type": "divider", "block_id": "d"},
            {
                "type": "context",
                "block_id": "c",
                "elements": [
                    _text("*Declared*", "mrkdwn"),
                    {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a"},
                ],
            },
        ]
    )
    assert '<div class="bk-header-text">🚨 Incident #1</div>' in html
    assert '<hr class="bk-divider">' in html
    assert "<b>Declared</b>" in html
    assert 'alt="a"' in html


def test_buttons_carry_style_and_the_confirm_dialog() -> None:
    html = render(
        [
            {
                "type": "actions",
                "block_id": "a",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "incident_resolve",
                        "text": _text("Resolve"),
                        "style": "primary",
                        "value": "1",
                        "confirm": {
                            "title": _text("Resolve the incident?"),
                            "text": _text("Timers *stop*.", "mrkdwn"),
                            "confirm": _text("Yes"),
                            "deny": _text("Cancel"),
                        },
                    }
                ],
            }
        ]
    )
    assert "bk-style-primary" in html
    start = html.index('data-confirm="') + len('data-confirm="')
    raw = html[start : html.index('"', start)]
    confirm = json.loads(raw.replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">"))
    assert confirm["title"] == "Resolve the incident?"
    assert confirm["html"] == "Timers <b>stop</b>."
    assert (confirm["confirm"], confirm["deny"]) == ("Yes", "Cancel")


def test_static_select_overflow_and_datepicker_in_a_message() -> None:
    options = [
        {"text": _text("SEV1 (critical)"), "value": "SEV1"},
        {"text": _text("SEV2 (major)"), "value": "SEV2"},
    ]
    html = render(
        [
            {
                "type": "actions",
                "block_id": "a",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": "sev",
                        "placeholder": _text("Severity"),
                        "options": options,
                        "initial_option": options[1],
                    },
                    {"type": "overflow", "action_id": "more", "options": options},
                    {"type": "datepicker", "action_id": "when", "initial_date": "2024-05-01"},
                ],
            }
        ]
    )
    assert '<option value="">Severity</option>' in html
    assert '<option value="SEV2" selected>SEV2 (major)</option>' in html
    assert 'class="bk-overflow-option" data-value="SEV1"' in html
    assert 'type="date"' in html
    assert 'value="2024-05-01"' in html
    assert html.count(' bk-act"') == 3


def test_option_groups_users_and_channels() -> None:
    html = render(
        [
            {
                "type": "actions",
                "block_id": "a",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": "g",
                        "option_groups": [
                            {
                                "label": _text("Team"),
                                "options": [{"text": _text("Ops"), "value": "ops"}],
                            }
                        ],
                    },
                    {"type": "users_select", "action_id": "u", "initial_user": LEAD},
                    {"type": "conversations_select", "action_id": "c"},
                ],
            }
        ]
    )
    assert '<optgroup label="Team"><option value="ops">Ops</option></optgroup>' in html
    assert f'<option value="{LEAD}" selected>Liam Lead</option>' in html
    assert '<option value="C0GENERAL">#general</option>' in html


def test_modal_inputs_are_fields_with_their_errors() -> None:
    html = render(
        [
            {
                "type": "input",
                "block_id": "title",
                "label": _text("Title"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": 150,
                    "placeholder": _text("Checkout latency high"),
                },
            },
            {
                "type": "input",
                "block_id": "description",
                "optional": True,
                "label": _text("What is happening?"),
                "hint": _text("Symptoms, not causes"),
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
            },
        ],
        errors={"title": "the title has no letters"},
    )
    assert 'class="bk-el bk-plain_text_input bk-field"' in html
    assert 'data-required="1"' in html
    assert 'maxlength="150"' in html
    assert '<div class="bk-error" role="alert">the title has no letters</div>' in html
    assert "<textarea" in html
    assert "(optional)" in html
    assert "Symptoms, not causes" in html
    assert "bk-act" not in html


def test_dispatching_inputs_also_act() -> None:
    html = render(
        [
            {
                "type": "input",
                "block_id": "q",
                "dispatch_action": True,
                "label": _text("Search"),
                "element": {"type": "plain_text_input", "action_id": "query"},
            }
        ]
    )
    assert "bk-field bk-act" in html


def test_checkboxes_radio_number_time() -> None:
    choices = [{"text": _text("A"), "value": "a"}, {"text": _text("B"), "value": "b"}]
    html = render(
        [
            {
                "type": "input",
                "block_id": "c",
                "label": _text("Checks"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "x",
                    "options": choices,
                    "initial_options": [choices[1]],
                },
            },
            {
                "type": "input",
                "block_id": "r",
                "label": _text("Radio"),
                "element": {"type": "radio_buttons", "action_id": "y", "options": choices},
            },
            {
                "type": "input",
                "block_id": "n",
                "label": _text("Number"),
                "element": {"type": "number_input", "action_id": "z", "is_decimal_allowed": False},
            },
            {
                "type": "input",
                "block_id": "t",
                "label": _text("Time"),
                "element": {"type": "timepicker", "action_id": "w", "initial_time": "09:30"},
            },
        ]
    )
    assert 'type="checkbox" name="c.x" value="b" checked' in html
    assert 'type="radio" name="r.y" value="a"' in html
    assert 'type="number"' in html
    assert 'type="time"' in html
    assert 'value="09:30"' in html


def test_rich_text() -> None:
    html = render(
        [
            {
                "type": "rich_text",
                "block_id": "rt",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "hi ", "style": {"bold": True}},
                            {"type": "user", "user_id": LEAD},
                            {"type": "emoji", "name": "fire"},
                        ],
                    },
                    {
                        "type": "rich_text_list",
                        "style": "ordered",
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [{"type": "text", "text": "one"}],
                            }
                        ],
                    },
                ],
            }
        ]
    )
    assert "<b>hi </b>" in html
    assert "@Liam" in html
    assert "🔥" in html
    assert "<ol><li>one</li></ol>" in html


def test_unsupported_blocks_and_elements_are_visible_not_dropped() -> None:
    html = render(
        [
            {"type": "video", "block_id": "v"},
            {
                "type": "actions",
                "block_id": "a",
                "elements": [{"type": "workflow_button", "action_id": "w"}],
            },
        ]
    )
    assert "Unsupported block: video" in html
    assert "Unsupported element: workflow_button" in html


def test_text_from_the_bot_cannot_inject_markup_anywhere() -> None:
    evil = '"><script>alert(1)</script>'
    html = render(
        [
            {"type": "header", "block_id": evil, "text": _text(evil)},
            {
                "type": "actions",
                "block_id": "a",
                "elements": [
                    {"type": "button", "action_id": evil, "text": _text(evil), "value": evil}
                ],
            },
        ]
    )
    assert "<script>" not in html
