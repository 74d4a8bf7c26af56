"""A value read from files, reloaded when they change, never replaced by a broken one.

Config, alert routes and playbooks are edited on disk (reviewed like code) and picked up without a
restart. A replica notices on its first read after ``check_every`` seconds: a few ``stat`` calls,
no thread. A valid change takes over at once and subscribers are told; a broken one (the loader
raises ``SourceErrors``) is logged with every error, kept in ``last_errors``, and the last good
value keeps serving, so a typo never stops paging.

Slack listeners read from many threads at once. Reads between checks take no lock (the value is
one reference, swapped whole), so they never wait behind a reload; looking at the stamp and
reloading happen under one lock, so two threads never reload at once. Subscribers are told outside
that lock (one may read this value, or another ``Reloading``, without deadlocking), by one thread
at a time and in load order: a thread that reloads while another is still telling them leaves its
value to that thread, which tells the newest value next (so a slow subscriber may skip a value
that was replaced meanwhile, never see an older one after a newer one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

from bot.kernel.yamlsource import SourceError, SourceErrors

log = logging.getLogger(__name__)

T = TypeVar("T")

FilesStamp = tuple[tuple[str, float, int], ...]


class Reloading(Generic[T]):
    """``load()``'s value, loaded again when ``stamp()`` changes (looked at every ``check_every``).

    ``initial``: the value already loaded (None: load it now; ``SourceErrors`` then propagates,
    since there is no last good value to keep serving). ``keep``: what to serve after a failed
    reload, given the current value (default: it, unchanged; subscribers are not told).
    ``what`` names the source in logs.
    """

    def __init__(
        self,
        load: Callable[[], T],
        stamp: Callable[[], object],
        *,
        what: str,
        initial: T | None = None,
        check_every: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        keep: Callable[[T], T] = lambda value: value,
    ) -> None:
        self._loader = load
        self._stamper = stamp
        self._what = what
        self._check_every = check_every
        self._monotonic = monotonic
        self._keep = keep
        self._lock = threading.Lock()
        self._subscribers: tuple[Callable[[T], None], ...] = ()
        self._unannounced: list[T] = []  # the newest value subscribers have not been told yet
        self._announcing = False  # a thread is telling the subscribers
        self._stamp = stamp()  # before loading: an edit made while loading is seen next time
        self._current = load() if initial is None else initial
        self._checked = monotonic()
        self.last_errors: list[SourceError] = []

    def __call__(self) -> T:
        """The current value, after looking at the stamp if ``check_every`` has passed."""
        if self._monotonic() - self._checked >= self._check_every:
            self._look(only_if_due=True)
        return self._current

    def check(self) -> None:
        """Look at the stamp now, whatever the interval (an input it covers may have changed)."""
        self._look(only_if_due=False)

    def reload(self) -> list[SourceError]:
        """Load again now; keep the current value (and return the errors) if the load fails."""
        with self._lock:
            self._reload(self._stamper())
            errors = self.last_errors
        self._announce()
        return errors

    def subscribe(self, callback: Callable[[T], None]) -> None:
        """Call ``callback`` with the new value after each successful reload (outside the lock,
        in the order subscribed; one that raises is logged and the others are still told)."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

    def _look(self, only_if_due: bool) -> None:
        with self._lock:
            now = self._monotonic()
            if only_if_due and now - self._checked < self._check_every:
                return  # another thread looked while this one waited for the lock
            self._checked = now
            stamp = self._stamper()
            if stamp == self._stamp:
                return
            self._reload(stamp)
        self._announce()

    def _reload(self, stamp: object) -> None:
        """Under the lock: load and swap, or record and log the errors and keep serving."""
        self._stamp = stamp
        try:
            value = self._loader()
        except SourceErrors as errors:
            self._current, self.last_errors = self._keep(self._current), errors.errors
            log.error(
                "%s not reloaded, still serving the last good one; %d error(s):\n%s",
                self._what,
                len(errors.errors),
                "\n".join(f"  {error}" for error in errors.errors),
            )
            return
        # The file can change between its stamp and its read: the next look then loads the same
        # content again, which is no news for the subscribers.
        unchanged = value == self._current
        self._current, self.last_errors = value, []
        if unchanged:
            return
        self._unannounced = [value]
        log.info("%s reloaded", self._what)

    def _announce(self) -> None:
        """Tell the subscribers the newest value until none is left, unless a thread already is."""
        with self._lock:
            if self._announcing:
                return  # that thread tells the newest value before it stops
            self._announcing = True
        try:
            while True:
                with self._lock:
                    if not self._unannounced:
                        self._announcing = False  # with the check, so no value is left behind
                        return
                    value, subscribers = self._unannounced.pop(), self._subscribers
                for callback in subscribers:
                    try:
                        callback(value)
                    except Exception:  # a subscriber's failure must not fail the read that reloaded
                        log.exception("a subscriber to %s failed after a reload", self._what)
        except BaseException:  # interrupted: let the next reload's thread announce
            with self._lock:
                self._announcing = False
            raise


def files_stamp(paths: Iterable[Path]) -> FilesStamp:
    """Each path's name, modification time and size: what an edit, an added or a removed file
    changes. A path that cannot be read (or vanished while listing) is stamped -1."""
    stamps = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            stamps.append((str(path), -1.0, -1))
        else:
            stamps.append((str(path), status.st_mtime, status.st_size))
    return tuple(stamps)
