"""The whole app on loopback for the alert tests: the end-to-end ``bot`` fixture of
``tests/e2e/conftest.py``, with this folder's config (``config/``: Olivia always on call for the
``checkout`` service, and ``alert_routes.yaml``: critical alerts open incidents) and the bearer
token that ``/webhooks/alertmanager`` accepts. A module may override ``config_dir`` and
``extra_settings`` again (the storm does)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.e2e.conftest import bot, fake_slack_server, slack

__all__ = ["bot", "config_dir", "extra_settings", "fake_slack_server", "slack"]

CONFIG_DIR = Path(__file__).parent / "config"
WEBHOOK_TOKEN = "alerts-e2e-webhook-token"


@pytest.fixture
def config_dir() -> Path:
    return CONFIG_DIR


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {"alerts_alertmanager_token": SecretStr(WEBHOOK_TOKEN)}
