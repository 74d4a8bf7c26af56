"""What a run that does not end left behind, so that a hang is a report, not a CI timeout.

- ``WARROOM_TEST_STACKS`` names a file: SIGUSR1 writes every thread's stack there (CI sends it
  when a pass outlives its bound, then prints the file).
- When the tests are over, a thread that is still at work and would keep the interpreter from
  exiting (not a daemon, not an idle pool worker) is reported with its stack, and the run exits
  with its own status instead of waiting for it forever.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading
import traceback
from typing import IO

import pytest

GRACE_SECONDS = 5.0  # a thread finishing its last request is not stuck
_stacks: list[IO[str]] = []  # kept open for faulthandler, which writes from a signal handler
_verdict: list[int] = []  # the session's exit status, for the exit that does not wait


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get("WARROOM_TEST_STACKS")
    if path and not _stacks:
        _stacks.append(open(path, "a"))  # noqa: SIM115  (open for the process's whole life)
        faulthandler.register(signal.SIGUSR1, file=_stacks[0], all_threads=True)


def _idle(stack: traceback.StackSummary) -> bool:
    """A pool worker waiting for work (it exits when the pool is shut down at exit)."""
    return any(
        frame.name == "_worker" and "work_queue.get" in (frame.line or "") for frame in stack
    )


def _busy_threads() -> dict[str, str]:
    """Threads that would keep the interpreter from exiting, by name, with their stacks."""
    frames = sys._current_frames()
    busy = {}
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        if thread is threading.main_thread() or thread.daemon or frame is None:
            continue
        stack = traceback.extract_stack(frame)
        if not _idle(stack):
            busy[thread.name] = "".join(stack.format())
    return busy


def _stuck_threads() -> dict[str, str]:
    busy = _busy_threads()
    for thread in threading.enumerate():
        if thread.name in busy:
            thread.join(GRACE_SECONDS / max(len(busy), 1))
    return _busy_threads()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _verdict.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    stuck = _stuck_threads()
    if not stuck:
        return
    out = sys.__stderr__ or sys.stderr
    print(f"\n{len(stuck)} thread(s) still at work after the tests:", file=out)
    for name, stack in stuck.items():
        print(f"--- {name}\n{stack}", file=out)
    out.flush()
    sys.stdout.flush()
    # Waiting for them would hang the run until CI's bound; the run's own verdict stands.
    os._exit(_verdict[-1] if _verdict else 1)
