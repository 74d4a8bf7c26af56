"""Running the fake Slack (or any ASGI app) on a real loopback port, in a background thread.

``with FakeSlackServer() as slack:`` binds ``127.0.0.1`` on a free port, serves the fake Web API
with uvicorn on a background thread, and returns once the port accepts connections; leaving the
block shuts uvicorn down and joins the thread. Point the app's ``WebClient`` at ``slack.api_url``;
assert on ``slack.state`` (the :class:`Workspace`) and ``slack.calls()``.
(:class:`warroom_sandbox.emulator.SlackEmulator` is the same fake without a port of its own:
``warroom dev`` serves it beside the page.)

:class:`BackgroundServer` is the reusable part (tests use it to serve an app under test, too). It
binds the socket itself so the port is known before uvicorn starts, passes ``log_config=None`` so
uvicorn leaves the process's logging configuration alone, and runs without lifespan or WebSocket
support (WebSocket support is not needed, and loading it only adds import-time warnings). The
ASGI lifespan runs, so an app under test starts and stops what it starts in its lifespan.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from warroom_sandbox.emulator import SlackEmulator
from warroom_sandbox.ids import Clock
from warroom_sandbox.modals import TRIGGER_TTL_SECONDS
from warroom_sandbox.responses import RESPONSE_URL_TTL_SECONDS

STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0


class BackgroundServer:
    """An ASGI app served by uvicorn on a daemon thread; start/stop or use as a context manager."""

    def __init__(self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self.host = host
        self._requested_port = port
        self.port = 0
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        if not self.port:
            raise RuntimeError("the server is not running")
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Serve in the background; returns when the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it. asyncio sets it only on sockets whose proto is
        # IPPROTO_TCP (this one's is 0), and uvicorn (h11 or httptools) writes a response's
        # headers and body separately: on a kept-alive connection Nagle held the body for the
        # client's delayed ACK, 40 ms a call, where Slack answers at once.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self._requested_port))
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_config=None,
            access_log=False,
            lifespan="on",  # the app starts its timer runner in its lifespan
            ws="none",
            http="auto",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._run, name=f"sandbox-server-{self.port}", daemon=True
        )
        self._thread.start()
        self._wait_until_serving()

    def _run(self) -> None:
        assert self._server is not None
        assert self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start(); a thread cannot raise to its starter
            self._failure = exc

    def _wait_until_serving(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server on port {self.port} did not start") from self._failure
            time.sleep(0.005)
        with socket.create_connection((self.host, self.port), timeout=STARTUP_TIMEOUT_SECONDS):
            pass

    def stop(self) -> None:
        """Shut uvicorn down, join its thread, close the socket. Safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(SHUTDOWN_TIMEOUT_SECONDS)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(SHUTDOWN_TIMEOUT_SECONDS)
        if self._socket is not None:
            self._socket.close()
        self._server, self._thread, self._socket = None, None, None
        self.port = 0

    def __enter__(self) -> BackgroundServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class FakeSlackServer(SlackEmulator):
    """The fake Slack Web API on its own loopback port, with its workspace, faults and call log.

    ``clock`` drives message timestamps, response_url expiry, trigger expiry and rate-limit
    windows (pass a :class:`warroom_sandbox.ids.ManualClock` to move time by hand).
    """

    def __init__(
        self,
        *,
        clock: Clock = time.time,
        enforce_rate_limits: bool = False,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
        response_url_ttl: float = RESPONSE_URL_TTL_SECONDS,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(
            clock=clock,
            enforce_rate_limits=enforce_rate_limits,
            trigger_ttl=trigger_ttl,
            response_url_ttl=response_url_ttl,
        )
        self._server = BackgroundServer(self.app, host=host, port=port)

    def start(self) -> FakeSlackServer:
        self._server.start()
        self.openid.base_url = self._server.url  # the id_tokens' issuer
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeSlackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self._server.url
