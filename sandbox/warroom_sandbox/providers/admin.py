"""What the fakes of admin APIs (feature flags, Kubernetes) add to :class:`FakeProvider`.

- Tokens: ``token`` may read and write; each of ``read_only_tokens`` may only read (a write
  with one is answered 403, as a real token without writer rights is). A subclass says how a
  token is presented (:meth:`FakeAdminApi.presented_token`) and words its own 401 and 403.
- :meth:`FakeAdminApi.slow` delays the next ``times`` answers by ``seconds``; the request then
  runs normally (so a client whose read timeout is shorter gives up on a change that still
  happens, as with a slow real server).
- :meth:`FakeAdminApi.writes` lists the requests that were not reads.

The failure injection of :class:`FakeProvider` (``fail``, ``timeout``, ``refuse_connections``)
applies too; ``clear_faults`` and ``reset`` also drop queued slow answers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response

from warroom_sandbox.providers.base import FakeProvider, Handler, RecordedRequest

READ_METHODS = frozenset({"GET", "HEAD"})


class FakeAdminApi(FakeProvider):
    """Base of the flag and Kubernetes fakes (see the module docstring)."""

    def __init__(
        self,
        token: str,
        *,
        read_only_tokens: Collection[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.read_only_tokens = frozenset(read_only_tokens)
        self._delays: deque[list[float]] = deque()  # [remaining, seconds]
        super().__init__(host=host, port=port)

    # -- what subclasses provide ----------------------------------------------------------------

    def presented_token(self, request: Request) -> str | None:
        """The credential in ``request`` as this API expects it, ``None`` when absent/malformed."""
        raise NotImplementedError

    def unauthorized(self, request: Request) -> Response:
        raise NotImplementedError

    def forbidden(self, request: Request) -> Response:
        raise NotImplementedError

    # -- access and faults ------------------------------------------------------------------------

    def denied(self, request: Request) -> Response | None:
        """The 401/403 answer for ``request``'s credential, ``None`` when it may proceed."""
        token = self.presented_token(request)
        if token is None or (token != self.token and token not in self.read_only_tokens):
            return self.unauthorized(request)
        if request.method not in READ_METHODS and token != self.token:
            return self.forbidden(request)
        return None

    def slow(self, times: int = 1, *, seconds: float = 1.0) -> None:
        """Answer the next ``times`` requests only after ``seconds`` (the request still runs)."""
        with self._lock:
            self._delays.append([float(times), seconds])

    def clear_faults(self) -> None:
        with self._lock:
            super().clear_faults()
            self._delays.clear()

    def _reset_state(self) -> None:
        self._delays.clear()

    def writes(self) -> list[RecordedRequest]:
        """Every request that reached the fake other than GET/HEAD, in arrival order."""
        return [r for r in self.requests() if r.method not in READ_METHODS]

    # -- plumbing -------------------------------------------------------------------------------

    def _take_delay(self) -> float:
        with self._lock:
            if not self._delays:
                return 0.0
            delay = self._delays[0]
            delay[0] -= 1
            if delay[0] <= 0:
                self._delays.popleft()
            return delay[1]

    def _endpoint(self, handler: Handler) -> Callable[[Request], Any]:
        answer = super()._endpoint(handler)

        async def endpoint(request: Request) -> Response:
            delay = self._take_delay()
            if delay:
                await request.body()  # read (and cached) now: the client may be gone later
                await anyio.sleep(delay)
            response: Response = await answer(request)
            return response

        return endpoint
