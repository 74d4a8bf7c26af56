"""feature_flag.disable / .enable against each provider's fake, over real HTTP on loopback: the
same behaviour for LaunchDarkly, Unleash, Flagsmith and the generic HTTP provider."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.registry import Actions
from tests.actions.support import READ_ONLY, FlagCase, Servers
from tests.notify.support import Waits
from tests.sandbox.waiting import eventually

KEY = "incident-7:playbook-2:step-3"


def test_plan_reads_the_state_and_shows_the_write_with_the_credential_hidden(
    case: FlagCase, fakes: Servers, actions: Actions
) -> None:
    case.seed(fakes, True)
    plan = actions.plan("feature_flag.disable", case.params(fakes))

    assert (plan.before, plan.after, plan.changes_nothing) == ("on", "off", False)
    assert "checkout" in plan.target
    (call,) = plan.calls
    assert (call.method, call.url) == (
        case.write_method,
        case.fake(fakes).url + case.write_path(False),
    )
    assert call.headers["Authorization"] == case.shown_auth
    fake = case.fake(fakes)
    assert [r.method for r in fake.requests()] == ["GET"]
    assert fake.requests()[0].status == 200
    assert fake.token not in repr(plan)


def test_run_turns_the_flag_off_with_the_exact_request(
    case: FlagCase, fakes: Servers, actions: Actions
) -> None:
    case.seed(fakes, True)
    outcome = actions.run(actions.plan("feature_flag.disable", case.params(fakes)), KEY)

    assert case.is_on(fakes) is False
    assert (outcome.before, outcome.after) == ("on", "off")
    assert outcome.summary.endswith(": on -> off")
    fake = case.fake(fakes)
    (write,) = fake.writes()
    assert (write.method, write.path) == (case.write_method, case.write_path(False))
    assert write.status in (200, 204)
    assert write.headers.get("content-type") == case.write_content_type
    expected_body = case.write_body(False)
    if expected_body is None:
        assert write.body == b""
    else:
        sent = write.json()
        assert {k: sent[k] for k in expected_body} == expected_body
    assert fake.token in write.headers["authorization"]


def test_the_undo_turns_the_flag_back_on(case: FlagCase, fakes: Servers, actions: Actions) -> None:
    case.seed(fakes, True)
    outcome = actions.run(actions.plan("feature_flag.disable", case.params(fakes)), KEY)
    assert outcome.undo is not None
    assert outcome.undo.action == "feature_flag.enable"
    assert outcome.undo.params == case.params(fakes)
    assert outcome.undo.summary.startswith("re-enable ")

    undo_plan = actions.undo_plan(outcome.undo)
    assert (undo_plan.before, undo_plan.after) == ("off", "on")
    actions.run(undo_plan, KEY + ":undo")

    assert case.is_on(fakes) is True
    last = case.fake(fakes).writes()[-1]
    assert last.path == case.write_path(True)


def test_a_flag_already_off_changes_nothing_and_sends_no_write(
    case: FlagCase, fakes: Servers, actions: Actions
) -> None:
    case.seed(fakes, False)
    plan = actions.plan("feature_flag.disable", case.params(fakes))
    assert plan.changes_nothing
    assert plan.calls == ()

    outcome = actions.run(plan, KEY)

    assert outcome.undo is None
    assert "already off" in outcome.summary
    assert case.fake(fakes).writes() == []
    assert case.is_on(fakes) is False


def test_a_wrong_token_is_reported_with_the_setting_to_fix(
    case: FlagCase, fakes: Servers, make_actions: Callable[..., Actions]
) -> None:
    case.seed(fakes, True)
    actions = make_actions(**{case.token_field: "not-the-right-token"})

    with pytest.raises(ActionError) as raised:
        actions.plan("feature_flag.disable", case.params(fakes))

    error = raised.value
    assert "HTTP 401" in error.message
    assert case.token_setting in error.message
    assert "not-the-right-token" not in error.message
    assert not error.retryable
    assert len(case.fake(fakes).requests()) == 1  # a 401 is not retried


def test_a_read_only_token_cannot_turn_the_flag_off(
    case: FlagCase, fakes: Servers, make_actions: Callable[..., Actions]
) -> None:
    case.seed(fakes, True)
    actions = make_actions(**{case.token_field: READ_ONLY})
    plan = actions.plan("feature_flag.disable", case.params(fakes))

    with pytest.raises(ActionError) as raised:
        actions.run(plan, KEY)

    assert "HTTP 403" in raised.value.message
    assert case.token_setting in raised.value.message
    assert "turning off" in raised.value.message
    assert not raised.value.retryable
    assert case.is_on(fakes) is True


def test_an_unknown_flag_is_reported_and_not_retried(
    case: FlagCase, fakes: Servers, actions: Actions
) -> None:
    params = {**case.params(fakes), "flag": "no-such-flag"}
    if case.provider == "http":
        params["url"] = case.fake(fakes).url_for("flags/no-such-flag")  # type: ignore[attr-defined]
    case.seed(fakes, True)

    with pytest.raises(ActionError) as raised:
        actions.plan("feature_flag.disable", params)

    assert "no-such-flag" in raised.value.message
    assert not raised.value.retryable
    assert len(case.fake(fakes).requests()) == 1


def test_a_server_error_is_retried_and_then_succeeds(
    case: FlagCase, fakes: Servers, actions: Actions, waits: Waits
) -> None:
    case.seed(fakes, True)
    plan = actions.plan("feature_flag.disable", case.params(fakes))
    case.fake(fakes).fail(1, status=500)

    outcome = actions.run(plan, KEY)

    assert outcome.after == "off"
    assert case.is_on(fakes) is False
    first, second = (w.status for w in case.fake(fakes).writes())
    assert (first, second in (200, 204)) == (500, True)
    assert len(waits.calls) == 1


def test_a_rate_limit_is_retried_after_the_time_the_server_asked(
    case: FlagCase, fakes: Servers, actions: Actions, waits: Waits
) -> None:
    case.seed(fakes, True)
    case.fake(fakes).fail(1, status=429, retry_after=2)

    plan = actions.plan("feature_flag.disable", case.params(fakes))

    assert plan.before == "on"
    assert waits.calls == [2.0]
    assert [r.status for r in case.fake(fakes).requests()] == [429, 200]


def test_a_conflict_is_not_retried_but_may_be_run_again(
    case: FlagCase, fakes: Servers, actions: Actions
) -> None:
    case.seed(fakes, True)
    plan = actions.plan("feature_flag.disable", case.params(fakes))
    case.fake(fakes).fail(1, status=409)

    with pytest.raises(ActionError) as raised:
        actions.run(plan, KEY)

    assert "HTTP 409" in raised.value.message
    assert raised.value.retryable
    assert len(case.fake(fakes).writes()) == 1

    actions.run(plan, KEY)  # running the step again works
    assert case.is_on(fakes) is False


def test_a_provider_that_never_answers_gives_a_clear_retryable_error(
    case: FlagCase, fakes: Servers, actions: Actions, waits: Waits
) -> None:
    case.seed(fakes, True)
    case.fake(fakes).timeout(3, seconds=5)

    with pytest.raises(ActionError) as raised:
        actions.plan("feature_flag.disable", case.params(fakes))

    message = raised.value.message
    assert "did not answer while reading" in message
    assert "ReadTimeout" in message
    assert "3 attempts" in message
    assert raised.value.retryable
    assert [r.status for r in case.fake(fakes).requests()] == [None, None, None]
    assert len(waits.calls) == 2


def test_a_slow_write_is_retried_and_setting_the_state_twice_is_harmless(
    case: FlagCase, fakes: Servers, actions: Actions
) -> None:
    case.seed(fakes, True)
    plan = actions.plan("feature_flag.disable", case.params(fakes))
    case.fake(fakes).slow(1, seconds=0.8)  # longer than the 0.3 s read timeout

    outcome = actions.run(plan, KEY)

    assert outcome.after == "off"
    # The slow first write is recorded when it finally runs, after the retry has succeeded.
    eventually(lambda: len(case.fake(fakes).writes()) == 2, "the slow write")
    assert case.is_on(fakes) is False


def test_a_missing_credential_names_the_setting_and_sends_nothing(
    case: FlagCase, fakes: Servers, make_actions: Callable[..., Actions]
) -> None:
    case.seed(fakes, True)
    actions = make_actions(**{case.token_field: None})

    with pytest.raises(ActionError) as raised:
        actions.plan("feature_flag.disable", case.params(fakes))

    assert f"set {case.token_setting}" in raised.value.message
    assert not raised.value.retryable
    assert case.fake(fakes).requests() == []
