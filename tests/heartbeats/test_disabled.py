"""Without ``HEARTBEATS_TOKEN`` no beat is accepted, and the refusal names the setting."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Bot
from tests.heartbeats.conftest import Beats


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {}


def test_without_the_setting_every_beat_is_refused_naming_it(bot: Bot, beats: Beats) -> None:
    response = beats.post("nightly-backup")
    assert response.status_code == 401
    assert "set HEARTBEATS_TOKEN" in response.json()["error"]
