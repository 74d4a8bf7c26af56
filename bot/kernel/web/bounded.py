"""Blocking work that a request waits for only so long: database reads and writes of the pages.

A request must be answered promptly whatever the database is doing (locked by a long writer,
down, or slow to refuse a connection). ``Bounded.run`` runs a blocking call on a thread of its
own and waits at most ``seconds`` for it; past that, or when ``slots`` calls are already
running (the database is stuck and more would only pile up), it raises ``Unavailable`` and the
page answers 503 at once. A call that outlives its wait finishes (or fails) on its own thread,
within the timeouts the database connection has anyway, and its result is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Unavailable(Exception):
    """The work did not finish in time, or too much of it is already waiting."""


class Bounded:
    def __init__(self, what: str, *, slots: int, seconds: float) -> None:
        self._what = what
        self._slots = threading.BoundedSemaphore(slots)
        self.seconds = seconds

    async def run(self, call: Callable[[], T]) -> T:
        """``call()`` on its own thread; ``Unavailable`` when it is not done within the wait."""
        if not self._slots.acquire(blocking=False):
            raise Unavailable(f"{self._what}: too many requests are waiting for the database")
        outcome: _Outcome[T] = _Outcome(asyncio.get_running_loop())
        thread = threading.Thread(
            target=self._work, args=(call, outcome), name=f"bounded-{self._what}", daemon=True
        )
        try:
            thread.start()
        except BaseException:
            self._slots.release()
            raise
        try:
            await asyncio.wait_for(outcome.done.wait(), self.seconds)
        except TimeoutError:
            raise Unavailable(
                f"{self._what}: the database did not answer within {self.seconds:g} s"
            ) from None
        return outcome.value()

    def _work(self, call: Callable[[], T], outcome: _Outcome[T]) -> None:
        try:
            try:
                outcome.result = (call(),)
            except BaseException as error:  # handed to the request, which raises it
                outcome.error = error
            outcome.announce()
        finally:
            self._slots.release()


class _Outcome(Generic[T]):
    """A call's result or error, handed from its thread to the waiting request."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.done = asyncio.Event()
        self.result: tuple[T] | None = None
        self.error: BaseException | None = None

    def announce(self) -> None:
        # A closed loop (the server stopped) has nobody waiting any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.done.set)

    def value(self) -> T:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result[0]


def first_line(error: BaseException) -> str:
    """An error as one short log line (database errors add the statement and a link)."""
    text = str(error)
    return text.splitlines()[0][:300] if text.strip() else type(error).__name__
