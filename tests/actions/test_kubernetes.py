"""kubernetes.scale against the fake API server: counts, the cap, errors, dry run, undo, and the
in-cluster service account."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.cluster import resolve_cluster
from bot.playbooks.actions.registry import Actions
from tests.actions.support import READ_ONLY, Servers, settings_for
from tests.notify.support import Waits

KEY = "incident-7:playbook-3:step-1"
SCALE = "/apis/apps/v1/namespaces/prod/deployments/web/scale"


def scale(replicas: str, **extra: object) -> dict[str, object]:
    return {"deployment": "web", "namespace": "prod", "replicas": replicas, **extra}


@pytest.mark.parametrize(
    ("written", "expected"),
    [("6", 6), ("+2", 5), ("-1", 2), ("x2", 6), ("x1.5", 5), ("X1.1", 4)],
)
def test_scale_sets_the_computed_count_with_a_merge_patch(
    written: str, expected: int, fakes: Servers, actions: Actions
) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)

    plan = actions.plan("kubernetes.scale", scale(written))
    assert (plan.before, plan.after) == ("3 replicas", f"{expected} replicas")
    assert plan.calls[0].headers["Authorization"] == "Bearer ***"
    outcome = actions.run(plan, KEY)

    assert fakes.kubernetes.replicas("prod", "web") == expected
    assert outcome.summary == (
        f"Kubernetes deployment `web` (namespace prod): 3 replicas -> {expected} replicas"
    )
    read, patch = fakes.kubernetes.requests()
    assert (read.method, read.path) == ("GET", SCALE)
    assert (patch.method, patch.path, patch.query) == ("PATCH", SCALE, {})
    assert patch.headers["content-type"] == "application/merge-patch+json"
    assert patch.headers["authorization"] == f"Bearer {fakes.kubernetes.token}"
    assert patch.json() == {"spec": {"replicas": expected}}


def test_the_undo_scales_back_to_the_old_count(fakes: Servers, actions: Actions) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    outcome = actions.run(actions.plan("kubernetes.scale", scale("+3")), KEY)
    assert outcome.undo is not None
    assert outcome.undo.params == {"deployment": "web", "namespace": "prod", "replicas": "3"}
    assert outcome.undo.summary == "scale deployment `web` (namespace prod) back to 3 replicas"

    actions.run(actions.undo_plan(outcome.undo), KEY + ":undo")

    assert fakes.kubernetes.replicas("prod", "web") == 3


def test_a_count_above_the_setting_cap_is_refused_before_anything_changes(
    fakes: Servers, make_actions: Callable[..., Actions]
) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 4)
    actions = make_actions(kubernetes_max_replicas=6)

    with pytest.raises(ActionError) as raised:
        actions.plan("kubernetes.scale", scale("x2"))

    message = raised.value.message
    assert "gives 8 replicas, above the cap of 6" in message
    assert "KUBERNETES_MAX_REPLICAS is 6" in message
    assert not raised.value.retryable
    assert fakes.kubernetes.writes() == []


def test_the_step_cap_applies_when_it_is_lower(fakes: Servers, actions: Actions) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 4)

    with pytest.raises(ActionError) as raised:
        actions.plan("kubernetes.scale", scale("+3", max_replicas=5))

    assert "gives 7 replicas, above the cap of 5" in raised.value.message
    assert "the step's max_replicas is 5" in raised.value.message
    assert actions.plan("kubernetes.scale", scale("+1", max_replicas=5)).after == "5 replicas"


def test_a_count_below_zero_is_refused(fakes: Servers, actions: Actions) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 2)

    with pytest.raises(ActionError) as raised:
        actions.plan("kubernetes.scale", scale("-3"))

    assert "gives -1 replicas, below 0" in raised.value.message
    assert fakes.kubernetes.writes() == []


def test_the_same_count_changes_nothing(fakes: Servers, actions: Actions) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)

    plan = actions.plan("kubernetes.scale", scale("3"))
    outcome = actions.run(plan, KEY)

    assert plan.changes_nothing
    assert plan.calls == ()
    assert outcome.undo is None
    assert fakes.kubernetes.writes() == []


def test_a_missing_deployment_names_the_namespace_and_name(
    fakes: Servers, actions: Actions
) -> None:
    with pytest.raises(ActionError) as raised:
        actions.plan("kubernetes.scale", scale("+1"))

    message = raised.value.message
    assert "no Deployment `web` in namespace `prod`" in message
    assert 'deployments.apps "web" not found' in message
    assert not raised.value.retryable


def test_a_token_without_patch_rights_says_which_verb_and_resource(
    fakes: Servers, make_actions: Callable[..., Actions]
) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    actions = make_actions(kubernetes_token=READ_ONLY)
    plan = actions.plan("kubernetes.scale", scale("+1"))

    with pytest.raises(ActionError) as raised:
        actions.run(plan, KEY)

    message = raised.value.message
    assert "lacks rights" in message
    assert "cannot patch deployments/scale in namespace prod" in message
    assert "KUBERNETES_TOKEN" in message
    assert READ_ONLY not in message
    assert not raised.value.retryable
    assert fakes.kubernetes.replicas("prod", "web") == 3


def test_an_invalid_token_is_reported(fakes: Servers, make_actions: Callable[..., Actions]) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    actions = make_actions(kubernetes_token="expired-token")

    with pytest.raises(ActionError) as raised:
        actions.plan("kubernetes.scale", scale("+1"))

    assert "HTTP 401: Unauthorized" in raised.value.message
    assert "expired-token" not in raised.value.message


def test_dry_run_asks_the_api_server_and_changes_nothing(fakes: Servers, actions: Actions) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    plan = actions.plan("kubernetes.scale", scale("x2"))

    note = actions.dry_run_note(plan)

    assert note == (
        "The API server accepted a dry run (dryRun=All): deployment `web` (namespace prod) "
        "would have 6 replicas. Nothing was changed."
    )
    assert fakes.kubernetes.replicas("prod", "web") == 3
    (patch,) = fakes.kubernetes.writes()
    assert patch.query == {"dryRun": "All"}
    assert patch.json() == {"spec": {"replicas": 6}}


def test_dry_run_reports_what_the_api_server_refuses(
    fakes: Servers, make_actions: Callable[..., Actions]
) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    actions = make_actions(kubernetes_token=READ_ONLY)
    plan = actions.plan("kubernetes.scale", scale("x2"))

    with pytest.raises(ActionError) as raised:
        actions.dry_run_note(plan)

    assert "cannot patch deployments/scale" in raised.value.message


def test_a_rate_limited_patch_waits_and_succeeds(
    fakes: Servers, actions: Actions, waits: Waits
) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    plan = actions.plan("kubernetes.scale", scale("+1"))
    fakes.kubernetes.fail(1, status=429, retry_after=1)

    actions.run(plan, KEY)

    assert fakes.kubernetes.replicas("prod", "web") == 4
    assert [w.status for w in fakes.kubernetes.writes()] == [429, 200]
    assert waits.calls == [1.0]


@pytest.mark.parametrize("replicas", ["many", "x0", "+", "2.5", ""])
def test_a_bad_replicas_expression_is_explained(
    replicas: str, fakes: Servers, actions: Actions
) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)

    with pytest.raises(ActionError) as raised:
        actions.plan("kubernetes.scale", scale(replicas))

    assert "parameter `replicas`" in raised.value.message
    assert fakes.kubernetes.requests() == []


# -- credentials --------------------------------------------------------------------------------


def service_account(folder: Path, token: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "token").write_text(token + "\n")
    return folder


def test_the_service_account_token_is_used_and_reread_when_it_rotates(
    fakes: Servers, make_actions: Callable[..., Actions], tmp_path: Path
) -> None:
    fakes.kubernetes.add_deployment("prod", "web", 3)
    account = service_account(tmp_path / "sa", fakes.kubernetes.token)
    actions = make_actions(kubernetes_token=None, kubernetes_service_account_dir=account)

    plan = actions.plan("kubernetes.scale", scale("+1"))
    (account / "token").write_text("rotated-by-the-kubelet")
    with pytest.raises(ActionError) as raised:
        actions.run(plan, KEY)

    first, second = fakes.kubernetes.requests()
    assert first.headers["authorization"] == f"Bearer {fakes.kubernetes.token}"
    assert second.headers["authorization"] == "Bearer rotated-by-the-kubelet"
    assert f"the service account token ({account / 'token'})" in raised.value.message
    assert "rotated-by-the-kubelet" not in raised.value.message


def test_in_cluster_settings_come_from_the_environment_and_the_account_folder(
    fakes: Servers, tmp_path: Path
) -> None:
    account = service_account(tmp_path / "sa", "in-cluster-token")
    (account / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    settings = settings_for(
        fakes,
        kubernetes_api_url=None,
        kubernetes_token=None,
        kubernetes_service_account_dir=account,
    )

    cluster = resolve_cluster(
        settings, {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "6443"}
    )
    ipv6 = resolve_cluster(settings, {"KUBERNETES_SERVICE_HOST": "fd00::1"})

    assert cluster.url == "https://10.96.0.1:6443"
    assert cluster.ca_file == account / "ca.crt"
    assert cluster.token() == "in-cluster-token"
    assert ipv6.url == "https://[fd00::1]:443"


def test_without_a_cluster_the_step_names_the_settings(
    fakes: Servers, make_actions: Callable[..., Actions], tmp_path: Path
) -> None:
    actions = make_actions(
        kubernetes_api_url=None, kubernetes_token=None, kubernetes_service_account_dir=tmp_path
    )

    with pytest.raises(ActionError) as raised:
        actions.plan("kubernetes.scale", scale("+1"))

    assert "set KUBERNETES_API_URL and KUBERNETES_TOKEN" in raised.value.message
    assert not raised.value.retryable


def test_without_a_token_the_step_names_the_setting(
    fakes: Servers, make_actions: Callable[..., Actions], tmp_path: Path
) -> None:
    actions = make_actions(kubernetes_token=None, kubernetes_service_account_dir=tmp_path)

    with pytest.raises(ActionError) as raised:
        actions.plan("kubernetes.scale", scale("+1"))

    assert "set KUBERNETES_TOKEN" in raised.value.message
    assert fakes.kubernetes.requests() == []
