"""SQLite's one write lock, queued for: writers wait here, woken the moment it is free.

Left to SQLite, a writer that finds the lock taken sleeps 1, 2, 5 ... 100 ms between tries, so
under load a write can wait a second while others get in (the acks' p99), and the lock stays
idle while the next writer sleeps. Here the writers of a process queue on a lock of its own
(urgent ones first), and the one at its head takes the processes' turn, a lock on a file beside
the database, before ``BEGIN IMMEDIATE``: with ``warroom serve --workers N`` the next process's
writer gets in within half a millisecond of a commit, and processes alternate. SQLite's busy
timeout stays the backstop for writers that do not come through here (another program on the
same file).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

_TURN_POLL_MAX_S = 0.0005  # the longest a waiting process sleeps between tries of the turn


class _WriteLock:
    """One writer at a time, handed to the next waiter on release: urgent writers first, the
    others in their order of arrival.

    Each waiter sleeps on a lock of its own, and a release wakes exactly the one it hands over
    to: with a shared condition, every release woke all waiters to find one winner, and under
    load that herd took a tenth of the process's CPU.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._urgent: deque[threading.Lock] = deque()
        self._others: deque[threading.Lock] = deque()

    def acquire(self, urgent: bool, timeout_s: float) -> bool:
        with self._mutex:
            if not self._held:  # free means nobody waits: release hands over to waiters
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            waiting = self._urgent if urgent else self._others
            waiting.append(turn)
        if turn.acquire(timeout=max(0.0, timeout_s)):
            return True  # handed over: held for this thread
        with self._mutex:
            if turn in waiting:
                waiting.remove(turn)
                return False
        return True  # handed over just as the wait ran out

    def urgent_waiting(self) -> bool:
        return bool(self._urgent)  # read without the mutex: a hint, checked again next time

    def release(self) -> None:
        with self._mutex:
            waiting = self._urgent or self._others
            if waiting:
                waiting.popleft().release()  # still held, now by that waiter
            else:
                self._held = False


class _ProcessTurn:
    """The write turn among the processes on one database file: a lock on byte 1 of
    ``<database>-writer``, taken only by the thread holding its process's ``_WriteLock``.

    Fair between processes: a process waits for the turn holding the doorway (byte 0), so the
    one whose writer just committed cannot take the turn straight back for its next writer and
    starve the other (its writer first waits for the doorway). Tried without blocking, every
    fraction of a millisecond, so that a writer with a budget (the intake's 1.5 s) can give up
    in time: a blocking lock cannot time out. POSIX record locks belong to the process (a
    forked child holds none of its parent's) and the file is opened once per process.
    """

    _DOORWAY, _TURN = 0, 1

    def __init__(self, database: str) -> None:
        self._path = database + "-writer"
        self._fd = -1
        self._pid = 0

    def acquire(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        if not self._take(self._DOORWAY, deadline):
            return False
        took = self._take(self._TURN, deadline)
        self._free(self._DOORWAY)
        return took

    def release(self) -> None:
        self._free(self._TURN)

    def _take(self, byte: int, deadline: float) -> bool:
        fd = self._file()
        pause = 0.00005
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, byte)
                return True
            except OSError:  # EAGAIN or EACCES: another process holds it
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, _TURN_POLL_MAX_S)

    def _free(self, byte: int) -> None:
        fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, byte)

    def _file(self) -> int:
        if self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd


@dataclass(frozen=True)
class WriterGate:
    lock: _WriteLock
    turn: _ProcessTurn
    timeout_s: float
    urgent: bool


_GATES: dict[str, tuple[_WriteLock, _ProcessTurn]] = {}
_GATES_LOCK = threading.Lock()


def gate_for(database: str | None, busy_timeout_ms: int, urgent: bool) -> WriterGate | None:
    """The gate of a database file, shared by every engine of this process on it (the app's
    and the intake's); ``urgent``: this engine's writers go before the others."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None  # private to a connection: nobody to queue behind
    path = os.path.realpath(database)
    with _GATES_LOCK:
        lock, turn = _GATES.setdefault(path, (_WriteLock(), _ProcessTurn(path)))
    return WriterGate(lock, turn, busy_timeout_ms / 1000, urgent)


def enter(info: dict[Any, Any], raw: sqlite3.Connection) -> None:
    """Wait for the write turn before ``BEGIN IMMEDIATE`` on the pooled connection whose
    ``info`` names its gate; ``database is locked`` if the busy timeout runs out first."""
    gate: WriterGate | None = info.get("gate")
    if gate is None or info.get("in_gate"):
        return
    started = time.monotonic()
    if not gate.lock.acquire(gate.urgent, gate.timeout_s):
        raise sqlite3.OperationalError("database is locked")
    if not gate.turn.acquire(gate.timeout_s - (time.monotonic() - started)):
        gate.lock.release()
        raise sqlite3.OperationalError("database is locked")
    info["in_gate"] = True
    waited = time.monotonic() - started
    if waited > 0.001:
        # The wait here counts against the busy timeout: what is left of it is all SQLite may
        # wait for other programs (the intake's 1.5 s budget stays 1.5 s in all).
        left_ms = max(1, int((gate.timeout_s - waited) * 1000))
        raw.execute(f"PRAGMA busy_timeout={left_ms}")
        info["busy_shortened"] = True


def leave(info: dict[Any, Any]) -> None:
    """The connection went back to the pool: its transaction is over, committed or rolled back."""
    if info.pop("in_gate", False):
        gate: WriterGate = info["gate"]
        gate.turn.release()
        gate.lock.release()
