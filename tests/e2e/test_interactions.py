"""Buttons on the card and the modals, as Slack delivers them."""

from typing import Any

from bot.incidents.domain.events import UpdatePosted
from bot.incidents.domain.timeline import TimelineEvent
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


def test_a_burst_of_updates_leaves_the_card_showing_the_final_state(bot: Bot) -> None:
    """Updates sent faster than the card is refreshed: a refresh renders whatever is stored when
    it runs, so it may skip the updates in between (one refresh for several), but the card
    always ends showing the last update and the whole timeline's count."""
    channel = bot.declare()
    card = bot.card(channel.id)
    bot.driver.block_action(ONCALL, channel.id, card.ts, "incident_open_update", value="1")
    view = open_view(bot, ONCALL, "post_update")
    texts = [f"Burst update {i}: error rate down to {40 - i}%" for i in range(12)]
    for text in texts:
        answer = bot.driver.view_submission(ONCALL, view, {"text": {"value": text}})
        assert answer.status_code == 200

    def stored() -> list[TimelineEvent] | None:
        timeline = bot.app.incidents.view(channel.id).timeline
        posted = [e for e in timeline if isinstance(e.payload, UpdatePosted)]
        return timeline if len(posted) == len(texts) else None

    timeline = eventually(stored, what="every update stored")
    # Applied after their acks, on several threads: the last stored need not be the last sent.
    last = [e.payload for e in timeline if isinstance(e.payload, UpdatePosted)][-1]

    def final() -> str | None:
        shown = bot.card(channel.id).all_text
        return shown if f"{len(timeline)} timeline events" in shown else None

    shown = eventually(final, what="the card counting every event")
    assert "Last update" in shown
    assert last.text in shown
    assert [t for t in texts if t in shown] == [last.text]  # no earlier update shown as last
    refreshes = [c for c in bot.slack.state.calls("chat.update") if c.params["ts"] == card.ts]
    assert 1 <= len(refreshes) <= len(texts)
