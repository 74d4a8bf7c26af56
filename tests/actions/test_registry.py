"""The registry: which actions exist and how it refuses what it cannot do."""

from __future__ import annotations

import pytest

from bot.playbooks.actions.base import ActionError, Plan
from bot.playbooks.actions.registry import Actions
from bot.playbooks.domain.catalogue import CATALOGUE
from tests.actions.support import Servers


def test_every_catalogue_action_and_the_undo_only_enable_are_known(actions: Actions) -> None:
    assert set(actions.names) == {*CATALOGUE, "feature_flag.enable"}


def test_an_unknown_action_is_refused(actions: Actions) -> None:
    with pytest.raises(ActionError) as raised:
        actions.plan("dns.flush", {})

    assert raised.value.message.startswith("Unknown action `dns.flush`")
    assert not raised.value.retryable


def test_a_run_needs_an_idempotency_key(fakes: Servers, actions: Actions) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    plan = actions.plan(
        "kubernetes.scale", {"deployment": "web", "namespace": "prod", "replicas": "4"}
    )

    with pytest.raises(ActionError, match="idempotency key"):
        actions.run(plan, " ")

    assert fakes.kubernetes.writes() == []


def test_a_plan_without_its_state_asks_for_a_new_plan(fakes: Servers, actions: Actions) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    plan = actions.plan(
        "kubernetes.scale", {"deployment": "web", "namespace": "prod", "replicas": "4"}
    )
    stripped = Plan(plan.action, plan.params, plan.target, plan.before, plan.after, plan.calls)

    with pytest.raises(ActionError, match="make a new plan"):
        actions.run(stripped, "key")

    assert fakes.kubernetes.writes() == []


def test_dry_run_notes_only_come_from_kubernetes(fakes: Servers, actions: Actions) -> None:
    fakes.flag_http.set_flag("flags/checkout", True)
    plan = actions.plan(
        "feature_flag.disable",
        {"provider": "http", "flag": "checkout", "url": fakes.flag_http.url_for("flags/checkout")},
    )

    assert actions.dry_run_note(plan) is None
    assert fakes.flag_http.writes() == []
