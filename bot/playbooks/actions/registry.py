"""``Actions``: every automated action by name, built from the settings.

- ``plan(action, params)`` reads the current state and says what Run would do (a :class:`Plan`).
- ``run(plan, idempotency_key)`` does it and returns an :class:`Outcome` with its undo.
- ``undo_plan(undo)`` plans an :class:`Undo` (it is an action call like any other).
- ``dry_run_note(plan)`` is what a dry run adds to the plan's calls: for ``kubernetes.scale``
  the API server's answer to the PATCH sent with ``dryRun=All``; ``None`` for the others.

All of them raise :class:`ActionError` (worded for the incident channel, with ``retryable``) and
nothing else for bad parameters, missing settings or failing providers. Names: the playbook
catalogue's actions plus the undo-only ``feature_flag.enable``. ``run`` needs the plan as
``plan`` made it (``state`` included); the caller keeps the idempotency key stable across
retries of one Run. Close the registry (or use ``with``) to release its HTTP connections.
"""

from __future__ import annotations

import logging
import os
import random
import ssl
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bot.kernel.http import HttpSender, RetryPolicy, Timeouts
from bot.kernel.settings import Settings
from bot.playbooks.actions.base import Action, ActionError, Outcome, Plan, Undo
from bot.playbooks.actions.cluster import resolve_cluster
from bot.playbooks.actions.flag_http import FlagHttp
from bot.playbooks.actions.flags import DISABLE, ENABLE, FeatureFlagToggle, FlagProvider
from bot.playbooks.actions.flagsmith import Flagsmith
from bot.playbooks.actions.http import ActionHttp
from bot.playbooks.actions.http_request import HttpRequest
from bot.playbooks.actions.kubernetes import KubernetesScale
from bot.playbooks.actions.launchdarkly import LaunchDarkly
from bot.playbooks.actions.unleash import Unleash

log = logging.getLogger("bot.playbooks.actions")


class Actions:
    """See the module docstring. ``env`` holds ``auth_env`` tokens and the in-cluster variables;
    ``sleep``, ``draw``, ``clock`` and ``wall_clock`` drive retry waits (tests pass their own)."""

    def __init__(
        self,
        settings: Settings,
        env: Mapping[str, str] = os.environ,
        *,
        sleep: Callable[[float], None] = time.sleep,
        draw: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._senders: dict[Path | None, ActionHttp] = {}

        def sender(ca_file: Path | None) -> ActionHttp:
            if ca_file not in self._senders:
                self._senders[ca_file] = ActionHttp(
                    HttpSender(
                        log,
                        policy=_policy(settings),
                        timeouts=_timeouts(settings),
                        verify=_verify(ca_file),
                        sleep=sleep,
                        draw=draw,
                        clock=clock,
                        wall_clock=wall_clock,
                    )
                )
            return self._senders[ca_file]

        http = sender(None)
        providers: dict[str, FlagProvider] = {
            "launchdarkly": LaunchDarkly(
                http, settings.launchdarkly_api_url, settings.launchdarkly_api_token
            ),
            "unleash": Unleash(http, settings.unleash_api_url, settings.unleash_api_token),
            "flagsmith": Flagsmith(http, settings.flagsmith_api_url, settings.flagsmith_api_key),
            "http": FlagHttp(http, settings.flag_http_token),
        }
        actions: list[Action] = [
            FeatureFlagToggle(DISABLE, False, providers),
            FeatureFlagToggle(ENABLE, True, providers),
            KubernetesScale(
                lambda: resolve_cluster(settings, env), sender, settings.kubernetes_max_replicas
            ),
            HttpRequest(http, env),
        ]
        self._actions: dict[str, Action] = {action.name: action for action in actions}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._actions)

    def plan(self, action: str, params: Mapping[str, Any]) -> Plan:
        return self._action(action).plan(params)

    def run(self, plan: Plan, idempotency_key: str) -> Outcome:
        if not idempotency_key.strip():
            raise ActionError("An action needs a non-empty idempotency key.", retryable=False)
        return self._action(plan.action).run(plan, idempotency_key)

    def undo_plan(self, undo: Undo) -> Plan:
        return self.plan(undo.action, undo.params)

    def dry_run_note(self, plan: Plan) -> str | None:
        action = self._action(plan.action)
        if isinstance(action, KubernetesScale) and not plan.changes_nothing:
            return action.dry_run(plan)
        return None

    def close(self) -> None:
        for sender in self._senders.values():
            sender.close()
        self._senders.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _action(self, name: str) -> Action:
        action = self._actions.get(name)
        if action is None:
            known = ", ".join(self._actions)
            raise ActionError(f"Unknown action `{name}` (known: {known}).", retryable=False)
        return action


def _verify(ca_file: Path | None) -> ssl.SSLContext | bool:
    """TLS trust for a sender: the system's, or the cluster's CA certificate."""
    if ca_file is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise ActionError(
            f"The CA certificate {ca_file} cannot be used ({exc}). Check "
            "KUBERNETES_CA_FILE or the service account's ca.crt.",
            retryable=False,
        ) from None


def _policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.actions_max_attempts,
        base_delay=settings.actions_retry_base_seconds,
        max_delay=max(8.0, settings.actions_retry_base_seconds),
        total_budget=settings.actions_time_budget_seconds,
    )


def _timeouts(settings: Settings) -> Timeouts:
    connect, read = settings.actions_connect_timeout_seconds, settings.actions_read_timeout_seconds
    return Timeouts(connect=connect, read=read, write=read, pool=connect)
