"""A default route takes what no route takes: an unknown service label is posted, not refused."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.alerts.e2e.conftest import Webhooks, fixture, write_config
from tests.e2e.conftest import GENERAL, Bot

ROUTES = """
routes:
  - name: by-service
    action: incident
default:
  action: channel
  channel: "#general"
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path, ROUTES)


def test_an_unknown_service_label_goes_to_the_default_route(bot: Bot, webhooks: Webhooks) -> None:
    payload = copy.deepcopy(fixture("alertmanager-firing-v4.json"))
    for alert in payload["alerts"]:
        alert["labels"]["service"] = "payments-api"
    response = webhooks.post("alertmanager", payload)
    assert response.status_code == 200
    message = bot.posted(GENERAL, "CheckoutHighLatency: 2 firing (route default)")
    assert "service=payments-api" in message.all_text
    assert not [c for c in bot.slack.state.conversations() if c.name.startswith("inc-")]
