"""The post-mortem review end to end over HTTP: the whole app on loopback with the fake Slack,
signed slash commands, button clicks and modal submissions as Slack sends them, the export folder
on disk and a local webhook receiver that verifies signatures."""

from __future__ import annotations

import hashlib
import hmac
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from bot.composition import build
from bot.postmortems.feature import MisconfiguredWebhook
from bot.postmortems.slack import blocks as pm
from bot.postmortems.web.links import derived_secret
from tests.e2e.conftest import (
    CONFIG_DIR,
    LEAD,
    MANAGER,
    ONCALL,
    Bot,
    bot,
    config_dir,
    e2e_settings,
    eventually,
    fake_slack_server,
    slack,
)
from tests.e2e.test_interactions import open_view
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.model import Channel, Message
from warroom_sandbox.providers.webhook import FakeWebhookReceiver

__all__ = ["bot", "config_dir", "fake_slack_server", "slack"]  # the e2e fixtures, used here

SHIPPED = Path(__file__).parents[2] / "postmortems"
HOOK_SECRET = "e2e-postmortem-hook-secret"


@pytest.fixture
def receiver() -> Iterator[FakeWebhookReceiver]:
    with FakeWebhookReceiver(HOOK_SECRET) as hook:
        yield hook


UNGATED = "required_sections: {default: [], short: []}\n"


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A copy of the shipped post-mortem folder, which a test may break after startup. No
    section is required here: these tests are about the review flow; test_e2e_gates has the
    shipped gates."""
    folder = tmp_path / "postmortems"
    shutil.copytree(SHIPPED, folder)
    (folder / "config.yaml").write_text(UNGATED, encoding="utf-8")
    return folder


@pytest.fixture
def extra_settings(
    tmp_path: Path, receiver: FakeWebhookReceiver, templates: Path
) -> dict[str, Any]:
    return {
        "postmortem_templates_dir": templates,
        "postmortem_export_dir": tmp_path / "published",
        "postmortem_webhook_url": receiver.url_for("/postmortems"),
        "postmortem_webhook_secret": SecretStr(HOOK_SECRET),
    }


def incident(bot: Bot, second: str = LEAD) -> Channel:
    """A resolved-soon incident with a note, and ``second`` invited as the scribe."""
    channel = bot.declare("Checkout latency high sev2")
    bot.command(channel, "note Rolled back deploy 42")
    bot.posted(channel.id, "noted: Rolled back deploy 42")
    bot.command(channel, f"role scribe <@{second}>")
    eventually(
        lambda: second in bot.slack.state.channel(channel.id).members, what=f"{second} invited"
    )
    return channel


def summary(bot: Bot, channel_id: str, fragment: str = "") -> Message:
    """The summary message, once it says ``fragment``."""

    def find() -> Message | None:
        for message in bot.slack.state.messages(channel_id):
            if "Post-mortem: incident #" in message.all_text and fragment in message.all_text:
                return message
        return None

    return eventually(find, what=f"the post-mortem summary saying {fragment!r}")


def summaries(bot: Bot, channel_id: str) -> list[Message]:
    return [
        m for m in bot.slack.state.messages(channel_id) if "Post-mortem: incident #" in m.all_text
    ]


def buttons(message: Message) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }


def draft(bot: Bot, channel: Channel, user: str = ONCALL) -> Message:
    bot.command(channel, "postmortem", user=user)
    return summary(bot, channel.id)


def edit(bot: Bot, channel: Channel, user: str, section: str, change: Any) -> httpx.Response:
    """Open the editor from the summary, pick ``section``, and submit ``change(old text)``."""
    message = summary(bot, channel.id)
    bot.driver.block_action(user, channel.id, message.ts, pm.ACTION_EDIT, value="1")
    view = open_view(bot, user, pm.EDIT_CALLBACK)
    bot.driver.block_action(user, None, None, pm.ACTION_PICK_SECTION, value=section, view=view)
    picked = eventually(
        lambda: next(
            (v for v in bot.slack.state.open_views(user) if _body_block(v, section)), None
        ),
        what=f"the editor showing {section}",
    )
    block = _body_block(picked, section)
    assert block is not None
    old = block["element"].get("initial_value", "")
    return bot.driver.view_submission(user, picked, {block["block_id"]: {"value": change(old)}})


def _body_block(view: dict[str, Any], section: str) -> dict[str, Any] | None:
    prefix = f"{pm.BODY_BLOCK}:{section}:"
    return next((b for b in view["blocks"] if b.get("block_id", "").startswith(prefix)), None)


def page_url(bot: Bot, message: Message) -> str:
    """The "Open draft" link, pointed at this test's server (the path and query are signed)."""
    link = urlsplit(buttons(message)[pm.ACTION_OPEN]["url"])
    return f"{bot.url}{link.path}?{link.query}"


