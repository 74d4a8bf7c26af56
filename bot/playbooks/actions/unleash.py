"""Unleash admin API features (based on Unleash's admin API reference: "Get a feature",
"Enable a feature flag" / "Disable a feature flag" in an environment, standard responses).

- Read: ``GET {base}/api/admin/projects/{projectId}/features/{featureName}``; the state is
  ``enabled`` of the ``environments`` entry named like the step's environment.
- Write: ``POST .../features/{featureName}/environments/{environment}/off`` (or ``/on``) with
  no body.
- Auth: ``Authorization: <admin or personal access token>`` from ``UNLEASH_API_TOKEN``; the
  server URL (``UNLEASH_API_URL``, the part before ``/api``) has no default.
- Errors are ``{"id", "name", "message"}``: 401 ``AuthenticationRequired``, 403
  ``NoAccessError``, 404 ``NotFoundError``.
"""

from __future__ import annotations

from urllib.parse import quote

from pydantic import SecretStr

from bot.playbooks.actions.failures import Advice, credential, missing_setting
from bot.playbooks.actions.flags import FlagProvider, FlagRef
from bot.playbooks.actions.http import ActionHttp, Call, Reply

SETTING = "UNLEASH_API_TOKEN"


class Unleash(FlagProvider):
    title = "Unleash"
    required = ("environment", "project")
    advice = Advice(
        setting=SETTING,
        credential="a valid Unleash admin or personal access token",
        rights="permission to update feature environments in the project",
        not_found="Check the feature name, project id and environment in the playbook step.",
    )

    def __init__(self, http: ActionHttp, base_url: str | None, token: SecretStr | None) -> None:
        super().__init__(http)
        self._base = (base_url or "").rstrip("/")
        self._token = token

    def describe(self, ref: FlagRef) -> str:
        return f"feature `{ref.flag}` (project {ref.project}, environment {ref.environment})"

    def read_call(self, ref: FlagRef) -> Call:
        return self._call("GET", self._feature_url(ref))

    def is_on(self, reply: Reply, ref: FlagRef) -> bool:
        document = reply.json()
        envs = document.get("environments") if isinstance(document, dict) else None
        for env in envs if isinstance(envs, list) else []:
            named = isinstance(env, dict) and env.get("name") == ref.environment
            if named and isinstance(env.get("enabled"), bool):
                return bool(env["enabled"])
        raise self.unexpected(ref, f"the environment `{ref.environment}`")

    def write_call(self, ref: FlagRef, on: bool, key: str) -> Call:
        env, state = quote(ref.environment, safe=""), "on" if on else "off"
        return self._call("POST", f"{self._feature_url(ref)}/environments/{env}/{state}")

    def _feature_url(self, ref: FlagRef) -> str:
        if not self._base:
            raise missing_setting(self.title, "UNLEASH_API_URL", "the Unleash server's URL")
        project, flag = quote(ref.project, safe=""), quote(ref.flag, safe="")
        return f"{self._base}/api/admin/projects/{project}/features/{flag}"

    def _call(self, method: str, url: str) -> Call:
        token = credential(self._token, self.title, SETTING, "an Unleash admin or personal token")
        return Call(method, url, {"Authorization": token}, secrets=(token,))
