"""``warroom dev`` end to end over HTTP: the real bot, the emulator and the page on one port.

What a person does goes through the page's action API exactly as the browser sends it; what they
see is read from the page's state endpoint (the HTML regions the browser shows).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.sandbox.waiting import eventually
from warroom_sandbox.dev import BOT_TOKEN, DevSandbox
from warroom_sandbox.model import Channel
from warroom_sandbox.seed import BOB, GENERAL, LEAD, MANAGER, ONCALL, RANDOM


def act(dev: DevSandbox, action: str, /, **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{dev.url}/sandbox/actions/{action}", json=body, timeout=30)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def state(dev: DevSandbox, viewer: str, channel: str | None = None) -> dict[str, Any]:
    params = {"as": viewer, **({"channel": channel} if channel else {})}
    response = httpx.get(f"{dev.url}/sandbox/state", params=params, timeout=30)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def type_line(dev: DevSandbox, viewer: str, channel: str, text: str) -> dict[str, Any]:
    return act(dev, "line", **{"as": viewer, "channel": channel, "text": text})


def declare(dev: DevSandbox, title: str, viewer: str = ONCALL) -> Channel:
    answer = type_line(dev, viewer, GENERAL, f"/incident declare {title} sev3")
    assert answer["ok"], answer
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")

    def created() -> Channel | None:
        channels = [
            c
            for c in dev.emulator.state.conversations()
            if c.name.startswith("inc-") and c.name.endswith(slug)
        ]
        ready = [c for c in channels if dev.emulator.state.pins(c.id)]
        return ready[0] if ready else None

    return eventually(created, f"the channel of {title!r} with its pinned card")


def card_text(dev: DevSandbox, channel: Channel) -> str:
    return dev.emulator.state.pins(channel.id)[0].all_text


# --- one port -----------------------------------------------------------------------------------


def test_page_emulator_and_bot_share_one_port(dev: DevSandbox) -> None:
    page = httpx.get(f"{dev.url}/", timeout=30)
    assert page.status_code == 200
    assert "Example Inc" in page.text
    assert 'id="region-messages"' in page.text
    assert httpx.get(f"{dev.url}/sandbox/static/sandbox.js", timeout=30).status_code == 200
    assert httpx.get(f"{dev.url}/healthz", timeout=30).text == "ok"  # the bot's own route
    auth = WebClient(base_url=f"{dev.url}/api/", token=BOT_TOKEN).auth_test()
    assert auth["user_id"] == "U0BOT"


def test_state_answers_304_while_nothing_changes(dev: DevSandbox) -> None:
    url = f"{dev.url}/sandbox/state"
    etag = httpx.get(url, params={"as": BOB, "channel": RANDOM}, timeout=30).headers["etag"]

    def unchanged() -> bool:
        nonlocal etag
        answer = httpx.get(
            url, params={"as": BOB, "channel": RANDOM}, headers={"If-None-Match": etag}, timeout=30
        )
        etag = answer.headers["etag"]  # the bot's own background work may change the page
        return answer.status_code == 304 and answer.content == b""

    eventually(unchanged, "a 304 for an unchanged page")


def test_unknown_people_and_malformed_actions_are_refused(dev: DevSandbox) -> None:
    refused = act(dev, "line", **{"as": "U404", "channel": GENERAL, "text": "hi"})
    assert not refused["ok"]
    bad = httpx.post(f"{dev.url}/sandbox/actions/click", json={"as": ONCALL}, timeout=30)
    assert bad.status_code == 400
    missing = httpx.post(f"{dev.url}/sandbox/actions/nope", json={"as": ONCALL}, timeout=30)
    assert missing.status_code == 404


# --- commands, buttons, modals ------------------------------------------------------------------


def test_declare_from_the_composer_creates_the_channel_and_tells_the_declarer(
    dev: DevSandbox,
) -> None:
    channel = declare(dev, "Disk full on db-1")
    assert ONCALL in channel.members
    assert "Disk full on db-1" in card_text(dev, channel)
    seen = state(dev, ONCALL, GENERAL)
    assert channel.name in seen["regions"]["sidebar"]
    eventually(
        lambda: "declared incident" in state(dev, ONCALL, GENERAL)["regions"]["messages"],
        "the ephemeral confirmation in #general",
    )
    assert "declared incident" not in state(dev, LEAD, GENERAL)["regions"]["messages"]


def test_the_example_config_announces_incidents_in_incidents(dev: DevSandbox) -> None:
    """config/announcements.yaml names #incidents: the sandbox has it and shows the post."""
    incidents = dev.emulator.state.find_channel("incidents")
    assert incidents is not None
    declare(dev, "Search index stale")

    def announced() -> str | None:
        texts = [m.all_text for m in dev.emulator.state.messages(incidents.id)]
        return next((t for t in texts if "Search index stale" in t), None)

    assert "Join" in eventually(announced, "the announcement in #incidents")


