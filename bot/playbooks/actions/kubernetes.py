"""``kubernetes.scale``: set a Deployment's replicas through its ``scale`` subresource.

Based on the Kubernetes API reference (``apps/v1`` Deployment ``scale``, ``autoscaling/v1``
``Scale``, ``meta/v1`` ``Status``) and API concepts (merge patch, ``dryRun=All``):

- ``plan`` reads ``GET {server}/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale``
  (``spec.replicas``; the field is omitted at 0), applies the step's ``replicas``
  (:mod:`bot.playbooks.actions.replicas`) and refuses a count below 0 or above the cap, ``min(step
  max_replicas, KUBERNETES_MAX_REPLICAS)``, naming the computed count and the cap.
- ``run`` sends ``PATCH`` of the same path with ``Content-Type: application/merge-patch+json``
  and ``{"spec": {"replicas": N}}``: the absolute count the confirmation showed (re-checked
  against the cap), so a repeat sets the same count. The undo scales back to the old count.
- ``dry_run`` sends the same PATCH with ``?dryRun=All``: the API server validates and
  authorises it and answers as if applied, without changing anything.
- Errors are ``Status`` objects: a 404 names the namespace and Deployment; a 401/403 says the
  token lacks rights, with the verb and resource from the Status message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.playbooks.actions import params as p
from bot.playbooks.actions.base import ActionError, Outcome, Plan, Undo
from bot.playbooks.actions.cluster import Cluster
from bot.playbooks.actions.failures import Advice, refused
from bot.playbooks.actions.http import ActionHttp, Call, Reply, api_message
from bot.playbooks.actions.replicas import ReplicaChange, parse_replicas

NAME = "kubernetes.scale"
PROVIDER = "Kubernetes"
MERGE_PATCH = "application/merge-patch+json"
_FORBIDDEN = re.compile(r'cannot (\S+) resource "([^"]+)"')
ADVICE = Advice(
    setting="KUBERNETES_TOKEN",
    credential="a valid bearer token for the API server (or that the service account exists)",
    rights="get and patch on deployments/scale",
    not_found="Check the Deployment name and namespace in the playbook step.",
)


@dataclass(frozen=True)
class _Step:
    deployment: str
    namespace: str
    change: ReplicaChange
    step_cap: int | None

    @property
    def label(self) -> str:
        return f"deployment `{self.deployment}` (namespace {self.namespace})"

    @property
    def path(self) -> str:
        ns, name = quote(self.namespace, safe=""), quote(self.deployment, safe="")
        return f"/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale"


class KubernetesScale:
    """See the module docstring. ``cluster`` resolves credentials when a step needs them;
    ``http_for`` gives the HTTP sender trusting a CA file (``None``: the system's roots)."""

    name = NAME

    def __init__(
        self,
        cluster: Callable[[], Cluster],
        http_for: Callable[[Path | None], ActionHttp],
        max_replicas: int,
    ) -> None:
        self._cluster = cluster
        self._http_for = http_for
        self._max_replicas = max_replicas

    def plan(self, params: Mapping[str, Any]) -> Plan:
        step = _step(params)
        current = self._current(step)
        target = step.change.apply(current)
        self._check(step, current, target)
        changes_nothing = target == current
        calls = () if changes_nothing else (self._patch_call(step, target, dry_run=False).shown(),)
        return Plan(
            action=NAME,
            params=dict(params),
            target=f"{PROVIDER} {step.label}",
            before=_replicas(current),
            after=_replicas(target),
            calls=calls,
            changes_nothing=changes_nothing,
            state={"current": current, "target": target},
        )

    def run(self, plan: Plan, idempotency_key: str) -> Outcome:
        step = _step(plan.params)
        current, target = _state_int(plan, "current"), _state_int(plan, "target")
        if plan.changes_nothing:
            summary = f"{plan.target}: already {_replicas(target)}, nothing was changed"
            return Outcome(summary, plan.before, plan.after, None)
        self._check(step, current, target)
        after = self._patch(step, target, dry_run=False)
        undo = Undo(
            NAME,
            {"deployment": step.deployment, "namespace": step.namespace, "replicas": str(current)},
            f"scale {step.label} back to {_replicas(current)}",
        )
        return Outcome(
            f"{plan.target}: {plan.before} -> {_replicas(after)}",
            plan.before,
            _replicas(after),
            undo,
        )

    def dry_run(self, plan: Plan) -> str:
        """What the API server says to the plan's PATCH sent with ``dryRun=All``."""
        step = _step(plan.params)
        target = _state_int(plan, "target")
        self._check(step, _state_int(plan, "current"), target)
        after = self._patch(step, target, dry_run=True)
        return (
            f"The API server accepted a dry run (dryRun=All): {step.label} would have "
            f"{_replicas(after)}. Nothing was changed."
        )

    # -- requests -------------------------------------------------------------------------------

    def _current(self, step: _Step) -> int:
        call = self._call("GET", step, None)
        doing = f"reading the scale of {step.label}"
        reply = self._send(call, doing, step)
        return _spec_replicas(reply, step)

    def _patch(self, step: _Step, target: int, *, dry_run: bool) -> int:
        call = self._patch_call(step, target, dry_run=dry_run)
        doing = f"scaling {step.label} to {_replicas(target)}"
        if dry_run:
            doing = f"dry-running the scaling of {step.label} to {_replicas(target)}"
        return _spec_replicas(self._send(call, doing, step), step)

    def _patch_call(self, step: _Step, target: int, *, dry_run: bool) -> Call:
        call = self._call("PATCH", step, {"spec": {"replicas": target}})
        return Call(
            call.method,
            call.url + ("?dryRun=All" if dry_run else ""),
            {**call.headers, "Content-Type": MERGE_PATCH},
            json=call.json,
            secrets=call.secrets,
        )

    def _call(self, method: str, step: _Step, body: object) -> Call:
        cluster = self._cluster()
        token = cluster.token()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return Call(method, cluster.url + step.path, headers, json=body, secrets=(token,))

    def _send(self, call: Call, doing: str, step: _Step) -> Reply:
        cluster = self._cluster()
        reply = self._http_for(cluster.ca_file).send(call, provider=PROVIDER, doing=doing)
        if reply.ok:
            return reply
        raise _failure(reply, doing, step, cluster, call.secrets)

    # -- the cap --------------------------------------------------------------------------------

    def _check(self, step: _Step, current: int, target: int) -> None:
        caps = [self._max_replicas] + ([step.step_cap] if step.step_cap is not None else [])
        cap = min(caps)
        if target < 0:
            raise ActionError(
                f"Scaling {step.label} by `{step.change.text}` from {current} gives {target} "
                "replicas, below 0. Nothing was changed; fix the step's replicas.",
                retryable=False,
            )
        if target > cap:
            origin = f"KUBERNETES_MAX_REPLICAS is {self._max_replicas}"
            if step.step_cap is not None:
                origin = f"the step's max_replicas is {step.step_cap}; " + origin
            raise ActionError(
                f"Scaling {step.label} with `{step.change.text}` from {current} gives {target} "
                f"replicas, above the cap of {cap} ({origin}). Nothing was changed: ask for "
                "fewer replicas or raise the cap.",
                retryable=False,
            )


def _step(params: Mapping[str, Any]) -> _Step:
    written = p.required_text(params, NAME, "replicas")
    try:
        change = parse_replicas(written)
    except ValueError as exc:
        raise ActionError(f"{NAME}: parameter `replicas`: {exc}.", retryable=False) from None
    step_cap = p.optional_int(params, NAME, "max_replicas")
    if step_cap is not None and step_cap < 0:
        raise ActionError(f"{NAME}: parameter `max_replicas` cannot be negative.", retryable=False)
    return _Step(
        deployment=p.required_text(params, NAME, "deployment"),
        namespace=p.text(params, NAME, "namespace", "default"),
        change=change,
        step_cap=step_cap,
    )


def _spec_replicas(reply: Reply, step: _Step) -> int:
    document = reply.json()
    spec = document.get("spec") if isinstance(document, dict) else None
    if not isinstance(spec, dict):
        raise ActionError(
            f"Kubernetes answered for {step.label} without a Scale object (no `spec`). Check "
            "that KUBERNETES_API_URL points at the API server.",
            retryable=False,
        )
    replicas = spec.get("replicas", 0)  # autoscaling/v1 omits a zero count
    if isinstance(replicas, bool) or not isinstance(replicas, int):
        raise ActionError(
            f"Kubernetes answered a non-numeric replica count for {step.label}.", retryable=False
        )
    return replicas


def _state_int(plan: Plan, key: str) -> int:
    value = plan.state.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ActionError(
            f"{NAME}: the plan lacks its `{key}` count; make a new plan (Run again).",
            retryable=False,
        )
    return value


def _failure(
    reply: Reply, doing: str, step: _Step, cluster: Cluster, secrets: tuple[str, ...]
) -> ActionError:
    message = api_message(reply, secrets).rstrip(".")
    if reply.status == 404:
        return ActionError(
            f"Kubernetes has no Deployment `{step.deployment}` in namespace `{step.namespace}` "
            f"({message}). Check the Deployment name and namespace in the playbook step.",
            retryable=False,
        )
    if reply.status in (401, 403):
        forbidden = _FORBIDDEN.search(message)
        lacking = (
            f"it cannot {forbidden.group(1)} {forbidden.group(2)} in namespace {step.namespace}"
            if forbidden
            else "it was not accepted"
        )
        return ActionError(
            f"The bot's Kubernetes token ({cluster.token_source}) lacks rights while {doing}: "
            f"{lacking} (HTTP {reply.status}: {message}). Grant it get and patch on "
            "deployments/scale in the apps API group (a Role and RoleBinding), or check the "
            "token is valid.",
            retryable=False,
        )
    advice = ADVICE.for_status(reply.status, PROVIDER)
    return refused(PROVIDER, doing, reply, advice, secrets=secrets)


def _replicas(count: int) -> str:
    return f"{count} replica" + ("" if count == 1 else "s")
