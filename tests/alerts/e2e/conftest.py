"""Inbound alerts over real HTTP: the whole app on loopback (``tests.e2e.conftest``'s ``bot``)
with the three webhooks enabled and a config of its own.

``config_dir``: Olivia (``U0ONCALL``) is always on call in ``primary``; services ``checkout``
(named like the shared fixtures' ``service`` label), ``orders-db`` and ``refunds`` page the
``checkout`` policy (Olivia, then Liam after 5 min). ``alert_routes.yaml``: ``refunds`` only pages,
``severity: info`` only posts to ``#general``, everything else opens an incident for its service
label; no default route. A test module may override ``config_dir`` or ``extra_settings``.

``webhooks`` posts bodies with the right credentials: Alertmanager and Grafana with bearer
tokens, the generic webhook signed with its HMAC secret (``bot.paging.notify.signing``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.paging.notify.signing import signed_headers
from tests.e2e.conftest import (  # noqa: F401  (fixtures, shared with the e2e tests)
    LEAD,
    MANAGER,
    ONCALL,
    Bot,
    bot,
    fake_slack_server,
    slack,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
ALERTMANAGER_TOKEN = "am-e2e-token"
GRAFANA_TOKEN = "grafana-e2e-token"
GENERIC_SECRET = "generic-e2e-secret"

ROUTES = """
routes:
  - name: refunds-page
    match: {service: refunds}
    action: page
  - name: chatter
    match: {severity: info}
    action: channel
    channel: "#general"
  - name: by-service
    action: incident
"""


def fixture(name: str) -> dict[str, Any]:
    """A payload sample from ``tests/alerts/fixtures/`` (copies of ../shared/fixtures, and
    payloads in the shapes of the vendors' documentation)."""
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def write_config(folder: Path, routes: str = ROUTES) -> Path:
    (folder / "users.yaml").write_text(f"""
users:
  - {{name: Olivia Oncall, slack_id: {ONCALL}}}
  - {{name: Liam Lead, slack_id: {LEAD}}}
  - {{name: Maya Manager, slack_id: {MANAGER}}}
""")
    (folder / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: UTC
    layers:
      - name: all-week
        users: [{ONCALL}]
        rotation_virtual_start: "2024-01-01 00:00"
        turn: weekly
""")
    (folder / "escalation_policies.yaml").write_text(f"""
escalation_policies:
  - name: checkout
    levels:
      - {{delay_minutes: 5, targets: [{{schedule: primary}}]}}
      - {{delay_minutes: 10, targets: [{{user: {LEAD}}}]}}
""")
    (folder / "services.yaml").write_text("""
services:
  - {name: checkout, escalation_policy: checkout}
  - {name: orders-db, escalation_policy: checkout}
  - {name: refunds, escalation_policy: checkout}
""")
    (folder / "alert_routes.yaml").write_text(routes)
    return folder


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {
        "alerts_alertmanager_token": ALERTMANAGER_TOKEN,
        "alerts_grafana_token": GRAFANA_TOKEN,
        "alerts_generic_hmac_secret": GENERIC_SECRET,
    }


class Webhooks:
    """Posts to the app's ``/webhooks/<source>`` as each sender would."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(timeout=30)

    def post(
        self, source: str, payload: Any, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        sent = {"Content-Type": "application/json", **self.credentials(source, body)}
        return self.http.post(
            f"{self.base_url}/webhooks/{source}", content=body, headers={**sent, **(headers or {})}
        )

    @staticmethod
    def credentials(source: str, body: bytes) -> dict[str, str]:
        if source == "alertmanager":
            return {"Authorization": f"Bearer {ALERTMANAGER_TOKEN}"}
        if source == "grafana":
            return {"Authorization": f"Bearer {GRAFANA_TOKEN}"}
        return signed_headers(GENERIC_SECRET, body)


@pytest.fixture
def webhooks(bot: Bot) -> Iterator[Webhooks]:  # noqa: F811  (the imported fixture)
    client = Webhooks(bot.url)
    yield client
    client.http.close()
