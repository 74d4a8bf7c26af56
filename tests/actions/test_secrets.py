"""Credentials never appear in plans, outcomes, errors or logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.http import Call, Reply, api_message
from bot.playbooks.actions.registry import Actions
from tests.actions.support import FlagCase, Servers

KEY = "incident-7:playbook-2:step-3"


def test_no_credential_in_plans_outcomes_errors_or_logs(
    case: FlagCase,
    fakes: Servers,
    make_actions: Callable[..., Actions],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    case.seed(fakes, True)
    token = case.fake(fakes).token
    actions = make_actions()
    case.fake(fakes).fail(1, status=500)
    plan = actions.plan("feature_flag.disable", case.params(fakes))
    outcome = actions.run(plan, KEY)
    wrong = make_actions(**{case.token_field: "wrong-secret-0123456789"})
    with pytest.raises(ActionError) as raised:
        wrong.plan("feature_flag.disable", case.params(fakes))

    shown = [repr(plan), str(plan), repr(outcome), str(raised.value), repr(raised.value)]
    shown.append(caplog.text)
    assert any("retrying" in record.getMessage() for record in caplog.records)
    for text in shown:
        assert token not in text
        assert "wrong-secret-0123456789" not in text


def test_kubernetes_token_stays_out_of_plans_and_logs(
    fakes: Servers, actions: Actions, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fakes.kubernetes.add_deployment("prod", "web", 3)
    fakes.kubernetes.fail(1, status=503)

    plan = actions.plan(
        "kubernetes.scale", {"deployment": "web", "namespace": "prod", "replicas": "+1"}
    )
    note = actions.dry_run_note(plan)

    for text in (repr(plan), str(note), caplog.text):
        assert fakes.kubernetes.token not in text


def test_an_error_body_echoing_a_secret_is_redacted() -> None:
    reply = Reply(401, httpx.Headers(), '{"message": "token s3cr3t-value is revoked"}', 1)

    assert api_message(reply, ("s3cr3t-value",)) == "token [redacted] is revoked"


def test_a_call_hides_its_secrets_wherever_they_appear_in_headers() -> None:
    call = Call(
        "POST",
        "https://example.com/hook",
        {"Authorization": "Bearer abc123", "X-Trace": "id-abc123-tail", "Accept": "*/*"},
        secrets=("abc123",),
    )

    assert call.shown().headers == {
        "Authorization": "Bearer ***",
        "X-Trace": "id-***-tail",
        "Accept": "*/*",
    }
    assert "abc123" not in repr(call)
