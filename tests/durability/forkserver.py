"""Start ``warroom serve`` processes quickly: fork them from a process that has imported the app.

Importing the app costs about 1.6 s of CPU; the kill -9 test restarts a server a hundred times
on a 2-core machine. This module, run as ``python -m tests.durability.forkserver`` with the
servers' environment, imports what ``warroom serve`` imports (importing starts nothing: no
thread, no connection), then reads ``<port> <log file>`` lines on stdin and for each forks a
child that runs ``bot.cli.main(["serve", ...])`` exactly as the console script does, in a
session of its own, with its output appended to the log file, and prints the child's pid.

Children are reaped by the kernel (SIGCHLD ignored here), so a SIGKILLed server's pid is gone
as soon as it is dead. The fork server exits when its stdin closes; the servers it started are
stopped by whoever started them, by pid.

:class:`ForkServer` and :class:`ForkedServer` are the test's side (the same interface as
``tests.replicas.harness.Replica``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import traceback
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from tests.replicas.harness import free_port


def _preload() -> None:
    """Import what ``warroom serve`` imports before it serves (uvicorn's parts included)."""
    import uvicorn
    import uvicorn.lifespan.on
    import uvicorn.loops.auto
    import uvicorn.protocols.http.auto
    import uvicorn.protocols.websockets.auto

    import bot.cli
    import bot.composition
    import bot.config.startup
    import bot.kernel.settings

    del bot, uvicorn


def serve_forever() -> None:
    _preload()
    from bot.cli import main

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        port, log = line.split(maxsplit=1)
        pid = os.fork()
        if pid == 0:
            _child(main, int(port), log.strip())
        print(pid, flush=True)


def _child(main: object, port: int, log: str) -> None:
    code: object = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        random.seed()  # not the fork server's state: every server draws its own jitter
        out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        assert callable(main)
        code = main(["serve", "--host", "127.0.0.1", "--port", str(port)])
    except SystemExit as exit_:
        code = exit_.code
    except BaseException:
        traceback.print_exc()
    finally:
        with suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 1)


# --- the test's side ----------------------------------------------------------------------------


class ForkServer:
    """The fork server process, started with the servers' environment."""

    def __init__(self, env: dict[str, str], workdir: Path, log: Path) -> None:
        self._log: IO[bytes] = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.durability.forkserver"],
            env=env,
            cwd=workdir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )

    def fork(self, port: int, log: Path) -> int:
        """A new ``warroom serve`` on ``port``; its pid."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"{port} {log}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the fork server died; see {self._log.name}")
        return int(answer)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()


@dataclass
class ForkedServer:
    """One server's lives, each a process forked by ``forks``; output (all lives) in ``log``."""

    name: str
    forks: ForkServer
    log: Path
    port: int = field(default_factory=free_port)
    pid: int | None = None
    lives: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.pid is None, f"{self.name} is already running"
        self.lives += 1
        self._mark(f"life {self.lives}")
        self.pid = self.forks.fork(self.port, self.log)

    def alive(self) -> bool:
        return self.pid is not None and _exists(self.pid)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, leases stay with the dead process until they expire."""
        assert self.pid is not None, f"{self.name} is not running"
        self._signal(signal.SIGKILL, 30)
        self._mark("SIGKILLed")

    def stop(self) -> None:
        """SIGTERM (then SIGKILL if it lingers), this process only, by its pid."""
        if self.pid is None:
            return
        if not self._signal(signal.SIGTERM, 10):
            self._signal(signal.SIGKILL, 30)

    def tail(self, lines: int = 60) -> str:
        if not self.log.exists():
            return "(no output)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _signal(self, sig: signal.Signals, timeout: float) -> bool:
        """Send ``sig``; True once the process is gone (within ``timeout``)."""
        assert self.pid is not None
        with suppress(ProcessLookupError):
            os.kill(self.pid, sig)
        deadline = time.monotonic() + timeout
        while _exists(self.pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        self.pid = None
        return True

    def _mark(self, what: str) -> None:
        with self.log.open("ab") as out:
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
            out.write(f"\n===== {self.name} {what}, {stamp} =====\n".encode())


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


if __name__ == "__main__":
    serve_forever()
