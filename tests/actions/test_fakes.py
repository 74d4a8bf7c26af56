"""The fakes answer like the real APIs where warroom's client does not go: wrong content types,
missing fields, bad credentials, and the slow-answer fault."""

from __future__ import annotations

import httpx
import pytest

from tests.actions.support import SEMANTIC_PATCH, Servers
from tests.sandbox.waiting import eventually
from warroom_sandbox.providers.kubernetes import SERVICE_ACCOUNT

SCALE = "/apis/apps/v1/namespaces/prod/deployments/web/scale"


def test_launchdarkly_semantic_patch_needs_its_content_type_and_environment(
    fakes: Servers,
) -> None:
    ld = fakes.launchdarkly
    ld.set_flag("shop", "checkout", {"production": True})
    url, auth = f"{ld.url}/api/v2/flags/shop/checkout", {"Authorization": ld.token}
    off = {"instructions": [{"kind": "turnFlagOff"}]}

    as_json_patch = httpx.patch(url, json={**off, "environmentKey": "production"}, headers=auth)
    no_env = httpx.patch(url, json=off, headers={**auth, "Content-Type": SEMANTIC_PATCH})
    no_token = httpx.get(url)

    assert as_json_patch.status_code == 400
    assert as_json_patch.json()["code"] == "invalid_request"
    assert no_env.status_code == 400
    assert "environmentKey is required" in no_env.json()["message"]
    assert no_token.status_code == 401
    assert no_token.json()["message"] == "Invalid access token"
    assert ld.is_on("shop", "checkout", "production")


def test_launchdarkly_json_patch_and_ignore_conflicts(fakes: Servers) -> None:
    ld = fakes.launchdarkly
    ld.set_flag("shop", "checkout", {"production": True})
    ld.add_pending_approval("shop", "checkout", "production")
    url, auth = f"{ld.url}/api/v2/flags/shop/checkout", {"Authorization": ld.token}
    patch = [{"op": "replace", "path": "/environments/production/on", "value": False}]

    blocked = httpx.patch(url, json=patch, headers=auth)
    forced = httpx.patch(url, params={"ignoreConflicts": "true"}, json=patch, headers=auth)

    assert blocked.status_code == 400
    assert forced.status_code == 200
    assert forced.json()["environments"]["production"]["on"] is False


def test_launchdarkly_rate_limit_headers(fakes: Servers) -> None:
    ld = fakes.launchdarkly
    ld.set_flag("shop", "checkout", {"production": True})
    ld.fail(1, status=429, retry_after=3)

    answer = httpx.get(f"{ld.url}/api/v2/flags/shop/checkout", headers={"Authorization": ld.token})

    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "3"
    assert int(answer.headers["x-ratelimit-reset"]) > 0
    assert answer.json()["code"] == "rate_limited"


def test_unleash_errors_name_the_missing_thing(fakes: Servers) -> None:
    un = fakes.unleash
    un.set_feature("shop", "checkout", {"production": True})
    auth = {"Authorization": un.token}
    base = f"{un.url}/api/admin/projects/shop/features"

    no_env = httpx.post(f"{base}/checkout/environments/qa/off", headers=auth)
    no_feature = httpx.get(f"{base}/nope", headers=auth)
    bearer = httpx.get(f"{base}/checkout", headers={"Authorization": f"Bearer {un.token}"})

    assert (no_env.status_code, no_env.json()["name"]) == (404, "NotFoundError")
    assert 'environment "qa"' in no_env.json()["message"]
    assert (no_feature.status_code, no_feature.json()["name"]) == (404, "NotFoundError")
    assert (bearer.status_code, bearer.json()["name"]) == (401, "AuthenticationRequired")


