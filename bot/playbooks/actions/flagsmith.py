"""Flagsmith flags (based on Flagsmith's docs "Updating Flags (Experimental)" and its API source:
``features/feature_states/views.py`` for the update, ``features/views.py`` for the list).

- Read (the documented Admin API): ``GET {base}/api/v1/environments/{environment_key}/
  featurestates/?feature_name={name}``; ``results[0].enabled`` is the environment default.
- Write (marked experimental by Flagsmith): ``POST {base}/api/experiments/environments/
  {environment_key}/update-flag-v1/`` with ``{"feature": {"name": ...}, "enabled": false}``;
  204 No Content. It fails (403) when the environment has change requests enabled: the
  message says so and the step is not retried.
- Auth: ``Authorization: Api-Key <organisation API key>`` from ``FLAGSMITH_API_KEY``.
- Errors are ``{"detail": ...}``, or DRF validation errors (a list or field -> messages).
"""

from __future__ import annotations

from urllib.parse import quote

from pydantic import SecretStr

from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.failures import Advice, credential
from bot.playbooks.actions.flags import FlagProvider, FlagRef
from bot.playbooks.actions.http import ActionHttp, Call, Reply, api_message

DEFAULT_URL = "https://api.flagsmith.com"
SETTING = "FLAGSMITH_API_KEY"


class Flagsmith(FlagProvider):
    title = "Flagsmith"
    required = ("environment",)
    advice = Advice(
        setting=SETTING,
        credential="a valid Flagsmith organisation API key",
        rights="permission to update feature states in the environment",
        not_found="Check the environment key in the playbook step.",
    )

    def __init__(self, http: ActionHttp, base_url: str, api_key: SecretStr | None) -> None:
        super().__init__(http)
        self._base = base_url.rstrip("/")
        self._key = api_key

    def describe(self, ref: FlagRef) -> str:
        return f"feature `{ref.flag}` (environment {ref.environment})"

    def read_call(self, ref: FlagRef) -> Call:
        url = (
            f"{self._base}/api/v1/environments/{quote(ref.environment, safe='')}/featurestates/"
            f"?feature_name={quote(ref.flag, safe='')}"
        )
        return self._call("GET", url)

    def is_on(self, reply: Reply, ref: FlagRef) -> bool:
        document = reply.json()
        results = document.get("results") if isinstance(document, dict) else None
        if isinstance(results, list) and not results:
            raise ActionError(
                f"Flagsmith has no feature `{ref.flag}` in environment {ref.environment}. Check "
                "the feature name (it is case-sensitive) and the environment key.",
                retryable=False,
            )
        first = results[0] if isinstance(results, list) else None
        if not isinstance(first, dict) or not isinstance(first.get("enabled"), bool):
            raise self.unexpected(ref, "the feature's state")
        return bool(first["enabled"])

    def write_call(self, ref: FlagRef, on: bool, key: str) -> Call:
        url = (
            f"{self._base}/api/experiments/environments/{quote(ref.environment, safe='')}"
            "/update-flag-v1/"
        )
        return self._call("POST", url, {"feature": {"name": ref.flag}, "enabled": on})

    def special_failure(self, reply: Reply, doing: str) -> ActionError | None:
        message = api_message(reply).rstrip(".")
        if reply.status == 403 and "change request" in message.lower():
            return ActionError(
                f"Flagsmith refused {doing}: change requests are enabled for this environment, "
                "and Flagsmith's flag-update endpoint (experimental) cannot be used then "
                f"({message}). Open a change request in Flagsmith instead.",
                retryable=False,
            )
        return None

    def _call(self, method: str, url: str, body: object = None) -> Call:
        key = credential(self._key, self.title, SETTING, "a Flagsmith organisation API key")
        headers = {"Authorization": f"Api-Key {key}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return Call(method, url, headers, json=body, secrets=(key,))