def test_resolve_offer_draft_edit_review_approve_publish(
    bot: Bot, receiver: FakeWebhookReceiver, tmp_path: Path
) -> None:
    channel = incident(bot)
    bot.command(channel, "mitigate")
    bot.posted(channel.id, "-> mitigated")
    bot.command(channel, "resolve")
    offer = bot.posted(channel.id, "Draft the blameless post-mortem")
    assert [
        m for m in bot.slack.state.messages(channel.id) if "is resolved. Draft" in m.all_text
    ] == [offer]

    bot.driver.block_action(ONCALL, channel.id, offer.ts, pm.ACTION_DRAFT, value="1")
    message = summary(bot, channel.id, "drafted from the timeline")
    assert list(buttons(message)) == [
        pm.ACTION_OPEN,
        pm.ACTION_EDIT,
        pm.ACTION_REQUEST_CHANGES,
        pm.ACTION_APPROVE,
    ]
    assert [b["text"]["text"] for b in buttons(message).values()] == [
        "Open draft",
        "Edit section",
        "Request changes",
        "Approve",
    ]
    assert "In review" in message.all_text
    assert "0 of 1" in message.all_text
    bot.said_to(ONCALL, "Drafted version 1 of the post-mortem")

    saved = edit(
        bot, channel, ONCALL, "summary", lambda old: "Checkout p99 rose to 4 s for 12 min."
    )
    assert saved.status_code == 200
    bot.said_to(ONCALL, "Saved *Summary* as version 2")
    message = summary(bot, channel.id, f"2: edited Summary by <@{ONCALL}>")
    assert len(summaries(bot, channel.id)) == 1  # updated in place, never re-posted

    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_REQUEST_CHANGES, value="1")
    note_view = open_view(bot, LEAD, pm.CHANGES_CALLBACK)
    empty = bot.driver.view_submission(LEAD, note_view, {pm.NOTE_BLOCK: {"value": " "}})
    assert "the note is empty" in empty.json()["errors"][pm.NOTE_BLOCK]
    bot.driver.view_submission(LEAD, note_view, {pm.NOTE_BLOCK: {"value": "Add the error rate"}})
    message = summary(bot, channel.id, f"Changes requested* by <@{LEAD}>: Add the error rate")

    bot.driver.block_action(ONCALL, channel.id, message.ts, pm.ACTION_APPROVE, value="2")
    bot.said_to(ONCALL, "You cannot approve a version you wrote")

    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_APPROVE, value="2")
    bot.said_to(LEAD, "You approved version 2")
    summary(bot, channel.id, "Published")
    exported = tmp_path / "published" / "inc-1-checkout-latency-high.md"
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("# Post-mortem: Checkout latency high (incident #1)")
    assert "## Summary\n\nCheckout p99 rose to 4 s for 12 min.\n" in text
    assert "Rolled back deploy 42" in text
    delivery = eventually(lambda: receiver.deliveries(), what="the webhook delivery")[0]
    assert (delivery.path, delivery.event) == ("/postmortems", "postmortem.published")
    assert delivery.idempotency_key == "incident:1:postmortem:v2:publish"
    assert delivery.body["postmortem"]["markdown"] == text
    assert delivery.body["postmortem"]["approved_by"] == [LEAD]
    assert delivery.body["postmortem"]["file"] == "inc-1-checkout-latency-high.md"
    assert delivery.body["incident"]["number"] == 1
    timeline = bot.app.incidents.view(channel.id).timeline
    reviewed = [e.data for e in timeline if e.kind.value == "postmortem_reviewed"]
    assert reviewed == [
        {"version": 2, "verdict": "requested changes on", "note": "Add the error rate"},
        {"version": 2, "verdict": "approved", "note": ""},
    ]


def test_a_failing_webhook_is_retried_then_reported_and_approve_retries_it(
    bot: Bot, receiver: FakeWebhookReceiver, tmp_path: Path
) -> None:
    channel = incident(bot)
    message = draft(bot, channel)
    receiver.fail(times=1, status=503, retry_after=0)  # retried with backoff
    receiver.fail(times=1, status=400)  # refused: not retried, reported
    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_APPROVE, value="1")
    failed = bot.posted(channel.id, "Could not publish version 1 of the post-mortem to the webhook")
    assert "HTTP 400" in failed.all_text
    assert "click *Approve* on the summary again" in failed.all_text
    message = summary(bot, channel.id, ":x: Could not publish version 1 to the webhook")
    assert "Approved" in message.all_text
    assert (tmp_path / "published" / "inc-1-checkout-latency-high.md").exists()
    assert receiver.deliveries() == []

    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_APPROVE, value="1")
    bot.said_to(LEAD, "publishing it again where it failed")
    eventually(lambda: receiver.deliveries(), what="the webhook delivery")
    summary(bot, channel.id, "Published")
    assert len(receiver.deliveries()) == 1


