"""The fake Slack over HTTP: ``/api/<method>`` like slack.com, ``/response/<token>`` like hooks.

``POST``/``GET /api/<method>`` reads arguments from the query string and from a form-encoded or
JSON body (slack-sdk uses all three), authenticates like Slack (``Authorization: Bearer`` or a
``token`` argument; any ``xoxb-`` token is the bot; none: ``not_authed``; another:
``invalid_auth``), then, in this order: injected latency, injected faults, rate limits (when
enforced), the method itself under the workspace lock, then the faults scripted to strike after
the call took effect (a 5xx or a held answer: see :mod:`warroom_sandbox.faults`). API errors are
HTTP 200 with ``ok: false``; an unknown method is HTTP 404 ``unknown_method``. Every call is
recorded.

``POST /response/<token>`` is a response_url (see :mod:`warroom_sandbox.responses`); a refused post
is kept apart from the call log (:meth:`Workspace.response_errors`), so the sandbox page can show
it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from warroom_sandbox.errors import ApiError
from warroom_sandbox.faults import FaultPlan, Injection, RateLimiter
from warroom_sandbox.methods import METHODS, Args, Caller, decoded_params
from warroom_sandbox.model import ApiCall
from warroom_sandbox.workspace import Workspace

BOT_TOKEN_PREFIX = "xoxb-"


async def _read_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    if request.method != "POST":
        return params
    body = await request.body()
    if not body:
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(data, dict):
            raise ApiError("invalid_json")
        params.update(data)
    elif content_type in ("application/x-www-form-urlencoded", "text/plain", ""):
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise ApiError("invalid_charset") from None
    elif content_type == "multipart/form-data":
        raise ApiError("invalid_form_data")  # file uploads are not modelled
    else:
        raise ApiError("invalid_post_type")
    return params


def _caller(ws: Workspace, request: Request, params: dict[str, Any]) -> Caller:
    token = str(params.pop("token", "") or "")
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    if not token:
        raise ApiError("not_authed")
    if not token.startswith(BOT_TOKEN_PREFIX):
        raise ApiError("invalid_auth")
    return Caller(user_id=ws.bot_user_id, bot_id=ws.bot_id)


def _fail_before(injected: Injection | None) -> None:
    """A scripted failure that leaves the workspace alone fails the call before it runs."""
    if injected is not None and not injected.applied and injected.error is not None:
        raise injected.error


async def _fail_after(injected: Injection | None) -> None:
    """An applied fault answers late, or with its failure, once the call has taken effect."""
    if injected is None or not injected.applied:
        return
    if injected.hold_seconds:
        await anyio.sleep(injected.hold_seconds)
    if injected.error is not None:
        raise injected.error


def create_app(
    ws: Workspace, faults: FaultPlan, limiter: RateLimiter, first: Sequence[BaseRoute] = ()
) -> Starlette:
    """The ASGI app serving ``ws``; ``faults`` and ``limiter`` shape its failures; ``first``
    are routes matched before ``/api/<method>`` (Sign in with Slack's)."""

    async def api(request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params: dict[str, Any] = {}
        try:
            params = await _read_params(request)
            if method not in METHODS:
                raise ApiError("unknown_method", status=404)
            delay = faults.delay(method)
            if delay:
                await anyio.sleep(delay)
            injected = faults.take(method, params)
            _fail_before(injected)
            caller = _caller(ws, request, params)
            limiter.check(method, params)
            with ws.lock:
                # Copied under the lock: the body refers to live records other threads may change.
                body = copy.deepcopy(METHODS[method](ws, caller, Args(params)))
            await _fail_after(injected)
            status, headers = 200, {}
        except ApiError as error:
            body, status, headers = error.body(), error.status, error.headers
        params.pop("token", None)
        ws.record_call(
            ApiCall(
                method=method,
                params=decoded_params(params),
                status=status,
                response=body,
                at=ws.clock(),
                http_method=request.method,
            )
        )
        return JSONResponse(body, status_code=status, headers=headers)

    async def response_url(request: Request) -> JSONResponse:
        try:
            delay = faults.delay("response_url")
            if delay:
                await anyio.sleep(delay)
            injected = faults.take("response_url", {})
            _fail_before(injected)
            try:
                payload = json.loads(await request.body())
            except ValueError:
                raise ApiError("invalid_payload", status=400) from None
            ws.deliver_response(request.path_params["token"], payload)
            await _fail_after(injected)
        except ApiError as error:
            ws.record_response_error(
                ApiCall(
                    method="response_url",
                    params={},
                    status=error.status,
                    response=error.body(),
                    at=ws.clock(),
                )
            )
            return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            *first,
            Route("/api/{method}", api, methods=["GET", "POST"]),
            Route("/response/{token}", response_url, methods=["POST"]),
        ]
    )
