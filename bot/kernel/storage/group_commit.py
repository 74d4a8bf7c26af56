"""Group commit: small writes that arrive together share one transaction, and each caller is
answered only after the commit that stored its write.

A burst of webhooks makes as many small write transactions; on SQLite each one takes the one
write lock and waits its turn behind the others. Here the first caller that finds no group
being written becomes its writer: it stores its own item and whatever queued up meanwhile (up
to ``most``) in one transaction, each in a savepoint so that one item's failure is only its
own, commits, and hands every caller its result. Callers that arrive during that commit are
written together by the next writer. No one waits for a timer: a lone item is written at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(eq=False)
class _Slot(Generic[Item, Result]):
    item: Item
    done: bool = False
    result: Result | None = None
    error: Exception | None = None


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        write: Callable[[Session, Item], Result],
        most: int = 64,
    ) -> None:
        """``write`` stores one item in the session's transaction and returns its result."""
        self._sessions = sessions
        self._write = write
        self._most = most
        self._queue: list[_Slot[Item, Result]] = []
        self._writing = False
        self._changed = threading.Condition()

    def submit(self, item: Item) -> Result:
        """Store ``item``, with whatever else arrives meanwhile; its result once committed.

        Raises what storing it raised (its own savepoint's error, or the commit's).
        """
        slot: _Slot[Item, Result] = _Slot(item)
        with self._changed:
            self._queue.append(slot)
            while self._writing and not slot.done:
                self._changed.wait()
            if not slot.done:
                self._writing = True
                group = self._take(slot)
        if not slot.done:
            self._store(group)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set whenever error is None

    def _take(self, own: _Slot[Item, Result]) -> list[_Slot[Item, Result]]:
        self._queue.remove(own)
        group, self._queue = [own, *self._queue[: self._most - 1]], self._queue[self._most - 1 :]
        return group

    def _store(self, group: list[_Slot[Item, Result]]) -> None:
        try:
            with self._sessions.begin() as session:
                for slot in group:
                    self._store_one(session, slot, savepoint=len(group) > 1)
        except Exception as error:  # the commit failed: nothing of the group is stored
            for slot in group:
                slot.result, slot.error = None, slot.error or error
        finally:
            with self._changed:
                for slot in group:
                    slot.done = True
                self._writing = False
                self._changed.notify_all()

    def _store_one(self, session: Session, slot: _Slot[Item, Result], savepoint: bool) -> None:
        if not savepoint:
            slot.result = self._write(session, slot.item)
            return
        try:
            with session.begin_nested():
                slot.result = self._write(session, slot.item)
        except Exception as error:  # rolled back to the savepoint: the others still commit
            slot.error = error
