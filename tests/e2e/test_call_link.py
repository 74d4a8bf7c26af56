"""INCIDENT_CALL_URL_TEMPLATE: a call link on the card and the announcement when set, none when
unset, and a template with an unknown placeholder stops the start naming the setting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.composition import MissingSetting, build
from tests.e2e.conftest import CONFIG_DIR, MANAGER, Bot, e2e_settings, eventually
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.model import Message
from warroom_sandbox.seed import BOT_USER_ID

TEMPLATE = "https://meet.jit.si/warroom-{channel}?incident={number}&topic={slug}"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "announcements.yaml").write_text('announcements:\n  channels: ["#incidents"]\n')
    return folder


def announcement(bot: Bot, channel_id: str) -> Message:
    return eventually(
        lambda: next(iter(bot.slack.state.messages(channel_id)), None), what="the announcement"
    )


@pytest.mark.parametrize("extra_settings", [{"incident_call_url_template": TEMPLATE}])
def test_the_card_and_the_announcement_link_the_incidents_call(bot: Bot) -> None:
    incidents = bot.slack.state.create_channel("incidents", MANAGER, members=[BOT_USER_ID])
    channel = bot.declare("Café checkout down sev2")
    link = (
        "https://meet.jit.si/warroom-inc-1-cafe-checkout-down?incident=1&topic=cafe-checkout-down"
    )
    assert f"<{link}|Join the call>" in bot.card(channel.id).all_text
    eventually(
        lambda: f"<{link}|Join the call>" in announcement(bot, incidents.id).all_text,
        what="the call link on the announcement",
    )


def test_without_a_template_nothing_mentions_a_call(bot: Bot) -> None:
    incidents = bot.slack.state.create_channel("incidents", MANAGER, members=[BOT_USER_ID])
    channel = bot.declare("Checkout down sev2")
    assert "Join the call" not in bot.card(channel.id).all_text
    assert "Join the call" not in announcement(bot, incidents.id).all_text


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("https://meet.jit.si/{numbr}", "unknown placeholder {numbr} (did you mean 'number'?)"),
        ("https://meet.jit.si/{channel", "INCIDENT_CALL_URL_TEMPLATE: "),
        ("meet.jit.si/{channel}", "INCIDENT_CALL_URL_TEMPLATE must be an http(s) URL"),
    ],
)
def test_a_bad_template_stops_the_start_naming_the_setting(
    slack: FakeSlackServer, engine: Engine, database_url: str, template: str, says: str
) -> None:
    settings = e2e_settings(slack, database_url, incident_call_url_template=template)
    with pytest.raises(MissingSetting) as refused:
        build(settings, migrate=False)
    assert says in str(refused.value)
    assert "INCIDENT_CALL_URL_TEMPLATE" in str(refused.value)
