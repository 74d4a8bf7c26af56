"""What every fake provider shares: a loopback server, a request log and failure injection.

A :class:`FakeProvider` subclass declares its routes as plain functions ``(request, body) ->
Response`` that run under the fake's lock (so tests can read the state from another thread).
Before a route runs, the next injected fault, if any, is applied instead:

- :meth:`FakeProvider.fail` answers the next ``times`` requests with ``status`` and the
  provider's own error body (429 carries ``Retry-After``); the request has no effect.
- :meth:`FakeProvider.timeout` holds the next ``times`` requests without answering until the
  client gives up (it disconnects when its read timeout fires), ``seconds`` pass, or the server
  stops; the request has no effect.
- :meth:`FakeProvider.refuse_connections` stops listening (connections are refused), and
  :meth:`FakeProvider.accept_connections` listens again on the same port, with the same state.

Faults queue in the order they were added. Every request that reached the app is in
:meth:`FakeProvider.requests`, with what it was answered (``status`` is ``None`` when it hung).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType, TracebackType
from typing import Any, Self

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from warroom_sandbox.server import BackgroundServer

Handler = Callable[[Request, bytes], Response]
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it, and its answer; header names are lower-case.

    ``status`` is ``None`` (and ``response`` empty) for a request held by :meth:`timeout`;
    ``fault`` names the injected fault that answered it, if any.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    status: int | None
    fault: str | None = None
    response: bytes = b""

    def json(self) -> Any:
        """The request body as JSON."""
        return json.loads(self.body)

    def answer(self) -> Any:
        """The response body as JSON."""
        return json.loads(self.response)


@dataclass
class _Fault:
    kind: str  # "fail" | "timeout"
    remaining: int
    status: int = 500
    retry_after: float | None = None
    seconds: float = 5.0


class FakeProvider:
    """Base of the fake PagerDuty, Opsgenie and webhook receiver (see the module docstring)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        self._faults: deque[_Fault] = deque()
        self._closing = threading.Event()
        self._host = host
        self._port = port
        self._server: BackgroundServer | None = None
        self.app = Starlette(
            routes=[
                Route(path, self._endpoint(handler), methods=methods)
                for path, methods, handler in self.routes()
            ]
        )

    # -- what subclasses provide ----------------------------------------------------------------

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        raise NotImplementedError

    def error_response(self, status: int, retry_after: float | None) -> Response:
        """The provider's own answer to an injected failure with ``status``."""
        raise NotImplementedError

    def _reset_state(self) -> None:
        """Forget the provider's records (called under the lock)."""

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        self.accept_connections()
        return self

    def stop(self) -> None:
        self.refuse_connections()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; unchanged while connections are refused."""
        if not self._port:
            raise RuntimeError("the fake has not been started")
        return f"http://{self._host}:{self._port}"

    def refuse_connections(self) -> None:
        """Stop listening: clients get "connection refused" until :meth:`accept_connections`."""
        if self._server is None:
            return
        self._closing.set()  # ends requests held by timeout() so shutdown is prompt
        try:
            self._server.stop()
        finally:
            self._server = None
            self._closing.clear()

    def accept_connections(self) -> None:
        """Listen (again) on the same port; the recorded state is kept."""
        if self._server is not None:
            return
        server = BackgroundServer(self.app, host=self._host, port=self._port)
        server.start()
        self._server, self._port = server, server.port

    # -- failure injection ----------------------------------------------------------------------

    def fail(self, times: int = 1, *, status: int = 500, retry_after: float | None = 1) -> None:
        """Answer the next ``times`` requests with ``status`` (429 adds ``Retry-After``)."""
        with self._lock:
            self._faults.append(_Fault("fail", times, status=status, retry_after=retry_after))

    def timeout(self, times: int = 1, *, seconds: float = 5.0) -> None:
        """Hold the next ``times`` requests unanswered for up to ``seconds`` each."""
        with self._lock:
            self._faults.append(_Fault("timeout", times, seconds=seconds))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.popleft()
            return fault

    # -- queries --------------------------------------------------------------------------------

    def requests(self) -> list[RecordedRequest]:
        """Every request that reached the fake, in arrival order."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget requests, faults and state (e.g. between tests sharing one fake)."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._reset_state()

    # -- plumbing -------------------------------------------------------------------------------

    def _endpoint(self, handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            fault = self._take_fault()
            if fault is not None and fault.kind == "timeout":
                self._record(request, body, None, "timeout")  # in arrival order, never answered
                await self._hang(request, fault.seconds)
                return self.error_response(504, None)
            if fault is not None:
                response = self.error_response(fault.status, fault.retry_after)
            else:
                with self._lock:
                    response = handler(request, body)
            kind = fault.kind if fault else None
            self._record(request, body, response.status_code, kind, bytes(response.body))
            return response

        return endpoint

    async def _hang(self, request: Request, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._closing.is_set():
            if await request.is_disconnected():
                return
            await anyio.sleep(POLL_SECONDS)

    def _record(
        self,
        request: Request,
        body: bytes,
        status: int | None,
        fault: str | None,
        response: bytes = b"",
    ) -> None:
        record = RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=MappingProxyType(dict(request.query_params)),
            headers=MappingProxyType({k.lower(): v for k, v in request.headers.items()}),
            body=body,
            status=status,
            fault=fault,
            response=response,
        )
        with self._lock:
            self._requests.append(record)


def parse_json(body: bytes) -> Any:
    """The JSON document in ``body``; ``ValueError`` when it is not JSON."""
    return json.loads(body.decode("utf-8"))