def test_an_edit_after_approval_resets_it_and_says_so(bot: Bot) -> None:
    channel = incident(bot)
    message = draft(bot, channel)
    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_APPROVE, value="1")
    summary(bot, channel.id, "Published")
    edit(bot, channel, ONCALL, "trigger", lambda old: "Deploy 42 enabled a slow query.")
    bot.said_to(ONCALL, "an edit resets them, so version 2 needs approving again")
    message = summary(bot, channel.id, "2: edited Trigger")
    assert "In review" in message.all_text
    assert "0 of 1" in message.all_text


def test_a_deleted_summary_is_posted_again_on_the_next_change(bot: Bot) -> None:
    channel = incident(bot)
    message = draft(bot, channel)
    bot.slack.state.delete_message(channel.id, message.ts, message.user or "")
    assert summaries(bot, channel.id) == []
    bot.command(channel, "note Cache warmed")
    bot.posted(channel.id, "noted: Cache warmed")
    bot.command(channel, "postmortem")
    reposted = summary(bot, channel.id, "2: re-drafted from the timeline")
    assert reposted.ts != message.ts
    assert len(summaries(bot, channel.id)) == 1


def test_a_webhook_url_without_its_secret_stops_the_bot_at_startup(
    slack: FakeSlackServer, database_url: str
) -> None:
    settings = e2e_settings(
        slack, database_url, CONFIG_DIR, postmortem_webhook_url="http://127.0.0.1:9/hook"
    )
    with pytest.raises(MisconfiguredWebhook, match="POSTMORTEM_WEBHOOK_SECRET is not"):
        build(settings, migrate=False)


def test_mitigating_offers_nothing(bot: Bot) -> None:
    channel = bot.declare("Search is slow sev3")
    bot.command(channel, "mitigate")
    bot.posted(channel.id, "-> mitigated")
    bot.command(channel, "note watching")
    bot.posted(channel.id, "noted: watching")
    assert not [m for m in bot.slack.state.messages(channel.id) if "Draft the" in m.all_text]


def test_redraft_keeps_the_human_edit_and_shows_a_conflict(bot: Bot) -> None:
    channel = incident(bot)
    draft(bot, channel)
    edit(bot, channel, LEAD, "summary", lambda old: "Checkout was slow for 12 minutes.")
    summary(bot, channel.id, "edited Summary")

    def annotate_last_row(old: str) -> str:
        last = [line for line in old.splitlines() if line.startswith("| 20")][-1]
        return old.replace(last, last.replace("| ", "| (checked) ", 1))

    edit(bot, channel, LEAD, "timeline", annotate_last_row)
    summary(bot, channel.id, "edited Timeline")
    bot.command(channel, "note Cache warmed, latency normal")
    bot.posted(channel.id, "noted: Cache warmed")
    bot.command(channel, "postmortem")
    bot.said_to(ONCALL, "Every reviewed edit is kept")
    message = summary(bot, channel.id, "Re-draft conflicts* in *Timeline*")
    page = httpx.get(page_url(bot, message))
    assert page.status_code == 200
    assert "Checkout was slow for 12 minutes." in page.text
    assert "Cache warmed, latency normal" in page.text
    assert "Re-draft conflicts" in page.text
    assert "(checked)" in page.text
    bot.driver.block_action(MANAGER, channel.id, message.ts, pm.ACTION_APPROVE, value="5")
    bot.said_to(MANAGER, "Only members of this incident channel")


def test_a_stale_edit_is_refused_and_the_text_comes_back(bot: Bot) -> None:
    channel = incident(bot)
    message = draft(bot, channel)
    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_EDIT, value="1")
    lead_view = open_view(bot, LEAD, pm.EDIT_CALLBACK)  # Liam opens version 1 ...
    edit(
        bot, channel, ONCALL, "title", lambda old: old + "\n- **Customer:** none"
    )  # ... Olivia saves
    summary(bot, channel.id, "edited the title and metadata")
    block = next(b for b in lead_view["blocks"] if b.get("block_id", "").startswith("body:title:1"))
    typed = "# Post-mortem: Checkout slow\n\nLiam's long rewrite of the header."
    refused = bot.driver.view_submission(LEAD, lead_view, {block["block_id"]: {"value": typed}})
    answer = refused.json()
    assert answer["response_action"] == "update"
    texts = str(answer["view"]["blocks"])
    assert "was changed by <@U0ONCALL> (now version 2) after you opened version 1" in texts
    assert "**Customer:** none" in texts  # the current text, to merge with
    again = _body_block(answer["view"], "title")
    assert again is not None
    assert again["block_id"] == "body:title:2"
    assert again["element"]["initial_value"] == typed  # nothing typed is lost
    assert len(summaries(bot, channel.id)) == 1
    assert "edited the title and metadata" in summary(bot, channel.id).all_text


