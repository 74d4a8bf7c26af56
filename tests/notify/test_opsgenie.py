"""Opsgenie Alert API against the local fake, over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.config.model import OpsgenieChannel
from bot.paging.notify import EU_OPSGENIE_URL, DeliveryFailed, Notifiers
from tests.notify.support import GENIE_KEY, OG, Waits, fixture, no_secrets, notice
from warroom_sandbox.providers import FakeOpsgenie


def test_create_sends_the_documented_alert(notifiers: Notifiers, opsgenie: FakeOpsgenie) -> None:
    alias = notifiers.trigger(notice(), OG)

    assert alias == "warroom:incident:1:page"
    [request] = opsgenie.requests()
    assert (request.method, request.path, request.status) == ("POST", "/v2/alerts", 202)
    assert request.headers["authorization"] == f"GenieKey {GENIE_KEY}"
    sent, expected = request.json(), fixture("opsgenie/create-alert.json")
    assert sent.keys() == expected.keys()
    for field in ("message", "alias", "priority", "source", "entity", "user"):
        assert sent[field] == expected[field], field
    assert sent["description"] == expected["description"]
    assert sent["tags"] == expected["tags"]
    assert sent["details"].items() >= expected["details"].items()
    assert {"username": "bob@example.com", "type": "user"} in sent["responders"]
    assert request.answer().keys() == fixture("opsgenie/create-alert-response-202.json").keys()
    assert request.answer()["result"] == "Request will be processed"


@pytest.mark.parametrize(
    ("severity", "priority"), [("SEV1", "P1"), ("SEV2", "P2"), ("SEV3", "P3"), ("SEV4", "P4")]
)
def test_priority_mapping(
    notifiers: Notifiers, opsgenie: FakeOpsgenie, severity: str, priority: str
) -> None:
    notifiers.trigger(notice(severity=severity), OG)
    [alert] = opsgenie.alerts()
    assert alert.priority == priority


def test_message_is_cut_to_130_characters_at_a_word(
    notifiers: Notifiers, opsgenie: FakeOpsgenie
) -> None:
    title = "Checkout latency high in every region after the deploy of the payments service " * 3
    notifiers.trigger(notice(title=title), OG)
    [alert] = opsgenie.alerts()
    assert len(alert.message) <= 130
    assert alert.message.startswith("[SEV2] #1 Checkout latency high")
    assert alert.message.endswith("…")
    assert not alert.message[:-1].endswith(" ")


def test_acknowledge_and_close_by_alias(notifiers: Notifiers, opsgenie: FakeOpsgenie) -> None:
    alias = notifiers.trigger(notice(), OG)
    notifiers.acknowledge(alias, OG)
    alert = opsgenie.alert(alias)
    assert alert is not None
    assert (alert.status, alert.acknowledged) == ("open", True)

    notifiers.resolve(alias, OG)
    assert opsgenie.open_alerts() == []
    ack, close = opsgenie.requests()[1:]
    assert ack.path == "/v2/alerts/warroom:incident:1:page/acknowledge"
    assert ack.query == {"identifierType": "alias"}
    assert close.path == "/v2/alerts/warroom:incident:1:page/close"
    assert close.query == {"identifierType": "alias"}
    assert [(a.action, a.success) for a in opsgenie.actions()] == [
        ("Create", True),
        ("Acknowledge", True),
        ("Close", True),
    ]


def test_a_repeated_create_is_deduplicated_by_alias(
    notifiers: Notifiers, opsgenie: FakeOpsgenie
) -> None:
    notifiers.trigger(notice(), OG)
    notifiers.trigger(notice(), OG)
    [alert] = opsgenie.alerts()
    assert alert.count == 2


def test_a_long_page_key_becomes_a_stable_alias_within_512(
    notifiers: Notifiers, opsgenie: FakeOpsgenie
) -> None:
    long_key = "incident:7:" + "y" * 700
    alias = notifiers.trigger(notice(dedup_key=long_key), OG)
    assert len(alias) == 512
    notifiers.resolve(long_key, OG)
    assert [a.status for a in opsgenie.alerts()] == ["closed"]


def test_closing_an_unknown_alias_is_accepted_but_fails_later(
    notifiers: Notifiers, opsgenie: FakeOpsgenie
) -> None:
    notifiers.resolve("never-created", OG)  # 202: the API is asynchronous
    [action] = opsgenie.actions()
    assert (action.success, action.status) == (False, "Alert does not exist")


def test_a_bad_api_key_is_permanent(
    make_notifiers: Callable[..., Notifiers], opsgenie: FakeOpsgenie
) -> None:
    notifiers = make_notifiers(secrets={"OG_KEY_ALICE": "not-a-known-key"}.get)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), OG)
    assert (caught.value.permanent, caught.value.status, caught.value.attempts) == (True, 401, 1)
    assert "Could not authenticate" in str(caught.value)


def test_429_with_retry_after_then_success(
    notifiers: Notifiers, opsgenie: FakeOpsgenie, waits: Waits
) -> None:
    opsgenie.fail(1, status=429, retry_after=3)
    notifiers.trigger(notice(), OG)
    assert waits.calls == [3.0]
    assert [r.status for r in opsgenie.requests()] == [429, 202]
    assert len(opsgenie.open_alerts()) == 1


def test_missing_api_key_setting(
    make_notifiers: Callable[..., Notifiers], opsgenie: FakeOpsgenie
) -> None:
    notifiers = make_notifiers(secrets=no_secrets)
    with pytest.raises(DeliveryFailed, match="the setting OG_KEY_EU is not set"):
        notifiers.acknowledge("k", OpsgenieChannel("OG_KEY_EU"))
    assert opsgenie.requests() == []


def test_the_eu_region_url_is_exported() -> None:
    assert EU_OPSGENIE_URL == "https://api.eu.opsgenie.com"
