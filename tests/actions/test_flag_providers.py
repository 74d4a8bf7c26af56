"""What differs between flag providers: LaunchDarkly's approvals and headers, Flagsmith's change
requests, Unleash's server URL, missing parameters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.kernel.http import rate_limit_reset_seconds
from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.registry import Actions
from tests.actions.support import FLAG_CASES, Servers

LAUNCHDARKLY, UNLEASH, FLAGSMITH, FLAG_HTTP = FLAG_CASES
KEY = "incident-7:playbook-2:step-3"


def test_launchdarkly_reports_a_pending_approval_conflict_and_does_not_retry(
    fakes: Servers, actions: Actions
) -> None:
    LAUNCHDARKLY.seed(fakes, True)
    plan = actions.plan("feature_flag.disable", LAUNCHDARKLY.params(fakes))
    fakes.launchdarkly.add_pending_approval("shop", "checkout", "production")

    with pytest.raises(ActionError) as raised:
        actions.run(plan, KEY)

    message = raised.value.message
    assert "pending approval" in message
    assert "Review the pending approval in LaunchDarkly" in message
    assert not raised.value.retryable
    (write,) = fakes.launchdarkly.writes()
    assert write.status == 400
    assert "ignoreConflicts" not in write.query
    assert fakes.launchdarkly.is_on("shop", "checkout", "production")


def test_launchdarkly_write_carries_the_run_key_in_its_comment_and_pins_the_api_version(
    fakes: Servers, actions: Actions
) -> None:
    LAUNCHDARKLY.seed(fakes, True)
    plan = actions.plan("feature_flag.disable", LAUNCHDARKLY.params(fakes))
    assert plan.calls[0].body["comment"] == "warroom incident playbook step (run <run key>)"

    actions.run(plan, KEY)

    (read, write) = fakes.launchdarkly.requests()
    assert read.query == {"env": "production"}
    assert write.json()["comment"] == f"warroom incident playbook step (run {KEY})"
    assert write.headers["ld-api-version"] == "20240415"
    assert write.headers["authorization"] == fakes.launchdarkly.token  # no scheme


def test_launchdarkly_unknown_environment_is_named(fakes: Servers, actions: Actions) -> None:
    LAUNCHDARKLY.seed(fakes, True)
    params = {**LAUNCHDARKLY.params(fakes), "environment": "qa"}

    with pytest.raises(ActionError) as raised:
        actions.plan("feature_flag.disable", params)

    assert "environment `qa`" in raised.value.message
    assert not raised.value.retryable


def test_x_ratelimit_reset_is_read_as_epoch_milliseconds() -> None:
    assert rate_limit_reset_seconds({"x-ratelimit-reset": "1700000002500"}, 1700000000.0) == 2.5
    assert rate_limit_reset_seconds({"x-ratelimit-reset": "1699999999000"}, 1700000000.0) == 0.0
    assert rate_limit_reset_seconds({"x-ratelimit-reset": "soon"}, 1700000000.0) is None
    assert rate_limit_reset_seconds({}, 1700000000.0) is None


def test_flagsmith_with_change_requests_says_so_and_does_not_retry(
    fakes: Servers, actions: Actions
) -> None:
    FLAGSMITH.seed(fakes, True)
    plan = actions.plan("feature_flag.disable", FLAGSMITH.params(fakes))
    fakes.flagsmith.enable_change_requests("prodEnvKey")

    with pytest.raises(ActionError) as raised:
        actions.run(plan, KEY)

    message = raised.value.message
    assert "change requests are enabled" in message
    assert "experimental" in message
    assert "Open a change request in Flagsmith" in message
    assert not raised.value.retryable
    assert len(fakes.flagsmith.writes()) == 1
    assert fakes.flagsmith.is_enabled("prodEnvKey", "checkout")


def test_flagsmith_reads_the_state_of_the_named_feature_only(
    fakes: Servers, actions: Actions
) -> None:
    FLAGSMITH.seed(fakes, False)  # "search" is on, "checkout" is off

    plan = actions.plan("feature_flag.disable", FLAGSMITH.params(fakes))

    assert plan.before == "off"
    (read,) = fakes.flagsmith.requests()
    assert read.path == "/api/v1/environments/prodEnvKey/featurestates/"
    assert read.query == {"feature_name": "checkout"}
    assert read.headers["authorization"] == f"Api-Key {fakes.flagsmith.token}"


def test_unleash_without_a_server_url_names_the_setting(
    fakes: Servers, make_actions: Callable[..., Actions]
) -> None:
    actions = make_actions(unleash_api_url=None)

    with pytest.raises(ActionError) as raised:
        actions.plan("feature_flag.disable", UNLEASH.params(fakes))

    assert "set UNLEASH_API_URL" in raised.value.message
    assert not raised.value.retryable


@pytest.mark.parametrize(
    ("provider", "missing"),
    [
        ("launchdarkly", "environment"),
        ("unleash", "environment"),
        ("flagsmith", "environment"),
        ("http", "url"),
    ],
)
def test_a_parameter_the_provider_needs_is_asked_for(
    provider: str, missing: str, fakes: Servers, actions: Actions
) -> None:
    with pytest.raises(ActionError) as raised:
        actions.plan("feature_flag.disable", {"provider": provider, "flag": "checkout"})

    assert f"parameter `{missing}` is required" in raised.value.message
    assert all(server.requests() == [] for server in fakes)


def test_an_unknown_provider_lists_the_known_ones(actions: Actions) -> None:
    with pytest.raises(ActionError) as raised:
        actions.plan("feature_flag.disable", {"provider": "split", "flag": "checkout"})

    assert "unknown provider `split`" in raised.value.message
    assert "launchdarkly" in raised.value.message
