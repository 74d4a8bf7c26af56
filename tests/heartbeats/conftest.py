"""Heartbeat monitors over real HTTP: the whole app on loopback (``tests.e2e.conftest``'s
``bot``) with ``HEARTBEATS_TOKEN`` set and the alerts tests' config (Olivia always on call for
``orders-db``'s policy) plus ``heartbeats.yaml``: ``nightly-backup`` beats every 60 min with 10 min
of grace, for ``orders-db``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.alerts.e2e.conftest import write_config
from tests.e2e.conftest import (  # noqa: F401  (fixtures, shared with the e2e tests)
    Bot,
    bot,
    fake_slack_server,
    slack,
)

TOKEN = "heartbeat-e2e-token"
HEARTBEATS = """
heartbeats:
  - name: nightly-backup
    interval_minutes: 60
    grace_minutes: 10
    service: orders-db
  - {name: queue-drainer, interval_minutes: 5, service: checkout}
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = write_config(tmp_path)
    (folder / "heartbeats.yaml").write_text(HEARTBEATS)
    return folder


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {"heartbeats_token": TOKEN}


class Beats:
    """Posts to the app's ``/webhooks/heartbeat/<name>`` with the token, as a cron job would."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(timeout=30)

    def post(
        self, name: str, body: bytes = b"", token: str | None = TOKEN, **headers: str
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return self.http.post(
            f"{self.base_url}/webhooks/heartbeat/{name}",
            content=body,
            headers={**sent, **headers},
        )


@pytest.fixture
def beats(bot: Bot) -> Iterator[Beats]:  # noqa: F811  (the imported fixture)
    client = Beats(bot.url)
    yield client
    client.http.close()
