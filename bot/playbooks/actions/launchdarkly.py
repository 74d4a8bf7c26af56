"""LaunchDarkly REST API v2 flags (based on LaunchDarkly's API docs: Overview, "Get feature
flag", "Update feature flag" with semantic patch, Errors, Rate limiting).

- Read: ``GET {base}/api/v2/flags/{projectKey}/{flagKey}?env={environmentKey}``;
  ``environments.<key>.on`` is the state.
- Write: ``PATCH`` the same path with ``Content-Type: application/json;
  domain-model=launchdarkly.semanticpatch`` and ``{"environmentKey", "instructions": [{"kind":
  "turnFlagOff" | "turnFlagOn"}], "comment"}``.
- Auth: ``Authorization: <access token>`` (no scheme), from ``LAUNCHDARKLY_API_TOKEN``;
  ``LD-API-Version`` pins the API version.
- Errors are ``{"code", "message"}``. A 400 because the change conflicts with a pending approval
  request is reported and not retried (the bot never passes ``ignoreConflicts``); a 405 means
  the environment requires approvals. 429s are retried after ``Retry-After`` or
  ``X-Ratelimit-Reset`` (:mod:`bot.playbooks.actions.http`).
"""

from __future__ import annotations

from urllib.parse import quote

from pydantic import SecretStr

from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.failures import Advice, credential
from bot.playbooks.actions.flags import FlagProvider, FlagRef
from bot.playbooks.actions.http import ActionHttp, Call, Reply, api_message

DEFAULT_URL = "https://app.launchdarkly.com"
API_VERSION = "20240415"
SEMANTIC_PATCH = "application/json; domain-model=launchdarkly.semanticpatch"
SETTING = "LAUNCHDARKLY_API_TOKEN"


class LaunchDarkly(FlagProvider):
    title = "LaunchDarkly"
    required = ("environment", "project")
    advice = Advice(
        setting=SETTING,
        credential="a valid LaunchDarkly API access token",
        rights="writer rights on the project (a reader token can look but not change)",
        not_found="Check the flag key, project key and environment key in the playbook step.",
    )

    def __init__(self, http: ActionHttp, base_url: str, token: SecretStr | None) -> None:
        super().__init__(http)
        self._base = base_url.rstrip("/")
        self._token = token

    def describe(self, ref: FlagRef) -> str:
        return f"flag `{ref.flag}` (project {ref.project}, environment {ref.environment})"

    def read_call(self, ref: FlagRef) -> Call:
        url = f"{self._flag_url(ref)}?env={quote(ref.environment, safe='')}"
        return self._call("GET", url, {})

    def is_on(self, reply: Reply, ref: FlagRef) -> bool:
        document = reply.json()
        envs = document.get("environments") if isinstance(document, dict) else None
        env = envs.get(ref.environment) if isinstance(envs, dict) else None
        if not isinstance(env, dict) or not isinstance(env.get("on"), bool):
            raise self.unexpected(ref, f"the environment `{ref.environment}`")
        return bool(env["on"])

    def write_call(self, ref: FlagRef, on: bool, key: str) -> Call:
        body = {
            "environmentKey": ref.environment,
            "instructions": [{"kind": "turnFlagOn" if on else "turnFlagOff"}],
            "comment": f"warroom incident playbook step (run {key})",
        }
        return self._call("PATCH", self._flag_url(ref), {"Content-Type": SEMANTIC_PATCH}, body)

    def special_failure(self, reply: Reply, doing: str) -> ActionError | None:
        message = api_message(reply).rstrip(".")
        if reply.status == 400 and ("approval" in message.lower() or "conflict" in message.lower()):
            return ActionError(
                f"LaunchDarkly refused {doing} because it conflicts with a pending approval "
                f"request: {message}. Review the pending approval in LaunchDarkly or make the "
                "change there; the bot does not retry this.",
                retryable=False,
            )
        if reply.status == 405:
            return ActionError(
                f"LaunchDarkly refused {doing} (HTTP 405: {message}): the environment requires "
                "approval for flag changes. Request the change in LaunchDarkly.",
                retryable=False,
            )
        return None

    def _flag_url(self, ref: FlagRef) -> str:
        return f"{self._base}/api/v2/flags/{quote(ref.project, safe='')}/{quote(ref.flag, safe='')}"

    def _call(self, method: str, url: str, headers: dict[str, str], body: object = None) -> Call:
        token = credential(self._token, self.title, SETTING, "a LaunchDarkly API access token")
        headers = {"Authorization": token, "LD-API-Version": API_VERSION, **headers}
        return Call(method, url, headers, json=body, secrets=(token,))