def test_emptying_a_required_section_is_refused_in_the_modal(bot: Bot) -> None:
    channel = incident(bot)
    draft(bot, channel)
    refused = edit(bot, channel, ONCALL, "impact", lambda old: "")
    errors = refused.json()["errors"]
    assert list(errors.values()) == [
        "*Impact* is a required section and cannot be empty: a post-mortem without it says "
        'nothing. Write at least one sentence (for example "No customer impact.") and save again.'
    ]
    assert "Version*\n1:" in summary(bot, channel.id).all_text


def test_a_template_error_is_reported_in_the_channel_and_nothing_is_stored(
    bot: Bot, templates: Path
) -> None:
    channel = incident(bot)
    (templates / "default.md.j2").write_text("# {{ title }\n", encoding="utf-8")
    bot.command(channel, "postmortem")
    failed = bot.said_to(ONCALL, "Could not draft the post-mortem")
    assert "default.md.j2:1 has a syntax error" in failed
    assert "Nothing was saved" in failed
    assert summaries(bot, channel.id) == []


def test_the_review_page_needs_a_signed_unexpired_link(bot: Bot) -> None:
    channel = incident(bot)
    message = draft(bot, channel)
    url = page_url(bot, message)
    ok = httpx.get(url)
    assert ok.status_code == 200
    assert ok.headers["referrer-policy"] == "no-referrer"
    assert "<h1>Post-mortem: Checkout latency high (incident #1)</h1>" in ok.text
    unsigned = httpx.get(f"{bot.url}/postmortems/1")
    assert unsigned.status_code == 403
    assert "needs a signed link" in unsigned.text
    forged = httpx.get(url.replace("postmortems/1?", "postmortems/2?"))
    assert forged.status_code == 403
    tampered = httpx.get(url.replace("expires=", "expires=9"))
    assert tampered.status_code == 403
    bot.clock.advance(timedelta(hours=bot.app.settings.postmortem_link_hours, minutes=1))
    expired = httpx.get(url)
    assert expired.status_code == 403
    assert "ask for a new link with /incident postmortem" in expired.text.lower()


def signed_path(bot: Bot, incident: str, expires: str | None = None) -> str:
    """``/postmortems/<incident>`` signed as the bot signs links, for any text of ``incident``."""
    expires = expires or str(int((bot.clock() + timedelta(hours=1)).timestamp()))
    key = derived_secret(bot.app.settings.slack_signing_secret.get_secret_value())  # type: ignore[union-attr]
    sig = hmac.new(key, f"postmortem:{incident}:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{bot.url}/postmortems/{incident}?{urlencode({'expires': expires, 'sig': sig})}"


@pytest.mark.parametrize(
    ("path", "query", "status", "says"),
    [
        ("99999999999999999", "", 404, "There is no incident '99999999999999999'"),
        (str(2**31), "", 404, "There is no incident '2147483648'"),
        ("9" * 5000, "", 404, "There is no incident '99999999"),
        ("0", "", 404, "There is no incident '0'"),
        ("\uff11", "", 404, "There is no incident '\uff11'"),  # a full-width digit one
        ("1", "&diff=%C2%B2", 400, "diff='²' is not a version number, e.g. diff=2"),
        ("1", "&diff=%FF", 400, "diff='\ufffd' is not a version number"),
        ("1", "&diff=" + "9" * 5000, 400, "is not a version number"),
        ("1", "&diff=99999999999999999999", 400, "is not a version number"),
        ("1", "&diff=999999999", 404, "There is no change to show for version 999999999"),
        ("2", "", 404, "Incident #2 has no post-mortem draft yet"),
    ],
)
def test_hostile_review_page_parameters_get_a_4xx(
    bot: Bot, path: str, query: str, status: int, says: str
) -> None:
    draft(bot, incident(bot))
    response = httpx.get(signed_path(bot, path) + query)
    assert (response.status_code, says in response.text) == (status, True), response.text


@pytest.mark.parametrize("expires", ["²", "9" * 5000, "\uff11\uff12\uff13"])
def test_a_signed_but_malformed_expiry_is_refused_as_unsigned(bot: Bot, expires: str) -> None:
    response = httpx.get(signed_path(bot, "1", expires))
    assert (response.status_code, "needs a signed link" in response.text) == (403, True)
