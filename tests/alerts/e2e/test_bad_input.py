"""Bad requests to the alert webhooks: the exact status and message, a log line naming the
source, and nothing stored. Grafana is left without credentials here."""

from __future__ import annotations

import copy
import json
import logging
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.alerts.rows import AlertPayloadRow
from bot.paging.notify.signing import signed_headers
from tests.alerts.e2e.conftest import ALERTMANAGER_TOKEN, GENERIC_SECRET, Webhooks, fixture
from tests.e2e.conftest import Bot


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {
        "alerts_alertmanager_token": ALERTMANAGER_TOKEN,
        "alerts_generic_hmac_secret": GENERIC_SECRET,
    }


def stored(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AlertPayloadRow)) or 0)


def refused(
    bot: Bot,
    webhooks: Webhooks,
    caplog: pytest.LogCaptureFixture,
    source: str,
    body: Any,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.alerts.web.webhooks"):
        response = webhooks.post(source, body, headers)
    assert (response.status_code, response.json()) == (status, {"error": message})
    assert f"alert webhook {source} refused ({status}): {message}" in caplog.text
    assert stored(bot) == 0


def test_malformed_json(bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture) -> None:
    message = "malformed JSON at line 1 column 2: Expecting property name enclosed in double quotes"
    refused(bot, webhooks, caplog, "alertmanager", b"{oops", 400, message)


def test_a_json_list_is_not_a_payload(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    message = "expected a JSON object with an 'alerts' list"
    refused(bot, webhooks, caplog, "alertmanager", [1, 2], 422, message)


def test_a_wrong_alertmanager_version(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    payload = {**fixture("alertmanager-firing-v4.json"), "version": "3"}
    message = (
        "version: version '3' is not supported; warroom accepts Alertmanager webhook "
        'version "4" only'
    )
    refused(bot, webhooks, caplog, "alertmanager", payload, 422, message)


def test_an_alert_without_alertname(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    payload = copy.deepcopy(fixture("alertmanager-firing-v4.json"))
    del payload["alerts"][1]["labels"]["alertname"]
    message = "alerts[1].labels.alertname: missing; every alert needs an alertname label"
    refused(bot, webhooks, caplog, "alertmanager", payload, 422, message)


def test_a_five_megabyte_body(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    payload = copy.deepcopy(fixture("alertmanager-firing-v4.json"))
    payload["alerts"][0]["annotations"]["description"] = "x" * 5_000_000
    message = "the body is larger than 1000000 bytes; send fewer alerts at once"
    refused(bot, webhooks, caplog, "alertmanager", payload, 413, message)


def test_an_unknown_service_without_a_default_route(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    payload = copy.deepcopy(fixture("alertmanager-firing-v4.json"))
    payload["alerts"][0]["labels"]["service"] = "payments-api"
    message = (
        "alerts[0] (CheckoutHighLatency): its 'service' label 'payments-api' is not a known "
        "service (known: checkout, orders-db, refunds); add a route to alert_routes.yaml or a "
        "default route (see docs/alerts.md)"
    )
    refused(bot, webhooks, caplog, "alertmanager", payload, 422, message)


def test_a_wrong_token(bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture) -> None:
    body = fixture("alertmanager-firing-v4.json")
    wrong = {"Authorization": "Bearer not-the-token"}
    refused(bot, webhooks, caplog, "alertmanager", body, 401, "invalid bearer token", wrong)


def test_no_credentials(bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps(fixture("alertmanager-firing-v4.json")).encode()
    with caplog.at_level(logging.WARNING, logger="bot.alerts.web.webhooks"):
        response = webhooks.http.post(f"{webhooks.base_url}/webhooks/alertmanager", content=body)
    message = "missing credentials: send 'Authorization: Bearer <ALERTS_ALERTMANAGER_TOKEN>'"
    assert (response.status_code, response.json()) == (401, {"error": message})
    assert stored(bot) == 0


def test_a_stale_or_forged_signature(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"alerts": [{"name": "Disk full", "starts_at": "2026-11-22T07:30:00Z"}]})
    stale = signed_headers(GENERIC_SECRET, body.encode(), now=time.time() - 600)
    message = "stale signature: its timestamp is more than 300 s away from the server's clock"
    refused(bot, webhooks, caplog, "generic", body.encode(), 401, message, stale)
    forged = signed_headers("another-secret", body.encode())
    message = "invalid signature: sign the raw body with the shared secret"
    refused(bot, webhooks, caplog, "generic", body.encode(), 401, message, forged)


def test_a_source_without_credentials_says_which_setting_and_logs_once(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    message = (
        "the grafana webhook is not enabled: set ALERTS_GRAFANA_TOKEN or "
        "ALERTS_GRAFANA_HMAC_SECRET (see docs/alerts.md)"
    )
    refused(bot, webhooks, caplog, "grafana", fixture("grafana-firing.json"), 401, message)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.alerts.web.webhooks"):
        assert webhooks.post("grafana", fixture("grafana-firing.json")).status_code == 401
    assert caplog.text == ""


def test_an_alert_that_could_never_be_stored_is_refused_naming_it(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    """Accepted, it would fail for good when applied: it is refused before anything is stored."""
    payload = copy.deepcopy(fixture("alertmanager-firing-v4.json"))
    payload["alerts"][1]["startsAt"] = "9999-12-31T23:00:00-05:00"
    message = (
        "alerts[1].startsAt: '9999-12-31T23:00:00-05:00' is out of range; a time from "
        "1970-01-01 to 9999-01-01 (UTC) is expected"
    )
    refused(bot, webhooks, caplog, "alertmanager", payload, 422, message)
    payload = copy.deepcopy(fixture("alertmanager-firing-v4.json"))
    payload["alerts"][0]["labels"]["instance"] = "db\ud800"
    message = "alerts[0].labels.instance: holds an unpaired surrogate (\\ud800); send valid Unicode"
    refused(bot, webhooks, caplog, "alertmanager", payload, 422, message)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": b"Bearer \xff\xfe"},
        {"Authorization": ("Bearer " + "é" * 20).encode()},
        {"X-Warroom-Timestamp": "²".encode(), "X-Warroom-Signature": "v1=00"},
        {"X-Warroom-Timestamp": "9" * 5000, "X-Warroom-Signature": "v1=00"},
        {"X-Warroom-Timestamp": str(int(time.time())), "X-Warroom-Signature": b"v1=\xff\xfe"},
    ],
)
def test_malformed_credentials_get_401_and_no_traceback(
    bot: Bot, webhooks: Webhooks, caplog: pytest.LogCaptureFixture, headers: dict[str, Any]
) -> None:
    body = json.dumps({"alerts": [{"name": "Disk full", "starts_at": "2026-11-22T07:30:00Z"}]})
    with caplog.at_level(logging.WARNING):
        response = webhooks.http.post(
            f"{webhooks.base_url}/webhooks/generic", content=body.encode(), headers=headers
        )
    assert response.status_code == 401, response.text
    assert "error" in response.json()
    assert [r for r in caplog.records if r.exc_info] == []
    assert stored(bot) == 0