def test_flagsmith_validates_like_drf(fakes: Servers) -> None:
    fs = fakes.flagsmith
    fs.set_flag("envKey", "checkout", True)
    url = f"{fs.url}/api/experiments/environments/envKey/update-flag-v1/"
    auth = {"Authorization": f"Api-Key {fs.token}"}

    both = httpx.post(url, json={"feature": {"name": "checkout", "id": 1}}, headers=auth)
    unknown = httpx.post(url, json={"feature": {"name": "nope"}, "enabled": False}, headers=auth)
    no_key = httpx.post(url, json={"feature": {"name": "checkout"}, "enabled": False})
    by_id = httpx.get(
        f"{fs.url}/api/v1/environments/envKey/featurestates/",
        params={"feature_name": "checkout"},
        headers=auth,
    )
    feature_id = by_id.json()["results"][0]["feature"]
    toggled = httpx.post(url, json={"feature": {"id": feature_id}, "enabled": False}, headers=auth)

    assert both.json() == {
        "feature": {"non_field_errors": ["Provide either 'name' or 'id', not both"]}
    }
    assert unknown.json() == ["Feature '{'name': 'nope'}' not found in project"]
    assert no_key.status_code == 401
    assert no_key.json() == {"detail": "Authentication credentials were not provided."}
    assert (toggled.status_code, toggled.content) == (204, b"")
    assert fs.is_enabled("envKey", "checkout") is False


def test_kubernetes_checks_patch_type_dry_run_and_counts(fakes: Servers) -> None:
    k8s = fakes.kubernetes
    k8s.add_deployment("prod", "web", 2)
    url, auth = k8s.url + SCALE, {"Authorization": f"Bearer {k8s.token}"}
    merge = {**auth, "Content-Type": "application/merge-patch+json"}

    plain_json = httpx.patch(url, json={"spec": {"replicas": 3}}, headers=auth)
    bad_dry_run = httpx.patch(
        url, params={"dryRun": "Some"}, json={"spec": {"replicas": 3}}, headers=merge
    )
    negative = httpx.patch(url, json={"spec": {"replicas": -1}}, headers=merge)
    json_patch = httpx.patch(
        url,
        json=[{"op": "replace", "path": "/spec/replicas", "value": 4}],
        headers={**auth, "Content-Type": "application/json-patch+json"},
    )

    assert (plain_json.status_code, plain_json.json()["reason"]) == (415, "UnsupportedMediaType")
    assert bad_dry_run.status_code == 400
    assert (negative.status_code, negative.json()["reason"]) == (422, "Invalid")
    assert json_patch.json()["spec"] == {"replicas": 4}
    assert json_patch.json()["status"]["replicas"] == 4
    assert k8s.replicas("prod", "web") == 4


def test_kubernetes_forbidden_names_the_service_account(fakes: Servers) -> None:
    k8s = fakes.kubernetes
    k8s.add_deployment("prod", "web", 2)

    answer = httpx.patch(
        k8s.url + SCALE,
        json={"spec": {"replicas": 3}},
        headers={
            "Authorization": "Bearer read-only-token-for-tests",
            "Content-Type": "application/merge-patch+json",
        },
    )

    status = answer.json()
    assert (answer.status_code, status["kind"], status["reason"]) == (403, "Status", "Forbidden")
    assert (
        f'User "{SERVICE_ACCOUNT}" cannot patch resource "deployments/scale"' in status["message"]
    )


@pytest.mark.parametrize("seconds", [0.6])
def test_a_slow_answer_still_happens_after_the_client_gave_up(
    fakes: Servers, seconds: float
) -> None:
    k8s = fakes.kubernetes
    k8s.add_deployment("prod", "web", 2)
    k8s.slow(1, seconds=seconds)

    with pytest.raises(httpx.ReadTimeout):
        httpx.patch(
            k8s.url + SCALE,
            json={"spec": {"replicas": 5}},
            headers={
                "Authorization": f"Bearer {k8s.token}",
                "Content-Type": "application/merge-patch+json",
            },
            timeout=httpx.Timeout(5.0, read=0.2),
        )

    eventually(lambda: k8s.replicas("prod", "web") == 5, "the slow patch to apply")
    assert k8s.writes()[0].status == 200
