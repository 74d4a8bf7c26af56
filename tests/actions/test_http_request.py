"""http.request against a local HTTP service (the fake flag service stands in for a runbook
endpoint): success, failure, retries with one idempotency key, and the bearer token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.registry import Actions
from tests.actions.support import Servers

KEY = "incident-7:playbook-4:step-2"
TOKEN_ENV = {"RUNBOOK_TOKEN": "flag-service-token-test"}


def request(fakes: Servers, **extra: object) -> dict[str, object]:
    return {
        "url": fakes.flag_http.url_for("flags/maintenance"),
        "method": "PUT",
        "json": {"enabled": True},
        "auth_env": "RUNBOOK_TOKEN",
        **extra,
    }


@pytest.fixture
def runbook(make_actions: Callable[..., Actions], fakes: Servers) -> Actions:
    fakes.flag_http.set_flag("flags/maintenance", False)
    return make_actions(env=TOKEN_ENV)


def test_the_plan_shows_the_request_with_the_token_hidden(fakes: Servers, runbook: Actions) -> None:
    plan = runbook.plan("http.request", request(fakes))

    (call,) = plan.calls
    assert (call.method, call.url, call.body) == (
        "PUT",
        fakes.flag_http.url_for("flags/maintenance"),
        {"enabled": True},
    )
    assert call.headers == {
        "Authorization": "Bearer ***",
        "Idempotency-Key": "<run key>",
        "Content-Type": "application/json",
    }
    assert plan.target == f"PUT {fakes.flag_http.url_for('flags/maintenance')}"
    assert fakes.flag_http.requests() == []  # planning sends nothing


def test_a_2xx_is_success_and_records_status_and_body(fakes: Servers, runbook: Actions) -> None:
    outcome = runbook.run(runbook.plan("http.request", request(fakes)), KEY)

    assert outcome.after == "HTTP 200"
    assert outcome.summary.endswith(': HTTP 200: {"enabled":true}')
    assert outcome.undo is None
    (sent,) = fakes.flag_http.requests()
    assert sent.headers["idempotency-key"] == KEY
    assert sent.headers["authorization"] == "Bearer flag-service-token-test"
    assert sent.json() == {"enabled": True}
    assert fakes.flag_http.is_enabled("flags/maintenance")


def test_a_retry_repeats_the_same_idempotency_key(fakes: Servers, runbook: Actions) -> None:
    fakes.flag_http.fail(1, status=503)

    runbook.run(runbook.plan("http.request", request(fakes)), KEY)

    first, second = fakes.flag_http.requests()
    assert (first.status, second.status) == (503, 200)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == KEY


def test_an_error_answer_is_reported_with_status_and_body(fakes: Servers, runbook: Actions) -> None:
    plan = runbook.plan("http.request", request(fakes, url=fakes.flag_http.url_for("nowhere")))

    with pytest.raises(ActionError) as raised:
        runbook.run(plan, KEY)

    assert raised.value.message == (
        f"PUT {fakes.flag_http.url_for('nowhere')} answered HTTP 404: no flag at /nowhere"
    )
    assert not raised.value.retryable
    assert len(fakes.flag_http.requests()) == 1


def test_a_text_body_is_sent_as_written(fakes: Servers, runbook: Actions) -> None:
    params = request(
        fakes, json=None, body='{"enabled": false}', headers={"Content-Type": "application/json"}
    )

    runbook.run(runbook.plan("http.request", params), KEY)

    (sent,) = fakes.flag_http.requests()
    assert sent.body == b'{"enabled": false}'
    assert fakes.flag_http.is_enabled("flags/maintenance") is False


def test_an_unset_token_variable_is_named(
    fakes: Servers, make_actions: Callable[..., Actions]
) -> None:
    actions = make_actions(env={})

    with pytest.raises(ActionError) as raised:
        actions.plan("http.request", request(fakes))

    assert "the environment variable RUNBOOK_TOKEN (named by `auth_env`) is not set" in (
        raised.value.message
    )
    assert not raised.value.retryable


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"body": "x"}, "give `body` or `json`, not both"),
        ({"method": "TRACE"}, "parameter `method` must be one of"),
        ({"url": ""}, "parameter `url` is required"),
        ({"headers": ["X-A: b"]}, "parameter `headers` must be a mapping"),
        ({"json": {"on": date(2026, 1, 2)}}, "parameter `json` cannot be sent as JSON"),
    ],
)
def test_bad_parameters_are_explained(
    extra: dict[str, object], problem: str, fakes: Servers, runbook: Actions
) -> None:
    with pytest.raises(ActionError) as raised:
        runbook.plan("http.request", request(fakes, **extra))

    assert problem in raised.value.message


def test_an_unreachable_url_is_a_retryable_error(fakes: Servers, runbook: Actions) -> None:
    plan = runbook.plan("http.request", request(fakes))
    fakes.flag_http.refuse_connections()

    with pytest.raises(ActionError) as raised:
        runbook.run(plan, KEY)

    assert "did not answer" in raised.value.message
    assert "ConnectError" in raised.value.message
    assert "running the step again is safe" in raised.value.message
    assert raised.value.retryable
