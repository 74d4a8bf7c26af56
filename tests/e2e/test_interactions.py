"""Buttons on the card and the modals, as Slack delivers them."""

from typing import Any

from tests.e2e.conftest import BOB, GENERAL, ONCALL, Bot, eventually


def open_view(bot: Bot, user: str, callback_id: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        views = bot.slack.state.open_views(user)
        return next((v for v in views if v.get("callback_id") == callback_id), None)

    return eventually(find, what=f"the {callback_id} modal")


def test_incident_with_no_text_opens_the_declare_modal_which_validates(bot: Bot) -> None:
    bot.driver.slash_command(text="", user_id=ONCALL, channel_id=GENERAL)
    view = open_view(bot, ONCALL, "declare_incident")
    refused = bot.driver.view_submission(ONCALL, view, {"title": {"value": "   "}})
    assert refused.json()["response_action"] == "errors"
    assert "a title is required" in refused.json()["errors"]["title"]
    assert bot.slack.state.calls("conversations.create") == []

    unknown = bot.driver.view_submission(
        ONCALL, view, {"title": {"value": "Payments failing"}, "service": {"value": "payments"}}
    )
    assert "`payments` is not a service" in unknown.json()["errors"]["service"]

    accepted = bot.driver.view_submission(
        ONCALL,
        view,
        {
            "title": {"value": "Payments failing in EU"},
            "severity": {"value": "SEV1"},
            "service": {"value": "Checkout-API"},
            "description": {"value": "Card payments return 502 since 09:05"},
        },
    )
    assert accepted.status_code == 200
    channel = bot.incident_channel("inc-1-payments-failing-in-eu")
    card = bot.card(channel.id).all_text
    assert "SEV1 (critical)" in card
    assert "checkout-api" in card
    assert "Card payments return 502 since 09:05" in card
    bot.said_to(ONCALL, "declared incident #1")


def test_resolve_button_resolves_for_a_channel_member(bot: Bot) -> None:
    channel = bot.declare()
    card = bot.card(channel.id)
    bot.driver.block_action(ONCALL, channel.id, card.ts, "incident_resolve", value="1")
    bot.posted(channel.id, "changed status investigating -> resolved")
    eventually(lambda: bot.buttons(channel.id) == ["Reopen"], what="the Reopen button")


def test_a_non_member_cannot_change_the_incident(bot: Bot) -> None:
    channel = bot.declare()
    card = bot.card(channel.id)
    bot.driver.block_action(BOB, channel.id, card.ts, "incident_mitigate", value="1")
    bot.said_to(BOB, "Only members of this incident channel can change the incident")
    assert not [m for m in bot.slack.state.messages(channel.id) if "-> mitigated" in m.all_text]


def test_post_update_button_opens_a_modal_that_posts(bot: Bot) -> None:
    channel = bot.declare()
    card = bot.card(channel.id)
    bot.driver.block_action(ONCALL, channel.id, card.ts, "incident_open_update", value="1")
    view = open_view(bot, ONCALL, "post_update")
    empty = bot.driver.view_submission(ONCALL, view, {"text": {"value": "   "}})
    assert empty.json()["errors"] == {"text": "Write what changed."}
    bot.driver.view_submission(ONCALL, view, {"text": {"value": "Failover done, watching"}})
    bot.posted(channel.id, "posted a status update: Failover done, watching")