def test_an_unknown_command_gets_slacks_answer(dev: DevSandbox) -> None:
    answer = type_line(dev, BOB, GENERAL, "/deploy now")
    assert not answer["ok"]
    messages = state(dev, BOB, GENERAL)["regions"]["messages"]
    assert "is not a valid command" in messages
    assert "Slackbot" in messages


def test_mentions_in_commands_are_escaped_like_slack(dev: DevSandbox) -> None:
    channel = declare(dev, "Queue backlog growing")
    assert type_line(dev, ONCALL, channel.id, "/incident lead @liam")["ok"]
    eventually(
        lambda: "<@U0LEAD>" in dev.emulator.state.channel(channel.id).topic,
        "Liam as lead in the topic",
    )
    header = state(dev, ONCALL, channel.id)["regions"]["header"]
    assert "@Liam" in header


def test_clicking_mitigate_updates_the_card_in_place(dev: DevSandbox) -> None:
    channel = declare(dev, "Search results empty")
    card = dev.emulator.state.pins(channel.id)[0]
    answer = act(
        dev,
        "click",
        **{"as": ONCALL, "channel": channel.id, "ts": card.ts, "action_id": "incident_mitigate"},
    )
    assert answer["ok"], answer
    eventually(lambda: "Mitigated" in card_text(dev, channel), "the card to say Mitigated")
    assert dev.emulator.state.pins(channel.id)[0].ts == card.ts  # chat.update, not a new card
    html = state(dev, ONCALL, channel.id)["regions"]["messages"]
    assert html.count('data-action-id="incident_mitigate"') == 0


def test_the_declare_modal_checks_then_the_bot_validates(dev: DevSandbox) -> None:
    assert type_line(dev, LEAD, GENERAL, "/incident")["ok"]
    view = eventually(lambda: (dev.emulator.state.open_views(LEAD) or [None])[-1], "the modal")
    view_id = view["id"]
    assert 'data-view-id="' + view_id in state(dev, LEAD)["regions"]["modal"]
    empty = act(dev, "submit", **{"as": LEAD, "view_id": view_id, "values": {}})
    assert not empty["ok"]  # Slack's client refuses an empty required field itself
    assert "Please complete this required field." in state(dev, LEAD)["regions"]["modal"]
    blank = act(
        dev,
        "submit",
        **{"as": LEAD, "view_id": view_id, "values": {"title": {"value": "   "}}},
    )
    assert blank["ok"]  # spaces pass Slack's client; the bot refuses them itself
    modal = state(dev, LEAD)["regions"]["modal"]
    assert "a title is required" in modal
    assert 'class="bk bk-input has-error" data-block-id="title"' in modal
    good = act(
        dev,
        "submit",
        **{
            "as": LEAD,
            "view_id": view_id,
            "values": {"title": {"value": "Login loops"}, "severity": {"value": "SEV2"}},
        },
    )
    assert good["ok"]
    assert state(dev, LEAD)["regions"]["modal"] == ""
    eventually(
        lambda: (
            dev.emulator.state.find_channel("inc-") is None
            and any(c.name.endswith("login-loops") for c in dev.emulator.state.conversations())
        ),
        "the channel declared from the modal",
    )


def test_cancel_closes_the_modal(dev: DevSandbox) -> None:
    assert type_line(dev, MANAGER, GENERAL, "/incident")["ok"]
    view = eventually(lambda: (dev.emulator.state.open_views(MANAGER) or [None])[-1], "the modal")
    assert act(dev, "close_modal", **{"as": MANAGER, "view_id": view["id"]})["ok"]
    assert dev.emulator.state.open_views(MANAGER) == []


# --- reactions, shortcuts -----------------------------------------------------------------------


def test_a_pushpin_puts_the_message_on_the_timeline(dev: DevSandbox) -> None:
    channel = declare(dev, "Cache stampede")
    posted = type_line(dev, ONCALL, channel.id, "Hit ratio fell to 3% at 09:12")
    assert posted["ok"]
    ts = posted["ts"]
    assert act(dev, "react", **{"as": ONCALL, "channel": channel.id, "ts": ts, "name": "pushpin"})[
        "ok"
    ]
    eventually(
        lambda: dev.emulator.state.message(channel.id, ts).reaction("white_check_mark"),
        "the bot's confirmation reaction",
    )
    assert type_line(dev, ONCALL, channel.id, "/incident timeline")["ok"]
    eventually(
        lambda: any(
            "Hit ratio fell" in e.all_text
            for e in dev.emulator.state.ephemerals(ONCALL, channel_id=channel.id)
        ),
        "the timeline with the pinned message",
    )
    html = state(dev, ONCALL, channel.id)["regions"]["messages"]
    assert 'data-reaction="pushpin"' in html


