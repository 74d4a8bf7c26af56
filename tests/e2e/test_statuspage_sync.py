"""Atlassian Statuspage, end to end against its local fake: only updates whose author chose
"and on Statuspage too" reach it, each exactly once (across a 429 and retries), resolving
resolves it there, and a refused key or a missing setting is said, never half-done."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from tests.e2e.conftest import ONCALL, Bot, eventually
from tests.e2e.test_interactions import open_view
from tests.e2e.test_status_page import publish_from_modal, status
from warroom_sandbox.providers.statuspage import FakeStatuspage

KEY, PAGE, COMPONENT = "sp-key", "page1", "cmp-checkout"


@pytest.fixture
def statuspage() -> Iterator[FakeStatuspage]:
    with FakeStatuspage(pages={PAGE: {COMPONENT}}, api_keys={KEY}) as fake:
        yield fake


@pytest.fixture
def extra_settings(statuspage: FakeStatuspage) -> dict[str, Any]:
    return {
        "statuspage_api_url": f"{statuspage.url}/v1",
        "statuspage_page_id": PAGE,
        "statuspage_api_key": SecretStr(KEY),
        "statuspage_components": f"checkout-api={COMPONENT}",
    }


def publish(bot: Bot, channel_id: str, public: str, choice: str = "publish_statuspage") -> None:
    preview = publish_from_modal(
        bot,
        channel_id,
        {
            "text": {"value": "internal words"},
            "public": {"value": public},
            "publish": {"value": choice},
        },
    )
    assert "and on Statuspage" in str(preview["blocks"]) or choice != "publish_statuspage"
    bot.driver.view_submission(ONCALL, preview, {})


def test_chosen_updates_reach_statuspage_once_and_resolving_resolves(
    bot: Bot, statuspage: FakeStatuspage
) -> None:
    channel = bot.declare("Checkout down sev2 service:checkout-api")
    publish(bot, channel.id, "Only our own page", choice="publish")
    eventually(lambda: status(bot)["incidents"], what="the built-in page")
    assert statuspage.requests() == []  # the built-in page only: Statuspage was not chosen

    statuspage.fail(1, status=429, retry_after=0.1)
    publish(bot, channel.id, "Card payments fail for some customers.")
    [incident] = eventually(statuspage.incidents, what="the Statuspage incident")
    assert incident.name == "Incident affecting checkout-api (#1)"
    assert incident.components == {COMPONENT: "partial_outage"}
    assert incident.updates == ["Card payments fail for some customers."]
    assert incident.status == "investigating"

    publish(bot, channel.id, "A fix is rolling out.")
    eventually(
        lambda: statuspage.incidents()[0].updates[-1] == "A fix is rolling out.",
        what="the second update",
    )
    bot.command(channel, "resolve")
    eventually(lambda: statuspage.incidents()[0].status == "resolved", what="resolved")
    [done] = statuspage.incidents()
    assert done.components == {COMPONENT: "operational"}
    assert done.updates == [
        "Card payments fail for some customers.",
        "A fix is rolling out.",
        "This incident has been resolved.",
    ]


def test_a_refused_key_is_said_in_the_channel(bot: Bot, statuspage: FakeStatuspage) -> None:
    statuspage.api_keys = frozenset({"another-key"})
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    publish(bot, channel.id, "Checkout is down.")
    bot.posted(channel.id, "check STATUSPAGE_API_KEY")
    assert statuspage.incidents() == []
    # The incident itself and the built-in page are unaffected.
    assert eventually(lambda: status(bot)["incidents"], what="the built-in page")


@pytest.mark.parametrize("extra_settings", [{}])
def test_without_settings_the_modal_names_them(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev2 service:checkout-api")
    card = bot.card(channel.id)
    bot.driver.block_action(ONCALL, channel.id, card.ts, "incident_open_update", value="1")
    view = open_view(bot, ONCALL, "post_update")
    refused = bot.driver.view_submission(
        ONCALL,
        view,
        {
            "text": {"value": "x"},
            "public": {"value": "y"},
            "publish": {"value": "publish_statuspage"},
        },
    )
    assert "set STATUSPAGE_PAGE_ID and STATUSPAGE_API_KEY" in refused.json()["errors"]["publish"]
