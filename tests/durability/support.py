"""What the durability tests share: Slack's deadline, replaying a request byte for byte, waiting
until the app has nothing left to do, and two ways to take the database away from the app.

* :class:`SqliteWriteLock`: another connection holds SQLite's write lock (``BEGIN IMMEDIATE``
  on the same file), as a long migration, a backup or a stuck writer in another process would.
  Reads still work (WAL); every write waits.
* ``tests.tcp_proxy.TcpProxy``: a TCP proxy on loopback in front of PostgreSQL; the app's
  ``DATABASE_URL`` goes through it. ``refuse`` closes the listening socket
  (new connections get ECONNREFUSED) and cuts every open connection, as a database that went
  away does; ``accept`` listens again on the same port.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import Engine, func, select

from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import TimelineEventRow
from bot.kernel.timers.rows import Timer
from warroom_sandbox.model import ResponsePost

SLACK_DEADLINE_SECONDS = 3.0  # Slack shows the user an error when an answer takes longer
COULD_NOT_RECORD = "could not record"
T = TypeVar("T")


@contextmanager
def slack_deadline(what: str) -> Iterator[None]:
    """Turn an answer that did not come within Slack's 3 s into a failure that says so."""
    try:
        yield
    except httpx.TimeoutException:
        pytest.fail(f"{what}: no answer within Slack's {SLACK_DEADLINE_SECONDS:g} s")


def quick_client() -> httpx.Client:
    """A client that gives up when Slack would: the whole answer within 3 s."""
    return httpx.Client(timeout=httpx.Timeout(SLACK_DEADLINE_SECONDS))


class Recorder:
    """An ``httpx.Client`` (pass ``client`` to ``SlackDriver``) that keeps the last request it
    sent, so the very same bytes (body, timestamp, signature) can be sent again."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.sent: list[httpx.Request] = []
        self.client = httpx.Client(timeout=timeout, event_hooks={"request": [self.sent.append]})

    def replay(self, times: int) -> list[httpx.Response]:
        """Post the last request again ``times`` times, byte for byte."""
        request = self.sent[-1]
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        return [
            self.client.post(str(request.url), content=request.content, headers=headers)
            for _ in range(times)
        ]

    def close(self) -> None:
        self.client.close()


def token_of(response_url: str | None) -> str:
    """The fake Slack's token at the end of a response_url (``.../response/<token>``)."""
    assert response_url, "the request had no response_url"
    return response_url.rsplit("/", 1)[-1]


def posts_to(posts: list[ResponsePost], response_url: str | None) -> list[ResponsePost]:
    """The answers posted to one response_url."""
    token = token_of(response_url)
    return [p for p in posts if p.via == "response_url" and p.token == token]


def is_ephemeral(body: Mapping[str, object]) -> bool:
    return body.get("response_type", "ephemeral") == "ephemeral"


def due_timers(engine: Engine, horizon: timedelta = timedelta()) -> int:
    """Pending timers due within ``horizon`` from now (a lease held by a dead process counts)."""
    limit = datetime.now(UTC) + horizon
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(Timer)
                .where(Timer.status == "pending", Timer.due_at <= limit)
            ).scalar_one()
        )


def wait_quiet(engine: Engine, timeout: float = 60.0, gap: float = 0.5) -> None:
    """No timer due or in flight, twice in a row ``gap`` s apart."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if due_timers(engine) == 0:
            time.sleep(gap)
            if due_timers(engine) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"timers still due after {timeout:g} s")


def poll(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    """``probe()`` once it is truthy; a generous deadline, not a measure."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


# --- taking the database away -------------------------------------------------------------------


class SqliteWriteLock:
    """Hold SQLite's write lock on ``path`` from another connection while the block runs."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def __enter__(self) -> SqliteWriteLock:
        connection = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        connection.execute("BEGIN IMMEDIATE")
        self._connection = connection
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        self._connection.execute("ROLLBACK")
        self._connection.close()
        self._connection = None


def events_of_kind(engine: Engine, kind: EventKind) -> int:
    """How many timeline events of ``kind`` are recorded."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(TimelineEventRow)
                .where(TimelineEventRow.kind == kind)
            ).scalar_one()
        )
