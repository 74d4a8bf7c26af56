"""The generic HTTP flag provider: a flag is a URL of your own flag service.

- Read: ``GET {url}`` answers JSON with a boolean ``enabled``.
- Write: ``PUT {url}`` with ``Content-Type: application/json`` and ``{"enabled": false}`` (or
  ``true``); any 2xx is success.
- Auth: ``Authorization: Bearer <FLAG_HTTP_TOKEN>``.
"""

from __future__ import annotations

from pydantic import SecretStr

from bot.playbooks.actions.failures import Advice, credential
from bot.playbooks.actions.flags import FlagProvider, FlagRef
from bot.playbooks.actions.http import ActionHttp, Call, Reply

SETTING = "FLAG_HTTP_TOKEN"


class FlagHttp(FlagProvider):
    title = "The flag service"
    required = ("url",)
    advice = Advice(
        setting=SETTING,
        credential="a valid bearer token for the flag service",
        rights="write access to the flag",
        not_found="Check the flag URL in the playbook step.",
    )

    def __init__(self, http: ActionHttp, token: SecretStr | None) -> None:
        super().__init__(http)
        self._token = token

    def describe(self, ref: FlagRef) -> str:
        return f"flag `{ref.flag}` at {ref.url}"

    def target(self, ref: FlagRef) -> str:
        return self.describe(ref)

    def read_call(self, ref: FlagRef) -> Call:
        return self._call("GET", ref.url)

    def is_on(self, reply: Reply, ref: FlagRef) -> bool:
        document = reply.json()
        if not isinstance(document, dict) or not isinstance(document.get("enabled"), bool):
            raise self.unexpected(ref, 'a boolean "enabled"')
        return bool(document["enabled"])

    def write_call(self, ref: FlagRef, on: bool, key: str) -> Call:
        return self._call("PUT", ref.url, {"enabled": on})

    def _call(self, method: str, url: str, body: object = None) -> Call:
        token = credential(self._token, self.title, SETTING, "the flag service's token")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return Call(method, url, headers, json=body, secrets=(token,))
