"""``http.request``: one templated request, for anything without an action of its own.

Parameters: ``url``, ``method`` (default POST), ``headers``, a text ``body`` or a ``json`` body
(not both), and ``auth_env``, the name of the environment variable holding a bearer token
(never the token itself). Every request carries ``Idempotency-Key: <run key>`` so a receiver
can drop a repeat; 429, 5xx and timeouts are retried (:mod:`bot.playbooks.actions.http`).

A 2xx is success: the outcome records the status and a short excerpt of the body. Any other
answer is an :class:`ActionError` with the status and the excerpt. There is no state to read
and nothing to undo: ``before`` and ``after`` of the plan are empty, the outcome has no undo.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.kernel.http import excerpt
from bot.playbooks.actions import params as p
from bot.playbooks.actions.base import ActionError, Outcome, Plan
from bot.playbooks.actions.failures import retryable_status
from bot.playbooks.actions.http import RUN_KEY_PLACEHOLDER, ActionHttp, Call, Reply, api_message

NAME = "http.request"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
EXCERPT_CHARS = 200
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


class HttpRequest:
    """See the module docstring; ``env`` is where ``auth_env`` names are looked up."""

    name = NAME

    def __init__(self, http: ActionHttp, env: Mapping[str, str]) -> None:
        self._http = http
        self._env = env

    def plan(self, params: Mapping[str, Any]) -> Plan:
        call = self._call(params, RUN_KEY_PLACEHOLDER)
        return Plan(
            action=NAME,
            params=dict(params),
            target=f"{call.method} {call.url}",
            before="",
            after="",
            calls=(call.shown(),),
        )

    def run(self, plan: Plan, idempotency_key: str) -> Outcome:
        call = self._call(plan.params, idempotency_key)
        doing = f"sending {call.method} {call.url}"
        reply = self._http.send(call, provider=call.url, doing=doing)
        if not reply.ok:
            raise ActionError(
                f"{call.method} {call.url} answered HTTP {reply.status}: "
                f"{api_message(reply, call.secrets)}",
                retryable=retryable_status(reply.status),
            )
        after = f"HTTP {reply.status}"
        return Outcome(f"{plan.target}: {after}{_body_note(reply, call)}", "", after, None)

    def _call(self, params: Mapping[str, Any], key: str) -> Call:
        url = p.required_text(params, NAME, "url")
        method = p.text(params, NAME, "method", "POST").upper()
        if method not in METHODS:
            raise ActionError(
                f"{NAME}: parameter `method` must be one of {', '.join(METHODS)}, not {method}.",
                retryable=False,
            )
        body, document = p.text(params, NAME, "body"), params.get("json")
        if body and document is not None:
            raise ActionError(f"{NAME}: give `body` or `json`, not both.", retryable=False)
        if document is not None:
            _check_json(document)
        headers = {str(k): str(v) for k, v in p.mapping(params, NAME, "headers").items()}
        secrets = tuple(v for k, v in headers.items() if k.lower() in SENSITIVE_HEADERS)
        token = self._token(params)
        if token:
            headers = _without(headers, "authorization")
            headers["Authorization"] = f"Bearer {token}"
            secrets += (token,)
        headers = _without(headers, "idempotency-key")
        headers["Idempotency-Key"] = key
        if document is not None:
            if all(k.lower() != "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
            return Call(method, url, headers, json=document, secrets=secrets)
        return Call(method, url, headers, content=body.encode() if body else None, secrets=secrets)

    def _token(self, params: Mapping[str, Any]) -> str:
        variable = p.text(params, NAME, "auth_env")
        if not variable:
            return ""
        token = self._env.get(variable, "").strip()
        if not token:
            raise ActionError(
                f"{NAME}: the environment variable {variable} (named by `auth_env`) is not set; "
                "set it to the bearer token and restart the bot, then run the step again.",
                retryable=False,
            )
        return token


def _check_json(document: Any) -> None:
    try:
        json.dumps(document)
    except (TypeError, ValueError) as exc:
        raise ActionError(
            f"{NAME}: parameter `json` cannot be sent as JSON ({exc}); quote dates and other "
            "values as text.",
            retryable=False,
        ) from None


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != name}


def _body_note(reply: Reply, call: Call) -> str:
    text = excerpt(reply.text, call.secrets, EXCERPT_CHARS)
    return f": {text}" if text else ""