def test_the_message_shortcut(dev: DevSandbox) -> None:
    channel = declare(dev, "Webhooks delayed")
    ts = type_line(dev, ONCALL, channel.id, "Queue depth 40k")["ts"]
    answer = act(
        dev,
        "shortcut",
        **{"as": ONCALL, "channel": channel.id, "ts": ts, "callback_id": "add_to_timeline"},
    )
    assert answer["ok"]
    eventually(
        lambda: "Added to the timeline" in state(dev, ONCALL, channel.id)["regions"]["messages"],
        "the shortcut's ephemeral answer",
    )


def test_unreacting_removes_only_the_persons_reaction(dev: DevSandbox) -> None:
    ts = type_line(dev, BOB, GENERAL, "lunch?")["ts"]
    for person in (BOB, MANAGER):
        assert act(dev, "react", **{"as": person, "channel": GENERAL, "ts": ts, "name": "eyes"})[
            "ok"
        ]
    assert act(dev, "unreact", **{"as": BOB, "channel": GENERAL, "ts": ts, "name": "eyes"})["ok"]
    reaction = dev.emulator.state.message(GENERAL, ts).reaction("eyes")
    assert reaction is not None
    assert reaction.users == [MANAGER]


# --- what each person sees ----------------------------------------------------------------------


def test_unread_markers_follow_what_each_person_viewed(dev: DevSandbox) -> None:
    state(dev, LEAD, GENERAL)  # Liam reads #general
    type_line(dev, BOB, GENERAL, "deploy freeze starts at 5")
    sidebar = state(dev, LEAD, RANDOM)["regions"]["sidebar"]
    general = re.search(r'<a class="([^"]*)"[^>]*data-channel="C0GENERAL".*?</a>', sidebar)
    assert general is not None
    assert "unread" in general.group(1)
    state(dev, LEAD, GENERAL)
    sidebar = state(dev, LEAD, RANDOM)["regions"]["sidebar"]
    general = re.search(r'<a class="([^"]*)"[^>]*data-channel="C0GENERAL"', sidebar)
    assert general is not None
    assert "unread" not in general.group(1)


def test_private_conversations_are_not_shown_to_others(dev: DevSandbox) -> None:
    dm = act(dev, "open_dm", **{"as": BOB})["channel"]
    assert state(dev, BOB, dm)["channel"] == dm
    assert state(dev, LEAD, dm)["channel"] == GENERAL


def test_the_apps_messages_tab_is_read_only(dev: DevSandbox) -> None:
    dm = act(dev, "open_dm", **{"as": MANAGER})["channel"]
    answer = type_line(dev, MANAGER, dm, "hello bot")
    assert not answer["ok"]
    assert "turned off" in answer["message"]


def test_joining_a_channel(dev: DevSandbox) -> None:
    channel = declare(dev, "Billing export stuck")
    seen = state(dev, MANAGER, channel.id)
    assert seen["composer"]["mode"] == "join"
    assert act(dev, "join", **{"as": MANAGER, "channel": channel.id})["ok"]
    assert state(dev, MANAGER, channel.id)["composer"]["mode"] == "compose"


# --- failures -----------------------------------------------------------------------------------


def test_refused_api_calls_show_in_the_banner_until_dismissed(dev: DevSandbox) -> None:
    client = WebClient(base_url=f"{dev.url}/api/", token=BOT_TOKEN)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=GENERAL, text="x", blocks=[{"type": "section"}])
    banners = state(dev, BOB)["regions"]["banners"]
    assert "invalid_blocks" in banners
    assert "chat.postMessage" in banners
    at = re.search(r'data-dismiss-errors="([0-9.]+)"', banners)
    assert at is not None
    assert act(dev, "dismiss_errors", at=float(at.group(1)))["ok"]
    assert "invalid_blocks" not in state(dev, BOB)["regions"]["banners"]


def test_the_bot_being_down_is_shown_and_nothing_is_lost(dev: DevSandbox) -> None:
    channel = declare(dev, "Replica lag")
    ts = type_line(dev, ONCALL, channel.id, "Lag 90s on replica-2")["ts"]
    assert act(dev, "bot", run=False)["ok"]
    try:
        failed = type_line(dev, ONCALL, channel.id, "/incident status")
        assert not failed["ok"]
        seen = state(dev, ONCALL, channel.id)
        assert "failed with the error" in seen["regions"]["messages"]
        assert "warroom is not answering" in seen["regions"]["banners"]
        assert "not responding" in seen["regions"]["status"]
        reacted = act(
            dev, "react", **{"as": ONCALL, "channel": channel.id, "ts": ts, "name": "pushpin"}
        )
        assert reacted["ok"]  # the reaction is Slack's; the event waits for the bot
    finally:
        assert act(dev, "bot", run=True)["ok"]
    eventually(
        lambda: dev.emulator.state.message(channel.id, ts).reaction("white_check_mark"),
        "the retried reaction_added event to reach the bot",
    )
    eventually(
        lambda: "warroom is not answering" not in state(dev, ONCALL)["regions"]["banners"],
        "the banner to go once the bot is back",
    )


def test_the_app_home_is_shown_in_the_apps_dm(dev: DevSandbox) -> None:
    client = WebClient(base_url=f"{dev.url}/api/", token=BOT_TOKEN)
    client.views_publish(
        user_id=BOB,
        view={
            "type": "home",
            "blocks": [
                {"type": "markdown", "block_id": "m", "text": "**On call now**: nobody"},
                {
                    "type": "actions",
                    "block_id": "a",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "home_refresh",
                            "text": {"type": "plain_text", "text": "Refresh"},
                        }
                    ],
                },
            ],
        },
    )
    dm = act(dev, "open_dm", **{"as": BOB})["channel"]
    messages = state(dev, BOB, dm)["regions"]["messages"]
    assert "<summary>Home</summary>" in messages
    assert "<b>On call now</b>: nobody" in messages
    home = dev.emulator.state.home_view(BOB)
    assert home is not None
    clicked = act(dev, "click", **{"as": BOB, "view_id": home["id"], "action_id": "home_refresh"})
    assert clicked["delivery"]["status"] is not None  # it reached the bot (which has no listener)


def test_the_on_call_user_group_is_shown_with_its_member(dev: DevSandbox) -> None:
    """config/schedules.yaml gives payments-primary @oncall-payments: warroom fills it at start."""

    def shown() -> str | None:
        sidebar = state(dev, ONCALL)["regions"]["sidebar"]
        found = re.search(r'<span class="side-name">oncall-payments: ([^<]+)</span>', sidebar)
        return found.group(1) if found else None

    assert eventually(shown, "@oncall-payments in the sidebar") != "nobody"


# --- private incidents, declaring from a message ------------------------------------------------


def test_a_private_incident_is_shown_to_its_members_only(dev: DevSandbox) -> None:
    answer = type_line(
        dev, ONCALL, GENERAL, "/incident declare Payroll data exposed sev1 --private"
    )
    assert answer["ok"], answer

    def created() -> Channel | None:
        found = [
            c
            for c in dev.emulator.state.conversations()
            if c.name.endswith("-payroll-data-exposed") and dev.emulator.state.pins(c.id)
        ]
        return found[0] if found else None

    channel = eventually(created, "the private incident channel with its card")
    assert channel.is_private
    assert state(dev, ONCALL, channel.id)["channel"] == channel.id
    assert channel.name in state(dev, ONCALL)["regions"]["sidebar"]
    outsider = state(dev, MANAGER, channel.id)
    assert outsider["channel"] == GENERAL  # not shown, not joinable
    assert "payroll" not in outsider["regions"]["sidebar"].lower()
    assert not act(dev, "join", **{"as": MANAGER, "channel": channel.id})["ok"]


def test_the_declare_incident_shortcut_fills_the_form_from_the_message(dev: DevSandbox) -> None:
    ts = type_line(dev, BOB, GENERAL, "Search returns nothing for EU users\nsince 10:02")["ts"]
    answer = act(
        dev,
        "shortcut",
        **{"as": ONCALL, "channel": GENERAL, "ts": ts, "callback_id": "declare_from_message"},
    )
    assert answer["ok"], answer
    modal = eventually(lambda: state(dev, ONCALL)["regions"]["modal"], "the declare form")
    assert "Search returns nothing for EU users" in modal
    view = dev.emulator.state.open_views(ONCALL)[-1]
    assert act(dev, "submit", **{"as": ONCALL, "view_id": view["id"], "values": {}})["ok"]
    eventually(lambda: dev.emulator.state.thread(GENERAL, ts), "the reply in the message's thread")
